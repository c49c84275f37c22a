/* cli.c - `cell run` options into a struct cell_spec.
 *
 * Front ends only parse and validate their own syntax; cell_spec_validate()
 * and the planners judge the combination.  Every error names the option and
 * the value that was wrong.
 */
#define _GNU_SOURCE
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/caps.h"
#include "../lib/exec.h"
#include "../lib/cleanup.h"
#include "../lib/landlock.h"
#include "../lib/state.h"
#include "../lib/util.h"
#include "profile.h"

const char cell_cli_run_help[] =
	"Usage: cell run [OPTION...] [--] [COMMAND [ARG...]]\n"
	"\n"
	"Run COMMAND (default: the root's /bin/sh) in a new sandbox.  By default:\n"
	"new user, mount, pid, net, ipc,\n"
	"uts and cgroup namespaces; your own uid and gid inside, no capabilities,\n"
	"no_new_privs; a fresh read-only tmpfs root with read-only /usr, /bin, /sbin,\n"
	"/lib*, /etc (no /etc/shadow), fresh /tmp, /proc (with the OCI masked and\n"
	"read-only paths) and a minimal /dev; lo up and nothing else; host name\n"
	"'cell'; a pseudo-terminal when stdin is a terminal.\n"
	"\n"
	"Namespaces:\n"
	"  --ns LIST            create exactly these namespaces (comma list of\n"
	"                       user,mnt,pid,net,ipc,uts,cgroup,time), like unshare(1)\n"
	"  --share LIST         keep these host namespaces, create the rest\n"
	"\n"
	"Identity:\n"
	"  --map-root           be root inside, mapped to you (like unshare -r)\n"
	"  --map-auto           also map your subordinate ids (/etc/subuid, newuidmap)\n"
	"  --map-host-root      (root only) map host root into the sandbox; by default\n"
	"                       root's sandboxes use root's /etc/subuid range or host\n"
	"                       ids 2130706432-2130771967\n"
	"  --uid N, --gid N     the ids the command runs as inside\n"
	"\n"
	"File system:\n"
	"  --root DIR           pivot_root into DIR (read-only) with /proc, /dev, /sys\n"
	"                       (read-only) and a tmpfs /tmp\n"
	"  --rw-root            with --root: keep DIR writable\n"
	"  --chroot DIR         only chroot(2) into DIR: no /proc, /dev or other mounts;\n"
	"                       the soft end of isolation, as in the article\n"
	"  --bind SRC[:DST]     bind SRC read-write at DST (default: the same path)\n"
	"  --ro-bind SRC[:DST]  bind SRC read-only at DST\n"
	"  --tmpfs DST[:size=N] a fresh tmpfs at DST (N in bytes, or with k/M/G)\n"
	"  --workdir DIR        start in DIR (default: your directory if the sandbox\n"
	"                       has it, else /)\n"
	"\n"
	"Overlays and desktops:\n"
	"  --overlay            the root (default or --root) is the lower layer of an\n"
	"                       overlay: write anywhere, all gone on exit\n"
	"  --persist DIR        like --overlay, with the changes kept in DIR/upper (see\n"
	"                       cell root diff DIR)\n"
	"  --x11                give the sandbox the X display of DISPLAY: its socket\n"
	"                       only, and only that display's cookie\n"
	"  --wayland            give the sandbox the Wayland socket of WAYLAND_DISPLAY\n"
	"\n"
	"Network:\n"
	"  --net none           lo only (default); no nameserver in /etc/resolv.conf\n"
	"  --net host           the host's network and resolv.conf\n"
	"  --net NAME           (root) join /run/netns/NAME (cell net add, ip netns)\n"
	"  --net veth[:A/P]     (root) a veth link to the host, removed at the end;\n"
	"                       A/P inside (default: a free /30 of 10.199.0.0/16),\n"
	"                       the host end is the subnet's first address and the\n"
	"                       default route\n"
	"  --nat                (root, veth) outbound access through the host\n"
	"                       (masquerading; turns on net.ipv4.ip_forward)\n"
	"  --net user           outbound access without root, through pasta (passt)\n"
	"  --publish H:P[/udp]  forward host port H to port P inside (veth: on the\n"
	"                       host's addresses but loopback; user: also 127.0.0.1)\n"
	"  --allow CIDR[:PORT]  with veth or user: only these destinations (and the\n"
	"                       nameservers on port 53); the rest is refused\n"
	"  --allow-host NAME[:PORT]  the same for NAME's addresses, resolved at start\n"
	"\n"
	"Host identity:\n"
	"  --hostname NAME      host name inside (default: cell)\n"
	"  --domainname NAME    NIS domain name inside\n"
	"\n"
	"Hardening (what the command may do):\n"
	"  --seccomp FILE       system call filter from a policy file (seccomp(2);\n"
	"                       'include default' builds on the built-in policy);\n"
	"                       default: the built-in policy, which refuses kernel\n"
	"                       modules, kexec, reboot, swap, new mounts, keyctl, bpf,\n"
	"                       perf, userfaultfd, ptrace, io_uring, TIOCSTI, new user\n"
	"                       namespaces, AF_VSOCK sockets and foreign ABIs\n"
	"  --seccomp none       no filter\n"
	"  --seccomp-log        log (audit) what the filter would refuse, refuse nothing\n"
	"  --cap-add CAP        keep capability CAP (NET_BIND_SERVICE or\n"
	"                       CAP_NET_BIND_SERVICE, or all) in the sandbox's user\n"
	"                       namespace, also for a non-root command (ambient)\n"
	"  --cap-drop CAP       drop it again (all: none kept, the default)\n"
	"  --allow-userns       let the command make user namespaces (the default\n"
	"                       seccomp policy refuses them)\n"
	"  --allow-io-uring     let the command use io_uring (refused by default: its\n"
	"                       operations bypass seccomp)\n"
	"  --landlock-port [bind:|connect:]PORT  with Landlock ABI 4 or later, TCP\n"
	"                       bind/connect only to these ports (repeatable; implies\n"
	"                       --landlock, which without it leaves TCP alone)\n"
	"  --landlock           Landlock: file access only beneath the sandbox's mounts,\n"
	"                       with the rights they imply (read-only binds: read and\n"
	"                       execute); also shuts out fds from outside the root;\n"
	"                       refused where the kernel lacks Landlock (see\n"
	"                       --best-effort)\n"
	"  --rlimit NAME=SOFT[:HARD]  a resource limit of the command (nofile, nproc,\n"
	"                       as, core, cpu, ...; values as prlimit(1); repeatable)\n"
	"\n"
	"Limits (what the command may use; a cgroup of its own, made before it\n"
	"starts and removed after; cgroup v2, or v1 controllers where mounted):\n"
	"  --memory SIZE        memory of the whole sandbox (64M, 2G); the OOM killer\n"
	"                       ends it beyond\n"
	"  --memory-swap SIZE   memory plus swap (at least --memory)\n"
	"  --pids N             at most N processes and threads\n"
	"  --cpus FRACTION      CPU time per wall time (0.5: half a CPU)\n"
	"  --cpuset LIST        only these CPUs (0-3,6)\n"
	"  --io-weight N        block I/O weight, 1 to 10000\n"
	"  --time-limit S       CPU seconds (RLIMIT_CPU of the command, and the whole\n"
	"                       cgroup's CPU time where it has one), then killed\n"
	"  --wall-limit S       wall-clock seconds, then the whole sandbox is killed\n"
	"  --best-effort        a limit or protection this host cannot enforce is\n"
	"                       dropped (named on stderr and in the report) instead\n"
	"                       of refusing to start\n"
	"  --report FILE|-      after the run, write JSON to FILE (- for stderr): exit\n"
	"                       code or signal, wall and CPU time, peak memory, the\n"
	"                       limit that killed it, the cgroup's counts\n"
	"\n"
	"Profiles:\n"
	"  --profile NAME|FILE  options from a profile (one per line, '#' comments,\n"
	"                       include NAME); the command line overrides it.\n"
	"                       Shipped, soft to hard: chroot, namespaces, default,\n"
	"                       strict; for tasks: judge, build, gui, gui-wayland.\n"
	"                       See cell profile show NAME\n"
	"\n"
	"Process:\n"
	"  --env K=V            set K in the command's environment\n"
	"  --keep-env K         pass your K through\n"
	"  --clearenv           start from an empty environment (default: PATH, HOME,\n"
	"                       TERM, LANG only)\n"
	"  --keep-fd N          pass file descriptor N (besides 0, 1, 2)\n"
	"  --pty, --no-pty      force or refuse a pseudo-terminal for the command\n"
	"  --no-init            the command is PID 1 itself (no reaping init)\n"
	"  --print-spec         print the resolved sandbox and run nothing\n"
	"  -h, --help           this text\n"
	"\n"
	"Named sandboxes (cell ls, enter, ps, stop, rm, logs):\n"
	"  --name NAME          record the sandbox as NAME (A-Z a-z 0-9 _ . -, at most\n"
	"                       64 bytes); a second sandbox of that name is refused\n"
	"  -d, --detach         with --name: print NAME once it runs and return; its\n"
	"                       output goes to cell logs NAME, it has no terminal\n"
	"  --keep LIST          with --name (root): keep these namespaces (comma list,\n"
	"                       not pid) after the sandbox ends, until cell rm NAME\n"
	"  --join NAME          run COMMAND in the namespaces NAME kept (it must have\n"
	"                       kept its user and mnt ones), running or ended, with its\n"
	"                       ids, capabilities, limits, seccomp filter and cgroups;\n"
	"                       a new pid namespace once it has ended, fresh ones for\n"
	"                       what it did not keep.  Only --env, --keep-env,\n"
	"                       --workdir, --pty and --no-pty go with it\n"
	"\n"
	"Exit status: the command's; 128+N if it was killed by signal N; 125 if cell\n"
	"could not set up the sandbox; 126 if the command cannot be executed; 127 if\n"
	"it was not found.\n";

