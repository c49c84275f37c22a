/* netcmd.c - `cell net`: named network namespaces and veth links.
 *
 * Man pages: ip-netns(8), veth(4), rtnetlink(7), netlink(7).
 *
 * Parses argv, checks everything that can be checked without the kernel
 * (names, addresses, MTU) before anything else, so bad input fails the same
 * way for every user; then refuses callers who are not root, since named
 * namespaces and host-side links belong to the whole system; then calls
 * the engine (lib/netns.c, lib/veth.c) and prints.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <linux/if.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../lib/cleanup.h"
#include "../lib/netlink.h"
#include "../lib/netns.h"
#include "../lib/netrun.h"
#include "../lib/util.h"
#include "../lib/veth.h"
#include "commands.h"

const char cell_cmd_net_help[] =
	"Usage: cell net COMMAND [ARG...]\n"
	"\n"
	"Named network namespaces, and veth links that join them to the host or to\n"
	"each other.  Namespaces live where ip-netns(8) keeps them (/run/netns/NAME),\n"
	"so `ip netns` sees cell's and cell sees those of `ip netns add`.\n"
	"\n"
	"Commands:\n"
	"  add NAME                  create network namespace NAME, loopback up\n"
	"  del NAME                  delete it, with cell's links to it\n"
	"  ls [--json]               list named namespaces, their links and addresses\n"
	"  exec NAME [--] CMD [ARG...]\n"
	"                            run CMD inside NAME (like `ip netns exec`)\n"
	"  link NAME --addr CIDR --peer-addr CIDR [OPTION...]\n"
	"                            join NAME to the host with a veth pair\n"
	"  unlink NAME [--to OTHER]  remove that link\n"
	"  gc                        remove cell's links whose namespace is gone\n"
	"\n"
	"All but ls need root: named namespaces and host-side links belong to the\n"
	"whole system.  (cell run needs none of this: each sandbox has a network\n"
	"namespace of its own.)\n"
	"\n"
	"Exit status: 0, or 125 when cell fails (one line on stderr says why).\n"
	"See cell net COMMAND --help.\n";

static const char add_help[] =
	"Usage: cell net add NAME\n"
	"\n"
	"Create the network namespace NAME and bring its loopback device up.  It\n"
	"is kept as /run/netns/NAME, a bind mount of the namespace, so it lives on\n"
	"with no process inside, and ip-netns(8) sees it.  NAME: 1 to 255 bytes, no\n"
	"'/', not '.' or '..'.  Fails if NAME exists.  Needs root.\n";

static const char del_help[] =
	"Usage: cell net del NAME\n"
	"\n"
	"Remove cell's veth links to NAME, then unmount and remove /run/netns/NAME\n"
	"(also one made by `ip netns add`).  The namespace itself ends when no\n"
	"process uses it any more.  Needs root.\n";

static const char ls_help[] =
	"Usage: cell net ls [--json]\n"
	"\n"
	"List the named network namespaces in /run/netns with, for root, each\n"
	"one's links: name, state, MTU and addresses (link-local ones left out).\n"
	"\n"
	"  --json      [{\"name\": \"a\", \"links\": [{\"name\": \"eth0\", \"up\": true,\n"
	"              \"mtu\": 1500, \"kind\": \"veth\", \"addresses\": [\"10.1.1.2/24\"]}]}]\n"
	"              (\"links\": null when they cannot be read)\n"
	"  -h, --help  this text\n";

static const char exec_help[] =
	"Usage: cell net exec NAME [--] COMMAND [ARG...]\n"
	"\n"
	"Run COMMAND inside network namespace NAME, as `ip netns exec` does: in a\n"
	"private mount namespace with a fresh /sys that shows NAME's devices, and\n"
	"with each file of /etc/netns/NAME bound over the one of the same name in\n"
	"/etc.  Nothing else is isolated.  Needs root.\n"
	"\n"
	"Exit status: COMMAND's; 125 when cell fails, 126 when COMMAND cannot be\n"
	"executed, 127 when it is not found.\n";

static const char link_help[] =
	"Usage: cell net link NAME --addr CIDR --peer-addr CIDR [OPTION...]\n"
	"\n"
	"Join network namespace NAME to the host with a veth pair: create the pair\n"
	"with one end directly inside NAME, give both ends their addresses, bring\n"
	"them up and add the routes inside NAME.  Running it again with the same\n"
	"options changes nothing; `cell net unlink NAME` undoes it.  If a step\n"
	"fails, the pair is removed again.  Needs root.\n"
	"\n"
	"  --addr CIDR       address of the host end, e.g. 10.1.1.1/24 or\n"
	"                    fd42::1/64 (repeat for more, one per family is usual)\n"
	"  --peer-addr CIDR  address of the end inside NAME, in the same subnet\n"
	"  --route DEST      route inside NAME through the host end's address:\n"
	"                    'default' (for each family with addresses) or a CIDR\n"
	"                    such as 10.2.0.0/16; repeatable\n"
	"  --mtu N           MTU of both ends, 68..65535 (1280 or more with IPv6)\n"
	"  --host-if IFNAME  name of the host end (default vn-NAME, or vn- and a\n"
	"                    hash when NAME does not fit in 15 bytes)\n"
	"  --peer-if IFNAME  name of the end inside NAME (default eth0, or\n"
	"                    vn-OTHER with --to)\n"
	"  --to OTHER        put the \"host\" end into namespace OTHER instead, to\n"
	"                    join two named namespaces\n"
	"  -h, --help        this text\n"
	"\n"
	"cell marks the host end with the alias cell:net:HASH:NAME (see\n"
	"`ip -d link`), so that unlink, del and gc touch only cell's own links.\n"
	"\n"
	"Example, the five commands of the ip-netns(8) recipe as one:\n"
	"  cell net add box\n"
	"  cell net link box --addr 10.1.1.1/24 --peer-addr 10.1.1.2/24 --route default\n"
	"  cell net exec box ping -c1 10.1.1.1\n";

static const char unlink_help[] =
	"Usage: cell net unlink NAME [--to OTHER]\n"
	"\n"
	"Remove the veth links that `cell net link NAME` made on the host (or, with\n"
	"--to, in namespace OTHER); both ends go, with their addresses and routes.\n"
	"NAME itself stays.  Fails when there is no such link.  Needs root.\n";

static const char gc_help[] =
	"Usage: cell net gc\n"
	"\n"
	"Remove the veth links cell made whose owner is gone: links to a named\n"
	"namespace that was deleted (or whose name now means another namespace)\n"
	"while something still held it, and links of sandboxes whose cell process\n"
	"was killed.  Looks on the host and in every named namespace, prints one\n"
	"line per link removed, and never touches a link cell did not make.  Also\n"
	"removes the nftables tables (cell_run_PID_START) and the state of\n"
	"/run/cell/run that such sandboxes left.  Needs root.\n";

static int fail_root(const char *verb, struct cell_err *err)
{
	if (geteuid() == 0)
		return 0;
	return cell_fail(err, 0,
			 "net %s needs root: named network namespaces and host-side links belong "
			 "to the whole system",
			 verb);
}

/* getopt_long with a leading ':' in shorts, so that a missing value
 * comes back as ':' and an unknown option as '?'. */
