/* caps.h - capabilities of the sandboxed command (capabilities(7)). */
#ifndef CELL_CAPS_H
#define CELL_CAPS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "err.h"

/* Capabilities are dropped in two steps around the id change:
 *
 * cell_caps_lock(): while still privileged (CAP_SETPCAP), empty the bounding
 * and ambient sets and lock the securebits so that an exec as uid 0 cannot
 * regain anything.  Must come before setresuid(), which clears the
 * capabilities these calls need when it leaves uid 0.
 *
 * cell_caps_clear(): after the id change, clear the effective, permitted and
 * inheritable sets (keeping keep), and set no_new_privs, so setuid files
 * and file capabilities give nothing.
 *
 * Both are allocation-free, for the code between clone and execve. */
int cell_caps_lock(uint64_t keep, struct cell_err *err);
int cell_caps_clear(uint64_t keep, struct cell_err *err);

/* Names (pure).  A name is "NET_BIND_SERVICE" or "CAP_NET_BIND_SERVICE", in
 * any case; the number or -1.  cell_caps_name gives "CAP_..." or NULL. */
#define CELL_CAP_LAST 40 /* CAP_CHECKPOINT_RESTORE */
#define CELL_CAPS_ALL ((2ull << CELL_CAP_LAST) - 1)
int cell_caps_from_name(const char *name);
const char *cell_caps_name(int cap);
/* Apply one --cap-add (add true) or --cap-drop value to *mask: a name or
 * "all".  Unknown names are errors. */
int cell_caps_parse(const char *arg, bool add, uint64_t *mask, struct cell_err *err);
/* "none", or the names comma-separated, for --print-spec. */
void cell_caps_print(uint64_t mask, FILE *f);

#endif
