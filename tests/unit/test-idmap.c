/* test-idmap.c - unit tests for src/lib/idmap.c: the uid/gid map plan and
 * its text form.
 *
 * cell_idmap_plan() is pure: every case hands it a spec and a hand-made
 * struct cell_host (an unprivileged user with or without /etc/subuid ranges,
 * root with or without them) and checks every field of the plan: who writes
 * the maps, the exact lines, setgroups, the ids init and the command switch
 * to.  The writers themselves need a real child and are left to the
 * integration tests.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lib/idmap.h"

#define assert_contains(hay, needle)                                                               \
	do {                                                                                       \
		const char *hay_ = (hay), *needle_ = (needle);                                     \
		if (!hay_ || !strstr(hay_, needle_))                                               \
			fail_msg("\"%s\" does not contain \"%s\"", hay_ ? hay_ : "(null)",         \
				 needle_);                                                         \
	} while (0)

/* alice: uid 1000, gid 1001, "alice:100000:65536" in /etc/subuid and
 * "alice:300000:10000" in /etc/subgid. */
static struct cell_host user_host(bool with_subuid, bool with_subgid)
{
	struct cell_host h = { .uid = 1000, .gid = 1001, .root = false };

	if (with_subuid)
		h.subuid = (struct cell_subid){ 100000, 65536 };
	if (with_subgid)
		h.subgid = (struct cell_subid){ 300000, 10000 };
	return h;
}

/* root: "root:1000000:65536" / "root:2000000:131072" when with_subid. */
static struct cell_host root_host(bool with_subuid, bool with_subgid)
{
	struct cell_host h = { .uid = 0, .gid = 0, .root = true };

	if (with_subuid)
		h.subuid = (struct cell_subid){ 1000000, 65536 };
	if (with_subgid)
		h.subgid = (struct cell_subid){ 2000000, 131072 };
	return h;
}

static struct cell_spec *spec(enum cell_id_mode mode)
{
	struct cell_spec *s = cell_spec_new();

	assert_non_null(s);
	s->id_mode = mode;
	if (mode != CELL_ID_DEFAULT)
		s->set |= CELL_SET_IDMODE;
	return s;
}

static void set_uid(struct cell_spec *s, uint32_t uid)
{
	s->uid = uid;
	s->set |= CELL_SET_UID;
}

static void set_gid(struct cell_spec *s, uint32_t gid)
{
	s->gid = gid;
	s->set |= CELL_SET_GID;
}

static struct cell_idmap_plan plan_ok(const struct cell_spec *s, const struct cell_host *h)
{
	struct cell_err err = { 0 };
	struct cell_idmap_plan p;
	int r;

	memset(&p, 0x5a, sizeof(p));
	r = cell_idmap_plan(s, h, &p, &err);
	if (r != 0)
		fail_msg("cell_idmap_plan failed: %d %s", r, err.msg);
	return p;
}

static void plan_fails(const struct cell_spec *s, const struct cell_host *h, const char *fragment)
{
	struct cell_err err = { 0 };
	struct cell_idmap_plan p;

	assert_int_equal(cell_idmap_plan(s, h, &p, &err), -EINVAL);
	assert_int_equal(err.errnum, 0);
	assert_int_equal(err.status, 125);
	assert_contains(err.msg, fragment);
}

static void expect_line(const struct cell_idmap_line *l, uint32_t inside, uint32_t outside,
			uint32_t count)
{
	assert_int_equal(l->inside, inside);
	assert_int_equal(l->outside, outside);
	assert_int_equal(l->count, count);
}

/* ---- unprivileged: one line each, written by the child itself ---- */

