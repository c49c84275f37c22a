/* test-profile.c - profiles (front/profile.c): the text form, errors with
 * file:line:column, includes, expansion in front of the command line, and
 * the shipped profiles (found in the source tree). */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "front/cli.h"
#include "front/profile.h"

static void expect_error(const char *text, const char *fragment)
{
	struct cell_profile p = { 0 };
	struct cell_err err = { 0 };

	assert_true(cell_profile_parse(&p, text, "t.profile", "/nonexistent", 0, &err) < 0);
	if (!strstr(err.msg, fragment))
		fail_msg("'%s' does not contain '%s'", err.msg, fragment);
	cell_profile_clear(&p);
}

static void test_parse(void **state)
{
	struct cell_profile p = { 0 };
	struct cell_err err = { 0 };

	(void)state;
	assert_int_equal(cell_profile_parse(&p,
					    "# a comment\n"
					    "\n"
					    "memory 64M   # trailing comment\n"
					    "  --seccomp-log\n"
					    "seccomp policy.txt\n"
					    "seccomp none\n"
					    "\trlimit nofile=10\n",
					    "t.profile", "/etc/cell/profiles", 0, &err),
			 0);
	assert_int_equal(p.n, 5);
	assert_string_equal(p.opts[0].name, "--memory");
	assert_string_equal(p.opts[0].value, "64M");
	assert_int_equal(p.opts[0].line, 3);
	assert_string_equal(p.opts[1].name, "--seccomp-log");
	assert_null(p.opts[1].value);
	/* policy files are found next to the profile */
	assert_string_equal(p.opts[2].value, "/etc/cell/profiles/policy.txt");
	assert_string_equal(p.opts[3].value, "none");
	assert_string_equal(p.opts[4].name, "--rlimit");
	assert_string_equal(p.opts[4].source, "t.profile");
	cell_profile_clear(&p);
}

static void test_errors(void **state)
{
	(void)state;
	expect_error("memory 1G\n  bogus 1\n", "t.profile:2:3: --bogus: not a cell run option");
	expect_error("landlock yes\n", "t.profile:1:10: --landlock takes no value");
	expect_error("memory\n", "t.profile:1:7: --memory takes one value");
	expect_error("memory 1G 2G\n", "t.profile:1:11: --memory takes one value");
	expect_error("\n\nmemory   lots\n", "t.profile:3:10: --memory 'lots'");
	expect_error("cap-add NET_BIND\n", "t.profile:1:9: --cap-add 'NET_BIND': unknown capability");
	expect_error("time-limit 0\n", "t.profile:1:12: --time-limit '0'");
	expect_error("profile strict\n", "t.profile:1:1: --profile: not possible in a profile");
	expect_error("include\n", "t.profile:1:8: include takes one");
	expect_error("include no-such-profile-here\n",
		     "t.profile:1:9: include: profile 'no-such-profile-here'");
}

static char dir[] = "/tmp/cell-test-profile.XXXXXX";

static void write_file(const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_include_and_expand(void **state)
{
	struct cell_profile p = { 0 };
	struct cell_err err = { 0 };
	struct cell_spec *s = NULL;
	char path[256], *argv[16];
	char *envp[] = { NULL };
	int r;

	(void)state;
	assert_non_null(mkdtemp(dir));
	write_file("base.profile", "pids 10\nmemory 64M\n");
	write_file("top.profile", "include ./base.profile\nmemory 128M\nlandlock\n");
	write_file("loop.profile", "include ./loop.profile\n");
	snprintf(path, sizeof(path), "%s/top.profile", dir);
	assert_int_equal(cell_profile_load(&p, path, 0, &err), 0);
	assert_int_equal(p.n, 4);
	assert_string_equal(p.opts[0].name, "--pids");
	cell_profile_clear(&p);

	/* later lines override earlier ones, the command line overrides all */
	argv[0] = "run";
	argv[1] = "--memory";
	argv[2] = "1G";
	argv[3] = "--profile";
	argv[4] = path;
	argv[5] = "--pids";
	argv[6] = "20";
	argv[7] = "/bin/true";
	argv[8] = "--profile";
	argv[9] = NULL;
	r = cell_cli_parse_run(9, argv, envp, "/", &s, &err);
	assert_int_equal(r, CELL_CLI_RUN);
	assert_int_equal(s->cgroup.memory, 1ull << 30);
	assert_int_equal(s->cgroup.pids, 20);
	assert_true(s->landlock);
	/* after the command, --profile is the command's own argument */
	assert_string_equal(s->argv[1], "--profile");
	cell_spec_free(s);
	s = NULL;

	snprintf(path, sizeof(path), "--profile=%s/loop.profile", dir);
	argv[1] = path;
	argv[2] = "/bin/true";
	argv[3] = NULL;
	assert_true(cell_cli_parse_run(3, argv, envp, "/", &s, &err) < 0);
	assert_non_null(strstr(err.msg, "nested more than"));
	assert_null(s);

	argv[1] = "--profile";
	argv[2] = "no-such-profile";
	argv[3] = "/bin/true";
	argv[4] = NULL;
	assert_true(cell_cli_parse_run(4, argv, envp, "/", &s, &err) < 0);
	assert_non_null(strstr(err.msg, "profile 'no-such-profile': no no-such-profile.profile"));

	snprintf(path, sizeof(path), "rm -rf %s", dir);
	assert_int_equal(system(path), 0);
}

static void test_shipped(void **state)
{
	static const char *const names[] = { "chroot", "namespaces", "default", "strict",
					     "judge",  "build",	     "gui",	"gui-wayland" };

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct cell_profile p = { 0 };
		struct cell_err err = { 0 };

		if (cell_profile_load(&p, names[i], 0, &err) < 0)
			fail_msg("%s: %s", names[i], err.msg);
		cell_profile_clear(&p);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_include_and_expand),
		cmocka_unit_test(test_shipped),
	};

	/* only the shipped profiles: no user's or /etc's in the way */
	setenv("XDG_CONFIG_HOME", "/nonexistent", 1);
	return cmocka_run_group_tests_name("profile", tests, NULL, NULL);
}
