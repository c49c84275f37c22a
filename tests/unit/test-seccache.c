/* test-seccache.c - unit tests for src/lib/seccache.c.
 *
 * The key changes with every input of the program (a rule, an errno, the
 * compile flags); a kept program comes back as it was stored; and the cache
 * answers "not here" to everything it must not trust: a file or directory
 * that others may write, a symlink, a cut or altered file, the same name
 * with another key (what a hash collision would look like).  The last test
 * goes through cell_seccomp_compile_cached in a state directory of its own,
 * and shows that a second compile really comes from the file.
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
#include <dirent.h>
#include <linux/filter.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "lib/seccache.h"
#include "lib/seccomp.h"

static struct cell_seccomp_policy *policy(const char *text)
{
	struct cell_seccomp_policy *p = cell_seccomp_policy_new();
	struct cell_err err = { 0 };

	assert_non_null(p);
	if (cell_seccomp_policy_parse(p, text, "t", NULL, &err) < 0)
		fail_msg("parse failed: %s", err.msg);
	return p;
}

static char dir[64], cache[96];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test-seccache.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(cache, sizeof(cache), "%s/seccomp", dir);
	return 0;
}

static int teardown(void **state)
{
	char cmd[160];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* the one file in the cache directory */
static void only_file(char *path, size_t len)
{
	DIR *d = opendir(cache);
	struct dirent *de;
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)))
		if (de->d_name[0] != '.') {
			snprintf(path, len, "%s/%s", cache, de->d_name);
			n++;
		}
	closedir(d);
	assert_int_equal(n, 1);
}

static void test_key_follows_inputs(void **state)
{
	struct cell_seccomp_policy *a = policy("deny mount\n"), *b = policy("deny mount\n"),
				   *c = policy("errno EACCES mount\n"), *d = policy("deny umount\n");
	size_t la, lb, lc, ld, lf;
	char *ka = cell_seccache_key(a, 0, &la), *kb = cell_seccache_key(b, 0, &lb);
	char *kc = cell_seccache_key(c, 0, &lc), *kd = cell_seccache_key(d, 0, &ld);
	char *kf = cell_seccache_key(a, CELL_SECCOMP_COMPILE_LOG, &lf);

	(void)state;
	assert_non_null(ka);
	assert_non_null(kb);
	assert_non_null(kc);
	assert_non_null(kd);
	assert_non_null(kf);
	assert_true(la == lb && memcmp(ka, kb, la) == 0);
	assert_false(la == lc && memcmp(ka, kc, la) == 0);
	assert_false(la == ld && memcmp(ka, kd, la) == 0);
	assert_false(la == lf && memcmp(ka, kf, la) == 0);
	free(ka);
	free(kb);
	free(kc);
	free(kd);
	free(kf);
	cell_seccomp_policy_free(a);
	cell_seccomp_policy_free(b);
	cell_seccomp_policy_free(c);
	cell_seccomp_policy_free(d);
}

/* A program of n made-up instructions. */
static struct cell_seccomp_prog prog_of(unsigned short n, unsigned flags)
{
	struct cell_seccomp_prog p = { .len = n, .flags = flags };
	struct sock_filter *f = calloc(n, sizeof(*f));

	assert_non_null(f);
	for (unsigned i = 0; i < n; i++)
		f[i] = (struct sock_filter){ .code = 0x06, .k = 0x7fff0000u + i };
	p.insns = f;
	return p;
}