#define NEXT_OPT(argc, argv, shorts, opts) getopt_long(argc, argv, shorts, opts, NULL)

static int bad_option(const char *verb, int opt, int argc, char **argv, struct cell_err *err)
{
	const char *arg = optind - 1 < argc ? argv[optind - 1] : "?";

	if (opt == ':')
		return cell_fail(err, 0, "net %s: %s needs a value", verb, arg);
	return cell_fail(err, 0, "net %s: unknown option %s (see cell net %s --help)", verb, arg,
			 verb);
}

/* Verbs that take exactly one NAME and -h. */
static int one_name(const char *verb, const char *help, int argc, char **argv, const char **ret,
		    struct cell_err *err)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	optind = 0;
	opterr = 0;
	while ((opt = NEXT_OPT(argc, argv, "+:h", opts)) != -1) {
		if (opt == 'h') {
			fputs(help, stdout);
			return 1;
		}
		return bad_option(verb, opt, argc, argv, err);
	}
	if (optind >= argc)
		return cell_fail(err, 0, "net %s: no namespace name given", verb);
	if (argc - optind > 1)
		return cell_fail(err, 0, "net %s: one name only ('%s' is extra)", verb,
				 argv[optind + 1]);
	*ret = argv[optind];
	return 0;
}

static int name_check(const char *verb, const char *name, struct cell_err *err)
{
	int r = cell_netns_name_check(name);

	if (r == -ENAMETOOLONG)
		return cell_fail(err, 0, "net %s: namespace name too long (%zu bytes, at most 255)",
				 verb, strlen(name));
	if (r < 0)
		return cell_fail(err, 0,
				 "net %s: '%s' is not a namespace name (no '/', not '.' or '..')",
				 verb, name);
	return 0;
}

