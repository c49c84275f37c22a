/* net.h - networking inside the sandbox, over rtnetlink (libmnl). */
#ifndef CELL_NET_H
#define CELL_NET_H

#include "err.h"

/* Bring the loopback device of the current network namespace up.
 * Allocation-free: safe between clone and execve. */
int cell_net_lo_up(struct cell_err *err);

#endif
