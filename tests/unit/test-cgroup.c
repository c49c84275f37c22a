/* test-cgroup.c - unit tests for the pure parts of src/lib/cgroup*.c.
 *
 * Limit syntax (--cpus, --cpuset, --io-weight, --pids), the values written
 * to the kernel, finding the hierarchies and the caller's cgroups in
 * mountinfo and /proc/self/cgroup text (v2, this machine's v1 layout, a
 * systemd hybrid with co-mounted controllers, cgroup namespaces, escaped
 * mount points), the keyed stat files, and sandbox names.  No privileges;
 * test-cgroup-live.c makes real cgroups.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "lib/cgroup.h"

static void test_controller_names(void **state)
{
	assert_string_equal(cell_cgroup_controller_name(CELL_CG_IO, 1), "blkio");
	assert_string_equal(cell_cgroup_controller_name(CELL_CG_IO, 2), "io");
	assert_null(cell_cgroup_controller_name(CELL_CG_CPUACCT, 2));
	assert_null(cell_cgroup_controller_name(CELL_CG_FREEZER, 2));
	assert_string_equal(cell_cgroup_controller_name(CELL_CG_FREEZER, 1), "freezer");
	assert_int_equal(cell_cgroup_controller_from_name("blkio"), CELL_CG_IO);
	assert_int_equal(cell_cgroup_controller_from_name("io"), CELL_CG_IO);
	assert_int_equal(cell_cgroup_controller_from_name("cpuacct"), CELL_CG_CPUACCT);
	assert_int_equal(cell_cgroup_controller_from_name("name=systemd"), -1);
	assert_int_equal(cell_cgroup_controller_from_name("hugetlb"), -1);
}

static void test_parse_cpus(void **state)
{
	static const struct {
		const char *in;
		uint32_t milli;
	} ok[] = {
		{ "1", 1000 },	  { "0.5", 500 },  { "2", 2000 },	  { "1.25", 1250 },
		{ "0.01", 10 },	  { "0.125", 125 }, { "4096", 4096000 }, { "3.0", 3000 },
		{ "0.010", 10 },
	};
	static const char *const bad[] = { "",	  "0",	"0.0",	  "0.009", ".5",   "1.",
					   "1.2345", "-1", "1e3",  "abc",   "1,5",  "4096.001",
					   "5000", " 1", "1 ",	 "0x10" };
	struct cell_err err = { 0 };

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		uint32_t v = 0;

		assert_int_equal(cell_cgroup_parse_cpus(ok[i].in, &v, &err), 0);
		assert_int_equal(v, ok[i].milli);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint32_t v = 77;

		if (cell_cgroup_parse_cpus(bad[i], &v, &err) == 0)
			fail_msg("'%s' accepted", bad[i]);
		assert_non_null(strstr(err.msg, "--cpus"));
		assert_int_equal(v, 77);
	}
	assert_int_equal(cell_cgroup_parse_cpus("0.001", &(uint32_t){ 0 }, &err), -ERANGE);
	assert_non_null(strstr(err.msg, "at least 0.01"));
	assert_int_equal(cell_cgroup_cpu_quota(500), 50000);
	assert_int_equal(cell_cgroup_cpu_quota(10), 1000);
	assert_int_equal(cell_cgroup_cpu_quota(2000), 200000);
}

static void test_parse_cpuset(void **state)
{
	static const struct {
		const char *in, *out;
	} ok[] = {
		{ "0", "0" },
		{ "0-3", "0-3" },
		{ "3,1,2", "1-3" },
		{ "0-3,6", "0-3,6" },
		{ "6,0-3", "0-3,6" },
		{ "1-2,2-5,9,10", "1-5,9-10" },
		{ "5-5", "5" },
		{ "8191", "8191" },
	};
	static const char *const bad[] = { "", ",", "1,", ",1", "3-1", "a", "1-", "-1",
					   "1--2", "1 2", "8192", "0-8192", "1,,2" };
	struct cell_err err = { 0 };
	char buf[128];

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(cell_cgroup_parse_cpuset(ok[i].in, buf, sizeof(buf), &err), 0);
		assert_string_equal(buf, ok[i].out);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (cell_cgroup_parse_cpuset(bad[i], buf, sizeof(buf), &err) == 0)
			fail_msg("'%s' accepted", bad[i]);
		assert_non_null(strstr(err.msg, "--cpuset"));
	}
	/* every other CPU: too long for the buffer, said so */
	assert_int_equal(cell_cgroup_parse_cpuset("0,2,4,6,8,10,12,14,16,18,20", buf, 16, &err),
			 -E2BIG);
}

