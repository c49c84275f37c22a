/* ocicg-internal.h - shared by ocicg.c and ocicg-plan.c. */
#ifndef CELL_OCICG_INTERNAL_H
#define CELL_OCICG_INTERNAL_H

#include <stddef.h>

#include "ocicg.h"

/* The v1 hierarchy (and controller) names, by enum cell_ocicg_ctl. */
extern const char *const cell_ocicg_v1_names[CELL_OCICG_CTL_MAX];

/* The CELL_OCICG_BITs of a comma list of controller names ("cpu,cpuacct"). */
unsigned cell_ocicg_ctl_mask(const char *list, size_t n);

#endif
