/* ocirun.c - an OCI container's process (see ocirun.h for the sequence).
 *
 * The child side follows init.c's rules: straight-line, no allocation
 * after clone, every failure fatal with the error sent to the parent over
 * the sync socket (cell_sync_die).  Mount targets are made and resolved
 * inside the rootfs with openat2(RESOLVE_IN_ROOT), so a symlink in an
 * image cannot send a mount (or a mkdir) outside it; the mount then goes
 * through the resolved /proc/self/fd/N.
 */
#define _GNU_SOURCE
#include "ocirun.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "cleanup.h"
#include "exec.h"
#include "procinfo.h"
#include "sync.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static const unsigned long ns_flag[CELL_NS_MAX] = {
	[CELL_NS_USER] = CLONE_NEWUSER,	    [CELL_NS_MNT] = CLONE_NEWNS,
	[CELL_NS_PID] = CLONE_NEWPID,	    [CELL_NS_NET] = CLONE_NEWNET,
	[CELL_NS_IPC] = CLONE_NEWIPC,	    [CELL_NS_UTS] = CLONE_NEWUTS,
	[CELL_NS_CGROUP] = CLONE_NEWCGROUP, [CELL_NS_TIME] = CLONE_NEWTIME,
};

void cell_oci_proc_clear(struct cell_oci_proc *p)
{
	for (char **a = p->args; a && *a; a++)
		free(*a);
	for (char **e = p->env; e && *e; e++)
		free(*e);
	free(p->args);
	free(p->env);
	free(p->cwd);
	free(p->groups);
	cell_seccomp_prog_free(&p->seccomp);
	memset(p, 0, sizeof(*p));
}

static void strv_free(char **v)
{
	for (char **s = v; s && *s; s++)
		free(*s);
	free(v);
}

void cell_oci_plan_clear(struct cell_oci_plan *p)
{
	free(p->rootfs);
	free(p->hostname);
	free(p->domainname);
	for (int t = 0; t < CELL_NS_MAX; t++)
		free(p->ns_path[t]);
	for (size_t i = 0; i < p->n_mounts; i++) {
		free(p->mounts[i].dst);
		free(p->mounts[i].type);
		free(p->mounts[i].src);
		free(p->mounts[i].data);
	}
	free(p->mounts);
	for (size_t i = 0; i < p->n_devices; i++)
		free(p->devices[i].path);
	free(p->devices);
	strv_free(p->masked);
	strv_free(p->readonly);
	strv_free(p->sysctl);
	strv_free(p->cgroup_dirs);
	cell_oci_proc_clear(&p->proc);
	memset(p, 0, sizeof(*p));
}

bool cell_oci_host_root(void)
{
	char buf[128] = "";
	unsigned a = 1, b = 1, n = 0;
	int fd;
	ssize_t k;

	if (geteuid() != 0)
		return false;
	/* the initial user namespace maps all of 0..2^32-2 */
	fd = open("/proc/self/uid_map", O_RDONLY | O_CLOEXEC);
	k = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (fd >= 0)
		close(fd);
	if (k <= 0)
		return false;
	buf[k] = '\0';
	return sscanf(buf, "%u %u %u", &a, &b, &n) == 3 && a == 0 && b == 0 && n == 4294967295u;
}

/* ---- the child: helpers (allocation-free) ---- */

#define DIE(sock, err) cell_sync_die((sock), (err))

static int open_in_root(int rootfd, const char *path, int flags)
{
	struct open_how how = { .flags = (uint64_t)(flags | O_CLOEXEC),
				.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };

	return (int)syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
}

/* Make path (inside the root at rootfd) and its parents, the last one a
 * directory or (file) an empty file; return an O_PATH fd of it. */
static int make_in_root(int rootfd, const char *path, bool file, struct cell_err *err)
{
	char buf[4096];
	size_t len = strlen(path);
	int fd;

	if (len >= sizeof(buf))
		return cell_fail(err, ENAMETOOLONG, "mount point %s", path);
	fd = open_in_root(rootfd, path, O_PATH);
	if (fd >= 0)
		return fd;
	if (errno != ENOENT)
		return cell_fail(err, errno, "mount point %s", path);
	memcpy(buf, path, len + 1);
	for (size_t i = 1; i <= len; i++) {
		bool last = i == len;
		char *slash, save;
		int dfd;

		if (!last && buf[i] != '/')
			continue;
		save = buf[i];
		buf[i] = '\0';
		fd = open_in_root(rootfd, buf, O_PATH);
		if (fd >= 0) {
			buf[i] = save;
			if (!last)
				close(fd);
			continue;
		}
		if (errno != ENOENT)
			return cell_fail(err, errno, "mount point %s", buf);
		slash = strrchr(buf, '/');
		*slash = '\0';
		dfd = open_in_root(rootfd, *buf ? buf : "/", O_PATH | O_DIRECTORY);
		*slash = '/';
		if (dfd < 0)
			return cell_fail(err, errno, "mount point %s", buf);
		if (last && file) {
			fd = openat(dfd, slash + 1,
				    O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
			if (fd >= 0)
				close(fd);
		} else {
			fd = mkdirat(dfd, slash + 1, 0755);
		}
		close(dfd);
		if (fd < 0 && errno != EEXIST)
			return cell_fail(err, errno, "make mount point %s", buf);
		buf[i] = save;
	}
	fd = open_in_root(rootfd, path, O_PATH);
	if (fd < 0)
		return cell_fail(err, errno, "mount point %s", path);
	return fd;
}

static const char *fd_path(int fd, char *buf, size_t len)
{
	snprintf(buf, len, "/proc/self/fd/%d", fd);
	return buf;
}

/* Flags a remount must keep: in a user namespace the kernel refuses to
 * clear them (they are locked), and keeping them never loosens anything. */
static unsigned long locked_flags(const char *path)
{
	struct statvfs sv;
	unsigned long f = 0;

	if (statvfs(path, &sv) < 0)
		return 0;
	if (sv.f_flag & ST_NOSUID)
		f |= MS_NOSUID;
	if (sv.f_flag & ST_NODEV)
		f |= MS_NODEV;
	if (sv.f_flag & ST_NOEXEC)
		f |= MS_NOEXEC;
	if (sv.f_flag & ST_NOATIME)
		f |= MS_NOATIME;
	if (sv.f_flag & ST_NODIRATIME)
		f |= MS_NODIRATIME;
	if (sv.f_flag & ST_RELATIME)
		f |= MS_RELATIME;
	return f;
}

/* Bind src on dst (inside the root at rootfd, an O_PATH fd tfd of it),
 * then apply the flags through the new mount (tfd still names the
 * directory under it). */
static int bind_mount(int rootfd, const char *dst, int tfd, const char *src, bool rec,
		      unsigned long flags, struct cell_err *err)
{
	char tp[64];
	_cleanup_close_ int mfd = -1;

	if (mount(src, fd_path(tfd, tp, sizeof(tp)), NULL, MS_BIND | (rec ? MS_REC : 0), NULL) < 0)
		return cell_fail(err, errno, "%s: bind %s", dst, src);
	flags &= MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME |
		 MS_RELATIME | MS_STRICTATIME;
	if (!flags)
		return 0;
	mfd = open_in_root(rootfd, dst, O_PATH);
	if (mfd < 0)
		return cell_fail(err, errno, "%s: open the new mount", dst);
	fd_path(mfd, tp, sizeof(tp));
	if (mount(NULL, tp, NULL, MS_BIND | MS_REMOUNT | flags | locked_flags(tp), NULL) < 0)
		return cell_fail(err, errno, "%s: remount with its options", dst);
	return 0;
}

/* Read-only, this mount and every one below it. */
static int make_readonly(int fd, const char *what, struct cell_err *err)
{
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY };

	if (syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof(attr)) <
	    0)
		return cell_fail(err, errno, "%s: make read-only", what);
	return 0;
}

