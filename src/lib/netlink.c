/* netlink.c - rtnetlink requests and replies over libmnl.
 *
 * Man pages: rtnetlink(7), netlink(7), veth(4).
 *
 * Requests are built into a fixed buffer with libmnl's *_check helpers, so
 * a request that does not fit is refused whole instead of being cut.  Every
 * request but a dump asks for an ACK (NLM_F_ACK): then each one gets exactly
 * one NLMSG_ERROR (error 0 is the ACK) after any data, and a batch is
 * complete when every sequence number has its answer.  A dump ends with
 * NLMSG_DONE instead.
 *
 * The socket asks for extended ACKs (NETLINK_EXT_ACK, Linux 4.12) so that a
 * refusal carries the kernel's own reason ("Nexthop device is not up"), and
 * for capped ACKs (NETLINK_CAP_ACK, Linux 4.3) so that an error does not
 * echo the whole request back.  Both are optional: older kernels just send
 * less.
 */
#define _GNU_SOURCE
#include "netlink.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/net_namespace.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cleanup.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/* ---- addresses ---------------------------------------------------------- */

size_t cell_cidr_addrlen(const struct cell_cidr *c)
{
	return c->family == AF_INET6 ? 16 : 4;
}

int cell_cidr_parse(const char *s, struct cell_cidr *ret)
{
	char text[INET6_ADDRSTRLEN];
	const char *slash = strchr(s, '/'), *p;
	unsigned prefix = 0, max;
	struct cell_cidr c = { 0 };
	size_t n;

	if (!slash || slash == s)
		return -EINVAL;
	n = (size_t)(slash - s);
	if (n >= sizeof(text))
		return -EINVAL;
	memcpy(text, s, n);
	text[n] = '\0';
	c.family = strchr(text, ':') ? AF_INET6 : AF_INET;
	max = c.family == AF_INET6 ? 128 : 32;
	if (inet_pton(c.family, text, c.addr) != 1)
		return -EINVAL;
	/* One to three digits, no sign, no leading zero: "/024" is a typo. */
	p = slash + 1;
	if (!*p || strlen(p) > 3 || (p[0] == '0' && p[1]))
		return -EINVAL;
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		prefix = prefix * 10 + (unsigned)(*p - '0');
	}
	if (prefix > max)
		return -EINVAL;
	c.prefixlen = (unsigned char)prefix;
	*ret = c;
	return 0;
}

