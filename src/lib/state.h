/* state.h - named sandboxes on disk: the state directory, one record per
 * sandbox, and the locks that tell the living from the dead.
 *
 * The directory is /run/cell for root and $XDG_RUNTIME_DIR/cell for
 * everyone else ($CELL_STATE_DIR overrides both, for tests).  For a
 * sandbox NAME it holds:
 *
 *   NAME.lock  the supervisor (the `cell run --name NAME` process) holds a
 *              write lock on it for its whole life; "exited\n" inside once
 *              it has recorded the exit status
 *   NAME.json  the record (struct cell_state_record), replaced atomically
 *   NAME.log   the command's output when it runs detached
 *   NAME.ns/   kept namespaces (--keep), bind mounts of /proc/PID/ns/TYPE
 *   .lock      the directory lock: taken only to create or remove names
 *
 * A sandbox is alive while its lock is held and its supervisor's PID still
 * has the recorded start time.  A supervisor killed by SIGKILL (or a reboot
 * of a persistent state directory) leaves a record without "exited" in a
 * lock nobody holds: cell_state_gc() removes it and everything it kept.
 */
#ifndef CELL_STATE_H
#define CELL_STATE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"
#include "idmap.h"
#include "seccomp.h"
#include "spec.h"

#define CELL_STATE_NAME_MAX 64

enum cell_state_status {
	CELL_STATE_STARTING, /* supervisor alive, no init yet */
	CELL_STATE_RUNNING,
	CELL_STATE_STOPPING, /* supervisor alive, its init gone */
	CELL_STATE_EXITED,   /* supervisor recorded the exit status and left */
	CELL_STATE_DEAD,     /* supervisor gone without a word: gc removes it */
	CELL_STATE_UNKNOWN,  /* lock held by a process that is not the recorded one */
	CELL_STATE_STATUS_MAX
};

/* A process named so that a recycled PID is noticed (procinfo.h). */
struct cell_state_proc {
	pid_t pid;	     /* host PID; 0: none */
	uint64_t start_time; /* /proc/PID/stat field 22 */
};

/* What cannot be read back from the kernel once the sandbox runs (or has
 * ended), and what `cell enter` needs to give its process the same
 * identity and restrictions as the sandbox's own command.  Strings and
 * lists are malloc'd; cell_state_record_clear() frees them. */
struct cell_state_record {
	char name[CELL_STATE_NAME_MAX + 1];
	uint32_t owner;			  /* euid of the creator */
	struct cell_state_proc supervisor; /* holds NAME.lock */
	struct cell_state_proc init;	  /* PID 1 inside (or the command with --no-init) */
	int64_t created;		  /* seconds since the epoch */
	char **argv;			  /* the command, NULL-terminated */
	unsigned ns;			  /* CELL_NS_BIT()s of its own namespaces */
	enum cell_root_mode root_mode;
	char *root;			  /* --root/--chroot DIR, NULL for the default root */
	char *net;			  /* "none", "host", "veth", "veth:ADDR", "user", NAME */
	char *hostname, *domainname;	  /* with a uts namespace of its own, else NULL */
	char *workdir;			  /* --workdir DIR, NULL: the caller's if present, else / */
	struct cell_idmap_line uid_map[CELL_IDMAP_LINES_MAX], gid_map[CELL_IDMAP_LINES_MAX];
	unsigned n_uid_map, n_gid_map;

	/* The command's identity inside (see struct cell_idmap_plan). */
	bool set_ids;
	uint32_t uid, gid;
	bool drop_groups;
	uint64_t caps;			  /* capabilities kept (0: none, the default) */
	char **env;			  /* the command's environment */
	char *seccomp;			  /* policy text (seccomp.h), NULL: none */
	char *seccomp_bpf;		  /* the compiled filter: base64 of its sock_filter[] */
	unsigned seccomp_flags;		  /* its seccomp(2) flags (a policy's "flag" lines) */
	bool seccomp_log;		  /* --seccomp-log: the filter only logs */
	bool landlock;			  /* --landlock */
	char **rlimits;			  /* "NAME=SOFT:HARD" (rlimit.h) */
	char **cgroups;			  /* its own cgroups (one per v1 hierarchy) */