static int cmd_add(int argc, char **argv, struct cell_err *err)
{
	const char *name = NULL;
	int r = one_name("add", add_help, argc, argv, &name, err);

	if (r != 0)
		return r;
	r = name_check("add", name, err);
	if (r < 0)
		return r;
	r = fail_root("add", err);
	if (r < 0)
		return r;
	r = cell_netns_add(name, err);
	if (r < 0)
		return cell_err_prefix(err, "net add %s", name);
	return 0;
}

/* Remove cell's links to name in the namespace netns_fd (-1: the host's). */
static int remove_links_in(int netns_fd, const char *name, struct cell_err *err)
{
	struct cell_nl nl = CELL_NL_INIT;
	int r;

	r = cell_nl_open(&nl, netns_fd, err);
	if (r >= 0)
		r = cell_veth_remove_named(&nl, name, err);
	cell_nl_close(&nl);
	return r;
}

static int cmd_del(int argc, char **argv, struct cell_err *err)
{
	const char *name = NULL;
	char **names = NULL;
	size_t n = 0;
	int r = one_name("del", del_help, argc, argv, &name, err);

	if (r != 0)
		return r;
	r = name_check("del", name, err);
	if (r < 0)
		return r;
	r = fail_root("del", err);
	if (r < 0)
		return r;
	r = cell_netns_open(name, err);
	if (r == -ENOENT)
		return cell_err_prefix(err, "net del");
	if (r >= 0) {
		close(r);
		/* Links first: with the name gone, only gc could find them. */
		r = remove_links_in(-1, name, err);
		if (r < 0)
			return cell_err_prefix(err, "net del %s", name);
		r = cell_netns_list(&names, &n, err);
		if (r < 0)
			return cell_err_prefix(err, "net del %s", name);
		for (size_t i = 0; i < n; i++) {
			struct cell_err ignored = { 0 };
			int fd;

			if (strcmp(names[i], name) == 0)
				continue;
			/* Best effort: a broken entry elsewhere must not stop
			 * this delete. */
			fd = cell_netns_open(names[i], &ignored);
			if (fd < 0)
				continue;
			(void)remove_links_in(fd, name, &ignored);
			close(fd);
		}
		cell_netns_list_free(names, n);
	}
	r = cell_netns_del(name, err);
	if (r < 0)
		return cell_err_prefix(err, "net del");
	return 0;
}

/* ---- ls --------------------------------------------------------------------- */

#define LS_LINKS_MAX 64
#define LS_ADDRS_MAX 256

struct ls_ns {
	unsigned n_links, n_addrs;
	struct cell_nl_linkinfo links[LS_LINKS_MAX];
	struct cell_nl_addrinfo addrs[LS_ADDRS_MAX];
};

static int ls_link_cb(const struct cell_nl_linkinfo *l, void *data)
{
	struct ls_ns *s = data;

	if (s->n_links < LS_LINKS_MAX)
		s->links[s->n_links++] = *l;
	return 0;
}

static int ls_addr_cb(const struct cell_nl_addrinfo *a, void *data)
{
	struct ls_ns *s = data;

	/* Link-local addresses are on every IPv6 link and say nothing. */
	if (a->scope == RT_SCOPE_LINK)
		return 0;
	if (s->n_addrs < LS_ADDRS_MAX)
		s->addrs[s->n_addrs++] = *a;
	return 0;
}

/* Read a namespace's links and addresses; false when they cannot be read
 * (not root, or not a namespace). */
