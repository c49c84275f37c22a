/* exec.h - execve of the sandbox's command (see exec.c). */
#ifndef CELL_EXEC_H
#define CELL_EXEC_H

#include "err.h"

/* execvpe(3) with PATH taken from env, not from the caller.  Returns only on
 * failure, with err filled and err->status 127 (not found) or 126 (found but
 * not executable). */
void cell_exec_command(char *const *argv, char *const *env, struct cell_err *err);

#endif
