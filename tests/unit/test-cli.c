/* test-cli.c - unit tests for src/front/cli.c: `cell run` argv -> struct
 * cell_spec.
 *
 * Every case builds its own argv (argv[0] is "run"), a fixed environment and
 * a fixed working directory, and checks the resulting spec field by field,
 * or the exact error (return value, errno, status 125 and the words that
 * name the culprit).  cell_cli_parse_run() resets getopt itself, so the
 * cases call it back to back.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "front/cli.h"

#define assert_contains(hay, needle)                                                               \
	do {                                                                                       \
		const char *hay_ = (hay), *needle_ = (needle);                                     \
		if (!hay_ || !strstr(hay_, needle_))                                               \
			fail_msg("\"%s\" does not contain \"%s\"", hay_ ? hay_ : "(null)",         \
				 needle_);                                                         \
	} while (0)

#define DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define CWD "/home/alice/work"

/* The caller's environment of most cases: SECRETS comes before SECRET so a
 * prefix match would pick the wrong one. */
static char *caller_env[] = {
	"HOME=/home/alice",
	"SECRETS=wrong",
	"SECRET=s3cret",
	"TERM=xterm-256color",
	"PATH=/home/alice/bin:/usr/bin",
	"EMPTY=",
	NULL,
};

/* An argv literal: ARGS("--pty", "/bin/true") is { "run", "--pty", "/bin/true", NULL }. */
#define ARGS(...) ((const char *const[]){ "run", __VA_ARGS__, NULL })

static int parse_env(const char *const *args, char **envp, const char *cwd,
		     struct cell_spec **ret, struct cell_err *err)
{
	char *argv[64];
	int argc = 0;

	for (; args[argc]; argc++) {
		assert_true(argc < 63);
		argv[argc] = (char *)args[argc];
	}
	argv[argc] = NULL;
	return cell_cli_parse_run(argc, argv, envp, cwd, ret, err);
}

/* Parse expecting want (CELL_CLI_RUN or CELL_CLI_PRINT_SPEC); the caller frees. */
static struct cell_spec *parse_ok_env(const char *const *args, char **envp, const char *cwd,
				      int want)
{
	struct cell_err err = { 0 };
	struct cell_spec *s = NULL;
	int r = parse_env(args, envp, cwd, &s, &err);

	if (r != want)
		fail_msg("parse returned %d, not %d: %s", r, want, err.msg);
	assert_non_null(s);
	assert_string_equal(err.msg, "");
	return s;
}

static struct cell_spec *parse_ok(const char *const *args)
{
	return parse_ok_env(args, caller_env, CWD, CELL_CLI_RUN);
}

static void expect_error_env(const char *const *args, char **envp, const char *fragment)
{
	struct cell_err err = { 0 };
	struct cell_spec *s = NULL;

	assert_int_equal(parse_env(args, envp, CWD, &s, &err), -EINVAL);
	assert_null(s);
	assert_int_equal(err.errnum, 0);
	assert_int_equal(err.status, 125);
	assert_contains(err.msg, fragment);
}

static void expect_error(const char *const *args, const char *fragment)
{
	expect_error_env(args, caller_env, fragment);
}

/* v must be exactly the NULL-terminated list want. */
static void assert_strv(char **v, const char *const *want)
{
	size_t i;

	assert_non_null(v);
	for (i = 0; want[i]; i++) {
		if (!v[i])
			fail_msg("entry %zu missing, expected \"%s\"", i, want[i]);
		assert_string_equal(v[i], want[i]);
	}
	if (v[i])
		fail_msg("unexpected extra entry %zu \"%s\"", i, v[i]);
}

#define STRV(...) ((const char *const[]){ __VA_ARGS__, NULL })
#define NO_STRV ((const char *const[]){ NULL })

/* ---- defaults ---- */

static void test_defaults(void **state)
{
	struct cell_spec *s = parse_ok(ARGS("/bin/true"));

	assert_int_equal(s->ns, CELL_NS_DEFAULT);
	assert_int_equal(s->set, 0);
	assert_int_equal(s->id_mode, CELL_ID_DEFAULT);
	assert_int_equal(s->root_mode, CELL_ROOT_DEFAULT);
	assert_null(s->root);
	assert_false(s->root_rw);
	assert_int_equal(s->n_mounts, 0);
	assert_null(s->hostname);
	assert_null(s->domainname);
	assert_null(s->workdir);
	assert_int_equal(s->n_keep_fds, 0);
	assert_int_equal(s->pty, CELL_PTY_AUTO);
	assert_true(s->init);
	assert_strv(s->argv, STRV("/bin/true"));
	/* a clean environment: no SECRET, not the caller's PATH, HOME hidden */
	assert_strv(s->env,
		    STRV(DEFAULT_PATH, "HOME=/tmp", "TERM=xterm-256color", "LANG=C.UTF-8"));
	cell_spec_free(s);
}