const char *cell_cidr_format_addr(const struct cell_cidr *c, char *buf, size_t len)
{
	if (!inet_ntop(c->family, c->addr, buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}

const char *cell_cidr_format(const struct cell_cidr *c, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	snprintf(buf, len, "%s/%u", cell_cidr_format_addr(c, a, sizeof(a)), c->prefixlen);
	return buf;
}

bool cell_cidr_same_net(const struct cell_cidr *a, const struct cell_cidr *b)
{
	unsigned bits = a->prefixlen < b->prefixlen ? a->prefixlen : b->prefixlen;
	unsigned full = bits / 8, rest = bits % 8;

	if (a->family != b->family)
		return false;
	if (memcmp(a->addr, b->addr, full) != 0)
		return false;
	if (rest) {
		unsigned char mask = (unsigned char)(0xff << (8 - rest));

		if ((a->addr[full] & mask) != (b->addr[full] & mask))
			return false;
	}
	return true;
}

bool cell_cidr_equal(const struct cell_cidr *a, const struct cell_cidr *b)
{
	return a->family == b->family && a->prefixlen == b->prefixlen &&
	       memcmp(a->addr, b->addr, cell_cidr_addrlen(a)) == 0;
}

int cell_nl_ifname_check(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return -EINVAL;
	if (n >= IFNAMSIZ)
		return -ENAMETOOLONG;
	for (const char *p = name; *p; p++)
		if (*p == '/' || *p == ':' || *p == ' ' || (*p >= '\t' && *p <= '\r'))
			return -EINVAL;
	return 0;
}

/* ---- building requests --------------------------------------------------- */

void cell_nl_batch_init(struct cell_nl_batch *b, uint32_t seq)
{
	b->len = 0;
	b->first_seq = b->seq = seq;
	b->n = 0;
	b->error = 0;
}

void cell_nl_batch_label(struct cell_nl_batch *b, const char *fmt, ...)
{
	va_list ap;

	if (!b->n)
		return;
	va_start(ap, fmt);
	vsnprintf(b->req[b->n - 1].label, CELL_NL_LABEL_MAX, fmt, ap);
	va_end(ap);
}

void cell_nl_batch_accept(struct cell_nl_batch *b, int errnum)
{
	if (b->n)
		b->req[b->n - 1].accept = errnum;
}

static size_t room(const struct cell_nl_batch *b)
{
	return sizeof(b->buf) - b->len;
}

/* A new message at the end of the batch, or NULL when it is full.  It only
 * counts once msg_end() accepts it. */
static struct nlmsghdr *msg_start(struct cell_nl_batch *b, uint16_t type, uint16_t flags,
				  size_t extra)
{
	struct nlmsghdr *nlh;

	if (b->error || b->n >= CELL_NL_BATCH_MAX || room(b) < MNL_NLMSG_HDRLEN + MNL_ALIGN(extra))
		return NULL;
	nlh = mnl_nlmsg_put_header(b->buf + b->len);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	nlh->nlmsg_seq = b->seq;
	mnl_nlmsg_put_extra_header(nlh, extra);
	return nlh;
}

static int msg_end(struct cell_nl_batch *b, struct nlmsghdr *nlh, bool fits, const char *fmt,
		   ...) __attribute__((format(printf, 4, 5)));

static int msg_end(struct cell_nl_batch *b, struct nlmsghdr *nlh, bool fits, const char *fmt, ...)
{
	struct cell_nl_req *q;
	va_list ap;

	if (!nlh || !fits) {
		b->error = -ENOSPC;
		return -ENOSPC;
	}
	q = &b->req[b->n];
	memset(q, 0, sizeof(*q));
	q->seq = b->seq++;
	va_start(ap, fmt);
	vsnprintf(q->label, sizeof(q->label), fmt, ap);
	va_end(ap);
	b->len += MNL_ALIGN(nlh->nlmsg_len);
	return (int)b->n++;
}

/* The target of a link request: by index, else by name. */
static bool put_link_target(struct nlmsghdr *nlh, size_t len, struct ifinfomsg *ifm, int ifindex,
			    const char *name)
{
	ifm->ifi_family = AF_UNSPEC;
	if (ifindex > 0) {
		ifm->ifi_index = ifindex;
		return true;
	}
	return mnl_attr_put_strz_check(nlh, len, IFLA_IFNAME, name);
}

static bool put_netns(struct nlmsghdr *nlh, size_t len, int fd, pid_t pid)
{
	if (fd >= 0)
		return mnl_attr_put_u32_check(nlh, len, IFLA_NET_NS_FD, (uint32_t)fd);
	if (pid > 0)
		return mnl_attr_put_u32_check(nlh, len, IFLA_NET_NS_PID, (uint32_t)pid);
	return true;
}

int cell_nl_put_veth(struct cell_nl_batch *b, const struct cell_nl_veth *v)
{
	struct nlattr *linkinfo = NULL, *data = NULL, *peer = NULL;
	struct ifinfomsg *ifm, *pifm;
	struct nlmsghdr *nlh;
	size_t len = room(b);
	bool ok;

	if (!v->name || !v->peer)
		return -EINVAL;
	nlh = msg_start(b, RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL,
			sizeof(*ifm));
	if (!nlh)
		return msg_end(b, NULL, false, "-");
	ifm = mnl_nlmsg_get_payload(nlh);
	ifm->ifi_family = AF_UNSPEC;
	if (v->up) {
		ifm->ifi_flags = IFF_UP;
		ifm->ifi_change = IFF_UP;
	}
	ok = mnl_attr_put_strz_check(nlh, len, IFLA_IFNAME, v->name) &&
	     (!v->mtu || mnl_attr_put_u32_check(nlh, len, IFLA_MTU, v->mtu));
	ok = ok && (linkinfo = mnl_attr_nest_start_check(nlh, len, IFLA_LINKINFO)) &&
	     mnl_attr_put_strz_check(nlh, len, IFLA_INFO_KIND, "veth") &&
	     (data = mnl_attr_nest_start_check(nlh, len, IFLA_INFO_DATA)) &&
	     (peer = mnl_attr_nest_start_check(nlh, len, VETH_INFO_PEER));
	/* VETH_INFO_PEER holds a struct ifinfomsg for the peer, then the
	 * peer's own IFLA_* attributes (drivers/net/veth.c). */
	ok = ok && nlh->nlmsg_len + MNL_ALIGN(sizeof(*pifm)) <= len;
	if (ok) {
		pifm = mnl_nlmsg_get_payload_tail(nlh);
		memset(pifm, 0, sizeof(*pifm));
		pifm->ifi_family = AF_UNSPEC;
		if (v->up) {
			pifm->ifi_flags = IFF_UP;
			pifm->ifi_change = IFF_UP;
		}
		nlh->nlmsg_len += MNL_ALIGN(sizeof(*pifm));
		ok = mnl_attr_put_strz_check(nlh, len, IFLA_IFNAME, v->peer) &&
		     (!v->mtu || mnl_attr_put_u32_check(nlh, len, IFLA_MTU, v->mtu)) &&
		     put_netns(nlh, len, v->peer_netns_fd, v->peer_netns_pid);
	}
	if (ok) {
		mnl_attr_nest_end(nlh, peer);
		mnl_attr_nest_end(nlh, data);
		mnl_attr_nest_end(nlh, linkinfo);
	}
	return msg_end(b, nlh, ok, "create veth %s (peer %s)", v->name, v->peer);
}

int cell_nl_put_link_set(struct cell_nl_batch *b, const struct cell_nl_link *l)
{
	struct ifinfomsg *ifm;
	struct nlmsghdr *nlh;
	size_t len = room(b);
	bool ok;

	if (l->ifindex <= 0 && !l->name)
		return -EINVAL;
	if (l->alias && strlen(l->alias) >= CELL_NL_ALIAS_MAX)
		return -EINVAL;
	/* RTM_SETLINK only ever changes a link, never creates one. */
	nlh = msg_start(b, RTM_SETLINK, NLM_F_REQUEST | NLM_F_ACK, sizeof(*ifm));
	if (!nlh)
		return msg_end(b, NULL, false, "-");
	ifm = mnl_nlmsg_get_payload(nlh);
	ok = put_link_target(nlh, len, ifm, l->ifindex, l->name);
	if (l->up >= 0) {
		ifm->ifi_flags = l->up ? IFF_UP : 0;
		ifm->ifi_change = IFF_UP;
	}
	ok = ok && (!l->mtu || mnl_attr_put_u32_check(nlh, len, IFLA_MTU, l->mtu)) &&
	     put_netns(nlh, len, l->netns_fd, l->netns_pid);
	/* The kernel stores the alias with the length given, so no NUL. */
	ok = ok && (!l->alias ||
		    mnl_attr_put_check(nlh, len, IFLA_IFALIAS, strlen(l->alias), l->alias));
	if (l->ifindex > 0)
		return msg_end(b, nlh, ok, "configure link %d", l->ifindex);
	return msg_end(b, nlh, ok, "configure link %s", l->name);
}

static int put_link_simple(struct cell_nl_batch *b, uint16_t type, uint16_t flags, int ifindex,
			   const char *name, const char *what)
{
	struct ifinfomsg *ifm;
	struct nlmsghdr *nlh;
	size_t len = room(b);
	bool ok;

	if (ifindex <= 0 && !name)
		return -EINVAL;
	nlh = msg_start(b, type, flags, sizeof(*ifm));
	if (!nlh)
		return msg_end(b, NULL, false, "-");
	ifm = mnl_nlmsg_get_payload(nlh);
	ok = put_link_target(nlh, len, ifm, ifindex, name);
	if (type == RTM_GETLINK)
		ok = ok && mnl_attr_put_u32_check(nlh, len, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	if (ifindex > 0)
		return msg_end(b, nlh, ok, "%s link %d", what, ifindex);
	return msg_end(b, nlh, ok, "%s link %s", what, name);
}

int cell_nl_put_link_del(struct cell_nl_batch *b, int ifindex, const char *name)
{
	return put_link_simple(b, RTM_DELLINK, NLM_F_REQUEST | NLM_F_ACK, ifindex, name, "delete");
}

int cell_nl_put_link_get(struct cell_nl_batch *b, int ifindex, const char *name)
{
	return put_link_simple(b, RTM_GETLINK, NLM_F_REQUEST | NLM_F_ACK, ifindex, name, "look up");
}

int cell_nl_put_link_dump(struct cell_nl_batch *b)
{
	struct ifinfomsg *ifm;
	struct nlmsghdr *nlh;
	bool ok;

	nlh = msg_start(b, RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, sizeof(*ifm));
	if (!nlh)
		return msg_end(b, NULL, false, "-");
	ifm = mnl_nlmsg_get_payload(nlh);
	ifm->ifi_family = AF_UNSPEC;
	/* Statistics are most of a link message and nobody here reads them. */
	ok = mnl_attr_put_u32_check(nlh, room(b), IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	return msg_end(b, nlh, ok, "list links");
}

int cell_nl_put_addr(struct cell_nl_batch *b, bool add, int ifindex, const struct cell_cidr *a)
{
	struct ifaddrmsg *ifa;
	struct nlmsghdr *nlh;
	size_t len = room(b), alen;
	char text[CELL_CIDR_STRLEN];
	bool ok;

	if (ifindex <= 0 || (a->family != AF_INET && a->family != AF_INET6) ||
	    a->prefixlen > (a->family == AF_INET ? 32 : 128))
		return -EINVAL;
	alen = cell_cidr_addrlen(a);
	nlh = msg_start(b, add ? RTM_NEWADDR : RTM_DELADDR,
			add ? NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL :
			      NLM_F_REQUEST | NLM_F_ACK,
			sizeof(*ifa));
	if (!nlh)
		return msg_end(b, NULL, false, "-");
	ifa = mnl_nlmsg_get_payload(nlh);
	ifa->ifa_family = (unsigned char)a->family;
	ifa->ifa_prefixlen = a->prefixlen;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = (unsigned)ifindex;
	if (add && a->family == AF_INET6)
		ifa->ifa_flags = IFA_F_NODAD;
	/* IFA_LOCAL is the interface's own address; IFA_ADDRESS is the same
	 * on a broadcast link (it names the other end only on point-to-point
	 * links). */
	ok = mnl_attr_put_check(nlh, len, IFA_ADDRESS, alen, a->addr);
	if (a->family == AF_INET) {
		ok = ok && mnl_attr_put_check(nlh, len, IFA_LOCAL, alen, a->addr);
		/* The broadcast address, as `ifconfig` and `ip addr ... brd +`
		 * set it; /31 and /32 have none (RFC 3021). */
		if (add && a->prefixlen <= 30) {
			uint32_t host, mask = a->prefixlen ? ~0u << (32 - a->prefixlen) : 0;

			memcpy(&host, a->addr, 4);
			host = htonl(ntohl(host) | ~mask);
			ok = ok && mnl_attr_put_check(nlh, len, IFA_BROADCAST, 4, &host);
		}
	}
	return msg_end(b, nlh, ok, "%s address %s %s link %d", add ? "add" : "remove",
		       cell_cidr_format(a, text, sizeof(text)), add ? "to" : "from", ifindex);
}

int cell_nl_put_addr_dump(struct cell_nl_batch *b, int family)
{
	struct ifaddrmsg *ifa;
	struct nlmsghdr *nlh;

	nlh = msg_start(b, RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP, sizeof(*ifa));
	if (!nlh)
		return msg_end(b, NULL, false, "-");
	ifa = mnl_nlmsg_get_payload(nlh);
	ifa->ifa_family = (unsigned char)family;
	return msg_end(b, nlh, true, "list addresses");
}

int cell_nl_put_route(struct cell_nl_batch *b, bool add, const struct cell_nl_route *rt)
{
	const struct cell_cidr *d = &rt->dst;
	char text[CELL_CIDR_STRLEN];
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;
	size_t len = room(b), alen;
	bool ok = true;

	if ((d->family != AF_INET && d->family != AF_INET6) ||
	    d->prefixlen > (d->family == AF_INET ? 32 : 128) || rt->oif <= 0)
		return -EINVAL;
	alen = cell_cidr_addrlen(d);
	nlh = msg_start(b, add ? RTM_NEWROUTE : RTM_DELROUTE,
			add ? NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL :
			      NLM_F_REQUEST | NLM_F_ACK,
			sizeof(*rtm));
	if (!nlh)
		return msg_end(b, NULL, false, "-");
	rtm = mnl_nlmsg_get_payload(nlh);
	rtm->rtm_family = (unsigned char)d->family;
	rtm->rtm_dst_len = d->prefixlen;
	rtm->rtm_table = RT_TABLE_MAIN;
	if (add) {
		rtm->rtm_protocol = RTPROT_STATIC;
		/* Through a gateway the route reaches beyond the link. */
		rtm->rtm_scope = rt->has_gateway ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
		rtm->rtm_type = RTN_UNICAST;
	} else {
		/* Deleting: match any scope, as `ip route del` does. */
		rtm->rtm_scope = RT_SCOPE_NOWHERE;
	}
	if (d->prefixlen)
		ok = mnl_attr_put_check(nlh, len, RTA_DST, alen, d->addr);
	if (rt->has_gateway)
		ok = ok && mnl_attr_put_check(nlh, len, RTA_GATEWAY, alen, rt->gateway);
	ok = ok && mnl_attr_put_u32_check(nlh, len, RTA_OIF, (uint32_t)rt->oif);
	if (!d->prefixlen)
		return msg_end(b, nlh, ok, "%s default route (%s) through link %d",
			       add ? "add" : "remove", d->family == AF_INET ? "IPv4" : "IPv6",
			       rt->oif);
	return msg_end(b, nlh, ok, "%s route %s through link %d", add ? "add" : "remove",
		       cell_cidr_format(d, text, sizeof(text)), rt->oif);
}

int cell_nl_put_route_dump(struct cell_nl_batch *b, int family)
{
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;

	nlh = msg_start(b, RTM_GETROUTE, NLM_F_REQUEST | NLM_F_DUMP, sizeof(*rtm));
	if (!nlh)
		return msg_end(b, NULL, false, "-");
	rtm = mnl_nlmsg_get_payload(nlh);
	rtm->rtm_family = (unsigned char)family;
	return msg_end(b, nlh, true, "list routes");
}

int cell_nl_put_nsid_get(struct cell_nl_batch *b, int netns_fd)
{
	struct nlmsghdr *nlh;
	struct rtgenmsg *g;
	bool ok;

	if (netns_fd < 0)
		return -EINVAL;
	nlh = msg_start(b, RTM_GETNSID, NLM_F_REQUEST | NLM_F_ACK, sizeof(*g));
	if (!nlh)
		return msg_end(b, NULL, false, "-");
	g = mnl_nlmsg_get_payload(nlh);
	g->rtgen_family = AF_UNSPEC;
	ok = mnl_attr_put_u32_check(nlh, room(b), NETNSA_FD, (uint32_t)netns_fd);
	return msg_end(b, nlh, ok, "look up namespace id");
}

/* ---- reading replies ----------------------------------------------------- */

struct attr_table {
	const struct nlattr **tb;
	unsigned max;
};

static int attr_table_cb(const struct nlattr *a, void *data)
{
	struct attr_table *t = data;
	unsigned type = mnl_attr_get_type(a);

	if (type <= t->max)
		t->tb[type] = a;
	return MNL_CB_OK;
}

/* Copy a string attribute, bounded, whether or not the kernel ended it
 * with a NUL. */
static void attr_strcpy(char *dst, size_t size, const struct nlattr *a)
{
	size_t n = mnl_attr_get_payload_len(a);
	const char *s = mnl_attr_get_payload(a);

	n = strnlen(s, n);
	if (n >= size)
		n = size - 1;
	memcpy(dst, s, n);
	dst[n] = '\0';
}

static bool attr_u32(const struct nlattr *a, uint32_t *ret)
{
	if (!a || mnl_attr_validate(a, MNL_TYPE_U32) < 0)
		return false;
	*ret = mnl_attr_get_u32(a);
	return true;
}

int cell_nl_parse_link(const struct nlmsghdr *nlh, struct cell_nl_linkinfo *ret)
{
	const struct nlattr *tb[IFLA_MAX + 1] = { 0 }, *info[IFLA_INFO_MAX + 1] = { 0 };
	struct attr_table t = { tb, IFLA_MAX }, ti = { info, IFLA_INFO_MAX };
	const struct ifinfomsg *ifm;
	uint32_t v;

	if (nlh->nlmsg_type != RTM_NEWLINK || nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*ifm)))
		return -EINVAL;
	ifm = mnl_nlmsg_get_payload(nlh);
	memset(ret, 0, sizeof(*ret));
	ret->ifindex = ifm->ifi_index;
	ret->flags = ifm->ifi_flags;
	ret->link_netnsid = -1;
	if (mnl_attr_parse(nlh, sizeof(*ifm), attr_table_cb, &t) < 0)
		return -EINVAL;
	if (!tb[IFLA_IFNAME])
		return -EINVAL;
	attr_strcpy(ret->name, sizeof(ret->name), tb[IFLA_IFNAME]);
	if (attr_u32(tb[IFLA_MTU], &v))
		ret->mtu = v;
	if (attr_u32(tb[IFLA_LINK], &v))
		ret->link = (int)v;
	if (attr_u32(tb[IFLA_LINK_NETNSID], &v))
		ret->link_netnsid = (int)v;
	if (tb[IFLA_IFALIAS])
		attr_strcpy(ret->alias, sizeof(ret->alias), tb[IFLA_IFALIAS]);
	if (tb[IFLA_LINKINFO] &&
	    mnl_attr_parse_nested(tb[IFLA_LINKINFO], attr_table_cb, &ti) >= 0 &&
	    info[IFLA_INFO_KIND])
		attr_strcpy(ret->kind, sizeof(ret->kind), info[IFLA_INFO_KIND]);
	return 0;
}

int cell_nl_parse_addr(const struct nlmsghdr *nlh, struct cell_nl_addrinfo *ret)
{
	const struct nlattr *tb[IFA_MAX + 1] = { 0 }, *a;
	struct attr_table t = { tb, IFA_MAX };
	const struct ifaddrmsg *ifa;
	uint32_t v;
	size_t alen;

	if (nlh->nlmsg_type != RTM_NEWADDR || nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*ifa)))
		return -EINVAL;
	ifa = mnl_nlmsg_get_payload(nlh);
	if (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6)
		return -EINVAL;
	memset(ret, 0, sizeof(*ret));
	ret->ifindex = (int)ifa->ifa_index;
	ret->scope = ifa->ifa_scope;
	ret->flags = ifa->ifa_flags;
	ret->cidr.family = ifa->ifa_family;
	ret->cidr.prefixlen = ifa->ifa_prefixlen;
	if (mnl_attr_parse(nlh, sizeof(*ifa), attr_table_cb, &t) < 0)
		return -EINVAL;
	/* IFA_LOCAL is our end; IFA_ADDRESS alone (IPv6) is the same. */
	a = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	alen = cell_cidr_addrlen(&ret->cidr);
	if (!a || mnl_attr_get_payload_len(a) != alen)
		return -EINVAL;
	memcpy(ret->cidr.addr, mnl_attr_get_payload(a), alen);
	if (attr_u32(tb[IFA_FLAGS], &v))
		ret->flags = v;
	return 0;
}