static void test_unprivileged_default(void **state)
{
	struct cell_spec *s = spec(CELL_ID_DEFAULT);
	struct cell_host h = user_host(true, true);
	struct cell_idmap_plan p = plan_ok(s, &h);

	assert_int_equal(p.writer, CELL_IDMAP_CHILD);
	assert_int_equal(p.n_uid_map, 1);
	assert_int_equal(p.n_gid_map, 1);
	/* the caller's own ids, not the subordinate ranges */
	expect_line(&p.uid_map[0], 1000, 1000, 1);
	expect_line(&p.gid_map[0], 1001, 1001, 1);
	assert_true(p.setgroups_deny);
	assert_int_equal(p.init_uid, -1);
	assert_int_equal(p.init_gid, -1);
	assert_int_equal(p.uid, 1000);
	assert_int_equal(p.gid, 1001);
	assert_false(p.set_ids);
	assert_false(p.drop_groups);
	cell_spec_free(s);
}

static void test_unprivileged_map_root(void **state)
{
	struct cell_spec *s = spec(CELL_ID_MAP_ROOT);
	struct cell_host h = user_host(false, false);
	struct cell_idmap_plan p = plan_ok(s, &h);

	assert_int_equal(p.writer, CELL_IDMAP_CHILD);
	assert_int_equal(p.n_uid_map, 1);
	assert_int_equal(p.n_gid_map, 1);
	expect_line(&p.uid_map[0], 0, 1000, 1);
	expect_line(&p.gid_map[0], 0, 1001, 1);
	assert_true(p.setgroups_deny);
	assert_int_equal(p.init_uid, -1);
	assert_int_equal(p.init_gid, -1);
	assert_int_equal(p.uid, 0);
	assert_int_equal(p.gid, 0);
	/* the map alone makes the child root: no setresuid */
	assert_false(p.set_ids);
	assert_false(p.drop_groups);
	cell_spec_free(s);
}

static void test_unprivileged_uid_gid(void **state)
{
	struct cell_spec *s = spec(CELL_ID_DEFAULT);
	struct cell_host h = user_host(false, false);
	struct cell_idmap_plan p;

	/* --uid N maps N to the caller */
	set_uid(s, 5);
	p = plan_ok(s, &h);
	assert_int_equal(p.writer, CELL_IDMAP_CHILD);
	expect_line(&p.uid_map[0], 5, 1000, 1);
	expect_line(&p.gid_map[0], 1001, 1001, 1);
	assert_int_equal(p.uid, 5);
	assert_int_equal(p.gid, 1001);
	assert_false(p.set_ids);

	set_gid(s, 4294967294u);
	p = plan_ok(s, &h);
	expect_line(&p.uid_map[0], 5, 1000, 1);
	expect_line(&p.gid_map[0], 4294967294u, 1001, 1);
	assert_int_equal(p.gid, 4294967294u);
	cell_spec_free(s);

	/* with --map-root, --uid/--gid still decide the inside ids */
	s = spec(CELL_ID_MAP_ROOT);
	set_gid(s, 100);
	p = plan_ok(s, &h);
	expect_line(&p.uid_map[0], 0, 1000, 1);
	expect_line(&p.gid_map[0], 100, 1001, 1);
	assert_int_equal(p.uid, 0);
	assert_int_equal(p.gid, 100);
	cell_spec_free(s);
}

/* ---- --map-auto: newuidmap/newgidmap with the subordinate ranges ---- */

static void test_map_auto(void **state)
{
	struct cell_spec *s = spec(CELL_ID_MAP_AUTO);
	struct cell_host h = user_host(true, true);
	struct cell_idmap_plan p = plan_ok(s, &h);

	assert_int_equal(p.writer, CELL_IDMAP_HELPER);
	assert_int_equal(p.n_uid_map, 2);
	assert_int_equal(p.n_gid_map, 2);
	expect_line(&p.uid_map[0], 0, 1000, 1);
	expect_line(&p.uid_map[1], 1, 100000, 65536);
	expect_line(&p.gid_map[0], 0, 1001, 1);
	expect_line(&p.gid_map[1], 1, 300000, 10000);
	/* newgidmap may allow setgroups: no "deny" */
	assert_false(p.setgroups_deny);
	assert_int_equal(p.init_uid, -1);
	assert_int_equal(p.init_gid, -1);
	assert_int_equal(p.uid, 0);
	assert_int_equal(p.gid, 0);
	assert_false(p.set_ids);
	assert_true(p.drop_groups);

	/* any mapped id can be asked for; then the command switches to it */
	set_uid(s, 1000);
	p = plan_ok(s, &h);
	assert_int_equal(p.uid, 1000);
	assert_int_equal(p.gid, 0);
	assert_true(p.set_ids);

	set_uid(s, 65536); /* the last id of the range */
	set_gid(s, 10000);
	p = plan_ok(s, &h);
	assert_int_equal(p.uid, 65536);
	assert_int_equal(p.gid, 10000);
	assert_true(p.set_ids);

	set_uid(s, 65537);
	plan_fails(s, &h, "--uid 65537: not mapped in the sandbox (inside ids 0-65536)");
	set_uid(s, 0);
	set_gid(s, 10001);
	plan_fails(s, &h, "--gid 10001: not mapped in the sandbox (inside ids 0-10000)");
	cell_spec_free(s);
}

