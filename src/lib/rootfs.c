/* rootfs.c - plan and apply `cell root build` (see rootfs.h).
 *
 * ld.so(8) "Finding shared libraries": for a DT_NEEDED name without a slash,
 * the loader tries DT_RPATH of the object and of each object that loaded it
 * (only while none of them has DT_RUNPATH), then DT_RUNPATH of the object
 * itself, then ld.so.cache (built by ldconfig(8) from /etc/ld.so.conf), then
 * its default directories; it skips files of another ELF class or machine.
 * We do the same, reading /etc/ld.so.conf and its includes instead of the
 * binary cache.  A library found only through ld.so.conf also gets a symlink
 * in the loader's own directory, because the built root has no ld.so.cache
 * and the copied loader searches only its default directories there.
 *
 * Paths keep their shape: walk() resolves a path one component at a time
 * with fstatat(AT_SYMLINK_NOFOLLOW) relative to the tree's fd, records every
 * symlink it crosses (copied with its exact target) and every directory, and
 * restarts absolute targets at the tree's top, so it can never leave the
 * tree (the same walker checks a built root).  The apply step resolves each
 * target's parent with openat2(RESOLVE_IN_ROOT) for the same reason.
 */
#define _GNU_SOURCE
#include "rootfs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <linux/fs.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "cleanup.h"
#include "elf.h"
#include "ldpath.h"
#include "rootfs-internal.h"

/* ---- the builder ------------------------------------------------------ */

struct cell_rootfs *cell_rootfs_new(int hostfd, const char *path_env, const char *cwd)
{
	struct cell_rootfs *b = calloc(1, sizeof(*b));
	struct utsname u;

	if (!b)
		return NULL;
	b->hostfd = hostfd;
	b->path_env = strdup(path_env ? path_env : CELL_ROOTFS_PATH);
	b->cwd = strdup(cwd ? cwd : "/");
	if (!b->path_env || !b->cwd)
		return cell_rootfs_free(b);
	if (uname(&u) == 0)
		snprintf(b->platform, sizeof(b->platform), "%s", u.machine);
	return b;
}

struct cell_rootfs *cell_rootfs_free(struct cell_rootfs *b)
{
	if (!b)
		return NULL;
	for (size_t i = 0; i < b->n_ops; i++) {
		free(b->ops[i].path);
		free(b->ops[i].arg);
	}
	free(b->ops);
	cell_strmap_clear(&b->planned, false);
	cell_strmap_clear(&b->done, false);
	for (size_t i = 0; i < b->objs.cap; i++)
		if (b->objs.keys[i] && b->objs.vals[i])
			cell_elf_clear(&((struct cell_rootfs_obj *)b->objs.vals[i])->hdr);
	cell_strmap_clear(&b->objs, true);
	cell_strmap_clear(&b->cand, true);
	cell_rootfs_strv_free(b->ldconf);
	cell_rootfs_strv_free(b->programs);
	free(b->loader_dir);
	free(b->path_env);
	free(b->cwd);
	free(b);
	return NULL;
}

void cell_rootfs_strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

int cell_rootfs_strv_push(char ***v, size_t *n, const char *s)
{
	char **nv = realloc(*v, (*n + 2) * sizeof(char *));

	if (!nv)
		return -ENOMEM;
	*v = nv;
	if (!(nv[*n] = strdup(s)))
		return -ENOMEM;
	nv[++*n] = NULL;
	return 0;
}

/* A missing program, loader, library or interpreter: an error while
 * building, an entry in the report while checking. */
static int missing(struct cell_rootfs *b, struct cell_err *err, const char *what,
		   const char *needed_by, const char *why)
{
	if (b->check) {
		b->n_missing++;
		if (b->missing)
			b->missing(what, needed_by, b->missing_ud);
		return 0;
	}
	/* The message says why; no strerror after it. */
	if (needed_by)
		cell_fail(err, 0, "%s (needed by %s): %s", what, needed_by, why);
	else
		cell_fail(err, 0, "%s: %s", what, why);
	return -ENOENT;
}

