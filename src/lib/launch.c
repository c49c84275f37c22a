/* launch.c - the launch sequence, parent side.
 *
 * clone3(2) with every namespace flag at once (one process into all the new
 * namespaces), CLONE_PIDFD so that no recycled PID is ever signalled.  Then,
 * depending on the id plan, write the maps (and make idmapped binds), set up
 * the host side of the network (netrun.c) and release the child; then
 * supervise: forward signals, relay the terminal, collect errors and the
 * exit status.  See init.c for the child side.
 *
 * Network and the user namespace.  A named namespace (--net NAME, from
 * /run/netns) belongs to the host's user namespace, and setns(2) into it
 * needs CAP_SYS_ADMIN there and in the caller's own user namespace: once
 * the child is in its new user namespace it can never join.  So the parent
 * (root) joins NAME just before clone3 and clones without CLONE_NEWNET: the
 * child starts in NAME, inside its new user namespace, with no power over
 * that network namespace (it can change neither its links nor its
 * firewall), and the parent returns to its own namespace right after.  No
 * code runs in the child for it.  Unprivileged callers are refused (see
 * netplan.c): no ordering of setns and unshare gives them that capability.
 *
 * --net veth and --net user need the parent before the child goes on: the
 * pair is made (or pasta started) against /proc/PID/ns/net after clone3.
 * The child then waits for CELL_MSG_GO even when it writes its own id maps;
 * it first says CELL_MSG_READY (maps written), since pasta joins its user
 * namespace.
 */
#define _GNU_SOURCE
#include "launch.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "caps.h"
#include "cleanup.h"
#include "exec.h"
#include "init.h"
#include "net.h"
#include "netrun.h"
#include "pty.h"
#include "seccache.h"
#include "sync.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static const unsigned long ns_clone_flag[CELL_NS_MAX] = {
	[CELL_NS_USER] = CLONE_NEWUSER, [CELL_NS_MNT] = CLONE_NEWNS,
	[CELL_NS_PID] = CLONE_NEWPID,	[CELL_NS_NET] = CLONE_NEWNET,
	[CELL_NS_IPC] = CLONE_NEWIPC,	[CELL_NS_UTS] = CLONE_NEWUTS,
	[CELL_NS_CGROUP] = CLONE_NEWCGROUP, [CELL_NS_TIME] = CLONE_NEWTIME,
};

/* /etc/resolv.conf inside, as the network plan says (netplan.c).  Only
 * over a plain file: the root's /etc is read-only, so there is no place to
 * put one that is missing, and a symlink (to /run/systemd/resolve/...)
 * leads where the sandbox has nothing.  The user's own mounts there win. */
static int plan_resolv_mount(struct cell_plan *p, struct cell_err *err)
{
	const struct cell_spec *s = p->spec;
	struct cell_netplan *np = &p->net;
	char path[4096];
	struct stat st;
	int r;

	if (p->mounts.n == 0 || p->mounts.chroot_only)
		return 0;
	if (np->resolv == CELL_RESOLV_HOST) {
		/* The default root shows the host's /etc already; a --root tree
		 * with network gets a copy of the host's (issue 3), for as long as
		 * the sandbox runs. */
		if (s->root_mode != CELL_ROOT_DIR)
			return 0;
		snprintf(np->resolv_src, sizeof(np->resolv_src), "/etc/resolv.conf");
		np->resolv = CELL_RESOLV_BIND;
		np->resolv_note = "the host's, bound over the root's";
	}
	for (size_t i = 0; i < s->n_mounts; i++)
		if (strcmp(s->mounts[i].dst, "/etc") == 0 ||
		    strcmp(s->mounts[i].dst, "/etc/resolv.conf") == 0) {
			np->resolv_note = "as the --bind/--ro-bind/--tmpfs you gave";
			return 0;
		}
	snprintf(path, sizeof(path), "%s/etc/resolv.conf",
		 s->root_mode == CELL_ROOT_DIR ? s->root : "");
	if (lstat(path, &st) < 0 || !S_ISREG(st.st_mode)) {
		if (np->resolv != CELL_RESOLV_EMPTY)
			np->resolv_note = "unchanged: the root's /etc/resolv.conf is not a plain "
					  "file";
		return 0;
	}
	if (np->resolv == CELL_RESOLV_EMPTY)
		r = cell_mount_plan_add(&p->mounts, CELL_OP_MASK, NULL, "/etc/resolv.conf",
					CELL_OPF_OPTIONAL);
	else
		r = cell_mount_plan_add(&p->mounts, CELL_OP_BIND, np->resolv_src,
					"/etc/resolv.conf", CELL_OPF_RO | CELL_OPF_FILE);
	return r < 0 ? cell_fail(err, -r, "planning the mounts") : 0;
}

/* --allow-userns and --allow-io-uring, as seccomp.h's relaxation bits */
static unsigned seccomp_relax(const struct cell_spec *s)
{
	return (s->allow_userns ? CELL_SECCOMP_RELAX_USERNS : 0u) |
	       (s->allow_io_uring ? CELL_SECCOMP_RELAX_IO_URING : 0u);
}

/* The seccomp filter: a policy file is resolved here (its errors stop the
 * launch before anything exists); the built-in policy only when no kept
 * program matches.  Compiled (or loaded from the cache) by the parent
 * after clone (send_seccomp), loaded by the command's process last
 * (init.c: run_command). */
static int plan_seccomp(struct cell_plan *p, struct cell_err *err)
{
	const struct cell_spec *s = p->spec;
	_cleanup_(cell_seccomp_policy_freep) struct cell_seccomp_policy *pol = NULL;
	int r;

	if (!s->seccomp || strcmp(s->seccomp, "default") == 0) {
		p->seccomp_builtin = true;
		return 0;
	}
	r = cell_seccomp_policy_resolve(s->seccomp, &pol, err);
	if (r < 0)
		return cell_err_prefix(err, "--seccomp");
	if (!pol) {
		if (s->seccomp_log)
			return cell_fail(err, 0, "--seccomp-log: there is no filter (--seccomp "
					 "none)");
		return 0;
	}
	r = cell_seccomp_policy_relax(pol, seccomp_relax(s), err);
	if (r < 0)
		return r;
	p->seccomp_policy = TAKE_PTR(pol);
	return 0;
}

int cell_plan_compile_seccomp(const struct cell_plan *p, struct cell_seccomp_prog *ret,
			      struct cell_err *err)
{
	const struct cell_spec *s = p->spec;
	unsigned flags = s->seccomp_log ? CELL_SECCOMP_COMPILE_LOG : 0;
	int r = 0;

	*ret = (struct cell_seccomp_prog){ 0 };
	if (p->seccomp_builtin)
		r = cell_seccomp_builtin_cached(flags, seccomp_relax(s), ret, err);
	else if (p->seccomp_policy)
		r = cell_seccomp_compile_cached(p->seccomp_policy, flags, ret, err);
	return r < 0 ? cell_err_prefix(err, "--seccomp") : 0;
}

