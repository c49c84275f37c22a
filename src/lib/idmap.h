/* idmap.h - user and group id maps of the sandbox's user namespace.
 *
 * user_namespaces(7): a process may write its own single-line map (its own
 * euid), but ranges need CAP_SETUID in the parent namespace, i.e. host root,
 * or the setuid helpers newuidmap(1)/newgidmap(1) with /etc/subuid ranges.
 * The plan says who writes which lines; the apply functions write them.
 */
#ifndef CELL_IDMAP_H
#define CELL_IDMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"
#include "host.h"
#include "spec.h"

#define CELL_IDMAP_LINES_MAX 3

enum cell_idmap_writer {
	CELL_IDMAP_NONE,   /* no new user namespace */
	CELL_IDMAP_CHILD,  /* the child writes its own one-line maps */
	CELL_IDMAP_PARENT, /* cell as host root writes range maps */
	CELL_IDMAP_HELPER, /* newuidmap/newgidmap write subordinate ranges */
};

struct cell_idmap_line {
	uint32_t inside, outside, count;
};

struct cell_idmap_plan {
	enum cell_idmap_writer writer;
	struct cell_idmap_line uid_map[CELL_IDMAP_LINES_MAX], gid_map[CELL_IDMAP_LINES_MAX];
	unsigned n_uid_map, n_gid_map;
	bool setgroups_deny; /* unprivileged gid maps need "deny" in /proc/PID/setgroups */
	/* What init switches to after the maps (so it is not an unmapped id), and
	 * what the command runs as.  -1: keep. */
	int64_t init_uid, init_gid;
	uint32_t uid, gid;
	bool set_ids;	     /* the command must setresuid/setresgid to uid/gid */
	bool drop_groups;    /* setgroups(0) is allowed and wanted */
	/* Root's sandboxes: the id mapping of writable binds (idmapped mounts),
	 * disk id -> kernel id:
	 *   1..N-1 -> BASE+1..  host ids 1..N-1 show as themselves inside;
	 *   BASE   -> BASE      what root inside creates is owned by BASE on
	 *                       the host, never by root;
	 *   0      -> BASE+N    host root's files belong to an id no sandbox
	 *                       process has: shown as nobody, never writable as
	 *                       their owner, and (being mapped) a world-writable
	 *                       root-owned directory stays usable.
	 * So the sandbox can neither write root-owned files nor make new ones. */
	bool mount_idmap;
	struct cell_idmap_line mnt_uid_map[3], mnt_gid_map[3];
};

int cell_idmap_plan(const struct cell_spec *s, const struct cell_host *h,
		    struct cell_idmap_plan *ret, struct cell_err *err);

/* "inside outside count\n" lines, as /proc/PID/uid_map wants them. */
int cell_idmap_format(const struct cell_idmap_line *l, unsigned n, char *buf, size_t len);

/* Parent side, host root only: a user namespace carrying the mnt_*_map
 * lines, for mount_setattr(MOUNT_ATTR_IDMAP).  Returns its fd. */
int cell_idmap_mount_userns(const struct cell_idmap_plan *p, struct cell_err *err);

/* Apply: the parent for CELL_IDMAP_PARENT and CELL_IDMAP_HELPER... */
int cell_idmap_write_parent(pid_t pid, const struct cell_idmap_plan *p, struct cell_err *err);
/* ...the child itself for CELL_IDMAP_CHILD (allocation-free). */
int cell_idmap_write_self(const struct cell_idmap_plan *p, struct cell_err *err);

#endif
