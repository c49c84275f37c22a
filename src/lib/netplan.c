/* netplan.c - the sandbox's network, decided before clone.
 *
 * Man pages: network_namespaces(7), veth(4), nft(8), resolv.conf(5),
 * getaddrinfo(3), pasta(1).  See netplan.h for the modes; netrun.c applies
 * the plan on the host side, init.c inside.
 */
#define _GNU_SOURCE
#include "netplan.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "netns.h"
#include "util.h"
#include "veth.h"

/* ---- pure ----------------------------------------------------------------- */

static int parse_port(const char *s, size_t len, uint16_t *ret)
{
	unsigned v = 0;

	if (len == 0 || len > 5 || s[0] == '0')
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v == 0 || v > 65535)
		return -EINVAL;
	*ret = (uint16_t)v;
	return 0;
}

int cell_publish_parse(const char *s, struct cell_publish *ret, struct cell_err *err)
{
	const char *colon = strchr(s, ':'), *slash = strchr(s, '/');
	const char *end = slash ? slash : s + strlen(s);
	struct cell_publish p = { .proto = IPPROTO_TCP };

	if (!colon || colon > end || parse_port(s, (size_t)(colon - s), &p.host_port) < 0 ||
	    parse_port(colon + 1, (size_t)(end - colon - 1), &p.port) < 0)
		return cell_fail(err, 0, "--publish '%s': expected HOSTPORT:PORT[/tcp|/udp] with "
				 "ports 1-65535", s);
	if (slash && strcmp(slash, "/udp") == 0)
		p.proto = IPPROTO_UDP;
	else if (slash && strcmp(slash, "/tcp") != 0)
		return cell_fail(err, 0, "--publish '%s': the protocol is tcp or udp", s);
	*ret = p;
	return 0;
}

static int parse_addr(const char *text, size_t len, struct cell_cidr *ret)
{
	char buf[INET6_ADDRSTRLEN + 5];
	unsigned max;
	char *slash;

	if (len == 0 || len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, text, len);
	buf[len] = '\0';
	slash = strchr(buf, '/');
	if (slash)
		return cell_cidr_parse(buf, ret);
	memset(ret, 0, sizeof(*ret));
	ret->family = strchr(buf, ':') ? AF_INET6 : AF_INET;
	max = ret->family == AF_INET6 ? 128 : 32;
	if (inet_pton(ret->family, buf, ret->addr) != 1)
		return -EINVAL;
	ret->prefixlen = (unsigned char)max;
	return 0;
}

/* Clear the bits past the prefix: "10.1.2.3/8" allows 10.0.0.0/8. */
static void cidr_mask(struct cell_cidr *c)
{
	size_t n = cell_cidr_addrlen(c);

	for (size_t i = 0; i < n; i++) {
		unsigned bit = (unsigned)i * 8;

		if (bit >= c->prefixlen)
			c->addr[i] = 0;
		else if (bit + 8 > c->prefixlen)
			c->addr[i] &= (unsigned char)(0xff << (8 - (c->prefixlen - bit)));
	}
}

int cell_allow_parse(const char *s, struct cell_allow *ret, struct cell_err *err)
{
	struct cell_allow a = { 0 };
	const char *addr = s, *port = NULL, *last = strrchr(s, ':');
	size_t alen = strlen(s);

	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (!close || (close[1] && close[1] != ':'))
			goto bad;
		addr = s + 1;
		alen = (size_t)(close - addr);
		port = close[1] ? close + 2 : NULL;
	} else if (last && (strchr(s, ':') == last || (strchr(s, '/') && last > strchr(s, '/')))) {
		/* IPv4 with a port, or any CIDR with a prefix and then a port */
		alen = (size_t)(last - s);
		port = last + 1;
	}
	if (parse_addr(addr, alen, &a.dst) < 0)
		goto bad;
	if (port && parse_port(port, strlen(port), &a.port) < 0)
		goto bad;
	cidr_mask(&a.dst);
	*ret = a;
	return 0;
