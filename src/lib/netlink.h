/* netlink.h - rtnetlink requests and replies over libmnl.
 *
 * Man pages: rtnetlink(7), netlink(7), veth(4).
 *
 * Two halves.  The pure half fills a struct cell_nl_batch with requests
 * (links, veth pairs, addresses, routes, namespace ids) and reads the
 * kernel's replies out of a buffer: no I/O, so unit tests check the bytes.
 * The thin half opens an rtnetlink socket, optionally inside another network
 * namespace, sends a whole batch with one sendto() and collects one answer
 * per request, with the kernel's extended ACK message in the error.
 *
 * Nothing here allocates: a batch and the receive buffer live on the stack,
 * so the code can run between clone and execve.
 */
#ifndef CELL_NETLINK_H
#define CELL_NETLINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"

struct nlmsghdr;

/* ---- addresses ---------------------------------------------------------- */

/* An interface address with its prefix length ("10.1.1.1/24",
 * "fd42::1/64"), or a route destination. */
struct cell_cidr {
	int family;		 /* AF_INET or AF_INET6 */
	unsigned char prefixlen; /* 0..32 or 0..128 */
	unsigned char addr[16];	 /* network byte order; IPv4 uses 4 bytes */
};

/* Longest text cell_cidr_format() writes, with its NUL. */
#define CELL_CIDR_STRLEN 50

/* "ADDRESS/PREFIX" with a mandatory prefix, no spaces.  -EINVAL when it is
 * not one. */
int cell_cidr_parse(const char *s, struct cell_cidr *ret);
/* "10.1.1.1/24"; buf should have CELL_CIDR_STRLEN bytes. */
const char *cell_cidr_format(const struct cell_cidr *c, char *buf, size_t len);
/* Only the address part ("10.1.1.1"). */
const char *cell_cidr_format_addr(const struct cell_cidr *c, char *buf, size_t len);
/* Same family and same network under the shorter of the two prefixes. */
bool cell_cidr_same_net(const struct cell_cidr *a, const struct cell_cidr *b);
/* Same family, address and prefix. */
bool cell_cidr_equal(const struct cell_cidr *a, const struct cell_cidr *b);
/* Bytes of the address part: 4 or 16. */
size_t cell_cidr_addrlen(const struct cell_cidr *c);

/* A name the kernel accepts for a network interface (dev_valid_name()):
 * 1..IFNAMSIZ-1 bytes, not "." or "..", no '/', ':' or white space.
 * Returns 0, -EINVAL or -ENAMETOOLONG. */
int cell_nl_ifname_check(const char *name);

/* ---- building requests (pure) ------------------------------------------ */

#define CELL_NL_BATCH_MAX 32	  /* requests in one batch */
#define CELL_NL_BATCH_BYTES 8192 /* their bytes */
#define CELL_NL_LABEL_MAX 96

struct cell_nl_req {
	uint32_t seq;
	int accept;   /* an errno this request may fail with, 0: none */
	int result;   /* after the exchange: 0 or -errno (also an accepted one) */
	bool answered;
	char label[CELL_NL_LABEL_MAX]; /* "create veth vn-a": names it in errors */
};

/* Requests sent together in one datagram.  The kernel handles them in
 * order and answers each; a failed request does not stop the ones after
 * it, so batch only requests that do not depend on an earlier one having
 * worked, or ones whose failure the caller checks afterwards.  A dump must
 * be alone in its batch (the kernel runs one dump per socket at a time). */
struct cell_nl_batch {
	char buf[CELL_NL_BATCH_BYTES] __attribute__((aligned(8)));
	size_t len;
	uint32_t first_seq, seq; /* seq: the next request's number */
	unsigned n;
	int error;		 /* -ENOSPC once something did not fit */
	struct cell_nl_req req[CELL_NL_BATCH_MAX];
};

