/* test-spec.c - unit tests for src/lib/spec.c: namespace names, the
 * namespace list parser, spec defaults, cell_spec_add_mount and every error
 * branch of cell_spec_validate.
 *
 * Each error test asserts the return value, the errno kept in struct
 * cell_err and a fragment of the message that names the culprit, because
 * that one line is all the user sees.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/spec.h"

#define assert_contains(hay, needle)                                                               \
	do {                                                                                       \
		const char *hay_ = (hay), *needle_ = (needle);                                     \
		if (!hay_ || !strstr(hay_, needle_))                                               \
			fail_msg("\"%s\" does not contain \"%s\"", hay_ ? hay_ : "(null)",         \
				 needle_);                                                         \
	} while (0)

#define ALL_NS ((1u << CELL_NS_MAX) - 1)

/* ---- names ---- */

static void test_ns_names(void **state)
{
	static const char *const names[CELL_NS_MAX] = {
		"user", "mnt", "pid", "net", "ipc", "uts", "cgroup", "time",
	};

	for (int t = 0; t < CELL_NS_MAX; t++) {
		assert_string_equal(cell_ns_name(t), names[t]);
		assert_int_equal(cell_ns_from_name(names[t]), t);
	}
	assert_null(cell_ns_name(CELL_NS_MAX));
	assert_null(cell_ns_name((enum cell_ns_type)-1));
}

static void test_ns_from_name_alias_and_unknown(void **state)
{
	assert_int_equal(cell_ns_from_name("mount"), CELL_NS_MNT);
	assert_int_equal(cell_ns_from_name(""), -1);
	assert_int_equal(cell_ns_from_name("NET"), -1);
	assert_int_equal(cell_ns_from_name("network"), -1);
	assert_int_equal(cell_ns_from_name("ne"), -1);
	assert_int_equal(cell_ns_from_name("nett"), -1);
	assert_int_equal(cell_ns_from_name(" net"), -1);
	assert_int_equal(cell_ns_from_name("users"), -1);
	assert_int_equal(cell_ns_from_name("cgroups"), -1);
}

/* ---- cell_ns_parse_list ---- */

static void test_ns_parse_list_valid(void **state)
{
	static const struct {
		const char *in;
		unsigned mask;
	} cases[] = {
		{ "user", CELL_NS_BIT(CELL_NS_USER) },
		{ "net", CELL_NS_BIT(CELL_NS_NET) },
		{ "mount", CELL_NS_BIT(CELL_NS_MNT) },
		{ "mnt,mount", CELL_NS_BIT(CELL_NS_MNT) },
		{ "time", CELL_NS_BIT(CELL_NS_TIME) },
		{ "net,net", CELL_NS_BIT(CELL_NS_NET) },
		{ "user,net", CELL_NS_BIT(CELL_NS_USER) | CELL_NS_BIT(CELL_NS_NET) },
		{ "user,mnt,pid,net,ipc,uts,cgroup", CELL_NS_DEFAULT },
		{ "cgroup,uts,ipc,net,pid,mount,user,time", ALL_NS },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cell_err err = { 0 };
		unsigned mask = 0xdead;

		assert_int_equal(cell_ns_parse_list(cases[i].in, &mask, &err), 0);
		assert_int_equal(mask, cases[i].mask);
		assert_string_equal(err.msg, "");
	}
}

static void expect_list_error(const char *list, const char *fragment)
{
	struct cell_err err = { 0 };
	unsigned mask = 0xdead;

	assert_int_equal(cell_ns_parse_list(list, &mask, &err), -EINVAL);
	assert_int_equal(mask, 0xdead);
	assert_int_equal(err.errnum, 0);
	assert_int_equal(err.status, 125);
	assert_contains(err.msg, fragment);
}

static void test_ns_parse_list_errors(void **state)
{
	expect_list_error("", "empty namespace list");
	expect_list_error("foo", "unknown namespace 'foo'");
	expect_list_error("foo", "(use user,mnt,pid,net,ipc,uts,cgroup,time)");
	expect_list_error("user,foo", "unknown namespace 'foo'");
	expect_list_error("NET", "unknown namespace 'NET'");
	expect_list_error("user, net", "unknown namespace ' net'");
	expect_list_error("net,,pid", "bad namespace name ''");
	expect_list_error(",,", "bad namespace name ''");
	expect_list_error(",", "bad namespace name ''");
	expect_list_error(",net", "bad namespace name ''");
	expect_list_error("net,", "bad namespace name ''");
	/* too long for any name: reported, not truncated into a match */
	expect_list_error("averyveryverylongname", "bad namespace name 'averyveryverylongname'");
	expect_list_error("net,userxxxxxxxxxxxxxxxxxx",
			  "bad namespace name 'userxxxxxxxxxxxxxxxxxx'");
}