/* Hand the child the rest, after GO (if any): wait for the helper, which
 * sends the network namespace itself (net_parallel), then the compiled
 * seccomp program (the child takes the two in either order).  The program
 * is compiled, or read from the cache, only once the helper is done: cell
 * then runs on the CPU the helper leaves, not on the one where the child,
 * started after cell stopped, builds the root. */
static int send_rest(const struct cell_plan *p, int sock, struct cell_err *err)
{
	struct cell_seccomp_prog prog = { 0 };
	int r = 0;

	if (p->net_parallel && (r = cell_net_helper_finish(err)) < 0)
		return r;
	if (cell_plan_seccomp(p)) {
		r = cell_plan_compile_seccomp(p, &prog, err);
		if (r < 0)
			return r;
		r = cell_sync_send_prog(sock, &prog);
		cell_seccomp_prog_free(&prog);
		/* A child that failed before reading it has closed its end
		 * and said why: supervise() reports that, not the broken
		 * pipe. */
		if (r == -EPIPE || r == -ECONNRESET)
			r = 0;
		else if (r < 0)
			return cell_fail(err, -r, "send the seccomp filter");
	}
	return r;
}

/* Limits: cgroup limits are checked together here; the cgroup itself is
 * made by cell_launch().  --time-limit is enforced twice: RLIMIT_CPU on
 * the command (the kernel stops a busy process without cell's help; per
 * process, whole seconds) and, when the sandbox has a cgroup, the
 * supervisor's polling of the cgroup's CPU time (every process of the
 * sandbox together, to 50 ms). */
static int plan_limits(struct cell_plan *p, struct cell_err *err)
{
	const struct cell_spec *s = p->spec;
	struct cell_rlimit *cpu = &p->rlimits.r[RLIMIT_CPU];
	int r;

	r = cell_cgroup_limits_validate(&s->cgroup, err);
	if (r < 0)
		return r;
	p->rlimits = s->rlimits;
	if (s->time_limit_ms && !cpu->soft_set && !cpu->hard_set) {
		/* SIGXCPU at the soft limit, SIGKILL a second later */
		cpu->soft = (s->time_limit_ms + 999) / 1000;
		cpu->hard = cpu->soft + 1;
		cpu->soft_set = cpu->hard_set = true;
	}
	p->want_cgroup = cell_cgroup_limits_mask(&s->cgroup) || s->report || s->time_limit_ms;
	/* v1 (or a refused CLONE_INTO_CGROUP) attaches the child before GO */
	p->wait_go = p->want_cgroup;
	return 0;
}

/* --root DIR: the top-level mount points the sandbox needs in DIR, cell's
 * own and the first component of each --bind/--tmpfs destination.  A
 * function of its own so that the default plan's stack frame stays small. */
__attribute__((noinline)) static int probe_root_dir(const struct cell_spec *s,
						    struct cell_plan *p, struct cell_err *err)
{
	static const char *const own[] = { "proc", "dev", "sys", "tmp" };
	char names[32][256];
	const char *need[ELEMENTSOF(own) + 32 + 1];
	size_t n = 0, k = 0;

	for (size_t i = 0; i < ELEMENTSOF(own); i++)
		need[n++] = own[i];
	for (size_t i = 0; i < s->n_mounts && k < 32; i++) {
		const char *d = s->mounts[i].dst + 1;
		size_t len = strcspn(d, "/");

		if (len == 0 || len >= sizeof(names[k]))
			continue;
		memcpy(names[k], d, len);
		names[k][len] = '\0';
		need[n++] = names[k++];
	}
	need[n] = NULL;
	return cell_host_probe_root(&p->host, s->root, need, err);
}

bool cell_plan_net_parallel(const struct cell_plan *p)
{
	/* Only the default network (lo), in a user namespace of its own, which
	 * the helper joins.  Not with a link or an allowlist to set up (cell
	 * and init want the namespace early), nor for a named sandbox (cell
	 * enter may join init's namespaces as soon as it is recorded). */
	return (p->clone_flags & CLONE_NEWNET) && (p->clone_flags & CLONE_NEWUSER) &&
	       p->net.mode == CELL_NET_NONE && p->net.lo_up && !p->net_sync &&
	       p->allow_nft.len == 0 && !p->spec->name;
}

