/* enter.c - a new process inside a running sandbox's namespaces.
 *
 * setns(2), pidfd_open(2), nsenter(1), clone(2) CLONE_PARENT, chroot(2),
 * capabilities(7), user_namespaces(7), pty(7).
 *
 * Three processes, as runc's nsexec has them: this one stays on the host
 * and supervises; a short-lived joiner enters the namespaces (setns(2)
 * with CLONE_NEWPID changes only where *children* go) and clones the
 * command with CLONE_PARENT, so the command is in the sandbox's pid
 * namespace yet our own child: we wait for it and signal it through its
 * pidfd.  The supervisor never changes namespaces, never takes the
 * sandbox's root, and so also keeps its own /proc (AddressSanitizer's leak
 * check, which ptraces the process from a clone of it, needs that too).
 *
 * Order:
 *   1. not dumpable: the command is visible inside the sandbox until it
 *      execs, and nothing in there may ptrace it or open its /proc files
 *      (runc CVE-2016-9962); fork and clone copy the flag;
 *   2. /proc/PID opened once as a directory and checked against the start
 *      time; every later read goes through that fd, so a PID recycled
 *      meanwhile cannot swap the target;
 *   3. read what the command needs: ids, groups, limits, environment,
 *      seccomp status, id maps; open the target's root and working
 *      directory (afterwards /proc is the sandbox's); compile the filter;
 *   4. join the record's cgroups while still on the host;
 *   joiner:
 *   5. setns: all namespaces at once through the pidfd (Linux 5.8),
 *      atomically; else one by one (join_each());
 *   6. chroot to the target's root, chdir to its working directory (which
 *      must be reachable from that root, runc CVE-2024-21626);
 *   7. a pty from the sandbox's own devpts when stdin is a terminal (the
 *      master goes to the supervisor);
 *   command:
 *   8. new session, terminal, limits, capabilities locked, ids,
 *      capabilities cleared and no_new_privs, seccomp last, execve.
 * Failures travel over a socket (sync.h); the processes exit 125/126/127.
 */
#define _GNU_SOURCE
#include "enter.h"
#include "exec.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "caps.h"
#include "cleanup.h"
#include "procinfo.h"
#include "pty.h"
#include "seccomp.h"
#include "sync.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

#define GROUPS_MAX 256

static const int ns_flag[CELL_NS_MAX] = {
	[CELL_NS_USER] = CLONE_NEWUSER, [CELL_NS_MNT] = CLONE_NEWNS,
	[CELL_NS_PID] = CLONE_NEWPID,	[CELL_NS_NET] = CLONE_NEWNET,
	[CELL_NS_IPC] = CLONE_NEWIPC,	[CELL_NS_UTS] = CLONE_NEWUTS,
	[CELL_NS_CGROUP] = CLONE_NEWCGROUP, [CELL_NS_TIME] = CLONE_NEWTIME,
};

/* Everything the child needs, read before any setns. */
struct plan {
	int procfd, pidfd;
	unsigned join;		   /* CELL_NS_BIT()s that differ from ours */
	int nsfd[CELL_NS_MAX];	   /* for the one-by-one fallback */
	int rootfd, cwdfd;
	uint32_t uid, gid;	   /* inside */
	uint32_t groups[GROUPS_MAX], host_groups[GROUPS_MAX];
	size_t n_groups, n_host_groups;
	uint64_t caps;
	struct rlimit limits[RLIM_NLIMITS];
	bool have_limit[RLIM_NLIMITS];
	char **env;
	char *const *argv;
	char *shell[2];
	struct cell_seccomp_prog seccomp;
	bool pty;
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
	for (char **e = p->env; e && *e; e++)
		free(*e);
	free(p->env);
	cell_seccomp_prog_free(&p->seccomp);
}

