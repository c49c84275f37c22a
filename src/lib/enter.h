/* enter.h - a new process inside a running sandbox (`cell enter`), like
 * nsenter(1) -t PID -a, with the sandbox's identity and restrictions.
 *
 * The entering process gets all of the target's namespaces, its root and
 * working directory, and never more than the target has: the target's
 * uid, gid and groups (as ids inside its user namespace), the target's
 * resource limits (lowered to ours where we cannot raise them), no
 * capabilities (a named sandbox's command's kept ones), no_new_privs, and
 * the record's seccomp filter and cgroups.  A target that runs under a
 * seccomp filter cell cannot reproduce, or under Landlock, is refused.
 */
#ifndef CELL_ENTER_H
#define CELL_ENTER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"
#include "spec.h"
#include "state.h"

struct cell_enter {
	pid_t pid;		 /* the process whose namespaces, root and cwd to take */
	uint64_t start_time;	 /* its /proc/PID/stat start time; 0: not checked */
	/* The named sandbox the target belongs to, or NULL.  by_name: entered
	 * by its name, so its command's environment and kept capabilities
	 * apply; otherwise (--pid) the target's environment and none. */
	const struct cell_state_record *rec;
	bool by_name;
	const char *seccomp;	 /* --seccomp: "default" or a policy file, when no
				  * record says what the target runs under */
	char *const *argv;	 /* NULL or empty: the sandbox's $SHELL, else /bin/sh */
	enum cell_pty_mode pty;	 /* AUTO: a pty when stdin is a terminal */
};

/* The process to enter for a running named sandbox: its command (init's
 * first child; init itself with --no-init).  init is never the target: it
 * may have more privileges than the command (other ids), and unprivileged
 * callers cannot open a non-dumpable process's /proc files. */
int cell_enter_target(const struct cell_state_record *rec, pid_t *ret_pid,
		      uint64_t *ret_start, struct cell_err *err);

/* Run the command inside and wait for it.  Returns its exit status (128+N
 * for signal N), or -errno with err filled and err->status the status to
 * use (125, 126 not executable, 127 not found). */
int cell_enter(const struct cell_enter *e, struct cell_err *err);

#endif
