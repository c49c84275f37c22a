/* probe.c - a small static helper that reports from inside the sandbox.
 *
 * The bats integration tests in tests/integ run it inside `cell run` and
 * compare what it prints with what the sandbox must allow.  It is linked
 * statically so that it runs in any root, even a hand-made one.
 *
 * Every subcommand prints one short answer per line: "ok" when the
 * operation worked, else the errno name (EPERM, EACCES, ...), and exits 0
 * when the operation worked, 1 when it did not, 2 on bad usage.
 *
 *   probe fds                     open descriptors, e.g. "0 1 2"
 *   probe open PATH [r|w|rw]      open(2) PATH
 *   probe create PATH             create PATH (O_CREAT|O_EXCL)
 *   probe kill PID [SIG]          kill(2) (default signal 0)
 *   probe ptrace PID              PTRACE_ATTACH (then detach)
 *   probe remount-rw PATH         try to make a read-only mount writable, both
 *                                 with mount(2) and mount_setattr(2)
 *   probe caps                    capability sets, no_new_privs, dumpable
 *   probe ids                     real/effective/saved ids and groups
 *   probe pid                     pid, ppid, sid, pgid
 *   probe tty                     ttyname of 0, controlling terminal or not
 *   probe tiocsti FD TEXT         push TEXT into FD's input with TIOCSTI
 *   probe winsize                 rows and columns of fd 0
 *   probe ifaces                  network interfaces and whether they are up
 *   probe loopback                a TCP round trip over 127.0.0.1
 *   probe mq NAME                 create a POSIX message queue /NAME
 *   probe connect-unix PATH       connect a stream socket to PATH ("@NAME":
 *                                 the abstract name NAME)
 *   probe zombie                  make an orphan; "reaped" once PID 1 reaps it
 *   probe signals READY [SIG]     catch every catchable signal and print its
 *                                 name; create READY when ready; exit 0 after
 *                                 SIG (default TERM)
 *   probe pause [READY [ARG...]]  create READY (unless "-"), then wait
 *                                 forever (ARGs are markers for pgrep)
 *
 *   probe sys NAME                one system call the default seccomp policy
 *                                 refuses, with harmless arguments: keyctl,
 *                                 bpf, userfaultfd, io_uring, vsock, packet,
 *                                 finit_module, perf, unshare-user, mount,
 *                                 mknod-disk, open-by-handle (safe to run on
 *                                 the host: nothing is mounted or kept)
 *   probe alloc MB                allocate and touch MB MiB, then exit 0
 *   probe forkbomb N              try to have N processes at once; prints
 *                                 how many it got and the first fork error
 *   probe spin                    burn CPU forever
 *
 * Run on the host:
 *   probe reap-check CMD [ARG...] run CMD as a child subreaper and pass its
 *                                 exit status on; when CMD leaves a process
 *                                 behind (one still running 2 s after CMD
 *                                 exited), name it on stderr, kill it and
 *                                 exit 99
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <mqueue.h>
#include <net/if.h>
#include <netinet/in.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sched.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <dirent.h>
#include <time.h>
#include <unistd.h>

static int usage(void)
{
	fputs("usage: probe SUBCOMMAND [ARG...] (see tests/probe.c)\n", stderr);
	return 2;
}

/* "ok" and 0, or the errno name and 1. */
static int answer(int r)
{
	if (r >= 0) {
		puts("ok");
		return 0;
	}
	puts(strerrorname_np(errno) ? strerrorname_np(errno) : "EUNKNOWN");
	return 1;
}

static int parse_int(const char *s, int *ret)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < -2147483647 || v > 2147483647)
		return -1;
	*ret = (int)v;
	return 0;
}

/* A signal number from "TERM", "SIGTERM", "RTMIN+1" or "15". */
static int parse_signal(const char *s)
{
	int n;

	if (parse_int(s, &n) == 0)
		return n;
	if (strncmp(s, "SIG", 3) == 0)
		s += 3;
	if (strncmp(s, "RTMIN", 5) == 0)
		return SIGRTMIN + (s[5] == '+' ? atoi(s + 6) : 0);
	if (strncmp(s, "RTMAX", 5) == 0)
		return SIGRTMAX - (s[5] == '-' ? atoi(s + 6) : 0);
	for (n = 1; n < SIGRTMIN; n++) {
		const char *abbrev = sigabbrev_np(n);

		if (abbrev && strcmp(abbrev, s) == 0)
			return n;
	}
	return -1;
}

