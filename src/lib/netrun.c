/* netrun.c - the host side of a sandbox's network, for its lifetime.
 *
 * Man pages: veth(4), nft(8), pasta(1), proc(5), fifo(7), pidfd_open(2).
 *
 * See netrun.h for the order and for what survives a kill -9.  The state
 * directory is made before any host-side object (DESIGN.md: registered
 * before creation); its name, PID-START, names the objects too: link
 * vr-PID marked cell:run:PID:START, table cell_run_PID_START.
 *
 * pasta runs in the foreground as a child of cell with a parent-death
 * signal; as root it is told to keep root's ids (--runas 0:0), because a
 * credential change would clear that signal (and pasta could no longer open
 * the sandbox's namespace files).  It says it is ready by writing its PID
 * to the file given with --pid, which here is a FIFO that cell reads: that
 * happens once the namespace is configured.
 */
#define _GNU_SOURCE
#include "netrun.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "nft.h"
#include "procinfo.h"
#include "veth.h"

#define PASTA_READY_MS 10000

static const char *const state_files[] = { "resolv.conf", "pasta.pid", "pasta.err" };

/* ---- the state directory -------------------------------------------------- */

/* mkdir that accepts an existing directory of ours that nobody else may
 * write to (a shared /tmp is the reason for the checks). */
static int own_dir(const char *path, mode_t mode, struct cell_err *err)
{
	struct stat st;

	if (mkdir(path, mode) < 0 && errno != EEXIST)
		return cell_fail(err, errno, "mkdir %s", path);
	if (lstat(path, &st) < 0)
		return cell_fail(err, errno, "%s", path);
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 022))
		return cell_fail(err, EPERM, "%s is not a directory of yours that only you can "
				 "write to", path);
	return 0;
}

/* Make the state directory's two parents, then itself (new). */
static int make_state_dir(const char *dir, struct cell_err *err)
{
	char path[CELL_NET_PATH_MAX];
	char *cut[2];
	int r;

	snprintf(path, sizeof(path), "%s", dir);
	cut[1] = strrchr(path, '/');
	if (!cut[1])
		return cell_fail(err, EINVAL, "state directory %s", dir);
	*cut[1] = '\0';
	cut[0] = strrchr(path, '/');
	if (!cut[0] || cut[0] == path)
		return cell_fail(err, EINVAL, "state directory %s", dir);
	*cut[0] = '\0';
	/* /run/cell may be read by anyone (it says nothing); the rest is private */
	r = own_dir(path, strcmp(path, "/run/cell") == 0 ? 0755 : 0700, err);
	if (r < 0)
		return r;
	*cut[0] = '/';
	r = own_dir(path, 0700, err);
	if (r < 0)
		return r;
	if (mkdir(dir, 0700) < 0)
		return cell_fail(err, errno, "mkdir %s", dir);
	return 0;
}

static void remove_state_dir(const char *dir)
{
	char path[CELL_NET_PATH_MAX + 32];

	for (size_t i = 0; i < ELEMENTSOF(state_files); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, state_files[i]);
		(void)unlink(path); /* most are not there */
	}
	(void)rmdir(dir); /* a foreign file inside keeps it: then it stays */
}

static int write_file(const char *path, const char *text, struct cell_err *err)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
				      0644);
	size_t len = strlen(text);

	if (fd < 0)
		return cell_fail(err, errno, "create %s", path);
	/* the umask must not make it unreadable for the sandbox's ids */
	if (fchmod(fd, 0644) < 0 || write(fd, text, len) != (ssize_t)len)
		return cell_fail(err, errno, "write %s", path);
	return 0;
}

/* "PID-START" -> owner; false when the name is not one. */
static bool entry_owner(const char *name, pid_t *pid, uint64_t *start)
{
	char table[96];

	if (strlen(name) > 64)
		return false;
	snprintf(table, sizeof(table), "cell_run_%.64s", name);
	for (char *p = table + 9; *p; p++)
		if (*p == '-')
			*p = '_';
	return cell_netplan_table_owner(table, pid, start);
}

static bool owner_alive(pid_t pid, uint64_t start)
{
	uint64_t now;

	return cell_proc_start_time(pid, &now) == 0 && now == start;
}

