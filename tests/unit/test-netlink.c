/* test-netlink.c - unit tests for the pure halves of src/lib/netlink.c
 * (rtnetlink requests as bytes, replies and extended ACKs), src/lib/veth.c
 * (checks, names, marks) and src/lib/netns.c (names).
 *
 * Man pages: rtnetlink(7), netlink(7), veth(4), ip-netns(8).
 *
 * Requests are read back with libmnl attribute by attribute, the way the
 * kernel reads them; replies are built by hand the way the kernel sends
 * them.  No socket is opened and no privilege is needed.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/net_namespace.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "lib/netlink.h"
#include "lib/netns.h"
#include "lib/veth.h"

#define assert_contains(hay, needle)                                                               \
	do {                                                                                       \
		const char *hay_ = (hay), *needle_ = (needle);                                     \
		if (!hay_ || !strstr(hay_, needle_))                                               \
			fail_msg("\"%s\" does not contain \"%s\"", hay_ ? hay_ : "(null)",         \
				 needle_);                                                         \
	} while (0)

/* ---- helpers ----------------------------------------------------------------- */

struct attrs {
	const struct nlattr *tb[64];
};

static int attrs_cb(const struct nlattr *a, void *data)
{
	struct attrs *t = data;
	unsigned type = mnl_attr_get_type(a);

	assert_true(type < 64);
	assert_null(t->tb[type]); /* no attribute twice */
	t->tb[type] = a;
	return MNL_CB_OK;
}

static void parse_attrs(const struct nlmsghdr *nlh, size_t hdr, struct attrs *t)
{
	memset(t, 0, sizeof(*t));
	assert_int_equal(mnl_attr_parse(nlh, (unsigned)hdr, attrs_cb, t), MNL_CB_OK);
}

static void parse_nested(const struct nlattr *nest, struct attrs *t)
{
	memset(t, 0, sizeof(*t));
	assert_non_null(nest);
	assert_int_equal(mnl_attr_parse_nested(nest, attrs_cb, t), MNL_CB_OK);
}

/* VETH_INFO_PEER: a struct ifinfomsg, then the peer's attributes, which
 * must fill the rest exactly. */
static void parse_peer(const struct nlattr *peer, struct attrs *t)
{
	size_t hdr = MNL_ALIGN(sizeof(struct ifinfomsg));
	const struct nlattr *a;
	int left;

	memset(t, 0, sizeof(*t));
	assert_non_null(peer);
	assert_true(mnl_attr_get_payload_len(peer) >= hdr);
	a = (const void *)((const char *)mnl_attr_get_payload(peer) + hdr);
	left = (int)(mnl_attr_get_payload_len(peer) - hdr);
	while (mnl_attr_ok(a, left)) {
		attrs_cb(a, t);
		left -= (int)MNL_ALIGN(a->nla_len);
		a = mnl_attr_next(a);
	}
	assert_int_equal(left, 0);
}

/* The i-th message of a batch, checking that they sit back to back. */
static const struct nlmsghdr *msg_at(const struct cell_nl_batch *b, unsigned i)
{
	const struct nlmsghdr *nlh = (const void *)b->buf;
	int left = (int)b->len;

	for (unsigned k = 0; k < i; k++) {
		assert_true(mnl_nlmsg_ok(nlh, left));
		nlh = mnl_nlmsg_next(nlh, &left);
	}
	assert_true(mnl_nlmsg_ok(nlh, left));
	return nlh;
}

static void assert_str_attr(const struct nlattr *a, const char *want)
{
	assert_non_null(a);
	assert_int_equal(mnl_attr_validate(a, MNL_TYPE_NUL_STRING), 0);
	assert_string_equal(mnl_attr_get_str(a), want);
}

static struct cell_cidr cidr(const char *s)
{
	struct cell_cidr c;

	assert_int_equal(cell_cidr_parse(s, &c), 0);
	return c;
}

/* ---- addresses ---------------------------------------------------------------- */

static void test_cidr_parse_good(void **state)
{
	struct cell_cidr c;
	char buf[CELL_CIDR_STRLEN];

	(void)state;
	assert_int_equal(cell_cidr_parse("10.1.1.1/24", &c), 0);
	assert_int_equal(c.family, AF_INET);
	assert_int_equal(c.prefixlen, 24);
	assert_memory_equal(c.addr, "\x0a\x01\x01\x01", 4);
	assert_string_equal(cell_cidr_format(&c, buf, sizeof(buf)), "10.1.1.1/24");
	assert_string_equal(cell_cidr_format_addr(&c, buf, sizeof(buf)), "10.1.1.1");

	assert_int_equal(cell_cidr_parse("0.0.0.0/0", &c), 0);
	assert_int_equal(c.prefixlen, 0);
	assert_int_equal(cell_cidr_parse("10.1.1.1/32", &c), 0);

	assert_int_equal(cell_cidr_parse("fd42::1/64", &c), 0);
	assert_int_equal(c.family, AF_INET6);
	assert_int_equal(c.prefixlen, 64);
	assert_int_equal(c.addr[0], 0xfd);
	assert_int_equal(c.addr[15], 1);
	assert_string_equal(cell_cidr_format(&c, buf, sizeof(buf)), "fd42::1/64");
	assert_int_equal(cell_cidr_parse("::/0", &c), 0);
	assert_int_equal(cell_cidr_parse("fd42::1/128", &c), 0);
	assert_int_equal(cell_cidr_addrlen(&c), 16);
}

static void test_cidr_parse_bad(void **state)
{
	static const char *bad[] = {
		"",		 "10.1.1.1",	"10.1.1.1/",   "/24",	      "10.1.1.1/33",
		"10.1.1/24",	 "300.1.1.1/24", "10.1.1.1/024", "10.1.1.1/2a", "10.1.1.1/-1",
		" 10.1.1.1/24",	 "10.1.1.1 /24", "10.1.1.1/24 ", "fd42::1/129", "fd42::1",
		"fd42:::1/64",	 "fd42::1%eth0/64", "10.1.1.1/1000", "localhost/8", "10.1.1.1/+8",
	};
	struct cell_cidr c;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (cell_cidr_parse(bad[i], &c) != -EINVAL)
			fail_msg("'%s' parsed as a CIDR", bad[i]);
}

