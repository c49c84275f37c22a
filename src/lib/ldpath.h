/* ldpath.h - the dynamic loader's library search rules, as pure functions.
 *
 * ld.so(8) "Rpath token expansion" and ldconfig(8)'s /etc/ld.so.conf syntax.
 * rootfs.c walks the files; this module only turns strings into strings, so
 * the rules can be unit-tested without a file system.
 */
#ifndef CELL_LDPATH_H
#define CELL_LDPATH_H

#include <stddef.h>

/* Values of the dynamic string tokens for one object. */
struct cell_ldpath_vars {
	const char *origin;   /* $ORIGIN: the directory of the object */
	const char *lib;      /* $LIB: "lib/x86_64-linux-gnu", "lib64", ... */
	const char *platform; /* $PLATFORM: "x86_64", ... */
};

/* Expand $ORIGIN, ${ORIGIN}, $LIB, ${LIB}, $PLATFORM, ${PLATFORM} in one
 * DT_RPATH/DT_RUNPATH entry.  Returns 0 and a new string, -EINVAL for an
 * unknown token or an unset value (ld.so drops such entries), -ENOMEM. */
int cell_ldpath_expand(const char *entry, const struct cell_ldpath_vars *v, char **ret);

/* Call fn for each non-empty entry of a colon-separated list (DT_RUNPATH,
 * PATH).  fn returns < 0 to stop; that value is returned. */
int cell_ldpath_split(const char *list, int (*fn)(const char *entry, size_t len, void *ud),
		      void *ud);

/* One ld.so.conf file's text: fn_dir for every directory (in order; ldconfig
 * also allows several per line, separated by blanks, commas or colons, and
 * the old "dir=type" suffix), fn_include for every "include PATTERN" (the
 * pattern as written, relative ones being relative to the file's directory).
 * "hwcap" lines and comments are skipped.  Callbacks return < 0 to stop. */
int cell_ldconf_parse(const char *text, int (*fn_dir)(const char *dir, void *ud),
		      int (*fn_include)(const char *pattern, void *ud), void *ud);

#endif
