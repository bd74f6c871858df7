/*
 * main.c - the fairaudit command line.
 *
 * The offline commands (score, plan, slices) run here, in a program that
 * links only the pure modules, GSL, cJSON and utf8proc.  The commands that
 * need PostgreSQL (serve, migrate, keys) are fairaudit-server's
 * (server/main.c): this program runs it in its own place (exec, so the
 * process, its pid and its signals stay the same), from the folder this
 * program is in, else from PATH.  libpq and libmicrohttpd bring some
 * twenty more shared libraries with them, whose loading and relocation
 * took about 10 ms of every offline run, as much as scoring 5,000
 * utterances.
 */
#include "common/fa.h"
#include "cli/cli.h"
#include <gsl/gsl_errno.h>
#include <limits.h>
#include <unistd.h>

#define SERVER_PROGRAM "fairaudit-server"

static const char usage[] =
	"usage: fairaudit serve [--no-migrate]\n"
	"       fairaudit migrate\n"
	"       fairaudit keys create --role ROLE --name NAME\n"
	"       fairaudit score --task TASK --truth FILE --predictions FILE --by COLS [options]\n"
	"       fairaudit plan --base-rate P [--ratio R] [--cohorts N] [options]\n"
	"       fairaudit slices --task T --truth F --predictions F [options]\n"
	"       fairaudit help score\n";

/* Run fairaudit-server with our arguments; returns only on failure. */
static int run_server(char **argv)
{
	char self[PATH_MAX], path[PATH_MAX + sizeof(SERVER_PROGRAM)];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n > 0) {
		char *slash;

		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash) {
			slash[1] = '\0';
			snprintf(path, sizeof(path), "%s%s", self, SERVER_PROGRAM);
			argv[0] = path;
			execv(path, argv);
		}
	}
	argv[0] = (char *)SERVER_PROGRAM;
	execvp(SERVER_PROGRAM, argv);
	fprintf(stderr, "fairaudit: cannot run %s (beside %s, or on PATH): "
		"%s\n", SERVER_PROGRAM, n > 0 ? self : "this program",
		strerror(errno));
	return 1;
}

int main(int argc, char **argv)
{
	/* GSL's default handler aborts; callers check GSL's return values. */
	gsl_set_error_handler_off();
	if (argc < 2) {
		fputs(usage, stderr);
		return 2;
	}
	if (!strcmp(argv[1], "serve") || !strcmp(argv[1], "migrate") ||
	    !strcmp(argv[1], "keys"))
		return run_server(argv);
	if (!strcmp(argv[1], "score"))
		return cmd_score(argc - 1, argv + 1);
	if (!strcmp(argv[1], "plan"))
		return cmd_plan(argc - 1, argv + 1);
	if (!strcmp(argv[1], "slices"))
		return cmd_slices(argc - 1, argv + 1);
	if (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "-h")) {
		fputs(usage, stdout);
		return 0;
	}
	fprintf(stderr, "fairaudit: unknown command \"%s\"\n%s", argv[1], usage);
	return 2;
}
