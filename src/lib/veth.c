/* veth.c - a veth pair from one network namespace into another.
 *
 * Man pages: veth(4), rtnetlink(7), netlink(7), ip-netns(8), ip-link(8).
 *
 * Order in cell_veth_ensure(): look at what is there (one dump of the host
 * side), create the pair with the peer directly inside the target (one
 * datagram: create, then look the new end up), then configure the host end
 * (mark, MTU, up, addresses: one datagram) and the peer (MTU, up, addresses,
 * routes: one datagram).  Up comes before the routes because the kernel
 * refuses a gateway route through a device that is down.  Addresses are
 * added with NLM_F_EXCL and EEXIST accepted (the kernel only says EEXIST
 * for the same address on the same device); routes are compared with a
 * dump first, because EEXIST there may mean a route to the same place
 * through somewhere else.  So a second run adds nothing.
 */
#define _GNU_SOURCE
#include "veth.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cleanup.h"
#include "netns.h"
#include "procinfo.h"
#include "util.h"

/* ---- pure ----------------------------------------------------------------- */

static uint32_t fnv1a(const char *s, uint32_t h)
{
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 16777619u;
	}
	return h;
}

#define FNV_START 2166136261u

static int check_ifname(const char *name, const char *what, struct cell_err *err)
{
	int r = cell_nl_ifname_check(name);

	if (r == -ENAMETOOLONG)
		return cell_fail(err, 0, "%s '%s' is too long (at most %d bytes)", what, name,
				 IFNAMSIZ - 1);
	if (r < 0)
		return cell_fail(err, 0, "%s '%s' is not a valid interface name", what, name);
	return 0;
}

/* The host address a route of this family goes through: the first one
 * that shares a subnet with a peer address. */
static const struct cell_cidr *gateway_for(const struct cell_veth *v, int family)
{
	for (unsigned i = 0; i < v->n_host_addr; i++) {
		if (v->host_addr[i].family != family)
			continue;
		for (unsigned j = 0; j < v->n_peer_addr; j++)
			if (cell_cidr_same_net(&v->host_addr[i], &v->peer_addr[j]))
				return &v->host_addr[i];
	}
	return NULL;
}

static bool host_bits_clear(const struct cell_cidr *c)
{
	size_t n = cell_cidr_addrlen(c);

	for (size_t i = 0; i < n; i++) {
		unsigned bit = (unsigned)i * 8;
		unsigned char mask;

		if (bit >= c->prefixlen)
			mask = 0xff;
		else if (bit + 8 <= c->prefixlen)
			mask = 0;
		else
			mask = (unsigned char)(0xff >> (c->prefixlen - bit));
		if (c->addr[i] & mask)
			return false;
	}
	return true;
}

