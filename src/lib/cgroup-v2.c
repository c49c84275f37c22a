/* cgroup-v2.c - the cgroup v2 backend: one directory in the unified tree.
 *
 * Documentation/admin-guide/cgroup-v2.rst.  Controllers must be enabled in
 * the parent's cgroup.subtree_control, which the kernel refuses (EBUSY) in
 * a cgroup that holds processes, except in the root ("no internal
 * processes").  So the parent is:
 *
 *   - root, or a caller in the root cgroup: a "cell" directory in the root
 *     of the hierarchy, shared by all sandboxes (left in place);
 *   - otherwise the caller's own cgroup, when it is delegated (writable):
 *     if the caller is the only process there, it first moves itself into
 *     a leaf "<name>.supervisor" so that the controllers can be enabled
 *     (run cell under `systemd-run --user --scope -p Delegate=yes`).
 *
 * A controller the parent does not offer cannot be enabled: set_limits then
 * names it.  cpu.stat, cgroup.kill, cgroup.freeze exist in every cgroup.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cgroup-internal.h"

#define V2_CONTROLLERS                                                                             \
	(CELL_CG_BIT(CELL_CG_MEMORY) | CELL_CG_BIT(CELL_CG_PIDS) | CELL_CG_BIT(CELL_CG_CPU) |     \
	 CELL_CG_BIT(CELL_CG_CPUSET) | CELL_CG_BIT(CELL_CG_IO))

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

static unsigned read_controllers(const char *dir)
{
	char buf[512];
	unsigned mask = 0;

	if (cell_cg_read(dir, "cgroup.controllers", buf, sizeof(buf)) < 0)
		return 0;
	for (char *save = NULL, *w = strtok_r(buf, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		int c = cell_cgroup_controller_from_name(w);

		if (c >= 0 && (V2_CONTROLLERS & CELL_CG_BIT(c)))
			mask |= CELL_CG_BIT(c);
	}
	return mask;
}

/* Enable the controllers in want (that dir offers) for dir's children;
 * returns the first errno (-EBUSY: dir has processes). */
static int enable(struct cell_cgroup *cg, const char *dir, unsigned want)
{
	unsigned offered = read_controllers(dir);
	int first = 0;

	for (int c = 0; c < CELL_CG_MAX; c++) {
		const char *name = cell_cgroup_controller_name((enum cell_cg_controller)c, 2);
		char buf[32];
		int r;

		if (!(want & CELL_CG_BIT(c)) || !name)
			continue;
		if (!(offered & CELL_CG_BIT(c))) {
			cell_cg_missing(cg, (enum cell_cg_controller)c,
					"the %s controller is not available in %s (not in its "
					"cgroup.controllers: not delegated to this user)",
					name, dir);
			continue;
		}
		snprintf(buf, sizeof(buf), "+%s", name);
		r = cell_cg_write(dir, "cgroup.subtree_control", buf);
		if (r < 0) {
			cell_cg_missing(cg, (enum cell_cg_controller)c,
					"cannot enable the %s controller in "
					"%s/cgroup.subtree_control "
					"(%s)",
					name, dir,
					r == -EBUSY ? "that cgroup holds processes"
						    : r == -EACCES ? "not delegated: not writable"
								   : strerror(-r));
			if (!first)
				first = r;
		}
	}
	return first;
}

/* The caller is alone in its cgroup: move it into a leaf below, so that
 * its cgroup may enable controllers. */
static int leave_own_cgroup(const struct cell_cgroup *cg, const char *dir)
{
	char procs[64], leaf[PATH_MAX], self[32];
	int r = cell_cg_read(dir, "cgroup.procs", procs, sizeof(procs));

	snprintf(self, sizeof(self), "%d", (int)getpid());
	if (r < 0)
		return r;
	if (strcmp(procs, self) != 0)
		return -EBUSY;
	if ((size_t)snprintf(leaf, sizeof(leaf), "%s/%s.supervisor", dir, cg->name) >=
	    sizeof(leaf))
		return -ENAMETOOLONG;
	r = cell_cg_mkdir(leaf, true);
	if (r < 0)
		return r;
	return cell_cg_write(leaf, "cgroup.procs", self);
}

