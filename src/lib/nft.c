/* nft.c - nftables tables for a sandbox, spoken over netlink (libnftnl).
 *
 * Man pages: nft(8), netlink(7).  See nft.h for the tables.  The rules
 * are the expressions `nft --debug=netlink` shows for the same text, with
 * one simplification: an address match always loads the whole address and
 * masks it, whatever the prefix.
 *
 * A batch is BATCH_BEGIN, the changes, BATCH_END: the kernel applies all
 * of it or none.  It answers only what failed, so after the batch
 * cell_nft_send() asks for the ruleset generation (NFT_MSG_GETGEN): that
 * answer comes after every answer to the batch, and ends the wait.
 */
#define _GNU_SOURCE
#include "nft.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/table.h>
#include <linux/if.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter_ipv4.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif
#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif

#define BATCH_BYTES (64 * 1024)
#define CT_ESTABLISHED_RELATED 0x6u /* NF_CT_STATE_BIT(ESTABLISHED) | (RELATED) */

void cell_nft_batch_free(struct cell_nft_batch *b)
{
	free(b->buf);
	b->buf = NULL;
	b->len = 0;
}

/* ---- building ------------------------------------------------------------- */

struct builder {
	struct mnl_nlmsg_batch *batch;
	char *buf;
	uint32_t seq;
	bool oom;
	unsigned n; /* changes between begin and end */
};

static int builder_start(struct builder *b)
{
	memset(b, 0, sizeof(*b));
	b->buf = malloc(BATCH_BYTES);
	if (!b->buf)
		return -ENOMEM;
	b->batch = mnl_nlmsg_batch_start(b->buf, BATCH_BYTES);
	if (!b->batch) {
		free(b->buf);
		return -ENOMEM;
	}
	b->seq = (uint32_t)time(NULL);
	nftnl_batch_begin(mnl_nlmsg_batch_current(b->batch), b->seq++);
	mnl_nlmsg_batch_next(b->batch);
	return 0;
}

/* Room for one more message of the biggest kind we make. */
static bool builder_room(struct builder *b)
{
	if (mnl_nlmsg_batch_size(b->batch) + 4096 > BATCH_BYTES)
		b->oom = true;
	return !b->oom;
}

static int builder_finish(struct builder *b, struct cell_nft_batch *ret, struct cell_err *err)
{
	if (b->oom || !builder_room(b)) {
		mnl_nlmsg_batch_stop(b->batch);
		free(b->buf);
		return cell_fail(err, E2BIG, "nftables: too many rules for one batch");
	}
	nftnl_batch_end(mnl_nlmsg_batch_current(b->batch), b->seq++);
	mnl_nlmsg_batch_next(b->batch);
	ret->len = mnl_nlmsg_batch_size(b->batch);
	ret->buf = b->buf;
	mnl_nlmsg_batch_stop(b->batch);
	if (b->n == 0)
		cell_nft_batch_free(ret);
	return 0;
}

static void builder_abort(struct builder *b)
{
	mnl_nlmsg_batch_stop(b->batch);
	free(b->buf);
}

static int put_table(struct builder *b, uint16_t cmd, const char *name, uint32_t flags,
		     uint16_t nlflags)
{
	struct nftnl_table *t = nftnl_table_alloc();
	struct nlmsghdr *nlh;

	if (!t)
		return -ENOMEM;
	if (!builder_room(b)) {
		nftnl_table_free(t);
		return -E2BIG;
	}
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, name);
	nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, NFPROTO_INET);
	if (cmd == NFT_MSG_NEWTABLE)
		nftnl_table_set_u32(t, NFTNL_TABLE_FLAGS, flags);
	nlh = nftnl_nlmsg_build_hdr(mnl_nlmsg_batch_current(b->batch), cmd, NFPROTO_INET, nlflags,
				    b->seq++);
	nftnl_table_nlmsg_build_payload(nlh, t);
	nftnl_table_free(t);
	mnl_nlmsg_batch_next(b->batch);
	b->n++;
	return 0;
}