static void signal_name(int sig, char *buf, size_t len)
{
	const char *abbrev = sig < SIGRTMIN ? sigabbrev_np(sig) : NULL;

	if (sig == SIGIO)
		abbrev = "IO"; /* glibc says POLL; bash's kill -l says IO */
	/* the names bash's kill -l uses */
	if (abbrev)
		snprintf(buf, len, "%s", abbrev);
	else if (sig == SIGRTMIN)
		snprintf(buf, len, "RTMIN");
	else if (sig == SIGRTMAX)
		snprintf(buf, len, "RTMAX");
	else if (sig - SIGRTMIN <= SIGRTMAX - sig)
		snprintf(buf, len, "RTMIN+%d", sig - SIGRTMIN);
	else
		snprintf(buf, len, "RTMAX-%d", SIGRTMAX - sig);
}

static int cmd_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int fds[1024], n = 0, self;

	if (!d) {
		/* No /proc (e.g. --chroot): ask each descriptor. */
		for (int fd = 0; fd < 1024; fd++)
			if (fcntl(fd, F_GETFD) >= 0)
				fds[n++] = fd;
	} else {
		self = dirfd(d);
		while ((e = readdir(d)) && n < 1024) {
			int fd;

			if (parse_int(e->d_name, &fd) == 0 && fd != self)
				fds[n++] = fd;
		}
		closedir(d);
	}
	/* readdir order is ascending for /proc/self/fd, but do not rely on it */
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && fds[j - 1] > fds[j]; j--) {
			int t = fds[j];

			fds[j] = fds[j - 1];
			fds[j - 1] = t;
		}
	for (int i = 0; i < n; i++)
		printf("%s%d", i ? " " : "", fds[i]);
	putchar('\n');
	return 0;
}

static int cmd_open(int argc, char **argv)
{
	int flags = O_RDONLY, fd;

	if (argc < 3)
		return usage();
	if (argc > 3 && strcmp(argv[3], "w") == 0)
		flags = O_WRONLY;
	else if (argc > 3 && strcmp(argv[3], "rw") == 0)
		flags = O_RDWR;
	fd = open(argv[2], flags | O_CLOEXEC | O_NOCTTY);
	if (fd >= 0 && flags == O_RDONLY) {
		char c;

		/* /proc/PID/mem and friends may open and then refuse to read */
		if (read(fd, &c, 1) < 0 && errno != EIO) {
			close(fd);
			return answer(-1);
		}
	}
	if (fd >= 0)
		close(fd);
	return answer(fd);
}

static int cmd_create(int argc, char **argv)
{
	int fd;

	if (argc < 3)
		return usage();
	fd = open(argv[2], O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd >= 0)
		close(fd);
	return answer(fd);
}

static int cmd_kill(int argc, char **argv)
{
	int pid, sig = 0;

	if (argc < 3 || parse_int(argv[2], &pid) < 0)
		return usage();
	if (argc > 3 && (sig = parse_signal(argv[3])) < 0)
		return usage();
	return answer(kill(pid, sig));
}

static int cmd_ptrace(int argc, char **argv)
{
	int pid;

	if (argc < 3 || parse_int(argv[2], &pid) < 0)
		return usage();
	if (ptrace(PTRACE_ATTACH, pid, NULL, NULL) < 0)
		return answer(-1);
	(void)waitpid(pid, NULL, __WALL);
	(void)ptrace(PTRACE_DETACH, pid, NULL, NULL);
	return answer(0);
}

