/* test-rlimit.c - unit tests for src/lib/rlimit.c.
 *
 * Names in every spelling, the prlimit(1) value forms, bad input with the
 * culprit named, merging, formatting, and the resolve step that the child
 * runs.  Two tests apply limits for real in a forked child: lowering works
 * for anyone, and raising a hard limit without CAP_SYS_RESOURCE fails with a
 * message that says why.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/capability.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "lib/rlimit.h"

static void test_names(void **state)
{
	static const struct {
		const char *name;
		int res;
	} cases[] = {
		{ "nofile", RLIMIT_NOFILE },	 { "NOFILE", RLIMIT_NOFILE },
		{ "RLIMIT_NOFILE", RLIMIT_NOFILE }, { "rlimit_nofile", RLIMIT_NOFILE },
		{ "cpu", RLIMIT_CPU },		 { "fsize", RLIMIT_FSIZE },
		{ "data", RLIMIT_DATA },	 { "stack", RLIMIT_STACK },
		{ "core", RLIMIT_CORE },	 { "rss", RLIMIT_RSS },
		{ "nproc", RLIMIT_NPROC },	 { "memlock", RLIMIT_MEMLOCK },
		{ "as", RLIMIT_AS },		 { "AS", RLIMIT_AS },
		{ "locks", RLIMIT_LOCKS },	 { "sigpending", RLIMIT_SIGPENDING },
		{ "msgqueue", RLIMIT_MSGQUEUE }, { "nice", RLIMIT_NICE },
		{ "rtprio", RLIMIT_RTPRIO },	 { "RTTIME", RLIMIT_RTTIME },
		{ "nofiles", -1 },		 { "", -1 },
		{ "RLIMIT_", -1 },		 { "rlimit", -1 },
		{ "no file", -1 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(cell_rlimit_from_name(cases[i].name), cases[i].res);
	/* every resource has a name that maps back to it */
	for (int i = 0; i < CELL_RLIMIT_MAX; i++) {
		assert_non_null(cell_rlimit_name(i));
		assert_int_equal(cell_rlimit_from_name(cell_rlimit_name(i)), i);
	}
	assert_null(cell_rlimit_name(-1));
	assert_null(cell_rlimit_name(CELL_RLIMIT_MAX));
}