bad:
	return cell_fail(err, 0, "--allow '%s': expected ADDRESS[/PREFIX][:PORT] (IPv6 with a "
			 "port: [ADDRESS]:PORT)", s);
}

int cell_allow_host_split(const char *s, char *name, size_t len, uint16_t *ret_port,
			  struct cell_err *err)
{
	const char *colon = strchr(s, ':');
	size_t n = colon ? (size_t)(colon - s) : strlen(s);

	*ret_port = 0;
	if (n == 0 || n >= len || (colon && strchr(colon + 1, ':')) ||
	    (colon && parse_port(colon + 1, strlen(colon + 1), ret_port) < 0))
		return cell_fail(err, 0, "--allow-host '%s': expected NAME[:PORT] (addresses go "
				 "to --allow)", s);
	memcpy(name, s, n);
	name[n] = '\0';
	return 0;
}

static uint32_t v4(const struct cell_cidr *c)
{
	uint32_t a;

	memcpy(&a, c->addr, 4);
	return ntohl(a);
}

static void set_v4(struct cell_cidr *c, uint32_t a, unsigned prefix)
{
	memset(c, 0, sizeof(*c));
	c->family = AF_INET;
	c->prefixlen = (unsigned char)prefix;
	a = htonl(a);
	memcpy(c->addr, &a, 4);
}

int cell_netplan_host_end(const struct cell_cidr *peer, struct cell_cidr *ret,
			  struct cell_err *err)
{
	char text[CELL_CIDR_STRLEN];
	unsigned max = peer->family == AF_INET6 ? 128 : 32;
	size_t n = cell_cidr_addrlen(peer);
	struct cell_cidr net = *peer, h;

	cidr_mask(&net);
	if (peer->prefixlen >= max)
		return cell_fail(err, 0, "--net veth:%s: the prefix leaves no room for the host end",
				 cell_cidr_format(peer, text, sizeof(text)));
	if (peer->prefixlen == max - 1) {
		/* RFC 3021 (and RFC 6164 for IPv6): both addresses are usable */
		h = *peer;
		h.addr[n - 1] ^= 1;
		*ret = h;
		return 0;
	}
	/* Network (host bits all zero) and, for IPv4, broadcast (all one) are
	 * not usable; the first usable address is network + 1. */
	if (memcmp(net.addr, peer->addr, n) == 0)
		return cell_fail(err, 0, "--net veth:%s: that is the network address",
				 cell_cidr_format(peer, text, sizeof(text)));
	if (peer->family == AF_INET) {
		uint32_t mask = peer->prefixlen ? ~0u << (32 - peer->prefixlen) : 0;
		uint32_t a = v4(peer), first = (a & mask) + 1;

		if ((a | mask) == ~0u)
			return cell_fail(err, 0, "--net veth:%s: that is the broadcast address",
					 cell_cidr_format(peer, text, sizeof(text)));
		set_v4(&h, a == first ? first + 1 : first, peer->prefixlen);
		if ((v4(&h) | mask) == ~0u)
			return cell_fail(err, 0, "--net veth:%s: no room for the host end",
					 cell_cidr_format(peer, text, sizeof(text)));
		*ret = h;
		return 0;
	}
	h = net;
	h.prefixlen = peer->prefixlen;
	h.addr[15] |= 1;
	if (memcmp(h.addr, peer->addr, 16) == 0)
		h.addr[15] = (unsigned char)((h.addr[15] & ~1u) | 2u);
	*ret = h;
	return 0;
}

static bool overlaps(const struct cell_cidr *a, const struct cell_cidr *b)
{
	return cell_cidr_same_net(a, b);
}

