/* nsinfo.h - which namespaces a process is in (/proc/PID/ns, namespaces(7)). */
#ifndef CELL_NSINFO_H
#define CELL_NSINFO_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"
#include "spec.h"

struct cell_nsinfo {
	bool present[CELL_NS_MAX];  /* the kernel has this namespace type */
	uint64_t inode[CELL_NS_MAX];
};

/* pid 0 means the caller. */
int cell_nsinfo_read(pid_t pid, struct cell_nsinfo *ret, struct cell_err *err);

#endif