enum {
	OPT_NS = 256,
	OPT_SHARE,
	OPT_MAP_ROOT,
	OPT_MAP_AUTO,
	OPT_MAP_HOST_ROOT,
	OPT_UID,
	OPT_GID,
	OPT_ROOT,
	OPT_RW_ROOT,
	OPT_CHROOT,
	OPT_BIND,
	OPT_RO_BIND,
	OPT_TMPFS,
	OPT_WORKDIR,
	OPT_HOSTNAME,
	OPT_DOMAINNAME,
	OPT_ENV,
	OPT_KEEP_ENV,
	OPT_CLEARENV,
	OPT_KEEP_FD,
	OPT_PTY,
	OPT_NO_PTY,
	OPT_NO_INIT,
	OPT_PRINT_SPEC,
	OPT_NET,
	OPT_NAT,
	OPT_PUBLISH,
	OPT_ALLOW,
	OPT_ALLOW_HOST,
	OPT_OVERLAY,
	OPT_PERSIST,
	OPT_X11,
	OPT_WAYLAND,
	OPT_SECCOMP,
	OPT_SECCOMP_LOG,
	OPT_CAP_ADD,
	OPT_CAP_DROP,
	OPT_RLIMIT,
	OPT_MEMORY,
	OPT_MEMORY_SWAP,
	OPT_PIDS,
	OPT_CPUS,
	OPT_CPUSET,
	OPT_IO_WEIGHT,
	OPT_BEST_EFFORT,
	OPT_TIME_LIMIT,
	OPT_WALL_LIMIT,
	OPT_REPORT,
	OPT_LANDLOCK,
	OPT_PROFILE,
	OPT_ALLOW_USERNS,
	OPT_ALLOW_IO_URING,
	OPT_LANDLOCK_PORT,
	OPT_NAME,
	OPT_KEEP,
};