int cell_nl_parse_route(const struct nlmsghdr *nlh, struct cell_nl_routeinfo *ret)
{
	const struct nlattr *tb[RTA_MAX + 1] = { 0 };
	struct attr_table t = { tb, RTA_MAX };
	const struct rtmsg *rtm;
	uint32_t v;
	size_t alen;

	if (nlh->nlmsg_type != RTM_NEWROUTE || nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*rtm)))
		return -EINVAL;
	rtm = mnl_nlmsg_get_payload(nlh);
	if (rtm->rtm_family != AF_INET && rtm->rtm_family != AF_INET6)
		return -EINVAL;
	memset(ret, 0, sizeof(*ret));
	ret->dst.family = rtm->rtm_family;
	ret->dst.prefixlen = rtm->rtm_dst_len;
	ret->table = rtm->rtm_table;
	ret->type = rtm->rtm_type;
	ret->protocol = rtm->rtm_protocol;
	if (mnl_attr_parse(nlh, sizeof(*rtm), attr_table_cb, &t) < 0)
		return -EINVAL;
	alen = cell_cidr_addrlen(&ret->dst);
	if (tb[RTA_DST]) {
		if (mnl_attr_get_payload_len(tb[RTA_DST]) != alen)
			return -EINVAL;
		memcpy(ret->dst.addr, mnl_attr_get_payload(tb[RTA_DST]), alen);
	}
	if (tb[RTA_GATEWAY]) {
		if (mnl_attr_get_payload_len(tb[RTA_GATEWAY]) != alen)
			return -EINVAL;
		memcpy(ret->gateway, mnl_attr_get_payload(tb[RTA_GATEWAY]), alen);
		ret->has_gateway = true;
	}
	/* Tables above 255 only fit in RTA_TABLE. */
	if (attr_u32(tb[RTA_TABLE], &v))
		ret->table = v;
	if (attr_u32(tb[RTA_OIF], &v))
		ret->oif = (int)v;
	return 0;
}

