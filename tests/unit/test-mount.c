/* test-mount.c - unit tests for src/lib/mount.c: the mount plan.
 *
 * cell_mount_plan() is pure: spec + struct cell_host -> ordered ops.  The
 * hosts here are made by hand: a merged-/usr host (/bin, /sbin, /lib* are
 * symlinks into /usr, as on Debian 12) and a classic one (real directories).
 * The order is part of the contract (the root first, then what lives in it,
 * /proc before its masks, /dev before its nodes, the user's mounts last so
 * they win), so each case lists the whole expected plan, op by op.
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

#include <cmocka.h>

#include "lib/mount.h"

#define assert_contains(hay, needle)                                                               \
	do {                                                                                       \
		const char *hay_ = (hay), *needle_ = (needle);                                     \
		if (!hay_ || !strstr(hay_, needle_))                                               \
			fail_msg("\"%s\" does not contain \"%s\"", hay_ ? hay_ : "(null)",         \
				 needle_);                                                         \
	} while (0)

#define RO CELL_OPF_RO
#define OPT CELL_OPF_OPTIONAL
#define DEV CELL_OPF_DEV
#define NOEXEC CELL_OPF_EXEC_NO
#define FILE_ CELL_OPF_FILE
#define USER CELL_OPF_USER
#define IDMAP CELL_OPF_IDMAP
#define HOSTPROC CELL_OPF_HOSTPROC
#define HOSTSYS CELL_OPF_HOSTSYS

/* ---- hosts ---- */

static void sysdir(struct cell_host *h, enum cell_sysdir d, enum cell_sysdir_kind kind,
		   const char *target)
{
	h->sysdir[d].kind = kind;
	snprintf(h->sysdir[d].target, sizeof(h->sysdir[d].target), "%s", target ? target : "");
}

/* Debian 12: /bin -> usr/bin, /lib -> usr/lib, ...; no /libx32. */
static struct cell_host merged_host(void)
{
	struct cell_host h = { .uid = 1000, .gid = 1000 };

	sysdir(&h, CELL_SYSDIR_USR, CELL_SYSDIR_DIR, NULL);
	sysdir(&h, CELL_SYSDIR_BIN, CELL_SYSDIR_SYMLINK, "usr/bin");
	sysdir(&h, CELL_SYSDIR_SBIN, CELL_SYSDIR_SYMLINK, "usr/sbin");
	sysdir(&h, CELL_SYSDIR_LIB, CELL_SYSDIR_SYMLINK, "usr/lib");
	sysdir(&h, CELL_SYSDIR_LIB32, CELL_SYSDIR_SYMLINK, "usr/lib32");
	sysdir(&h, CELL_SYSDIR_LIB64, CELL_SYSDIR_SYMLINK, "usr/lib64");
	sysdir(&h, CELL_SYSDIR_LIBX32, CELL_SYSDIR_ABSENT, NULL);
	sysdir(&h, CELL_SYSDIR_ETC, CELL_SYSDIR_DIR, NULL);
	return h;
}

/* A classic layout: real directories, no /lib32 or /libx32. */
static struct cell_host classic_host(void)
{
	struct cell_host h = { .uid = 0, .gid = 0, .root = true };

	sysdir(&h, CELL_SYSDIR_USR, CELL_SYSDIR_DIR, NULL);
	sysdir(&h, CELL_SYSDIR_BIN, CELL_SYSDIR_DIR, NULL);
	sysdir(&h, CELL_SYSDIR_SBIN, CELL_SYSDIR_DIR, NULL);
	sysdir(&h, CELL_SYSDIR_LIB, CELL_SYSDIR_DIR, NULL);
	sysdir(&h, CELL_SYSDIR_LIB32, CELL_SYSDIR_ABSENT, NULL);
	sysdir(&h, CELL_SYSDIR_LIB64, CELL_SYSDIR_DIR, NULL);
	sysdir(&h, CELL_SYSDIR_LIBX32, CELL_SYSDIR_ABSENT, NULL);
	sysdir(&h, CELL_SYSDIR_ETC, CELL_SYSDIR_DIR, NULL);
	return h;
}

