/* unitcmd.c - `cell unit`: placeholder until its front end lands. */
#include <stdio.h>

#include "commands.h"

const char cell_cmd_unit_help[] = "Usage: cell unit ... (not built yet)\n";

int cell_cmd_unit(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "cell: unit: not built yet\n");
	return 125;
}
