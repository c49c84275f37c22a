/* cgroup-v1.c - the cgroup v1 backend: one directory per hierarchy.
 *
 * Documentation/admin-guide/cgroup-v1/ (memory.rst, pids.rst, cpusets.rst,
 * blkio-controller.rst, freezer-subsystem.rst).  The sandbox's directory is
 * made below the caller's own cgroup in each hierarchy, so the caller's
 * limits still hold for it.  v1 hierarchies are not delegated to
 * unprivileged users, so in practice this backend works for root.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cgroup-internal.h"

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/* A new cpuset is empty and refuses tasks until it has CPUs and memory
 * nodes: start from the parent's. */
static int cpuset_inherit(const char *parent, const char *dir)
{
	static const char *const files[] = { "cpuset.cpus", "cpuset.mems" };

	for (size_t i = 0; i < 2; i++) {
		char buf[4096];
		int r = cell_cg_read(parent, files[i], buf, sizeof(buf));

		if (r < 0)
			return r;
		r = cell_cg_write(dir, files[i], buf);
		if (r < 0)
			return r;
	}
	return 0;
}

static int v1_create(struct cell_cgroup *cg, const struct cell_cgroup_host *h, unsigned want,
		     struct cell_err *err)
{
	for (int c = 0; c < CELL_CG_MAX; c++) {
		char dir[PATH_MAX];
		int r = 0;

		if (!(want & CELL_CG_BIT(c)))
			continue;
		if (!(h->v1_controllers & CELL_CG_BIT(c))) {
			cell_cg_missing(cg, (enum cell_cg_controller)c,
					"no cgroup v1 %s hierarchy is mounted",
					cell_cgroup_controller_name((enum cell_cg_controller)c, 1));
			continue;
		}
		if ((size_t)snprintf(dir, sizeof(dir), "%s/%s", h->v1_dir[c], cg->name) >=
		    sizeof(dir))
			return cell_fail(err, ENAMETOOLONG, "cgroup: %s/%s", h->v1_dir[c],
					 cg->name);
		/* co-mounted controllers (cpu,cpuacct) share one directory */
		for (unsigned i = 0; i < cg->n_dirs; i++)
			if (strcmp(cg->dirs[i], dir) == 0)
				r = 1;
		if (r == 1) {
			r = cell_cg_add_dir(cg, dir, CELL_CG_BIT(c));
			if (r < 0)
				return cell_fail(err, -r, "cgroup: %s", dir);
			continue;
		}
		r = cell_cg_mkdir(dir, false);
		if (r == -EACCES || r == -EPERM || r == -EROFS) {
			cell_cg_missing(cg, (enum cell_cg_controller)c,
					"the cgroup v1 %s hierarchy is not delegated: %s is not "
					"writable by uid %u",
					cell_cgroup_controller_name((enum cell_cg_controller)c, 1),
					h->v1_dir[c], (unsigned)geteuid());
			continue;
		}
		if (r < 0)
			return cell_fail(err, -r, "cgroup: make %s", dir);
		r = cell_cg_add_dir(cg, dir, CELL_CG_BIT(c));
		if (r < 0)
			return cell_fail(err, -r, "cgroup: %s", dir);
		if (c == CELL_CG_CPUSET) {
			r = cpuset_inherit(h->v1_dir[c], dir);
			if (r < 0)
				return cell_fail(err, -r, "cgroup: copy cpuset.cpus/mems into %s",
						 dir);
		}
	}
	return 0;
}

/* The directory of controller c, or NULL after recording why not. */
static const char *dir_for(struct cell_cgroup *cg, enum cell_cg_controller c)
{
	if (cg->dir_of[c] < 0)
		return NULL;
	return cg->dirs[cg->dir_of[c]];
}

static int set_u64(struct cell_cgroup *cg, unsigned limit, enum cell_cg_controller c,
		   const char *file, uint64_t value, bool best_effort, unsigned *dropped,
		   struct cell_err *err)
{
	const char *dir = dir_for(cg, c);
	char buf[32];
	int r;

	if (!dir)
		return cell_cg_limit_failed(limit, best_effort, dropped, err, 0, "%s",
					    cg->why_missing[c]);
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)value);
	r = cell_cg_write(dir, file, buf);
	if (r < 0)
		return cell_cg_limit_failed(limit, best_effort, dropped, err, -r,
					    "write %s to %s/%s", buf, dir, file);
	return 0;
}

