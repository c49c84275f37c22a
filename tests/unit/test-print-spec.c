/* test-print-spec.c - golden tests of `cell run --print-spec` output
 * (cell_plan_print in src/lib/launch.c).
 *
 * Each case parses a command line with cell_cli_parse_run() (fixed
 * environment and working directory), checks that the spec is valid for the
 * caller, plans it against a hand-made struct cell_host with
 * cell_idmap_plan() and cell_mount_plan(), fills in what cell_plan_make()
 * would (clone flags, host name, terminal) and compares cell_plan_print()'s
 * text with tests/data/print-spec-NAME.txt.  cell_plan_make() itself is not
 * called: it probes the real host.
 *
 * The data directory is found from this file's path as the compiler saw it
 * (relative to the build directory, which holds this binary in tests/unit),
 * or from $CELL_TEST_DATA.  CELL_UPDATE_GOLDEN=1 rewrites the files instead
 * of comparing: review the diff before committing it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "front/cli.h"
#include "lib/launch.h"
#include "lib/netplan.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

#define CWD "/home/alice/work"

/* The caller's environment: SECRET must never show up unless kept. */
static char *caller_env[] = {
	"HOME=/home/alice",
	"TERM=xterm-256color",
	"SECRET=s3cret",
	"PATH=/home/alice/bin:/usr/local/bin:/usr/bin:/bin",
	NULL,
};

enum host_kind {
	HOST_USER,	     /* alice, uid 1000, no subordinate ids */
	HOST_USER_SUBIDS,    /* alice with /etc/subuid and /etc/subgid ranges */
	HOST_ROOT,	     /* root, no range in /etc/subuid: the default range */
	HOST_ROOT_CLASSIC,   /* root on a host without merged /usr */
};

struct golden {
	const char *name; /* tests/data/print-spec-NAME.txt */
	enum host_kind host;
	bool pty;
	const char *const *args; /* argv after "run", NULL-terminated */
};

#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })

static void sysdir(struct cell_host *h, enum cell_sysdir d, enum cell_sysdir_kind kind,
		   const char *target)
{
	h->sysdir[d].kind = kind;
	snprintf(h->sysdir[d].target, sizeof(h->sysdir[d].target), "%s", target ? target : "");
}

static void make_host(enum host_kind kind, struct cell_host *h)
{
	memset(h, 0, sizeof(*h));
	snprintf(h->cwd, sizeof(h->cwd), "%s", CWD);
	if (kind == HOST_USER || kind == HOST_USER_SUBIDS) {
		h->uid = 1000;
		h->gid = 1000;
	} else {
		h->root = true;
	}
	if (kind == HOST_USER_SUBIDS) {
		h->subuid = (struct cell_subid){ 100000, 65536 };
		h->subgid = (struct cell_subid){ 100000, 65536 };
	}
	sysdir(h, CELL_SYSDIR_USR, CELL_SYSDIR_DIR, NULL);
	sysdir(h, CELL_SYSDIR_ETC, CELL_SYSDIR_DIR, NULL);
	if (kind == HOST_ROOT_CLASSIC) {
		sysdir(h, CELL_SYSDIR_BIN, CELL_SYSDIR_DIR, NULL);
		sysdir(h, CELL_SYSDIR_SBIN, CELL_SYSDIR_DIR, NULL);
		sysdir(h, CELL_SYSDIR_LIB, CELL_SYSDIR_DIR, NULL);
		sysdir(h, CELL_SYSDIR_LIB64, CELL_SYSDIR_DIR, NULL);
	} else {
		sysdir(h, CELL_SYSDIR_BIN, CELL_SYSDIR_SYMLINK, "usr/bin");
		sysdir(h, CELL_SYSDIR_SBIN, CELL_SYSDIR_SYMLINK, "usr/sbin");
		sysdir(h, CELL_SYSDIR_LIB, CELL_SYSDIR_SYMLINK, "usr/lib");
		sysdir(h, CELL_SYSDIR_LIB64, CELL_SYSDIR_SYMLINK, "usr/lib64");
	}
}