static int put_chain(struct builder *b, const char *table, const char *name, const char *type,
		     uint32_t hook, int32_t prio, uint32_t policy)
{
	struct nftnl_chain *c = nftnl_chain_alloc();
	struct nlmsghdr *nlh;

	if (!c)
		return -ENOMEM;
	if (!builder_room(b)) {
		nftnl_chain_free(c);
		return -E2BIG;
	}
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, table);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, name);
	nftnl_chain_set_u32(c, NFTNL_CHAIN_FAMILY, NFPROTO_INET);
	nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, type);
	nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, hook);
	nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, prio);
	nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, policy);
	nlh = nftnl_nlmsg_build_hdr(mnl_nlmsg_batch_current(b->batch), NFT_MSG_NEWCHAIN,
				    NFPROTO_INET, NLM_F_CREATE | NLM_F_EXCL, b->seq++);
	nftnl_chain_nlmsg_build_payload(nlh, c);
	nftnl_chain_free(c);
	mnl_nlmsg_batch_next(b->batch);
	b->n++;
	return 0;
}

/* One rule under construction; expressions are appended in order, and an
 * allocation failure anywhere fails the rule. */
struct rule {
	struct nftnl_rule *r;
	bool oom;
};

static struct nftnl_expr *expr(struct rule *r, const char *name)
{
	struct nftnl_expr *e = r->oom ? NULL : nftnl_expr_alloc(name);

	if (!e)
		r->oom = true;
	return e;
}

static void add(struct rule *r, struct nftnl_expr *e)
{
	if (e)
		nftnl_rule_add_expr(r->r, e);
}

static void meta(struct rule *r, uint32_t key)
{
	struct nftnl_expr *e = expr(r, "meta");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, NFT_REG_1);
	add(r, e);
}

static void cmp(struct rule *r, uint32_t op, const void *data, uint32_t len)
{
	struct nftnl_expr *e = expr(r, "cmp");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
	nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
	add(r, e);
}

static void payload(struct rule *r, uint32_t base, uint32_t offset, uint32_t len)
{
	struct nftnl_expr *e = expr(r, "payload");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, offset);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, NFT_REG_1);
	add(r, e);
}

static void bitwise(struct rule *r, const void *mask, uint32_t len)
{
	static const unsigned char zero[16];
	struct nftnl_expr *e = expr(r, "bitwise");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, len);
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, mask, len);
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, zero, len);
	add(r, e);
}

static void verdict(struct rule *r, int v)
{
	struct nftnl_expr *e = expr(r, "immediate");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, (uint32_t)v);
	add(r, e);
}

static void immediate(struct rule *r, uint32_t reg, const void *data, uint32_t len)
{
	struct nftnl_expr *e = expr(r, "immediate");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, reg);
	nftnl_expr_set(e, NFTNL_EXPR_IMM_DATA, data, len);
	add(r, e);
}

static void match_nfproto(struct rule *r, int family)
{
	uint8_t v = family == AF_INET6 ? NFPROTO_IPV6 : NFPROTO_IPV4;

	meta(r, NFT_META_NFPROTO);
	cmp(r, NFT_CMP_EQ, &v, 1);
}

static void match_l4proto(struct rule *r, uint8_t proto)
{
	meta(r, NFT_META_L4PROTO);
	cmp(r, NFT_CMP_EQ, &proto, 1);
}

/* ip/ip6 saddr or daddr within c (the family check comes first). */
static void match_addr(struct rule *r, const struct cell_cidr *c, bool dst)
{
	uint32_t len = (uint32_t)cell_cidr_addrlen(c);
	unsigned char mask[16] = { 0 }, net[16];
	uint32_t off = c->family == AF_INET6 ? (dst ? 24 : 8) : (dst ? 16 : 12);

	match_nfproto(r, c->family);
	for (unsigned i = 0; i < len; i++) {
		unsigned bit = i * 8;

		mask[i] = bit + 8 <= c->prefixlen ? 0xff
			  : bit >= c->prefixlen	   ? 0
						   : (unsigned char)(0xff << (8 - (c->prefixlen - bit)));
		net[i] = c->addr[i] & mask[i];
	}
	payload(r, NFT_PAYLOAD_NETWORK_HEADER, off, len);
	if (c->prefixlen < len * 8)
		bitwise(r, mask, len);
	cmp(r, NFT_CMP_EQ, net, len);
}

