/*
 * main.c - fairaudit-server: the commands of fairaudit that need
 * PostgreSQL, serve, migrate and keys.  `fairaudit serve` (cli/main.c)
 * runs this program in its own place, so that the offline commands do
 * not load libpq and libmicrohttpd with everything they bring.
 *
 * Configuration comes from the environment:
 *   DATABASE_URL        libpq connection string or URL (required for serve,
 *                       migrate and keys)
 *   FAIRAUDIT_ADDR      listen address, default 127.0.0.1:8080
 *   FAIRAUDIT_MIGRATIONS folder of migrations, default ./migrations, then
 *                       /usr/share/fairaudit/migrations
 *   FAIRAUDIT_DB_POOL   database connections per process, default 16
 *   FAIRAUDIT_BOUNTY_CACHE  bounty datasets kept in memory between
 *                       submissions, default 2 (0: load every time)
 * and the connection limits of struct http_limits (defaults and meaning in
 * common/limits.h): FAIRAUDIT_MAX_UPLOAD_BYTES, FAIRAUDIT_HEADER_TIMEOUT,
 * FAIRAUDIT_BODY_MIN_RATE, FAIRAUDIT_IDLE_TIMEOUT, FAIRAUDIT_MAX_CONNECTIONS,
 * FAIRAUDIT_MAX_CONNECTIONS_PER_IP.
 */
#include "common/fa.h"
#include "common/buf.h"
#include "common/limits.h"
#include "common/util.h"
#include "server/http.h"
#include "server/routes.h"
#include "server/log.h"
#include "server/store.h"
#include "server/slice_worker.h"
#include <gsl/gsl_errno.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/stat.h>

static const char usage[] =
	"usage: fairaudit serve [--no-migrate]\n"
	"       fairaudit migrate\n"
	"       fairaudit keys create --role ROLE --name NAME\n"
	"(fairaudit help lists every command)\n";

static const char *env_or(const char *name, const char *def)
{
	const char *v = getenv(name);

	return v && *v ? v : def;
}

/* A whole number from the environment in [lo, hi], or def when unset. */
static uint64_t env_number(const char *name, uint64_t def, uint64_t lo,
			   uint64_t hi)
{
	const char *v = getenv(name);
	int64_t n;

	if (!v || !*v)
		return def;
	if (parse_i64(v, strlen(v), &n) || n < 0 || (uint64_t)n < lo ||
	    (uint64_t)n > hi)
		die("%s \"%s\" is not a whole number from %llu to %llu", name, v,
		    (unsigned long long)lo, (unsigned long long)hi);
	return (uint64_t)n;
}

static void read_limits(struct http_limits *l)
{
	l->max_upload = env_number("FAIRAUDIT_MAX_UPLOAD_BYTES",
				   FA_MAX_UPLOAD_BYTES, 1, INT64_MAX);
	l->header_timeout = (unsigned)env_number("FAIRAUDIT_HEADER_TIMEOUT",
						 FA_HEADER_TIMEOUT, 0, 86400);
	l->body_min_rate = (unsigned)env_number("FAIRAUDIT_BODY_MIN_RATE",
						FA_BODY_MIN_RATE, 0, 1u << 30);
	l->idle_timeout = (unsigned)env_number("FAIRAUDIT_IDLE_TIMEOUT",
					       FA_IDLE_TIMEOUT, 0, 86400);
	l->max_connections = (unsigned)env_number("FAIRAUDIT_MAX_CONNECTIONS",
						  FA_MAX_CONNECTIONS, 1, 1000000);
	l->max_per_ip = (unsigned)env_number("FAIRAUDIT_MAX_CONNECTIONS_PER_IP",
					     FA_MAX_CONNECTIONS_PER_IP, 0, 1000000);
}

/*
 * Each connection is a descriptor: raise the soft RLIMIT_NOFILE as far as
 * max_connections needs (besides the database pool and some to spare), or
 * to the hard limit and serve fewer connections, said in the log.
 */
static void fit_open_files(struct http_limits *l, int pool)
{
	rlim_t spare = (rlim_t)pool + 64, need = l->max_connections + spare;
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return;
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
		rl.rlim_cur = rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need ?
			      rl.rlim_max : need;
		if (setrlimit(RLIMIT_NOFILE, &rl))
			getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
		unsigned fit = rl.rlim_cur > spare + 16 ?
			       (unsigned)(rl.rlim_cur - spare) : 16;

		log_info("open files are limited to %llu: serving at most %u"
			 " connections, not %u", (unsigned long long)rl.rlim_cur,
			 fit, l->max_connections);
		l->max_connections = fit;
	}
}

static const char *migrations_dir(void)
{
	const char *v = getenv("FAIRAUDIT_MIGRATIONS");
	struct stat st;

	if (v && *v)
		return v;
	if (!stat("migrations", &st) && S_ISDIR(st.st_mode))
		return "migrations";
	return "/usr/share/fairaudit/migrations";
}

static struct store *open_store_or_die(int pool)
{
	const char *url = getenv("DATABASE_URL");
	struct store *s;
	struct buf err = BUF_INIT;

	if (!url || !*url)
		die("DATABASE_URL is not set");
	if (store_open(&s, url, pool, &err))
		die("%s", err.s);
	return s;
}

static int run_migrations(struct store *s)
{
	struct db *db = store_lease(s);
	struct buf err = BUF_INIT;
	int applied, rc;

	rc = store_migrate(db, migrations_dir(), &applied, &err);
	store_return(s, db);
	if (rc) {
		log_error("%s", err.s);
		buf_release(&err);
		return -1;
	}
	log_info("migrations: %d applied", applied);
	return 0;
}