static void test_map_auto_without_ranges(void **state)
{
	struct cell_spec *s = spec(CELL_ID_MAP_AUTO);
	struct cell_host none = user_host(false, false);
	struct cell_host uid_only = user_host(true, false);
	struct cell_host gid_only = user_host(false, true);

	plan_fails(s, &none,
		   "--map-auto: no subordinate uid range for uid 1000 in /etc/subuid (add one, "
		   "e.g. usermod --add-subuids 100000-165535 --add-subgids 100000-165535 USER)");
	plan_fails(s, &gid_only,
		   "--map-auto: no subordinate uid range for uid 1000 in /etc/subuid");
	plan_fails(s, &uid_only,
		   "--map-auto: no subordinate gid range for uid 1000 in /etc/subgid");
	cell_spec_free(s);
}

/* ---- root: ranges written by cell itself; root inside is not host root ---- */

static void test_root_default_with_subids(void **state)
{
	static const enum cell_id_mode modes[] = {
		CELL_ID_DEFAULT, CELL_ID_MAP_ROOT, CELL_ID_MAP_AUTO,
	};

	/* As root, the default, --map-root and --map-auto all give root's range. */
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		struct cell_spec *s = spec(modes[i]);
		struct cell_host h = root_host(true, true);
		struct cell_idmap_plan p = plan_ok(s, &h);

		assert_int_equal(p.writer, CELL_IDMAP_PARENT);
		assert_int_equal(p.n_uid_map, 1);
		assert_int_equal(p.n_gid_map, 1);
		expect_line(&p.uid_map[0], 0, 1000000, 65536);
		expect_line(&p.gid_map[0], 0, 2000000, 131072);
		assert_false(p.setgroups_deny);
		/* host uid 0 is unmapped: init becomes the namespace's root first */
		assert_int_equal(p.init_uid, 0);
		assert_int_equal(p.init_gid, 0);
		assert_int_equal(p.uid, 0);
		assert_int_equal(p.gid, 0);
		assert_false(p.set_ids);
		assert_true(p.drop_groups);
		cell_spec_free(s);
	}
}

static void test_root_default_without_subids(void **state)
{
	struct cell_spec *s = spec(CELL_ID_DEFAULT);
	struct cell_host h = root_host(false, false);
	struct cell_idmap_plan p = plan_ok(s, &h);

	/* the documented default range (cell run --help, man page) */
	assert_int_equal(CELL_ROOT_DEFAULT_BASE, 2130706432u);
	assert_int_equal(CELL_ROOT_DEFAULT_COUNT, 65536u);
	assert_int_equal(p.writer, CELL_IDMAP_PARENT);
	expect_line(&p.uid_map[0], 0, CELL_ROOT_DEFAULT_BASE, CELL_ROOT_DEFAULT_COUNT);
	expect_line(&p.gid_map[0], 0, CELL_ROOT_DEFAULT_BASE, CELL_ROOT_DEFAULT_COUNT);
	assert_int_equal(p.init_uid, 0);
	assert_int_equal(p.init_gid, 0);
	assert_int_equal(p.uid, 0);
	assert_false(p.set_ids);

	/* each map falls back on its own */
	h = root_host(true, false);
	p = plan_ok(s, &h);
	expect_line(&p.uid_map[0], 0, 1000000, 65536);
	expect_line(&p.gid_map[0], 0, CELL_ROOT_DEFAULT_BASE, CELL_ROOT_DEFAULT_COUNT);
	h = root_host(false, true);
	p = plan_ok(s, &h);
	expect_line(&p.uid_map[0], 0, CELL_ROOT_DEFAULT_BASE, CELL_ROOT_DEFAULT_COUNT);
	expect_line(&p.gid_map[0], 0, 2000000, 131072);
	cell_spec_free(s);
}

