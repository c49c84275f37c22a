/* test-rootfs.c - unit tests for src/lib/rootfs.c: the plan of `cell root
 * build` over a hand-made host tree (no root needed), its apply step, the
 * marker and manifest, idempotence, and --check.
 *
 * The fake host, in a temporary directory used as the tree's top:
 *   /bin -> usr/bin, /lib64 -> usr/lib64
 *   /usr/bin/script     "#!/usr/bin/env prog"
 *   /usr/bin/env        static ELF
 *   /usr/bin/prog       PT_INTERP /lib64/ld.so, NEEDED libA.so.1,
 *                       RUNPATH $ORIGIN/../lib/app
 *   /usr/lib64/ld.so    static ELF (the loader)
 *   /usr/lib/app/libA.so.1 -> libA.so.1.0 (NEEDED libB.so.2)
 *   /etc/ld.so.conf     include /etc/ld.so.conf.d/ *.conf
 *   /etc/ld.so.conf.d/a.conf  /opt/lib32 and /opt/lib
 *   /opt/lib32/libB.so.2  32-bit: must be skipped
 *   /opt/lib/libB.so.2
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
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

#include "elf-builder.h"
#include "lib/rootfs.h"

static char host[64], target[64];

static void put(const char *rel, const void *data, size_t len, unsigned mode)
{
	char path[256], *slash;
	FILE *f;

	snprintf(path, sizeof(path), "%s%s", host, rel);
	for (slash = strchr(path + strlen(host) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		(void)mkdir(path, 0755);
		*slash = '/';
	}
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
}

static void put_elf(const char *rel, const struct elf_spec *s, unsigned mode)
{
	size_t len;
	uint8_t *img = elf_build(s, &len);

	put(rel, img, len, mode);
	free(img);
}

static void link_at(const char *target_, const char *rel)
{
	char path[256];

	snprintf(path, sizeof(path), "%s%s", host, rel);
	assert_int_equal(symlink(target_, path), 0);
}

static int setup(void **state)
{
	struct elf_spec loader = { .no_dynamic = true }, env = { .no_dynamic = true, .type = ET_EXEC };
	struct elf_spec prog = { .interp = "/lib64/ld.so",
				 .needed = { "libA.so.1" },
				 .runpath = "$ORIGIN/../lib/app" };
	struct elf_spec liba = { .needed = { "libB.so.2" }, .soname = "libA.so.1" };
	struct elf_spec libb = { .soname = "libB.so.2" };
	struct elf_spec libb32 = { .is32 = true, .machine = EM_386, .soname = "libB.so.2" };
	const char conf[] = "include /etc/ld.so.conf.d/*.conf\n";
	const char aconf[] = "/opt/lib32\n/opt/lib\n";
	const char script[] = "#!/usr/bin/env prog\necho\n";

	strcpy(host, "/tmp/cell-test-host.XXXXXX");
	strcpy(target, "/tmp/cell-test-root.XXXXXX");
	assert_non_null(mkdtemp(host));
	assert_non_null(mkdtemp(target));
	put_elf("/usr/bin/prog", &prog, 0755);
	put_elf("/usr/bin/env", &env, 0755);
	put("/usr/bin/script", script, sizeof(script) - 1, 0755);
	put("/usr/bin/notes", "plain text\n", 11, 0755);
	put_elf("/usr/lib64/ld.so", &loader, 0755);
	put_elf("/usr/lib/app/libA.so.1.0", &liba, 0644);
	link_at("libA.so.1.0", "/usr/lib/app/libA.so.1");
	put_elf("/opt/lib32/libB.so.2", &libb32, 0644);
	put_elf("/opt/lib/libB.so.2", &libb, 0644);
	put("/etc/ld.so.conf", conf, sizeof(conf) - 1, 0644);
	put("/etc/ld.so.conf.d/a.conf", aconf, sizeof(aconf) - 1, 0644);
	put("/data/share/x.txt", "x\n", 2, 0644);
	link_at("usr/bin", "/bin");
	link_at("usr/lib64", "/lib64");
	return 0;
}

static int teardown(void **state)
{
	char cmd[256];

	/* Test scaffolding only: the code under test never shells out. */
	snprintf(cmd, sizeof(cmd), "rm -rf %s %s", host, target);
	return system(cmd) == 0 ? 0 : -1;
}