int cell_veth_check(const struct cell_veth *v, struct cell_err *err)
{
	char a[CELL_CIDR_STRLEN], b[CELL_CIDR_STRLEN];
	bool v6 = false;
	int r;

	r = check_ifname(v->host_if, "host interface name", err);
	if (r < 0)
		return r;
	r = check_ifname(v->peer_if, "peer interface name", err);
	if (r < 0)
		return r;
	if (v->n_host_addr > CELL_VETH_ADDR_MAX || v->n_peer_addr > CELL_VETH_ADDR_MAX)
		return cell_fail(err, 0, "at most %d addresses on each end", CELL_VETH_ADDR_MAX);
	if (v->n_route > CELL_VETH_ROUTE_MAX)
		return cell_fail(err, 0, "at most %d routes", CELL_VETH_ROUTE_MAX);
	for (unsigned i = 0; i < v->n_host_addr; i++)
		v6 |= v->host_addr[i].family == AF_INET6;
	for (unsigned i = 0; i < v->n_peer_addr; i++)
		v6 |= v->peer_addr[i].family == AF_INET6;
	if (v->mtu && (v->mtu < CELL_VETH_MTU_MIN || v->mtu > CELL_VETH_MTU_MAX))
		return cell_fail(err, 0, "MTU %u out of range (%d..%d)", v->mtu, CELL_VETH_MTU_MIN,
				 CELL_VETH_MTU_MAX);
	if (v->mtu && v6 && v->mtu < CELL_VETH_MTU_MIN6)
		return cell_fail(err, 0, "MTU %u is too small for IPv6 (at least %d)", v->mtu,
				 CELL_VETH_MTU_MIN6);
	for (unsigned i = 0; i < v->n_peer_addr; i++) {
		const struct cell_cidr *p = &v->peer_addr[i];
		bool family_on_host = false, shared = false;

		for (unsigned j = 0; j < v->n_host_addr; j++) {
			const struct cell_cidr *h = &v->host_addr[j];

			if (h->family != p->family)
				continue;
			family_on_host = true;
			shared |= cell_cidr_same_net(h, p);
			if (memcmp(h->addr, p->addr, cell_cidr_addrlen(h)) == 0)
				return cell_fail(err, 0, "address %s is on both ends",
						 cell_cidr_format_addr(p, a, sizeof(a)));
		}
		if (family_on_host && !shared)
			return cell_fail(err, 0,
					 "peer address %s shares no subnet with the host end's "
					 "addresses",
					 cell_cidr_format(p, a, sizeof(a)));
	}
	for (unsigned i = 0; i < v->n_route; i++) {
		const struct cell_cidr *rt = &v->route[i];

		if (!host_bits_clear(rt))
			return cell_fail(err, 0, "route %s has host bits set",
					 cell_cidr_format(rt, a, sizeof(a)));
		if (!gateway_for(v, rt->family)) {
			if (rt->prefixlen)
				cell_cidr_format(rt, b, sizeof(b));
			else
				snprintf(b, sizeof(b), "default (%s)",
					 rt->family == AF_INET ? "IPv4" : "IPv6");
			return cell_fail(err, 0,
					 "route %s needs %s addresses on both ends in one subnet "
					 "(the host end is the gateway)",
					 b, rt->family == AF_INET ? "IPv4" : "IPv6");
		}
	}
	return 0;
}

void cell_veth_default_name(const char *to, char ret[16])
{
	char name[64];

	snprintf(name, sizeof(name), "vn-%s", to);
	if (strlen(to) < sizeof(name) && cell_nl_ifname_check(name) == 0) {
		memcpy(ret, name, strlen(name) + 1);
		return;
	}
	snprintf(ret, 16, "vn-%08x", fnv1a(to, FNV_START));
}

int cell_veth_mark_named(struct cell_veth *v, const char *netns, struct cell_err *err)
{
	char text[CELL_CIDR_STRLEN + 8];
	uint32_t h = FNV_START;
	int n;

	/* Every setting goes into the hash, each with a tag, in a fixed order. */
	h = fnv1a("h=", h);
	h = fnv1a(v->host_if, h);
	h = fnv1a(" p=", h);
	h = fnv1a(v->peer_if, h);
	snprintf(text, sizeof(text), " m=%u", v->mtu);
	h = fnv1a(text, h);
	for (unsigned i = 0; i < v->n_host_addr; i++) {
		h = fnv1a(" a=", h);
		h = fnv1a(cell_cidr_format(&v->host_addr[i], text, sizeof(text)), h);
	}
	for (unsigned i = 0; i < v->n_peer_addr; i++) {
		h = fnv1a(" pa=", h);
		h = fnv1a(cell_cidr_format(&v->peer_addr[i], text, sizeof(text)), h);
	}
	for (unsigned i = 0; i < v->n_route; i++) {
		h = fnv1a(" r=", h);
		h = fnv1a(cell_cidr_format(&v->route[i], text, sizeof(text)), h);
	}
	n = snprintf(v->alias, sizeof(v->alias), "cell:net:%08x:%s", h, netns);
	if (n < 0 || (size_t)n >= sizeof(v->alias))
		return cell_fail(err, 0,
				 "network namespace name too long for a link (at most %zu bytes)",
				 sizeof(v->alias) - sizeof("cell:net:01234567:"));
	return 0;
}

