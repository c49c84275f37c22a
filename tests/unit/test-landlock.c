/* test-landlock.c - unit tests for src/lib/landlock.c.
 *
 * Pure: rights per ABI, the plan (merging, ports), the rights a mount plan
 * implies, and what prepare refuses or drops on older kernels.  Live (when
 * the kernel has Landlock; no privileges needed): a forked child restricts
 * itself with no_new_privs and checks that an unlisted path fails with
 * EACCES, a read-only path cannot be written, a writable one can, and, on
 * newer ABIs, that unlisted TCP ports and signals to the outside are
 * refused.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "lib/landlock.h"
#include "lib/mount.h"

static void test_masks(void **state)
{
	assert_int_equal(cell_landlock_fs_mask(0), 0);
	assert_int_equal(cell_landlock_fs_mask(1), 0x1fff);
	assert_int_equal(cell_landlock_fs_mask(2), 0x3fff);
	assert_int_equal(cell_landlock_fs_mask(3), 0x7fff);
	assert_int_equal(cell_landlock_fs_mask(4), 0x7fff);
	assert_int_equal(cell_landlock_fs_mask(5), 0xffff);
	assert_int_equal(cell_landlock_fs_mask(7), 0xffff);
	assert_int_equal(cell_landlock_net_mask(3), 0);
	assert_int_equal(cell_landlock_net_mask(4), 3);
	assert_int_equal(cell_landlock_scope_mask(5), 0);
	assert_int_equal(cell_landlock_scope_mask(6), 3);
	/* read-only rights are a part of writable ones; neither makes devices */
	assert_int_equal(CELL_LL_RIGHTS_RO & ~CELL_LL_RIGHTS_RW, 0);
	assert_int_equal(CELL_LL_RIGHTS_RW & (CELL_LL_FS_MAKE_CHAR | CELL_LL_FS_MAKE_BLOCK), 0);
	assert_int_equal(CELL_LL_RIGHTS_RO & CELL_LL_FS_WRITE_FILE, 0);
}

static void test_plan_paths_and_ports(void **state)
{
	struct cell_landlock_plan p = { 0 };
	struct cell_err err = { 0 };
	uint64_t access;
	uint16_t port;

	assert_int_equal(cell_landlock_plan_add_path(&p, "/usr", CELL_LL_RIGHTS_RO, true, &err), 0);
	assert_int_equal(cell_landlock_plan_add_path(&p, "/tmp", CELL_LL_RIGHTS_RW, false, &err),
			 0);
	assert_int_equal(
		cell_landlock_plan_add_path(&p, "/usr", CELL_LL_FS_WRITE_FILE, false, &err), 0);
	assert_int_equal(p.n_paths, 2);
	assert_int_equal(p.paths[0].access, CELL_LL_RIGHTS_RO | CELL_LL_FS_WRITE_FILE);
	assert_false(p.paths[0].optional);
	assert_int_equal(cell_landlock_plan_add_path(&p, "usr", CELL_LL_RIGHTS_RO, false, &err),
			 -EINVAL);
	assert_non_null(strstr(err.msg, "not absolute"));

	assert_int_equal(p.flags & CELL_LANDLOCK_NET, 0);
	assert_int_equal(cell_landlock_plan_add_port(&p, 443, CELL_LL_NET_CONNECT_TCP, &err), 0);
	assert_int_equal(cell_landlock_plan_add_port(&p, 443, CELL_LL_NET_BIND_TCP, &err), 0);
	assert_int_equal(p.n_ports, 1);
	assert_int_equal(p.ports[0].access, 3);
	assert_true(p.flags & CELL_LANDLOCK_NET);

	assert_int_equal(cell_landlock_parse_port("80", &port, &access, &err), 0);
	assert_int_equal(port, 80);
	assert_int_equal(access, CELL_LL_NET_BIND_TCP | CELL_LL_NET_CONNECT_TCP);
	assert_int_equal(cell_landlock_parse_port("bind:8080", &port, &access, &err), 0);
	assert_int_equal(port, 8080);
	assert_int_equal(access, CELL_LL_NET_BIND_TCP);
	assert_int_equal(cell_landlock_parse_port("connect:0", &port, &access, &err), 0);
	assert_int_equal(port, 0);
	assert_int_equal(access, CELL_LL_NET_CONNECT_TCP);
	assert_int_equal(cell_landlock_parse_port("65535", &port, &access, &err), 0);
	static const char *const bad[] = { "", "bind:", "65536", "99999999999", "-1", "x",
					   "listen:80", "80 ", "connect:8o" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(cell_landlock_parse_port(bad[i], &port, &access, &err), -EINVAL);
		assert_non_null(strstr(err.msg, "landlock port"));
	}
	cell_landlock_plan_clear(&p);
	assert_int_equal(p.n_paths, 0);
	assert_null(p.paths);
}

