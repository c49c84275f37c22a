/* test-ocicg.c - the OCI container cgroup (src/lib/ocicg.c).
 *
 * Pure: cgroupsPath planning on v1/hybrid/v2 mountinfo samples, the state
 * record, the device program (run through a small eBPF interpreter here).
 * Live, as root only (skipped otherwise): a container cgroup on this
 * host's v1 hierarchies, and on hybrid hosts the (controller-less) v2 tree
 * for the eBPF device program, cgroup.freeze and cgroup.kill.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "lib/ocicg.h"

/* ---- samples ---- */

/* This host: hybrid, each controller alone, v2 at /sys/fs/cgroup/unified. */
static const char hybrid_mi[] =
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
	"41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n"
	"42 31 0:39 / /sys/fs/cgroup/hugetlb rw,relatime - cgroup cgroup rw,hugetlb\n";
static const char hybrid_pc[] = "10:hugetlb:/\n9:name=systemd:/\n8:pids:/\n7:blkio:/\n"
				"6:freezer:/\n5:devices:/\n"
				"4:memory:/process_api/741a\n3:cpuset:/\n2:cpuacct:/\n1:cpu:/\n"
				"0::/\n";

/* Debian 10 / Ubuntu 20.04 style: co-mounted cpu,cpuacct and net_cls,net_prio
 * (mount points are symlinks' targets), shared: optional fields. */
static const char comount_mi[] =
	"25 24 0:22 / /sys/fs/cgroup ro,nosuid - tmpfs tmpfs ro,mode=755\n"
	"26 25 0:23 / /sys/fs/cgroup/unified rw,nosuid shared:9 - cgroup2 cgroup2 rw\n"
	"27 25 0:24 / /sys/fs/cgroup/systemd rw shared:10 - cgroup cgroup rw,xattr,name=systemd\n"
	"30 25 0:27 / /sys/fs/cgroup/cpu,cpuacct rw shared:11 - cgroup cgroup rw,cpu,cpuacct\n"
	"31 25 0:28 / /sys/fs/cgroup/net_cls,net_prio rw shared:12 - cgroup cgroup "
	"rw,net_cls,net_prio\n"
	"32 25 0:29 / /sys/fs/cgroup/memory rw shared:13 - cgroup cgroup rw,memory\n"
	"33 25 0:30 / /sys/fs/cgroup/pids rw shared:14 - cgroup cgroup rw,pids\n"
	"34 25 0:31 / /sys/fs/cgroup/cpuset rw shared:15 - cgroup cgroup rw,cpuset\n"
	"35 25 0:32 / /sys/fs/cgroup/freezer rw shared:16 - cgroup cgroup rw,freezer\n"
	"36 25 0:33 / /sys/fs/cgroup/devices rw shared:17 - cgroup cgroup rw,devices\n"
	"37 25 0:34 / /sys/fs/cgroup/blkio rw shared:18 - cgroup cgroup rw,blkio\n";
static const char comount_pc[] =
	"11:blkio:/user.slice\n10:devices:/user.slice\n9:freezer:/\n8:cpuset:/\n"
	"7:pids:/user.slice/user-1000.slice/session-2.scope\n6:memory:/user.slice/user-1000.slice\n"
	"5:net_cls,net_prio:/\n4:cpu,cpuacct:/user.slice\n1:name=systemd:/user.slice/x.scope\n"
	"0::/user.slice/x.scope\n";

/* Pure v2 (Debian 12, Fedora). */
static const char v2_mi[] =
	"22 1 259:2 / / rw,relatime shared:1 - ext4 /dev/root rw\n"
	"30 23 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 "
	"rw,nsdelegate,memory_recursiveprot\n";
static const char v2_pc[] = "0::/user.slice/user-1000.slice/session-3.scope\n";

#define ALL cell_ocicg_wanted(NULL)

static const struct cell_ocicg_dir *find(const struct cell_ocicg_plan *p, const char *path)
{
	for (size_t i = 0; i < p->n_dirs; i++)
		if (strcmp(p->dirs[i].path, path) == 0)
			return &p->dirs[i];
	return NULL;
}

static struct cell_ocicg_plan plan;

static void test_plan_hybrid_absolute(void **state)
{
	struct cell_err err = { 0 };
	const struct cell_ocicg_dir *d;

	assert_int_equal(cell_ocicg_plan(hybrid_mi, hybrid_pc, "/a/b", "x", ALL, &plan, &err), 0);
	assert_int_equal(plan.version, 1);
	/* cpu cpuacct memory devices freezer blkio pids hugetlb; no cpuset,
	 * no name=systemd, not the v2 tree */
	assert_int_equal(plan.n_dirs, 8);
	d = find(&plan, "/sys/fs/cgroup/memory/a/b");
	assert_non_null(d);
	assert_int_equal(d->controllers, CELL_OCICG_BIT(CELL_OCICG_MEMORY));
	assert_int_equal(d->mount_len, strlen("/sys/fs/cgroup/memory"));
	assert_non_null(find(&plan, "/sys/fs/cgroup/devices/a/b"));
	assert_non_null(find(&plan, "/sys/fs/cgroup/hugetlb/a/b"));
	assert_null(find(&plan, "/sys/fs/cgroup/cpuset/a/b"));
	assert_null(find(&plan, "/sys/fs/cgroup/systemd/a/b"));
	assert_null(find(&plan, "/sys/fs/cgroup/unified/a/b"));

	/* cpuset when cpus/mems are asked */
	struct cell_ocicg_resources r = { .set = CELL_OCICG_SET_CPU_CPUS };
	assert_int_equal(cell_ocicg_plan(hybrid_mi, hybrid_pc, "/a/b", "x", cell_ocicg_wanted(&r),
					 &plan, &err),
			 0);
	assert_int_equal(plan.n_dirs, 9);
	assert_non_null(find(&plan, "/sys/fs/cgroup/cpuset/a/b"));
}