static int cmd_remount_rw(int argc, char **argv)
{
	struct mount_attr attr = { .attr_clr = MOUNT_ATTR_RDONLY };
	int r1, r2, fd;

	if (argc < 3)
		return usage();
	r1 = mount(NULL, argv[2], NULL, MS_REMOUNT | MS_BIND, NULL);
	printf("mount: %s\n", r1 < 0 ? strerrorname_np(errno) : "ok");
	fd = open(argv[2], O_PATH | O_CLOEXEC);
	r2 = fd < 0 ? -1 : (int)syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH, &attr,
					sizeof(attr));
	printf("mount_setattr: %s\n", r2 < 0 ? strerrorname_np(errno) : "ok");
	return r1 < 0 && r2 < 0 ? 1 : 0;
}

static int cmd_caps(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2] = { 0 };
	int bounding = 0, ambient = 0;

	if (syscall(SYS_capget, &h, d) < 0)
		return answer(-1);
	for (int c = 0; c <= 63; c++) {
		int b = prctl(PR_CAPBSET_READ, c, 0, 0, 0);

		if (b < 0)
			break;
		bounding += b;
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, c, 0, 0) > 0)
			ambient++;
	}
	printf("effective=%08x%08x\n", d[1].effective, d[0].effective);
	printf("permitted=%08x%08x\n", d[1].permitted, d[0].permitted);
	printf("inheritable=%08x%08x\n", d[1].inheritable, d[0].inheritable);
	printf("bounding=%d\n", bounding);
	printf("ambient=%d\n", ambient);
	printf("no_new_privs=%d\n", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
	printf("dumpable=%d\n", prctl(PR_GET_DUMPABLE, 0, 0, 0, 0));
	return 0;
}

static int cmd_ids(void)
{
	uid_t r, e, s;
	gid_t rg, eg, sg, groups[64];
	int n;

	getresuid(&r, &e, &s);
	getresgid(&rg, &eg, &sg);
	printf("uid=%u,%u,%u gid=%u,%u,%u groups=", r, e, s, rg, eg, sg);
	n = getgroups(64, groups);
	for (int i = 0; i < n; i++)
		printf("%s%u", i ? "," : "", groups[i]);
	putchar('\n');
	return 0;
}

static int cmd_pid(void)
{
	printf("pid=%d ppid=%d sid=%d pgid=%d\n", (int)getpid(), (int)getppid(), (int)getsid(0),
	       (int)getpgid(0));
	return 0;
}

static int cmd_tty(void)
{
	char *name = ttyname(0);
	int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);

	printf("tty=%s\n", name ? name : "none");
	printf("ctty=%s\n", fd >= 0 ? "yes" : strerrorname_np(errno));
	printf("session_leader=%s\n", getsid(0) == getpid() ? "yes" : "no");
	printf("foreground=%s\n", tcgetpgrp(0) == getpgid(0) ? "yes" : "no");
	if (fd >= 0)
		close(fd);
	return 0;
}

static int cmd_tiocsti(int argc, char **argv)
{
	int fd;

	if (argc < 4 || parse_int(argv[2], &fd) < 0)
		return usage();
	for (const char *p = argv[3]; *p; p++)
		if (ioctl(fd, TIOCSTI, p) < 0)
			return answer(-1);
	return answer(0);
}

static int cmd_winsize(void)
{
	struct winsize ws;

	if (ioctl(0, TIOCGWINSZ, &ws) < 0)
		return answer(-1);
	printf("%u %u\n", ws.ws_row, ws.ws_col);
	return 0;
}

static int cmd_ifaces(void)
{
	struct if_nameindex *ifs = if_nameindex();
	int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (!ifs || sock < 0)
		return answer(-1);
	for (struct if_nameindex *i = ifs; i->if_index; i++) {
		struct ifreq ifr = { 0 };

		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", i->if_name);
		if (ioctl(sock, SIOCGIFFLAGS, &ifr) < 0)
			return answer(-1);
		printf("%s %s\n", i->if_name, (ifr.ifr_flags & IFF_UP) ? "up" : "down");
	}
	if_freenameindex(ifs);
	close(sock);
	return 0;
}

