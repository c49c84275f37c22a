/* state-helper.c - make named-sandbox records through the state API, for
 * the integration tests and the benchmark (not installed).
 *
 * Until `cell run --name` exists this plays its supervisor's part, the way
 * the launcher is meant to (state.h): claim the name, write the record,
 * hold the lock while the sandbox runs, record the exit status.
 *
 *   state-helper run [--detach] NAME -- CELL run OPTION... -- CMD...
 *       what `cell run --name NAME [--detach]` will do, through the same
 *       calls (cell_state_run_begin, _started, _end): claim NAME, record
 *       the sandbox made from those options, run `CELL run ...` as the
 *       sandbox (its first child is the init), record its exit status.
 *       --detach: print NAME once the sandbox runs and go on in the
 *       background, the output in NAME.log.
 *   state-helper dead NAME      a record whose supervisor died (kill -9)
 *   state-helper exited NAME N  a record of a sandbox that exited with N
 *   state-helper many N         N exited records bench-0000 ... (cell ls)
 *
 * Exit status 125 with one line "cell: ..." on failure, like cell.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "front/cli.h"
#include "lib/launch.h"
#include "lib/procinfo.h"
#include "lib/state.h"

extern char **environ;

static int fail(const struct cell_err *err)
{
	char buf[CELL_ERR_MSG_MAX + 128];

	fprintf(stderr, "cell: %s\n", cell_err_format(err, buf, sizeof(buf)));
	return 125;
}

static void fake_record(struct cell_state_record *r, const char *name, char **argv)
{
	static char *def[] = { "/probe", "pause", NULL };

	cell_state_record_init(r);
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->owner = (uint32_t)geteuid();
	r->created = (int64_t)time(NULL);
	r->ns = CELL_NS_DEFAULT;
	r->net = strdup("none");
	r->argv = calloc(8, sizeof(char *));
	for (int i = 0; r->argv && (argv ? argv : def)[i] && i < 7; i++)
		r->argv[i] = strdup((argv ? argv : def)[i]);
}

/* As `cell run --name NAME [--detach]` will do it: the launcher's calls are
 * marked.  COMMAND is a `cell run ...`: its options fill the record, and
 * its first child is the sandbox's init. */
static int cmd_run(int argc, char **argv)
{
	struct cell_err err = { 0 }, why = { 0 };
	struct cell_state_run run;
	struct cell_spec *spec = NULL;
	struct cell_seccomp_prog bpf = { 0 };
	struct cell_plan plan;
	bool detach = false;
	int i = 2, r, status = CELL_EXIT_SETUP;
	const char *name;
	char cwd[4096];
	pid_t child;

	for (; i < argc && argv[i][0] == '-' && strcmp(argv[i], "--") != 0; i++) {
		if (strcmp(argv[i], "--detach") == 0)
			detach = true;
		/* --log: detached runs always log */
	}
	if (i + 3 >= argc || strcmp(argv[i + 1], "--") != 0 || strcmp(argv[i + 3], "run") != 0) {
		fprintf(stderr, "usage: state-helper run [--detach] NAME -- CELL run ...\n");
		return 2;
	}
	name = argv[i];
	if (!getcwd(cwd, sizeof(cwd)))
		strcpy(cwd, "/");
	if (cell_cli_parse_run(argc - i - 3, argv + i + 3, environ, cwd, &spec, &err) < 0)
		return fail(&err);
	if (detach)
		spec->pty = CELL_PTY_OFF; /* launcher: before planning */
	if (cell_plan_make(spec, &plan, &err) < 0 || cell_plan_compile_seccomp(&plan, &bpf, &err) < 0)
		return fail(&err);
	/* launcher: before cell_launch() */
	r = cell_state_run_begin(&run, name, detach, spec, &plan.ids, &bpf, &err);
	cell_seccomp_prog_free(&bpf);
	cell_plan_clear(&plan);
	cell_spec_free(spec);
	if (r < 0) {
		cell_err_prefix(&err, "--name %s", name);
		return fail(&err);
	}
	if (r > 0) {
		printf("%s\n", name);
		return 0;
	}
	child = fork();
	if (child < 0)
		return 125;
	if (child == 0) {
		/* the sandbox dies with its supervisor */
		prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
		execvp(argv[i + 2], argv + i + 2);
		_exit(127);
	}
	/* launcher: in cell_launch's parent, right after clone3 */
	for (int n = 0; n < 1000; n++) {
		pid_t *kids = NULL;
		size_t nk = 0;

		if (cell_proc_children(child, &kids, &nk) == 0 && nk > 0) {
			r = cell_state_run_started(&run, kids[0], NULL, 0, &err);
			free(kids);
			if (r < 0) {
				kill(child, SIGKILL);
				why = err;
			}
			break;
		}
		free(kids);
		usleep(2000);
	}
	while (waitpid(child, &status, 0) < 0 && errno == EINTR)
		;
	status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	/* launcher: after cell_launch() */
	if (cell_state_run_end(&run, status, why.msg[0] ? &why : NULL, &err) < 0)
		return fail(&err);
	return detach ? 0 : status;
}

static int one(struct cell_state *st, const char *name, int status)
{
	struct cell_err err = { 0 };
	struct cell_state_record rec;
	int lock = cell_state_claim(st, name, &err);

	if (lock < 0)
		return fail(&err);
	fake_record(&rec, name, NULL);
	if (cell_state_record_set_self(&rec, &err) < 0 || cell_state_write(st, &rec, &err) < 0)
		return fail(&err);
	if (status < 0) {
		/* die without a word, as kill -9 would make it */
		cell_state_record_clear(&rec);
		_exit(0);
	}
	if (cell_state_finish(st, &rec, status, lock, &err) < 0)
		return fail(&err);
	cell_state_record_clear(&rec);
	return 0;
}

int main(int argc, char **argv)
{
	struct cell_err err = { 0 };
	struct cell_state st;

	if (argc < 3) {
		fprintf(stderr, "usage: state-helper run|dead|exited|many ...\n");
		return 2;
	}
	if (strcmp(argv[1], "run") == 0)
		return cmd_run(argc, argv);
	if (cell_state_open(&st, true, &err) < 0)
		return fail(&err);
	if (strcmp(argv[1], "dead") == 0)
		return one(&st, argv[2], -1);
	if (strcmp(argv[1], "exited") == 0 && argc == 4)
		return one(&st, argv[2], atoi(argv[3]));
	if (strcmp(argv[1], "many") == 0) {
		int n = atoi(argv[2]);

		for (int k = 0; k < n; k++) {
			char name[32];

			snprintf(name, sizeof(name), "bench-%04d", k);
			if (one(&st, name, k % 3) != 0)
				return 125;
		}
		return 0;
	}
	fprintf(stderr, "usage: state-helper run|dead|exited|many ...\n");
	return 2;
}