static void match_dport(struct rule *r, uint8_t proto, uint16_t port)
{
	uint16_t p = htons(port);

	match_l4proto(r, proto);
	payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2);
	cmp(r, NFT_CMP_EQ, &p, 2);
}

static void match_ifname(struct rule *r, uint32_t key, const char *name, uint32_t op)
{
	char buf[IFNAMSIZ] = { 0 };

	memcpy(buf, name, strnlen(name, sizeof(buf) - 1));
	meta(r, key);
	cmp(r, op, buf, sizeof(buf));
}

static int put_rule(struct builder *b, const char *table, const char *chain,
		    void (*fill)(struct rule *r, const void *arg), const void *arg)
{
	struct rule r = { .r = nftnl_rule_alloc() };
	struct nlmsghdr *nlh;

	if (!r.r)
		return -ENOMEM;
	if (!builder_room(b)) {
		nftnl_rule_free(r.r);
		return -E2BIG;
	}
	nftnl_rule_set_str(r.r, NFTNL_RULE_TABLE, table);
	nftnl_rule_set_str(r.r, NFTNL_RULE_CHAIN, chain);
	nftnl_rule_set_u32(r.r, NFTNL_RULE_FAMILY, NFPROTO_INET);
	fill(&r, arg);
	if (r.oom) {
		nftnl_rule_free(r.r);
		return -ENOMEM;
	}
	nlh = nftnl_nlmsg_build_hdr(mnl_nlmsg_batch_current(b->batch), NFT_MSG_NEWRULE,
				    NFPROTO_INET, NLM_F_CREATE | NLM_F_APPEND, b->seq++);
	nftnl_rule_nlmsg_build_payload(nlh, r.r);
	nftnl_rule_free(r.r);
	mnl_nlmsg_batch_next(b->batch);
	b->n++;
	return 0;
}

/* ---- the host table ------------------------------------------------------- */

static void fill_masq(struct rule *r, const void *arg)
{
	const struct cell_netplan *np = arg;
	struct cell_cidr one = np->peer_addr;

	one.prefixlen = one.family == AF_INET6 ? 128 : 32;
	match_addr(r, &one, false);
	match_ifname(r, NFT_META_OIFNAME, np->host_if, NFT_CMP_NEQ);
	add(r, expr(r, "masq"));
}

struct publish_arg {
	const struct cell_netplan *np;
	const struct cell_publish *p;
};

static void fill_dnat(struct rule *r, const void *arg)
{
	const struct publish_arg *a = arg;
	uint32_t local = RTN_LOCAL;
	uint16_t port = htons(a->p->port);
	struct nftnl_expr *e;

	match_nfproto(r, a->np->peer_addr.family);
	/* only traffic to this host's own addresses, not traffic it routes */
	e = expr(r, "fib");
	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_FLAGS, NFTA_FIB_F_DADDR);
		nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_RESULT, NFT_FIB_RESULT_ADDRTYPE);
		nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_DREG, NFT_REG_1);
		add(r, e);
	}
	cmp(r, NFT_CMP_EQ, &local, sizeof(local));
	match_dport(r, (uint8_t)a->p->proto, a->p->host_port);
	immediate(r, NFT_REG_1, a->np->peer_addr.addr,
		  (uint32_t)cell_cidr_addrlen(&a->np->peer_addr));
	immediate(r, NFT_REG_2, &port, sizeof(port));
	e = expr(r, "nat");
	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_TYPE, NFT_NAT_DNAT);
		nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_FAMILY,
				   a->np->peer_addr.family == AF_INET6 ? NFPROTO_IPV6
								       : NFPROTO_IPV4);
		nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_ADDR_MIN, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_PROTO_MIN, NFT_REG_2);
		nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_FLAGS, NF_NAT_RANGE_PROTO_SPECIFIED);
		add(r, e);
	}
}

