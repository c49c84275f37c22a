/* main.c - the subcommand table, and the only place that prints errors. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "front/cli.h"
#include "front/commands.h"
#include "front/joincmd.h"
#include "front/nscmd.h"
#include "front/report.h"
#include "lib/cleanup.h"
#include "lib/launch.h"
#include "lib/state.h"

#ifndef CELL_VERSION
#define CELL_VERSION "0"
#endif

extern char **environ;

static const char main_help[] =
	"Usage: cell COMMAND [ARG...]\n"
	"\n"
	"cell runs programs cut off from the rest of the system, using Linux\n"
	"namespaces, with the most isolation by default.\n"
	"\n"
	"Commands:\n"
	"  run [OPTION...] [--] CMD [ARG...]  run CMD in a new sandbox\n"
	"  ns [--json] PID...                 show the namespaces of processes\n"
	"  ls [--json]                        list the named sandboxes (run --name)\n"
	"  enter NAME|--pid PID [--] [CMD...] run CMD inside a running sandbox\n"
	"  ps NAME | logs [-f] NAME           its processes | its output (--detach)\n"
	"  stop NAME...|--all | rm NAME...    stop sandboxes | remove their records\n"
	"  gc                                 clean up after killed cells\n"
	"  root build|debootstrap|diff ...    make and inspect root trees\n"
	"  unit NAME [RUN OPTION...] -- CMD   print a systemd service running CMD\n"
	"  net add|del|ls|exec|link|unlink|gc named network namespaces and links\n"
	"  doctor [--json]                    what this host allows\n"
	"  profile show NAME|FILE             the options a profile sets\n"
	"  oci COMMAND ...                    the OCI runtime (also as cell-oci)\n"
	"  help [COMMAND]                     help on a command\n"
	"\n"
	"  -h, --help      this text\n"
	"  -V, --version   print the version\n"
	"\n"
	"Exit status: 125 when cell itself fails (bad input, or the sandbox could\n"
	"not be set up); otherwise see cell run --help.\n"
	"See cell COMMAND --help and the cell(1) manual page.\n";

static int report(int r, const struct cell_err *err)
{
	char buf[CELL_ERR_MSG_MAX + 128];

	if (err->msg[0])
		fprintf(stderr, "cell: %s\n", cell_err_format(err, buf, sizeof(buf)));
	else
		fprintf(stderr, "cell: %s\n", strerror(-r));
	return err->status ? err->status : CELL_EXIT_SETUP;
}

static void notice(const char *msg)
{
	fprintf(stderr, "cell: note: %s\n", msg);
}

static struct cell_report run_report;

/* --name: the supervisor's side of a named sandbox (lib/state.h). */
struct named {
	struct cell_state_run run;
	const char *name;
	unsigned keep;
};

static int named_started(pid_t init, const char *const *cgroups, void *arg,
			 struct cell_err *err)
{
	struct named *n = arg;
	int r = cell_state_run_started(&n->run, init, cgroups, n->keep, err);

	return r < 0 ? cell_err_prefix(err, "--name %s", n->name) : 0;
}

/* Records of named sandboxes whose cell was killed: cheap (without a state
 * directory, one failed open), and never in the way of the run. */
static void quick_gc(void)
{
	struct cell_err ignored = { 0 };
	struct cell_state st;

	if (cell_state_open(&st, false, &ignored) == 0) {
		(void)cell_state_gc(&st, NULL, &ignored);
		cell_state_close(&st);
	}
}