static int cmd_loopback(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int l, c, s;
	char buf[4] = "";

	l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(l, 1) < 0 ||
	    getsockname(l, (struct sockaddr *)&a, &len) < 0)
		return answer(-1);
	c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c < 0 || connect(c, (struct sockaddr *)&a, sizeof(a)) < 0)
		return answer(-1);
	s = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	if (s < 0 || write(c, "hi", 3) != 3 || read(s, buf, sizeof(buf)) != 3)
		return answer(-1);
	return answer(strcmp(buf, "hi") == 0 ? 0 : (errno = EBADMSG, -1));
}

static int cmd_mq(int argc, char **argv)
{
	char name[256];
	mqd_t q;

	if (argc < 3)
		return usage();
	snprintf(name, sizeof(name), "/%s", argv[2]);
	q = mq_open(name, O_CREAT | O_RDWR | O_CLOEXEC, 0600, NULL);
	if (q == (mqd_t)-1)
		return answer(-1);
	mq_close(q);
	return answer(0);
}

static int cmd_connect_unix(int argc, char **argv)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	size_t len;
	int fd;

	if (argc < 3 || (len = strlen(argv[2])) >= sizeof(a.sun_path))
		return usage();
	memcpy(a.sun_path, argv[2], len);
	if (a.sun_path[0] == '@')
		a.sun_path[0] = '\0';
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return answer(-1);
	return answer(connect(fd, (struct sockaddr *)&a,
			      (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len)));
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* The state letter of /proc/PID/stat, or 0 when the process is gone. */
static char proc_state(pid_t pid)
{
	char path[64], buf[512], *p;
	int fd, n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = (int)read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p && p[1] && p[2] ? p[2] : 0;
}

/* A child forks a grandchild and exits; the grandchild, now an orphan
 * reparented to PID 1, exits too.  A working init reaps it. */
static int cmd_zombie(void)
{
	int pipefd[2];
	pid_t child, orphan = 0;

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return answer(-1);
	child = fork();
	if (child < 0)
		return answer(-1);
	if (child == 0) {
		pid_t me = getpid(), g = fork();

		if (g == 0) {
			/* wait until our parent is gone and PID 1 has adopted us */
			while (getppid() == me)
				sleep_ms(1);
			_exit(0);
		}
		if (write(pipefd[1], &g, sizeof(g)) != sizeof(g))
			_exit(1);
		_exit(0);
	}
	close(pipefd[1]);
	if (read(pipefd[0], &orphan, sizeof(orphan)) != sizeof(orphan) || orphan <= 0)
		return answer(-1);
	(void)waitpid(child, NULL, 0);
	/* up to 5 s for PID 1 to reap it */
	for (int i = 0; i < 5000; i++) {
		char st = proc_state(orphan);

		if (st == 0) {
			puts("reaped");
			return 0;
		}
		sleep_ms(1);
	}
	printf("zombie (state %c)\n", proc_state(orphan));
	return 1;
}

static int make_ready(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0) {
		fprintf(stderr, "probe: %s: %s\n", path, strerror(errno));
		return -1;
	}
	close(fd);
	return 0;
}

static int cmd_signals(int argc, char **argv)
{
	int last = SIGTERM;
	sigset_t all;

	if (argc < 3)
		return usage();
	if (argc > 3 && (last = parse_signal(argv[3])) < 0)
		return usage();
	sigfillset(&all);
	if (sigprocmask(SIG_BLOCK, &all, NULL) < 0)
		return answer(-1);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (make_ready(argv[2]) < 0)
		return 1;
	for (;;) {
		siginfo_t si;
		char name[32];
		int sig = sigwaitinfo(&all, &si);

		if (sig < 0) {
			if (errno == EINTR)
				continue;
			return answer(-1);
		}
		signal_name(sig, name, sizeof(name));
		printf("%s\n", name);
		if (sig == last)
			return 0;
	}
}