int cell_nft_build_host(const struct cell_netplan *np, bool owned, struct cell_nft_batch *ret,
			struct cell_err *err)
{
	struct builder b;
	int r;

	memset(ret, 0, sizeof(*ret));
	if (np->mode != CELL_NET_VETH || !np->table[0])
		return 0;
	if (builder_start(&b) < 0)
		return cell_fail(err, ENOMEM, "nftables batch");
	r = put_table(&b, NFT_MSG_NEWTABLE, np->table, owned ? NFT_TABLE_F_OWNER : 0,
		      NLM_F_CREATE | NLM_F_EXCL);
	if (r >= 0 && np->nat) {
		r = put_chain(&b, np->table, "postrouting", "nat", NF_INET_POST_ROUTING,
			      NF_IP_PRI_NAT_SRC, NF_ACCEPT);
		if (r >= 0)
			r = put_rule(&b, np->table, "postrouting", fill_masq, np);
	}
	if (r >= 0 && np->n_publish) {
		/* prerouting: clients elsewhere; output: clients on this host,
		 * through any of its addresses but loopback (a packet from
		 * 127.0.0.1 may not leave through the veth unless route_localnet
		 * is on, which cell leaves alone: it would make 127.0.0.0/8
		 * routable on that link). */
		r = put_chain(&b, np->table, "prerouting", "nat", NF_INET_PRE_ROUTING,
			      NF_IP_PRI_NAT_DST, NF_ACCEPT);
		if (r >= 0)
			r = put_chain(&b, np->table, "output", "nat", NF_INET_LOCAL_OUT,
				      NF_IP_PRI_NAT_DST, NF_ACCEPT);
		for (unsigned i = 0; r >= 0 && i < np->n_publish; i++) {
			struct publish_arg a = { .np = np, .p = &np->publish[i] };

			r = put_rule(&b, np->table, "prerouting", fill_dnat, &a);
			if (r >= 0)
				r = put_rule(&b, np->table, "output", fill_dnat, &a);
		}
	}
	if (r < 0) {
		builder_abort(&b);
		return cell_fail(err, -r, "nftables table %s", np->table);
	}
	return builder_finish(&b, ret, err);
}

/* ---- the allowlist -------------------------------------------------------- */

static void fill_lo(struct rule *r, const void *arg)
{
	match_ifname(r, NFT_META_OIFNAME, "lo", NFT_CMP_EQ);
	verdict(r, NF_ACCEPT);
}

static void fill_established(struct rule *r, const void *arg)
{
	uint32_t mask = CT_ESTABLISHED_RELATED, zero = 0;
	struct nftnl_expr *e = expr(r, "ct");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, NFT_CT_STATE);
		nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, NFT_REG_1);
		add(r, e);
	}
	bitwise(r, &mask, sizeof(mask));
	cmp(r, NFT_CMP_NEQ, &zero, sizeof(zero));
	verdict(r, NF_ACCEPT);
}

/* IPv6 needs neighbour discovery to reach even its allowed neighbours:
 * ICMPv6 types 133 to 136 (router/neighbour solicitation/advertisement). */
static void fill_nd(struct rule *r, const void *arg)
{
	uint8_t lo = 133, hi = 136;

	match_nfproto(r, AF_INET6);
	match_l4proto(r, IPPROTO_ICMPV6);
	payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 0, 1);
	cmp(r, NFT_CMP_GTE, &lo, 1);
	cmp(r, NFT_CMP_LTE, &hi, 1);
	verdict(r, NF_ACCEPT);
}

struct allow_arg {
	const struct cell_allow *a;
	uint8_t proto; /* 0: any */
};