static bool ls_read(const char *name, struct ls_ns *s)
{
	struct cell_err ignored = { 0 };
	struct cell_nl nl = CELL_NL_INIT;
	int fd, r;

	s->n_links = s->n_addrs = 0;
	if (geteuid() != 0)
		return false;
	fd = cell_netns_open(name, &ignored);
	if (fd < 0)
		return false;
	r = cell_nl_open(&nl, fd, &ignored);
	close(fd);
	if (r >= 0)
		r = cell_nl_link_each(&nl, ls_link_cb, s, &ignored);
	if (r >= 0)
		r = cell_nl_addr_each(&nl, AF_UNSPEC, ls_addr_cb, s, &ignored);
	cell_nl_close(&nl);
	return r >= 0;
}

static int cmd_ls(int argc, char **argv, struct cell_err *err)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_free_ struct ls_ns *s = NULL;
	json_t *arr = NULL;
	char **names = NULL;
	bool json = false;
	size_t n = 0;
	int opt, r;

	optind = 0;
	opterr = 0;
	while ((opt = NEXT_OPT(argc, argv, "+:h", opts)) != -1) {
		switch (opt) {
		case 'j':
			json = true;
			break;
		case 'h':
			fputs(ls_help, stdout);
			return 1;
		default:
			return bad_option("ls", opt, argc, argv, err);
		}
	}
	if (optind < argc)
		return cell_fail(err, 0, "net ls: takes no names ('%s')", argv[optind]);
	s = malloc(sizeof(*s));
	if (!s)
		return cell_fail(err, ENOMEM, "net ls");
	r = cell_netns_list(&names, &n, err);
	if (r < 0)
		return cell_err_prefix(err, "net ls");
	if (json)
		arr = json_array();
	else if (n)
		printf("%-16s %-16s %-5s %-6s %s\n", "NAMESPACE", "LINK", "STATE", "MTU",
		       "ADDRESSES");
	for (size_t i = 0; i < n; i++) {
		bool ok = ls_read(names[i], s);
		json_t *o = NULL, *links = NULL;

		if (json) {
			o = json_object();
			json_object_set_new(o, "name", json_string(names[i]));
			links = ok ? json_array() : json_null();
			json_object_set_new(o, "links", links);
			json_array_append_new(arr, o);
		} else if (!ok) {
			printf("%-16s %s\n", names[i],
			       geteuid() ? "-" : "(cannot read: not a namespace?)");
		}
		for (unsigned j = 0; ok && j < s->n_links; j++) {
			const struct cell_nl_linkinfo *l = &s->links[j];
			json_t *addrs = json ? json_array() : NULL;
			bool up = l->flags & IFF_UP;
			char text[CELL_CIDR_STRLEN];

			if (!json)
				printf("%-16s %-16s %-5s %-6u", j == 0 ? names[i] : "", l->name,
				       up ? "up" : "down", l->mtu);
			for (unsigned k = 0; k < s->n_addrs; k++) {
				if (s->addrs[k].ifindex != l->ifindex)
					continue;
				cell_cidr_format(&s->addrs[k].cidr, text, sizeof(text));
				if (json)
					json_array_append_new(addrs, json_string(text));
				else
					printf(" %s", text);
			}
			if (!json) {
				putchar('\n');
				continue;
			}
			o = json_object();
			json_object_set_new(o, "name", json_string(l->name));
			json_object_set_new(o, "up", json_boolean(up));
			json_object_set_new(o, "mtu", json_integer(l->mtu));
			json_object_set_new(o, "kind", json_string(l->kind));
			json_object_set_new(o, "addresses", addrs);
			json_array_append_new(links, o);
		}
	}
	if (json) {
		json_dumpf(arr, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
		json_decref(arr);
	}
	cell_netns_list_free(names, n);
	return 0;
}

/* ---- exec ------------------------------------------------------------------- */