/* Read a /proc/PID file through the directory fd. */
static ssize_t read_at(int procfd, const char *name, char *buf, size_t len)
{
	_cleanup_close_ int fd = openat(procfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	size_t got = 0;

	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	while (got < len - 1) {
		ssize_t n = read(fd, buf + got, len - 1 - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	buf[got] = '\0';
	return (ssize_t)got;
}

static const char *env_get(char *const *env, const char *name)
{
	size_t len = strlen(name);

	for (; env && *env; env++)
		if (strncmp(*env, name, len) == 0 && (*env)[len] == '=')
			return *env + len + 1;
	return NULL;
}

static int env_set(char ***env, const char *kv)
{
	size_t klen = strcspn(kv, "="), n = 0;
	char *copy = strdup(kv), **nv;

	if (!copy)
		return -ENOMEM;
	for (; *env && (*env)[n]; n++)
		if (strncmp((*env)[n], kv, klen) == 0 && (*env)[n][klen] == '=') {
			free((*env)[n]);
			(*env)[n] = copy;
			return 0;
		}
	nv = realloc(*env, (n + 2) * sizeof(*nv));
	if (!nv) {
		free(copy);
		return -ENOMEM;
	}
	nv[n] = copy;
	nv[n + 1] = NULL;
	*env = nv;
	return 0;
}

/* The environment: the record's, else the target's own (/proc/PID/environ). */
static int plan_env(struct plan *p, const struct cell_enter *e, struct cell_err *err)
{
	const char *term = getenv("TERM");
	int r;

	p->env = calloc(1, sizeof(char *));
	if (!p->env)
		return -ENOMEM;
	if (e->by_name && e->rec && e->rec->env) {
		for (char **kv = e->rec->env; *kv; kv++)
			if ((r = env_set(&p->env, *kv)) < 0)
				return r;
	} else {
		_cleanup_free_ char *buf = malloc(256 * 1024);
		ssize_t n;

		if (!buf)
			return -ENOMEM;
		n = read_at(p->procfd, "environ", buf, 256 * 1024);
		if (n < 0)
			return cell_fail(err, (int)-n, "read its environment");
		for (char *kv = buf; kv < buf + n; kv += strlen(kv) + 1)
			if (strchr(kv, '=') && (r = env_set(&p->env, kv)) < 0)
				return r;
	}
	/* The terminal is the caller's: its type too. */
	if (p->pty && term && *term) {
		_cleanup_free_ char *kv = NULL;

		if (asprintf(&kv, "TERM=%s", term) < 0)
			return -ENOMEM;
		if ((r = env_set(&p->env, kv)) < 0)
			return r;
	}
	return 0;
}

static int plan_ids(struct plan *p, const struct cell_enter *e, struct cell_err *err)
{
	char status[8192], map[1024];
	uint32_t ids[4];
	uint64_t mode = 0;
	int n;

	if (read_at(p->procfd, "status", status, sizeof(status)) < 0)
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
	    read_at(p->procfd, "uid_map", map, sizeof(map)) < 0 ||
	    cell_proc_map_inside(map, ids[0], &p->uid) < 0)
		return cell_fail(err, EIO, "its uid inside");
	if (cell_proc_parse_ids(status, "Gid", ids, 4) != 4 ||
	    read_at(p->procfd, "gid_map", map, sizeof(map)) < 0 ||
	    cell_proc_map_inside(map, ids[0], &p->gid) < 0)
		return cell_fail(err, EIO, "its gid inside");
	n = cell_proc_parse_ids(status, "Groups", p->host_groups, GROUPS_MAX);
	if (n < 0 || n > GROUPS_MAX)
		return cell_fail(err, EIO, "its groups");
	p->n_host_groups = (size_t)n;
	/* Inside, a group that is not mapped cannot be named: leave it out
	 * (fewer groups, never more). */
	for (size_t i = 0; i < p->n_host_groups; i++)
		if (cell_proc_map_inside(map, p->host_groups[i], &p->groups[p->n_groups]) == 0)
			p->n_groups++;
	p->caps = e->by_name && e->rec ? e->rec->caps : 0;
	return 0;
}

/* The target's limits, from /proc/PID/limits (prlimit(2) would need
 * CAP_SYS_RESOURCE over it, which even root may lack). */
static int plan_limits(struct plan *p, const struct cell_enter *e, struct cell_err *err)
{
	char text[4096];
	int n;

	if (read_at(p->procfd, "limits", text, sizeof(text)) < 0 ||
	    (n = cell_proc_parse_limits(text, p->limits, RLIM_NLIMITS)) < 0)
		return cell_fail(err, EIO, "read its resource limits");
	for (int r = 0; r < n; r++)
		p->have_limit[r] = true;
	return 0;
}

/* The record's filter (the program the sandbox's command loaded, else its
 * policy), else the policy named with --seccomp; loaded last by the child. */
static int plan_seccomp(struct plan *p, const struct cell_enter *e, struct cell_err *err)
{
	_cleanup_(cell_seccomp_policy_freep) struct cell_seccomp_policy *pol = NULL;
	unsigned flags = 0;
	int r;

	if (e->rec && e->rec->seccomp_bpf) {
		/* the very program the sandbox's command loaded */
		r = cell_state_record_get_bpf(e->rec, &p->seccomp);
		return r < 0 ? cell_fail(err, -r, "the sandbox's recorded seccomp filter") : 0;
	}
	if (e->rec && e->rec->seccomp) {
		pol = cell_seccomp_policy_new();
		if (!pol)
			return -ENOMEM;
		r = cell_seccomp_policy_parse(pol, e->rec->seccomp, "the sandbox's seccomp policy",
					      "/", err);
		if (r < 0)
			return r;
		if (e->rec->seccomp_log)
			flags |= CELL_SECCOMP_COMPILE_LOG;
	} else if (e->seccomp) {
		r = cell_seccomp_policy_resolve(e->seccomp, &pol, err);
		if (r < 0)
			return cell_err_prefix(err, "--seccomp");
		if (!pol)
			return 0; /* "none", allowed only for a target without a filter */
	} else {
		return 0;
	}
	return cell_seccomp_compile(pol, flags, &p->seccomp, err);
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
	if (read_at(p->procfd, "stat", stat, sizeof(stat)) < 0 ||
	    cell_proc_parse_start_time(stat, &st) < 0 || (e->start_time && st != e->start_time))
		return cell_fail(err, 0, "no such process");
	p->pty = e->pty == CELL_PTY_ON || (e->pty == CELL_PTY_AUTO && isatty(STDIN_FILENO));
	if ((r = plan_namespaces(p, e, err)) < 0 || (r = plan_ids(p, e, err)) < 0 ||
	    (r = plan_limits(p, e, err)) < 0 || (r = plan_env(p, e, err)) < 0 ||
	    (r = plan_seccomp(p, e, err)) < 0)
		return r;
	p->rootfd = openat(p->procfd, "root", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (p->rootfd < 0)
		return cell_fail(err, errno, "open its root");
	p->cwdfd = openat(p->procfd, "cwd", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (p->cwdfd < 0)
		return cell_fail(err, errno, "open its working directory");
	if (e->argv && e->argv[0]) {
		p->argv = e->argv;
	} else {
		const char *sh = env_get(p->env, "SHELL");

		p->shell[0] = (char *)(sh && sh[0] == '/' ? sh : "/bin/sh");
		p->argv = p->shell;
	}
	return 0;
}

static int write_file(const char *path, const char *text)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0)
		return -errno;
	return write(fd, text, strlen(text)) < 0 ? -errno : 0;
}

/* The record's cgroups (the sandbox's limits), joined on the host: inside,
 * the cgroup namespace hides the path. */
static int join_cgroups(const struct cell_enter *e, struct cell_err *err)
{
	char path[4200];

	for (char **c = e->rec ? e->rec->cgroups : NULL; c && *c; c++) {
		int r;

		snprintf(path, sizeof(path), "%s/cgroup.procs", *c);
		r = write_file(path, "0");
		if (r < 0)
			return cell_fail(err, -r, "join the sandbox's cgroup %s", *c);
	}
	return 0;
}

/* One namespace at a time, in nsenter's two passes: every namespace that
 * can be joined now, then the user namespace, then the rest.  A caller
 * without privilege on the host can join the others only after the user
 * namespace has given it capabilities there; a privileged caller joins
 * first what needs its host privilege (a namespace owned by the host's
 * user namespace, like a named network namespace the sandbox joined) and
 * drops that privilege by joining the user namespace last. */
static int join_each(struct plan *p, struct cell_err *err)
{
	static const enum cell_ns_type order[] = {
		CELL_NS_IPC, CELL_NS_UTS, CELL_NS_NET,	CELL_NS_PID,
		CELL_NS_CGROUP, CELL_NS_TIME, CELL_NS_MNT,
	};
	unsigned later = 0;

	for (size_t i = 0; i < ELEMENTSOF(order); i++) {
		enum cell_ns_type t = order[i];

		if (!(p->join & CELL_NS_BIT(t)))
			continue;
		if (setns(p->nsfd[t], ns_flag[t]) == 0)
			continue;
		if (errno != EPERM || !(p->join & CELL_NS_BIT(CELL_NS_USER)))
			return cell_fail(err, errno, "join its %s namespace", cell_ns_name(t));
		later |= CELL_NS_BIT(t);
	}
	if ((p->join & CELL_NS_BIT(CELL_NS_USER)) &&
	    setns(p->nsfd[CELL_NS_USER], CLONE_NEWUSER) < 0)
		return cell_fail(err, errno, "join its user namespace");
	for (size_t i = 0; i < ELEMENTSOF(order); i++) {
		enum cell_ns_type t = order[i];

		if ((later & CELL_NS_BIT(t)) && setns(p->nsfd[t], ns_flag[t]) < 0)
			return cell_fail(err, errno, "join its %s namespace", cell_ns_name(t));
	}
	return 0;
}

static int join(struct plan *p, struct cell_err *err)
{
	int flags = 0;

	for (int t = 0; t < CELL_NS_MAX; t++)
		if (p->join & CELL_NS_BIT(t))
			flags |= ns_flag[t];
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
	return join_each(p, err);
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

/* A pseudo-terminal of the sandbox's own devpts (so TIOCSTI reaches only
 * the sandbox's terminal).  The path is the sandbox's: check that it is a
 * character device before trusting it, and never block on a FIFO. */
static int open_pty(int *ret_master, int *ret_slave, struct cell_err *err)
{
	_cleanup_close_ int master = -1;
	int unlock = 0, slave;
	struct stat st;

	master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
	if (master < 0 || fstat(master, &st) < 0 || !S_ISCHR(st.st_mode) ||
	    ioctl(master, TIOCSPTLCK, &unlock) < 0)
		return cell_fail(err, master < 0 ? errno : ENOTTY,
				 "open a pseudo-terminal in the sandbox");
	slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0)
		return cell_fail(err, errno, "open the pseudo-terminal's peer");
	*ret_master = TAKE_FD(master);
	*ret_slave = slave;
	return 0;
}

static int set_limits(const struct plan *p, struct cell_err *err)
{
	for (int r = 0; r < RLIM_NLIMITS; r++) {
		struct rlimit want = p->limits[r], cur;

		if (!p->have_limit[r] || setrlimit(r, &want) == 0)
			continue;
		/* Raising a hard limit needs CAP_SYS_RESOURCE on the host:
		 * keep ours where it is lower (never more than the target). */
		if (errno != EPERM || getrlimit(r, &cur) < 0)
			return cell_fail(err, errno, "set resource limit %d", r);
		if (want.rlim_max > cur.rlim_max)
			want.rlim_max = cur.rlim_max;
		if (want.rlim_cur > want.rlim_max)
			want.rlim_cur = want.rlim_max;
		if (setrlimit(r, &want) < 0)
			return cell_fail(err, errno, "set resource limit %d", r);
	}
	return 0;
}

static bool setgroups_allowed(void)
{
	char buf[16];

	return cell_proc_read(0, "setgroups", buf, sizeof(buf)) > 0 &&
	       strncmp(buf, "allow", 5) == 0;
}

/* The command's process, inside every namespace.  Never returns. */
__attribute__((noreturn)) static void child(const struct plan *p, int sock, int slave,
					    const sigset_t *mask)
{
	struct cell_err err = { 0 };
	int r;

	for (int sig = 1; sig < NSIG; sig++) {
		struct sigaction sa = { .sa_handler = SIG_DFL };

		if (sig != SIGKILL && sig != SIGSTOP)
			(void)sigaction(sig, &sa, NULL); /* glibc refuses its own two */
	}
	if (sigprocmask(SIG_SETMASK, mask, NULL) < 0) {
		cell_fail(&err, errno, "restore the signal mask");
		cell_sync_die(sock, &err);
	}
	/* No controlling terminal of the host's (TIOCSTI). */
	if (setsid() < 0) {
		cell_fail(&err, errno, "setsid");
		cell_sync_die(sock, &err);
	}
	if (slave >= 0 && (ioctl(slave, TIOCSCTTY, 0) < 0 || dup2(slave, 0) < 0 ||
			   dup2(slave, 1) < 0 || dup2(slave, 2) < 0)) {
		cell_fail(&err, errno, "attach the terminal");
		cell_sync_die(sock, &err);
	}
	/* Nothing of cell's but stdio reaches the command. */
	if (syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) < 0) {
		cell_fail(&err, errno, "close file descriptors");
		cell_sync_die(sock, &err);
	}
	if (set_limits(p, &err) < 0)
		cell_sync_die(sock, &err);
	r = cell_caps_lock(p->caps, &err);
	if (r == -EPERM && p->caps == 0 && !(p->join & CELL_NS_BIT(CELL_NS_USER))) {
		/* Unprivileged, in our own user namespace: we hold no
		 * capability to lock away, and no_new_privs below keeps it so. */
		memset(&err, 0, sizeof(err));
	} else if (r < 0) {
		cell_sync_die(sock, &err);
	}
	if (setgroups_allowed() && setgroups(p->n_groups, p->groups) < 0) {
		cell_fail(&err, errno, "setgroups");
		cell_sync_die(sock, &err);
	}
	if (setresgid(p->gid, p->gid, p->gid) < 0 || setresuid(p->uid, p->uid, p->uid) < 0) {
		cell_fail(&err, errno, "take uid %u gid %u", p->uid, p->gid);
		cell_sync_die(sock, &err);
	}
	/* The id change cleared it. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0) {
		cell_fail(&err, errno, "set the parent-death signal");
		cell_sync_die(sock, &err);
	}
	if (cell_caps_clear(p->caps, &err) < 0)
		cell_sync_die(sock, &err);
	if (cell_seccomp_apply(&p->seccomp, &err) < 0)
		cell_sync_die(sock, &err);
	cell_exec_command(p->argv, p->env, &err);
	cell_sync_die(sock, &err);
}

static int status_code(const siginfo_t *si)
{
	if (si->si_code == CLD_EXITED)
		return si->si_status;
	return 128 + si->si_status;
}

/* Forward signals, relay the terminal, collect the child's error and its
 * status. */
static int wait_child(int pidfd, int sock, int sfd, struct cell_relay *relay,
		      struct cell_err *err)
{
	struct cell_err child_err = { 0 };
	bool have_err = false, sock_open = true;
	siginfo_t si;

	for (;;) {
		struct pollfd pfd[5];
		size_t n = 0, nrelay;

		pfd[n++] = (struct pollfd){ .fd = pidfd, .events = POLLIN };
		pfd[n++] = (struct pollfd){ .fd = sfd, .events = POLLIN };
		pfd[n++] = (struct pollfd){ .fd = sock_open ? sock : -1, .events = POLLIN };
		nrelay = cell_relay_pollfds(relay, pfd + n);
		if (poll(pfd, n + nrelay, -1) < 0) {
			if (errno == EINTR)
				continue;
			return cell_fail(err, errno, "poll");
		}
		if (pfd[1].revents & POLLIN) {
			struct signalfd_siginfo ssi;

			while (read(sfd, &ssi, sizeof(ssi)) == sizeof(ssi)) {
				if (ssi.ssi_signo == SIGWINCH && relay->master >= 0)
					cell_relay_winch(relay);
				else
					(void)syscall(SYS_pidfd_send_signal, pidfd,
						      (int)ssi.ssi_signo, NULL, 0);
			}
		}
		if (pfd[2].revents & (POLLIN | POLLHUP)) {
			struct cell_msg msg;
			size_t nfds = 0;
			int fd = -1;

			if (cell_sync_recv(sock, &msg, &fd, 1, &nfds) <= 0) {
				sock_open = false;
			} else if (msg.type == CELL_MSG_ERROR && !have_err) {
				child_err = msg.err;
				have_err = true;
			}
			if (nfds == 1)
				close(fd);
		}
		cell_relay_handle(relay, pfd + n, nrelay);
		if (pfd[0].revents & POLLIN)
			break;
	}
	memset(&si, 0, sizeof(si));
	if (waitid(P_PIDFD, (id_t)pidfd, &si, WEXITED) < 0)
		return cell_fail(err, errno, "waitid");
	cell_relay_drain(relay);
	if (!have_err && sock_open) {
		struct cell_msg msg;
		struct pollfd pfd = { .fd = sock, .events = POLLIN };
		size_t nfds = 0;
		int fd = -1;

		if (poll(&pfd, 1, 0) > 0 && cell_sync_recv(sock, &msg, &fd, 1, &nfds) > 0 &&
		    msg.type == CELL_MSG_ERROR) {
			child_err = msg.err;
			have_err = true;
		}
		if (nfds == 1)
			close(fd);
	}
	if (have_err) {
		*err = child_err;
		return -(err->errnum > 0 ? err->errnum : EINVAL);
	}
	return status_code(&si);
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

/* The joiner: enter, take the root, open the pty, clone the command as a
 * sibling (our parent's child) and tell the supervisor its PID
 * (CELL_MSG_READY, status = PID).  Never returns. */
__attribute__((noreturn)) static void joiner(struct plan *p, int sock, const sigset_t *mask)
{
	struct clone_args args = { .flags = CLONE_PARENT };
	struct cell_msg msg = { .type = CELL_MSG_READY };
	struct cell_err err = { 0 };
	int master = -1, slave = -1;
	pid_t pid;

	if (join(p, &err) < 0 || enter_root(p, &err) < 0)
		cell_sync_die(sock, &err);
	if (p->pty) {
		struct cell_msg pty = { .type = CELL_MSG_PTY };

		if (open_pty(&master, &slave, &err) < 0)
			cell_sync_die(sock, &err);
		if (cell_sync_send(sock, &pty, &master, 1) < 0) {
			cell_fail(&err, errno, "send the pseudo-terminal");
			cell_sync_die(sock, &err);
		}
		close(master);
	}
	/* exit_signal 0: with CLONE_PARENT the kernel gives the command ours
	 * (SIGCHLD), to our parent */
	pid = (pid_t)syscall(SYS_clone3, &args, sizeof(args));
	if (pid < 0) {
		cell_fail(&err, errno, "start the command");
		cell_sync_die(sock, &err);
	}
	if (pid == 0)
		child(p, sock, slave, mask);
	msg.status = pid;
	_exit(cell_sync_send(sock, &msg, NULL, 0) < 0 ? CELL_EXIT_SETUP : 0);
}

/* Wait for the joiner: the pty master and the command's PID, or why it
 * failed.  Returns the PID, or -errno with err filled. */
static pid_t wait_joiner(pid_t joiner_pid, int sock, struct cell_relay *relay,
			 struct cell_err *err)
{
	pid_t pid = -1;
	int status;

	for (;;) {
		struct cell_msg msg;
		size_t nfds = 0;
		int fd = -1, r = cell_sync_recv(sock, &msg, &fd, 1, &nfds);

		if (r <= 0) {
			if (!err->msg[0])
				cell_fail(err, r < 0 ? -r : 0, "the process that joins the "
					  "namespaces died");
			break;
		}
		if (msg.type == CELL_MSG_ERROR) {
			*err = msg.err;
			break;
		}
		if (msg.type == CELL_MSG_PTY && nfds == 1) {
			(void)cell_relay_start(relay, fd);
			continue;
		}
		if (nfds == 1)
			close(fd);
		if (msg.type == CELL_MSG_READY) {
			pid = msg.status;
			break;
		}
	}
	while (waitpid(joiner_pid, &status, 0) < 0 && errno == EINTR)
		;
	if (pid > 0)
		return pid;
	if (!err->status)
		err->status = CELL_EXIT_SETUP;
	return -(err->errnum > 0 ? err->errnum : EINVAL);
}

int cell_enter(const struct cell_enter *e, struct cell_err *err)
{
	struct plan p = { .procfd = -1, .pidfd = -1, .rootfd = -1, .cwdfd = -1 };
	struct cell_relay relay;
	_cleanup_close_ int sfd = -1, cpidfd = -1;
	int sp[2] = { -1, -1 }, r;
	sigset_t fwd, saved;
	pid_t pid;

	for (int t = 0; t < CELL_NS_MAX; t++)
		p.nsfd[t] = -1;
	cell_relay_init(&relay);
	/* 1: before anything of the sandbox's can see us */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) {
		r = cell_fail(err, errno, "set not dumpable");
		goto out;
	}
	/* 2, 3 */
	r = plan_make(&p, e, err);
	if (r < 0)
		goto out;
	/* As root, take the target's supplementary groups (host ids) while we
	 * may: in a user namespace that denies setgroups(2) they could not be
	 * dropped any more, and root's own would go in. */
	if (geteuid() == 0 && setgroups(p.n_host_groups, p.host_groups) < 0) {
		r = cell_fail(err, errno, "setgroups");
		goto out;
	}
	/* 4 */
	r = join_cgroups(e, err);
	if (r < 0)
		goto out;
	/* Everything read through the PID refers to the target if it is
	 * still alive now (our pidfd keeps its PID from being reused). */
	if (syscall(SYS_pidfd_send_signal, p.pidfd, 0, NULL, 0) < 0 && errno == ESRCH) {
		r = cell_fail(err, 0, "no such process");
		goto out;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0) {
		r = cell_fail(err, errno, "socketpair");
		goto out;
	}
	sigfillset(&fwd);
	sigdelset(&fwd, SIGKILL);
	sigdelset(&fwd, SIGSTOP);
	sigdelset(&fwd, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &fwd, &saved) < 0) {
		r = cell_fail(err, errno, "block signals");
		goto out;
	}
	sfd = signalfd(-1, &fwd, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0) {
		r = cell_fail(err, errno, "signalfd");
		goto out;
	}
	/* 5, 6, 7 in the joiner; 8 in the command */
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		r = cell_fail(err, errno, "fork");
		goto out;
	}
	if (pid == 0) {
		close(sp[0]);
		joiner(&p, sp[1], &saved);
	}
	close(sp[1]);
	sp[1] = -1;
	pid = wait_joiner(pid, sp[0], &relay, err);
	if (pid < 0) {
		r = pid;
		goto out;
	}
	/* our own unreaped child: its PID cannot be reused before waitid */
	cpidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (cpidfd < 0) {
		r = cell_fail(err, errno, "pidfd_open");
		(void)kill(pid, SIGKILL);
		(void)waitpid(pid, NULL, 0);
		goto out;
	}
	r = wait_child(cpidfd, sp[0], sfd, &relay, err);
	if (r < 0) {
		(void)syscall(SYS_pidfd_send_signal, cpidfd, SIGKILL, NULL, 0);
		(void)waitid(P_PIDFD, (id_t)cpidfd, &(siginfo_t){ 0 }, WEXITED | WNOHANG);
	}
out:
	cell_relay_end(&relay);
	if (sp[0] >= 0)
		close(sp[0]);
	if (sp[1] >= 0)
		close(sp[1]);
	plan_clear(&p);
	/* The forwarded signals stay blocked, as in cell_launch(): the caller
	 * exits right after. */
	return r;
}