/* ---- defaults and mounts ---- */

static void test_spec_new_defaults(void **state)
{
	struct cell_spec *s = cell_spec_new();

	assert_non_null(s);
	assert_int_equal(s->ns, CELL_NS_DEFAULT);
	assert_false(s->ns & CELL_NS_BIT(CELL_NS_TIME));
	assert_int_equal(s->set, 0);
	assert_int_equal(s->id_mode, CELL_ID_DEFAULT);
	assert_int_equal(s->root_mode, CELL_ROOT_DEFAULT);
	assert_int_equal(s->pty, CELL_PTY_AUTO);
	assert_true(s->init);
	assert_false(s->root_rw);
	assert_null(s->root);
	assert_null(s->mounts);
	assert_int_equal(s->n_mounts, 0);
	assert_null(s->hostname);
	assert_null(s->domainname);
	assert_null(s->workdir);
	assert_null(s->env);
	assert_null(s->argv);
	assert_null(s->keep_fds);
	assert_int_equal(s->n_keep_fds, 0);
	assert_null(cell_spec_free(s));
	assert_null(cell_spec_free(NULL));
}

static void test_spec_add_mount(void **state)
{
	struct cell_spec *s = cell_spec_new();
	char src[] = "/srv/data", dst[] = "/data";

	assert_int_equal(cell_spec_add_mount(s, CELL_MOUNT_BIND, src, dst, 0), 0);
	assert_int_equal(cell_spec_add_mount(s, CELL_MOUNT_RO_BIND, "/a", "/b", 0), 0);
	assert_int_equal(cell_spec_add_mount(s, CELL_MOUNT_TMPFS, NULL, "/scratch", 4096), 0);
	/* the spec owns copies, not the caller's buffers */
	src[1] = dst[1] = 'X';
	assert_int_equal(s->n_mounts, 3);
	assert_int_equal(s->mounts[0].type, CELL_MOUNT_BIND);
	assert_string_equal(s->mounts[0].src, "/srv/data");
	assert_string_equal(s->mounts[0].dst, "/data");
	assert_int_equal(s->mounts[0].size, 0);
	assert_int_equal(s->mounts[1].type, CELL_MOUNT_RO_BIND);
	assert_string_equal(s->mounts[1].src, "/a");
	assert_string_equal(s->mounts[1].dst, "/b");
	assert_int_equal(s->mounts[2].type, CELL_MOUNT_TMPFS);
	assert_null(s->mounts[2].src);
	assert_string_equal(s->mounts[2].dst, "/scratch");
	assert_int_equal(s->mounts[2].size, 4096);
	cell_spec_free(s);
}

/* ---- cell_spec_validate ---- */

static struct cell_spec *spec_with(const char *cmd)
{
	struct cell_spec *s = cell_spec_new();

	assert_non_null(s);
	if (cmd) {
		s->argv = calloc(2, sizeof(char *));
		assert_non_null(s->argv);
		s->argv[0] = strdup(cmd);
	}
	return s;
}

static void set_str(char **field, const char *v)
{
	free(*field);
	*field = strdup(v);
	assert_non_null(*field);
}

static void expect_ok(const struct cell_spec *s, bool privileged)
{
	struct cell_err err = { 0 };
	int r = cell_spec_validate(s, privileged, &err);

	if (r != 0)
		fail_msg("validate (privileged=%d) failed: %d %s", privileged, r, err.msg);
	assert_string_equal(err.msg, "");
}

static void expect_invalid(const struct cell_spec *s, bool privileged, int errnum,
			   const char *fragment)
{
	struct cell_err err = { 0 };

	assert_int_equal(cell_spec_validate(s, privileged, &err), errnum ? -errnum : -EINVAL);
	assert_int_equal(err.errnum, errnum);
	assert_int_equal(err.status, 125);
	assert_contains(err.msg, fragment);
}

static void test_validate_default_ok(void **state)
{
	struct cell_spec *s = spec_with("/bin/sh");

	expect_ok(s, false);
	expect_ok(s, true);
	/* every namespace, time included */
	s->ns = ALL_NS;
	expect_ok(s, false);
	/* nothing new at all is allowed too (like running the command plainly) */
	s->ns = 0;
	expect_ok(s, false);
	cell_spec_free(s);
}

static void test_validate_no_command(void **state)
{
	struct cell_spec *s = spec_with(NULL);

	expect_invalid(s, false, 0, "no command given (try: cell run -- /bin/sh)");
	expect_invalid(s, true, 0, "no command given");
	/* an empty argv (just the terminator) is no command either */
	s->argv = calloc(1, sizeof(char *));
	expect_invalid(s, true, 0, "no command given");
	cell_spec_free(s);
}