static void test_root_uid_gid(void **state)
{
	struct cell_spec *s = spec(CELL_ID_DEFAULT);
	struct cell_host h = root_host(false, false);
	struct cell_idmap_plan p;

	set_uid(s, 1000);
	set_gid(s, 100);
	p = plan_ok(s, &h);
	assert_int_equal(p.writer, CELL_IDMAP_PARENT);
	assert_int_equal(p.init_uid, 0);
	assert_int_equal(p.uid, 1000);
	assert_int_equal(p.gid, 100);
	assert_true(p.set_ids);

	set_uid(s, 0);
	set_gid(s, 65535);
	p = plan_ok(s, &h);
	assert_true(p.set_ids);

	set_gid(s, 0);
	p = plan_ok(s, &h);
	assert_false(p.set_ids);

	set_uid(s, 65536);
	plan_fails(s, &h, "--uid 65536: not mapped in the sandbox (inside ids 0-65535)");
	set_uid(s, 4294967294u);
	plan_fails(s, &h, "--uid 4294967294: not mapped in the sandbox (inside ids 0-65535)");
	set_uid(s, 0);
	set_gid(s, 70000);
	plan_fails(s, &h, "--gid 70000: not mapped in the sandbox (inside ids 0-65535)");
	cell_spec_free(s);

	/* the range's own size counts, not the default's */
	s = spec(CELL_ID_DEFAULT);
	h = root_host(true, true);
	set_gid(s, 131071);
	p = plan_ok(s, &h);
	assert_int_equal(p.gid, 131071);
	set_uid(s, 65536);
	plan_fails(s, &h, "--uid 65536: not mapped in the sandbox (inside ids 0-65535)");
	cell_spec_free(s);
}

static void test_map_host_root(void **state)
{
	struct cell_spec *s = spec(CELL_ID_HOST_ROOT);
	struct cell_host h = root_host(true, true);
	struct cell_idmap_plan p = plan_ok(s, &h);

	/* identity over every id the kernel allows (all but (uid_t)-1) */
	assert_int_equal(p.writer, CELL_IDMAP_PARENT);
	assert_int_equal(p.n_uid_map, 1);
	assert_int_equal(p.n_gid_map, 1);
	expect_line(&p.uid_map[0], 0, 0, 4294967295u);
	expect_line(&p.gid_map[0], 0, 0, 4294967295u);
	assert_false(p.setgroups_deny);
	assert_int_equal(p.init_uid, 0);
	assert_int_equal(p.init_gid, 0);
	assert_int_equal(p.uid, 0);
	assert_int_equal(p.gid, 0);
	assert_false(p.set_ids);
	assert_true(p.drop_groups);

	set_uid(s, 4294967294u);
	p = plan_ok(s, &h);
	assert_int_equal(p.uid, 4294967294u);
	assert_true(p.set_ids);
	cell_spec_free(s);
}

/* ---- no new user namespace: no maps at all ---- */