static void test_cidr_compare(void **state)
{
	struct cell_cidr a = cidr("10.1.1.1/24"), b = cidr("10.1.1.200/24"),
			 c = cidr("10.1.2.1/24"), d = cidr("10.1.2.1/16"), e = cidr("fd42::1/64"),
			 f = cidr("fd42::ffff/64"), g = cidr("fd42:0:0:1::1/64"),
			 h = cidr("10.1.1.1/25"), k = cidr("10.1.1.129/25");

	(void)state;
	assert_true(cell_cidr_same_net(&a, &b));
	assert_false(cell_cidr_same_net(&a, &c));
	assert_true(cell_cidr_same_net(&a, &d)); /* under the shorter prefix */
	assert_false(cell_cidr_same_net(&a, &e));
	assert_true(cell_cidr_same_net(&e, &f));
	assert_false(cell_cidr_same_net(&e, &g));
	assert_false(cell_cidr_same_net(&h, &k)); /* a bit inside a byte */
	assert_true(cell_cidr_equal(&a, &a));
	assert_false(cell_cidr_equal(&a, &b));
	assert_false(cell_cidr_equal(&a, &h)); /* same address, other prefix */
}

static void test_ifname_check(void **state)
{
	(void)state;
	assert_int_equal(cell_nl_ifname_check("eth0"), 0);
	assert_int_equal(cell_nl_ifname_check("vn-a"), 0);
	assert_int_equal(cell_nl_ifname_check("123456789012345"), 0);
	assert_int_equal(cell_nl_ifname_check("1234567890123456"), -ENAMETOOLONG);
	assert_int_equal(cell_nl_ifname_check(""), -EINVAL);
	assert_int_equal(cell_nl_ifname_check("."), -EINVAL);
	assert_int_equal(cell_nl_ifname_check(".."), -EINVAL);
	assert_int_equal(cell_nl_ifname_check("a/b"), -EINVAL);
	assert_int_equal(cell_nl_ifname_check("a:b"), -EINVAL);
	assert_int_equal(cell_nl_ifname_check("a b"), -EINVAL);
	assert_int_equal(cell_nl_ifname_check("a\tb"), -EINVAL);
}

static void test_netns_name_check(void **state)
{
	char longest[256], too_long[257];

	(void)state;
	memset(longest, 'x', 255);
	longest[255] = '\0';
	memset(too_long, 'x', 256);
	too_long[256] = '\0';
	assert_int_equal(cell_netns_name_check("a"), 0);
	assert_int_equal(cell_netns_name_check("with space:and-colon"), 0);
	assert_int_equal(cell_netns_name_check(longest), 0);
	assert_int_equal(cell_netns_name_check(too_long), -ENAMETOOLONG);
	assert_int_equal(cell_netns_name_check(""), -EINVAL);
	assert_int_equal(cell_netns_name_check("."), -EINVAL);
	assert_int_equal(cell_netns_name_check(".."), -EINVAL);
	assert_int_equal(cell_netns_name_check("a/b"), -EINVAL);
	assert_int_equal(cell_netns_name_check("..."), 0);
}

/* ---- requests ------------------------------------------------------------------ */

static void test_veth_request(void **state)
{
	const struct cell_nl_veth v = {
		.name = "vn-a", .peer = "eth0", .peer_netns_fd = 7, .mtu = 1400, .up = true,
	};
	struct cell_nl_batch b;
	const struct nlmsghdr *nlh;
	const struct ifinfomsg *ifm, *pifm;
	const struct nlattr *peer;
	struct attrs t, info, data, p;

	(void)state;
	cell_nl_batch_init(&b, 100);
	assert_int_equal(cell_nl_put_veth(&b, &v), 0);
	assert_int_equal(b.n, 1);
	assert_int_equal(b.req[0].seq, 100);
	assert_string_equal(b.req[0].label, "create veth vn-a (peer eth0)");
	nlh = msg_at(&b, 0);
	assert_int_equal(b.len, MNL_ALIGN(nlh->nlmsg_len));
	assert_int_equal(nlh->nlmsg_type, RTM_NEWLINK);
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
	assert_int_equal(nlh->nlmsg_seq, 100);
	ifm = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(ifm->ifi_family, AF_UNSPEC);
	assert_int_equal(ifm->ifi_index, 0);
	assert_int_equal(ifm->ifi_flags, IFF_UP);
	assert_int_equal(ifm->ifi_change, IFF_UP);

	parse_attrs(nlh, sizeof(*ifm), &t);
	assert_str_attr(t.tb[IFLA_IFNAME], "vn-a");
	assert_int_equal(mnl_attr_get_u32(t.tb[IFLA_MTU]), 1400);
	assert_null(t.tb[IFLA_NET_NS_FD]); /* this end stays here */
	parse_nested(t.tb[IFLA_LINKINFO], &info);
	assert_str_attr(info.tb[IFLA_INFO_KIND], "veth");
	parse_nested(info.tb[IFLA_INFO_DATA], &data);
	peer = data.tb[VETH_INFO_PEER];
	assert_non_null(peer);
	/* The peer: a struct ifinfomsg, then its own attributes. */
	assert_true(mnl_attr_get_payload_len(peer) >= MNL_ALIGN(sizeof(*pifm)));
	pifm = mnl_attr_get_payload(peer);
	assert_int_equal(pifm->ifi_flags, IFF_UP);
	assert_int_equal(pifm->ifi_index, 0);
	parse_peer(peer, &p);
	assert_str_attr(p.tb[IFLA_IFNAME], "eth0");
	assert_int_equal(mnl_attr_get_u32(p.tb[IFLA_MTU]), 1400);
	assert_int_equal(mnl_attr_get_u32(p.tb[IFLA_NET_NS_FD]), 7);
	assert_null(p.tb[IFLA_NET_NS_PID]);
}

static void test_veth_request_pid_and_defaults(void **state)
{
	const struct cell_nl_veth v = {
		.name = "h", .peer = "p", .peer_netns_fd = -1, .peer_netns_pid = 4242,
	};
	struct cell_nl_batch b;
	const struct nlmsghdr *nlh;
	const struct ifinfomsg *ifm;
	struct attrs t, info, data;

	(void)state;
	cell_nl_batch_init(&b, 1);
	assert_int_equal(cell_nl_put_veth(&b, &v), 0);
	nlh = msg_at(&b, 0);
	ifm = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(ifm->ifi_change, 0); /* not up: flags untouched */
	parse_attrs(nlh, sizeof(*ifm), &t);
	assert_null(t.tb[IFLA_MTU]);
	parse_nested(t.tb[IFLA_LINKINFO], &info);
	parse_nested(info.tb[IFLA_INFO_DATA], &data);
	{
		struct attrs p;

		parse_peer(data.tb[VETH_INFO_PEER], &p);
		assert_int_equal(mnl_attr_get_u32(p.tb[IFLA_NET_NS_PID]), 4242);
		assert_null(p.tb[IFLA_NET_NS_FD]);
		assert_null(p.tb[IFLA_MTU]);
	}
	/* Missing names are a programmer's error, refused without a trace. */
	{
		const struct cell_nl_veth nameless = { .name = "x", .peer_netns_fd = -1 };

		assert_int_equal(cell_nl_put_veth(&b, &nameless), -EINVAL);
		assert_int_equal(b.n, 1);
	}
}