static void test_plan_hybrid_relative(void **state)
{
	struct cell_err err = { 0 };

	assert_int_equal(cell_ocicg_plan(hybrid_mi, hybrid_pc, "c1", "x", ALL, &plan, &err), 0);
	assert_non_null(find(&plan, "/sys/fs/cgroup/memory/process_api/741a/c1"));
	assert_non_null(find(&plan, "/sys/fs/cgroup/pids/c1"));
	/* empty: cell-oci-ID below the caller's cgroup */
	assert_int_equal(cell_ocicg_plan(hybrid_mi, hybrid_pc, "", "ctr1", ALL, &plan, &err), 0);
	assert_non_null(find(&plan, "/sys/fs/cgroup/memory/process_api/741a/cell-oci-ctr1"));
	assert_non_null(find(&plan, "/sys/fs/cgroup/freezer/cell-oci-ctr1"));
	assert_int_equal(cell_ocicg_plan(hybrid_mi, hybrid_pc, NULL, "ctr1", ALL, &plan, &err), 0);
	assert_non_null(find(&plan, "/sys/fs/cgroup/devices/cell-oci-ctr1"));
}

static void test_plan_comounted(void **state)
{
	struct cell_err err = { 0 };
	const struct cell_ocicg_dir *d;

	assert_int_equal(cell_ocicg_plan(comount_mi, comount_pc, "sub/c", "x", ALL, &plan, &err),
			 0);
	assert_int_equal(plan.version, 1);
	/* cpu,cpuacct net_cls,net_prio memory pids freezer devices blkio */
	assert_int_equal(plan.n_dirs, 7);
	d = find(&plan, "/sys/fs/cgroup/cpu,cpuacct/user.slice/sub/c");
	assert_non_null(d);
	assert_int_equal(d->controllers,
			 CELL_OCICG_BIT(CELL_OCICG_CPU) | CELL_OCICG_BIT(CELL_OCICG_CPUACCT));
	d = find(&plan, "/sys/fs/cgroup/net_cls,net_prio/sub/c");
	assert_non_null(d);
	assert_int_equal(d->controllers, CELL_OCICG_BIT(CELL_OCICG_NET_CLS) |
						 CELL_OCICG_BIT(CELL_OCICG_NET_PRIO));
	assert_non_null(find(&plan, "/sys/fs/cgroup/pids/user.slice/user-1000.slice/"
				    "session-2.scope/sub/c"));
	assert_non_null(find(&plan, "/sys/fs/cgroup/memory/user.slice/user-1000.slice/sub/c"));
	assert_non_null(find(&plan, "/sys/fs/cgroup/freezer/sub/c"));
}

static void test_plan_v2(void **state)
{
	struct cell_err err = { 0 };

	assert_int_equal(cell_ocicg_plan(v2_mi, v2_pc, "/machine/c1", "x", ALL, &plan, &err), 0);
	assert_int_equal(plan.version, 2);
	assert_int_equal(plan.n_dirs, 1);
	assert_string_equal(plan.dirs[0].path, "/sys/fs/cgroup/machine/c1");
	assert_int_equal(plan.dirs[0].mount_len, strlen("/sys/fs/cgroup"));
	assert_int_equal(plan.dirs[0].controllers, 0);
	assert_int_equal(cell_ocicg_plan(v2_mi, v2_pc, "c1", "x", ALL, &plan, &err), 0);
	assert_string_equal(plan.dirs[0].path,
			    "/sys/fs/cgroup/user.slice/user-1000.slice/session-3.scope/c1");
	assert_int_equal(cell_ocicg_plan(v2_mi, v2_pc, "", "abc", ALL, &plan, &err), 0);
	assert_string_equal(plan.dirs[0].path, "/sys/fs/cgroup/user.slice/user-1000.slice/"
					       "session-3.scope/cell-oci-abc");
	/* "." and doubled slashes are dropped */
	assert_int_equal(cell_ocicg_plan(v2_mi, v2_pc, "//a/./b//", "x", ALL, &plan, &err), 0);
	assert_string_equal(plan.dirs[0].path, "/sys/fs/cgroup/a/b");
	/* the hybrid host's unified tree alone is v2 too */
	assert_int_equal(cell_ocicg_plan("41 31 0:38 / /sys/fs/cgroup/unified rw - cgroup2 "
					 "cgroup2 rw\n",
					 "0::/\n", "/t", "x", ALL, &plan, &err),
			 0);
	assert_int_equal(plan.version, 2);
	assert_string_equal(plan.dirs[0].path, "/sys/fs/cgroup/unified/t");
}

static void test_plan_rejects(void **state)
{
	struct cell_err err = { 0 };

	assert_int_equal(cell_ocicg_plan(v2_mi, v2_pc, "/a/../../etc", "x", ALL, &plan, &err),
			 -EINVAL);
	assert_non_null(strstr(err.msg, "'..'"));
	assert_int_equal(cell_ocicg_plan(v2_mi, v2_pc, "..", "x", ALL, &plan, &err), -EINVAL);
	assert_int_equal(cell_ocicg_plan(hybrid_mi, hybrid_pc, "a/..", "x", ALL, &plan, &err),
			 -EINVAL);
	assert_int_equal(cell_ocicg_plan(v2_mi, v2_pc, "/", "x", ALL, &plan, &err), -EINVAL);
	assert_int_equal(cell_ocicg_plan(v2_mi, v2_pc, "/./", "x", ALL, &plan, &err), -EINVAL);
	assert_int_equal(cell_ocicg_plan(v2_mi, v2_pc, "/a\nb", "x", ALL, &plan, &err), -EINVAL);
	assert_int_equal(cell_ocicg_plan(v2_mi, v2_pc, "", "a/b", ALL, &plan, &err), -EINVAL);
	assert_int_equal(cell_ocicg_plan(v2_mi, v2_pc, NULL, "..", ALL, &plan, &err), -EINVAL);
	assert_int_equal(cell_ocicg_plan(v2_mi, v2_pc, NULL, NULL, ALL, &plan, &err), -EINVAL);
	/* the caller's cgroup is outside the mounted subtree: relative cannot work */
	assert_int_equal(cell_ocicg_plan("30 23 0:26 /sub /sys/fs/cgroup rw - cgroup2 cgroup2 "
					 "rw\n",
					 "0::/other\n", "c", "x", ALL, &plan, &err),
			 -ENOENT);
	assert_int_equal(cell_ocicg_plan("30 23 0:26 /sub /sys/fs/cgroup rw - cgroup2 cgroup2 "
					 "rw\n",
					 "0::/sub/me\n", "c", "x", ALL, &plan, &err),
			 0);
	assert_string_equal(plan.dirs[0].path, "/sys/fs/cgroup/me/c");
	/* no cgroup file system */
	assert_int_equal(cell_ocicg_plan("22 1 259:2 / / rw - ext4 /dev/root rw\n", "", "/a", "x",
					 ALL, &plan, &err),
			 -ENOENT);
}

