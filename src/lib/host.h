/* host.h - what the planners need to know about the host, as plain data.
 *
 * cell_host_probe() does the reading (ids, /etc/subuid, the shape of the
 * system directories); the planners take the struct and stay pure, so unit
 * tests can hand them any host they like.
 */
#ifndef CELL_HOST_H
#define CELL_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* Top-level system paths the default root shows read-only. */
enum cell_sysdir {
	CELL_SYSDIR_USR,
	CELL_SYSDIR_BIN,
	CELL_SYSDIR_SBIN,
	CELL_SYSDIR_LIB,
	CELL_SYSDIR_LIB32,
	CELL_SYSDIR_LIB64,
	CELL_SYSDIR_LIBX32,
	CELL_SYSDIR_ETC,
	CELL_SYSDIR_MAX
};

enum cell_sysdir_kind {
	CELL_SYSDIR_ABSENT,
	CELL_SYSDIR_DIR,
	CELL_SYSDIR_SYMLINK,
};

struct cell_subid {
	uint32_t start, count; /* count 0: none */
};

/* Host ids root's sandboxes use when /etc/subuid has no range for root: the
 * 65536 ids from 2^31 - 2^24 (2130706432), far above any login or system
 * account and below the 2^31 boundary that signed-int tools trip on. */
#define CELL_ROOT_DEFAULT_BASE 2130706432u
#define CELL_ROOT_DEFAULT_COUNT 65536u

/* A top-level entry of a --root DIR (only read when DIR lacks a mount point). */
struct cell_root_entry {
	char *src;    /* DIR/name */
	char *dst;    /* /name */
	char *target; /* symlink target, or NULL */
};

struct cell_host {
	uint32_t uid, gid; /* the caller's real ids */
	bool root;	   /* uid 0 in the initial user namespace */
	struct cell_subid subuid, subgid;
	char cwd[4096];	   /* empty when unknown */
	struct {
		enum cell_sysdir_kind kind;
		char target[64]; /* for symlinks */
	} sysdir[CELL_SYSDIR_MAX];
	/* --root DIR facts */
	bool root_incomplete;		  /* DIR/.cell-incomplete exists */
	bool root_listed;		  /* root_entries is DIR's top level */
	struct cell_root_entry *root_entries;
	size_t n_root_entries;
	/* --x11: the display's cookies, rewritten for the sandbox (xauth.h) */
	char x11_socket[64];
	uint8_t *xauth;
	size_t xauth_len;
};

const char *cell_sysdir_path(enum cell_sysdir d); /* "/usr", ... */

/* Read the host facts.  want_subid: also read /etc/subuid and /etc/subgid
 * (needs an NSS lookup of the caller's name, so skipped when not needed). */
int cell_host_probe(struct cell_host *h, bool want_subid, struct cell_err *err);

/* With --root DIR: note an unfinished `cell root build/debootstrap`, and when
 * DIR lacks one of the top-level names in need[] (NULL-terminated), list
 * DIR's top level so the planner can build the root without writing to DIR. */
int cell_host_probe_root(struct cell_host *h, const char *dir, const char *const *need,
			 struct cell_err *err);
void cell_host_clear(struct cell_host *h);

/* --x11: check the display's socket and read its cookies (if xauthority). */
int cell_host_probe_x11(struct cell_host *h, const char *display, const char *xauthority,
			struct cell_err *err);
/* --wayland: check the compositor's socket. */
int cell_host_probe_wayland(const char *socket_path, struct cell_err *err);

/* Parse one /etc/subuid-style file's text for the first range of user
 * (name or numeric id).  Pure; returns 1 when found, 0 when not. */
int cell_subid_parse(const char *text, const char *name, uint32_t id, struct cell_subid *ret);

#endif