static void test_validate_unprivileged_without_userns(void **state)
{
	struct cell_spec *s = spec_with("/bin/true");

	/* --share user: the first namespace that needs root is named */
	s->ns = CELL_NS_DEFAULT & ~CELL_NS_BIT(CELL_NS_USER);
	expect_invalid(s, false, EPERM,
		       "a new mnt namespace without a new user namespace needs root "
		       "(CAP_SYS_ADMIN)");
	expect_invalid(s, false, EPERM, "keep 'user' in --ns or drop 'user' from --share");
	expect_ok(s, true);

	/* --ns net, as in `unshare --net` */
	s->ns = CELL_NS_BIT(CELL_NS_NET);
	expect_invalid(s, false, EPERM, "a new net namespace without a new user namespace");
	expect_ok(s, true);

	s->ns = CELL_NS_BIT(CELL_NS_TIME);
	expect_invalid(s, false, EPERM, "a new time namespace without a new user namespace");

	s->ns = CELL_NS_BIT(CELL_NS_UTS) | CELL_NS_BIT(CELL_NS_CGROUP);
	expect_invalid(s, false, EPERM, "a new uts namespace");
	cell_spec_free(s);
}

static void test_validate_map_without_userns(void **state)
{
	static const enum cell_id_mode modes[] = {
		CELL_ID_MAP_ROOT, CELL_ID_MAP_AUTO, CELL_ID_HOST_ROOT,
	};
	struct cell_spec *s = spec_with("/bin/true");

	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		s->id_mode = modes[i];
		/* as root with other namespaces, and unprivileged with none */
		s->ns = CELL_NS_DEFAULT & ~CELL_NS_BIT(CELL_NS_USER);
		expect_invalid(s, true, 0,
			       "--map-root, --map-auto and --map-host-root need a new user "
			       "namespace");
		s->ns = 0;
		expect_invalid(s, false, 0, "need a new user namespace");
	}
	cell_spec_free(s);
}

static void test_validate_map_host_root(void **state)
{
	struct cell_spec *s = spec_with("/bin/true");

	s->id_mode = CELL_ID_HOST_ROOT;
	expect_invalid(s, false, EPERM, "--map-host-root: only root can map host root");
	expect_ok(s, true);

	/* the other modes are fine for everybody */
	s->id_mode = CELL_ID_MAP_ROOT;
	expect_ok(s, false);
	s->id_mode = CELL_ID_MAP_AUTO;
	expect_ok(s, false);
	cell_spec_free(s);
}

static void test_validate_uid_without_userns(void **state)
{
	struct cell_spec *s = spec_with("/bin/true");

	s->ns = 0;
	s->set |= CELL_SET_UID;
	s->uid = 1;
	expect_invalid(s, false, EPERM, "--uid/--gid without a new user namespace need root");
	expect_ok(s, true);
	s->set = CELL_SET_GID;
	expect_invalid(s, false, EPERM, "--uid/--gid without a new user namespace need root");
	/* with a user namespace they are fine */
	s->ns = CELL_NS_BIT(CELL_NS_USER);
	s->set = CELL_SET_UID | CELL_SET_GID;
	expect_ok(s, false);
	cell_spec_free(s);
}

static void test_validate_root_needs_mntns(void **state)
{
	struct cell_spec *s = spec_with("/bin/true");

	s->ns = CELL_NS_DEFAULT & ~CELL_NS_BIT(CELL_NS_MNT);
	set_str(&s->root, "/srv/root");
	s->root_mode = CELL_ROOT_DIR;
	expect_invalid(s, false, 0, "--root needs a new mount namespace");
	expect_invalid(s, true, 0, "--root needs a new mount namespace");

	/* --chroot is only chroot(2): no mount namespace needed */
	s->root_mode = CELL_ROOT_CHROOT;
	expect_ok(s, false);

	s->root_mode = CELL_ROOT_DIR;
	s->ns = CELL_NS_DEFAULT;
	expect_ok(s, false);
	cell_spec_free(s);
}

