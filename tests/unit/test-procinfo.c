/* test-procinfo.c - unit tests for the pure parsers of src/lib/procinfo.c:
 * /proc/PID/stat (start time, parent), /proc/PID/status (NSpid, ids, hex
 * and decimal fields), uid_map translation and /proc/PID/limits.
 *
 * The stat line's command name is chosen by the process itself: it may
 * hold spaces, parentheses and digits, and must never shift the fields.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "lib/procinfo.h"

/* A real line (Linux 6.x, 52 fields), with the name put in. */
static void stat_line(char *buf, size_t len, const char *comm, unsigned long long start)
{
	snprintf(buf, len,
		 "10885 (%s) S 10884 10885 10885 0 -1 4194624 47 0 0 0 0 0 0 0 20 0 1 0 %llu "
		 "2740224 96 18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 17 1 0 0 0 0 0 0 0 0 "
		 "0 0 0 0 0\n",
		 comm, start);
}

static void test_start_time(void **state)
{
	static const char *const names[] = {
		"cell", "cell-init", "a b c", "x) S 1 2 3 4 5", "((", ")", ") 99 (", "",
		"0123456789abcde",
	};
	char buf[1024];
	uint64_t v;
	pid_t ppid;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		v = 0;
		stat_line(buf, sizeof(buf), names[i], 346017ull + i);
		assert_int_equal(cell_proc_parse_start_time(buf, &v), 0);
		assert_int_equal(v, 346017ull + i);
		assert_int_equal(cell_proc_parse_ppid(buf, &ppid), 0);
		assert_int_equal(ppid, 10884);
	}
	/* big values (a machine up for years at a high tick rate) */
	stat_line(buf, sizeof(buf), "x", 18446744073709551615ull);
	assert_int_equal(cell_proc_parse_start_time(buf, &v), 0);
	assert_true(v == 18446744073709551615ull);
}

static void test_start_time_bad(void **state)
{
	static const char *const bad[] = {
		"",
		"10885 cell S 1",
		"10885 (cell) S 10884 10885",		 /* too short */
		"10885 (cell)",
		"10885 (cell) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 x 20",
		"10885 (cell) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 -5 20",
		"10885 (cell) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 "
		"99999999999999999999999",
	};
	uint64_t v = 42;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(cell_proc_parse_start_time(bad[i], &v), -EINVAL);
		assert_int_equal(v, 42);
	}
}

static const char status_text[] =
	"Name:\tsleep\n"
	"Umask:\t0022\n"
	"State:\tS (sleeping)\n"
	"Tgid:\t10886\n"
	"Ngid:\t0\n"
	"Pid:\t10886\n"
	"PPid:\t10885\n"
	"TracerPid:\t0\n"
	"Uid:\t1001\t1001\t1002\t1003\n"
	"Gid:\t100\t100\t100\t100\n"
	"FDSize:\t64\n"
	"Groups:\t1001 27 44 \n"
	"NStgid:\t10886\t2\n"
	"NSpid:\t10886\t2\n"
	"NSpgid:\t10885\t1\n"
	"NSsid:\t10885\t1\n"
	"CapInh:\t0000000000000000\n"
	"CapPrm:\t0000000000000000\n"
	"CapEff:\t000001fffeffffff\n"
	"CapBnd:\t0000000000000000\n"
	"NoNewPrivs:\t1\n"
	"Seccomp:\t2\n"
	"Seccomp_filters:\t1\n";

static void test_nspid(void **state)
{
	pid_t v[8] = { 0 };

	assert_int_equal(cell_proc_parse_nspid(status_text, v, 8), 2);
	assert_int_equal(v[0], 10886);
	assert_int_equal(v[1], 2);
	/* a host process: one level; three levels; fewer slots than levels */
	assert_int_equal(cell_proc_parse_nspid("Pid:\t5\nNSpid:\t5\n", v, 8), 1);
	assert_int_equal(v[0], 5);
	assert_int_equal(cell_proc_parse_nspid("NSpid:\t900\t30\t1\n", v, 8), 3);
	assert_int_equal(v[2], 1);
	assert_int_equal(cell_proc_parse_nspid("NSpid:\t900\t30\t1\n", v, 1), 3);
	assert_int_equal(v[0], 900);
	/* NStgid and NSpgid must not be taken for NSpid */
	assert_int_equal(cell_proc_parse_nspid("NStgid:\t7\t1\nNSpgid:\t7\t1\n", v, 8), -EINVAL);
}

static void test_nspid_bad(void **state)
{
	static const char *const bad[] = {
		"", "Pid:\t5\n", "NSpid:\n", "NSpid:\t\n", "NSpid:\tx\n", "NSpid:\t5 x\n",
		"NSpid:\t0\n", "NSpid:\t-1\n", "NSpid:\t99999999999\n", "nspid:\t5\n",
	};
	pid_t v[4];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(cell_proc_parse_nspid(bad[i], v, 4), -EINVAL);
}

