/* rootfs-apply.c - write a `cell root build` plan into the root, and the
 * marker and manifest files at its top (see rootfs.h).
 *
 * openat2(2) RESOLVE_IN_ROOT resolves each target's parent inside the root,
 * so a symlink already in the tree (absolute or with "..") cannot lead a
 * write outside it.  Files are copied to a temporary name in the target
 * directory (FICLONE, else copy_file_range(2), else read/write), given
 * their mode and modification time, and renamed over the old name.
 */
#define _GNU_SOURCE
#include "rootfs.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"
#include "rootfs-internal.h"

static int openat2_in_root(int rootfd, const char *path, int flags)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC),
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	int fd = (int)syscall(SYS_openat2, rootfd, path[0] == '/' && path[1] ? path + 1 : ".",
			      &how, sizeof(how));

	return fd < 0 ? -errno : fd;
}

struct applier {
	int rootfd;
	int parentfd;
	char parent[PATH_MAX];
	size_t copied;
};

/* The parent directory of path, resolved inside the root (cached: the plan
 * visits one directory's entries together). */
static int parent_of(struct applier *a, const char *path, const char **ret_base,
		     struct cell_err *err)
{
	const char *slash = strrchr(path, '/');
	size_t n = (size_t)(slash - path);
	int fd;

	*ret_base = slash + 1;
	if (n == 0)
		n = 1; /* "/" */
	if (n >= sizeof(a->parent))
		return cell_fail(err, ENAMETOOLONG, "%s", path);
	if (a->parentfd >= 0 && strlen(a->parent) == n && strncmp(a->parent, path, n) == 0)
		return a->parentfd;
	{
		char dir[PATH_MAX];

		memcpy(dir, path, n);
		dir[n] = '\0';
		fd = openat2_in_root(a->rootfd, dir, O_PATH | O_DIRECTORY);
	}
	if (fd < 0)
		return cell_fail(err, -fd, "%.*s", (int)n, path);
	if (a->parentfd >= 0)
		close(a->parentfd);
	a->parentfd = fd;
	memcpy(a->parent, path, n);
	a->parent[n] = '\0';
	return fd;
}

static int do_dir(struct applier *a, const struct cell_rootfs_op *op, struct cell_err *err)
{
	const char *base;
	int pfd = parent_of(a, op->path, &base, err);
	int fd;

	if (pfd < 0)
		return pfd;
	if (!*base)
		return 0; /* the root itself */
	if (mkdirat(pfd, base, op->mode & 0777) == 0) {
		/* mkdir applies the umask; the sticky bit needs chmod. */
		_cleanup_close_ int dfd = openat(pfd, base, O_PATH | O_DIRECTORY | O_NOFOLLOW |
								   O_CLOEXEC);

		if (dfd >= 0) {
			char proc[64];

			snprintf(proc, sizeof(proc), "/proc/self/fd/%d", dfd);
			(void)chmod(proc, op->mode); /* best effort: the mode is cosmetic */
		}
		return 0;
	}
	if (errno != EEXIST)
		return cell_fail(err, errno, "mkdir %s", op->path);
	/* Present: a directory, or a symlink to one inside the root. */
	fd = openat2_in_root(a->rootfd, op->path, O_PATH | O_DIRECTORY);
	if (fd < 0)
		return cell_fail(err, ENOTDIR, "%s exists and is not a directory", op->path);
	close(fd);
	return 0;
}