static const unsigned ns_clone_flag[CELL_NS_MAX] = {
	[CELL_NS_USER] = CLONE_NEWUSER, [CELL_NS_MNT] = CLONE_NEWNS,
	[CELL_NS_PID] = CLONE_NEWPID,	[CELL_NS_NET] = CLONE_NEWNET,
	[CELL_NS_IPC] = CLONE_NEWIPC,	[CELL_NS_UTS] = CLONE_NEWUTS,
	[CELL_NS_CGROUP] = CLONE_NEWCGROUP, [CELL_NS_TIME] = CLONE_NEWTIME,
};

/* What cell_plan_make() does, minus the probing of the real host. */
static void make_plan(const struct golden *g, struct cell_spec **ret_spec, struct cell_plan *p)
{
	struct cell_err err = { 0 };
	struct cell_spec *s = NULL;
	char *argv[64];
	int argc = 0, r;

	argv[argc++] = "run";
	for (const char *const *a = g->args; *a; a++) {
		assert_true(argc < 63);
		argv[argc++] = (char *)*a;
	}
	argv[argc] = NULL;
	r = cell_cli_parse_run(argc, argv, caller_env, CWD, &s, &err);
	if (r != CELL_CLI_PRINT_SPEC)
		fail_msg("%s: parse returned %d: %s", g->name, r, err.msg);

	memset(p, 0, sizeof(*p));
	p->spec = s;
	make_host(g->host, &p->host);
	r = cell_spec_validate(s, p->host.root, &err);
	if (r < 0)
		fail_msg("%s: invalid spec: %s", g->name, err.msg);
	r = cell_idmap_plan(s, &p->host, &p->ids, &err);
	if (r < 0)
		fail_msg("%s: id map plan: %s", g->name, err.msg);
	/* in place: the mount ops borrow strings from p->host */
	r = cell_mount_plan(s, &p->host, &p->mounts, &err);
	if (r < 0)
		fail_msg("%s: mount plan: %s", g->name, err.msg);
	for (int t = 0; t < CELL_NS_MAX; t++)
		if (s->ns & CELL_NS_BIT(t))
			p->clone_flags |= ns_clone_flag[t];
	if (s->ns & CELL_NS_BIT(CELL_NS_UTS))
		p->hostname = s->hostname ? s->hostname : "cell";
	p->pty = g->pty;
	*ret_spec = s;
}

static char *print_plan(const struct cell_plan *p)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	cell_plan_print(p, f);
	assert_int_equal(fclose(f), 0);
	return buf;
}

/* tests/data/print-spec-NAME.txt, from $CELL_TEST_DATA or from __FILE__ (see
 * the top comment).  The caller frees the path. */
static char *data_path(const char *name)
{
	const char *env = getenv("CELL_TEST_DATA");
	char exe[PATH_MAX], src[] = __FILE__;
	char *slash, *path = NULL;
	ssize_t n;
	int r;

	slash = strrchr(src, '/');
	assert_non_null(slash);
	*slash = '\0'; /* .../tests/unit */
	if (env) {
		r = asprintf(&path, "%s/print-spec-%s.txt", env, name);
	} else if (src[0] == '/') {
		r = asprintf(&path, "%s/../data/print-spec-%s.txt", src, name);
	} else {
		/* relative to the build directory, two levels above this binary */
		n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
		assert_true(n > 0);
		exe[n] = '\0';
		slash = strrchr(exe, '/');
		assert_non_null(slash);
		*slash = '\0';
		r = asprintf(&path, "%s/../../%s/../data/print-spec-%s.txt", exe, src, name);
	}
	assert_true(r > 0);
	return path;
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t len = 0;
	FILE *out;
	int c;

	if (!f)
		fail_msg("cannot open %s: %s (set CELL_TEST_DATA to tests/data, or "
			 "CELL_UPDATE_GOLDEN=1 to create it)",
			 path, strerror(errno));
	out = open_memstream(&buf, &len);
	assert_non_null(out);
	while ((c = fgetc(f)) != EOF)
		fputc(c, out);
	fclose(f);
	assert_int_equal(fclose(out), 0);
	return buf;
}