static int cmd_migrate(void)
{
	struct store *s = open_store_or_die(1);
	int rc = run_migrations(s);

	store_free(s);
	return rc ? 1 : 0;
}

static int cmd_keys(int argc, char **argv)
{
	const char *role = NULL, *name = NULL;
	static const char *const roles[] = { "admin", "analyst", "hunter", "viewer" };
	struct store *s;
	struct db *db;
	char *key = NULL;
	bool ok = false;
	int rc;

	if (argc < 2 || strcmp(argv[1], "create")) {
		fputs(usage, stderr);
		return 2;
	}
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--role") && i + 1 < argc)
			role = argv[++i];
		else if (!strcmp(argv[i], "--name") && i + 1 < argc)
			name = argv[++i];
		else {
			fprintf(stderr, "fairaudit keys: unknown argument \"%s\"\n", argv[i]);
			return 2;
		}
	}
	if (!role || !name || !*name) {
		fputs("fairaudit keys create needs --role and --name\n", stderr);
		return 2;
	}
	for (size_t i = 0; i < ARRAY_SIZE(roles); i++)
		ok |= !strcmp(role, roles[i]);
	if (!ok) {
		fprintf(stderr, "fairaudit keys: role \"%s\" is not one of admin,"
			" analyst, hunter, viewer\n", role);
		return 2;
	}
	if (strlen(name) >= FA_KEY_NAME_MAX) {
		fprintf(stderr, "fairaudit keys: name is longer than %d bytes\n",
			FA_KEY_NAME_MAX - 1);
		return 2;
	}
	s = open_store_or_die(1);
	db = store_lease(s);
	rc = store_key_create(db, name, role, &key);
	store_return(s, db);
	store_free(s);
	if (rc) {
		fputs("fairaudit keys: could not create the key (see the log;"
		      " has `fairaudit migrate` run?)\n", stderr);
		return 1;
	}
	printf("%s\n", key);
	free(key);
	return 0;
}


/* First start: no key at all yet, so create an admin key and show it once. */
static int bootstrap_admin_key(struct store *s)
{
	struct db *db = store_lease(s);
	int64_t n = 0;
	char *key = NULL;
	int rc = store_key_count(db, &n);

	if (!rc && n == 0) {
		rc = store_key_create(db, "bootstrap-admin", "admin", &key);
		if (!rc) {
			fprintf(stdout,
				"\n  First start: created an admin API key. It is shown"
				" only once; keep it:\n\n    %s\n\n", key);
			fflush(stdout);
			free(key);
		}
	}
	store_return(s, db);
	return rc;
}

static int cmd_serve(int argc, char **argv)
{
	struct server srv = { 0 };
	struct buf err = BUF_INIT;
	bool migrate = true;
	const char *addr = env_or("FAIRAUDIT_ADDR", "127.0.0.1:8080");
	int64_t pool = 16;
	const char *pool_env = getenv("FAIRAUDIT_DB_POOL");
	const char *workers_env = getenv("FAIRAUDIT_SLICE_WORKERS");
	int64_t nworkers = 1;
	struct slice_workers *workers;
	sigset_t stop;
	int sig = 0;

	/*
	 * SIGINT and SIGTERM are blocked here, before any thread exists, so
	 * every thread inherits the mask and only the sigwait() below takes
	 * them: a signal delivered to a libmicrohttpd or pool thread would
	 * otherwise leave this thread waiting forever.
	 */
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN);
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--no-migrate")) {
			migrate = false;
		} else {
			fprintf(stderr, "fairaudit serve: unknown argument \"%s\"\n",
				argv[i]);
			return 2;
		}
	}
	if (pool_env && (parse_i64(pool_env, strlen(pool_env), &pool) ||
			 pool < 1 || pool > 1000))
		die("FAIRAUDIT_DB_POOL \"%s\" is not a number from 1 to 1000", pool_env);
	if (workers_env && (parse_i64(workers_env, strlen(workers_env),
				      &nworkers) || nworkers < 0 ||
			    nworkers > 64))
		die("FAIRAUDIT_SLICE_WORKERS \"%s\" is not a number from 0 to "
		    "64", workers_env);
	read_limits(&srv.limits);
	fit_open_files(&srv.limits, (int)pool);
	srv.store = open_store_or_die((int)pool);
	srv.route_match = routes_match;
	srv.route_allowed = routes_allowed;
	if (migrate && run_migrations(srv.store))
		die("migrations failed; not serving");
	if (bootstrap_admin_key(srv.store))
		die("could not check or create the first admin key");
	if (http_start(&srv, addr, &err))
		die("%s", err.s);
	workers = slice_workers_start(srv.store, (int)nworkers);
	log_info("serving on http://%s", addr);

	while (sigwait(&stop, &sig) || (sig != SIGINT && sig != SIGTERM))
		;
	log_info("stopping on %s", sig == SIGINT ? "SIGINT" : "SIGTERM");
	http_stop(&srv);
	slice_workers_stop(workers);
	store_free(srv.store);
	return 0;
}

int main(int argc, char **argv)
{
	/* GSL's default handler aborts; callers check GSL's return values. */
	gsl_set_error_handler_off();
	if (argc < 2) {
		fputs(usage, stderr);
		return 2;
	}
	if (!strcmp(argv[1], "serve"))
		return cmd_serve(argc - 1, argv + 1);
	if (!strcmp(argv[1], "migrate"))
		return cmd_migrate();
	if (!strcmp(argv[1], "keys"))
		return cmd_keys(argc - 1, argv + 1);
	fprintf(stderr, "fairaudit: unknown command \"%s\"\n%s", argv[1], usage);
	return 2;
}