static void test_validate_bind_needs_mntns(void **state)
{
	struct cell_spec *s = spec_with("/bin/true");

	s->ns = CELL_NS_DEFAULT & ~CELL_NS_BIT(CELL_NS_MNT);
	assert_int_equal(cell_spec_add_mount(s, CELL_MOUNT_BIND, "/a", "/a", 0), 0);
	expect_invalid(s, false, 0, "--bind needs a new mount namespace");
	expect_invalid(s, true, 0, "--bind needs a new mount namespace");
	cell_spec_free(s);

	s = spec_with("/bin/true");
	s->ns = CELL_NS_BIT(CELL_NS_USER);
	assert_int_equal(cell_spec_add_mount(s, CELL_MOUNT_RO_BIND, "/a", "/a", 0), 0);
	expect_invalid(s, false, 0, "needs a new mount namespace");
	cell_spec_free(s);

	s = spec_with("/bin/true");
	s->ns = CELL_NS_BIT(CELL_NS_USER);
	assert_int_equal(cell_spec_add_mount(s, CELL_MOUNT_TMPFS, NULL, "/t", 0), 0);
	expect_invalid(s, false, 0, "--tmpfs needs a new mount namespace");
	s->ns |= CELL_NS_BIT(CELL_NS_MNT);
	expect_ok(s, false);
	cell_spec_free(s);
}

static void test_validate_ro_bind_needs_mntns(void **state)
{
	struct cell_spec *s;

	s = spec_with("/bin/true");
	s->ns = CELL_NS_BIT(CELL_NS_USER);
	assert_int_equal(cell_spec_add_mount(s, CELL_MOUNT_RO_BIND, "/a", "/a", 0), 0);
	/* the message should name the option the user gave */
	expect_invalid(s, false, 0, "--ro-bind needs a new mount namespace");
	cell_spec_free(s);
}

static void test_validate_chroot_with_mounts(void **state)
{
	static const enum cell_mount_type types[] = {
		CELL_MOUNT_BIND, CELL_MOUNT_RO_BIND, CELL_MOUNT_TMPFS,
	};

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		struct cell_spec *s = spec_with("/bin/true");

		set_str(&s->root, "/srv/jail");
		s->root_mode = CELL_ROOT_CHROOT;
		expect_ok(s, false);
		assert_int_equal(cell_spec_add_mount(s, types[i],
						     types[i] == CELL_MOUNT_TMPFS ? NULL : "/x",
						     "/x", 0),
				 0);
		expect_invalid(s, false, 0,
			       "--chroot changes only the root: it takes no --bind or --tmpfs "
			       "(use --root for a full sandbox)");
		cell_spec_free(s);
	}
}

static void test_validate_rw_root(void **state)
{
	struct cell_spec *s = spec_with("/bin/true");

	s->root_rw = true;
	expect_invalid(s, false, 0, "--rw-root goes with --root DIR");
	set_str(&s->root, "/srv/jail");
	s->root_mode = CELL_ROOT_CHROOT;
	expect_invalid(s, false, 0, "--rw-root goes with --root DIR");
	s->root_mode = CELL_ROOT_DIR;
	expect_ok(s, false);
	cell_spec_free(s);
}

static void test_validate_hostname_needs_uts(void **state)
{
	struct cell_spec *s = spec_with("/bin/true");

	s->ns &= ~CELL_NS_BIT(CELL_NS_UTS);
	set_str(&s->hostname, "box");
	s->set |= CELL_SET_HOSTNAME;
	expect_invalid(s, false, 0, "--hostname needs a new uts namespace");
	expect_invalid(s, true, 0, "--hostname needs a new uts namespace");
	s->set &= ~CELL_SET_HOSTNAME;
	free(s->hostname);
	s->hostname = NULL;

	set_str(&s->domainname, "example.org");
	s->set |= CELL_SET_DOMAINNAME;
	expect_invalid(s, false, 0, "--domainname needs a new uts namespace");

	s->ns |= CELL_NS_BIT(CELL_NS_UTS);
	expect_ok(s, false);
	cell_spec_free(s);
}

static void test_validate_hostnames(void **state)
{
	static const char *const good[] = {
		"a", "cell", "my-box", "box1", "1box", "host.example.org", "UPPER.Case",
		/* 64 bytes, the sethostname(2) maximum, in labels of at most 63 */
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.a",
	};
	static const char *const bad[] = {
		"", "-box", ".box", "my box", "box_1", "box/1", "bo\nx", "b\303\266x", "box:1",
		"box;rm", "*",
		/* 65 bytes */
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		/* one label of 64 bytes (RFC 1123 allows 63) */
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	};
	struct cell_spec *s = spec_with("/bin/true");
	char want[128];

	s->set |= CELL_SET_HOSTNAME;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		set_str(&s->hostname, good[i]);
		expect_ok(s, false);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		set_str(&s->hostname, bad[i]);
		snprintf(want, sizeof(want), "--hostname '%s': not a valid host name", bad[i]);
		expect_invalid(s, false, 0, want);
	}
	cell_spec_free(s);
}