static void test_record(void **state)
{
	const char *text = "cell-ocicg 1\nversion 1\n"
			   "dir 2 21 memory /sys/fs/cgroup/memory/a b/c\n"
			   "dir 0 26 cpu,cpuacct /sys/fs/cgroup/cpu,cpuacct/a b/c\n";
	struct cell_ocicg *cg = NULL;
	struct cell_err err = { 0 };
	char *again;

	assert_int_equal(cell_ocicg_open(text, &cg, &err), 0);
	assert_int_equal(cell_ocicg_version(cg), 1);
	assert_string_equal(cell_ocicg_path(cg, CELL_OCICG_MEMORY), "/sys/fs/cgroup/memory/a b/c");
	assert_string_equal(cell_ocicg_path(cg, CELL_OCICG_CPUACCT),
			    "/sys/fs/cgroup/cpu,cpuacct/a b/c");
	assert_null(cell_ocicg_path(cg, CELL_OCICG_PIDS));
	assert_int_equal(cell_ocicg_get_plan(cg)->dirs[0].made, 2);
	assert_int_equal(cell_ocicg_fd(cg), -1);
	again = cell_ocicg_serialize(cg);
	assert_string_equal(again, text);
	free(again);
	cell_ocicg_free(cg);

	static const char *const bad[] = {
		"",
		"cell-ocicg 2\nversion 1\ndir 0 21 memory /sys/fs/cgroup/memory/a\n",
		"cell-ocicg 1\nversion 1\n",
		"cell-ocicg 1\nversion 3\ndir 0 21 memory /sys/fs/cgroup/memory/a\n",
		"cell-ocicg 1\nversion 1\ndir 0 21 memory /sys/fs/cgroup/memory/../a\n",
		"cell-ocicg 1\nversion 1\ndir 0 21 memory sys/fs/cgroup/memory/a\n",
		"cell-ocicg 1\nversion 1\ndir 0 30 memory /sys/fs/cgroup/memory/a\n",
		"cell-ocicg 1\nversion 1\ndir 0 21 memory /sys/fs/cgroup/memory/a/\n",
		"cell-ocicg 1\nversion 2\ndir 0 14 - /sys/fs/cgroup/a\n"
		"dir 0 14 - /sys/fs/cgroup/b\n",
		"cell-ocicg 1\nversion 1\nrmdir /\n",
		/* not a cgroup file system */
		"cell-ocicg 1\nversion 1\ndir 1 0 memory /tmp\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cg = NULL;
		if (cell_ocicg_open(bad[i], &cg, &err) != -EINVAL)
			fail_msg("accepted record %zu", i);
		assert_null(cg);
	}
}

static void test_weights(void **state)
{
	assert_int_equal(cell_ocicg_shares_to_weight(2), 1);
	assert_int_equal(cell_ocicg_shares_to_weight(1024), 39);
	assert_int_equal(cell_ocicg_shares_to_weight(262144), 10000);
}

/* ---- the device program, run by a small interpreter of what it emits ---- */

static int run_prog(const struct bpf_insn *p, int n, int type, unsigned access, uint32_t major,
		    uint32_t minor)
{
	uint32_t ctx[3] = { (access << 16) | (unsigned)type, major, minor };
	uint64_t reg[11] = { 0 };

	for (int pc = 0, steps = 0; pc >= 0 && pc < n && steps < 10000; pc++, steps++) {
		const struct bpf_insn *i = &p[pc];
		uint64_t src = BPF_SRC(i->code) == BPF_X ? reg[i->src_reg]
							 : (uint64_t)(int64_t)i->imm;

		switch (BPF_CLASS(i->code)) {
		case BPF_LDX:
			assert_int_equal(i->src_reg, BPF_REG_1);
			assert_true(i->off >= 0 && i->off <= 8 && i->off % 4 == 0);
			reg[i->dst_reg] = ctx[i->off / 4];
			break;
		case BPF_ALU:
			switch (BPF_OP(i->code)) {
			case BPF_AND: reg[i->dst_reg] = (uint32_t)(reg[i->dst_reg] & src); break;
			case BPF_RSH: reg[i->dst_reg] = (uint32_t)reg[i->dst_reg] >> src; break;
			case BPF_MOV: reg[i->dst_reg] = (uint32_t)src; break;
			default: fail_msg("alu op %x", i->code);
			}
			break;
		case BPF_ALU64:
			assert_int_equal(BPF_OP(i->code), BPF_MOV);
			reg[i->dst_reg] = src;
			break;
		case BPF_JMP:
			switch (BPF_OP(i->code)) {
			case BPF_EXIT: return (int)reg[0];
			case BPF_JNE: if (reg[i->dst_reg] != src) pc += i->off; break;
			case BPF_JEQ: if (reg[i->dst_reg] == src) pc += i->off; break;
			default: fail_msg("jmp op %x", i->code);
			}
			break;
		default:
			fail_msg("insn class %x", i->code);
		}
	}
	fail_msg("program did not exit");
	return -1;
}

