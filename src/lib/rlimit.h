/* rlimit.h - resource limits of the sandboxed command (getrlimit(2), prlimit(1)).
 *
 * `--rlimit NAME=SOFT[:HARD]` for every RLIMIT_* the kernel has.  NAME is the
 * resource in either case, with or without the RLIMIT_ prefix ("nofile",
 * "NOFILE", "RLIMIT_NOFILE").  Values follow prlimit(1):
 *
 *   NAME=N      soft and hard limit N
 *   NAME=S:H    soft S, hard H (S <= H)
 *   NAME=S:     soft S only, the hard limit stays
 *   NAME=:H     hard H only, the soft limit stays (lowered to H if above)
 *
 * N is a decimal number or "unlimited" (also "infinity"); limits measured in
 * bytes (as, core, data, fsize, memlock, msgqueue, rss, stack) take the
 * suffixes k, M, G, T (KiB, MiB, ...).  cpu is in seconds, rttime in
 * microseconds, the others are counts (nice and rtprio as in setrlimit(2)).
 *
 * Parsing is pure.  cell_rlimits_apply() runs in the child, after the mounts
 * and before the capabilities are dropped (DESIGN.md step 3), and is
 * allocation-free.  Raising a hard limit needs CAP_SYS_RESOURCE in the
 * initial user namespace: a sandbox in its own user namespace never has it,
 * and root may lack it too (this machine's root does), so the error says so;
 * cell_rlimits_apply_pid() lets the parent set the limits of the not yet
 * released child with its own privileges instead (prlimit(2)).
 */
#ifndef CELL_RLIMIT_H
#define CELL_RLIMIT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "err.h"

/* RLIM_NLIMITS from the kernel headers (16 since Linux 2.6.25). */
#define CELL_RLIMIT_MAX 16

struct cell_rlimit {
	bool soft_set, hard_set;
	rlim_t soft, hard; /* RLIM_INFINITY for "unlimited" */
};

/* Indexed by the RLIMIT_* number; plain data, copy it freely. */
struct cell_rlimits {
	struct cell_rlimit r[CELL_RLIMIT_MAX];
};

/* RLIMIT_* number for a name (see above), or -1. */
int cell_rlimit_from_name(const char *name);
/* Lower-case name without prefix ("nofile"), or NULL when out of range. */
const char *cell_rlimit_name(int resource);

/* Parse one NAME=SOFT[:HARD] into *ret_resource and *ret.  Errors name the
 * culprit: unknown resource, bad number, soft above hard. */
int cell_rlimit_parse(const char *arg, int *ret_resource, struct cell_rlimit *ret,
		      struct cell_err *err);

/* Parse arg and merge it into set (a later value for the same resource
 * replaces the parts it gives). */
int cell_rlimits_add(struct cell_rlimits *set, const char *arg, struct cell_err *err);

/* Format "nofile=1024:4096" (or "nofile=1024:", ":4096", "unlimited") into
 * buf; returns buf.  For --print-spec. */
const char *cell_rlimit_format(int resource, const struct cell_rlimit *rl, char *buf,
			       unsigned len);

/* Compute the limit to set from the current one: the parts not given keep
 * their current value, and an inherited soft limit above a new hard limit is
 * lowered to it.  Fails (-EINVAL, message) when the result has soft > hard. */
int cell_rlimit_resolve(int resource, const struct cell_rlimit *want, const struct rlimit *cur,
			struct rlimit *ret, struct cell_err *err);

/* Child: set every limit in set on the calling process.  Allocation-free. */
int cell_rlimits_apply(const struct cell_rlimits *set, struct cell_err *err);

/* Parent: the same on process pid through prlimit(2), with the parent's
 * privileges (call before the child is released). */
int cell_rlimits_apply_pid(const struct cell_rlimits *set, pid_t pid, struct cell_err *err);

#endif