int cell_plan_make(const struct cell_spec *s, struct cell_plan *ret, struct cell_err *err)
{
	struct cell_plan *p = ret;
	bool want_subid = getuid() == 0 || s->id_mode == CELL_ID_MAP_AUTO;
	int r;

	memset(p, 0, sizeof(*p));
	p->spec = s;
	r = cell_host_probe(&p->host, want_subid, err);
	if (r < 0)
		return r;
	if (s->root_mode == CELL_ROOT_DIR) {
		r = probe_root_dir(s, p, err);
		if (r < 0)
			return r;
	}
	r = cell_spec_validate(s, p->host.root, err);
	if (r < 0)
		return r;
	r = cell_idmap_plan(s, &p->host, &p->ids, err);
	if (r < 0)
		return r;
	r = plan_seccomp(p, err);
	if (r < 0)
		return r;
	r = plan_limits(p, err);
	if (r < 0)
		return r;
	if (s->x11 && (r = cell_host_probe_x11(&p->host, s->x11_display, s->xauthority, err)) < 0)
		return r;
	if (s->wayland && (r = cell_host_probe_wayland(s->wayland_socket, err)) < 0)
		return r;
	r = cell_netplan_make(s, p->host.root, &p->net, err);
	if (r < 0)
		return r;
	/* The mount ops borrow strings from p->host: plan in place.  A joined
	 * network namespace is not a new one: plan the mounts as without (the
	 * copy shares the spec's strings, which the ops borrow). */
	if (!p->net.new_netns && (s->ns & CELL_NS_BIT(CELL_NS_NET))) {
		struct cell_spec joined = *s;

		joined.ns &= ~CELL_NS_BIT(CELL_NS_NET);
		r = cell_mount_plan(&joined, &p->host, &p->mounts, err);
	} else {
		r = cell_mount_plan(s, &p->host, &p->mounts, err);
	}
	if (r < 0)
		return r;
	r = plan_resolv_mount(p, err);
	if (r < 0)
		return r;
	r = cell_nft_build_allow(&p->net, &p->allow_nft, err);
	if (r < 0)
		return r;
	if (s->landlock) {
		/* the file rules follow the finished mount plan */
		p->landlock = calloc(1, sizeof(*p->landlock));
		if (!p->landlock)
			return cell_fail(err, ENOMEM, "--landlock");
		r = cell_landlock_plan_from_mounts(p->landlock, &p->mounts, err);
		if (r < 0)
			return cell_err_prefix(err, "--landlock");
		for (char **lp = s->landlock_ports; lp && *lp; lp++) {
			uint16_t port;
			uint64_t access;

			r = cell_landlock_parse_port(*lp, &port, &access, err);
			if (r >= 0)
				r = cell_landlock_plan_add_port(p->landlock, port, access, err);
			if (r < 0)
				return cell_err_prefix(err, "--landlock-port");
		}
	}
	p->net_sync = p->net.mode == CELL_NET_VETH || p->net.mode == CELL_NET_USER;
	/* Files cell writes inside belong to the command; --persist layers to
	 * the host ids that init (root inside) has in root's sandboxes. */
	p->mounts.file_uid = p->ids.uid;
	p->mounts.file_gid = p->ids.gid;
	if (p->ids.writer == CELL_IDMAP_PARENT && p->ids.init_uid == 0) {
		p->mounts.upper_uid = p->ids.uid_map[0].outside;
		p->mounts.upper_gid = p->ids.gid_map[0].outside;
	}
	for (int t = 0; t < CELL_NS_MAX; t++)
		if (s->ns & CELL_NS_BIT(t))
			p->clone_flags |= (unsigned)ns_clone_flag[t];
	if (!p->net.new_netns)
		p->clone_flags &= ~(unsigned)CLONE_NEWNET;
	p->net_parallel = cell_plan_net_parallel(p) && cell_net_helper_available();
	if (s->ns & CELL_NS_BIT(CELL_NS_UTS))
		p->hostname = s->hostname ? s->hostname : "cell";
	p->pty = s->pty == CELL_PTY_ON || (s->pty == CELL_PTY_AUTO && isatty(STDIN_FILENO));
	/* The sandbox's terminal starts with the caller's size: set by init
	 * before the command runs, so no program sees 0x0 (SIGWINCH updates it). */
	p->have_winsize = p->pty && ioctl(STDIN_FILENO, TIOCGWINSZ, &p->winsize) == 0;
	for (size_t i = 0; i < s->n_keep_fds; i++)
		if (fcntl(s->keep_fds[i], F_GETFD) < 0)
			return cell_fail(err, errno, "--keep-fd %d", s->keep_fds[i]);
	/* No command given: the root's /bin/sh must be there (found inside
	 * the tree, so a symlink like sh -> busybox is followed within it). */
	if (s->default_command && s->root && s->root_mode != CELL_ROOT_DEFAULT) {
		struct open_how how = { .flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT };
		int dfd = open(s->root, O_PATH | O_DIRECTORY | O_CLOEXEC), fd = -1;

		if (dfd >= 0)
			fd = (int)syscall(SYS_openat2, dfd, "bin/sh", &how, sizeof(how));
		if (dfd >= 0)
			close(dfd);
		if (fd < 0)
			return cell_fail(err, 0, "%s %s: no /bin/sh to run (give a command: cell "
					 "run %s %s -- COMMAND)",
					 s->root_mode == CELL_ROOT_DIR ? "--root" : "--chroot", s->root,
					 s->root_mode == CELL_ROOT_DIR ? "--root" : "--chroot", s->root);
		close(fd);
	}
	/* Root's sandboxes run as unprivileged host ids: say so plainly when
	 * they cannot even enter the root they were given. */
	if (s->root && p->ids.init_uid >= 0) {
		struct stat st;

		if (stat(s->root, &st) < 0)
			return cell_fail(err, errno, "%s %s",
					 s->root_mode == CELL_ROOT_DIR ? "--root" : "--chroot", s->root);
		if (S_ISDIR(st.st_mode) && !(st.st_mode & S_IXOTH))
			return cell_fail(err, EACCES,
					 "%s %s: the sandbox's ids (host uid %u and up) cannot enter "
					 "it (mode %04o); chmod o+x it, or use --map-host-root",
					 s->root_mode == CELL_ROOT_DIR ? "--root" : "--chroot", s->root,
					 p->ids.uid_map[0].outside, st.st_mode & 07777);
	}
	if (s->persist && p->ids.init_uid >= 0) {
		struct stat st;

		if (stat(s->persist, &st) < 0)
			return cell_fail(err, errno, "--persist %s", s->persist);
		if (!S_ISDIR(st.st_mode))
			return cell_fail(err, ENOTDIR, "--persist %s", s->persist);
		if (!(st.st_mode & S_IXOTH))
			return cell_fail(err, EACCES,
					 "--persist %s: the sandbox's ids (host uid %u and up) cannot "
					 "enter it (mode %04o); chmod o+x it",
					 s->persist, p->ids.uid_map[0].outside, st.st_mode & 07777);
	}
	return 0;
}

void cell_plan_clear(struct cell_plan *p)
{
	if (p->landlock) {
		cell_landlock_plan_clear(p->landlock);
		free(p->landlock);
		p->landlock = NULL;
	}
	p->seccomp_policy = cell_seccomp_policy_free(p->seccomp_policy);
	cell_nft_batch_free(&p->allow_nft);
	cell_mount_plan_clear(&p->mounts);
	cell_host_clear(&p->host);
}

static void print_map(FILE *f, const char *name, const struct cell_idmap_line *l, unsigned n)
{
	fprintf(f, "%s:", name);
	for (unsigned i = 0; i < n; i++)
		fprintf(f, "%s %u %u %u", i ? "," : "", l[i].inside, l[i].outside, l[i].count);
	fputc('\n', f);
}

/* Print one word so that a shell would read it back the same. */
static void print_word(FILE *f, const char *w)
{
	bool plain = *w != '\0';

	for (const char *c = w; *c && plain; c++)
		plain = strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
			       "_./:=@%+,-",
			       *c) != NULL;
	if (plain) {
		fputs(w, f);
		return;
	}
	fputc('\'', f);
	for (const char *c = w; *c; c++)
		if (*c == '\'')
			fputs("'\\''", f);
		else
			fputc(*c, f);
	fputc('\'', f);
}

static void print_limits(const struct cell_spec *s, FILE *f)
{
	const struct cell_cgroup_limits *l = &s->cgroup;

	if (!cell_cgroup_limits_mask(l) && !s->time_limit_ms && !s->wall_limit_ms)
		return;
	fprintf(f, "limits:");
	if (l->memory)
		fprintf(f, " memory=%llu", (unsigned long long)l->memory);
	if (l->memory_swap)
		fprintf(f, " memory+swap=%llu", (unsigned long long)l->memory_swap);
	if (l->pids)
		fprintf(f, " pids=%llu", (unsigned long long)l->pids);
	if (l->cpu_milli)
		fprintf(f, " cpus=%u.%03u", l->cpu_milli / 1000, l->cpu_milli % 1000);
	if (l->cpuset[0])
		fprintf(f, " cpuset=%s", l->cpuset);
	if (l->io_weight)
		fprintf(f, " io-weight=%u", l->io_weight);
	if (s->time_limit_ms)
		fprintf(f, " cpu-time=%llu.%03llus", (unsigned long long)(s->time_limit_ms / 1000),
			(unsigned long long)(s->time_limit_ms % 1000));
	if (s->wall_limit_ms)
		fprintf(f, " wall-time=%llu.%03llus", (unsigned long long)(s->wall_limit_ms / 1000),
			(unsigned long long)(s->wall_limit_ms % 1000));
	fprintf(f, "%s\n", s->best_effort ? " (best effort)" : "");
	if (cell_cgroup_limits_mask(l))
		fprintf(f, "cgroup: cell-PID-START, made before the command starts, removed after\n");
	if (s->report)
		fprintf(f, "report: %s\n", strcmp(s->report, "-") == 0 ? "stderr" : s->report);
}