static void test_parse_weight_and_pids(void **state)
{
	struct cell_err err = { 0 };
	uint32_t w = 0;
	uint64_t n = 0;

	assert_int_equal(cell_cgroup_parse_io_weight("1", &w, &err), 0);
	assert_int_equal(w, 1);
	assert_int_equal(cell_cgroup_parse_io_weight("10000", &w, &err), 0);
	assert_int_equal(cell_cgroup_parse_io_weight("0", &w, &err), -EINVAL);
	assert_int_equal(cell_cgroup_parse_io_weight("10001", &w, &err), -EINVAL);
	assert_int_equal(cell_cgroup_parse_io_weight("5x", &w, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "--io-weight 5x: expected a number from 1 to 10000"));
	assert_int_equal(cell_cgroup_io_weight_v1(1), 10);
	assert_int_equal(cell_cgroup_io_weight_v1(10000), 1000);
	assert_int_equal(cell_cgroup_io_weight_v1(100), 19);
	assert_int_equal(cell_cgroup_io_weight_bfq(1), 1);
	assert_int_equal(cell_cgroup_io_weight_bfq(10000), 1000);

	assert_int_equal(cell_cgroup_parse_pids("64", &n, &err), 0);
	assert_int_equal(n, 64);
	assert_int_equal(cell_cgroup_parse_pids("0", &n, &err), -EINVAL);
	assert_int_equal(cell_cgroup_parse_pids("max", &n, &err), -EINVAL);
	assert_int_equal(cell_cgroup_parse_pids("4194305", &n, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "--pids 4194305"));
}

static void test_limits(void **state)
{
	struct cell_cgroup_limits l = { 0 };
	struct cell_err err = { 0 };
	char buf[128];

	assert_int_equal(cell_cgroup_limits_mask(&l), 0);
	assert_int_equal(cell_cgroup_limits_validate(&l, &err), 0);
	l.memory_swap = 1 << 20;
	assert_int_equal(cell_cgroup_limits_validate(&l, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "--memory-swap needs --memory"));
	l.memory = 2 << 20;
	assert_int_equal(cell_cgroup_limits_validate(&l, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "cannot be below --memory"));
	l.memory_swap = 2 << 20;
	assert_int_equal(cell_cgroup_limits_validate(&l, &err), 0);
	l.pids = 5;
	strcpy(l.cpuset, "0");
	assert_int_equal(cell_cgroup_limits_mask(&l), CELL_CGROUP_LIMIT_MEMORY |
							      CELL_CGROUP_LIMIT_SWAP |
							      CELL_CGROUP_LIMIT_PIDS |
							      CELL_CGROUP_LIMIT_CPUSET);
	assert_string_equal(cell_cgroup_limits_text(cell_cgroup_limits_mask(&l), buf, sizeof(buf)),
			    "--memory, --memory-swap, --pids, --cpuset");
	assert_string_equal(cell_cgroup_limit_option(CELL_CGROUP_LIMIT_IO), "--io-weight");
	assert_string_equal(cell_cgroup_limits_text(0, buf, sizeof(buf)), "");
}

/* This machine: v1 controllers under /sys/fs/cgroup/<name>, an empty v2
 * at /sys/fs/cgroup/unified, memory in a nested cgroup. */
static const char hybrid_mountinfo[] =
	"22 1 253:1 / / rw,relatime - ext4 /dev/vda rw\n"
	"31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
	"32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
	"33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct\n"
	"34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset\n"
	"35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
	"36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices\n"
	"37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer\n"
	"38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio\n"
	"39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n"
	"40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
	"41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";
