/* landlock.h - Landlock: file and network access rules for the command.
 *
 * landlock(7), landlock_create_ruleset(2), landlock_add_rule(2),
 * landlock_restrict_self(2).  `--landlock` restricts file access to exactly
 * the paths the sandbox mounts, with the rights the mounts imply (read-only
 * binds: read and execute; writable binds and tmpfs: read and write), and on
 * Landlock ABI >= 4 TCP bind/connect to the listed ports; on ABI >= 6 it can
 * also scope abstract unix sockets and signals to the sandbox.
 *
 * Where each step runs, and why:
 *
 *   plan     (parent, pure) cell_landlock_plan_from_mounts() or _add_path()
 *            and _add_port(): a list of (path inside the sandbox, rights).
 *   prepare  (parent, before clone) cell_landlock_prepare(): find the ABI,
 *            mask the rights to what it knows, refuse what cannot be
 *            enforced (fail closed, unless best effort), and create the
 *            ruleset fd.  A host without Landlock is found here, before
 *            anything is started.
 *   apply    (child, after the mounts, pivot_root, no_new_privs; before
 *            seccomp) cell_landlock_apply(): add one path_beneath rule per
 *            path and restrict the calling thread (inherited by its
 *            children).  Allocation-free.
 *
 * Path rules are attached to inodes, and must be opened in the sandbox's
 * view: the new root's tmpfs, /tmp, /dev and /proc exist only after the
 * child has mounted them, and paths in the plan are the sandbox's paths.  So
 * the parent creates the (empty) ruleset and the child fills it after
 * pivot_root with O_PATH opens, one landlock_add_rule per path, and then
 * calls landlock_restrict_self.  The ruleset fd is O_CLOEXEC; the launcher
 * must keep it open across the "close stray fds" step and may close it
 * after cell_landlock_apply().
 *
 * Rights are unions down the tree: a rule on "/" gives its rights to
 * everything below, deeper rules add more, none can take any away.  The
 * read-only parts of the tree stay read-only through the mount flags in any
 * case; Landlock adds a second, independent lock (and stops what mounts
 * cannot: e.g. opening files through an fd from outside the root).
 */
#ifndef CELL_LANDLOCK_H
#define CELL_LANDLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct cell_mount_plan;

/* File system rights: the kernel's LANDLOCK_ACCESS_FS_* values (stable ABI),
 * with the ABI that introduced each. */
enum {
	CELL_LL_FS_EXECUTE = 1ull << 0, /* ABI 1 */
	CELL_LL_FS_WRITE_FILE = 1ull << 1,
	CELL_LL_FS_READ_FILE = 1ull << 2,
	CELL_LL_FS_READ_DIR = 1ull << 3,
	CELL_LL_FS_REMOVE_DIR = 1ull << 4,
	CELL_LL_FS_REMOVE_FILE = 1ull << 5,
	CELL_LL_FS_MAKE_CHAR = 1ull << 6,
	CELL_LL_FS_MAKE_DIR = 1ull << 7,
	CELL_LL_FS_MAKE_REG = 1ull << 8,
	CELL_LL_FS_MAKE_SOCK = 1ull << 9,
	CELL_LL_FS_MAKE_FIFO = 1ull << 10,
	CELL_LL_FS_MAKE_BLOCK = 1ull << 11,
	CELL_LL_FS_MAKE_SYM = 1ull << 12,
	CELL_LL_FS_REFER = 1ull << 13,	   /* ABI 2 */
	CELL_LL_FS_TRUNCATE = 1ull << 14,  /* ABI 3 */
	CELL_LL_FS_IOCTL_DEV = 1ull << 15, /* ABI 5 */
};

/* Network rights (ABI 4) and scopes (ABI 6). */
enum {
	CELL_LL_NET_BIND_TCP = 1ull << 0,
	CELL_LL_NET_CONNECT_TCP = 1ull << 1,
	CELL_LL_SCOPE_ABSTRACT_UNIX = 1ull << 0,
	CELL_LL_SCOPE_SIGNAL = 1ull << 1,
};

/* The rights a mount implies. */
#define CELL_LL_RIGHTS_FILE                                                                        \
	(CELL_LL_FS_EXECUTE | CELL_LL_FS_WRITE_FILE | CELL_LL_FS_READ_FILE | CELL_LL_FS_TRUNCATE | \
	 CELL_LL_FS_IOCTL_DEV) /* the only rights a rule on a non-directory may carry */
#define CELL_LL_RIGHTS_RO (CELL_LL_FS_EXECUTE | CELL_LL_FS_READ_FILE | CELL_LL_FS_READ_DIR)
/* Writable: everything but making device nodes and device ioctls. */
#define CELL_LL_RIGHTS_RW                                                                          \
	(CELL_LL_RIGHTS_RO | CELL_LL_FS_WRITE_FILE | CELL_LL_FS_REMOVE_DIR |                       \
	 CELL_LL_FS_REMOVE_FILE | CELL_LL_FS_MAKE_DIR | CELL_LL_FS_MAKE_REG |                      \
	 CELL_LL_FS_MAKE_SOCK | CELL_LL_FS_MAKE_FIFO | CELL_LL_FS_MAKE_SYM | CELL_LL_FS_REFER |    \
	 CELL_LL_FS_TRUNCATE)
