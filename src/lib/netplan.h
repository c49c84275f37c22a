/* netplan.h - the sandbox's network, decided before clone.
 *
 * Man pages: network_namespaces(7), veth(4), nft(8), resolv.conf(5),
 * pasta(1).
 *
 * cell_netplan_make() turns the spec's network fields (--net, --nat,
 * --publish, --allow, --allow-host) into a struct cell_netplan: which
 * namespace the sandbox gets, the addresses of its veth link, the port
 * forwards, the egress allowlist, and what /etc/resolv.conf says inside.
 * It reads the host (addresses and routes over netlink for a free subnet,
 * /etc/resolv.conf, getaddrinfo(3) for --allow-host names, PATH for pasta)
 * but changes nothing, so --print-spec can show the result.  The helpers
 * below it are pure and unit-tested.
 *
 * Modes:
 *   none   own namespace, lo only; resolv.conf masked (no nameserver)
 *   host   the host's namespace and resolv.conf
 *   NAME   /run/netns/NAME (root only, see launch.c); resolv.conf from
 *          /etc/netns/NAME/resolv.conf when there is one, as ip-netns(8)
 *   veth   own namespace and a veth pair to the host (root only), default
 *          route through the host end; --nat adds masquerading, --publish
 *          port forwards (nftables, table cell_run_PID_START on the host)
 *   user   own namespace, outbound through pasta (unprivileged);
 *          resolv.conf names pasta's DNS forwarder
 */
#ifndef CELL_NETPLAN_H
#define CELL_NETPLAN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "err.h"
#include "netlink.h"
#include "spec.h"

#define CELL_NET_PUBLISH_MAX 32
#define CELL_NET_ALLOW_MAX 64
#define CELL_NET_DNS_MAX 3
#define CELL_NET_PATH_MAX 256

/* Where the default veth subnets come from: /30 blocks of 10.199.0.0/16
 * (16384 of them), skipping any that overlaps an address or route of the
 * host. */
#define CELL_NET_AUTO_BASE 0x0ac70000u /* 10.199.0.0 */
#define CELL_NET_AUTO_BLOCKS 16384u

/* pasta's DNS forwarder: queries sent there go to the host's resolver, even
 * when that one listens on the host's loopback (podman uses the same). */
#define CELL_NET_PASTA_DNS "169.254.1.1"

/* --publish HOSTPORT:PORT[/tcp|/udp] */
struct cell_publish {
	uint16_t host_port, port;
	int proto; /* IPPROTO_TCP or IPPROTO_UDP */
};

/* --allow CIDR[:PORT], --allow-host NAME[:PORT] (one entry per address the
 * name resolved to), and the sandbox's own nameservers (port 53). */
struct cell_allow {
	struct cell_cidr dst;
	uint16_t port;	  /* 0: every port and protocol */
	bool dns;	  /* a nameserver of resolv.conf inside (udp+tcp 53) */
	const char *name; /* the --allow-host NAME, or NULL; borrowed from the spec */
};

enum cell_resolv {
	CELL_RESOLV_HOST,  /* leave the root's /etc/resolv.conf as it is */
	CELL_RESOLV_EMPTY, /* /dev/null over it: no nameserver */
	CELL_RESOLV_BIND,  /* bind resolv_src over it */
	CELL_RESOLV_WRITE, /* write resolv_text to resolv_src, then bind it */
	CELL_RESOLV_MAX
};

struct cell_netplan {
	bool planned;		/* cell_netplan_make() filled it */
	enum cell_net_mode mode;
	bool new_netns;		/* CLONE_NEWNET */
	bool lo_up;		/* the sandbox brings lo up itself */
	const char *name;	/* CELL_NET_NAMED, borrowed from the spec */
	char netns_path[CELL_NET_PATH_MAX];

	/* CELL_NET_VETH: the link (names, mark and addresses) */
	bool addr_auto;
	struct cell_cidr host_addr, peer_addr;
	char host_if[16], alias[CELL_NL_ALIAS_MAX];
	char table[64];		/* nftables table on the host (--nat, --publish) */
	bool nat;

	/* owner of the host-side objects: this cell process */
	pid_t owner;
	uint64_t owner_start;
	char state_dir[CELL_NET_PATH_MAX]; /* "": none needed */

	unsigned n_publish;
	struct cell_publish publish[CELL_NET_PUBLISH_MAX];
	unsigned n_allow;	/* 0: no allowlist */
	struct cell_allow allow[CELL_NET_ALLOW_MAX];

	enum cell_resolv resolv;
	char resolv_src[CELL_NET_PATH_MAX];
	char resolv_text[512];
	const char *resolv_note; /* why, for --print-spec */

	char pasta[CELL_NET_PATH_MAX]; /* CELL_NET_USER: the pasta binary */
};

/* ---- pure ----------------------------------------------------------------- */

/* "8080:80", "5353:53/udp". */
int cell_publish_parse(const char *s, struct cell_publish *ret, struct cell_err *err);
/* "10.0.0.0/8", "10.1.2.3", "10.1.2.3:443", "10.0.0.0/8:53", "fd00::/8",
 * "fd00::1", "[fd00::1]:443", "fd00::/8:443". */
int cell_allow_parse(const char *s, struct cell_allow *ret, struct cell_err *err);
/* "example.org", "example.org:443": the name part into name (size len). */
int cell_allow_host_split(const char *s, char *name, size_t len, uint16_t *ret_port,
			  struct cell_err *err);

/* The host end's address for a sandbox address ADDR/PREFIX: the first
 * usable address of the subnet that is not ADDR (for /31 and /127 the other
 * one).  -EINVAL for /32, /128, or a network or broadcast address. */
int cell_netplan_host_end(const struct cell_cidr *peer, struct cell_cidr *ret,
			  struct cell_err *err);

/* Pick a free /30 of CELL_NET_AUTO_BASE, starting at block seed %
 * CELL_NET_AUTO_BLOCKS: none of taken[] (host addresses with their prefix,
 * and route destinations) may overlap it.  Host end .1, sandbox .2. */
int cell_netplan_pick(const struct cell_cidr *taken, size_t n, uint32_t seed,
		      struct cell_cidr *ret_host, struct cell_cidr *ret_peer, struct cell_err *err);

/* The IPv4/IPv6 nameservers of a resolv.conf text, at most max. */
unsigned cell_resolv_nameservers(const char *text, struct cell_cidr *ret, unsigned max);
/* True when every nameserver is a loopback address (systemd-resolved's
 * 127.0.0.53, dnsmasq on 127.0.0.1) - and so unreachable from a sandbox's
 * own network namespace. */
bool cell_resolv_all_loopback(const struct cell_cidr *ns, unsigned n);

/* The nftables table of a sandbox on the host, "cell_run_PID_START", and
 * back (false when the name is not one). */
void cell_netplan_table_name(pid_t owner, uint64_t start, char *buf, size_t len);
bool cell_netplan_table_owner(const char *name, pid_t *ret_pid, uint64_t *ret_start);

/* ---- planning (reads the host, changes nothing) ---------------------------- */

/* privileged: root in the initial user namespace.  new_netns: the spec asks
 * for a network namespace of its own. */
int cell_netplan_make(const struct cell_spec *s, bool privileged, struct cell_netplan *ret,
		      struct cell_err *err);
void cell_netplan_print(const struct cell_netplan *np, FILE *f);

#endif