static void test_link_set_request(void **state)
{
	struct cell_nl_link l = CELL_NL_LINK_INIT;
	struct cell_nl_batch b;
	const struct nlmsghdr *nlh;
	const struct ifinfomsg *ifm;
	struct attrs t;

	(void)state;
	cell_nl_batch_init(&b, 5);
	l.ifindex = 12;
	l.up = 1;
	l.mtu = 9000;
	l.alias = "cell:net:0123abcd:a";
	l.netns_pid = 99;
	assert_int_equal(cell_nl_put_link_set(&b, &l), 0);
	nlh = msg_at(&b, 0);
	/* RTM_SETLINK never creates: a typo cannot make a new device. */
	assert_int_equal(nlh->nlmsg_type, RTM_SETLINK);
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
	ifm = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(ifm->ifi_index, 12);
	assert_int_equal(ifm->ifi_flags, IFF_UP);
	assert_int_equal(ifm->ifi_change, IFF_UP);
	parse_attrs(nlh, sizeof(*ifm), &t);
	assert_null(t.tb[IFLA_IFNAME]);
	assert_int_equal(mnl_attr_get_u32(t.tb[IFLA_MTU]), 9000);
	assert_int_equal(mnl_attr_get_u32(t.tb[IFLA_NET_NS_PID]), 99);
	/* The alias goes without its NUL: the kernel keeps the length given. */
	assert_int_equal(mnl_attr_get_payload_len(t.tb[IFLA_IFALIAS]), strlen(l.alias));
	assert_memory_equal(mnl_attr_get_payload(t.tb[IFLA_IFALIAS]), l.alias, strlen(l.alias));

	/* By name, down, nothing else; then a move into a namespace fd. */
	l = (struct cell_nl_link)CELL_NL_LINK_INIT;
	l.name = "vn-b";
	l.up = 0;
	assert_int_equal(cell_nl_put_link_set(&b, &l), 1);
	l = (struct cell_nl_link)CELL_NL_LINK_INIT;
	l.name = "vn-b";
	l.netns_fd = 3;
	assert_int_equal(cell_nl_put_link_set(&b, &l), 2);

	nlh = msg_at(&b, 1);
	assert_int_equal(nlh->nlmsg_seq, 6);
	ifm = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(ifm->ifi_index, 0);
	assert_int_equal(ifm->ifi_flags, 0);
	assert_int_equal(ifm->ifi_change, IFF_UP);
	parse_attrs(nlh, sizeof(*ifm), &t);
	assert_str_attr(t.tb[IFLA_IFNAME], "vn-b");
	assert_null(t.tb[IFLA_MTU]);
	assert_null(t.tb[IFLA_IFALIAS]);

	nlh = msg_at(&b, 2);
	assert_int_equal(nlh->nlmsg_seq, 7);
	ifm = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(ifm->ifi_change, 0);
	parse_attrs(nlh, sizeof(*ifm), &t);
	assert_int_equal(mnl_attr_get_u32(t.tb[IFLA_NET_NS_FD]), 3);

	/* Neither index nor name. */
	l = (struct cell_nl_link)CELL_NL_LINK_INIT;
	assert_int_equal(cell_nl_put_link_set(&b, &l), -EINVAL);
	assert_int_equal(b.n, 3);
}

static void test_link_del_get_dump(void **state)
{
	struct cell_nl_batch b;
	const struct nlmsghdr *nlh;
	struct attrs t;

	(void)state;
	cell_nl_batch_init(&b, 1);
	assert_int_equal(cell_nl_put_link_del(&b, 0, "vn-a"), 0);
	assert_int_equal(cell_nl_put_link_get(&b, 4, NULL), 1);
	assert_int_equal(cell_nl_put_link_dump(&b), 2);

	nlh = msg_at(&b, 0);
	assert_int_equal(nlh->nlmsg_type, RTM_DELLINK);
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
	parse_attrs(nlh, sizeof(struct ifinfomsg), &t);
	assert_str_attr(t.tb[IFLA_IFNAME], "vn-a");

	nlh = msg_at(&b, 1);
	assert_int_equal(nlh->nlmsg_type, RTM_GETLINK);
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
	assert_int_equal(((const struct ifinfomsg *)mnl_nlmsg_get_payload(nlh))->ifi_index, 4);
	parse_attrs(nlh, sizeof(struct ifinfomsg), &t);
	assert_int_equal(mnl_attr_get_u32(t.tb[IFLA_EXT_MASK]), RTEXT_FILTER_SKIP_STATS);

	nlh = msg_at(&b, 2);
	assert_int_equal(nlh->nlmsg_type, RTM_GETLINK);
	/* A dump asks for no ACK: NLMSG_DONE ends it. */
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_DUMP);
	assert_string_equal(b.req[2].label, "list links");
}

