/* test-elf.c - unit tests for src/lib/elf.c (ELF dynamic info, #! lines)
 * and src/lib/ldpath.c (token expansion, colon lists, ld.so.conf syntax).
 *
 * The ELF images are made by elf-builder.h in both classes and byte orders;
 * every truncation of a valid image must parse or fail with -ENOEXEC,
 * never read out of bounds (run under ASan by tests/run).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "elf-builder.h"
#include "lib/elf.h"
#include "lib/ldpath.h"

static void check_image(bool is32, bool msb)
{
	struct elf_spec s = {
		.is32 = is32,
		.msb = msb,
		.machine = is32 ? EM_386 : EM_X86_64,
		.interp = "/lib64/ld-linux-x86-64.so.2",
		.needed = { "libfoo.so.1", "libc.so.6" },
		.runpath = "$ORIGIN/../lib",
		.rpath = "/opt/x",
		.soname = "libme.so.3",
	};
	struct cell_err err = { 0 };
	struct cell_elf e;
	size_t len;
	uint8_t *img = elf_build(&s, &len);

	assert_int_equal(cell_elf_parse(img, len, &e, &err), 0);
	assert_int_equal(e.cls, is32 ? ELFCLASS32 : ELFCLASS64);
	assert_int_equal(e.data, msb ? ELFDATA2MSB : ELFDATA2LSB);
	assert_int_equal(e.machine, is32 ? EM_386 : EM_X86_64);
	assert_true(e.dynamic);
	assert_string_equal(e.interp, "/lib64/ld-linux-x86-64.so.2");
	assert_int_equal(e.n_needed, 2);
	assert_string_equal(e.needed[0], "libfoo.so.1");
	assert_string_equal(e.needed[1], "libc.so.6");
	assert_null(e.needed[2]);
	assert_string_equal(e.runpath, "$ORIGIN/../lib");
	assert_string_equal(e.rpath, "/opt/x");
	assert_string_equal(e.soname, "libme.so.3");
	cell_elf_clear(&e);

	/* Every prefix: parses or -ENOEXEC, nothing else. */
	for (size_t n = 0; n < len; n++) {
		int r;

		memset(&e, 0, sizeof(e));
		r = cell_elf_parse(img, n, &e, &err);
		assert_true(r == 0 || r == -ENOEXEC);
		if (r == 0)
			cell_elf_clear(&e);
	}
	free(img);
}

static void test_parse_classes(void **state)
{
	check_image(false, false);
	check_image(true, false);
	check_image(false, true);
	check_image(true, true);
}

static void test_static(void **state)
{
	struct elf_spec s = { .no_dynamic = true, .type = ET_EXEC };
	struct cell_err err = { 0 };
	struct cell_elf e;
	size_t len;
	uint8_t *img = elf_build(&s, &len);

	assert_int_equal(cell_elf_parse(img, len, &e, &err), 0);
	assert_false(e.dynamic);
	assert_null(e.interp);
	assert_non_null(e.needed);
	assert_int_equal(e.n_needed, 0);
	assert_int_equal(e.type, ET_EXEC);
	cell_elf_clear(&e);
	free(img);
}

static void test_not_elf(void **state)
{
	struct cell_err err = { 0 };
	struct cell_elf e;
	const char text[] = "#!/bin/sh\necho hi\n";
	uint8_t bad[64] = { 0x7f, 'E', 'L', 'F', 9, 1, 1 };

	assert_false(cell_elf_magic(text, sizeof(text)));
	assert_int_equal(cell_elf_parse(text, sizeof(text), &e, &err), -ENOEXEC);
	assert_string_equal(err.msg, "not an ELF file");
	assert_int_equal(cell_elf_parse(bad, sizeof(bad), &e, &err), -ENOEXEC);
	assert_non_null(strstr(err.msg, "class"));
}

static void test_corrupt(void **state)
{
	struct elf_spec s = { .needed = { "liba.so" } };
	struct cell_err err = { 0 };
	struct cell_elf e;
	size_t len;
	uint8_t *img = elf_build(&s, &len);

	/* DT_NEEDED pointing past the string table. */
	for (size_t off = 0; off + 16 <= len; off += 8) {
		uint64_t tag;

		memcpy(&tag, img + off, 8);
		if (tag == DT_NEEDED && off % 8 == 0 && off > 64) {
			uint64_t v = 100000;

			memcpy(img + off + 8, &v, 8);
			break;
		}
	}
	assert_int_equal(cell_elf_parse(img, len, &e, &err), -ENOEXEC);
	free(img);

	/* Program headers past the end. */
	img = elf_build(&s, &len);
	eb_put(img, 32, len + 1000, 8, false);
	assert_int_equal(cell_elf_parse(img, len, &e, &err), -ENOEXEC);
	assert_non_null(strstr(err.msg, "program headers"));
	free(img);
}

static void test_compat_multiarch(void **state)
{
	struct cell_elf a = { .cls = ELFCLASS64, .data = ELFDATA2LSB, .machine = EM_X86_64 };
	struct cell_elf b = a, c = { .cls = ELFCLASS32, .data = ELFDATA2LSB, .machine = EM_386 };

	assert_true(cell_elf_compatible(&a, &b));
	assert_false(cell_elf_compatible(&a, &c));
	assert_string_equal(cell_elf_multiarch(&a), "x86_64-linux-gnu");
	assert_string_equal(cell_elf_multiarch(&c), "i386-linux-gnu");
	c.machine = 0xffff;
	assert_null(cell_elf_multiarch(&c));
}

