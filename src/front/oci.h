/* oci.h - the OCI runtime front end (`cell oci`, `cell-oci`), shared by
 * its files:
 *
 *   ocicmd.c    the command line: global options, verbs, --log
 *   ocistate.c  the state directory: ROOT/ID/state.json, config.json,
 *               exec.fifo; the container's status
 *   ociplan.c   config.json (ociconfig.h) -> struct cell_oci_plan (the
 *               engine's, lib/ocirun.h) and cgroup resources (lib/ocicg.h)
 *   ocilife.c   create, start, run, exec, and the hooks
 *   ociops.c    state, kill, delete, ps, pause/resume, update, list
 */
#ifndef CELL_FRONT_OCI_H
#define CELL_FRONT_OCI_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "../lib/err.h"
#include "../lib/ocicg.h"
#include "../lib/ocirun.h"
#include "ociconfig.h"

#define CELL_OCI_VERSION "1.2.0" /* the runtime-spec version cell follows */
#define CELL_OCI_FIFO "exec.fifo"
#define CELL_OCI_JSON_MAX (16u << 20) /* the largest JSON file cell oci reads */

/* Global options. */
struct cell_oci_globals {
	const char *root; /* --root: the state directory */
	const char *log;  /* --log FILE */
	bool log_json;	  /* --log-format json */
	bool debug;	  /* --debug */
};
extern struct cell_oci_globals cell_oci_g;

/* Print err (one line, and to --log); returns the exit status (1, as runc,
 * or err->status 126/127). */
int cell_oci_fail(int r, const struct cell_err *err);
int cell_oci_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "cell: warning: ..." on stderr and in --log. */
void cell_oci_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cell_oci_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- ocistate.c ---- */

/* What a container's state.json holds (plus what only cell needs). */
struct cell_ocistate_record {
	char *id, *bundle, *rootfs, *created, *cgroup;
	pid_t pid;
	uint64_t start;
	uint32_t owner;
	json_t *annotations;
};

enum cell_ocistate_status {
	CELL_OCI_CREATING,
	CELL_OCI_CREATED,
	CELL_OCI_RUNNING,
	CELL_OCI_PAUSED,
	CELL_OCI_STOPPED
};

extern const char *const cell_ocistate_status_name[];

/* Read fd whole and parse it as JSON (NULL with je filled on error). */
json_t *cell_ocistate_json_fd(int fd, json_error_t *je);
/* Container ids: letters, digits and _.+- (1 to 1024 bytes, not . or ..). */
bool cell_ocistate_valid_id(const char *id);
/* The state directory (--root, or the default), made when create. */
int cell_ocistate_open_root(bool create, struct cell_err *err);
/* ROOT/ID, locked with flock(LOCK_EX) while the fd is open. */
int cell_ocistate_open(int rootfd, const char *id, struct cell_err *err);
/* Replace dirfd/name atomically (a temporary file renamed over it). */
int cell_ocistate_write_file(int dirfd, const char *name, const char *data, size_t len, mode_t mode,
			     struct cell_err *err);
void cell_ocistate_record_clear(struct cell_ocistate_record *r);
int cell_ocistate_record_write(int dirfd, const struct cell_ocistate_record *r,
			       struct cell_err *err);
int cell_ocistate_record_read(int dirfd, const char *id, struct cell_ocistate_record *r,
			      struct cell_err *err);
/* From the kernel: the process (and its start time), the fifo, the freezer. */
enum cell_ocistate_status cell_ocistate_status(int dirfd, const struct cell_ocistate_record *r);
/* The runtime-spec's state JSON (malloc'd; NULL on OOM). */
char *cell_ocistate_json(const struct cell_ocistate_record *r, enum cell_ocistate_status st,
			 bool pretty);
/* Remove ROOT/ID and its files. */
void cell_ocistate_remove(int rootfd, const char *id);
/* Now as RFC 3339 with nanoseconds (malloc'd). */
char *cell_ocistate_now(void);
/* Open the state directory and ROOT/ID (locked), read its record. */
int cell_ocistate_load(const char *id, int *ret_root, int *ret_dir,
		       struct cell_ocistate_record *rec, struct cell_err *err);

/* ---- ociplan.c ---- */

#define CELL_OCIPLAN_DEVS_MAX 512
#define CELL_OCIPLAN_HUGE_MAX 16

char **cell_ociplan_strv_copy(char *const *v);
/* A config's process (and linux.seccomp, compiled) as the engine's. */
int cell_ociplan_proc(const struct cell_oci_process *cp, const char *seccomp_json,
		      struct cell_oci_proc *p, struct cell_err *err);
/* linux.resources for the cgroup; nodes (linux.devices, NULL for update)
 * adds the default devices and the nodes to the allow list; devs has room
 * for CELL_OCIPLAN_DEVS_MAX rules. */
void cell_ociplan_resources(const struct cell_oci_resources *in, const struct cell_oci_linux *nodes,
			    struct cell_ocicg_resources *out, struct cell_ocicg_device *devs,
			    struct cell_ocicg_hugetlb *huge);
/* Refuse what cell cannot enforce. */
int cell_ociplan_check_resources(const struct cell_oci_resources *res, struct cell_err *err);
/* The whole config as a plan; cg (NULL: none) gives the cgroup mount. */
int cell_ociplan_make(const struct cell_oci_config *c, const char *bundle,
		      const struct cell_ocicg *cg, struct cell_oci_plan *p, struct cell_err *err);

/* ---- ocilife.c ---- */

struct cell_oci_create_opts {
	const char *bundle, *pid_file, *console_socket;
	int preserve_fds;
	bool detach;
};

struct cell_oci_exec_opts {
	const char *process, *pid_file, *console_socket, *cwd, *user;
	char **env;
	size_t n_env;
	bool detach, tty, tty_set;
	int preserve_fds;
};

/* Run the hooks of one kind with the state JSON on their stdin: in the
 * runtime's namespaces (pid 0) or in those of the container's process pid
 * (start time start). */
int cell_oci_run_hooks(const struct cell_oci_config *c, enum cell_oci_hook_kind kind,
		       const char *state, pid_t pid, uint64_t start, struct cell_err *err);
int cell_oci_load_config(int dirfd, struct cell_oci_config *cfg, struct cell_err *err);
int cell_oci_do_create(const char *id, const struct cell_oci_create_opts *o,
		       struct cell_oci_child *child, struct cell_err *err);
int cell_oci_do_start(const char *id, struct cell_err *err);
int cell_oci_do_run(const char *id, const struct cell_oci_create_opts *o, struct cell_err *err);
int cell_oci_do_exec(const char *id, char **args, const struct cell_oci_exec_opts *o,
		     struct cell_err *err);

/* ---- ociops.c ---- */

int cell_oci_do_state(const char *id, struct cell_err *err);
int cell_oci_do_kill(const char *id, const char *sigarg, bool all, struct cell_err *err);
int cell_oci_do_delete(const char *id, bool force, struct cell_err *err);
int cell_oci_do_ps(const char *id, bool json, struct cell_err *err);
int cell_oci_do_freeze(const char *id, bool frozen, struct cell_err *err);
int cell_oci_do_update(const char *id, const char *resources, int argc, char **argv,
		       struct cell_err *err);
int cell_oci_do_list(struct cell_err *err);

#endif