static void test_addr_request_ipv4(void **state)
{
	struct cell_cidr a = cidr("10.1.1.1/24"), p31 = cidr("10.9.9.0/31");
	struct cell_nl_batch b;
	const struct nlmsghdr *nlh;
	const struct ifaddrmsg *ifa;
	struct attrs t;

	(void)state;
	cell_nl_batch_init(&b, 1);
	assert_int_equal(cell_nl_put_addr(&b, true, 9, &a), 0);
	nlh = msg_at(&b, 0);
	assert_int_equal(nlh->nlmsg_type, RTM_NEWADDR);
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
	ifa = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(ifa->ifa_family, AF_INET);
	assert_int_equal(ifa->ifa_prefixlen, 24);
	assert_int_equal(ifa->ifa_index, 9);
	assert_int_equal(ifa->ifa_scope, RT_SCOPE_UNIVERSE);
	assert_int_equal(ifa->ifa_flags, 0);
	parse_attrs(nlh, sizeof(*ifa), &t);
	assert_int_equal(mnl_attr_get_payload_len(t.tb[IFA_LOCAL]), 4);
	assert_memory_equal(mnl_attr_get_payload(t.tb[IFA_LOCAL]), "\x0a\x01\x01\x01", 4);
	assert_memory_equal(mnl_attr_get_payload(t.tb[IFA_ADDRESS]), "\x0a\x01\x01\x01", 4);
	assert_memory_equal(mnl_attr_get_payload(t.tb[IFA_BROADCAST]), "\x0a\x01\x01\xff", 4);
	assert_string_equal(b.req[0].label, "add address 10.1.1.1/24 to link 9");

	/* /31 has no broadcast address (RFC 3021); removal carries none. */
	assert_int_equal(cell_nl_put_addr(&b, true, 9, &p31), 1);
	parse_attrs(msg_at(&b, 1), sizeof(*ifa), &t);
	assert_null(t.tb[IFA_BROADCAST]);
	assert_int_equal(cell_nl_put_addr(&b, false, 9, &a), 2);
	nlh = msg_at(&b, 2);
	assert_int_equal(nlh->nlmsg_type, RTM_DELADDR);
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
	parse_attrs(nlh, sizeof(*ifa), &t);
	assert_null(t.tb[IFA_BROADCAST]);

	assert_int_equal(cell_nl_put_addr(&b, true, 0, &a), -EINVAL);
	assert_int_equal(b.n, 3);
}

static void test_addr_request_ipv6(void **state)
{
	struct cell_cidr a = cidr("fd42::1/64");
	struct cell_nl_batch b;
	const struct nlmsghdr *nlh;
	const struct ifaddrmsg *ifa;
	struct attrs t;

	(void)state;
	cell_nl_batch_init(&b, 1);
	assert_int_equal(cell_nl_put_addr(&b, true, 3, &a), 0);
	nlh = msg_at(&b, 0);
	ifa = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(ifa->ifa_family, AF_INET6);
	assert_int_equal(ifa->ifa_prefixlen, 64);
	/* Usable at once: no duplicate address detection on a veth. */
	assert_int_equal(ifa->ifa_flags, IFA_F_NODAD);
	parse_attrs(nlh, sizeof(*ifa), &t);
	assert_int_equal(mnl_attr_get_payload_len(t.tb[IFA_ADDRESS]), 16);
	assert_memory_equal(mnl_attr_get_payload(t.tb[IFA_ADDRESS]), a.addr, 16);
	assert_null(t.tb[IFA_LOCAL]);
	assert_null(t.tb[IFA_BROADCAST]);
}

static void test_route_request(void **state)
{
	struct cell_nl_route rt = { .has_gateway = true, .oif = 2 };
	struct cell_nl_batch b;
	const struct nlmsghdr *nlh;
	const struct rtmsg *rtm;
	struct attrs t;

	(void)state;
	rt.dst.family = AF_INET; /* prefix 0: the default route */
	memcpy(rt.gateway, "\x0a\x01\x01\x01", 4);
	cell_nl_batch_init(&b, 1);
	assert_int_equal(cell_nl_put_route(&b, true, &rt), 0);
	nlh = msg_at(&b, 0);
	assert_int_equal(nlh->nlmsg_type, RTM_NEWROUTE);
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
	rtm = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(rtm->rtm_family, AF_INET);
	assert_int_equal(rtm->rtm_dst_len, 0);
	assert_int_equal(rtm->rtm_table, RT_TABLE_MAIN);
	assert_int_equal(rtm->rtm_protocol, RTPROT_STATIC);
	assert_int_equal(rtm->rtm_scope, RT_SCOPE_UNIVERSE);
	assert_int_equal(rtm->rtm_type, RTN_UNICAST);
	parse_attrs(nlh, sizeof(*rtm), &t);
	assert_null(t.tb[RTA_DST]);
	assert_memory_equal(mnl_attr_get_payload(t.tb[RTA_GATEWAY]), "\x0a\x01\x01\x01", 4);
	assert_int_equal(mnl_attr_get_u32(t.tb[RTA_OIF]), 2);
	assert_string_equal(b.req[0].label, "add default route (IPv4) through link 2");

	/* A network, IPv6, no gateway: a route on the link itself. */
	rt = (struct cell_nl_route){ .dst = cidr("fd42:1::/48"), .oif = 5 };
	assert_int_equal(cell_nl_put_route(&b, true, &rt), 1);
	nlh = msg_at(&b, 1);
	rtm = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(rtm->rtm_family, AF_INET6);
	assert_int_equal(rtm->rtm_dst_len, 48);
	assert_int_equal(rtm->rtm_scope, RT_SCOPE_LINK);
	parse_attrs(nlh, sizeof(*rtm), &t);
	assert_memory_equal(mnl_attr_get_payload(t.tb[RTA_DST]), rt.dst.addr, 16);
	assert_null(t.tb[RTA_GATEWAY]);

	assert_int_equal(cell_nl_put_route(&b, false, &rt), 2);
	nlh = msg_at(&b, 2);
	assert_int_equal(nlh->nlmsg_type, RTM_DELROUTE);
	assert_int_equal(((const struct rtmsg *)mnl_nlmsg_get_payload(nlh))->rtm_scope,
			 RT_SCOPE_NOWHERE);

	rt.oif = 0;
	assert_int_equal(cell_nl_put_route(&b, true, &rt), -EINVAL);
}

static void test_nsid_request(void **state)
{
	struct cell_nl_batch b;
	const struct nlmsghdr *nlh;
	struct attrs t;

	(void)state;
	cell_nl_batch_init(&b, 1);
	assert_int_equal(cell_nl_put_nsid_get(&b, 11), 0);
	nlh = msg_at(&b, 0);
	assert_int_equal(nlh->nlmsg_type, RTM_GETNSID);
	parse_attrs(nlh, sizeof(struct rtgenmsg), &t);
	assert_int_equal(mnl_attr_get_u32(t.tb[NETNSA_FD]), 11);
	assert_int_equal(cell_nl_put_nsid_get(&b, -1), -EINVAL);
}

