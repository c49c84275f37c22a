/* sandboxcmd.c - named sandboxes: placeholders until the front end lands. */
#include <stdio.h>

#include "commands.h"

const char cell_cmd_ls_help[] = "Usage: cell ls ... (not built yet)\n";

int cell_cmd_ls(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "cell: ls: not built yet\n");
	return 125;
}

const char cell_cmd_enter_help[] = "Usage: cell enter ... (not built yet)\n";

int cell_cmd_enter(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "cell: enter: not built yet\n");
	return 125;
}

const char cell_cmd_ps_help[] = "Usage: cell ps ... (not built yet)\n";

int cell_cmd_ps(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "cell: ps: not built yet\n");
	return 125;
}

const char cell_cmd_stop_help[] = "Usage: cell stop ... (not built yet)\n";

int cell_cmd_stop(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "cell: stop: not built yet\n");
	return 125;
}

const char cell_cmd_rm_help[] = "Usage: cell rm ... (not built yet)\n";

int cell_cmd_rm(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "cell: rm: not built yet\n");
	return 125;
}

const char cell_cmd_gc_help[] = "Usage: cell gc ... (not built yet)\n";

int cell_cmd_gc(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "cell: gc: not built yet\n");
	return 125;
}

const char cell_cmd_logs_help[] = "Usage: cell logs ... (not built yet)\n";

int cell_cmd_logs(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "cell: logs: not built yet\n");
	return 125;
}