/* Seccomp, rlimits, Landlock, cgroup and time limits: from the spec only
 * (the golden tests print plans made without probing the host). */
static void print_hardening(const struct cell_spec *s, FILE *f)
{
	bool any = false;

	if (!s->seccomp || strcmp(s->seccomp, "default") == 0)
		fprintf(f, "seccomp: built-in default policy");
	else if (strcmp(s->seccomp, "none") == 0)
		fprintf(f, "seccomp: none");
	else
		fprintf(f, "seccomp: policy file %s", s->seccomp);
	fprintf(f, "%s\n", s->seccomp_log ? " (log only: --seccomp-log)" : "");
	for (int i = 0; i < CELL_RLIMIT_MAX; i++) {
		char buf[96];
		const struct cell_rlimit *rl = &s->rlimits.r[i];

		if (!rl->soft_set && !rl->hard_set)
			continue;
		fprintf(f, "%s %s", any ? "" : "rlimits:", cell_rlimit_format(i, rl, buf,
									     sizeof(buf)));
		any = true;
	}
	if (any)
		fputc('\n', f);
	if (s->landlock) {
		fprintf(f, "landlock: file access only beneath the mounts, with the rights they "
			"imply%s\n", s->best_effort ? " (best effort)" : "");
		if (s->landlock_ports) {
			fprintf(f, "landlock tcp: only");
			for (char **lp = s->landlock_ports; *lp; lp++)
				fprintf(f, " %s", *lp);
			fputc('\n', f);
		}
	}
	if (s->allow_userns || s->allow_io_uring)
		fprintf(f, "seccomp allows:%s%s\n", s->allow_userns ? " new user namespaces" : "",
			s->allow_io_uring ? " io_uring" : "");
	print_limits(s, f);
}

void cell_plan_print(const struct cell_plan *p, FILE *f)
{
	static const char *const writers[] = { "none", "sandbox", "cell (as root)",
					       "newuidmap/newgidmap" };
	const struct cell_spec *s = p->spec;
	/* a joined network namespace is neither new nor the host's: the
	 * network line says which */
	bool joined = p->net.planned && p->net.mode == CELL_NET_NAMED;

	fprintf(f, "namespaces:");
	for (int t = 0; t < CELL_NS_MAX; t++)
		if ((s->ns & CELL_NS_BIT(t)) && !(joined && t == CELL_NS_NET))
			fprintf(f, " %s", cell_ns_name(t));
	fprintf(f, "\nshared:");
	for (int t = 0; t < CELL_NS_MAX; t++)
		if (!(s->ns & CELL_NS_BIT(t)))
			fprintf(f, " %s", cell_ns_name(t));
	fputc('\n', f);
	if (p->ids.writer != CELL_IDMAP_NONE) {
		print_map(f, "uid_map", p->ids.uid_map, p->ids.n_uid_map);
		print_map(f, "gid_map", p->ids.gid_map, p->ids.n_gid_map);
		fprintf(f, "maps written by: %s\n", writers[p->ids.writer]);
	}
	fprintf(f, "user: uid=%u gid=%u capabilities=", p->ids.uid, p->ids.gid);
	cell_caps_print(s->caps, f);
	fprintf(f, " no_new_privs=yes\n");
	print_hardening(s, f);
	if (p->hostname)
		fprintf(f, "hostname: %s\n", p->hostname);
	if (s->domainname)
		fprintf(f, "domainname: %s\n", s->domainname);
	cell_mount_plan_print(&p->mounts, f);
	if (p->net.planned)
		cell_netplan_print(&p->net, f);
	else if (s->ns & CELL_NS_BIT(CELL_NS_NET))
		fprintf(f, "network: lo only (up)\n");
	else
		fprintf(f, "network: the host's\n");
	fprintf(f, "workdir: %s\n", s->workdir ? s->workdir : "caller's if present, else /");
	fprintf(f, "terminal: %s\n", p->pty ? "own pseudo-terminal" : "none (new session)");
	fprintf(f, "init: %s\n", s->init ? "cell (PID 1 reaps and forwards signals)" : "none");
	fprintf(f, "keep-fds:");
	for (size_t i = 0; i < s->n_keep_fds; i++)
		fprintf(f, " %d", s->keep_fds[i]);
	fprintf(f, "\nenv:");
	for (char **e = s->env; e && *e; e++) {
		fputc(' ', f);
		print_word(f, *e);
	}
	fprintf(f, "\ncommand:");
	for (char **a = s->argv; a && *a; a++) {
		fputc(' ', f);
		print_word(f, *a);
	}
	fputc('\n', f);
}

/* The signals cell forwards: everything a process can catch. */
static void forward_set(sigset_t *set)
{
	sigfillset(set);
	sigdelset(set, SIGKILL);
	sigdelset(set, SIGSTOP);
	sigdelset(set, SIGCHLD);
}

static int release_child(const struct cell_plan *p, pid_t pid, int sock, struct cell_netrun *net,
			 struct cell_cgroup *attach, struct cell_err *err)
{
	struct cell_msg msg = { .type = CELL_MSG_GO };
	int fds[256], send[CELL_MSG_FDS_MAX];
	size_t nsend = 0, k = 0;
	int r;

	/* v1: into the sandbox's cgroup before it runs anything of its own */
	if (attach && (r = cell_cgroup_attach(attach, pid, err)) < 0)
		return r;

	if (p->ids.writer == CELL_IDMAP_PARENT || p->ids.writer == CELL_IDMAP_HELPER) {
		r = cell_idmap_write_parent(pid, &p->ids, err);
		if (r < 0)
			return r;
	}
	if (p->ids.writer == CELL_IDMAP_PARENT && p->mounts.n > 0) {
		_cleanup_close_ int userns = -1, lower_userns = -1;
		bool any = false, any_lower = false;

		for (size_t i = 0; i < p->mounts.n; i++) {
			any |= !!(p->mounts.ops[i].flags & CELL_OPF_IDMAP);
			any_lower |= !!(p->mounts.ops[i].flags & CELL_OPF_IDMAP_LOWER);
		}
		if ((any || any_lower) && p->ids.mount_idmap) {
			if (any && (userns = cell_idmap_mount_userns(&p->ids, err)) < 0)
				return userns;
			if (any_lower) {
				char path[64];

				snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
				lower_userns = open(path, O_RDONLY | O_CLOEXEC);
				if (lower_userns < 0)
					return cell_fail(err, errno, "open %s", path);
			}
			r = cell_mount_idmap_prepare(&p->mounts, userns, lower_userns, fds, err);
			if (r < 0)
				return r;
			for (size_t i = 0; i < p->mounts.n; i++) {
				if (!(p->mounts.ops[i].flags & CELL_OPF_PREOPEN))
					continue;
				if (fds[i] >= 0 && k < 31 && nsend < CELL_MSG_FDS_MAX) {
					msg.status |= 1 << k;
					send[nsend++] = fds[i];
				} else if (fds[i] >= 0) {
					close(fds[i]);
				}
				k++;
			}
		}
	}
	if (p->net_sync) {
		r = cell_netrun_setup(net, pid, p->clone_flags & CLONE_NEWUSER, err);
		if (r < 0) {
			for (size_t i = 0; i < nsend; i++)
				close(send[i]);
			return r;
		}
	}
	r = cell_sync_send(sock, &msg, send, nsend);
	for (size_t i = 0; i < nsend; i++)
		close(send[i]);
	if (r < 0)
		return cell_fail(err, -r, "release the sandbox");
	return 0;
}