static void test_batch_full(void **state)
{
	struct cell_cidr a = cidr("10.1.1.1/24");
	struct cell_nl_batch b;
	int r = 0;
	unsigned i;

	(void)state;
	cell_nl_batch_init(&b, 1);
	for (i = 0; i < CELL_NL_BATCH_MAX; i++)
		assert_int_equal(cell_nl_put_addr(&b, true, 1, &a), (int)i);
	r = cell_nl_put_addr(&b, true, 1, &a);
	assert_int_equal(r, -ENOSPC);
	assert_int_equal(b.error, -ENOSPC);
	assert_int_equal(b.n, CELL_NL_BATCH_MAX);
	/* Sequence numbers run on, one per request. */
	for (i = 0; i < b.n; i++)
		assert_int_equal(b.req[i].seq, 1 + i);
	assert_int_equal(b.seq, 1 + CELL_NL_BATCH_MAX);

	/* A long alias alone fills the bytes; what does not fit is refused
	 * whole, never cut. */
	{
		char alias[CELL_NL_ALIAS_MAX + 1];
		struct cell_nl_link l = CELL_NL_LINK_INIT;
		size_t before;

		cell_nl_batch_init(&b, 1);
		memset(alias, 'a', sizeof(alias) - 1);
		alias[sizeof(alias) - 1] = '\0';
		l.ifindex = 1;
		l.alias = alias;
		/* 256 bytes: one too many for IFALIASZ. */
		assert_int_equal(cell_nl_put_link_set(&b, &l), -EINVAL);
		assert_int_equal(b.n, 0);
		alias[CELL_NL_ALIAS_MAX - 1] = '\0';
		before = b.len;
		for (i = 0; cell_nl_put_link_set(&b, &l) >= 0; i++)
			before = b.len;
		assert_true(i > 0);
		assert_int_equal(b.len, before);
		assert_int_equal(b.error, -ENOSPC);
		assert_true(b.len <= CELL_NL_BATCH_BYTES);
	}
}

static void test_batch_label_accept(void **state)
{
	struct cell_nl_batch b;

	(void)state;
	cell_nl_batch_init(&b, 1);
	cell_nl_batch_label(&b, "ignored %d", 1); /* no request yet */
	cell_nl_batch_accept(&b, EEXIST);
	assert_int_equal(cell_nl_put_link_get(&b, 0, "x"), 0);
	cell_nl_batch_label(&b, "look for %s", "x");
	cell_nl_batch_accept(&b, ENODEV);
	assert_string_equal(b.req[0].label, "look for x");
	assert_int_equal(b.req[0].accept, ENODEV);
}

/* ---- replies ------------------------------------------------------------------- */

struct reply {
	char buf[4096] __attribute__((aligned(8)));
	size_t len;
};

static struct nlmsghdr *reply_msg(struct reply *r, uint16_t type, uint16_t flags, uint32_t seq)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(r->buf + r->len);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	nlh->nlmsg_seq = seq;
	return nlh;
}

static void reply_done(struct reply *r, struct nlmsghdr *nlh)
{
	r->len += MNL_ALIGN(nlh->nlmsg_len);
	assert_true(r->len <= sizeof(r->buf));
}

/* An NLMSG_ERROR as the kernel sends it with NETLINK_CAP_ACK and
 * NETLINK_EXT_ACK: the error, the request's header, then the TLVs. */
static void reply_error(struct reply *r, uint32_t seq, int error, const char *kmsg, bool capped)
{
	struct nlmsghdr *nlh = reply_msg(r, NLMSG_ERROR, 0, seq);
	struct nlmsgerr *e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));

	e->error = error;
	e->msg.nlmsg_len = (uint32_t)mnl_nlmsg_size(sizeof(struct ifinfomsg) + 8);
	e->msg.nlmsg_type = RTM_NEWLINK;
	e->msg.nlmsg_seq = seq;
	if (capped) {
		nlh->nlmsg_flags |= NLM_F_CAPPED;
	} else {
		/* The request echoed whole after the struct nlmsgerr. */
		void *echo = mnl_nlmsg_get_payload_tail(nlh);

		memset(echo, 0xee, e->msg.nlmsg_len - MNL_NLMSG_HDRLEN);
		nlh->nlmsg_len += MNL_ALIGN(e->msg.nlmsg_len - MNL_NLMSG_HDRLEN);
	}
	if (kmsg) {
		nlh->nlmsg_flags |= NLM_F_ACK_TLVS;
		mnl_attr_put_u32(nlh, NLMSGERR_ATTR_OFFS, 16);
		mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, kmsg);
	}
	reply_done(r, nlh);
}

static void test_reply_acks(void **state)
{
	struct cell_nl_batch b;
	struct reply r = { .len = 0 };
	struct cell_err err = { 0 };

	(void)state;
	cell_nl_batch_init(&b, 40);
	cell_nl_put_link_get(&b, 1, NULL);
	cell_nl_put_link_get(&b, 2, NULL);
	reply_error(&r, 40, 0, NULL, true);
	/* One answer of two: more to come. */
	assert_int_equal(cell_nl_batch_reply(&b, r.buf, r.len, NULL, NULL, &err), 0);
	assert_true(b.req[0].answered);
	assert_false(b.req[1].answered);
	/* A stale answer (earlier batch) and a repeat change nothing. */
	r.len = 0;
	reply_error(&r, 39, -EPERM, "old", true);
	reply_error(&r, 40, -EPERM, "repeat", true);
	assert_int_equal(cell_nl_batch_reply(&b, r.buf, r.len, NULL, NULL, &err), 0);
	assert_int_equal(b.error, 0);
	r.len = 0;
	reply_error(&r, 41, 0, NULL, true);
	assert_int_equal(cell_nl_batch_reply(&b, r.buf, r.len, NULL, NULL, &err), 1);
	assert_int_equal(b.error, 0);
	assert_int_equal(err.msg[0], '\0');
}

static void test_reply_ext_ack(void **state)
{
	struct cell_nl_batch b;
	struct reply r = { .len = 0 };
	struct cell_err err = { 0 };
	char line[CELL_ERR_MSG_MAX + 64];

	(void)state;
	cell_nl_batch_init(&b, 7);
	cell_nl_put_link_get(&b, 1, NULL);
	cell_nl_batch_label(&b, "configure eth0");
	cell_nl_put_link_get(&b, 2, NULL);
	cell_nl_batch_label(&b, "add route default via 10.1.1.1");
	reply_error(&r, 7, 0, NULL, true);
	reply_error(&r, 8, -ENETDOWN, "Nexthop device is not up", true);
	assert_int_equal(cell_nl_batch_reply(&b, r.buf, r.len, NULL, NULL, &err), 1);
	assert_int_equal(b.error, -ENETDOWN);
	assert_int_equal(b.req[0].result, 0);
	assert_int_equal(b.req[1].result, -ENETDOWN);
	assert_int_equal(err.errnum, ENETDOWN);
	assert_string_equal(err.msg, "add route default via 10.1.1.1: Nexthop device is not up");
	cell_err_format(&err, line, sizeof(line));
	assert_contains(line, "Nexthop device is not up: Network is down");
}