/* ---- objects -------------------------------------------------------------- */

static void veth_of(pid_t owner, uint64_t start, struct cell_veth *v)
{
	memset(v, 0, sizeof(*v));
	snprintf(v->host_if, sizeof(v->host_if), "vr-%d", (int)owner);
	snprintf(v->peer_if, sizeof(v->peer_if), "eth0");
	snprintf(v->alias, sizeof(v->alias), "cell:run:%d:%llu", (int)owner,
		 (unsigned long long)start);
}

static int delete_table(const char *name, struct cell_err *err)
{
	struct cell_nft_batch b;
	int r;

	r = cell_nft_build_del(name, &b, err);
	if (r < 0)
		return r;
	r = cell_nft_send(-1, &b, name, err);
	cell_nft_batch_free(&b);
	return r == -ENOENT ? 0 : r;
}

/* Everything a dead owner may have left: link, table, state directory. */
static int clean_owner(const char *dir, pid_t pid, uint64_t start,
		       void (*report)(const char *what, const char *why, void *data), void *data,
		       struct cell_err *err)
{
	char table[64], what[CELL_NET_PATH_MAX + 300];
	struct cell_veth v;
	int r, n = 0;

	veth_of(pid, start, &v);
	r = cell_veth_down(&v, -1, err);
	if (r < 0)
		return r;
	if (r > 0 && report) {
		snprintf(what, sizeof(what), "link %s (%s)", v.host_if, v.alias);
		report(what, "its sandbox has ended", data);
	}
	n += r;
	cell_netplan_table_name(pid, start, table, sizeof(table));
	r = delete_table(table, err);
	if (r < 0 && r != -ENOENT)
		return r;
	if (dir) {
		remove_state_dir(dir);
		if (report) {
			snprintf(what, sizeof(what), "state %.*s", CELL_NET_PATH_MAX + 256, dir);
			report(what, "its sandbox has ended", data);
		}
		n++;
	}
	return n;
}

/* Clean the entries of dead owners in a registry directory. */
static int gc_registry(const char *base, void (*report)(const char *, const char *, void *),
		       void *data, struct cell_err *err)
{
	DIR *d = opendir(base);
	struct dirent *e;
	int n = 0, r = 0;

	if (!d)
		return errno == ENOENT ? 0 : cell_fail(err, errno, "%s", base);
	while ((e = readdir(d))) {
		char dir[CELL_NET_PATH_MAX + 256];
		uint64_t start;
		pid_t pid;

		if (!entry_owner(e->d_name, &pid, &start) || owner_alive(pid, start))
			continue;
		snprintf(dir, sizeof(dir), "%s/%s", base, e->d_name);
		r = clean_owner(dir, pid, start, report, data, err);
		if (r < 0)
			break;
		n += r;
	}
	closedir(d);
	return r < 0 ? r : n;
}

struct dead_tables {
	unsigned n;
	char name[64][64];
};

static void collect_table(const char *name, void *data)
{
	struct dead_tables *t = data;
	uint64_t start;
	pid_t pid;

	if (t->n < 64 && cell_netplan_table_owner(name, &pid, &start) &&
	    strlen(name) < sizeof(t->name[0]) && !owner_alive(pid, start))
		snprintf(t->name[t->n++], sizeof(t->name[0]), "%s", name);
}

int cell_netrun_gc(void (*report)(const char *what, const char *why, void *data), void *data,
		   struct cell_err *err)
{
	_cleanup_free_ struct dead_tables *t = calloc(1, sizeof(*t));
	int n, r;

	if (!t)
		return cell_fail(err, ENOMEM, "gc");
	n = gc_registry(CELL_NETRUN_DIR, report, data, err);
	if (n < 0)
		return n;
	/* Tables whose state directory is gone too (a tmpfs /run after a
	 * crash keeps neither, but be thorough). */
	r = cell_nft_tables(collect_table, t, err);
	if (r < 0)
		return r;
	for (unsigned i = 0; i < t->n; i++) {
		char what[96];

		r = delete_table(t->name[i], err);
		if (r < 0)
			return r;
		snprintf(what, sizeof(what), "nftables table inet %s", t->name[i]);
		if (report)
			report(what, "its sandbox has ended", data);
		n++;
	}
	return n;
}