#define C BPF_DEVCG_DEV_CHAR
#define B BPF_DEVCG_DEV_BLOCK
#define R BPF_DEVCG_ACC_READ
#define W BPF_DEVCG_ACC_WRITE
#define M BPF_DEVCG_ACC_MKNOD

static void test_bpf_program(void **state)
{
	struct bpf_insn p[256];
	struct cell_err err = { 0 };
	const struct cell_ocicg_device podman[] = {
		{ false, 'a', -1, -1, "rwm" }, { true, 'c', 1, 3, "rwm" },
		{ true, 'c', 136, -1, "rw" },  { true, 'b', -1, -1, "m" },
		{ false, 'c', 136, 7, "w" },
	};
	int n = cell_ocicg_bpf_program(podman, 5, p, 256, &err);

	assert_true(n > 0);
	assert_int_equal(run_prog(p, n, C, R | W, 1, 3), 1);
	assert_int_equal(run_prog(p, n, C, M, 1, 3), 1);
	assert_int_equal(run_prog(p, n, C, R, 1, 5), 0);   /* /dev/zero: not listed */
	assert_int_equal(run_prog(p, n, B, R, 1, 3), 0);   /* block 1:3 */
	assert_int_equal(run_prog(p, n, B, M, 8, 0), 1);   /* mknod any block */
	assert_int_equal(run_prog(p, n, B, R, 8, 0), 0);   /* but not open it */
	assert_int_equal(run_prog(p, n, C, R | W, 136, 2), 1);
	assert_int_equal(run_prog(p, n, C, M, 136, 2), 0); /* rw only */
	assert_int_equal(run_prog(p, n, C, R, 136, 7), 1); /* the deny took w only */
	assert_int_equal(run_prog(p, n, C, W, 136, 7), 0);
	assert_int_equal(run_prog(p, n, C, R | W, 136, 7), 0); /* any denied bit denies */

	/* empty: deny everything; allow all at the end: everything */
	n = cell_ocicg_bpf_program(NULL, 0, p, 256, &err);
	assert_int_equal(run_prog(p, n, C, R, 1, 3), 0);
	const struct cell_ocicg_device all[] = { { false, 'c', 1, 3, "rwm" },
						 { true, 'a', -1, -1, "" } };
	assert_true(cell_ocicg_devices_allow_all(all, 2));
	assert_false(cell_ocicg_devices_allow_all(all, 1));
	assert_false(cell_ocicg_devices_allow_all(podman, 5));
	n = cell_ocicg_bpf_program(all, 2, p, 256, &err);
	assert_int_equal(run_prog(p, n, C, R, 1, 3), 1);
	assert_int_equal(run_prog(p, n, B, W, 7, 9), 1);

	/* the default devices */
	n = cell_ocicg_bpf_program(cell_ocicg_default_devices, cell_ocicg_n_default_devices, p,
				   256, &err);
	assert_int_equal(run_prog(p, n, C, R | W, 1, 9), 1);
	assert_int_equal(run_prog(p, n, C, R | W, 5, 2), 1);
	assert_int_equal(run_prog(p, n, B, R, 8, 0), 0);
	assert_int_equal(run_prog(p, n, C, R, 4, 1), 0);

	const struct cell_ocicg_device bad_type[] = { { true, 'x', 1, 3, "rwm" } };
	assert_int_equal(cell_ocicg_bpf_program(bad_type, 1, p, 256, &err), -EINVAL);
	const struct cell_ocicg_device bad_acc[] = { { true, 'c', 1, 3, "rx" } };
	assert_int_equal(cell_ocicg_bpf_program(bad_acc, 1, p, 256, &err), -EINVAL);
	assert_int_equal(cell_ocicg_bpf_program(podman, 5, p, 8, &err), -E2BIG);
}

static bool dir_exists(const char *path);
static void read_file(const char *dir, const char *file, char *buf, size_t len);

/* ---- v2 values, against a fake tree of plain files (no privileges) ---- */

static void put(const char *dir, const char *file, const char *text)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	f = fopen(path, "we");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* Plain files are not truncated by a write as cgroup files are replaced:
 * empty the ones a set() is about to write. */
static void blank(const char *dir, const char *const *files, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char path[PATH_MAX];

		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		assert_int_equal(truncate(path, 0), 0);
	}
}

static void expect(const char *dir, const char *file, const char *want)
{
	char buf[256];

	read_file(dir, file, buf, sizeof(buf));
	if (strcmp(buf, want) != 0)
		fail_msg("%s: '%s', expected '%s'", file, buf, want);
}

