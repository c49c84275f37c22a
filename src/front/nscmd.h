/* nscmd.h - `cell ns`. */
#ifndef CELL_NSCMD_H
#define CELL_NSCMD_H

#include "../lib/err.h"

extern const char cell_ns_help[];
/* argv[0] is "ns".  Returns 0 or -errno with err set. */
int cell_ns_main(int argc, char **argv, struct cell_err *err);

#endif