static const char hybrid_cgroup[] = "9:name=systemd:/\n8:pids:/\n7:blkio:/\n6:freezer:/\n"
				    "5:devices:/\n4:memory:/process_api/8f79\n3:cpuset:/\n"
				    "2:cpuacct:/\n1:cpu:/\n0::/\n";

static void test_host_hybrid(void **state)
{
	struct cell_cgroup_host *h = malloc(sizeof(*h));
	struct cell_err err = { 0 };

	assert_int_equal(
		cell_cgroup_host_parse(hybrid_mountinfo, hybrid_cgroup, "hugetlb", h, &err), 0);
	assert_int_equal(h->version, 1);
	assert_true(h->hybrid);
	assert_int_equal(h->v1_controllers,
			 CELL_CG_BIT(CELL_CG_MEMORY) | CELL_CG_BIT(CELL_CG_PIDS) |
				 CELL_CG_BIT(CELL_CG_CPU) | CELL_CG_BIT(CELL_CG_CPUACCT) |
				 CELL_CG_BIT(CELL_CG_CPUSET) | CELL_CG_BIT(CELL_CG_IO) |
				 CELL_CG_BIT(CELL_CG_FREEZER));
	assert_string_equal(h->v1_dir[CELL_CG_MEMORY], "/sys/fs/cgroup/memory/process_api/8f79");
	assert_string_equal(h->v1_dir[CELL_CG_PIDS], "/sys/fs/cgroup/pids");
	assert_string_equal(h->v1_dir[CELL_CG_IO], "/sys/fs/cgroup/blkio");
	assert_string_equal(h->v2_mount, "/sys/fs/cgroup/unified");
	assert_string_equal(h->v2_dir, "/sys/fs/cgroup/unified");
	assert_true(h->v2_root);
	assert_int_equal(h->v2_controllers, 0);
	free(h);
}

static const char v2_mountinfo[] =
	"22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
	"25 20 0:22 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 "
	"rw,nsdelegate,memory_recursiveprot\n"
	"26 25 0:40 / /mnt/other rw shared:9 - cgroup2 cgroup2 rw\n";

static void test_host_v2(void **state)
{
	struct cell_cgroup_host *h = malloc(sizeof(*h));
	struct cell_err err = { 0 };

	assert_int_equal(cell_cgroup_host_parse(v2_mountinfo,
						"0::/user.slice/user-1000.slice/session-2.scope\n",
						"cpuset cpu io memory hugetlb pids rdma misc\n", h,
						&err),
			 0);
	assert_int_equal(h->version, 2);
	assert_false(h->hybrid);
	assert_string_equal(h->v2_mount, "/sys/fs/cgroup");
	assert_string_equal(h->v2_dir,
			    "/sys/fs/cgroup/user.slice/user-1000.slice/session-2.scope");
	assert_false(h->v2_root);
	assert_int_equal(h->v2_controllers,
			 CELL_CG_BIT(CELL_CG_MEMORY) | CELL_CG_BIT(CELL_CG_PIDS) |
				 CELL_CG_BIT(CELL_CG_CPU) | CELL_CG_BIT(CELL_CG_CPUSET) |
				 CELL_CG_BIT(CELL_CG_IO));
	assert_int_equal(h->v1_controllers, 0);

	/* v2 without the controllers cell uses, and no v1: still v2 */
	assert_int_equal(cell_cgroup_host_parse(v2_mountinfo, "0::/\n", "hugetlb", h, &err), 0);
	assert_int_equal(h->version, 2);
	assert_true(h->v2_root);
	assert_string_equal(h->v2_dir, "/sys/fs/cgroup");

	/* nothing mounted */
	assert_int_equal(cell_cgroup_host_parse("22 1 8:1 / / rw - ext4 /dev/sda1 rw\n", "0::/\n",
						NULL, h, &err),
			 0);
	assert_int_equal(h->version, 0);
	free(h);
}

/* systemd's hybrid layout: cpu and cpuacct share one hierarchy, the v2 tree
 * carries no controllers. */
