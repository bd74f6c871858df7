/*
 * cli.h - the offline scorer: `fairaudit score`.
 */
#ifndef FA_CLI_H
#define FA_CLI_H

/* Run `fairaudit score ARGS`; argv[0] is "score".  Returns the exit code. */
int cmd_score(int argc, char **argv);
/* Run `fairaudit plan ARGS`; argv[0] is "plan".  Returns the exit code. */
int cmd_plan(int argc, char **argv);
/* Run `fairaudit slices ARGS`; argv[0] is "slices".  The exit code. */
int cmd_slices(int argc, char **argv);

#include "cohorts/table.h"

/* The files of one data set, as `fairaudit score` takes them. */
struct cli_files {
	const char *task, *truth, *predictions, *attributes;
	const char *positive, *negative, *classes, *normalize;
};

/*
 * Load f into t (initialised) through the upload parsers: 0, or the exit
 * code (1 bad data, 2 bad options) after saying why on standard error.
 */
int cli_load_files(const struct cli_files *f, struct table *t);

#endif
