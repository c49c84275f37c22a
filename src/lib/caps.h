/* caps.h - capabilities of the sandboxed command (capabilities(7)). */
#ifndef CELL_CAPS_H
#define CELL_CAPS_H

#include <stdint.h>

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

#endif
