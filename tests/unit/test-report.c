/* test-report.c - the JSON of `cell run --report` (front/report.c) from
 * hand-made struct cell_report values. */
#define _GNU_SOURCE
#include <errno.h>
#include <jansson.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "front/report.h"

static json_t *render(const struct cell_spec *s, const struct cell_report *rep,
		      const struct cell_err *e)
{
	char *text = cell_report_json(s, rep, e);
	json_error_t jerr;
	json_t *o;

	assert_non_null(text);
	o = json_loads(text, 0, &jerr);
	free(text);
	assert_non_null(o);
	return o;
}

static void test_exit(void **state)
{
	struct cell_spec *s = cell_spec_new();
	struct cell_report rep = { .started = true, .have_status = true, .status = 3 << 8,
				   .exit_status = 3, .wall_usec = 1500000, .user_usec = 250000 };
	json_t *o;

	(void)state;
	o = render(s, &rep, NULL);
	assert_int_equal(json_integer_value(json_object_get(o, "status")), 3);
	assert_int_equal(json_integer_value(json_object_get(o, "exit_code")), 3);
	assert_true(json_is_null(json_object_get(o, "signal")));
	assert_true(json_is_null(json_object_get(o, "killed_by")));
	assert_true(json_is_null(json_object_get(o, "cgroup")));
	assert_true(json_is_null(json_object_get(o, "peak_memory_bytes")));
	assert_int_equal(json_array_size(json_object_get(o, "limits_hit")), 0);
	assert_true(json_real_value(json_object_get(o, "wall_time_s")) == 1.5);
	assert_true(json_real_value(json_object_get(o, "cpu_user_s")) == 0.25);
	assert_int_equal(json_object_size(json_object_get(o, "limits")), 0);
	assert_null(json_object_get(o, "error"));
	json_decref(o);
	cell_spec_free(s);
}

static void test_oom(void **state)
{
	struct cell_spec *s = cell_spec_new();
	struct cell_report rep = {
		.started = true,
		.have_status = true,
		.status = SIGKILL,
		.exit_status = 137,
		.killed_by = "memory",
		.hit = CELL_REPORT_HIT_MEMORY | CELL_REPORT_HIT_PIDS,
		.peak_memory = 64 << 20,
		.peak_source = "cgroup",
		.cgroup_version = 1,
		.stats = { .have = CELL_CGROUP_STAT_MEMORY_EVENTS | CELL_CGROUP_STAT_MEMORY_PEAK,
			   .oom_kills = 1, .memory_peak = 64 << 20 },
		.dropped = CELL_CGROUP_LIMIT_CPU,
	};
	json_t *o, *cg, *limits;

	(void)state;
	s->cgroup.memory = 64 << 20;
	s->cgroup.cpu_milli = 500;
	s->time_limit_ms = 1500;
	o = render(s, &rep, NULL);
	assert_string_equal(json_string_value(json_object_get(o, "signal")), "SIGKILL");
	assert_true(json_is_null(json_object_get(o, "exit_code")));
	assert_string_equal(json_string_value(json_object_get(o, "killed_by")), "memory");
	assert_int_equal(json_array_size(json_object_get(o, "limits_hit")), 2);
	assert_string_equal(json_string_value(json_array_get(json_object_get(o, "limits_hit"), 1)),
			    "pids");
	assert_string_equal(json_string_value(json_array_get(json_object_get(o, "dropped"), 0)),
			    "--cpus");
	cg = json_object_get(o, "cgroup");
	assert_int_equal(json_integer_value(json_object_get(cg, "version")), 1);
	assert_int_equal(json_integer_value(json_object_get(cg, "oom_kills")), 1);
	assert_true(json_is_null(json_object_get(cg, "pids_max_events")));
	limits = json_object_get(o, "limits");
	assert_int_equal(json_integer_value(json_object_get(limits, "memory")), 64 << 20);
	assert_true(json_real_value(json_object_get(limits, "cpus")) == 0.5);
	assert_true(json_real_value(json_object_get(limits, "time_limit_s")) == 1.5);
	assert_string_equal(json_string_value(json_object_get(o, "peak_memory_source")), "cgroup");
	json_decref(o);
	cell_spec_free(s);
}

static void test_setup_error(void **state)
{
	struct cell_spec *s = cell_spec_new();
	struct cell_report rep = { .exit_status = 125, .dropped = CELL_CGROUP_LIMIT_NONE };
	struct cell_err e = { 0 };
	json_t *o;

	(void)state;
	cell_fail(&e, EACCES, "--memory: not delegated");
	o = render(s, &rep, &e);
	assert_int_equal(json_integer_value(json_object_get(o, "status")), 125);
	assert_true(json_is_null(json_object_get(o, "exit_code")));
	assert_string_equal(json_string_value(json_array_get(json_object_get(o, "dropped"), 0)),
			    "cgroup");
	assert_non_null(strstr(json_string_value(json_object_get(o, "error")), "not delegated"));
	json_decref(o);
	cell_spec_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exit),
		cmocka_unit_test(test_oom),
		cmocka_unit_test(test_setup_error),
	};

	return cmocka_run_group_tests_name("report", tests, NULL, NULL);
}
