/* xauth.h - X authority records (Xsecurity(7), xauth(1)): keep the cookies of
 * one display.  Pure. */
#ifndef CELL_XAUTH_H
#define CELL_XAUTH_H

#include <stddef.h>
#include <stdint.h>

/* Copy from the .Xauthority bytes in[] the records for display number
 * `display` (e.g. "99") into out[], rewritten to FamilyWild with an empty
 * address so that they match inside a sandbox with its own host name.
 * Returns the bytes written (0: no record for that display), -EBADMSG for a
 * malformed file, -ENOBUFS when out is too small. */
long cell_xauth_filter(const uint8_t *in, size_t len, const char *display, uint8_t *out,
		       size_t outmax);

#endif