static void test_put_get(void **state)
{
	struct cell_seccomp_policy *pol = policy("deny mount\n");
	struct cell_seccomp_prog in = prog_of(7, 2), out;
	size_t len;
	char *key = cell_seccache_key(pol, 0, &len);
	struct stat st;

	(void)state;
	assert_non_null(key);
	assert_int_equal(cell_seccache_get(cache, key, len, &out), 0); /* no directory yet */
	cell_seccache_put(cache, key, len, &in);
	assert_int_equal(stat(cache, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_int_equal(cell_seccache_get(cache, key, len, &out), 1);
	assert_int_equal(out.len, 7);
	assert_int_equal(out.flags, 2);
	assert_memory_equal(out.insns, in.insns, 7 * sizeof(struct sock_filter));
	cell_seccomp_prog_free(&out);
	/* the same name (the boot id is not in it) with another key */
	key[len - 1] ^= 1;
	assert_int_equal(cell_seccache_get(cache, key, len, &out), 0);
	assert_null(out.insns);
	free(key);
	cell_seccomp_prog_free(&in);
	cell_seccomp_policy_free(pol);
}

static void test_untrusted(void **state)
{
	struct cell_seccomp_policy *pol = policy("deny mount\n");
	struct cell_seccomp_prog in = prog_of(3, 0), out;
	size_t len;
	char *key = cell_seccache_key(pol, 0, &len);
	char path[512], moved[528];

	(void)state;
	assert_non_null(key);
	cell_seccache_put(cache, key, len, &in);
	only_file(path, sizeof(path));
	assert_int_equal(cell_seccache_get(cache, key, len, &out), 1);
	cell_seccomp_prog_free(&out);

	/* a file others may write */
	assert_int_equal(chmod(path, 0620), 0);
	assert_int_equal(cell_seccache_get(cache, key, len, &out), 0);
	assert_int_equal(chmod(path, 0600), 0);
	/* a directory others may enter */
	assert_int_equal(chmod(cache, 0755), 0);
	assert_int_equal(cell_seccache_get(cache, key, len, &out), 0);
	assert_int_equal(chmod(cache, 0700), 0);
	/* a symlink in its place */
	snprintf(moved, sizeof(moved), "%s.real", path);
	assert_int_equal(rename(path, moved), 0);
	assert_int_equal(symlink(moved, path), 0);
	assert_int_equal(cell_seccache_get(cache, key, len, &out), 0);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rename(moved, path), 0);
	assert_int_equal(cell_seccache_get(cache, key, len, &out), 1);
	cell_seccomp_prog_free(&out);
	/* cut short: a whole instruction is missing */
	assert_int_equal(truncate(path, 8 + (off_t)len + 8 + 2 * 8), 0);
	assert_int_equal(cell_seccache_get(cache, key, len, &out), 0);
	/* cut in the key */
	assert_int_equal(truncate(path, 20), 0);
	assert_int_equal(cell_seccache_get(cache, key, len, &out), 0);
	free(key);
	cell_seccomp_prog_free(&in);
	cell_seccomp_policy_free(pol);
}

static void test_compile_cached(void **state)
{
	struct cell_seccomp_policy *pol = policy("deny mount\ndeny umount2\n");
	struct cell_seccomp_prog first, second, third;
	struct cell_err err = { 0 };
	struct sock_filter ret_allow = { .code = 0x06, .k = 0x7fff0000u };
	char path[512];
	size_t len;
	int fd;
	char *key = cell_seccache_key(pol, 0, &len);

	(void)state;
	assert_non_null(key);
	assert_int_equal(setenv("CELL_STATE_DIR", dir, 1), 0);
	assert_int_equal(cell_seccomp_compile_cached(pol, 0, &first, &err), 0);
	assert_true(first.len > 1);
	only_file(path, sizeof(path));
	assert_int_equal(cell_seccomp_compile_cached(pol, 0, &second, &err), 0);
	assert_int_equal(second.len, first.len);
	assert_memory_equal(second.insns, first.insns, first.len * sizeof(struct sock_filter));
	/* Overwrite the kept program's first instruction: the next compile
	 * returns what the file says, so it did not compile. */
	fd = open(path, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, &ret_allow, sizeof(ret_allow), (off_t)(8 + len + 8)),
			 (ssize_t)sizeof(ret_allow));
	close(fd);
	assert_int_equal(cell_seccomp_compile_cached(pol, 0, &third, &err), 0);
	assert_int_equal(third.len, first.len);
	assert_memory_equal(third.insns, &ret_allow, sizeof(ret_allow));
	unsetenv("CELL_STATE_DIR");
	free(key);
	cell_seccomp_prog_free(&first);
	cell_seccomp_prog_free(&second);
	cell_seccomp_prog_free(&third);
	cell_seccomp_policy_free(pol);
}