int cell_netplan_pick(const struct cell_cidr *taken, size_t n, uint32_t seed,
		      struct cell_cidr *ret_host, struct cell_cidr *ret_peer, struct cell_err *err)
{
	for (uint32_t i = 0; i < CELL_NET_AUTO_BLOCKS; i++) {
		uint32_t block = (seed + i) % CELL_NET_AUTO_BLOCKS;
		struct cell_cidr c;
		bool free_block = true;

		set_v4(&c, CELL_NET_AUTO_BASE + block * 4, 30);
		for (size_t k = 0; k < n && free_block; k++)
			if (taken[k].family == AF_INET && taken[k].prefixlen > 0 &&
			    overlaps(&c, &taken[k]))
				free_block = false;
		if (!free_block)
			continue;
		set_v4(ret_host, CELL_NET_AUTO_BASE + block * 4 + 1, 30);
		set_v4(ret_peer, CELL_NET_AUTO_BASE + block * 4 + 2, 30);
		return 0;
	}
	return cell_fail(err, 0, "--net veth: no free /30 left in 10.199.0.0/16; give an "
			 "address (--net veth:ADDR/PREFIX)");
}

unsigned cell_resolv_nameservers(const char *text, struct cell_cidr *ret, unsigned max)
{
	unsigned n = 0;

	for (const char *line = text; line && *line && n < max;) {
		const char *end = strchrnul(line, '\n'), *p = line;

		while (*p == ' ' || *p == '\t')
			p++;
		if (strncmp(p, "nameserver", 10) == 0 && (p[10] == ' ' || p[10] == '\t')) {
			const char *a = p + 10, *e;

			while (*a == ' ' || *a == '\t')
				a++;
			e = a;
			/* "fe80::1%eth0": a zone makes it link-local to the host */
			while (e < end && *e != ' ' && *e != '\t' && *e != '\r' && *e != '%')
				e++;
			if (e < end && *e == '%')
				goto next;
			if (parse_addr(a, (size_t)(e - a), &ret[n]) == 0)
				n++;
		}
next:
		line = *end ? end + 1 : NULL;
	}
	return n;
}

bool cell_resolv_all_loopback(const struct cell_cidr *ns, unsigned n)
{
	static const unsigned char v6_lo[16] = { [15] = 1 };

	if (n == 0)
		return false;
	for (unsigned i = 0; i < n; i++) {
		if (ns[i].family == AF_INET && ns[i].addr[0] == 127)
			continue;
		if (ns[i].family == AF_INET6 && memcmp(ns[i].addr, v6_lo, 16) == 0)
			continue;
		return false;
	}
	return true;
}

void cell_netplan_table_name(pid_t owner, uint64_t start, char *buf, size_t len)
{
	snprintf(buf, len, "cell_run_%d_%llu", (int)owner, (unsigned long long)start);
}

bool cell_netplan_table_owner(const char *name, pid_t *ret_pid, uint64_t *ret_start)
{
	uint64_t pid, start;
	const char *p;

	if (strncmp(name, "cell_run_", 9) != 0 || cell_parse_u64_prefix(name + 9, &p, &pid) < 0 || *p != '_' ||
	    pid == 0 || pid > 0x7fffffff || cell_parse_u64_prefix(p + 1, &p, &start) < 0 || *p)
		return false;
	*ret_pid = (pid_t)pid;
	*ret_start = start;
	return true;
}

/* ---- planning ------------------------------------------------------------- */

struct taken {
	size_t n;
	struct cell_cidr c[512];
};

static int taken_addr(const struct cell_nl_addrinfo *a, void *data)
{
	struct taken *t = data;

	if (t->n < ELEMENTSOF(t->c))
		t->c[t->n++] = a->cidr;
	return 0;
}

static int taken_route(const struct cell_nl_routeinfo *rt, void *data)
{
	struct taken *t = data;

	if (t->n < ELEMENTSOF(t->c) && rt->dst.prefixlen > 0)
		t->c[t->n++] = rt->dst;
	return 0;
}

