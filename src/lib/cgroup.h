/* cgroup.h - one cgroup per sandbox: limits, stats, kill, removal.
 *
 * cgroups(7), Documentation/admin-guide/cgroup-v2.rst and cgroup-v1/.
 * cgroup v2 is the main target; where the controllers are mounted as v1
 * hierarchies (hybrid hosts such as this one: memory, pids, cpu, cpuacct,
 * cpuset, blkio, freezer under /sys/fs/cgroup/<controller>) the same limits
 * work through v1.  A table of backend functions (cgroup-internal.h) keeps
 * the two apart.
 *
 * Launch order (DESIGN.md step 1, parent):
 *
 *   cell_cgroup_detect()      which version, where the caller's cgroups are
 *   cell_cgroup_create()      before clone: the sandbox's own directory,
 *                             "cell-PID-START" (the supervisor's pid and start
 *                             time, so a later run or `cell gc` can tell a
 *                             stale one), under the caller's cgroup (v1, and
 *                             v2 when it is delegated) or under a "cell"
 *                             parent in the v2 root (root only).  Register
 *                             it on the undo list first.
 *   cell_cgroup_set_limits()  before clone; a limit this host cannot enforce
 *                             is an error naming it (or, best effort, a bit
 *                             in *ret_dropped: say so on stderr and in the
 *                             report).
 *   cell_cgroup_fd()          v2: clone3(CLONE_INTO_CGROUP, .cgroup = fd),
 *                             the child starts inside, no window;
 *   cell_cgroup_attach()      otherwise (v1, or clone3 refused): write the
 *                             child's pid before releasing it from the sync
 *                             pipe.
 *   ... the command runs ...
 *   cell_cgroup_kill()        on time limits and when cell dies: every
 *                             process (v2 cgroup.kill, v1 freezer + SIGKILL).
 *   cell_cgroup_stats()       after the command ends, before removal.
 *   cell_cgroup_remove()      rmdir, retried while the last processes exit.
 *
 * Nothing here runs in the child.
 */
#ifndef CELL_CGROUP_H
#define CELL_CGROUP_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"

enum cell_cg_controller {
	CELL_CG_MEMORY,
	CELL_CG_PIDS,
	CELL_CG_CPU,
	CELL_CG_CPUACCT, /* v1 only; v2 has cpu.stat in every cgroup */
	CELL_CG_CPUSET,
	CELL_CG_IO,	 /* v2 "io", v1 "blkio" */
	CELL_CG_FREEZER, /* v1 only; v2 has cgroup.freeze */
	CELL_CG_MAX
};

#define CELL_CG_BIT(c) (1u << (c))

/* Controller name for a version (1 or 2); NULL when it has none there. */
const char *cell_cgroup_controller_name(enum cell_cg_controller c, int version);
/* Controller for a name ("memory", "blkio", "io", ...), or -1. */
int cell_cgroup_controller_from_name(const char *name);

/* What the sandbox may use.  Zero means "no limit" everywhere. */
struct cell_cgroup_limits {
	uint64_t memory;      /* --memory: bytes */
	uint64_t memory_swap; /* --memory-swap: memory plus swap, bytes (>= memory) */
	uint64_t pids;	      /* --pids: tasks */
	uint32_t cpu_milli;   /* --cpus: thousandths of a CPU */
	char cpuset[128];     /* --cpuset: a CPU list "0-3,6", "" for none */
	uint32_t io_weight;   /* --io-weight: 1..10000 (v2 range) */
};

/* Bits naming each limit (in ret_dropped and messages). */
enum {
	CELL_CGROUP_LIMIT_MEMORY = 1u << 0,
	CELL_CGROUP_LIMIT_SWAP = 1u << 1,
	CELL_CGROUP_LIMIT_PIDS = 1u << 2,
	CELL_CGROUP_LIMIT_CPU = 1u << 3,
	CELL_CGROUP_LIMIT_CPUSET = 1u << 4,
	CELL_CGROUP_LIMIT_IO = 1u << 5,
	/* best effort: no cgroup at all (no stats either) */
	CELL_CGROUP_LIMIT_NONE = 1u << 6,
};

