/* test-host.c - unit tests for src/lib/host.c: the subuid(5)/subgid(5)
 * parser and the system directory names.
 *
 * cell_subid_parse() takes the file's text, so every case is a string here;
 * cell_host_probe() reads the real host and is left to the integration
 * tests.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "lib/host.h"

/* Parse text for (name, id); returns the result and fills *ret. */
static int parse(const char *text, const char *name, uint32_t id, struct cell_subid *ret)
{
	*ret = (struct cell_subid){ 0xaaaa, 0xbbbb };
	return cell_subid_parse(text, name, id, ret);
}

static void expect_range(const char *text, const char *name, uint32_t id, uint32_t start,
			 uint32_t count)
{
	struct cell_subid r;

	assert_int_equal(parse(text, name, id, &r), 1);
	assert_int_equal(r.start, start);
	assert_int_equal(r.count, count);
}

static void expect_none(const char *text, const char *name, uint32_t id)
{
	struct cell_subid r;

	assert_int_equal(parse(text, name, id, &r), 0);
	/* not found leaves the result alone (read_subid zeroes it first) */
	assert_int_equal(r.start, 0xaaaa);
	assert_int_equal(r.count, 0xbbbb);
}

static void test_subid_by_name(void **state)
{
	static const char text[] = "root:1000000:65536\n"
				   "alice:100000:65536\n"
				   "bob:165536:65536\n";

	expect_range(text, "alice", 1000, 100000, 65536);
	expect_range(text, "bob", 1001, 165536, 65536);
	expect_range(text, "root", 0, 1000000, 65536);
	expect_none(text, "carol", 1002);
	/* whole names only: no prefix or suffix matches */
	expect_none(text, "ali", 1000);
	expect_none(text, "alicex", 1000);
	expect_none(text, "ALICE", 1000);
	expect_none(text, "", 1000);
}

static void test_subid_by_id(void **state)
{
	static const char text[] = "alice:100000:65536\n"
				   "1001:200000:1000\n"
				   "0:300000:65536\n";

	/* a numeric owner matches the caller's uid, with or without a name */
	expect_range(text, "bob", 1001, 200000, 1000);
	expect_range(text, NULL, 1001, 200000, 1000);
	expect_range(text, NULL, 0, 300000, 65536);
	/* the name of a user never matches by id and vice versa */
	expect_none(text, NULL, 100000);
	expect_none(text, NULL, 1000);
	expect_none(text, "carol", 1002);
}

static void test_subid_first_match_wins(void **state)
{
	static const char text[] = "bob:5:5\n"
				   "alice:100000:65536\n"
				   "1000:200000:65536\n"
				   "alice:300000:65536\n";

	expect_range(text, "alice", 1000, 100000, 65536);
	/* by id first when the id line comes first */
	expect_range("1000:7:8\nalice:100000:65536\n", "alice", 1000, 7, 8);
}

static void test_subid_comments_and_blanks(void **state)
{
	expect_range("# alice:1:1\n"
		     "\n"
		     "#alice:2:2\n"
		     "alice:100000:65536\n",
		     "alice", 1000, 100000, 65536);
	expect_none("#alice:1:1\n", "alice", 1000);
	expect_none("", "alice", 1000);
	expect_none("\n\n\n", "alice", 1000);
	/* no newline at the end of the file */
	expect_range("bob:1:1\nalice:42:7", "alice", 1000, 42, 7);
}

static void test_subid_malformed_lines(void **state)
{
	/* each malformed line is skipped; a good line after it is used */
	static const char *const bad[] = {
		"alice\n",
		"alice:100000\n",
		"alice:\n",
		"alice::65536\n",
		"alice:100000:\n",
		"alice:abc:65536\n",
		"alice:100000:abc\n",
		"alice:-1:65536\n",
		"alice:+1:65536\n",
		"alice: 100000:65536\n",
		"alice:100000:65536 \n",
		"alice:100000:65536:extra\n",
		"alice:100000:0\n",	       /* count 0 is no range */
		"alice:4294967296:1\n",	       /* start does not fit */
		"alice:1:4294967296\n",	       /* count does not fit */
		"alice:99999999999:1\n",       /* 11 digits */
		"alice:100000:65536\r\n",      /* DOS line end */
		" alice:100000:65536\n",       /* indented name is another name */
	};
	char text[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		expect_none(bad[i], "alice", 1000);
		snprintf(text, sizeof(text), "%salice:5000:10\n", bad[i]);
		expect_range(text, "alice", 1000, 5000, 10);
	}
}

static void test_subid_overflow(void **state)
{
	/* start + count must stay within the 32-bit id space */
	expect_none("alice:4294967295:1\n", "alice", 1000);
	expect_none("alice:4294901761:65536\n", "alice", 1000);
	expect_none("alice:1:4294967295\n", "alice", 1000);
	expect_range("alice:4294901760:65535\n", "alice", 1000, 4294901760u, 65535);
	expect_range("alice:4294967294:1\n", "alice", 1000, 4294967294u, 1);
	expect_range("alice:0:4294967295\n", "alice", 1000, 0, 4294967295u);
	/* an overflowing line does not hide a later good one */
	expect_range("alice:4294967295:2\nalice:10:20\n", "alice", 1000, 10, 20);
}

static void test_sysdir_paths(void **state)
{
	static const char *const paths[CELL_SYSDIR_MAX] = {
		"/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc",
	};

	for (int d = 0; d < CELL_SYSDIR_MAX; d++)
		assert_string_equal(cell_sysdir_path(d), paths[d]);
	assert_null(cell_sysdir_path(CELL_SYSDIR_MAX));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_subid_by_name),
		cmocka_unit_test(test_subid_by_id),
		cmocka_unit_test(test_subid_first_match_wins),
		cmocka_unit_test(test_subid_comments_and_blanks),
		cmocka_unit_test(test_subid_malformed_lines),
		cmocka_unit_test(test_subid_overflow),
		cmocka_unit_test(test_sysdir_paths),
	};

	return cmocka_run_group_tests_name("host", tests, NULL, NULL);
}
