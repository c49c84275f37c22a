/* enter.c - a new process inside a running sandbox's namespaces.
 *
 * setns(2), pidfd_open(2), nsenter(1), chroot(2), proc(5).
 *
 * This file plans from the target process: what the command gets (ids,
 * groups, limits, environment, seccomp filter) is read from /proc/PID,
 * and the joiner (nsexec.h runs the processes) takes the target's
 * namespaces, root and working directory.
 *
 * Order:
 *   1. /proc/PID opened once as a directory and checked against the start
 *      time; every later read goes through that fd, so a PID recycled
 *      meanwhile cannot swap the target;
 *   2. read what the command needs: ids, groups, limits, environment,
 *      seccomp status, id maps; open the target's root and working
 *      directory (afterwards /proc is the sandbox's); compile the filter;
 *   3. the target still lives: what was read through the PID was its;
 *   joiner (the enter hook):
 *   4. setns: all namespaces at once through the pidfd (Linux 5.8),
 *      atomically; else one by one (cell_nsexec_join_each());
 *   5. chroot to the target's root, chdir to its working directory (which
 *      must be reachable from that root, runc CVE-2024-21626).
 */
#define _GNU_SOURCE
#include "enter.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"
#include "nsexec.h"
#include "procinfo.h"

/* Everything the joiner needs, read before any setns. */
struct plan {
	struct cell_nsexec x;
	int procfd, pidfd;
	unsigned join;		   /* CELL_NS_BIT()s that differ from ours */
	int nsfd[CELL_NS_MAX];	   /* for the one-by-one fallback */
	int rootfd, cwdfd;
};

static void plan_clear(struct plan *p)
{
	if (p->procfd >= 0)
		close(p->procfd);
	if (p->pidfd >= 0)
		close(p->pidfd);
	for (int t = 0; t < CELL_NS_MAX; t++)
		if (p->nsfd[t] >= 0)
			close(p->nsfd[t]);
	if (p->rootfd >= 0)
		close(p->rootfd);
	if (p->cwdfd >= 0)
		close(p->cwdfd);
	cell_nsexec_clear(&p->x);
}

/* The environment: the record's, else the target's own (/proc/PID/environ). */
static int plan_env(struct plan *p, const struct cell_enter *e, struct cell_err *err)
{
	int r;

	p->x.env = calloc(1, sizeof(char *));
	if (!p->x.env)
		return -ENOMEM;
	if (e->by_name && e->rec && e->rec->env) {
		for (char **kv = e->rec->env; *kv; kv++)
			if ((r = cell_nsexec_env_set(&p->x.env, *kv)) < 0)
				return r;
	} else {
		_cleanup_free_ char *buf = malloc(256 * 1024);
		ssize_t n;

		if (!buf)
			return -ENOMEM;
		n = cell_proc_read_at(p->procfd, "environ", buf, 256 * 1024);
		if (n < 0)
			return cell_fail(err, (int)-n, "read its environment");
		for (char *kv = buf; kv < buf + n; kv += strlen(kv) + 1)
			if (strchr(kv, '=') && (r = cell_nsexec_env_set(&p->x.env, kv)) < 0)
				return r;
	}
	return cell_nsexec_env_term(&p->x);
}

static int plan_ids(struct plan *p, const struct cell_enter *e, struct cell_err *err)
{
	char status[8192], map[1024];
	uint32_t ids[4];
	uint64_t mode = 0;
	int n;

	if (cell_proc_read_at(p->procfd, "status", status, sizeof(status)) < 0)
		return cell_fail(err, 0, "no such process");
	/* A filter we cannot reproduce: refuse rather than enter with less. */
	if (cell_proc_parse_u64(status, "Seccomp", 0, &mode) == 0 && mode != 0 &&
	    !(e->rec && (e->rec->seccomp || e->rec->seccomp_bpf)) &&
	    !(e->seccomp && strcmp(e->seccomp, "none") != 0))
		return cell_fail(err, 0, "it runs under a seccomp filter that cell cannot read "
				 "back: name its policy with --seccomp default (cell run's) or "
				 "--seccomp FILE");
	if (e->rec && e->rec->landlock)
		return cell_fail(err, 0, "the sandbox runs under Landlock, which cell enter "
				 "cannot apply yet");
	if (cell_proc_parse_ids(status, "Uid", ids, 4) != 4 ||
	    cell_proc_read_at(p->procfd, "uid_map", map, sizeof(map)) < 0 ||
	    cell_proc_map_inside(map, ids[0], &p->x.uid) < 0)
		return cell_fail(err, EIO, "its uid inside");
	if (cell_proc_parse_ids(status, "Gid", ids, 4) != 4 ||
	    cell_proc_read_at(p->procfd, "gid_map", map, sizeof(map)) < 0 ||
	    cell_proc_map_inside(map, ids[0], &p->x.gid) < 0)
		return cell_fail(err, EIO, "its gid inside");
	n = cell_proc_parse_ids(status, "Groups", p->x.host_groups, CELL_NSEXEC_GROUPS_MAX);
	if (n < 0 || n > CELL_NSEXEC_GROUPS_MAX)
		return cell_fail(err, EIO, "its groups");
	p->x.n_host_groups = (size_t)n;
	/* Inside, a group that is not mapped cannot be named: leave it out
	 * (fewer groups, never more). */
	for (size_t i = 0; i < p->x.n_host_groups; i++)
		if (cell_proc_map_inside(map, p->x.host_groups[i], &p->x.groups[p->x.n_groups]) == 0)
			p->x.n_groups++;
	p->x.caps = e->by_name && e->rec ? e->rec->caps : 0;
	return 0;
}

