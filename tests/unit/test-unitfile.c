/* test-unitfile.c - unit tests for src/lib/unitfile.c: unit names, and
 * ExecStart= quoting checked by decoding it back the way systemd.syntax(7)
 * and systemd.service(5) describe (split into words honouring double quotes
 * and C escapes, a raw "\;" as a literal ";", then "%%" -> "%" per word,
 * then "$$" -> "$" at exec time).  The decoder here is written from those
 * pages, independently of the encoder.
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

#include "lib/unitfile.h"

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode one word starting at *pp into out; returns 0 at the end. */
static int decode_word(const char **pp, char *out)
{
	const char *p = *pp;
	char quote = 0, *o = out;

	while (*p == ' ' || *p == '\t')
		p++;
	if (!*p)
		return 0;
	if (p[0] == '\\' && p[1] == ';' && (!p[2] || p[2] == ' ')) {
		strcpy(out, ";");
		*pp = p + 2;
		return 1;
	}
	for (; *p; p++) {
		if (!quote && (*p == ' ' || *p == '\t'))
			break;
		if (!quote && (*p == '"' || *p == '\'')) {
			quote = *p;
			continue;
		}
		if (quote && *p == quote) {
			quote = 0;
			continue;
		}
		if (*p == '\\') {
			p++;
			switch (*p) {
			case 'n': *o++ = '\n'; break;
			case 't': *o++ = '\t'; break;
			case 'r': *o++ = '\r'; break;
			case '\\': *o++ = '\\'; break;
			case '"': *o++ = '"'; break;
			case '\'': *o++ = '\''; break;
			case 'x':
				assert_true(hexval(p[1]) >= 0 && hexval(p[2]) >= 0);
				*o++ = (char)(hexval(p[1]) * 16 + hexval(p[2]));
				p += 2;
				break;
			default:
				fail_msg("unknown escape \\%c", *p);
			}
			continue;
		}
		*o++ = *p;
	}
	assert_int_equal(quote, 0);
	*o = '\0';
	*pp = p;
	return 1;
}

/* "%%" -> "%" (any other specifier would be expanded: must not occur),
 * then "$$" -> "$" (a lone "$" would start a variable: must not occur). */
static void unescape_specials(char *s)
{
	char *o = s;

	for (char *p = s; *p; p++) {
		if (*p == '%') {
			assert_int_equal(p[1], '%');
			p++;
		} else if (*p == '$') {
			assert_int_equal(p[1], '$');
			p++;
		}
		*o++ = *p;
	}
	*o = '\0';
}

static void roundtrip(const char *arg)
{
	struct cell_err err = { 0 };
	char *q = NULL, out[1024];
	const char *p;

	assert_int_equal(cell_unit_quote(arg, &q, &err), 0);
	assert_null(strchr(q, '\n'));
	p = q;
	assert_int_equal(decode_word(&p, out), 1);
	assert_string_equal(p, ""); /* one word exactly */
	unescape_specials(out);
	assert_string_equal(out, arg);
	free(q);
}

static void test_quote(void **state)
{
	static const char *const args[] = {
		"plain", "/usr/bin/x", "--opt=value", "with space", "tab\there", "new\nline",
		"\"double\"", "'single'", "back\\slash", "trailing\\", "100%", "%n%h", "$HOME",
		"${X}", "$$", "a;b", ";", "", " ", "ünïcödé ✓", "\x01\x7f", "'\"$%\\ ;",
	};
	struct cell_err err = { 0 };
	char *q = NULL;

	for (size_t i = 0; i < sizeof(args) / sizeof(args[0]); i++)
		roundtrip(args[i]);
	/* Plain words stay unquoted; ";" is the literal form. */
	assert_int_equal(cell_unit_quote("--root=/srv/x", &q, &err), 0);
	assert_string_equal(q, "--root=/srv/x");
	free(q);
	assert_int_equal(cell_unit_quote(";", &q, &err), 0);
	assert_string_equal(q, "\\;");
	free(q);
	assert_int_equal(cell_unit_quote("50%", &q, &err), 0);
	assert_string_equal(q, "50%%");
	free(q);
	/* Invalid UTF-8 cannot be carried. */
	assert_int_equal(cell_unit_quote("bad\xff", &q, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "UTF-8"));
	assert_int_equal(cell_unit_quote("\xc0\xaf", &q, &err), -EINVAL); /* overlong */
}

static void test_name(void **state)
{
	struct cell_err err = { 0 };
	char *full = NULL;

	assert_int_equal(cell_unit_name("web", &full, &err), 0);
	assert_string_equal(full, "web.service");
	free(full);
	assert_int_equal(cell_unit_name("web.service", &full, &err), 0);
	assert_string_equal(full, "web.service");
	free(full);
	assert_int_equal(cell_unit_name("get@tty1:x_y-z.1", &full, &err), 0);
	free(full);
	assert_int_equal(cell_unit_name("", &full, &err), -EINVAL);
	assert_int_equal(cell_unit_name(".service", &full, &err), -EINVAL);
	assert_int_equal(cell_unit_name("../etc/passwd", &full, &err), -EINVAL);
	assert_int_equal(cell_unit_name("a/b", &full, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "'/' is not allowed"));
	assert_int_equal(cell_unit_name("a b", &full, &err), -EINVAL);
	assert_int_equal(cell_unit_name("a@b@c", &full, &err), -EINVAL);
	assert_int_equal(cell_unit_name("-x", &full, &err), -EINVAL);
	{
		char longname[300];

		memset(longname, 'a', sizeof(longname) - 1);
		longname[sizeof(longname) - 1] = '\0';
		assert_int_equal(cell_unit_name(longname, &full, &err), -EINVAL);
		assert_non_null(strstr(err.msg, "longer"));
	}
}

static void test_render(void **state)
{
	char *const exec[] = { "/usr/bin/cell", "run", "--root", "/srv/a b", "--", "/bin/sh", "-c",
			       "echo \"$X\" 100%", NULL };
	struct cell_unit u = { "cell sandbox: 100% \\ fun\nx", exec, "multi-user.target",
			       "made by a test" };
	struct cell_err err = { 0 };
	char *text = NULL, *line, *end, words[16][256];
	const char *p;
	size_t n = 0;

	assert_int_equal(cell_unit_render(&u, &text, &err), 0);
	assert_non_null(strstr(text, "# made by a test\n[Unit]\n"));
	assert_non_null(strstr(text, "Description=cell sandbox: 100%%   fun x\n"));
	assert_non_null(strstr(text, "KillMode=mixed\n"));
	assert_non_null(strstr(text, "WantedBy=multi-user.target\n"));
	line = strstr(text, "\nExecStart=");
	assert_non_null(line);
	line += strlen("\nExecStart=");
	end = strchr(line, '\n');
	*end = '\0';
	for (p = line; n < 16 && decode_word(&p, words[n]); n++)
		unescape_specials(words[n]);
	assert_int_equal(n, 8);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(words[i], exec[i]);
	free(text);

	{
		char *const rel[] = { "cell", NULL };
		struct cell_unit bad = { NULL, rel, NULL, NULL };

		assert_int_equal(cell_unit_render(&bad, &text, &err), -EINVAL);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quote),
		cmocka_unit_test(test_name),
		cmocka_unit_test(test_render),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