static void test_reply_ext_ack_uncapped(void **state)
{
	struct cell_nl_batch b;
	struct reply r = { .len = 0 };
	struct cell_err err = { 0 };

	(void)state;
	cell_nl_batch_init(&b, 1);
	cell_nl_put_link_get(&b, 1, NULL);
	cell_nl_batch_label(&b, "add address fd42::2/64 to eth0");
	reply_error(&r, 1, -EACCES, "ipv6: IPv6 is disabled on this device", false);
	assert_int_equal(cell_nl_batch_reply(&b, r.buf, r.len, NULL, NULL, &err), 1);
	assert_int_equal(b.error, -EACCES);
	assert_string_equal(err.msg, "add address fd42::2/64 to eth0: "
				     "ipv6: IPv6 is disabled on this device");
}

static void test_reply_plain_error_and_accept(void **state)
{
	struct cell_nl_batch b;
	struct reply r = { .len = 0 };
	struct cell_err err = { 0 };

	(void)state;
	cell_nl_batch_init(&b, 1);
	cell_nl_put_link_get(&b, 0, "nope");
	cell_nl_batch_accept(&b, ENODEV);
	cell_nl_put_link_get(&b, 0, "other");
	cell_nl_put_link_get(&b, 0, "third");
	reply_error(&r, 1, -ENODEV, "no such device", true); /* accepted */
	reply_error(&r, 2, -EPERM, NULL, true);		     /* no TLVs: old kernel */
	reply_error(&r, 3, -EINVAL, "later error", true);    /* only the first counts */
	assert_int_equal(cell_nl_batch_reply(&b, r.buf, r.len, NULL, NULL, &err), 1);
	assert_int_equal(b.req[0].result, -ENODEV);
	assert_int_equal(b.req[1].result, -EPERM);
	assert_int_equal(b.req[2].result, -EINVAL);
	assert_int_equal(b.error, -EPERM);
	assert_int_equal(err.errnum, EPERM);
	assert_string_equal(err.msg, "look up link other");
}

struct seen {
	int calls;
	struct cell_nl_linkinfo l;
};

static int seen_cb(const struct nlmsghdr *nlh, void *data)
{
	struct seen *s = data;

	s->calls++;
	return cell_nl_parse_link(nlh, &s->l) < 0 ? -EBADMSG : 0;
}

/* An RTM_NEWLINK as the kernel sends it for a veth whose peer is in
 * another namespace. */
static void reply_link(struct reply *r, uint32_t seq, uint16_t flags)
{
	struct nlmsghdr *nlh = reply_msg(r, RTM_NEWLINK, flags, seq);
	struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	struct nlattr *info;

	ifm->ifi_index = 7;
	ifm->ifi_flags = IFF_UP | IFF_BROADCAST;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, "vn-a");
	mnl_attr_put_u32(nlh, IFLA_MTU, 1500);
	mnl_attr_put_u32(nlh, IFLA_LINK, 2);
	mnl_attr_put_u32(nlh, IFLA_LINK_NETNSID, 0);
	mnl_attr_put_strz(nlh, IFLA_IFALIAS, "cell:net:0123abcd:a");
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
	mnl_attr_nest_end(nlh, info);
	reply_done(r, nlh);
}

static void test_reply_data_and_done(void **state)
{
	struct cell_nl_batch b;
	struct reply r = { .len = 0 };
	struct cell_err err = { 0 };
	struct seen s = { 0 };
	struct nlmsghdr *nlh;

	(void)state;
	/* A single look-up: the data, then the ACK (NLM_F_ACK). */
	cell_nl_batch_init(&b, 3);
	cell_nl_put_link_get(&b, 0, "vn-a");
	reply_link(&r, 3, 0);
	reply_error(&r, 3, 0, NULL, true);
	assert_int_equal(cell_nl_batch_reply(&b, r.buf, r.len, seen_cb, &s, &err), 1);
	assert_int_equal(s.calls, 1);
	assert_int_equal(s.l.ifindex, 7);
	assert_string_equal(s.l.name, "vn-a");
	assert_string_equal(s.l.kind, "veth");
	assert_string_equal(s.l.alias, "cell:net:0123abcd:a");
	assert_int_equal(s.l.link, 2);
	assert_int_equal(s.l.link_netnsid, 0);
	assert_int_equal(s.l.mtu, 1500);
	assert_true(s.l.flags & IFF_UP);

	/* A dump in two datagrams, then NLMSG_DONE. */
	memset(&s, 0, sizeof(s));
	cell_nl_batch_init(&b, 10);
	cell_nl_put_link_dump(&b);
	r.len = 0;
	reply_link(&r, 10, NLM_F_MULTI);
	assert_int_equal(cell_nl_batch_reply(&b, r.buf, r.len, seen_cb, &s, &err), 0);
	r.len = 0;
	reply_link(&r, 10, NLM_F_MULTI);
	nlh = reply_msg(&r, NLMSG_DONE, NLM_F_MULTI, 10);
	*(int *)mnl_nlmsg_put_extra_header(nlh, sizeof(int)) = 0;
	reply_done(&r, nlh);
	assert_int_equal(cell_nl_batch_reply(&b, r.buf, r.len, seen_cb, &s, &err), 1);
	assert_int_equal(s.calls, 2);
	assert_int_equal(b.error, 0);

	/* A dump that fails says so in NLMSG_DONE. */
	cell_nl_batch_init(&b, 20);
	cell_nl_put_addr_dump(&b, AF_UNSPEC);
	r.len = 0;
	nlh = reply_msg(&r, NLMSG_DONE, NLM_F_MULTI, 20);
	*(int *)mnl_nlmsg_put_extra_header(nlh, sizeof(int)) = -EINTR;
	reply_done(&r, nlh);
	assert_int_equal(cell_nl_batch_reply(&b, r.buf, r.len, NULL, NULL, &err), 1);
	assert_int_equal(b.error, -EINTR);
	assert_string_equal(err.msg, "list addresses");
}

