/* test-harden-cli.c - the hardening and limit options of `cell run`
 * (issue 6): --seccomp, --seccomp-log, --cap-add/--cap-drop, --rlimit,
 * the cgroup limits, --time-limit/--wall-limit, --report, --landlock,
 * --best-effort; and the capability names of caps.c. */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "front/cli.h"
#include "lib/caps.h"

static char *env[] = { "HOME=/home/alice", NULL };

#define ARGS(...) ((const char *const[]){ "run", __VA_ARGS__, NULL })

static int parse(const char *const *args, struct cell_spec **ret, struct cell_err *err)
{
	char *argv[64];
	int argc = 0;

	for (; args[argc]; argc++)
		argv[argc] = (char *)args[argc];
	argv[argc] = NULL;
	return cell_cli_parse_run(argc, argv, env, "/home/alice", ret, err);
}

static struct cell_spec *parse_ok(const char *const *args)
{
	struct cell_err err = { 0 };
	struct cell_spec *s = NULL;
	int r = parse(args, &s, &err);

	if (r != CELL_CLI_RUN)
		fail_msg("parse returned %d: %s", r, err.msg);
	return s;
}

static void expect_error(const char *const *args, const char *fragment)
{
	struct cell_err err = { 0 };
	struct cell_spec *s = NULL;

	assert_true(parse(args, &s, &err) < 0);
	assert_null(s);
	if (!strstr(err.msg, fragment))
		fail_msg("'%s' does not contain '%s'", err.msg, fragment);
}

static void test_defaults(void **state)
{
	struct cell_spec *s = parse_ok(ARGS("/bin/true"));

	(void)state;
	assert_null(s->seccomp);
	assert_false(s->seccomp_log);
	assert_int_equal(s->caps, 0);
	assert_false(s->landlock);
	assert_false(s->best_effort);
	assert_int_equal(s->time_limit_ms, 0);
	assert_int_equal(s->wall_limit_ms, 0);
	assert_null(s->report);
	assert_int_equal(cell_cgroup_limits_mask(&s->cgroup), 0);
	for (int i = 0; i < CELL_RLIMIT_MAX; i++)
		assert_false(s->rlimits.r[i].soft_set || s->rlimits.r[i].hard_set);
	cell_spec_free(s);
}

static void test_seccomp(void **state)
{
	struct cell_spec *s;

	(void)state;
	s = parse_ok(ARGS("--seccomp", "none", "/bin/true"));
	assert_string_equal(s->seccomp, "none");
	assert_true(s->set & CELL_SET_SECCOMP);
	cell_spec_free(s);
	s = parse_ok(ARGS("--seccomp", "a.policy", "--seccomp", "b.policy", "--seccomp-log",
			  "/bin/true"));
	assert_string_equal(s->seccomp, "b.policy");
	assert_true(s->seccomp_log);
	cell_spec_free(s);
	expect_error(ARGS("--seccomp", "", "/bin/true"), "--seccomp: expected default, none");
	expect_error(ARGS("--seccomp"), "--seccomp needs a value");
}

static void test_cap_names(void **state)
{
	(void)state;
	assert_int_equal(cell_caps_from_name("NET_BIND_SERVICE"), 10);
	assert_int_equal(cell_caps_from_name("CAP_NET_BIND_SERVICE"), 10);
	assert_int_equal(cell_caps_from_name("cap_net_bind_service"), 10);
	assert_int_equal(cell_caps_from_name("chown"), 0);
	assert_int_equal(cell_caps_from_name("CHECKPOINT_RESTORE"), 40);
	assert_int_equal(cell_caps_from_name("NET_BIND"), -1);
	assert_int_equal(cell_caps_from_name("CAP_"), -1);
	assert_int_equal(cell_caps_from_name(""), -1);
	assert_string_equal(cell_caps_name(21), "CAP_SYS_ADMIN");
	assert_null(cell_caps_name(41));
	assert_null(cell_caps_name(-1));
	for (int i = 0; i <= CELL_CAP_LAST; i++)
		assert_int_equal(cell_caps_from_name(cell_caps_name(i)), i);
}

static void test_cap_options(void **state)
{
	struct cell_spec *s;

	(void)state;
	s = parse_ok(ARGS("--cap-add", "NET_BIND_SERVICE", "--cap-add", "cap_kill", "/bin/true"));
	assert_int_equal(s->caps, (1ull << 10) | (1ull << 5));
	assert_true(s->set & CELL_SET_CAPS);
	cell_spec_free(s);
	s = parse_ok(ARGS("--cap-add", "all", "--cap-drop", "SYS_ADMIN", "/bin/true"));
	assert_int_equal(s->caps, CELL_CAPS_ALL & ~(1ull << 21));
	cell_spec_free(s);
	s = parse_ok(ARGS("--cap-add", "kill", "--cap-drop", "all", "/bin/true"));
	assert_int_equal(s->caps, 0);
	cell_spec_free(s);
	expect_error(ARGS("--cap-add", "NET_BIND", "/bin/true"),
		     "--cap-add 'NET_BIND': unknown capability");
	expect_error(ARGS("--cap-drop", "bogus", "/bin/true"), "--cap-drop 'bogus'");
}

