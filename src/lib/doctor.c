/* doctor.c - probe what this host allows cell to do.
 *
 * user_namespaces(7), cgroups(7), landlock(7), seccomp(2), time_namespaces(7),
 * mount_setattr(2) (MOUNT_ATTR_IDMAP), overlayfs in user namespaces, proc(5).
 * Probes that change process state (dropping to nobody, new namespaces,
 * detached mounts) run in short-lived children and report over a pipe, so
 * the caller is never changed.  Every probe has a deadline; nothing here
 * can make `cell doctor` fail.
 */
#define _GNU_SOURCE
#include "doctor.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "cleanup.h"
#include "landlock.h"

#define NOBODY 65534

static const struct {
	const char *key, *label;
} checks[CELL_DOCTOR_CHECK_MAX] = {
	[CELL_DOCTOR_USERNS] = { "userns", "user namespaces" },
	[CELL_DOCTOR_CGROUP] = { "cgroup", "cgroups" },
	[CELL_DOCTOR_LANDLOCK] = { "landlock", "Landlock" },
	[CELL_DOCTOR_SECCOMP] = { "seccomp", "seccomp" },
	[CELL_DOCTOR_TIMENS] = { "timens", "time namespaces" },
	[CELL_DOCTOR_IDMAP] = { "idmap", "idmapped mounts" },
	[CELL_DOCTOR_OVERLAY] = { "overlay", "unprivileged overlay" },
	[CELL_DOCTOR_NETWORK] = { "network", "user-mode network" },
	[CELL_DOCTOR_IDTOOLS] = { "idtools", "subordinate ids" },
	[CELL_DOCTOR_PROC] = { "proc", "/proc" },
};

const char *cell_doctor_key(enum cell_doctor_check c)
{
	return (unsigned)c < CELL_DOCTOR_CHECK_MAX ? checks[c].key : NULL;
}

const char *cell_doctor_label(enum cell_doctor_check c)
{
	return (unsigned)c < CELL_DOCTOR_CHECK_MAX ? checks[c].label : NULL;
}

const char *cell_doctor_status_name(enum cell_doctor_status s)
{
	return s == CELL_DOCTOR_OK ? "ok" : "limited";
}

/* snprintf whose truncation is fine (the texts are for people). */
static void fmt(char *buf, size_t len, const char *f, ...) __attribute__((format(printf, 3, 4)));

static void fmt(char *buf, size_t len, const char *f, ...)
{
	va_list ap;

	va_start(ap, f);
	vsnprintf(buf, len, f, ap);
	va_end(ap);
}

static void set(struct cell_doctor_item *it, enum cell_doctor_status s, const char *value,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void set(struct cell_doctor_item *it, enum cell_doctor_status s, const char *value,
		const char *fmt, ...)
{
	va_list ap;

	it->status = s;
	snprintf(it->value, sizeof(it->value), "%s", value);
	va_start(ap, fmt);
	vsnprintf(it->why, sizeof(it->why), fmt, ap);
	va_end(ap);
}

/* A number from a /proc/sys file, or -1 when it is absent. */
static long read_long(const char *path)
{
	char buf[32] = "";
	long v = -1;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	if (read(fd, buf, sizeof(buf) - 1) > 0)
		v = strtol(buf, NULL, 10);
	close(fd);
	return v;
}

static char *read_text(const char *path, size_t max)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t used = 0;
	char *buf;

	if (fd < 0)
		return NULL;
	buf = malloc(max + 1);
	if (!buf)
		return NULL;
	for (;;) {
		ssize_t n = read(fd, buf + used, max - used);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || (used += (size_t)n) == max)
			break;
	}
	buf[used] = '\0';
	return buf;
}

/* ---- probes in children ---- */

struct probe_result {
	int step; /* how far it got */
	int errnum;
	int extra;
};