/* The host's IPv4 addresses and routes (every table), to stay clear of. */
static int host_taken(struct taken *t, struct cell_err *err)
{
	struct cell_nl nl = CELL_NL_INIT;
	int r;

	r = cell_nl_open(&nl, -1, err);
	if (r < 0)
		return r;
	r = cell_nl_addr_each(&nl, AF_INET, taken_addr, t, err);
	if (r >= 0)
		r = cell_nl_route_each(&nl, AF_INET, taken_route, t, err);
	cell_nl_close(&nl);
	return r;
}

static int plan_veth(const struct cell_spec *s, struct cell_netplan *np, struct cell_err *err)
{
	_cleanup_free_ struct taken *t = calloc(1, sizeof(*t));
	char text[CELL_CIDR_STRLEN];
	int r;

	if (!t)
		return -ENOMEM;
	r = host_taken(t, err);
	if (r < 0)
		return cell_err_prefix(err, "--net veth: read the host's addresses");
	if (s->net_addr) {
		if (cell_cidr_parse(s->net_addr, &np->peer_addr) < 0)
			return cell_fail(err, 0, "--net veth:%s: expected ADDRESS/PREFIX "
					 "(10.0.5.2/24, fd00:5::2/64)", s->net_addr);
		r = cell_netplan_host_end(&np->peer_addr, &np->host_addr, err);
		if (r < 0)
			return r;
		for (size_t i = 0; i < t->n; i++)
			if (t->c[i].family == AF_INET && t->c[i].prefixlen >= np->peer_addr.prefixlen &&
			    overlaps(&t->c[i], &np->peer_addr))
				return cell_fail(err, 0, "--net veth:%s: the host already uses %s",
						 s->net_addr,
						 cell_cidr_format(&t->c[i], text, sizeof(text)));
	} else {
		np->addr_auto = true;
		r = cell_netplan_pick(t->c, t->n, (uint32_t)np->owner, &np->host_addr,
				      &np->peer_addr, err);
		if (r < 0)
			return r;
	}
	if (s->nat && np->peer_addr.family != AF_INET)
		return cell_fail(err, 0, "--nat: IPv4 only (give --net veth an IPv4 address)");
	return 0;
}

static int read_small(const char *path, char *buf, size_t len)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

static void plan_resolv(const struct cell_spec *s, struct cell_netplan *np,
			struct cell_cidr *dns, unsigned *n_dns)
{
	char text[4096];

	*n_dns = 0;
	switch (np->mode) {
	case CELL_NET_HOST:
		np->resolv = CELL_RESOLV_HOST;
		np->resolv_note = "the host's";
		return;
	case CELL_NET_NAMED: {
		struct stat st;

		snprintf(np->resolv_src, sizeof(np->resolv_src), "/etc/netns/%s/resolv.conf",
			 np->name);
		if (stat(np->resolv_src, &st) == 0) {
			np->resolv = CELL_RESOLV_BIND;
			np->resolv_note = "the namespace's (as ip netns exec)";
		} else {
			np->resolv_src[0] = '\0';
			np->resolv = CELL_RESOLV_HOST;
			np->resolv_note = "the host's (no /etc/netns/NAME/resolv.conf)";
		}
		return;
	}
	case CELL_NET_USER: {
		struct cell_cidr c;

		np->resolv = CELL_RESOLV_WRITE;
		snprintf(np->resolv_text, sizeof(np->resolv_text),
			 "# cell --net user: pasta forwards DNS to the host's resolver\n"
			 "nameserver %s\n", CELL_NET_PASTA_DNS);
		np->resolv_note = "pasta's DNS forwarder";
		if (parse_addr(CELL_NET_PASTA_DNS, strlen(CELL_NET_PASTA_DNS), &c) == 0)
			dns[(*n_dns)++] = c;
		return;
	}
	case CELL_NET_VETH:
		if (s->nat)
			break;
		np->resolv = CELL_RESOLV_EMPTY;
		np->resolv_note = "none (no outbound access without --nat)";
		return;
	default:
		np->resolv = CELL_RESOLV_EMPTY;
		np->resolv_note = "none (no network)";
		return;
	}
	/* veth + nat: the host's resolvers, unless they listen on its loopback
	 * (systemd-resolved's 127.0.0.53): the sandbox's 127.0.0.53 is its own.
	 * systemd-resolved keeps the upstream servers it uses in
	 * /run/systemd/resolve/resolv.conf; those are reachable through NAT. */
	np->resolv = CELL_RESOLV_HOST;
	np->resolv_note = "the host's";
	if (read_small("/etc/resolv.conf", text, sizeof(text)) < 0)
		return;
	*n_dns = cell_resolv_nameservers(text, dns, CELL_NET_DNS_MAX);
	if (!cell_resolv_all_loopback(dns, *n_dns))
		return;
	*n_dns = 0;
	if (read_small("/run/systemd/resolve/resolv.conf", text, sizeof(text)) == 0) {
		*n_dns = cell_resolv_nameservers(text, dns, CELL_NET_DNS_MAX);
		if (*n_dns > 0 && !cell_resolv_all_loopback(dns, *n_dns)) {
			np->resolv = CELL_RESOLV_BIND;
			snprintf(np->resolv_src, sizeof(np->resolv_src), "%s",
				 "/run/systemd/resolve/resolv.conf");
			np->resolv_note = "systemd-resolved's upstream servers (the host's "
					  "resolv.conf names its loopback)";
			return;
		}
	}
	*n_dns = 0;
	np->resolv = CELL_RESOLV_EMPTY;
	np->resolv_note = "none: the host's resolvers listen on its loopback, which the "
			  "sandbox cannot reach";
}

