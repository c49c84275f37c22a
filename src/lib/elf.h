/* elf.h - what the dynamic loader needs from an executable, read from bytes.
 *
 * elf(5), ld.so(8), execve(2) "Interpreter scripts".  `cell root build` copies
 * a program with everything the kernel and ld.so will open to start it: the
 * PT_INTERP loader, the DT_NEEDED libraries searched through DT_RPATH or
 * DT_RUNPATH, and for a #! script its interpreter.  This module only parses
 * a buffer the caller has read or mapped: no I/O, every offset bounds-checked
 * (the input is any file a user names).  32- and 64-bit, either byte order.
 */
#ifndef CELL_ELF_H
#define CELL_ELF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct cell_elf {
	uint8_t cls;	  /* ELFCLASS32 or ELFCLASS64 */
	uint8_t data;	  /* ELFDATA2LSB or ELFDATA2MSB */
	uint16_t machine; /* EM_* */
	uint16_t type;	  /* ET_EXEC, ET_DYN, ... */
	bool dynamic;	  /* has a PT_DYNAMIC segment */
	char *interp;	  /* PT_INTERP path, or NULL (static) */
	char **needed;	  /* DT_NEEDED names in order, NULL-terminated (never NULL) */
	size_t n_needed;
	char *rpath;	  /* DT_RPATH, or NULL */
	char *runpath;	  /* DT_RUNPATH, or NULL */
	char *soname;	  /* DT_SONAME, or NULL */
};

/* True when buf starts with the ELF magic. */
bool cell_elf_magic(const void *buf, size_t len);

/* Parse an ELF file held in buf.  Returns 0, -ENOEXEC when it is not a
 * well-formed ELF file (err says why), -ENOMEM. */
int cell_elf_parse(const void *buf, size_t len, struct cell_elf *ret, struct cell_err *err);
void cell_elf_clear(struct cell_elf *e);

/* Can the loader of a load b (same class, byte order and machine)? */
bool cell_elf_compatible(const struct cell_elf *a, const struct cell_elf *b);

/* The multiarch triplet of Debian's library directories for this machine
 * ("x86_64-linux-gnu"), or NULL when unknown. */
const char *cell_elf_multiarch(const struct cell_elf *e);

/* A "#!" line as binfmt_script(5) reads it: the interpreter path and at most
 * one argument (the rest of the line, trimmed).  Returns 1 and fills
 * ret_interp (and ret_arg, NULL when there is none) when buf starts with
 * "#!", 0 when it does not, -ENOEXEC for "#!" without an interpreter,
 * -ENOMEM. */
int cell_script_parse(const char *buf, size_t len, char **ret_interp, char **ret_arg);

#endif