static void test_default_env_variants(void **state)
{
	char *empty[] = { NULL };
	char *lang[] = { "LANG=de_DE.UTF-8", "HOME=/root", NULL };
	struct cell_spec *s;

	/* no TERM: none is made up */
	s = parse_ok_env(ARGS("/bin/true"), empty, CWD, CELL_CLI_RUN);
	assert_strv(s->env, STRV(DEFAULT_PATH, "HOME=/tmp", "LANG=C.UTF-8"));
	cell_spec_free(s);

	s = parse_ok_env(ARGS("/bin/true"), NULL, CWD, CELL_CLI_RUN);
	assert_strv(s->env, STRV(DEFAULT_PATH, "HOME=/tmp", "LANG=C.UTF-8"));
	cell_spec_free(s);

	/* the caller's LANG is kept */
	s = parse_ok_env(ARGS("/bin/true"), lang, CWD, CELL_CLI_RUN);
	assert_strv(s->env, STRV(DEFAULT_PATH, "HOME=/tmp", "LANG=de_DE.UTF-8"));
	cell_spec_free(s);

	/* without a new mount namespace the caller's home is there: keep HOME */
	s = parse_ok_env(ARGS("--share", "mnt", "/bin/true"), lang, CWD, CELL_CLI_RUN);
	assert_strv(s->env, STRV(DEFAULT_PATH, "HOME=/root", "LANG=de_DE.UTF-8"));
	cell_spec_free(s);
	s = parse_ok_env(ARGS("--ns", "user,net", "/bin/true"), caller_env, CWD, CELL_CLI_RUN);
	assert_strv(s->env, STRV(DEFAULT_PATH, "HOME=/home/alice", "TERM=xterm-256color",
				 "LANG=C.UTF-8"));
	cell_spec_free(s);
	/* ... unless there is none */
	s = parse_ok_env(ARGS("--share", "mnt", "/bin/true"), empty, CWD, CELL_CLI_RUN);
	assert_strv(s->env, STRV(DEFAULT_PATH, "HOME=/tmp", "LANG=C.UTF-8"));
	cell_spec_free(s);
}

/* ---- namespaces ---- */

static void test_ns_and_share(void **state)
{
	struct cell_spec *s;

	s = parse_ok(ARGS("--ns", "net", "/bin/true"));
	assert_int_equal(s->ns, CELL_NS_BIT(CELL_NS_NET));
	assert_true(s->set & CELL_SET_NS);
	cell_spec_free(s);

	s = parse_ok(ARGS("--ns", "user,mount,time", "/bin/true"));
	assert_int_equal(s->ns, CELL_NS_BIT(CELL_NS_USER) | CELL_NS_BIT(CELL_NS_MNT) |
					CELL_NS_BIT(CELL_NS_TIME));
	cell_spec_free(s);

	/* the last --ns wins */
	s = parse_ok(ARGS("--ns", "net", "--ns=pid", "/bin/true"));
	assert_int_equal(s->ns, CELL_NS_BIT(CELL_NS_PID));
	cell_spec_free(s);

	s = parse_ok(ARGS("--share", "net,pid", "/bin/true"));
	assert_int_equal(s->ns,
			 CELL_NS_DEFAULT & ~(CELL_NS_BIT(CELL_NS_NET) | CELL_NS_BIT(CELL_NS_PID)));
	assert_true(s->set & CELL_SET_NS);
	cell_spec_free(s);

	/* --share adds up */
	s = parse_ok(ARGS("--share", "net", "--share", "ipc,uts", "/bin/true"));
	assert_int_equal(s->ns, CELL_NS_DEFAULT & ~(CELL_NS_BIT(CELL_NS_NET) |
						    CELL_NS_BIT(CELL_NS_IPC) |
						    CELL_NS_BIT(CELL_NS_UTS)));
	cell_spec_free(s);

	/* sharing what is not created anyway changes nothing */
	s = parse_ok(ARGS("--share", "time", "/bin/true"));
	assert_int_equal(s->ns, CELL_NS_DEFAULT);
	cell_spec_free(s);

	s = parse_ok(ARGS("--share", "user,mnt,pid,net,ipc,uts,cgroup", "/bin/true"));
	assert_int_equal(s->ns, 0);
	cell_spec_free(s);
}