static void fill_allow(struct rule *r, const void *arg)
{
	const struct allow_arg *a = arg;

	match_addr(r, &a->a->dst, true);
	if (a->proto)
		match_dport(r, a->proto, a->a->port);
	verdict(r, NF_ACCEPT);
}

static void fill_reject_tcp(struct rule *r, const void *arg)
{
	struct nftnl_expr *e;

	match_l4proto(r, IPPROTO_TCP);
	e = expr(r, "reject");
	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_REJECT_TYPE, NFT_REJECT_TCP_RST);
		nftnl_expr_set_u8(e, NFTNL_EXPR_REJECT_CODE, 0);
		add(r, e);
	}
}

static void fill_reject(struct rule *r, const void *arg)
{
	struct nftnl_expr *e = expr(r, "reject");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_REJECT_TYPE, NFT_REJECT_ICMPX_UNREACH);
		nftnl_expr_set_u8(e, NFTNL_EXPR_REJECT_CODE, NFT_REJECT_ICMPX_ADMIN_PROHIBITED);
		add(r, e);
	}
}

int cell_nft_build_allow(const struct cell_netplan *np, struct cell_nft_batch *ret,
			 struct cell_err *err)
{
	const char *t = CELL_NFT_ALLOW_TABLE;
	struct builder b;
	int r;

	memset(ret, 0, sizeof(*ret));
	if (np->n_allow == 0)
		return 0;
	if (builder_start(&b) < 0)
		return cell_fail(err, ENOMEM, "nftables batch");
	r = put_table(&b, NFT_MSG_NEWTABLE, t, 0, NLM_F_CREATE | NLM_F_EXCL);
	if (r >= 0)
		r = put_chain(&b, t, "output", "filter", NF_INET_LOCAL_OUT, NF_IP_PRI_FILTER,
			      NF_DROP);
	if (r >= 0)
		r = put_rule(&b, t, "output", fill_lo, NULL);
	if (r >= 0)
		r = put_rule(&b, t, "output", fill_established, NULL);
	if (r >= 0)
		r = put_rule(&b, t, "output", fill_nd, NULL);
	for (unsigned i = 0; r >= 0 && i < np->n_allow; i++) {
		struct allow_arg a = { .a = &np->allow[i] };

		if (!np->allow[i].port) {
			r = put_rule(&b, t, "output", fill_allow, &a);
			continue;
		}
		a.proto = IPPROTO_TCP;
		r = put_rule(&b, t, "output", fill_allow, &a);
		a.proto = IPPROTO_UDP;
		if (r >= 0)
			r = put_rule(&b, t, "output", fill_allow, &a);
	}
	if (r >= 0)
		r = put_rule(&b, t, "output", fill_reject_tcp, NULL);
	if (r >= 0)
		r = put_rule(&b, t, "output", fill_reject, NULL);
	if (r < 0) {
		builder_abort(&b);
		return cell_fail(err, -r, "nftables allowlist");
	}
	return builder_finish(&b, ret, err);
}

int cell_nft_build_del(const char *name, struct cell_nft_batch *ret, struct cell_err *err)
{
	struct builder b;

	memset(ret, 0, sizeof(*ret));
	if (builder_start(&b) < 0)
		return cell_fail(err, ENOMEM, "nftables batch");
	if (put_table(&b, NFT_MSG_DELTABLE, name, 0, 0) < 0) {
		builder_abort(&b);
		return cell_fail(err, ENOMEM, "nftables batch");
	}
	return builder_finish(&b, ret, err);
}

/* ---- talking (allocation-free) -------------------------------------------- */

int cell_nft_open(struct cell_err *err)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int one = 1;
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);

	if (fd < 0)
		return cell_fail(err, errno, "open a netfilter netlink socket");
	/* the kernel's reason in errors; older kernels just send less */
	(void)setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;

		close(fd);
		return cell_fail(err, e, "bind a netfilter netlink socket");
	}
	return fd;
}

