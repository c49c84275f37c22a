/* overlaydiff.c - walk an overlay upper directory (see overlaydiff.h).
 *
 * Directories are read with getdents through fdopendir(), sorted, and
 * entered with openat(O_NOFOLLOW), never through a symlink.  Attributes
 * are read with fgetxattr() on an fd of the entry itself; the trusted.*
 * ones are visible to root only, so an unprivileged caller sees the user.*
 * ones (the names an unprivileged overlay mount writes, kernel >= 5.11).
 */
#define _GNU_SOURCE
#include "overlaydiff.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "cleanup.h"

const char *cell_odiff_letter(enum cell_odiff_kind k)
{
	static const char *const letters[CELL_ODIFF_KIND_MAX] = {
		[CELL_ODIFF_ADDED] = "A",   [CELL_ODIFF_MODIFIED] = "M", [CELL_ODIFF_CHANGED] = "C",
		[CELL_ODIFF_DELETED] = "D", [CELL_ODIFF_OPAQUE] = "R",
	};

	return k < CELL_ODIFF_KIND_MAX ? letters[k] : "?";
}

/* True when fd has trusted.overlay.NAME or user.overlay.NAME, and (want not
 * NULL) its value is want. */
static bool has_ovl_xattr(int fd, const char *name, const char *want)
{
	static const char *const prefixes[] = { "trusted.overlay.", "user.overlay." };

	for (size_t i = 0; i < ELEMENTSOF(prefixes); i++) {
		char key[64], val[16];
		ssize_t n;

		snprintf(key, sizeof(key), "%s%s", prefixes[i], name);
		n = fgetxattr(fd, key, val, sizeof(val) - 1);
		if (n < 0)
			continue;
		val[n] = '\0';
		if (!want || strcmp(val, want) == 0)
			return true;
	}
	return false;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

struct walker {
	int (*fn)(enum cell_odiff_kind k, const char *path, bool dir, void *ud);
	void *ud;
	struct cell_err *err;
};

static int walk_dir(struct walker *w, int dirfd, int lowerfd, bool all_added, const char *path,
		    int depth)
{
	char **names = NULL;
	size_t n = 0, cap = 0;
	int dupfd, r = 0;
	DIR *d;
	struct dirent *de;

	if (depth > 256)
		return cell_fail(w->err, ELOOP, "%s: directory tree too deep", path);
	dupfd = fcntl(dirfd, F_DUPFD_CLOEXEC, 3);
	if (dupfd < 0)
		return cell_fail(w->err, errno, "%s", path);
	d = fdopendir(dupfd);
	if (!d) {
		close(dupfd);
		return cell_fail(w->err, errno, "%s", path);
	}
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (n == cap) {
			char **nn = realloc(names, (cap = cap ? cap * 2 : 64) * sizeof(char *));

			if (!nn) {
				r = -ENOMEM;
				break;
			}
			names = nn;
		}
		if (!(names[n] = strdup(de->d_name))) {
			r = -ENOMEM;
			break;
		}
		n++;
	}
	closedir(d);
	if (r == 0 && n)
		qsort(names, n, sizeof(char *), cmp_name);

	for (size_t i = 0; r >= 0 && i < n; i++) {
		_cleanup_free_ char *sub = NULL;
		_cleanup_close_ int fd = -1, lfd = -1;
		struct stat st, lst;
		bool in_lower = false, lower_dir = false;
		enum cell_odiff_kind kind;

		if (asprintf(&sub, "%s/%s", path[1] ? path : "", names[i]) < 0) {
			r = -ENOMEM;
			break;
		}
		if (fstatat(dirfd, names[i], &st, AT_SYMLINK_NOFOLLOW) < 0) {
			r = cell_fail(w->err, errno, "%s", sub);
			break;
		}
		if (!all_added && lowerfd >= 0 &&
		    fstatat(lowerfd, names[i], &lst, AT_SYMLINK_NOFOLLOW) == 0) {
			in_lower = true;
			lower_dir = S_ISDIR(lst.st_mode);
		}
		kind = all_added      ? CELL_ODIFF_ADDED
		       : lowerfd < 0  ? CELL_ODIFF_CHANGED
		       : in_lower     ? CELL_ODIFF_MODIFIED
				      : CELL_ODIFF_ADDED;

		if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0)) {
			r = w->fn(CELL_ODIFF_DELETED, sub, false, w->ud);
			continue;
		}
		if (S_ISREG(st.st_mode) && st.st_size == 0) {
			fd = openat(dirfd, names[i], O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
			if (fd >= 0 && has_ovl_xattr(fd, "whiteout", NULL)) {
				r = w->fn(CELL_ODIFF_DELETED, sub, false, w->ud);
				continue;
			}
		}
		if (!S_ISDIR(st.st_mode)) {
			r = w->fn(kind, sub, false, w->ud);
			continue;
		}
		fd = openat(dirfd, names[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			r = cell_fail(w->err, errno, "%s", sub);
			break;
		}
		if (has_ovl_xattr(fd, "opaque", "y")) {
			r = w->fn(CELL_ODIFF_OPAQUE, sub, true, w->ud);
			if (r >= 0)
				r = walk_dir(w, fd, -1, true, sub, depth + 1);
			continue;
		}
		/* A directory merged with the lower one only holds changes:
		 * listed only when nothing tells that it was there before. */
		if (lower_dir && !all_added) {
			lfd = openat(lowerfd, names[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
							O_CLOEXEC);
			r = walk_dir(w, fd, lfd, false, sub, depth + 1);
			continue;
		}
		r = w->fn(kind, sub, true, w->ud);
		if (r >= 0)
			r = walk_dir(w, fd, -1, all_added || (lowerfd >= 0 && !lower_dir), sub,
				     depth + 1);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return r;
}

int cell_overlay_diff(int upperfd, int lowerfd,
		      int (*fn)(enum cell_odiff_kind k, const char *path, bool dir, void *ud),
		      void *ud, struct cell_err *err)
{
	struct walker w = { fn, ud, err };

	return walk_dir(&w, upperfd, lowerfd, false, "/", 0);
}
