/* doctor.c - `cell doctor [--json]`: what this host allows cell to do.
 *
 * The checks are in lib/doctor.c; this file prints them, as aligned lines
 * for people or one JSON document (jansson) for scripts.  Always exits 0
 * unless the command line is wrong: a limited host is a finding, not a
 * failure.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

#include "../lib/doctor.h"
#include "commands.h"

const char cell_cmd_doctor_help[] =
	"Usage: cell doctor [--json]\n"
	"\n"
	"Show what this host lets cell do: unprivileged user namespaces (and what\n"
	"restricts them), the cgroup version and the controllers delegated to you,\n"
	"the Landlock ABI, seccomp (and user notification), time namespaces,\n"
	"idmapped mounts, unprivileged overlay mounts, pasta/slirp4netns,\n"
	"newuidmap and subordinate ids, and whether /proc is masked (inside a\n"
	"container).  Each line: the value, ok or limited, and why.\n"
	"\n"
	"  --json      one JSON document: {\"uid\": N, \"kernel\": \"...\",\n"
	"              \"checks\": {\"userns\": {\"label\": ..., \"status\": \"ok\"|\"limited\",\n"
	"              \"value\": ..., \"why\": ...}, ...}}\n"
	"  -h, --help  this text\n";

static void print_json(const struct cell_doctor *d, const char *kernel)
{
	json_t *root = json_object(), *checks = json_object();

	for (int c = 0; c < CELL_DOCTOR_CHECK_MAX; c++) {
		const struct cell_doctor_item *it = &d->items[c];
		json_t *o = json_pack("{s:s,s:s,s:s,s:s}", "label",
				      cell_doctor_label((enum cell_doctor_check)c), "status",
				      cell_doctor_status_name(it->status), "value", it->value,
				      "why", it->why);

		if (c == CELL_DOCTOR_LANDLOCK)
			json_object_set_new(o, "abi", json_integer(d->landlock_abi));
		if (c == CELL_DOCTOR_CGROUP)
			json_object_set_new(o, "version", json_integer(d->cgroup_version));
		json_object_set_new(checks, cell_doctor_key((enum cell_doctor_check)c), o);
	}
	json_object_set_new(root, "uid", json_integer(d->uid));
	json_object_set_new(root, "kernel", json_string(kernel));
	json_object_set_new(root, "checks", checks);
	json_dumpf(root, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	putchar('\n');
	json_decref(root);
}

static void print_text(const struct cell_doctor *d, const char *kernel)
{
	int limited = 0;

	printf("cell doctor: Linux %s, uid %u\n\n", kernel, d->uid);
	for (int c = 0; c < CELL_DOCTOR_CHECK_MAX; c++) {
		const struct cell_doctor_item *it = &d->items[c];

		printf("%-22s %-8s %s\n%-31s %s\n", cell_doctor_label((enum cell_doctor_check)c),
		       cell_doctor_status_name(it->status), it->value, "", it->why);
		limited += it->status != CELL_DOCTOR_OK;
	}
	if (limited)
		printf("\n%d of %d checks limited: cell refuses the options that need them "
		       "(or drops them with --best-effort, and says so).\n",
		       limited, CELL_DOCTOR_CHECK_MAX);
	else
		printf("\nEverything cell uses is available.\n");
}

int cell_cmd_doctor(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cell_doctor d;
	struct utsname u;
	bool json = false;
	int opt;

	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			json = true;
			break;
		case 'h':
			fputs(cell_cmd_doctor_help, stdout);
			return 0;
		default:
			fprintf(stderr,
				"cell: doctor: unknown option %s (see cell doctor --help)\n",
				argv[optind - 1]);
			return 125;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "cell: doctor: unexpected argument '%s' (see cell doctor --help)\n",
			argv[optind]);
		return 125;
	}
	if (uname(&u) < 0)
		strcpy(u.release, "?");
	cell_doctor_run(&d);
	if (json)
		print_json(&d, u.release);
	else
		print_text(&d, u.release);
	fflush(stdout);
	return 0;
}
