/* exec.c - run the sandbox's command: execvpe(3) with the PATH of the
 * sandbox's environment (glibc's execvpe looks at the caller's) and the
 * exit statuses of POSIX shells.  Allocation-free; used by init.c (cell run)
 * and enter.c (cell enter). */
#define _GNU_SOURCE
#include "exec.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char *exec_env_get(char *const *env, const char *name)
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
	const char *file = argv[0], *path = exec_env_get(env, "PATH");
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
