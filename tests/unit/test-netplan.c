/* test-netplan.c - unit tests for the network plan (src/lib/netplan.c) and
 * the nftables batches built from it (src/lib/nft.c).
 *
 * Pure code only: option parsing (--publish, --allow, --allow-host), the
 * host end of a veth subnet, the choice of a free /30, resolv.conf
 * nameservers, table names, the --print-spec text, the modes the planner
 * refuses for an unprivileged caller or in bad combinations, and the shape
 * of the netlink batches (one message per table, chain and rule, framed by
 * a batch begin and end).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "front/cli.h"
#include "lib/netplan.h"
#include "lib/nft.h"

static struct cell_cidr cidr(const char *s)
{
	struct cell_cidr c;

	assert_int_equal(cell_cidr_parse(s, &c), 0);
	return c;
}

static const char *fmt(const struct cell_cidr *c)
{
	static char buf[4][CELL_CIDR_STRLEN];
	static int k;

	k = (k + 1) % 4;
	return cell_cidr_format(c, buf[k], sizeof(buf[k]));
}

static void test_publish_parse(void **state)
{
	struct cell_err err = { 0 };
	struct cell_publish p;
	static const char *const bad[] = { "", "80", ":80", "80:", "0:80", "80:0", "65536:1",
					   "1:65536", "08:80", "a:80", "80:80/sctp", "80:80/",
					   "80:80:80", "-1:80", "80 :80" };

	assert_int_equal(cell_publish_parse("8080:80", &p, &err), 0);
	assert_int_equal(p.host_port, 8080);
	assert_int_equal(p.port, 80);
	assert_int_equal(p.proto, IPPROTO_TCP);
	assert_int_equal(cell_publish_parse("5353:53/udp", &p, &err), 0);
	assert_int_equal(p.proto, IPPROTO_UDP);
	assert_int_equal(p.host_port, 5353);
	assert_int_equal(cell_publish_parse("65535:1/tcp", &p, &err), 0);
	assert_int_equal(p.proto, IPPROTO_TCP);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err.msg[0] = '\0';
		assert_true(cell_publish_parse(bad[i], &p, &err) < 0);
		assert_non_null(strstr(err.msg, "--publish"));
	}
}

static void test_allow_parse(void **state)
{
	static const struct {
		const char *in, *cidr;
		unsigned port;
	} good[] = {
		{ "10.0.0.0/8", "10.0.0.0/8", 0 },
		{ "10.1.2.3", "10.1.2.3/32", 0 },
		{ "10.1.2.3:443", "10.1.2.3/32", 443 },
		{ "10.0.0.0/8:53", "10.0.0.0/8", 53 },
		{ "10.1.2.3/8", "10.0.0.0/8", 0 }, /* host bits cleared */
		{ "192.168.1.77/26", "192.168.1.64/26", 0 },
		{ "fd00::/8", "fd00::/8", 0 },
		{ "fd00::1", "fd00::1/128", 0 },
		{ "[fd00::1]:443", "fd00::1/128", 443 },
		{ "[fd00::/64]:22", "fd00::/64", 22 },
		{ "fd00::/8:443", "fd00::/8", 443 },
		{ "0.0.0.0/0", "0.0.0.0/0", 0 },
	};
	static const char *const bad[] = { "", "10.0.0.0/33", "10.0.0/8", "x", "10.1.2.3:0",
					   "10.1.2.3:99999", "[fd00::1", "[fd00::1]443", "fd00::/129",
					   "10.0.0.0/8:", "::1:443x", "10.1.2.3:44:3" };
	struct cell_err err = { 0 };
	struct cell_allow a;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(cell_allow_parse(good[i].in, &a, &err), 0);
		assert_string_equal(fmt(&a.dst), good[i].cidr);
		assert_int_equal(a.port, good[i].port);
		assert_false(a.dns);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err.msg[0] = '\0';
		assert_true(cell_allow_parse(bad[i], &a, &err) < 0);
		assert_non_null(strstr(err.msg, "--allow"));
	}
}

