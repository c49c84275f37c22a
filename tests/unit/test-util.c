/* test-util.c - unit tests for src/lib/util.c: id, int and size parsing.
 *
 * Every parser must accept exactly its documented syntax, fail with the
 * right -errno (-EINVAL for junk, -ERANGE for values that do not fit) and
 * leave *ret untouched on failure.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <stdint.h>

#include <cmocka.h>

#include "lib/util.h"

static void test_parse_id_valid(void **state)
{
	static const struct {
		const char *in;
		uint32_t out;
	} cases[] = {
		{ "0", 0 },
		{ "1", 1 },
		{ "1000", 1000 },
		{ "65534", 65534 },
		{ "2130706432", 2130706432u },
		{ "4294967294", 4294967294u },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint32_t v = 12345;

		assert_int_equal(cell_parse_id(cases[i].in, &v), 0);
		assert_int_equal(v, cases[i].out);
	}
}

static void test_parse_id_range(void **state)
{
	/* (uint32_t)-1 is the kernel's "no id": never a valid id. */
	static const char *const big[] = {
		"4294967295", "4294967296", "9999999999", "18446744073709551615",
		"18446744073709551616", "99999999999999999999999999",
	};

	for (size_t i = 0; i < sizeof(big) / sizeof(big[0]); i++) {
		uint32_t v = 777;

		assert_int_equal(cell_parse_id(big[i], &v), -ERANGE);
		assert_int_equal(v, 777);
	}
}

static void test_parse_id_junk(void **state)
{
	static const char *const junk[] = {
		"", "-1", "+1", " 1", "1 ", "\t1", "1\n", "1a", "a1", "0x10", "1.0", "1e3", "-0",
		"--1",
	};

	for (size_t i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) {
		uint32_t v = 777;

		assert_int_equal(cell_parse_id(junk[i], &v), -EINVAL);
		assert_int_equal(v, 777);
	}
}

static void test_parse_int(void **state)
{
	int v = -5;

	assert_int_equal(cell_parse_int("0", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(cell_parse_int("3", &v), 0);
	assert_int_equal(v, 3);
	assert_int_equal(cell_parse_int("2147483647", &v), 0);
	assert_int_equal(v, 2147483647);

	v = -5;
	assert_int_equal(cell_parse_int("2147483648", &v), -ERANGE);
	assert_int_equal(cell_parse_int("4294967296", &v), -ERANGE);
	assert_int_equal(cell_parse_int("99999999999999999999999", &v), -ERANGE);
	assert_int_equal(v, -5);

	assert_int_equal(cell_parse_int("", &v), -EINVAL);
	assert_int_equal(cell_parse_int("-1", &v), -EINVAL);
	assert_int_equal(cell_parse_int("+3", &v), -EINVAL);
	assert_int_equal(cell_parse_int(" 3", &v), -EINVAL);
	assert_int_equal(cell_parse_int("3 ", &v), -EINVAL);
	assert_int_equal(cell_parse_int("3x", &v), -EINVAL);
	assert_int_equal(cell_parse_int("x", &v), -EINVAL);
	assert_int_equal(v, -5);
}

static void test_parse_size_units(void **state)
{
	static const struct {
		const char *in;
		uint64_t out;
	} cases[] = {
		{ "1", 1 },
		{ "1048576", 1048576 },
		{ "64k", 64ull << 10 },
		{ "64K", 64ull << 10 },
		{ "64KiB", 64ull << 10 },
		{ "16m", 16ull << 20 },
		{ "16M", 16ull << 20 },
		{ "16MiB", 16ull << 20 },
		{ "1g", 1ull << 30 },
		{ "1G", 1ull << 30 },
		{ "2GiB", 2ull << 30 },
		{ "1t", 1ull << 40 },
		{ "3T", 3ull << 40 },
		{ "1TiB", 1ull << 40 },
		/* the largest values that still fit in 64 bits */
		{ "18446744073709551615", UINT64_MAX },
		{ "16777215T", 16777215ull << 40 },
		{ "17179869183G", 17179869183ull << 30 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t v = 99;

		assert_int_equal(cell_parse_size(cases[i].in, &v), 0);
		assert_int_equal(v, cases[i].out);
	}
}

static void test_parse_size_zero(void **state)
{
	static const char *const zero[] = { "0", "0k", "0K", "0M", "0GiB", "00" };

	for (size_t i = 0; i < sizeof(zero) / sizeof(zero[0]); i++) {
		uint64_t v = 99;

		assert_int_equal(cell_parse_size(zero[i], &v), -EINVAL);
		assert_int_equal(v, 99);
	}
}

static void test_parse_size_overflow(void **state)
{
	static const char *const big[] = {
		"18446744073709551616", "99999999999999999999999", "16777216T", "17179869184G",
		"17592186044416M", "18014398509481984k", "18446744073709551615K",
	};

	for (size_t i = 0; i < sizeof(big) / sizeof(big[0]); i++) {
		uint64_t v = 99;

		assert_int_equal(cell_parse_size(big[i], &v), -ERANGE);
		assert_int_equal(v, 99);
	}
}

static void test_parse_size_junk(void **state)
{
	static const char *const junk[] = {
		"", "k", "M", "-1", "+1", " 1", "1 ", "1 k", "1KB", "1kb", "1kib", "1Ki", "1MB",
		"1P", "1E", "1.5G", "1,5G", "0x10", "1GiB ", "1Gi", "size=1",
	};

	for (size_t i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) {
		uint64_t v = 99;

		assert_int_equal(cell_parse_size(junk[i], &v), -EINVAL);
		assert_int_equal(v, 99);
	}
}

static void test_unescape_octal(void **state)
{
	char out[32], small[4], in_place[] = "/a\\040b\\134c";

	(void)state;
	cell_unescape_octal("/mnt/my\\040dir", 14, out, sizeof(out));
	assert_string_equal(out, "/mnt/my dir");
	/* not an escape: a backslash without three octal digits stays */
	cell_unescape_octal("a\\09b\\4", 7, out, sizeof(out));
	assert_string_equal(out, "a\\09b\\4");
	/* cut short, still terminated */
	cell_unescape_octal("abcdef", 6, small, sizeof(small));
	assert_string_equal(small, "abc");
	/* only n bytes are read */
	cell_unescape_octal("abc\\040", 3, out, sizeof(out));
	assert_string_equal(out, "abc");
	/* in place */
	cell_unescape_octal(in_place, strlen(in_place), in_place, sizeof(in_place));
	assert_string_equal(in_place, "/a b\\c");
}

static void test_path_below(void **state)
{
	(void)state;
	assert_string_equal(cell_path_below("/", "/user.slice/x"), "/user.slice/x");
	assert_string_equal(cell_path_below("/", "/"), "");
	assert_string_equal(cell_path_below("/a/b", "/a/b/c"), "/c");
	assert_string_equal(cell_path_below("/a/b", "/a/b"), "");
	/* a sibling whose name starts the same is not below */
	assert_null(cell_path_below("/a/b", "/a/bc"));
	assert_null(cell_path_below("/a/b", "/a"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_id_valid),
		cmocka_unit_test(test_parse_id_range),
		cmocka_unit_test(test_parse_id_junk),
		cmocka_unit_test(test_parse_int),
		cmocka_unit_test(test_parse_size_units),
		cmocka_unit_test(test_parse_size_zero),
		cmocka_unit_test(test_parse_size_overflow),
		cmocka_unit_test(test_parse_size_junk),
		cmocka_unit_test(test_unescape_octal),
		cmocka_unit_test(test_path_below),
	};

	return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