/* ---- expected plans ---- */

struct exp {
	enum cell_op_type type;
	const char *src, *dst;
	unsigned flags, mode;
	uint64_t size;
};

struct explist {
	struct exp v[CELL_MOUNT_OPS_MAX];
	size_t n;
};

static void add(struct explist *l, enum cell_op_type type, const char *src, const char *dst,
		unsigned flags, unsigned mode, uint64_t size)
{
	assert_true(l->n < CELL_MOUNT_OPS_MAX);
	l->v[l->n++] = (struct exp){ type, src, dst, flags, mode, size };
}

/* The default root on the merged host. */
static void add_merged_root(struct explist *l)
{
	add(l, CELL_OP_ROOT_TMPFS, NULL, "/", 0, 0755, 0);
	add(l, CELL_OP_BIND, "/usr", "/usr", RO, 0, 0);
	add(l, CELL_OP_SYMLINK, "usr/bin", "/bin", 0, 0, 0);
	add(l, CELL_OP_SYMLINK, "usr/sbin", "/sbin", 0, 0, 0);
	add(l, CELL_OP_SYMLINK, "usr/lib", "/lib", 0, 0, 0);
	add(l, CELL_OP_SYMLINK, "usr/lib32", "/lib32", 0, 0, 0);
	add(l, CELL_OP_SYMLINK, "usr/lib64", "/lib64", 0, 0, 0);
	add(l, CELL_OP_BIND, "/etc", "/etc", RO, 0, 0);
}

static void add_classic_root(struct explist *l)
{
	add(l, CELL_OP_ROOT_TMPFS, NULL, "/", 0, 0755, 0);
	add(l, CELL_OP_BIND, "/usr", "/usr", RO, 0, 0);
	add(l, CELL_OP_BIND, "/bin", "/bin", RO, 0, 0);
	add(l, CELL_OP_BIND, "/sbin", "/sbin", RO, 0, 0);
	add(l, CELL_OP_BIND, "/lib", "/lib", RO, 0, 0);
	add(l, CELL_OP_BIND, "/lib64", "/lib64", RO, 0, 0);
	add(l, CELL_OP_BIND, "/etc", "/etc", RO, 0, 0);
}

static void add_etc_masks(struct explist *l)
{
	add(l, CELL_OP_MASK, NULL, "/etc/shadow", OPT, 0, 0);
	add(l, CELL_OP_MASK, NULL, "/etc/gshadow", OPT, 0, 0);
	add(l, CELL_OP_MASK, NULL, "/etc/shadow-", OPT, 0, 0);
	add(l, CELL_OP_MASK, NULL, "/etc/gshadow-", OPT, 0, 0);
}

/* /tmp, then /proc and the OCI runtime spec's masked and read-only paths.
 * own: the root is cell's own tmpfs, of which /tmp is a directory. */
static void add_tmp_proc(struct explist *l, bool host_proc, bool own)
{
	add(l, own ? CELL_OP_DIR : CELL_OP_TMPFS, NULL, "/tmp", 0, 01777, 0);
	if (host_proc)
		add(l, CELL_OP_PROC, "/proc", "/proc", HOSTPROC, 0, 0);
	else
		add(l, CELL_OP_PROC, NULL, "/proc", 0, 0, 0);
	add(l, CELL_OP_MASK, NULL, "/proc/acpi", OPT, 0, 0);
	add(l, CELL_OP_MASK, NULL, "/proc/asound", OPT, 0, 0);
	add(l, CELL_OP_MASK, NULL, "/proc/kcore", OPT, 0, 0);
	add(l, CELL_OP_MASK, NULL, "/proc/keys", OPT, 0, 0);
	add(l, CELL_OP_MASK, NULL, "/proc/latency_stats", OPT, 0, 0);
	add(l, CELL_OP_MASK, NULL, "/proc/timer_list", OPT, 0, 0);
	add(l, CELL_OP_MASK, NULL, "/proc/timer_stats", OPT, 0, 0);
	add(l, CELL_OP_MASK, NULL, "/proc/sched_debug", OPT, 0, 0);
	add(l, CELL_OP_MASK, NULL, "/proc/scsi", OPT, 0, 0);
	add(l, CELL_OP_READONLY, NULL, "/proc/bus", OPT, 0, 0);
	add(l, CELL_OP_READONLY, NULL, "/proc/fs", OPT, 0, 0);
	add(l, CELL_OP_READONLY, NULL, "/proc/irq", OPT, 0, 0);
	add(l, CELL_OP_READONLY, NULL, "/proc/sys", OPT, 0, 0);
	add(l, CELL_OP_READONLY, NULL, "/proc/sysrq-trigger", OPT, 0, 0);
}