static void test_ids_and_fields(void **state)
{
	uint32_t ids[8];
	uint64_t v;

	assert_int_equal(cell_proc_parse_ids(status_text, "Uid", ids, 8), 4);
	assert_int_equal(ids[0], 1001);
	assert_int_equal(ids[2], 1002);
	assert_int_equal(ids[3], 1003);
	assert_int_equal(cell_proc_parse_ids(status_text, "Groups", ids, 8), 3);
	assert_int_equal(ids[1], 27);
	assert_int_equal(cell_proc_parse_ids("Groups:\t\n", "Groups", ids, 8), 0);
	assert_int_equal(cell_proc_parse_ids(status_text, "Nope", ids, 8), -EINVAL);
	assert_int_equal(cell_proc_parse_u64(status_text, "Seccomp", 0, &v), 0);
	assert_int_equal(v, 2);
	assert_int_equal(cell_proc_parse_u64(status_text, "CapEff", 1, &v), 0);
	assert_true(v == 0x1fffeffffffull);
	assert_int_equal(cell_proc_parse_u64(status_text, "NoNewPrivs", 0, &v), 0);
	assert_int_equal(v, 1);
	/* "Seccomp" is not "Seccomp_filters", and the other way round */
	assert_int_equal(cell_proc_parse_u64("Seccomp_filters:\t3\n", "Seccomp", 0, &v), -EINVAL);
}

static void test_map_inside(void **state)
{
	static const char map[] = "         0 2130706432      65536\n"
				  "     65536     100000          1\n";
	uint32_t v = 7;

	assert_int_equal(cell_proc_map_inside(map, 2130706432u, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(cell_proc_map_inside(map, 2130706432u + 1000, &v), 0);
	assert_int_equal(v, 1000);
	assert_int_equal(cell_proc_map_inside(map, 100000, &v), 0);
	assert_int_equal(v, 65536);
	v = 7;
	assert_int_equal(cell_proc_map_inside(map, 0, &v), -ENOENT);
	assert_int_equal(cell_proc_map_inside(map, 2130706432u + 65536, &v), -ENOENT);
	assert_int_equal(cell_proc_map_inside(map, 100001, &v), -ENOENT);
	assert_int_equal(v, 7);
	/* the initial namespace */
	assert_int_equal(cell_proc_map_inside("0 0 4294967295\n", 1001, &v), 0);
	assert_int_equal(v, 1001);
	assert_int_equal(cell_proc_map_inside("", 1, &v), -ENOENT);
	assert_int_equal(cell_proc_map_inside("0 x 1\n", 1, &v), -EINVAL);
}

static void test_limits(void **state)
{
	static const char text[] =
		"Limit                     Soft Limit           Hard Limit           Units     \n"
		"Max cpu time              unlimited            unlimited            seconds   \n"
		"Max file size             unlimited            unlimited            bytes     \n"
		"Max data size             unlimited            unlimited            bytes     \n"
		"Max stack size            8388608              unlimited            bytes     \n"
		"Max core file size        0                    unlimited            bytes     \n"
		"Max resident set          unlimited            unlimited            bytes     \n"
		"Max processes             63432                63432                processes \n"
		"Max open files            1024                 524288               files     \n";
	struct rlimit rl[16];

	assert_int_equal(cell_proc_parse_limits(text, rl, 16), 8);
	assert_true(rl[0].rlim_cur == RLIM_INFINITY && rl[0].rlim_max == RLIM_INFINITY);
	assert_true(rl[3].rlim_cur == 8388608 && rl[3].rlim_max == RLIM_INFINITY);
	assert_true(rl[4].rlim_cur == 0);
	assert_true(rl[7].rlim_cur == 1024 && rl[7].rlim_max == 524288);
	assert_int_equal(cell_proc_parse_limits(text, rl, 2), 2);
	assert_int_equal(cell_proc_parse_limits("", rl, 16), -EINVAL);
	assert_int_equal(cell_proc_parse_limits("Limit x\nMax cpu time x\n", rl, 16), -EINVAL);
	assert_int_equal(cell_proc_parse_limits("Limit                     Soft\n"
						"Max cpu time              lots   1   \n",
						rl, 16),
			 -EINVAL);
}

/* The readers on this very process. */
static void test_self(void **state)
{
	char buf[4096];
	uint64_t t1 = 0, t2 = 0;
	pid_t v[8];

	assert_true(cell_proc_read(0, "status", buf, sizeof(buf)) > 0);
	assert_true(cell_proc_parse_nspid(buf, v, 8) >= 1);
	assert_int_equal(cell_proc_start_time(0, &t1), 0);
	assert_int_equal(cell_proc_start_time(getpid(), &t2), 0);
	assert_true(t1 == t2 && t1 > 0);
	assert_int_equal(cell_proc_pidfd(getpid(), t1 + 1), -ESRCH);
	{
		int fd = cell_proc_pidfd(getpid(), t1);

		assert_true(fd >= 0);
		close(fd);
	}
	assert_true(cell_proc_rss(getpid()) > 0);
	assert_int_equal(cell_proc_read(0x7ffffff0, "stat", buf, sizeof(buf)), -ESRCH);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_start_time),
		cmocka_unit_test(test_start_time_bad),
		cmocka_unit_test(test_nspid),
		cmocka_unit_test(test_nspid_bad),
		cmocka_unit_test(test_ids_and_fields),
		cmocka_unit_test(test_map_inside),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_self),
	};

	return cmocka_run_group_tests_name("procinfo", tests, NULL, NULL);
}
