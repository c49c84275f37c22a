/* init.c - the child: everything between clone and execve, and PID 1.
 *
 * The most dangerous code in cell: it runs inside the new namespaces with
 * capabilities over them.  It is straight-line, allocates nothing after
 * clone, and every failure is fatal: the error goes to the parent over the
 * sync socket and the child exits 125 (126/127 for an exec failure).
 *
 * Order (DESIGN.md "Launch order"):
 *   parent-death signal, not dumpable, close inherited fds;
 *   ids (own maps, or wait for the parent's GO; with --net veth/user, own
 *   maps then READY, and wait for GO while the parent sets up the network);
 *   hostname, lo up, the egress allowlist (nftables, while init still has
 *   CAP_NET_ADMIN over its namespace), init's own ids, mounts +
 *   pivot_root; the command's bounding set and securebits (inherited);
 *   with the network namespace made beside (net.h), lo is the helper's,
 *   and init enters the namespace (before a sysfs mount, or here), then
 *   becomes non-dumpable; the old root detached; working directory; pty;
 *   fork the command: new session, terminal, rlimits, ids, capabilities
 *   (and no_new_privs), Landlock, seccomp (last), exec.
 *   PID 1 then reaps everything and forwards signals until the command exits.
 */
#define _GNU_SOURCE
#include "init.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "caps.h"
#include "cleanup.h"
#include "exec.h"
#include "landlock.h"
#include "net.h"
#include "nft.h"
#include "rlimit.h"
#include "seccomp.h"
#include "sync.h"

#define DIE(c, err) cell_sync_die((c)->sock, (err))

/* Close every fd but 0-2, keep[] and the two extras. */
static int close_fds_except(const int *keep, size_t n, int extra, int extra2)
{
	int sorted[64 + 2];
	size_t k = 0;
	unsigned lo = 3;

	for (size_t i = 0; i < n && k < 64; i++)
		if (keep[i] > 2)
			sorted[k++] = keep[i];
	if (extra > 2)
		sorted[k++] = extra;
	if (extra2 > 2)
		sorted[k++] = extra2;
	/* insertion sort: tiny arrays */
	for (size_t i = 1; i < k; i++)
		for (size_t j = i; j > 0 && sorted[j - 1] > sorted[j]; j--) {
			int t = sorted[j];
			sorted[j] = sorted[j - 1];
			sorted[j - 1] = t;
		}
	for (size_t i = 0; i < k; i++) {
		if ((unsigned)sorted[i] > lo && close_range(lo, (unsigned)sorted[i] - 1, 0) < 0)
			return -errno;
		lo = (unsigned)sorted[i] + 1;
	}
	return close_range(lo, ~0U, 0) < 0 ? -errno : 0;
}

static bool parent_gone(int sock)
{
	struct pollfd pfd = { .fd = sock, .events = 0 };

	return poll(&pfd, 1, 0) > 0 && (pfd.revents & (POLLHUP | POLLERR));
}

static void set_pdeathsig(struct cell_child_ctx *c)
{
	struct cell_err err = { 0 };

	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0) {
		cell_fail(&err, errno, "set parent-death signal");
		DIE(c, &err);
	}
	if (parent_gone(c->sock))
		_exit(CELL_EXIT_SETUP);
}

static void set_not_dumpable(struct cell_child_ctx *c)
{
	struct cell_err err = { 0 };

	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) {
		cell_fail(&err, errno, "set not dumpable");
		DIE(c, &err);
	}
}

static int set_ids(uint32_t uid, uint32_t gid, bool drop_groups, struct cell_err *err)
{
	if (setresgid(gid, gid, gid) < 0)
		return cell_fail(err, errno, "setresgid %u", gid);
	if (drop_groups && setgroups(0, NULL) < 0)
		return cell_fail(err, errno, "setgroups");
	if (setresuid(uid, uid, uid) < 0)
		return cell_fail(err, errno, "setresuid %u", uid);
	return 0;
}

/* The command's seccomp program, as the parent sent it (BPF_MAXINSNS
 * instructions of 8 bytes at most). */
static uint64_t seccomp_insns[4096];
static struct cell_seccomp_prog seccomp_prog;