	char *log;			  /* NAME.log when detached, else NULL */
	bool exited;
	int exit_status;		  /* as cell run's: the command's, 128+N, 125... */
	char *kept[CELL_NS_MAX];	  /* bind mounts of kept namespaces */
};

struct cell_state {
	int dirfd; /* -1: the directory does not exist (nothing recorded) */
	char path[4096];
};

/* ---- names and records (pure) ---- */

/* 1 to 64 bytes of [A-Za-z0-9_.-], not "." or "..".  The message names
 * the name; callers prefix the option ("--name"). */
int cell_state_name_check(const char *name, struct cell_err *err);

void cell_state_record_init(struct cell_state_record *r);
void cell_state_record_clear(struct cell_state_record *r);

/* Fill r from a planned sandbox: name, command, namespaces, root, network,
 * id maps, identity, capabilities, environment, the seccomp policy (resolved
 * and printed: a policy file may change later), resource limits; owner and
 * created time.  Does not touch supervisor, init, log or kept. */
int cell_state_record_fill(struct cell_state_record *r, const char *name,
			   const struct cell_spec *s, const struct cell_idmap_plan *ids,
			   struct cell_err *err);

/* The filter the launcher compiled and loaded (plan.seccomp), kept in the
 * record so that `cell enter` loads the very same program without
 * compiling the policy again (libseccomp takes milliseconds).  get gives a
 * malloc'd program (len 0: none recorded); -EINVAL when it is malformed. */
int cell_state_record_set_bpf(struct cell_state_record *r, const struct cell_seccomp_prog *prog);
int cell_state_record_get_bpf(const struct cell_state_record *r, struct cell_seccomp_prog *ret);

/* JSON text of r (malloc'd into *ret), and back.  from_json checks types
 * and the name; unknown keys are ignored so that newer cells can add. */
int cell_state_record_to_json(const struct cell_state_record *r, char **ret);
int cell_state_record_from_json(const char *text, size_t len, struct cell_state_record *r,
				struct cell_err *err);

/* The directory to use ($CELL_STATE_DIR, /run/cell as root, else
 * $XDG_RUNTIME_DIR/cell); a clear error when a user has no XDG_RUNTIME_DIR. */
int cell_state_path(char *buf, size_t len, struct cell_err *err);

const char *cell_state_status_name(enum cell_state_status s);

/* ---- the directory ---- */

/* Open the state directory; create it (mode 0700) when create is set.
 * Without create a missing directory is not an error (st->dirfd = -1). It
 * must belong to the caller and be writable by nobody else. */
int cell_state_open(struct cell_state *st, bool create, struct cell_err *err);
void cell_state_close(struct cell_state *st);

/* Names of all records, sorted (malloc'd NULL-terminated list). */
int cell_state_list(struct cell_state *st, char ***ret, struct cell_err *err);

/* Read NAME's record.  -ENOENT ("no sandbox named NAME") when there is none. */
int cell_state_read(struct cell_state *st, const char *name, struct cell_state_record *r,
		    struct cell_err *err);

/* Replace NAME's record atomically: a temporary file, fsync, rename over,
 * fsync of the directory.  Only the supervisor (the lock holder) writes. */
int cell_state_write(struct cell_state *st, const struct cell_state_record *r,
		     struct cell_err *err);

/* ---- the supervisor's side ---- */

/* Claim NAME: returns the lock fd (O_CLOEXEC) that the supervisor keeps
 * open until it has recorded the exit status.  Race-free: of two claims at
 * once exactly one wins; the other gets -EEXIST, "a sandbox with that name
 * exists".  Leftovers of a dead sandbox of that name are removed first.
 * The directory is created when missing (st opened with create). */
int cell_state_claim(struct cell_state *st, const char *name, struct cell_err *err);

/* supervisor = the caller (call again after a fork: the lock holder must be
 * the recorded process); init = pid with its start time. */
int cell_state_record_set_self(struct cell_state_record *r, struct cell_err *err);
int cell_state_record_set_init(struct cell_state_record *r, pid_t pid, struct cell_err *err);

/* Create NAME.log (0600, truncated) for a detached sandbox's output; sets
 * r->log and returns an O_WRONLY|O_APPEND fd (O_CLOEXEC). */
