/* launch.h - turn a spec into a running sandbox and wait for it. */
#ifndef CELL_LAUNCH_H
#define CELL_LAUNCH_H

#include <stdio.h>
#include <sys/ioctl.h>

#include "cgroup.h"
#include "err.h"
#include "idmap.h"
#include "landlock.h"
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
	/* The new network namespace (lo only) is made by a thread of the
	 * child while it builds the root, not by clone3 (net.h). */
	bool net_parallel;
	/* The seccomp filter: a policy file's resolved policy, or the built-in
	 * one (seccomp_builtin), which is parsed only when no kept program
	 * matches (seccache.h); neither: --seccomp none.  It is compiled by the
	 * parent after clone, while the child builds the sandbox, and sent to
	 * the child, which loads it last (init.c). */
	struct cell_seccomp_policy *seccomp_policy;
	bool seccomp_builtin;
	struct cell_rlimits rlimits; /* the command's: --rlimit plus --time-limit's cpu */
	bool want_cgroup;	/* limits, or stats for --report/--time-limit */
	bool wait_go;		/* the child waits for GO (cgroup attach) */
	/* --landlock: rules from the mounts; prepared (ruleset made) by
	 * cell_launch(), applied by the command's process.  NULL: none. */
	struct cell_landlock_plan *landlock;
};

/* Whether the sandbox gets a seccomp filter. */
static inline bool cell_plan_seccomp(const struct cell_plan *p)
{
	return p->seccomp_policy || p->seccomp_builtin;
}

/* What became of a run, for --report (cell_launch_set_report()). */
enum {
	CELL_REPORT_HIT_MEMORY = 1u << 0, /* usage reached --memory (or the OOM killer ran) */
	CELL_REPORT_HIT_PIDS = 1u << 1,	  /* a fork was refused by --pids */
	CELL_REPORT_HIT_CPU = 1u << 2,	  /* --time-limit */
	CELL_REPORT_HIT_WALL = 1u << 3,	  /* --wall-limit */
};

struct cell_report {
	bool started;		/* the sandbox was started */
	bool have_status;	/* the command's own status is known */
	int status;		/* its wait status (or init's) */
	int exit_status;	/* what cell exits with */
	const char *killed_by;	/* "memory", "pids", "cpu", "wall" or NULL */
	unsigned hit;		/* CELL_REPORT_HIT_* */
	uint64_t wall_usec, user_usec, sys_usec;
	uint64_t peak_memory;	/* bytes, 0 when unknown */
	const char *peak_source; /* "cgroup" or "rusage" (largest process) */
	int cgroup_version;	/* 0: the run had no cgroup */
	struct cell_cgroup_stats stats;
	unsigned dropped;	/* CELL_CGROUP_LIMIT_* not enforced (--best-effort) */
};

/* Whether the plan's network namespace can be made beside the rest of the
 * setup (net.h): the default network only, not for a named sandbox.
 * Pure: reads clone_flags, net, net_sync, allow_nft and spec->name. */
bool cell_plan_net_parallel(const struct cell_plan *p);

/* Plan without side effects (also what --print-spec shows). */
int cell_plan_make(const struct cell_spec *s, struct cell_plan *ret, struct cell_err *err);
void cell_plan_clear(struct cell_plan *p);
void cell_plan_print(const struct cell_plan *p, FILE *f);

/* The memory of the process's command line (argv[0] to the end of the last
 * argument).  When set, init overwrites its copy so that /proc/1/cmdline
 * inside shows "cell-init", not the host paths cell was started with. */
void cell_launch_set_cmdline_area(char *start, size_t len);

/* The command's seccomp program (len 0 for --seccomp none); cell_launch()
 * compiles it after clone, others (a record for cell enter) may want it too.
 * Free with cell_seccomp_prog_free(). */
int cell_plan_compile_seccomp(const struct cell_plan *p, struct cell_seccomp_prog *ret,
			      struct cell_err *err);

/* Run the sandbox to completion.  Returns the exit status cell should use
 * (the command's, 128+N for signal N), or -errno with err filled, in which
 * case err->status is the status to use (125, 126 or 127). */
int cell_launch(const struct cell_plan *p, struct cell_err *err);

/* Named sandboxes (state.h): started is called in the parent right after
 * clone3, with init's host PID and the sandbox's cgroup directories
 * (NULL-terminated), before the child is released.  A failure kills the
 * sandbox and is cell_launch()'s.  NULL: none. */
void cell_launch_set_started(int (*started)(pid_t init, const char *const *cgroups, void *arg,
					    struct cell_err *err),
			     void *arg);

/* Work of the front end's that no sandbox needs (e.g. removing records of
 * killed named sandboxes): run by cell_launch() once the sandbox has all it
 * needs from cell, while it finishes starting.  Not run when the launch
 * failed before that. */
void cell_launch_set_idle(void (*idle)(void));

/* Where cell_launch() sends notes about changes to the host that outlive the
 * sandbox (turning on net.ipv4.ip_forward for --nat).  NULL: none. */
void cell_launch_set_notice(void (*notice)(const char *msg));

/* Where cell_launch() describes the run (for --report); NULL: nowhere. */
void cell_launch_set_report(struct cell_report *report);

#endif
