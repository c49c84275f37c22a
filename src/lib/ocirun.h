/* ocirun.h - an OCI container's process: create (to the exec fifo), start,
 * exec, as runc and crun do it (runtime-spec "Runtime and Lifecycle").
 *
 * The OCI front end (src/front/oci*.c) turns a bundle's config.json into a
 * struct cell_oci_plan: plain data, in the order the runtime-spec applies
 * it.  The engine here turns that plan into the container's process:
 *
 *   parent: join the namespaces the config names by path, clone3 into the
 *           new ones (into the container's cgroup), write the id maps, send
 *           GO and the compiled seccomp program;
 *   child:  hostname, mounts into the rootfs (targets made and resolved
 *           inside it), default devices and /dev links, pivot_root, masked
 *           and read-only paths, sysctls, terminal (the pty's master goes to
 *           the --console-socket), rlimits, groups, uid/gid, the five
 *           capability sets, no_new_privs, seccomp, working directory, the
 *           executable looked up; then it says READY and waits on the exec
 *           fifo until `start` opens it, and execs.
 *
 * Unlike `cell run`, there is no supervisor and no init: the user process
 * is the container's PID 1, and its parent is whoever ran `cell oci create`
 * (conmon, containerd-shim), as the spec wants.
 */
#ifndef CELL_OCIRUN_H
#define CELL_OCIRUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"
#include "idmap.h"
#include "rlimit.h"
#include "seccomp.h"
#include "spec.h"

struct cell_ocirun_mount {
	char *dst;		   /* absolute, inside the container */
	char *type;		   /* file system type; "bind" or NULL for binds */
	char *src;		   /* host path for binds */
	unsigned long flags;	   /* MS_* without MS_BIND/MS_REC/propagation */
	unsigned long propagation; /* MS_PRIVATE, MS_SLAVE, ... (| MS_REC), 0 */
	bool bind, recursive;
	char *data;		     /* the rest of the options, or NULL */
	uint64_t attr_set, attr_clr; /* MOUNT_ATTR_* for the tree (rro, rnosuid...) */
	bool tmpcopyup; /* a tmpfs that starts with what the image has there */
};

struct cell_ocirun_device {
	char *path; /* absolute, inside the container */
	char type;  /* 'c', 'b', 'p' ('u' as 'c') */
	unsigned major, minor;
	unsigned mode; /* permission bits */
	uint32_t uid, gid;
};

/* The process to run (config.json's "process", or exec's process.json). */
struct cell_oci_proc {
	char **args, **env; /* NULL-terminated */
	char *cwd;
	uint32_t uid, gid;
	uint32_t *groups; /* additionalGids */
	size_t n_groups;
	bool has_umask;
	unsigned umask;
	uint64_t cap_bounding, cap_effective, cap_inheritable, cap_permitted, cap_ambient;
	struct cell_rlimits rlimits;
	bool no_new_privs;
	bool terminal;
	unsigned short console_rows, console_cols; /* consoleSize; 0: leave */
	bool has_oom_score_adj;
	int oom_score_adj;
	/* compiled by the front end (with its seccomp(2) flags); len 0: none */
	struct cell_seccomp_prog seccomp;
};

struct cell_oci_plan {
	char *rootfs; /* absolute host path */
	bool root_readonly;
	unsigned long rootfs_propagation; /* MS_* | MS_REC; 0: MS_SLAVE | MS_REC */
	char *hostname, *domainname;	  /* NULL: not set */
	unsigned new_ns;		  /* CELL_NS_BIT()s to create */
	char *ns_path[CELL_NS_MAX];	  /* namespaces to join (NULL: none) */
	struct cell_idmap_line uid_map[8], gid_map[8];
	unsigned n_uid_map, n_gid_map;
	struct cell_ocirun_mount *mounts;
	size_t n_mounts;
	struct cell_ocirun_device *devices;
	size_t n_devices;
	char **masked, **readonly; /* NULL-terminated or NULL */
	char **sysctl;		   /* "key=value", NULL-terminated or NULL */
	/* cgroup file systems to show at a "cgroup" mount: "NAME=HOSTDIR"
	 * (v1: one per hierarchy under the mount; v2: one with NAME "") */
	char **cgroup_dirs;
	struct cell_oci_proc proc;
	int preserve_fds; /* fds 3..3+N-1 stay open (--preserve-fds) */
	bool sync_before_pivot; /* stop before pivot_root for cb->before_pivot */
};

void cell_oci_plan_clear(struct cell_oci_plan *p);
void cell_oci_proc_clear(struct cell_oci_proc *p);

/* A container being created, between clone and detach. */
struct cell_oci_child {
	pid_t pid;
	int pidfd;
	int sock;	/* the sync socket; -1 once detached */
	int pty_master; /* terminal without a console socket; else -1 */
};

/* What the caller does while the container is made (all may be NULL):
 * attach moves the child into its cgroup before it goes on (v1 cgroups);
 * before_pivot runs when the container's mounts are made and the root is
 * not yet pivoted into (the runtime-spec's createRuntime and
 * createContainer hooks), the child waiting meanwhile. */
struct cell_oci_create_cb {
	int (*attach)(pid_t pid, void *arg, struct cell_err *err);
	int (*before_pivot)(pid_t pid, void *arg, struct cell_err *err);
	void *arg;
};

/* Start the container's process and wait until it is READY (everything
 * done but exec; blocked on the fifo).  fifo_fd: an O_PATH fd of the exec
 * fifo.  cgroup_fd: v2 cgroup directory for CLONE_INTO_CGROUP (-1: none).
 * console_fd: the --console-socket connection (-1: none); with a terminal
 * and no console socket the pty master is kept in ret->pty_master for the
 * caller to relay.  On failure nothing is left: the child is killed and
 * reaped. */
int cell_oci_create(const struct cell_oci_plan *p, int fifo_fd, int cgroup_fd,
		    const struct cell_oci_create_cb *cb, int console_fd, struct cell_oci_child *ret,
		    struct cell_err *err);

/* The container process no longer depends on us: it clears its parent-death
 * signal and closes its end; returns once it has. */
int cell_oci_detach(struct cell_oci_child *c, struct cell_err *err);

/* `start`: open the exec fifo for reading (releases the process), read its
 * byte.  -ENXIO style errors when nobody waits on it. */
int cell_oci_start(int state_dirfd, const char *fifo_name, struct cell_err *err);

/* Root of the host: euid 0 in the initial user namespace (not root of a
 * user namespace, as rootless podman runs its runtime). */
bool cell_oci_host_root(void);

/* Move the calling process into the namespaces of the container's process
 * (pid with start time) that differ from its own, user namespace first
 * (setns(2) with a pidfd); a pid namespace applies to its children. */
int cell_oci_join(pid_t pid, uint64_t start_time, struct cell_err *err);

/* `exec`: a new process in a running container (pid, start time checked)
 * with proc's identity and restrictions.  cgroup_attach as above.  detach:
 * return once it has exec'd, with its pid in *ret_pid; otherwise wait and
 * return its exit status (128+N for signal N). */
int cell_oci_exec(pid_t pid, uint64_t start_time, const struct cell_oci_proc *proc,
		  const char *const *cgroup_procs, int console_fd, int preserve_fds, bool detach,
		  pid_t *ret_pid, struct cell_err *err);

#endif
