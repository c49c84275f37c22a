/* report.c - `cell run --report FILE|-`: what became of a run, as JSON.
 *
 * The engine fills a struct cell_report (launch.h) with plain numbers; this
 * front end only turns them into JSON (jansson) and writes the file.  The
 * keys, all present in every report (null when unknown):
 *
 *   status        cell's own exit status (the command's, 128+N, or 125..127)
 *   exit_code     the command's exit code, or null when a signal ended it
 *   signal        the signal's name ("SIGKILL") or null
 *   killed_by     "memory", "pids", "cpu", "wall" or null: the limit that
 *                 ended the run
 *   limits_hit    the limits that were reached, whether or not they ended it
 *   wall_time_s, cpu_user_s, cpu_system_s
 *   peak_memory_bytes, peak_memory_source ("cgroup": the whole sandbox;
 *                 "rusage": its largest process)
 *   limits        what was asked for (only the limits given)
 *   dropped       limits not enforced (--best-effort), as option names
 *   cgroup        null, or the counts the cgroup kept: version, memory_peak,
 *                 memory_max_events, oom_kills, pids_max_events, pids_peak,
 *                 cpu_usage_us
 *   error         why cell could not run the command, when it could not
 */
#define _GNU_SOURCE
#include "report.h"

#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "../lib/cleanup.h"

static json_t *seconds(uint64_t usec)
{
	return json_real((double)usec / 1e6);
}

static json_t *count(const struct cell_cgroup_stats *st, unsigned bit, uint64_t v)
{
	return (st->have & bit) ? json_integer((json_int_t)v) : json_null();
}

static json_t *limits_json(const struct cell_spec *s)
{
	const struct cell_cgroup_limits *l = &s->cgroup;
	json_t *o = json_object();

	if (l->memory)
		json_object_set_new(o, "memory", json_integer((json_int_t)l->memory));
	if (l->memory_swap)
		json_object_set_new(o, "memory_swap", json_integer((json_int_t)l->memory_swap));
	if (l->pids)
		json_object_set_new(o, "pids", json_integer((json_int_t)l->pids));
	if (l->cpu_milli)
		json_object_set_new(o, "cpus", json_real(l->cpu_milli / 1000.0));
	if (l->cpuset[0])
		json_object_set_new(o, "cpuset", json_string(l->cpuset));
	if (l->io_weight)
		json_object_set_new(o, "io_weight", json_integer(l->io_weight));
	if (s->time_limit_ms)
		json_object_set_new(o, "time_limit_s", json_real(s->time_limit_ms / 1000.0));
	if (s->wall_limit_ms)
		json_object_set_new(o, "wall_limit_s", json_real(s->wall_limit_ms / 1000.0));
	return o;
}