/* Run fn in a child (with a 1 s deadline) and return what it wrote. */
static struct probe_result run_probe(void (*fn)(struct probe_result *))
{
	struct probe_result res = { .step = -1, .errnum = EIO };
	struct pollfd pfd;
	int fds[2];
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return (struct probe_result){ .step = -1, .errnum = errno };
	pid = fork();
	if (pid < 0) {
		res.errnum = errno;
		close(fds[0]);
		close(fds[1]);
		return res;
	}
	if (pid == 0) {
		struct probe_result r = { 0 };

		close(fds[0]);
		fn(&r);
		if (write(fds[1], &r, sizeof(r)) != sizeof(r))
			_exit(1);
		_exit(0);
	}
	close(fds[1]);
	pfd = (struct pollfd){ .fd = fds[0], .events = POLLIN };
	if (poll(&pfd, 1, 1000) != 1 || read(fds[0], &res, sizeof(res)) != sizeof(res))
		res = (struct probe_result){ .step = -1, .errnum = ETIMEDOUT };
	close(fds[0]);
	(void)kill(pid, SIGKILL); /* in case it hangs; it has exited otherwise */
	(void)waitpid(pid, NULL, 0);
	return res;
}

/* Become an unprivileged user, so that root's doctor reports what users get. */
static int drop_to_nobody(void)
{
	if (geteuid() != 0)
		return 0;
	if (setgroups(0, NULL) < 0 || setresgid(NOBODY, NOBODY, NOBODY) < 0 ||
	    setresuid(NOBODY, NOBODY, NOBODY) < 0)
		return -errno;
	/* the id change made /proc/self root's; the id maps are written there */
	if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0)
		return -errno;
	return 0;
}

static void userns_probe(struct probe_result *r)
{
	if (drop_to_nobody() < 0) {
		*r = (struct probe_result){ 0, errno, 0 };
		return;
	}
	r->step = 1;
	if (unshare(CLONE_NEWUSER) < 0) {
		r->errnum = errno;
		return;
	}
	/* AppArmor's restriction lets the namespace be made but gives it no
	 * capabilities: a mount namespace inside shows it. */
	r->step = 2;
	if (unshare(CLONE_NEWNS) < 0)
		r->errnum = errno;
}

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), r = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) < 0)
		r = -errno;
	close(fd);
	return r;
}

static void overlay_probe(struct probe_result *r)
{
	char map[64];
	unsigned uid, gid;

	if (drop_to_nobody() < 0) {
		*r = (struct probe_result){ 0, errno, 0 };
		return;
	}
	uid = (unsigned)getuid();
	gid = (unsigned)getgid();
	r->step = 1;
	if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0) {
		r->errnum = errno;
		return;
	}
	r->step = 2;
	snprintf(map, sizeof(map), "0 %u 1", uid);
	if ((r->errnum = -write_str("/proc/self/setgroups", "deny")) != 0 ||
	    (r->errnum = -write_str("/proc/self/uid_map", map)) != 0)
		return;
	snprintf(map, sizeof(map), "0 %u 1", gid);
	if ((r->errnum = -write_str("/proc/self/gid_map", map)) != 0)
		return;
	/* all of it in this private mount namespace, gone when the child exits */
	r->step = 3;
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("tmpfs", "/tmp", "tmpfs", 0, "mode=0700") < 0 || mkdir("/tmp/l", 0700) < 0 ||
	    mkdir("/tmp/u", 0700) < 0 || mkdir("/tmp/w", 0700) < 0 || mkdir("/tmp/m", 0700) < 0) {
		r->errnum = errno;
		return;
	}
	r->step = 4;
	if (mount("overlay", "/tmp/m", "overlay", 0,
		  "lowerdir=/tmp/l,upperdir=/tmp/u,workdir=/tmp/w,userxattr") < 0)
		r->errnum = errno;
}

/* ---- verdicts ---- */

void cell_doctor_userns_verdict(const struct cell_doctor_userns_facts *f,
				struct cell_doctor_item *ret)
{
	const char *who = f->as_root ? " (tried as nobody)" : "";