static const struct cell_rootfs_op *find(struct cell_rootfs *b, const char *path)
{
	size_t n;
	const struct cell_rootfs_op *ops = cell_rootfs_ops(b, &n);

	for (size_t i = 0; i < n; i++)
		if (strcmp(ops[i].path, path) == 0)
			return &ops[i];
	return NULL;
}

static struct cell_rootfs *plan_script(void)
{
	int hostfd = open(host, O_PATH | O_DIRECTORY | O_CLOEXEC);
	struct cell_rootfs *b;
	struct cell_err err = { 0 };

	assert_true(hostfd >= 0);
	b = cell_rootfs_new(hostfd, "/bin", "/");
	assert_non_null(b);
	assert_int_equal(cell_rootfs_add_skeleton(b, "me", 1000, 1000, &err), 0);
	assert_int_equal(cell_rootfs_add_program(b, "script", &err), 0);
	return b;
}

static void test_plan(void **state)
{
	struct cell_rootfs *b = plan_script();
	const struct cell_rootfs_op *op;

	op = find(b, "/bin");
	assert_non_null(op);
	assert_int_equal(op->type, CELL_ROOTFS_SYMLINK);
	assert_string_equal(op->arg, "usr/bin");
	assert_int_equal(find(b, "/usr/bin/script")->type, CELL_ROOTFS_COPY);
	assert_int_equal(find(b, "/usr/bin/env")->type, CELL_ROOTFS_COPY);
	assert_int_equal(find(b, "/usr/bin/prog")->type, CELL_ROOTFS_COPY);
	assert_string_equal(find(b, "/lib64")->arg, "usr/lib64");
	assert_int_equal(find(b, "/usr/lib64/ld.so")->type, CELL_ROOTFS_COPY);
	op = find(b, "/usr/lib/app/libA.so.1");
	assert_int_equal(op->type, CELL_ROOTFS_SYMLINK);
	assert_string_equal(op->arg, "libA.so.1.0");
	assert_int_equal(find(b, "/usr/lib/app/libA.so.1.0")->type, CELL_ROOTFS_COPY);
	/* The 32-bit libB is skipped; the right one gets a link in the loader's
	 * directory, since the root has no ld.so.cache. */
	assert_null(find(b, "/opt/lib32/libB.so.2"));
	assert_int_equal(find(b, "/opt/lib/libB.so.2")->type, CELL_ROOTFS_COPY);
	op = find(b, "/usr/lib64/libB.so.2");
	assert_non_null(op);
	assert_int_equal(op->type, CELL_ROOTFS_SYMLINK);
	assert_string_equal(op->arg, "/opt/lib/libB.so.2");
	/* Skeleton. */
	assert_int_equal(find(b, "/etc/passwd")->type, CELL_ROOTFS_FILE);
	assert_non_null(strstr(find(b, "/etc/passwd")->arg, "me:x:1000:1000:"));
	assert_int_equal(find(b, "/tmp")->mode, 01777);
	cell_rootfs_free(b);
}

