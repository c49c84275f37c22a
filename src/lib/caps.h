/* caps.h - capabilities of the sandboxed command (capabilities(7)). */
#ifndef CELL_CAPS_H
#define CELL_CAPS_H

#include <stdint.h>

#include "err.h"

/* Drop every capability not in keep from all five sets (bounding, effective,
 * permitted, inheritable, ambient), lock the root-privilege securebits so an
 * exec as uid 0 cannot regain them, and set no_new_privs.  Allocation-free;
 * call after setresuid/setresgid and before execve. */
int cell_caps_drop(uint64_t keep, struct cell_err *err);

#endif