void cell_veth_owner_parse(const char *alias, struct cell_veth_owner *ret)
{
	uint64_t pid, start;
	const char *p, *end;

	memset(ret, 0, sizeof(*ret));
	if (strncmp(alias, "cell:", 5) != 0)
		return;
	ret->kind = CELL_VETH_OWNER_OTHER;
	if (strncmp(alias, "cell:net:", 9) == 0) {
		uint32_t h = 0;

		p = alias + 9;
		for (int i = 0; i < 8; i++, p++) {
			int d = *p >= '0' && *p <= '9' ? *p - '0' :
				*p >= 'a' && *p <= 'f' ? *p - 'a' + 10 : -1;

			if (d < 0)
				return;
			h = h << 4 | (uint32_t)d;
		}
		if (*p != ':' || !p[1])
			return;
		ret->kind = CELL_VETH_OWNER_NET;
		ret->hash = h;
		ret->netns = p + 1;
	} else if (strncmp(alias, "cell:run:", 9) == 0) {
		if (cell_parse_u64_prefix(alias + 9, &end, &pid) < 0 || *end != ':' || pid == 0 ||
		    pid > 0x7fffffff || cell_parse_u64_prefix(end + 1, &p, &start) < 0 || *p)
			return;
		ret->kind = CELL_VETH_OWNER_RUN;
		ret->pid = (pid_t)pid;
		ret->start = start;
	}
}

bool cell_veth_owner_same(const struct cell_veth_owner *a, const struct cell_veth_owner *b)
{
	if (a->kind != b->kind)
		return false;
	switch (a->kind) {
	case CELL_VETH_OWNER_NET:
		return strcmp(a->netns, b->netns) == 0;
	case CELL_VETH_OWNER_RUN:
		return a->pid == b->pid && a->start == b->start;
	default:
		return false;
	}
}

/* ---- I/O ------------------------------------------------------------------ */

int cell_veth_plan_run(struct cell_veth *v, pid_t owner, struct cell_err *err)
{
	uint64_t start;
	int r;

	memset(v, 0, sizeof(*v));
	r = cell_proc_start_time(owner, &start);
	if (r < 0)
		return cell_fail(err, -r, "read /proc/%d/stat", (int)owner);
	snprintf(v->host_if, sizeof(v->host_if), "vr-%d", (int)owner);
	snprintf(v->peer_if, sizeof(v->peer_if), "eth0");
	snprintf(v->alias, sizeof(v->alias), "cell:run:%d:%llu", (int)owner,
		 (unsigned long long)start);
	return 0;
}

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	struct cell_nl_linkinfo *l = data;

	/* ifindex 0 marks "not seen"; a real link never has it. */
	if (cell_nl_parse_link(nlh, l) < 0)
		l->ifindex = 0;
	return 0;
}

static int delete_link(struct cell_nl *nl, int ifindex, const char *name, struct cell_err *err)
{
	struct cell_nl_batch b;

	cell_nl_batch_init(&b, nl->seq);
	if (cell_nl_put_link_del(&b, ifindex, NULL) < 0)
		return cell_fail(err, ENOSPC, "delete link");
	cell_nl_batch_label(&b, "delete link %s", name);
	/* Gone already (with its namespace, say) is what we want. */
	cell_nl_batch_accept(&b, ENODEV);
	return cell_nl_talk(nl, &b, NULL, NULL, err);
}

struct scan {
	const char *host_if;
	struct cell_veth_owner me;
	struct cell_nl_linkinfo named; /* the link called host_if */
	bool have_named;
	char other[16];		       /* another link of the same owner */
};

