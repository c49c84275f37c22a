/* netcmd.c - `cell net`: placeholder until its front end lands. */
#include <stdio.h>

#include "commands.h"

const char cell_cmd_net_help[] = "Usage: cell net ... (not built yet)\n";

int cell_cmd_net(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "cell: net: not built yet\n");
	return 125;
}