static void test_real_binary(void **state)
{
	/* The host's own /bin/sh, when readable: dynamic with a loader. */
	FILE *f = fopen("/bin/sh", "rb");
	static uint8_t buf[4 << 20];
	struct cell_err err = { 0 };
	struct cell_elf e;
	size_t n;

	if (!f)
		skip();
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	if (!cell_elf_magic(buf, n))
		skip();
	assert_int_equal(cell_elf_parse(buf, n, &e, &err), 0);
	if (e.dynamic) {
		assert_non_null(e.interp);
		assert_true(e.n_needed >= 1);
	}
	cell_elf_clear(&e);
}

static void test_script(void **state)
{
	char *interp = NULL, *arg = NULL;
	char long_line[300];

#define S(text) cell_script_parse(text, sizeof(text) - 1, &interp, &arg)
	assert_int_equal(S("#!/bin/sh\necho\n"), 1);
	assert_string_equal(interp, "/bin/sh");
	assert_null(arg);
	free(interp);

	assert_int_equal(S("#! /usr/bin/env  python3 -u \nx"), 1);
	assert_string_equal(interp, "/usr/bin/env");
	assert_string_equal(arg, "python3 -u");
	free(interp);
	free(arg);

	assert_int_equal(S("#!\t/bin/bash\t-e"), 1); /* no newline: the whole buffer */
	assert_string_equal(interp, "/bin/bash");
	assert_string_equal(arg, "-e");
	free(interp);
	free(arg);

	assert_int_equal(S("#!\n"), -ENOEXEC);
	assert_int_equal(S("#!   \n"), -ENOEXEC);
	assert_int_equal(S("echo hi\n"), 0);
	assert_int_equal(S("#"), 0);

	/* An interpreter path cut by the kernel's 256-byte buffer. */
	long_line[0] = '#';
	long_line[1] = '!';
	memset(long_line + 2, 'a', sizeof(long_line) - 2);
	assert_int_equal(cell_script_parse(long_line, sizeof(long_line), &interp, &arg), -ENOEXEC);
#undef S
}

static void test_expand(void **state)
{
	struct cell_ldpath_vars v = { "/opt/app/bin", "lib/x86_64-linux-gnu", "x86_64" };
	char *out = NULL;

	assert_int_equal(cell_ldpath_expand("$ORIGIN/../lib", &v, &out), 0);
	assert_string_equal(out, "/opt/app/bin/../lib");
	free(out);
	assert_int_equal(cell_ldpath_expand("${ORIGIN}/x:/$LIB/$PLATFORM", &v, &out), 0);
	assert_string_equal(out, "/opt/app/bin/x:/lib/x86_64-linux-gnu/x86_64");
	free(out);
	assert_int_equal(cell_ldpath_expand("/plain", &v, &out), 0);
	assert_string_equal(out, "/plain");
	free(out);
	assert_int_equal(cell_ldpath_expand("$ORIGINX", &v, &out), -EINVAL);
	assert_int_equal(cell_ldpath_expand("$HOME/lib", &v, &out), -EINVAL);
	assert_int_equal(cell_ldpath_expand("${ORIGIN", &v, &out), -EINVAL);
	v.origin = NULL;
	assert_int_equal(cell_ldpath_expand("$ORIGIN", &v, &out), -EINVAL);
}

struct collect {
	char buf[512];
};

static int collect_entry(const char *entry, size_t len, void *ud)
{
	struct collect *c = ud;

	strncat(c->buf, entry, len);
	strcat(c->buf, "|");
	return 0;
}

static int collect_dir(const char *dir, void *ud)
{
	struct collect *c = ud;

	strcat(c->buf, "d:");
	strcat(c->buf, dir);
	strcat(c->buf, "|");
	return 0;
}

static int collect_inc(const char *pattern, void *ud)
{
	struct collect *c = ud;

	strcat(c->buf, "i:");
	strcat(c->buf, pattern);
	strcat(c->buf, "|");
	return 0;
}

static void test_split_ldconf(void **state)
{
	struct collect c = { "" };

	assert_int_equal(cell_ldpath_split("/a::/b/c:", collect_entry, &c), 0);
	assert_string_equal(c.buf, "/a|/b/c|");

	c.buf[0] = '\0';
	assert_int_equal(cell_ldconf_parse("# comment\n"
					   "include /etc/ld.so.conf.d/*.conf\n"
					   "  /usr/local/lib   # trailing\n"
					   "hwcap 0 nosegneg\n"
					   "/a,/b:/c /d=libc6\r\n"
					   "include a.conf b.conf\n"
					   "\n",
					   collect_dir, collect_inc, &c),
			 0);
	assert_string_equal(c.buf, "i:/etc/ld.so.conf.d/*.conf|d:/usr/local/lib|d:/a|d:/b|d:/c|"
				   "d:/d|i:a.conf|i:b.conf|");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_classes),
		cmocka_unit_test(test_static),
		cmocka_unit_test(test_not_elf),
		cmocka_unit_test(test_corrupt),
		cmocka_unit_test(test_compat_multiarch),
		cmocka_unit_test(test_real_binary),
		cmocka_unit_test(test_script),
		cmocka_unit_test(test_expand),
		cmocka_unit_test(test_split_ldconf),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
