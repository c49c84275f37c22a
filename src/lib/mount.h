/* mount.h - the sandbox's file system: an ordered list of mount operations.
 *
 * cell_mount_plan() is pure: spec + host facts -> ops.  cell_mount_apply()
 * runs in the child, in its new mount namespace, and only issues the
 * syscalls (the new mount API: open_tree, fsopen/fsmount, mount_setattr,
 * move_mount; kernel >= 5.12).  Every target is resolved inside the new root
 * with openat2(RESOLVE_IN_ROOT), so a symlink planted in a --root tree cannot
 * redirect a mount outside it.
 */
#ifndef CELL_MOUNT_H
#define CELL_MOUNT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "err.h"
#include "host.h"
#include "spec.h"

enum cell_op_type {
	CELL_OP_ROOT_TMPFS, /* the new root is a fresh tmpfs */
	CELL_OP_ROOT_BIND,  /* the new root is a recursive bind of src */
	CELL_OP_BIND,	    /* recursive bind src -> dst */
	CELL_OP_TMPFS,	    /* tmpfs at dst (size, mode) */
	CELL_OP_PROC,	    /* proc at dst (bind of host /proc without a new pid ns) */
	CELL_OP_SYSFS,	    /* sysfs at dst, read-only */
	CELL_OP_DEVPTS,	    /* a private devpts instance at dst */
	CELL_OP_MQUEUE,	    /* mqueue at dst */
	CELL_OP_SYMLINK,    /* symlink dst -> src */
	CELL_OP_MASK,	    /* hide dst: /dev/null over a file, an empty read-only
			     * directory over a dir (a tmpfs, or with own_root the
			     * root's own /proc below the proc mount) */
	CELL_OP_READONLY,   /* make the existing dst (and below) read-only */
	CELL_OP_ROOT_OVERLAY, /* the new root is an overlay: lower src, upper see plan */
	CELL_OP_OVERLAY,    /* overlay at dst: lower src, upper see plan */
	CELL_OP_WRITE_FILE, /* write the plan's file data to dst (after the pivot) */
	CELL_OP_DIR,	    /* a new directory of the root's own tmpfs at dst (mode),
			     * bound on itself with its own flags (own_root) */
	CELL_OP_TYPE_MAX
};

enum {
	CELL_OPF_RO = 1u << 0,	     /* read-only, recursively */
	CELL_OPF_OPTIONAL = 1u << 1, /* skip when source or target does not exist */
	CELL_OPF_DEV = 1u << 2,	     /* allow device nodes (the default is nodev) */
	CELL_OPF_EXEC_NO = 1u << 3,  /* noexec */
	CELL_OPF_FILE = 1u << 4,     /* target is a file, not a directory */
	CELL_OPF_USER = 1u << 5,     /* asked for by the user (shown with its flag) */
	CELL_OPF_IDMAP = 1u << 6,    /* writable bind: idmap to the sandbox's ids if possible */
	CELL_OPF_IDMAP_LOWER = 1u << 9, /* overlay lower: host root shows as root inside */
	CELL_OPF_HOSTPROC = 1u << 7, /* proc: bind host /proc (no new pid namespace) */
	CELL_OPF_HOSTSYS = 1u << 8,  /* sysfs: bind host /sys (no new net namespace) */
};

struct cell_mount_op {
	enum cell_op_type type;
	const char *src; /* borrowed from the spec or static */
	const char *dst;
	uint64_t size;
	unsigned mode;	 /* tmpfs root mode */
	unsigned flags;
};

struct cell_mount_plan {
	struct cell_mount_op *ops;
	size_t n;
	bool chroot_only;     /* --chroot: no mounts, chroot(src of ops[0]) */
	const char *chroot_dir;
	bool root_ro;	      /* make the new root read-only at the end */
	/* The root is cell's own tmpfs and nothing but cell's ops fill it (the
	 * default root): /tmp, /dev and /dev/shm are directories of it
	 * (CELL_OP_DIR), and a masked directory under /proc shows its empty
	 * /proc directory, instead of a file system each. */
	bool own_root;
	/* Overlays: the upper and work directories live in persist/upper/NAME and
	 * persist/work/NAME, or on a private tmpfs when persist is NULL. */
	const char *persist;
	bool in_userns;	      /* a new user namespace with the mount namespace: overlays
			       * with "userxattr", copies of shared mounts already slaves */
	int64_t upper_uid, upper_gid; /* owner of --persist layers (host ids), -1: keep */
	/* CELL_OP_WRITE_FILE: the bytes (e.g. an X authority cookie), the
	 * owner and mode of the file. */
	const char *file_data;
	size_t file_len;
	uint32_t file_uid, file_gid;
};

int cell_mount_plan(const struct cell_spec *s, const struct cell_host *h,
		    struct cell_mount_plan *ret, struct cell_err *err);
void cell_mount_plan_clear(struct cell_mount_plan *p);
/* Append one op to a plan made by cell_mount_plan() (other planners' own
 * mounts, e.g. the network's /etc/resolv.conf).  src and dst are borrowed.
 * -E2BIG when full, -ENOMEM. */
int cell_mount_plan_add(struct cell_mount_plan *p, enum cell_op_type type, const char *src,
			const char *dst, unsigned flags);

void cell_mount_plan_print(const struct cell_mount_plan *p, FILE *f);
const char *cell_op_name(enum cell_op_type t);

#define CELL_MOUNT_OPS_MAX 256

/* Child side, in two steps so that init can change its ids in between:
 * 1. make every mount a slave and clone each bind source into a detached
 *    tree (with the caller's file access rights).  preopened[i] >= 0 is a
 *    detached mount the parent made for op i (an idmapped bind); it is taken
 *    over.  src must hold CELL_MOUNT_OPS_MAX entries.
 * 2. build the new root, pivot_root into it (cwd "/"), close src; the old
 *    root stays stacked on the new one (no path leads there) until
 * 3. cell_mount_detach_old_root(), which the caller must call before
 *    anything else runs in the sandbox, and before any chdir.
 *    before_sysfs, when not NULL, runs once (with arg) before a new sysfs
 *    is mounted (sysfs shows the network namespace of the process that
 *    mounts it): a negative return stops the build with that error. */
int cell_mount_open_sources(const struct cell_mount_plan *p, int *preopened, int *src,
			    struct cell_err *err);
int cell_mount_build(const struct cell_mount_plan *p, int *src,
		     int (*before_sysfs)(void *arg, struct cell_err *err), void *arg,
		     struct cell_err *err);
int cell_mount_detach_old_root(const struct cell_mount_plan *p, struct cell_err *err);

/* Parent side, before clone: make the --persist layers' directories (and
 * give them to upper_uid/upper_gid).  No-op without --persist. */
int cell_mount_prepare_persist(const struct cell_mount_plan *p, struct cell_err *err);

/* Ops whose source the parent may prepare (idmapped) and send to the child. */
#define CELL_OPF_PREOPEN (CELL_OPF_IDMAP | CELL_OPF_IDMAP_LOWER)

/* Parent side, host root only: make idmapped detached mounts for the ops
 * that want them: CELL_OPF_IDMAP binds through bind_userns (see idmap.h's
 * mount map), CELL_OPF_IDMAP_LOWER overlay lower layers through the
 * sandbox's own user namespace (safe: overlayfs never writes a lower layer,
 * and there it lets root inside own what host root owns).  Either fd may be
 * -1 to skip those ops.  Fills fds[i] (or -1); returns how many were made. */
int cell_mount_idmap_prepare(const struct cell_mount_plan *p, int bind_userns, int lower_userns,
			     int *fds, struct cell_err *err);

#endif