static const struct option run_options[] = {
	{ "ns", required_argument, NULL, OPT_NS },
	{ "share", required_argument, NULL, OPT_SHARE },
	{ "map-root", no_argument, NULL, OPT_MAP_ROOT },
	{ "map-auto", no_argument, NULL, OPT_MAP_AUTO },
	{ "map-host-root", no_argument, NULL, OPT_MAP_HOST_ROOT },
	{ "uid", required_argument, NULL, OPT_UID },
	{ "gid", required_argument, NULL, OPT_GID },
	{ "root", required_argument, NULL, OPT_ROOT },
	{ "rw-root", no_argument, NULL, OPT_RW_ROOT },
	{ "chroot", required_argument, NULL, OPT_CHROOT },
	{ "bind", required_argument, NULL, OPT_BIND },
	{ "ro-bind", required_argument, NULL, OPT_RO_BIND },
	{ "tmpfs", required_argument, NULL, OPT_TMPFS },
	{ "workdir", required_argument, NULL, OPT_WORKDIR },
	{ "hostname", required_argument, NULL, OPT_HOSTNAME },
	{ "domainname", required_argument, NULL, OPT_DOMAINNAME },
	{ "env", required_argument, NULL, OPT_ENV },
	{ "keep-env", required_argument, NULL, OPT_KEEP_ENV },
	{ "clearenv", no_argument, NULL, OPT_CLEARENV },
	{ "keep-fd", required_argument, NULL, OPT_KEEP_FD },
	{ "pty", no_argument, NULL, OPT_PTY },
	{ "no-pty", no_argument, NULL, OPT_NO_PTY },
	{ "no-init", no_argument, NULL, OPT_NO_INIT },
	{ "print-spec", no_argument, NULL, OPT_PRINT_SPEC },
	{ "net", required_argument, NULL, OPT_NET },
	{ "nat", no_argument, NULL, OPT_NAT },
	{ "publish", required_argument, NULL, OPT_PUBLISH },
	{ "allow", required_argument, NULL, OPT_ALLOW },
	{ "allow-host", required_argument, NULL, OPT_ALLOW_HOST },
	{ "overlay", no_argument, NULL, OPT_OVERLAY },
	{ "persist", required_argument, NULL, OPT_PERSIST },
	{ "x11", no_argument, NULL, OPT_X11 },
	{ "wayland", no_argument, NULL, OPT_WAYLAND },
	{ "seccomp", required_argument, NULL, OPT_SECCOMP },
	{ "seccomp-log", no_argument, NULL, OPT_SECCOMP_LOG },
	{ "cap-add", required_argument, NULL, OPT_CAP_ADD },
	{ "cap-drop", required_argument, NULL, OPT_CAP_DROP },
	{ "rlimit", required_argument, NULL, OPT_RLIMIT },
	{ "memory", required_argument, NULL, OPT_MEMORY },
	{ "memory-swap", required_argument, NULL, OPT_MEMORY_SWAP },
	{ "pids", required_argument, NULL, OPT_PIDS },
	{ "cpus", required_argument, NULL, OPT_CPUS },
	{ "cpuset", required_argument, NULL, OPT_CPUSET },
	{ "io-weight", required_argument, NULL, OPT_IO_WEIGHT },
	{ "best-effort", no_argument, NULL, OPT_BEST_EFFORT },
	{ "time-limit", required_argument, NULL, OPT_TIME_LIMIT },
	{ "wall-limit", required_argument, NULL, OPT_WALL_LIMIT },
	{ "report", required_argument, NULL, OPT_REPORT },
	{ "name", required_argument, NULL, OPT_NAME },
	{ "detach", no_argument, NULL, 'd' },
	{ "keep", required_argument, NULL, OPT_KEEP },
	{ "landlock", no_argument, NULL, OPT_LANDLOCK },
	{ "allow-userns", no_argument, NULL, OPT_ALLOW_USERNS },
	{ "allow-io-uring", no_argument, NULL, OPT_ALLOW_IO_URING },
	{ "landlock-port", required_argument, NULL, OPT_LANDLOCK_PORT },
	{ "profile", required_argument, NULL, OPT_PROFILE },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* A growable "K=V" list where a later K replaces an earlier one. */
struct envlist {
	char **v;
	size_t n;
};

static int env_set(struct envlist *e, const char *kv)
{
	size_t klen = strcspn(kv, "=");
	char *copy = strdup(kv), **nv;

	if (!copy)
		return -ENOMEM;
	for (size_t i = 0; i < e->n; i++)
		if (strncmp(e->v[i], kv, klen) == 0 && e->v[i][klen] == '=') {
			free(e->v[i]);
			e->v[i] = copy;
			return 0;
		}
	nv = realloc(e->v, (e->n + 2) * sizeof(*nv));
	if (!nv) {
		free(copy);
		return -ENOMEM;
	}
	e->v = nv;
	e->v[e->n++] = copy;
	e->v[e->n] = NULL;
	return 0;
}

/* Absolute form of a host path given on the command line (no symlink
 * resolution: the kernel resolves at bind time). */
static char *absolute(const char *path, const char *cwd)
{
	char *r;

	if (path[0] == '/')
		return strdup(path);
	if (asprintf(&r, "%s%s%s", cwd, strcmp(cwd, "/") == 0 ? "" : "/", path) < 0)
		return NULL;
	return r;
}

static int parse_bind(struct cell_spec *s, enum cell_mount_type type, const char *arg,
		      const char *cwd, struct cell_err *err)
{
	const char *flag = type == CELL_MOUNT_BIND ? "--bind" : "--ro-bind";
	_cleanup_free_ char *copy = strdup(arg), *src = NULL;
	char *colon;
	const char *dst;

	if (!copy)
		return -ENOMEM;
	colon = strchr(copy, ':');
	if (colon)
		*colon = '\0';
	if (!copy[0])
		return cell_fail(err, 0, "%s '%s': empty source path", flag, arg);
	if (colon && colon[1] != '/')
		return cell_fail(err, 0, "%s '%s': the destination must be an absolute path",
				 flag, arg);
	src = absolute(copy, cwd);
	if (!src)
		return -ENOMEM;
	dst = colon ? colon + 1 : src;
	return cell_spec_add_mount(s, type, src, dst, 0);
}

static int parse_tmpfs(struct cell_spec *s, const char *arg, struct cell_err *err)
{
	_cleanup_free_ char *copy = strdup(arg);
	char *colon;
	uint64_t size = 0;

	if (!copy)
		return -ENOMEM;
	colon = strchr(copy, ':');
	if (colon) {
		*colon = '\0';
		if (strncmp(colon + 1, "size=", 5) != 0 || cell_parse_size(colon + 6, &size) < 0)
			return cell_fail(err, 0, "--tmpfs '%s': expected DST[:size=N] with N like "
					 "65536, 64k, 16M or 1G", arg);
	}
	if (copy[0] != '/')
		return cell_fail(err, 0, "--tmpfs '%s': the destination must be an absolute path",
				 arg);
	return cell_spec_add_mount(s, CELL_MOUNT_TMPFS, NULL, copy, size);
}

/* --net none|host|veth[:ADDR/PREFIX]|user|NAME */
static int parse_net(struct cell_spec *s, const char *arg, struct cell_err *err)
{
	free(s->net_name);
	free(s->net_addr);
	s->net_name = s->net_addr = NULL;
	if (strcmp(arg, "none") == 0) {
		s->net = CELL_NET_NONE;
	} else if (strcmp(arg, "host") == 0) {
		s->net = CELL_NET_HOST;
	} else if (strcmp(arg, "user") == 0) {
		s->net = CELL_NET_USER;
	} else if (strcmp(arg, "veth") == 0 || strncmp(arg, "veth:", 5) == 0) {
		s->net = CELL_NET_VETH;
		if (arg[4] == ':') {
			if (!arg[5])
				return cell_fail(err, 0, "--net veth: expected veth:ADDR/PREFIX");
			if (!(s->net_addr = strdup(arg + 5)))
				return -ENOMEM;
		}
	} else if (arg[0] && !strchr(arg, '/') && strcmp(arg, ".") != 0 &&
		   strcmp(arg, "..") != 0) {
		s->net = CELL_NET_NAMED;
		if (!(s->net_name = strdup(arg)))
			return -ENOMEM;
	} else {
		return cell_fail(err, 0, "--net '%s': expected none, host, veth[:ADDR/PREFIX], "
				 "user or the name of a network namespace", arg);
	}
	return 0;
}

/* --x11: DISPLAY must name a local display (":N", ":N.S", "unix:N"); the
 * sandbox gets DISPLAY=:N[.S] and the cookie file cell writes for it. */
static int setup_x11(struct cell_spec *s, char **envp, struct envlist *env, struct cell_err *err)
{
	const char *d = cell_env_get(envp, "DISPLAY"), *num, *xa, *home;
	_cleanup_free_ char *kv = NULL;
	size_t n;

	if (!d || !*d)
		return cell_fail(err, 0, "--x11: DISPLAY is not set (no X server to give the "
				 "sandbox)");
	if (strncmp(d, "unix:", 5) == 0)
		num = d + 5;
	else if (d[0] == ':')
		num = d + 1;
	else
		return cell_fail(err, 0, "--x11: DISPLAY=%s is not a local display (:N); the "
				 "sandbox has no network to reach it", d);
	n = strspn(num, "0123456789");
	if (n == 0 || n > 6 || (num[n] && num[n] != '.'))
		return cell_fail(err, 0, "--x11: DISPLAY=%s: cannot read the display number", d);
	if (!(s->x11_display = strndup(num, n)))
		return -ENOMEM;
	xa = cell_env_get(envp, "XAUTHORITY");
	home = cell_env_get(envp, "HOME");
	if (xa && *xa)
		s->xauthority = strdup(xa);
	else if (home && asprintf(&s->xauthority, "%s/.Xauthority", home) < 0)
		s->xauthority = NULL;
	if (asprintf(&kv, "DISPLAY=:%s", num) < 0 || env_set(env, kv) < 0 ||
	    env_set(env, "XAUTHORITY=/tmp/.Xauthority") < 0)
		return -ENOMEM;
	return 0;
}

/* --wayland: WAYLAND_DISPLAY (a name in XDG_RUNTIME_DIR, or a path); inside,
 * the socket is /tmp/wayland-socket and WAYLAND_DISPLAY names it. */
static int setup_wayland(struct cell_spec *s, char **envp, struct envlist *env,
			 struct cell_err *err)
{
	const char *w = cell_env_get(envp, "WAYLAND_DISPLAY"), *rt;

	if (!w || !*w)
		return cell_fail(err, 0, "--wayland: WAYLAND_DISPLAY is not set (no compositor "
				 "to give the sandbox)");
	if (w[0] == '/') {
		s->wayland_socket = strdup(w);
	} else {
		rt = cell_env_get(envp, "XDG_RUNTIME_DIR");
		if (!rt || rt[0] != '/')
			return cell_fail(err, 0, "--wayland: XDG_RUNTIME_DIR is not set, so "
					 "WAYLAND_DISPLAY=%s names no socket", w);
		if (asprintf(&s->wayland_socket, "%s/%s", rt, w) < 0)
			s->wayland_socket = NULL;
	}
	if (!s->wayland_socket || env_set(env, "WAYLAND_DISPLAY=/tmp/wayland-socket") < 0)
		return -ENOMEM;
	return 0;
}

static int set_string(char **field, const char *value)
{
	char *copy = strdup(value);

	if (!copy)
		return -ENOMEM;
	free(*field);
	*field = copy;
	return 0;
}

/* Seconds with up to three decimals ("1", "0.5", "2.25") into milliseconds,
 * from 1 ms to a day. */
static int parse_seconds(const char *opt, const char *arg, uint64_t *ret, struct cell_err *err)
{
	uint64_t whole = 0, milli = 0;
	const char *p = arg;
	unsigned digits = 0;

	if (*p < '0' || *p > '9')
		goto bad;
	for (; *p >= '0' && *p <= '9'; p++) {
		whole = whole * 10 + (uint64_t)(*p - '0');
		if (whole > 86400)
			goto bad;
	}
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++, digits++)
			if (digits < 3)
				milli = milli * 10 + (uint64_t)(*p - '0');
		if (digits == 0)
			goto bad;
		for (unsigned d = digits; d < 3; d++)
			milli *= 10;
	}
	if (*p || whole * 1000 + milli == 0 || whole * 1000 + milli > 86400000)
		goto bad;
	*ret = whole * 1000 + milli;
	return 0;
