/* cgroup-internal.h - what cgroup.c shares with its backends.
 *
 * One table of functions per cgroup version (cgroup-v1.c, cgroup-v2.c); the
 * public functions in cgroup.c only pick the table and call through it.
 */
#ifndef CELL_CGROUP_INTERNAL_H
#define CELL_CGROUP_INTERNAL_H

#include "cgroup.h"

struct cell_cgroup_ops {
	int version;
	int (*create)(struct cell_cgroup *cg, const struct cell_cgroup_host *h, unsigned want,
		      struct cell_err *err);
	int (*set_limits)(struct cell_cgroup *cg, const struct cell_cgroup_limits *l,
			  bool best_effort, unsigned *dropped, struct cell_err *err);
	int (*attach)(struct cell_cgroup *cg, pid_t pid, struct cell_err *err);
	int (*stats)(struct cell_cgroup *cg, struct cell_cgroup_stats *ret, struct cell_err *err);
	int (*kill)(struct cell_cgroup *cg, struct cell_err *err);
};

extern const struct cell_cgroup_ops cell_cgroup_v1_ops;
extern const struct cell_cgroup_ops cell_cgroup_v2_ops;

struct cell_cgroup {
	const struct cell_cgroup_ops *ops;
	char name[64];
	/* Directories made for this sandbox, each once (v1: one per mounted
	 * hierarchy; v2: one), and for each controller the index of its
	 * directory or -1 when it has none. */
	char *dirs[CELL_CG_MAX];
	unsigned n_dirs;
	int dir_of[CELL_CG_MAX];
	unsigned controllers; /* CELL_CG_BITs that work in this cgroup */
	/* Why a wanted controller is missing, for set_limits' messages. */
	char why_missing[CELL_CG_MAX][160];
	int fd;		      /* v2: the directory, for CLONE_INTO_CGROUP */
	bool has_kill;	      /* v2: cgroup.kill exists */
};

/* File helpers: value into/out of DIR/FILE.  -errno on failure. */
int cell_cg_write(const char *dir, const char *file, const char *value);
int cell_cg_read(const char *dir, const char *file, char *buf, size_t len);
int cell_cg_read_u64(const char *dir, const char *file, uint64_t *ret);
bool cell_cg_exists(const char *dir, const char *file);
/* Make dir; an existing one is taken only when exist_ok (shared parents):
 * a sandbox's own directory must be new, never someone else's. */
int cell_cg_mkdir(const char *dir, bool exist_ok);
/* rmdir, retrying while EBUSY (processes still exiting). */
int cell_cg_rmdir(const char *dir);
/* SIGKILL every pid listed in DIR/cgroup.procs; returns how many were
 * listed (0: empty), or -errno. */
int cell_cg_kill_procs(const char *dir);
/* Add a directory to cg for the controllers in mask; returns its index. */
int cell_cg_add_dir(struct cell_cgroup *cg, const char *path, unsigned mask);
/* Record why controller c is missing (printf-style). */
void cell_cg_missing(struct cell_cgroup *cg, enum cell_cg_controller c, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The limit failed: an error naming the option, or (best effort) a bit. */
int cell_cg_limit_failed(unsigned limit, bool best_effort, unsigned *dropped,
			 struct cell_err *err, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

#endif