static int cmd_exec(int argc, char **argv, struct cell_err *err)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *name;
	int opt, r;

	optind = 0;
	opterr = 0;
	while ((opt = NEXT_OPT(argc, argv, "+:h", opts)) != -1) {
		if (opt == 'h') {
			fputs(exec_help, stdout);
			return 1;
		}
		return bad_option("exec", opt, argc, argv, err);
	}
	if (optind >= argc)
		return cell_fail(err, 0, "net exec: no namespace name given");
	name = argv[optind++];
	if (optind < argc && strcmp(argv[optind], "--") == 0)
		optind++;
	if (optind >= argc)
		return cell_fail(err, 0, "net exec %s: no command given", name);
	r = name_check("exec", name, err);
	if (r < 0)
		return r;
	r = fail_root("exec", err);
	if (r < 0)
		return r;
	r = cell_netns_enter(name, err);
	if (r < 0)
		return cell_err_prefix(err, "net exec");
	fflush(NULL);
	execvp(argv[optind], argv + optind);
	r = cell_fail(err, errno, "net exec %s: %s", name, argv[optind]);
	err->status = errno == ENOENT ? CELL_EXIT_NOT_FOUND : CELL_EXIT_CANNOT_EXEC;
	return r;
}

/* ---- link / unlink ---------------------------------------------------------- */

static int add_cidr(struct cell_cidr *list, unsigned *n, unsigned max, const char *opt,
		    const char *arg, struct cell_err *err)
{
	if (*n >= max)
		return cell_fail(err, 0, "net link: at most %u %s", max, opt);
	if (cell_cidr_parse(arg, &list[*n]) < 0)
		return cell_fail(err, 0,
				 "net link: %s '%s' is not ADDRESS/PREFIX (like 10.1.1.1/24 or "
				 "fd42::1/64)",
				 opt, arg);
	(*n)++;
	return 0;
}

static int bad_mtu(const char *arg, struct cell_err *err)
{
	return cell_fail(err, 0, "net link: --mtu '%s' out of range (%d..%d)", arg,
			 CELL_VETH_MTU_MIN, CELL_VETH_MTU_MAX);
}

static bool has_family(const struct cell_cidr *list, unsigned n, int family)
{
	for (unsigned i = 0; i < n; i++)
		if (list[i].family == family)
			return true;
	return false;
}

