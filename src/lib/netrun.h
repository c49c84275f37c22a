/* netrun.h - the host side of a sandbox's network, for its lifetime.
 *
 * Man pages: veth(4), nft(8), pasta(1), proc(5) (ip_forward).
 *
 * The launcher calls, in this order:
 *
 *   cell_netrun_prepare()   before clone: make the state directory (the
 *                           registration that lets gc find what a killed
 *                           cell left) and write the sandbox's resolv.conf
 *   cell_netrun_setup()     after clone, before the child goes on: the veth
 *                           pair, the host's nftables table, ip_forward, or
 *                           pasta; returns once the network inside is ready
 *   cell_netrun_teardown()  on every exit path, in reverse (the veth pair
 *                           goes with the sandbox's namespace, in the
 *                           kernel's background work)
 *
 * What survives a kill -9 of cell: nothing of the veth pair (its peer is in
 * the sandbox's namespace, which ends with the sandbox, and cell keeps no fd
 * of it); nothing of the nftables table on kernels that know owned tables
 * (Linux 5.12); pasta dies with cell (parent-death signal, and it keeps
 * cell's credentials).  The state directory stays, and with it, on older
 * kernels, the table: cell_netrun_gc_quick() at the next root run and `cell
 * net gc` remove them.
 */
#ifndef CELL_NETRUN_H
#define CELL_NETRUN_H

#include <stdbool.h>
#include <sys/types.h>

#include "err.h"
#include "netplan.h"

/* Root's registry of running sandboxes with host-side objects. */
#define CELL_NETRUN_DIR "/run/cell/run"

struct cell_netrun {
	const struct cell_netplan *np;
	bool dir_made;
	bool veth_made;
	int nft_fd;	 /* owns the host table (NFT_TABLE_F_OWNER) */
	bool table_made; /* made without an owner: delete it at the end */
	bool forward_enabled;
	pid_t pasta_pid;
	int pasta_pidfd;
	int fifo;	 /* pasta writes its PID here once it is ready */
};
#define CELL_NETRUN_INIT { .nft_fd = -1, .pasta_pidfd = -1, .fifo = -1 }

int cell_netrun_prepare(struct cell_netrun *nr, const struct cell_netplan *np,
			struct cell_err *err);
/* child: the sandbox's PID on the host; child_userns: it has its own user
 * namespace (pasta joins it). */
int cell_netrun_setup(struct cell_netrun *nr, pid_t child, bool child_userns,
		      struct cell_err *err);
void cell_netrun_teardown(struct cell_netrun *nr);

/* Remove what sandboxes whose cell has ended left: their state directories
 * under CELL_NETRUN_DIR, their tables ("cell_run_PID_START") and links
 * ("cell:run:PID:START"; see also cell_veth_gc()).  report() hears of each
 * (may be NULL).  Returns how many objects it removed. */
int cell_netrun_gc(void (*report)(const char *what, const char *why, void *data), void *data,
		   struct cell_err *err);
/* The same at the start of a run, as root, and only when the registry has an
 * entry whose cell has ended: one failed open() in the common case.
 * Failures are ignored (the run does not depend on them). */
void cell_netrun_gc_quick(void);

#endif