static int scan_cb(const struct cell_nl_linkinfo *l, void *data)
{
	struct scan *s = data;
	struct cell_veth_owner o;

	if (strcmp(l->name, s->host_if) == 0) {
		s->named = *l;
		s->have_named = true;
		return 0;
	}
	cell_veth_owner_parse(l->alias, &o);
	if (!s->other[0] && cell_veth_owner_same(&o, &s->me))
		memcpy(s->other, l->name, sizeof(s->other));
	return 0;
}

static int create(const struct cell_veth *v, struct cell_nl *host, int peer_netns_fd,
		  struct cell_nl_linkinfo *ret, struct cell_err *err)
{
	const struct cell_nl_veth nv = {
		.name = v->host_if,
		.peer = v->peer_if,
		.peer_netns_fd = peer_netns_fd,
		.mtu = v->mtu,
	};
	struct cell_nl_batch b;
	int r;

	cell_nl_batch_init(&b, host->seq);
	/* The look-up rides in the same datagram; its answer only counts when
	 * the creation before it worked. */
	if (cell_nl_put_veth(&b, &nv) < 0 || cell_nl_put_link_get(&b, 0, v->host_if) < 0)
		return cell_fail(err, ENOSPC, "create veth %s", v->host_if);
	memset(ret, 0, sizeof(*ret));
	r = cell_nl_talk(host, &b, link_cb, ret, err);
	if (r < 0)
		return r;
	if (ret->ifindex <= 0)
		return cell_fail(err, ENODEV, "veth %s vanished after its creation", v->host_if);
	return 0;
}

/* The routes of the main table, to compare with the wanted ones. */
#define ROUTES_MAX 256

struct routes {
	unsigned n;
	struct cell_nl_routeinfo rt[ROUTES_MAX];
};

static int routes_cb(const struct cell_nl_routeinfo *rt, void *data)
{
	struct routes *have = data;

	if (rt->table != RT_TABLE_MAIN || rt->type != RTN_UNICAST || have->n >= ROUTES_MAX)
		return 0;
	have->rt[have->n++] = *rt;
	return 0;
}

static const struct cell_nl_routeinfo *route_find(const struct routes *have,
						  const struct cell_cidr *dst)
{
	for (unsigned i = 0; i < have->n; i++)
		if (cell_cidr_equal(&have->rt[i].dst, dst))
			return &have->rt[i];
	return NULL;
}