static void test_ns_errors(void **state)
{
	expect_error(ARGS("--ns", "bogus", "/bin/true"), "--ns: unknown namespace 'bogus'");
	expect_error(ARGS("--share", "net,bogus", "/bin/true"),
		     "--share: unknown namespace 'bogus'");
	expect_error(ARGS("--ns", "", "/bin/true"), "--ns: empty namespace list");
	expect_error(ARGS("--share", "", "/bin/true"), "--share: empty namespace list");
	expect_error(ARGS("--ns", "net,,pid", "/bin/true"), "--ns: bad namespace name ''");
	expect_error(ARGS("--ns", ",,", "/bin/true"), "--ns: bad namespace name ''");
	expect_error(ARGS("--ns", "net", "--share", "pid", "/bin/true"),
		     "--ns and --share exclude each other");
	expect_error(ARGS("--share", "pid", "--ns", "net", "/bin/true"),
		     "--ns and --share exclude each other");
}

/* ---- identity ---- */

static void test_id_modes(void **state)
{
	static const struct {
		const char *flag;
		enum cell_id_mode mode;
	} modes[] = {
		{ "--map-root", CELL_ID_MAP_ROOT },
		{ "--map-auto", CELL_ID_MAP_AUTO },
		{ "--map-host-root", CELL_ID_HOST_ROOT },
	};

	for (size_t i = 0; i < 3; i++) {
		struct cell_spec *s = parse_ok(ARGS(modes[i].flag, "/bin/true"));

		assert_int_equal(s->id_mode, modes[i].mode);
		assert_int_equal(s->set, CELL_SET_IDMODE);
		cell_spec_free(s);

		/* the same one twice is fine */
		s = parse_ok(ARGS(modes[i].flag, modes[i].flag, "/bin/true"));
		assert_int_equal(s->id_mode, modes[i].mode);
		cell_spec_free(s);

		for (size_t j = 0; j < 3; j++)
			if (j != i)
				expect_error(ARGS(modes[i].flag, modes[j].flag, "/bin/true"),
					     "--map-root, --map-auto and --map-host-root exclude "
					     "each other");
	}
}

static void test_uid_gid(void **state)
{
	struct cell_spec *s;

	s = parse_ok(ARGS("--uid", "0", "--gid", "100", "/bin/true"));
	assert_int_equal(s->uid, 0);
	assert_int_equal(s->gid, 100);
	assert_int_equal(s->set, CELL_SET_UID | CELL_SET_GID);
	cell_spec_free(s);

	s = parse_ok(ARGS("--uid=4294967294", "/bin/true"));
	assert_int_equal(s->uid, 4294967294u);
	assert_int_equal(s->set, CELL_SET_UID);
	cell_spec_free(s);

	s = parse_ok(ARGS("--gid", "7", "--map-root", "/bin/true"));
	assert_int_equal(s->gid, 7);
	assert_int_equal(s->set, CELL_SET_GID | CELL_SET_IDMODE);
	cell_spec_free(s);

	expect_error(ARGS("--uid", "4294967295", "/bin/true"),
		     "--uid '4294967295': not a valid id (0 to 4294967294)");
	expect_error(ARGS("--gid", "-1", "/bin/true"), "--gid '-1': not a valid id");
	expect_error(ARGS("--uid", "abc", "/bin/true"), "--uid 'abc': not a valid id");
	expect_error(ARGS("--uid", "", "/bin/true"), "--uid '': not a valid id");
	expect_error(ARGS("--gid", " 5", "/bin/true"), "--gid ' 5': not a valid id");
}

/* ---- file system ---- */

static void test_root_and_chroot(void **state)
{
	struct cell_spec *s;

	s = parse_ok(ARGS("--root", "/srv/rootfs", "/bin/true"));
	assert_int_equal(s->root_mode, CELL_ROOT_DIR);
	assert_string_equal(s->root, "/srv/rootfs");
	assert_int_equal(s->set, CELL_SET_ROOT);
	assert_false(s->root_rw);
	cell_spec_free(s);

	/* relative to the cwd argument, not to the test's own directory */
	s = parse_ok(ARGS("--root", "rootfs", "--rw-root", "/bin/true"));
	assert_string_equal(s->root, CWD "/rootfs");
	assert_true(s->root_rw);
	cell_spec_free(s);

	s = parse_ok(ARGS("--chroot", "jail", "/bin/true"));
	assert_int_equal(s->root_mode, CELL_ROOT_CHROOT);
	assert_string_equal(s->root, CWD "/jail");
	cell_spec_free(s);

	s = parse_ok(ARGS("--chroot=/srv/jail", "/bin/true"));
	assert_int_equal(s->root_mode, CELL_ROOT_CHROOT);
	assert_string_equal(s->root, "/srv/jail");
	cell_spec_free(s);

	/* the parser takes --rw-root alone; cell_spec_validate judges it */
	s = parse_ok(ARGS("--rw-root", "/bin/true"));
	assert_true(s->root_rw);
	assert_int_equal(s->root_mode, CELL_ROOT_DEFAULT);
	cell_spec_free(s);

	expect_error(ARGS("--root", "/a", "--chroot", "/b", "/bin/true"),
		     "--root and --chroot may be given once");
	expect_error(ARGS("--root", "/a", "--root", "/b", "/bin/true"),
		     "--root and --chroot may be given once");
	expect_error(ARGS("--chroot", "/a", "--root", "/b", "/bin/true"),
		     "--root and --chroot may be given once");
}