static void test_v2_values(void **state)
{
	static const char *const files[] = { "cgroup.procs",  "memory.max",  "memory.low",
					     "memory.swap.max", "memory.high", "cpu.weight",
					     "cpu.max",	       "cpuset.cpus", "cpuset.mems",
					     "pids.max",       "io.weight" };
	struct cell_ocicg_unified u[] = { { "memory.high", "50M" } };
	struct cell_ocicg_resources r = {
		.set = CELL_OCICG_SET_MEMORY_LIMIT | CELL_OCICG_SET_MEMORY_SWAP |
		       CELL_OCICG_SET_MEMORY_RESERVATION | CELL_OCICG_SET_CPU_SHARES |
		       CELL_OCICG_SET_CPU_QUOTA | CELL_OCICG_SET_CPU_PERIOD |
		       CELL_OCICG_SET_CPU_CPUS | CELL_OCICG_SET_PIDS |
		       CELL_OCICG_SET_BLKIO_WEIGHT | CELL_OCICG_SET_UNIFIED,
		.memory_limit = 64 << 20,
		.memory_swap = 96 << 20,
		.memory_reservation = -1,
		.cpu_shares = 1024,
		.cpu_quota = 50000,
		.cpu_period = 100000,
		.cpu_cpus = "0-1",
		.pids_limit = 0,
		.blkio_weight = 500,
		.unified = u,
		.n_unified = 1,
	};
	char top[] = "/tmp/test-ocicg-XXXXXX", leaf[64];
	struct cell_ocicg_plan *p = calloc(1, sizeof(*p));
	struct cell_err err = { 0 };
	struct cell_ocicg *cg = NULL;

	assert_non_null(p);
	assert_non_null(mkdtemp(top));
	snprintf(leaf, sizeof(leaf), "%s/c", top);
	assert_int_equal(mkdir(leaf, 0755), 0);
	put(top, "cgroup.controllers", "cpuset cpu io memory pids");
	put(top, "cgroup.subtree_control", "cpuset cpu memory pids");
	put(leaf, "cgroup.controllers", "cpuset cpu memory pids");
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		put(leaf, files[i], "");
	p->version = 2;
	p->n_dirs = 1;
	strcpy(p->dirs[0].path, leaf);
	p->dirs[0].mount_len = (unsigned)strlen(top);
	assert_int_equal(cell_ocicg_create_plan(p, cell_ocicg_wanted(&r), &cg, &err), 0);
	free(p);
	assert_int_equal(cell_ocicg_get_plan(cg)->dirs[0].made, 0); /* it was there */

	/* io is offered by the parent but not enabled for the leaf */
	assert_int_equal(cell_ocicg_set(cg, &r, &err), -EOPNOTSUPP);
	assert_non_null(strstr(err.msg, "linux.resources.blockIO.weight: the io controller is "
					"not enabled in /tmp/test-ocicg-"));
	put(leaf, "cgroup.controllers", "cpuset cpu io memory pids");
	/* everything is written before the device program, which a plain
	 * directory cannot take */
	assert_true(cell_ocicg_set(cg, &r, &err) < 0);
	assert_non_null(strstr(err.msg, "devices: "));
	expect(leaf, "memory.max", "67108864");
	expect(leaf, "memory.swap.max", "33554432");
	expect(leaf, "memory.low", "max");
	expect(leaf, "cpu.weight", "39");
	expect(leaf, "cpu.max", "50000 100000");
	expect(leaf, "cpuset.cpus", "0-1");
	expect(leaf, "pids.max", "max");
	expect(leaf, "io.weight", "default 4950");
	expect(leaf, "memory.high", "50M");

	/* update: the period alone keeps the quota; swap alone uses memory.max */
	static const char *const updated[] = { "cpu.max", "memory.swap.max" };
	struct cell_ocicg_resources up = { .set = CELL_OCICG_SET_CPU_PERIOD |
						  CELL_OCICG_SET_MEMORY_SWAP,
					   .cpu_period = 200000,
					   .memory_swap = -1 };
	blank(leaf, updated + 1, 1);
	/* (fails at the devices again: still fresh) */
	assert_true(cell_ocicg_set(cg, &up, &err) < 0);
	expect(leaf, "cpu.max", "50000 200000");
	expect(leaf, "memory.swap.max", "max");
	up.set = CELL_OCICG_SET_MEMORY_SWAP;
	up.memory_swap = 80 << 20;
	blank(leaf, updated, 2);
	assert_true(cell_ocicg_set(cg, &up, &err) < 0);
	expect(leaf, "memory.swap.max", "16777216");
	up.memory_swap = 32 << 20;
	assert_int_equal(cell_ocicg_set(cg, &up, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "below the memory limit"));

	/* refused on v2 */
	struct cell_ocicg_resources bad = { .set = CELL_OCICG_SET_MEMORY_SWAPPINESS };
	assert_int_equal(cell_ocicg_set(cg, &bad, &err), -EOPNOTSUPP);
	bad.set = CELL_OCICG_SET_OOM_KILL_DISABLE;
	bad.disable_oom_killer = true;
	assert_int_equal(cell_ocicg_set(cg, &bad, &err), -EOPNOTSUPP);
	struct cell_ocicg_unified esc[] = { { "../cgroup.procs", "1" } };
	bad.set = CELL_OCICG_SET_UNIFIED;
	bad.unified = esc;
	bad.n_unified = 1;
	assert_int_equal(cell_ocicg_set(cg, &bad, &err), -EINVAL);
	esc[0].key = "memory.nothing";
	assert_int_equal(cell_ocicg_set(cg, &bad, &err), -ENOENT);

	/* remove takes nothing it did not make (and nothing outside cgroupfs) */
	assert_int_equal(cell_ocicg_remove(cg, &err), 0);
	assert_true(dir_exists(leaf));
	cell_ocicg_free(cg);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char path[PATH_MAX];

		snprintf(path, sizeof(path), "%s/%s", leaf, files[i]);
		unlink(path);
	}
	snprintf(leaf + strlen(leaf), sizeof(leaf) - strlen(leaf), "/cgroup.controllers");
	unlink(leaf);
	*strrchr(leaf, '/') = '\0';
	assert_int_equal(rmdir(leaf), 0);
	snprintf(leaf, sizeof(leaf), "%s/cgroup.controllers", top);
	unlink(leaf);
	snprintf(leaf, sizeof(leaf), "%s/cgroup.subtree_control", top);
	unlink(leaf);
	assert_int_equal(rmdir(top), 0);
}

/* ---- live (root) ---- */

static bool dir_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

static void read_file(const char *dir, const char *file, char *buf, size_t len)
{
	char path[PATH_MAX];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	f = fopen(path, "re");
	if (!f)
		fail_msg("open %s: %s", path, strerror(errno));
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
	while (n && buf[n - 1] == '\n')
		buf[--n] = '\0';
}

