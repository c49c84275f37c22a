/* nscmd.c - `cell ns PID...`: a process's namespaces, marked where they differ
 * from the caller's.  Text for people, --json (jansson) for scripts. */
#define _GNU_SOURCE
#include "nscmd.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "../lib/nsinfo.h"
#include "../lib/util.h"

const char cell_ns_help[] =
	"Usage: cell ns [--json] PID...\n"
	"\n"
	"Show the namespaces of each PID with their inode numbers (as in\n"
	"ls -l /proc/PID/ns), marking those that differ from cell's own.\n"
	"\n"
	"  --json      one JSON document: [{\"pid\": N, \"namespaces\": {\"net\":\n"
	"              {\"inode\": N, \"isolated\": true}, ...}}, ...]\n"
	"  -h, --help  this text\n";

int cell_ns_main(int argc, char **argv, struct cell_err *err)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cell_nsinfo self, info[64];
	int pids[64], npids = 0, opt, r, failed = 0;
	bool ok[64];
	bool json = false;

	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			json = true;
			break;
		case 'h':
			fputs(cell_ns_help, stdout);
			return 0;
		default:
			return cell_fail(err, 0, "ns: unknown option %s (see cell ns --help)",
					 argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return cell_fail(err, 0, "ns: no PID given (try: cell ns $$)");
	if (argc - optind > 64)
		return cell_fail(err, 0, "ns: at most 64 PIDs at once");
	for (int i = optind; i < argc; i++) {
		if (cell_parse_int(argv[i], &pids[npids]) < 0 || pids[npids] == 0)
			return cell_fail(err, 0, "ns: '%s' is not a process id", argv[i]);
		npids++;
	}
	r = cell_nsinfo_read(0, &self, err);
	if (r < 0)
		return r;
	/* Show every process that can be read; the first failure is reported
	 * (and sets the exit status) after the listing. */
	for (int i = 0; i < npids; i++) {
		struct cell_err e = { 0 };

		ok[i] = cell_nsinfo_read(pids[i], &info[i], &e) >= 0;
		if (!ok[i] && failed == 0) {
			*err = e;
			failed = -(e.errnum > 0 ? e.errnum : EINVAL);
		}
	}

	if (json) {
		json_t *arr = json_array();

		for (int i = 0; i < npids; i++) {
			json_t *o, *ns;

			if (!ok[i])
				continue;
			o = json_object();
			ns = json_object();

			for (int t = 0; t < CELL_NS_MAX; t++) {
				if (!info[i].present[t])
					continue;
				json_object_set_new(
					ns, cell_ns_name(t),
					json_pack("{s:I,s:b}", "inode", (json_int_t)info[i].inode[t],
						  "isolated", info[i].inode[t] != self.inode[t]));
			}
			json_object_set_new(o, "pid", json_integer(pids[i]));
			json_object_set_new(o, "namespaces", ns);
			json_array_append_new(arr, o);
		}
		json_dumpf(arr, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
		json_decref(arr);
		return failed ? cell_err_prefix(err, "ns") : 0;
	}
	for (int i = 0; i < npids; i++)
		if (ok[i]) {
			printf("%-8s %-7s %-12s %s\n", "PID", "TYPE", "INODE", "ISOLATED");
			break;
		}
	for (int i = 0; i < npids; i++)
		for (int t = 0; t < CELL_NS_MAX && ok[i]; t++) {
			if (!info[i].present[t])
				continue;
			printf("%-8d %-7s %-12llu %s\n", pids[i], cell_ns_name(t),
			       (unsigned long long)info[i].inode[t],
			       info[i].inode[t] != self.inode[t] ? "yes" : "no");
		}
	return failed ? cell_err_prefix(err, "ns") : 0;
}