static int status_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return CELL_EXIT_SETUP;
}

struct supervisor {
	int sock, sfd, pidfd;
	struct cell_relay relay;
	struct cell_err child_err; /* first error the sandbox reported */
	bool have_err, have_status;
	int cmd_status;
	/* limits */
	int wall_fd, cpu_fd;	   /* timerfds: --wall-limit, --time-limit polling */
	struct cell_cgroup *cg;	   /* NULL: none */
	uint64_t cpu_limit_usec;
	unsigned killed;	   /* CELL_REPORT_HIT_CPU or _WALL when cell killed it */
	struct rusage ru;	   /* init's children (everything it reaped) */
	int init_code, init_status; /* waitid's si_code and si_status for init */
	bool expect_pty;	   /* the child sends the pty's master */
};

/* Kill the whole sandbox: init's pid namespace dies with it; the cgroup
 * catches what is outside it (--share pid) or still exiting. */
static void kill_sandbox(struct supervisor *sv)
{
	struct cell_err ignored = { 0 };

	(void)syscall(SYS_pidfd_send_signal, sv->pidfd, SIGKILL, NULL, 0);
	if (sv->cg)
		(void)cell_cgroup_kill(sv->cg, &ignored); /* the pidfd kill stands */
}

static int arm_timer(uint64_t first_ms, uint64_t every_ms, struct cell_err *err)
{
	struct itimerspec its = {
		.it_value = { (time_t)(first_ms / 1000), (long)(first_ms % 1000) * 1000000 },
		.it_interval = { (time_t)(every_ms / 1000), (long)(every_ms % 1000) * 1000000 },
	};
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);

	if (fd < 0)
		return cell_fail(err, errno, "timerfd_create");
	if (timerfd_settime(fd, 0, &its, NULL) < 0) {
		int e = errno;

		close(fd);
		return cell_fail(err, e, "timerfd_settime");
	}
	return fd;
}

/* A timer fired: the wall clock is out, or check the cgroup's CPU time. */
static void on_timer(struct supervisor *sv, int fd)
{
	uint64_t ticks;
	struct cell_cgroup_stats st = { 0 };
	struct cell_err ignored = { 0 };

	if (read(fd, &ticks, sizeof(ticks)) != sizeof(ticks) || sv->killed)
		return;
	if (fd == sv->wall_fd) {
		sv->killed = CELL_REPORT_HIT_WALL;
		kill_sandbox(sv);
		return;
	}
	if (cell_cgroup_stats(sv->cg, &st, &ignored) >= 0 && (st.have & CELL_CGROUP_STAT_CPU) &&
	    st.cpu_usage_usec >= sv->cpu_limit_usec) {
		sv->killed = CELL_REPORT_HIT_CPU;
		kill_sandbox(sv);
	}
}

/* Read whatever the sandbox sent.  Returns false on EOF. */
static bool read_messages(struct supervisor *sv, bool block)
{
	for (;;) {
		struct cell_msg msg;
		int fd = -1;
		size_t nfds = 0;
		struct pollfd pfd = { .fd = sv->sock, .events = POLLIN };
		int r;

		if (!block && poll(&pfd, 1, 0) <= 0)
			return true;
		r = cell_sync_recv(sv->sock, &msg, &fd, 1, &nfds);
		/* The child closed its end with our seccomp filter unread (it
		 * failed first): the kernel reports ECONNRESET once, and what the
		 * child sent before it closed is still queued behind it. */
		if (r == -ECONNRESET)
			continue;
		if (r <= 0)
			return false;
		block = false;
		switch (msg.type) {
		case CELL_MSG_ERROR:
			if (!sv->have_err) {
				sv->child_err = msg.err;
				sv->have_err = true;
			}
			break;
		case CELL_MSG_PTY:
			if (nfds == 1 && sv->relay.master < 0)
				(void)cell_relay_start(&sv->relay, fd);
			else if (nfds == 1)
				close(fd);
			break;
		case CELL_MSG_STATUS:
			sv->cmd_status = msg.status;
			sv->have_status = true;
			break;
		default:
			if (nfds == 1)
				close(fd);
		}
	}
}

/* The socket is read as messages come only while the pty's master is to
 * come (the relay starts at once).  Everything else the sandbox sends, an
 * error or the command's status, comes just before init exits: read once
 * it has, so that cell wakes once at the end, not three times (the status,
 * the socket's end, init's exit). */
static int supervise(struct supervisor *sv, struct cell_err *err)
{
	bool sock_open = true;
	siginfo_t si;

	for (;;) {
		struct pollfd pfd[8];
		size_t n = 0, nrelay, ntimer;
		bool watch_sock = sock_open && sv->expect_pty && sv->relay.master < 0;

		pfd[n++] = (struct pollfd){ .fd = sv->pidfd, .events = POLLIN };
		pfd[n++] = (struct pollfd){ .fd = sv->sfd, .events = POLLIN };
		pfd[n++] = (struct pollfd){ .fd = watch_sock ? sv->sock : -1, .events = POLLIN };
		ntimer = n;
		pfd[n++] = (struct pollfd){ .fd = sv->wall_fd, .events = POLLIN };
		pfd[n++] = (struct pollfd){ .fd = sv->cpu_fd, .events = POLLIN };
		nrelay = cell_relay_pollfds(&sv->relay, pfd + n);
		if (poll(pfd, n + nrelay, -1) < 0) {
			if (errno == EINTR)
				continue;
			return cell_fail(err, errno, "poll");
		}
		if (pfd[1].revents & POLLIN) {
			struct signalfd_siginfo ssi;

			while (read(sv->sfd, &ssi, sizeof(ssi)) == sizeof(ssi)) {
				if (ssi.ssi_signo == SIGWINCH && sv->relay.master >= 0)
					cell_relay_winch(&sv->relay);
				else
					(void)syscall(SYS_pidfd_send_signal, sv->pidfd,
						      (int)ssi.ssi_signo, NULL, 0);
			}
		}
		if (watch_sock && (pfd[2].revents & (POLLIN | POLLHUP)))
			sock_open = read_messages(sv, true);
		for (size_t i = ntimer; i < ntimer + 2; i++)
			if (pfd[i].revents & POLLIN)
				on_timer(sv, pfd[i].fd);
		cell_relay_handle(&sv->relay, pfd + n, nrelay);
		if (pfd[0].revents & POLLIN)
			break;
	}

	memset(&si, 0, sizeof(si));
	/* the raw call: glibc's waitid has no rusage argument */
	if (syscall(SYS_waitid, P_PIDFD, sv->pidfd, &si, WEXITED, &sv->ru) < 0)
		return cell_fail(err, errno, "waitid");
	sv->init_code = si.si_code;
	sv->init_status = si.si_status;
	if (sock_open)
		(void)read_messages(sv, false);
	cell_relay_drain(&sv->relay);

	if (sv->have_err) {
		*err = sv->child_err;
		return -(err->errnum > 0 ? err->errnum : EINVAL);
	}
	if (sv->have_status)
		return status_code(sv->cmd_status);
	if (si.si_code == CLD_EXITED)
		return si.si_status;
	return 128 + si.si_status;
}