static void test_allow_host_split(void **state)
{
	struct cell_err err = { 0 };
	char name[64];
	uint16_t port = 1;

	assert_int_equal(cell_allow_host_split("example.org", name, sizeof(name), &port, &err), 0);
	assert_string_equal(name, "example.org");
	assert_int_equal(port, 0);
	assert_int_equal(cell_allow_host_split("localhost:8443", name, sizeof(name), &port, &err),
			 0);
	assert_string_equal(name, "localhost");
	assert_int_equal(port, 8443);
	assert_true(cell_allow_host_split("", name, sizeof(name), &port, &err) < 0);
	assert_true(cell_allow_host_split(":80", name, sizeof(name), &port, &err) < 0);
	assert_true(cell_allow_host_split("a:b:c", name, sizeof(name), &port, &err) < 0);
	assert_true(cell_allow_host_split("a:0", name, sizeof(name), &port, &err) < 0);
	assert_true(cell_allow_host_split("a-very-long-name-that-does-not-fit-in-the-buffer-"
					  "given-here.example",
					  name, 16, &port, &err) < 0);
}

static void test_host_end(void **state)
{
	static const struct {
		const char *peer, *host;
	} good[] = {
		{ "10.5.0.2/24", "10.5.0.1/24" },  { "10.5.0.1/24", "10.5.0.2/24" },
		{ "10.5.0.77/24", "10.5.0.1/24" }, { "10.9.9.2/30", "10.9.9.1/30" },
		{ "10.9.9.1/30", "10.9.9.2/30" },  { "10.9.9.4/31", "10.9.9.5/31" },
		{ "10.9.9.5/31", "10.9.9.4/31" },  { "fd00:5::2/64", "fd00:5::1/64" },
		{ "fd00:5::1/64", "fd00:5::2/64" }, { "fd00:5::7/127", "fd00:5::6/127" },
	};
	static const char *const bad[] = { "10.5.0.0/24", "10.5.0.255/24", "10.5.0.1/32",
					   "fd00::1/128", "10.9.9.3/30", "fd00:5::/64" };
	struct cell_err err = { 0 };

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct cell_cidr peer = cidr(good[i].peer), host;

		assert_int_equal(cell_netplan_host_end(&peer, &host, &err), 0);
		assert_string_equal(fmt(&host), good[i].host);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct cell_cidr peer = cidr(bad[i]), host;

		err.msg[0] = '\0';
		assert_true(cell_netplan_host_end(&peer, &host, &err) < 0);
		assert_non_null(strstr(err.msg, "--net veth:"));
	}
}

static void test_pick(void **state)
{
	struct cell_cidr taken[4], host, peer;
	struct cell_err err = { 0 };

	/* nothing taken: the seed's block */
	assert_int_equal(cell_netplan_pick(NULL, 0, 0, &host, &peer, &err), 0);
	assert_string_equal(fmt(&host), "10.199.0.1/30");
	assert_string_equal(fmt(&peer), "10.199.0.2/30");
	assert_int_equal(cell_netplan_pick(NULL, 0, 16384 + 3, &host, &peer, &err), 0);
	assert_string_equal(fmt(&host), "10.199.0.13/30");
	/* an address in the block, then a route over the next: skip both */
	taken[0] = cidr("10.199.0.14/32");
	taken[1] = cidr("10.199.0.16/29");
	taken[2] = cidr("0.0.0.0/0"); /* a default route overlaps nothing */
	taken[3] = cidr("fd00::/8");  /* other family */
	assert_int_equal(cell_netplan_pick(taken, 4, 3, &host, &peer, &err), 0);
	assert_string_equal(fmt(&host), "10.199.0.25/30");
	assert_string_equal(fmt(&peer), "10.199.0.26/30");
	/* the whole range taken by one route */
	taken[0] = cidr("10.199.0.0/16");
	assert_true(cell_netplan_pick(taken, 1, 7, &host, &peer, &err) < 0);
	assert_non_null(strstr(err.msg, "no free /30"));
	/* the last block wraps around to the first */
	taken[0] = cidr("10.199.255.252/30");
	assert_int_equal(cell_netplan_pick(taken, 1, 16383, &host, &peer, &err), 0);
	assert_string_equal(fmt(&host), "10.199.0.1/30");
}

