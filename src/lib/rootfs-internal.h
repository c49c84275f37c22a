/* rootfs-internal.h - the builder's state, shared by rootfs.c (the plan)
 * and rootfs-apply.c (writing it).  Not part of libcell's interface. */
#ifndef CELL_ROOTFS_INTERNAL_H
#define CELL_ROOTFS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "elf.h"
#include "rootfs.h"
#include "strmap.h"

/* What we know about one real (symlink-free) path of the tree. */
struct cell_rootfs_obj {
	bool elf;    /* parsed as ELF */
	struct cell_elf hdr; /* class/data/machine only (lists freed) */
};

struct cell_rootfs {
	int hostfd;
	char *path_env, *cwd;
	bool check;	     /* record what is missing instead of failing */
	void (*missing)(const char *what, const char *needed_by, void *ud);
	void *missing_ud;
	int n_missing;
	struct cell_rootfs_op *ops;
	size_t n_ops, cap_ops;
	struct cell_strmap planned;  /* path inside the root -> op index + 1 */
	struct cell_strmap done;     /* real paths whose dependencies were added */
	struct cell_strmap objs;     /* real path -> struct obj */
	struct cell_strmap cand;     /* library candidate path -> real path (NULL: absent) */
	char **ldconf;	     /* ld.so.conf directories, in order */
	size_t n_ldconf;
	bool ldconf_read;
	char *loader_dir;    /* directory of the first loader copied */
	char **programs;     /* for the manifest */
	size_t n_programs;
	char platform[65];
	struct cell_elf native; /* class/machine of the first program */
	bool have_native;
};

/* Append a copy of s to the NULL-terminated list *v of *n entries. */
int cell_rootfs_strv_push(char ***v, size_t *n, const char *s);

#endif