/* The child writes its own maps, then says so before the network is set
 * up.  False when it failed instead (its error is kept for supervise()). */
static bool wait_ready(struct supervisor *sv)
{
	struct cell_msg msg;
	size_t nfds = 0;
	int fd = -1, r;

	r = cell_sync_recv(sv->sock, &msg, &fd, 1, &nfds);
	if (nfds == 1)
		close(fd);
	if (r <= 0)
		return false;
	if (msg.type == CELL_MSG_READY)
		return true;
	if (msg.type == CELL_MSG_ERROR && !sv->have_err) {
		sv->child_err = msg.err;
		sv->have_err = true;
	}
	return false;
}

static void (*launch_notice)(const char *msg);
static void (*launch_idle)(void);

void cell_launch_set_idle(void (*idle)(void))
{
	launch_idle = idle;
}

static struct cell_report *launch_report;
static int (*launch_started)(pid_t init, const char *const *cgroups, void *arg,
			     struct cell_err *err);
static void *launch_started_arg;

void cell_launch_set_started(int (*started)(pid_t init, const char *const *cgroups, void *arg,
					    struct cell_err *err),
			     void *arg)
{
	launch_started = started;
	launch_started_arg = arg;
}

/* Tell the named sandbox's record (state.h) that init runs, and where its
 * cgroups are, so that cell enter joins them and cell gc removes them. */
static int tell_started(pid_t pid, const struct cell_cgroup *cg, struct cell_err *err)
{
	const char *dirs[CELL_CG_MAX + 1];
	size_t n = 0;

	for (int c = 0; cg && c < CELL_CG_MAX; c++) {
		const char *d = cell_cgroup_path(cg, c);
		bool seen = !*d;

		for (size_t i = 0; i < n && !seen; i++)
			seen = strcmp(dirs[i], d) == 0;
		if (!seen)
			dirs[n++] = d;
	}
	dirs[n] = NULL;
	return launch_started(pid, dirs, launch_started_arg, err);
}

void cell_launch_set_report(struct cell_report *report)
{
	launch_report = report;
}

void cell_launch_set_notice(void (*notice)(const char *msg))
{
	launch_notice = notice;
}

static char *cmdline_area;
static size_t cmdline_len;

void cell_launch_set_cmdline_area(char *start, size_t len)
{
	cmdline_area = start;
	cmdline_len = len;
}

static int launch_sandbox(const struct cell_plan *p, struct cell_cgroup *cg,
			  struct cell_report *rep, struct cell_err *err)
{
	struct supervisor sv = { .sock = -1, .sfd = -1, .pidfd = -1, .wall_fd = -1, .cpu_fd = -1,
				 .cg = cg };
	struct cell_cgroup *attach = NULL;
	struct timespec t0, t1;
	struct clone_args args = { 0 };
	struct cell_child_ctx ctx = { .plan = p, .landlock_fd = -1 };
	_cleanup_close_ int landlock_fd = -1;
	struct cell_netrun net = CELL_NETRUN_INIT;
	_cleanup_close_ int join = -1, home = -1;
	int sp[2] = { -1, -1 }, pidfd = -1, userns = -1, r;
	sigset_t fwd;
	pid_t pid;

	if (p->ids.writer == CELL_IDMAP_HELPER) {
		/* Say what is missing before anything is created. */
		if (access("/usr/bin/newuidmap", X_OK) < 0 && access("/bin/newuidmap", X_OK) < 0)
			return cell_fail(err, 0, "--map-auto needs newuidmap and newgidmap (apt "
					 "install uidmap)");
	}
	r = cell_mount_prepare_persist(&p->mounts, err);
	if (r < 0)
		return r;
	/* Landlock: refused here, before anything starts, when the kernel
	 * cannot enforce it (unless best effort) */
	if (p->landlock) {
		r = cell_landlock_prepare(p->landlock, p->spec->best_effort, &landlock_fd, err);
		if (r < 0)
			return r;
		ctx.landlock_fd = landlock_fd;
		if (p->landlock->dropped & CELL_LANDLOCK_DROPPED_ALL && launch_notice) {
			char buf[256], line[300];

			snprintf(line, sizeof(line), "--best-effort: %s",
				 cell_landlock_dropped_text(p->landlock->dropped, buf, sizeof(buf)));
			launch_notice(line);
		}
	}
	/* What killed sandboxes left on the host; a no-op (one failed open)
	 * unless one of them had a veth link.  Before a link of this run's own
	 * is made; else once the sandbox has all it needs (launch_idle). */
	if (p->host.root && p->net.mode != CELL_NET_NONE)
		cell_netrun_gc_quick();
	r = cell_netrun_prepare(&net, &p->net, err);
	if (r < 0) {
		cell_netrun_teardown(&net);
		return r;
	}
	if (p->net.mode == CELL_NET_NAMED) {
		join = open(p->net.netns_path, O_RDONLY | O_CLOEXEC);
		home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
		if (join < 0 || home < 0)
			return cell_fail(err, errno, "--net %s: open %s", p->net.name,
					 join < 0 ? p->net.netns_path : "/proc/self/ns/net");
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0) {
		r = cell_fail(err, errno, "socketpair");
		cell_netrun_teardown(&net);
		return r;
	}
	forward_set(&fwd);
	if (sigprocmask(SIG_BLOCK, &fwd, &ctx.saved_mask) < 0) {
		r = cell_fail(err, errno, "block signals");
		goto out;
	}
	/* Then every signal to its default disposition (they are blocked now,
	 * so none can end cell meanwhile): init and the command inherit them,
	 * so nothing the caller ignored stays ignored in the sandbox, and a
	 * SIGCHLD the caller ignored cannot make the kernel reap init (or init
	 * its command) unseen. */
	cell_signals_default();
	sv.sfd = signalfd(-1, &fwd, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sv.sfd < 0) {
		r = cell_fail(err, errno, "signalfd");
		goto out;
	}