int cell_nl_parse_nsid(const struct nlmsghdr *nlh, int *ret)
{
	const struct nlattr *tb[NETNSA_MAX + 1] = { 0 };
	struct attr_table t = { tb, NETNSA_MAX };
	uint32_t v;

	if (nlh->nlmsg_type != RTM_NEWNSID ||
	    nlh->nlmsg_len < mnl_nlmsg_size(sizeof(struct rtgenmsg)))
		return -EINVAL;
	if (mnl_attr_parse(nlh, sizeof(struct rtgenmsg), attr_table_cb, &t) < 0)
		return -EINVAL;
	if (!attr_u32(tb[NETNSA_NSID], &v))
		return -EINVAL;
	*ret = (int)v;
	return 0;
}

static struct cell_nl_req *find_req(struct cell_nl_batch *b, uint32_t seq)
{
	uint32_t i = seq - b->first_seq;

	return i < b->n ? &b->req[i] : NULL;
}

/* Record a failed request; the first one not accepted becomes the batch's
 * error.  kmsg is the kernel's extended ACK text or NULL. */
static void req_fail(struct cell_nl_batch *b, struct cell_nl_req *q, int errnum, const char *kmsg,
		     struct cell_err *err)
{
	q->result = -errnum;
	if (errnum == q->accept || b->error)
		return;
	if (kmsg && *kmsg)
		b->error = cell_fail(err, errnum, "%s: %s", q->label, kmsg);
	else
		b->error = cell_fail(err, errnum, "%s", q->label);
}