static void test_relative_paths_in_root_dir(void **state)
{
	struct cell_spec *s;

	s = parse_ok_env(ARGS("--root", "rootfs", "--bind", "data", "/bin/true"), caller_env, "/",
			 CELL_CLI_RUN);
	assert_string_equal(s->root, "/rootfs");
	assert_string_equal(s->mounts[0].src, "/data");
	assert_string_equal(s->mounts[0].dst, "/data");
	cell_spec_free(s);
}

static void expect_mount(const struct cell_mount *m, enum cell_mount_type type, const char *src,
			 const char *dst, uint64_t size)
{
	assert_int_equal(m->type, type);
	if (src)
		assert_string_equal(m->src, src);
	else
		assert_null(m->src);
	assert_string_equal(m->dst, dst);
	assert_int_equal(m->size, size);
}

static void test_binds(void **state)
{
	struct cell_spec *s;

	s = parse_ok(ARGS("--bind", "/data", "/bin/true"));
	assert_int_equal(s->n_mounts, 1);
	expect_mount(&s->mounts[0], CELL_MOUNT_BIND, "/data", "/data", 0);
	cell_spec_free(s);

	s = parse_ok(ARGS("--bind", "/data:/mnt/data", "--ro-bind", "/etc/hosts:/etc/hosts2",
			  "--ro-bind", "/opt", "--bind", "src", "--ro-bind", "../lib:/lib2",
			  "/bin/true"));
	assert_int_equal(s->n_mounts, 5);
	expect_mount(&s->mounts[0], CELL_MOUNT_BIND, "/data", "/mnt/data", 0);
	expect_mount(&s->mounts[1], CELL_MOUNT_RO_BIND, "/etc/hosts", "/etc/hosts2", 0);
	expect_mount(&s->mounts[2], CELL_MOUNT_RO_BIND, "/opt", "/opt", 0);
	/* a relative SRC is made absolute against cwd, and DST follows it */
	expect_mount(&s->mounts[3], CELL_MOUNT_BIND, CWD "/src", CWD "/src", 0);
	expect_mount(&s->mounts[4], CELL_MOUNT_RO_BIND, CWD "/../lib", "/lib2", 0);
	cell_spec_free(s);

	expect_error(ARGS("--bind", "/data:rel", "/bin/true"),
		     "--bind '/data:rel': the destination must be an absolute path");
	expect_error(ARGS("--ro-bind", "data:rel/x", "/bin/true"),
		     "--ro-bind 'data:rel/x': the destination must be an absolute path");
	expect_error(ARGS("--bind", "/data:", "/bin/true"),
		     "--bind '/data:': the destination must be an absolute path");
	expect_error(ARGS("--bind", ":/x", "/bin/true"), "--bind ':/x': empty source path");
	expect_error(ARGS("--ro-bind", "", "/bin/true"), "--ro-bind '': empty source path");
}