static bool is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* A "cgroup" mount: the container's own cgroup directories (v1: a tmpfs
 * with one bind per hierarchy; v2: one bind), read-only unless asked. */
static int mount_cgroup(const struct cell_oci_plan *p, const struct cell_ocirun_mount *m,
			int rootfd, int tfd, struct cell_err *err)
{
	char tp[64], sub[4200];
	bool v1 = p->cgroup_dirs && p->cgroup_dirs[0] && p->cgroup_dirs[0][0] != '=';
	int r;

	if (!p->cgroup_dirs || !p->cgroup_dirs[0]) {
		/* no cgroup of its own to show (rootless without a delegated
		 * one): an empty read-only tmpfs, nothing of the host's */
		if (mount("tmpfs", fd_path(tfd, tp, sizeof(tp)), "tmpfs",
			  MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755,size=0") < 0)
			return cell_fail(err, errno, "%s: mount tmpfs", m->dst);
		return 0;
	}
	if (!v1) {
		return bind_mount(rootfd, m->dst, tfd, p->cgroup_dirs[0] + 1, false, m->flags, err);
	}
	if (mount("tmpfs", fd_path(tfd, tp, sizeof(tp)), "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  "mode=755") < 0)
		return cell_fail(err, errno, "%s: mount tmpfs", m->dst);
	for (char **d = p->cgroup_dirs; *d; d++) {
		const char *eq = strchr(*d, '=');
		_cleanup_close_ int sfd = -1;

		if (!eq)
			continue;
		snprintf(sub, sizeof(sub), "%s/%.*s", m->dst, (int)(eq - *d), *d);
		sfd = make_in_root(rootfd, sub, false, err);
		if (sfd < 0)
			return sfd;
		r = bind_mount(rootfd, sub, sfd, eq + 1, false, m->flags, err);
		if (r < 0)
			return r;
	}
	if (m->flags & MS_RDONLY) {
		_cleanup_close_ int mfd = open_in_root(rootfd, m->dst, O_PATH);

		if (mfd < 0)
			return cell_fail(err, errno, "%s", m->dst);
		if (make_readonly(mfd, m->dst, err) < 0)
			return -EPERM;
	}
	return 0;
}

/* tmpcopyup: copy the tree at from (the image's directory, now under the
 * new tmpfs) into to, keeping modes, owners and links.  The child is a
 * process of its own here (no shared memory), so the directory streams
 * may allocate. */
static int copy_tree(int from, int to, int depth, const char *dst, struct cell_err *err)
{
	DIR *d;
	struct dirent *de;
	int r = 0;

	if (depth > 32)
		return cell_fail(err, ELOOP, "%s: tmpcopyup: too deep", dst);
	d = fdopendir(dup(from));
	if (!d)
		return cell_fail(err, errno, "%s: tmpcopyup", dst);
	while (r == 0 && (de = readdir(d))) {
		const char *n = de->d_name;
		struct stat st;

		if (strcmp(n, ".") == 0 || strcmp(n, "..") == 0)
			continue;
		if (fstatat(from, n, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			r = cell_fail(err, errno, "%s: tmpcopyup: %s", dst, n);
		} else if (S_ISDIR(st.st_mode)) {
			_cleanup_close_ int sf = -1, tf = -1;

			if (mkdirat(to, n, st.st_mode & 07777) < 0 ||
			    (sf = openat(from, n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0 ||
			    (tf = openat(to, n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
				r = cell_fail(err, errno, "%s: tmpcopyup: %s", dst, n);
			else
				r = copy_tree(sf, tf, depth + 1, dst, err);
		} else if (S_ISLNK(st.st_mode)) {
			char target[4096];
			ssize_t k = readlinkat(from, n, target, sizeof(target) - 1);

			if (k < 0 || (target[k] = '\0', symlinkat(target, to, n) < 0))
				r = cell_fail(err, errno, "%s: tmpcopyup: %s", dst, n);
		} else if (S_ISREG(st.st_mode)) {
			_cleanup_close_ int sf = openat(from, n, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
			_cleanup_close_ int tf = -1;
			char buf[65536];
			ssize_t k = 0;

			if (sf >= 0)
				tf = openat(to, n, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
					    st.st_mode & 07777);
			while (tf >= 0 && (k = read(sf, buf, sizeof(buf))) > 0)
				if (write(tf, buf, (size_t)k) != k)
					k = -1;
			if (sf < 0 || tf < 0 || k < 0)
				r = cell_fail(err, errno, "%s: tmpcopyup: %s", dst, n);
		} else {
			continue; /* devices, fifos and sockets are not copied */
		}
		if (r == 0 && fchownat(to, n, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0 &&
		    errno != EINVAL)
			r = cell_fail(err, errno, "%s: tmpcopyup: chown %s", dst, n);
		if (r == 0 && !S_ISLNK(st.st_mode) && fchmodat(to, n, st.st_mode & 07777, 0) < 0)
			r = cell_fail(err, errno, "%s: tmpcopyup: chmod %s", dst, n);
	}
	closedir(d);
	return r;
}

static int do_mount(const struct cell_oci_plan *p, const struct cell_ocirun_mount *m, int rootfd,
		    struct cell_err *err)
{
	_cleanup_close_ int tfd = -1, mfd = -1;
	char tp[64];
	bool file = false;
	int r;

	if (m->bind)
		file = !is_dir(m->src);
	tfd = make_in_root(rootfd, m->dst, file, err);
	if (tfd < 0)
		return tfd;
	fd_path(tfd, tp, sizeof(tp));
	if (m->bind) {
		r = bind_mount(rootfd, m->dst, tfd, m->src, m->recursive, m->flags, err);
		if (r < 0)
			return r;
	} else if (m->type && (strcmp(m->type, "cgroup") == 0 || strcmp(m->type, "cgroup2") == 0)) {
		r = mount_cgroup(p, m, rootfd, tfd, err);
		if (r < 0)
			return r;
	} else if (mount(m->src ? m->src : m->type, tp, m->type, m->flags, m->data) < 0) {
		int e = errno;

		/* sysfs needs a network namespace of one's own (or real root);
		 * without, show the host's read-only, as runc does */
		if (!(m->type && strcmp(m->type, "sysfs") == 0 && (e == EPERM || e == EACCES)))
			return cell_fail(err, e, "mount %s on %s", m->type ? m->type : "?", m->dst);
		r = bind_mount(rootfd, m->dst, tfd, "/sys", true,
			       m->flags | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, err);
		if (r < 0)
			return r;
		mfd = open_in_root(rootfd, m->dst, O_PATH);
		if (mfd < 0 || make_readonly(mfd, m->dst, err) < 0)
			return mfd < 0 ? cell_fail(err, errno, "%s", m->dst) : -EPERM;
	}
	if (m->tmpcopyup) {
		/* tfd still names the image's directory under the new tmpfs */
		_cleanup_close_ int from = -1, to = -1;

		from = openat(tfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		to = open_in_root(rootfd, m->dst, O_RDONLY | O_DIRECTORY);
		if (from < 0 || to < 0)
			return cell_fail(err, errno, "%s: tmpcopyup", m->dst);
		if (copy_tree(from, to, 0, m->dst, err) < 0)
			return -EIO;
	}
	if (!m->attr_set && !m->attr_clr && !m->propagation)
		return 0;
	if (mfd < 0 && (mfd = open_in_root(rootfd, m->dst, O_PATH)) < 0)
		return cell_fail(err, errno, "%s: open the new mount", m->dst);
	if (m->attr_set || m->attr_clr) {
		struct mount_attr attr = { .attr_set = m->attr_set, .attr_clr = m->attr_clr };

		if (syscall(SYS_mount_setattr, mfd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr,
			    sizeof(attr)) < 0)
			return cell_fail(err, errno, "%s: recursive mount options", m->dst);
	}
	if (m->propagation &&
	    mount(NULL, fd_path(mfd, tp, sizeof(tp)), NULL, m->propagation, NULL) < 0)
		return cell_fail(err, errno, "%s: set propagation", m->dst);
	return 0;
}

static const struct {
	const char *path;
	unsigned major, minor;
} default_devices[] = {
	{ "/dev/null", 1, 3 },	 { "/dev/zero", 1, 5 },	   { "/dev/full", 1, 7 },
	{ "/dev/random", 1, 8 }, { "/dev/urandom", 1, 9 }, { "/dev/tty", 5, 0 },
};

/* A device node: made (real root) or bound from the host's (user
 * namespace, where mknod is not allowed). */
static int make_device(int rootfd, const char *path, char type, unsigned major, unsigned minor,
		       unsigned mode, uint32_t uid, uint32_t gid, bool mknod_ok,
		       struct cell_err *err)
{
	char buf[4096], tp[64], host[4096];
	const char *slash = strrchr(path, '/');
	_cleanup_close_ int dfd = -1, tfd = -1;
	mode_t kind = type == 'b' ? S_IFBLK : type == 'p' ? S_IFIFO : S_IFCHR;

	if (!slash || (size_t)(slash - path) >= sizeof(buf))
		return cell_fail(err, EINVAL, "device %s", path);
	if (mknod_ok) {
		memcpy(buf, path, (size_t)(slash - path));
		buf[slash - path] = '\0';
		dfd = make_in_root(rootfd, *buf ? buf : "/", false, err);
		if (dfd < 0)
			return dfd;
		(void)unlinkat(dfd, slash + 1, 0); /* replace what the image has */
		if (mknodat(dfd, slash + 1, kind | (mode & 07777), makedev(major, minor)) < 0)
			return cell_fail(err, errno, "mknod %s", path);
		if (fchownat(dfd, slash + 1, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
			return cell_fail(err, errno, "chown %s", path);
		return 0;
	}
	tfd = make_in_root(rootfd, path, true, err);
	if (tfd < 0)
		return tfd;
	/* the host's node of that number: at the same path, else in
	 * /dev/char or /dev/block */
	{
		struct stat st;

		if (stat(path, &st) == 0 && (st.st_mode & S_IFMT) == kind &&
		    st.st_rdev == makedev(major, minor))
			snprintf(host, sizeof(host), "%s", path);
		else
			snprintf(host, sizeof(host), "/dev/%s/%u:%u",
				 type == 'b' ? "block" : "char", major, minor);
	}
	if (mount(host, fd_path(tfd, tp, sizeof(tp)), NULL, MS_BIND, NULL) < 0)
		return cell_fail(err, errno, "device %s: bind %s", path, host);
	return 0;
}

static int setup_dev(const struct cell_oci_plan *p, int rootfd, bool mknod_ok, struct cell_err *err)
{
	static const char *const links[][2] = {
		{ "/proc/self/fd", "/dev/fd" },	      { "/proc/self/fd/0", "/dev/stdin" },
		{ "/proc/self/fd/1", "/dev/stdout" }, { "/proc/self/fd/2", "/dev/stderr" },
		{ "pts/ptmx", "/dev/ptmx" },
	};
	_cleanup_close_ int dev = -1;
	int r;

	for (size_t i = 0; i < ELEMENTSOF(default_devices); i++) {
		bool given = false;

		for (size_t j = 0; j < p->n_devices && !given; j++)
			given = strcmp(p->devices[j].path, default_devices[i].path) == 0;
		if (given)
			continue;
		r = make_device(rootfd, default_devices[i].path, 'c', default_devices[i].major,
				default_devices[i].minor, 0666, 0, 0, mknod_ok, err);
		if (r < 0)
			return r;
	}
	for (size_t j = 0; j < p->n_devices; j++) {
		const struct cell_ocirun_device *d = &p->devices[j];

		r = make_device(rootfd, d->path, d->type == 'u' ? 'c' : d->type, d->major, d->minor,
				d->mode, d->uid, d->gid, mknod_ok || d->type == 'p', err);
		if (r < 0)
			return r;
	}
	dev = open_in_root(rootfd, "/dev", O_PATH | O_DIRECTORY);
	if (dev < 0)
		return cell_fail(err, errno, "/dev");
	for (size_t i = 0; i < ELEMENTSOF(links); i++) {
		const char *name = links[i][1] + 5;
		struct stat st;

		/* /dev/ptmx: only where the image or a device list has none */
		if (fstatat(dev, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
			if (strcmp(name, "ptmx") != 0 && !S_ISLNK(st.st_mode))
				(void)unlinkat(dev, name, 0); /* then made below */
			else
				continue;
		}
		if (symlinkat(links[i][0], dev, name) < 0 && errno != EEXIST)
			return cell_fail(err, errno, "symlink %s", links[i][1]);
	}
	return 0;
}

static int write_sysctl(const char *kv, struct cell_err *err)
{
	char path[512];
	const char *eq = strchr(kv, '=');
	size_t k = 0;
	int fd;
	ssize_t n;

	if (!eq || (size_t)(eq - kv) + 11 >= sizeof(path))
		return cell_fail(err, EINVAL, "sysctl %s", kv);
	k = (size_t)snprintf(path, sizeof(path), "/proc/sys/");
	for (const char *c = kv; c < eq; c++)
		path[k++] = *c == '.' ? '/' : *c;
	path[k] = '\0';
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return cell_fail(err, errno, "sysctl %.*s", (int)(eq - kv), kv);
	n = write(fd, eq + 1, strlen(eq + 1));
	close(fd);
	if (n < 0)
		return cell_fail(err, errno, "sysctl %.*s", (int)(eq - kv), kv);
	return 0;
}

/* Masked: /dev/null over a file, an empty read-only tmpfs over a
 * directory.  Read-only: bound on itself, read-only below too. */
static int mask_and_freeze(const struct cell_oci_plan *p, struct cell_err *err)
{
	char tp[64];

	for (char **m = p->masked; m && *m; m++) {
		_cleanup_close_ int fd = open_in_root(AT_FDCWD, *m, O_PATH);
		struct stat st;

		if (fd < 0 && errno == ENOENT)
			continue;
		if (fd < 0 || fstat(fd, &st) < 0)
			return cell_fail(err, errno, "maskedPaths %s", *m);
		fd_path(fd, tp, sizeof(tp));
		if (S_ISDIR(st.st_mode)) {
			if (mount("tmpfs", tp, "tmpfs",
				  MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=0") < 0)
				return cell_fail(err, errno, "maskedPaths %s", *m);
		} else if (mount("/dev/null", tp, NULL, MS_BIND, NULL) < 0) {
			return cell_fail(err, errno, "maskedPaths %s", *m);
		}
	}
	for (char **m = p->readonly; m && *m; m++) {
		_cleanup_close_ int fd = open_in_root(AT_FDCWD, *m, O_PATH), mfd = -1;

		if (fd < 0 && errno == ENOENT)
			continue;
		if (fd < 0)
			return cell_fail(err, errno, "readonlyPaths %s", *m);
		if (mount(fd_path(fd, tp, sizeof(tp)), tp, NULL, MS_BIND | MS_REC, NULL) < 0)
			return cell_fail(err, errno, "readonlyPaths %s", *m);
		mfd = open_in_root(AT_FDCWD, *m, O_PATH);
		if (mfd < 0)
			return cell_fail(err, errno, "readonlyPaths %s", *m);
		if (make_readonly(mfd, *m, err) < 0)
			return -EPERM;
	}
	return 0;
}

static int setup_rootfs(const struct cell_oci_plan *p, int sock, bool mknod_ok,
			struct cell_err *err)
{
	_cleanup_close_ int rootfd = -1;
	unsigned long prop = p->rootfs_propagation ? p->rootfs_propagation : MS_SLAVE | MS_REC;

	/* Nothing done here may reach the host's mounts; a shared
	 * propagation asked for is set on the new root after the pivot. */
	if (mount(NULL, "/", NULL, (prop & MS_SHARED) ? MS_PRIVATE | MS_REC : prop, NULL) < 0)
		return cell_fail(err, errno, "make the mounts private");
	if (mount(p->rootfs, p->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
		return cell_fail(err, errno, "root %s: bind", p->rootfs);
	rootfd = open(p->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return cell_fail(err, errno, "root %s", p->rootfs);
	for (size_t i = 0; i < p->n_mounts; i++) {
		int r = do_mount(p, &p->mounts[i], rootfd, err);

		if (r < 0)
			return r;
	}
	if (setup_dev(p, rootfd, mknod_ok, err) < 0)
		return -EINVAL;
	if (p->sync_before_pivot) {
		/* the hooks that run before pivot_root (the parent's) */
		struct cell_msg msg = { .type = CELL_MSG_READY, .status = 1 };
		size_t nfds = 0;

		if (cell_sync_send(sock, &msg, NULL, 0) < 0 ||
		    cell_sync_recv(sock, &msg, NULL, 0, &nfds) <= 0 || msg.type != CELL_MSG_GO)
			_exit(CELL_EXIT_SETUP); /* the parent failed and says why */
	}
	/* pivot_root(".", "."): the old root ends up on top, detached next */
	if (fchdir(rootfd) < 0 || syscall(SYS_pivot_root, ".", ".") < 0)
		return cell_fail(err, errno, "pivot_root into %s", p->rootfs);
	if (umount2(".", MNT_DETACH) < 0 || chdir("/") < 0)
		return cell_fail(err, errno, "detach the old root");
	if ((prop & MS_SHARED) && mount(NULL, "/", NULL, prop, NULL) < 0)
		return cell_fail(err, errno, "rootfsPropagation");
	if (mask_and_freeze(p, err) < 0)
		return -EPERM;
	for (char **s = p->sysctl; s && *s; s++)
		if (write_sysctl(*s, err) < 0)
			return -EPERM;
	if (p->root_readonly &&
	    mount(NULL, "/", NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | locked_flags("/"), NULL) < 0)
		return cell_fail(err, errno, "root.readonly");
	return 0;
}

/* ---- the process: terminal, limits, identity, filter, executable ---- */

static int capset3(uint64_t eff, uint64_t perm, uint64_t inh)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2] = {
		{ (uint32_t)eff, (uint32_t)perm, (uint32_t)inh },
		{ (uint32_t)(eff >> 32), (uint32_t)(perm >> 32), (uint32_t)(inh >> 32) },
	};

	return (int)syscall(SYS_capset, &h, d);
}

/* The pty: made in the container's devpts, the slave becomes stdio and
 * the controlling terminal (and /dev/console), the master goes up. */
static int setup_terminal(int sock, const struct cell_oci_proc *proc, bool console,
			  struct cell_err *err)
{
	struct cell_msg msg = { .type = CELL_MSG_PTY };
	int unlock = 0, master, slave;
	unsigned ptn = 0;

	master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0 || ioctl(master, TIOCSPTLCK, &unlock) < 0 ||
	    ioctl(master, TIOCGPTN, &ptn) < 0)
		return cell_fail(err, errno, "open a pseudo-terminal (/dev/ptmx)");
	slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY);
	if (slave < 0)
		return cell_fail(err, errno, "open the pseudo-terminal's peer");
	if (proc->console_rows && proc->console_cols) {
		struct winsize ws = { .ws_row = proc->console_rows, .ws_col = proc->console_cols };

		if (ioctl(master, TIOCSWINSZ, &ws) < 0)
			return cell_fail(err, errno, "process.consoleSize");
	}
	/* the process's own terminal; harmless where the id is not mapped */
	if (fchown(slave, proc->uid, (gid_t)-1) < 0) {
		/* an id the namespace does not map: the terminal stays root's */
	}
	if (console) {
		char pts[64];
		_cleanup_close_ int cfd = -1;

		snprintf(pts, sizeof(pts), "/dev/pts/%u", ptn);
		cfd = make_in_root(AT_FDCWD, "/dev/console", true, err);
		if (cfd < 0)
			return cfd;
		if (mount(pts, fd_path(cfd, (char[64]){ 0 }, 64), NULL, MS_BIND, NULL) < 0)
			return cell_fail(err, errno, "bind the terminal on /dev/console");
	}
	if (cell_sync_send(sock, &msg, &master, 1) < 0)
		return cell_fail(err, errno, "send the pseudo-terminal");
	close(master);
	if (ioctl(slave, TIOCSCTTY, 0) < 0 || dup2(slave, 0) < 0 || dup2(slave, 1) < 0 ||
	    dup2(slave, 2) < 0)
		return cell_fail(err, errno, "attach the terminal");
	if (slave > 2)
		close(slave);
	return 0;
}

static int load_seccomp(const struct cell_oci_proc *proc, struct cell_err *err)
{
	if (proc->seccomp.len == 0)
		return 0;
	return cell_seccomp_apply(&proc->seccomp, err);
}

/* Where the command is (PATH from its own environment), checked as the
 * process's final user; status 127/126 as runc and the shell do. */
static char exec_path[4096];

static int lookup(const struct cell_oci_proc *proc, struct cell_err *err)
{
	const char *cmd = proc->args[0], *path = NULL;

	if (strchr(cmd, '/')) {
		if (strlen(cmd) >= sizeof(exec_path))
			return cell_fail(err, ENAMETOOLONG, "exec %s", cmd);
		strcpy(exec_path, cmd);
		if (access(exec_path, X_OK) < 0) {
			int e = errno;

			err->status = e == ENOENT ? CELL_EXIT_NOT_FOUND : CELL_EXIT_CANNOT_EXEC;
			cell_fail(err, e, "exec %s", cmd);
			err->status = e == ENOENT ? CELL_EXIT_NOT_FOUND : CELL_EXIT_CANNOT_EXEC;
			return -e;
		}
		return 0;
	}
	for (char **e = proc->env; e && *e; e++)
		if (strncmp(*e, "PATH=", 5) == 0)
			path = *e + 5;
	if (!path)
		path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	for (const char *d = path; *d;) {
		size_t n = strcspn(d, ":");

		if (n > 0 && n + strlen(cmd) + 2 <= sizeof(exec_path)) {
			struct stat st;

			memcpy(exec_path, d, n);
			exec_path[n] = '/';
			strcpy(exec_path + n + 1, cmd);
			if (stat(exec_path, &st) == 0 && S_ISREG(st.st_mode) &&
			    access(exec_path, X_OK) == 0)
				return 0;
		}
		d += n;
		if (*d == ':')
			d++;
	}
	cell_fail(err, ENOENT, "exec: \"%s\": executable file not found in $PATH", cmd);
	err->status = CELL_EXIT_NOT_FOUND;
	return -ENOENT;
}

/* Everything of the process after the root: the spec's order. */
static int setup_process(int sock, const struct cell_oci_proc *proc, bool console,
			 struct cell_err *err)
{
	sigset_t none;
	int r;

	/* Default dispositions and no blocked signal: what the caller ignored
	 * (podman's cleanup process blocks SIGUSR1) is not the container's
	 * business. */
	cell_signals_default();
	sigemptyset(&none);
	if (sigprocmask(SIG_SETMASK, &none, NULL) < 0)
		return cell_fail(err, errno, "restore the signal mask");

	if (proc->terminal && (r = setup_terminal(sock, proc, console, err)) < 0)
		return r;
	if (proc->cwd && chdir(proc->cwd) < 0)
		return cell_fail(err, errno, "process.cwd %s", proc->cwd);
	umask(proc->has_umask ? proc->umask : 022);
	if (cell_rlimits_apply(&proc->rlimits, err) < 0)
		return -EPERM;
	if (proc->has_oom_score_adj) {
		char v[16];
		int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
		int n = snprintf(v, sizeof(v), "%d", proc->oom_score_adj);

		if (fd < 0 || write(fd, v, (size_t)n) != n) {
			r = cell_fail(err, errno, "process.oomScoreAdj %d", proc->oom_score_adj);
			if (fd >= 0)
				close(fd);
			return r;
		}
		close(fd);
	}
	/* Without no_new_privs only CAP_SYS_ADMIN allows a filter: load it
	 * now, while the process still has it (runc does the same). */
	if (!proc->no_new_privs && (r = load_seccomp(proc, err)) < 0)
		return r;
	for (int cap = 0; cap <= 63; cap++) {
		if (proc->cap_bounding & (1ull << cap))
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
			if (errno == EINVAL)
				break; /* past the kernel's last capability */
			return cell_fail(err, errno, "drop capability %d from the bounding set",
					 cap);
		}
	}
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return cell_fail(err, errno, "keep capabilities");
	if (setgroups(proc->n_groups, proc->groups) < 0 && !(errno == EPERM && !proc->n_groups))
		return cell_fail(err, errno, "process.user.additionalGids");
	if (setresgid(proc->gid, proc->gid, proc->gid) < 0)
		return cell_fail(err, errno, "process.user.gid %u", proc->gid);
	if (setresuid(proc->uid, proc->uid, proc->uid) < 0)
		return cell_fail(err, errno, "process.user.uid %u", proc->uid);
	if (capset3(proc->cap_effective, proc->cap_permitted, proc->cap_inheritable) < 0)
		return cell_fail(err, errno, "process.capabilities");
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return cell_fail(err, errno, "clear ambient capabilities");
	for (int cap = 0; cap <= 63; cap++)
		if (proc->cap_ambient & (1ull << cap))
			/* only within permitted and inheritable: fewer is never more */
			(void)prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0);
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
		return cell_fail(err, errno, "keep capabilities");
	if (proc->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return cell_fail(err, errno, "process.noNewPrivileges");
	if (proc->no_new_privs && (r = load_seccomp(proc, err)) < 0)
		return r;
	return lookup(proc, err);
}

__attribute__((noreturn)) static void exec_now(const struct cell_oci_proc *proc)
{
	int e;

	execve(exec_path, proc->args, proc->env);
	e = errno;
	/* nobody to tell but the container's own stderr */
	dprintf(2, "cell-oci: exec %s: %s\n", exec_path, strerror(e));
	_exit(e == ENOENT ? CELL_EXIT_NOT_FOUND : CELL_EXIT_CANNOT_EXEC);
}

/* ---- create ---- */

struct child_ctx {
	const struct cell_oci_plan *p;
	int sock, fifo_fd;
	bool console;
	bool mknod_ok; /* device nodes can be made (host root, no user namespace) */
};

static uint64_t seccomp_insns[4096];

static void receive_seccomp(int sock, struct cell_oci_proc *proc)
{
	struct cell_err err = { 0 };
	int r = cell_sync_recv_prog(sock, seccomp_insns, ELEMENTSOF(seccomp_insns), &proc->seccomp,
				    &err);

	if (r == 0)
		_exit(CELL_EXIT_SETUP); /* the parent failed and says why */
	if (r < 0)
		DIE(sock, &err);
}

static int close_fds(int keep_upto, int a, int b)
{
	int lo = keep_upto + 1;
	int k[2] = { a < b ? a : b, a < b ? b : a };

	for (int i = 0; i < 2; i++) {
		if (k[i] < lo)
			continue;
		if (k[i] > lo && close_range((unsigned)lo, (unsigned)k[i] - 1, 0) < 0)
			return -errno;
		lo = k[i] + 1;
	}
	return close_range((unsigned)lo, ~0U, 0) < 0 ? -errno : 0;
}

__attribute__((noreturn)) static void child_main(struct child_ctx *c)
{
	const struct cell_oci_plan *p = c->p;
	struct cell_oci_proc proc = p->proc; /* a copy: the filter lands in it */
	struct cell_err err = { 0 };
	struct cell_msg msg;
	size_t nfds = 0;
	char fifo[64];
	int fd;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid() == 1) {
		cell_fail(&err, errno, "set parent-death signal");
		DIE(c->sock, &err);
	}
	if (close_fds(2 + p->preserve_fds, c->sock, c->fifo_fd) < 0) {
		cell_fail(&err, errno, "close inherited file descriptors");
		DIE(c->sock, &err);
	}
	if (setsid() < 0) {
		cell_fail(&err, errno, "setsid");
		DIE(c->sock, &err);
	}
	if (cell_sync_recv(c->sock, &msg, NULL, 0, &nfds) <= 0 || msg.type != CELL_MSG_GO)
		_exit(CELL_EXIT_SETUP); /* the parent failed and says why */
	if (proc.seccomp.len)
		receive_seccomp(c->sock, &proc);
	/* root of a new user namespace: the mapped 0 (maps written by now) */
	if ((p->new_ns & CELL_NS_BIT(CELL_NS_USER)) &&
	    (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)) {
		cell_fail(&err, errno, "become root in the user namespace (is 0 mapped?)");
		DIE(c->sock, &err);
	}
	if (p->hostname && sethostname(p->hostname, strlen(p->hostname)) < 0) {
		cell_fail(&err, errno, "hostname %s", p->hostname);
		DIE(c->sock, &err);
	}
	if (p->domainname && setdomainname(p->domainname, strlen(p->domainname)) < 0) {
		cell_fail(&err, errno, "domainname %s", p->domainname);
		DIE(c->sock, &err);
	}
	if (setup_rootfs(p, c->sock, c->mknod_ok, &err) < 0)
		DIE(c->sock, &err);
	if (setup_process(c->sock, &proc, c->console, &err) < 0)
		DIE(c->sock, &err);
	msg = (struct cell_msg){ .type = CELL_MSG_READY };
	if (cell_sync_send(c->sock, &msg, NULL, 0) < 0)
		_exit(CELL_EXIT_SETUP);
	/* detach: the parent may now exit without taking us along */
	if (cell_sync_recv(c->sock, &msg, NULL, 0, &nfds) <= 0 || msg.type != CELL_MSG_GO)
		_exit(CELL_EXIT_SETUP);
	if (prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0) < 0)
		_exit(CELL_EXIT_SETUP);
	close(c->sock);
	/* /proc/self/fd of a process that changed its ids is root's until it
	 * is dumpable again (execve decides that anew a moment later) */
	if (proc.uid != 0 && prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0)
		_exit(CELL_EXIT_SETUP);
	/* blocks until `start` opens the fifo for reading */
	fd = open(fd_path(c->fifo_fd, fifo, sizeof(fifo)), O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "0", 1) != 1) {
		dprintf(2, "cell-oci: open the exec fifo: %s\n", strerror(errno));
		_exit(CELL_EXIT_SETUP);
	}
	close(fd);
	close(c->fifo_fd);
	exec_now(&proc);
}

static int send_seccomp(int sock, const struct cell_seccomp_prog *prog, struct cell_err *err)
{
	int r = prog->len ? cell_sync_send_prog(sock, prog) : 0;

	return r < 0 ? cell_fail(err, -r, "send the seccomp filter") : 0;
}

/* The pty master to the client's console socket, as runc sends it. */
static int send_console(int console_fd, int master, struct cell_err *err)
{
	char name[] = "/dev/ptmx";
	struct iovec iov = { .iov_base = name, .iov_len = sizeof(name) };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} u = { 0 };
	struct msghdr mh = { .msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = u.buf,
			     .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &master, sizeof(int));
	if (sendmsg(console_fd, &mh, MSG_NOSIGNAL) < 0)
		return cell_fail(err, errno, "--console-socket: send the terminal");
	return 0;
}

static int write_maps(const struct cell_oci_plan *p, pid_t pid, struct cell_err *err)
{
	struct cell_idmap_plan ids = { 0 };
	bool own = p->n_uid_map == 1 && p->n_gid_map == 1 && p->uid_map[0].count == 1 &&
		   p->gid_map[0].count == 1 && p->uid_map[0].outside == geteuid() &&
		   p->gid_map[0].outside == getegid();

	if (p->n_uid_map > CELL_IDMAP_LINES_MAX || p->n_gid_map > CELL_IDMAP_LINES_MAX)
		return cell_fail(err, E2BIG, "linux.uidMappings: at most %d lines",
				 CELL_IDMAP_LINES_MAX);
	if (!p->n_uid_map || !p->n_gid_map)
		return cell_fail(err, EINVAL,
				 "a new user namespace needs linux.uidMappings and "
				 "gidMappings");
	ids.writer = geteuid() == 0 || own ? CELL_IDMAP_PARENT : CELL_IDMAP_HELPER;
	ids.setgroups_deny = geteuid() != 0 && own;
	memcpy(ids.uid_map, p->uid_map, sizeof(ids.uid_map[0]) * p->n_uid_map);
	memcpy(ids.gid_map, p->gid_map, sizeof(ids.gid_map[0]) * p->n_gid_map);
	ids.n_uid_map = p->n_uid_map;
	ids.n_gid_map = p->n_gid_map;
	return cell_idmap_write_parent(pid, &ids, err);
}

static void kill_reap(pid_t pid, int pidfd)
{
	(void)syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
	(void)waitpid(pid, NULL, 0);
}

int cell_oci_create(const struct cell_oci_plan *p, int fifo_fd, int cgroup_fd,
		    const struct cell_oci_create_cb *cb, int console_fd, struct cell_oci_child *ret,
		    struct cell_err *err)
{
	int home[CELL_NS_MAX], join[CELL_NS_MAX];
	struct clone_args args = { 0 };
	struct child_ctx ctx = { .p = p, .fifo_fd = fifo_fd, .console = p->proc.terminal,
				 .mknod_ok = cell_oci_host_root() &&
					     !(p->new_ns & CELL_NS_BIT(CELL_NS_USER)) &&
					     !p->ns_path[CELL_NS_USER] };
	int sp[2] = { -1, -1 }, pidfd = -1, r = 0;
	pid_t pid = -1;

	*ret = (struct cell_oci_child){ .pid = -1, .pidfd = -1, .sock = -1, .pty_master = -1 };
	for (int t = 0; t < CELL_NS_MAX; t++)
		home[t] = join[t] = -1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
		return cell_fail(err, errno, "socketpair");
	/* Namespaces given by path: the child is born in them (the parent
	 * joins around clone3), as with --net NAME in launch.c. */
	for (int t = 0; t < CELL_NS_MAX && r == 0; t++) {
		char self[64];

		if (!p->ns_path[t])
			continue;
		snprintf(self, sizeof(self), "/proc/self/ns/%s",
			 t == CELL_NS_PID    ? "pid_for_children"
			 : t == CELL_NS_TIME ? "time_for_children"
					     : cell_ns_name(t));
		if (t == CELL_NS_NET)
			snprintf(self, sizeof(self), "/proc/self/ns/net");
		join[t] = open(p->ns_path[t], O_RDONLY | O_CLOEXEC);
		home[t] = open(self, O_RDONLY | O_CLOEXEC);
		if (join[t] < 0 || home[t] < 0)
			r = cell_fail(err, errno, "linux.namespaces: open %s",
				      join[t] < 0 ? p->ns_path[t] : self);
		else if (setns(join[t], (int)ns_flag[t]) < 0)
			r = cell_fail(err, errno, "linux.namespaces: join %s", p->ns_path[t]);
	}
	if (r == 0) {
		for (int t = 0; t < CELL_NS_MAX; t++)
			if (p->new_ns & CELL_NS_BIT(t))
				args.flags |= ns_flag[t];
		args.flags |= CLONE_PIDFD;
		args.pidfd = (uint64_t)(uintptr_t)&pidfd;
		args.exit_signal = SIGCHLD;
		if (cgroup_fd >= 0) {
			args.flags |= CLONE_INTO_CGROUP;
			args.cgroup = (uint64_t)cgroup_fd;
		}
		pid = (pid_t)syscall(SYS_clone3, &args, sizeof(args));
		if (pid == 0) {
			close(sp[0]);
			ctx.sock = sp[1];
			child_main(&ctx);
		}
		if (pid < 0)
			r = cell_fail(err, errno, "clone3 (create the container's namespaces)");
	}
	for (int t = 0; t < CELL_NS_MAX; t++) {
		if (home[t] >= 0 && setns(home[t], (int)ns_flag[t]) < 0 && r == 0) {
			/* stuck in the container's namespace: stop here */
			r = cell_fail(err, errno, "return to the runtime's namespaces");
			if (pid > 0)
				kill_reap(pid, pidfd);
		}
		if (home[t] >= 0)
			close(home[t]);
		if (join[t] >= 0)
			close(join[t]);
	}
	close(sp[1]);
	if (r < 0) {
		close(sp[0]);
		if (pidfd >= 0)
			close(pidfd);
		return r;
	}
	ret->pid = pid;
	ret->pidfd = pidfd;
	ret->sock = sp[0];
	if (cb && cb->attach && (r = cb->attach(pid, cb->arg, err)) < 0)
		goto fail;
	if ((p->new_ns & CELL_NS_BIT(CELL_NS_USER)) && (r = write_maps(p, pid, err)) < 0)
		goto fail;
	{
		struct cell_msg go = { .type = CELL_MSG_GO };

		if (cell_sync_send(ret->sock, &go, NULL, 0) < 0) {
			r = cell_fail(err, errno, "release the container");
			goto fail;
		}
	}
	if ((r = send_seccomp(ret->sock, &p->proc.seccomp, err)) < 0)
		goto fail;
	for (;;) {
		struct cell_msg msg;
		int fd = -1;
		size_t nfds = 0;

		r = cell_sync_recv(ret->sock, &msg, &fd, 1, &nfds);
		if (r <= 0) {
			siginfo_t si = { 0 };

			(void)waitid(P_PIDFD, (id_t)pidfd, &si, WEXITED | WNOWAIT);
			r = cell_fail(err, r < 0 ? -r : 0,
				      "the container's process ended while it "
				      "was set up");
			goto fail;
		}
		if (msg.type == CELL_MSG_ERROR) {
			*err = msg.err;
			r = -(err->errnum > 0 ? err->errnum : EINVAL);
			goto fail;
		}
		if (msg.type == CELL_MSG_PTY && nfds == 1) {
			if (console_fd >= 0) {
				r = send_console(console_fd, fd, err);
				close(fd);
				if (r < 0)
					goto fail;
			} else {
				ret->pty_master = fd;
			}
			continue;
		}
		if (nfds == 1)
			close(fd);
		if (msg.type == CELL_MSG_READY && msg.status == 1) {
			struct cell_msg go = { .type = CELL_MSG_GO };

			if (cb && cb->before_pivot && (r = cb->before_pivot(pid, cb->arg, err)) < 0)
				goto fail;
			if (cell_sync_send(ret->sock, &go, NULL, 0) < 0) {
				r = cell_fail(err, errno, "release the container");
				goto fail;
			}
			continue;
		}
		if (msg.type == CELL_MSG_READY)
			return 0;
	}
fail:
	kill_reap(ret->pid, ret->pidfd);
	close(ret->pidfd);
	close(ret->sock);
	if (ret->pty_master >= 0)
		close(ret->pty_master);
	*ret = (struct cell_oci_child){ .pid = -1, .pidfd = -1, .sock = -1, .pty_master = -1 };
	return r;
}

int cell_oci_detach(struct cell_oci_child *c, struct cell_err *err)
{
	struct cell_msg go = { .type = CELL_MSG_GO }, msg;
	size_t nfds = 0;

	if (c->sock < 0)
		return 0;
	if (cell_sync_send(c->sock, &go, NULL, 0) < 0)
		return cell_fail(err, errno, "detach from the container");
	/* its end closes once it no longer dies with us */
	while (cell_sync_recv(c->sock, &msg, NULL, 0, &nfds) > 0)
		;
	close(c->sock);
	c->sock = -1;
	return 0;
}

int cell_oci_start(int state_dirfd, const char *fifo_name, struct cell_err *err)
{
	char b;
	int fd = openat(state_dirfd, fifo_name, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	struct pollfd pfd;
	ssize_t n;

	if (fd < 0)
		return cell_fail(err, errno, "the container is not waiting to start");
	/* The writer is blocked in open(2) and finishes it now; wait for its
	 * byte (it may still be on its way). */
	pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
	for (int i = 0; i < 100; i++) {
		n = read(fd, &b, 1);
		if (n == 1)
			break;
		if (n < 0 && errno != EAGAIN) {
			int e = errno;

			close(fd);
			return cell_fail(err, e, "read the exec fifo");
		}
		(void)poll(&pfd, 1, 50);
	}
	close(fd);
	if (n != 1)
		return cell_fail(err, ESRCH, "the container's process did not start");
	(void)unlinkat(state_dirfd, fifo_name, 0); /* started: state says "running" */
	return 0;
}

/* ---- exec ---- */

/* CLONE_NEW* of the namespaces where pid is not where we are. */
static int ns_differ(pid_t pid)
{
	static const char *const names[] = { "user", "mnt", "pid", "net", "ipc", "uts", "cgroup",
					     "time" };
	int flags = 0;

	for (int t = 0; t < CELL_NS_MAX; t++) {
		char a[64], b[64];
		struct stat sa, sb;

		snprintf(a, sizeof(a), "/proc/self/ns/%s", names[t]);
		snprintf(b, sizeof(b), "/proc/%d/ns/%s", (int)pid, names[t]);
		if (stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_ino != sb.st_ino)
			flags |= (int)ns_flag[t];
	}
	return flags;
}

int cell_oci_join(pid_t pid, uint64_t start_time, struct cell_err *err)
{
	_cleanup_close_ int pidfd = cell_proc_pidfd(pid, start_time);
	int flags;

	if (pidfd < 0)
		return cell_fail(err, -pidfd, "the container's process %d is gone", (int)pid);
	flags = ns_differ(pid);
	if (flags && setns(pidfd, flags) < 0)
		return cell_fail(err, errno, "join the container's namespaces");
	return 0;
}

__attribute__((noreturn)) static void exec_child(int sock, const struct cell_oci_proc *proc0,
						 bool console)
{
	struct cell_oci_proc proc = *proc0;
	struct cell_err err = { 0 };
	struct cell_msg msg;
	size_t nfds = 0;

	if (cell_sync_recv(sock, &msg, NULL, 0, &nfds) <= 0 || msg.type != CELL_MSG_GO)
		_exit(CELL_EXIT_SETUP);
	if (proc.seccomp.len)
		receive_seccomp(sock, &proc);
	if (setsid() < 0) {
		cell_fail(&err, errno, "setsid");
		DIE(sock, &err);
	}
	if (setup_process(sock, &proc, console, &err) < 0)
		DIE(sock, &err);
	msg = (struct cell_msg){ .type = CELL_MSG_READY };
	if (cell_sync_send(sock, &msg, NULL, 0) < 0)
		_exit(CELL_EXIT_SETUP);
	/* the socket is close-on-exec: its end closing says "exec'd" */
	execve(exec_path, proc.args, proc.env);
	cell_fail(&err, errno, "exec %s", exec_path);
	err.status = errno == ENOENT ? CELL_EXIT_NOT_FOUND : CELL_EXIT_CANNOT_EXEC;
	DIE(sock, &err);
}

int cell_oci_exec(pid_t pid, uint64_t start_time, const struct cell_oci_proc *proc,
		  const char *const *cgroup_procs, int console_fd, int preserve_fds, bool detach,
		  pid_t *ret_pid, struct cell_err *err)
{
	_cleanup_close_ int pidfd = -1;
	int sp[2] = { -1, -1 }, flags = 0, r, status;
	pid_t mid, child = -1;

	pidfd = cell_proc_pidfd(pid, start_time);
	if (pidfd < 0)
		return cell_fail(err, -pidfd, "the container's process %d is gone", (int)pid);
	flags = ns_differ(pid);
	/* a double fork puts the process into the pid namespace; as the
	 * subreaper we get it back when the middle process exits */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
		return cell_fail(err, errno, "become a subreaper");
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
		return cell_fail(err, errno, "socketpair");
	mid = fork();
	if (mid < 0) {
		r = cell_fail(err, errno, "fork");
		close(sp[0]);
		close(sp[1]);
		return r;
	}
	if (mid == 0) {
		pid_t c;
		struct cell_err e = { 0 };

		close(sp[0]);
		if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 ||
		    close_fds(2 + preserve_fds, sp[1], pidfd) < 0 || setns(pidfd, flags) < 0) {
			cell_fail(&e, errno, "join the container's namespaces");
			DIE(sp[1], &e);
		}
		c = fork();
		if (c < 0) {
			cell_fail(&e, errno, "fork");
			DIE(sp[1], &e);
		}
		if (c == 0)
			exec_child(sp[1], proc, false);
		{
			struct cell_msg m = { .type = CELL_MSG_STATUS, .status = c };

			(void)cell_sync_send(sp[1], &m, NULL, 0);
		}
		_exit(0);
	}
	close(sp[1]);
	/* the middle one says who the process is, then exits */
	for (;;) {
		struct cell_msg m;
		size_t nfds = 0;

		r = cell_sync_recv(sp[0], &m, NULL, 0, &nfds);
		if (r <= 0) {
			r = cell_fail(err, EPROTO, "exec: the helper process failed");
			break;
		}
		if (m.type == CELL_MSG_ERROR) {
			*err = m.err;
			r = -(err->errnum > 0 ? err->errnum : EINVAL);
			break;
		}
		if (m.type == CELL_MSG_STATUS) {
			child = (pid_t)m.status;
			r = 0;
			break;
		}
	}
	(void)waitpid(mid, NULL, 0);
	if (r < 0) {
		close(sp[0]);
		return r;
	}
	for (const char *const *c = cgroup_procs; c && *c; c++) {
		char v[16];
		int fd = open(*c, O_WRONLY | O_CLOEXEC);
		int n = snprintf(v, sizeof(v), "%d", (int)child);

		if (fd < 0 || write(fd, v, (size_t)n) != n) {
			r = cell_fail(err, errno, "exec: join the container's cgroup %s", *c);
			if (fd >= 0)
				close(fd);
			goto fail;
		}
		close(fd);
	}
	{
		struct cell_msg go = { .type = CELL_MSG_GO };

		if (cell_sync_send(sp[0], &go, NULL, 0) < 0 ||
		    (r = send_seccomp(sp[0], &proc->seccomp, err)) < 0) {
			r = r < 0 ? r : cell_fail(err, errno, "exec: release the process");
			goto fail;
		}
	}
	for (;;) {
		struct cell_msg m;
		int fd = -1;
		size_t nfds = 0;

		r = cell_sync_recv(sp[0], &m, &fd, 1, &nfds);
		if (r == 0)
			break; /* exec'd */
		if (r < 0) {
			r = cell_fail(err, -r, "exec");
			goto fail;
		}
		if (m.type == CELL_MSG_ERROR) {
			*err = m.err;
			r = -(err->errnum > 0 ? err->errnum : EINVAL);
			(void)waitpid(child, NULL, 0);
			close(sp[0]);
			return r;
		}
		if (m.type == CELL_MSG_PTY && nfds == 1) {
			if (console_fd >= 0 && (r = send_console(console_fd, fd, err)) < 0) {
				close(fd);
				goto fail;
			}
			close(fd);
		} else if (nfds == 1) {
			close(fd);
		}
	}
	close(sp[0]);
	*ret_pid = child;
	if (detach)
		return 0;
	while (waitpid(child, &status, 0) < 0)
		if (errno != EINTR)
			return cell_fail(err, errno, "wait for the process");
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
fail:
	(void)kill(child, SIGKILL);
	(void)waitpid(child, NULL, 0);
	close(sp[0]);
	return r;
}