static int do_symlink(struct applier *a, const struct cell_rootfs_op *op, struct cell_err *err)
{
	const char *base;
	char old[PATH_MAX];
	_cleanup_free_ char *tmp = NULL;
	int pfd = parent_of(a, op->path, &base, err);
	struct stat st;
	ssize_t len;

	if (pfd < 0)
		return pfd;
	if (symlinkat(op->arg, pfd, base) == 0)
		return 0;
	if (errno != EEXIST)
		return cell_fail(err, errno, "symlink %s", op->path);
	if (fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return cell_fail(err, errno, "%s", op->path);
	if (S_ISDIR(st.st_mode)) {
		/* A directory where the host has a symlink (say /lib64 from an
		 * older build): fine when empty, else the two shapes clash. */
		if (unlinkat(pfd, base, AT_REMOVEDIR) < 0)
			return cell_fail(err, errno == ENOTEMPTY ? 0 : errno,
					 "%s is a directory in the root but a symlink to %s on "
					 "the host%s",
					 op->path, op->arg, errno == ENOTEMPTY ? "; move it away" : "");
		if (symlinkat(op->arg, pfd, base) < 0)
			return cell_fail(err, errno, "symlink %s", op->path);
		return 0;
	}
	if (!S_ISLNK(st.st_mode))
		return cell_fail(err, EEXIST, "%s", op->path);
	len = readlinkat(pfd, base, old, sizeof(old) - 1);
	if (len >= 0) {
		old[len] = '\0';
		if (strcmp(old, op->arg) == 0)
			return 0;
	}
	/* A different target (the host changed): replace it atomically. */
	if (asprintf(&tmp, ".cell-tmp.%s", base) < 0)
		return -ENOMEM;
	(void)unlinkat(pfd, tmp, 0); /* a leftover of an interrupted run */
	if (symlinkat(op->arg, pfd, tmp) < 0 || renameat(pfd, tmp, pfd, base) < 0)
		return cell_fail(err, errno, "replace symlink %s", op->path);
	return 0;
}

static int copy_data(int in, int out, off_t size)
{
	off_t left = size;

	/* A reflink where the file system shares extents, else an in-kernel
	 * copy, else read/write. */
	if (ioctl(out, FICLONE, in) == 0)
		return 0;
	while (left > 0) {
		ssize_t n = copy_file_range(in, NULL, out, NULL, (size_t)left, 0);

		if (n < 0 && (errno == EXDEV || errno == ENOSYS || errno == EINVAL ||
			      errno == EOPNOTSUPP) && left == size)
			break;
		if (n < 0)
			return -errno;
		if (n == 0)
			return left ? -EIO : 0;
		left -= n;
	}
	if (left == 0)
		return 0;
	for (;;) {
		char buf[65536];
		ssize_t n = read(in, buf, sizeof(buf));

		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(out, buf + off, (size_t)(n - off));

			if (w < 0)
				return -errno;
			off += w;
		}
	}
}

static int do_copy(struct applier *a, int hostfd, const struct cell_rootfs_op *op,
		   struct cell_err *err)
{
	const char *base;
	_cleanup_free_ char *tmp = NULL;
	_cleanup_close_ int in = -1, out = -1;
	int pfd = parent_of(a, op->path, &base, err), r;
	struct stat sst, dst;
	struct timespec times[2];

