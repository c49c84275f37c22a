/* spec.h - struct cell_spec: what a sandbox is, as plain data.
 *
 * The one contract between front ends (CLI, profiles, OCI) and the engine.
 * It holds no file descriptors and does no I/O.  Front ends fill it; the
 * planners (idmap.c, mount.c) turn it plus a description of the host into
 * ordered operations; the launcher applies those.
 */
#ifndef CELL_SPEC_H
#define CELL_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cgroup.h"
#include "err.h"
#include "rlimit.h"

enum cell_ns_type {
	CELL_NS_USER,
	CELL_NS_MNT,
	CELL_NS_PID,
	CELL_NS_NET,
	CELL_NS_IPC,
	CELL_NS_UTS,
	CELL_NS_CGROUP,
	CELL_NS_TIME,
	CELL_NS_MAX
};

#define CELL_NS_BIT(t) (1u << (t))
/* The default: every namespace the article lists, plus cgroup. */
#define CELL_NS_DEFAULT                                                                            \
	(CELL_NS_BIT(CELL_NS_USER) | CELL_NS_BIT(CELL_NS_MNT) | CELL_NS_BIT(CELL_NS_PID) |        \
	 CELL_NS_BIT(CELL_NS_NET) | CELL_NS_BIT(CELL_NS_IPC) | CELL_NS_BIT(CELL_NS_UTS) |         \
	 CELL_NS_BIT(CELL_NS_CGROUP))

/* How ids inside map to the host. */
enum cell_id_mode {
	CELL_ID_DEFAULT,   /* caller's own ids; as root, an unprivileged host range */
	CELL_ID_MAP_ROOT,  /* root inside, mapped to the caller (unshare -r) */
	CELL_ID_MAP_AUTO,  /* caller + subordinate ranges through newuidmap */
	CELL_ID_HOST_ROOT, /* identity map that includes host root: root only, explicit */
	CELL_ID_MODE_MAX
};

enum cell_root_mode {
	CELL_ROOT_DEFAULT, /* fresh tmpfs with read-only host system dirs */
	CELL_ROOT_DIR,	   /* --root DIR: pivot_root into DIR */
	CELL_ROOT_CHROOT,  /* --chroot DIR: chroot only */
	CELL_ROOT_MODE_MAX
};

enum cell_pty_mode {
	CELL_PTY_AUTO, /* a pty when stdin is a terminal */
	CELL_PTY_ON,
	CELL_PTY_OFF,
	CELL_PTY_MODE_MAX
};

/* Network of the sandbox (issue 4). */
enum cell_net_mode {
	CELL_NET_NONE,	/* own namespace, lo only (the default) */
	CELL_NET_HOST,	/* the host's stack (no net namespace) */
	CELL_NET_NAMED, /* join /run/netns/NAME */
	CELL_NET_VETH,	/* own namespace plus a veth link to the host */
	CELL_NET_USER,	/* own namespace, outbound through pasta/slirp4netns */
	CELL_NET_MODE_MAX
};

/* Mounts the user asked for (the planner adds the system ones). */
enum cell_mount_type {
	CELL_MOUNT_BIND,
	CELL_MOUNT_RO_BIND,
	CELL_MOUNT_TMPFS,
	CELL_MOUNT_TYPE_MAX
};

struct cell_mount {
	enum cell_mount_type type;
	char *src; /* absolute host path; NULL for tmpfs */
	char *dst; /* absolute path inside the sandbox */
	uint64_t size; /* tmpfs size in bytes, 0 = kernel default */
};

/* Bits of cell_spec.set: which fields a front end set explicitly, so that a
 * later source (command line over profile) overrides with one rule. */
enum {
	CELL_SET_NS = 1u << 0,
	CELL_SET_UID = 1u << 1,
	CELL_SET_GID = 1u << 2,
	CELL_SET_HOSTNAME = 1u << 3,
	CELL_SET_DOMAINNAME = 1u << 4,
	CELL_SET_WORKDIR = 1u << 5,
	CELL_SET_ROOT = 1u << 6,
	CELL_SET_IDMODE = 1u << 7,
	CELL_SET_NET = 1u << 8,
	CELL_SET_SECCOMP = 1u << 14,
	CELL_SET_CAPS = 1u << 9,
	CELL_SET_LANDLOCK = 1u << 10,
	CELL_SET_TIME_LIMIT = 1u << 11,
	CELL_SET_WALL_LIMIT = 1u << 12,
	CELL_SET_REPORT = 1u << 13,
};

