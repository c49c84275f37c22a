/* err.h - the error contract of libcell.
 *
 * Library functions return 0 (or more) on success and -errno on failure, and
 * describe the failure in a struct cell_err: an errno plus a fixed-size
 * message.  The struct needs no allocation, so the code that runs between
 * clone and execve can fill it and send it to the parent over the sync
 * socket as plain bytes.  Fill it once, where the detail is known; callers
 * may add a prefix but never overwrite it.
 */
#ifndef CELL_ERR_H
#define CELL_ERR_H

#include <stdbool.h>

#define CELL_ERR_MSG_MAX 480

struct cell_err {
	int errnum;		       /* positive errno, 0 when the message says all */
	int status;		       /* exit status cell should use (125 by default) */
	char msg[CELL_ERR_MSG_MAX];
};

/* Exit statuses, as DESIGN.md and other container tools define them. */
enum {
	CELL_EXIT_SETUP = 125,	   /* cell could not set up the sandbox */
	CELL_EXIT_CANNOT_EXEC = 126, /* command found but not executable */
	CELL_EXIT_NOT_FOUND = 127,   /* command not found */
};

/* Fill err with errnum and a formatted message; returns -errnum (or -EINVAL
 * when errnum is 0) so callers can write `return cell_fail(err, errno, ...)`. */
int cell_fail(struct cell_err *err, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Prefix the message already in err with more context ("--bind /x: ..."). */
int cell_err_prefix(struct cell_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Render "msg: strerror" into buf (the one line cell prints). */
const char *cell_err_format(const struct cell_err *err, char *buf, unsigned len);

/* True for errno values that mean "this kernel or host does not support it". */
bool cell_errno_unsupported(int errnum);

#endif
