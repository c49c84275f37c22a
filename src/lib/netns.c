/* netns.c - named network namespaces, kept where iproute2 keeps them.
 *
 * Man pages: ip-netns(8), network_namespaces(7), setns(2), unshare(2),
 * mount(2), mount_namespaces(7).
 *
 * Order matters in cell_netns_add(): /run/netns becomes a shared mount
 * point first, then the empty file is created exclusively (that is what
 * claims the name), and only then a child makes the namespace and binds it
 * onto the file.  A failure after the file exists removes the file again.
 */
#define _GNU_SOURCE
#include "netns.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "net.h"

int cell_netns_name_check(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || strcmp(name, ".") == 0 || strcmp(name, "..") == 0 || strchr(name, '/'))
		return -EINVAL;
	if (n > NAME_MAX)
		return -ENAMETOOLONG;
	return 0;
}

static int check_name(const char *name, struct cell_err *err)
{
	int r = cell_netns_name_check(name);

	if (r == -ENAMETOOLONG)
		return cell_fail(err, 0, "network namespace name too long (%zu bytes, at most %d)",
				 strlen(name), NAME_MAX);
	if (r < 0)
		return cell_fail(err, 0,
				 "'%s' is not a network namespace name (no '/', not '.' or '..')",
				 name);
	return 0;
}

/* Make /run/netns a mount point of its own with shared propagation, as
 * iproute2 does.  A namespace bound there then shows up in every mount
 * namespace that has a copy of /run/netns, and its unmount reaches them all,
 * so deleting a name really lets the namespace go.  The first call binds
 * the directory onto itself; later ones find a mount point and only repeat
 * MS_SHARED, which changes nothing. */
static int make_dir(struct cell_err *err)
{
	if (mkdir(CELL_NETNS_DIR, 0755) < 0 && errno != EEXIST)
		return cell_fail(err, errno, "create %s", CELL_NETNS_DIR);
	if (mount("", CELL_NETNS_DIR, NULL, MS_SHARED | MS_REC, NULL) == 0)
		return 0;
	if (errno != EINVAL) /* EINVAL: not a mount point yet */
		return cell_fail(err, errno, "make %s a shared mount", CELL_NETNS_DIR);
	if (mount(CELL_NETNS_DIR, CELL_NETNS_DIR, NULL, MS_BIND | MS_REC, NULL) < 0)
		return cell_fail(err, errno, "bind %s onto itself", CELL_NETNS_DIR);
	if (mount("", CELL_NETNS_DIR, NULL, MS_SHARED | MS_REC, NULL) < 0)
		return cell_fail(err, errno, "make %s a shared mount", CELL_NETNS_DIR);
	return 0;
}

/* The child: a new network namespace with lo up, bound onto path.  It
 * reports a failure as a struct cell_err on fd and exits. */
static __attribute__((noreturn)) void child_make(const char *path, int fd)
{
	struct cell_err err = { 0 };

	if (unshare(CLONE_NEWNET) < 0)
		cell_fail(&err, errno, "create network namespace");
	else if (cell_net_lo_up(&err) < 0)
		cell_err_prefix(&err, "new network namespace");
	else if (mount("/proc/self/ns/net", path, NULL, MS_BIND, NULL) < 0)
		cell_fail(&err, errno, "bind the namespace onto %s", path);
	else
		_exit(0);
	(void)!write(fd, &err, sizeof(err));
	_exit(CELL_EXIT_SETUP);
}