bad:
	return cell_fail(err, 0, "%s '%s': expected seconds, like 1, 0.5 or 30 (at most a day)",
			 opt, arg);
}

/* The hardening and limit options (issue 6); 1 when opt is not one. */
static int parse_limit_option(struct cell_spec *s, int opt, const char *arg,
			      struct cell_err *err)
{
	int r;

	switch (opt) {
	case OPT_SECCOMP:
		if (!arg[0])
			return cell_fail(err, 0, "--seccomp: expected default, none or a policy "
					 "file");
		s->set |= CELL_SET_SECCOMP;
		return set_string(&s->seccomp, arg);
	case OPT_SECCOMP_LOG:
		s->seccomp_log = true;
		return 0;
	case OPT_CAP_ADD:
	case OPT_CAP_DROP:
		s->set |= CELL_SET_CAPS;
		return cell_caps_parse(arg, opt == OPT_CAP_ADD, &s->caps, err);
	case OPT_RLIMIT:
		return cell_rlimits_add(&s->rlimits, arg, err);
	case OPT_MEMORY:
	case OPT_MEMORY_SWAP: {
		uint64_t v;

		if (cell_parse_size(arg, &v) < 0 || v < 4096)
			return cell_fail(err, 0, "%s '%s': expected a size of at least 4k, like "
					 "64M or 2G", opt == OPT_MEMORY ? "--memory" : "--memory-swap",
					 arg);
		if (opt == OPT_MEMORY)
			s->cgroup.memory = v;
		else
			s->cgroup.memory_swap = v;
		return 0;
	}
	case OPT_PIDS:
		r = cell_cgroup_parse_pids(arg, &s->cgroup.pids, err);
		break;
	case OPT_CPUS:
		r = cell_cgroup_parse_cpus(arg, &s->cgroup.cpu_milli, err);
		break;
	case OPT_CPUSET:
		r = cell_cgroup_parse_cpuset(arg, s->cgroup.cpuset, sizeof(s->cgroup.cpuset), err);
		break;
	case OPT_IO_WEIGHT:
		r = cell_cgroup_parse_io_weight(arg, &s->cgroup.io_weight, err);
		break;
	case OPT_BEST_EFFORT:
		s->best_effort = true;
		return 0;
	case OPT_TIME_LIMIT:
		s->set |= CELL_SET_TIME_LIMIT;
		return parse_seconds("--time-limit", arg, &s->time_limit_ms, err);
	case OPT_WALL_LIMIT:
		s->set |= CELL_SET_WALL_LIMIT;
		return parse_seconds("--wall-limit", arg, &s->wall_limit_ms, err);
	case OPT_REPORT:
		if (!arg[0])
			return cell_fail(err, 0, "--report: expected a file name or -");
		s->set |= CELL_SET_REPORT;
		return set_string(&s->report, arg);
	case OPT_LANDLOCK:
		s->set |= CELL_SET_LANDLOCK;
		s->landlock = true;
		return 0;
	case OPT_ALLOW_USERNS:
		s->allow_userns = true;
		return 0;
	case OPT_ALLOW_IO_URING:
		s->allow_io_uring = true;
		return 0;
	case OPT_LANDLOCK_PORT: {
		uint16_t port;
		uint64_t access;

		r = cell_landlock_parse_port(arg, &port, &access, err);
		if (r < 0)
			return cell_err_prefix(err, "--landlock-port");
		s->landlock = true;
		return cell_strv_push(&s->landlock_ports, arg);
	}
	default:
		return 1;
	}
	return r < 0 ? r : 0; /* the messages name the option */
}