/* The command's process (or PID 1 itself with --no-init).  Never returns. */
__attribute__((noreturn)) static void run_command(struct cell_child_ctx *c, int pty_slave)
{
	const struct cell_plan *p = c->plan;
	struct cell_err err = { 0 };

	/* The command starts with default signal dispositions, as in a fresh
	 * container (a signal the caller ignored, a background job's SIGINT,
	 * must still reach it when sent to cell): cell reset them before
	 * clone, and init sets none. */
	if (sigprocmask(SIG_SETMASK, &c->saved_mask, NULL) < 0) {
		cell_fail(&err, errno, "restore signal mask");
		DIE(c, &err);
	}
	/* A session of its own: no way back to the host terminal (TIOCSTI). */
	if (setsid() < 0 && getsid(0) != getpid()) { /* --no-init: already a leader */
		cell_fail(&err, errno, "setsid");
		DIE(c, &err);
	}
	if (pty_slave >= 0) {
		if (ioctl(pty_slave, TIOCSCTTY, 0) < 0 || dup2(pty_slave, 0) < 0 ||
		    dup2(pty_slave, 1) < 0 || dup2(pty_slave, 2) < 0) {
			cell_fail(&err, errno, "attach the terminal");
			DIE(c, &err);
		}
		if (pty_slave > 2)
			close(pty_slave);
	}
	/* Limits of the command (not of init), while it still has the
	 * capabilities of its user namespace. */
	if (cell_rlimits_apply(&p->rlimits, &err) < 0)
		DIE(c, &err);
	/* (The bounding set and securebits came from init.) */
	if (p->ids.set_ids && set_ids(p->ids.uid, p->ids.gid, p->ids.drop_groups, &err) < 0)
		DIE(c, &err);
	/* Credential changes clear the parent-death signal: set it again. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0) {
		cell_fail(&err, errno, "set parent-death signal");
		DIE(c, &err);
	}
	/* Also sets no_new_privs, which Landlock and seccomp need. */
	if (cell_caps_clear(p->spec->caps, &err) < 0)
		DIE(c, &err);
	for (size_t i = 0; i < p->spec->n_keep_fds; i++)
		if (fcntl(p->spec->keep_fds[i], F_SETFD, 0) < 0) {
			cell_fail(&err, errno, "--keep-fd %d", p->spec->keep_fds[i]);
			DIE(c, &err);
		}
	/* Landlock after no_new_privs, in the sandbox's view of the paths; the
	 * ruleset fd is close-on-exec. */
	if (c->landlock_fd >= 0 && cell_landlock_apply(p->landlock, c->landlock_fd, &err) < 0)
		DIE(c, &err);
	/* seccomp last: the program was compiled in the parent; loading it is
	 * one system call.  From here on only execve (and, when it fails, the
	 * error message over the socket) runs under the filter. */
	if (cell_plan_seccomp(p) && cell_seccomp_apply(&seccomp_prog, &err) < 0)
		DIE(c, &err);
	cell_exec_command(p->spec->argv, p->spec->env, &err);
	DIE(c, &err);
}

/* What cell sends after GO, in either order: the new network namespace
 * (net_parallel: from cell's helper, net.h), which is entered at once, and
 * the seccomp program.  Receives until those asked for are in. */
static bool netns_joined, prog_received;

static int receive_from_cell(struct cell_child_ctx *c, bool netns, bool prog,
			     struct cell_err *err)
{
	while ((netns && !netns_joined) || (prog && !prog_received)) {
		struct cell_msg msg;
		size_t nfds = 0;
		int fd = -1, r;

		r = cell_sync_recv_any(c->sock, &msg, &fd, &nfds, seccomp_insns,
				       ELEMENTSOF(seccomp_insns), &seccomp_prog, err);
		if (r == 0)
			_exit(CELL_EXIT_SETUP); /* cell failed and says why */
		if (r < 0)
			return r;
		if (msg.type == CELL_MSG_NETNS && nfds == 1 && !netns_joined) {
			r = setns(fd, CLONE_NEWNET);
			close(fd);
			if (r < 0)
				return cell_fail(err, errno, "enter the network namespace");
			netns_joined = true;
		} else if (msg.type == CELL_MSG_SECCOMP && !prog_received) {
			prog_received = true;
		} else {
			if (nfds == 1)
				close(fd);
			return cell_fail(err, EPROTO, "unexpected message %d from cell", msg.type);
		}
	}
	return 0;
}

static void receive_seccomp(struct cell_child_ctx *c)
{
	struct cell_err err = { 0 };

	if (receive_from_cell(c, false, true, &err) < 0)
		DIE(c, &err);
}

/* Enter the new network namespace: before a sysfs mount (cell_mount_build)
 * or once the root is built, whichever comes first. */
