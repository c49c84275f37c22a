/* mount.c - plan and build the sandbox's file system.
 *
 * mount_namespaces(7), open_tree(2), move_mount(2), fsopen(2), fsmount(2),
 * mount_setattr(2), openat2(2), pivot_root(2).
 *
 * Order in the child (cell_mount_open_sources, then cell_mount_build):
 *   1. make every mount a slave, so nothing we do propagates to the host;
 *   2. clone every bind source into a detached tree first, while the host's
 *      paths are still visible and before anything covers them;
 *   3. attach the new root on /tmp (a tmpfs, or the --root tree);
 *   4. run the ops in plan order, each target resolved inside the new root;
 *   5. make the root read-only, pivot_root into it; then (the caller's
 *      choice when) detach the old root.
 * Read-only binds are made read-only *before* they are attached (mount_setattr
 * on the detached tree, recursively), so there is no writable window, and
 * every bind is nosuid and (except device nodes) nodev.
 */
#define _GNU_SOURCE
#include "mount.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"

#define OPS_MAX CELL_MOUNT_OPS_MAX

static const char *const op_names[CELL_OP_TYPE_MAX] = {
	[CELL_OP_ROOT_TMPFS] = "root-tmpfs", [CELL_OP_ROOT_BIND] = "root-bind",
	[CELL_OP_BIND] = "bind",	     [CELL_OP_TMPFS] = "tmpfs",
	[CELL_OP_PROC] = "proc",	     [CELL_OP_SYSFS] = "sysfs",
	[CELL_OP_DEVPTS] = "devpts",	     [CELL_OP_MQUEUE] = "mqueue",
	[CELL_OP_SYMLINK] = "symlink",	     [CELL_OP_MASK] = "mask",
	[CELL_OP_READONLY] = "readonly",     [CELL_OP_ROOT_OVERLAY] = "root-overlay",
	[CELL_OP_OVERLAY] = "overlay",	     [CELL_OP_WRITE_FILE] = "file",
	[CELL_OP_DIR] = "dir",
};

const char *cell_op_name(enum cell_op_type t)
{
	return (unsigned)t < CELL_OP_TYPE_MAX ? op_names[t] : "?";
}

/* ---- plan (pure) ---- */

/* The OCI runtime spec's default masked and read-only /proc paths. */
static const char *const proc_masked[] = {
	"/proc/acpi",	    "/proc/asound",	 "/proc/kcore",	      "/proc/keys",
	"/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
	"/proc/scsi",
};
static const char *const proc_readonly[] = {
	"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
};
static const char *const etc_masked[] = {
	"/etc/shadow", "/etc/gshadow", "/etc/shadow-", "/etc/gshadow-",
};
static const char *const dev_nodes[] = {
	"/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty",
};
static const struct {
	const char *target, *path;
} dev_links[] = {
	{ "/proc/self/fd", "/dev/fd" },	     { "/proc/self/fd/0", "/dev/stdin" },
	{ "/proc/self/fd/1", "/dev/stdout" }, { "/proc/self/fd/2", "/dev/stderr" },
	{ "pts/ptmx", "/dev/ptmx" },
};

static int push(struct cell_mount_plan *p, enum cell_op_type type, const char *src,
		const char *dst, unsigned flags, unsigned mode, uint64_t size)
{
	if (p->n >= OPS_MAX)
		return -E2BIG;
	if (!p->ops && !(p->ops = calloc(OPS_MAX, sizeof(*p->ops))))
		return -ENOMEM;
	p->ops[p->n++] = (struct cell_mount_op){
		.type = type, .src = src, .dst = dst, .flags = flags, .mode = mode, .size = size,
	};
	return 0;
}

int cell_mount_plan_add(struct cell_mount_plan *p, enum cell_op_type type, const char *src,
			const char *dst, unsigned flags)
{
	return push(p, type, src, dst, flags, 0, 0);
}

void cell_mount_plan_clear(struct cell_mount_plan *p)
{
	free(p->ops);
	memset(p, 0, sizeof(*p));
}

int cell_mount_plan(const struct cell_spec *s, const struct cell_host *h,
		    struct cell_mount_plan *ret, struct cell_err *err)
{
	struct cell_mount_plan p = { .upper_uid = -1, .upper_gid = -1 };
	bool new_pid = s->ns & CELL_NS_BIT(CELL_NS_PID);
	bool new_net = s->ns & CELL_NS_BIT(CELL_NS_NET);
	bool new_ipc = s->ns & CELL_NS_BIT(CELL_NS_IPC);
	/* Writable binds are idmapped only in root's sandboxes (see idmap.h);
	 * an unprivileged caller's own files already show as its own. */
	bool idmap = (s->ns & CELL_NS_BIT(CELL_NS_USER)) && h->root &&
		     s->id_mode != CELL_ID_HOST_ROOT;
	int r = 0;

	if (s->root_mode == CELL_ROOT_CHROOT) {
		p.chroot_only = true;
		p.chroot_dir = s->root;
		*ret = p;
		return 0;
	}
	if (!(s->ns & CELL_NS_BIT(CELL_NS_MNT))) {
		if (s->overlay || s->x11 || s->wayland)
			return cell_fail(err, 0, "--overlay, --x11 and --wayland need a new mount "
					 "namespace");
		*ret = p; /* the host's file system, as unshare(1) without -m */
		return 0;
	}

#define PUSH(...)                                                                                  \
	do {                                                                                       \
		if ((r = push(&p, __VA_ARGS__)) < 0)                                               \
			goto fail;                                                                 \
	} while (0)