int cell_cli_option_arity(const char *name)
{
	if (strncmp(name, "--", 2) == 0)
		name += 2;
	for (const struct option *o = run_options; o->name; o++)
		if (strcmp(o->name, name) == 0)
			return o->has_arg == required_argument ? 1 : 0;
	return -1;
}

static int parse_run(int argc, char **argv, char **envp, const char *cwd, struct cell_spec **ret,
		     struct cell_err *err);

/* --profile first: its options go in front of the command line's. */
int cell_cli_parse_run(int argc, char **argv, char **envp, const char *cwd,
		       struct cell_spec **ret, struct cell_err *err)
{
	struct cell_profile store = { 0 };
	char **nv = NULL;
	int nc, r;

	r = cell_profile_expand(argc, argv, &store, &nc, &nv, err);
	if (r >= 0)
		r = parse_run(nv ? nc : argc, nv ? nv : argv, envp, cwd, ret, err);
	free(nv);
	cell_profile_clear(&store);
	return r;
}

static int parse_run(int argc, char **argv, char **envp, const char *cwd, struct cell_spec **ret,
		     struct cell_err *err)
{
	_cleanup_(cell_spec_freep) struct cell_spec *s = cell_spec_new();
	struct envlist extra = { 0 }; /* --env/--keep-env, in order */
	bool clearenv = false, print_spec = false, ns_given = false, share_given = false;
	struct envlist env = { 0 };
	int opt, r = 0;