static void test_tmpfs(void **state)
{
	static const char *const bad_size[] = {
		"/s:size=0", "/s:size=", "/s:", "/s:mode=1777", "/s:size=1X", "/s:size=-1",
		"/s:SIZE=1M", "/s:size=1M:x", "/s:size=99999999999999999999",
	};
	struct cell_spec *s;
	char want[160];

	s = parse_ok(ARGS("--tmpfs", "/scratch", "--tmpfs", "/big:size=16M", "--tmpfs",
			  "/small:size=65536", "--bind", "/a", "--tmpfs", "/k:size=64k",
			  "/bin/true"));
	assert_int_equal(s->n_mounts, 5);
	expect_mount(&s->mounts[0], CELL_MOUNT_TMPFS, NULL, "/scratch", 0);
	expect_mount(&s->mounts[1], CELL_MOUNT_TMPFS, NULL, "/big", 16u << 20);
	expect_mount(&s->mounts[2], CELL_MOUNT_TMPFS, NULL, "/small", 65536);
	expect_mount(&s->mounts[3], CELL_MOUNT_BIND, "/a", "/a", 0);
	expect_mount(&s->mounts[4], CELL_MOUNT_TMPFS, NULL, "/k", 65536);
	cell_spec_free(s);

	for (size_t i = 0; i < sizeof(bad_size) / sizeof(bad_size[0]); i++) {
		snprintf(want, sizeof(want),
			 "--tmpfs '%s': expected DST[:size=N] with N like 65536, 64k, 16M or 1G",
			 bad_size[i]);
		expect_error(ARGS("--tmpfs", bad_size[i], "/bin/true"), want);
	}
	expect_error(ARGS("--tmpfs", "scratch", "/bin/true"),
		     "--tmpfs 'scratch': the destination must be an absolute path");
	expect_error(ARGS("--tmpfs", "scratch:size=1k", "/bin/true"),
		     "--tmpfs 'scratch:size=1k': the destination must be an absolute path");
	expect_error(ARGS("--tmpfs", "", "/bin/true"),
		     "--tmpfs '': the destination must be an absolute path");
}

static void test_workdir_hostname_domainname(void **state)
{
	struct cell_spec *s;

	s = parse_ok(ARGS("--workdir", "/srv", "--hostname", "one", "--hostname", "box",
			  "--domainname", "example.org", "/bin/true"));
	assert_string_equal(s->workdir, "/srv");
	assert_string_equal(s->hostname, "box");
	assert_string_equal(s->domainname, "example.org");
	assert_int_equal(s->set, CELL_SET_WORKDIR | CELL_SET_HOSTNAME | CELL_SET_DOMAINNAME);
	cell_spec_free(s);

	/* The parser stores them as given; validate judges them. */
	s = parse_ok(ARGS("--workdir", "rel", "--hostname", "bad name", "/bin/true"));
	assert_string_equal(s->workdir, "rel");
	assert_string_equal(s->hostname, "bad name");
	cell_spec_free(s);
}

/* ---- environment ---- */

static void test_env(void **state)
{
	struct cell_spec *s;

	s = parse_ok(ARGS("--env", "FOO=bar", "--env", "EMPTY=", "--env", "X=a=b", "/bin/true"));
	assert_strv(s->env, STRV(DEFAULT_PATH, "HOME=/tmp", "TERM=xterm-256color", "LANG=C.UTF-8",
				 "FOO=bar", "EMPTY=", "X=a=b"));
	cell_spec_free(s);

	/* an override keeps the default's place; the last --env wins */
	s = parse_ok(ARGS("--env", "PATH=/x", "--env", "FOO=1", "--env", "HOME=/h", "--env",
			  "FOO=2", "/bin/true"));
	assert_strv(s->env, STRV("PATH=/x", "HOME=/h", "TERM=xterm-256color", "LANG=C.UTF-8",
				 "FOO=2"));
	cell_spec_free(s);

	/* names that share a prefix stay apart */
	s = parse_ok(ARGS("--env", "A=1", "--env", "AB=2", "--env", "A=3", "/bin/true"));
	assert_strv(s->env, STRV(DEFAULT_PATH, "HOME=/tmp", "TERM=xterm-256color", "LANG=C.UTF-8",
				 "A=3", "AB=2"));
	cell_spec_free(s);

	expect_error(ARGS("--env", "FOO", "/bin/true"), "--env 'FOO': expected NAME=VALUE");
	expect_error(ARGS("--env", "=x", "/bin/true"), "--env '=x': expected NAME=VALUE");
	expect_error(ARGS("--env", "1A=x", "/bin/true"), "--env '1A=x': expected NAME=VALUE");
	expect_error(ARGS("--env", "A-B=x", "/bin/true"), "--env 'A-B=x': expected NAME=VALUE");
	expect_error(ARGS("--env", "A B=x", "/bin/true"), "--env 'A B=x': expected NAME=VALUE");
	expect_error(ARGS("--env", "", "/bin/true"), "--env '': expected NAME=VALUE");
}