	if (f->unshare_errno == 0 && f->inner_errno == 0) {
		set(ret, CELL_DOCTOR_OK, "yes",
		    "unprivileged users can create user namespaces%s; user.max_user_namespaces "
		    "= %ld",
		    who, f->max_user_namespaces);
		return;
	}
	if (f->unshare_errno == 0) {
		if (f->apparmor_restrict == 1)
			set(ret, CELL_DOCTOR_LIMITED, "restricted",
			    "AppArmor restricts unprivileged user namespaces "
			    "(kernel.apparmor_restrict_unprivileged_userns = 1): they get no "
			    "capabilities; give cell an AppArmor profile with 'userns,' or set the "
			    "sysctl to 0");
		else
			set(ret, CELL_DOCTOR_LIMITED, "restricted",
			    "a new user namespace gets no capabilities here (a mount namespace "
			    "inside fails: %s): a security module restricts it",
			    strerror(f->inner_errno));
		return;
	}
	if (f->max_user_namespaces == 0)
		set(ret, CELL_DOCTOR_LIMITED, "no",
		    "user.max_user_namespaces is 0: sysctl -w user.max_user_namespaces=10000 "
		    "enables them");
	else if (f->unprivileged_userns_clone == 0)
		set(ret, CELL_DOCTOR_LIMITED, "no",
		    "kernel.unprivileged_userns_clone is 0: sysctl -w "
		    "kernel.unprivileged_userns_clone=1 enables them");
	else if (f->apparmor_restrict == 1)
		set(ret, CELL_DOCTOR_LIMITED, "no",
		    "AppArmor restricts unprivileged user namespaces "
		    "(kernel.apparmor_restrict_unprivileged_userns = 1): give cell an AppArmor "
		    "profile with 'userns,' or set the sysctl to 0");
	else if (f->unshare_errno == ENOSPC)
		set(ret, CELL_DOCTOR_LIMITED, "no",
		    "the limit of user namespaces (user.max_user_namespaces = %ld) is reached",
		    f->max_user_namespaces);
	else if (f->unshare_errno == EINVAL)
		set(ret, CELL_DOCTOR_LIMITED, "no",
		    "the kernel has no user namespaces (CONFIG_USER_NS is off)");
	else
		set(ret, CELL_DOCTOR_LIMITED, "no",
		    "unshare(CLONE_NEWUSER) fails%s: %s (inside a container that forbids "
		    "nesting, or a seccomp filter?)",
		    who, strerror(f->unshare_errno));
}

static void check_userns(struct cell_doctor *d)
{
	struct cell_doctor_userns_facts f = {
		.max_user_namespaces = read_long("/proc/sys/user/max_user_namespaces"),
		.unprivileged_userns_clone =
			(int)read_long("/proc/sys/kernel/unprivileged_userns_clone"),
		.apparmor_restrict =
			(int)read_long("/proc/sys/kernel/apparmor_restrict_unprivileged_userns"),
		.as_root = geteuid() == 0,
	};
	struct probe_result r = run_probe(userns_probe);

	if (r.step <= 0) {
		set(&d->items[CELL_DOCTOR_USERNS], CELL_DOCTOR_LIMITED, "unknown",
		    "could not probe: %s", strerror(r.errnum));
		return;
	}
	f.unshare_errno = r.step == 1 ? r.errnum : 0;
	f.inner_errno = r.step == 2 ? r.errnum : 0;
	cell_doctor_userns_verdict(&f, &d->items[CELL_DOCTOR_USERNS]);
}

static void list_controllers(unsigned mask, int version, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int c = 0; c < CELL_CG_MAX; c++) {
		const char *name = cell_cgroup_controller_name((enum cell_cg_controller)c, version);
		int n;

		if (!(mask & CELL_CG_BIT(c)) || !name)
			continue;
		n = snprintf(buf + used, len - used, "%s%s", used ? " " : "", name);
		if (n < 0 || (size_t)n >= len - used)
			return;
		used += (size_t)n;
	}
}