static void test_resolv(void **state)
{
	struct cell_cidr ns[3];
	unsigned n;

	n = cell_resolv_nameservers("# generated\nsearch example.org\nnameserver 10.0.0.53\n"
				    "  nameserver\t192.0.2.53 # comment\n"
				    "nameserver fe80::1%eth0\nnameserver fd00::53\n"
				    "nameserver 10.0.0.54\n",
				    ns, 3);
	assert_int_equal(n, 3);
	assert_string_equal(fmt(&ns[0]), "10.0.0.53/32");
	assert_string_equal(fmt(&ns[1]), "192.0.2.53/32");
	assert_string_equal(fmt(&ns[2]), "fd00::53/128");
	assert_false(cell_resolv_all_loopback(ns, n));
	n = cell_resolv_nameservers("nameserver 127.0.0.53\noptions edns0 trust-ad\n", ns, 3);
	assert_int_equal(n, 1);
	assert_true(cell_resolv_all_loopback(ns, n));
	n = cell_resolv_nameservers("nameserver ::1\nnameserver 127.0.0.1", ns, 3);
	assert_int_equal(n, 2);
	assert_true(cell_resolv_all_loopback(ns, n));
	n = cell_resolv_nameservers("nameserver 127.0.0.53\nnameserver 10.0.0.1\n", ns, 3);
	assert_false(cell_resolv_all_loopback(ns, n));
	assert_int_equal(cell_resolv_nameservers("", ns, 3), 0);
	assert_false(cell_resolv_all_loopback(ns, 0));
	assert_int_equal(cell_resolv_nameservers("nameservers 10.0.0.1\nnameserver junk\n", ns, 3),
			 0);
}

static void test_table_name(void **state)
{
	char name[64];
	pid_t pid;
	uint64_t start;

	cell_netplan_table_name(1234, 567890, name, sizeof(name));
	assert_string_equal(name, "cell_run_1234_567890");
	assert_true(cell_netplan_table_owner(name, &pid, &start));
	assert_int_equal(pid, 1234);
	assert_true(start == 567890);
	assert_false(cell_netplan_table_owner("cell_run_1234", &pid, &start));
	assert_false(cell_netplan_table_owner("cell_run_0_1", &pid, &start));
	assert_false(cell_netplan_table_owner("cell_run_1_2x", &pid, &start));
	assert_false(cell_netplan_table_owner("filter", &pid, &start));
	assert_false(cell_netplan_table_owner("cell_run_99999999999_1", &pid, &start));
}

/* Parse a `cell run` command line into a spec. */
static struct cell_spec *parse(const char *const *args)
{
	char *argv[32];
	int argc = 0;
	struct cell_spec *s = NULL;
	struct cell_err err = { 0 };
	static char *envp[] = { "PATH=/usr/bin:/bin", NULL };

	argv[argc++] = "run";
	for (; *args; args++)
		argv[argc++] = (char *)*args;
	argv[argc] = NULL;
	assert_true(cell_cli_parse_run(argc, argv, envp, "/", &s, &err) >= 0);
	return s;
}

static void plan_fails(const char *const *args, bool privileged, const char *want)
{
	struct cell_spec *s = parse(args);
	struct cell_netplan np;
	struct cell_err err = { 0 };

	assert_true(cell_netplan_make(s, privileged, &np, &err) < 0);
	if (!strstr(err.msg, want))
		fail_msg("expected '%s' in '%s'", want, err.msg);
	cell_spec_free(s);
}

static void test_refusals(void **state)
{
	plan_fails((const char *[]){ "--net", "veth", "--", "true", NULL }, false, "needs root");
	plan_fails((const char *[]){ "--nat", "--", "true", NULL }, true, "--nat goes with");
	plan_fails((const char *[]){ "--net", "user", "--nat", "--", "true", NULL }, true,
		   "--nat goes with");
	plan_fails((const char *[]){ "--publish", "80:80", "--", "true", NULL }, true,
		   "--publish goes with");
	plan_fails((const char *[]){ "--net", "host", "--publish", "80:80", "--", "true", NULL },
		   true, "--publish goes with");
	plan_fails((const char *[]){ "--allow", "10.0.0.0/8", "--", "true", NULL }, true,
		   "--allow and --allow-host");
	plan_fails((const char *[]){ "--net", "host", "--allow-host", "localhost", "--", "true",
				     NULL },
		   true, "--allow and --allow-host");
	plan_fails((const char *[]){ "--net", "veth", "--share", "net", "--", "true", NULL }, true,
		   "needs a network namespace of its own");
	plan_fails((const char *[]){ "--net", "no-such-cell-test-ns", "--", "true", NULL }, true,
		   "no network namespace");
}