static int v2_create(struct cell_cgroup *cg, const struct cell_cgroup_host *h, unsigned want,
		     struct cell_err *err)
{
	char parent[PATH_MAX], dir[PATH_MAX];
	unsigned have;
	int r;

	want &= V2_CONTROLLERS;
	if (h->v2_root || geteuid() == 0) {
		const char *top = h->v2_root ? h->v2_dir : h->v2_mount;

		(void)enable(cg, top, want); /* what fails is recorded for set_limits */
		if ((size_t)snprintf(parent, sizeof(parent), "%s/cell", top) >= sizeof(parent))
			return cell_fail(err, ENAMETOOLONG, "cgroup: %s/cell", top);
		r = cell_cg_mkdir(parent, true);
		if (r < 0)
			return cell_fail(err, -r, "cgroup: make %s", parent);
	} else {
		if (access(h->v2_dir, W_OK) < 0)
			return cell_fail(err, errno,
					 "cgroup: the caller's cgroup %s is not delegated to uid "
					 "%u "
					 "(run cell under systemd-run --user --scope -p "
					 "Delegate=yes, or as root)",
					 h->v2_dir, (unsigned)geteuid());
		snprintf(parent, sizeof(parent), "%s", h->v2_dir);
		if (enable(cg, parent, want) == -EBUSY) {
			r = leave_own_cgroup(cg, parent);
			if (r == -EBUSY)
				return cell_fail(err, EBUSY,
						 "cgroup: the caller's cgroup %s holds other "
						 "processes, so it cannot have sub-cgroups with "
						 "controllers (run cell in its own delegated "
						 "cgroup: "
						 "systemd-run --user --scope -p Delegate=yes)",
						 parent);
			if (r < 0)
				return cell_fail(err, -r, "cgroup: move cell into a leaf of %s",
						 parent);
			memset(cg->why_missing, 0, sizeof(cg->why_missing));
		} else {
			want = 0; /* enabled (or recorded why not) */
		}
	}
	if (want)
		(void)enable(cg, parent, want); /* recorded for set_limits */
	if ((size_t)snprintf(dir, sizeof(dir), "%s/%s", parent, cg->name) >= sizeof(dir))
		return cell_fail(err, ENAMETOOLONG, "cgroup: %s/%s", parent, cg->name);
	r = cell_cg_mkdir(dir, false);
	if (r < 0)
		return cell_fail(err, -r, "cgroup: make %s", dir);
	/* cpu.stat and cgroup.freeze/kill are core files: accounting and
	 * freezing work without controllers. */
	have = read_controllers(dir) | CELL_CG_BIT(CELL_CG_CPUACCT) | CELL_CG_BIT(CELL_CG_FREEZER);
	r = cell_cg_add_dir(cg, dir, have);
	if (r < 0)
		return cell_fail(err, -r, "cgroup: %s", dir);
	for (int c = 0; c < CELL_CG_MAX; c++)
		if ((want & CELL_CG_BIT(c)) && !(have & CELL_CG_BIT(c)) && !cg->why_missing[c][0])
			cell_cg_missing(cg, (enum cell_cg_controller)c,
					"the %s controller is not enabled for %s",
					cell_cgroup_controller_name((enum cell_cg_controller)c, 2),
					dir);
	/* not O_PATH: clone3 refuses O_PATH descriptors */
	cg->fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cg->fd < 0)
		return cell_fail(err, errno, "cgroup: open %s", dir);
	cg->has_kill = cell_cg_exists(dir, "cgroup.kill");
	return 0;
}

static const char *dir_for(struct cell_cgroup *cg, enum cell_cg_controller c)
{
	return cg->dir_of[c] < 0 ? NULL : cg->dirs[cg->dir_of[c]];
}

static int set_value(struct cell_cgroup *cg, unsigned limit, enum cell_cg_controller c,
		     const char *file, const char *value, bool best_effort, unsigned *dropped,
		     struct cell_err *err)
{
	const char *dir = dir_for(cg, c);
	int r;

	if (!dir)
		return cell_cg_limit_failed(limit, best_effort, dropped, err, 0, "%s",
					    cg->why_missing[c]);
	r = cell_cg_write(dir, file, value);
	if (r < 0)
		return cell_cg_limit_failed(limit, best_effort, dropped, err, -r,
					    "write %s to %s/%s", value, dir, file);
	return 0;
}