/* Compare line by line, so a failure shows the first line that differs. */
static void compare_text(const char *path, const char *want, const char *got)
{
	unsigned line = 1;
	const char *w = want, *g = got;

	while (*w && *g) {
		size_t wl = strcspn(w, "\n"), gl = strcspn(g, "\n");

		if (wl != gl || memcmp(w, g, wl) != 0) {
			fprintf(stderr, "--- %s\n+++ cell_plan_print\n", path);
			fail_msg("line %u differs:\n-%.*s\n+%.*s", line, (int)wl, w, (int)gl, g);
		}
		w += wl + (w[wl] ? 1 : 0);
		g += gl + (g[gl] ? 1 : 0);
		line++;
	}
	if (*w || *g)
		fail_msg("%s: line %u: %s", path, line,
			 *w ? "output ends early" : "output has extra lines");
	assert_string_equal(want, got);
}

static void run_golden(void **state)
{
	const struct golden *g = *state;
	struct cell_spec *s = NULL;
	struct cell_plan p;
	char *got, *want, *path;

	make_plan(g, &s, &p);
	got = print_plan(&p);
	path = data_path(g->name);
	if (getenv("CELL_UPDATE_GOLDEN")) {
		FILE *f = fopen(path, "we");

		if (!f)
			fail_msg("cannot write %s: %s", path, strerror(errno));
		fputs(got, f);
		assert_int_equal(fclose(f), 0);
	}
	want = read_file(path);
	compare_text(path, want, got);
	free(want);
	free(got);
	free(path);
	cell_plan_clear(&p);
	cell_spec_free(s);
}

/* The default sandbox of an unprivileged user at a terminal. */
static const struct golden g_default = {
	.name = "default",
	.host = HOST_USER,
	.pty = true,
	.args = ARGS("--print-spec", "--", "/bin/sh", "-c", "echo hi"),
};

/* Root with a debootstrap tree: writable --root, user mounts, ids inside,
 * the default subordinate range, host name, no init, kept fd. */
static const struct golden g_root_dir = {
	.name = "root-dir",
	.host = HOST_ROOT_CLASSIC,
	.pty = false,
	.args = ARGS("--root", "/srv/rootfs", "--rw-root", "--bind", "data:/mnt/data", "--ro-bind",
		     "/etc/resolv.conf", "--tmpfs", "/scratch:size=16M", "--hostname", "box",
		     "--domainname", "example.org", "--workdir", "/mnt/data", "--uid", "1000",
		     "--gid", "1000", "--env", "FOO=bar", "--keep-fd", "3", "--no-init",
		     "--share", "ipc", "--print-spec", "/usr/bin/make", "-j4"),
};

/* An unprivileged --ns list with time, --map-root, the host's pid and net
 * namespaces (host /proc, no mqueue), an environment built from scratch. */
static const struct golden g_ns_list = {
	.name = "ns-list",
	.host = HOST_USER,
	.pty = false,
	.args = ARGS("--ns", "user,mount,uts,time", "--map-root", "--hostname", "dev", "--bind",
		     "/home/alice/src:/src", "--clearenv", "--env", "PATH=/usr/bin:/bin",
		     "--keep-env", "TERM", "--keep-env", "NOT_SET", "--print-spec", "--", "id",
		     "-u"),
};