static const char systemd_hybrid_mountinfo[] =
	"30 24 0:26 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755\n"
	"31 30 0:27 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:10 - cgroup2 "
	"cgroup2 rw,nsdelegate\n"
	"32 30 0:28 / /sys/fs/cgroup/systemd rw,nosuid shared:11 - cgroup cgroup "
	"rw,xattr,name=systemd\n"
	"35 30 0:31 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid shared:15 - cgroup cgroup "
	"rw,cpu,cpuacct\n"
	"36 30 0:32 / /sys/fs/cgroup/memory rw,nosuid shared:16 - cgroup cgroup rw,memory\n"
	"37 30 0:33 / /sys/fs/cgroup/pids rw,nosuid shared:17 - cgroup cgroup rw,pids\n"
	"38 30 0:34 / /sys/fs/cgroup/net_cls,net_prio rw,nosuid shared:18 - cgroup cgroup "
	"rw,net_cls,net_prio\n";

static void test_host_systemd_hybrid(void **state)
{
	struct cell_cgroup_host *h = malloc(sizeof(*h));
	struct cell_err err = { 0 };

	static const char procs[] = "12:pids:/user.slice/user-1000.slice/session-3.scope\n"
				    "5:memory:/user.slice/user-1000.slice/session-3.scope\n"
				    "3:cpu,cpuacct:/user.slice\n"
				    "2:net_cls,net_prio:/\n"
				    "1:name=systemd:/user.slice/user-1000.slice/session-3.scope\n"
				    "0::/user.slice/user-1000.slice/session-3.scope\n";

	assert_int_equal(cell_cgroup_host_parse(systemd_hybrid_mountinfo, procs, "", h, &err), 0);
	assert_int_equal(h->version, 1);
	assert_true(h->hybrid);
	assert_string_equal(h->v1_dir[CELL_CG_CPU], "/sys/fs/cgroup/cpu,cpuacct/user.slice");
	assert_string_equal(h->v1_dir[CELL_CG_CPUACCT], "/sys/fs/cgroup/cpu,cpuacct/user.slice");
	assert_string_equal(h->v1_dir[CELL_CG_PIDS],
			    "/sys/fs/cgroup/pids/user.slice/user-1000.slice/session-3.scope");
	assert_int_equal(h->v1_controllers & CELL_CG_BIT(CELL_CG_FREEZER), 0);
	assert_int_equal(h->v1_controllers & CELL_CG_BIT(CELL_CG_CPUSET), 0);
	assert_string_equal(h->v1_dir[CELL_CG_FREEZER], "");
	free(h);
}

static void test_host_namespaced(void **state)
{
	struct cell_cgroup_host *h = malloc(sizeof(*h));
	struct cell_err err = { 0 };

	static const char sub[] = "40 30 0:30 /docker/abc /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n";

	/* a container's view: the mount shows a subtree of the hierarchy */
	assert_int_equal(cell_cgroup_host_parse(sub, "0::/docker/abc/inner\n", "memory pids", h,
						&err),
			 0);
	assert_int_equal(h->version, 2);
	assert_string_equal(h->v2_dir, "/sys/fs/cgroup/inner");
	/* a path outside the mounted subtree cannot be reached */
	assert_int_equal(cell_cgroup_host_parse(sub, "0::/docker/abcdef\n", "memory", h, &err), 0);
	assert_int_equal(h->version, 0);
	assert_string_equal(h->v2_dir, "");
	/* escaped mount points, optional fields */
	assert_int_equal(cell_cgroup_host_parse("40 30 0:30 / /mnt/cg\\040two rw shared:3 master:1 "
						"- cgroup2 none rw\n",
						"0::/a b\n", "pids", h, &err),
			 0);
	assert_string_equal(h->v2_dir, "/mnt/cg two/a b");
	free(h);
}

static void test_host_detect(void **state)
{
	struct cell_cgroup_host *h = malloc(sizeof(*h));
	struct cell_err err = { 0 };

	/* whatever this host has, detection works and agrees with itself */
	assert_int_equal(cell_cgroup_detect(h, &err), 0);
	if (h->version == 1)
		assert_int_not_equal(h->v1_controllers, 0);
	free(h);
}