/* The extended ACK's text: NLMSGERR_ATTR_MSG among the TLVs after the
 * struct nlmsgerr and (unless NLM_F_CAPPED) the echoed request. */
static void ext_ack_msg(const struct nlmsghdr *nlh, char *buf, size_t size)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	size_t total = mnl_nlmsg_get_payload_len(nlh), off = sizeof(*e);
	const struct nlattr *a;
	int left;

	buf[0] = '\0';
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
		if (e->msg.nlmsg_len < MNL_NLMSG_HDRLEN)
			return;
		off += MNL_ALIGN(e->msg.nlmsg_len - MNL_NLMSG_HDRLEN);
	}
	if (off >= total)
		return;
	a = (const struct nlattr *)((const char *)e + off);
	left = (int)(total - off);
	for (; mnl_attr_ok(a, left); left -= (int)MNL_ALIGN(a->nla_len), a = mnl_attr_next(a)) {
		if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG) {
			attr_strcpy(buf, size, a);
			/* The kernel's texts have no trailing newline, but be sure. */
			buf[strcspn(buf, "\n")] = '\0';
			return;
		}
	}
}

int cell_nl_batch_reply(struct cell_nl_batch *b, const void *buf, size_t len, cell_nl_cb cb,
			void *data, struct cell_err *err)
{
	const struct nlmsghdr *nlh = buf;
	int left = (int)len;

	for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
		struct cell_nl_req *q = find_req(b, nlh->nlmsg_seq);

		if (!q || q->answered)
			continue; /* not ours, or stale */
		switch (nlh->nlmsg_type) {
		case NLMSG_NOOP:
			break;
		case NLMSG_ERROR: {
			const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
			char kmsg[CELL_ERR_MSG_MAX / 2];

			q->answered = true;
			if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*e)) {
				req_fail(b, q, EBADMSG, "short error message", err);
				break;
			}
			if (e->error == 0)
				break; /* the ACK */
			ext_ack_msg(nlh, kmsg, sizeof(kmsg));
			req_fail(b, q, e->error < 0 ? -e->error : EPROTO, kmsg, err);
			break;
		}
		case NLMSG_DONE: {
			/* A dump's end; it carries the dump's own error, if any. */
			int status = 0;

			q->answered = true;
			if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(int))
				memcpy(&status, mnl_nlmsg_get_payload(nlh), sizeof(int));
			if (status < 0)
				req_fail(b, q, -status, NULL, err);
			break;
		}
		case NLMSG_OVERRUN:
			q->answered = true;
			req_fail(b, q, ENOBUFS, "reply overrun", err);
			break;
		default:
			if (cb && q->result == 0) {
				int r = cb(nlh, data);

				if (r < 0)
					req_fail(b, q, -r, NULL, err);
			}
			break;
		}
	}
	for (unsigned i = 0; i < b->n; i++)
		if (!b->req[i].answered)
			return 0;
	return 1;
}