/* The target's limits, from /proc/PID/limits (prlimit(2) would need
 * CAP_SYS_RESOURCE over it, which even root may lack). */
static int plan_limits(struct plan *p, const struct cell_enter *e, struct cell_err *err)
{
	char text[4096];
	int n;

	if (cell_proc_read_at(p->procfd, "limits", text, sizeof(text)) < 0 ||
	    (n = cell_proc_parse_limits(text, p->x.limits, RLIM_NLIMITS)) < 0)
		return cell_fail(err, EIO, "read its resource limits");
	for (int r = 0; r < n; r++)
		p->x.have_limit[r] = true;
	return 0;
}

static int plan_namespaces(struct plan *p, const struct cell_enter *e, struct cell_err *err)
{
	_cleanup_close_ int self = open("/proc/self/ns", O_PATH | O_DIRECTORY | O_CLOEXEC);
	_cleanup_close_ int nsdir = openat(p->procfd, "ns", O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (self < 0)
		return cell_fail(err, errno, "open /proc/self/ns");
	if (nsdir < 0)
		return cell_fail(err, errno == ENOENT ? ESRCH : errno, "open its namespaces");
	for (int t = 0; t < CELL_NS_MAX; t++) {
		struct stat mine, theirs;

		if (fstatat(self, cell_ns_name(t), &mine, 0) < 0) {
			if (errno == ENOENT)
				continue; /* a kernel without this type */
			return cell_fail(err, errno, "/proc/self/ns/%s", cell_ns_name(t));
		}
		if (fstatat(nsdir, cell_ns_name(t), &theirs, 0) < 0)
			return cell_fail(err, errno, "its %s namespace",
					 cell_ns_name(t));
		if (mine.st_ino == theirs.st_ino && mine.st_dev == theirs.st_dev)
			continue; /* shared with us: nothing to join */
		p->join |= CELL_NS_BIT(t);
		p->nsfd[t] = openat(nsdir, cell_ns_name(t), O_RDONLY | O_CLOEXEC);
		if (p->nsfd[t] < 0)
			return cell_fail(err, errno, "open its %s namespace",
					 cell_ns_name(t));
	}
	return 0;
}

static int plan_make(struct plan *p, const struct cell_enter *e, struct cell_err *err)
{
	char path[32], stat[1024];
	uint64_t st;
	int r;

	snprintf(path, sizeof(path), "/proc/%d", (int)e->pid);
	p->procfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (p->procfd < 0)
		return errno == ENOENT ? cell_fail(err, 0, "no such process")
				: cell_fail(err, errno, "open /proc/%d", (int)e->pid);
	p->pidfd = (int)syscall(SYS_pidfd_open, e->pid, 0);
	if (p->pidfd < 0)
		return errno == ESRCH ? cell_fail(err, 0, "no such process")
				      : cell_fail(err, errno, "pidfd_open");
	/* Opened in this order, the directory and the pidfd name one process
	 * when the start time read through the directory still matches. */
	if (cell_proc_read_at(p->procfd, "stat", stat, sizeof(stat)) < 0 ||
	    cell_proc_parse_start_time(stat, &st) < 0 || (e->start_time && st != e->start_time))
		return cell_fail(err, 0, "no such process");
	p->x.pty = e->pty == CELL_PTY_ON || (e->pty == CELL_PTY_AUTO && isatty(STDIN_FILENO));
	if ((r = plan_namespaces(p, e, err)) < 0 || (r = plan_ids(p, e, err)) < 0 ||
	    (r = plan_limits(p, e, err)) < 0 || (r = plan_env(p, e, err)) < 0 ||
	    (r = cell_nsexec_seccomp(&p->x, e->rec, e->seccomp, err)) < 0)
		return r;
	p->rootfd = openat(p->procfd, "root", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (p->rootfd < 0)
		return cell_fail(err, errno, "open its root");
	p->cwdfd = openat(p->procfd, "cwd", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (p->cwdfd < 0)
		return cell_fail(err, errno, "open its working directory");
	p->x.argv = e->argv;
	p->x.cgroups = e->rec ? e->rec->cgroups : NULL;
	return 0;
}

static int join(struct plan *p, struct cell_err *err)
{
	int flags = 0;

	for (int t = 0; t < CELL_NS_MAX; t++)
		if (p->join & CELL_NS_BIT(t))
			flags |= cell_nsexec_ns_flag(t);
	if (flags == 0)
		return 0;
	/* All at once, and atomically: on failure nothing has changed. */
	if (setns(p->pidfd, flags) == 0)
		return 0;
	/* FIXME: drop EINVAL (no pidfd setns) once Linux 5.8 is the baseline.
	 * EPERM: a namespace owned by the host together with the user
	 * namespace (the capability checks use the new credentials). */
	if (errno != EINVAL && errno != EPERM)
		return cell_fail(err, errno, "join its namespaces");
	return cell_nsexec_join_each(p->nsfd, p->join, err);
}

/* The target's root and working directory; the directory must be
 * reachable from the root. */
static int enter_root(struct plan *p, struct cell_err *err)
{
	struct stat root, mine;
	char cwd[4096];

	if (fstat(p->rootfd, &root) < 0 || stat("/", &mine) < 0)
		return cell_fail(err, errno, "stat the root");
	if (root.st_dev != mine.st_dev || root.st_ino != mine.st_ino) {
		if (fchdir(p->rootfd) < 0 || chroot(".") < 0)
			return cell_fail(err, errno, "enter its root");
	}
	if (fchdir(p->cwdfd) < 0 || !getcwd(cwd, sizeof(cwd))) {
		/* gone, or outside the root: start at the root instead */
		if (chdir("/") < 0)
			return cell_fail(err, errno, "chdir /");
	}
	close(p->rootfd);
	close(p->cwdfd);
	p->rootfd = p->cwdfd = -1;
	return 0;
}

int cell_enter_target(const struct cell_state_record *rec, pid_t *ret_pid,
		      uint64_t *ret_start, struct cell_err *err)
{
	_cleanup_free_ pid_t *kids = NULL;
	size_t n = 0;
	uint64_t t, best = UINT64_MAX;
	pid_t pid = 0;
	int r;

	if (cell_proc_start_time(rec->init.pid, &t) < 0 || t != rec->init.start_time)
		return cell_fail(err, ESRCH, "%s is not running", rec->name);
	r = cell_proc_children(rec->init.pid, &kids, &n);
	if (r < 0)
		return cell_fail(err, -r, "%s: the processes of its init", rec->name);
	for (size_t i = 0; i < n; i++)
		if (cell_proc_start_time(kids[i], &t) == 0 && t < best) {
			best = t;
			pid = kids[i];
		}
	if (pid == 0) {
		/* --no-init: the command is the sandbox's first process */
		pid = rec->init.pid;
		best = rec->init.start_time;
	}
	*ret_pid = pid;
	*ret_start = best;
	return 0;
}

/* The joiner's part (nsexec.h): the namespaces, then the root. */
static int enter_hook(struct cell_nsexec *x, struct cell_err *err)
{
	struct plan *p = x->data;

	if (join(p, err) < 0)
		return -EINVAL;
	return enter_root(p, err);
}

int cell_enter(const struct cell_enter *e, struct cell_err *err)
{
	struct plan p = { .procfd = -1, .pidfd = -1, .rootfd = -1, .cwdfd = -1 };
	int r;

	cell_nsexec_init(&p.x);
	for (int t = 0; t < CELL_NS_MAX; t++)
		p.nsfd[t] = -1;
	/* 1, 2 */
	r = plan_make(&p, e, err);
	if (r < 0)
		goto out;
	/* 3: our pidfd keeps its PID from being reused */
	if (syscall(SYS_pidfd_send_signal, p.pidfd, 0, NULL, 0) < 0 && errno == ESRCH) {
		r = cell_fail(err, 0, "no such process");
		goto out;
	}
	p.x.enter = enter_hook;
	p.x.data = &p;
	p.x.userns = p.join & CELL_NS_BIT(CELL_NS_USER);
	r = cell_nsexec_run(&p.x, err);
out:
	plan_clear(&p);
	return r;
}