/* A plan without the host: what cell_netplan_make() fills for veth. */
static void veth_plan(struct cell_netplan *np)
{
	memset(np, 0, sizeof(*np));
	np->planned = true;
	np->mode = CELL_NET_VETH;
	np->new_netns = np->lo_up = true;
	np->host_addr = cidr("10.199.0.1/30");
	np->peer_addr = cidr("10.199.0.2/30");
	np->addr_auto = true;
	snprintf(np->host_if, sizeof(np->host_if), "vr-42");
	snprintf(np->alias, sizeof(np->alias), "cell:run:42:1000");
	cell_netplan_table_name(42, 1000, np->table, sizeof(np->table));
	np->nat = true;
	np->publish[np->n_publish++] =
		(struct cell_publish){ .host_port = 8080, .port = 80, .proto = IPPROTO_TCP };
	np->resolv = CELL_RESOLV_HOST;
	np->resolv_note = "the host's";
}

static char *print(const struct cell_netplan *np)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	cell_netplan_print(np, f);
	fclose(f);
	return text;
}

static void test_print(void **state)
{
	struct cell_netplan np;
	struct cell_err err = { 0 };
	char *text;

	veth_plan(&np);
	assert_int_equal(cell_allow_parse("10.0.0.0/8:443", &np.allow[0], &err), 0);
	np.allow[1] = (struct cell_allow){ .dst = cidr("10.0.0.53/32"), .port = 53, .dns = true };
	np.n_allow = 2;
	text = print(&np);
	assert_string_equal(text,
			    "network: lo (up) and eth0 10.199.0.2/30, a veth link to the host's "
			    "vr-42 10.199.0.1/30 (picked: free on this host)\n"
			    "network: default route via 10.199.0.1; link marked cell:run:42:1000\n"
			    "network: outbound masquerading (nftables table inet "
			    "cell_run_42_1000; net.ipv4.ip_forward turned on if off)\n"
			    "publish: host port 8080/tcp -> sandbox port 80 (nftables dnat)\n"
			    "egress: only these (nftables in the sandbox's namespace; the rest is "
			    "refused):\n"
			    "allow: 10.0.0.0/8 port 443 (tcp, udp)\n"
			    "allow: 10.0.0.53/32 port 53 (dns)\n"
			    "resolv.conf: the host's\n");
	free(text);

	memset(&np, 0, sizeof(np));
	np.planned = true;
	np.mode = CELL_NET_NAMED;
	snprintf(np.netns_path, sizeof(np.netns_path), "/run/netns/blue");
	np.resolv = CELL_RESOLV_BIND;
	snprintf(np.resolv_src, sizeof(np.resolv_src), "/etc/netns/blue/resolv.conf");
	np.resolv_note = "the namespace's (as ip netns exec)";
	text = print(&np);
	assert_string_equal(text, "network: joins /run/netns/blue (no new network namespace)\n"
				  "resolv.conf: the namespace's (as ip netns exec) "
				  "(/etc/netns/blue/resolv.conf)\n");
	free(text);
}

/* Plans the test can make without root or the network: none and host. */
static void test_make_none_host(void **state)
{
	struct cell_spec *s = parse((const char *[]){ "--", "true", NULL });
	struct cell_netplan np;
	struct cell_err err = { 0 };

	assert_int_equal(cell_netplan_make(s, false, &np, &err), 0);
	assert_int_equal(np.mode, CELL_NET_NONE);
	assert_true(np.new_netns);
	assert_int_equal(np.resolv, CELL_RESOLV_EMPTY);
	assert_string_equal(np.state_dir, "");
	cell_spec_free(s);

	s = parse((const char *[]){ "--net", "host", "--", "true", NULL });
	assert_int_equal(cell_netplan_make(s, false, &np, &err), 0);
	assert_int_equal(np.mode, CELL_NET_HOST);
	assert_false(np.new_netns);
	assert_int_equal(np.resolv, CELL_RESOLV_HOST);
	cell_spec_free(s);

	/* --share net without --net: the host's network too */
	s = parse((const char *[]){ "--share", "net", "--", "true", NULL });
	assert_int_equal(cell_netplan_make(s, false, &np, &err), 0);
	assert_int_equal(np.mode, CELL_NET_HOST);
	cell_spec_free(s);
}

