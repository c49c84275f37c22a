/* nsexec.c - a new process inside namespaces that already exist.
 *
 * setns(2), clone(2) CLONE_PARENT, pid_namespaces(7), capabilities(7),
 * user_namespaces(7), pty(7), signalfd(2).
 *
 * Order (see nsexec.h for the three processes):
 *   supervisor:
 *   1. not dumpable: the command is visible inside the namespaces until
 *      it execs, and nothing in there may ptrace it or open its /proc
 *      files (runc CVE-2016-9962); fork and clone copy the flag;
 *   2. as root, the supplementary groups while host ids can still be
 *      named (in a user namespace that denies setgroups(2) root's own
 *      could not be dropped any more);
 *   3. the cgroups, while still on the host (inside, the cgroup namespace
 *      hides their paths);
 *   joiner:
 *   4. the caller's enter hook: namespaces, root, working directory;
 *   5. a pty from the namespaces' own devpts when asked (the master goes
 *      to the supervisor);
 *   6. clone (CLONE_PARENT) the command, or with pid1 a PID 1 that runs
 *      pid1_setup and then forks the command;
 *   command:
 *   7. new session, terminal, limits, capabilities locked, ids,
 *      capabilities cleared and no_new_privs, seccomp last, execve.
 * Failures travel over a socket (sync.h); the processes exit 125/126/127.
 */
#define _GNU_SOURCE
#include "nsexec.h"

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
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "caps.h"
#include "cleanup.h"
#include "exec.h"
#include "procinfo.h"
#include "pty.h"
#include "sync.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

static const int ns_flag[CELL_NS_MAX] = {
	[CELL_NS_USER] = CLONE_NEWUSER, [CELL_NS_MNT] = CLONE_NEWNS,
	[CELL_NS_PID] = CLONE_NEWPID,	[CELL_NS_NET] = CLONE_NEWNET,
	[CELL_NS_IPC] = CLONE_NEWIPC,	[CELL_NS_UTS] = CLONE_NEWUTS,
	[CELL_NS_CGROUP] = CLONE_NEWCGROUP, [CELL_NS_TIME] = CLONE_NEWTIME,
};

int cell_nsexec_ns_flag(enum cell_ns_type t)
{
	return (unsigned)t < CELL_NS_MAX ? ns_flag[t] : 0;
}

void cell_nsexec_init(struct cell_nsexec *x)
{
	memset(x, 0, sizeof(*x));
}

void cell_nsexec_clear(struct cell_nsexec *x)
{
	for (char **e = x->env; e && *e; e++)
		free(*e);
	free(x->env);
	cell_seccomp_prog_free(&x->seccomp);
	x->env = NULL;
}

int cell_nsexec_env_set(char ***env, const char *kv)
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

int cell_nsexec_env_term(struct cell_nsexec *x)
{
	const char *term = getenv("TERM");
	_cleanup_free_ char *kv = NULL;

	if (!x->pty || !term || !*term)
		return 0;
	if (asprintf(&kv, "TERM=%s", term) < 0)
		return -ENOMEM;
	return cell_nsexec_env_set(&x->env, kv);
}

int cell_nsexec_seccomp(struct cell_nsexec *x, const struct cell_state_record *rec,
			const char *policy, struct cell_err *err)
{
	_cleanup_(cell_seccomp_policy_freep) struct cell_seccomp_policy *pol = NULL;
	unsigned flags = 0;
	int r;

	if (rec && rec->seccomp_bpf) {
		/* the very program the sandbox's command loaded */
		r = cell_state_record_get_bpf(rec, &x->seccomp);
		return r < 0 ? cell_fail(err, -r, "the sandbox's recorded seccomp filter") : 0;
	}
	if (rec && rec->seccomp) {
		pol = cell_seccomp_policy_new();
		if (!pol)
			return -ENOMEM;
		r = cell_seccomp_policy_parse(pol, rec->seccomp, "the sandbox's seccomp policy",
					      "/", err);
		if (r < 0)
			return r;
		if (rec->seccomp_log)
			flags |= CELL_SECCOMP_COMPILE_LOG;
	} else if (policy) {
		r = cell_seccomp_policy_resolve(policy, &pol, err);
		if (r < 0)
			return cell_err_prefix(err, "--seccomp");
		if (!pol)
			return 0; /* "none" */
	} else {
		return 0;
	}
	return cell_seccomp_compile(pol, flags, &x->seccomp, err);
}

