/* host.c - read the host facts the planners need (see host.h).
 *
 * subuid(5)/subgid(5): "name:start:count" or "uid:start:count" lines.
 */
#define _GNU_SOURCE
#include "host.h"

#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "fileio.h"
#include "xauth.h"

static const char *const sysdir_paths[CELL_SYSDIR_MAX] = {
	[CELL_SYSDIR_USR] = "/usr",	[CELL_SYSDIR_BIN] = "/bin",
	[CELL_SYSDIR_SBIN] = "/sbin",	[CELL_SYSDIR_LIB] = "/lib",
	[CELL_SYSDIR_LIB32] = "/lib32", [CELL_SYSDIR_LIB64] = "/lib64",
	[CELL_SYSDIR_LIBX32] = "/libx32", [CELL_SYSDIR_ETC] = "/etc",
};

const char *cell_sysdir_path(enum cell_sysdir d)
{
	return (unsigned)d < CELL_SYSDIR_MAX ? sysdir_paths[d] : NULL;
}

static bool parse_u32(const char *s, size_t len, uint32_t *ret)
{
	uint64_t v = 0;

	if (len == 0 || len > 10)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > UINT32_MAX)
		return false;
	*ret = (uint32_t)v;
	return true;
}

int cell_subid_parse(const char *text, const char *name, uint32_t id, struct cell_subid *ret)
{
	const char *line = text;

	while (line && *line) {
		const char *eol = strchrnul(line, '\n');
		const char *c1 = memchr(line, ':', (size_t)(eol - line));
		const char *c2 = c1 ? memchr(c1 + 1, ':', (size_t)(eol - c1 - 1)) : NULL;
		uint32_t owner, start, count;

		if (c1 && c2 && line[0] != '#') {
			size_t nlen = (size_t)(c1 - line);
			bool match = (name && strlen(name) == nlen && memcmp(line, name, nlen) == 0) ||
				     (parse_u32(line, nlen, &owner) && owner == id);

			if (match && parse_u32(c1 + 1, (size_t)(c2 - c1 - 1), &start) &&
			    parse_u32(c2 + 1, (size_t)(eol - c2 - 1), &count) && count > 0 &&
			    (uint64_t)start + count <= UINT32_MAX) {
				ret->start = start;
				ret->count = count;
				return 1;
			}
		}
		line = *eol ? eol + 1 : NULL;
	}
	return 0;
}

/* The whole file, however many users it lists (on the heap: a large
 * buffer on the stack would also cost a page fault per page it reaches). */
static void read_subid(const char *path, const char *name, uint32_t id, struct cell_subid *ret)
{
	_cleanup_free_ char *buf = NULL;
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);

	ret->count = 0;
	if (fd < 0)
		return;
	buf = cell_read_fd(fd, 16 * 1024 * 1024, NULL);
	if (buf)
		(void)cell_subid_parse(buf, name, id, ret);
}

/* The name of uid in /etc/passwd ("name:x:uid:..."), without NSS. */
static int passwd_name(uint32_t uid, char *name, size_t len)
{
	_cleanup_fclose_ FILE *f = fopen("/etc/passwd", "re");
	char line[1024];

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		uint32_t id;

		if (!c2 || (size_t)(c1 - line) >= len)
			continue;
		if (parse_u32(c2 + 1, strcspn(c2 + 1, ":"), &id) && id == uid) {
			memcpy(name, line, (size_t)(c1 - line));
			name[c1 - line] = '\0';
			return 0;
		}
	}
	return -ENOENT;
}

int cell_host_probe(struct cell_host *h, bool want_subid, struct cell_err *err)
{
	struct passwd *pw;

	(void)err;
	memset(h, 0, sizeof(*h));
	h->uid = getuid();
	h->gid = getgid();
	h->root = h->uid == 0;
	if (!getcwd(h->cwd, sizeof(h->cwd)))
		h->cwd[0] = '\0';

	/* Sub-id ranges matter only for root and --map-auto, and the name lookup
	 * loads NSS modules, so the fast path skips both. */
	if (want_subid) {
		/* The caller's name: /etc/passwd first (cheap), NSS only for
		 * users it does not list (directory services). */
		char name[256];

		if (passwd_name(h->uid, name, sizeof(name)) < 0) {
			pw = getpwuid(h->uid);
			snprintf(name, sizeof(name), "%s", pw ? pw->pw_name : "");
		}
		read_subid("/etc/subuid", name[0] ? name : NULL, h->uid, &h->subuid);
		read_subid("/etc/subgid", name[0] ? name : NULL, h->uid, &h->subgid);
	}

	for (int d = 0; d < CELL_SYSDIR_MAX; d++) {
		struct stat st;

		if (lstat(sysdir_paths[d], &st) < 0) {
			h->sysdir[d].kind = CELL_SYSDIR_ABSENT;
		} else if (S_ISLNK(st.st_mode)) {
			ssize_t n = readlink(sysdir_paths[d], h->sysdir[d].target,
					     sizeof(h->sysdir[d].target) - 1);
			if (n <= 0) {
				h->sysdir[d].kind = CELL_SYSDIR_ABSENT;
				continue;
			}
			h->sysdir[d].target[n] = '\0';
			h->sysdir[d].kind = CELL_SYSDIR_SYMLINK;
		} else if (S_ISDIR(st.st_mode)) {
			h->sysdir[d].kind = CELL_SYSDIR_DIR;
		}
	}
	return 0;
}