static void test_parse_values(void **state)
{
	static const struct {
		const char *arg;
		int res;
		bool soft_set, hard_set;
		rlim_t soft, hard;
	} cases[] = {
		{ "nofile=1024", RLIMIT_NOFILE, true, true, 1024, 1024 },
		{ "nofile=1024:4096", RLIMIT_NOFILE, true, true, 1024, 4096 },
		{ "nofile=1024:", RLIMIT_NOFILE, true, false, 1024, 0 },
		{ "nofile=:4096", RLIMIT_NOFILE, false, true, 0, 4096 },
		{ "core=0", RLIMIT_CORE, true, true, 0, 0 },
		{ "as=1G", RLIMIT_AS, true, true, 1ull << 30, 1ull << 30 },
		{ "stack=8M:unlimited", RLIMIT_STACK, true, true, 8ull << 20, RLIM_INFINITY },
		{ "memlock=64KiB", RLIMIT_MEMLOCK, true, true, 64ull << 10, 64ull << 10 },
		{ "fsize=unlimited", RLIMIT_FSIZE, true, true, RLIM_INFINITY, RLIM_INFINITY },
		{ "cpu=infinity", RLIMIT_CPU, true, true, RLIM_INFINITY, RLIM_INFINITY },
		{ "CPU=10:20", RLIMIT_CPU, true, true, 10, 20 },
		{ "RLIMIT_NPROC=100", RLIMIT_NPROC, true, true, 100, 100 },
		{ "rttime=1000000", RLIMIT_RTTIME, true, true, 1000000, 1000000 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cell_err err = { 0 };
		struct cell_rlimit rl;
		int res = -5;

		assert_int_equal(cell_rlimit_parse(cases[i].arg, &res, &rl, &err), 0);
		assert_int_equal(res, cases[i].res);
		assert_int_equal(rl.soft_set, cases[i].soft_set);
		assert_int_equal(rl.hard_set, cases[i].hard_set);
		if (rl.soft_set)
			assert_true(rl.soft == cases[i].soft);
		if (rl.hard_set)
			assert_true(rl.hard == cases[i].hard);
	}
}

static void test_parse_errors(void **state)
{
	static const struct {
		const char *arg;
		const char *msg; /* a part of the message */
		int errnum;
	} cases[] = {
		{ "nofile", "expected NAME=SOFT[:HARD]", EINVAL },
		{ "=5", "unknown resource", EINVAL },
		{ "files=5", "unknown resource 'files'", EINVAL },
		{ "nofile=", "expected a number", EINVAL },
		{ "nofile=:", "no value", EINVAL },
		{ "nofile=abc", "expected a number or 'unlimited'", EINVAL },
		{ "nofile=-1", "expected a number", EINVAL },
		{ "nofile=1k", "expected a number", EINVAL }, /* counts take no suffix */
		{ "as=1X", "suffixes k, M, G, T", EINVAL },
		{ "nofile=10:5", "soft limit above hard limit", EINVAL },
		{ "nofile=unlimited:5", "soft limit above hard limit", EINVAL },
		{ "nofile=1:2:3", "expected a number", EINVAL },
		{ "nofile=99999999999999999999", "expected a number", ERANGE },
		{ "nofile=18446744073709551615", "expected a number", ERANGE },
		{ "as=17179869184T", "expected a number", ERANGE },
		{ "nofile= 5", "expected a number", EINVAL },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cell_err err = { 0 };
		struct cell_rlimit rl;
		int res = -5;

		assert_int_equal(cell_rlimit_parse(cases[i].arg, &res, &rl, &err),
				 -cases[i].errnum);
		assert_int_equal(err.errnum, cases[i].errnum);
		if (!strstr(err.msg, cases[i].msg) || !strstr(err.msg, cases[i].arg))
			fail_msg("%s: message '%s' lacks '%s'", cases[i].arg, err.msg,
				 cases[i].msg);
		assert_int_equal(res, -5);
	}
}

static void test_merge_and_format(void **state)
{
	struct cell_rlimits set = { 0 };
	struct cell_err err = { 0 };
	char buf[64];

	assert_int_equal(cell_rlimits_add(&set, "nofile=100:200", &err), 0);
	assert_int_equal(cell_rlimits_add(&set, "nofile=150:", &err), 0);
	assert_true(set.r[RLIMIT_NOFILE].soft == 150 && set.r[RLIMIT_NOFILE].hard == 200);
	assert_string_equal(cell_rlimit_format(RLIMIT_NOFILE, &set.r[RLIMIT_NOFILE], buf,
					       sizeof(buf)),
			    "nofile=150:200");
	/* a merge that would put soft above hard is refused */
	assert_int_equal(cell_rlimits_add(&set, "nofile=:120", &err), -EINVAL);
	assert_non_null(strstr(err.msg, "soft limit above hard limit"));

	assert_int_equal(cell_rlimits_add(&set, "core=0", &err), 0);
	assert_string_equal(cell_rlimit_format(RLIMIT_CORE, &set.r[RLIMIT_CORE], buf,
					       sizeof(buf)),
			    "core=0");
	assert_int_equal(cell_rlimits_add(&set, "stack=:unlimited", &err), 0);
	assert_string_equal(cell_rlimit_format(RLIMIT_STACK, &set.r[RLIMIT_STACK], buf,
					       sizeof(buf)),
			    "stack=:unlimited");
	assert_int_equal(cell_rlimits_add(&set, "cpu=5:", &err), 0);
	assert_string_equal(cell_rlimit_format(RLIMIT_CPU, &set.r[RLIMIT_CPU], buf, sizeof(buf)),
			    "cpu=5:");
}

static void test_resolve(void **state)
{
	struct cell_err err = { 0 };
	struct rlimit cur = { .rlim_cur = 1024, .rlim_max = 4096 }, n;
	struct cell_rlimit soft_only = { .soft_set = true, .soft = 2048 };
	struct cell_rlimit hard_only = { .hard_set = true, .hard = 512 };
	struct cell_rlimit too_high = { .soft_set = true, .soft = 8192 };
	struct cell_rlimit both = { .soft_set = true, .hard_set = true, .soft = 1, .hard = 2 };

	assert_int_equal(cell_rlimit_resolve(RLIMIT_NOFILE, &soft_only, &cur, &n, &err), 0);
	assert_true(n.rlim_cur == 2048 && n.rlim_max == 4096);
	/* ":H" below the current soft limit lowers the soft limit with it */
	assert_int_equal(cell_rlimit_resolve(RLIMIT_NOFILE, &hard_only, &cur, &n, &err), 0);
	assert_true(n.rlim_cur == 512 && n.rlim_max == 512);
	assert_int_equal(cell_rlimit_resolve(RLIMIT_NOFILE, &both, &cur, &n, &err), 0);
	assert_true(n.rlim_cur == 1 && n.rlim_max == 2);
	/* "S:" above the inherited hard limit: say which and how to fix it */
	assert_int_equal(cell_rlimit_resolve(RLIMIT_NOFILE, &too_high, &cur, &n, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "soft limit 8192 is above the hard limit 4096"));
	assert_non_null(strstr(err.msg, "nofile=SOFT:HARD"));
}

static bool have_sys_resource(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = { 0 };

	if (syscall(SYS_capget, &hdr, data) < 0)
		return false;
	return data[CAP_SYS_RESOURCE / 32].effective & (1u << (CAP_SYS_RESOURCE % 32));
}

/* Run fn in a child; the child's exit status is the result. */
static int in_child(int (*fn)(void))
{
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0)
		_exit(fn());
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static int lower_child(void)
{
	struct cell_rlimits set = { 0 };
	struct cell_err err = { 0 };
	struct rlimit rl;

	if (cell_rlimits_add(&set, "nofile=64:128", &err) < 0 ||
	    cell_rlimits_add(&set, "core=0", &err) < 0)
		return 1;
	if (cell_rlimits_apply(&set, &err) < 0)
		return 2;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur != 64 || rl.rlim_max != 128)
		return 3;
	if (getrlimit(RLIMIT_CORE, &rl) < 0 || rl.rlim_cur != 0 || rl.rlim_max != 0)
		return 4;
	return 0;
}