static int v2_set_limits(struct cell_cgroup *cg, const struct cell_cgroup_limits *l,
			 bool best_effort, unsigned *dropped, struct cell_err *err)
{
	const char *dir;
	char buf[64];
	int r = 0;

	if (l->memory) {
		snprintf(buf, sizeof(buf), "%llu", (unsigned long long)l->memory);
		r = set_value(cg, CELL_CGROUP_LIMIT_MEMORY, CELL_CG_MEMORY, "memory.max", buf,
			      best_effort, dropped, err);
		if (r < 0)
			return r;
	}
	if (l->memory_swap) {
		/* v2 limits swap on its own: memory plus swap minus memory */
		dir = dir_for(cg, CELL_CG_MEMORY);
		snprintf(buf, sizeof(buf), "%llu",
			 (unsigned long long)(l->memory_swap - l->memory));
		if (dir && !cell_cg_exists(dir, "memory.swap.max"))
			r = cell_cg_limit_failed(CELL_CGROUP_LIMIT_SWAP, best_effort, dropped, err,
						 0,
						 "this kernel does not account swap "
						 "(memory.swap.max "
						 "is missing; boot with swapaccount=1)");
		else
			r = set_value(cg, CELL_CGROUP_LIMIT_SWAP, CELL_CG_MEMORY, "memory.swap.max",
				      buf, best_effort, dropped, err);
		if (r < 0)
			return r;
	}
	if (l->pids) {
		snprintf(buf, sizeof(buf), "%llu", (unsigned long long)l->pids);
		r = set_value(cg, CELL_CGROUP_LIMIT_PIDS, CELL_CG_PIDS, "pids.max", buf,
			      best_effort, dropped, err);
		if (r < 0)
			return r;
	}
	if (l->cpu_milli) {
		snprintf(buf, sizeof(buf), "%llu %u",
			 (unsigned long long)cell_cgroup_cpu_quota(l->cpu_milli),
			 CELL_CGROUP_CPU_PERIOD);
		r = set_value(cg, CELL_CGROUP_LIMIT_CPU, CELL_CG_CPU, "cpu.max", buf, best_effort,
			      dropped, err);
		if (r < 0)
			return r;
	}
	if (l->cpuset[0]) {
		r = set_value(cg, CELL_CGROUP_LIMIT_CPUSET, CELL_CG_CPUSET, "cpuset.cpus",
			      l->cpuset, best_effort, dropped, err);
		if (r < 0)
			return r;
	}
	if (l->io_weight) {
		dir = dir_for(cg, CELL_CG_IO);
		if (dir && cell_cg_exists(dir, "io.weight")) {
			snprintf(buf, sizeof(buf), "default %u", l->io_weight);
			r = set_value(cg, CELL_CGROUP_LIMIT_IO, CELL_CG_IO, "io.weight", buf,
				      best_effort, dropped, err);
		} else if (dir && cell_cg_exists(dir, "io.bfq.weight")) {
			snprintf(buf, sizeof(buf), "default %u",
				 cell_cgroup_io_weight_bfq(l->io_weight));
			r = set_value(cg, CELL_CGROUP_LIMIT_IO, CELL_CG_IO, "io.bfq.weight", buf,
				      best_effort, dropped, err);
		} else if (dir) {
			r = cell_cg_limit_failed(CELL_CGROUP_LIMIT_IO, best_effort, dropped, err, 0,
						 "the io controller has no weight here (no "
						 "io.weight "
						 "or io.bfq.weight: no I/O cost model and no BFQ)");
		} else {
			r = cell_cg_limit_failed(CELL_CGROUP_LIMIT_IO, best_effort, dropped, err, 0,
						 "%s", cg->why_missing[CELL_CG_IO]);
		}
		if (r < 0)
			return r;
	}
	return 0;
}

static int v2_attach(struct cell_cgroup *cg, pid_t pid, struct cell_err *err)
{
	char buf[32];
	int r;

	if (cg->n_dirs == 0)
		return cell_fail(err, ENOENT, "cgroup: not created");
	snprintf(buf, sizeof(buf), "%d", (int)pid);
	r = cell_cg_write(cg->dirs[0], "cgroup.procs", buf);
	if (r < 0)
		return cell_fail(err, -r, "cgroup: move process %d into %s", (int)pid, cg->dirs[0]);
	return 0;
}