struct cell_spec {
	uint32_t set;
	unsigned ns;		  /* CELL_NS_BIT()s of namespaces to create */
	enum cell_id_mode id_mode;
	uint32_t uid, gid;	  /* inside; valid when CELL_SET_UID/GID */
	enum cell_root_mode root_mode;
	char *root;		  /* DIR of --root / --chroot */
	bool root_rw;		  /* --rw-root: the --root tree stays writable */
	struct cell_mount *mounts;
	size_t n_mounts;
	char *hostname, *domainname;
	char *workdir;
	char **env;		  /* "K=V", NULL-terminated; the command's environment */
	char **argv;		  /* NULL-terminated */
	int *keep_fds;
	size_t n_keep_fds;
	enum cell_pty_mode pty;
	bool init;		  /* cell's init as PID 1 (default) */
	bool default_command;	  /* no command was given: argv is the root's /bin/sh */

	/* Network (--net, --nat, --publish, --allow, --allow-host): raw
	 * strings as given; the network planner validates them. */
	enum cell_net_mode net;
	char *net_name;		  /* CELL_NET_NAMED */
	char *net_addr;		  /* CELL_NET_VETH: "ADDR/PREFIX", NULL = automatic */
	bool nat;
	char **publish;		  /* NULL-terminated "HOSTPORT:PORT[/tcp|/udp]" */
	char **allow;		  /* NULL-terminated "CIDR[:PORT]" */
	char **allow_host;	  /* NULL-terminated "NAME[:PORT]" */

	/* Root overlays and desktops (--overlay, --persist, --x11, --wayland). */
	bool overlay;		  /* the root is the lower layer of a tmpfs-backed overlay */
	char *persist;		  /* upper+work layers live in this host directory */
	bool x11, wayland;
	char *x11_display;	  /* display number, e.g. "99" */
	char *xauthority;	  /* host file with the cookies, NULL if none */
	char *wayland_socket;	  /* host path of the compositor's socket */

	/* Hardening and limits (issue 6). */
	char *seccomp;		  /* --seccomp: NULL = the built-in policy, "none", or a file */
	bool seccomp_log;	  /* --seccomp-log: log what the policy would refuse */
	uint64_t caps;		  /* --cap-add/--cap-drop: capabilities the command keeps */
	struct cell_rlimits rlimits; /* --rlimit */
	struct cell_cgroup_limits cgroup; /* --memory, --pids, --cpus, ... */
	bool landlock;		  /* --landlock */
	char **landlock_ports;	  /* --landlock-port "[bind:|connect:]PORT", NULL-terminated */
	bool allow_userns;	  /* --allow-userns: seccomp lets new user namespaces be made */
	bool allow_io_uring;	  /* --allow-io-uring */
	bool best_effort;	  /* --best-effort: drop what the host cannot enforce */
	uint64_t time_limit_ms;	  /* --time-limit: CPU time, 0 = none */
	uint64_t wall_limit_ms;	  /* --wall-limit: wall clock, 0 = none */
	char *report;		  /* --report FILE, "-" for stderr */

	/* Named sandboxes (issue 5, state.h). */
	char *name;		  /* --name: recorded in the state directory */
	bool detach;		  /* --detach: return once it runs; output in NAME.log */
	unsigned keep_ns;	  /* --keep: CELL_NS_BIT()s bind-mounted to outlive it */
};

/* Names, for parsing and printing. */
const char *cell_ns_name(enum cell_ns_type t);
int cell_ns_from_name(const char *name); /* enum value or -1 */
/* Parse "user,net,..." into a bit mask; on error names the bad entry. */
int cell_ns_parse_list(const char *list, unsigned *ret_mask, struct cell_err *err);

struct cell_spec *cell_spec_new(void);	 /* defaults filled in; NULL on OOM */
struct cell_spec *cell_spec_free(struct cell_spec *s);
static inline void cell_spec_freep(struct cell_spec **s)
{
	cell_spec_free(*s);
}

/* Append a copy of s to a NULL-terminated list. */
int cell_strv_push(char ***v, const char *s);

/* Append a mount (copies strings). */
int cell_spec_add_mount(struct cell_spec *s, enum cell_mount_type type, const char *src,
			const char *dst, uint64_t size);

/* Check the spec for impossible combinations; privileged tells whether the
 * caller is root in the initial user namespace. */
int cell_spec_validate(const struct cell_spec *s, bool privileged, struct cell_err *err);

#endif