static void test_reply_callback_error(void **state)
{
	struct cell_nl_batch b;
	struct reply r = { .len = 0 };
	struct cell_err err = { 0 };
	struct seen s = { 0 };
	struct nlmsghdr *nlh;

	(void)state;
	cell_nl_batch_init(&b, 1);
	cell_nl_put_link_get(&b, 0, "x");
	/* A link message without IFLA_IFNAME: the callback refuses it. */
	nlh = reply_msg(&r, RTM_NEWLINK, 0, 1);
	mnl_nlmsg_put_extra_header(nlh, sizeof(struct ifinfomsg));
	reply_done(&r, nlh);
	reply_error(&r, 1, 0, NULL, true);
	assert_int_equal(cell_nl_batch_reply(&b, r.buf, r.len, seen_cb, &s, &err), 1);
	assert_int_equal(b.error, -EBADMSG);
	assert_string_equal(err.msg, "look up link x");
}

static void test_reply_truncated(void **state)
{
	struct cell_nl_batch b;
	struct reply r = { .len = 0 };
	struct cell_err err = { 0 };

	(void)state;
	cell_nl_batch_init(&b, 1);
	cell_nl_put_link_get(&b, 0, "x");
	reply_error(&r, 1, -EPERM, "a reason", true);
	/* Every cut of the datagram is read safely (ASan checks the bounds),
	 * and only the whole one answers the request. */
	for (size_t n = 0; n < r.len; n++) {
		cell_nl_batch_init(&b, 1);
		cell_nl_put_link_get(&b, 0, "x");
		memset(&err, 0, sizeof(err));
		(void)cell_nl_batch_reply(&b, r.buf, n, NULL, NULL, &err);
	}
	cell_nl_batch_init(&b, 1);
	cell_nl_put_link_get(&b, 0, "x");
	assert_int_equal(cell_nl_batch_reply(&b, r.buf, r.len, NULL, NULL, &err), 1);
	assert_string_equal(err.msg, "look up link x: a reason");
}

static void test_parse_addr_route_nsid(void **state)
{
	struct reply r = { .len = 0 };
	struct nlmsghdr *nlh;
	struct cell_nl_addrinfo a;
	struct cell_nl_routeinfo rt;
	char buf[CELL_CIDR_STRLEN];
	int id = 5;

	(void)state;
	nlh = reply_msg(&r, RTM_NEWADDR, 0, 0);
	{
		struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));

		ifa->ifa_family = AF_INET;
		ifa->ifa_prefixlen = 24;
		ifa->ifa_index = 4;
		ifa->ifa_scope = RT_SCOPE_UNIVERSE;
		/* On a point-to-point link IFA_ADDRESS is the other end. */
		mnl_attr_put(nlh, IFA_ADDRESS, 4, "\x0a\x00\x00\x09");
		mnl_attr_put(nlh, IFA_LOCAL, 4, "\x0a\x00\x00\x01");
		mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_PERMANENT | IFA_F_NODAD);
	}
	assert_int_equal(cell_nl_parse_addr(nlh, &a), 0);
	assert_int_equal(a.ifindex, 4);
	assert_string_equal(cell_cidr_format(&a.cidr, buf, sizeof(buf)), "10.0.0.1/24");
	assert_int_equal(a.flags, IFA_F_PERMANENT | IFA_F_NODAD);
	/* Not an address message. */
	nlh->nlmsg_type = RTM_NEWLINK;
	assert_int_equal(cell_nl_parse_addr(nlh, &a), -EINVAL);

	nlh = reply_msg(&r, RTM_NEWROUTE, 0, 0);
	{
		struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
		struct cell_cidr gw = cidr("fd42::1/128");

		rtm->rtm_family = AF_INET6;
		rtm->rtm_table = RT_TABLE_MAIN;
		rtm->rtm_type = RTN_UNICAST;
		rtm->rtm_protocol = RTPROT_STATIC;
		mnl_attr_put_u32(nlh, RTA_TABLE, RT_TABLE_MAIN);
		mnl_attr_put(nlh, RTA_GATEWAY, 16, gw.addr);
		mnl_attr_put_u32(nlh, RTA_OIF, 2);
	}
	assert_int_equal(cell_nl_parse_route(nlh, &rt), 0);
	assert_int_equal(rt.dst.family, AF_INET6);
	assert_int_equal(rt.dst.prefixlen, 0);
	assert_true(rt.has_gateway);
	assert_int_equal(rt.oif, 2);
	assert_int_equal(rt.table, RT_TABLE_MAIN);
	assert_int_equal(rt.gateway[0], 0xfd);

	nlh = reply_msg(&r, RTM_NEWNSID, 0, 0);
	mnl_nlmsg_put_extra_header(nlh, sizeof(struct rtgenmsg));
	mnl_attr_put_u32(nlh, NETNSA_NSID, (uint32_t)-1);
	assert_int_equal(cell_nl_parse_nsid(nlh, &id), 0);
	assert_int_equal(id, -1); /* not assigned */
}

/* ---- veth planning ---------------------------------------------------------------- */

static void veth_base(struct cell_veth *v)
{
	memset(v, 0, sizeof(*v));
	strcpy(v->host_if, "vn-a");
	strcpy(v->peer_if, "eth0");
	v->host_addr[v->n_host_addr++] = cidr("10.1.1.1/24");
	v->peer_addr[v->n_peer_addr++] = cidr("10.1.1.2/24");
}

static void assert_veth_error(const struct cell_veth *v, const char *words)
{
	struct cell_err err = { 0 };

	assert_true(cell_veth_check(v, &err) < 0);
	assert_contains(err.msg, words);
}

static void test_veth_check(void **state)
{
	struct cell_veth v;
	struct cell_err err = { 0 };

	(void)state;
	veth_base(&v);
	assert_int_equal(cell_veth_check(&v, &err), 0);
	v.route[v.n_route++] = (struct cell_cidr){ .family = AF_INET };
	v.route[v.n_route++] = cidr("10.2.0.0/16");
	v.mtu = 68;
	assert_int_equal(cell_veth_check(&v, &err), 0);

	veth_base(&v);
	v.mtu = 67;
	assert_veth_error(&v, "MTU 67 out of range (68..65535)");
	v.mtu = 65536;
	assert_veth_error(&v, "out of range");
	v.mtu = 1279;
	v.host_addr[v.n_host_addr++] = cidr("fd42::1/64");
	v.peer_addr[v.n_peer_addr++] = cidr("fd42::2/64");
	assert_veth_error(&v, "too small for IPv6");
	v.mtu = 1280;
	assert_int_equal(cell_veth_check(&v, &err), 0);

	veth_base(&v);
	v.peer_addr[0] = cidr("10.1.1.1/24");
	assert_veth_error(&v, "10.1.1.1 is on both ends");
	v.peer_addr[0] = cidr("10.1.2.2/24");
	assert_veth_error(&v, "shares no subnet");

	veth_base(&v);
	v.route[v.n_route++] = cidr("10.2.0.1/16");
	assert_veth_error(&v, "host bits set");
	veth_base(&v);
	v.route[v.n_route++] = (struct cell_cidr){ .family = AF_INET6 };
	assert_veth_error(&v, "needs IPv6 addresses on both ends");

	veth_base(&v);
	strcpy(v.host_if, "a:b");
	assert_veth_error(&v, "not a valid interface name");
	veth_base(&v);
	v.peer_if[0] = '\0';
	assert_veth_error(&v, "peer interface name");
}