static void test_keep_env(void **state)
{
	struct cell_spec *s;

	/* present: passed through, exactly that name */
	s = parse_ok(ARGS("--keep-env", "SECRET", "--keep-env", "EMPTY", "/bin/true"));
	assert_strv(s->env, STRV(DEFAULT_PATH, "HOME=/tmp", "TERM=xterm-256color", "LANG=C.UTF-8",
				 "SECRET=s3cret", "EMPTY="));
	cell_spec_free(s);

	/* absent: nothing is added and it is no error */
	s = parse_ok(ARGS("--keep-env", "NOT_SET", "--keep-env", "SECRE", "/bin/true"));
	assert_strv(s->env,
		    STRV(DEFAULT_PATH, "HOME=/tmp", "TERM=xterm-256color", "LANG=C.UTF-8"));
	cell_spec_free(s);

	/* a kept default replaces the clean one */
	s = parse_ok(ARGS("--keep-env", "PATH", "--keep-env", "HOME", "/bin/true"));
	assert_strv(s->env, STRV("PATH=/home/alice/bin:/usr/bin", "HOME=/home/alice",
				 "TERM=xterm-256color", "LANG=C.UTF-8"));
	cell_spec_free(s);

	/* --env and --keep-env apply in command-line order */
	s = parse_ok(ARGS("--env", "HOME=/h", "--keep-env", "HOME", "/bin/true"));
	assert_strv(s->env, STRV(DEFAULT_PATH, "HOME=/home/alice", "TERM=xterm-256color",
				 "LANG=C.UTF-8"));
	cell_spec_free(s);
	s = parse_ok(ARGS("--keep-env", "HOME", "--env", "HOME=/h", "/bin/true"));
	assert_strv(s->env,
		    STRV(DEFAULT_PATH, "HOME=/h", "TERM=xterm-256color", "LANG=C.UTF-8"));
	cell_spec_free(s);
	s = parse_ok(ARGS("--env", "SECRET=mine", "--keep-env", "SECRET", "--env", "Z=1",
			  "/bin/true"));
	assert_strv(s->env, STRV(DEFAULT_PATH, "HOME=/tmp", "TERM=xterm-256color", "LANG=C.UTF-8",
				 "SECRET=s3cret", "Z=1"));
	cell_spec_free(s);
	/* a kept but absent variable does not remove an --env one */
	s = parse_ok(ARGS("--env", "NOT_SET=1", "--keep-env", "NOT_SET", "/bin/true"));
	assert_strv(s->env, STRV(DEFAULT_PATH, "HOME=/tmp", "TERM=xterm-256color", "LANG=C.UTF-8",
				 "NOT_SET=1"));
	cell_spec_free(s);

	expect_error(ARGS("--keep-env", "A=B", "/bin/true"),
		     "--keep-env 'A=B': not a variable name");
	expect_error(ARGS("--keep-env", "", "/bin/true"), "--keep-env '': not a variable name");
	expect_error(ARGS("--keep-env", "9X", "/bin/true"), "--keep-env '9X': not a variable name");
}

static void test_clearenv(void **state)
{
	struct cell_spec *s;

	s = parse_ok(ARGS("--clearenv", "/bin/true"));
	assert_non_null(s->env);
	assert_null(s->env[0]);
	cell_spec_free(s);

	/* --env and --keep-env still apply, wherever --clearenv stands */
	s = parse_ok(ARGS("--env", "A=1", "--clearenv", "--keep-env", "TERM", "--keep-env", "NOPE",
			  "/bin/true"));
	assert_strv(s->env, STRV("A=1", "TERM=xterm-256color"));
	cell_spec_free(s);

	s = parse_ok_env(ARGS("--clearenv", "--keep-env", "TERM", "/bin/true"), NULL, CWD,
			 CELL_CLI_RUN);
	assert_strv(s->env, NO_STRV);
	cell_spec_free(s);
}

/* ---- process ---- */

static void test_keep_fd(void **state)
{
	static const char *const bad[] = { "0", "1", "2", "-1", "", "x", "3x", " 3", "2147483648" };
	struct cell_spec *s;
	char want[160];

	s = parse_ok(ARGS("--keep-fd", "3", "--keep-fd=10", "--keep-fd", "2147483647",
			  "/bin/true"));
	assert_int_equal(s->n_keep_fds, 3);
	assert_int_equal(s->keep_fds[0], 3);
	assert_int_equal(s->keep_fds[1], 10);
	assert_int_equal(s->keep_fds[2], 2147483647);
	cell_spec_free(s);

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(want, sizeof(want),
			 "--keep-fd '%s': expected a descriptor number of 3 or more (0, 1 and 2 "
			 "are always passed)",
			 bad[i]);
		expect_error(ARGS("--keep-fd", bad[i], "/bin/true"), want);
	}
}