static int plan_allow(const struct cell_spec *s, struct cell_netplan *np,
		      const struct cell_cidr *dns, unsigned n_dns, struct cell_err *err)
{
	for (char **a = s->allow; a && *a; a++) {
		if (np->n_allow >= CELL_NET_ALLOW_MAX)
			return cell_fail(err, 0, "--allow: at most %d entries", CELL_NET_ALLOW_MAX);
		if (cell_allow_parse(*a, &np->allow[np->n_allow], err) < 0)
			return -EINVAL;
		np->n_allow++;
	}
	for (char **h = s->allow_host; h && *h; h++) {
		struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res = NULL;
		char name[256];
		uint16_t port;
		int r;

		if (cell_allow_host_split(*h, name, sizeof(name), &port, err) < 0)
			return -EINVAL;
		r = getaddrinfo(name, NULL, &hints, &res);
		if (r != 0)
			return cell_fail(err, 0, "--allow-host %s: %s", name,
					 r == EAI_SYSTEM ? strerror(errno) : gai_strerror(r));
		for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
			struct cell_allow *al;
			bool dup = false;

			if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6)
				continue;
			if (np->n_allow >= CELL_NET_ALLOW_MAX) {
				freeaddrinfo(res);
				return cell_fail(err, 0, "--allow-host %s: more than %d allowed "
						 "addresses in all", name, CELL_NET_ALLOW_MAX);
			}
			al = &np->allow[np->n_allow];
			memset(al, 0, sizeof(*al));
			al->dst.family = ai->ai_family;
			if (ai->ai_family == AF_INET) {
				memcpy(al->dst.addr,
				       &((struct sockaddr_in *)(void *)ai->ai_addr)->sin_addr, 4);
				al->dst.prefixlen = 32;
			} else {
				memcpy(al->dst.addr,
				       &((struct sockaddr_in6 *)(void *)ai->ai_addr)->sin6_addr, 16);
				al->dst.prefixlen = 128;
			}
			al->port = port;
			al->name = *h;
			for (unsigned k = 0; k < np->n_allow; k++)
				dup |= cell_cidr_equal(&np->allow[k].dst, &al->dst) &&
				       np->allow[k].port == port;
			if (!dup)
				np->n_allow++;
		}
		freeaddrinfo(res);
	}
	/* The sandbox's own nameservers stay reachable on port 53, so that
	 * names resolve at all; --print-spec lists them. */
	for (unsigned i = 0; i < n_dns && np->n_allow < CELL_NET_ALLOW_MAX; i++) {
		np->allow[np->n_allow] = (struct cell_allow){ .dst = dns[i], .port = 53,
							      .dns = true };
		np->n_allow++;
	}
	return 0;
}