	if (s->root_mode == CELL_ROOT_DIR && h->root_incomplete) {
		r = -EINVAL;
		cell_mount_plan_clear(&p);
		return cell_fail(err, 0, "--root %s: %s/.cell-incomplete says an earlier cell "
				 "root build or debootstrap did not finish", s->root, s->root);
	}
	p.persist = s->persist;
	p.in_userns = s->ns & CELL_NS_BIT(CELL_NS_USER);
	if (s->root_mode == CELL_ROOT_DIR && s->overlay) {
		/* Writes go to the upper layer: DIR is never written, and mount
		 * points it lacks are made in the upper layer. */
		PUSH(CELL_OP_ROOT_OVERLAY, s->root, "/", idmap ? CELL_OPF_IDMAP_LOWER : 0u, 0, 0);
	} else if (s->root_mode == CELL_ROOT_DIR && h->root_listed) {
		/* DIR lacks a mount point and must not be written to: a read-only
		 * tmpfs root holds DIR's top-level entries, each bound on its own,
		 * and the mount points cell needs. */
		unsigned fl = s->root_rw ? (idmap ? CELL_OPF_IDMAP : 0u) : CELL_OPF_RO;

		PUSH(CELL_OP_ROOT_TMPFS, NULL, "/", 0, 0755, 0);
		p.root_ro = true;
		for (size_t i = 0; i < h->n_root_entries; i++) {
			const struct cell_root_entry *e = &h->root_entries[i];

			if (e->target)
				PUSH(CELL_OP_SYMLINK, e->target, e->dst, 0, 0, 0);
			else
				PUSH(CELL_OP_BIND, e->src, e->dst, fl | CELL_OPF_DEV, 0, 0);
		}
	} else if (s->root_mode == CELL_ROOT_DIR) {
		PUSH(CELL_OP_ROOT_BIND, s->root, "/",
		     s->root_rw ? (idmap ? CELL_OPF_IDMAP : 0u) : CELL_OPF_RO, 0, 0);
	} else {
		PUSH(CELL_OP_ROOT_TMPFS, NULL, "/", 0, 0755, 0);
		/* --overlay: the root stays writable and each system directory is
		 * an overlay over the host's. */
		p.root_ro = !s->overlay;
		p.own_root = true;
		for (int d = 0; d < CELL_SYSDIR_MAX; d++) {
			const char *path = cell_sysdir_path(d);

			if (h->sysdir[d].kind == CELL_SYSDIR_DIR && s->overlay)
				PUSH(CELL_OP_OVERLAY, path, path,
				     idmap ? CELL_OPF_IDMAP_LOWER : 0u, 0, 0);
			else if (h->sysdir[d].kind == CELL_SYSDIR_DIR)
				PUSH(CELL_OP_BIND, path, path, CELL_OPF_RO, 0, 0);
			else if (h->sysdir[d].kind == CELL_SYSDIR_SYMLINK)
				PUSH(CELL_OP_SYMLINK, h->sysdir[d].target, path, 0, 0, 0);
		}
		if (h->sysdir[CELL_SYSDIR_ETC].kind == CELL_SYSDIR_DIR)
			for (size_t i = 0; i < ELEMENTSOF(etc_masked); i++)
				PUSH(CELL_OP_MASK, NULL, etc_masked[i], CELL_OPF_OPTIONAL, 0, 0);
	}

	/* In cell's own root, a directory of it: a tmpfs mount costs about
	 * 20 µs to make and as much to tear down, at every start. */
	PUSH(p.own_root ? CELL_OP_DIR : CELL_OP_TMPFS, NULL, "/tmp", 0, 01777, 0);

	PUSH(CELL_OP_PROC, new_pid ? NULL : "/proc", "/proc", new_pid ? 0 : CELL_OPF_HOSTPROC, 0,
	     0);
	for (size_t i = 0; i < ELEMENTSOF(proc_masked); i++)
		PUSH(CELL_OP_MASK, NULL, proc_masked[i], CELL_OPF_OPTIONAL, 0, 0);
	for (size_t i = 0; i < ELEMENTSOF(proc_readonly); i++)
		PUSH(CELL_OP_READONLY, NULL, proc_readonly[i], CELL_OPF_OPTIONAL, 0, 0);

	if (s->root_mode == CELL_ROOT_DIR) {
		/* a debootstrap root's /home, as the article's tmpfs home: lost on
		 * exit (only where DIR has one: it is no mount point cell needs) */
		PUSH(CELL_OP_TMPFS, NULL, "/home", CELL_OPF_OPTIONAL, 0755, 0);
		PUSH(CELL_OP_SYSFS, new_net ? NULL : "/sys", "/sys",
		     CELL_OPF_RO | (new_net ? 0 : CELL_OPF_HOSTSYS), 0, 0);
		PUSH(CELL_OP_MASK, NULL, "/sys/firmware", CELL_OPF_OPTIONAL, 0, 0);
	}

	PUSH(p.own_root ? CELL_OP_DIR : CELL_OP_TMPFS, NULL, "/dev",
	     CELL_OPF_DEV | CELL_OPF_EXEC_NO, 0755, 0);
	for (size_t i = 0; i < ELEMENTSOF(dev_nodes); i++)
		PUSH(CELL_OP_BIND, dev_nodes[i], dev_nodes[i], CELL_OPF_DEV | CELL_OPF_FILE, 0, 0);
	for (size_t i = 0; i < ELEMENTSOF(dev_links); i++)
		PUSH(CELL_OP_SYMLINK, dev_links[i].target, dev_links[i].path, 0, 0, 0);
	PUSH(CELL_OP_DEVPTS, NULL, "/dev/pts", 0, 0, 0);
	PUSH(p.own_root ? CELL_OP_DIR : CELL_OP_TMPFS, NULL, "/dev/shm", 0, 01777, 0);
	if (new_ipc)
		PUSH(CELL_OP_MQUEUE, NULL, "/dev/mqueue", 0, 0, 0);

