/* ocicg.h - the cgroup of an OCI container (cell oci create/start/update/...).
 *
 * runtime-spec config-linux.md ("Control groups", "Allowed Device Cgroup"),
 * cgroups(7), Documentation/admin-guide/cgroup-v2.rst, cgroup-v1/,
 * Documentation/bpf/prog_cgroup_device.rst (BPF_PROG_TYPE_CGROUP_DEVICE).
 *
 * Only the cgroupfs driver (runc's default); --systemd-cgroup is refused by
 * the caller.  Separate from cell's own cgroup.c (one sandbox per `cell
 * run`): an OCI container's cgroup lives across several processes (create,
 * start, pause, update, kill, delete), so what create made is serialised
 * into the state file and re-opened from it.
 *
 * cgroupsPath (linux.cgroupsPath):
 *   "/a/b"   absolute: below each hierarchy's root (its mount point),
 *            MOUNT/a/b;
 *   "a/b"    relative: below the caller's own cgroup in each hierarchy,
 *            MOUNT/CALLER/a/b;
 *   "" NULL  MOUNT/CALLER/cell-oci-ID.
 *   "." and empty components are dropped; ".." is refused (so the result
 *   never leaves the hierarchy), and so is the hierarchy root itself.
 *
 * Version: v1 when any v1 controller this module uses is mounted (hybrid
 * hosts: a controller bound to v1 cannot be in v2), else the cgroup2 mount
 * (/sys/fs/cgroup first).  v1: one directory per mounted hierarchy holding
 * memory, pids, cpu, cpuacct, blkio, freezer, devices, net_cls, net_prio,
 * hugetlb, perf_event, rdma or misc (co-mounted ones share it, as runc
 * joins them all); cpuset only when cpus or mems are asked (its directories
 * start with empty cpuset.cpus/mems, which create fills from the parent).
 * Named hierarchies (name=systemd) are not joined.  v2: one directory;
 * create enables memory pids cpu io (and cpuset when asked) in the
 * cgroup.subtree_control of every ancestor that offers them, and set()
 * names a controller that is missing and where it stops.
 *
 * Order (launcher, parent side):
 *
 *   cell_ocicg_create()     mkdir -p; remembers which levels it made.
 *   cell_ocicg_set()        the limits and the device rules.  The first
 *                           set() on a new cgroup always applies the device
 *                           list, on top of deny-all (fail closed): pass the
 *                           OCI default devices (cell_ocicg_default_devices)
 *                           and linux.devices' nodes, like runc.
 *   cell_ocicg_fd()         v2: clone3(CLONE_INTO_CGROUP); else
 *   cell_ocicg_attach()     the container's init, before it runs anything.
 *   cell_ocicg_serialize()  into the state file; later processes call
 *   cell_ocicg_open()       and freeze/state/pids/kill/set/remove.
 *   cell_ocicg_remove()     `cell oci delete`: after the processes are gone.
 */
#ifndef CELL_OCICG_H
#define CELL_OCICG_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"

enum cell_ocicg_ctl {
	CELL_OCICG_MEMORY,
	CELL_OCICG_PIDS,
	CELL_OCICG_CPU,
	CELL_OCICG_CPUACCT, /* v1 only */
	CELL_OCICG_CPUSET,
	CELL_OCICG_BLKIO, /* v1 "blkio", v2 "io" */
	CELL_OCICG_FREEZER, /* v1 only; v2 has cgroup.freeze */
	CELL_OCICG_DEVICES, /* v1 only; v2 uses an eBPF program */
	CELL_OCICG_NET_CLS,
	CELL_OCICG_NET_PRIO,
	CELL_OCICG_HUGETLB,
	CELL_OCICG_PERF_EVENT,
	CELL_OCICG_RDMA,
	CELL_OCICG_MISC,
	CELL_OCICG_CTL_MAX
};

#define CELL_OCICG_BIT(c) (1u << (c))

/* One linux.resources.devices entry.  type 'a' (all), 'c' or 'b'; major and
 * minor -1 for "*"; access a subset of "rwm" ("" means "rwm"). */
struct cell_ocicg_device {
	bool allow;
	char type;
	int64_t major, minor;
	char access[4];
};

/* linux.resources.unified (v2 only): key a plain file name ("memory.high"),
 * value written verbatim. */
struct cell_ocicg_unified {
	const char *key, *value;
};

