/* net.c - bring the loopback device of a new network namespace up, and
 * make the default network namespace beside the rest of the setup (net.h).
 *
 * A new network namespace starts with lo down.  netdevice(7)'s
 * SIOCGIFFLAGS/SIOCSIFFLAGS on any socket set it up in three system calls
 * and without a netlink round trip; this runs in the child between clone and
 * execve, on every start, so it stays this small.  (Everything else that
 * configures links and addresses speaks rtnetlink through libmnl: netlink.c.)
 */
#define _GNU_SOURCE
#include "net.h"

#include <errno.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "sync.h"

int cell_net_lo_up(struct cell_err *err)
{
	struct ifreq ifr = { .ifr_name = "lo" };
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return cell_fail(err, errno, "bring lo up: socket");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		return cell_fail(err, errno, "bring lo up: read its flags");
	if (ifr.ifr_flags & IFF_UP)
		return 0;
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		return cell_fail(err, errno, "bring lo up");
	return 0;
}

/* ---- the network namespace's helper (parent side) ---- */

/* The helper shares cell's memory, file table and thread-local storage
 * (errno included), so it calls no libc function that could touch them:
 * only the raw system calls below, which return -errno. */
#if (defined(__x86_64__) || defined(__aarch64__)) && !defined(__SANITIZE_ADDRESS__)
#define HELPER 1

static long raw3(long nr, long a, long b, long c)
{
#if defined(__x86_64__)
	long r;

	__asm__ volatile("syscall"
			 : "=a"(r)
			 : "a"(nr), "D"(a), "S"(b), "d"(c)
			 : "rcx", "r11", "memory");
	return r;
#else
	register long x8 __asm__("x8") = nr;
	register long x0 __asm__("x0") = a;
	register long x1 __asm__("x1") = b;
	register long x2 __asm__("x2") = c;

	__asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2) : "memory");
	return x0;
#endif
}

/* The helper's steps, in order; where it stopped names what failed. */
enum step {
	STEP_START,
	STEP_PDEATHSIG,
	STEP_USERNS,
	STEP_NETNS,
	STEP_SOCKET,
	STEP_LO_FLAGS,
	STEP_LO_UP,
	STEP_OPEN,
	STEP_SEND,
	STEP_MAX
};

static const char *const step_names[STEP_MAX] = {
	[STEP_START] = "start the network namespace's helper",
	[STEP_PDEATHSIG] = "set the parent-death signal",
	[STEP_USERNS] = "join the sandbox's user namespace",
	[STEP_NETNS] = "make the network namespace",
	[STEP_SOCKET] = "bring lo up: socket",
	[STEP_LO_FLAGS] = "bring lo up: read its flags",
	[STEP_LO_UP] = "bring lo up",
	[STEP_OPEN] = "open the network namespace",
	[STEP_SEND] = "send the network namespace",
};

static struct {
	pid_t pid;	     /* 0: not started */
	int userns;	     /* the sandbox's user namespace (the helper's to close) */
	int sock;	     /* cell's end of the sync socket */
	long r;		     /* 0, or -errno */
	enum step step;	     /* the last one begun */
	struct cell_msg msg; /* CELL_MSG_NETNS */
	char stack[16 * 1024] __attribute__((aligned(16)));
} helper;

/* The namespace to the child, as cell_sync_send() would send it. */
static long helper_send(long fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = &helper.msg, .iov_len = sizeof(helper.msg) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			     .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	int ifd = (int)fd;

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	__builtin_memcpy(CMSG_DATA(c), &ifd, sizeof(ifd));
	return raw3(SYS_sendmsg, helper.sock, (long)&mh, MSG_NOSIGNAL);
}