static uint64_t rights_for(const struct cell_landlock_plan *p, const char *path)
{
	for (size_t i = 0; i < p->n_paths; i++)
		if (strcmp(p->paths[i].path, path) == 0)
			return p->paths[i].access;
	return 0;
}

static void test_from_mounts(void **state)
{
	struct cell_mount_op ops[] = {
		{ .type = CELL_OP_ROOT_TMPFS, .dst = "/" },
		{ .type = CELL_OP_BIND, .src = "/usr", .dst = "/usr", .flags = CELL_OPF_RO },
		{ .type = CELL_OP_SYMLINK, .src = "usr/bin", .dst = "/bin" },
		{ .type = CELL_OP_MASK, .dst = "/etc/shadow", .flags = CELL_OPF_OPTIONAL },
		{ .type = CELL_OP_DIR, .dst = "/tmp", .mode = 01777 },
		{ .type = CELL_OP_PROC, .dst = "/proc" },
		{ .type = CELL_OP_READONLY, .dst = "/proc/sys", .flags = CELL_OPF_OPTIONAL },
		{ .type = CELL_OP_DIR, .dst = "/dev", .flags = CELL_OPF_DEV | CELL_OPF_EXEC_NO },
		{ .type = CELL_OP_BIND,
		  .src = "/dev/null",
		  .dst = "/dev/null",
		  .flags = CELL_OPF_DEV | CELL_OPF_FILE },
		{ .type = CELL_OP_DEVPTS, .dst = "/dev/pts" },
		{ .type = CELL_OP_MQUEUE, .dst = "/dev/mqueue" },
		{ .type = CELL_OP_SYSFS, .dst = "/sys", .flags = CELL_OPF_RO },
		{ .type = CELL_OP_TMPFS, .dst = "/scratch", .flags = CELL_OPF_USER },
		{ .type = CELL_OP_BIND,
		  .src = "/home/u/p",
		  .dst = "/work",
		  .flags = CELL_OPF_USER },
		{ .type = CELL_OP_BIND,
		  .src = "/x",
		  .dst = "/opt/x",
		  .flags = CELL_OPF_USER | CELL_OPF_RO | CELL_OPF_OPTIONAL },
		{ .type = CELL_OP_WRITE_FILE, .dst = "/tmp/.Xauthority" },
	};
	struct cell_mount_plan mp = {
		.ops = ops,
		.n = sizeof(ops) / sizeof(ops[0]),
		.root_ro = true,
	};
	struct cell_landlock_plan p = { 0 };
	struct cell_err err = { 0 };

	assert_int_equal(cell_landlock_plan_from_mounts(&p, &mp, &err), 0);
	assert_int_equal(p.n_paths, 12);
	assert_int_equal(rights_for(&p, "/scratch"), CELL_LL_RIGHTS_RW);
	assert_int_equal(rights_for(&p, "/"), CELL_LL_RIGHTS_RO);
	assert_int_equal(rights_for(&p, "/usr"), CELL_LL_RIGHTS_RO);
	assert_int_equal(rights_for(&p, "/bin"), 0);
	assert_int_equal(rights_for(&p, "/etc/shadow"), 0);
	assert_int_equal(rights_for(&p, "/tmp"), CELL_LL_RIGHTS_RW);
	assert_int_equal(rights_for(&p, "/proc"), CELL_LL_RIGHTS_PROC);
	assert_int_equal(rights_for(&p, "/proc/sys"), 0);
	assert_int_equal(rights_for(&p, "/dev"),
			 (CELL_LL_RIGHTS_RW | CELL_LL_RIGHTS_DEV) & ~(uint64_t)CELL_LL_FS_EXECUTE);
	assert_int_equal(rights_for(&p, "/dev/null"),
			 CELL_LL_FS_READ_FILE | CELL_LL_FS_WRITE_FILE | CELL_LL_FS_IOCTL_DEV);
	assert_int_equal(rights_for(&p, "/dev/pts"), CELL_LL_RIGHTS_DEV);
	assert_int_equal(rights_for(&p, "/dev/mqueue"), CELL_LL_RIGHTS_RW);
	assert_int_equal(rights_for(&p, "/sys"), CELL_LL_RIGHTS_RO);
	assert_int_equal(rights_for(&p, "/work"), CELL_LL_RIGHTS_RW);
	assert_int_equal(rights_for(&p, "/opt/x"), CELL_LL_RIGHTS_RO);
	assert_true(p.paths[p.n_paths - 1].optional);
	assert_false(p.paths[0].optional);
	assert_int_equal(rights_for(&p, "/tmp/.Xauthority"), 0);
	cell_landlock_plan_clear(&p);

	/* a writable root (--overlay, --rw-root) */
	mp.root_ro = false;
	assert_int_equal(cell_landlock_plan_from_mounts(&p, &mp, &err), 0);
	assert_int_equal(rights_for(&p, "/"), CELL_LL_RIGHTS_RW);
	cell_landlock_plan_clear(&p);

	/* --chroot: the root is all there is */
	mp = (struct cell_mount_plan){ .chroot_only = true, .chroot_dir = "/srv/r" };
	assert_int_equal(cell_landlock_plan_from_mounts(&p, &mp, &err), 0);
	assert_int_equal(p.n_paths, 1);
	assert_string_equal(p.paths[0].path, "/");
	cell_landlock_plan_clear(&p);
}

