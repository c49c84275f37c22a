/* unitfile.c - unit names, ExecStart= quoting and the unit text.
 *
 * systemd reads an ExecStart= line in three passes, so each argument is
 * escaped for all three, in reverse order:
 *   1. specifiers ("%n", "%h", ...) expand on the raw line: "%" -> "%%";
 *   2. the line is split into words, honouring double quotes and C escapes
 *      (extract_first_word with unquoting and unescaping): quote anything
 *      but plain characters, escape '\' and '"' and control characters; a
 *      word that is a lone ";" separates commands, "\;" is a literal one;
 *   3. "$NAME" and "${NAME}" in each word expand from the environment:
 *      "$" -> "$$".
 * Bytes from 0x80 up pass through raw (unit files are UTF-8; "\xNN" would
 * become the code point U+00NN, not the byte), so they must be valid UTF-8.
 */
#define _GNU_SOURCE
#include "unitfile.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"

#define UNIT_NAME_MAX 255

int cell_unit_name(const char *name, char **ret, struct cell_err *err)
{
	size_t len = strlen(name), ats = 0;
	char *full;

	if (len > 8 && strcmp(name + len - 8, ".service") == 0)
		len -= 8;
	if (len == 0)
		return cell_fail(err, 0, "unit name '%s' is empty", name);
	if (name[0] == '.' || name[0] == '-' || name[0] == '@')
		return cell_fail(err, 0, "unit name '%s' may not start with '%c'", name, name[0]);
	for (size_t i = 0; i < len; i++) {
		char c = name[i];

		if (c == '@') {
			ats++;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == ':' || c == '-' || c == '_' || c == '.' || c == '\\'))
			return cell_fail(err, 0,
					 "unit name '%s': '%c' is not allowed (letters, digits, "
					 "\":-_.\\\" and one '@')",
					 name, c);
	}
	if (ats > 1)
		return cell_fail(err, 0, "unit name '%s' has more than one '@'", name);
	if (len + 8 > UNIT_NAME_MAX)
		return cell_fail(err, 0, "unit name '%s' is longer than %d bytes", name,
				 UNIT_NAME_MAX - 8);
	if (asprintf(&full, "%.*s.service", (int)len, name) < 0)
		return -ENOMEM;
	*ret = full;
	return 0;
}

/* Length of the valid UTF-8 sequence at s (1-4), 0 if invalid. */
static size_t utf8_len(const unsigned char *s)
{
	uint32_t cp;
	size_t n;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		n = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* No overlong forms, surrogates or values past U+10FFFF. */
	if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

static bool plain(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       strchr("/._-+,:=@", c);
}

int cell_unit_quote(const char *arg, char **ret, struct cell_err *err)
{
	_cleanup_free_ char *out = NULL;
	size_t len = 0;
	bool quote = arg[0] == '\0';
	FILE *f;

	for (const char *p = arg; *p; p++)
		if (!plain(*p) && *p != '%' && *p != '$')
			quote = true;
	if (strcmp(arg, ";") == 0) {
		*ret = strdup("\\;");
		return *ret ? 0 : -ENOMEM;
	}
	f = open_memstream(&out, &len);
	if (!f)
		return -ENOMEM;
	if (quote)
		fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)arg; *p;) {
		size_t n;

		switch (*p) {
		case '%':
			fputs("%%", f);
			break;
		case '$':
			fputs("$$", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '"':
			fputs("\\\"", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		default:
			if (*p < 0x20 || *p == 0x7f) {
				fprintf(f, "\\x%02x", *p);
				break;
			}
			n = utf8_len(p);
			if (n == 0) {
				fclose(f);
				return cell_fail(err, 0,
						 "argument '%s' is not valid UTF-8, which systemd "
						 "cannot pass on",
						 arg);
			}
			fwrite(p, 1, n, f);
			p += n;
			continue;
		}
		p++;
	}
	if (quote)
		fputc('"', f);
	if (fclose(f) != 0)
		return -ENOMEM;
	*ret = TAKE_PTR(out);
	return 0;
}

int cell_unit_render(const struct cell_unit *u, char **ret, struct cell_err *err)
{
	_cleanup_free_ char *out = NULL;
	size_t len = 0, dlen = 0;
	FILE *f = open_memstream(&out, &len);
	int r = 0;

	if (!f)
		return -ENOMEM;
	if (!u->exec || !u->exec[0] || u->exec[0][0] != '/') {
		fclose(f);
		return cell_fail(err, 0, "ExecStart= needs an absolute program path");
	}
	if (u->generated_by)
		fprintf(f, "# %s\n", u->generated_by);
	fputs("[Unit]\nDescription=", f);
	/* Description= is taken raw but for specifiers; keep it on one line
	 * and free of a trailing '\' (a line continuation). */
	for (const char *p = u->description ? u->description : "cell sandbox"; *p && dlen < 200;
	     p++, dlen++) {
		if (*p == '%')
			fputs("%%", f);
		else if ((unsigned char)*p < 0x20 || *p == 0x7f || *p == '\\')
			fputc(' ', f);
		else
			fputc(*p, f);
	}
	fputs("\nDocumentation=man:cell(1)\n"
	      "\n"
	      "[Service]\n"
	      "Type=exec\n"
	      "ExecStart=",
	      f);
	for (size_t i = 0; u->exec[i]; i++) {
		_cleanup_free_ char *q = NULL;

		r = cell_unit_quote(u->exec[i], &q, err);
		if (r < 0) {
			fclose(f);
			return r;
		}
		fprintf(f, "%s%s", i ? " " : "", q);
	}
	fputs("\n"
	      "# The sandbox lives and dies with the service: systemd sends SIGTERM to\n"
	      "# cell alone, cell passes it to the command, and the sandbox's PID 1 is\n"
	      "# killed when cell exits; whatever is left in the service's cgroup after\n"
	      "# TimeoutStopSec= gets SIGKILL.\n"
	      "KillMode=mixed\n"
	      "KillSignal=SIGTERM\n"
	      "SendSIGKILL=yes\n"
	      "# cell makes cgroups of its own below the service's.\n"
	      "Delegate=yes\n"
	      "# 125: cell itself failed (bad options, a sandbox it could not set up):\n"
	      "# restarting will not help.\n"
	      "RestartPreventExitStatus=125\n"
	      "\n"
	      "[Install]\n",
	      f);
	fprintf(f, "WantedBy=%s\n", u->wanted_by ? u->wanted_by : "multi-user.target");
	if (fclose(f) != 0)
		return -ENOMEM;
	*ret = TAKE_PTR(out);
	return 0;
}
