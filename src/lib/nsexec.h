/* nsexec.h - a new process inside namespaces that already exist, with a
 * given identity and restrictions: what `cell enter` (a running sandbox's
 * namespaces, enter.h) and `cell run --join` (a sandbox's kept namespaces,
 * join.h) have in common.
 *
 * The caller fills struct cell_nsexec (what the command gets) and gives an
 * enter hook that takes the namespaces, root and working directory; then
 * cell_nsexec_run() does the rest, in three processes as runc's nsexec
 * has them: the caller stays on the host and supervises; a short-lived
 * joiner runs the hook and clones the command with CLONE_PARENT, so that
 * the command is inside yet the caller's own child (setns(2) with
 * CLONE_NEWPID moves only the children).  A hook that made a new pid
 * namespace sets pid1: then the joiner's clone is a PID 1 of cell's, which
 * starts the command, reaps, forwards signals and exits with the
 * command's status.
 */
#ifndef CELL_NSEXEC_H
#define CELL_NSEXEC_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/resource.h>

#include "err.h"
#include "seccomp.h"
#include "spec.h"
#include "state.h"

#define CELL_NSEXEC_GROUPS_MAX 256

struct cell_nsexec {
	/* In the joiner: enter the namespaces, root and working directory.
	 * May set pid1.  data is the caller's. */
	int (*enter)(struct cell_nsexec *x, struct cell_err *err);
	/* With pid1, in that PID 1 before it starts the command (a /proc of
	 * its own pid namespace, say); NULL: nothing. */
	int (*pid1_setup)(struct cell_nsexec *x, struct cell_err *err);
	void *data;
	bool pid1;

	bool userns;	/* enter joins a user namespace: capabilities to lock away */
	uint32_t uid, gid; /* the command's, inside */
	/* Supplementary groups: host ids taken while still on the host (root
	 * only; also "none"), and the ids inside set once inside. */
	uint32_t groups[CELL_NSEXEC_GROUPS_MAX], host_groups[CELL_NSEXEC_GROUPS_MAX];
	size_t n_groups, n_host_groups;
	uint64_t caps;	/* kept capabilities (0: none) */
	struct rlimit limits[RLIM_NLIMITS]; /* lowered to ours where we cannot raise */
	bool have_limit[RLIM_NLIMITS];
	char **env;	/* owned (cell_nsexec_env_set()) */
	char *const *argv; /* NULL or empty: $SHELL of env when absolute, else /bin/sh */
	char *shell[2];
	struct cell_seccomp_prog seccomp; /* owned; loaded last */
	bool pty;	/* a pseudo-terminal of the namespaces' own /dev/ptmx */
	char *const *cgroups; /* borrowed: joined on the host before the joiner forks */
};

void cell_nsexec_init(struct cell_nsexec *x);
void cell_nsexec_clear(struct cell_nsexec *x);

/* env: a NULL-terminated malloc'd list; set replaces an existing K. */
int cell_nsexec_env_set(char ***env, const char *kv);
/* With a terminal of its own (x->pty) the command gets the caller's TERM. */
int cell_nsexec_env_term(struct cell_nsexec *x);

/* The seccomp filter: rec's program (the one the sandbox's command
 * loaded), else rec's policy compiled, else policy ("default", "none" or
 * a file) when given; else none. */
int cell_nsexec_seccomp(struct cell_nsexec *x, const struct cell_state_record *rec,
			const char *policy, struct cell_err *err);

/* Join the namespaces in mask (fds in nsfd[]) one by one, in nsenter's two
 * passes: every one that can be joined now, then the user namespace, then
 * the rest.  A caller without privilege on the host joins the others only
 * once the user namespace has given it capabilities there; a privileged
 * caller joins first what needs its host privilege (a namespace owned by
 * the host's user namespace) and drops that privilege with the user
 * namespace last.  For enter hooks. */
int cell_nsexec_join_each(const int nsfd[CELL_NS_MAX], unsigned mask, struct cell_err *err);

/* The CLONE_NEW* flag of a namespace type. */
int cell_nsexec_ns_flag(enum cell_ns_type t);

/* Run the command inside and wait for it.  Returns its exit status (128+N
 * for signal N), or -errno with err filled and err->status the status to
 * use (125, 126 not executable, 127 not found).  The forwarded signals
 * stay blocked: the caller exits right after. */
int cell_nsexec_run(struct cell_nsexec *x, struct cell_err *err);

#endif