static void test_resolve(void **state)
{
	struct cell_landlock_plan p = { 0 };
	struct cell_err err = { 0 };
	char buf[256];

	/* no Landlock: fail closed, say why; best effort records it */
	assert_int_equal(cell_landlock_resolve(&p, 0, ENOSYS, false, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "this kernel has no Landlock"));
	assert_int_equal(cell_landlock_resolve(&p, 0, EOPNOTSUPP, false, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "not enabled (add landlock to the lsm= boot parameter)"));
	assert_int_equal(cell_landlock_resolve(&p, 0, ENOSYS, true, &err), 0);
	assert_int_equal(p.abi, 0);
	assert_int_equal(p.dropped, CELL_LANDLOCK_DROPPED_ALL);
	assert_string_equal(cell_landlock_dropped_text(p.dropped, buf, sizeof(buf)),
			    "Landlock (not available on this kernel)");

	/* ABI 1: file rules only, partial */
	assert_int_equal(cell_landlock_resolve(&p, 1, 0, false, &err), 0);
	assert_int_equal(p.handled_fs, 0x1fff);
	assert_int_equal(p.dropped, CELL_LANDLOCK_PARTIAL_REFER | CELL_LANDLOCK_PARTIAL_TRUNCATE |
					    CELL_LANDLOCK_PARTIAL_IOCTL_DEV);
	cell_landlock_dropped_text(p.dropped, buf, sizeof(buf));
	assert_non_null(strstr(buf, "renames and links across directories fail; "));

	/* network rules need ABI 4 */
	p.flags = CELL_LANDLOCK_NET;
	assert_int_equal(cell_landlock_resolve(&p, 3, 0, false, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "network rules need Landlock ABI 4 (Linux 6.7); this "
					"kernel has ABI 3"));
	assert_int_equal(cell_landlock_resolve(&p, 3, 0, true, &err), 0);
	assert_true(p.dropped & CELL_LANDLOCK_DROPPED_NET);
	assert_int_equal(p.handled_net, 0);
	assert_int_equal(cell_landlock_resolve(&p, 4, 0, false, &err), 0);
	assert_int_equal(p.handled_net, 3);
	assert_int_equal(p.dropped, CELL_LANDLOCK_PARTIAL_IOCTL_DEV);

	/* scopes need ABI 6 */
	p.flags = CELL_LANDLOCK_SCOPE;
	assert_int_equal(cell_landlock_resolve(&p, 5, 0, false, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "ABI 6"));
	assert_int_equal(cell_landlock_resolve(&p, 6, 0, false, &err), 0);
	assert_int_equal(p.scoped, 3);
	assert_int_equal(p.handled_net, 0);
	assert_int_equal(p.dropped, 0);
	assert_string_equal(cell_landlock_dropped_text(p.dropped, buf, sizeof(buf)), "");
}