static int configure(const struct cell_veth *v, struct cell_nl *host, struct cell_nl *peer,
		     const struct cell_nl_linkinfo *h, struct cell_err *err)
{
	struct cell_nl_link l = CELL_NL_LINK_INIT;
	char text[CELL_CIDR_STRLEN], gwtext[CELL_CIDR_STRLEN];
	struct cell_nl_linkinfo p;
	struct cell_nl_batch b;
	bool change = false;
	int r;

	/* The host end: mark, MTU, up, addresses. */
	cell_nl_batch_init(&b, host->seq);
	l.ifindex = h->ifindex;
	if (strcmp(h->alias, v->alias) != 0) {
		l.alias = v->alias;
		change = true;
	}
	if (v->mtu && h->mtu != v->mtu) {
		l.mtu = v->mtu;
		change = true;
	}
	if (!(h->flags & IFF_UP)) {
		l.up = 1;
		change = true;
	}
	if (change && cell_nl_put_link_set(&b, &l) >= 0)
		cell_nl_batch_label(&b, "configure %s", v->host_if);
	for (unsigned i = 0; i < v->n_host_addr; i++) {
		if (cell_nl_put_addr(&b, true, h->ifindex, &v->host_addr[i]) < 0)
			break;
		cell_nl_batch_label(&b, "add address %s to %s",
				    cell_cidr_format(&v->host_addr[i], text, sizeof(text)),
				    v->host_if);
		cell_nl_batch_accept(&b, EEXIST);
	}
	r = cell_nl_talk(host, &b, NULL, NULL, err);
	if (r < 0)
		return r;

	/* The peer: the pair is the pair only if each end names the other. */
	r = cell_nl_link_get(peer, 0, v->peer_if, &p, err);
	if (r < 0)
		return r;
	if (r == 0)
		return cell_fail(err, ENODEV, "%s's peer %s is missing from the namespace",
				 v->host_if, v->peer_if);
	if (strcmp(p.kind, "veth") != 0 || p.link != h->ifindex || h->link != p.ifindex) {
		cell_fail(err, 0, "%s in the namespace is not the peer of %s", v->peer_if,
			  v->host_if);
		return -EEXIST;
	}
	cell_nl_batch_init(&b, peer->seq);
	l = (struct cell_nl_link)CELL_NL_LINK_INIT;
	l.ifindex = p.ifindex;
	change = false;
	if (v->mtu && p.mtu != v->mtu) {
		l.mtu = v->mtu;
		change = true;
	}
	if (!(p.flags & IFF_UP)) {
		l.up = 1;
		change = true;
	}
	if (change && cell_nl_put_link_set(&b, &l) >= 0)
		cell_nl_batch_label(&b, "configure %s", v->peer_if);
	for (unsigned i = 0; i < v->n_peer_addr; i++) {
		if (cell_nl_put_addr(&b, true, p.ifindex, &v->peer_addr[i]) < 0)
			break;
		cell_nl_batch_label(&b, "add address %s to %s",
				    cell_cidr_format(&v->peer_addr[i], text, sizeof(text)),
				    v->peer_if);
		cell_nl_batch_accept(&b, EEXIST);
	}
	if (v->n_route) {
		/* Routes are looked at first: a route to the same place through
		 * another link or gateway would make "add" fail with EEXIST,
		 * which must not pass for success. */
		struct routes have = { .n = 0 };

		r = cell_nl_route_each(peer, AF_UNSPEC, routes_cb, &have, err);
		if (r < 0)
			return r;
		for (unsigned i = 0; i < v->n_route; i++) {
			const struct cell_cidr *gw = gateway_for(v, v->route[i].family);
			struct cell_nl_route rt = { .dst = v->route[i], .has_gateway = true,
						    .oif = p.ifindex };
			const struct cell_nl_routeinfo *old;

			if (!gw) /* cell_veth_check() made sure there is one */
				return cell_fail(err, EINVAL, "route without a gateway");
			memcpy(rt.gateway, gw->addr, sizeof(rt.gateway));
			if (rt.dst.prefixlen)
				cell_cidr_format(&rt.dst, text, sizeof(text));
			else
				snprintf(text, sizeof(text), "default (%s)",
					 rt.dst.family == AF_INET ? "IPv4" : "IPv6");
			old = route_find(&have, &rt.dst);
			if (old && old->has_gateway && old->oif == p.ifindex &&
			    memcmp(old->gateway, gw->addr, cell_cidr_addrlen(gw)) == 0)
				continue; /* there already */
			if (old) {
				cell_fail(err, 0,
					  "the namespace already has a route %s through another "
					  "link or gateway",
					  text);
				return -EEXIST;
			}
			if (cell_nl_put_route(&b, true, &rt) < 0)
				break;
			cell_nl_batch_label(&b, "add route %s via %s", text,
					    cell_cidr_format_addr(gw, gwtext, sizeof(gwtext)));
		}
	}
	return cell_nl_talk(peer, &b, NULL, NULL, err);
}

