/* test-debootstrap.c - unit tests for the pure parts of src/lib/debootstrap.c:
 * sources.list(5) in both formats, choosing the suite and mirror, the
 * os-release codename, and debootstrap's progress stages.
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

#include "lib/debootstrap.h"

static int collect(const char *uri, const char *suite, void *ud)
{
	char *buf = ud;

	strcat(buf, uri);
	strcat(buf, " ");
	strcat(buf, suite);
	strcat(buf, "|");
	return 0;
}

static void test_oneline(void **state)
{
	char buf[512] = "";

	assert_int_equal(cell_apt_sources_parse(
				 "# comment\n"
				 "deb http://deb.debian.org/debian bookworm main\n"
				 "deb-src http://deb.debian.org/debian bookworm main\n"
				 "deb [arch=amd64 signed-by=/k.gpg] https://m.example/debian trixie main\n"
				 "deb [ arch=amd64 ] http://x/debian sid main # trailing\n"
				 "  deb\thttp://y/debian\tbullseye\tmain\n"
				 "deb http://incomplete\n",
				 false, collect, buf),
			 0);
	assert_string_equal(buf, "http://deb.debian.org/debian bookworm|https://m.example/debian "
				 "trixie|http://x/debian sid|http://y/debian bullseye|");
}

static void test_deb822(void **state)
{
	char buf[512] = "";

	assert_int_equal(cell_apt_sources_parse("Types: deb deb-src\n"
						"URIs: http://deb.debian.org/debian\n"
						"Suites: bookworm bookworm-updates\n"
						"Components: main\n"
						"\n"
						"# a comment paragraph line\n"
						"Types: deb-src\n"
						"URIs: http://src/debian\n"
						"Suites: sid\n"
						"\n"
						"types: deb\n"
						"uris: http://a/debian\n"
						"  http://b/debian\n"
						"suites: trixie\n"
						"Enabled: no\n"
						"\n"
						"Types: deb\n"
						"URIs: http://c/debian\n"
						"Suites: trixie",
						true, collect, buf),
			 0);
	assert_string_equal(buf, "http://deb.debian.org/debian bookworm|http://deb.debian.org/debian "
				 "bookworm-updates|http://c/debian trixie|");
}

static void test_pick(void **state)
{
	const char *texts[] = {
		"deb http://security.debian.org/debian-security bookworm-security main\n"
		"deb cdrom:[Debian]/ bookworm main\n",
		"Types: deb\nURIs: http://deb.debian.org/debian/\nSuites: bookworm-updates bookworm\n",
	};
	bool deb822[] = { false, true };
	struct cell_apt_source s = { 0 };

	assert_int_equal(cell_apt_sources_pick(texts, deb822, 2, &s), 1);
	assert_string_equal(s.uri, "http://deb.debian.org/debian");
	assert_string_equal(s.suite, "bookworm");
	cell_apt_source_clear(&s);
	assert_int_equal(cell_apt_sources_pick(texts, deb822, 1, &s), 0);
	assert_null(s.uri);
}

static void test_os_release(void **state)
{
	char *c = cell_os_release_codename("NAME=\"Debian\"\nVERSION_CODENAME=bookworm\nID=debian\n");

	assert_string_equal(c, "bookworm");
	free(c);
	c = cell_os_release_codename("VERSION_CODENAME=\"trixie\"");
	assert_string_equal(c, "trixie");
	free(c);
	assert_null(cell_os_release_codename("ID=arch\n"));
	assert_null(cell_os_release_codename("VERSION_CODENAME=\n"));
}

static void test_stages(void **state)
{
	const char *name = NULL;

	assert_int_equal(cell_debootstrap_stage("I: Retrieving InRelease ", &name), 1);
	assert_string_equal(name, "checking the release");
	assert_int_equal(cell_debootstrap_stage("I: Retrieving Packages ", &name), 2);
	assert_int_equal(cell_debootstrap_stage("I: Resolving dependencies of required packages...",
						&name), 2);
	assert_int_equal(cell_debootstrap_stage("I: Retrieving libc6 2.36-9", &name), 3);
	assert_int_equal(cell_debootstrap_stage("I: Validating libc6 2.36-9", &name), 3);
	assert_int_equal(cell_debootstrap_stage("I: Extracting base-files...", &name), 4);
	assert_int_equal(cell_debootstrap_stage("I: Installing core packages...", &name), 5);
	assert_int_equal(cell_debootstrap_stage("I: Configuring apt...", &name), 5);
	assert_int_equal(cell_debootstrap_stage("I: Base system installed successfully.", &name),
			 6);
	assert_string_equal(name, "base system installed");
	assert_int_equal(cell_debootstrap_stage("W: something", &name), 0);
	assert_int_equal(cell_debootstrap_stage("", &name), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_oneline),	   cmocka_unit_test(test_deb822),
		cmocka_unit_test(test_pick),	   cmocka_unit_test(test_os_release),
		cmocka_unit_test(test_stages),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