static int cmd_link(int argc, char **argv, struct cell_err *err)
{
	static const struct option opts[] = {
		{ "addr", required_argument, NULL, 'a' },
		{ "peer-addr", required_argument, NULL, 'p' },
		{ "route", required_argument, NULL, 'r' },
		{ "mtu", required_argument, NULL, 'm' },
		{ "host-if", required_argument, NULL, 'H' },
		{ "peer-if", required_argument, NULL, 'P' },
		{ "to", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cell_veth v;
	const char *name = NULL, *to = NULL, *host_if = NULL, *peer_if = NULL;
	const char *routes[CELL_VETH_ROUTE_MAX];
	_cleanup_close_ int peer_fd = -1, host_fd = -1;
	unsigned n_routes = 0;
	int opt, r, mtu;

	memset(&v, 0, sizeof(v));
	optind = 0;
	opterr = 0;
	while ((opt = NEXT_OPT(argc, argv, ":h", opts)) != -1) {
		switch (opt) {
		case 'a':
			r = add_cidr(v.host_addr, &v.n_host_addr, CELL_VETH_ADDR_MAX, "--addr",
				     optarg, err);
			if (r < 0)
				return r;
			break;
		case 'p':
			r = add_cidr(v.peer_addr, &v.n_peer_addr, CELL_VETH_ADDR_MAX, "--peer-addr",
				     optarg, err);
			if (r < 0)
				return r;
			break;
		case 'r':
			if (n_routes >= CELL_VETH_ROUTE_MAX)
				return cell_fail(err, 0, "net link: at most %d --route",
						 CELL_VETH_ROUTE_MAX);
			routes[n_routes++] = optarg;
			break;
		case 'm':
			if (cell_parse_int(optarg, &mtu) < 0 || mtu < CELL_VETH_MTU_MIN ||
			    mtu > CELL_VETH_MTU_MAX)
				return bad_mtu(optarg, err);
			v.mtu = (unsigned)mtu;
			break;
		case 'H':
			host_if = optarg;
			break;
		case 'P':
			peer_if = optarg;
			break;
		case 't':
			to = optarg;
			break;
		case 'h':
			fputs(link_help, stdout);
			return 1;
		default:
			return bad_option("link", opt, argc, argv, err);
		}
	}
	if (optind >= argc)
		return cell_fail(err, 0, "net link: no namespace name given");
	if (argc - optind > 1)
		return cell_fail(err, 0, "net link: one name only ('%s' is extra)",
				 argv[optind + 1]);
	name = argv[optind];
	r = name_check("link", name, err);
	if (r < 0)
		return r;
	if (to) {
		r = name_check("link --to", to, err);
		if (r < 0)
			return r;
		if (strcmp(to, name) == 0)
			return cell_fail(err, 0, "net link %s: --to must name another namespace",
					 name);
	}
	if (!v.n_host_addr && !v.n_peer_addr && n_routes)
		return cell_fail(err, 0, "net link %s: --route needs --addr and --peer-addr", name);
	/* Routes: "default" means one per family that has addresses. */
	for (unsigned i = 0; i < n_routes; i++) {
		if (strcmp(routes[i], "default") == 0) {
			static const int families[] = { AF_INET, AF_INET6 };
			bool any = false;

			for (unsigned f = 0; f < ELEMENTSOF(families); f++) {
				if (!has_family(v.host_addr, v.n_host_addr, families[f]) ||
				    !has_family(v.peer_addr, v.n_peer_addr, families[f]))
					continue;
				if (v.n_route >= CELL_VETH_ROUTE_MAX)
					return cell_fail(err, 0, "net link: too many routes");
				v.route[v.n_route++] = (struct cell_cidr){ .family = families[f] };
				any = true;
			}
			if (!any)
				return cell_fail(err, 0,
						 "net link %s: --route default needs --addr and "
						 "--peer-addr of one family",
						 name);
			continue;
		}
		if (cell_cidr_parse(routes[i], &v.route[v.n_route]) < 0)
			return cell_fail(err, 0,
					 "net link: --route '%s' is neither 'default' nor "
					 "ADDRESS/PREFIX",
					 routes[i]);
		v.n_route++;
	}
	if (host_if) {
		if (strlen(host_if) >= sizeof(v.host_if))
			return cell_fail(err, 0,
					 "net link: --host-if '%s' is too long (at most %d bytes)",
					 host_if, IFNAMSIZ - 1);
		strcpy(v.host_if, host_if);
	} else {
		cell_veth_default_name(name, v.host_if);
	}
	if (peer_if) {
		if (strlen(peer_if) >= sizeof(v.peer_if))
			return cell_fail(err, 0,
					 "net link: --peer-if '%s' is too long (at most %d bytes)",
					 peer_if, IFNAMSIZ - 1);
		strcpy(v.peer_if, peer_if);
	} else if (to) {
		cell_veth_default_name(to, v.peer_if);
	} else {
		strcpy(v.peer_if, "eth0");
	}
	r = cell_veth_check(&v, err);
	if (r < 0)
		return cell_err_prefix(err, "net link %s", name);
	r = cell_veth_mark_named(&v, name, err);
	if (r < 0)
		return cell_err_prefix(err, "net link %s", name);
	r = fail_root("link", err);
	if (r < 0)
		return r;

	peer_fd = cell_netns_open(name, err);
	if (peer_fd < 0)
		return cell_err_prefix(err, "net link");
	if (to) {
		host_fd = cell_netns_open(to, err);
		if (host_fd < 0)
			return cell_err_prefix(err, "net link %s --to", name);
	}
	r = cell_veth_up(&v, host_fd, peer_fd, err);
	if (r < 0)
		return cell_err_prefix(err, "net link %s", name);
	return 0;
}

static int cmd_unlink(int argc, char **argv, struct cell_err *err)
{
	static const struct option opts[] = {
		{ "to", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_close_ int host_fd = -1;
	const char *name, *to = NULL;
	int opt, r;

	optind = 0;
	opterr = 0;
	while ((opt = NEXT_OPT(argc, argv, ":h", opts)) != -1) {
		switch (opt) {
		case 't':
			to = optarg;
			break;
		case 'h':
			fputs(unlink_help, stdout);
			return 1;
		default:
			return bad_option("unlink", opt, argc, argv, err);
		}
	}
	if (optind >= argc)
		return cell_fail(err, 0, "net unlink: no namespace name given");
	if (argc - optind > 1)
		return cell_fail(err, 0, "net unlink: one name only ('%s' is extra)",
				 argv[optind + 1]);
	name = argv[optind];
	r = name_check("unlink", name, err);
	if (r < 0)
		return r;
	if (to) {
		r = name_check("unlink --to", to, err);
		if (r < 0)
			return r;
	}
	r = fail_root("unlink", err);
	if (r < 0)
		return r;
	if (to) {
		host_fd = cell_netns_open(to, err);
		if (host_fd < 0)
			return cell_err_prefix(err, "net unlink %s --to", name);
	}
	r = remove_links_in(host_fd, name, err);
	if (r < 0)
		return cell_err_prefix(err, "net unlink %s", name);
	if (r == 0)
		return cell_fail(err, 0, "net unlink %s: no link to it made by cell %s%s", name,
				 to ? "in " : "on the host", to ? to : "");
	return 0;
}

/* ---- gc --------------------------------------------------------------------- */

static void gc_report(const char *ifname, const char *alias, const char *why, void *data)
{
	const char *where = data;

	printf("removed %s%s%s (%s): %s\n", ifname, where ? " in " : "", where ? where : "", alias,
	       why);
}

static void gc_report_run(const char *what, const char *why, void *data)
{
	printf("removed %s: %s\n", what, why);
}

static int gc_in(int netns_fd, const char *where, struct cell_err *err)
{
	struct cell_nl nl = CELL_NL_INIT;
	int r;

	r = cell_nl_open(&nl, netns_fd, err);
	if (r >= 0)
		r = cell_veth_gc(&nl, gc_report, (void *)where, err);
	cell_nl_close(&nl);
	return r;
}

static int cmd_gc(int argc, char **argv, struct cell_err *err)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char **names = NULL;
	size_t n = 0;
	int opt, r;

	optind = 0;
	opterr = 0;
	while ((opt = NEXT_OPT(argc, argv, "+:h", opts)) != -1) {
		if (opt == 'h') {
			fputs(gc_help, stdout);
			return 1;
		}
		return bad_option("gc", opt, argc, argv, err);
	}
	if (optind < argc)
		return cell_fail(err, 0, "net gc: takes no arguments ('%s')", argv[optind]);
	r = fail_root("gc", err);
	if (r < 0)
		return r;
	/* sandboxes' state directories and nftables tables, then links */
	r = cell_netrun_gc(gc_report_run, NULL, err);
	if (r < 0)
		return cell_err_prefix(err, "net gc");
	r = gc_in(-1, NULL, err);
	if (r < 0)
		return cell_err_prefix(err, "net gc");
	r = cell_netns_list(&names, &n, err);
	if (r < 0)
		return cell_err_prefix(err, "net gc");
	for (size_t i = 0; i < n && r >= 0; i++) {
		struct cell_err ignored = { 0 };
		int fd = cell_netns_open(names[i], &ignored);

		if (fd < 0)
			continue; /* not a namespace: nothing of cell's can be in it */
		r = gc_in(fd, names[i], err);
		close(fd);
		if (r < 0)
			cell_err_prefix(err, "net gc: in %s", names[i]);
	}
	cell_netns_list_free(names, n);
	return r < 0 ? r : 0;
}

/* ---- dispatch --------------------------------------------------------------- */

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv, struct cell_err *err);
} verbs[] = {
	{ "add", cmd_add },   { "del", cmd_del },	    { "ls", cmd_ls },
	{ "exec", cmd_exec }, { "link", cmd_link }, { "unlink", cmd_unlink },
	{ "gc", cmd_gc },
};

int cell_cmd_net(int argc, char **argv)
{
	char buf[CELL_ERR_MSG_MAX + 128];
	struct cell_err err = { 0 };
	int r = -EINVAL;
	bool found = false;

	if (argc < 2) {
		fputs(cell_cmd_net_help, stderr);
		return CELL_EXIT_SETUP;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		fputs(cell_cmd_net_help, stdout);
		return 0;
	}
	for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
		if (strcmp(argv[1], verbs[i].name) == 0) {
			r = verbs[i].fn(argc - 1, argv + 1, &err);
			found = true;
			break;
		}
	if (!found)
		cell_fail(&err, 0, "net: unknown command '%s' (see cell net --help)", argv[1]);
	else if (r >= 0)
		return 0; /* 1: help was printed */
	fprintf(stderr, "cell: %s\n", cell_err_format(&err, buf, sizeof(buf)));
	return err.status ? err.status : CELL_EXIT_SETUP;
}