/* Device files and terminals: read, write and ioctl. */
#define CELL_LL_RIGHTS_DEV                                                                         \
	(CELL_LL_FS_READ_FILE | CELL_LL_FS_WRITE_FILE | CELL_LL_FS_READ_DIR | CELL_LL_FS_IOCTL_DEV)
/* /proc: read, execute (/proc/self/exe) and write its files. */
#define CELL_LL_RIGHTS_PROC (CELL_LL_RIGHTS_RO | CELL_LL_FS_WRITE_FILE)

/* What Landlock can do on this kernel: 0 when it is missing or disabled
 * (then *ret_errno, if given, says which: ENOSYS not built in, EOPNOTSUPP
 * disabled at boot), else the ABI version (1 = Linux 5.13). */
int cell_landlock_abi(int *ret_errno);
/* Rights an ABI knows: fs rights, net rights, scopes. */
uint64_t cell_landlock_fs_mask(int abi);
uint64_t cell_landlock_net_mask(int abi);
uint64_t cell_landlock_scope_mask(int abi);

struct cell_landlock_path {
	char *path;	 /* absolute, in the sandbox's view */
	uint64_t access; /* CELL_LL_FS_* */
	bool optional;	 /* skip when it does not exist in the sandbox */
};

struct cell_landlock_port {
	uint16_t port;
	uint64_t access; /* CELL_LL_NET_* */
};

enum {
	/* What the plan asks for beyond file rules. */
	CELL_LANDLOCK_NET = 1u << 0,   /* restrict TCP bind/connect to the ports */
	CELL_LANDLOCK_SCOPE = 1u << 1, /* abstract unix sockets and signals stay inside */
};

enum {
	/* What prepare could not enforce (best effort only), for the report. */
	CELL_LANDLOCK_DROPPED_ALL = 1u << 0,	  /* no Landlock at all */
	CELL_LANDLOCK_DROPPED_NET = 1u << 1,	  /* ABI < 4 */
	CELL_LANDLOCK_DROPPED_SCOPE = 1u << 2,	  /* ABI < 6 */
	/* Partial file rules (never an error, but worth a line in reports):
	 * before ABI 2 renames and links across directories always fail; before
	 * ABI 3 truncation and before ABI 5 device ioctls are not restricted. */
	CELL_LANDLOCK_PARTIAL_REFER = 1u << 3,
	CELL_LANDLOCK_PARTIAL_TRUNCATE = 1u << 4,
	CELL_LANDLOCK_PARTIAL_IOCTL_DEV = 1u << 5,
};

struct cell_landlock_plan {
	unsigned flags; /* CELL_LANDLOCK_NET, CELL_LANDLOCK_SCOPE */
	struct cell_landlock_path *paths;
	size_t n_paths;
	struct cell_landlock_port *ports;
	size_t n_ports;
	/* Filled by cell_landlock_prepare(). */
	int abi;	      /* 0: nothing to apply (best effort without Landlock) */
	uint64_t handled_fs;  /* rights the ruleset restricts */
	uint64_t handled_net;
	uint64_t scoped;
	unsigned dropped;     /* CELL_LANDLOCK_DROPPED_* and _PARTIAL_* */
};

/* Add a path rule (a copy of path).  A second rule for the same path adds
 * its rights to the first.  -ENOMEM, or -EINVAL for a relative path. */
int cell_landlock_plan_add_path(struct cell_landlock_plan *p, const char *path, uint64_t access,
				bool optional, struct cell_err *err);
/* Allow TCP bind and/or connect on port (sets CELL_LANDLOCK_NET). */
int cell_landlock_plan_add_port(struct cell_landlock_plan *p, uint16_t port, uint64_t access,
				struct cell_err *err);
/* Parse "bind:PORT" / "connect:PORT" / "PORT" (both). */
int cell_landlock_parse_port(const char *s, uint16_t *ret_port, uint64_t *ret_access,
			     struct cell_err *err);
/* The file rules a mount plan implies (see landlock.c for the table). */
int cell_landlock_plan_from_mounts(struct cell_landlock_plan *p, const struct cell_mount_plan *mp,
				   struct cell_err *err);
void cell_landlock_plan_clear(struct cell_landlock_plan *p);

/* Pure part of prepare: given the ABI, fill handled_* and dropped, or fail
 * naming what this kernel cannot enforce (unless best_effort). */
int cell_landlock_resolve(struct cell_landlock_plan *p, int abi, int abi_errno, bool best_effort,
			  struct cell_err *err);

/* Parent, before clone: resolve against this kernel and create the ruleset.
 * *ret_fd is the ruleset fd (O_CLOEXEC), or -1 when there is nothing to
 * apply (best effort on a kernel without Landlock: p->dropped says so). */
int cell_landlock_prepare(struct cell_landlock_plan *p, bool best_effort, int *ret_fd,
			  struct cell_err *err);

/* Child: add the rules (paths opened in the sandbox's view) and restrict the
 * calling thread.  Needs no_new_privs (or CAP_SYS_ADMIN).  ruleset_fd -1
 * does nothing.  Does not close ruleset_fd.  Allocation-free. */
int cell_landlock_apply(const struct cell_landlock_plan *p, int ruleset_fd, struct cell_err *err);

/* One line naming what p->dropped lost, for stderr and reports ("" when
 * nothing). */
const char *cell_landlock_dropped_text(unsigned dropped, char *buf, unsigned len);

#endif