static void test_cap_print(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	cell_caps_print(0, f);
	fputc(' ', f);
	cell_caps_print(CELL_CAPS_ALL, f);
	fputc(' ', f);
	cell_caps_print((1ull << 10) | 1, f);
	fclose(f);
	assert_string_equal(buf, "none all CAP_CHOWN,CAP_NET_BIND_SERVICE");
	free(buf);
}

static void test_rlimit(void **state)
{
	struct cell_spec *s;

	(void)state;
	s = parse_ok(ARGS("--rlimit", "nofile=64:128", "--rlimit", "NOFILE=32:", "--rlimit",
			  "RLIMIT_CORE=0", "/bin/true"));
	assert_true(s->rlimits.r[7].soft_set); /* RLIMIT_NOFILE */
	assert_int_equal(s->rlimits.r[7].soft, 32);
	assert_int_equal(s->rlimits.r[7].hard, 128);
	assert_true(s->rlimits.r[4].hard_set); /* RLIMIT_CORE */
	assert_int_equal(s->rlimits.r[4].hard, 0);
	cell_spec_free(s);
	expect_error(ARGS("--rlimit", "files=1", "/bin/true"), "--rlimit files=1: unknown");
	expect_error(ARGS("--rlimit", "nofile=9:3", "/bin/true"), "--rlimit nofile=9:3");
}

static void test_cgroup_options(void **state)
{
	struct cell_spec *s;

	(void)state;
	s = parse_ok(ARGS("--memory", "64M", "--memory-swap", "128M", "--pids", "16", "--cpus",
			  "0.5", "--cpuset", "3,0-1", "--io-weight", "200", "--best-effort",
			  "/bin/true"));
	assert_int_equal(s->cgroup.memory, 64ull << 20);
	assert_int_equal(s->cgroup.memory_swap, 128ull << 20);
	assert_int_equal(s->cgroup.pids, 16);
	assert_int_equal(s->cgroup.cpu_milli, 500);
	assert_string_equal(s->cgroup.cpuset, "0-1,3");
	assert_int_equal(s->cgroup.io_weight, 200);
	assert_true(s->best_effort);
	cell_spec_free(s);
	expect_error(ARGS("--memory", "lots", "/bin/true"), "--memory 'lots'");
	expect_error(ARGS("--memory", "1", "/bin/true"), "at least 4k");
	expect_error(ARGS("--pids", "0", "/bin/true"), "--pids 0");
	expect_error(ARGS("--cpus", "x", "/bin/true"), "--cpus x");
	expect_error(ARGS("--io-weight", "0", "/bin/true"), "--io-weight 0");
	expect_error(ARGS("--cpuset", "", "/bin/true"), "--cpuset");
}

static void test_time_options(void **state)
{
	struct cell_spec *s;

	(void)state;
	s = parse_ok(ARGS("--time-limit", "1", "--wall-limit", "2.5", "--report", "-",
			  "--landlock", "/bin/true"));
	assert_int_equal(s->time_limit_ms, 1000);
	assert_int_equal(s->wall_limit_ms, 2500);
	assert_string_equal(s->report, "-");
	assert_true(s->landlock);
	assert_true(s->set & CELL_SET_LANDLOCK);
	cell_spec_free(s);
	s = parse_ok(ARGS("--time-limit", "0.001", "--wall-limit", "86400", "/bin/true"));
	assert_int_equal(s->time_limit_ms, 1);
	assert_int_equal(s->wall_limit_ms, 86400000);
	cell_spec_free(s);
	s = parse_ok(ARGS("--time-limit", "1.23456", "/bin/true"));
	assert_int_equal(s->time_limit_ms, 1234);
	cell_spec_free(s);
	expect_error(ARGS("--time-limit", "0", "/bin/true"), "--time-limit '0': expected seconds");
	expect_error(ARGS("--time-limit", "1.", "/bin/true"), "--time-limit '1.'");
	expect_error(ARGS("--wall-limit", "-1", "/bin/true"), "--wall-limit '-1'");
	expect_error(ARGS("--wall-limit", "86401", "/bin/true"), "--wall-limit '86401'");
	expect_error(ARGS("--wall-limit", "1s", "/bin/true"), "--wall-limit '1s'");
	expect_error(ARGS("--report", "", "/bin/true"), "--report: expected");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),      cmocka_unit_test(test_seccomp),
		cmocka_unit_test(test_cap_names),     cmocka_unit_test(test_cap_options),
		cmocka_unit_test(test_cap_print),     cmocka_unit_test(test_rlimit),
		cmocka_unit_test(test_cgroup_options), cmocka_unit_test(test_time_options),
	};

	return cmocka_run_group_tests_name("harden-cli", tests, NULL, NULL);
}