static void add_sys(struct explist *l, bool host_sys)
{
	/* --root trees get a throw-away /home, as the article's debootstrap root */
	add(l, CELL_OP_TMPFS, NULL, "/home", OPT, 0755, 0);
	if (host_sys)
		add(l, CELL_OP_SYSFS, "/sys", "/sys", RO | HOSTSYS, 0, 0);
	else
		add(l, CELL_OP_SYSFS, NULL, "/sys", RO, 0, 0);
	add(l, CELL_OP_MASK, NULL, "/sys/firmware", OPT, 0, 0);
}

/* A minimal /dev: nodes bound from the host, links, devpts, shm, mqueue.
 * own: /dev and /dev/shm are directories of cell's own root. */
static void add_dev(struct explist *l, bool mqueue, bool own)
{
	add(l, own ? CELL_OP_DIR : CELL_OP_TMPFS, NULL, "/dev", DEV | NOEXEC, 0755, 0);
	add(l, CELL_OP_BIND, "/dev/null", "/dev/null", DEV | FILE_, 0, 0);
	add(l, CELL_OP_BIND, "/dev/zero", "/dev/zero", DEV | FILE_, 0, 0);
	add(l, CELL_OP_BIND, "/dev/full", "/dev/full", DEV | FILE_, 0, 0);
	add(l, CELL_OP_BIND, "/dev/random", "/dev/random", DEV | FILE_, 0, 0);
	add(l, CELL_OP_BIND, "/dev/urandom", "/dev/urandom", DEV | FILE_, 0, 0);
	add(l, CELL_OP_BIND, "/dev/tty", "/dev/tty", DEV | FILE_, 0, 0);
	add(l, CELL_OP_SYMLINK, "/proc/self/fd", "/dev/fd", 0, 0, 0);
	add(l, CELL_OP_SYMLINK, "/proc/self/fd/0", "/dev/stdin", 0, 0, 0);
	add(l, CELL_OP_SYMLINK, "/proc/self/fd/1", "/dev/stdout", 0, 0, 0);
	add(l, CELL_OP_SYMLINK, "/proc/self/fd/2", "/dev/stderr", 0, 0, 0);
	add(l, CELL_OP_SYMLINK, "pts/ptmx", "/dev/ptmx", 0, 0, 0);
	add(l, CELL_OP_DEVPTS, NULL, "/dev/pts", 0, 0, 0);
	add(l, own ? CELL_OP_DIR : CELL_OP_TMPFS, NULL, "/dev/shm", 0, 01777, 0);
	if (mqueue)
		add(l, CELL_OP_MQUEUE, NULL, "/dev/mqueue", 0, 0, 0);
}