/* Print and kill every child we still have; returns how many there were. */
static int kill_children(void)
{
	char path[64], buf[4096];
	int fd, n, found = 0;

	snprintf(path, sizeof(path), "/proc/self/task/%d/children", (int)getpid());
	fd = open(path, O_RDONLY | O_CLOEXEC);
	n = fd < 0 ? -1 : (int)read(fd, buf, sizeof(buf) - 1);
	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	for (char *p = buf, *end;; p = end) {
		long pid = strtol(p, &end, 10);
		char cmd[256] = "";
		int cfd;

		if (end == p)
			break;
		snprintf(path, sizeof(path), "/proc/%ld/cmdline", pid);
		cfd = open(path, O_RDONLY | O_CLOEXEC);
		if (cfd >= 0) {
			int len = (int)read(cfd, cmd, sizeof(cmd) - 1);

			close(cfd);
			for (int i = 0; i < len - 1; i++)
				if (cmd[i] == '\0')
					cmd[i] = ' ';
		}
		fprintf(stderr, "probe: left behind: pid %ld: %s\n", pid, cmd);
		kill((pid_t)pid, SIGKILL);
		found++;
	}
	while (waitpid(-1, NULL, 0) > 0)
		;
	return found;
}

static int cmd_reap_check(int argc, char **argv)
{
	int status = 0, code;
	pid_t pid;

	if (argc < 3)
		return usage();
	/* orphans of CMD (a sandbox's init whose cell is gone) come to us */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
		return answer(-1);
	pid = fork();
	if (pid < 0)
		return answer(-1);
	if (pid == 0) {
		execvp(argv[2], argv + 2);
		fprintf(stderr, "probe: %s: %s\n", argv[2], strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return answer(-1);
	code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	for (int i = 0; i < 2000; i++) {
		pid_t p = waitpid(-1, NULL, WNOHANG);

		if (p < 0 && errno == ECHILD)
			return code;
		if (p == 0)
			sleep_ms(1);
	}
	return kill_children() > 0 ? 99 : code;
}

static int cmd_pause(int argc, char **argv)
{
	if (argc > 2 && strcmp(argv[2], "-") != 0 && make_ready(argv[2]) < 0)
		return 1;
	for (;;)
		pause();
}

static int sys_try(const char *name)
{
	if (strcmp(name, "keyctl") == 0) /* KEYCTL_GET_KEYRING_ID, session, no create */
		return (int)syscall(SYS_keyctl, 0, -3, 0, 0, 0);
	if (strcmp(name, "bpf") == 0) { /* BPF_MAP_CREATE of a tiny array */
		unsigned attr[32] = { 2, 4, 4, 1 };

		return (int)syscall(SYS_bpf, 0, attr, sizeof(attr));
	}
	if (strcmp(name, "userfaultfd") == 0) /* UFFD_USER_MODE_ONLY: no privilege needed */
		return (int)syscall(SYS_userfaultfd, O_CLOEXEC | 1);
	if (strcmp(name, "io_uring") == 0) {
		unsigned params[30] = { 0 };

		return (int)syscall(SYS_io_uring_setup, 1, params);
	}
	if (strcmp(name, "vsock") == 0)
		return socket(40 /* AF_VSOCK */, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (strcmp(name, "packet") == 0)
		return socket(17 /* AF_PACKET */, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (strcmp(name, "finit_module") == 0) { /* an empty file: never a module */
		int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

		return (int)syscall(SYS_finit_module, fd, "", 0);
	}
	if (strcmp(name, "perf") == 0) {
		unsigned attr[32] = { 1 /* PERF_TYPE_SOFTWARE */, 128 };

		return (int)syscall(SYS_perf_event_open, attr, 0, -1, -1, 0);
	}
	if (strcmp(name, "unshare-user") == 0)
		return unshare(CLONE_NEWUSER);
	/* Safe to run on the host as root: a file system context is made and
	 * dropped, nothing is mounted; the device node is removed again. */
	if (strcmp(name, "mount") == 0)
		return (int)syscall(SYS_fsopen, "tmpfs", 1 /* FSOPEN_CLOEXEC */);
	if (strcmp(name, "mknod-disk") == 0) {
		char path[64];
		int r;

		snprintf(path, sizeof(path), "/tmp/cell-probe-sda-%d", (int)getpid());
		r = mknod(path, S_IFBLK | 0600, makedev(8, 0));
		if (r == 0)
			unlink(path);
		return r;
	}
	if (strcmp(name, "open-by-handle") == 0) {
		struct {
			unsigned bytes;
			int type;
			unsigned char h[128];
		} fh = { .bytes = 128 };
		int mnt;

		return (int)syscall(SYS_name_to_handle_at, AT_FDCWD, "/", &fh, &mnt, 0);
	}
	errno = EINVAL;
	return -2;
}

static int cmd_sys(int argc, char **argv)
{
	int r;

	if (argc < 3)
		return usage();
	r = sys_try(argv[2]);
	if (r == -2 && errno == EINVAL)
		return usage();
	return answer(r);
}

static int cmd_alloc(int argc, char **argv)
{
	int mb;
	char *p;

	if (argc < 3 || parse_int(argv[2], &mb) < 0 || mb < 1)
		return usage();
	p = malloc((size_t)mb << 20);
	if (!p)
		return answer(-1);
	for (size_t i = 0; i < ((size_t)mb << 20); i += 4096)
		p[i] = 1;
	return answer(0);
}

static int cmd_forkbomb(int argc, char **argv)
{
	static pid_t kids[4096];
	int n, got = 1, first = 0;

	if (argc < 3 || parse_int(argv[2], &n) < 0 || n < 1 || n > 4096)
		return usage();
	for (int i = 1; i < n; i++) {
		pid_t pid = fork();

		if (pid == 0) {
			pause();
			_exit(0);
		}
		if (pid < 0) {
			if (!first)
				first = errno;
			continue;
		}
		kids[got++ - 1] = pid;
	}
	printf("processes=%d\n", got);
	if (first) {
		errno = first;
		answer(-1);
	}
	for (int i = 0; i < got - 1; i++) {
		kill(kids[i], SIGKILL);
		waitpid(kids[i], NULL, 0);
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (strcmp(cmd, "fds") == 0)
		return cmd_fds();
	if (strcmp(cmd, "open") == 0)
		return cmd_open(argc, argv);
	if (strcmp(cmd, "create") == 0)
		return cmd_create(argc, argv);
	if (strcmp(cmd, "kill") == 0)
		return cmd_kill(argc, argv);
	if (strcmp(cmd, "ptrace") == 0)
		return cmd_ptrace(argc, argv);
	if (strcmp(cmd, "remount-rw") == 0)
		return cmd_remount_rw(argc, argv);
	if (strcmp(cmd, "caps") == 0)
		return cmd_caps();
	if (strcmp(cmd, "ids") == 0)
		return cmd_ids();
	if (strcmp(cmd, "pid") == 0)
		return cmd_pid();
	if (strcmp(cmd, "tty") == 0)
		return cmd_tty();
	if (strcmp(cmd, "tiocsti") == 0)
		return cmd_tiocsti(argc, argv);
	if (strcmp(cmd, "winsize") == 0)
		return cmd_winsize();
	if (strcmp(cmd, "ifaces") == 0)
		return cmd_ifaces();
	if (strcmp(cmd, "loopback") == 0)
		return cmd_loopback();
	if (strcmp(cmd, "mq") == 0)
		return cmd_mq(argc, argv);
	if (strcmp(cmd, "connect-unix") == 0)
		return cmd_connect_unix(argc, argv);
	if (strcmp(cmd, "zombie") == 0)
		return cmd_zombie();
	if (strcmp(cmd, "signals") == 0)
		return cmd_signals(argc, argv);
	if (strcmp(cmd, "pause") == 0)
		return cmd_pause(argc, argv);
	if (strcmp(cmd, "sys") == 0)
		return cmd_sys(argc, argv);
	if (strcmp(cmd, "alloc") == 0)
		return cmd_alloc(argc, argv);
	if (strcmp(cmd, "forkbomb") == 0)
		return cmd_forkbomb(argc, argv);
	if (strcmp(cmd, "spin") == 0)
		for (volatile unsigned long i = 0;; i++)
			;
	if (strcmp(cmd, "reap-check") == 0)
		return cmd_reap_check(argc, argv);
	return usage();
}
