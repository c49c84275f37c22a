/* rootcmd.c - `cell root`: placeholder until its front end lands. */
#include <stdio.h>

#include "commands.h"

const char cell_cmd_root_help[] = "Usage: cell root ... (not built yet)\n";

int cell_cmd_root(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "cell: root: not built yet\n");
	return 125;
}
