/* rootfs.h - build a root directory from the host's programs (`cell root build`).
 *
 * The article's chroot by hand (mkdir, cp the binary, read ldd, cp each
 * library) as a plan and an apply step:
 *
 *   plan   cell_rootfs_add_program() and friends read the host tree (through
 *          a directory fd, never following a symlink out of it), parse ELF
 *          files and #! lines (elf.c), search libraries as ld.so(8) does
 *          (ldpath.c) and record ordered operations: directories, symlinks
 *          with their exact targets, file copies, small skeleton files.
 *          Nothing is written; a missing program or library fails here, so
 *          the target is left as it was.
 *   apply  cell_rootfs_apply() writes the marker file first, runs the
 *          operations inside the target (every path resolved with
 *          openat2(RESOLVE_IN_ROOT)), records the programs in the manifest
 *          and removes the marker last.  A root that still has the marker
 *          is incomplete and must not be trusted.
 *
 * The same walker run over a built root (cell_rootfs_check) reports what
 * each program would still lack there.
 */
#ifndef CELL_ROOTFS_H
#define CELL_ROOTFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "err.h"

/* Present while a build (or debootstrap) of the root is unfinished. */
#define CELL_ROOTFS_INCOMPLETE ".cell-incomplete"
/* The programs `cell root build` put in the root, one path a line. */
#define CELL_ROOTFS_MANIFEST ".cell-root"

/* The search path cell gives commands (and `--check` uses inside a root). */
#define CELL_ROOTFS_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

enum cell_rootfs_op_type {
	CELL_ROOTFS_DIR,     /* mkdir path (mode) */
	CELL_ROOTFS_SYMLINK, /* symlink path -> arg */
	CELL_ROOTFS_COPY,    /* copy host file arg to path (mode, mtime kept) */
	CELL_ROOTFS_FILE,    /* write text arg to path, only when absent */
	CELL_ROOTFS_OP_MAX
};

struct cell_rootfs_op {
	enum cell_rootfs_op_type type;
	char *path; /* absolute, inside the root */
	char *arg;
	unsigned mode;
};

struct cell_rootfs;

/* hostfd: the tree to copy from, normally open("/", O_PATH).  path_env: the
 * PATH for names without a slash (NULL: CELL_ROOTFS_PATH).  cwd: for
 * relative paths.  Returns NULL on out-of-memory; hostfd stays the caller's. */
struct cell_rootfs *cell_rootfs_new(int hostfd, const char *path_env, const char *cwd);
struct cell_rootfs *cell_rootfs_free(struct cell_rootfs *b);
static inline void cell_rootfs_freep(struct cell_rootfs **b)
{
	cell_rootfs_free(*b);
}

/* The mount points and files a program expects: /bin /lib /lib64 in the
 * host's shape, /etc /tmp /proc /dev /sys /home /root /run, and /etc/passwd,
 * /etc/group, /etc/nsswitch.conf, /etc/hosts (written only where absent).
 * user/uid/gid: an extra account for the caller (user NULL: none). */
int cell_rootfs_add_skeleton(struct cell_rootfs *b, const char *user, unsigned uid, unsigned gid,
			     struct cell_err *err);

/* A program by path or PATH name, with its loader, libraries and, for a
 * script, its interpreter (and the program an env(1) line names). */
int cell_rootfs_add_program(struct cell_rootfs *b, const char *name, struct cell_err *err);

/* --add SRC[:DST]: a file or a whole directory tree (symlinks inside it are
 * copied as symlinks); ELF files in it bring their libraries. */
int cell_rootfs_add_path(struct cell_rootfs *b, const char *src, const char *dst,
			 struct cell_err *err);

/* The plan so far. */
const struct cell_rootfs_op *cell_rootfs_ops(const struct cell_rootfs *b, size_t *ret_n);
void cell_rootfs_print(const struct cell_rootfs *b, FILE *f);

/* Write the plan into the root at dirfd (see above).  ret_copied: how many
 * files were copied (the rest were up to date). */
int cell_rootfs_apply(const struct cell_rootfs *b, int dirfd, size_t *ret_copied,
		      struct cell_err *err);

/* Write (incomplete true) or remove the CELL_ROOTFS_INCOMPLETE marker at
 * the top of the root at dirfd; what says which tool left it. */
int cell_rootfs_mark(int dirfd, bool incomplete, const char *what, struct cell_err *err);

/* What one program lacks inside the root at rootfd: fn is called once per
 * missing item ("libz.so.1", needed_by "/usr/bin/python3.11").  Returns the
 * number of missing items, or -errno when the check itself fails. */
int cell_rootfs_check(int rootfd, const char *program,
		      void (*fn)(const char *what, const char *needed_by, void *ud), void *ud,
		      struct cell_err *err);

/* The programs recorded in a root's manifest (NULL-terminated, free with
 * cell_strv_free); an empty list when there is none. */
int cell_rootfs_manifest_read(int rootfd, char ***ret, struct cell_err *err);
void cell_rootfs_strv_free(char **v);

#endif