static void test_apply_lower(void **state)
{
	assert_int_equal(in_child(lower_child), 0);
}

static int raise_child(void)
{
	struct cell_rlimits set = { 0 };
	struct cell_err err = { 0 };
	struct rlimit rl = { .rlim_cur = 32, .rlim_max = 64 };

	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		return 1;
	if (cell_rlimits_add(&set, "nofile=32:1000", &err) < 0)
		return 2;
	if (cell_rlimits_apply(&set, &err) != -EPERM)
		return 3;
	if (!strstr(err.msg, "cannot raise the hard limit from 64 to 1000") ||
	    !strstr(err.msg, "CAP_SYS_RESOURCE"))
		return 4;
	/* the parent's route (prlimit on a pid) says the same */
	if (cell_rlimits_apply_pid(&set, getpid(), &err) != -EPERM ||
	    !strstr(err.msg, "CAP_SYS_RESOURCE"))
		return 5;
	return 0;
}

static void test_apply_raise_hard(void **state)
{
	if (have_sys_resource())
		skip(); /* with CAP_SYS_RESOURCE raising works */
	assert_int_equal(in_child(raise_child), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_parse_values),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_merge_and_format),
		cmocka_unit_test(test_resolve),
		cmocka_unit_test(test_apply_lower),
		cmocka_unit_test(test_apply_raise_hard),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