int cell_veth_ensure(const struct cell_veth *v, struct cell_nl *host, struct cell_nl *peer,
		     int peer_netns_fd, struct cell_err *err)
{
	struct scan s = { .host_if = v->host_if };
	struct cell_nl_linkinfo h, p;
	bool created = false;
	int r, nsid;

	r = cell_veth_check(v, err);
	if (r < 0)
		return r;
	cell_veth_owner_parse(v->alias, &s.me);
	if (s.me.kind == CELL_VETH_OWNER_NONE)
		return cell_fail(err, EINVAL, "veth %s: no cell mark", v->host_if);
	r = cell_nl_link_each(host, scan_cb, &s, err);
	if (r < 0)
		return r;
	if (s.have_named) {
		if (strcmp(s.named.alias, v->alias) != 0) {
			struct cell_veth_owner o;

			cell_veth_owner_parse(s.named.alias, &o);
			if (cell_veth_owner_same(&o, &s.me))
				cell_fail(err, 0,
					  "%s is already there with other settings (unlink it "
					  "first)",
					  v->host_if);
			else
				cell_fail(err, 0, "interface %s already exists", v->host_if);
			return -EEXIST;
		}
		/* Ours; is its peer in this target?  Each namespace has its own
		 * ids for the others, so ask the host side which id it gives the
		 * target, after the dump made sure the peer's has one. */
		r = cell_nl_nsid_get(host, peer_netns_fd, &nsid, err);
		if (r < 0)
			return r;
		if (nsid >= 0 && s.named.link_netnsid == nsid) {
			h = s.named;
		} else {
			/* A leftover leading to a namespace that had this name
			 * before: it is cell's, so replace it. */
			r = delete_link(host, s.named.ifindex, v->host_if, err);
			if (r < 0)
				return r;
			s.have_named = false;
		}
	} else if (s.other[0]) {
		cell_fail(err, 0, "already linked through %s with other settings (unlink it first)",
			  s.other);
		return -EEXIST;
	}
	if (!s.have_named) {
		r = cell_nl_link_get(peer, 0, v->peer_if, &p, err);
		if (r < 0)
			return r;
		if (r > 0) {
			cell_fail(err, 0, "the namespace already has an interface %s", v->peer_if);
			return -EEXIST;
		}
		r = create(v, host, peer_netns_fd, &h, err);
		if (r < 0)
			return r;
		created = true;
	}
	r = configure(v, host, peer, &h, err);
	if (r < 0 && created) {
		struct cell_err ignored = { 0 };

		/* Undo; the error worth reporting is the first one. */
		(void)delete_link(host, h.ifindex, v->host_if, &ignored);
	}
	return r < 0 ? r : created;
}

int cell_veth_up(const struct cell_veth *v, int host_netns_fd, int peer_netns_fd,
		 struct cell_err *err)
{
	struct cell_nl host = CELL_NL_INIT, peer = CELL_NL_INIT;
	int r;

	r = cell_nl_open(&host, host_netns_fd, err);
	if (r >= 0)
		r = cell_nl_open(&peer, peer_netns_fd, err);
	if (r >= 0)
		r = cell_veth_ensure(v, &host, &peer, peer_netns_fd, err);
	cell_nl_close(&host);
	cell_nl_close(&peer);
	return r;
}

int cell_veth_down(const struct cell_veth *v, int host_netns_fd, struct cell_err *err)
{
	struct cell_nl nl = CELL_NL_INIT;
	struct cell_nl_linkinfo h;
	int r;

	r = cell_nl_open(&nl, host_netns_fd, err);
	if (r < 0)
		return r;
	r = cell_nl_link_get(&nl, 0, v->host_if, &h, err);
	if (r > 0) {
		/* Only what still carries our mark: the name may be someone
		 * else's by now. */
		if (strcmp(h.alias, v->alias) == 0) {
			r = delete_link(&nl, h.ifindex, v->host_if, err);
			r = r < 0 ? r : 1;
		} else {
			r = 0;
		}
	}
	cell_nl_close(&nl);
	return r;
}

/* Links found by a walk, to act on after it (no request can go out while
 * a dump is running on the socket). */
#define FOUND_MAX 64

struct found {
	const char *netns;    /* remove_named: the owner to match */
	unsigned n;
	bool more;	      /* more matched than fit */
	struct cell_nl_linkinfo l[FOUND_MAX];
};