static int join_net(void *arg, struct cell_err *err)
{
	return receive_from_cell(arg, true, false, err);
}

struct spawn_args {
	struct cell_child_ctx *c;
	int pty_slave;
};

/* Stack of the command's process until it execs; 64 KiB leaves room for
 * run_command's 4 KiB path buffer and vsnprintf. */
#ifndef __SANITIZE_ADDRESS__
static char spawn_stack[64 * 1024] __attribute__((aligned(16)));
#endif

static int spawn_child(void *arg)
{
	struct spawn_args *a = arg;

	run_command(a->c, a->pty_slave);
}

static void setup_workdir(struct cell_child_ctx *c)
{
	const struct cell_plan *p = c->plan;
	const struct cell_spec *s = p->spec;
	struct cell_err err = { 0 };
	char cwd[4096];

	if (s->workdir) {
		if (chdir(s->workdir) < 0) {
			cell_fail(&err, errno, "--workdir %s", s->workdir);
			DIE(c, &err);
		}
	} else if (p->mounts.n > 0 || p->mounts.chroot_only) {
		/* The caller's directory when the sandbox has the same path, else /. */
		if (!p->host.cwd[0] || chdir(p->host.cwd) < 0)
			if (chdir("/") < 0) {
				cell_fail(&err, errno, "chdir /");
				DIE(c, &err);
			}
	}
	/* The working directory must be reachable from the root (runc
	 * CVE-2024-21626): getcwd(3) fails with ENOENT when the kernel says
	 * "(unreachable)". */
	if (!getcwd(cwd, sizeof(cwd))) {
		cell_fail(&err, errno, "working directory is outside the sandbox's root");
		DIE(c, &err);
	}
}

/* Make a pty inside the sandbox's own devpts and send the master up. */
static int setup_pty(struct cell_child_ctx *c)
{
	struct cell_err err = { 0 };
	struct cell_msg msg = { .type = CELL_MSG_PTY };
	int unlock = 0, master, slave;

	master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0 || ioctl(master, TIOCSPTLCK, &unlock) < 0) {
		cell_fail(&err, errno, "open a pseudo-terminal");
		DIE(c, &err);
	}
	slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0) {
		cell_fail(&err, errno, "open the pseudo-terminal's peer");
		DIE(c, &err);
	}
	if (c->plan->have_winsize && ioctl(master, TIOCSWINSZ, &c->plan->winsize) < 0) {
		cell_fail(&err, errno, "set the pseudo-terminal's size");
		DIE(c, &err);
	}
	if (cell_sync_send(c->sock, &msg, &master, 1) < 0) {
		cell_fail(&err, errno, "send the pseudo-terminal");
		DIE(c, &err);
	}
	close(master);
	return slave;
}

static int status_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return CELL_EXIT_SETUP;
}

/* Without a pid namespace of its own, nothing kills the command's leftovers
 * when init exits: init is their subreaper, so they are its children;
 * kill them until none is left (/proc/thread-self/children, proc(5)). */
static void kill_leftovers(void)
{
	for (int round = 0; round < 64; round++) {
		char buf[4096];
		int fd = open("/proc/thread-self/children", O_RDONLY | O_CLOEXEC);
		ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
		bool any = false;

		if (fd >= 0)
			close(fd);
		if (n > 0) {
			buf[n] = '\0';
			for (char *p = buf, *end; *p; p = end) {
				long pid = strtol(p, &end, 10);

				if (end == p)
					break;
				if (pid > 0 && kill((pid_t)pid, SIGKILL) == 0)
					any = true;
			}
		}
		while (waitpid(-1, NULL, any ? 0 : WNOHANG) > 0)
			;
		if (!any)
			return;
	}
}

/* PID 1: reap every child, forward every signal to the command, exit with the
 * command's status.  When PID 1 exits the kernel kills the rest. */
__attribute__((noreturn)) static void init_loop(struct cell_child_ctx *c, pid_t cmd, int sfd)
{
	struct cell_err err = { 0 };

	for (;;) {
		struct signalfd_siginfo si;
		ssize_t n = read(sfd, &si, sizeof(si));

		if (n < 0 && errno == EINTR)
			continue;
		if (n != sizeof(si)) {
			cell_fail(&err, errno, "init: read signalfd");
			kill(cmd, SIGKILL);
			DIE(c, &err);
		}
		if (si.ssi_signo != SIGCHLD) {
			(void)kill(cmd, (int)si.ssi_signo); /* it may be gone already */
			continue;
		}
		for (;;) {
			int status;
			pid_t pid = waitpid(-1, &status, WNOHANG);

			if (pid <= 0)
				break;
			if (pid == cmd) {
				struct cell_msg msg = { .type = CELL_MSG_STATUS, .status = status };

				if (!(c->plan->clone_flags & CLONE_NEWPID))
					kill_leftovers();
				(void)cell_sync_send(c->sock, &msg, NULL, 0);
				_exit(status_code(status));
			}
		}
	}
}

