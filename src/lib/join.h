/* join.h - `cell run --join NAME`: a new command in the namespaces that the
 * named sandbox NAME kept (`cell run --name NAME --keep LIST`), with its
 * identity and restrictions, whether the sandbox still runs or has ended.
 *
 * What the command gets, namespace by namespace:
 *   kept           joined (setns(2) on NAME.ns/TYPE, in nsenter's order);
 *   not its own    the caller's, as the sandbox shared its caller's;
 *   pid            cannot be kept (a pid namespace ends with its init).
 *                  While the sandbox's init runs, its pid namespace is
 *                  joined (the command sees the sandbox's processes);
 *                  once it has ended, the command gets a new one with a
 *                  PID 1 of cell's, and, the kept mount namespace's /proc
 *                  being the dead namespace's, a private copy of the kept
 *                  mount namespace (mounts slaved to it) with a /proc of
 *                  its own that carries the same masked and read-only
 *                  paths.  Files are shared with the kept namespace; new
 *                  mounts are not.  The kept namespace is left as it was;
 *   user, mnt      must have been kept when the sandbox had its own: the
 *                  command's ids and capabilities mean nothing outside its
 *                  user namespace, and outside its mount namespace it would
 *                  see the host's files;
 *   net, ipc, uts, cgroup, time
 *                  made anew when the sandbox had its own and did not keep
 *                  it, owned by its user namespace: a network namespace
 *                  with lo up and nothing else, the sandbox's host name.
 *   A network namespace the sandbox joined (--net NAME) must be kept.
 *
 * Identity and restrictions come from the record, as `cell enter` takes
 * them: the command's uid and gid inside, no supplementary groups, the
 * capabilities it kept (none by default), no_new_privs, its resource
 * limits (never raised), the seccomp program it loaded, and its cgroups
 * while they exist; a sandbox whose cgroups ended with it is refused, as
 * is one under Landlock.  The root is the kept mount namespace's (setns(2)
 * gives it; a --chroot sandbox's directory is chrooted into again); the
 * working directory is --workdir, else the sandbox's, else the caller's
 * when the sandbox has it, else /.
 */
#ifndef CELL_JOIN_H
#define CELL_JOIN_H

#include "err.h"
#include "spec.h"
#include "state.h"

struct cell_join {
	struct cell_state *st;		     /* the state directory, open */
	const struct cell_state_record *rec; /* NAME's record */
	char *const *argv;		     /* NULL or empty: its $SHELL, else /bin/sh */
	char *const *env;		     /* K=V over the record's environment */
	const char *workdir;		     /* --workdir, or NULL */
	enum cell_pty_mode pty;		     /* AUTO: a pty when stdin is a terminal */
};

/* Run the command and wait for it.  Returns its exit status (128+N for
 * signal N), or -errno with err filled and err->status the status to use
 * (125, 126 not executable, 127 not found).  Refusals (nothing kept,
 * another user's sandbox, a user or mount namespace not kept, a kept file
 * that is no namespace any more) are one message. */
int cell_join(const struct cell_join *j, struct cell_err *err);

#endif
