/* exec.c - run the sandbox's command: execvpe(3) with the PATH of the
 * sandbox's environment (glibc's execvpe looks at the caller's) and the
 * exit statuses of POSIX shells, and the command's signal dispositions.
 * Allocation-free; used by init.c (cell run), nsexec.c (cell enter, --join)
 * and ocirun.c (cell oci). */
#define _GNU_SOURCE
#include "exec.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "procinfo.h"

/* The hex mask after "\nFIELD:\t" in a /proc/PID/status text; false when
 * it is not there. */
static bool status_mask(const char *text, const char *field, uint64_t *ret)
{
	const char *p = strstr(text, field);
	char *end;

	if (!p)
		return false;
	*ret = strtoull(p + strlen(field), &end, 16);
	return end != p + strlen(field);
}

void cell_signals_default(void)
{
	char buf[4096];
	uint64_t ign = 0, cgt = 0, set = UINT64_MAX;

	if (cell_proc_read(0, "status", buf, sizeof(buf)) > 0 &&
	    status_mask(buf, "\nSigIgn:\t", &ign) && status_mask(buf, "\nSigCgt:\t", &cgt))
		set = ign | cgt;
	for (int sig = 1; sig < NSIG && sig <= 64; sig++) {
		struct sigaction sa = { .sa_handler = SIG_DFL };

		if (sig != SIGKILL && sig != SIGSTOP && (set & (1ull << (sig - 1))))
			(void)sigaction(sig, &sa, NULL);
	}
}

const char *cell_env_get(char *const *env, const char *name)
{
	size_t len = strlen(name);

	for (; env && *env; env++)
		if (strncmp(*env, name, len) == 0 && (*env)[len] == '=')
			return *env + len + 1;
	return NULL;
}

/* execvpe(3) with the PATH of the sandbox's environment, and the shells'
 * statuses: 127 not found, 126 found but not executable. */
void cell_exec_command(char *const *argv, char *const *env, struct cell_err *err)
{
	const char *file = argv[0], *path = cell_env_get(env, "PATH");
	bool denied = false;
	int last = ENOENT;
	char buf[4096];

	if (strchr(file, '/')) {
		execve(file, argv, env);
		last = errno;
		err->status = (last == ENOENT || last == ENOTDIR) ? CELL_EXIT_NOT_FOUND
								     : CELL_EXIT_CANNOT_EXEC;
		cell_fail(err, last, "%s", file);
		return;
	}
	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (const char *d = path;; d++) {
		const char *end = strchrnul(d, ':');
		size_t dlen = (size_t)(end - d);

		if (dlen + strlen(file) + 3 <= sizeof(buf)) {
			snprintf(buf, sizeof(buf), "%.*s/%s", dlen ? (int)dlen : 1, dlen ? d : ".",
				 file);
			execve(buf, argv, env);
			if (errno == EACCES)
				denied = true;
			else if (errno != ENOENT && errno != ENOTDIR)
				last = errno;
		}
		if (!*end)
			break;
		d = end;
	}
	if (denied || last != ENOENT) {
		err->status = CELL_EXIT_CANNOT_EXEC;
		cell_fail(err, denied ? EACCES : last, "%s", file);
	} else {
		err->status = CELL_EXIT_NOT_FOUND;
		cell_fail(err, 0, "%s: command not found", file);
	}
}
