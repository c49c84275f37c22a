/* init.h - the child side: from clone to execve, and cell's PID 1. */
#ifndef CELL_INIT_H
#define CELL_INIT_H

#include <signal.h>

#include "launch.h"

struct cell_child_ctx {
	const struct cell_plan *plan;
	char *cmdline;		/* see cell_launch_set_cmdline_area() */
	size_t cmdline_len;
	int sock;		/* child end of the sync socketpair */
	int landlock_fd;	/* the prepared Landlock ruleset (-1: none) */
	sigset_t saved_mask;	/* the signal mask to give the command */
};

/* Runs in the cloned child; never returns. */
__attribute__((noreturn)) void cell_child_main(struct cell_child_ctx *c);

#endif