/* Which fields of struct cell_ocicg_resources were given. */
enum {
	CELL_OCICG_SET_MEMORY_LIMIT = 1u << 0,
	CELL_OCICG_SET_MEMORY_RESERVATION = 1u << 1,
	CELL_OCICG_SET_MEMORY_SWAP = 1u << 2,
	CELL_OCICG_SET_MEMORY_SWAPPINESS = 1u << 3,
	CELL_OCICG_SET_OOM_KILL_DISABLE = 1u << 4,
	CELL_OCICG_SET_CPU_SHARES = 1u << 5,
	CELL_OCICG_SET_CPU_QUOTA = 1u << 6,
	CELL_OCICG_SET_CPU_PERIOD = 1u << 7,
	CELL_OCICG_SET_CPU_CPUS = 1u << 8,
	CELL_OCICG_SET_CPU_MEMS = 1u << 9,
	CELL_OCICG_SET_PIDS = 1u << 10,
	CELL_OCICG_SET_BLKIO_WEIGHT = 1u << 11,
	CELL_OCICG_SET_DEVICES = 1u << 12,
	CELL_OCICG_SET_UNIFIED = 1u << 13,
	CELL_OCICG_SET_KERNEL_TCP = 1u << 14,
	CELL_OCICG_SET_HUGETLB = 1u << 15,
};

/* linux.resources.hugepageLimits: pageSize as the kernel names it in the
 * hugetlb.<size>.* files ("2MB", "1GB"), limit in bytes. */
struct cell_ocicg_hugetlb {
	const char *page_size;
	uint64_t limit;
};

/* What linux.resources asked, a CELL_OCICG_SET_* bit per field in set.  The
 * pointers are the caller's (not copied, not freed). */
struct cell_ocicg_resources {
	unsigned set;
	int64_t memory_limit;	    /* bytes, -1 unlimited */
	int64_t memory_reservation; /* bytes, -1 unlimited (v1 soft limit, v2 memory.low) */
	int64_t memory_swap;	    /* memory PLUS swap, bytes, -1 unlimited (OCI's meaning) */
	uint64_t memory_swappiness; /* 0..100, v1 only */
	bool disable_oom_killer;    /* v1 only */
	uint64_t cpu_shares;	    /* v1 2..262144; v2 converted to cpu.weight */
	int64_t cpu_quota;	    /* microseconds per period, -1 unlimited */
	uint64_t cpu_period;	    /* microseconds */
	char cpu_cpus[256], cpu_mems[256]; /* "0-3,6" */
	int64_t pids_limit;	    /* <= 0 unlimited */
	uint16_t blkio_weight;	    /* 10..1000 */
	/* Applied in order over deny-all (see cell_ocicg_set). */
	const struct cell_ocicg_device *devices;
	size_t n_devices;
	const struct cell_ocicg_unified *unified;
	size_t n_unified;
	int64_t memory_kernel_tcp; /* bytes, -1 unlimited; v1 memory.kmem.tcp only */
	const struct cell_ocicg_hugetlb *hugetlb;
	size_t n_hugetlb;
};

/* runc's default allow list (the OCI default devices and /dev/pts); the
 * launcher appends it (and the linux.devices nodes) to the config's list. */
extern const struct cell_ocicg_device cell_ocicg_default_devices[];
extern const size_t cell_ocicg_n_default_devices;

/* ---- planning (pure) ---- */

#define CELL_OCICG_DIRS_MAX CELL_OCICG_CTL_MAX

struct cell_ocicg_dir {
	char path[PATH_MAX];  /* the container's directory in one hierarchy */
	unsigned mount_len;   /* path[0..mount_len) is the hierarchy's mount point */
	unsigned controllers; /* v1: CELL_OCICG_BITs of the hierarchy; v2: 0 */
	unsigned made;	      /* levels create() made, counted from the leaf up */
};

struct cell_ocicg_plan {
	int version; /* 1 or 2 */
	size_t n_dirs;
	struct cell_ocicg_dir dirs[CELL_OCICG_DIRS_MAX];
};

/* The controllers a container with resources r needs (cpuset only when
 * asked). */
unsigned cell_ocicg_wanted(const struct cell_ocicg_resources *r);

/* From mountinfo and /proc/self/cgroup text, the directories cgroups_path
 * (id for the empty one) maps to, for the controllers in want.  Pure. */
int cell_ocicg_plan(const char *mountinfo, const char *proc_cgroup, const char *cgroups_path,
		    const char *id, unsigned want, struct cell_ocicg_plan *ret,
		    struct cell_err *err);

/* Device rules as a BPF_PROG_TYPE_CGROUP_DEVICE program (pure): the rules
 * are applied over deny-all, the last matching rule wins; an allow rule
 * matches an access it fully covers, a deny rule any access it touches (so
 * an odd list is stricter than v1, never looser).  insns is an array of
 * struct bpf_insn (8 bytes each) of max entries.  Returns the count. */