static int helper_main(void *arg)
{
	struct ifreq ifr;
	long r, s;

	(void)arg;
	/* (Should cell be gone already, nothing made here outlives this.) */
	helper.step = STEP_PDEATHSIG;
	r = raw3(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL, 0);
	if (r < 0)
		goto out;
	/* Owned by the sandbox's user namespace, as from clone3 */
	helper.step = STEP_USERNS;
	r = raw3(SYS_setns, helper.userns, CLONE_NEWUSER, 0);
	if (r < 0)
		goto out;
	helper.step = STEP_NETNS;
	r = raw3(SYS_unshare, CLONE_NEWNET, 0, 0);
	if (r < 0)
		goto out;
	helper.step = STEP_SOCKET;
	s = raw3(SYS_socket, AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0) {
		r = s;
		goto out;
	}
	__builtin_memset(&ifr, 0, sizeof(ifr));
	__builtin_memcpy(ifr.ifr_name, "lo", 3);
	helper.step = STEP_LO_FLAGS;
	r = raw3(SYS_ioctl, s, SIOCGIFFLAGS, (long)&ifr);
	if (r == 0 && !(ifr.ifr_flags & IFF_UP)) {
		helper.step = STEP_LO_UP;
		ifr.ifr_flags |= IFF_UP;
		r = raw3(SYS_ioctl, s, SIOCSIFFLAGS, (long)&ifr);
	}
	if (r == 0) {
		/* an fd for the socket's namespace: the new one */
		helper.step = STEP_OPEN;
		r = raw3(SYS_ioctl, s, SIOCGSKNS, 0);
	}
	raw3(SYS_close, s, 0, 0);
	if (r >= 0) {
		/* straight to the child: one wake-up fewer than through cell */
		long fd = r;

		helper.step = STEP_SEND;
		r = helper_send(fd);
		raw3(SYS_close, fd, 0, 0);
		if (r > 0)
			r = 0;
	}
out:
	helper.r = r;
	return 0; /* glibc's clone() ends the process with exit(2) */
}
#endif

bool cell_net_helper_available(void)
{
#ifdef HELPER
	return true;
#else
	return false;
#endif
}

int cell_net_helper_start(int userns, int sock, struct cell_err *err)
{
#ifdef HELPER
	cpu_set_t cpus;
	int cpu = sched_getcpu();
	pid_t pid;

	helper.userns = userns;
	helper.sock = sock;
	helper.msg = (struct cell_msg){ .type = CELL_MSG_NETNS };
	helper.r = -EINVAL;
	helper.step = STEP_START;
	pid = clone(helper_main, helper.stack + sizeof(helper.stack), CLONE_VM | CLONE_FILES | SIGCHLD,
		    NULL);
	if (pid < 0) {
		int e = errno;

		close(userns);
		return cell_fail(err, e, "start the network namespace's helper");
	}
	helper.pid = pid;
	/* A new process stays on its creator's CPU, where it would only take
	 * turns with the sandbox's: send it to another one when cell may use
	 * one.  A hint: no error. */
	if (cpu >= 0 && sched_getaffinity(0, sizeof(cpus), &cpus) == 0) {
		CPU_CLR(cpu, &cpus);
		if (CPU_COUNT(&cpus) > 0)
			(void)sched_setaffinity(pid, sizeof(cpus), &cpus);
	}
	return 0;
#else
	(void)sock;
	close(userns);
	return cell_fail(err, ENOSYS, "start the network namespace's helper");
#endif
}

int cell_net_helper_finish(struct cell_err *err)
{
#ifdef HELPER
	int status;
	pid_t r;

	if (!helper.pid)
		return cell_fail(err, EINVAL, "no network namespace's helper");
	do
		r = waitpid(helper.pid, &status, 0);
	while (r < 0 && errno == EINTR);
	helper.pid = 0;
	close(helper.userns);
	if (r < 0)
		return cell_fail(err, errno, "wait for the network namespace's helper");
	if (!WIFEXITED(status))
		return cell_fail(err, EINTR, "the network namespace's helper was killed (signal %d)",
				 WTERMSIG(status));
	if (helper.r == -ENOSPC && helper.step == STEP_NETNS)
		return cell_fail(err, ENOSPC, "%s (the limit is /proc/sys/user/max_net_namespaces)",
				 step_names[helper.step]);
	/* A child that is gone has said why (the caller reports it). */
	if ((helper.r == -EPIPE || helper.r == -ECONNRESET) && helper.step == STEP_SEND)
		return 0;
	if (helper.r < 0)
		return cell_fail(err, (int)-helper.r, "%s", step_names[helper.step]);
	return 0;
#else
	return cell_fail(err, ENOSYS, "no network namespace's helper");
#endif
}

void cell_net_helper_abort(void)
{
#ifdef HELPER
	if (!helper.pid)
		return;
	(void)kill(helper.pid, SIGKILL);
	(void)waitpid(helper.pid, NULL, 0);
	helper.pid = 0;
	close(helper.userns);
#endif
}