	for (size_t i = 0; i < s->n_mounts; i++) {
		const struct cell_mount *m = &s->mounts[i];

		switch (m->type) {
		case CELL_MOUNT_BIND:
			PUSH(CELL_OP_BIND, m->src, m->dst,
			     CELL_OPF_USER | (idmap ? CELL_OPF_IDMAP : 0u), 0, 0);
			break;
		case CELL_MOUNT_RO_BIND:
			PUSH(CELL_OP_BIND, m->src, m->dst, CELL_OPF_USER | CELL_OPF_RO, 0, 0);
			break;
		case CELL_MOUNT_TMPFS:
			PUSH(CELL_OP_TMPFS, NULL, m->dst, CELL_OPF_USER, 01777, m->size);
			break;
		default:
			r = -EINVAL;
			goto fail;
		}
	}

	/* Desktops: only the one socket, and only that display's cookie. */
	if (s->x11 && h->x11_socket[0]) {
		PUSH(CELL_OP_BIND, h->x11_socket, h->x11_socket, CELL_OPF_USER, 0, 0);
		if (h->xauth_len > 0) {
			PUSH(CELL_OP_WRITE_FILE, NULL, "/tmp/.Xauthority", 0, 0600, 0);
			p.file_data = (const char *)h->xauth;
			p.file_len = h->xauth_len;
		}
	}
	if (s->wayland && s->wayland_socket)
		PUSH(CELL_OP_BIND, s->wayland_socket, "/tmp/wayland-socket", CELL_OPF_USER, 0, 0);
#undef PUSH
	*ret = p;
	return 0;
fail:
	cell_mount_plan_clear(&p);
	return cell_fail(err, -r, "planning the mounts");
}

static const char *user_flag(const struct cell_mount_op *op)
{
	if (op->type == CELL_OP_ROOT_BIND)
		return "--root";
	if (op->type == CELL_OP_ROOT_OVERLAY || op->type == CELL_OP_OVERLAY)
		return "--overlay";
	if (op->type == CELL_OP_TMPFS)
		return "--tmpfs";
	return (op->flags & CELL_OPF_RO) ? "--ro-bind" : "--bind";
}

void cell_mount_plan_print(const struct cell_mount_plan *p, FILE *f)
{
	if (p->chroot_only) {
		fprintf(f, "root: chroot %s (no mounts)\n", p->chroot_dir);
		return;
	}
	if (p->n == 0) {
		fprintf(f, "root: the host's (no new mount namespace)\n");
		return;
	}
	for (size_t i = 0; i < p->n; i++) {
		const struct cell_mount_op *op = &p->ops[i];

		fprintf(f, "mount: %-10s", cell_op_name(op->type));
		if (op->type == CELL_OP_SYMLINK)
			fprintf(f, " %s -> %s", op->dst, op->src);
		else if (op->src)
			fprintf(f, " %s on %s", op->src, op->dst);
		else
			fprintf(f, " %s", op->dst);
		if (op->flags & CELL_OPF_RO)
			fprintf(f, " ro");
		if (op->mode)
			fprintf(f, " mode=%04o", op->mode);
		if (op->size)
			fprintf(f, " size=%llu", (unsigned long long)op->size);
		if (op->flags & CELL_OPF_IDMAP)
			fprintf(f, " idmap");
		if (op->flags & CELL_OPF_OPTIONAL)
			fprintf(f, " if-present");
		if (op->flags & CELL_OPF_USER)
			fprintf(f, " (%s)", user_flag(op));
		fputc('\n', f);
	}
	if (p->root_ro)
		fprintf(f, "mount: %-10s /\n", "readonly");
	for (size_t i = 0; i < p->n; i++)
		if (p->ops[i].type == CELL_OP_OVERLAY || p->ops[i].type == CELL_OP_ROOT_OVERLAY) {
			fprintf(f, "overlay upper: %s\n",
				p->persist ? p->persist : "a tmpfs, gone on exit");
			break;
		}
}

/* ---- apply (child side: short, allocation-free, every failure fatal) ---- */