/* ---- live ---- */

static char dir[64];

static int have_landlock(void)
{
	return cell_landlock_abi(NULL);
}

static void path_in(char *buf, size_t len, const char *rel)
{
	snprintf(buf, len, "%s/%s", dir, rel);
}

static int make_tree(void **state)
{
	char p[128];
	int fd;

	strcpy(dir, "/tmp/test-landlock.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	static const char *const dirs[] = { "ro", "rw", "denied" };
	for (size_t i = 0; i < 3; i++) {
		path_in(p, sizeof(p), dirs[i]);
		mkdir(p, 0755);
		strcat(p, "/f");
		fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		if (fd < 0)
			return -1;
		close(fd);
	}
	path_in(p, sizeof(p), "file");
	fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

static int remove_tree(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

#define EXPECT_FAIL(call, want_errno, code)                                                        \
	do {                                                                                       \
		errno = 0;                                                                         \
		if ((call) >= 0 || errno != (want_errno))                                          \
			return code;                                                               \
	} while (0)

/* Prepare p in the parent, fork, apply in the child with no_new_privs and
 * run fn there.  Returns fn's result (the child's exit status). */
static int run_restricted(struct cell_landlock_plan *p, int (*fn)(void))
{
	struct cell_err err = { 0 };
	int fd = -1, status;
	pid_t pid;

	if (cell_landlock_prepare(p, false, &fd, &err) < 0)
		fail_msg("%s", err.msg);
	assert_true(fd >= 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			_exit(90);
		if (cell_landlock_apply(p, fd, &err) < 0) {
			fprintf(stderr, "apply: %s\n", err.msg);
			_exit(91);
		}
		_exit(fn());
	}
	close(fd);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static int fs_child(void)
{
	char p[128];
	int fd;

	/* read-only: read yes, write no */
	path_in(p, sizeof(p), "ro/f");
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 1;
	close(fd);
	EXPECT_FAIL(open(p, O_WRONLY | O_CLOEXEC), EACCES, 2);
	path_in(p, sizeof(p), "ro/new");
	EXPECT_FAIL(open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644), EACCES, 3);
	/* writable: both, and making files */
	path_in(p, sizeof(p), "rw/new");
	fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return 4;
	close(fd);
	path_in(p, sizeof(p), "rw/sub");
	if (mkdir(p, 0755) < 0)
		return 5;
	/* unlisted: nothing */
	path_in(p, sizeof(p), "denied/f");
	EXPECT_FAIL(open(p, O_RDONLY | O_CLOEXEC), EACCES, 6);
	path_in(p, sizeof(p), "denied/x");
	EXPECT_FAIL(mkdir(p, 0755), EACCES, 7);
	EXPECT_FAIL(open("/etc/hostname", O_RDONLY | O_CLOEXEC), EACCES, 8);
	/* a rule on a single file (directory rights masked off) */
	path_in(p, sizeof(p), "file");
	fd = open(p, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return 9;
	close(fd);
	return 0;
}

static void test_live_fs(void **state)
{
	struct cell_landlock_plan p = { 0 };
	struct cell_err err = { 0 };
	char path[128];

	if (!have_landlock())
		skip();
	path_in(path, sizeof(path), "ro");
	assert_int_equal(cell_landlock_plan_add_path(&p, path, CELL_LL_RIGHTS_RO, false, &err), 0);
	path_in(path, sizeof(path), "rw");
	assert_int_equal(cell_landlock_plan_add_path(&p, path, CELL_LL_RIGHTS_RW, false, &err), 0);
	path_in(path, sizeof(path), "file");
	assert_int_equal(cell_landlock_plan_add_path(&p, path, CELL_LL_RIGHTS_RW, false, &err), 0);
	path_in(path, sizeof(path), "missing");
	assert_int_equal(cell_landlock_plan_add_path(&p, path, CELL_LL_RIGHTS_RO, true, &err), 0);
	assert_int_equal(run_restricted(&p, fs_child), 0);
	cell_landlock_plan_clear(&p);
}

static int nothing_child(void)
{
	return 0;
}

static void test_live_missing_path(void **state)
{
	struct cell_landlock_plan p = { 0 };
	struct cell_err err = { 0 };
	char path[128];

	if (!have_landlock())
		skip();
	/* a required path that is not there: the child fails (closed) */
	path_in(path, sizeof(path), "missing");
	assert_int_equal(cell_landlock_plan_add_path(&p, path, CELL_LL_RIGHTS_RO, false, &err), 0);
	assert_int_equal(run_restricted(&p, nothing_child), 91);
	cell_landlock_plan_clear(&p);
}

static int connect_to(uint16_t port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), r;

	if (fd < 0)
		return -1;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	r = connect(fd, (struct sockaddr *)&a, sizeof(a));
	close(fd);
	return r;
}

static int net_child(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(3) };
	int fd;

	/* port 1 is allowed: the kernel answers (nothing listens there) */
	EXPECT_FAIL(connect_to(1), ECONNREFUSED, 1);
	EXPECT_FAIL(connect_to(2), EACCES, 2);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 3;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	EXPECT_FAIL(bind(fd, (struct sockaddr *)&a, sizeof(a)), EACCES, 4);
	close(fd);
	return 0;
}

static void test_live_net(void **state)
{
	struct cell_landlock_plan p = { 0 };
	struct cell_err err = { 0 };

	if (have_landlock() < 4)
		skip();
	assert_int_equal(cell_landlock_plan_add_path(&p, "/", CELL_LL_RIGHTS_RO, false, &err), 0);
	assert_int_equal(cell_landlock_plan_add_port(&p, 1, CELL_LL_NET_CONNECT_TCP, &err), 0);
	assert_int_equal(run_restricted(&p, net_child), 0);
	cell_landlock_plan_clear(&p);
}

static int scope_child(void)
{
	/* the parent is outside this Landlock domain */
	EXPECT_FAIL(kill(getppid(), 0), EPERM, 1);
	if (kill(getpid(), 0) < 0)
		return 2;
	return 0;
}

static void test_live_scope(void **state)
{
	struct cell_landlock_plan p = { .flags = CELL_LANDLOCK_SCOPE };

	if (have_landlock() < 6)
		skip();
	assert_int_equal(run_restricted(&p, scope_child), 0);
	cell_landlock_plan_clear(&p);
}

static void test_live_needs_nnp(void **state)
{
	struct cell_landlock_plan p = { 0 };
	struct cell_err err = { 0 };
	int fd, status;
	pid_t pid;

	if (!have_landlock())
		skip();
	assert_int_equal(cell_landlock_prepare(&p, false, &fd, &err), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int r = cell_landlock_apply(&p, fd, &err);

		if (r == 0)
			_exit(0); /* CAP_SYS_ADMIN: allowed without no_new_privs */
		_exit(r == -EPERM && strstr(err.msg, "no_new_privs") ? 1 : 2);
	}
	close(fd);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_not_equal(WEXITSTATUS(status), 2);
	/* -1 (best effort without Landlock) does nothing */
	assert_int_equal(cell_landlock_apply(&p, -1, &err), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_masks),
		cmocka_unit_test(test_plan_paths_and_ports),
		cmocka_unit_test(test_from_mounts),
		cmocka_unit_test(test_resolve),
		cmocka_unit_test_setup_teardown(test_live_fs, make_tree, remove_tree),
		cmocka_unit_test_setup_teardown(test_live_missing_path, make_tree, remove_tree),
		cmocka_unit_test(test_live_net),
		cmocka_unit_test(test_live_scope),
		cmocka_unit_test(test_live_needs_nnp),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