/* Count the messages of a batch by type; check the framing. */
static void count_batch(const struct cell_nft_batch *b, unsigned *tables, unsigned *chains,
			unsigned *rules)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)b->buf;
	int left = (int)b->len;
	unsigned n = 0, last = 0;

	*tables = *chains = *rules = 0;
	for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left), n++) {
		unsigned type = nlh->nlmsg_type;

		if (n == 0)
			assert_int_equal(type, NFNL_MSG_BATCH_BEGIN);
		last = type;
		if (type == NFNL_MSG_BATCH_BEGIN || type == NFNL_MSG_BATCH_END)
			continue;
		assert_int_equal(type >> 8, NFNL_SUBSYS_NFTABLES);
		switch (type & 0xff) {
		case NFT_MSG_NEWTABLE:
		case NFT_MSG_DELTABLE:
			(*tables)++;
			break;
		case NFT_MSG_NEWCHAIN:
			(*chains)++;
			break;
		case NFT_MSG_NEWRULE:
			(*rules)++;
			break;
		default:
			fail_msg("unexpected message type %u", type);
		}
	}
	assert_int_equal(left, 0);
	assert_int_equal(last, NFNL_MSG_BATCH_END);
}

static void test_nft_batches(void **state)
{
	struct cell_netplan np;
	struct cell_nft_batch b;
	struct cell_err err = { 0 };
	unsigned t, c, r;

	/* nat + one publish: table, 3 chains, masquerade + dnat twice */
	veth_plan(&np);
	assert_int_equal(cell_nft_build_host(&np, true, &b, &err), 0);
	assert_non_null(b.buf);
	count_batch(&b, &t, &c, &r);
	assert_int_equal(t, 1);
	assert_int_equal(c, 3);
	assert_int_equal(r, 3);
	assert_non_null(memmem(b.buf, b.len, "cell_run_42_1000", 16));
	assert_non_null(memmem(b.buf, b.len, "vr-42", 5));
	cell_nft_batch_free(&b);

	/* publish only: no postrouting chain */
	np.nat = false;
	assert_int_equal(cell_nft_build_host(&np, false, &b, &err), 0);
	count_batch(&b, &t, &c, &r);
	assert_int_equal(c, 2);
	assert_int_equal(r, 2);
	cell_nft_batch_free(&b);

	/* not veth: nothing */
	np.mode = CELL_NET_USER;
	assert_int_equal(cell_nft_build_host(&np, true, &b, &err), 0);
	assert_null(b.buf);

	/* allowlist: lo, established, ND, then per entry (two with a port),
	 * then two rejects */
	assert_int_equal(cell_nft_build_allow(&np, &b, &err), 0);
	assert_null(b.buf);
	assert_int_equal(cell_allow_parse("10.0.0.0/8:443", &np.allow[0], &err), 0);
	assert_int_equal(cell_allow_parse("fd00::/8", &np.allow[1], &err), 0);
	np.n_allow = 2;
	assert_int_equal(cell_nft_build_allow(&np, &b, &err), 0);
	count_batch(&b, &t, &c, &r);
	assert_int_equal(t, 1);
	assert_int_equal(c, 1);
	assert_int_equal(r, 3 + 2 + 1 + 2);
	assert_non_null(memmem(b.buf, b.len, CELL_NFT_ALLOW_TABLE, strlen(CELL_NFT_ALLOW_TABLE)));
	cell_nft_batch_free(&b);

	assert_int_equal(cell_nft_build_del("cell_run_1_2", &b, &err), 0);
	count_batch(&b, &t, &c, &r);
	assert_int_equal(t, 1);
	assert_int_equal(c + r, 0);
	cell_nft_batch_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_publish_parse),
		cmocka_unit_test(test_allow_parse),
		cmocka_unit_test(test_allow_host_split),
		cmocka_unit_test(test_host_end),
		cmocka_unit_test(test_pick),
		cmocka_unit_test(test_resolv),
		cmocka_unit_test(test_table_name),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_print),
		cmocka_unit_test(test_make_none_host),
		cmocka_unit_test(test_nft_batches),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