int cell_ocicg_bpf_program(const struct cell_ocicg_device *d, size_t n, void *insns, size_t max,
			   struct cell_err *err);
/* True when the list ends in the default state allow-all (no program or
 * v1 rules needed beyond "a"). */
bool cell_ocicg_devices_allow_all(const struct cell_ocicg_device *d, size_t n);
/* Check a device list (types, access letters, numbers). */
int cell_ocicg_devices_check(const struct cell_ocicg_device *d, size_t n, struct cell_err *err);

/* cpu.weight for cpu.shares, as runc: 1 + ((shares - 2) * 9999) / 262142. */
uint64_t cell_ocicg_shares_to_weight(uint64_t shares);

/* ---- one container's cgroup ---- */

struct cell_ocicg;

/* Plan from this process's /proc files and make the directories.  Only
 * makes them: call cell_ocicg_set() next.  A leaf that exists already is
 * joined (and not removed later) unless it has processes (-EBUSY). */
int cell_ocicg_create(const char *cgroups_path, const char *id,
		      const struct cell_ocicg_resources *r, struct cell_ocicg **ret,
		      struct cell_err *err);
/* The same from a plan (tests, or a caller that planned itself). */
int cell_ocicg_create_plan(const struct cell_ocicg_plan *plan, unsigned want,
			   struct cell_ocicg **ret, struct cell_err *err);

/* Write the limits in r (only the fields with their set bit).  Callable
 * again on an existing cgroup (cell oci update).  Devices: the first set()
 * after create applies r's list over deny-all even when its bit is clear
 * (an empty list denies every device); later calls only with the bit (v1
 * then writes "a" to devices.deny before the rules again: opens in that
 * moment fail; v2 swaps programs without a gap).  Anything the host cannot
 * enforce is an error naming the field ("linux.resources.memory.swap: swap
 * accounting is off ..."); v2 refuses swappiness and disableOOMKiller, v1
 * refuses unified. */
int cell_ocicg_set(struct cell_ocicg *cg, const struct cell_ocicg_resources *r,
		   struct cell_err *err);

/* v2: an O_DIRECTORY fd for clone3's CLONE_INTO_CGROUP (owned by cg); -1 on
 * v1. */
int cell_ocicg_fd(const struct cell_ocicg *cg);
/* Move pid into every directory. */
int cell_ocicg_attach(struct cell_ocicg *cg, pid_t pid, struct cell_err *err);

/* Freeze or thaw, and wait (up to ~5 s) until the kernel says it is done. */
int cell_ocicg_freeze(struct cell_ocicg *cg, bool frozen, struct cell_err *err);
/* 1 frozen, 0 not (thawed or still freezing), -errno. */
int cell_ocicg_frozen(struct cell_ocicg *cg, struct cell_err *err);

/* Every process in the cgroup and its child cgroups (all hierarchies),
 * sorted, without duplicates; *ret_pids is malloc'ed (NULL when none). */
int cell_ocicg_pids(struct cell_ocicg *cg, pid_t **ret_pids, size_t *ret_n, struct cell_err *err);
/* Send sig to every process; SIGKILL: v2 cgroup.kill when there is one, v1
 * freezes first so that nothing forks past it.  Returns how many
 * processes were signalled (cgroup.kill: 0). */
int cell_ocicg_kill(struct cell_ocicg *cg, int sig, struct cell_err *err);

/* rmdir what create made (child cgroups of a made leaf first, then the
 * made levels, deepest first), retrying while busy.  Kills nothing.
 * Idempotent. */
int cell_ocicg_remove(struct cell_ocicg *cg, struct cell_err *err);

/* The record for the state file (malloc'ed text, NULL on OOM), and back. */
char *cell_ocicg_serialize(const struct cell_ocicg *cg);
int cell_ocicg_open(const char *text, struct cell_ocicg **ret, struct cell_err *err);

int cell_ocicg_version(const struct cell_ocicg *cg);
/* The directory holding controller c (v2: the one directory), or NULL. */
const char *cell_ocicg_path(const struct cell_ocicg *cg, enum cell_ocicg_ctl c);
const struct cell_ocicg_plan *cell_ocicg_get_plan(const struct cell_ocicg *cg);

/* memory usage in bytes (v1 memory.usage_in_bytes, v2 memory.current). */
int cell_ocicg_memory_usage(struct cell_ocicg *cg, uint64_t *ret, struct cell_err *err);

struct cell_ocicg *cell_ocicg_free(struct cell_ocicg *cg);
static inline void cell_ocicg_freep(struct cell_ocicg **cg)
{
	cell_ocicg_free(*cg);
}

#endif
