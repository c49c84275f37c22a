/* seccache.h - compiled seccomp programs, kept for the next start.
 *
 * Compiling the policy with libseccomp is the largest piece of user-space
 * work in `cell run` (about 0.2 ms here, on the path to the command's start,
 * since the child waits for the program).  The result depends only on the
 * policy, the compile flags, the libseccomp and cell code that made it, and
 * the running kernel (libseccomp asks it what it supports).  So the
 * program is kept in a file named after those inputs, under the state
 * directory (/run/cell/seccomp for root, $XDG_RUNTIME_DIR/cell/seccomp for
 * a user: memory file systems that a reboot empties), and the next start
 * with the same inputs loads it instead of compiling.
 *
 * Trust: the file says which program the sandbox gets, so it is used only
 * when it and its directory belong to the caller and nobody else can write
 * them; anyone who could write them as that user could already change
 * cell's own process.  The whole key (the policy, flags, cell's build id,
 * libseccomp's version, the kernel's boot id) is stored in the file and
 * compared byte for byte, so a hash collision of file names cannot pick a
 * wrong program.  For the built-in policy, whose text and additions are
 * part of the binary, the build id stands for the policy, and the policy
 * is not even parsed when its program is kept.  Any doubt (a missing,
 * short, foreign or unreadable file) means compiling as if there were no
 * cache; a failed write is ignored.
 */
#ifndef CELL_SECCACHE_H
#define CELL_SECCACHE_H

#include <stddef.h>

#include "seccomp.h"

/* The key: everything the program depends on, as bytes.  NULL when it
 * cannot be made (no build id, no boot id, out of memory): no caching. */
char *cell_seccache_key(const struct cell_seccomp_policy *p, unsigned compile_flags,
			size_t *ret_len);

/* The program for key in dir (created 0700 by cell_seccache_put): 1 and
 * *prog filled when the cache has it, 0 when not (or in any doubt). */
int cell_seccache_get(const char *dir, const char *key, size_t key_len,
		      struct cell_seccomp_prog *prog);

/* Keep prog for key in dir; best effort, errors are ignored. */
void cell_seccache_put(const char *dir, const char *key, size_t key_len,
		       const struct cell_seccomp_prog *prog);

/* compile (cell_seccomp_compile) through the cache in the state directory
 * (cell_state_path + "/seccomp"); the policy's errors are compile's. */
int cell_seccomp_compile_cached(const struct cell_seccomp_policy *p, unsigned flags,
				struct cell_seccomp_prog *ret, struct cell_err *err);

/* The key of the built-in policy with relaxations (CELL_SECCOMP_RELAX_*):
 * its text and the code that adds to it are in the binary, so its build id
 * stands for them.  NULL as above. */
char *cell_seccache_key_builtin(unsigned compile_flags, unsigned relax, size_t *ret_len);

/* The built-in policy's program through the cache: parsed and compiled
 * only when no kept program matches. */
int cell_seccomp_builtin_cached(unsigned flags, unsigned relax, struct cell_seccomp_prog *ret,
				struct cell_err *err);

#endif