static void test_builtin_key(void **state)
{
	size_t l0, l1, l2, lp;
	char *k0 = cell_seccache_key_builtin(0, 0, &l0);
	char *k1 = cell_seccache_key_builtin(0, CELL_SECCOMP_RELAX_USERNS, &l1);
	char *k2 = cell_seccache_key_builtin(CELL_SECCOMP_COMPILE_LOG, 0, &l2);
	struct cell_seccomp_policy *pol = cell_seccomp_policy_new();
	struct cell_err err = { 0 };
	char *kp;

	(void)state;
	assert_non_null(pol);
	assert_int_equal(cell_seccomp_policy_default(pol, &err), 0);
	kp = cell_seccache_key(pol, 0, &lp);
	assert_non_null(k0);
	assert_non_null(k1);
	assert_non_null(k2);
	assert_non_null(kp);
	assert_false(l0 == l1 && memcmp(k0, k1, l0) == 0);
	assert_false(l0 == l2 && memcmp(k0, k2, l0) == 0);
	/* the built-in policy parsed is another key than the built-in one */
	assert_false(l0 == lp && memcmp(k0, kp, l0) == 0);
	free(k0);
	free(k1);
	free(k2);
	free(kp);
	cell_seccomp_policy_free(pol);
}

/* The built-in program from the cache is the one compiling the policy
 * gives, with and without a relaxation. */
static void test_builtin_cached(void **state)
{
	struct cell_seccomp_policy *pol = cell_seccomp_policy_new();
	struct cell_seccomp_prog direct, first, again, relaxed;
	struct cell_err err = { 0 };

	(void)state;
	assert_int_equal(setenv("CELL_STATE_DIR", dir, 1), 0);
	assert_int_equal(cell_seccomp_policy_default(pol, &err), 0);
	assert_int_equal(cell_seccomp_compile(pol, 0, &direct, &err), 0);
	assert_int_equal(cell_seccomp_builtin_cached(0, 0, &first, &err), 0);
	assert_int_equal(cell_seccomp_builtin_cached(0, 0, &again, &err), 0);
	assert_int_equal(first.len, direct.len);
	assert_memory_equal(first.insns, direct.insns, direct.len * sizeof(struct sock_filter));
	assert_int_equal(again.len, direct.len);
	assert_memory_equal(again.insns, direct.insns, direct.len * sizeof(struct sock_filter));
	assert_int_equal(
		cell_seccomp_builtin_cached(0, CELL_SECCOMP_RELAX_USERNS, &relaxed, &err), 0);
	assert_false(relaxed.len == direct.len &&
		     memcmp(relaxed.insns, direct.insns, direct.len * sizeof(struct sock_filter)) == 0);
	unsetenv("CELL_STATE_DIR");
	cell_seccomp_prog_free(&direct);
	cell_seccomp_prog_free(&first);
	cell_seccomp_prog_free(&again);
	cell_seccomp_prog_free(&relaxed);
	cell_seccomp_policy_free(pol);
}

/* No more than 64 programs are kept. */
static void test_trim(void **state)
{
	struct cell_seccomp_prog in = prog_of(2, 0);
	DIR *d;
	struct dirent *de;
	int n = 0;

	(void)state;
	for (int i = 0; i < 70; i++) {
		char key[80];
		/* the name leaves out the last 36 bytes (the boot id) */
		int len = snprintf(key, sizeof(key), "key %d, then 36 bytes of a boot id:...........", i);

		cell_seccache_put(cache, key, (size_t)len, &in);
	}
	d = opendir(cache);
	assert_non_null(d);
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	assert_int_equal(n, 64);
	cell_seccomp_prog_free(&in);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_follows_inputs),
		cmocka_unit_test_setup_teardown(test_put_get, setup, teardown),
		cmocka_unit_test_setup_teardown(test_untrusted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_compile_cached, setup, teardown),
		cmocka_unit_test(test_builtin_key),
		cmocka_unit_test_setup_teardown(test_builtin_cached, setup, teardown),
		cmocka_unit_test_setup_teardown(test_trim, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
