/* report.h - `cell run --report FILE|-`: the JSON account of a run. */
#ifndef CELL_FRONT_REPORT_H
#define CELL_FRONT_REPORT_H

#include "../lib/err.h"
#include "../lib/launch.h"
#include "../lib/spec.h"

/* The report as JSON text (malloc'd), or NULL on OOM.  setup_err: the
 * error that stopped cell, NULL when the command ran. */
char *cell_report_json(const struct cell_spec *s, const struct cell_report *rep,
		       const struct cell_err *setup_err);

/* Write it to s->report ("-": stderr).  Errors name the file. */
int cell_report_write(const struct cell_spec *s, const struct cell_report *rep,
		      const struct cell_err *setup_err, struct cell_err *err);

#endif
