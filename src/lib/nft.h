/* nft.h - nftables tables for a sandbox, spoken over netlink.
 *
 * Man pages: nft(8) (for the rules in its syntax), netlink(7).
 *
 * Two tables, both of family inet:
 *
 *   on the host, "cell_run_PID_START" (--nat, --publish with --net veth):
 *     postrouting  nat   ip saddr SANDBOX oifname != vr-PID masquerade
 *     prerouting   nat   fib daddr type local PROTO dport HOSTPORT
 *                          dnat to SANDBOX:PORT
 *     output       nat   the same, for clients on the host itself
 *   It is created owned by cell's netlink socket (NFT_TABLE_F_OWNER, Linux
 *   5.12), so the kernel deletes it when cell exits, however it exits;
 *   `cell net gc` and the next run delete tables of dead sandboxes that an
 *   older kernel left.
 *
 *   in the sandbox's own namespace, "cell_allow" (--allow, --allow-host):
 *     output filter, policy drop: lo, established/related, IPv6 neighbour
 *     discovery, then each allowed destination, then a TCP reset or an
 *     ICMP "administratively prohibited" for the rest, so that connect()
 *     fails at once instead of timing out.
 *   The sandboxed command holds no CAP_NET_ADMIN, so it cannot change it.
 *
 * Building uses libnftnl (it allocates: parent side, before clone).  The
 * finished batch is plain bytes; cell_nft_send() only writes them to a
 * NETLINK_NETFILTER socket and reads the answers, without allocating, so
 * the child can install its table between clone and execve.
 */
#ifndef CELL_NFT_H
#define CELL_NFT_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "netplan.h"

#define CELL_NFT_ALLOW_TABLE "cell_allow"

struct cell_nft_batch {
	char *buf; /* malloc'd; NULL: empty */
	size_t len;
};

void cell_nft_batch_free(struct cell_nft_batch *b);

/* The host table of np (np->table), optionally owned by the socket that
 * sends it.  An empty batch when np needs none. */
int cell_nft_build_host(const struct cell_netplan *np, bool owned, struct cell_nft_batch *ret,
			struct cell_err *err);
/* The allowlist table for the sandbox's namespace (empty without one). */
int cell_nft_build_allow(const struct cell_netplan *np, struct cell_nft_batch *ret,
			 struct cell_err *err);
/* Delete the inet table `name`. */
int cell_nft_build_del(const char *name, struct cell_nft_batch *ret, struct cell_err *err);

/* A NETLINK_NETFILTER socket in the caller's namespace (-errno). */
int cell_nft_open(struct cell_err *err);
/* Send a batch on fd (-1: a socket of its own for this call) and wait for
 * the kernel's verdict on the whole transaction.  Allocation-free.  what
 * names the change in the error. */
int cell_nft_send(int fd, const struct cell_nft_batch *b, const char *what, struct cell_err *err);

/* Call each() with the name of every inet table (for gc). */
int cell_nft_tables(void (*each)(const char *name, void *data), void *data, struct cell_err *err);

#endif