static void test_validate_hostname_labels(void **state)
{
	/* spec.c's comment promises "RFC 1123 labels": no empty label, no label
	 * starting or ending with '-', no label over 63 bytes. */
	static const char *const bad[] = {
		"a..b", "box-", "a.-b", "a-.b", "box.",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.b",
	};
	struct cell_spec *s;

	s = spec_with("/bin/true");
	s->set |= CELL_SET_HOSTNAME;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		set_str(&s->hostname, bad[i]);
		expect_invalid(s, false, 0, "not a valid host name");
	}
	cell_spec_free(s);
}

static void test_validate_domainname(void **state)
{
	struct cell_spec *s = spec_with("/bin/true");
	char name[66];

	s->set |= CELL_SET_DOMAINNAME;
	set_str(&s->domainname, "");
	expect_invalid(s, false, 0, "--domainname '': must be 1 to 64 bytes");

	memset(name, 'd', 65);
	name[65] = '\0';
	set_str(&s->domainname, name);
	expect_invalid(s, false, 0, "must be 1 to 64 bytes");

	name[64] = '\0';
	set_str(&s->domainname, name);
	expect_ok(s, false);
	set_str(&s->domainname, "x");
	expect_ok(s, false);
	cell_spec_free(s);
}

static void test_validate_workdir(void **state)
{
	struct cell_spec *s = spec_with("/bin/true");

	set_str(&s->workdir, "srv");
	s->set |= CELL_SET_WORKDIR;
	expect_invalid(s, false, 0, "--workdir srv: must be an absolute path");
	set_str(&s->workdir, "./srv");
	expect_invalid(s, false, 0, "--workdir ./srv: must be an absolute path");
	set_str(&s->workdir, "");
	expect_invalid(s, false, 0, "must be an absolute path");
	set_str(&s->workdir, "/srv");
	expect_ok(s, false);
	set_str(&s->workdir, "/");
	expect_ok(s, false);
	cell_spec_free(s);
}

static void test_validate_mount_destinations(void **state)
{
	static const enum cell_mount_type types[] = {
		CELL_MOUNT_BIND, CELL_MOUNT_RO_BIND, CELL_MOUNT_TMPFS,
	};

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		const char *src = types[i] == CELL_MOUNT_TMPFS ? NULL : "/srv";
		struct cell_spec *s = spec_with("/bin/true");

		assert_int_equal(cell_spec_add_mount(s, types[i], src, "/ok", 0), 0);
		expect_ok(s, false);
		assert_int_equal(cell_spec_add_mount(s, types[i], src, "/", 0), 0);
		expect_invalid(s, false, 0, "mount destination /: use --root to replace the root");
		cell_spec_free(s);

		s = spec_with("/bin/true");
		assert_int_equal(cell_spec_add_mount(s, types[i], src, "rel/dst", 0), 0);
		expect_invalid(s, false, 0, "mount destination rel/dst: must be an absolute path");
		cell_spec_free(s);

		s = spec_with("/bin/true");
		assert_int_equal(cell_spec_add_mount(s, types[i], src, "", 0), 0);
		expect_invalid(s, false, 0, "must be an absolute path");
		cell_spec_free(s);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ns_names),
		cmocka_unit_test(test_ns_from_name_alias_and_unknown),
		cmocka_unit_test(test_ns_parse_list_valid),
		cmocka_unit_test(test_ns_parse_list_errors),
		cmocka_unit_test(test_spec_new_defaults),
		cmocka_unit_test(test_spec_add_mount),
		cmocka_unit_test(test_validate_default_ok),
		cmocka_unit_test(test_validate_no_command),
		cmocka_unit_test(test_validate_unprivileged_without_userns),
		cmocka_unit_test(test_validate_map_without_userns),
		cmocka_unit_test(test_validate_map_host_root),
		cmocka_unit_test(test_validate_uid_without_userns),
		cmocka_unit_test(test_validate_root_needs_mntns),
		cmocka_unit_test(test_validate_bind_needs_mntns),
		cmocka_unit_test(test_validate_ro_bind_needs_mntns),
		cmocka_unit_test(test_validate_chroot_with_mounts),
		cmocka_unit_test(test_validate_rw_root),
		cmocka_unit_test(test_validate_hostname_needs_uts),
		cmocka_unit_test(test_validate_hostnames),
		cmocka_unit_test(test_validate_hostname_labels),
		cmocka_unit_test(test_validate_domainname),
		cmocka_unit_test(test_validate_workdir),
		cmocka_unit_test(test_validate_mount_destinations),
	};

	return cmocka_run_group_tests_name("spec", tests, NULL, NULL);
}