static void test_pty_init(void **state)
{
	struct cell_spec *s;

	s = parse_ok(ARGS("--pty", "/bin/true"));
	assert_int_equal(s->pty, CELL_PTY_ON);
	assert_true(s->init);
	cell_spec_free(s);

	s = parse_ok(ARGS("--no-pty", "--no-init", "/bin/true"));
	assert_int_equal(s->pty, CELL_PTY_OFF);
	assert_false(s->init);
	cell_spec_free(s);

	/* the last one wins */
	s = parse_ok(ARGS("--pty", "--no-pty", "/bin/true"));
	assert_int_equal(s->pty, CELL_PTY_OFF);
	cell_spec_free(s);
	s = parse_ok(ARGS("--no-pty", "--pty", "/bin/true"));
	assert_int_equal(s->pty, CELL_PTY_ON);
	cell_spec_free(s);
}

static void test_print_spec_and_help(void **state)
{
	struct cell_err err = { 0 };
	struct cell_spec *s;

	s = parse_ok_env(ARGS("--print-spec", "--ns", "net,user", "/bin/true"), caller_env, CWD,
			 CELL_CLI_PRINT_SPEC);
	assert_int_equal(s->ns, CELL_NS_BIT(CELL_NS_NET) | CELL_NS_BIT(CELL_NS_USER));
	assert_strv(s->argv, STRV("/bin/true"));
	cell_spec_free(s);

	/* help: nothing else matters, nothing is returned */
	s = NULL;
	assert_int_equal(parse_env(ARGS("--help"), caller_env, CWD, &s, &err), CELL_CLI_HELP);
	assert_null(s);
	assert_int_equal(parse_env(ARGS("--pty", "-h", "--bogus"), caller_env, CWD, &s, &err),
			 CELL_CLI_HELP);
	assert_null(s);
	assert_string_equal(err.msg, "");
	assert_non_null(strstr(cell_cli_run_help, "Usage: cell run [OPTION...] [--] [COMMAND"));
}

static void test_command_and_dashdash(void **state)
{
	struct cell_spec *s;

	s = parse_ok(ARGS("--", "/bin/sh", "-c", "echo hi"));
	assert_strv(s->argv, STRV("/bin/sh", "-c", "echo hi"));
	cell_spec_free(s);

	/* after "--" options belong to the command */
	s = parse_ok(ARGS("--no-pty", "--", "--pty", "--bogus"));
	assert_strv(s->argv, STRV("--pty", "--bogus"));
	assert_int_equal(s->pty, CELL_PTY_OFF);
	cell_spec_free(s);

	/* the first non-option ends cell's options: no permutation */
	s = parse_ok(ARGS("ls", "-l", "--pty", "--", "x"));
	assert_strv(s->argv, STRV("ls", "-l", "--pty", "--", "x"));
	assert_int_equal(s->pty, CELL_PTY_AUTO);
	cell_spec_free(s);

	s = parse_ok(ARGS("--", "--"));
	assert_strv(s->argv, STRV("--"));
	cell_spec_free(s);

	/* an empty argument is still a command word */
	s = parse_ok(ARGS("--", "", "x"));
	assert_strv(s->argv, STRV("", "x"));
	cell_spec_free(s);
}

static void test_no_command(void **state)
{
	struct cell_err err = { 0 };
	struct cell_spec *s = NULL;
	char *argv[] = { "run", NULL };

	/* no command: the root's /bin/sh, marked as the default */
	assert_int_equal(cell_cli_parse_run(1, argv, caller_env, CWD, &s, &err), CELL_CLI_RUN);
	assert_non_null(s);
	assert_string_equal(s->argv[0], "/bin/sh");
	assert_null(s->argv[1]);
	assert_true(s->default_command);
	cell_spec_free(s);
	s = parse_ok(ARGS("--hostname", "h", "--"));
	assert_string_equal(s->argv[0], "/bin/sh");
	assert_true(s->default_command);
	cell_spec_free(s);
	s = parse_ok(ARGS("/bin/true"));
	assert_false(s->default_command);
	cell_spec_free(s);
}