static void test_no_user_namespace(void **state)
{
	struct cell_spec *s = spec(CELL_ID_DEFAULT);
	struct cell_host h = user_host(true, true);
	struct cell_idmap_plan p;

	s->ns = CELL_NS_DEFAULT & ~CELL_NS_BIT(CELL_NS_USER);
	p = plan_ok(s, &h);
	assert_int_equal(p.writer, CELL_IDMAP_NONE);
	assert_int_equal(p.n_uid_map, 0);
	assert_int_equal(p.n_gid_map, 0);
	assert_false(p.setgroups_deny);
	assert_int_equal(p.init_uid, -1);
	assert_int_equal(p.init_gid, -1);
	assert_int_equal(p.uid, 1000);
	assert_int_equal(p.gid, 1001);
	assert_false(p.set_ids);
	assert_false(p.drop_groups);

	/* root without a user namespace: --uid/--gid switch ids, groups go */
	h = root_host(false, false);
	set_uid(s, 1000);
	p = plan_ok(s, &h);
	assert_int_equal(p.writer, CELL_IDMAP_NONE);
	assert_int_equal(p.n_uid_map, 0);
	assert_int_equal(p.uid, 1000);
	assert_int_equal(p.gid, 0);
	assert_true(p.set_ids);
	assert_true(p.drop_groups);

	s->set &= ~CELL_SET_UID;
	p = plan_ok(s, &h);
	assert_int_equal(p.uid, 0);
	assert_false(p.set_ids);
	assert_true(p.drop_groups);
	cell_spec_free(s);
}

/* ---- cell_idmap_format ---- */

static void test_format(void **state)
{
	const struct cell_idmap_line two[] = { { 0, 1000, 1 }, { 1, 100000, 65536 } };
	const struct cell_idmap_line max[] = { { 4294967295u, 4294967295u, 4294967295u } };
	char buf[128];

	assert_int_equal(cell_idmap_format(two, 1, buf, sizeof(buf)), 9);
	assert_string_equal(buf, "0 1000 1\n");
	assert_int_equal(cell_idmap_format(two, 2, buf, sizeof(buf)), 24);
	assert_string_equal(buf, "0 1000 1\n1 100000 65536\n");
	assert_int_equal(cell_idmap_format(max, 1, buf, sizeof(buf)), 33);
	assert_string_equal(buf, "4294967295 4294967295 4294967295\n");

	/* no lines: an empty string */
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(cell_idmap_format(two, 0, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");

	/* exactly enough room (text plus NUL), then one byte less */
	assert_int_equal(cell_idmap_format(two, 2, buf, 25), 24);
	assert_string_equal(buf, "0 1000 1\n1 100000 65536\n");
	assert_int_equal(cell_idmap_format(two, 2, buf, 24), -ENAMETOOLONG);
	assert_int_equal(cell_idmap_format(two, 1, buf, 9), -ENAMETOOLONG);
	assert_int_equal(cell_idmap_format(two, 1, buf, 1), -ENAMETOOLONG);
}

/* The format of every plan fits the writer's buffer (128 bytes in idmap.c). */
static void test_format_of_plans_fits(void **state)
{
	struct cell_spec *s = spec(CELL_ID_MAP_AUTO);
	struct cell_host h = user_host(false, false);
	struct cell_idmap_plan p;
	char buf[128];

	h.uid = h.gid = 4294967294u;
	h.subuid = h.subgid = (struct cell_subid){ 4294967294u - 65536, 65536 };
	p = plan_ok(s, &h);
	assert_true(cell_idmap_format(p.uid_map, p.n_uid_map, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "0 4294967294 1\n1 4294901758 65536\n");
	assert_true(cell_idmap_format(p.gid_map, p.n_gid_map, buf, sizeof(buf)) > 0);
	cell_spec_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unprivileged_default),
		cmocka_unit_test(test_unprivileged_map_root),
		cmocka_unit_test(test_unprivileged_uid_gid),
		cmocka_unit_test(test_map_auto),
		cmocka_unit_test(test_map_auto_without_ranges),
		cmocka_unit_test(test_root_default_with_subids),
		cmocka_unit_test(test_root_default_without_subids),
		cmocka_unit_test(test_root_uid_gid),
		cmocka_unit_test(test_map_host_root),
		cmocka_unit_test(test_no_user_namespace),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_format_of_plans_fits),
	};

	return cmocka_run_group_tests_name("idmap", tests, NULL, NULL);
}