/* --map-auto through newuidmap with a relative --chroot. */
static const struct golden g_chroot_map_auto = {
	.name = "chroot-map-auto",
	.host = HOST_USER_SUBIDS,
	.pty = false,
	.args = ARGS("--map-auto", "--chroot", "jail", "--ns", "user,mnt,pid", "--uid", "1000",
		     "--keep-env", "SECRET", "--print-spec", "/bin/bash"),
};

/* Root sharing the user namespace: no maps at all, the host's network. */
static const struct golden g_root_no_userns = {
	.name = "root-no-userns",
	.host = HOST_ROOT,
	.pty = false,
	.args = ARGS("--share", "user,net", "--print-spec", "/bin/true"),
};

/* Hardening: kept capabilities, the filter in log mode, rlimits. */
static const struct golden g_hardening = {
	.name = "hardening",
	.host = HOST_USER,
	.pty = false,
	.args = ARGS("--cap-add", "all", "--cap-drop", "CAP_SYS_ADMIN", "--cap-drop", "all",
		     "--cap-add", "net_bind_service", "--cap-add", "CAP_KILL", "--seccomp-log",
		     "--rlimit", "nofile=64:128", "--rlimit", "core=0", "--memory", "64M",
		     "--wall-limit", "2", "--report", "out.json", "--print-spec", "/bin/true"),
};

#define GOLDEN(n) { "golden_" #n, run_golden, NULL, NULL, (void *)&g_##n }

/* cell_plan_net_parallel(): the network namespace is made beside the setup
 * only for the default network in a user namespace of its own, and not for
 * a named sandbox. */
static void net_parallel_case(enum host_kind host, bool want, const char *const *args)
{
	const struct golden g = { .name = args[0], .host = host, .args = args };
	struct cell_err err = { 0 };
	struct cell_spec *s = NULL;
	struct cell_plan p;

	make_plan(&g, &s, &p);
	if (cell_netplan_make(s, p.host.root, &p.net, &err) < 0)
		fail_msg("%s: net plan: %s", args[0], err.msg);
	p.net_sync = p.net.mode == CELL_NET_VETH || p.net.mode == CELL_NET_USER;
	if (!p.net.new_netns)
		p.clone_flags &= ~(unsigned)CLONE_NEWNET;
	if (cell_plan_net_parallel(&p) != want)
		fail_msg("%s %s: net_parallel is %d", args[0], args[1], !want);
	cell_plan_clear(&p);
	cell_spec_free(s);
}

static void test_net_parallel(void **state)
{
	(void)state;
	net_parallel_case(HOST_USER, true, ARGS("--print-spec", "/bin/true"));
	net_parallel_case(HOST_ROOT, true, ARGS("--print-spec", "/bin/true"));
	net_parallel_case(HOST_ROOT, true, ARGS("--print-spec", "--net", "none", "/bin/true"));
	net_parallel_case(HOST_ROOT, false, ARGS("--print-spec", "--net", "veth", "/bin/true"));
	net_parallel_case(HOST_USER, false, ARGS("--print-spec", "--net", "user", "/bin/true"));
	net_parallel_case(HOST_ROOT, false, ARGS("--print-spec", "--net", "host", "/bin/true"));
	net_parallel_case(HOST_ROOT, false, ARGS("--print-spec", "--share", "net", "/bin/true"));
	net_parallel_case(HOST_ROOT, false, ARGS("--print-spec", "--share", "user", "/bin/true"));
	net_parallel_case(HOST_ROOT, false, ARGS("--print-spec", "--name", "web", "/bin/true"));
	net_parallel_case(HOST_ROOT, false, ARGS("--print-spec", "--ns", "net", "/bin/true"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		GOLDEN(default),
		GOLDEN(root_dir),
		GOLDEN(ns_list),
		GOLDEN(chroot_map_auto),
		GOLDEN(root_no_userns),
		GOLDEN(hardening),
		cmocka_unit_test(test_net_parallel),
	};

	return cmocka_run_group_tests_name("print-spec", tests, NULL, NULL);
}