static void check_cgroup(struct cell_doctor *d)
{
	struct cell_doctor_item *it = &d->items[CELL_DOCTOR_CGROUP];
	const unsigned need = CELL_CG_BIT(CELL_CG_MEMORY) | CELL_CG_BIT(CELL_CG_PIDS);
	_cleanup_free_ struct cell_cgroup_host *h = malloc(sizeof(*h));
	struct cell_err err = { 0 };
	char list[128], value[192];

	if (!h || cell_cgroup_detect(h, &err) < 0) {
		set(it, CELL_DOCTOR_LIMITED, "unknown", "could not read the cgroup mounts: %s",
		    err.msg);
		return;
	}
	d->cgroup_version = h->version;
	if (h->version == 0) {
		set(it, CELL_DOCTOR_LIMITED, "none",
		    "no cgroup file system is mounted: --memory, --pids, --cpus and reports of "
		    "use are refused");
	} else if (h->version == 2) {
		char sub[PATH_MAX];
		bool delegated;

		/* delegated: the directory and its subtree_control are ours */
		fmt(sub, sizeof(sub), "%s/cgroup.subtree_control", h->v2_dir);
		delegated = geteuid() == 0 ||
			    (access(h->v2_dir, W_OK) == 0 && access(sub, W_OK) == 0);
		list_controllers(h->v2_controllers, 2, list, sizeof(list));
		snprintf(value, sizeof(value), "v2: %s%s", list[0] ? list : "no controllers",
			 delegated ? "" : " (not delegated)");
		if ((h->v2_controllers & need) != need)
			set(it, CELL_DOCTOR_LIMITED, value,
			    "the caller's cgroup %s lacks the memory or pids controller: those "
			    "limits are refused",
			    h->v2_dir);
		else if (!delegated)
			set(it, CELL_DOCTOR_LIMITED, value,
			    "the caller's cgroup %s is not delegated to uid %u: limits need root "
			    "or "
			    "systemd-run --user --scope -p Delegate=yes",
			    h->v2_dir, d->uid);
		else
			set(it, CELL_DOCTOR_OK, value,
			    "each sandbox gets its own cgroup (%s), started inside it with "
			    "CLONE_INTO_CGROUP",
			    geteuid() == 0 ? "under the cell parent" : "under the caller's cgroup");
	} else {
		unsigned writable = 0;

		for (int c = 0; c < CELL_CG_MAX; c++)
			if ((h->v1_controllers & CELL_CG_BIT(c)) && access(h->v1_dir[c], W_OK) == 0)
				writable |= CELL_CG_BIT(c);
		list_controllers(h->v1_controllers, 1, list, sizeof(list));
		snprintf(value, sizeof(value), "v1%s: %s", h->hybrid ? " (hybrid)" : "", list);
		if ((writable & need) == need)
			set(it, CELL_DOCTOR_OK, value,
			    "v1 controllers are writable by this user; limits work through v1 (the "
			    "v2 tree%s has none of them)",
			    h->hybrid ? "" : ", if any,");
		else if ((h->v1_controllers & need) != need)
			set(it, CELL_DOCTOR_LIMITED, value,
			    "no v1 memory or pids hierarchy is mounted: those limits are refused");
		else
			set(it, CELL_DOCTOR_LIMITED, value,
			    "v1 hierarchies are not delegated to uid %u: --memory, --pids and "
			    "--cpus need root here",
			    d->uid);
	}
}

static void check_landlock(struct cell_doctor *d)
{
	struct cell_doctor_item *it = &d->items[CELL_DOCTOR_LANDLOCK];
	int e = 0, abi = cell_landlock_abi(&e);
	char value[32];

	d->landlock_abi = abi;
	if (abi <= 0) {
		set(it, CELL_DOCTOR_LIMITED, "none",
		    e == EOPNOTSUPP ? "built in but not enabled: add landlock to the lsm= boot "
				      "parameter; --landlock is refused"
				    : "this kernel has no Landlock (Linux 5.13+, "
				      "CONFIG_SECURITY_LANDLOCK): --landlock is refused");
		return;
	}
	snprintf(value, sizeof(value), "ABI %d", abi);
	if (abi < 4)
		set(it, CELL_DOCTOR_LIMITED, value,
		    "file rules only; network rules need ABI 4 (Linux 6.7)");
	else if (abi < 6)
		set(it, CELL_DOCTOR_OK, value,
		    "file and TCP port rules; scoping signals and abstract sockets needs ABI 6");
	else
		set(it, CELL_DOCTOR_OK, value,
		    "file and TCP port rules, signal and abstract socket scoping");
}

static bool action_avail(uint32_t action)
{
	return syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action) == 0;
}

static void check_seccomp(struct cell_doctor *d)
{
	struct cell_doctor_item *it = &d->items[CELL_DOCTOR_SECCOMP];
	bool notif = action_avail(SECCOMP_RET_USER_NOTIF), log = action_avail(SECCOMP_RET_LOG);
	int mode = prctl(PR_GET_SECCOMP, 0, 0, 0, 0);
	char value[128];

	if (!action_avail(SECCOMP_RET_ERRNO) || !action_avail(SECCOMP_RET_KILL_PROCESS)) {
		set(it, CELL_DOCTOR_LIMITED, "none",
		    "seccomp filters are not available (CONFIG_SECCOMP_FILTER off, or Linux "
		    "before 4.14): --seccomp is refused");
		return;
	}
	snprintf(value, sizeof(value), "filters%s%s%s", log ? ", log" : "",
		 notif ? ", user notification" : "", mode == 2 ? "; this process is filtered" : "");
	if (mode == 2)
		set(it, CELL_DOCTOR_OK, value,
		    "cell already runs under a seccomp filter (inside a sandbox?); its own filter "
		    "stacks on top");
	else
		set(it, CELL_DOCTOR_OK, value,
		    "the default policy and --seccomp FILE work%s",
		    log ? "; --seccomp-log logs to the audit log" : "");
}