/* The sandbox's link names and mark, and this process's start time, as
 * cell_veth_plan_run() makes them. */
static int owner_names(struct cell_netplan *np, struct cell_err *err)
{
	struct cell_veth v;
	struct cell_veth_owner o;
	int r;

	r = cell_veth_plan_run(&v, np->owner, err);
	if (r < 0)
		return r;
	memcpy(np->host_if, v.host_if, sizeof(np->host_if));
	memcpy(np->alias, v.alias, sizeof(np->alias));
	cell_veth_owner_parse(v.alias, &o);
	np->owner_start = o.start;
	return 0;
}

static bool find_exec(const char *name, char *buf, size_t len)
{
	const char *path = getenv("PATH");

	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (const char *p = path;;) {
		const char *end = strchrnul(p, ':');

		if (end > p && snprintf(buf, len, "%.*s/%s", (int)(end - p), p, name) < (int)len &&
		    buf[0] == '/' && access(buf, X_OK) == 0)
			return true;
		if (!*end)
			break;
		p = end + 1;
	}
	for (const char *const *d = (const char *const[]){ "/usr/bin", "/usr/sbin", "/bin", NULL };
	     *d; d++)
		if (snprintf(buf, len, "%s/%s", *d, name) < (int)len && access(buf, X_OK) == 0)
			return true;
	return false;
}

/* Where a sandbox's host-side files live while it runs: root's under
 * /run/cell/run (what `cell net gc` and the next run look at), a user's
 * under $XDG_RUNTIME_DIR/cell/run, else /tmp/cell-UID/run. */
static void plan_state_dir(struct cell_netplan *np, bool privileged)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");

	if (privileged)
		snprintf(np->state_dir, sizeof(np->state_dir), "/run/cell/run/%d-%llu",
			 (int)np->owner, (unsigned long long)np->owner_start);
	else if (xdg && xdg[0] == '/' && strlen(xdg) < 128)
		snprintf(np->state_dir, sizeof(np->state_dir), "%s/cell/run/%d-%llu", xdg,
			 (int)np->owner, (unsigned long long)np->owner_start);
	else
		snprintf(np->state_dir, sizeof(np->state_dir), "/tmp/cell-%u/run/%d-%llu",
			 (unsigned)getuid(), (int)np->owner, (unsigned long long)np->owner_start);
}

int cell_netplan_make(const struct cell_spec *s, bool privileged, struct cell_netplan *np,
		      struct cell_err *err)
{
	bool own_ns = s->ns & CELL_NS_BIT(CELL_NS_NET);
	struct cell_cidr dns[CELL_NET_DNS_MAX];
	unsigned n_dns = 0;
	int r;

	memset(np, 0, sizeof(*np));
	np->planned = true;
	np->mode = s->net;
	np->owner = getpid();
	if (np->mode == CELL_NET_NONE && !own_ns)
		np->mode = CELL_NET_HOST; /* --share net / --ns without net */

	if (np->mode != CELL_NET_VETH && (s->net_addr))
		return cell_fail(err, 0, "an address goes with --net veth:ADDR/PREFIX");
	if (s->nat && np->mode != CELL_NET_VETH)
		return cell_fail(err, 0, "--nat goes with --net veth (--net user has outbound "
				 "access through pasta already)");
	if (s->publish && np->mode != CELL_NET_VETH && np->mode != CELL_NET_USER)
		return cell_fail(err, 0, "--publish goes with --net veth or --net user");
	if ((s->allow || s->allow_host) && np->mode != CELL_NET_VETH &&
	    np->mode != CELL_NET_USER)
		return cell_fail(err, 0, "--allow and --allow-host limit outbound access: they go "
				 "with --net user or --net veth");
	if ((np->mode == CELL_NET_VETH || np->mode == CELL_NET_USER ||
	     np->mode == CELL_NET_NAMED) && !own_ns)
		return cell_fail(err, 0, "--net %s needs a network namespace of its own (drop net "
				 "from --share, or add it to --ns)",
				 np->mode == CELL_NET_NAMED ? s->net_name
				 : np->mode == CELL_NET_VETH ? "veth" : "user");

