/* state-helper.c - make named-sandbox records through the state API, for
 * the integration tests and the benchmark (not installed).
 *
 * Until `cell run --name` exists this plays its supervisor's part, the way
 * the launcher is meant to (state.h): claim the name, write the record,
 * hold the lock while the sandbox runs, record the exit status.
 *
 *   state-helper run [--detach] [--log] NAME -- COMMAND...
 *       claim NAME and run COMMAND (a `cell run ...`) as the sandbox; the
 *       record is filled from COMMAND's options as the launcher will
 *       (cell_cli_parse_run, cell_plan_make, cell_state_record_fill); its
 *       init is COMMAND's first child (cell's init).  --detach:
 *       print NAME once the record is written and go on in the
 *       background; --log: COMMAND's output goes to NAME.log.
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

/* Which of our namespaces pid does not share (the default set when a
 * user cannot look: init is not dumpable). */
static unsigned own_namespaces(pid_t pid)
{
	unsigned mask = 0;

	for (int t = 0; t < CELL_NS_MAX; t++) {
		char a[64], b[64];
		struct stat x, y;

		snprintf(a, sizeof(a), "/proc/self/ns/%s", cell_ns_name(t));
		snprintf(b, sizeof(b), "/proc/%d/ns/%s", (int)pid, cell_ns_name(t));
		if (stat(a, &x) < 0)
			continue;
		if (stat(b, &y) < 0)
			return CELL_NS_DEFAULT;
		if (x.st_ino != y.st_ino)
			mask |= CELL_NS_BIT(t);
	}
	return mask;
}

static int cmd_run(struct cell_state *st, int argc, char **argv)
{
	struct cell_err err = { 0 };
	struct cell_state_record rec;
	bool detach = false, log = false;
	int i = 2, lock, logfd = -1, ready[2], status;
	const char *name;
	pid_t child;
	char c;

	for (; i < argc && argv[i][0] == '-' && strcmp(argv[i], "--") != 0; i++) {
		if (strcmp(argv[i], "--detach") == 0)
			detach = true;
		else if (strcmp(argv[i], "--log") == 0)
			log = true;
	}
	if (i + 2 >= argc || strcmp(argv[i + 1], "--") != 0) {
		fprintf(stderr, "usage: state-helper run [--detach] [--log] NAME -- COMMAND...\n");
		return 2;
	}
	name = argv[i];
	lock = cell_state_claim(st, name, &err);
	if (lock < 0) {
		cell_err_prefix(&err, "--name %s", name);
		return fail(&err);
	}
	fake_record(&rec, name, argv + i + 2);
	if (argc > i + 3 && strcmp(argv[i + 3], "run") == 0) {
		/* what `cell run --name` will record, from its own options */
		struct cell_spec *spec = NULL;
		struct cell_plan plan;
		struct cell_seccomp_prog bpf = { 0 };
		char cwd[4096];

		if (!getcwd(cwd, sizeof(cwd)))
			strcpy(cwd, "/");
		if (cell_cli_parse_run(argc - i - 3, argv + i + 3, environ, cwd, &spec, &err) < 0 ||
		    cell_plan_make(spec, &plan, &err) < 0)
			return fail(&err);
		cell_state_record_clear(&rec);
		cell_state_record_init(&rec);
		if (cell_state_record_fill(&rec, name, spec, &plan.ids, &err) < 0 ||
		    cell_plan_compile_seccomp(&plan, &bpf, &err) < 0 ||
		    cell_state_record_set_bpf(&rec, &bpf) < 0)
			return fail(&err);
		cell_seccomp_prog_free(&bpf);
		cell_plan_clear(&plan);
		cell_spec_free(spec);
	}
	if (log && (logfd = cell_state_log_open(st, &rec, &err)) < 0)
		return fail(&err);
	if (pipe2(ready, O_CLOEXEC) < 0)
		return 125;
	if (detach) {
		pid_t bg = fork();

		if (bg < 0)
			return 125;
		if (bg > 0) {
			/* the foreground: wait for the record, print NAME */
			close(ready[1]);
			close(lock);
			cell_state_record_clear(&rec);
			if (read(ready[0], &c, 1) != 1)
				return 125;
			printf("%s\n", name);
			return 0;
		}
		(void)setsid();
		/* let go of the caller's stdio (a $(...) waits for it) */
		{
			int null = open("/dev/null", O_RDWR);

			dup2(null, 0);
			dup2(null, 1);
			dup2(null, 2);
		}
	}
	close(ready[0]);
	child = fork();
	if (child < 0)
		return 125;
	if (child == 0) {
		/* the sandbox dies with its supervisor */
		prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
		if (logfd >= 0) {
			dup2(logfd, 1);
			dup2(logfd, 2);
		}
		execvp(argv[i + 2], argv + i + 2);
		_exit(127);
	}
	if (logfd >= 0)
		close(logfd);
	/* the record names the supervisor after any fork: this process */
	if (cell_state_record_set_self(&rec, &err) < 0)
		return fail(&err);
	for (int n = 0; n < 1000; n++) {
		pid_t *kids = NULL;
		size_t nk = 0;

		if (cell_proc_children(child, &kids, &nk) == 0 && nk > 0) {
			(void)cell_state_record_set_init(&rec, kids[0], &err);
			free(kids);
			break;
		}
		free(kids);
		if (waitpid(child, &status, WNOHANG) == child)
			goto done;
		usleep(5000);
	}
	if (rec.init.pid && !rec.env)
		rec.ns = own_namespaces(rec.init.pid);
	if (cell_state_write(st, &rec, &err) < 0)
		return fail(&err);
	if (write(ready[1], "r", 1) != 1)
		return 125;
	close(ready[1]);
	while (waitpid(child, &status, 0) < 0 && errno == EINTR)
		;
done:
	status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	if (cell_state_finish(st, &rec, status, lock, &err) < 0)
		return fail(&err);
	cell_state_record_clear(&rec);
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
	if (cell_state_open(&st, true, &err) < 0)
		return fail(&err);
	if (strcmp(argv[1], "run") == 0)
		return cmd_run(&st, argc, argv);
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