int cell_state_log_open(struct cell_state *st, struct cell_state_record *r,
			struct cell_err *err);

/* Keep the namespaces in mask of process pid: bind mount /proc/PID/ns/TYPE
 * on NAME.ns/TYPE (as ip-netns(8) does) and record the paths.  Needs
 * CAP_SYS_ADMIN in the host's mount namespace (root). */
int cell_state_keep_ns(struct cell_state *st, struct cell_state_record *r, unsigned mask,
		       pid_t pid, struct cell_err *err);

/* Open the kept namespaces of r (fds[t] = -1 where none), to setns(2) into
 * them (`cell run --join NAME`).  Checks that each is still a namespace of
 * its type: "NAME: the kept TYPE namespace is gone" otherwise. */
int cell_state_open_kept(struct cell_state *st, const struct cell_state_record *r,
			 int fds[CELL_NS_MAX], struct cell_err *err);

/* The sandbox ended with status: record it, mark the lock file, close
 * lockfd (the record stays, "exited", until cell_state_remove()). */
int cell_state_finish(struct cell_state *st, struct cell_state_record *r, int status,
		      int lockfd, struct cell_err *err);

/* ---- the supervisor's side, in the order the launcher calls it ---- */

struct cell_state_run {
	struct cell_state st;
	struct cell_state_record rec;
	int lock;  /* NAME.lock, held until cell_state_run_end() */
	int ready; /* detached: tells the foreground how the start went */
};

/* Before cell_launch(): open (create) the state directory, gc, claim NAME
 * (-EEXIST: "a sandbox with that name exists"; the caller prefixes
 * "--name NAME"), fill the record from the spec, the id plan and the
 * compiled filter (prog may be NULL).
 *
 * detach: fork.  The foreground waits until the background has recorded
 * the sandbox's init, or has failed, and returns 1 (print NAME, exit 0),
 * or -errno with the background's error in err.  The background returns 0
 * and goes on as the supervisor: a new session, stdin /dev/null, stdout and
 * stderr in NAME.log.  Give the sandbox no terminal (spec pty off) before
 * planning.  Without detach, 0: go on in this process. */
int cell_state_run_begin(struct cell_state_run *run, const char *name, bool detach,
			 const struct cell_spec *s, const struct cell_idmap_plan *ids,
			 const struct cell_seccomp_prog *prog, struct cell_err *err);

/* In cell_launch's parent right after clone3 (init: the child's host PID,
 * before it is released): record the supervisor (the caller), init and the
 * sandbox's cgroup directories (NULL-terminated, or NULL), keep the
 * namespaces in keep_ns (--keep: root only), write the record, and tell a
 * waiting foreground that the sandbox runs. */
int cell_state_run_started(struct cell_state_run *run, pid_t init,
			   const char *const *cgroups, unsigned keep_ns, struct cell_err *err);

/* After cell_launch() returned status (or failed: its err->status, and err
 * goes to a foreground still waiting): record the exit status and let go of
 * the name.  The record stays, "exited", until cell rm.  Frees run. */
int cell_state_run_end(struct cell_state_run *run, int status, const struct cell_err *why,
		       struct cell_err *err);

/* ---- everyone else ---- */

/* Whether NAME's lock is held by some process (1), free (0), or -errno.
 * Tests without taking the lock (F_OFD_GETLK), so it never disturbs a
 * claim. */
int cell_state_lock_held(struct cell_state *st, const char *name);

/* Alive, exited or dead: the lock, the exit mark and the recorded PIDs. */
enum cell_state_status cell_state_status(struct cell_state *st, const struct cell_state_record *r);

/* Remove NAME (record, kept namespaces, log, cgroups, lock).  -EBUSY while
 * its supervisor lives, -ENOENT when there is no such sandbox. */
int cell_state_remove(struct cell_state *st, const char *name, struct cell_err *err);

/* Remove every sandbox whose supervisor died without recording an exit
 * status.  Cheap: one readdir and a lock test per name; a record is read
 * only when it is removed.  Names removed go to *ret_removed when given
 * (malloc'd NULL-terminated list). */
int cell_state_gc(struct cell_state *st, char ***ret_removed, struct cell_err *err);

/* Free a list from cell_state_list() or cell_state_gc(). */
void cell_state_strv_free(char **v);

#endif