static bool str_eq(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static void dump(const struct cell_mount_plan *p)
{
	cell_mount_plan_print(p, stderr);
}

static void expect_plan(const struct cell_mount_plan *p, const struct explist *l)
{
	for (size_t i = 0; i < l->n && i < p->n; i++) {
		const struct cell_mount_op *op = &p->ops[i];
		const struct exp *e = &l->v[i];

		if (op->type != e->type || !str_eq(op->src, e->src) || !str_eq(op->dst, e->dst) ||
		    op->flags != e->flags || op->mode != e->mode || op->size != e->size) {
			dump(p);
			fail_msg("op %zu is %s %s -> %s flags %#x mode %#o size %llu; expected %s "
				 "%s -> %s flags %#x mode %#o size %llu",
				 i, cell_op_name(op->type), op->src ? op->src : "-", op->dst,
				 op->flags, op->mode, (unsigned long long)op->size,
				 cell_op_name(e->type), e->src ? e->src : "-", e->dst, e->flags,
				 e->mode, (unsigned long long)e->size);
		}
	}
	if (p->n != l->n) {
		dump(p);
		fail_msg("%zu ops, expected %zu", p->n, l->n);
	}
}

static struct cell_mount_plan plan_ok(const struct cell_spec *s, const struct cell_host *h)
{
	struct cell_err err = { 0 };
	struct cell_mount_plan p = { 0 };
	int r = cell_mount_plan(s, h, &p, &err);

	if (r != 0)
		fail_msg("cell_mount_plan failed: %d %s", r, err.msg);
	return p;
}

static struct cell_spec *spec_new(void)
{
	struct cell_spec *s = cell_spec_new();

	assert_non_null(s);
	return s;
}

static void set_root(struct cell_spec *s, enum cell_root_mode mode, const char *dir)
{
	free(s->root);
	s->root = strdup(dir);
	assert_non_null(s->root);
	s->root_mode = mode;
}

/* ---- the default root ---- */

static void test_default_merged_host(void **state)
{
	struct cell_spec *s = spec_new();
	struct cell_host h = merged_host();
	struct cell_mount_plan p = plan_ok(s, &h);
	struct explist l = { .n = 0 };

	add_merged_root(&l);
	add_etc_masks(&l);
	add_tmp_proc(&l, false, true);
	add_dev(&l, true, true);
	expect_plan(&p, &l);
	assert_true(p.root_ro);
	assert_true(p.own_root);
	assert_false(p.chroot_only);
	/* the symlink targets are borrowed from the host struct */
	assert_ptr_equal(p.ops[2].src, h.sysdir[CELL_SYSDIR_BIN].target);
	cell_mount_plan_clear(&p);
	assert_null(p.ops);
	assert_int_equal(p.n, 0);
	assert_false(p.root_ro);
	cell_spec_free(s);
}

static void test_default_classic_host(void **state)
{
	struct cell_spec *s = spec_new();
	struct cell_host h = classic_host();
	struct cell_mount_plan p = plan_ok(s, &h);
	struct explist l = { .n = 0 };

	add_classic_root(&l);
	add_etc_masks(&l);
	add_tmp_proc(&l, false, true);
	add_dev(&l, true, true);
	expect_plan(&p, &l);
	assert_true(p.root_ro);
	cell_mount_plan_clear(&p);
	cell_spec_free(s);
}

static void test_default_odd_host(void **state)
{
	/* Only /usr, and /etc a symlink: the plan recreates the link and adds
	 * no /etc masks (a host whose /etc lives in /usr shows its shadow file
	 * through the /usr bind; see the report of this test file). */
	struct cell_spec *s = spec_new();
	struct cell_host h = { 0 };
	struct cell_mount_plan p;
	struct explist l = { .n = 0 };

	sysdir(&h, CELL_SYSDIR_USR, CELL_SYSDIR_DIR, NULL);
	sysdir(&h, CELL_SYSDIR_ETC, CELL_SYSDIR_SYMLINK, "usr/etc");
	p = plan_ok(s, &h);
	add(&l, CELL_OP_ROOT_TMPFS, NULL, "/", 0, 0755, 0);
	add(&l, CELL_OP_BIND, "/usr", "/usr", RO, 0, 0);
	add(&l, CELL_OP_SYMLINK, "usr/etc", "/etc", 0, 0, 0);
	add_tmp_proc(&l, false, true);
	add_dev(&l, true, true);
	expect_plan(&p, &l);
	cell_mount_plan_clear(&p);
	cell_spec_free(s);
}

/* ---- shared namespaces change /proc, /sys and /dev/mqueue ---- */

static void test_shared_pid_ipc(void **state)
{
	struct cell_spec *s = spec_new();
	struct cell_host h = merged_host();
	struct cell_mount_plan p;
	struct explist l = { .n = 0 };

	/* --share pid,ipc: the host's /proc (a new proc would show the host's
	 * pids anyway and needs a pid ns we own), no mqueue of our own */
	s->ns &= ~(CELL_NS_BIT(CELL_NS_PID) | CELL_NS_BIT(CELL_NS_IPC));
	p = plan_ok(s, &h);
	add_merged_root(&l);
	add_etc_masks(&l);
	add_tmp_proc(&l, true, true);
	add_dev(&l, false, true);
	expect_plan(&p, &l);
	cell_mount_plan_clear(&p);
	cell_spec_free(s);
}

static void test_shared_net_default_root(void **state)
{
	/* the default root has no /sys at all, shared net or not */
	struct cell_spec *s = spec_new();
	struct cell_host h = merged_host();
	struct cell_mount_plan p;
	struct explist l = { .n = 0 };

	s->ns &= ~CELL_NS_BIT(CELL_NS_NET);
	p = plan_ok(s, &h);
	add_merged_root(&l);
	add_etc_masks(&l);
	add_tmp_proc(&l, false, true);
	add_dev(&l, true, true);
	expect_plan(&p, &l);
	for (size_t i = 0; i < p.n; i++)
		assert_int_not_equal(p.ops[i].type, CELL_OP_SYSFS);
	cell_mount_plan_clear(&p);
	cell_spec_free(s);
}

/* ---- --root DIR ---- */

static void test_root_dir(void **state)
{
	struct cell_spec *s = spec_new();
	struct cell_host h = merged_host();
	struct cell_mount_plan p;
	struct explist l = { .n = 0 };

	set_root(s, CELL_ROOT_DIR, "/srv/rootfs");
	p = plan_ok(s, &h);
	/* the tree itself, read-only; no host system dirs, no /etc masks */
	add(&l, CELL_OP_ROOT_BIND, "/srv/rootfs", "/", RO, 0, 0);
	add_tmp_proc(&l, false, false);
	add_sys(&l, false);
	add_dev(&l, true, false);
	expect_plan(&p, &l);
	assert_ptr_equal(p.ops[0].src, s->root);
	/* read-only through the RO bind: no extra remount of the root */
	assert_false(p.root_ro);
	/* DIR's own /tmp and /dev get file systems of their own */
	assert_false(p.own_root);
	assert_false(p.chroot_only);
	cell_mount_plan_clear(&p);
	cell_spec_free(s);
}

static void test_root_dir_shared_net_pid(void **state)
{
	struct cell_spec *s = spec_new();
	struct cell_host h = classic_host();
	struct cell_mount_plan p;
	struct explist l = { .n = 0 };

	set_root(s, CELL_ROOT_DIR, "/srv/rootfs");
	s->ns &= ~(CELL_NS_BIT(CELL_NS_NET) | CELL_NS_BIT(CELL_NS_PID));
	p = plan_ok(s, &h);
	add(&l, CELL_OP_ROOT_BIND, "/srv/rootfs", "/", RO, 0, 0);
	add_tmp_proc(&l, true, false);
	add_sys(&l, true);
	add_dev(&l, true, false);
	expect_plan(&p, &l);
	cell_mount_plan_clear(&p);
	cell_spec_free(s);
}

static void test_root_dir_rw(void **state)
{
	struct cell_spec *s = spec_new();
	struct cell_host h = classic_host();
	struct cell_mount_plan p;

	set_root(s, CELL_ROOT_DIR, "/srv/rootfs");
	s->root_rw = true;
	/* writable: idmapped to the sandbox's ids when there is a user ns */
	p = plan_ok(s, &h);
	assert_int_equal(p.ops[0].type, CELL_OP_ROOT_BIND);
	assert_int_equal(p.ops[0].flags, IDMAP);
	assert_false(p.root_ro);
	cell_mount_plan_clear(&p);

	s->ns &= ~CELL_NS_BIT(CELL_NS_USER);
	p = plan_ok(s, &h);
	assert_int_equal(p.ops[0].type, CELL_OP_ROOT_BIND);
	assert_int_equal(p.ops[0].flags, 0);
	assert_false(p.root_ro);
	cell_mount_plan_clear(&p);
	cell_spec_free(s);
}

/* ---- no mounts at all ---- */

static void test_chroot(void **state)
{
	struct cell_spec *s = spec_new();
	struct cell_host h = merged_host();
	struct cell_mount_plan p;

	set_root(s, CELL_ROOT_CHROOT, "/srv/jail");
	p = plan_ok(s, &h);
	assert_true(p.chroot_only);
	assert_ptr_equal(p.chroot_dir, s->root);
	assert_string_equal(p.chroot_dir, "/srv/jail");
	assert_int_equal(p.n, 0);
	assert_null(p.ops);
	assert_false(p.root_ro);
	cell_mount_plan_clear(&p);

	/* the same without a mount namespace */
	s->ns = CELL_NS_BIT(CELL_NS_USER);
	p = plan_ok(s, &h);
	assert_true(p.chroot_only);
	assert_int_equal(p.n, 0);
	cell_mount_plan_clear(&p);
	cell_spec_free(s);
}

static void test_chroot_resets_plan(void **state)
{
	struct cell_spec *s;
	struct cell_host h = merged_host();
	struct cell_err err = { 0 };
	struct cell_mount_plan p = { .n = 3, .root_ro = true };

	s = spec_new();
	set_root(s, CELL_ROOT_CHROOT, "/srv/jail");
	assert_int_equal(cell_mount_plan(s, &h, &p, &err), 0);
	assert_true(p.chroot_only);
	assert_int_equal(p.n, 0);
	assert_false(p.root_ro);
	cell_spec_free(s);
}

static void test_no_mount_namespace(void **state)
{
	struct cell_spec *s = spec_new();
	struct cell_host h = merged_host();
	struct cell_err err = { 0 };
	struct cell_mount_plan p;

	s->ns = CELL_NS_DEFAULT & ~CELL_NS_BIT(CELL_NS_MNT);
	memset(&p, 0x5a, sizeof(p));
	assert_int_equal(cell_mount_plan(s, &h, &p, &err), 0);
	assert_int_equal(p.n, 0);
	assert_null(p.ops);
	assert_false(p.chroot_only);
	assert_false(p.root_ro);
	cell_mount_plan_clear(&p);
	cell_spec_free(s);
}

/* ---- the user's mounts ---- */

static void test_user_mounts(void **state)
{
	struct cell_spec *s = spec_new();
	struct cell_host h = merged_host();
	struct cell_mount_plan p;
	struct explist l = { .n = 0 };

	assert_int_equal(cell_spec_add_mount(s, CELL_MOUNT_BIND, "/home/a/src", "/src", 0), 0);
	assert_int_equal(cell_spec_add_mount(s, CELL_MOUNT_TMPFS, NULL, "/scratch", 16 << 20), 0);
	assert_int_equal(cell_spec_add_mount(s, CELL_MOUNT_RO_BIND, "/data", "/data", 0), 0);
	assert_int_equal(cell_spec_add_mount(s, CELL_MOUNT_TMPFS, NULL, "/t", 0), 0);
	/* over a system path: after it, so the user's wins */
	assert_int_equal(cell_spec_add_mount(s, CELL_MOUNT_BIND, "/srv/etc", "/etc", 0), 0);
	p = plan_ok(s, &h);
	add_merged_root(&l);
	add_etc_masks(&l);
	add_tmp_proc(&l, false, true);
	add_dev(&l, true, true);
	/* an unprivileged caller's files already show as its own: no idmap */
	add(&l, CELL_OP_BIND, "/home/a/src", "/src", USER, 0, 0);
	add(&l, CELL_OP_TMPFS, NULL, "/scratch", USER, 01777, 16 << 20);
	add(&l, CELL_OP_BIND, "/data", "/data", USER | RO, 0, 0);
	add(&l, CELL_OP_TMPFS, NULL, "/t", USER, 01777, 0);
	add(&l, CELL_OP_BIND, "/srv/etc", "/etc", USER, 0, 0);
	expect_plan(&p, &l);
	/* the strings are borrowed from the spec */
	assert_ptr_equal(p.ops[p.n - 5].src, s->mounts[0].src);
	assert_ptr_equal(p.ops[p.n - 5].dst, s->mounts[0].dst);
	/* only the user's ops carry CELL_OPF_USER */
	for (size_t i = 0; i < p.n - 5; i++)
		assert_false(p.ops[i].flags & USER);
	cell_mount_plan_clear(&p);

	/* root's sandboxes idmap writable binds, and only those */
	h.root = true;
	p = plan_ok(s, &h);
	assert_int_equal(p.ops[p.n - 5].flags, USER | IDMAP);
	assert_int_equal(p.ops[p.n - 3].flags, USER | RO);
	assert_int_equal(p.ops[p.n - 1].flags, USER | IDMAP);
	cell_mount_plan_clear(&p);
	/* ...but not with --map-host-root, where ids are the host's anyway */
	s->id_mode = CELL_ID_HOST_ROOT;
	p = plan_ok(s, &h);
	for (size_t i = 0; i < p.n; i++)
		assert_false(p.ops[i].flags & IDMAP);
	cell_mount_plan_clear(&p);
	s->id_mode = CELL_ID_DEFAULT;

	/* without a user namespace (root, --share user) there is nothing to
	 * idmap to: writable binds are plain */
	s->ns &= ~CELL_NS_BIT(CELL_NS_USER);
	p = plan_ok(s, &h);
	assert_int_equal(p.ops[p.n - 5].flags, USER);
	assert_int_equal(p.ops[p.n - 3].flags, USER | RO);
	assert_int_equal(p.ops[p.n - 1].flags, USER);
	for (size_t i = 0; i < p.n; i++)
		assert_false(p.ops[i].flags & IDMAP);
	cell_mount_plan_clear(&p);
	cell_spec_free(s);
}

static void test_user_mounts_with_root_dir(void **state)
{
	struct cell_spec *s = spec_new();
	struct cell_host h = merged_host();
	struct cell_mount_plan p;
	struct explist l = { .n = 0 };

	set_root(s, CELL_ROOT_DIR, "/srv/rootfs");
	s->ns &= ~CELL_NS_BIT(CELL_NS_IPC);
	assert_int_equal(cell_spec_add_mount(s, CELL_MOUNT_RO_BIND, "/etc/resolv.conf",
					     "/etc/resolv.conf", 0),
			 0);
	p = plan_ok(s, &h);
	add(&l, CELL_OP_ROOT_BIND, "/srv/rootfs", "/", RO, 0, 0);
	add_tmp_proc(&l, false, false);
	add_sys(&l, false);
	add_dev(&l, false, false);
	add(&l, CELL_OP_BIND, "/etc/resolv.conf", "/etc/resolv.conf", USER | RO, 0, 0);
	expect_plan(&p, &l);
	cell_mount_plan_clear(&p);
	cell_spec_free(s);
}

static void test_too_many_mounts(void **state)
{
	struct cell_spec *s = spec_new();
	struct cell_host h = merged_host();
	struct cell_err err = { 0 };
	struct cell_mount_plan p = plan_ok(s, &h);
	size_t base = p.n;
	char dst[32];

	cell_mount_plan_clear(&p);
	/* exactly CELL_MOUNT_OPS_MAX ops fit */
	for (size_t i = 0; base + i < CELL_MOUNT_OPS_MAX; i++) {
		snprintf(dst, sizeof(dst), "/m%zu", i);
		assert_int_equal(cell_spec_add_mount(s, CELL_MOUNT_TMPFS, NULL, dst, 0), 0);
	}
	p = plan_ok(s, &h);
	assert_int_equal(p.n, CELL_MOUNT_OPS_MAX);
	assert_string_equal(p.ops[CELL_MOUNT_OPS_MAX - 1].dst, dst);
	cell_mount_plan_clear(&p);

	/* one more is refused, and nothing is left allocated (ASan) */
	assert_int_equal(cell_spec_add_mount(s, CELL_MOUNT_TMPFS, NULL, "/one-too-many", 0), 0);
	memset(&p, 0, sizeof(p));
	assert_int_equal(cell_mount_plan(s, &h, &p, &err), -E2BIG);
	assert_int_equal(err.errnum, E2BIG);
	assert_string_equal(err.msg, "planning the mounts");
	assert_null(p.ops);
	assert_int_equal(p.n, 0);
	cell_spec_free(s);
}

/* ---- names and text ---- */

static void test_op_names(void **state)
{
	static const char *const names[CELL_OP_TYPE_MAX] = {
		"root-tmpfs", "root-bind", "bind",    "tmpfs", "proc",	   "sysfs",
		"devpts",     "mqueue",	   "symlink", "mask",  "readonly", "root-overlay",
		"overlay",    "file",	   "dir",
	};

	for (int t = 0; t < CELL_OP_TYPE_MAX; t++)
		assert_string_equal(cell_op_name(t), names[t]);
	assert_string_equal(cell_op_name(CELL_OP_TYPE_MAX), "?");
	assert_string_equal(cell_op_name((enum cell_op_type)-1), "?");
}

static char *print_plan(const struct cell_mount_plan *p)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	cell_mount_plan_print(p, f);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static void test_plan_print(void **state)
{
	struct cell_spec *s = spec_new();
	struct cell_host h = merged_host();
	struct cell_mount_plan p = { 0 };
	char *text;

	h.root = true; /* root's sandboxes idmap writable binds: printed as "idmap" */
	/* no mount namespace, and --chroot */
	text = print_plan(&p);
	assert_string_equal(text, "root: the host's (no new mount namespace)\n");
	free(text);
	p.chroot_only = true;
	p.chroot_dir = "/srv/jail";
	text = print_plan(&p);
	assert_string_equal(text, "root: chroot /srv/jail (no mounts)\n");
	free(text);

	/* one line per op, the user's flag named, the root made read-only last */
	assert_int_equal(cell_spec_add_mount(s, CELL_MOUNT_BIND, "/a", "/b", 0), 0);
	assert_int_equal(cell_spec_add_mount(s, CELL_MOUNT_RO_BIND, "/c", "/c", 0), 0);
	assert_int_equal(cell_spec_add_mount(s, CELL_MOUNT_TMPFS, NULL, "/t", 65536), 0);
	p = plan_ok(s, &h);
	text = print_plan(&p);
	assert_contains(text, "mount: root-tmpfs / mode=0755\n"
			      "mount: bind       /usr on /usr ro\n"
			      "mount: symlink    /bin -> usr/bin\n");
	assert_contains(text, "mount: mask       /etc/shadow if-present\n");
	assert_contains(text, "mount: dir        /tmp mode=1777\n"
			      "mount: proc       /proc\n");
	assert_contains(text, "mount: bind       /dev/null on /dev/null\n");
	assert_contains(text, "mount: bind       /a on /b idmap (--bind)\n"
			      "mount: bind       /c on /c ro (--ro-bind)\n"
			      "mount: tmpfs      /t mode=1777 size=65536 (--tmpfs)\n"
			      "mount: readonly   /\n");
	/* the root's read-only remount is the last line */
	assert_string_equal(strstr(text, "mount: readonly   /\n"), "mount: readonly   /\n");
	free(text);
	cell_mount_plan_clear(&p);
	cell_spec_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_merged_host),
		cmocka_unit_test(test_default_classic_host),
		cmocka_unit_test(test_default_odd_host),
		cmocka_unit_test(test_shared_pid_ipc),
		cmocka_unit_test(test_shared_net_default_root),
		cmocka_unit_test(test_root_dir),
		cmocka_unit_test(test_root_dir_shared_net_pid),
		cmocka_unit_test(test_root_dir_rw),
		cmocka_unit_test(test_chroot),
		cmocka_unit_test(test_chroot_resets_plan),
		cmocka_unit_test(test_no_mount_namespace),
		cmocka_unit_test(test_user_mounts),
		cmocka_unit_test(test_user_mounts_with_root_dir),
		cmocka_unit_test(test_too_many_mounts),
		cmocka_unit_test(test_op_names),
		cmocka_unit_test(test_plan_print),
	};

	return cmocka_run_group_tests_name("mount", tests, NULL, NULL);
}