static int v1_set_limits(struct cell_cgroup *cg, const struct cell_cgroup_limits *l,
			 bool best_effort, unsigned *dropped, struct cell_err *err)
{
	const char *dir;
	int r;

	if (l->memory) {
		r = set_u64(cg, CELL_CGROUP_LIMIT_MEMORY, CELL_CG_MEMORY, "memory.limit_in_bytes",
			    l->memory, best_effort, dropped, err);
		if (r < 0)
			return r;
	}
	if (l->memory_swap) {
		dir = dir_for(cg, CELL_CG_MEMORY);
		/* memsw must not be below the memory limit: set after it */
		if (dir && !cell_cg_exists(dir, "memory.memsw.limit_in_bytes"))
			r = cell_cg_limit_failed(CELL_CGROUP_LIMIT_SWAP, best_effort, dropped, err,
						 0,
						 "this kernel does not account swap "
						 "(memory.memsw.limit_in_bytes is missing; boot "
						 "with "
						 "swapaccount=1)");
		else
			r = set_u64(cg, CELL_CGROUP_LIMIT_SWAP, CELL_CG_MEMORY,
				    "memory.memsw.limit_in_bytes", l->memory_swap, best_effort,
				    dropped, err);
		if (r < 0)
			return r;
	}
	if (l->pids) {
		r = set_u64(cg, CELL_CGROUP_LIMIT_PIDS, CELL_CG_PIDS, "pids.max", l->pids,
			    best_effort, dropped, err);
		if (r < 0)
			return r;
	}
	if (l->cpu_milli) {
		r = set_u64(cg, CELL_CGROUP_LIMIT_CPU, CELL_CG_CPU, "cpu.cfs_period_us",
			    CELL_CGROUP_CPU_PERIOD, best_effort, dropped, err);
		if (r == 0 && !(*dropped & CELL_CGROUP_LIMIT_CPU))
			r = set_u64(cg, CELL_CGROUP_LIMIT_CPU, CELL_CG_CPU, "cpu.cfs_quota_us",
				    cell_cgroup_cpu_quota(l->cpu_milli), best_effort, dropped, err);
		if (r < 0)
			return r;
	}
	if (l->cpuset[0]) {
		dir = dir_for(cg, CELL_CG_CPUSET);
		if (!dir)
			r = cell_cg_limit_failed(CELL_CGROUP_LIMIT_CPUSET, best_effort, dropped,
						 err, 0, "%s", cg->why_missing[CELL_CG_CPUSET]);
		else if ((r = cell_cg_write(dir, "cpuset.cpus", l->cpuset)) < 0)
			r = cell_cg_limit_failed(CELL_CGROUP_LIMIT_CPUSET, best_effort, dropped,
						 err, -r,
						 "CPUs %s are not all available to the caller",
						 l->cpuset);
		if (r < 0)
			return r;
	}
	if (l->io_weight) {
		dir = dir_for(cg, CELL_CG_IO);
		if (dir && cell_cg_exists(dir, "blkio.weight"))
			r = set_u64(cg, CELL_CGROUP_LIMIT_IO, CELL_CG_IO, "blkio.weight",
				    cell_cgroup_io_weight_v1(l->io_weight), best_effort, dropped,
				    err);
		else if (dir && cell_cg_exists(dir, "blkio.bfq.weight"))
			r = set_u64(cg, CELL_CGROUP_LIMIT_IO, CELL_CG_IO, "blkio.bfq.weight",
				    cell_cgroup_io_weight_bfq(l->io_weight), best_effort, dropped,
				    err);
		else if (dir)
			r = cell_cg_limit_failed(CELL_CGROUP_LIMIT_IO, best_effort, dropped, err, 0,
						 "the blkio controller has no weight here (no "
						 "blkio.weight or blkio.bfq.weight: the disks' I/O "
						 "scheduler is not BFQ)");
		else
			r = cell_cg_limit_failed(CELL_CGROUP_LIMIT_IO, best_effort, dropped, err, 0,
						 "%s", cg->why_missing[CELL_CG_IO]);
		if (r < 0)
			return r;
	}
	return 0;
}

