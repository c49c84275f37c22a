/* err.c - struct cell_err helpers.  Async-signal-safe enough for the child:
 * vsnprintf into a fixed buffer, no allocation. */
#define _GNU_SOURCE
#include "err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int cell_fail(struct cell_err *err, int errnum, const char *fmt, ...)
{
	if (err) {
		va_list ap;

		err->errnum = errnum;
		if (!err->status)
			err->status = CELL_EXIT_SETUP;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return errnum > 0 ? -errnum : -EINVAL;
}

int cell_err_prefix(struct cell_err *err, const char *fmt, ...)
{
	char prefix[CELL_ERR_MSG_MAX], old[CELL_ERR_MSG_MAX];
	va_list ap;

	if (!err)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	/* Truncation is acceptable: the message is for people. */
	{
		size_t plen = strnlen(prefix, sizeof(err->msg) - 1);

		memcpy(err->msg, prefix, plen);
		err->msg[plen] = '\0';
		strncat(err->msg, ": ", sizeof(err->msg) - 1 - plen);
		strncat(err->msg, old, sizeof(err->msg) - 1 - strlen(err->msg));
	}
	return err->errnum > 0 ? -err->errnum : -EINVAL;
}

const char *cell_err_format(const struct cell_err *err, char *buf, unsigned len)
{
	if (err->errnum > 0)
		snprintf(buf, len, "%s: %s", err->msg, strerror(err->errnum));
	else
		snprintf(buf, len, "%s", err->msg);
	return buf;
}

bool cell_errno_unsupported(int errnum)
{
	return errnum == ENOSYS || errnum == EOPNOTSUPP || errnum == EINVAL;
}