	for (char **p = s->publish; p && *p; p++) {
		if (np->n_publish >= CELL_NET_PUBLISH_MAX)
			return cell_fail(err, 0, "--publish: at most %d", CELL_NET_PUBLISH_MAX);
		r = cell_publish_parse(*p, &np->publish[np->n_publish], err);
		if (r < 0)
			return r;
		for (unsigned k = 0; k < np->n_publish; k++)
			if (np->publish[k].host_port == np->publish[np->n_publish].host_port &&
			    np->publish[k].proto == np->publish[np->n_publish].proto)
				return cell_fail(err, 0, "--publish %s: host port %u is published "
						 "twice", *p, np->publish[k].host_port);
		np->n_publish++;
	}

	/* the syntax of the rest before anything that looks at the host */
	for (char **a = s->allow; a && *a; a++) {
		struct cell_allow tmp;

		if (cell_allow_parse(*a, &tmp, err) < 0)
			return -EINVAL;
	}
	for (char **h = s->allow_host; h && *h; h++) {
		char name[256];
		uint16_t port;

		if (cell_allow_host_split(*h, name, sizeof(name), &port, err) < 0)
			return -EINVAL;
	}

	switch (np->mode) {
	case CELL_NET_NONE:
		np->new_netns = np->lo_up = true;
		break;
	case CELL_NET_HOST:
		break;
	case CELL_NET_NAMED:
		np->name = s->net_name;
		r = cell_netns_name_check(s->net_name);
		if (r < 0)
			return cell_fail(err, 0, "--net %s: not a valid namespace name", s->net_name);
		snprintf(np->netns_path, sizeof(np->netns_path), "%s/%s", CELL_NETNS_DIR,
			 s->net_name);
		if (access(np->netns_path, F_OK) < 0)
			return cell_fail(err, errno == ENOENT ? 0 : errno,
					 "--net %s: no network namespace %s (see cell net ls; "
					 "make one with cell net add %s)",
					 s->net_name, np->netns_path, s->net_name);
		/* The namespace belongs to the host's user namespace: entering
		 * it takes CAP_SYS_ADMIN there (setns(2)). */
		if (!privileged)
			return cell_fail(err, EPERM, "--net %s: joining a named network namespace "
					 "needs root (it belongs to the host's user namespace)",
					 s->net_name);
		break;
	case CELL_NET_VETH:
		np->new_netns = np->lo_up = true;
		if (!privileged)
			return cell_fail(err, EPERM, "--net veth needs root (a link on the host "
					 "needs CAP_NET_ADMIN there); without root, use --net "
					 "user");
		r = owner_names(np, err);
		if (r < 0)
			return r;
		r = plan_veth(s, np, err);
		if (r < 0)
			return r;
		np->nat = s->nat;
		if (s->nat || s->publish)
			cell_netplan_table_name(np->owner, np->owner_start, np->table,
						sizeof(np->table));
		break;
	case CELL_NET_USER:
		np->new_netns = np->lo_up = true;
		if (!find_exec("pasta", np->pasta, sizeof(np->pasta))) {
			char other[CELL_NET_PATH_MAX];

			return cell_fail(err, 0, "--net user needs pasta, from the package passt "
					 "(apt-get install passt)%s",
					 find_exec("slirp4netns", other, sizeof(other))
						 ? "; cell does not drive slirp4netns"
						 : "");
		}
		/* pasta opens /dev/net/tun as the caller: some systems keep it
		 * root-only (mode 0600) where udev would make it 0666. */
		if (!privileged && access("/dev/net/tun", R_OK | W_OK) < 0)
			return cell_fail(err, errno, "--net user: pasta needs /dev/net/tun, which "
					 "you cannot open (it is usually mode 0666)");
		r = owner_names(np, err);
		if (r < 0)
			return r;
		break;
	default:
		return cell_fail(err, EINVAL, "unknown network mode %d", (int)np->mode);
	}