static void test_veth_names_and_marks(void **state)
{
	char name[16], other[16];
	struct cell_veth v, w;
	struct cell_err err = { 0 };
	struct cell_veth_owner o, p;
	char longname[300];

	(void)state;
	cell_veth_default_name("box", name);
	assert_string_equal(name, "vn-box");
	cell_veth_default_name("twelve-chars", name);
	assert_string_equal(name, "vn-twelve-chars");
	/* Too long, or not a valid interface name: a stable hash. */
	cell_veth_default_name("thirteen-char", name);
	assert_int_equal(strlen(name), 11);
	assert_memory_equal(name, "vn-", 3);
	cell_veth_default_name("thirteen-char", other);
	assert_string_equal(name, other);
	cell_veth_default_name("with space", other);
	assert_int_equal(cell_nl_ifname_check(other), 0);
	assert_string_not_equal(name, other);

	veth_base(&v);
	assert_int_equal(cell_veth_mark_named(&v, "a", &err), 0);
	assert_memory_equal(v.alias, "cell:net:", 9);
	cell_veth_owner_parse(v.alias, &o);
	assert_int_equal(o.kind, CELL_VETH_OWNER_NET);
	assert_string_equal(o.netns, "a");
	/* Same settings, same mark; any other setting, another hash. */
	veth_base(&w);
	assert_int_equal(cell_veth_mark_named(&w, "a", &err), 0);
	assert_string_equal(v.alias, w.alias);
	w.mtu = 1400;
	assert_int_equal(cell_veth_mark_named(&w, "a", &err), 0);
	assert_string_not_equal(v.alias, w.alias);
	cell_veth_owner_parse(w.alias, &p);
	assert_true(cell_veth_owner_same(&o, &p));
	assert_int_not_equal(o.hash, p.hash);
	veth_base(&w);
	w.peer_addr[0] = cidr("10.1.1.3/24");
	assert_int_equal(cell_veth_mark_named(&w, "a", &err), 0);
	assert_string_not_equal(v.alias, w.alias);
	veth_base(&w);
	assert_int_equal(cell_veth_mark_named(&w, "b", &err), 0);
	cell_veth_owner_parse(w.alias, &p);
	assert_false(cell_veth_owner_same(&o, &p));

	/* The alias holds at most 255 bytes. */
	memset(longname, 'n', sizeof(longname));
	longname[255 - 18 + 1] = '\0';
	assert_true(cell_veth_mark_named(&w, longname, &err) < 0);
	assert_contains(err.msg, "too long");
	longname[255 - 18] = '\0';
	assert_int_equal(cell_veth_mark_named(&w, longname, &err), 0);
	assert_int_equal(strlen(w.alias), 255);
}

static void test_veth_owner_parse(void **state)
{
	struct cell_veth_owner o, p;

	(void)state;
	cell_veth_owner_parse("cell:run:1234:98765", &o);
	assert_int_equal(o.kind, CELL_VETH_OWNER_RUN);
	assert_int_equal(o.pid, 1234);
	assert_int_equal(o.start, 98765);
	cell_veth_owner_parse("cell:run:1234:98766", &p);
	assert_false(cell_veth_owner_same(&o, &p));

	cell_veth_owner_parse("cell:net:0123abcd:name:with:colons", &o);
	assert_int_equal(o.kind, CELL_VETH_OWNER_NET);
	assert_int_equal(o.hash, 0x0123abcd);
	assert_string_equal(o.netns, "name:with:colons");

	/* cell's, but not a kind this version knows or can read: never
	 * matched, so never removed. */
	static const char *other[] = {
		"cell:", "cell:future:x", "cell:net:0123abc:a", "cell:net:0123ABCD:a",
		"cell:net:0123abcd:", "cell:net:0123abcd", "cell:run:0:1", "cell:run:x:1",
		"cell:run:12:", "cell:run:12:3x", "cell:run:99999999999:1",
	};
	for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
		cell_veth_owner_parse(other[i], &o);
		if (o.kind != CELL_VETH_OWNER_OTHER)
			fail_msg("'%s' read as kind %d", other[i], o.kind);
		assert_false(cell_veth_owner_same(&o, &o));
	}
	static const char *none[] = { "", "cel:net:0123abcd:a", "Cell:run:1:2", "my uplink" };
	for (size_t i = 0; i < sizeof(none) / sizeof(none[0]); i++) {
		cell_veth_owner_parse(none[i], &o);
		assert_int_equal(o.kind, CELL_VETH_OWNER_NONE);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cidr_parse_good),
		cmocka_unit_test(test_cidr_parse_bad),
		cmocka_unit_test(test_cidr_compare),
		cmocka_unit_test(test_ifname_check),
		cmocka_unit_test(test_netns_name_check),
		cmocka_unit_test(test_veth_request),
		cmocka_unit_test(test_veth_request_pid_and_defaults),
		cmocka_unit_test(test_link_set_request),
		cmocka_unit_test(test_link_del_get_dump),
		cmocka_unit_test(test_addr_request_ipv4),
		cmocka_unit_test(test_addr_request_ipv6),
		cmocka_unit_test(test_route_request),
		cmocka_unit_test(test_nsid_request),
		cmocka_unit_test(test_batch_full),
		cmocka_unit_test(test_batch_label_accept),
		cmocka_unit_test(test_reply_acks),
		cmocka_unit_test(test_reply_ext_ack),
		cmocka_unit_test(test_reply_ext_ack_uncapped),
		cmocka_unit_test(test_reply_plain_error_and_accept),
		cmocka_unit_test(test_reply_data_and_done),
		cmocka_unit_test(test_reply_callback_error),
		cmocka_unit_test(test_reply_truncated),
		cmocka_unit_test(test_parse_addr_route_nsid),
		cmocka_unit_test(test_veth_check),
		cmocka_unit_test(test_veth_names_and_marks),
		cmocka_unit_test(test_veth_owner_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
