/* unitfile.h - systemd service units that run a command under `cell run`.
 *
 * systemd.syntax(7) "Quoting", systemd.service(5) "Command lines",
 * systemd.unit(5) "Specifiers", systemd.kill(5).  Pure: strings in,
 * strings out; the front end (front/unitcmd.c) validates the cell run
 * options and writes the file.
 */
#ifndef CELL_UNITFILE_H
#define CELL_UNITFILE_H

#include <stdbool.h>

#include "err.h"

/* NAME or NAME.service, as systemd accepts it (letters, digits, ":-_.\",
 * one "@" for templates, at most 255 bytes with the suffix).  Returns 0 and
 * "NAME.service" in *ret, or -EINVAL with err naming the problem. */
int cell_unit_name(const char *name, char **ret, struct cell_err *err);

/* One argument of ExecStart= so that systemd hands the program exactly arg:
 * "%" as "%%" (specifiers), "$" as "$$" (environment substitution), double
 * quotes with C escapes around anything but plain characters, a lone ";"
 * as "\;".  -EINVAL for bytes systemd cannot carry (invalid UTF-8). */
int cell_unit_quote(const char *arg, char **ret, struct cell_err *err);

struct cell_unit {
	const char *description;  /* free text ("%" is escaped here) */
	char *const *exec;	  /* argv of ExecStart=, exec[0] an absolute path */
	const char *wanted_by;	  /* "multi-user.target" or "default.target" */
	const char *generated_by; /* a comment line, or NULL */
};

/* The unit file's text. */
int cell_unit_render(const struct cell_unit *u, char **ret, struct cell_err *err);

#endif