static void test_keyed(void **state)
{
	static const char events[] = "low 0\nhigh 0\nmax 12\noom 3\noom_kill 2\noom_group_kill 0\n";
	static const char cpu[] = "usage_usec 1234\nuser_usec 1000\nsystem_usec 234\n"
				  "nr_periods 0\n";
	static const char oom_control[] = "oom_kill_disable 0\nunder_oom 0\noom_kill 5";
	uint64_t v = 0;

	assert_int_equal(cell_cgroup_keyed(events, "max", &v), 0);
	assert_int_equal(v, 12);
	assert_int_equal(cell_cgroup_keyed(events, "oom_kill", &v), 0);
	assert_int_equal(v, 2);
	assert_int_equal(cell_cgroup_keyed(events, "oom", &v), 0);
	assert_int_equal(v, 3);
	assert_int_equal(cell_cgroup_keyed(events, "oom_group", &v), -ENOENT);
	assert_int_equal(cell_cgroup_keyed(cpu, "user_usec", &v), 0);
	assert_int_equal(v, 1000);
	assert_int_equal(cell_cgroup_keyed(cpu, "usage_usec", &v), 0);
	assert_int_equal(v, 1234);
	assert_int_equal(cell_cgroup_keyed(oom_control, "oom_kill", &v), 0);
	assert_int_equal(v, 5);
	assert_int_equal(cell_cgroup_keyed("max x\n", "max", &v), -EINVAL);
	assert_int_equal(cell_cgroup_keyed("", "max", &v), -ENOENT);
}

static void test_names(void **state)
{
	char buf[64];
	pid_t pid;
	uint64_t start, self;

	assert_int_equal(cell_cgroup_name(1234, 56789, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "cell-1234-56789");
	assert_int_equal(cell_cgroup_name_parse(buf, &pid, &start), 0);
	assert_int_equal(pid, 1234);
	assert_int_equal(start, 56789);
	assert_int_equal(cell_cgroup_name(1, 2, buf, 8), -ENAMETOOLONG);
	static const char *const bad[] = { "cell-", "cell-1", "cell-1-", "cell-0-5", "cell--1-5",
					   "cell-1-5x", "cgroup-1-5", "cell-1-5-6",
					   "cell-99999999999-1" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(cell_cgroup_name_parse(bad[i], &pid, &start), -EINVAL);
	/* this process's start time is stable and non-zero */
	assert_int_equal(cell_cgroup_pid_start(getpid(), &self), 0);
	assert_int_equal(cell_cgroup_pid_start(getpid(), &start), 0);
	assert_int_equal(self, start);
	assert_true(self > 0);
	assert_int_equal(cell_cgroup_pid_start(0x7ffffff0, &start), -ENOENT);

	/* stale: the supervisor is gone or its pid was reused */
	assert_int_equal(cell_cgroup_name(getpid(), self, buf, sizeof(buf)), 0);
	assert_false(cell_cgroup_is_stale(buf));
	assert_int_equal(cell_cgroup_name(getpid(), self + 1, buf, sizeof(buf)), 0);
	assert_true(cell_cgroup_is_stale(buf));
	assert_true(cell_cgroup_is_stale("cell-2147483600-5"));
	assert_false(cell_cgroup_is_stale("cell"));
	assert_false(cell_cgroup_is_stale("user.slice"));
	assert_false(cell_cgroup_is_stale("cell-1-2.supervisor"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_controller_names),
		cmocka_unit_test(test_parse_cpus),
		cmocka_unit_test(test_parse_cpuset),
		cmocka_unit_test(test_parse_weight_and_pids),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_host_hybrid),
		cmocka_unit_test(test_host_v2),
		cmocka_unit_test(test_host_systemd_hybrid),
		cmocka_unit_test(test_host_namespaced),
		cmocka_unit_test(test_host_detect),
		cmocka_unit_test(test_keyed),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