void cell_host_clear(struct cell_host *h)
{
	for (size_t i = 0; i < h->n_root_entries; i++) {
		free(h->root_entries[i].src);
		free(h->root_entries[i].dst);
		free(h->root_entries[i].target);
	}
	free(h->root_entries);
	h->root_entries = NULL;
	free(h->xauth);
	h->xauth = NULL;
	h->xauth_len = 0;
	h->n_root_entries = 0;
	h->root_listed = false;
}

static int list_root(struct cell_host *h, const char *dir, int fd, struct cell_err *err)
{
	DIR *d = fdopendir(fd);
	struct dirent *de;
	int r = 0;

	if (!d) {
		close(fd);
		return cell_fail(err, errno, "--root %s", dir);
	}
	h->root_listed = true;
	while ((de = readdir(d))) {
		struct cell_root_entry *e, *ne;
		char target[4096];
		struct stat st;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue; /* vanished */
		ne = realloc(h->root_entries, (h->n_root_entries + 1) * sizeof(*ne));
		if (!ne) {
			r = -ENOMEM;
			break;
		}
		h->root_entries = ne;
		e = &h->root_entries[h->n_root_entries++];
		memset(e, 0, sizeof(*e));
		if (asprintf(&e->src, "%s/%s", dir, de->d_name) < 0 ||
		    asprintf(&e->dst, "/%s", de->d_name) < 0) {
			e->src = e->dst = NULL;
			r = -ENOMEM;
			break;
		}
		if (S_ISLNK(st.st_mode)) {
			ssize_t n = readlinkat(dirfd(d), de->d_name, target, sizeof(target) - 1);

			if (n < 0) {
				r = cell_fail(err, errno, "--root %s: readlink %s", dir, de->d_name);
				break;
			}
			target[n] = '\0';
			if (!(e->target = strdup(target))) {
				r = -ENOMEM;
				break;
			}
		}
	}
	closedir(d);
	return r;
}

int cell_host_probe_root(struct cell_host *h, const char *dir, const char *const *need,
			 struct cell_err *err)
{
	int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	bool missing = false;

	if (dirfd < 0)
		return cell_fail(err, errno, "--root %s", dir);
	h->root_incomplete = faccessat(dirfd, ".cell-incomplete", F_OK, AT_SYMLINK_NOFOLLOW) == 0;
	for (; need && *need && !missing; need++)
		missing = faccessat(dirfd, *need, F_OK, AT_SYMLINK_NOFOLLOW) < 0;
	if (!missing) {
		close(dirfd);
		return 0;
	}
	return list_root(h, dir, dirfd, err); /* takes dirfd */
}

int cell_host_probe_x11(struct cell_host *h, const char *display, const char *xauthority,
			struct cell_err *err)
{
	struct stat st = { 0 };
	uint8_t buf[65536];
	ssize_t n;
	long w;
	_cleanup_close_ int fd = -1;

	snprintf(h->x11_socket, sizeof(h->x11_socket), "/tmp/.X11-unix/X%s", display);
	if (stat(h->x11_socket, &st) < 0)
		return cell_fail(err, errno, "--x11: no X server socket %s for DISPLAY=:%s",
				 h->x11_socket, display);
	if (!S_ISSOCK(st.st_mode))
		return cell_fail(err, ENOTSOCK, "--x11: %s (DISPLAY=:%s) is not a socket",
				 h->x11_socket, display);
	if (!xauthority)
		return 0;
	fd = open(xauthority, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : cell_fail(err, errno, "--x11: %s", xauthority);
	n = read(fd, buf, sizeof(buf));
	if (n < 0)
		return cell_fail(err, errno, "--x11: read %s", xauthority);
	h->xauth = malloc((size_t)n + 1);
	if (!h->xauth)
		return -ENOMEM;
	w = cell_xauth_filter(buf, (size_t)n, display, h->xauth, (size_t)n + 1);
	if (w < 0)
		return cell_fail(err, (int)-w, "--x11: %s", xauthority);
	h->xauth_len = (size_t)w;
	return 0;
}

int cell_host_probe_wayland(const char *socket_path, struct cell_err *err)
{
	struct stat st;

	if (stat(socket_path, &st) < 0)
		return cell_fail(err, errno, "--wayland: no compositor socket %s", socket_path);
	if (!S_ISSOCK(st.st_mode))
		return cell_fail(err, ENOTSOCK,
				 "--wayland: no compositor socket %s", socket_path);
	return 0;
}