void cell_netrun_gc_quick(void)
{
	struct cell_err ignored = { 0 };

	(void)gc_registry(CELL_NETRUN_DIR, NULL, NULL, &ignored);
}

/* ---- prepare, setup, teardown ---------------------------------------------- */

int cell_netrun_prepare(struct cell_netrun *nr, const struct cell_netplan *np,
			struct cell_err *err)
{
	char path[CELL_NET_PATH_MAX + 32];
	int r;

	nr->np = np;
	if (!np->state_dir[0])
		return 0;
	r = make_state_dir(np->state_dir, err);
	if (r < 0)
		return r;
	nr->dir_made = true;
	/* a user's own leftovers (root's went in cell_netrun_gc_quick) */
	if (geteuid() != 0) {
		char base[CELL_NET_PATH_MAX];
		struct cell_err ignored = { 0 };
		char *slash;

		snprintf(base, sizeof(base), "%s", np->state_dir);
		slash = strrchr(base, '/');
		if (slash) {
			*slash = '\0';
			(void)gc_registry(base, NULL, NULL, &ignored);
		}
	}
	if (np->resolv == CELL_RESOLV_WRITE) {
		r = write_file(np->resolv_src, np->resolv_text, err);
		if (r < 0)
			return r;
	}
	if (np->mode == CELL_NET_USER) {
		snprintf(path, sizeof(path), "%s/pasta.pid", np->state_dir);
		if (mkfifo(path, 0600) < 0)
			return cell_fail(err, errno, "mkfifo %s", path);
		/* open before pasta does, so that its open for writing does
		 * not wait */
		nr->fifo = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (nr->fifo < 0)
			return cell_fail(err, errno, "open %s", path);
	}
	return 0;
}

static int setup_veth(struct cell_netrun *nr, pid_t child, struct cell_err *err)
{
	const struct cell_netplan *np = nr->np;
	char path[64];
	struct cell_veth v;
	int fd, r;

	veth_of(np->owner, np->owner_start, &v);
	v.n_host_addr = v.n_peer_addr = v.n_route = 1;
	v.host_addr[0] = np->host_addr;
	v.peer_addr[0] = np->peer_addr;
	v.route[0] = (struct cell_cidr){ .family = np->peer_addr.family };
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)child);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return cell_fail(err, errno, "open the sandbox's network namespace");
	nr->veth_made = true; /* from here on, teardown looks for it */
	r = cell_veth_up(&v, -1, fd, err);
	/* An open namespace fd would keep the namespace, and the pair, alive
	 * after the sandbox: close it now. */
	close(fd);
	if (r < 0)
		return cell_err_prefix(err, "--net veth");
	return 0;
}

static int setup_table(struct cell_netrun *nr, struct cell_err *err)
{
	struct cell_nft_batch b;
	int r;

	nr->nft_fd = cell_nft_open(err);
	if (nr->nft_fd < 0)
		return nr->nft_fd;
	r = cell_nft_build_host(nr->np, true, &b, err);
	if (r < 0)
		return r;
	r = cell_nft_send(nr->nft_fd, &b, nr->np->table, err);
	cell_nft_batch_free(&b);
	if (r == -EOPNOTSUPP || r == -EINVAL) {
		/* FIXME: drop once kernel 5.12 (owned tables) is the baseline */
		r = cell_nft_build_host(nr->np, false, &b, err);
		if (r < 0)
			return r;
		nr->table_made = true;
		r = cell_nft_send(nr->nft_fd, &b, nr->np->table, err);
		cell_nft_batch_free(&b);
	}
	return r < 0 ? cell_err_prefix(err, "--nat/--publish") : 0;
}

/* Masquerading routes the sandbox's packets through the host: that needs
 * forwarding on.  cell turns it on and leaves it on (others may rely on it
 * by then); --print-spec and the launcher say so. */
static int enable_forwarding(struct cell_netrun *nr, struct cell_err *err)
{
	_cleanup_close_ int fd = open("/proc/sys/net/ipv4/ip_forward", O_RDWR | O_CLOEXEC);
	char c = 0;

	if (fd < 0 || read(fd, &c, 1) != 1)
		return cell_fail(err, errno, "--nat: read net.ipv4.ip_forward");
	if (c == '1')
		return 0;
	if (pwrite(fd, "1\n", 2, 0) != 2)
		return cell_fail(err, errno, "--nat: turn on net.ipv4.ip_forward");
	nr->forward_enabled = true;
	return 0;
}