/* Start an empty batch whose first request gets sequence number seq. */
void cell_nl_batch_init(struct cell_nl_batch *b, uint32_t seq);
/* Rename the last request (the label appears in error messages). */
void cell_nl_batch_label(struct cell_nl_batch *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Let the last request fail with errnum without failing the batch (EEXIST
 * for "add if missing", ENODEV for "look up if present"). */
void cell_nl_batch_accept(struct cell_nl_batch *b, int errnum);

/* A new veth pair (veth(4)).  The peer can be created directly inside
 * another network namespace (peer_netns_fd, else peer_netns_pid), so it
 * never appears in this one. */
struct cell_nl_veth {
	const char *name;     /* this end */
	const char *peer;     /* the other end */
	int peer_netns_fd;    /* -1: none */
	pid_t peer_netns_pid; /* 0: none; both none: this namespace */
	unsigned mtu;	      /* 0: the kernel's default; both ends */
	bool up;	      /* bring both ends up at once */
};

/* A change to an existing link, found by ifindex (> 0) or else by name. */
struct cell_nl_link {
	int ifindex;
	const char *name;
	int up;		 /* 1 up, 0 down, -1 leave */
	unsigned mtu;	 /* 0: leave */
	int netns_fd;	 /* >= 0: move the link into that namespace */
	pid_t netns_pid; /* > 0: move it into that process's namespace */
	const char *alias; /* IFLA_IFALIAS, NULL: leave */
};
#define CELL_NL_LINK_INIT { .up = -1, .netns_fd = -1 }

/* A route through oif: dst with prefixlen 0 is the default route; gateway
 * (same family) when has_gateway. */
struct cell_nl_route {
	struct cell_cidr dst;
	bool has_gateway;
	unsigned char gateway[16];
	int oif;
};

/* Each returns the request's index in the batch, or -ENOSPC (batch full)
 * or -EINVAL (bad arguments), and then adds nothing. */
int cell_nl_put_veth(struct cell_nl_batch *b, const struct cell_nl_veth *v);
int cell_nl_put_link_set(struct cell_nl_batch *b, const struct cell_nl_link *l);
int cell_nl_put_link_del(struct cell_nl_batch *b, int ifindex, const char *name);
int cell_nl_put_link_get(struct cell_nl_batch *b, int ifindex, const char *name);
int cell_nl_put_link_dump(struct cell_nl_batch *b);
/* add: RTM_NEWADDR (create, fail if present), else RTM_DELADDR.  IPv6
 * addresses skip duplicate address detection (IFA_F_NODAD): a veth has one
 * other end, and the address is usable at once. */
int cell_nl_put_addr(struct cell_nl_batch *b, bool add, int ifindex, const struct cell_cidr *a);
int cell_nl_put_addr_dump(struct cell_nl_batch *b, int family);
/* add: RTM_NEWROUTE (create, fail if present) in the main table. */
int cell_nl_put_route(struct cell_nl_batch *b, bool add, const struct cell_nl_route *rt);
int cell_nl_put_route_dump(struct cell_nl_batch *b, int family);
/* RTM_GETNSID: the id this namespace gives the one of netns_fd. */
int cell_nl_put_nsid_get(struct cell_nl_batch *b, int netns_fd);

/* ---- reading replies (pure) -------------------------------------------- */

#define CELL_NL_ALIAS_MAX 256 /* IFALIASZ */

struct cell_nl_linkinfo {
	int ifindex;
	unsigned flags;		 /* IFF_* */
	unsigned mtu;
	char name[16];		 /* IFNAMSIZ */
	char kind[16];		 /* "veth", ""... */
	char alias[CELL_NL_ALIAS_MAX];
	int link;		 /* IFLA_LINK: a veth's peer ifindex, 0: none */
	int link_netnsid;	 /* the peer's namespace id, -1: this namespace */
};

struct cell_nl_addrinfo {
	int ifindex;
	struct cell_cidr cidr;
	unsigned char scope;
	unsigned flags; /* IFA_F_* */
};

struct cell_nl_routeinfo {
	struct cell_cidr dst; /* prefixlen 0: a default route */
	unsigned table;
	unsigned char type;   /* RTN_* */
	unsigned char protocol;
	bool has_gateway;
	unsigned char gateway[16];
	int oif;
};

/* Fill ret from an RTM_NEWLINK / RTM_NEWADDR / RTM_NEWROUTE / RTM_NEWNSID
 * message.
 * -EINVAL when the message is not one or is malformed. */
int cell_nl_parse_link(const struct nlmsghdr *nlh, struct cell_nl_linkinfo *ret);
int cell_nl_parse_addr(const struct nlmsghdr *nlh, struct cell_nl_addrinfo *ret);
int cell_nl_parse_route(const struct nlmsghdr *nlh, struct cell_nl_routeinfo *ret);
int cell_nl_parse_nsid(const struct nlmsghdr *nlh, int *ret);

/* Called for each data message (not ACKs) answering a request of the
 * batch; a negative return fails that request with that value. */
typedef int (*cell_nl_cb)(const struct nlmsghdr *nlh, void *data);

/* Account for one datagram of replies: data messages go to cb, ACKs and
 * errors mark their request answered.  The first failure that was not
 * accepted is described in err as "LABEL: KERNEL'S MESSAGE" (the extended
 * ACK text, when the kernel sent one) and kept in b->error.  Returns 1 when
 * every request has its answer, 0 when more are due. */
int cell_nl_batch_reply(struct cell_nl_batch *b, const void *buf, size_t len, cell_nl_cb cb,
			void *data, struct cell_err *err);

/* ---- the socket (thin) ------------------------------------------------- */

struct cell_nl {
	int fd;
	uint32_t seq; /* for the next batch */
};
#define CELL_NL_INIT { .fd = -1, .seq = 1 }

/* Open an rtnetlink socket in the network namespace netns_fd (-1: the
 * caller's).  A socket keeps the namespace it was made in, so the caller
 * enters the namespace only for the socket() call and returns at once. */
int cell_nl_open(struct cell_nl *nl, int netns_fd, struct cell_err *err);
void cell_nl_close(struct cell_nl *nl);

/* Send the batch in one datagram and wait until each request is answered.
 * Returns 0, or the first error that was not accepted (-errno, err says
 * which request and why).  Empty batches send nothing. */
int cell_nl_talk(struct cell_nl *nl, struct cell_nl_batch *b, cell_nl_cb cb, void *data,
		 struct cell_err *err);

/* One-request conveniences over cell_nl_talk(). */

/* Look a link up by ifindex (> 0) or name: 1 and *ret when it exists, 0
 * when it does not, -errno. */
int cell_nl_link_get(struct cell_nl *nl, int ifindex, const char *name,
		     struct cell_nl_linkinfo *ret, struct cell_err *err);
/* Call each() for every link (every address of family, AF_UNSPEC: all);
 * a negative return from each() stops the walk with that error. */
int cell_nl_link_each(struct cell_nl *nl, int (*each)(const struct cell_nl_linkinfo *l, void *data),
		      void *data, struct cell_err *err);
int cell_nl_addr_each(struct cell_nl *nl, int family,
		      int (*each)(const struct cell_nl_addrinfo *a, void *data), void *data,
		      struct cell_err *err);
int cell_nl_route_each(struct cell_nl *nl, int family,
		       int (*each)(const struct cell_nl_routeinfo *rt, void *data), void *data,
		       struct cell_err *err);
/* The id the socket's namespace gives the namespace of netns_fd, -1 when
 * it has none (then no link of this namespace leads there). */
int cell_nl_nsid_get(struct cell_nl *nl, int netns_fd, int *ret, struct cell_err *err);

#endif
