/* cli.h - the command-line front end: argv -> struct cell_spec.  No kernel
 * calls; errors come back in struct cell_err for main to print. */
#ifndef CELL_CLI_H
#define CELL_CLI_H

#include <stdbool.h>

#include "../lib/err.h"
#include "../lib/spec.h"

enum cell_cli_result {
	CELL_CLI_RUN,	     /* spec filled: launch it */
	CELL_CLI_PRINT_SPEC, /* spec filled: print it */
	CELL_CLI_HELP,	     /* help was asked for */
};

/* Parse `cell run` arguments (argv[0] is "run").  envp is the caller's
 * environment (for the sandbox's defaults and --keep-env); cwd resolves
 * relative paths.  Returns enum cell_cli_result or -errno with err set. */
int cell_cli_parse_run(int argc, char **argv, char **envp, const char *cwd,
		       struct cell_spec **ret, struct cell_err *err);

extern const char cell_cli_run_help[];

/* For profiles: 0 when `cell run` option NAME ("--memory" or "memory")
 * takes no value, 1 when it takes one, -1 when there is no such option. */
int cell_cli_option_arity(const char *name);

#endif
