/* test-doctor.c - unit tests for the verdicts of src/lib/doctor.c.
 *
 * Made-up host facts: every reason user namespaces may be missing (sysctls,
 * AppArmor, nesting), /proc covered by a container runtime, subordinate id
 * ranges by name and by uid.  Ends with one real run that must fill every
 * check.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lib/doctor.h"

static struct cell_doctor_item verdict(long max, int clone, int apparmor, int unshare_errno,
				       int inner_errno)
{
	struct cell_doctor_userns_facts f = {
		.max_user_namespaces = max,
		.unprivileged_userns_clone = clone,
		.apparmor_restrict = apparmor,
		.unshare_errno = unshare_errno,
		.inner_errno = inner_errno,
	};
	struct cell_doctor_item it;

	cell_doctor_userns_verdict(&f, &it);
	return it;
}

static void test_userns(void **state)
{
	struct cell_doctor_item it;

	it = verdict(96365, -1, -1, 0, 0);
	assert_int_equal(it.status, CELL_DOCTOR_OK);
	assert_string_equal(it.value, "yes");
	assert_non_null(strstr(it.why, "user.max_user_namespaces = 96365"));

	it = verdict(0, -1, -1, EPERM, 0);
	assert_int_equal(it.status, CELL_DOCTOR_LIMITED);
	assert_string_equal(it.value, "no");
	assert_non_null(strstr(it.why, "user.max_user_namespaces is 0"));

	it = verdict(1000, 0, -1, EPERM, 0);
	assert_non_null(strstr(it.why, "kernel.unprivileged_userns_clone is 0"));

	it = verdict(1000, 1, 1, EACCES, 0);
	assert_non_null(strstr(it.why, "AppArmor restricts unprivileged user namespaces"));
	assert_string_equal(it.value, "no");

	/* Ubuntu 24.04: the namespace is made, but has no capabilities */
	it = verdict(1000, 1, 1, 0, EPERM);
	assert_int_equal(it.status, CELL_DOCTOR_LIMITED);
	assert_string_equal(it.value, "restricted");
	assert_non_null(strstr(it.why, "'userns,'"));
	it = verdict(1000, -1, -1, 0, EACCES);
	assert_non_null(strstr(it.why, "a security module restricts it"));

	it = verdict(10, -1, -1, ENOSPC, 0);
	assert_non_null(strstr(it.why, "is reached"));
	it = verdict(10, -1, -1, EINVAL, 0);
	assert_non_null(strstr(it.why, "CONFIG_USER_NS"));
	it = verdict(10, -1, -1, EPERM, 0);
	assert_non_null(strstr(it.why, "forbids nesting"));
}

static void test_proc_covers(void **state)
{
	static const char host[] =
		"22 1 8:1 / / rw - ext4 /dev/sda1 rw\n"
		"23 22 0:5 / /proc rw,nosuid - proc proc rw\n"
		"24 23 0:40 / /proc/sys/fs/binfmt_misc rw - autofs systemd-1 rw\n";
	static const char docker[] =
		"600 500 0:70 / /proc rw - proc proc rw\n"
		"601 600 0:70 /bus /proc/bus ro - proc proc rw\n"
		"602 600 0:70 /sys /proc/sys ro - proc proc rw\n"
		"603 600 0:71 /null /proc/kcore rw - tmpfs tmpfs rw\n"
		"604 600 0:71 /null /proc/keys rw - tmpfs tmpfs rw\n";
	char buf[256];

	assert_int_equal(cell_doctor_proc_covers(host, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	assert_int_equal(cell_doctor_proc_covers(docker, buf, sizeof(buf)), 4);
	assert_string_equal(buf, "/proc/bus /proc/sys /proc/kcore /proc/keys");
	/* a short buffer keeps whole entries and the count stays right */
	assert_int_equal(cell_doctor_proc_covers(docker, buf, 22), 4);
	assert_string_equal(buf, "/proc/bus /proc/sys");
	assert_int_equal(cell_doctor_proc_covers(NULL, buf, sizeof(buf)), 0);
}

static void test_subids(void **state)
{
	static const char text[] = "# comment\n"
				   "alice:100000:65536\n"
				   "bob:165536:65536\n"
				   "1001:300000:1000\n"
				   "alice:400000:10\n"
				   "broken line\n"
				   "al:1:5\n";

	assert_int_equal(cell_doctor_subids(text, "alice", 1000), 65546);
	assert_int_equal(cell_doctor_subids(text, "bob", 1001), 66536);
	assert_int_equal(cell_doctor_subids(text, "carol", 1002), 0);
	assert_int_equal(cell_doctor_subids(text, NULL, 1001), 1000);
	assert_int_equal(cell_doctor_subids(NULL, "alice", 1000), 0);
}

static void test_run(void **state)
{
	struct cell_doctor d;

	cell_doctor_run(&d);
	for (int c = 0; c < CELL_DOCTOR_CHECK_MAX; c++) {
		assert_non_null(cell_doctor_key((enum cell_doctor_check)c));
		assert_non_null(cell_doctor_label((enum cell_doctor_check)c));
		assert_true(d.items[c].value[0]);
		assert_true(d.items[c].why[0]);
		assert_true(d.items[c].status == CELL_DOCTOR_OK ||
			    d.items[c].status == CELL_DOCTOR_LIMITED);
	}
	assert_string_equal(cell_doctor_status_name(CELL_DOCTOR_LIMITED), "limited");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_userns),
		cmocka_unit_test(test_proc_covers),
		cmocka_unit_test(test_subids),
		cmocka_unit_test(test_run),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