	if (pfd < 0)
		return pfd;
	in = openat(hostfd, op->arg + 1, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (in < 0 || fstat(in, &sst) < 0)
		return cell_fail(err, errno, "%s", op->arg);
	/* Up to date: same size, modification time and mode. */
	if (fstatat(pfd, base, &dst, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(dst.st_mode) &&
	    dst.st_size == sst.st_size && dst.st_mtim.tv_sec == sst.st_mtim.tv_sec &&
	    dst.st_mtim.tv_nsec == sst.st_mtim.tv_nsec && (dst.st_mode & 07777) == op->mode)
		return 0;
	if (asprintf(&tmp, ".cell-tmp.%s", base) < 0)
		return -ENOMEM;
	(void)unlinkat(pfd, tmp, 0); /* a leftover of an interrupted run */
	{
		/* An O_PATH directory fd serves as the base of the *at() calls. */
		int dirfd = pfd;

		out = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
			     0600);
		if (out < 0)
			return cell_fail(err, errno, "create %s", op->path);
		r = copy_data(in, out, sst.st_size);
		if (r < 0) {
			(void)unlinkat(dirfd, tmp, 0);
			return cell_fail(err, -r, "copy %s", op->arg);
		}
		times[0] = sst.st_atim;
		times[1] = sst.st_mtim;
		if (fchmod(out, op->mode) < 0 || futimens(out, times) < 0 ||
		    renameat(dirfd, tmp, dirfd, base) < 0) {
			r = -errno;
			(void)unlinkat(dirfd, tmp, 0);
			return cell_fail(err, -r, "install %s", op->path);
		}
	}
	a->copied++;
	return 0;
}

static int do_file(struct applier *a, const struct cell_rootfs_op *op, struct cell_err *err)
{
	const char *base;
	int pfd = parent_of(a, op->path, &base, err);
	_cleanup_close_ int fd = -1;
	size_t len = strlen(op->arg);

	if (pfd < 0)
		return pfd;
	fd = openat(pfd, base, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, op->mode);
	if (fd < 0)
		return errno == EEXIST ? 0 : cell_fail(err, errno, "create %s", op->path);
	if (write(fd, op->arg, len) != (ssize_t)len)
		return cell_fail(err, errno ? errno : EIO, "write %s", op->path);
	return 0;
}

/* Write name in the root's top directory atomically. */
static int write_top(int rootfd, const char *name, const char *text, struct cell_err *err)
{
	_cleanup_free_ char *tmp = NULL;
	_cleanup_close_ int dirfd = openat(rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_close_ int fd = -1;
	size_t len = strlen(text);

	if (dirfd < 0)
		return cell_fail(err, errno, "open the root");
	if (asprintf(&tmp, ".cell-tmp%s", name) < 0)
		return -ENOMEM;
	(void)unlinkat(dirfd, tmp, 0);
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return cell_fail(err, errno, "create %s", name);
	if (write(fd, text, len) != (ssize_t)len || renameat(dirfd, tmp, dirfd, name) < 0) {
		int e = errno ? errno : EIO;

		(void)unlinkat(dirfd, tmp, 0);
		return cell_fail(err, e, "write %s", name);
	}
	return 0;
}

static int read_top(int rootfd, const char *name, char **ret)
{
	_cleanup_close_ int fd = openat(rootfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, cap = 0;

	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t n;

		if (len + 4096 + 1 > cap) {
			char *nb = realloc(buf, cap = len + 65536);

			if (!nb)
				return -ENOMEM;
			buf = nb;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (!buf && !(buf = strdup("")))
		return -ENOMEM;
	buf[len] = '\0';
	*ret = TAKE_PTR(buf);
	return 0;
}

int cell_rootfs_mark(int dirfd, bool incomplete, const char *what, struct cell_err *err)
{
	_cleanup_free_ char *text = NULL;

	if (!incomplete) {
		if (unlinkat(dirfd, CELL_ROOTFS_INCOMPLETE, 0) < 0 && errno != ENOENT)
			return cell_fail(err, errno, "remove %s", CELL_ROOTFS_INCOMPLETE);
		return 0;
	}
	if (asprintf(&text,
		     "This root is incomplete: `%s` into it did not finish.\n"
		     "Run it again; do not use the root until this file is gone.\n",
		     what) < 0)
		return -ENOMEM;
	return write_top(dirfd, CELL_ROOTFS_INCOMPLETE, text, err);
}

int cell_rootfs_manifest_read(int rootfd, char ***ret, struct cell_err *err)
{
	_cleanup_free_ char *text = NULL;
	char **v = calloc(1, sizeof(char *)), *save = NULL, *line;
	size_t n = 0;
	int r = read_top(rootfd, CELL_ROOTFS_MANIFEST, &text);

	if (!v)
		return -ENOMEM;
	if (r == -ENOENT) {
		*ret = v;
		return 0;
	}
	if (r < 0) {
		free(v);
		return cell_fail(err, -r, "read %s", CELL_ROOTFS_MANIFEST);
	}
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (line[0] == '/' && (r = cell_rootfs_strv_push(&v, &n, line)) < 0) {
			cell_rootfs_strv_free(v);
			return r;
		}
	*ret = v;
	return 0;
}

int cell_rootfs_apply(const struct cell_rootfs *b, int dirfd, size_t *ret_copied,
		      struct cell_err *err)
{
	struct applier a = { .rootfd = dirfd, .parentfd = -1 };
	_cleanup_free_ char *text = NULL;
	char **old = NULL;
	size_t len = 0;
	FILE *f;
	int r;

	/* 1. The marker, before anything else is touched. */
	r = cell_rootfs_mark(dirfd, true, "cell root build", err);
	if (r < 0)
		return r;
	/* 2. The plan, in order. */
	for (size_t i = 0; i < b->n_ops && r >= 0; i++) {
		const struct cell_rootfs_op *op = &b->ops[i];

		switch (op->type) {
		case CELL_ROOTFS_DIR:
			r = do_dir(&a, op, err);
			break;
		case CELL_ROOTFS_SYMLINK:
			r = do_symlink(&a, op, err);
			break;
		case CELL_ROOTFS_COPY:
			r = do_copy(&a, b->hostfd, op, err);
			break;
		case CELL_ROOTFS_FILE:
			r = do_file(&a, op, err);
			break;
		default:
			r = -EINVAL;
		}
	}
	if (a.parentfd >= 0)
		close(a.parentfd);
	if (r < 0)
		return r;
	/* 3. The manifest: the programs of earlier builds and of this one. */
	r = cell_rootfs_manifest_read(dirfd, &old, err);
	if (r < 0)
		return r;
	f = open_memstream(&text, &len);
	if (!f) {
		cell_rootfs_strv_free(old);
		return -ENOMEM;
	}
	fputs("# Programs put here by cell root build (cell root build --check reads it).\n", f);
	for (size_t i = 0; old[i]; i++)
		fprintf(f, "%s\n", old[i]);
	for (size_t i = 0; i < b->n_programs; i++) {
		bool seen = false;

		for (size_t j = 0; old[j] && !seen; j++)
			seen = strcmp(old[j], b->programs[i]) == 0;
		if (!seen)
			fprintf(f, "%s\n", b->programs[i]);
	}
	cell_rootfs_strv_free(old);
	if (fclose(f) != 0)
		return -ENOMEM;
	r = write_top(dirfd, CELL_ROOTFS_MANIFEST, text, err);
	if (r < 0)
		return r;
	/* 4. Complete. */
	r = cell_rootfs_mark(dirfd, false, NULL, err);
	if (r < 0)
		return r;
	if (ret_copied)
		*ret_copied = a.copied;
	return 0;
}