static void check_timens(struct cell_doctor *d)
{
	if (access("/proc/self/ns/time", F_OK) == 0)
		set(&d->items[CELL_DOCTOR_TIMENS], CELL_DOCTOR_OK, "yes",
		    "--ns time gives the sandbox its own monotonic and boot clocks");
	else
		set(&d->items[CELL_DOCTOR_TIMENS], CELL_DOCTOR_LIMITED, "no",
		    "no time namespaces (Linux 5.6+, CONFIG_TIME_NS): --ns time is refused");
}

/* A user namespace fd with a one-id map, made by a short-lived child. */
static int make_userns(pid_t *ret_pid)
{
	int go[2], ready[2], fd;
	struct pollfd pfd;
	char path[64], b;
	pid_t pid;

	if (pipe2(go, O_CLOEXEC) < 0)
		return -errno;
	if (pipe2(ready, O_CLOEXEC) < 0) {
		close(go[0]);
		close(go[1]);
		return -errno;
	}
	pid = fork();
	if (pid < 0) {
		fd = -errno;
		close(go[0]);
		close(go[1]);
		close(ready[0]);
		close(ready[1]);
		return fd;
	}
	if (pid == 0) {
		close(go[1]);
		close(ready[0]);
		if (unshare(CLONE_NEWUSER) < 0 || write(ready[1], "x", 1) != 1)
			_exit(1);
		(void)!read(go[0], &b, 1); /* until the parent is done */
		_exit(0);
	}
	close(go[0]);
	close(ready[1]);
	*ret_pid = pid;
	pfd = (struct pollfd){ .fd = ready[0], .events = POLLIN };
	if (poll(&pfd, 1, 1000) != 1 || read(ready[0], &b, 1) != 1) {
		close(ready[0]);
		close(go[1]);
		return -EPERM;
	}
	close(ready[0]);
	snprintf(path, sizeof(path), "/proc/%d/uid_map", (int)pid);
	(void)write_str(path, "0 65534 1"); /* a missing map fails the probe below */
	snprintf(path, sizeof(path), "/proc/%d/gid_map", (int)pid);
	(void)write_str(path, "0 65534 1");
	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		fd = -errno;
	close(go[1]); /* the child exits; the fd keeps the namespace */
	return fd;
}

static int try_idmap(int mntfd, int userns)
{
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)userns };

	if (mntfd < 0)
		return errno;
	if (mount_setattr(mntfd, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0) {
		int e = errno;

		close(mntfd);
		return e;
	}
	close(mntfd);
	return 0;
}

static void check_idmap(struct cell_doctor *d)
{
	struct cell_doctor_item *it = &d->items[CELL_DOCTOR_IDMAP];
	int userns, fsfd, tmpfs_err, root_err;
	char value[96];
	pid_t pid = -1;

	if (geteuid() != 0) {
		set(it, CELL_DOCTOR_OK, "root only",
		    "only root makes idmapped mounts (for root's writable binds); unprivileged "
		    "sandboxes do not need them");
		return;
	}
	userns = make_userns(&pid);
	if (userns < 0) {
		set(it, CELL_DOCTOR_LIMITED, "unknown",
		    "could not make a user namespace to try: %s", strerror(-userns));
	} else {
		/* detached mounts: never attached anywhere, gone on close */
		fsfd = fsopen("tmpfs", FSOPEN_CLOEXEC);
		if (fsfd >= 0 && fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) == 0)
			tmpfs_err = try_idmap(fsmount(fsfd, FSMOUNT_CLOEXEC, 0), userns);
		else
			tmpfs_err = errno;
		if (fsfd >= 0)
			close(fsfd);
		root_err = try_idmap(open_tree(AT_FDCWD, "/", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC),
				     userns);
		close(userns);
		snprintf(value, sizeof(value), "tmpfs: %s, /: %s", tmpfs_err ? "no" : "yes",
			 root_err ? "no" : "yes");
		if (!tmpfs_err && !root_err)
			set(it, CELL_DOCTOR_OK, value,
			    "root's writable binds show their real owners inside the sandbox");
		else
			set(it, CELL_DOCTOR_LIMITED, value,
			    "mount_setattr(MOUNT_ATTR_IDMAP) fails (%s): root's writable binds on "
			    "such file systems fall back to plain binds",
			    strerror(tmpfs_err ? tmpfs_err : root_err));
	}
	if (pid > 0)
		(void)waitpid(pid, NULL, 0);
}

