/* joincmd.h - `cell run --join NAME` (joincmd.c): a new command in the
 * namespaces a named sandbox kept. */
#ifndef CELL_JOINCMD_H
#define CELL_JOINCMD_H

#include <stdbool.h>

/* Whether `cell run` arguments (argv[0] is "run") ask for --join before
 * the command: then cell_cmd_run_join() takes them instead of the spec
 * parser. */
bool cell_cli_run_joins(int argc, char **argv);

/* Parse, join, run; prints errors as one line and returns the exit status
 * (the command's, or 125/126/127). */
int cell_cmd_run_join(int argc, char **argv);

#endif
