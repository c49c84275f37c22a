/* launch.h - turn a spec into a running sandbox and wait for it. */
#ifndef CELL_LAUNCH_H
#define CELL_LAUNCH_H

#include <stdio.h>
#include <sys/ioctl.h>

#include "err.h"
#include "idmap.h"
#include "mount.h"
#include "netplan.h"
#include "nft.h"
#include "seccomp.h"
#include "spec.h"

/* Everything the child needs, computed before clone so the child only acts. */
struct cell_plan {
	const struct cell_spec *spec;
	struct cell_host host;
	struct cell_idmap_plan ids;
	struct cell_mount_plan mounts;
	unsigned clone_flags;	/* CLONE_NEW* */
	const char *hostname;	/* NULL: leave as is */
	bool pty;
	bool have_winsize;
	struct winsize winsize;	/* the caller's terminal size, for the pty */
	struct cell_netplan net;
	struct cell_nft_batch allow_nft; /* the child installs it (empty: no allowlist) */
	bool net_sync;		/* the parent sets up the network before GO */
	struct cell_seccomp_prog seccomp; /* compiled once; len 0: --seccomp none */
	unsigned seccomp_rules;	/* rules of the resolved policy (for --print-spec) */
};

/* Plan without side effects (also what --print-spec shows). */
int cell_plan_make(const struct cell_spec *s, struct cell_plan *ret, struct cell_err *err);
void cell_plan_clear(struct cell_plan *p);
void cell_plan_print(const struct cell_plan *p, FILE *f);

/* The memory of the process's command line (argv[0] to the end of the last
 * argument).  When set, init overwrites its copy so that /proc/1/cmdline
 * inside shows "cell-init", not the host paths cell was started with. */
void cell_launch_set_cmdline_area(char *start, size_t len);

/* Run the sandbox to completion.  Returns the exit status cell should use
 * (the command's, 128+N for signal N), or -errno with err filled, in which
 * case err->status is the status to use (125, 126 or 127). */
int cell_launch(const struct cell_plan *p, struct cell_err *err);

/* Where cell_launch() sends notes about changes to the host that outlive the
 * sandbox (turning on net.ipv4.ip_forward for --nat).  NULL: none. */
void cell_launch_set_notice(void (*notice)(const char *msg));

#endif
