/* veth.h - a veth pair from one network namespace into another.
 *
 * Man pages: veth(4), rtnetlink(7), netlink(7), ip-netns(8), ip-link(8).
 *
 * One end (the "host end") stays outside: on the host, or in another named
 * namespace.  The other (the "peer") is created directly inside the target
 * namespace, so it never shows on the host.  Both get addresses, both go
 * up, and routes inside point at the host end.
 *
 * cell marks the host end with an interface alias (IFLA_IFALIAS), "cell:"
 * then who owns it, so that cleanup only ever touches cell's own links:
 *
 *   cell:net:HHHHHHHH:NAME   `cell net link NAME`; H: hash of the settings
 *   cell:run:PID:START       a sandbox's link for its lifetime (the owner's
 *                            PID and start time, /proc/PID/stat field 22)
 *
 * The kernel ignores an alias in the request that creates a link, so the
 * mark follows in the next request.  A cell killed in between leaves an
 * unmarked pair; its peer end lives in the target namespace, so the pair
 * still goes away with that namespace.
 *
 * Use from the launcher (`cell run --net veth`), parent side:
 *
 *   cell_veth_plan_run(&v, getpid(), err)      before clone: names, mark
 *   ...fill v.host_addr / v.peer_addr / v.route, cell_veth_check()...
 *   cell_veth_up(&v, -1, child_netns_fd, err)  after clone, before the
 *                                              child goes on: creates the
 *                                              pair with the peer inside,
 *                                              addresses, up, routes
 *   cell_veth_down(&v, -1, err)                on exit (a no-op when the
 *                                              pair went with the sandbox)
 *
 * child_netns_fd is open("/proc/PID/ns/net") (IFLA_NET_NS_FD takes only
 * a namespace file, not a pidfd).  Close it once cell_veth_up() returns: an
 * open namespace fd keeps the namespace, and so the pair, alive after the
 * sandbox ends.  Both calls need root (CAP_NET_ADMIN on the host and
 * CAP_SYS_ADMIN to open a socket in the child's namespace).  When the
 * sandbox's namespace ends, the kernel deletes the pair by itself (shortly
 * after, from a work queue); cell_veth_down() covers the rest, and
 * cell_veth_gc() finds marks whose owner is gone after a kill -9.
 */
#ifndef CELL_VETH_H
#define CELL_VETH_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"
#include "netlink.h"

#define CELL_VETH_ADDR_MAX 4
#define CELL_VETH_ROUTE_MAX 8
#define CELL_VETH_MTU_MIN 68	  /* IPv4's minimum (RFC 791) */
#define CELL_VETH_MTU_MIN6 1280	  /* IPv6's minimum (RFC 8200) */
#define CELL_VETH_MTU_MAX 65535

struct cell_veth {
	char host_if[16];	      /* the end outside (IFNAMSIZ) */
	char peer_if[16];	      /* the end inside the target namespace */
	char alias[CELL_NL_ALIAS_MAX]; /* cell's mark on the host end */
	unsigned mtu;		      /* both ends; 0: the kernel's default */
	unsigned n_host_addr, n_peer_addr, n_route;
	struct cell_cidr host_addr[CELL_VETH_ADDR_MAX];
	struct cell_cidr peer_addr[CELL_VETH_ADDR_MAX];
	/* Inside the target namespace, through the host end's address of the
	 * same family; prefix length 0 is the default route. */
	struct cell_cidr route[CELL_VETH_ROUTE_MAX];
};

/* ---- pure ----------------------------------------------------------------- */

/* Check names, MTU, addresses and routes fit together: every route has a
 * host address of its family as gateway, reachable from a peer address;
 * no address on both ends; MTU 68..65535, 1280 or more with IPv6. */
int cell_veth_check(const struct cell_veth *v, struct cell_err *err);

/* A default interface name leading to namespace `to`: "vn-TO" when that
 * is a valid interface name, else "vn-" and 8 hex digits of a hash. */
void cell_veth_default_name(const char *to, char ret[16]);

/* Set v->alias to "cell:net:HASH:NAME" (HASH over every setting of v, so
 * a second `net link` with other settings is told apart). */
int cell_veth_mark_named(struct cell_veth *v, const char *netns, struct cell_err *err);

enum cell_veth_owner_kind {
	CELL_VETH_OWNER_NONE,  /* not cell's */
	CELL_VETH_OWNER_NET,   /* cell net link */
	CELL_VETH_OWNER_RUN,   /* cell run --net veth */
	CELL_VETH_OWNER_OTHER, /* "cell:" but a kind this version does not know */
	CELL_VETH_OWNER_MAX
};

struct cell_veth_owner {
	enum cell_veth_owner_kind kind;
	uint32_t hash;		      /* NET */
	const char *netns;	      /* NET: points into the alias */
	pid_t pid;		      /* RUN */
	uint64_t start;	      /* RUN */
};

/* Read an alias; never fails (a foreign alias is CELL_VETH_OWNER_NONE). */
void cell_veth_owner_parse(const char *alias, struct cell_veth_owner *ret);
/* Same owner (kind and name or process), whatever the settings. */
bool cell_veth_owner_same(const struct cell_veth_owner *a, const struct cell_veth_owner *b);

/* ---- I/O ------------------------------------------------------------------ */

/* A sandbox's link: host end "vr-PID", peer "eth0", mark
 * "cell:run:PID:START" (reads /proc/PID/stat for START). */
int cell_veth_plan_run(struct cell_veth *v, pid_t owner, struct cell_err *err);

/* Make the pair be as v says.  host: a socket in the namespace of the host
 * end; peer: one in the target namespace, whose fd is peer_netns_fd.
 *
 * Missing: create it with the peer directly inside, mark it, then set
 * MTU, up, addresses and routes.  Present with the same mark: add only
 * what is missing, so a second call changes nothing.  A host end of that
 * name that is not cell's, or cell's with other settings: EEXIST.  On any
 * failure a pair this call created is deleted again.
 *
 * Returns 1 when it created the pair, 0 when it was there. */
int cell_veth_ensure(const struct cell_veth *v, struct cell_nl *host, struct cell_nl *peer,
		     int peer_netns_fd, struct cell_err *err);

/* cell_veth_ensure() with its own sockets: the host end in host_netns_fd
 * (-1: the caller's namespace), the peer in peer_netns_fd. */
int cell_veth_up(const struct cell_veth *v, int host_netns_fd, int peer_netns_fd,
		 struct cell_err *err);

/* Delete the host end (and with it the peer) if it still carries v's mark.
 * Returns 1 when it deleted it, 0 when there was nothing to delete. */
int cell_veth_down(const struct cell_veth *v, int host_netns_fd, struct cell_err *err);

/* Delete every link in nl's namespace that cell made for `cell net link
 * NAME` (any settings).  Returns how many. */
int cell_veth_remove_named(struct cell_nl *nl, const char *netns, struct cell_err *err);

/* Delete the links in nl's namespace that cell made and whose owner is
 * gone: the named namespace no longer exists (or its name now means another
 * namespace), or the sandbox's process has ended.  report() hears of each
 * (may be NULL).  Returns how many. */
int cell_veth_gc(struct cell_nl *nl,
		 void (*report)(const char *ifname, const char *alias, const char *why, void *data),
		 void *data, struct cell_err *err);

#endif