void cell_child_main(struct cell_child_ctx *c)
{
	const struct cell_plan *p = c->plan;
	const struct cell_spec *s = p->spec;
	struct cell_err err = { 0 };
	int preopened[CELL_MSG_FDS_MAX], *pre = NULL;
	int pty_slave = -1, sfd = -1;
	static int src[CELL_MOUNT_OPS_MAX];
	sigset_t mask;
	pid_t cmd;

	if (close_fds_except(s->keep_fds, s->n_keep_fds, c->sock, c->landlock_fd) < 0) {
		cell_fail(&err, errno, "close inherited file descriptors");
		DIE(c, &err);
	}
	set_pdeathsig(c);
	/* Our copy of the command line holds host paths; show a name instead. */
	if (c->cmdline && c->cmdline_len > 0) {
		memset(c->cmdline, 0, c->cmdline_len);
		memcpy(c->cmdline, "cell-init", c->cmdline_len < 10 ? c->cmdline_len - 1 : 9);
	}
	/* Sharing the host's pid namespace, init adopts the command's orphans so
	 * that it can kill them at the end. */
	if (!(p->clone_flags & CLONE_NEWPID) && prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0) {
		cell_fail(&err, errno, "become a subreaper");
		DIE(c, &err);
	}
	/* Leave the caller's session: init must hold no controlling terminal
	 * of the host's, and terminal signals reach the sandbox only through
	 * cell.  (init is never a process-group leader here, so this works.) */
	if (setsid() < 0) {
		cell_fail(&err, errno, "setsid");
		DIE(c, &err);
	}
	switch (p->ids.writer) {
	case CELL_IDMAP_CHILD:
	case CELL_IDMAP_NONE:
		if (p->ids.writer == CELL_IDMAP_CHILD && cell_idmap_write_self(&p->ids, &err) < 0)
			DIE(c, &err);
		if (!p->net_sync && !p->wait_go)
			break;
		if (p->ids.writer == CELL_IDMAP_CHILD && p->net_sync) {
			struct cell_msg ready = { .type = CELL_MSG_READY };

			if (cell_sync_send(c->sock, &ready, NULL, 0) < 0)
				_exit(CELL_EXIT_SETUP);
		}
		/* then wait until the parent has set up the network (or put
		 * this process into the sandbox's cgroup) */
		__attribute__((fallthrough));
	case CELL_IDMAP_PARENT:
	case CELL_IDMAP_HELPER: {
		struct cell_msg msg;
		size_t nfds = 0;
		int r = cell_sync_recv(c->sock, &msg, preopened, CELL_MSG_FDS_MAX, &nfds);

		if (r <= 0 || msg.type != CELL_MSG_GO)
			_exit(CELL_EXIT_SETUP); /* the parent failed and says why */
		if (nfds > 0) {
			/* One bit per op marked idmap, in plan order: set when the
			 * parent could make the idmapped mount and sent its fd. */
			static int slots[256];
			size_t k = 0, j = 0;

			for (size_t i = 0; i < p->mounts.n && i < 256; i++) {
				slots[i] = -1;
				if (!(p->mounts.ops[i].flags & CELL_OPF_PREOPEN))
					continue;
				if (k < 31 && ((unsigned)msg.status & (1u << k)) && j < nfds)
					slots[i] = preopened[j++];
				k++;
			}
			pre = slots;
		}
		break;
	}
	}
	/* Nothing in the sandbox may open cell's own memory or binary through
	 * /proc/1 (runc CVE-2019-5736); exec resets this for the command.  Set
	 * after the maps: a non-dumpable process cannot write its own.  With
	 * the network namespace made beside (net.h), only once in it: cell
	 * opens this process's user namespace meanwhile, and nothing of the
	 * sandbox's runs before. */
	if (!p->net_parallel)
		set_not_dumpable(c);

	if (p->hostname && sethostname(p->hostname, strlen(p->hostname)) < 0) {
		cell_fail(&err, errno, "--hostname %s", p->hostname);
		DIE(c, &err);
	}
	if (s->domainname && setdomainname(s->domainname, strlen(s->domainname)) < 0) {
		cell_fail(&err, errno, "--domainname %s", s->domainname);
		DIE(c, &err);
	}
	if ((p->clone_flags & CLONE_NEWNET) && !p->net_parallel && cell_net_lo_up(&err) < 0)
		DIE(c, &err);
	/* The command never holds CAP_NET_ADMIN here, so it cannot undo this. */
	if (p->allow_nft.len && cell_nft_send(-1, &p->allow_nft, "egress allowlist (--allow)",
					      &err) < 0)
		DIE(c, &err);
	/* Sources are opened with the caller's access rights; then init takes
	 * its ids inside (files it creates must belong to a mapped id); then
	 * the root is built. */
	if ((p->clone_flags & CLONE_NEWNS) && cell_mount_open_sources(&p->mounts, pre, src, &err) < 0)
		DIE(c, &err);
	/* --chroot without a mount namespace: also before init's ids change */
	if (!(p->clone_flags & CLONE_NEWNS) && p->mounts.chroot_only) {
		if (chroot(p->mounts.chroot_dir) < 0 || chdir("/") < 0) {
			cell_fail(&err, errno, "--chroot %s", p->mounts.chroot_dir);
			DIE(c, &err);
		}
	}
	if (p->ids.init_uid >= 0) {
		if (set_ids((uint32_t)p->ids.init_uid, (uint32_t)p->ids.init_gid,
			    p->ids.drop_groups, &err) < 0)
			DIE(c, &err);
		set_pdeathsig(c); /* cleared by the credential change */
		set_not_dumpable(c);
	}
	if ((p->clone_flags & CLONE_NEWNS) &&
	    cell_mount_build(&p->mounts, src, p->net_parallel ? join_net : NULL, c, &err) < 0)
		DIE(c, &err);
	/* The command's bounding set and securebits, inherited through the
	 * fork below: they only bind execve, which init never calls, so they
	 * are set now, while the network namespace may not be ready yet. */
	if (cell_caps_lock(p->spec->caps, &err) < 0)
		DIE(c, &err);
	/* Into the network namespace before anything runs there. */
	if (p->net_parallel) {
		if (join_net(c, &err) < 0)
			DIE(c, &err);
		set_not_dumpable(c);
	}
	/* Only then the old root goes: its detach waits for an RCU grace
	 * period, which a CPU busy making the network namespace holds up for
	 * as long as that takes.  Nothing of the sandbox's has run yet. */
	if ((p->clone_flags & CLONE_NEWNS) && cell_mount_detach_old_root(&p->mounts, &err) < 0)
		DIE(c, &err);
	setup_workdir(c);

	if (p->pty)
		pty_slave = setup_pty(c);

	if (cell_plan_seccomp(p))
		receive_seccomp(c);
	if (!s->init)
		run_command(c, pty_slave);

	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0) {
		cell_fail(&err, errno, "block SIGCHLD");
		DIE(c, &err);
	}
	/* Everything the parent blocked (all catchable signals) plus SIGCHLD. */
	if (sigprocmask(SIG_BLOCK, NULL, &mask) < 0 ||
	    (sfd = signalfd(-1, &mask, SFD_CLOEXEC)) < 0) {
		cell_fail(&err, errno, "init: signalfd");
		DIE(c, &err);
	}
	/* The command's process shares init's memory until it execs (what
	 * posix_spawn does): no page tables to copy, and init sleeps until the
	 * exec or the child's death.  The child only makes system calls and
	 * writes its own stack; the signalfd is close-on-exec. */
	{
		struct spawn_args a = { .c = c, .pty_slave = pty_slave };

#ifdef __SANITIZE_ADDRESS__
		/* AddressSanitizer cannot follow a stack switch in a shared address
		 * space: sanitizer builds (tests only) use a plain fork. */
		cmd = fork();
		if (cmd == 0)
			spawn_child(&a);
#else
		cmd = clone(spawn_child, spawn_stack + sizeof(spawn_stack),
			    CLONE_VM | CLONE_VFORK | SIGCHLD, &a);
#endif
	}
	if (cmd < 0) {
		cell_fail(&err, errno, "start the command");
		DIE(c, &err);
	}
	if (pty_slave >= 0)
		close(pty_slave);
	init_loop(c, cmd, sfd);
}
