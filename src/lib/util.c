/* util.c - number and size parsing. */
#define _GNU_SOURCE
#include "util.h"

#include <errno.h>
#include <string.h>

int cell_parse_u64_prefix(const char *s, const char **end, uint64_t *ret)
{
	uint64_t v = 0;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
			return -ERANGE;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	*end = p;
	*ret = v;
	return 0;
}

int cell_parse_id(const char *s, uint32_t *ret)
{
	const char *end;
	uint64_t v;
	int r = cell_parse_u64_prefix(s, &end, &v);

	if (r < 0)
		return r;
	if (*end)
		return -EINVAL;
	if (v >= UINT32_MAX)
		return -ERANGE;
	*ret = (uint32_t)v;
	return 0;
}

int cell_parse_int(const char *s, int *ret)
{
	const char *end;
	uint64_t v;
	int r = cell_parse_u64_prefix(s, &end, &v);

	if (r < 0)
		return r;
	if (*end)
		return -EINVAL;
	if (v > INT32_MAX)
		return -ERANGE;
	*ret = (int)v;
	return 0;
}

int cell_parse_size(const char *s, uint64_t *ret)
{
	static const struct {
		const char *suffix;
		unsigned shift;
	} units[] = {
		{ "", 0 },    { "k", 10 },   { "K", 10 },   { "KiB", 10 }, { "m", 20 },
		{ "M", 20 },  { "MiB", 20 }, { "g", 30 },   { "G", 30 },   { "GiB", 30 },
		{ "t", 40 },  { "T", 40 },   { "TiB", 40 },
	};
	const char *end;
	uint64_t v;
	int r = cell_parse_u64_prefix(s, &end, &v);

	if (r < 0)
		return r;
	for (unsigned i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(end, units[i].suffix) != 0)
			continue;
		if (v == 0)
			return -EINVAL;
		if (v > (UINT64_MAX >> units[i].shift))
			return -ERANGE;
		*ret = v << units[i].shift;
		return 0;
	}
	return -EINVAL;
}

int cell_split_words(const char *line, const char *eol, struct cell_word *w, size_t max,
		     unsigned *ret_col)
{
	size_t n = 0;

	for (const char *c = line; c < eol;) {
		const char *e = c;

		if (*c == ' ' || *c == '\t' || *c == '\r') {
			c++;
			continue;
		}
		if (*c == '#')
			break;
		while (e < eol && *e != ' ' && *e != '\t' && *e != '\r')
			e++;
		if (n == max) {
			*ret_col = (unsigned)(c - line) + 1;
			return -E2BIG;
		}
		w[n++] = (struct cell_word){ c, (size_t)(e - c), (unsigned)(c - line) + 1 };
		c = e;
	}
	return (int)n;
}

void cell_unescape_octal(const char *s, size_t n, char *out, size_t len)
{
	size_t o = 0;

	if (len == 0)
		return;
	for (size_t i = 0; i < n && o + 1 < len; i++) {
		if (s[i] == '\\' && i + 3 < n && s[i + 1] >= '0' && s[i + 1] <= '3' &&
		    s[i + 2] >= '0' && s[i + 2] <= '7' && s[i + 3] >= '0' && s[i + 3] <= '7') {
			out[o++] = (char)((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 +
					  (s[i + 3] - '0'));
			i += 3;
		} else {
			out[o++] = s[i];
		}
	}
	out[o] = '\0';
}

bool cell_valid_env_name(const char *s, size_t len)
{
	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!(s[i] == '_' || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
		      (i > 0 && s[i] >= '0' && s[i] <= '9')))
			return false;
	return true;
}

const char *cell_path_below(const char *root, const char *path)
{
	size_t rl = strlen(root);
	const char *rest;

	if (strcmp(root, "/") == 0)
		rest = path;
	else if (strncmp(path, root, rl) == 0 && (path[rl] == '/' || path[rl] == '\0'))
		rest = path + rl;
	else
		return NULL;
	return strcmp(rest, "/") == 0 ? "" : rest;
}