struct child {
	pid_t pid;
	int go, out;
};

/* Waits for the go byte, then reports open() errnos of /dev/null and
 * /dev/zero and sleeps until killed. */
static struct child start_child(void)
{
	int go[2], out[2];
	struct child c;

	assert_int_equal(pipe2(go, O_CLOEXEC), 0);
	assert_int_equal(pipe2(out, O_CLOEXEC), 0);
	c.pid = fork();
	assert_true(c.pid >= 0);
	if (c.pid == 0) {
		int res[2];
		char b;
		int fd;

		close(go[1]);
		close(out[0]);
		if (read(go[0], &b, 1) != 1)
			_exit(99);
		fd = open("/dev/null", O_RDWR | O_CLOEXEC);
		res[0] = fd < 0 ? errno : 0;
		fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);
		res[1] = fd < 0 ? errno : 0;
		if (write(out[1], res, sizeof(res)) != sizeof(res))
			_exit(98);
		for (;;)
			pause();
	}
	close(go[0]);
	close(out[1]);
	c.go = go[1];
	c.out = out[0];
	return c;
}

static const struct cell_ocicg_device test_devices[] = {
	{ false, 'a', -1, -1, "rwm" },
	{ true, 'c', 1, 3, "rwm" },
};

/* One container through the API: set, attach, devices, freeze, pids, kill,
 * a re-open from the record, remove. */