/* Limits asked for, as CELL_CGROUP_LIMIT_* bits. */
unsigned cell_cgroup_limits_mask(const struct cell_cgroup_limits *l);
/* The option name of one limit bit ("--memory"). */
const char *cell_cgroup_limit_option(unsigned bit);
/* "--memory, --pids" for a mask; returns buf. */
const char *cell_cgroup_limits_text(unsigned mask, char *buf, size_t len);

/* ---- parsing (pure) ---- */

/* "0.5", "2", "1.25": thousandths of a CPU, from 0.01 (the kernel's 1 ms
 * minimum quota per 100 ms period) to 4096. */
int cell_cgroup_parse_cpus(const char *s, uint32_t *ret_milli, struct cell_err *err);
/* "0-3,6": checked and written back normalised (sorted, merged ranges). */
int cell_cgroup_parse_cpuset(const char *s, char *buf, size_t len, struct cell_err *err);
/* 1..10000. */
int cell_cgroup_parse_io_weight(const char *s, uint32_t *ret, struct cell_err *err);
/* A positive count. */
int cell_cgroup_parse_pids(const char *s, uint64_t *ret, struct cell_err *err);
/* Check a set of limits together (memory-swap needs memory and is >= it). */
int cell_cgroup_limits_validate(const struct cell_cgroup_limits *l, struct cell_err *err);

/* The values written to the kernel's files (pure). */
#define CELL_CGROUP_CPU_PERIOD 100000 /* microseconds */
uint64_t cell_cgroup_cpu_quota(uint32_t cpu_milli); /* microseconds per period */
uint32_t cell_cgroup_io_weight_v1(uint32_t weight); /* 1..10000 -> 10..1000 */
uint32_t cell_cgroup_io_weight_bfq(uint32_t weight); /* 1..10000 -> 1..1000 */

/* ---- the host (detection) ---- */

struct cell_cgroup_host {
	int version;		 /* 2, 1, or 0: no usable cgroup file system */
	bool hybrid;		 /* v1 controllers with a (mostly empty) v2 beside */
	/* v2: the mount and the caller's cgroup directory in it. */
	char v2_mount[PATH_MAX];
	char v2_dir[PATH_MAX];
	unsigned v2_controllers; /* CELL_CG_BITs in v2_dir/cgroup.controllers */
	bool v2_root;		 /* the caller sits in the (namespace's) root cgroup */
	/* v1: per controller, the caller's directory in that hierarchy ("" when
	 * the controller is not mounted); co-mounted controllers share one. */
	char v1_dir[CELL_CG_MAX][PATH_MAX];
	unsigned v1_controllers; /* CELL_CG_BITs with a v1 hierarchy */
};

/* Parse /proc/self/mountinfo and /proc/self/cgroup text into h (pure).
 * v2_controllers is the content of the caller's cgroup.controllers (NULL
 * when unknown).  Chooses the version: v2 when its hierarchy has any of the
 * controllers cell uses, else v1 when v1 controllers are mounted, else v2
 * without controllers, else none. */
int cell_cgroup_host_parse(const char *mountinfo, const char *proc_cgroup,
			   const char *v2_controllers, struct cell_cgroup_host *h,
			   struct cell_err *err);
/* The same from this process's files. */
int cell_cgroup_detect(struct cell_cgroup_host *h, struct cell_err *err);

/* ---- one sandbox's cgroup ---- */

struct cell_cgroup;

/* "cell-PID-START" (pure), and back. */
int cell_cgroup_name(pid_t pid, uint64_t start, char *buf, size_t len);
int cell_cgroup_name_parse(const char *name, pid_t *ret_pid, uint64_t *ret_start);
/* The start time of pid (field 22 of /proc/PID/stat), for the name. */
int cell_cgroup_pid_start(pid_t pid, uint64_t *ret);

/* Create the sandbox's cgroup for limits l (the controllers they need,
 * plus memory, pids, cpu accounting and freezer for stats and kill where
 * available).  name NULL: cell-PID-START of the caller.  A controller that
 * is missing is not an error here; set_limits says what it cannot do. */