char *cell_report_json(const struct cell_spec *s, const struct cell_report *rep,
		       const struct cell_err *setup_err)
{
	static const struct {
		unsigned bit;
		const char *name;
	} hits[] = {
		{ CELL_REPORT_HIT_MEMORY, "memory" },
		{ CELL_REPORT_HIT_PIDS, "pids" },
		{ CELL_REPORT_HIT_CPU, "cpu" },
		{ CELL_REPORT_HIT_WALL, "wall" },
	};
	json_t *o = json_object(), *hit = json_array(), *dropped = json_array(), *cg;
	const struct cell_cgroup_stats *st = &rep->stats;
	bool ran = rep->started && !setup_err;
	char *text;

	if (!o || !hit || !dropped) {
		json_decref(o);
		json_decref(hit);
		json_decref(dropped);
		return NULL;
	}
	json_object_set_new(o, "status", json_integer(rep->exit_status));
	if (ran && WIFEXITED(rep->status)) {
		json_object_set_new(o, "exit_code", json_integer(WEXITSTATUS(rep->status)));
		json_object_set_new(o, "signal", json_null());
	} else if (ran && WIFSIGNALED(rep->status)) {
		const char *name = sigabbrev_np(WTERMSIG(rep->status));
		char buf[32];

		snprintf(buf, sizeof(buf), "SIG%s", name ? name : "?");
		json_object_set_new(o, "exit_code", json_null());
		json_object_set_new(o, "signal", json_string(buf));
	} else {
		json_object_set_new(o, "exit_code", json_null());
		json_object_set_new(o, "signal", json_null());
	}
	json_object_set_new(o, "killed_by",
			    rep->killed_by ? json_string(rep->killed_by) : json_null());
	for (size_t i = 0; i < sizeof(hits) / sizeof(hits[0]); i++)
		if (rep->hit & hits[i].bit)
			json_array_append_new(hit, json_string(hits[i].name));
	json_object_set_new(o, "limits_hit", hit);
	json_object_set_new(o, "wall_time_s", seconds(rep->wall_usec));
	json_object_set_new(o, "cpu_user_s", seconds(rep->user_usec));
	json_object_set_new(o, "cpu_system_s", seconds(rep->sys_usec));
	json_object_set_new(o, "peak_memory_bytes", rep->peak_memory
							    ? json_integer((json_int_t)rep->peak_memory)
							    : json_null());
	json_object_set_new(o, "peak_memory_source",
			    rep->peak_memory && rep->peak_source ? json_string(rep->peak_source)
								 : json_null());
	json_object_set_new(o, "limits", limits_json(s));
	for (unsigned bit = 1; bit <= CELL_CGROUP_LIMIT_NONE; bit <<= 1)
		if (rep->dropped & bit)
			json_array_append_new(dropped,
					      json_string(bit == CELL_CGROUP_LIMIT_NONE
								  ? "cgroup"
								  : cell_cgroup_limit_option(bit)));
	json_object_set_new(o, "dropped", dropped);
	if (rep->cgroup_version) {
		cg = json_object();
		json_object_set_new(cg, "version", json_integer(rep->cgroup_version));
		json_object_set_new(cg, "memory_peak",
				    count(st, CELL_CGROUP_STAT_MEMORY_PEAK, st->memory_peak));
		json_object_set_new(cg, "memory_max_events",
				    count(st, CELL_CGROUP_STAT_MEMORY_EVENTS, st->memory_max_events));
		json_object_set_new(cg, "oom_kills",
				    count(st, CELL_CGROUP_STAT_MEMORY_EVENTS, st->oom_kills));
		json_object_set_new(cg, "pids_max_events",
				    count(st, CELL_CGROUP_STAT_PIDS_EVENTS, st->pids_max_events));
		json_object_set_new(cg, "pids_peak",
				    count(st, CELL_CGROUP_STAT_PIDS_PEAK, st->pids_peak));
		json_object_set_new(cg, "cpu_usage_us",
				    count(st, CELL_CGROUP_STAT_CPU, st->cpu_usage_usec));
		json_object_set_new(o, "cgroup", cg);
	} else {
		json_object_set_new(o, "cgroup", json_null());
	}
	if (setup_err) {
		char buf[CELL_ERR_MSG_MAX + 128];

		json_object_set_new(o, "error",
				    json_string(cell_err_format(setup_err, buf, sizeof(buf))));
	}
	text = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(o);
	return text;
}

int cell_report_write(const struct cell_spec *s, const struct cell_report *rep,
		      const struct cell_err *setup_err, struct cell_err *err)
{
	_cleanup_free_ char *text = cell_report_json(s, rep, setup_err);
	FILE *f;
	bool to_stderr = strcmp(s->report, "-") == 0;

	if (!text)
		return cell_fail(err, ENOMEM, "--report");
	f = to_stderr ? stderr : fopen(s->report, "we");
	if (!f)
		return cell_fail(err, errno, "--report %s", s->report);
	fprintf(f, "%s\n", text);
	if (to_stderr)
		return fflush(f) == 0 ? 0 : cell_fail(err, errno, "--report -");
	if (fclose(f) != 0)
		return cell_fail(err, errno, "--report %s", s->report);
	return 0;
}