	plan_resolv(s, np, dns, &n_dns);
	if (s->allow || s->allow_host) {
		r = plan_allow(s, np, dns, n_dns, err);
		if (r < 0)
			return r;
	}
	if (np->mode == CELL_NET_VETH || np->resolv == CELL_RESOLV_WRITE)
		plan_state_dir(np, privileged);
	if (np->resolv == CELL_RESOLV_WRITE &&
	    snprintf(np->resolv_src, sizeof(np->resolv_src), "%.200s/resolv.conf",
		     np->state_dir) >= (int)sizeof(np->resolv_src))
		return cell_fail(err, ENAMETOOLONG, "%s/resolv.conf", np->state_dir);
	return 0;
}

static const char *proto_name(int proto)
{
	return proto == IPPROTO_UDP ? "udp" : "tcp";
}

void cell_netplan_print(const struct cell_netplan *np, FILE *f)
{
	char a[CELL_CIDR_STRLEN], b[CELL_CIDR_STRLEN];

	switch (np->mode) {
	case CELL_NET_NONE:
		fprintf(f, "network: lo only (up)\n");
		break;
	case CELL_NET_HOST:
		fprintf(f, "network: the host's\n");
		break;
	case CELL_NET_NAMED:
		fprintf(f, "network: joins %s (no new network namespace)\n", np->netns_path);
		break;
	case CELL_NET_VETH:
		fprintf(f, "network: lo (up) and eth0 %s, a veth link to the host's %s %s%s\n",
			cell_cidr_format(&np->peer_addr, a, sizeof(a)), np->host_if,
			cell_cidr_format(&np->host_addr, b, sizeof(b)),
			np->addr_auto ? " (picked: free on this host)" : "");
		fprintf(f, "network: default route via %s; link marked %s\n",
			cell_cidr_format_addr(&np->host_addr, a, sizeof(a)), np->alias);
		if (np->nat)
			fprintf(f, "network: outbound masquerading (nftables table inet %s; "
				"net.ipv4.ip_forward turned on if off)\n", np->table);
		else
			fprintf(f, "network: no outbound access (add --nat)\n");
		break;
	case CELL_NET_USER:
		fprintf(f, "network: lo (up) and a tap device of pasta (%s), outbound through "
			"the host's sockets; host loopback not reachable\n", np->pasta);
		break;
	default:
		break;
	}
	for (unsigned i = 0; i < np->n_publish; i++)
		fprintf(f, "publish: host port %u/%s -> sandbox port %u%s\n",
			np->publish[i].host_port, proto_name(np->publish[i].proto),
			np->publish[i].port,
			np->mode == CELL_NET_VETH ? " (nftables dnat)" : " (pasta)");
	if (np->n_allow) {
		fprintf(f, "egress: only these (nftables in the sandbox's namespace; the rest is "
			"refused):\n");
		for (unsigned i = 0; i < np->n_allow; i++) {
			const struct cell_allow *al = &np->allow[i];

			fprintf(f, "allow: %s", cell_cidr_format(&al->dst, a, sizeof(a)));
			if (al->dns)
				fprintf(f, " port 53 (dns)");
			else if (al->port)
				fprintf(f, " port %u (tcp, udp)", al->port);
			if (al->name)
				fprintf(f, " (%s)", al->name);
			fputc('\n', f);
		}
	}
	fprintf(f, "resolv.conf: %s", np->resolv_note ? np->resolv_note : "as the root has it");
	if (np->resolv == CELL_RESOLV_BIND || np->resolv == CELL_RESOLV_WRITE)
		fprintf(f, " (%s)", np->resolv_src);
	fputc('\n', f);
}