static int v2_stats(struct cell_cgroup *cg, struct cell_cgroup_stats *s, struct cell_err *err)
{
	const char *dir = cg->n_dirs ? cg->dirs[0] : NULL;
	char buf[4096];

	(void)err;
	if (!dir)
		return 0;
	/* memory.peak: Linux 5.19 */
	if (cell_cg_read_u64(dir, "memory.peak", &s->memory_peak) == 0)
		s->have |= CELL_CGROUP_STAT_MEMORY_PEAK;
	if (cell_cg_read_u64(dir, "memory.current", &s->memory_current) == 0)
		s->have |= CELL_CGROUP_STAT_MEMORY_CURRENT;
	if (cell_cg_read(dir, "memory.events", buf, sizeof(buf)) >= 0 &&
	    cell_cgroup_keyed(buf, "max", &s->memory_max_events) == 0 &&
	    cell_cgroup_keyed(buf, "oom_kill", &s->oom_kills) == 0)
		s->have |= CELL_CGROUP_STAT_MEMORY_EVENTS;
	if (cell_cg_read(dir, "pids.events", buf, sizeof(buf)) >= 0 &&
	    cell_cgroup_keyed(buf, "max", &s->pids_max_events) == 0)
		s->have |= CELL_CGROUP_STAT_PIDS_EVENTS;
	/* pids.peak: Linux 6.1 */
	if (cell_cg_read_u64(dir, "pids.peak", &s->pids_peak) == 0)
		s->have |= CELL_CGROUP_STAT_PIDS_PEAK;
	if (cell_cg_read(dir, "cpu.stat", buf, sizeof(buf)) >= 0 &&
	    cell_cgroup_keyed(buf, "usage_usec", &s->cpu_usage_usec) == 0 &&
	    cell_cgroup_keyed(buf, "user_usec", &s->cpu_user_usec) == 0 &&
	    cell_cgroup_keyed(buf, "system_usec", &s->cpu_system_usec) == 0)
		s->have |= CELL_CGROUP_STAT_CPU;
	return 0;
}

static bool populated(const char *dir)
{
	char buf[256];
	uint64_t v = 1;

	if (cell_cg_read(dir, "cgroup.events", buf, sizeof(buf)) < 0 ||
	    cell_cgroup_keyed(buf, "populated", &v) < 0)
		return cell_cg_kill_procs(dir) > 0;
	return v != 0;
}

static int v2_kill(struct cell_cgroup *cg, struct cell_err *err)
{
	const char *dir = cg->n_dirs ? cg->dirs[0] : NULL;
	int r;

	if (!dir)
		return 0;
	if (cg->has_kill) {
		/* Linux 5.14: the kernel kills the whole tree at once */
		r = cell_cg_write(dir, "cgroup.kill", "1");
		if (r < 0)
			return cell_fail(err, -r, "cgroup: write %s/cgroup.kill", dir);
	} else {
		/* FIXME: drop once kernel 5.14 is the baseline.  Freeze, kill,
		 * thaw, as v1 does. */
		(void)cell_cg_write(dir, "cgroup.freeze", "1"); /* may be missing (< 5.2) */
		r = cell_cg_kill_procs(dir);
		(void)cell_cg_write(dir, "cgroup.freeze", "0");
		if (r < 0)
			return cell_fail(err, -r, "cgroup: kill the tasks of %s", dir);
	}
	for (int i = 0; i < 200; i++) {
		if (!populated(dir))
			return 0;
		if (!cg->has_kill)
			(void)cell_cg_kill_procs(dir); /* stragglers forked meanwhile */
		sleep_ms(5);
	}
	return cell_fail(err, EBUSY, "cgroup: tasks of %s survive SIGKILL", dir);
}

const struct cell_cgroup_ops cell_cgroup_v2_ops = {
	.version = 2,
	.create = v2_create,
	.set_limits = v2_set_limits,
	.attach = v2_attach,
	.stats = v2_stats,
	.kill = v2_kill,
};