static void lifecycle(struct cell_ocicg *cg, bool v1)
{
	struct cell_err err = { 0 };
	struct child c = start_child();
	char buf[256], paths[CELL_OCICG_DIRS_MAX][PATH_MAX];
	const struct cell_ocicg_plan *p = cell_ocicg_get_plan(cg);
	size_t n_dirs = p->n_dirs, n = 0;
	pid_t *pids = NULL;
	int res[2], status;
	char *record;

	for (size_t i = 0; i < n_dirs; i++) {
		strcpy(paths[i], p->dirs[i].path);
		assert_true(dir_exists(paths[i]));
		assert_int_equal(p->dirs[i].made, 1);
	}
	if (cell_ocicg_attach(cg, c.pid, &err) < 0)
		fail_msg("attach: %s", err.msg);
	assert_int_equal(write(c.go, "x", 1), 1);
	assert_int_equal(read(c.out, res, sizeof(res)), sizeof(res));
	assert_int_equal(res[0], 0);	 /* c 1:3 allowed */
	assert_int_equal(res[1], EPERM); /* c 1:5 not */

	/* a later process: the record */
	record = cell_ocicg_serialize(cg);
	assert_non_null(record);
	cell_ocicg_free(cg);
	cg = NULL;
	if (cell_ocicg_open(record, &cg, &err) < 0)
		fail_msg("open: %s", err.msg);
	free(record);
	assert_int_equal(cell_ocicg_version(cg), v1 ? 1 : 2);

	assert_int_equal(cell_ocicg_pids(cg, &pids, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(pids[0], c.pid);
	free(pids);

	assert_int_equal(cell_ocicg_frozen(cg, &err), 0);
	if (cell_ocicg_freeze(cg, true, &err) < 0)
		fail_msg("freeze: %s", err.msg);
	assert_int_equal(cell_ocicg_frozen(cg, &err), 1);
	if (v1) {
		read_file(cell_ocicg_path(cg, CELL_OCICG_FREEZER), "freezer.state", buf,
			  sizeof(buf));
		assert_string_equal(buf, "FROZEN");
	}
	if (cell_ocicg_freeze(cg, false, &err) < 0)
		fail_msg("thaw: %s", err.msg);
	assert_int_equal(cell_ocicg_frozen(cg, &err), 0);

	/* update: pids again, and the device list stays (bit clear) */
	if (v1) {
		struct cell_ocicg_resources up = { .set = CELL_OCICG_SET_PIDS, .pids_limit = 30 };

		if (cell_ocicg_set(cg, &up, &err) < 0)
			fail_msg("update: %s", err.msg);
		read_file(cell_ocicg_path(cg, CELL_OCICG_PIDS), "pids.max", buf, sizeof(buf));
		assert_string_equal(buf, "30");
		read_file(cell_ocicg_path(cg, CELL_OCICG_DEVICES), "devices.list", buf,
			  sizeof(buf));
		assert_string_equal(buf, "c 1:3 rwm");
	}

	/* remove refuses while the process lives, and kills nothing */
	assert_int_equal(cell_ocicg_kill(cg, SIGKILL, &err) >= 0, 1);
	assert_int_equal(waitpid(c.pid, &status, 0), c.pid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	close(c.go);
	close(c.out);
	if (cell_ocicg_remove(cg, &err) < 0)
		fail_msg("remove: %s", err.msg);
	for (size_t i = 0; i < n_dirs; i++)
		if (dir_exists(paths[i]))
			fail_msg("%s is left", paths[i]);
	assert_int_equal(cell_ocicg_remove(cg, &err), 0);
	cell_ocicg_free(cg);
}

static bool have_v1(void)
{
	/* (the root cgroups have no freezer.state or memory limit) */
	return geteuid() == 0 && dir_exists("/sys/fs/cgroup/memory/memory.usage_in_bytes") &&
	       dir_exists("/sys/fs/cgroup/devices/devices.list") &&
	       dir_exists("/sys/fs/cgroup/freezer/cgroup.procs") &&
	       dir_exists("/sys/fs/cgroup/pids/cgroup.procs");
}

static void test_live_v1(void **state)
{
	struct cell_ocicg_resources r = {
		.set = CELL_OCICG_SET_MEMORY_LIMIT | CELL_OCICG_SET_PIDS | CELL_OCICG_SET_DEVICES |
		       CELL_OCICG_SET_CPU_SHARES,
		.memory_limit = 64 << 20,
		.pids_limit = 20,
		.cpu_shares = 512,
		.devices = test_devices,
		.n_devices = 2,
	};
	struct cell_err err = { 0 };
	struct cell_ocicg *cg = NULL, *again = NULL;
	char path[64], buf[256];

	if (!have_v1())
		skip();
	snprintf(path, sizeof(path), "/cell-oci-test-%d", (int)getpid());
	if (cell_ocicg_create(path, "x", &r, &cg, &err) < 0)
		fail_msg("create: %s", err.msg);
	assert_int_equal(cell_ocicg_version(cg), 1);
	assert_int_equal(cell_ocicg_fd(cg), -1);
	if (cell_ocicg_set(cg, &r, &err) < 0)
		fail_msg("set: %s", err.msg);
	read_file(cell_ocicg_path(cg, CELL_OCICG_MEMORY), "memory.limit_in_bytes", buf,
		  sizeof(buf));
	assert_string_equal(buf, "67108864");
	read_file(cell_ocicg_path(cg, CELL_OCICG_PIDS), "pids.max", buf, sizeof(buf));
	assert_string_equal(buf, "20");
	read_file(cell_ocicg_path(cg, CELL_OCICG_DEVICES), "devices.list", buf, sizeof(buf));
	assert_string_equal(buf, "c 1:3 rwm");
	if (cell_ocicg_path(cg, CELL_OCICG_CPU)) {
		read_file(cell_ocicg_path(cg, CELL_OCICG_CPU), "cpu.shares", buf, sizeof(buf));
		assert_string_equal(buf, "512");
	}
	/* a second container on the same path joins it only while it is empty;
	 * with no process yet that is allowed (and then it removes nothing) */
	assert_int_equal(cell_ocicg_create(path, "x", &r, &again, &err), 0);
	assert_int_equal(cell_ocicg_get_plan(again)->dirs[0].made, 0);
	assert_int_equal(cell_ocicg_remove(again, &err), 0);
	cell_ocicg_free(again);
	assert_true(dir_exists(cell_ocicg_path(cg, CELL_OCICG_MEMORY)));
	lifecycle(cg, true);
}

/* Busy leaf: a container never joins a cgroup with processes in it. */
static void test_live_v1_busy(void **state)
{
	struct cell_err err = { 0 };
	struct cell_ocicg *cg = NULL, *again = NULL;
	struct child c;
	char path[64];
	int status;

	if (!have_v1())
		skip();
	snprintf(path, sizeof(path), "/cell-oci-test-busy-%d/a/b", (int)getpid());
	assert_int_equal(cell_ocicg_create(path, "x", NULL, &cg, &err), 0);
	assert_int_equal(cell_ocicg_get_plan(cg)->dirs[0].made, 3);
	c = start_child();
	assert_int_equal(cell_ocicg_attach(cg, c.pid, &err), 0);
	assert_int_equal(cell_ocicg_create(path, "x", NULL, &again, &err), -EBUSY);
	assert_null(again);
	assert_int_equal(cell_ocicg_remove(cg, &err), -EBUSY);
	kill(c.pid, SIGKILL);
	assert_int_equal(waitpid(c.pid, &status, 0), c.pid);
	close(c.go);
	close(c.out);
	assert_int_equal(cell_ocicg_remove(cg, &err), 0);
	snprintf(path, sizeof(path), "/sys/fs/cgroup/memory/cell-oci-test-busy-%d", (int)getpid());
	assert_false(dir_exists(path));
	cell_ocicg_free(cg);
}

/* No cgroupsPath (cell-oci-ID below this process's cgroups), cpuset (its new
 * levels filled from the parent, or attach fails), swap both ways round. */
static void test_live_v1_cpuset_swap(void **state)
{
	struct cell_ocicg_resources r = {
		.set = CELL_OCICG_SET_CPU_CPUS | CELL_OCICG_SET_MEMORY_LIMIT |
		       CELL_OCICG_SET_MEMORY_SWAP | CELL_OCICG_SET_DEVICES,
		.cpu_cpus = "0",
		.memory_limit = 32 << 20,
		.memory_swap = 64 << 20,
		.devices = cell_ocicg_default_devices,
		.n_devices = cell_ocicg_n_default_devices,
	};
	struct cell_ocicg_resources up = { .set = CELL_OCICG_SET_MEMORY_LIMIT |
						  CELL_OCICG_SET_MEMORY_SWAP,
					   .memory_limit = 128 << 20,
					   .memory_swap = 256 << 20 };
	char id[32], buf[256], paths[CELL_OCICG_DIRS_MAX][PATH_MAX];
	struct cell_err err = { 0 };
	struct cell_ocicg *cg = NULL;
	const struct cell_ocicg_plan *p;
	const char *mem;
	struct child c;
	int res[2], status, q;

	if (!have_v1() || !dir_exists("/sys/fs/cgroup/cpuset/cgroup.procs"))
		skip();
	snprintf(id, sizeof(id), "test-%d", (int)getpid());
	if (cell_ocicg_create(NULL, id, &r, &cg, &err) < 0)
		fail_msg("create: %s", err.msg);
	p = cell_ocicg_get_plan(cg);
	for (size_t i = 0; i < p->n_dirs; i++)
		strcpy(paths[i], p->dirs[i].path);
	assert_non_null(cell_ocicg_path(cg, CELL_OCICG_CPUSET));
	assert_non_null(strstr(cell_ocicg_path(cg, CELL_OCICG_CPUSET), "/cell-oci-test-"));
	read_file(cell_ocicg_path(cg, CELL_OCICG_CPUSET), "cpuset.mems", buf, sizeof(buf));
	assert_true(buf[0] != '\0');
	mem = cell_ocicg_path(cg, CELL_OCICG_MEMORY);
	q = cell_ocicg_set(cg, &r, &err);
	if (!dir_exists("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes")) {
		assert_int_equal(q, -EOPNOTSUPP);
		assert_non_null(strstr(err.msg, "swap accounting is off"));
		r.set &= ~CELL_OCICG_SET_MEMORY_SWAP;
		up.set &= ~CELL_OCICG_SET_MEMORY_SWAP;
		q = cell_ocicg_set(cg, &r, &err);
	}
	if (q < 0)
		fail_msg("set: %s", err.msg);
	read_file(cell_ocicg_path(cg, CELL_OCICG_CPUSET), "cpuset.cpus", buf, sizeof(buf));
	assert_string_equal(buf, "0");
	read_file(mem, "memory.limit_in_bytes", buf, sizeof(buf));
	assert_string_equal(buf, "33554432");
	if (r.set & CELL_OCICG_SET_MEMORY_SWAP) {
		read_file(mem, "memory.memsw.limit_in_bytes", buf, sizeof(buf));
		assert_string_equal(buf, "67108864");
	}
	/* up past the old memsw, then down below the old limit */
	if (cell_ocicg_set(cg, &up, &err) < 0)
		fail_msg("update up: %s", err.msg);
	read_file(mem, "memory.limit_in_bytes", buf, sizeof(buf));
	assert_string_equal(buf, "134217728");
	up.memory_limit = 16 << 20;
	up.memory_swap = 24 << 20;
	if (cell_ocicg_set(cg, &up, &err) < 0)
		fail_msg("update down: %s", err.msg);
	read_file(mem, "memory.limit_in_bytes", buf, sizeof(buf));
	assert_string_equal(buf, "16777216");
	if (up.set & CELL_OCICG_SET_MEMORY_SWAP) {
		read_file(mem, "memory.memsw.limit_in_bytes", buf, sizeof(buf));
		assert_string_equal(buf, "25165824");
	}
	/* v2-only fields are refused on v1 */
	struct cell_ocicg_unified u = { "memory.high", "1M" };
	struct cell_ocicg_resources uni = { .set = CELL_OCICG_SET_UNIFIED, .unified = &u,
					    .n_unified = 1 };
	assert_int_equal(cell_ocicg_set(cg, &uni, &err), -EOPNOTSUPP);

	c = start_child();
	if (cell_ocicg_attach(cg, c.pid, &err) < 0)
		fail_msg("attach: %s", err.msg);
	assert_int_equal(write(c.go, "x", 1), 1);
	assert_int_equal(read(c.out, res, sizeof(res)), sizeof(res));
	assert_int_equal(res[0], 0); /* the default devices: null */
	assert_int_equal(res[1], 0); /* and zero */
	assert_int_equal(cell_ocicg_kill(cg, SIGKILL, &err), 1);
	assert_int_equal(waitpid(c.pid, &status, 0), c.pid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	close(c.go);
	close(c.out);
	if (cell_ocicg_remove(cg, &err) < 0)
		fail_msg("remove: %s", err.msg);
	for (size_t i = 0; i < p->n_dirs; i++)
		if (dir_exists(paths[i]))
			fail_msg("%s is left", paths[i]);
	cell_ocicg_free(cg);
}

/* The v2 tree of a hybrid host has no controllers but runs device
 * programs, cgroup.freeze and cgroup.kill like any v2 host. */
static void test_live_v2_unified(void **state)
{
	struct cell_ocicg_resources r = {
		.set = CELL_OCICG_SET_DEVICES,
		.devices = test_devices,
		.n_devices = 2,
	};
	struct cell_ocicg_resources mem = { .set = CELL_OCICG_SET_MEMORY_LIMIT,
					    .memory_limit = 1 << 20 };
	struct cell_ocicg_plan *p = calloc(1, sizeof(*p));
	struct cell_err err = { 0 };
	struct cell_ocicg *cg = NULL;
	char path[64];

	assert_non_null(p);
	if (geteuid() != 0 || !dir_exists("/sys/fs/cgroup/unified/cgroup.procs") ||
	    dir_exists("/sys/fs/cgroup/cgroup.procs")) {
		free(p);
		skip();
	}
	snprintf(path, sizeof(path), "/cell-oci-test-v2-%d", (int)getpid());
	assert_int_equal(cell_ocicg_plan("41 31 0:38 / /sys/fs/cgroup/unified rw - cgroup2 "
					 "cgroup2 rw\n",
					 "0::/\n", path, "x", cell_ocicg_wanted(&r), p, &err),
			 0);
	if (cell_ocicg_create_plan(p, cell_ocicg_wanted(&r), &cg, &err) < 0)
		fail_msg("create: %s", err.msg);
	free(p);
	assert_true(cell_ocicg_fd(cg) >= 0);
	/* no memory controller in this tree: the error says so */
	assert_int_equal(cell_ocicg_set(cg, &mem, &err), -EOPNOTSUPP);
	assert_non_null(strstr(err.msg, "linux.resources.memory: the memory controller is not"));
	if (cell_ocicg_set(cg, &r, &err) < 0)
		fail_msg("set: %s", err.msg);
	/* again (cell oci update): the program is replaced, not stacked */
	if (cell_ocicg_set(cg, &r, &err) < 0)
		fail_msg("set again: %s", err.msg);
	lifecycle(cg, false);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plan_hybrid_absolute),
		cmocka_unit_test(test_plan_hybrid_relative),
		cmocka_unit_test(test_plan_comounted),
		cmocka_unit_test(test_plan_v2),
		cmocka_unit_test(test_plan_rejects),
		cmocka_unit_test(test_record),
		cmocka_unit_test(test_weights),
		cmocka_unit_test(test_bpf_program),
		cmocka_unit_test(test_v2_values),
		cmocka_unit_test(test_live_v1),
		cmocka_unit_test(test_live_v1_busy),
		cmocka_unit_test(test_live_v1_cpuset_swap),
		cmocka_unit_test(test_live_v2_unified),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