static int openat2_path(int dirfd, const char *path, uint64_t flags, uint64_t resolve)
{
	struct open_how how = { .flags = flags | O_CLOEXEC, .resolve = resolve };

	return (int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
}

/* Open path (absolute, inside the new root) as O_PATH, resolving inside
 * rootfd so that no symlink can lead out of it. */
static int open_in_root(int rootfd, const char *path)
{
	while (*path == '/')
		path++;
	if (!*path)
		path = ".";
	return openat2_path(rootfd, path, O_PATH, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
}

/* The directory in which the last target was made, kept open for the next
 * op with the same parent: after the first of /dev's device nodes, each of
 * the others (and /dev's symlinks) costs one call instead of five.  A mount
 * on a directory may cover it, so after every op but a symlink, a file's
 * bind or a written file it is forgotten (cell_mount_build, and apply_op
 * for a directory's bind).  (Symlinks only add names: symlinkat never
 * replaces what a path names.) */
static struct {
	char path[256];
	int fd;
} last_dir = { .fd = -1 };

static void forget_dir(void)
{
	if (last_dir.fd >= 0)
		close(last_dir.fd);
	last_dir.fd = -1;
	last_dir.path[0] = '\0';
}

static bool is_last_dir(const char *path, size_t len)
{
	return last_dir.fd >= 0 && len > 0 && len < sizeof(last_dir.path) && last_dir.path[len] == '\0' &&
	       memcmp(last_dir.path, path, len) == 0;
}

static void keep_dir(const char *path, size_t len, int fd)
{
	forget_dir();
	if (len >= sizeof(last_dir.path)) {
		close(fd);
		return;
	}
	memcpy(last_dir.path, path, len);
	last_dir.path[len] = '\0';
	last_dir.fd = fd;
}

/* Create name in dirfd, where it must be new: for a file, the fd that
 * created it (write-only: only ever a mount target); for a directory, an
 * O_PATH fd.  -1 with errno EEXIST when something is there already. */
static int make_new(int dirfd, const char *name, bool file)
{
	if (file)
		return openat(dirfd, name, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (mkdirat(dirfd, name, 0755) < 0)
		return -1;
	return openat(dirfd, name, O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC);
}

static int make_target(int rootfd, const char *path, bool file, struct cell_err *err,
		       const char *what);

/* cell's own root (own_root) holds only what the ops made: a top-level
 * target is made at once, without looking for it first. */
static bool fresh_root;

/* The directory path inside the root, made when missing; the fd belongs to
 * last_dir (the caller does not close it). */
static int open_dir(int rootfd, const char *path, size_t len, struct cell_err *err,
		    const char *what)
{
	char dir[4096];
	int fd;

	if (len == 0)
		return rootfd;
	if (is_last_dir(path, len))
		return last_dir.fd;
	if (len >= sizeof(dir))
		return cell_fail(err, ENAMETOOLONG, "%s: %s", what, path);
	memcpy(dir, path, len);
	dir[len] = '\0';
	fd = make_target(rootfd, dir, false, err, what);
	if (fd < 0)
		return fd;
	keep_dir(path, len, fd);
	return fd;
}

/* Make sure path exists inside the root (directories on the way, then a
 * directory or an empty file), and return an fd for it.  A missing
 * component is created in its parent, which was itself resolved inside the
 * root; the new name is then opened with O_NOFOLLOW, so a symlink that
 * appears there cannot redirect us.  In the parent last_dir holds (or at
 * the top of a fresh root), a new name is made at once (make_new); only
 * when it exists is the whole path resolved. */
static int make_target(int rootfd, const char *path, bool file, struct cell_err *err,
		       const char *what)
{
	const char *slash = strrchr(path, '/'), *name;
	int pfd, fd;
	size_t plen;

	if (slash && slash[1] && (is_last_dir(path, (size_t)(slash - path)) ||
				  (slash == path && fresh_root))) {
		fd = make_new(slash == path ? rootfd : last_dir.fd, slash + 1, file);
		if (fd >= 0 || errno != EEXIST)
			return fd >= 0 ? fd : cell_fail(err, errno, "%s: create %s", what, path);
	}
	fd = open_in_root(rootfd, path);
	if (fd >= 0 || errno != ENOENT)
		return fd >= 0 ? fd : cell_fail(err, errno, "%s: %s", what, path);
	if (!slash || !slash[1])
		return cell_fail(err, EINVAL, "%s: %s", what, path);
	name = slash + 1;
	plen = (size_t)(slash - path);
	pfd = open_dir(rootfd, path, plen, err, what);
	if (pfd < 0)
		return pfd;
	if (file) {
		int f = openat(pfd, name, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644);
		if (f < 0 && errno != EEXIST)
			return cell_fail(err, errno, "%s: create %s", what, path);
		if (f >= 0)
			close(f);
	} else if (mkdirat(pfd, name, 0755) < 0 && errno != EEXIST) {
		return cell_fail(err, errno, "%s: mkdir %s", what, path);
	}
	fd = openat(pfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return cell_fail(err, errno, "%s: %s", what, path);
	return fd;
}

static int attach(int mntfd, int targetfd)
{
	return move_mount(mntfd, "", targetfd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
}

/* Set the attributes set and clear those in clear (tri-state: what is in
 * neither stays as the mount had it). */
static int set_attr(int mntfd, uint64_t set, uint64_t clear, bool recursive)
{
	struct mount_attr attr = { .attr_set = set, .attr_clr = clear };

	return mount_setattr(mntfd, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &attr,
			     sizeof(attr));
}

/* mount(2) a new file system on the target fd.  The target was resolved
 * inside the new root; naming it through /proc/self/fd/N (the host's /proc,
 * still mounted here) mounts on exactly that directory.  One syscall, where
 * fsopen/fsconfig/fsmount/move_mount take four or more. */
static int mount_on_fd(int tfd, const char *type, unsigned long flags, const char *data)
{
	char path[32];

	snprintf(path, sizeof(path), "/proc/self/fd/%d", tfd);
	return mount(type, path, type, flags, data);
}

/* A tmpfs op's (or a dir op's) flags as mount attributes. */
static unsigned fs_attrs(const struct cell_mount_op *op)
{
	return MOUNT_ATTR_NOSUID | ((op->flags & CELL_OPF_DEV) ? 0 : MOUNT_ATTR_NODEV) |
	       ((op->flags & CELL_OPF_EXEC_NO) ? MOUNT_ATTR_NOEXEC : 0);
}

/* With own_root, a masked directory shows the root's own /proc directory,
 * empty below the proc mount that covers it, read-only: an fd to it is
 * taken before proc is mounted there (apply_op), and each mask is a clone
 * of it.  No file system to make and tear down, and cell --join can clone
 * the mask again. */
static int empty_dir = -1;
/* What masked files show: the host's /dev/null (O_PATH), once opened. */
static int dev_null = -1;

static int mask_with_empty_dir(int tfd)
{
	_cleanup_close_ int mfd = -1;

	mfd = open_tree(empty_dir, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
	if (mfd < 0 ||
	    set_attr(mfd, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC,
		     0, false) < 0)
		return -1;
	return attach(mfd, tfd);
}

static int bind_attrs(const struct cell_mount_op *op)
{
	return MOUNT_ATTR_NOSUID | ((op->flags & CELL_OPF_DEV) ? 0 : MOUNT_ATTR_NODEV) |
	       ((op->flags & CELL_OPF_RO) ? MOUNT_ATTR_RDONLY : 0);
}

static int fail_op(struct cell_err *err, const struct cell_mount_op *op, const char *what)
{
	int e = errno;

	if (op->flags & CELL_OPF_USER || op->type == CELL_OP_ROOT_BIND)
		return cell_fail(err, e, "%s %s%s%s", user_flag(op), op->src ? op->src : op->dst,
				 what[0] ? ": " : "", what);
	return cell_fail(err, e, "%s %s%s%s", cell_op_name(op->type), op->dst, what[0] ? ": " : "",
			 what);
}

/* The directory that holds the overlays' upper and work directories: the
 * --persist directory, or a private tmpfs that is never attached anywhere. */
static int upper_base = -1;

static int open_upper_base(const struct cell_mount_plan *p, struct cell_err *err)
{
	if (upper_base >= 0)
		return upper_base;
	if (p->persist) {
		upper_base = open(p->persist, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (upper_base < 0)
			return cell_fail(err, errno, "--persist %s", p->persist);
	} else {
		_cleanup_close_ int fsfd = fsopen("tmpfs", FSOPEN_CLOEXEC);

		if (fsfd < 0 || fsconfig(fsfd, FSCONFIG_SET_STRING, "mode", "0755", 0) < 0 ||
		    fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0 ||
		    (upper_base = fsmount(fsfd, FSMOUNT_CLOEXEC, MOUNT_ATTR_NODEV)) < 0)
			return cell_fail(err, errno, "--overlay: make the upper layer's tmpfs");
	}
	return upper_base;
}

/* upper/NAME and work/NAME for one overlay ("root" for the root). */
static int make_layer_dirs(int base, const char *name, int64_t uid, int64_t gid,
			   struct cell_err *err)
{
	static const char *const top[] = { "upper", "work" };
	char path[4096];

	for (int i = 0; i < 2; i++) {
		if (mkdirat(base, top[i], 0755) < 0 && errno != EEXIST)
			return cell_fail(err, errno, "--overlay: mkdir %s", top[i]);
		if (uid >= 0 && fchownat(base, top[i], (uid_t)uid, (gid_t)gid, 0) < 0)
			return cell_fail(err, errno, "--overlay: chown %s", top[i]);
		snprintf(path, sizeof(path), "%s/%s", top[i], name);
		if (mkdirat(base, path, 0755) < 0 && errno != EEXIST)
			return cell_fail(err, errno, "--overlay: mkdir %s", path);
		/* Root's sandboxes write as unprivileged host ids. */
		if (uid >= 0 && fchownat(base, path, (uid_t)uid, (gid_t)gid, 0) < 0)
			return cell_fail(err, errno, "--overlay: chown %s", path);
	}
	return 0;
}

/* The layer's directory under upper/ and work/: the root's layers are
 * upper/ and work/ themselves, a system directory's are upper/usr etc., so
 * paths under upper/ are the sandbox's paths (cell root diff DIR). */
static const char *layer_name(const struct cell_mount_op *op)
{
	return op->type == CELL_OP_ROOT_OVERLAY ? "" : op->dst + 1;
}

/* The lower directory was opened before anything covered the host's paths
 * (lowerfd); overlayfs is given it, and the layers, as /proc/self/fd paths,
 * which also keeps ',' and ':' in user paths from reaching its options. */
static int mount_overlay(const struct cell_mount_plan *p, const struct cell_mount_op *op,
			 int lowerfd, const char *target, struct cell_err *err)
{
	char data[512];
	int base = open_upper_base(p, err);
	const char *name = layer_name(op);

	if (base < 0)
		return base;
	if (!p->persist && make_layer_dirs(base, name, -1, -1, err) < 0)
		return -EINVAL;
	snprintf(data, sizeof(data),
		 "lowerdir=/proc/self/fd/%d,upperdir=/proc/self/fd/%d/upper/%s,"
		 "workdir=/proc/self/fd/%d/work/%s%s",
		 lowerfd, base, name, base, name, p->in_userns ? ",userxattr" : "");
	if (mount("overlay", target, "overlay", MS_NOSUID | MS_NODEV, data) < 0) {
		int e = errno;

		if (e == EPERM || e == EINVAL)
			return cell_fail(err, e, "--overlay %s: the kernel refused an overlay mount "
					 "here (unprivileged overlays need Linux 5.11 or later, "
					 "and user xattrs on the upper layer's file system)",
					 op->src);
		return cell_fail(err, e, "--overlay %s", op->src);
	}
	return 0;
}

static int apply_op(const struct cell_mount_plan *plan, const struct cell_mount_op *op, int rootfd,
		    int srcfd, struct cell_err *err)
{
	_cleanup_close_ int tfd = -1, mfd = -1;
	struct stat st;

	switch (op->type) {
	case CELL_OP_BIND:
		/* cell's own file binds (the device nodes) are known files */
		if (op->flags & CELL_OPF_FILE)
			st.st_mode = S_IFREG;
		else if (fstat(srcfd, &st) < 0)
			return fail_op(err, op, "stat");
		tfd = make_target(rootfd, op->dst, !S_ISDIR(st.st_mode), err, user_flag(op));
		if (tfd < 0)
			return tfd;
		/* A device node keeps the host's /dev flags: nosuid/noexec mean
		 * nothing for it, so save the call. */
		if (!((op->flags & CELL_OPF_DEV) && (op->flags & CELL_OPF_FILE)) &&
		    set_attr(srcfd, (uint64_t)bind_attrs(op), 0, true) < 0)
			return fail_op(err, op, "set mount attributes");
		if (attach(srcfd, tfd) < 0)
			return fail_op(err, op, "attach");
		if (S_ISDIR(st.st_mode))
			forget_dir(); /* it may cover last_dir */
		return 0;
	case CELL_OP_SYMLINK: {
		const char *slash = strrchr(op->dst, '/');
		int dfd = open_dir(rootfd, op->dst, (size_t)(slash - op->dst), err, "symlink");

		if (dfd < 0)
			return dfd;
		if (symlinkat(op->src, dfd, slash + 1) < 0 && errno != EEXIST)
			return fail_op(err, op, "symlink");
		return 0;
	}
	case CELL_OP_MASK:
		tfd = open_in_root(rootfd, op->dst);
		if (tfd < 0)
			return (errno == ENOENT && (op->flags & CELL_OPF_OPTIONAL)) ? 0
										  : fail_op(err, op, "");
		if (fstat(tfd, &st) < 0)
			return fail_op(err, op, "stat");
		if (S_ISDIR(st.st_mode) && empty_dir >= 0) {
			if (mask_with_empty_dir(tfd) < 0)
				return fail_op(err, op, "mask");
			return 0;
		}
		if (S_ISDIR(st.st_mode)) {
			if (mount_on_fd(tfd, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
					"mode=0555,size=4k") < 0)
				return fail_op(err, op, "mask");
			return 0;
		}
		/* the host's /dev/null, found once */
		if (dev_null < 0)
			dev_null = open("/dev/null", O_PATH | O_CLOEXEC);
		mfd = open_tree(dev_null, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
		if (mfd < 0 || attach(mfd, tfd) < 0)
			return fail_op(err, op, "mask");
		return 0;
	case CELL_OP_READONLY:
		tfd = open_in_root(rootfd, op->dst);
		if (tfd < 0)
			return (errno == ENOENT && (op->flags & CELL_OPF_OPTIONAL)) ? 0
										  : fail_op(err, op, "");
		mfd = open_tree(tfd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE |
					 AT_EMPTY_PATH);
		if (mfd < 0 || set_attr(mfd, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID, 0, true) < 0 ||
		    attach(mfd, tfd) < 0)
			return fail_op(err, op, "make read-only");
		return 0;
	case CELL_OP_OVERLAY: {
		char path[32];

		tfd = make_target(rootfd, op->dst, false, err, "--overlay");
		if (tfd < 0)
			return tfd;
		snprintf(path, sizeof(path), "/proc/self/fd/%d", tfd);
		return mount_overlay(plan, op, srcfd, path, err);
	}
	case CELL_OP_DIR: {
		/* A new directory of cell's own root (nothing else can be there),
		 * bound on itself: it keeps its own flags and stays writable
		 * when the root becomes read-only. */
		const char *slash = strrchr(op->dst, '/');
		int dfd = open_dir(rootfd, op->dst, (size_t)(slash - op->dst), err, "dir");

		if (dfd < 0)
			return dfd;
		/* the mode as given, whatever the umask */
		if (mkdirat(dfd, slash + 1, 0700) < 0 || fchmodat(dfd, slash + 1, op->mode, 0) < 0)
			return fail_op(err, op, "mkdir");
		/* exactly its own flags, not those of the mount it came from */
		mfd = open_tree(dfd, slash + 1, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
		if (mfd < 0 ||
		    set_attr(mfd, fs_attrs(op),
			     (MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC) & ~fs_attrs(op),
			     false) < 0 ||
		    move_mount(mfd, "", dfd, slash + 1, MOVE_MOUNT_F_EMPTY_PATH) < 0)
			return fail_op(err, op, "bind");
		return 0;
	}
	case CELL_OP_WRITE_FILE: {
		char parent[4096];
		const char *slash = strrchr(op->dst, '/');
		size_t plen = (size_t)(slash - op->dst);
		int f;

		if (plen >= sizeof(parent))
			return cell_fail(err, ENAMETOOLONG, "file %s", op->dst);
		memcpy(parent, op->dst, plen);
		parent[plen] = '\0';
		tfd = make_target(rootfd, plen ? parent : "/", false, err, "file");
		if (tfd < 0)
			return tfd;
		f = openat(tfd, slash + 1, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (f < 0)
			return fail_op(err, op, "create");
		if (write(f, plan->file_data, plan->file_len) != (ssize_t)plan->file_len ||
		    fchown(f, plan->file_uid, plan->file_gid) < 0) {
			int e = errno;

			close(f);
			errno = e;
			return fail_op(err, op, "write");
		}
		close(f);
		return 0;
	}
	case CELL_OP_PROC:
	case CELL_OP_SYSFS:
		if (op->flags & (CELL_OPF_HOSTPROC | CELL_OPF_HOSTSYS)) {
			/* the detached clone of the host's /proc or /sys (srcfd is
			 * closed by the caller) */
			unsigned attrs = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC |
					 ((op->flags & CELL_OPF_RO) ? MOUNT_ATTR_RDONLY : 0);

			tfd = make_target(rootfd, op->dst, false, err, cell_op_name(op->type));
			if (tfd < 0)
				return tfd;
			if (set_attr(srcfd, attrs, 0, true) < 0 || attach(srcfd, tfd) < 0)
				return fail_op(err, op, "attach");
			return 0;
		}
		/* fall through */
	case CELL_OP_TMPFS:
	case CELL_OP_DEVPTS:
	case CELL_OP_MQUEUE: {
		unsigned long flags = MS_NOSUID | MS_NODEV | MS_NOEXEC;
		char data[64] = "";
		const char *type = cell_op_name(op->type);

		if (op->flags & CELL_OPF_OPTIONAL) {
			tfd = open_in_root(rootfd, op->dst);
			if (tfd < 0 && errno == ENOENT)
				return 0;
			if (tfd >= 0)
				close(tfd);
			tfd = -1;
		}

		if (op->type == CELL_OP_TMPFS) {
			flags = MS_NOSUID | ((op->flags & CELL_OPF_DEV) ? 0 : MS_NODEV) |
				((op->flags & CELL_OPF_EXEC_NO) ? MS_NOEXEC : 0);
			if (op->size)
				snprintf(data, sizeof(data), "mode=%o,size=%llu", op->mode,
					 (unsigned long long)op->size);
			else
				snprintf(data, sizeof(data), "mode=%o", op->mode ? op->mode : 0755);
		} else if (op->type == CELL_OP_DEVPTS) {
			/* A private instance: the sandbox sees only its own terminals. */
			flags = MS_NOSUID | MS_NOEXEC;
			snprintf(data, sizeof(data), "newinstance,ptmxmode=0666,mode=0620");
		} else if (op->type == CELL_OP_SYSFS) {
			flags |= MS_RDONLY;
		}
		tfd = make_target(rootfd, op->dst, false, err, type);
		if (tfd < 0)
			return tfd;
		if (mount_on_fd(tfd, type, flags, data[0] ? data : NULL) < 0)
			return fail_op(err, op, "mount");
		/* the empty directory below: what masks under /proc show */
		if (op->type == CELL_OP_PROC && plan->own_root && empty_dir < 0) {
			empty_dir = tfd;
			tfd = -1;
		}
		return 0;
	}
	default:
		return cell_fail(err, EINVAL, "unexpected mount op %d", op->type);
	}
}

/* Overlay lower layers that arrived from the parent as detached idmapped
 * mounts: overlayfs clones its layers, which it may do only for mounts of
 * the caller's own mount namespace, so they are attached first (stage()). */
static uint64_t detached_lowers[CELL_MOUNT_OPS_MAX / 64];

static bool is_detached_lower(size_t i)
{
	return detached_lowers[i / 64] & (1ull << (i % 64));
}

/* With detached lowers the new root is built at /tmp/root on a private tmpfs
 * at /tmp, and each such lower is attached at /tmp/lowerN; all of it stays
 * behind in the old root, which the pivot detaches. */
static int stage(const struct cell_mount_plan *p, int *src, const char **root_path,
		 struct cell_err *err)
{
	bool any = false;

	for (size_t i = 0; i < p->n; i++)
		any |= is_detached_lower(i);
	*root_path = "/tmp";
	if (!any)
		return 0;
	if (mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0700") < 0 ||
	    mkdir("/tmp/root", 0755) < 0)
		return cell_fail(err, errno, "--overlay: staging tmpfs");
	*root_path = "/tmp/root";
	for (size_t i = 0; i < p->n; i++) {
		char dir[32];

		if (!is_detached_lower(i))
			continue;
		snprintf(dir, sizeof(dir), "/tmp/lower%zu", i);
		if (mkdir(dir, 0755) < 0 ||
		    move_mount(src[i], "", AT_FDCWD, dir, MOVE_MOUNT_F_EMPTY_PATH) < 0)
			return fail_op(err, &p->ops[i], "attach the lower layer");
		close(src[i]);
		src[i] = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (src[i] < 0)
			return fail_op(err, &p->ops[i], "open the lower layer");
	}
	return 0;
}

static bool needs_source(const struct cell_mount_op *op)
{
	return op->type == CELL_OP_BIND || op->type == CELL_OP_ROOT_BIND ||
	       op->type == CELL_OP_OVERLAY || op->type == CELL_OP_ROOT_OVERLAY ||
	       (op->type == CELL_OP_PROC && (op->flags & CELL_OPF_HOSTPROC)) ||
	       (op->type == CELL_OP_SYSFS && (op->flags & CELL_OPF_HOSTSYS));
}

int cell_mount_open_sources(const struct cell_mount_plan *p, int *preopened, int *src,
			    struct cell_err *err)
{
	for (size_t i = 0; i < p->n; i++)
		src[i] = -1;
	/* Nothing mounted here may reach the host's mount namespace.  A mount
	 * namespace made together with a user namespace has that already: the
	 * kernel makes its copies of shared mounts slaves (CL_SHARED_TO_SLAVE
	 * in copy_mnt_ns), so the 60-odd host mounts need no second pass. */
	if (!p->in_userns && mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
		return cell_fail(err, errno, "make mounts private");
	/* --chroot: now, while init still has the caller's rights (the parent
	 * of DIR may be closed to the sandbox's ids). */
	if (p->chroot_only) {
		if (chroot(p->chroot_dir) < 0)
			return cell_fail(err, errno, "--chroot %s", p->chroot_dir);
		if (chdir("/") < 0)
			return cell_fail(err, errno, "chdir / in --chroot %s", p->chroot_dir);
		return 0;
	}
	/* --persist: open the layers' directory before /tmp may be covered */
	for (size_t i = 0; i < p->n && p->persist; i++)
		if ((p->ops[i].type == CELL_OP_OVERLAY || p->ops[i].type == CELL_OP_ROOT_OVERLAY) &&
		    open_upper_base(p, err) < 0)
			return -EINVAL;
	for (size_t i = 0; i < p->n; i++) {
		const struct cell_mount_op *op = &p->ops[i];

		if (preopened && preopened[i] >= 0) {
			src[i] = preopened[i];
			preopened[i] = -1;
			if (op->type == CELL_OP_OVERLAY || op->type == CELL_OP_ROOT_OVERLAY)
				detached_lowers[i / 64] |= 1ull << (i % 64);
			continue;
		}
		if (!needs_source(op))
			continue;
		if (op->type == CELL_OP_OVERLAY || op->type == CELL_OP_ROOT_OVERLAY)
			src[i] = open(op->src, O_PATH | O_DIRECTORY | O_CLOEXEC);
		else
			src[i] = open_tree(AT_FDCWD, op->src,
					   OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
		if (src[i] < 0) {
			if (errno == ENOENT && (op->flags & CELL_OPF_OPTIONAL))
				continue;
			return fail_op(err, op, "");
		}
	}
	return 0;
}

int cell_mount_prepare_persist(const struct cell_mount_plan *p, struct cell_err *err)
{
	_cleanup_close_ int base = -1;

	if (!p->persist)
		return 0;
	for (size_t i = 0; i < p->n; i++) {
		const struct cell_mount_op *op = &p->ops[i];
		int r;

		if (op->type != CELL_OP_OVERLAY && op->type != CELL_OP_ROOT_OVERLAY)
			continue;
		if (base < 0 && (base = open(p->persist, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
			return cell_fail(err, errno, "--persist %s", p->persist);
		r = make_layer_dirs(base, layer_name(op), p->upper_uid, p->upper_gid, err);
		if (r < 0)
			return cell_err_prefix(err, "--persist %s", p->persist);
	}
	return 0;
}

int cell_mount_build(const struct cell_mount_plan *p, int *src,
		     int (*before_sysfs)(void *arg, struct cell_err *err), void *arg,
		     struct cell_err *err)
{
	_cleanup_close_ int rootfd = -1;
	const char *root_path = "/tmp";
	int r = 0;

	if (p->chroot_only || p->n == 0)
		return 0; /* --chroot happened in cell_mount_open_sources() */

	/* 3. The new root, attached over /tmp of this (private) mount namespace. */
	r = stage(p, src, &root_path, err);
	if (r < 0)
		goto out;
	if (p->ops[0].type == CELL_OP_ROOT_TMPFS) {
		if (mount("tmpfs", root_path, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") < 0) {
			r = cell_fail(err, errno, "mount the new root's tmpfs on %s", root_path);
			goto out;
		}
	} else if (p->ops[0].type == CELL_OP_ROOT_OVERLAY) {
		r = mount_overlay(p, &p->ops[0], src[0], root_path, err);
		if (r < 0)
			goto out;
	} else {
		if (set_attr(src[0], (uint64_t)bind_attrs(&p->ops[0]), 0, true) < 0 ||
		    move_mount(src[0], "", AT_FDCWD, root_path, MOVE_MOUNT_F_EMPTY_PATH) < 0) {
			r = fail_op(err, &p->ops[0], "attach");
			goto out;
		}
	}
	rootfd = open(root_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0) {
		r = cell_fail(err, errno, "open the new root");
		goto out;
	}
	fresh_root = p->own_root;

	/* 4. Everything else, in plan order. */
	for (size_t i = 1; i < p->n; i++) {
		const struct cell_mount_op *op = &p->ops[i];

		if (needs_source(op) && src[i] < 0)
			continue; /* optional and absent */
		if (op->type == CELL_OP_SYSFS && !(op->flags & CELL_OPF_HOSTSYS) && before_sysfs) {
			r = before_sysfs(arg, err);
			if (r < 0)
				goto out;
			before_sysfs = NULL;
		}
		r = apply_op(p, op, rootfd, src[i], err);
		if (r < 0)
			goto out;
		/* a bind forgets last_dir itself when it covered a directory */
		if (op->type != CELL_OP_SYMLINK && op->type != CELL_OP_WRITE_FILE &&
		    op->type != CELL_OP_BIND)
			forget_dir();
	}
	forget_dir();

	/* 5. Read-only root, pivot.  The old root stays stacked on the new one,
	 * where no path from the new root leads, until
	 * cell_mount_detach_old_root(). */
	if (p->root_ro && set_attr(rootfd, MOUNT_ATTR_RDONLY, 0, false) < 0) {
		r = cell_fail(err, errno, "make the root read-only");
		goto out;
	}
	if (fchdir(rootfd) < 0 || syscall(SYS_pivot_root, ".", ".") < 0) {
		r = cell_fail(err, errno, "pivot_root");
		goto out;
	}
out:
	forget_dir();
	fresh_root = false;
	if (empty_dir >= 0) {
		close(empty_dir);
		empty_dir = -1;
	}
	if (dev_null >= 0) {
		close(dev_null);
		dev_null = -1;
	}
	for (size_t i = 0; i < p->n; i++)
		if (src[i] >= 0) {
			close(src[i]);
			src[i] = -1;
		}
	if (upper_base >= 0) {
		close(upper_base);
		upper_base = -1;
	}
	return r;
}

int cell_mount_detach_old_root(const struct cell_mount_plan *p, struct cell_err *err)
{
	if (p->chroot_only || p->n == 0)
		return 0;
	/* "." is still the new root, and umount2 takes what is stacked on it */
	if (umount2(".", MNT_DETACH) < 0 || chdir("/") < 0)
		return cell_fail(err, errno, "detach the old root");
	return 0;
}

int cell_mount_idmap_prepare(const struct cell_mount_plan *p, int bind_userns, int lower_userns,
			     int *fds, struct cell_err *err)
{
	int made = 0;

	for (size_t i = 0; i < p->n; i++) {
		const struct cell_mount_op *op = &p->ops[i];
		int userns_fd = (op->flags & CELL_OPF_IDMAP) ? bind_userns : lower_userns;
		struct mount_attr attr = { .attr_set = MOUNT_ATTR_IDMAP,
					   .userns_fd = (uint64_t)userns_fd };
		int fd;

		fds[i] = -1;
		if (!(op->flags & CELL_OPF_PREOPEN) || userns_fd < 0)
			continue;
		fd = open_tree(AT_FDCWD, op->src, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
		if (fd < 0)
			return fail_op(err, op, "");
		if (mount_setattr(fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof(attr)) < 0) {
			/* Not every file system can be idmapped (kernel and fs
			 * dependent): then the bind shows host ids as they map,
			 * which is still correct, only less convenient. */
			int e = errno;

			close(fd);
			if (cell_errno_unsupported(e))
				continue;
			errno = e;
			return fail_op(err, op, "idmap");
		}
		fds[i] = fd;
		made++;
	}
	return made;
}