static void check_overlay(struct cell_doctor *d)
{
	struct cell_doctor_item *it = &d->items[CELL_DOCTOR_OVERLAY];
	struct probe_result r = run_probe(overlay_probe);
	static const char *const steps[] = { "drop to nobody", "user namespace", "id maps",
					     "tmpfs", "overlay" };

	if (r.step == 4 && r.errnum == 0)
		set(it, CELL_DOCTOR_OK, "yes",
		    "overlay mounts work in a user namespace (Linux 5.11+): --overlay works "
		    "unprivileged");
	else if (r.step < 0 || r.step > 4)
		set(it, CELL_DOCTOR_LIMITED, "unknown", "could not probe: %s", strerror(r.errnum));
	else
		set(it, CELL_DOCTOR_LIMITED, "no",
		    "%s failed in the probe (%s): --overlay needs root here",
		    steps[r.step], strerror(r.errnum));
}

static bool in_path(const char *name, char *buf, size_t len)
{
	const char *path = getenv("PATH");

	if (!path || !*path)
		path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	for (const char *p = path; *p;) {
		const char *e = strchrnul(p, ':');

		if (e > p && (size_t)snprintf(buf, len, "%.*s/%s", (int)(e - p), p, name) < len &&
		    access(buf, X_OK) == 0)
			return true;
		p = *e ? e + 1 : e;
	}
	return false;
}

static void check_network(struct cell_doctor *d)
{
	struct cell_doctor_item *it = &d->items[CELL_DOCTOR_NETWORK];
	char pasta[PATH_MAX], slirp[PATH_MAX], value[192];
	bool has_pasta = in_path("pasta", pasta, sizeof(pasta));
	bool has_slirp = in_path("slirp4netns", slirp, sizeof(slirp));

	if (!has_pasta && !has_slirp) {
		set(it, CELL_DOCTOR_LIMITED, "none",
		    "neither pasta nor slirp4netns is installed: unprivileged sandboxes get no "
		    "outside network (apt install passt)");
		return;
	}
	fmt(value, sizeof(value), "%s%s%s", has_pasta ? pasta : "",
		 has_pasta && has_slirp ? ", " : "", has_slirp ? slirp : "");
	set(it, CELL_DOCTOR_OK, value, "unprivileged sandboxes can reach the network through %s",
	    has_pasta ? "pasta" : "slirp4netns");
}

unsigned long cell_doctor_subids(const char *text, const char *user, unsigned uid)
{
	unsigned long total = 0;
	char uidbuf[16];

	snprintf(uidbuf, sizeof(uidbuf), "%u", uid);
	for (const char *s = text; s && *s;) {
		const char *e = strchrnul(s, '\n'), *c1 = memchr(s, ':', (size_t)(e - s));
		const char *c2 = c1 ? memchr(c1 + 1, ':', (size_t)(e - c1 - 1)) : NULL;
		size_t nl = c1 ? (size_t)(c1 - s) : 0;

		if (c2 && *s != '#' &&
		    ((user && strlen(user) == nl && strncmp(s, user, nl) == 0) ||
		     (strlen(uidbuf) == nl && strncmp(s, uidbuf, nl) == 0)))
			total += strtoul(c2 + 1, NULL, 10);
		s = *e ? e + 1 : e;
	}
	return total;
}