	args.flags = p->clone_flags | CLONE_PIDFD;
	if (p->net_parallel)
		args.flags &= ~(uint64_t)CLONE_NEWNET; /* cell's helper makes it (net.h) */
	args.pidfd = (uint64_t)(uintptr_t)&pidfd;
	args.exit_signal = SIGCHLD;
	/* v2: born in the sandbox's cgroup, no window outside it */
	if (cg && cell_cgroup_fd(cg) >= 0) {
		args.flags |= CLONE_INTO_CGROUP;
		args.cgroup = (uint64_t)cell_cgroup_fd(cg);
	} else if (cg) {
		attach = cg;
	}
	/* --net NAME: the child is born in NAME (see the top of this file) */
	if (join >= 0 && setns(join, CLONE_NEWNET) < 0) {
		r = cell_fail(err, errno, "--net %s: enter the namespace", p->net.name);
		goto out;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid = (pid_t)syscall(SYS_clone3, &args, sizeof(args));
	if (pid < 0 && (args.flags & CLONE_INTO_CGROUP)) {
		/* FIXME: drop once Linux 5.7 is the baseline: attach instead */
		args.flags &= ~(uint64_t)CLONE_INTO_CGROUP;
		args.cgroup = 0;
		attach = cg;
		pid = (pid_t)syscall(SYS_clone3, &args, sizeof(args));
	}
	if (pid != 0 && home >= 0 && setns(home, CLONE_NEWNET) < 0) {
		/* cell itself is stuck in the wrong namespace: stop here */
		r = cell_fail(err, errno, "--net %s: return to cell's own network namespace",
			      p->net.name);
		if (pid > 0) {
			(void)syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
			(void)waitid(P_PIDFD, (id_t)pidfd, &(siginfo_t){ 0 }, WEXITED);
			close(pidfd);
		}
		goto out;
	}
	if (pid < 0) {
		int e = errno;

		if (e == ENOSPC || e == EUSERS)
			r = cell_fail(err, e, "cannot create the namespaces: a per-user limit is "
					 "reached (/proc/sys/user/max_user_namespaces, "
					 "max_net_namespaces and the like; see 'cell doctor')");
		else if (e == EPERM)
			r = cell_fail(err, e, "cannot create the namespaces (are unprivileged user "
					 "namespaces allowed? see 'cell doctor' or "
					 "/proc/sys/user/max_user_namespaces)");
		else
			r = cell_fail(err, e, "clone3");
		goto out;
	}
	if (pid == 0) {
		close(sp[0]);
		ctx.sock = sp[1];
		ctx.cmdline = cmdline_area;
		ctx.cmdline_len = cmdline_len;
		cell_child_main(&ctx);
	}
	close(sp[1]);
	sp[1] = -1;
	sv.sock = sp[0];
	sp[0] = -1;
	sv.expect_pty = p->pty;
	sv.pidfd = pidfd;
	cell_relay_init(&sv.relay);
	/* The child's user namespace, for the network namespace's helper:
	 * opened now, while the child waits for GO (or, writing its own maps,
	 * stays dumpable until it has the network namespace). */
	if (p->net_parallel) {
		char path[48];

		snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
		userns = open(path, O_RDONLY | O_CLOEXEC);
		if (userns < 0) {
			r = cell_fail(err, errno, "open %s", path);
			(void)syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
			(void)waitid(P_PIDFD, (id_t)pidfd, &(siginfo_t){ 0 }, WEXITED);
			goto out;
		}
	}
	/* --name: recorded before the child is released */
	if (launch_started && (r = tell_started(pid, cg, err)) < 0) {
		(void)syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
		(void)waitid(P_PIDFD, (id_t)pidfd, &(siginfo_t){ 0 }, WEXITED);
		goto out;
	}

	if (rep)
		rep->started = true;
	if (p->spec->wall_limit_ms &&
	    (r = sv.wall_fd = arm_timer(p->spec->wall_limit_ms, 0, err)) < 0) {
		(void)syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
		(void)waitid(P_PIDFD, (id_t)pidfd, &(siginfo_t){ 0 }, WEXITED);
		goto out;
	}
	if (p->spec->time_limit_ms && cg) {
		sv.cpu_limit_usec = p->spec->time_limit_ms * 1000;
		r = sv.cpu_fd = arm_timer(50, 50, err);
		if (r < 0) {
			(void)syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
			(void)waitid(P_PIDFD, (id_t)pidfd, &(siginfo_t){ 0 }, WEXITED);
			goto out;
		}
	}
	if (p->ids.writer == CELL_IDMAP_PARENT || p->ids.writer == CELL_IDMAP_HELPER ||
	    p->net_sync || p->wait_go) {
		/* A child that failed before READY has said why: supervise()
		 * reports it. */
		bool ready = !(p->net_sync && p->ids.writer == CELL_IDMAP_CHILD) || wait_ready(&sv);

		r = ready ? release_child(p, pid, sv.sock, &net, attach, err) : 0;
		if (r < 0) {
			(void)syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
			(void)waitid(P_PIDFD, (id_t)pidfd, &(siginfo_t){ 0 }, WEXITED);
			goto out;
		}
		if (net.forward_enabled && launch_notice)
			launch_notice("--nat turned on net.ipv4.ip_forward (it was off) and leaves "
				      "it on");
	}
	/* The network namespace, made while the child builds the root */
	r = p->net_parallel ? cell_net_helper_start(userns, sv.sock, err) : 0;
	userns = -1; /* the helper's now */
	if (r < 0) {
		(void)syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
		(void)waitid(P_PIDFD, (id_t)pidfd, &(siginfo_t){ 0 }, WEXITED);
		goto out;
	}
	r = send_rest(p, sv.sock, err);
	if (r < 0) {
		(void)syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
		(void)waitid(P_PIDFD, (id_t)pidfd, &(siginfo_t){ 0 }, WEXITED);
		goto out;
	}
	/* Housekeeping that no sandbox waits for, while this one finishes
	 * starting (likely on another CPU than cell's). */
	if (p->host.root && p->net.mode == CELL_NET_NONE)
		cell_netrun_gc_quick();
	if (launch_idle)
		launch_idle();
	r = supervise(&sv, err);
	if (r < 0) {
		/* never leave the sandbox behind */
		(void)syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
		(void)waitid(P_PIDFD, (id_t)pidfd, &(siginfo_t){ 0 }, WEXITED | WNOHANG);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (rep) {
		rep->wall_usec = (uint64_t)((t1.tv_sec - t0.tv_sec) * 1000000 +
					    (t1.tv_nsec - t0.tv_nsec) / 1000);
		rep->user_usec = (uint64_t)sv.ru.ru_utime.tv_sec * 1000000 +
				 (uint64_t)sv.ru.ru_utime.tv_usec;
		rep->sys_usec = (uint64_t)sv.ru.ru_stime.tv_sec * 1000000 +
				(uint64_t)sv.ru.ru_stime.tv_usec;
		rep->peak_memory = (uint64_t)sv.ru.ru_maxrss * 1024;
		rep->peak_source = "rusage";
		rep->hit |= sv.killed;
		rep->have_status = sv.have_status;
		if (sv.have_status)
			rep->status = sv.cmd_status;
		else if (sv.init_code == CLD_EXITED)
			rep->status = W_EXITCODE(sv.init_status, 0);
		else
			rep->status = sv.init_status & 0x7f; /* killed by that signal */
		rep->killed_by = sv.killed == CELL_REPORT_HIT_WALL  ? "wall"
				 : sv.killed == CELL_REPORT_HIT_CPU ? "cpu"
								    : NULL;
	}
out:
	cell_net_helper_abort();
	if (userns >= 0)
		close(userns);
	cell_relay_end(&sv.relay);
	if (sv.sock >= 0)
		close(sv.sock);
	if (sv.sfd >= 0)
		close(sv.sfd);
	if (sv.pidfd >= 0)
		close(sv.pidfd);
	if (sv.wall_fd >= 0)
		close(sv.wall_fd);
	if (sv.cpu_fd >= 0)
		close(sv.cpu_fd);
	if (sp[0] >= 0)
		close(sp[0]);
	if (sp[1] >= 0)
		close(sp[1]);
	/* after the sandbox: nothing of it holds the network any more */
	cell_netrun_teardown(&net);
	/* The forwarded signals stay blocked: unblocking them now would let one
	 * that arrived after the last read kill cell before it reports the
	 * command's status.  Callers exit right after. */
	return r;
}

/* The sandbox's cgroup: made (after removing stale ones) and limited before
 * clone.  Without limits asked for (only --report or --time-limit want its
 * counts) a host that cannot give one is no error.  Best effort: what is not
 * enforced is said on stderr and in the report. */
static int setup_cgroup(const struct cell_plan *p, struct cell_cgroup **ret,
			unsigned *ret_dropped, struct cell_err *err)
{
	const struct cell_spec *s = p->spec;
	unsigned mask = cell_cgroup_limits_mask(&s->cgroup), dropped = 0, removed = 0;
	_cleanup_free_ struct cell_cgroup_host *h = calloc(1, sizeof(*h));
	_cleanup_(cell_cgroup_freep) struct cell_cgroup *cg = NULL;
	struct cell_err e = { 0 }, ignored = { 0 };
	char names[128];
	int r;

	*ret = NULL;
	*ret_dropped = 0;
	if (!h)
		return cell_fail(err, ENOMEM, "cgroup");
	r = cell_cgroup_detect(h, &e);
	if (r >= 0) {
		/* stale cell-PID-START cgroups of killed supervisors */
		(void)cell_cgroup_gc(h, &removed, &ignored); /* a failed gc blocks nothing */
		r = cell_cgroup_create(h, &s->cgroup, NULL, &cg, &e);
	}
	if (r < 0) {
		if (mask && !s->best_effort) {
			*err = e;
			return cell_err_prefix(err, "%s",
					       cell_cgroup_limits_text(mask, names, sizeof(names)));
		}
		*ret_dropped = mask | CELL_CGROUP_LIMIT_NONE;
		if (mask && launch_notice) {
			char line[CELL_ERR_MSG_MAX + 256], why[CELL_ERR_MSG_MAX + 64];

			snprintf(line, sizeof(line), "--best-effort: not enforced: %s (%s)",
				 cell_cgroup_limits_text(mask, names, sizeof(names)),
				 cell_err_format(&e, why, sizeof(why)));
			launch_notice(line);
		}
		return 0;
	}
	r = cell_cgroup_set_limits(cg, &s->cgroup, s->best_effort, &dropped, err);
	if (r < 0) {
		(void)cell_cgroup_remove(cg, &ignored); /* the error is r */
		return r;
	}
	if (dropped && launch_notice) {
		char line[256];

		snprintf(line, sizeof(line), "--best-effort: not enforced on this host: %s",
			 cell_cgroup_limits_text(dropped, names, sizeof(names)));
		launch_notice(line);
	}
	*ret_dropped = dropped;
	*ret = TAKE_PTR(cg);
	return 0;
}

/* Which limit ended the run, from the counts and the status. */
static void judge(const struct cell_plan *p, struct cell_report *rep)
{
	const struct cell_spec *s = p->spec;
	const struct cell_cgroup_stats *st = &rep->stats;
	bool signaled = WIFSIGNALED(rep->status);
	int sig = signaled ? WTERMSIG(rep->status) : 0;

	if (st->oom_kills > 0 || (st->memory_max_events > 0 && s->cgroup.memory))
		rep->hit |= CELL_REPORT_HIT_MEMORY;
	if (st->pids_max_events > 0)
		rep->hit |= CELL_REPORT_HIT_PIDS;
	if (s->time_limit_ms && (sig == SIGXCPU || (sig == SIGKILL && rep->user_usec +
							     rep->sys_usec >=
							     s->time_limit_ms * 1000)))
		rep->hit |= CELL_REPORT_HIT_CPU;
	if (rep->killed_by)
		return;
	if (signaled && sig == SIGKILL && st->oom_kills > 0)
		rep->killed_by = "memory";
	else if ((rep->hit & CELL_REPORT_HIT_CPU) && signaled)
		rep->killed_by = "cpu";
	else if ((rep->hit & CELL_REPORT_HIT_PIDS) &&
		 (signaled || WEXITSTATUS(rep->status) != 0))
		rep->killed_by = "pids";
}

int cell_launch(const struct cell_plan *p, struct cell_err *err)
{
	struct cell_cgroup *cg = NULL;
	struct cell_report *rep = launch_report;
	struct cell_err ignored = { 0 };
	unsigned dropped = 0;
	int r;

	if (rep)
		*rep = (struct cell_report){ 0 };
	if (p->want_cgroup) {
		r = setup_cgroup(p, &cg, &dropped, err);
		if (r < 0) {
			if (rep)
				rep->exit_status = err->status ? err->status : CELL_EXIT_SETUP;
			return r;
		}
	}
	r = launch_sandbox(p, cg, rep, err);
	if (cg) {
		/* whatever is left (--share pid, processes still exiting) */
		(void)cell_cgroup_kill(cg, &ignored); /* removal below says if it failed */
		if (rep) {
			rep->cgroup_version = cell_cgroup_version(cg);
			(void)cell_cgroup_stats(cg, &rep->stats, &ignored); /* missing counts stay 0 */
			if (rep->stats.have & CELL_CGROUP_STAT_CPU) {
				rep->user_usec = rep->stats.cpu_user_usec;
				rep->sys_usec = rep->stats.cpu_system_usec;
			}
			if (rep->stats.have & CELL_CGROUP_STAT_MEMORY_PEAK) {
				rep->peak_memory = rep->stats.memory_peak;
				rep->peak_source = "cgroup";
			}
		}
		if (cell_cgroup_remove(cg, &ignored) < 0 && r >= 0 && launch_notice) {
			char line[CELL_ERR_MSG_MAX + 64];

			launch_notice(cell_err_format(&ignored, line, sizeof(line)));
		}
		cell_cgroup_free(cg);
	}
	if (rep) {
		rep->dropped = dropped;
		rep->exit_status = r >= 0 ? r : (err->status ? err->status : CELL_EXIT_SETUP);
		if (rep->started)
			judge(p, rep);
	}
	return r;
}