static int spawn_make(const char *path, struct cell_err *err)
{
	struct cell_err child_err = { 0 };
	int p[2], status;
	ssize_t n;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return cell_fail(err, errno, "pipe");
	pid = fork();
	if (pid < 0) {
		int e = errno;

		close(p[0]);
		close(p[1]);
		return cell_fail(err, e, "fork");
	}
	if (pid == 0) {
		close(p[0]);
		child_make(path, p[1]);
	}
	close(p[1]);
	do
		n = read(p[0], &child_err, sizeof(child_err));
	while (n < 0 && errno == EINTR);
	close(p[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return cell_fail(err, errno, "wait for the namespace helper");
	if (n == (ssize_t)sizeof(child_err)) {
		child_err.msg[sizeof(child_err.msg) - 1] = '\0';
		*err = child_err;
		return child_err.errnum > 0 ? -child_err.errnum : -EINVAL;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return cell_fail(err, 0, "the namespace helper failed (status %d)", status);
	return 0;
}

int cell_netns_add(const char *name, struct cell_err *err)
{
	_cleanup_close_ int dfd = -1, fd = -1;
	char path[sizeof(CELL_NETNS_DIR) + NAME_MAX + 1];
	int r;

	r = check_name(name, err);
	if (r < 0)
		return r;
	r = make_dir(err);
	if (r < 0)
		return r;
	dfd = open(CELL_NETNS_DIR, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return cell_fail(err, errno, "open %s", CELL_NETNS_DIR);
	/* Creating the file exclusively is what claims the name.  Mode 0, as
	 * iproute2's: the file only serves as a mount point. */
	fd = openat(dfd, name, O_RDONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0);
	if (fd < 0) {
		if (errno == EEXIST)
			return cell_fail(err, 0, "network namespace '%s' already exists", name);
		return cell_fail(err, errno, "create %s/%s", CELL_NETNS_DIR, name);
	}
	snprintf(path, sizeof(path), "%s/%s", CELL_NETNS_DIR, name);
	r = spawn_make(path, err);
	if (r < 0) {
		/* The child binds last, so on failure the file is still empty;
		 * the umount only covers a helper killed after binding. */
		(void)umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW);
		(void)unlinkat(dfd, name, 0);
		return r;
	}
	return 0;
}

int cell_netns_del(const char *name, struct cell_err *err)
{
	char path[sizeof(CELL_NETNS_DIR) + NAME_MAX + 1];
	struct stat st;
	int r;

	r = check_name(name, err);
	if (r < 0)
		return r;
	snprintf(path, sizeof(path), "%s/%s", CELL_NETNS_DIR, name);
	if (lstat(path, &st) < 0) {
		if (errno == ENOENT)
			return cell_fail(err, 0, "no network namespace '%s'", name);
		return cell_fail(err, errno, "%s", path);
	}
	/* EINVAL: not mounted (a file left by a helper that died); remove it
	 * all the same. */
	if (umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW) < 0 && errno != EINVAL)
		return cell_fail(err, errno, "unmount %s", path);
	if (unlink(path) < 0)
		return cell_fail(err, errno, "remove %s", path);
	return 0;
}

int cell_netns_open(const char *name, struct cell_err *err)
{
	char path[sizeof(CELL_NETNS_DIR) + NAME_MAX + 1];
	_cleanup_close_ int fd = -1;
	struct statfs sfs;
	int r, type;

	r = check_name(name, err);
	if (r < 0)
		return r;
	snprintf(path, sizeof(path), "%s/%s", CELL_NETNS_DIR, name);
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT) {
			cell_fail(err, 0, "no network namespace '%s'", name);
			return -ENOENT;
		}
		return cell_fail(err, errno, "open %s", path);
	}
	if (fstatfs(fd, &sfs) < 0)
		return cell_fail(err, errno, "%s", path);
	if (sfs.f_type != NSFS_MAGIC)
		return cell_fail(err, 0,
				 "%s is not a namespace (left over from a failed add? remove it "
				 "with: cell net del %s)",
				 path, name);
	/* NS_GET_NSTYPE: Linux 4.11; older kernels cannot tell, setns() will. */
	type = ioctl(fd, NS_GET_NSTYPE);
	if (type >= 0 && type != CLONE_NEWNET)
		return cell_fail(err, 0, "%s is not a network namespace", path);
	return TAKE_FD(fd);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void cell_netns_list_free(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

int cell_netns_list(char ***ret, size_t *ret_n, struct cell_err *err)
{
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *d;
	int fd;

	*ret = NULL;
	*ret_n = 0;
	fd = open(CELL_NETNS_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		return cell_fail(err, errno, "open %s", CELL_NETNS_DIR);
	}
	d = fdopendir(fd);
	if (!d) {
		int e = errno;

		close(fd);
		return cell_fail(err, e, "read %s", CELL_NETNS_DIR);
	}
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			char **nn = realloc(names, ncap * sizeof(*nn));

			if (!nn)
				goto oom;
			names = nn;
			cap = ncap;
		}
		names[n] = strdup(de->d_name);
		if (!names[n])
			goto oom;
		n++;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), cmp_str);
	*ret = names;
	*ret_n = n;
	return 0;
oom:
	closedir(d);
	cell_netns_list_free(names, n);
	return cell_fail(err, ENOMEM, "list %s", CELL_NETNS_DIR);
}

/* Bind each file of /etc/netns/NAME over its namesake in /etc, as
 * `ip netns exec` does (a resolv.conf per namespace, say).  Targets that
 * do not exist are skipped: a bind needs something to cover. */
static int bind_etc(const char *name, struct cell_err *err)
{
	char dir[PATH_MAX], src[PATH_MAX], dst[PATH_MAX];
	struct dirent *de;
	DIR *d;
	int fd, r = 0;

	snprintf(dir, sizeof(dir), "/etc/netns/%s", name);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : cell_fail(err, errno, "open %s", dir);
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return cell_fail(err, errno, "read %s", dir);
	}
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if ((size_t)snprintf(src, sizeof(src), "%s/%s", dir, de->d_name) >= sizeof(src) ||
		    (size_t)snprintf(dst, sizeof(dst), "/etc/%s", de->d_name) >= sizeof(dst))
			continue;
		if (access(dst, F_OK) < 0)
			continue;
		if (mount(src, dst, NULL, MS_BIND, NULL) < 0) {
			r = cell_fail(err, errno, "bind %s onto %s", src, dst);
			break;
		}
	}
	closedir(d);
	return r;
}

int cell_netns_enter(const char *name, struct cell_err *err)
{
	_cleanup_close_ int fd = -1;
	unsigned long flags = MS_NOSUID | MS_NODEV | MS_NOEXEC;
	struct statvfs st;

	fd = cell_netns_open(name, err);
	if (fd < 0)
		return fd;
	if (setns(fd, CLONE_NEWNET) < 0)
		return cell_fail(err, errno, "enter network namespace '%s'", name);
	/* /sys shows the devices of the network namespace that mounted it, so
	 * the command gets a fresh sysfs in a mount namespace of its own.
	 * MS_SLAVE: the host's later mounts still reach it, its own do not
	 * leak out. */
	if (unshare(CLONE_NEWNS) < 0)
		return cell_fail(err, errno, "new mount namespace");
	if (mount("", "/", NULL, MS_SLAVE | MS_REC, NULL) < 0)
		return cell_fail(err, errno, "make / a slave mount");
	if (statvfs("/sys", &st) == 0 && (st.f_flag & ST_RDONLY))
		flags |= MS_RDONLY;
	/* EINVAL: nothing mounted on /sys; mount a fresh one all the same. */
	if (umount2("/sys", MNT_DETACH) < 0 && errno != EINVAL)
		return cell_fail(err, errno, "unmount /sys");
	if (mount(name, "/sys", "sysfs", flags, NULL) < 0)
		return cell_fail(err, errno, "mount sysfs on /sys");
	return bind_etc(name, err);
}