/* ---- the socket ------------------------------------------------------------ */

int cell_nl_open(struct cell_nl *nl, int netns_fd, struct cell_err *err)
{
	_cleanup_close_ int self = -1, fd = -1;
	int one = 1, saved;

	nl->fd = -1;
	if (netns_fd >= 0) {
		self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
		if (self < 0)
			return cell_fail(err, errno, "open /proc/thread-self/ns/net");
		if (setns(netns_fd, CLONE_NEWNET) < 0)
			return cell_fail(err, errno, "enter network namespace");
	}
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	saved = errno;
	/* Go back before anything else: the rest of cell must not run in the
	 * other namespace.  Failing to return is fatal for the caller. */
	if (self >= 0 && setns(self, CLONE_NEWNET) < 0)
		return cell_fail(err, errno, "return to cell's network namespace");
	if (fd < 0)
		return cell_fail(err, saved, "open rtnetlink socket");
	/* Optional: without them errors only lose the kernel's explanation. */
	(void)setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	(void)setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	nl->fd = TAKE_FD(fd);
	if (!nl->seq)
		nl->seq = 1;
	return 0;
}

void cell_nl_close(struct cell_nl *nl)
{
	cell_closep(&nl->fd);
	nl->fd = -1;
}

int cell_nl_talk(struct cell_nl *nl, struct cell_nl_batch *b, cell_nl_cb cb, void *data,
		 struct cell_err *err)
{
	/* Big enough for the largest dump chunk the kernel sends (32 KiB). */
	char buf[32768] __attribute__((aligned(8)));
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };

	if (b->error)
		return cell_fail(err, -b->error, "netlink: too many requests in one batch");
	if (!b->n)
		return 0;
	while (sendto(nl->fd, b->buf, b->len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		if (errno != EINTR)
			return cell_fail(err, errno, "%s: send to the kernel", b->req[0].label);
	nl->seq = b->seq;
	for (;;) {
		struct sockaddr_nl from;
		struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
		struct msghdr mh = {
			.msg_name = &from,
			.msg_namelen = sizeof(from),
			.msg_iov = &iov,
			.msg_iovlen = 1,
		};
		ssize_t n = recvmsg(nl->fd, &mh, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return cell_fail(err, errno, "%s: receive the kernel's answer",
					 b->req[0].label);
		}
		if (mh.msg_flags & MSG_TRUNC)
			return cell_fail(err, EMSGSIZE, "%s: answer too long", b->req[0].label);
		if (from.nl_pid != 0)
			continue; /* only the kernel speaks to us */
		if (cell_nl_batch_reply(b, buf, (size_t)n, cb, data, err))
			break;
	}
	return b->error;
}

/* ---- one-request conveniences -------------------------------------------- */

struct link_walk {
	int (*each)(const struct cell_nl_linkinfo *l, void *data);
	void *data;
	struct cell_nl_linkinfo *one; /* cell_nl_link_get() */
	bool found;
};

static int link_walk_cb(const struct nlmsghdr *nlh, void *data)
{
	struct link_walk *w = data;
	struct cell_nl_linkinfo l;

	if (cell_nl_parse_link(nlh, &l) < 0)
		return 0; /* not a link message: nothing for us */
	if (w->one) {
		*w->one = l;
		w->found = true;
		return 0;
	}
	return w->each(&l, w->data);
}

int cell_nl_link_get(struct cell_nl *nl, int ifindex, const char *name,
		     struct cell_nl_linkinfo *ret, struct cell_err *err)
{
	struct link_walk w = { .one = ret };
	struct cell_nl_batch b;
	int r;

	cell_nl_batch_init(&b, nl->seq);
	r = cell_nl_put_link_get(&b, ifindex, name);
	if (r < 0)
		return cell_fail(err, -r, "look up link %s", name ? name : "");
	cell_nl_batch_accept(&b, ENODEV);
	r = cell_nl_talk(nl, &b, link_walk_cb, &w, err);
	if (r < 0)
		return r;
	return b.req[0].result == 0 && w.found ? 1 : 0;
}

int cell_nl_link_each(struct cell_nl *nl, int (*each)(const struct cell_nl_linkinfo *l, void *data),
		      void *data, struct cell_err *err)
{
	struct link_walk w = { .each = each, .data = data };
	struct cell_nl_batch b;

	cell_nl_batch_init(&b, nl->seq);
	(void)cell_nl_put_link_dump(&b); /* cannot fail on an empty batch */
	return cell_nl_talk(nl, &b, link_walk_cb, &w, err);
}

struct addr_walk {
	int (*each)(const struct cell_nl_addrinfo *a, void *data);
	void *data;
};

static int addr_walk_cb(const struct nlmsghdr *nlh, void *data)
{
	struct addr_walk *w = data;
	struct cell_nl_addrinfo a;

	if (cell_nl_parse_addr(nlh, &a) < 0)
		return 0;
	return w->each(&a, w->data);
}

int cell_nl_addr_each(struct cell_nl *nl, int family,
		      int (*each)(const struct cell_nl_addrinfo *a, void *data), void *data,
		      struct cell_err *err)
{
	struct addr_walk w = { each, data };
	struct cell_nl_batch b;

	cell_nl_batch_init(&b, nl->seq);
	(void)cell_nl_put_addr_dump(&b, family);
	return cell_nl_talk(nl, &b, addr_walk_cb, &w, err);
}

struct route_walk {
	int (*each)(const struct cell_nl_routeinfo *rt, void *data);
	void *data;
};

static int route_walk_cb(const struct nlmsghdr *nlh, void *data)
{
	struct route_walk *w = data;
	struct cell_nl_routeinfo rt;

	if (cell_nl_parse_route(nlh, &rt) < 0)
		return 0;
	return w->each(&rt, w->data);
}

int cell_nl_route_each(struct cell_nl *nl, int family,
		       int (*each)(const struct cell_nl_routeinfo *rt, void *data), void *data,
		       struct cell_err *err)
{
	struct route_walk w = { each, data };
	struct cell_nl_batch b;

	cell_nl_batch_init(&b, nl->seq);
	(void)cell_nl_put_route_dump(&b, family);
	return cell_nl_talk(nl, &b, route_walk_cb, &w, err);
}

static int nsid_cb(const struct nlmsghdr *nlh, void *data)
{
	/* A reply without NETNSA_NSID leaves the id at -1 (none). */
	(void)cell_nl_parse_nsid(nlh, data);
	return 0;
}

int cell_nl_nsid_get(struct cell_nl *nl, int netns_fd, int *ret, struct cell_err *err)
{
	struct cell_nl_batch b;
	int r;

	*ret = -1;
	cell_nl_batch_init(&b, nl->seq);
	r = cell_nl_put_nsid_get(&b, netns_fd);
	if (r < 0)
		return cell_fail(err, -r, "look up namespace id");
	return cell_nl_talk(nl, &b, nsid_cb, ret, err);
}
