/* util.h - number and size parsing.  Pure, no side effects. */
#ifndef CELL_UTIL_H
#define CELL_UTIL_H

#include <stdbool.h>
#include <stdint.h>

/* Decimal, no sign, no spaces, fits in 32 bits (and not (uint32_t)-1,
 * which the kernel reserves as "no id"). */
int cell_parse_id(const char *s, uint32_t *ret);
/* A non-negative int (file descriptors, counts). */
int cell_parse_int(const char *s, int *ret);
/* "1048576", "64k", "16M", "1G", "2GiB": bytes, at least 1. */
int cell_parse_size(const char *s, uint64_t *ret);

#endif
