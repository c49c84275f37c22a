/* overlaydiff.h - what an overlayfs upper directory changes (`cell root diff`).
 *
 * Documentation/filesystems/overlayfs.rst "whiteouts and opaque directories":
 * a deleted name is a 0/0 character device (or, for nested overlays, an
 * empty file with the trusted./user.overlay.whiteout attribute); a directory
 * whose trusted./user.overlay.opaque attribute is "y" hides the lower
 * directory of that name.  Everything else in the upper directory was
 * created or copied up.  Only reads the trees, through directory fds; needs
 * no mount, so it works on a --persist directory at rest.
 */
#ifndef CELL_OVERLAYDIFF_H
#define CELL_OVERLAYDIFF_H

#include <stdbool.h>

#include "err.h"

enum cell_odiff_kind {
	CELL_ODIFF_ADDED,    /* not in the lower layer */
	CELL_ODIFF_MODIFIED, /* also in the lower layer */
	CELL_ODIFF_CHANGED,  /* added or modified: no lower layer to tell */
	CELL_ODIFF_DELETED,  /* whiteout */
	CELL_ODIFF_OPAQUE,   /* directory replacing the lower one */
	CELL_ODIFF_KIND_MAX
};

/* "A", "M", "C", "D", "R". */
const char *cell_odiff_letter(enum cell_odiff_kind k);

/* Call fn for each change below upperfd in sorted pre-order; path starts
 * with "/", dir tells whether it is a directory.  lowerfd is the lower
 * layer, or -1.  fn returns < 0 to stop. */
int cell_overlay_diff(int upperfd, int lowerfd,
		      int (*fn)(enum cell_odiff_kind k, const char *path, bool dir, void *ud),
		      void *ud, struct cell_err *err);

#endif