int cell_nsexec_join_each(const int nsfd[CELL_NS_MAX], unsigned mask, struct cell_err *err)
{
	static const enum cell_ns_type order[] = {
		CELL_NS_IPC, CELL_NS_UTS, CELL_NS_NET,	CELL_NS_PID,
		CELL_NS_CGROUP, CELL_NS_TIME, CELL_NS_MNT,
	};
	unsigned later = 0;

	for (size_t i = 0; i < ELEMENTSOF(order); i++) {
		enum cell_ns_type t = order[i];

		if (!(mask & CELL_NS_BIT(t)))
			continue;
		if (setns(nsfd[t], ns_flag[t]) == 0)
			continue;
		if (errno != EPERM || !(mask & CELL_NS_BIT(CELL_NS_USER)))
			return cell_fail(err, errno, "join its %s namespace", cell_ns_name(t));
		later |= CELL_NS_BIT(t);
	}
	if ((mask & CELL_NS_BIT(CELL_NS_USER)) && setns(nsfd[CELL_NS_USER], CLONE_NEWUSER) < 0)
		return cell_fail(err, errno, "join its user namespace");
	for (size_t i = 0; i < ELEMENTSOF(order); i++) {
		enum cell_ns_type t = order[i];

		if ((later & CELL_NS_BIT(t)) && setns(nsfd[t], ns_flag[t]) < 0)
			return cell_fail(err, errno, "join its %s namespace", cell_ns_name(t));
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

/* The sandbox's cgroups (its limits), joined on the host: inside, the
 * cgroup namespace hides the path. */
static int join_cgroups(const struct cell_nsexec *x, struct cell_err *err)
{
	char path[4200];

	for (char *const *c = x->cgroups; c && *c; c++) {
		int r;

		snprintf(path, sizeof(path), "%s/cgroup.procs", *c);
		r = write_file(path, "0");
		if (r < 0)
			return cell_fail(err, -r, "join the sandbox's cgroup %s", *c);
	}
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

static int set_limits(const struct cell_nsexec *x, struct cell_err *err)
{
	for (int r = 0; r < RLIM_NLIMITS; r++) {
		struct rlimit want = x->limits[r], cur;

		if (!x->have_limit[r] || setrlimit(r, &want) == 0)
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
__attribute__((noreturn)) static void child(const struct cell_nsexec *x, int sock, int slave,
					    const sigset_t *mask)
{
	struct cell_err err = { 0 };
	int r;

	cell_signals_default();
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
	if (set_limits(x, &err) < 0)
		cell_sync_die(sock, &err);
	r = cell_caps_lock(x->caps, &err);
	if (r == -EPERM && x->caps == 0 && !x->userns) {
		/* Unprivileged, in our own user namespace: we hold no
		 * capability to lock away, and no_new_privs below keeps it so. */
		memset(&err, 0, sizeof(err));
	} else if (r < 0) {
		cell_sync_die(sock, &err);
	}
	if (setgroups_allowed() && setgroups(x->n_groups, x->groups) < 0) {
		cell_fail(&err, errno, "setgroups");
		cell_sync_die(sock, &err);
	}
	if (setresgid(x->gid, x->gid, x->gid) < 0 || setresuid(x->uid, x->uid, x->uid) < 0) {
		cell_fail(&err, errno, "take uid %u gid %u", x->uid, x->gid);
		cell_sync_die(sock, &err);
	}
	/* The id change cleared it. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0) {
		cell_fail(&err, errno, "set the parent-death signal");
		cell_sync_die(sock, &err);
	}
	if (cell_caps_clear(x->caps, &err) < 0)
		cell_sync_die(sock, &err);
	if (cell_seccomp_apply(&x->seccomp, &err) < 0)
		cell_sync_die(sock, &err);
	cell_exec_command(x->argv, x->env, &err);
	cell_sync_die(sock, &err);
}

static int status_code(const siginfo_t *si)
{
	if (si->si_code == CLD_EXITED)
		return si->si_status;
	return 128 + si->si_status;
}

/* Close every fd from 3 up but a and b (-1: none). */
static int close_all_but(int a, int b)
{
	int keep[2] = { a < b ? a : b, a < b ? b : a };
	unsigned lo = 3;

	for (int i = 0; i < 2; i++) {
		if (keep[i] < 3)
			continue;
		if ((unsigned)keep[i] > lo &&
		    syscall(SYS_close_range, lo, (unsigned)keep[i] - 1, 0U) < 0)
			return -errno;
		lo = (unsigned)keep[i] + 1;
	}
	return syscall(SYS_close_range, lo, ~0U, 0U) < 0 ? -errno : 0;
}

/* PID 1's copy of the caller's command line names host paths (cell's own
 * binary): blank it to "cell-init", as cell run's init does.  The area is
 * the one /proc/self/stat gives (arg_start, arg_end: fields 48 and 49);
 * without a /proc it stays. */
static void hide_cmdline(void)
{
	char buf[1024], *p, *save = NULL;
	unsigned long long start = 0, end = 0;
	ssize_t n = cell_proc_read(0, "stat", buf, sizeof(buf));
	int field = 3;

	if (n <= 0 || !(p = strrchr(buf, ')')))
		return;
	/* field 3 (the state) follows the command's name in parentheses */
	for (p = strtok_r(p + 1, " ", &save); p && field <= 49;
	     p = strtok_r(NULL, " ", &save), field++) {
		if (field == 48)
			start = strtoull(p, NULL, 10);
		else if (field == 49)
			end = strtoull(p, NULL, 10);
	}
	if (end <= start || end - start > 1024 * 1024)
		return;
	memset((void *)(uintptr_t)start, 0, (size_t)(end - start));
	memcpy((void *)(uintptr_t)start, "cell-init", end - start < 10 ? end - start - 1 : 9);
}

/* PID 1 of a new pid namespace: set up (pid1_setup), start the command,
 * reap every child, forward every signal to the command, exit with the
 * command's status.  When PID 1 exits the kernel kills the rest.  It
 * keeps the capabilities the joiner had, as cell run's init does, and
 * stays not dumpable.  Never returns. */
__attribute__((noreturn)) static void pid1(struct cell_nsexec *x, int sock, int slave,
					   const sigset_t *mask)
{
	struct cell_err err = { 0 };
	sigset_t all;
	pid_t cmd;
	int sfd;
	struct pollfd gone = { .fd = sock, .events = 0 };

	/* With the supervisor goes the whole pid namespace.  (Our parent is
	 * outside it: getppid() says 0; a supervisor that died before the
	 * signal was set has hung up the socket.) */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0) {
		cell_fail(&err, errno, "set the parent-death signal");
		cell_sync_die(sock, &err);
	}
	if (poll(&gone, 1, 0) > 0 && (gone.revents & (POLLHUP | POLLERR)))
		_exit(CELL_EXIT_SETUP);
	/* no controlling terminal of the host's */
	if (setsid() < 0) {
		cell_fail(&err, errno, "setsid");
		cell_sync_die(sock, &err);
	}
	if (close_all_but(sock, slave) < 0) {
		cell_fail(&err, errno, "close file descriptors");
		cell_sync_die(sock, &err);
	}
	if (x->pid1_setup && x->pid1_setup(x, &err) < 0)
		cell_sync_die(sock, &err);
	/* the forwarded signals are blocked already (the supervisor's mask) */
	sigemptyset(&all);
	sigaddset(&all, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &all, NULL) < 0 || sigprocmask(SIG_BLOCK, NULL, &all) < 0 ||
	    (sfd = signalfd(-1, &all, SFD_CLOEXEC)) < 0) {
		cell_fail(&err, errno, "init: signalfd");
		cell_sync_die(sock, &err);
	}
	cmd = fork();
	if (cmd < 0) {
		cell_fail(&err, errno, "start the command");
		cell_sync_die(sock, &err);
	}
	if (cmd == 0)
		child(x, sock, slave, mask);
	/* our copy only: the command's argv may point into it */
	hide_cmdline();
	if (slave >= 0)
		close(slave);
	for (;;) {
		struct signalfd_siginfo si;
		ssize_t n = read(sfd, &si, sizeof(si));

		if (n < 0 && errno == EINTR)
			continue;
		if (n != sizeof(si)) {
			(void)kill(cmd, SIGKILL);
			cell_fail(&err, errno, "init: read signalfd");
			cell_sync_die(sock, &err);
		}
		if (si.ssi_signo != SIGCHLD) {
			(void)kill(cmd, (int)si.ssi_signo); /* it may be gone already */
			continue;
		}
		for (;;) {
			siginfo_t ci = { 0 };

			if (waitid(P_ALL, 0, &ci, WEXITED | WNOHANG) < 0 || ci.si_pid == 0)
				break;
			if (ci.si_pid == cmd)
				_exit(status_code(&ci));
		}
	}
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

/* The joiner: enter, open the pty, clone the command (or PID 1) as a
 * sibling (our parent's child) and tell the supervisor its PID
 * (CELL_MSG_READY, status = PID).  Never returns. */
__attribute__((noreturn)) static void joiner(struct cell_nsexec *x, int sock, const sigset_t *mask)
{
	struct clone_args args = { .flags = CLONE_PARENT };
	struct cell_msg msg = { .type = CELL_MSG_READY };
	struct cell_err err = { 0 };
	int master = -1, slave = -1;
	pid_t pid;

	if (x->enter(x, &err) < 0)
		cell_sync_die(sock, &err);
	if (x->pty) {
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
		/* ENOMEM: the pid namespace's init is gone (pid_namespaces(7)) */
		if (errno == ENOMEM)
			cell_fail(&err, 0, "the sandbox's pid namespace has ended");
		else
			cell_fail(&err, errno, "start the command");
		cell_sync_die(sock, &err);
	}
	if (pid == 0) {
		if (x->pid1)
			pid1(x, sock, slave, mask);
		child(x, sock, slave, mask);
	}
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

int cell_nsexec_run(struct cell_nsexec *x, struct cell_err *err)
{
	struct cell_relay relay;
	_cleanup_close_ int sfd = -1, cpidfd = -1;
	int sp[2] = { -1, -1 }, r;
	sigset_t fwd, saved;
	pid_t pid;

	cell_relay_init(&relay);
	if (!x->argv || !x->argv[0]) {
		const char *sh = cell_env_get(x->env, "SHELL");

		x->shell[0] = (char *)(sh && sh[0] == '/' ? sh : "/bin/sh");
		x->shell[1] = NULL;
		x->argv = x->shell;
	}
	/* 1 */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) {
		r = cell_fail(err, errno, "set not dumpable");
		goto out;
	}
	/* 2 */
	if (geteuid() == 0 && setgroups(x->n_host_groups, x->host_groups) < 0) {
		r = cell_fail(err, errno, "setgroups");
		goto out;
	}
	/* 3 */
	r = join_cgroups(x, err);
	if (r < 0)
		goto out;
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
	/* 4, 5, 6 in the joiner; 7 in the command */
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		r = cell_fail(err, errno, "fork");
		goto out;
	}
	if (pid == 0) {
		close(sp[0]);
		joiner(x, sp[1], &saved);
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
	/* The forwarded signals stay blocked, as in cell_launch(): the caller
	 * exits right after. */
	return r;
}
