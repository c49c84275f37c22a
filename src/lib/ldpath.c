/* ldpath.c - $ORIGIN and friends, colon lists, ld.so.conf lines.  Pure. */
#define _GNU_SOURCE
#include "ldpath.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"

/* Length of the token name at p (after '$'), accepting NAME and {NAME}. */
static bool token_is(const char *p, const char *name, size_t *ret_len)
{
	size_t n = strlen(name);

	if (p[0] == '{') {
		if (strncmp(p + 1, name, n) == 0 && p[1 + n] == '}') {
			*ret_len = n + 2;
			return true;
		}
		return false;
	}
	/* $ORIGINX is not $ORIGIN followed by X: ld.so requires the name to
	 * end at a non-identifier character. */
	if (strncmp(p, name, n) == 0 &&
	    !(p[n] == '_' || (p[n] >= 'A' && p[n] <= 'Z') || (p[n] >= 'a' && p[n] <= 'z') ||
	      (p[n] >= '0' && p[n] <= '9'))) {
		*ret_len = n;
		return true;
	}
	return false;
}

int cell_ldpath_expand(const char *entry, const struct cell_ldpath_vars *v, char **ret)
{
	_cleanup_free_ char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	int r = 0;

	if (!f)
		return -ENOMEM;
	for (const char *p = entry; *p; p++) {
		const char *val = NULL;
		size_t tlen = 0;

		if (*p != '$') {
			fputc(*p, f);
			continue;
		}
		if (token_is(p + 1, "ORIGIN", &tlen))
			val = v->origin;
		else if (token_is(p + 1, "LIB", &tlen))
			val = v->lib;
		else if (token_is(p + 1, "PLATFORM", &tlen))
			val = v->platform;
		else {
			r = -EINVAL;
			break;
		}
		if (!val) {
			r = -EINVAL;
			break;
		}
		fputs(val, f);
		p += tlen;
	}
	if (fclose(f) != 0 && r == 0)
		r = -ENOMEM;
	if (r < 0)
		return r;
	*ret = TAKE_PTR(out);
	return 0;
}

int cell_ldpath_split(const char *list, int (*fn)(const char *entry, size_t len, void *ud),
		      void *ud)
{
	const char *p = list;

	while (p && *p) {
		size_t n = strcspn(p, ":");

		if (n) {
			int r = fn(p, n, ud);

			if (r < 0)
				return r;
		}
		p += n;
		if (*p == ':')
			p++;
	}
	return 0;
}

static bool blank(char c)
{
	return c == ' ' || c == '\t';
}

int cell_ldconf_parse(const char *text, int (*fn_dir)(const char *dir, void *ud),
		      int (*fn_include)(const char *pattern, void *ud), void *ud)
{
	const char *p = text;

	while (*p) {
		size_t n = strcspn(p, "\n");
		_cleanup_free_ char *line = strndup(p, n);
		char *s, *hash, *end;
		int r = 0;

		if (!line)
			return -ENOMEM;
		p += n;
		if (*p)
			p++;
		hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		s = line;
		while (blank(*s))
			s++;
		end = s + strlen(s);
		while (end > s && (blank(end[-1]) || end[-1] == '\r'))
			*--end = '\0';
		if (!*s)
			continue;
		if (strncmp(s, "include", 7) == 0 && blank(s[7])) {
			/* Several patterns may follow one "include". */
			char *save = NULL, *tok;

			for (tok = strtok_r(s + 8, " \t", &save); tok && r >= 0;
			     tok = strtok_r(NULL, " \t", &save))
				r = fn_include(tok, ud);
		} else if (strncmp(s, "hwcap", 5) == 0 && blank(s[5])) {
			continue;
		} else {
			char *save = NULL, *tok;

			for (tok = strtok_r(s, " \t,:", &save); tok && r >= 0;
			     tok = strtok_r(NULL, " \t,:", &save)) {
				char *eq = strchr(tok, '=');

				if (eq)
					*eq = '\0';
				if (tok[0])
					r = fn_dir(tok, ud);
			}
		}
		if (r < 0)
			return r;
	}
	return 0;
}