static void test_unknown_and_missing(void **state)
{
	expect_error(ARGS("--frobnicate", "/bin/true"),
		     "unknown option --frobnicate (see cell run --help)");
	expect_error(ARGS("--frob=1", "/bin/true"), "unknown option --frob=1");
	expect_error(ARGS("-x", "/bin/true"), "unknown option -x (see cell run --help)");
	expect_error(ARGS("--pty", "-q", "/bin/true"), "unknown option -q");
	/* after a good option the error still names the bad one */
	expect_error(ARGS("--bind", "/a", "--frobnicate", "/bin/true"),
		     "unknown option --frobnicate");

	expect_error(ARGS("--bind"), "option --bind needs a value");
	expect_error(ARGS("--ro-bind"), "option --ro-bind needs a value");
	expect_error(ARGS("--tmpfs"), "option --tmpfs needs a value");
	expect_error(ARGS("--ns"), "option --ns needs a value");
	expect_error(ARGS("--share"), "option --share needs a value");
	expect_error(ARGS("--uid"), "option --uid needs a value");
	expect_error(ARGS("--gid"), "option --gid needs a value");
	expect_error(ARGS("--root"), "option --root needs a value");
	expect_error(ARGS("--chroot"), "option --chroot needs a value");
	expect_error(ARGS("--workdir"), "option --workdir needs a value");
	expect_error(ARGS("--hostname"), "option --hostname needs a value");
	expect_error(ARGS("--domainname"), "option --domainname needs a value");
	expect_error(ARGS("--env"), "option --env needs a value");
	expect_error(ARGS("--keep-env"), "option --keep-env needs a value");
	expect_error(ARGS("--keep-fd"), "option --keep-fd needs a value");
	expect_error(ARGS("--pty", "--hostname"), "option --hostname needs a value");
}

static void test_flag_with_value(void **state)
{
	expect_error(ARGS("--pty=1", "/bin/true"), "--pty");
	expect_error(ARGS("--no-init=yes", "/bin/true"), "--no-init");
	expect_error(ARGS("--clearenv=", "/bin/true"), "--clearenv");
}

/* Failing parses must leave nothing behind (run under ASan/LSan) and must not
 * disturb the next parse. */
static void test_errors_then_success(void **state)
{
	struct cell_spec *s;

	expect_error(ARGS("--bind", "/a", "--tmpfs", "/t", "--env", "A=1", "--keep-fd", "4",
			  "--root", "/r", "--hostname", "h", "--keep-env", "TERM", "--bogus"),
		     "unknown option --bogus");
	expect_error(ARGS("--bind", "/a", "--env", "A=1", "--clearenv", "--hostname", "h",
			  "--domainname", "d", "--workdir", "/w", "--keep-fd", "5", "--uid", "x"),
		     "--uid 'x'");

	s = parse_ok(ARGS("/bin/true"));
	assert_int_equal(s->n_mounts, 0);
	assert_strv(s->argv, STRV("/bin/true"));
	cell_spec_free(s);
}

/* getopt keeps hidden state across calls (the position inside a cluster of
 * short options, the argument ordering).  Resetting optind to 1 keeps it;
 * only optind = 0 makes glibc start afresh. */
static void test_getopt_state_cluster(void **state)
{
	struct cell_err err = { 0 };
	struct cell_spec *s = NULL;

	assert_int_equal(parse_env(ARGS("-hh"), caller_env, CWD, &s, &err), CELL_CLI_HELP);
	s = parse_ok(ARGS("/bin/true"));
	assert_strv(s->argv, STRV("/bin/true"));
	cell_spec_free(s);
}

static void test_getopt_state_ordering(void **state)
{
	char *other[] = { "other", "x", NULL };
	struct cell_spec *s;

	optind = 0;
	opterr = 0;
	while (getopt(2, other, "a") != -1)
		;
	s = parse_ok(ARGS("ls", "-l"));
	assert_strv(s->argv, STRV("ls", "-l"));
	cell_spec_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_default_env_variants),
		cmocka_unit_test(test_ns_and_share),
		cmocka_unit_test(test_ns_errors),
		cmocka_unit_test(test_id_modes),
		cmocka_unit_test(test_uid_gid),
		cmocka_unit_test(test_root_and_chroot),
		cmocka_unit_test(test_relative_paths_in_root_dir),
		cmocka_unit_test(test_binds),
		cmocka_unit_test(test_tmpfs),
		cmocka_unit_test(test_workdir_hostname_domainname),
		cmocka_unit_test(test_env),
		cmocka_unit_test(test_keep_env),
		cmocka_unit_test(test_clearenv),
		cmocka_unit_test(test_keep_fd),
		cmocka_unit_test(test_pty_init),
		cmocka_unit_test(test_print_spec_and_help),
		cmocka_unit_test(test_command_and_dashdash),
		cmocka_unit_test(test_no_command),
		cmocka_unit_test(test_unknown_and_missing),
		cmocka_unit_test(test_flag_with_value),
		cmocka_unit_test(test_errors_then_success),
		/* last: when run, these two may leave getopt in a changed state */
		cmocka_unit_test(test_getopt_state_cluster),
		cmocka_unit_test(test_getopt_state_ordering),
	};

	return cmocka_run_group_tests_name("cli", tests, NULL, NULL);
}
