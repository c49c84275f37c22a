/* exec.h - execve of the sandbox's command (see exec.c). */
#ifndef CELL_EXEC_H
#define CELL_EXEC_H

#include "err.h"

/* execvpe(3) with PATH taken from env, not from the caller.  Returns only on
 * failure, with err filled and err->status 127 (not found) or 126 (found but
 * not executable). */
void cell_exec_command(char *const *argv, char *const *env, struct cell_err *err);

/* The value of NAME in an environment array (NAME=VALUE strings), or NULL. */
const char *cell_env_get(char *const *env, const char *name);

/* Give every signal its default disposition, as a new process has it: the
 * command must not inherit what cell's caller ignored.  Only the signals
 * that are ignored or caught (SigIgn, SigCgt of /proc/self/status) need a
 * call, usually none; all of them when /proc cannot say.  Allocation-free:
 * runs between clone and execve.  glibc refuses its two internal signals,
 * which is fine. */
void cell_signals_default(void);

#endif
