/* net.h - networking inside the sandbox, over rtnetlink (libmnl). */
#ifndef CELL_NET_H
#define CELL_NET_H

#include <stdbool.h>

#include "err.h"

/* Bring the loopback device of the current network namespace up.
 * Allocation-free: safe between clone and execve. */
int cell_net_lo_up(struct cell_err *err);

/* The sandbox's own network namespace, made beside the rest of the setup.
 *
 * Making a network namespace is the dearest step of a start (about 0.4 ms
 * here, more than building the whole root) and depends on nothing else the
 * child does.  So instead of clone3(CLONE_NEWNET), cell starts a helper
 * process (sharing its memory, on another CPU when it may use one) that
 * joins the sandbox's user namespace, so that the new namespace belongs to
 * it as one from clone3 would, makes the namespace, brings lo up and keeps
 * an fd to it, while the child builds the root.  The helper is a process of
 * its own, outside the sandbox's pid namespace: the command stays PID 2.
 * It sends the fd to the child (CELL_MSG_NETNS), which setns()es into it
 * before anything that could see the network runs.
 *
 * Parent side.  start: the helper runs; userns is an fd of the sandbox's
 * user namespace, which the helper closes (opened while the child may still
 * be ptrace-read: it stays dumpable until it has entered the namespace);
 * sock is cell's end of the sync socket, over which the helper itself
 * sends the namespace to the child (CELL_MSG_NETNS), after everything cell
 * sent before start.  finish: wait for it; 0 when the child has the
 * namespace (or is gone, having said why), -errno with err saying which
 * step failed.  abort: kill and reap it (error paths; a no-op when none
 * runs). */
bool cell_net_helper_available(void);
int cell_net_helper_start(int userns, int sock, struct cell_err *err);
int cell_net_helper_finish(struct cell_err *err);
void cell_net_helper_abort(void);

#endif