static int cmd_run(int argc, char **argv)
{
	struct named named = { 0 };
	_cleanup_(cell_spec_freep) struct cell_spec *spec = NULL;
	struct cell_err err = { 0 };
	struct cell_plan plan = { 0 };
	char cwd[4096];
	int r, mode;

	/* --join NAME: a command in a named sandbox's kept namespaces */
	if (cell_cli_run_joins(argc, argv))
		return cell_cmd_run_join(argc, argv);
	if (!getcwd(cwd, sizeof(cwd)))
		strcpy(cwd, "/");
	mode = cell_cli_parse_run(argc, argv, environ, cwd, &spec, &err);
	if (mode < 0)
		return report(mode, &err);
	if (mode == CELL_CLI_HELP) {
		fputs(cell_cli_run_help, stdout);
		return 0;
	}
	r = cell_plan_make(spec, &plan, &err);
	if (r < 0) {
		cell_plan_clear(&plan);
		if (spec->report && mode == CELL_CLI_RUN) {
			struct cell_err werr = { 0 };

			run_report.exit_status = err.status ? err.status : CELL_EXIT_SETUP;
			if (cell_report_write(spec, &run_report, &err, &werr) < 0)
				(void)report(-EIO, &werr);
		}
		return report(r, &err);
	}
	if (mode == CELL_CLI_PRINT_SPEC) {
		cell_plan_print(&plan, stdout);
		cell_plan_clear(&plan);
		return 0;
	}
	fflush(stdout);
	if (spec->name) {
		/* claim the name, record the sandbox; --detach forks here */
		struct cell_seccomp_prog bpf = { 0 };

		named.name = spec->name;
		named.keep = spec->keep_ns;
		/* the record keeps the program, so cell enter loads the same one */
		r = cell_plan_compile_seccomp(&plan, &bpf, &err);
		if (r == 0)
			r = cell_state_run_begin(&named.run, spec->name, spec->detach, spec,
						 &plan.ids, &bpf, &err);
		cell_seccomp_prog_free(&bpf);
		if (r != 0) {
			cell_plan_clear(&plan);
			if (r > 0) {
				/* the detached sandbox runs */
				printf("%s\n", spec->name);
				return 0;
			}
			cell_err_prefix(&err, "--name %s", spec->name);
			return report(r, &err);
		}
		cell_launch_set_started(named_started, &named);
	} else {
		cell_launch_set_idle(quick_gc);
	}
	cell_launch_set_notice(notice);
	if (spec->report)
		cell_launch_set_report(&run_report);
	r = cell_launch(&plan, &err);
	cell_plan_clear(&plan);
	if (spec->name) {
		struct cell_err werr = { 0 };
		int status = r >= 0 ? r : err.status ? err.status : CELL_EXIT_SETUP;

		/* the exit status stays in the record until cell rm; a start that
		 * failed frees the name (and tells a detached foreground why) */
		if (cell_state_run_end(&named.run, status, r < 0 ? &err : NULL, &werr) < 0 && r >= 0)
			(void)report(-EIO, &werr);
	}
	if (spec->report) {
		struct cell_err werr = { 0 };

		/* a run without its report is a failed run for whoever asked */
		if (cell_report_write(spec, &run_report, r < 0 ? &err : NULL, &werr) < 0) {
			if (r < 0)
				(void)report(r, &err);
			return report(-EIO, &werr);
		}
	}
	if (r < 0)
		return report(r, &err);
	return r;
}

static int cmd_ns(int argc, char **argv)
{
	struct cell_err err = { 0 };
	int r = cell_ns_main(argc, argv, &err);

	return r < 0 ? report(r, &err) : 0;
}

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
} commands[] = {
	{ "run", cmd_run, cell_cli_run_help },
	{ "ns", cmd_ns, cell_ns_help },
	/* Subcommands whose front ends live in their own files (commands.h). */
	CELL_EXTRA_COMMANDS
};

int main(int argc, char **argv)
{
	/* argv strings are contiguous; init hides them from the sandbox. */
	cell_launch_set_cmdline_area(argv[0], (size_t)(argv[argc - 1] + strlen(argv[argc - 1]) -
						       argv[0]));
	/* installed as a link named cell-oci: the OCI runtime's command line */
	{
		const char *base = strrchr(argv[0], '/');

		if (strcmp(base ? base + 1 : argv[0], "cell-oci") == 0)
			return cell_cmd_oci(argc, argv);
	}
	if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		fputs(main_help, argc < 2 ? stderr : stdout);
		return argc < 2 ? CELL_EXIT_SETUP : 0;
	}
	if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0) {
		printf("cell %s\n", CELL_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "help") == 0) {
		if (argc < 3) {
			fputs(main_help, stdout);
			return 0;
		}
		for (size_t i = 0; i < ELEMENTSOF(commands); i++)
			if (strcmp(argv[2], commands[i].name) == 0) {
				fputs(commands[i].help, stdout);
				return 0;
			}
		fprintf(stderr, "cell: help: unknown command '%s'\n", argv[2]);
		return CELL_EXIT_SETUP;
	}
	for (size_t i = 0; i < ELEMENTSOF(commands); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "cell: unknown command '%s' (see cell --help)\n", argv[1]);
	return CELL_EXIT_SETUP;
}
