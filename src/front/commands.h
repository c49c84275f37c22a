/* commands.h - subcommands implemented in their own front-end files.
 *
 * Each one is `int cell_cmd_NAME(int argc, char **argv)` (argv[0] is the
 * subcommand's name) that prints its own output, prints errors as one line
 * "cell: ..." on stderr and returns the exit status (125 on bad input), plus
 * a help text `cell_cmd_NAME_help`.  Add a file, declare it here, list it in
 * CELL_EXTRA_COMMANDS and in src/meson.build.
 */
#ifndef CELL_COMMANDS_H
#define CELL_COMMANDS_H

#define CELL_EXTRA_COMMANDS

#endif