static void test_errors(void **state)
{
	int hostfd = open(host, O_PATH | O_DIRECTORY | O_CLOEXEC);
	struct cell_rootfs *b = cell_rootfs_new(hostfd, "/bin", "/");
	struct cell_err err = { 0 };

	assert_int_equal(cell_rootfs_add_program(b, "nosuch", &err), -ENOENT);
	assert_string_equal(err.msg, "nosuch: not found in PATH");
	memset(&err, 0, sizeof(err));
	assert_int_equal(cell_rootfs_add_program(b, "/usr/bin/notes", &err), -ENOEXEC);
	assert_string_equal(err.msg, "/usr/bin/notes: not an ELF executable or #! script");
	memset(&err, 0, sizeof(err));
	assert_int_equal(cell_rootfs_add_path(b, "/nope", NULL, &err), -ENOENT);
	memset(&err, 0, sizeof(err));
	assert_int_equal(cell_rootfs_add_path(b, "/data", "rel", &err), -EINVAL);
	cell_rootfs_free(b);
	close(hostfd);
}

static void count_missing(const char *what, const char *needed_by, void *ud)
{
	char *buf = ud;

	strcat(buf, what);
	strcat(buf, ";");
}

static void test_apply_check(void **state)
{
	struct cell_rootfs *b = plan_script();
	struct cell_err err = { 0 };
	int rootfd = open(target, O_PATH | O_DIRECTORY | O_CLOEXEC);
	char path[256], missing[256] = "";
	char **progs = NULL;
	size_t copied = 99;
	struct stat st;

	assert_true(rootfd >= 0);
	assert_int_equal(cell_rootfs_add_path(b, "/data/share", "/srv/share", &err), 0);
	assert_int_equal(cell_rootfs_apply(b, rootfd, &copied, &err), 0);
	assert_int_equal(copied, 7); /* script env prog ld.so libA libB x.txt */
	snprintf(path, sizeof(path), "%s/%s", target, CELL_ROOTFS_INCOMPLETE);
	assert_int_equal(lstat(path, &st), -1);
	snprintf(path, sizeof(path), "%s/srv/share/x.txt", target);
	assert_int_equal(lstat(path, &st), 0);
	snprintf(path, sizeof(path), "%s/usr/lib64/libB.so.2", target);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISLNK(st.st_mode));

	assert_int_equal(cell_rootfs_manifest_read(rootfd, &progs, &err), 0);
	assert_string_equal(progs[0], "/bin/script");
	assert_null(progs[1]);
	cell_rootfs_strv_free(progs);

	/* Again: nothing to copy. */
	assert_int_equal(cell_rootfs_apply(b, rootfd, &copied, &err), 0);
	assert_int_equal(copied, 0);
	cell_rootfs_free(b);

	assert_int_equal(cell_rootfs_check(rootfd, "/bin/script", count_missing, missing, &err),
			 0);
	assert_int_equal(cell_rootfs_check(rootfd, "prog", count_missing, missing, &err), 0);
	snprintf(path, sizeof(path), "%s/opt/lib/libB.so.2", target);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(cell_rootfs_check(rootfd, "/bin/script", count_missing, missing, &err),
			 1);
	assert_string_equal(missing, "libB.so.2;");
	assert_int_equal(cell_rootfs_check(rootfd, "nothere", count_missing, missing, &err), 1);
	close(rootfd);
}

static void test_shape_clash(void **state)
{
	struct cell_rootfs *b = plan_script();
	struct cell_err err = { 0 };
	int rootfd = open(target, O_PATH | O_DIRECTORY | O_CLOEXEC);
	char path[256];
	FILE *f;

	/* A non-empty /lib64 directory where the host has a symlink. */
	snprintf(path, sizeof(path), "%s/lib64", target);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/lib64/keep", target);
	f = fopen(path, "w");
	fclose(f);
	assert_true(cell_rootfs_apply(b, rootfd, NULL, &err) < 0);
	assert_non_null(strstr(err.msg, "/lib64 is a directory in the root"));
	/* Left marked incomplete. */
	snprintf(path, sizeof(path), "%s/%s", target, CELL_ROOTFS_INCOMPLETE);
	assert_int_equal(access(path, F_OK), 0);
	cell_rootfs_free(b);
	close(rootfd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_plan, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_apply_check, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shape_clash, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