/* The extended ACK's message in an error, or NULL. */
static const char *ext_msg(const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *attr;
	size_t off;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return NULL;
	off = sizeof(*e);
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - sizeof(e->msg);
	mnl_attr_for_each(attr, nlh, off)
		if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
		    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) >= 0)
			return mnl_attr_get_str(attr);
	return NULL;
}

int cell_nft_send(int fd, const struct cell_nft_batch *b, const char *what, struct cell_err *err)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	union {
		char buf[8192];
		struct nlmsghdr align;
	} u;
	struct {
		struct nlmsghdr nlh;
		struct nfgenmsg gen;
	} req;
	int own = -1, first = 0;
	uint32_t sentinel;

	if (!b->buf || b->len == 0)
		return 0;
	if (fd < 0) {
		own = fd = cell_nft_open(err);
		if (fd < 0)
			return fd;
	}
	memset(&req, 0, sizeof(req));
	sentinel = (uint32_t)time(NULL) ^ 0x5a5a5a5au;
	req.nlh.nlmsg_len = sizeof(req);
	req.nlh.nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETGEN;
	req.nlh.nlmsg_flags = NLM_F_REQUEST;
	req.nlh.nlmsg_seq = sentinel;
	req.gen.nfgen_family = AF_UNSPEC;
	req.gen.version = NFNETLINK_V0;
	if (sendto(fd, b->buf, b->len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0 ||
	    sendto(fd, &req, sizeof(req), 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0) {
		first = cell_fail(err, errno, "nftables: %s: send", what);
		goto out;
	}
	for (;;) {
		ssize_t n = recv(fd, u.buf, sizeof(u.buf), 0);
		const struct nlmsghdr *nlh = &u.align;
		int left;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (!first)
				first = cell_fail(err, n < 0 ? errno : EIO, "nftables: %s: receive",
						  what);
			goto out;
		}
		left = (int)n;
		for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
				const char *msg;

				if (e->error == 0 || first)
					goto next;
				msg = ext_msg(nlh);
				first = cell_fail(err, -e->error, "nftables: %s%s%s", what,
						  msg ? ": " : "", msg ? msg : "");
			}
next:
			if (nlh->nlmsg_seq == sentinel)
				goto out;
		}
	}
out:
	if (own >= 0)
		close(own);
	return first;
}

int cell_nft_tables(void (*each)(const char *name, void *data), void *data, struct cell_err *err)
{
	union {
		char buf[MNL_SOCKET_BUFFER_SIZE];
		struct nlmsghdr align;
	} u;
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	_cleanup_close_ int fd = cell_nft_open(err);
	struct nlmsghdr *nlh;
	uint32_t seq = (uint32_t)time(NULL);

	if (fd < 0)
		return fd;
	nlh = nftnl_nlmsg_build_hdr(u.buf, NFT_MSG_GETTABLE, NFPROTO_INET, NLM_F_DUMP, seq);
	if (sendto(fd, nlh, nlh->nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		return cell_fail(err, errno, "nftables: list tables");
	for (;;) {
		ssize_t n = recv(fd, u.buf, sizeof(u.buf), 0);
		int left;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return cell_fail(err, n < 0 ? errno : EIO, "nftables: list tables");
		left = (int)n;
		for (nlh = &u.align; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
			struct nftnl_table *t;

			if (nlh->nlmsg_type == NLMSG_DONE)
				return 0;
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

				if (e->error)
					return cell_fail(err, -e->error, "nftables: list tables");
				continue;
			}
			t = nftnl_table_alloc();
			if (!t)
				return cell_fail(err, ENOMEM, "nftables: list tables");
			if (nftnl_table_nlmsg_parse(nlh, t) == 0 &&
			    nftnl_table_is_set(t, NFTNL_TABLE_NAME))
				each(nftnl_table_get_str(t, NFTNL_TABLE_NAME), data);
			nftnl_table_free(t);
		}
	}
}
