/* doctor.c - `cell doctor`: placeholder until its front end lands. */
#include <stdio.h>

#include "commands.h"

const char cell_cmd_doctor_help[] = "Usage: cell doctor [--json] (not built yet)\n";

int cell_cmd_doctor(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "cell: doctor: not built yet\n");
	return 125;
}