int cell_cgroup_create(const struct cell_cgroup_host *h, const struct cell_cgroup_limits *l,
		       const char *name, struct cell_cgroup **ret, struct cell_err *err);

/* Write the limits.  Anything that cannot be enforced fails with a message
 * naming the option and why (controller missing or not delegated, swap not
 * accounted, no io weight); with best_effort the limit is skipped instead
 * and its bit set in *ret_dropped (may be NULL without best_effort). */
int cell_cgroup_set_limits(struct cell_cgroup *cg, const struct cell_cgroup_limits *l,
			   bool best_effort, unsigned *ret_dropped, struct cell_err *err);

/* v2: an O_DIRECTORY fd of the cgroup for clone3's CLONE_INTO_CGROUP (owned
 * by cg); -1 for v1. */
int cell_cgroup_fd(const struct cell_cgroup *cg);
/* Move pid into the cgroup (each v1 hierarchy). */
int cell_cgroup_attach(struct cell_cgroup *cg, pid_t pid, struct cell_err *err);
/* The cgroup's directory for controller c ("" when it has none); v2: the
 * one directory. */
const char *cell_cgroup_path(const struct cell_cgroup *cg, enum cell_cg_controller c);
int cell_cgroup_version(const struct cell_cgroup *cg);

enum {
	CELL_CGROUP_STAT_MEMORY_PEAK = 1u << 0,
	CELL_CGROUP_STAT_MEMORY_CURRENT = 1u << 1,
	CELL_CGROUP_STAT_MEMORY_EVENTS = 1u << 2, /* memory_max_events, oom_kills */
	CELL_CGROUP_STAT_PIDS_EVENTS = 1u << 3,
	CELL_CGROUP_STAT_PIDS_PEAK = 1u << 4,
	CELL_CGROUP_STAT_CPU = 1u << 5,
};

struct cell_cgroup_stats {
	unsigned have;		    /* CELL_CGROUP_STAT_* that were read */
	uint64_t memory_peak;	    /* bytes (v2 memory.peak, v1 max_usage_in_bytes) */
	uint64_t memory_current;    /* bytes */
	uint64_t memory_max_events; /* times usage hit the limit */
	uint64_t oom_kills;	    /* processes the OOM killer ended */
	uint64_t pids_max_events;   /* forks refused by the pids limit */
	uint64_t pids_peak;	    /* most tasks at once (v2, Linux 6.6+) */
	uint64_t cpu_user_usec, cpu_system_usec, cpu_usage_usec;
};

/* Read what the cgroup counted; missing files leave their bit clear. */
int cell_cgroup_stats(struct cell_cgroup *cg, struct cell_cgroup_stats *ret,
		      struct cell_err *err);

/* Parsers of the stat files' text (pure, for tests): "key value" lines. */
int cell_cgroup_keyed(const char *text, const char *key, uint64_t *ret);

/* SIGKILL every process in the cgroup and wait (up to ~1 s) until it is
 * empty. */
int cell_cgroup_kill(struct cell_cgroup *cg, struct cell_err *err);

/* Remove the cgroup's directories, retrying while it is busy (processes
 * still exiting).  Idempotent. */
int cell_cgroup_remove(struct cell_cgroup *cg, struct cell_err *err);

/* Remove stale sandbox cgroups: "cell-PID-START" directories in the places
 * this caller would create them, whose supervisor (PID with that start
 * time) is gone.  Their processes are killed first.  Live sandboxes and
 * anything not named by cell are left alone.  *ret_removed counts the
 * directories removed. */
int cell_cgroup_gc(const struct cell_cgroup_host *h, unsigned *ret_removed, struct cell_err *err);
/* True when name is a sandbox cgroup whose supervisor is gone (pure apart
 * from reading /proc/PID/stat). */
bool cell_cgroup_is_stale(const char *name);

/* Free the struct (does not remove anything). */
struct cell_cgroup *cell_cgroup_free(struct cell_cgroup *cg);
static inline void cell_cgroup_freep(struct cell_cgroup **cg)
{
	cell_cgroup_free(*cg);
}

#endif
