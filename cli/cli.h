/*
 * cli.h - the offline scorer: `fairaudit score`.
 */
#ifndef FA_CLI_H
#define FA_CLI_H

/* Run `fairaudit score ARGS`; argv[0] is "score".  Returns the exit code. */
int cmd_score(int argc, char **argv);
/* Run `fairaudit plan ARGS`; argv[0] is "plan".  Returns the exit code. */
int cmd_plan(int argc, char **argv);

#endif