	if (!s)
		return -ENOMEM;
	optind = 0; /* 0, not 1: glibc then resets all of getopt's state */
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+:hd", run_options, NULL)) != -1) {
		switch (opt) {
		case 'h':
			r = CELL_CLI_HELP;
			goto out;
		case OPT_NAME:
			if (cell_state_name_check(optarg, err) < 0) {
				r = cell_err_prefix(err, "--name");
				goto out;
			}
			r = set_string(&s->name, optarg);
			if (r < 0)
				goto out;
			break;
		case 'd':
			s->detach = true;
			break;
		case OPT_KEEP: {
			unsigned mask;

			if (cell_ns_parse_list(optarg, &mask, err) < 0) {
				r = cell_err_prefix(err, "--keep");
				goto out;
			}
			if (mask & CELL_NS_BIT(CELL_NS_PID)) {
				r = cell_fail(err, 0, "--keep pid: a pid namespace ends with its init");
				goto out;
			}
			s->keep_ns |= mask;
			break;
		}
		case OPT_NS:
		case OPT_SHARE: {
			unsigned mask;

			if (cell_ns_parse_list(optarg, &mask, err) < 0) {
				r = cell_err_prefix(err, "%s", opt == OPT_NS ? "--ns" : "--share");
				goto out;
			}
			if (opt == OPT_NS) {
				s->ns = mask;
				ns_given = true;
			} else {
				s->ns &= ~mask;
				share_given = true;
			}
			s->set |= CELL_SET_NS;
			break;
		}
		case OPT_MAP_ROOT:
		case OPT_MAP_AUTO:
		case OPT_MAP_HOST_ROOT: {
			enum cell_id_mode m = opt == OPT_MAP_ROOT ? CELL_ID_MAP_ROOT
					      : opt == OPT_MAP_AUTO ? CELL_ID_MAP_AUTO
								    : CELL_ID_HOST_ROOT;

			if ((s->set & CELL_SET_IDMODE) && s->id_mode != m) {
				r = cell_fail(err, 0, "--map-root, --map-auto and --map-host-root "
						 "exclude each other");
				goto out;
			}
			s->id_mode = m;
			s->set |= CELL_SET_IDMODE;
			break;
		}
		case OPT_UID:
		case OPT_GID: {
			uint32_t id;

			if (cell_parse_id(optarg, &id) < 0) {
				r = cell_fail(err, 0, "%s '%s': not a valid id (0 to 4294967294)",
					      opt == OPT_UID ? "--uid" : "--gid", optarg);
				goto out;
			}
			if (opt == OPT_UID) {
				s->uid = id;
				s->set |= CELL_SET_UID;
			} else {
				s->gid = id;
				s->set |= CELL_SET_GID;
			}
			break;
		}
		case OPT_ROOT:
		case OPT_CHROOT: {
			_cleanup_free_ char *dir = absolute(optarg, cwd);

			if (!dir) {
				r = -ENOMEM;
				goto out;
			}
			if ((s->set & CELL_SET_ROOT)) {
				r = cell_fail(err, 0, "--root and --chroot may be given once");
				goto out;
			}
			free(s->root);
			s->root = TAKE_PTR(dir);
			s->root_mode = opt == OPT_ROOT ? CELL_ROOT_DIR : CELL_ROOT_CHROOT;
			s->set |= CELL_SET_ROOT;
			break;
		}
		case OPT_RW_ROOT:
			s->root_rw = true;
			break;
		case OPT_BIND:
		case OPT_RO_BIND:
			r = parse_bind(s, opt == OPT_BIND ? CELL_MOUNT_BIND : CELL_MOUNT_RO_BIND,
				       optarg, cwd, err);
			if (r < 0)
				goto out;
			break;
		case OPT_TMPFS:
			r = parse_tmpfs(s, optarg, err);
			if (r < 0)
				goto out;
			break;
		case OPT_WORKDIR:
			r = set_string(&s->workdir, optarg);
			if (r < 0)
				goto out;
			s->set |= CELL_SET_WORKDIR;
			break;
		case OPT_HOSTNAME:
			r = set_string(&s->hostname, optarg);
			if (r < 0)
				goto out;
			s->set |= CELL_SET_HOSTNAME;
			break;
		case OPT_DOMAINNAME:
			r = set_string(&s->domainname, optarg);
			if (r < 0)
				goto out;
			s->set |= CELL_SET_DOMAINNAME;
			break;
		case OPT_ENV: {
			const char *eq = strchr(optarg, '=');

			if (!eq || !cell_valid_env_name(optarg, (size_t)(eq - optarg))) {
				r = cell_fail(err, 0, "--env '%s': expected NAME=VALUE", optarg);
				goto out;
			}
			r = env_set(&extra, optarg);
			if (r < 0)
				goto out;
			break;
		}
		case OPT_KEEP_ENV: {
			const char *v;
			_cleanup_free_ char *kv = NULL;

			if (!cell_valid_env_name(optarg, strlen(optarg))) {
				r = cell_fail(err, 0, "--keep-env '%s': not a variable name", optarg);
				goto out;
			}
			v = cell_env_get(envp, optarg);
			if (!v)
				break; /* nothing to keep */
			if (asprintf(&kv, "%s=%s", optarg, v) < 0) {
				r = -ENOMEM;
				goto out;
			}
			r = env_set(&extra, kv);
			if (r < 0)
				goto out;
			break;
		}
		case OPT_CLEARENV:
			clearenv = true;
			break;
		case OPT_KEEP_FD: {
			int fd, *nk;

			if (cell_parse_int(optarg, &fd) < 0 || fd < 3) {
				r = cell_fail(err, 0, "--keep-fd '%s': expected a descriptor number "
						 "of 3 or more (0, 1 and 2 are always passed)", optarg);
				goto out;
			}
			nk = realloc(s->keep_fds, (s->n_keep_fds + 1) * sizeof(*nk));
			if (!nk) {
				r = -ENOMEM;
				goto out;
			}
			s->keep_fds = nk;
			s->keep_fds[s->n_keep_fds++] = fd;
			break;
		}
		case OPT_PTY:
		case OPT_NO_PTY:
			s->pty = opt == OPT_PTY ? CELL_PTY_ON : CELL_PTY_OFF;
			break;
		case OPT_NO_INIT:
			s->init = false;
			break;
		case OPT_PRINT_SPEC:
			print_spec = true;
			break;
		case OPT_PROFILE:
			/* cell_profile_expand() took every one before the command */
			r = cell_fail(err, 0, "--profile: not possible here");
			goto out;
		case OPT_NET:
			r = parse_net(s, optarg, err);
			if (r < 0)
				goto out;
			s->set |= CELL_SET_NET;
			break;
		case OPT_NAT:
			s->nat = true;
			break;
		case OPT_PUBLISH:
		case OPT_ALLOW:
		case OPT_ALLOW_HOST:
			if (!optarg[0]) {
				r = cell_fail(err, 0, "%s: empty value", argv[optind - 1]);
				goto out;
			}
			r = cell_strv_push(opt == OPT_PUBLISH ? &s->publish
					   : opt == OPT_ALLOW ? &s->allow
							      : &s->allow_host,
					   optarg);
			if (r < 0)
				goto out;
			break;
		case OPT_OVERLAY:
			s->overlay = true;
			break;
		case OPT_PERSIST: {
			_cleanup_free_ char *dir = absolute(optarg, cwd);

			if (!dir) {
				r = -ENOMEM;
				goto out;
			}
			free(s->persist);
			s->persist = TAKE_PTR(dir);
			s->overlay = true;
			break;
		}
		case OPT_X11:
			s->x11 = true;
			break;
		case OPT_WAYLAND:
			s->wayland = true;
			break;
		case ':':
			r = cell_fail(err, 0, "option %s needs a value", argv[optind - 1]);
			goto out;
		default:
			if ((opt >= OPT_SECCOMP && opt <= OPT_LANDLOCK) ||
			    (opt >= OPT_ALLOW_USERNS && opt <= OPT_LANDLOCK_PORT)) {
				r = parse_limit_option(s, opt, optarg, err);
				if (r < 0)
					goto out;
				r = 0;
				break;
			}
			if (optopt >= OPT_NS)
				/* a long option given a value it does not take */
				r = cell_fail(err, 0, "%s takes no value (see cell run --help)",
					      argv[optind - 1]);
			else if (optopt)
				r = cell_fail(err, 0, "unknown option -%c (see cell run --help)",
					      optopt);
			else
				r = cell_fail(err, 0, "unknown option %s (see cell run --help)",
					      argv[optind - 1]);
			goto out;
		}
	}
	/* --net host is --share net. */
	if (s->net == CELL_NET_HOST)
		s->ns &= ~CELL_NS_BIT(CELL_NS_NET);
	if (ns_given && share_given) {
		r = cell_fail(err, 0, "--ns and --share exclude each other");
		goto out;
	}
	if ((s->detach || s->keep_ns) && !s->name) {
		r = cell_fail(err, 0, "%s needs --name NAME", s->detach ? "--detach" : "--keep");
		goto out;
	}
	if (s->keep_ns & ~s->ns) {
		r = cell_fail(err, 0, "--keep: the sandbox has no %s namespace of its own",
			      cell_ns_name(__builtin_ctz(s->keep_ns & ~s->ns)));
		goto out;
	}
	if (s->detach) {
		/* the caller's terminal stays the caller's */
		if (s->pty == CELL_PTY_ON) {
			r = cell_fail(err, 0, "--detach and --pty exclude each other");
			goto out;
		}
		s->pty = CELL_PTY_OFF;
	}

	/* The environment: a small clean default, then --env/--keep-env. */
	if (!clearenv) {
		const char *v;
		_cleanup_free_ char *home = NULL, *term = NULL, *lang = NULL;
		bool new_mnt = s->ns & CELL_NS_BIT(CELL_NS_MNT);

		r = env_set(&env, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
		if (r < 0)
			goto out;
		v = cell_env_get(envp, "HOME");
		if (asprintf(&home, "HOME=%s", (new_mnt || !v) ? "/tmp" : v) < 0 ||
		    env_set(&env, home) < 0) {
			r = -ENOMEM;
			goto out;
		}
		v = cell_env_get(envp, "TERM");
		if (v && (asprintf(&term, "TERM=%s", v) < 0 || env_set(&env, term) < 0)) {
			r = -ENOMEM;
			goto out;
		}
		v = cell_env_get(envp, "LANG");
		if (asprintf(&lang, "LANG=%s", v ? v : "C.UTF-8") < 0 || env_set(&env, lang) < 0) {
			r = -ENOMEM;
			goto out;
		}
	}
	for (size_t i = 0; i < extra.n; i++) {
		r = env_set(&env, extra.v[i]);
		if (r < 0)
			goto out;
	}
	if (s->x11 && (r = setup_x11(s, envp, &env, err)) < 0)
		goto out;
	if (s->wayland && (r = setup_wayland(s, envp, &env, err)) < 0)
		goto out;
	if (!env.v && !(env.v = calloc(1, sizeof(char *)))) {
		r = -ENOMEM;
		goto out;
	}
	s->env = TAKE_PTR(env.v);

	if (optind >= argc) {
		/* No command: the root's shell, as chroot(8) and the article do. */
		static char *const shell[] = { "/bin/sh", NULL };

		argv = (char **)shell;
		argc = 1;
		optind = 0;
		s->default_command = true;
	}
	s->argv = calloc((size_t)(argc - optind + 1), sizeof(char *));
	if (!s->argv) {
		r = -ENOMEM;
		goto out;
	}
	for (int i = optind; i < argc; i++)
		if (!(s->argv[i - optind] = strdup(argv[i]))) {
			r = -ENOMEM;
			goto out;
		}
	*ret = TAKE_PTR(s);
	r = print_spec ? CELL_CLI_PRINT_SPEC : CELL_CLI_RUN;
out:
	for (size_t i = 0; i < extra.n; i++)
		free(extra.v[i]);
	free(extra.v);
	for (size_t i = 0; i < env.n && env.v; i++)
		free(env.v[i]);
	free(env.v);
	return r;
}
