/* test-err.c - unit tests for src/lib/err.c: the error contract.
 *
 * cell_fail() fills a fixed-size struct cell_err and returns -errno (or
 * -EINVAL when the message says all); callers may prefix context but never
 * overwrite; cell_err_format() renders the one line cell prints.  The struct
 * goes over the sync socket as plain bytes, so the message must always be
 * NUL-terminated inside its buffer, however long the input.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lib/err.h"

static void test_fail(void **state)
{
	struct cell_err err = { 0 };

	assert_int_equal(cell_fail(&err, ENOENT, "open %s", "/x"), -ENOENT);
	assert_int_equal(err.errnum, ENOENT);
	assert_int_equal(err.status, CELL_EXIT_SETUP);
	assert_string_equal(err.msg, "open /x");

	/* errnum 0: the message says all, the return is still an error */
	memset(&err, 0, sizeof(err));
	assert_int_equal(cell_fail(&err, 0, "bad %d", 42), -EINVAL);
	assert_int_equal(err.errnum, 0);
	assert_int_equal(err.status, 125);
	assert_string_equal(err.msg, "bad 42");

	/* NULL err: only the return value */
	assert_int_equal(cell_fail(NULL, EPERM, "x"), -EPERM);
	assert_int_equal(cell_fail(NULL, 0, "x"), -EINVAL);
}

static void test_fail_keeps_status(void **state)
{
	struct cell_err err = { .status = CELL_EXIT_NOT_FOUND };

	assert_int_equal(cell_fail(&err, ENOENT, "execve %s", "nope"), -ENOENT);
	assert_int_equal(err.status, 127);
	err.status = CELL_EXIT_CANNOT_EXEC;
	assert_int_equal(cell_fail(&err, EACCES, "execve"), -EACCES);
	assert_int_equal(err.status, 126);
}

static void test_fail_truncates(void **state)
{
	struct cell_err err = { 0 };
	char big[CELL_ERR_MSG_MAX * 2];

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(cell_fail(&err, E2BIG, "%s", big), -E2BIG);
	assert_int_equal(strlen(err.msg), CELL_ERR_MSG_MAX - 1);
	assert_int_equal(err.msg[CELL_ERR_MSG_MAX - 1], '\0');
}

static void test_prefix(void **state)
{
	struct cell_err err = { 0 };

	cell_fail(&err, EACCES, "mount %s", "/a");
	assert_int_equal(cell_err_prefix(&err, "--bind %s", "/src"), -EACCES);
	assert_string_equal(err.msg, "--bind /src: mount /a");
	assert_int_equal(err.errnum, EACCES);
	assert_int_equal(cell_err_prefix(&err, "sandbox"), -EACCES);
	assert_string_equal(err.msg, "sandbox: --bind /src: mount /a");

	memset(&err, 0, sizeof(err));
	cell_fail(&err, 0, "unknown namespace 'x'");
	assert_int_equal(cell_err_prefix(&err, "%s", "--ns"), -EINVAL);
	assert_string_equal(err.msg, "--ns: unknown namespace 'x'");

	assert_int_equal(cell_err_prefix(NULL, "x"), -EINVAL);
}

static void test_prefix_truncates(void **state)
{
	struct cell_err err = { 0 };
	char big[CELL_ERR_MSG_MAX * 2];

	memset(big, 'p', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';

	/* a long message: the prefix stays whole, the old text is cut */
	memset(&err, 0, sizeof(err));
	cell_fail(&err, EIO, "%s", big);
	cell_err_prefix(&err, "ctx");
	assert_int_equal(strlen(err.msg), CELL_ERR_MSG_MAX - 1);
	assert_memory_equal(err.msg, "ctx: ppp", 8);

	/* a prefix longer than the buffer */
	memset(&err, 0, sizeof(err));
	cell_fail(&err, EIO, "old");
	cell_err_prefix(&err, "%s", big);
	assert_int_equal(strlen(err.msg), CELL_ERR_MSG_MAX - 1);
	assert_int_equal(err.msg[0], 'p');

	/* a prefix that leaves room for ": " only in part */
	memset(&err, 0, sizeof(err));
	cell_fail(&err, EIO, "old");
	big[CELL_ERR_MSG_MAX - 2] = '\0';
	cell_err_prefix(&err, "%s", big);
	assert_int_equal(strlen(err.msg), CELL_ERR_MSG_MAX - 1);
	assert_int_equal(err.msg[CELL_ERR_MSG_MAX - 2], ':');
}

static void test_format(void **state)
{
	struct cell_err err = { 0 };
	char buf[CELL_ERR_MSG_MAX + 128];
	char small[8];

	cell_fail(&err, ENOENT, "--root %s", "/srv/none");
	assert_ptr_equal(cell_err_format(&err, buf, sizeof(buf)), buf);
	assert_string_equal(buf, "--root /srv/none: No such file or directory");

	cell_fail(&err, 0, "--ns and --share exclude each other");
	assert_string_equal(cell_err_format(&err, buf, sizeof(buf)),
			    "--ns and --share exclude each other");

	assert_string_equal(cell_err_format(&err, small, sizeof(small)), "--ns an");
}

static void test_unsupported(void **state)
{
	assert_true(cell_errno_unsupported(ENOSYS));
	assert_true(cell_errno_unsupported(EOPNOTSUPP));
	assert_true(cell_errno_unsupported(EINVAL));
	assert_false(cell_errno_unsupported(0));
	assert_false(cell_errno_unsupported(EPERM));
	assert_false(cell_errno_unsupported(EACCES));
	assert_false(cell_errno_unsupported(ENOENT));
	assert_false(cell_errno_unsupported(EROFS));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fail),
		cmocka_unit_test(test_fail_keeps_status),
		cmocka_unit_test(test_fail_truncates),
		cmocka_unit_test(test_prefix),
		cmocka_unit_test(test_prefix_truncates),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_unsupported),
	};

	return cmocka_run_group_tests_name("err", tests, NULL, NULL);
}