static size_t ports_arg(const struct cell_netplan *np, int proto, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < np->n_publish; i++) {
		if (np->publish[i].proto != proto)
			continue;
		used += (size_t)snprintf(buf + used, len - used, "%s%u:%u", used ? "," : "",
					 np->publish[i].host_port, np->publish[i].port);
		if (used >= len)
			return 0;
	}
	return used;
}

/* The first line pasta wrote to its stderr, for the error message. */
static void pasta_said(const char *dir, char *buf, size_t len)
{
	char path[CELL_NET_PATH_MAX + 32], text[512];
	_cleanup_close_ int fd = -1;
	ssize_t n;

	buf[0] = '\0';
	snprintf(path, sizeof(path), "%s/pasta.err", dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || (n = read(fd, text, sizeof(text) - 1)) <= 0)
		return;
	text[n] = '\0';
	/* its syslog complaints are noise here */
	for (char *line = text, *end; *line; line = end) {
		end = strchrnul(line, '\n');
		if (*end)
			*end++ = '\0';
		if (*line && !strstr(line, "syslog")) {
			snprintf(buf, len, ": %.200s", line);
			return;
		}
	}
}

static int setup_pasta(struct cell_netrun *nr, pid_t child, bool child_userns,
		       struct cell_err *err)
{
	const struct cell_netplan *np = nr->np;
	char tports[512], uports[512], netns[64], userns[64], fifo[CELL_NET_PATH_MAX + 32];
	char errpath[CELL_NET_PATH_MAX + 32], said[300];
	const char *argv[40];
	_cleanup_close_ int errfd = -1, devnull = -1;
	size_t n = 0;
	int r;

	snprintf(netns, sizeof(netns), "/proc/%d/ns/net", (int)child);
	snprintf(userns, sizeof(userns), "/proc/%d/ns/user", (int)child);
	snprintf(fifo, sizeof(fifo), "%s/pasta.pid", np->state_dir);
	snprintf(errpath, sizeof(errpath), "%s/pasta.err", np->state_dir);
	argv[n++] = np->pasta;
	argv[n++] = "--config-net";
	argv[n++] = "--quiet";
	argv[n++] = "--foreground";
	if (geteuid() == 0) {
		argv[n++] = "--runas";
		argv[n++] = "0:0";
	}
	/* Nothing from the sandbox to the host's own ports (-T, -U: pasta's
	 * default "auto" would forward the ports the host listens on), and no
	 * gateway address that leads to the host's loopback. */
	argv[n++] = "-T";
	argv[n++] = "none";
	argv[n++] = "-U";
	argv[n++] = "none";
	argv[n++] = "--no-map-gw";
	argv[n++] = "--dns-forward";
	argv[n++] = CELL_NET_PASTA_DNS;
	argv[n++] = "-t";
	argv[n++] = ports_arg(np, IPPROTO_TCP, tports, sizeof(tports)) ? tports : "none";
	argv[n++] = "-u";
	argv[n++] = ports_arg(np, IPPROTO_UDP, uports, sizeof(uports)) ? uports : "none";
	argv[n++] = "--pid";
	argv[n++] = fifo;
	if (child_userns) {
		argv[n++] = "--userns";
		argv[n++] = userns;
	}
	argv[n++] = "--netns";
	argv[n++] = netns;
	argv[n] = NULL;