static int push_op(struct cell_rootfs *b, enum cell_rootfs_op_type type, const char *path,
		   const char *arg, unsigned mode)
{
	struct cell_rootfs_op *op;
	void *v;

	/* One operation per path: the first one planned wins (a directory and
	 * a symlink at the same place come from the same host object). */
	if (cell_strmap_get(&b->planned, path, &v))
		return 0;
	if (b->n_ops == b->cap_ops) {
		size_t ncap = b->cap_ops ? b->cap_ops * 2 : 256;
		struct cell_rootfs_op *n = realloc(b->ops, ncap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		b->ops = n;
		b->cap_ops = ncap;
	}
	op = &b->ops[b->n_ops];
	*op = (struct cell_rootfs_op){ type, strdup(path), arg ? strdup(arg) : NULL, mode };
	if (!op->path || (arg && !op->arg)) {
		free(op->path);
		free(op->arg);
		return -ENOMEM;
	}
	b->n_ops++;
	return cell_strmap_put(&b->planned, path, (void *)(uintptr_t)b->n_ops);
}

const struct cell_rootfs_op *cell_rootfs_ops(const struct cell_rootfs *b, size_t *ret_n)
{
	*ret_n = b->n_ops;
	return b->ops;
}

/* ---- walking the tree ------------------------------------------------- */

struct step {
	bool link;
	char *path, *target;
	unsigned mode;
};

struct walk {
	struct step *v;
	size_t n;
	char *real; /* the path with every symlink resolved */
	struct stat st;
};

static void walk_clear(struct walk *w)
{
	for (size_t i = 0; i < w->n; i++) {
		free(w->v[i].path);
		free(w->v[i].target);
	}
	free(w->v);
	free(w->real);
	memset(w, 0, sizeof(*w));
}

static int walk_push(struct walk *w, bool link, const char *path, const char *target,
		     unsigned mode)
{
	struct step *n = realloc(w->v, (w->n + 1) * sizeof(*n));

	if (!n)
		return -ENOMEM;
	w->v = n;
	n[w->n] = (struct step){ link, strdup(path), target ? strdup(target) : NULL, mode };
	if (!n[w->n].path || (target && !n[w->n].target))
		return -ENOMEM;
	w->n++;
	return 0;
}

static int stat_in(int fd, const char *abs, struct stat *st)
{
	if (fstatat(fd, abs[1] ? abs + 1 : ".", st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	return 0;
}

#define MAX_LINKS 40

/* Resolve absolute path inside the tree, recording directories and
 * symlinks on the way.  -ENOENT, -ENOTDIR, -ELOOP as the kernel would. */
static int walk(struct cell_rootfs *b, const char *path, struct walk *ret)
{
	_cleanup_free_ char *todo = strdup(path), *cur = calloc(1, PATH_MAX);
	struct walk w = { 0 };
	size_t curlen = 0;
	int links = 0, r;

	if (!todo || !cur)
		return -ENOMEM;
	if (todo[0] != '/')
		return -EINVAL;
	w.st.st_mode = S_IFDIR | 0755;
	for (;;) {
		char *p = todo, *comp;
		size_t n;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		n = strcspn(p, "/");
		comp = p;
		p += n;
		if (n == 1 && comp[0] == '.') {
			memmove(todo, p, strlen(p) + 1);
			continue;
		}
		if (n == 2 && comp[0] == '.' && comp[1] == '.') {
			while (curlen > 0 && cur[curlen - 1] != '/')
				curlen--;
			if (curlen > 0)
				curlen--;
			cur[curlen] = '\0';
			memmove(todo, p, strlen(p) + 1);
			continue;
		}
		if (curlen + 1 + n >= PATH_MAX) {
			walk_clear(&w);
			return -ENAMETOOLONG;
		}
		if (!S_ISDIR(w.st.st_mode)) {
			walk_clear(&w);
			return -ENOTDIR;
		}
		cur[curlen] = '/';
		memcpy(cur + curlen + 1, comp, n);
		cur[curlen + 1 + n] = '\0';
		r = stat_in(b->hostfd, cur, &w.st);
		if (r < 0) {
			walk_clear(&w);
			return r;
		}
		if (S_ISLNK(w.st.st_mode)) {
			char target[PATH_MAX];
			ssize_t len = readlinkat(b->hostfd, cur + 1, target, sizeof(target) - 1);
			char *ntodo;

			if (len <= 0 || ++links > MAX_LINKS) {
				walk_clear(&w);
				return len < 0 ? -errno : -ELOOP;
			}
			target[len] = '\0';
			r = walk_push(&w, true, cur, target, 0777);
			if (r < 0 || asprintf(&ntodo, "%s/%s", target, p) < 0) {
				walk_clear(&w);
				return -ENOMEM;
			}
			free(todo);
			todo = ntodo;
			if (target[0] == '/')
				curlen = 0;
			cur[curlen] = '\0';
			w.st.st_mode = S_IFDIR | 0755;
			continue;
		}
		curlen += 1 + n;
		memmove(todo, p, strlen(p) + 1);
		if (S_ISDIR(w.st.st_mode) && (r = walk_push(&w, false, cur, NULL,
							     w.st.st_mode & 07777)) < 0) {
			walk_clear(&w);
			return r;
		}
	}
	w.real = strdup(curlen ? cur : "/");
	if (!w.real) {
		walk_clear(&w);
		return -ENOMEM;
	}
	*ret = w;
	return 0;
}

/* Plan the directories and symlinks a walk crossed. */
static int commit(struct cell_rootfs *b, const struct walk *w)
{
	for (size_t i = 0; i < w->n; i++) {
		const struct step *s = &w->v[i];
		/* Owner rwx on every directory, or we could not fill it. */
		int r = push_op(b, s->link ? CELL_ROOTFS_SYMLINK : CELL_ROOTFS_DIR, s->path,
				s->target, s->link ? 0777 : (s->mode | 0700));

		if (r < 0)
			return r;
	}
	return 0;
}

static unsigned file_mode(const struct stat *st)
{
	/* No set-id bits: the copies belong to whoever built the root. */
	return st->st_mode & 0777 & ~(unsigned)(S_ISUID | S_ISGID);
}

/* Plan the copy of a regular file whose walk is w. */
static int commit_file(struct cell_rootfs *b, const struct walk *w)
{
	int r = commit(b, w);

	if (r < 0)
		return r;
	if (b->check)
		return 0;
	return push_op(b, CELL_ROOTFS_COPY, w->real, w->real, file_mode(&w->st));
}

/* Map a regular file of the tree; *ret_len 0 for an empty file. */
static int map_file(struct cell_rootfs *b, const char *real, void **ret, size_t *ret_len)
{
	_cleanup_close_ int fd = openat(b->hostfd, real + 1, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat st;
	void *p;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	*ret_len = (size_t)st.st_size;
	*ret = NULL;
	if (st.st_size == 0)
		return 0;
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	*ret = p;
	return 0;
}

/* Parse the ELF file at real in full.  0, -ENOEXEC with the reason in err,
 * or -errno. */
static int parse_file(struct cell_rootfs *b, const char *real, struct cell_elf *ret,
		      struct cell_err *err)
{
	void *p = NULL;
	size_t len = 0;
	int r = map_file(b, real, &p, &len);

	if (r < 0)
		return cell_fail(err, -r, "%s", real);
	if (!p)
		return cell_fail(err, ENOEXEC, "%s: empty file", real);
	r = cell_elf_parse(p, len, ret, err);
	munmap(p, len);
	if (r == -ENOEXEC)
		return cell_err_prefix(err, "%s", real);
	return r;
}

/* The ELF identity of real, parsed once.  ret->elf is false for a file
 * that is not ELF. */
static int get_obj(struct cell_rootfs *b, const char *real, struct cell_rootfs_obj **ret,
		   struct cell_err *err)
{
	struct cell_elf full = { 0 };
	struct cell_err e2 = { 0 };
	struct cell_rootfs_obj *o;
	void *v;
	int r;

	if (cell_strmap_get(&b->objs, real, &v)) {
		*ret = v;
		return 0;
	}
	r = parse_file(b, real, &full, &e2);
	if (r < 0 && r != -ENOEXEC) {
		*err = e2;
		return r;
	}
	o = calloc(1, sizeof(*o));
	if (!o) {
		cell_elf_clear(&full);
		return -ENOMEM;
	}
	if (r == 0) {
		o->elf = true;
		o->hdr = (struct cell_elf){ .cls = full.cls, .data = full.data,
					    .machine = full.machine, .type = full.type };
	}
	cell_elf_clear(&full);
	if (cell_strmap_put(&b->objs, real, o) < 0) {
		free(o);
		return -ENOMEM;
	}
	*ret = o;
	return 0;
}

/* ---- library search --------------------------------------------------- */

/* glob(3) of one pattern inside the tree; wildcards in the last component
 * only, which is how ld.so.conf includes are written. */
static int read_ldconf(struct cell_rootfs *b, const char *file, int depth);

struct ldconf_ctx {
	struct cell_rootfs *b;
	const char *file;
	int depth;
};

static int ldconf_dir(const char *dir, void *ud)
{
	struct ldconf_ctx *c = ud;

	if (dir[0] != '/')
		return 0;
	return cell_rootfs_strv_push(&c->b->ldconf, &c->b->n_ldconf, dir);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int ldconf_include(const char *pattern, void *ud)
{
	struct ldconf_ctx *c = ud;
	_cleanup_free_ char *abs = NULL, *dir = NULL;
	_cleanup_close_ int dfd = -1;
	const char *base;
	char **names = NULL;
	size_t n = 0;
	DIR *d;
	struct dirent *de;
	int r = 0;

	if (pattern[0] == '/')
		abs = strdup(pattern);
	else {
		const char *slash = strrchr(c->file, '/');

		if (asprintf(&abs, "%.*s/%s", (int)(slash ? slash - c->file : 0), c->file,
			     pattern) < 0)
			abs = NULL;
	}
	if (!abs)
		return -ENOMEM;
	base = strrchr(abs, '/') + 1;
	dir = strndup(abs, (size_t)(base - abs));
	if (!dir)
		return -ENOMEM;
	dfd = openat(c->b->hostfd, dir[1] ? dir + 1 : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return 0; /* ldconfig ignores includes that match nothing */
	d = fdopendir(dfd);
	if (!d)
		return -errno;
	dfd = -1;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.' && fnmatch(base, de->d_name, FNM_PERIOD) == 0 &&
		    (r = cell_rootfs_strv_push(&names, &n, de->d_name)) < 0)
			break;
	closedir(d);
	if (r == 0 && n)
		qsort(names, n, sizeof(char *), cmp_str);
	for (size_t i = 0; r == 0 && i < n; i++) {
		_cleanup_free_ char *path = NULL;

		if (asprintf(&path, "%s%s", dir, names[i]) < 0)
			r = -ENOMEM;
		else
			r = read_ldconf(c->b, path, c->depth + 1);
	}
	cell_rootfs_strv_free(names);
	return r;
}

static int read_ldconf(struct cell_rootfs *b, const char *file, int depth)
{
	_cleanup_free_ char *text = NULL;
	struct ldconf_ctx c = { b, file, depth };
	struct walk w = { 0 };
	void *p = NULL;
	size_t len = 0;
	int r;

	if (depth > 8)
		return 0; /* include loop */
	r = walk(b, file, &w);
	if (r < 0)
		return r == -ENOMEM ? r : 0;
	r = S_ISREG(w.st.st_mode) ? map_file(b, w.real, &p, &len) : -EINVAL;
	walk_clear(&w);
	if (r < 0)
		return r == -ENOMEM ? r : 0;
	text = strndup(p ? p : "", len);
	if (p)
		munmap(p, len);
	if (!text)
		return -ENOMEM;
	return cell_ldconf_parse(text, ldconf_dir, ldconf_include, &c);
}

static int ensure_ldconf(struct cell_rootfs *b)
{
	struct stat st;
	int r;

	if (b->ldconf_read)
		return 0;
	b->ldconf_read = true;
	/* In a built root, ld.so.conf counts only once ldconfig made a cache. */
	if (b->check && stat_in(b->hostfd, "/etc/ld.so.cache", &st) < 0)
		return 0;
	r = read_ldconf(b, "/etc/ld.so.conf", 0);
	if (r < 0)
		return r;
	if (!b->ldconf && !(b->ldconf = calloc(1, sizeof(char *))))
		return -ENOMEM;
	return 0;
}

/* The loader's built-in directories for objects like e. */
static size_t default_dirs(const struct cell_rootfs *b, const struct cell_elf *e,
			   char out[][64], size_t max)
{
	const char *tri = cell_elf_multiarch(e);
	size_t n = 0;

#define ADD(...)                                                                                   \
	do {                                                                                       \
		if (n < max)                                                                       \
			snprintf(out[n++], 64, __VA_ARGS__);                                      \
	} while (0)
	if (b->loader_dir && strlen(b->loader_dir) < 64)
		ADD("%s", b->loader_dir);
	if (tri) {
		ADD("/lib/%s", tri);
		ADD("/usr/lib/%s", tri);
	}
	if (e->cls == 2 /* ELFCLASS64 */) {
		ADD("/lib64");
		ADD("/usr/lib64");
	}
	ADD("/lib");
	ADD("/usr/lib");
#undef ADD
	return n;
}

static bool is_default_dir(const struct cell_rootfs *b, const struct cell_elf *e, const char *dir)
{
	char dirs[8][64];
	size_t n = default_dirs(b, e, dirs, 8);

	for (size_t i = 0; i < n; i++)
		if (strcmp(dirs[i], dir) == 0)
			return true;
	return false;
}

/* One object on the chain that loads a library, for DT_RPATH inheritance. */
struct frame {
	const struct frame *up;
	const char *rpath, *runpath, *origin;
};

struct found {
	char *path; /* as searched: dir/name */
	char *real;
	struct walk w;
};

/* Try dir/name: present, a regular ELF file compatible with e. */
static int try_candidate(struct cell_rootfs *b, const struct cell_elf *e, const char *dir,
			 size_t dirlen, const char *name, struct found *ret, struct cell_err *err)
{
	_cleanup_free_ char *path = NULL;
	struct walk w = { 0 };
	struct cell_rootfs_obj *o;
	void *v;
	int r;

	if (asprintf(&path, "%.*s/%s", (int)dirlen, dir, name) < 0)
		return -ENOMEM;
	if (path[0] != '/')
		return 0;
	if (cell_strmap_get(&b->cand, path, &v) && !v)
		return 0;
	r = walk(b, path, &w);
	if (r == -ENOMEM)
		return r;
	if (r < 0 || !S_ISREG(w.st.st_mode)) {
		if (r == 0)
			walk_clear(&w);
		return cell_strmap_put(&b->cand, path, NULL);
	}
	r = get_obj(b, w.real, &o, err);
	if (r < 0) {
		walk_clear(&w);
		return r;
	}
	if (!o->elf || !cell_elf_compatible(&o->hdr, e)) {
		walk_clear(&w);
		return cell_strmap_put(&b->cand, path, NULL);
	}
	ret->real = strdup(w.real);
	if (!ret->real) {
		walk_clear(&w);
		return -ENOMEM;
	}
	ret->path = TAKE_PTR(path);
	ret->w = w;
	return 1;
}

struct search_ctx {
	struct cell_rootfs *b;
	const struct cell_elf *e;
	const char *name, *origin;
	struct found *found;
	struct cell_err *err;
	int r;
};

static int search_entry(const char *entry, size_t len, void *ud)
{
	struct search_ctx *c = ud;
	_cleanup_free_ char *raw = strndup(entry, len), *dir = NULL;
	const char *tri = cell_elf_multiarch(c->e);
	_cleanup_free_ char *lib = NULL;
	struct cell_ldpath_vars v = { c->origin, NULL, c->b->platform[0] ? c->b->platform : NULL };
	int r;

	if (!raw)
		return -ENOMEM;
	if (tri ? asprintf(&lib, "lib/%s", tri) < 0
		: !(lib = strdup(c->e->cls == 2 ? "lib64" : "lib")))
		return -ENOMEM;
	v.lib = lib;
	r = cell_ldpath_expand(raw, &v, &dir);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return 0; /* ld.so drops entries with unknown tokens */
	r = try_candidate(c->b, c->e, dir, strlen(dir), c->name, c->found, c->err);
	if (r != 0) {
		c->r = r;
		return -1; /* stop */
	}
	return 0;
}

/* Search name for object e (whose loading chain is f).  Returns 1 and fills
 * ret when found, 0 when not, -errno. */
static int search_lib(struct cell_rootfs *b, const struct cell_elf *e, const struct frame *f,
		      const char *name, struct found *ret, struct cell_err *err)
{
	struct search_ctx c = { b, e, name, NULL, ret, err, 0 };
	char dirs[8][64];
	size_t n;
	int r;

	if (strchr(name, '/'))
		return name[0] == '/' ? try_candidate(b, e, "", 0, name + 1, ret, err) : 0;

#define TRY_LIST(list, org)                                                                        \
	do {                                                                                       \
		c.origin = (org);                                                                  \
		c.r = 0;                                                                           \
		r = cell_ldpath_split((list), search_entry, &c);                                   \
		if (c.r != 0)                                                                      \
			return c.r;                                                                \
		if (r < -1)                                                                        \
			return r;                                                                  \
	} while (0)

	if (!f->runpath)
		for (const struct frame *u = f; u; u = u->up)
			if (!u->runpath && u->rpath)
				TRY_LIST(u->rpath, u->origin);
	if (f->runpath)
		TRY_LIST(f->runpath, f->origin);
#undef TRY_LIST
	r = ensure_ldconf(b);
	if (r < 0)
		return r;
	for (size_t i = 0; b->ldconf && b->ldconf[i]; i++) {
		r = try_candidate(b, e, b->ldconf[i], strlen(b->ldconf[i]), name, ret, err);
		if (r != 0)
			return r;
	}
	n = default_dirs(b, e, dirs, 8);
	for (size_t i = 0; i < n; i++) {
		r = try_candidate(b, e, dirs[i], strlen(dirs[i]), name, ret, err);
		if (r != 0)
			return r;
	}
	return 0;
}

/* ---- programs and their closure --------------------------------------- */

static int add_elf(struct cell_rootfs *b, const char *real, const char *origin,
		   const struct frame *up, struct cell_err *err);

static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash || slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

/* Copy the loader named by PT_INTERP. */
static int add_interp(struct cell_rootfs *b, const char *interp, const char *needed_by,
		      struct cell_err *err)
{
	struct walk w = { 0 };
	int r;

	if (interp[0] != '/')
		return missing(b, err, interp, needed_by, "the loader path is not absolute");
	r = walk(b, interp, &w);
	if (r == -ENOMEM)
		return r;
	if (r < 0 || !S_ISREG(w.st.st_mode)) {
		if (r == 0)
			walk_clear(&w);
		return missing(b, err, interp, needed_by, "loader not found");
	}
	r = commit_file(b, &w);
	if (r == 0 && !b->loader_dir && !(b->loader_dir = dir_of(w.real)))
		r = -ENOMEM;
	walk_clear(&w);
	return r;
}

static int add_elf(struct cell_rootfs *b, const char *real, const char *origin,
		   const struct frame *up, struct cell_err *err)
{
	struct cell_elf e = { 0 };
	struct frame f;
	int r;

	if (cell_strmap_get(&b->done, real, NULL))
		return 0;
	r = cell_strmap_put(&b->done, real, NULL);
	if (r < 0)
		return r;
	r = parse_file(b, real, &e, err);
	if (r < 0)
		return r;
	if (!b->have_native) {
		b->native = (struct cell_elf){ .cls = e.cls, .data = e.data, .machine = e.machine };
		b->have_native = true;
	}
	if (e.interp && (r = add_interp(b, e.interp, real, err)) < 0)
		goto out;
	f = (struct frame){ up, e.rpath, e.runpath, origin };
	for (size_t i = 0; i < e.n_needed; i++) {
		struct found fd = { 0 };
		_cleanup_free_ char *dir = NULL;

		r = search_lib(b, &e, &f, e.needed[i], &fd, err);
		if (r < 0)
			goto out;
		if (r == 0) {
			r = missing(b, err, e.needed[i], real,
				    "not found in DT_RPATH/DT_RUNPATH, ld.so.conf or the loader's "
				    "default directories");
			if (r < 0)
				goto out;
			continue;
		}
		r = commit_file(b, &fd.w);
		dir = dir_of(fd.path);
		if (r == 0 && !dir)
			r = -ENOMEM;
		/* Found through ld.so.conf only: give the copied loader, which has
		 * no ld.so.cache, a way to it. */
		if (r == 0 && !b->check && b->loader_dir && !strchr(e.needed[i], '/') &&
		    !is_default_dir(b, &e, dir)) {
			_cleanup_free_ char *alias = NULL;

			if (asprintf(&alias, "%s/%s", b->loader_dir, e.needed[i]) < 0)
				r = -ENOMEM;
			else
				r = push_op(b, CELL_ROOTFS_SYMLINK, alias, fd.path, 0777);
		}
		if (r == 0)
			r = add_elf(b, fd.real, dir, &f, err);
		free(fd.path);
		free(fd.real);
		walk_clear(&fd.w);
		if (r < 0)
			goto out;
	}
	r = 0;
out:
	cell_elf_clear(&e);
	return r;
}

/* Look name up in PATH (names without a slash) or make it absolute. */
static int lookup(struct cell_rootfs *b, const char *name, const char *pathlist, char **ret)
{
	const char *p;

	if (strchr(name, '/')) {
		if (name[0] == '/')
			*ret = strdup(name);
		else if (asprintf(ret, "%s/%s", b->cwd, name) < 0)
			*ret = NULL;
		return *ret ? 0 : -ENOMEM;
	}
	for (p = pathlist; p && *p;) {
		size_t n = strcspn(p, ":");
		_cleanup_free_ char *cand = NULL;
		struct walk w = { 0 };
		int r;

		if (n && p[0] == '/') {
			if (asprintf(&cand, "%.*s/%s", (int)n, p, name) < 0)
				return -ENOMEM;
			r = walk(b, cand, &w);
			if (r == -ENOMEM)
				return r;
			if (r == 0) {
				bool ok = S_ISREG(w.st.st_mode) && (w.st.st_mode & 0111) &&
					  (b->check || faccessat(b->hostfd, w.real + 1, X_OK,
								 AT_EACCESS) == 0);

				walk_clear(&w);
				if (ok) {
					*ret = TAKE_PTR(cand);
					return 0;
				}
			}
		}
		p += n;
		if (*p == ':')
			p++;
	}
	return -ENOENT;
}

#define MAX_SCRIPT_DEPTH 4

static int add_program_at(struct cell_rootfs *b, const char *name, const char *pathlist,
			  const char *needed_by, int depth, struct cell_err *err);

/* "env [-opts] [VAR=x] prog ...": the program env will look up in PATH. */
static int add_env_target(struct cell_rootfs *b, const char *arg, const char *script, int depth,
			  struct cell_err *err)
{
	_cleanup_free_ char *copy = strdup(arg);
	char *save = NULL, *tok;

	if (!copy)
		return -ENOMEM;
	for (tok = strtok_r(copy, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		if (tok[0] == '-' || strchr(tok, '='))
			continue;
		/* env searches the PATH the command has inside the root. */
		return add_program_at(b, tok, CELL_ROOTFS_PATH, script, depth + 1, err);
	}
	return 0;
}

static int add_program_at(struct cell_rootfs *b, const char *name, const char *pathlist,
			  const char *needed_by, int depth, struct cell_err *err)
{
	_cleanup_free_ char *path = NULL, *interp = NULL, *arg = NULL, *origin = NULL;
	struct walk w = { 0 };
	char head[256];
	ssize_t len;
	int r;

	if (depth > MAX_SCRIPT_DEPTH)
		return cell_fail(err, ELOOP, "%s: too many levels of #! interpreters", name);
	r = lookup(b, name, pathlist, &path);
	if (r == -ENOENT)
		return missing(b, err, name, needed_by, "not found in PATH");
	if (r < 0)
		return r;
	r = walk(b, path, &w);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return missing(b, err, path, needed_by, strerror(-r));
	if (!S_ISREG(w.st.st_mode)) {
		walk_clear(&w);
		if (b->check)
			return missing(b, err, path, needed_by, "not a regular file");
		return cell_fail(err, 0, "%s: not a regular file", path);
	}
	r = commit_file(b, &w);
	if (r < 0 || cell_strmap_get(&b->done, w.real, NULL))
		goto out;
	{
		_cleanup_close_ int fd = openat(b->hostfd, w.real + 1,
						O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

		if (fd < 0) {
			r = cell_fail(err, errno, "%s", path);
			goto out;
		}
		len = read(fd, head, sizeof(head));
		if (len < 0) {
			r = cell_fail(err, errno, "read %s", path);
			goto out;
		}
	}
	if (cell_elf_magic(head, (size_t)len)) {
		/* The main program's $ORIGIN is its real directory (ld.so reads
		 * /proc/self/exe). */
		origin = dir_of(w.real);
		r = origin ? add_elf(b, w.real, origin, NULL, err) : -ENOMEM;
		goto out;
	}
	r = cell_script_parse(head, (size_t)len, &interp, &arg);
	if (r == 0 || r == -ENOEXEC) {
		r = cell_fail(err, ENOEXEC, "%s: not an ELF executable or #! script", path);
		goto out;
	}
	if (r < 0)
		goto out;
	r = cell_strmap_put(&b->done, w.real, NULL);
	if (r < 0)
		goto out;
	if (interp[0] != '/') {
		r = missing(b, err, interp, path, "#! interpreter path is not absolute");
		goto out;
	}
	r = add_program_at(b, interp, NULL, path, depth + 1, err);
	if (r == 0 && arg && strcmp(strrchr(interp, '/') + 1, "env") == 0)
		r = add_env_target(b, arg, path, depth, err);
out:
	walk_clear(&w);
	return r;
}

int cell_rootfs_add_program(struct cell_rootfs *b, const char *name, struct cell_err *err)
{
	_cleanup_free_ char *path = NULL;
	int r = lookup(b, name, b->path_env, &path);

	if (r == -ENOENT)
		return missing(b, err, name, NULL, "not found in PATH");
	if (r < 0)
		return r;
	r = add_program_at(b, path, NULL, NULL, 0, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < b->n_programs; i++)
		if (strcmp(b->programs[i], path) == 0)
			return 0;
	return cell_rootfs_strv_push(&b->programs, &b->n_programs, path);
}

/* ---- --add ------------------------------------------------------------ */

/* A regular file copied to dst; if it is an ELF object of the programs'
 * kind, its libraries come too. */
static int add_tree_file(struct cell_rootfs *b, const char *real, const struct stat *st,
			 const char *dst, struct cell_err *err)
{
	char head[4];
	ssize_t len;
	int r = push_op(b, CELL_ROOTFS_COPY, dst, real, file_mode(st));

	if (r < 0 || st->st_size < (off_t)sizeof(head))
		return r;
	{
		_cleanup_close_ int fd = openat(b->hostfd, real + 1,
						O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

		if (fd < 0)
			return cell_fail(err, errno, "%s", real);
		len = read(fd, head, sizeof(head));
	}
	if (len == (ssize_t)sizeof(head) && cell_elf_magic(head, (size_t)len)) {
		struct cell_rootfs_obj *o;
		_cleanup_free_ char *origin = dir_of(real);

		if (!origin)
			return -ENOMEM;
		r = get_obj(b, real, &o, err);
		if (r < 0)
			return r;
		/* Object files, foreign architectures: copied, not followed. */
		if (!o->elf || (o->hdr.type != 2 /* ET_EXEC */ && o->hdr.type != 3 /* ET_DYN */) ||
		    (b->have_native && !cell_elf_compatible(&o->hdr, &b->native)))
			return 0;
		return add_elf(b, real, origin, NULL, err);
	}
	return 0;
}

static int add_tree(struct cell_rootfs *b, const char *real, const char *dst, unsigned mode,
		    int depth, struct cell_err *err)
{
	_cleanup_close_ int dfd = -1;
	char **names = NULL;
	size_t n = 0;
	DIR *d;
	struct dirent *de;
	int r;

	if (depth > 64)
		return cell_fail(err, ELOOP, "%s: directory tree too deep", real);
	r = push_op(b, CELL_ROOTFS_DIR, dst, NULL, mode | 0700);
	if (r < 0)
		return r;
	dfd = openat(b->hostfd, real[1] ? real + 1 : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC |
							      O_NOFOLLOW);
	if (dfd < 0)
		return cell_fail(err, errno, "%s", real);
	d = fdopendir(dfd);
	if (!d)
		return cell_fail(err, errno, "%s", real);
	dfd = -1;
	r = 0;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
		    (r = cell_rootfs_strv_push(&names, &n, de->d_name)) < 0)
			break;
	closedir(d);
	if (r == 0 && n)
		qsort(names, n, sizeof(char *), cmp_str);
	for (size_t i = 0; r == 0 && i < n; i++) {
		_cleanup_free_ char *sp = NULL, *dp = NULL;
		struct stat st;

		if (asprintf(&sp, "%s/%s", strcmp(real, "/") ? real : "", names[i]) < 0 ||
		    asprintf(&dp, "%s/%s", strcmp(dst, "/") ? dst : "", names[i]) < 0) {
			r = -ENOMEM;
			break;
		}
		r = stat_in(b->hostfd, sp, &st);
		if (r < 0) {
			r = cell_fail(err, -r, "%s", sp);
			break;
		}
		if (S_ISDIR(st.st_mode)) {
			r = add_tree(b, sp, dp, st.st_mode & 07777, depth + 1, err);
		} else if (S_ISLNK(st.st_mode)) {
			char target[PATH_MAX];
			ssize_t len = readlinkat(b->hostfd, sp + 1, target, sizeof(target) - 1);

			if (len < 0) {
				r = cell_fail(err, errno, "readlink %s", sp);
				break;
			}
			target[len] = '\0';
			r = push_op(b, CELL_ROOTFS_SYMLINK, dp, target, 0777);
		} else if (S_ISREG(st.st_mode)) {
			r = add_tree_file(b, sp, &st, dp, err);
		}
		/* Devices, sockets and fifos are left out: a root build makes no
		 * device nodes (cell run gives /dev). */
	}
	cell_rootfs_strv_free(names);
	return r;
}

int cell_rootfs_add_path(struct cell_rootfs *b, const char *src, const char *dst,
			 struct cell_err *err)
{
	_cleanup_free_ char *abs = NULL;
	struct walk w = { 0 };
	int r;

	if (src[0] == '/')
		abs = strdup(src);
	else if (asprintf(&abs, "%s/%s", b->cwd, src) < 0)
		abs = NULL;
	if (!abs)
		return -ENOMEM;
	if (dst && dst[0] != '/')
		return cell_fail(err, 0, "--add %s:%s: the destination must be an absolute path",
				 src, dst);
	r = walk(b, abs, &w);
	if (r < 0)
		return r == -ENOMEM ? r : cell_fail(err, -r, "--add %s", src);
	if (!dst || strcmp(dst, abs) == 0) {
		/* Same place: keep the host's shape on the way there. */
		r = commit(b, &w);
		dst = w.real;
	} else {
		/* Elsewhere: the parents of dst are plain directories. */
		_cleanup_free_ char *parent = dir_of(dst);

		for (char *p = parent; r == 0 && p && (p = strchr(p + 1, '/'));) {
			*p = '\0';
			r = push_op(b, CELL_ROOTFS_DIR, parent, NULL, 0755);
			*p = '/';
		}
		if (r == 0 && parent && strcmp(parent, "/"))
			r = push_op(b, CELL_ROOTFS_DIR, parent, NULL, 0755);
	}
	if (r == 0) {
		if (S_ISDIR(w.st.st_mode))
			r = add_tree(b, w.real, dst, w.st.st_mode & 07777, 0, err);
		else if (S_ISREG(w.st.st_mode))
			r = add_tree_file(b, w.real, &w.st, dst, err);
		else
			r = cell_fail(err, 0, "--add %s: not a file or directory", src);
	}
	walk_clear(&w);
	return r;
}

/* ---- skeleton --------------------------------------------------------- */

int cell_rootfs_add_skeleton(struct cell_rootfs *b, const char *user, unsigned uid, unsigned gid,
			     struct cell_err *err)
{
	static const char *const shaped[] = { "/bin", "/sbin", "/lib", "/lib64", "/usr/bin",
					      "/usr/lib" };
	static const struct {
		const char *path;
		unsigned mode;
	} plain[] = {
		{ "/etc", 0755 }, { "/tmp", 01777 }, { "/proc", 0555 }, { "/dev", 0755 },
		{ "/sys", 0555 }, { "/home", 0755 }, { "/root", 0700 }, { "/run", 0755 },
	};
	_cleanup_free_ char *passwd = NULL, *group = NULL;
	int r;

	for (size_t i = 0; i < ELEMENTSOF(shaped); i++) {
		struct walk w = { 0 };

		r = walk(b, shaped[i], &w);
		if (r == 0) {
			r = S_ISDIR(w.st.st_mode) ? commit(b, &w) : 0;
			walk_clear(&w);
		} else if (r == -ENOENT && strcmp(shaped[i], "/lib64") != 0) {
			r = push_op(b, CELL_ROOTFS_DIR, shaped[i], NULL, 0755);
		} else if (r == -ENOENT) {
			r = 0; /* no /lib64 on this architecture */
		}
		if (r < 0)
			return r == -ENOMEM ? r : cell_fail(err, -r, "%s", shaped[i]);
	}
	for (size_t i = 0; i < ELEMENTSOF(plain); i++)
		if ((r = push_op(b, CELL_ROOTFS_DIR, plain[i].path, NULL, plain[i].mode)) < 0)
			return r;
	if (user) {
		if (asprintf(&passwd,
			     "root:x:0:0:root:/root:/bin/sh\n"
			     "%s:x:%u:%u:%s:/tmp:/bin/sh\n"
			     "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n",
			     user, uid, gid, user) < 0 ||
		    asprintf(&group, "root:x:0:\n%s:x:%u:\nnogroup:x:65534:\n", user, gid) < 0)
			return -ENOMEM;
	} else if (!(passwd = strdup("root:x:0:0:root:/root:/bin/sh\n"
				     "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n")) ||
		   !(group = strdup("root:x:0:\nnogroup:x:65534:\n"))) {
		return -ENOMEM;
	}
	if ((r = push_op(b, CELL_ROOTFS_FILE, "/etc/passwd", passwd, 0644)) < 0 ||
	    (r = push_op(b, CELL_ROOTFS_FILE, "/etc/group", group, 0644)) < 0 ||
	    (r = push_op(b, CELL_ROOTFS_FILE, "/etc/nsswitch.conf",
			 "# cell root build: local files only (glibc has them built in)\n"
			 "passwd:   files\n"
			 "group:    files\n"
			 "shadow:   files\n"
			 "hosts:    files dns\n"
			 "networks: files\n"
			 "protocols: files\n"
			 "services: files\n",
			 0644)) < 0 ||
	    (r = push_op(b, CELL_ROOTFS_FILE, "/etc/hosts",
			 "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n",
			 0644)) < 0)
		return r;
	return 0;
}

void cell_rootfs_print(const struct cell_rootfs *b, FILE *f)
{
	for (size_t i = 0; i < b->n_ops; i++) {
		const struct cell_rootfs_op *op = &b->ops[i];

		switch (op->type) {
		case CELL_ROOTFS_DIR:
			fprintf(f, "dir     %s %04o\n", op->path, op->mode);
			break;
		case CELL_ROOTFS_SYMLINK:
			fprintf(f, "symlink %s -> %s\n", op->path, op->arg);
			break;
		case CELL_ROOTFS_COPY:
			if (strcmp(op->path, op->arg) == 0)
				fprintf(f, "copy    %s %04o\n", op->path, op->mode);
			else
				fprintf(f, "copy    %s %04o (from %s)\n", op->path, op->mode,
					op->arg);
			break;
		case CELL_ROOTFS_FILE:
			fprintf(f, "file    %s %04o (when absent)\n", op->path, op->mode);
			break;
		default:
			break;
		}
	}
	for (size_t i = 0; i < b->n_programs; i++)
		fprintf(f, "program %s\n", b->programs[i]);
}

/* ---- check ------------------------------------------------------------ */

int cell_rootfs_check(int rootfd, const char *program,
		      void (*fn)(const char *what, const char *needed_by, void *ud), void *ud,
		      struct cell_err *err)
{
	_cleanup_(cell_rootfs_freep) struct cell_rootfs *b = cell_rootfs_new(rootfd, NULL, "/");
	int r;

	if (!b)
		return -ENOMEM;
	b->check = true;
	b->missing = fn;
	b->missing_ud = ud;
	r = add_program_at(b, program, b->path_env, NULL, 0, err);
	if (r < 0)
		return r;
	return b->n_missing;
}