static int v1_attach(struct cell_cgroup *cg, pid_t pid, struct cell_err *err)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%d", (int)pid);
	for (unsigned i = 0; i < cg->n_dirs; i++) {
		int r = cell_cg_write(cg->dirs[i], "cgroup.procs", buf);

		if (r < 0)
			return cell_fail(err, -r, "cgroup: move process %d into %s", (int)pid,
					 cg->dirs[i]);
	}
	return 0;
}

static int v1_stats(struct cell_cgroup *cg, struct cell_cgroup_stats *s, struct cell_err *err)
{
	const char *dir = dir_for(cg, CELL_CG_MEMORY);
	char buf[4096];

	if (dir) {
		if (cell_cg_read_u64(dir, "memory.max_usage_in_bytes", &s->memory_peak) == 0)
			s->have |= CELL_CGROUP_STAT_MEMORY_PEAK;
		if (cell_cg_read_u64(dir, "memory.usage_in_bytes", &s->memory_current) == 0)
			s->have |= CELL_CGROUP_STAT_MEMORY_CURRENT;
		/* oom_kill in memory.oom_control since Linux 4.13 */
		if (cell_cg_read_u64(dir, "memory.failcnt", &s->memory_max_events) == 0 &&
		    cell_cg_read(dir, "memory.oom_control", buf, sizeof(buf)) >= 0 &&
		    cell_cgroup_keyed(buf, "oom_kill", &s->oom_kills) == 0)
			s->have |= CELL_CGROUP_STAT_MEMORY_EVENTS;
	}
	dir = dir_for(cg, CELL_CG_PIDS);
	if (dir && cell_cg_read(dir, "pids.events", buf, sizeof(buf)) >= 0 &&
	    cell_cgroup_keyed(buf, "max", &s->pids_max_events) == 0)
		s->have |= CELL_CGROUP_STAT_PIDS_EVENTS;
	dir = dir_for(cg, CELL_CG_CPUACCT);
	if (dir) {
		uint64_t user, sys, total;

		if (cell_cg_read_u64(dir, "cpuacct.usage_user", &user) == 0 &&
		    cell_cg_read_u64(dir, "cpuacct.usage_sys", &sys) == 0 &&
		    cell_cg_read_u64(dir, "cpuacct.usage", &total) == 0) {
			/* nanoseconds */
			s->cpu_user_usec = user / 1000;
			s->cpu_system_usec = sys / 1000;
			s->cpu_usage_usec = total / 1000;
			s->have |= CELL_CGROUP_STAT_CPU;
		}
	}
	(void)err;
	return 0;
}

/* Freeze, SIGKILL every task, thaw: frozen tasks cannot fork while their
 * list is read, so none escapes.  Repeat until the cgroup is empty. */
static int v1_kill(struct cell_cgroup *cg, struct cell_err *err)
{
	const char *freezer = dir_for(cg, CELL_CG_FREEZER);
	const char *any = cg->n_dirs ? cg->dirs[0] : NULL;
	int n;

	if (!any)
		return 0;
	if (freezer && cell_cg_write(freezer, "freezer.state", "FROZEN") == 0) {
		char state[32] = "";

		for (int i = 0; i < 100; i++) {
			if (cell_cg_read(freezer, "freezer.state", state, sizeof(state)) < 0 ||
			    strcmp(state, "FROZEN") == 0)
				break;
			sleep_ms(1);
		}
		n = cell_cg_kill_procs(freezer);
		(void)cell_cg_write(freezer, "freezer.state", "THAWED"); /* they die on thaw */
		if (n < 0)
			return cell_fail(err, -n, "cgroup: kill the tasks of %s", freezer);
	}
	for (int i = 0; i < 200; i++) {
		n = cell_cg_kill_procs(any);
		if (n < 0)
			return cell_fail(err, -n, "cgroup: kill the tasks of %s", any);
		if (n == 0)
			return 0;
		sleep_ms(5);
	}
	return cell_fail(err, EBUSY, "cgroup: tasks of %s survive SIGKILL", any);
}

const struct cell_cgroup_ops cell_cgroup_v1_ops = {
	.version = 1,
	.create = v1_create,
	.set_limits = v1_set_limits,
	.attach = v1_attach,
	.stats = v1_stats,
	.kill = v1_kill,
};