	errfd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (errfd < 0 || devnull < 0)
		return cell_fail(err, errno, "--net user: %s", errfd < 0 ? errpath : "/dev/null");
	{
		pid_t parent = getpid();
		pid_t pid = fork();

		if (pid < 0)
			return cell_fail(err, errno, "--net user: fork");
		if (pid == 0) {
			sigset_t none;

			/* pasta ends with cell, even with a kill -9 */
			if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid() != parent)
				_exit(127);
			sigemptyset(&none);
			if (sigprocmask(SIG_SETMASK, &none, NULL) < 0 || dup2(devnull, 0) < 0 ||
			    dup2(devnull, 1) < 0 || dup2(errfd, 2) < 0)
				_exit(127);
			/* not the caller's --keep-fd descriptors, nor anything else */
			(void)syscall(SYS_close_range, 3u, ~0u, 4u /* CLOSE_RANGE_CLOEXEC */);
			execv(np->pasta, (char *const *)argv);
			_exit(127);
		}
		nr->pasta_pid = pid;
	}
	nr->pasta_pidfd = (int)syscall(SYS_pidfd_open, nr->pasta_pid, 0);
	if (nr->pasta_pidfd < 0)
		return cell_fail(err, errno, "--net user: pidfd_open");

	for (int waited = 0;;) {
		struct pollfd pfd[2] = { { .fd = nr->fifo, .events = POLLIN },
					 { .fd = nr->pasta_pidfd, .events = POLLIN } };
		char buf[32];
		ssize_t got;

		r = poll(pfd, 2, 100);
		if (r < 0 && errno != EINTR)
			return cell_fail(err, errno, "--net user: poll");
		if (r > 0 && (pfd[0].revents & POLLIN)) {
			got = read(nr->fifo, buf, sizeof(buf));
			if (got > 0)
				break; /* its PID: configured and running */
		}
		if (r > 0 && (pfd[1].revents & POLLIN)) {
			int status = 0;

			(void)waitpid(nr->pasta_pid, &status, 0);
			nr->pasta_pid = 0;
			pasta_said(np->state_dir, said, sizeof(said));
			return cell_fail(err, 0, "--net user: pasta failed (%s %d)%s",
					 WIFEXITED(status) ? "exit status" : "signal",
					 WIFEXITED(status) ? WEXITSTATUS(status)
							   : WTERMSIG(status),
					 said);
		}
		if (r == 0 && (waited += 100) >= PASTA_READY_MS)
			return cell_fail(err, ETIMEDOUT, "--net user: pasta did not get ready");
	}
	close(nr->fifo);
	nr->fifo = -1;
	return 0;
}

int cell_netrun_setup(struct cell_netrun *nr, pid_t child, bool child_userns,
		      struct cell_err *err)
{
	const struct cell_netplan *np = nr->np;
	int r = 0;

	if (np->mode == CELL_NET_VETH) {
		r = setup_veth(nr, child, err);
		if (r >= 0 && np->table[0])
			r = setup_table(nr, err);
		if (r >= 0 && np->nat)
			r = enable_forwarding(nr, err);
	} else if (np->mode == CELL_NET_USER) {
		r = setup_pasta(nr, child, child_userns, err);
	}
	return r;
}

void cell_netrun_teardown(struct cell_netrun *nr)
{
	const struct cell_netplan *np = nr->np;
	struct cell_err ignored = { 0 };

	if (!np)
		return;
	if (nr->pasta_pid > 0) {
		if (nr->pasta_pidfd >= 0)
			(void)syscall(SYS_pidfd_send_signal, nr->pasta_pidfd, SIGKILL, NULL, 0);
		(void)waitpid(nr->pasta_pid, NULL, 0);
		nr->pasta_pid = 0;
	}
	if (nr->pasta_pidfd >= 0) {
		close(nr->pasta_pidfd);
		nr->pasta_pidfd = -1;
	}
	if (nr->fifo >= 0) {
		close(nr->fifo);
		nr->fifo = -1;
	}
	/* best effort from here on: each step is retried by gc if it fails */
	if (nr->table_made) {
		(void)delete_table(np->table, &ignored);
		nr->table_made = false;
	}
	if (nr->nft_fd >= 0) {
		close(nr->nft_fd); /* and with it the table it owns */
		nr->nft_fd = -1;
	}
	/* The veth pair is left to the kernel: its peer is in the sandbox's
	 * namespace, which ends with the sandbox (the child is dead or killed
	 * by now), and that deletes the pair in the background.  Deleting it
	 * here would wait for the same RCU grace periods in the foreground
	 * (17 ms measured).  Should something else keep the namespace, gc finds
	 * the link by its mark once cell is gone. */
	nr->veth_made = false;
	if (nr->dir_made) {
		remove_state_dir(np->state_dir);
		nr->dir_made = false;
	}
}
