/*
 * cli_score.c - `fairaudit score`: evaluation of local files with no server
 * and no database.
 */
#include "common/fa.h"
#include "server/cli.h"

int cmd_score(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fputs("fairaudit score: not available in this build\n", stderr);
	return 2;
}