static void check_idtools(struct cell_doctor *d)
{
	struct cell_doctor_item *it = &d->items[CELL_DOCTOR_IDTOOLS];
	_cleanup_free_ char *subuid = read_text("/etc/subuid", 1u << 20);
	_cleanup_free_ char *subgid = read_text("/etc/subgid", 1u << 20);
	struct passwd *pw = getpwuid(d->uid);
	const char *user = pw ? pw->pw_name : NULL;
	unsigned long nu = cell_doctor_subids(subuid, user, d->uid);
	unsigned long ng = cell_doctor_subids(subgid, user, d->uid);
	char a[PATH_MAX], b[PATH_MAX], value[192];
	bool tools = in_path("newuidmap", a, sizeof(a)) && in_path("newgidmap", b, sizeof(b));

	snprintf(value, sizeof(value), "%s; %lu uids, %lu gids for %s",
		 tools ? "newuidmap, newgidmap" : "no newuidmap/newgidmap", nu, ng,
		 user ? user : "this user");
	if (!tools)
		set(it, CELL_DOCTOR_LIMITED, value,
		    "--map-auto needs newuidmap and newgidmap (apt install uidmap)");
	else if (nu == 0 || ng == 0)
		set(it, CELL_DOCTOR_LIMITED, value,
		    "--map-auto needs ranges in /etc/subuid and /etc/subgid (usermod "
		    "--add-subuids/--add-subgids)");
	else
		set(it, CELL_DOCTOR_OK, value,
		    "--map-auto maps the subordinate ranges, so package managers work inside");
}

int cell_doctor_proc_covers(const char *mountinfo, char *buf, size_t len)
{
	size_t used = 0;
	int n = 0;

	if (len)
		buf[0] = '\0';
	for (const char *s = mountinfo; s && *s;) {
		const char *e = strchrnul(s, '\n'), *f = s;
		unsigned field = 0;

		/* the mount point is the fifth field */
		while (f < e && field < 4) {
			if (*f++ == ' ')
				field++;
		}
		if (field == 4 && (size_t)(e - f) > 6 && strncmp(f, "/proc/", 6) == 0) {
			const char *end = memchr(f, ' ', (size_t)(e - f));
			size_t pl = end ? (size_t)(end - f) : (size_t)(e - f);

			if (!(pl == 24 && strncmp(f, "/proc/sys/fs/binfmt_misc", 24) == 0)) {
				int w = snprintf(buf + used, len > used ? len - used : 0, "%s%.*s",
						 used ? " " : "", (int)pl, f);

				if (w > 0 && used + (size_t)w < len)
					used += (size_t)w;
				else if (used < len)
					buf[used] = '\0'; /* whole entries only */
				n++;
			}
		}
		s = *e ? e + 1 : e;
	}
	return n;
}

static void check_proc(struct cell_doctor *d)
{
	struct cell_doctor_item *it = &d->items[CELL_DOCTOR_PROC];
	_cleanup_free_ char *mountinfo = read_text("/proc/self/mountinfo", 1u << 20);
	_cleanup_free_ char *uid_map = read_text("/proc/self/uid_map", 4096);
	char covers[160], value[192];
	const char *hint = "";
	int n = cell_doctor_proc_covers(mountinfo, covers, sizeof(covers));
	bool in_userns = uid_map && !strstr(uid_map, "4294967295");

	if (access("/.dockerenv", F_OK) == 0)
		hint = " (/.dockerenv: a Docker container?)";
	else if (access("/run/.containerenv", F_OK) == 0)
		hint = " (/run/.containerenv: a Podman container?)";
	else if (in_userns)
		hint = " (inside a user namespace)";
	if (n == 0) {
		snprintf(value, sizeof(value), "not masked%s", hint);
		set(it, CELL_DOCTOR_OK, value,
		    "nothing covers parts of /proc, so sandboxes can mount a fresh /proc");
	} else {
		fmt(value, sizeof(value), "masked%s: %s", hint, covers);
		set(it, CELL_DOCTOR_LIMITED, value,
		    "parts of /proc are covered (inside a container?): the kernel refuses a fresh "
		    "/proc in a new user namespace unless it is fully visible");
	}
}

void cell_doctor_run(struct cell_doctor *d)
{
	memset(d, 0, sizeof(*d));
	d->uid = (unsigned)geteuid();
	check_userns(d);
	check_cgroup(d);
	check_landlock(d);
	check_seccomp(d);
	check_timens(d);
	check_idmap(d);
	check_overlay(d);
	check_network(d);
	check_idtools(d);
	check_proc(d);
}