static int found_named_cb(const struct cell_nl_linkinfo *l, void *data)
{
	struct found *f = data;
	struct cell_veth_owner o;

	cell_veth_owner_parse(l->alias, &o);
	if (o.kind != CELL_VETH_OWNER_NET || strcmp(o.netns, f->netns) != 0)
		return 0;
	if (f->n == FOUND_MAX) {
		f->more = true;
		return 0;
	}
	f->l[f->n++] = *l;
	return 0;
}

int cell_veth_remove_named(struct cell_nl *nl, const char *netns, struct cell_err *err)
{
	_cleanup_free_ struct found *f = calloc(1, sizeof(*f));
	int removed = 0, r;

	if (!f)
		return cell_fail(err, ENOMEM, "remove links");
	do {
		f->netns = netns;
		f->n = 0;
		f->more = false;
		r = cell_nl_link_each(nl, found_named_cb, f, err);
		if (r < 0)
			return r;
		for (unsigned i = 0; i < f->n; i++) {
			r = delete_link(nl, f->l[i].ifindex, f->l[i].name, err);
			if (r < 0)
				return r;
			removed++;
		}
	} while (f->more);
	return removed;
}

static int found_cell_cb(const struct cell_nl_linkinfo *l, void *data)
{
	struct found *f = data;
	struct cell_veth_owner o;

	cell_veth_owner_parse(l->alias, &o);
	if (o.kind != CELL_VETH_OWNER_NET && o.kind != CELL_VETH_OWNER_RUN)
		return 0;
	if (f->n == FOUND_MAX) {
		f->more = true;
		return 0;
	}
	f->l[f->n++] = *l;
	return 0;
}

/* Why the link's owner is gone, or NULL when it is still there. */
static const char *stale(struct cell_nl *nl, const struct cell_nl_linkinfo *l,
			 struct cell_err *err, int *ret)
{
	struct cell_veth_owner o;
	struct cell_err ignored = { 0 };
	uint64_t start;
	_cleanup_close_ int fd = -1;
	int nsid;

	*ret = 0;
	cell_veth_owner_parse(l->alias, &o);
	if (o.kind == CELL_VETH_OWNER_RUN) {
		if (cell_proc_start_time(o.pid, &start) < 0 || start != o.start)
			return "its sandbox has ended";
		return NULL;
	}
	/* A peer in this same namespace is not a link cell makes: leave it. */
	if (l->link_netnsid < 0)
		return NULL;
	fd = cell_netns_open(o.netns, &ignored);
	if (fd < 0)
		return "its network namespace is gone";
	*ret = cell_nl_nsid_get(nl, fd, &nsid, err);
	if (*ret < 0)
		return NULL;
	if (nsid < 0 || nsid != l->link_netnsid)
		return "its namespace's name now means another namespace";
	return NULL;
}

int cell_veth_gc(struct cell_nl *nl,
		 void (*report)(const char *ifname, const char *alias, const char *why, void *data),
		 void *data, struct cell_err *err)
{
	_cleanup_free_ struct found *f = calloc(1, sizeof(*f));
	int removed = 0, r;

	if (!f)
		return cell_fail(err, ENOMEM, "collect links");
	r = cell_nl_link_each(nl, found_cell_cb, f, err);
	if (r < 0)
		return r;
	/* More than FOUND_MAX links of cell's: this pass does the first ones,
	 * the next `cell net gc` the rest. */
	for (unsigned i = 0; i < f->n; i++) {
		const char *why = stale(nl, &f->l[i], err, &r);

		if (r < 0)
			return r;
		if (!why)
			continue;
		r = delete_link(nl, f->l[i].ifindex, f->l[i].name, err);
		if (r < 0)
			return r;
		if (report)
			report(f->l[i].name, f->l[i].alias, why, data);
		removed++;
	}
	return removed;
}
