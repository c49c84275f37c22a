/* util.h - number and size parsing.  Pure, no side effects. */
#ifndef CELL_UTIL_H
#define CELL_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Decimal, no sign, no spaces, fits in 32 bits (and not (uint32_t)-1,
 * which the kernel reserves as "no id"). */
int cell_parse_id(const char *s, uint32_t *ret);

/* A shell-style environment variable name: [A-Za-z_][A-Za-z0-9_]* (len
 * bytes of s). */
bool cell_valid_env_name(const char *s, size_t len);

/* A non-negative int (file descriptors, counts). */
int cell_parse_int(const char *s, int *ret);
/* The decimal number at the start of s (at least one digit); *end points
 * after it.  -EINVAL without a digit, -ERANGE past 64 bits. */
int cell_parse_u64_prefix(const char *s, const char **end, uint64_t *ret);
/* "1048576", "64k", "16M", "1G", "2GiB": bytes, at least 1. */
int cell_parse_size(const char *s, uint64_t *ret);

/* path (absolute, as /proc/PID/cgroup gives it) relative to root (a
 * mount's root in mountinfo): the part below it, "" for root itself, or NULL
 * when path is not at or below root. */
const char *cell_path_below(const char *root, const char *path);

/* The field [s, s + n) of /proc/PID/mountinfo with its octal escapes
 * (\040 for a blank) undone, into out (len bytes, NUL-terminated, cut
 * short if need be).  out may be s: the result is never longer. */
void cell_unescape_octal(const char *s, size_t n, char *out, size_t len);

/* One word of a line, for cell's line-based text formats (profiles,
 * seccomp policies); col counts from 1. */
struct cell_word {
	const char *s;
	size_t len;
	unsigned col;
};

/* Split the line [line, eol) at blanks into at most max words, ignoring
 * everything from a '#' on.  Returns the number of words, or -E2BIG with
 * *ret_col the column of the first word past max. */
int cell_split_words(const char *line, const char *eol, struct cell_word *w, size_t max,
		     unsigned *ret_col);

#endif
