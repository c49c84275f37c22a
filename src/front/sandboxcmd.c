/* sandboxcmd.c - named sandboxes: cell ls, enter, ps, stop, rm, gc, logs.
 *
 * The records and locks are lib/state.c's, the joining lib/enter.c's;
 * these front ends parse their options, call them, and print.  Processes
 * are reached through pidfds (pidfd_open(2), pidfd_send_signal(2)) opened
 * for the recorded PID *and* start time, so a recycled PID is never
 * signalled.  `cell logs -f` follows the log with inotify(7) and stops when
 * the supervisor's pidfd says it has exited.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "../lib/cleanup.h"
#include "../lib/enter.h"
#include "../lib/procinfo.h"
#include "../lib/state.h"
#include "../lib/util.h"
#include "commands.h"

/* One line "cell: ...", the status to exit with. */
static int report(int r, const struct cell_err *err)
{
	char buf[CELL_ERR_MSG_MAX + 128];

	if (err->msg[0])
		fprintf(stderr, "cell: %s\n", cell_err_format(err, buf, sizeof(buf)));
	else
		fprintf(stderr, "cell: %s\n", strerror(r < 0 ? -r : EINVAL));
	return err->status ? err->status : CELL_EXIT_SETUP;
}

static int usage_error(const char *cmd, const char *what, const char *arg)
{
	struct cell_err err = { 0 };

	cell_fail(&err, 0, "%s: %s%s%s (see cell %s --help)", cmd, what, arg ? " " : "",
		  arg ? arg : "", cmd);
	return report(-EINVAL, &err);
}

/* getopt's complaint about argv[optind - 1] as one line. */
static int bad_option(const char *cmd, int opt, char **argv)
{
	if (opt == ':')
		return usage_error(cmd, "option needs a value:", argv[optind - 1]);
	return usage_error(cmd, "unknown option", argv[optind - 1]);
}

/* Open the state directory and read NAME's record. */
static int load(const char *cmd, const char *name, struct cell_state *st,
		struct cell_state_record *rec, struct cell_err *err)
{
	int r;

	cell_state_record_init(rec);
	st->dirfd = -1;
	r = cell_state_name_check(name, err);
	if (r == 0)
		r = cell_state_open(st, false, err);
	if (r == 0)
		r = cell_state_read(st, name, rec, err);
	if (r < 0)
		return cell_err_prefix(err, "%s", cmd);
	return 0;
}

static int not_running(const char *cmd, const struct cell_state_record *rec,
		       enum cell_state_status s, struct cell_err *err)
{
	if (s == CELL_STATE_EXITED)
		return cell_fail(err, 0, "%s %s: the sandbox is not running (it exited with "
				 "status %d)", cmd, rec->name, rec->exit_status);
	return cell_fail(err, 0, "%s %s: the sandbox is not running (%s)", cmd, rec->name,
			 cell_state_status_name(s));
}

static void free_recordp(struct cell_state_record *r)
{
	cell_state_record_clear(r);
}

static void close_statep(struct cell_state *st)
{
	cell_state_close(st);
}

#define _cleanup_record_ _cleanup_(free_recordp)
#define _cleanup_state_ _cleanup_(close_statep)

/* ---- cell ls ---- */

const char cell_cmd_ls_help[] =
	"Usage: cell ls [--json]\n"
	"\n"
	"List the named sandboxes (cell run --name): NAME, STATE (running, or\n"
	"exited(N) with the exit status), the host PID of its init, when it was\n"
	"created, its resident memory (init and every process below it), network,\n"
	"root, namespaces and command.  Sandboxes whose cell was killed are\n"
	"removed first (cell gc).\n"
	"\n"
	"  --json      one JSON array, one object per sandbox\n"
	"  -h, --help  this text\n";

static void human_size(uint64_t b, char *buf, size_t len)
{
	static const char units[] = "KMGT";
	double v = (double)b;
	int u = -1;

	if (b < 1024) {
		snprintf(buf, len, "%lluB", (unsigned long long)b);
		return;
	}
	while (v >= 1024 && u < 3) {
		v /= 1024;
		u++;
	}
	snprintf(buf, len, v < 10 ? "%.1f%c" : "%.0f%c", v, units[u]);
}

struct row {
	struct cell_state_record rec;
	enum cell_state_status status;
	uint64_t rss;
	bool have_rss;
};

static char *join_strv(char *const *v, const char *sep)
{
	size_t len = 1;
	char *s;

	for (char *const *p = v; p && *p; p++)
		len += strlen(*p) + strlen(sep);
	s = calloc(1, len);
	for (char *const *p = v; s && p && *p; p++) {
		if (p != v)
			strcat(s, sep);
		strcat(s, *p);
	}
	return s;
}

static void ns_list(unsigned ns, char *buf, size_t len)
{
	buf[0] = '\0';
	for (int t = 0; t < CELL_NS_MAX; t++)
		if (ns & CELL_NS_BIT(t)) {
			size_t l = strlen(buf);

			snprintf(buf + l, len - l, "%s%s", l ? "," : "", cell_ns_name(t));
		}
	if (!buf[0])
		snprintf(buf, len, "-");
}

static void state_text(const struct row *w, char *buf, size_t len)
{
	if (w->status == CELL_STATE_EXITED)
		snprintf(buf, len, "exited(%d)", w->rec.exit_status);
	else
		snprintf(buf, len, "%s", cell_state_status_name(w->status));
}

static void root_text(const struct cell_state_record *r, char *buf, size_t len)
{
	if (r->root_mode == CELL_ROOT_DIR && r->root)
		snprintf(buf, len, "%s", r->root);
	else if (r->root_mode == CELL_ROOT_CHROOT && r->root)
		snprintf(buf, len, "chroot:%s", r->root);
	else
		snprintf(buf, len, "default");
}

static void print_json(struct row *rows, size_t n)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < n; i++) {
		struct cell_state_record *r = &rows[i].rec;
		bool alive = rows[i].status == CELL_STATE_RUNNING ||
			     rows[i].status == CELL_STATE_STARTING ||
			     rows[i].status == CELL_STATE_STOPPING;
		json_t *o = json_object(), *argv = json_array(), *ns = json_array();
		char root[4200];

		for (char **a = r->argv; a && *a; a++)
			json_array_append_new(argv, json_string(*a));
		for (int t = 0; t < CELL_NS_MAX; t++)
			if (r->ns & CELL_NS_BIT(t))
				json_array_append_new(ns, json_string(cell_ns_name(t)));
		root_text(r, root, sizeof(root));
		json_object_set_new(o, "name", json_string(r->name));
		json_object_set_new(o, "state",
				    json_string(cell_state_status_name(rows[i].status)));
		json_object_set_new(o, "exit_status",
				    r->exited ? json_integer(r->exit_status) : json_null());
		json_object_set_new(o, "pid", alive && r->init.pid ? json_integer(r->init.pid)
								  : json_null());
		json_object_set_new(o, "supervisor_pid",
				    alive ? json_integer(r->supervisor.pid) : json_null());
		json_object_set_new(o, "command", argv);
		json_object_set_new(o, "created", json_integer(r->created));
		json_object_set_new(o, "namespaces", ns);
		json_object_set_new(o, "root", json_string(root));
		json_object_set_new(o, "network", json_string(r->net ? r->net : "none"));
		json_object_set_new(o, "rss_bytes", rows[i].have_rss
							   ? json_integer((json_int_t)rows[i].rss)
							   : json_null());
		json_object_set_new(o, "log", r->log ? json_string(r->log) : json_null());
		json_array_append_new(arr, o);
	}
	json_dumpf(arr, stdout, JSON_INDENT(2));
	fputc('\n', stdout);
	json_decref(arr);
}

enum { COL_NAME, COL_STATE, COL_PID, COL_CREATED, COL_RSS, COL_NET, COL_ROOT, COL_NS, COL_CMD,
       COL_MAX };

static void row_cells(const struct row *w, char cells[COL_MAX][256])
{
	const struct cell_state_record *r = &w->rec;
	_cleanup_free_ char *cmd = join_strv(r->argv, " ");
	time_t t = (time_t)r->created;
	struct tm tm;

	snprintf(cells[COL_NAME], 256, "%s", r->name);
	state_text(w, cells[COL_STATE], 256);
	if (r->init.pid > 0 && w->status != CELL_STATE_EXITED && w->status != CELL_STATE_DEAD)
		snprintf(cells[COL_PID], 256, "%d", (int)r->init.pid);
	else
		snprintf(cells[COL_PID], 256, "-");
	if (localtime_r(&t, &tm))
		strftime(cells[COL_CREATED], 256, "%Y-%m-%d %H:%M:%S", &tm);
	else
		snprintf(cells[COL_CREATED], 256, "?");
	if (w->have_rss)
		human_size(w->rss, cells[COL_RSS], 256);
	else
		snprintf(cells[COL_RSS], 256, "-");
	snprintf(cells[COL_NET], 256, "%s", r->net ? r->net : "none");
	root_text(r, cells[COL_ROOT], 256);
	ns_list(r->ns, cells[COL_NS], 256);
	/* the command goes last and may be long: cut it */
	snprintf(cells[COL_CMD], 256, "%.60s%s", cmd ? cmd : "",
		 cmd && strlen(cmd) > 60 ? "..." : "");
}

int cell_cmd_ls(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const head[COL_MAX] = {
		"NAME", "STATE", "PID", "CREATED", "RSS", "NET", "ROOT", "NAMESPACES", "COMMAND",
	};
	_cleanup_state_ struct cell_state st = { .dirfd = -1 };
	struct cell_err err = { 0 };
	struct row *rows = NULL;
	size_t n = 0, width[COL_MAX];
	char **names = NULL;
	bool json = false;
	int opt, r;

	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			json = true;
			break;
		case 'h':
			fputs(cell_cmd_ls_help, stdout);
			return 0;
		default:
			return bad_option("ls", opt, argv);
		}
	}
	if (optind < argc)
		return usage_error("ls", "unexpected argument", argv[optind]);
	r = cell_state_open(&st, false, &err);
	if (r < 0)
		return report(cell_err_prefix(&err, "ls"), &err);
	/* Implicit and cheap; a failure here must not hide the listing. */
	if (cell_state_gc(&st, NULL, &err) < 0) {
		char buf[CELL_ERR_MSG_MAX + 128];

		fprintf(stderr, "cell: ls: cleaning up: %s\n",
			cell_err_format(&err, buf, sizeof(buf)));
		memset(&err, 0, sizeof(err));
	}
	r = cell_state_list(&st, &names, &err);
	if (r < 0)
		return report(cell_err_prefix(&err, "ls"), &err);
	for (size_t i = 0; names[i]; i++)
		n++;
	rows = calloc(n ? n : 1, sizeof(*rows));
	if (!rows) {
		cell_state_strv_free(names);
		return report(-ENOMEM, &err);
	}
	n = 0;
	for (size_t i = 0; names[i]; i++) {
		struct row *w = &rows[n];

		/* a record removed meanwhile, or unreadable: not listed */
		if (cell_state_read(&st, names[i], &w->rec, NULL) < 0)
			continue;
		w->status = cell_state_status(&st, &w->rec);
		if (w->status == CELL_STATE_RUNNING) {
			w->rss = cell_proc_tree_rss(w->rec.init.pid);
			w->have_rss = w->rss > 0;
		}
		n++;
	}
	cell_state_strv_free(names);
	if (json) {
		print_json(rows, n);
	} else if (n > 0) {
		char (*cells)[COL_MAX][256] = calloc(n, sizeof(*cells));

		if (!cells) {
			r = -ENOMEM;
			goto out;
		}
		for (int c = 0; c < COL_MAX; c++)
			width[c] = strlen(head[c]);
		for (size_t i = 0; i < n; i++) {
			row_cells(&rows[i], cells[i]);
			for (int c = 0; c < COL_MAX; c++)
				if (strlen(cells[i][c]) > width[c])
					width[c] = strlen(cells[i][c]);
		}
		for (size_t i = 0; i <= n; i++) {
			for (int c = 0; c + 1 < COL_MAX; c++)
				printf("%-*s  ", (int)width[c], i == 0 ? head[c] : cells[i - 1][c]);
			printf("%s\n", i == 0 ? head[COL_MAX - 1] : cells[i - 1][COL_MAX - 1]);
		}
		free(cells);
	}
	r = 0;
out:
	for (size_t i = 0; i < n; i++)
		cell_state_record_clear(&rows[i].rec);
	free(rows);
	return r < 0 ? report(r, &err) : 0;
}

/* ---- cell enter ---- */

const char cell_cmd_enter_help[] =
	"Usage: cell enter [OPTION...] NAME [--] [COMMAND [ARG...]]\n"
	"       cell enter [OPTION...] --pid PID [--] [COMMAND [ARG...]]\n"
	"\n"
	"Run COMMAND in a new process inside every namespace of the running\n"
	"sandbox NAME (or of process PID, like nsenter -t PID -a), in its root and\n"
	"working directory, with its identity and no more: the same uid, gid and\n"
	"groups, resource limits, seccomp filter and cgroups, the capabilities its\n"
	"command kept (none with --pid) and no_new_privs.  Default COMMAND: the\n"
	"sandbox's $SHELL, else /bin/sh.\n"
	"\n"
	"  --pid PID         enter the namespaces of PID instead of a named sandbox\n"
	"  --seccomp POLICY  with --pid: the seccomp policy PID runs under, when it\n"
	"                    belongs to no named sandbox (cell cannot read a filter\n"
	"                    back): default (cell run's built-in one) or a file\n"
	"  --pty, --no-pty   force or refuse a pseudo-terminal (default: one when\n"
	"                    stdin is a terminal)\n"
	"  -h, --help        this text\n"
	"\n"
	"Exit status: the command's; 128+N if it was killed by signal N; 125 if\n"
	"cell could not enter; 126 if COMMAND cannot be executed; 127 if it was\n"
	"not found.\n";

/* The running named sandbox that pid belongs to (same pid namespace as its
 * command), read into rec; 0 when none. */
static int find_record(struct cell_state *st, pid_t pid, struct cell_state_record *rec)
{
	char path[64], **names = NULL;
	struct stat target;
	int found = 0;

	snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int)pid);
	if (st->dirfd < 0 || stat(path, &target) < 0 || cell_state_list(st, &names, NULL) < 0)
		return 0;
	for (size_t i = 0; names[i] && !found; i++) {
		struct stat s;
		uint64_t start;
		pid_t cmd;

		if (cell_state_read(st, names[i], rec, NULL) < 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int)rec->init.pid);
		if (cell_state_status(st, rec) == CELL_STATE_RUNNING &&
		    cell_enter_target(rec, &cmd, &start, NULL) == 0 &&
		    (snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int)cmd), stat(path, &s)) == 0 &&
		    s.st_dev == target.st_dev && s.st_ino == target.st_ino)
			found = 1;
		else
			cell_state_record_clear(rec);
	}
	cell_state_strv_free(names);
	return found;
}

int cell_cmd_enter(int argc, char **argv)
{
	enum { OPT_PID = 256, OPT_SECCOMP, OPT_PTY, OPT_NO_PTY };
	static const struct option opts[] = {
		{ "pid", required_argument, NULL, OPT_PID },
		{ "seccomp", required_argument, NULL, OPT_SECCOMP },
		{ "pty", no_argument, NULL, OPT_PTY },
		{ "no-pty", no_argument, NULL, OPT_NO_PTY },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_state_ struct cell_state st = { .dirfd = -1 };
	_cleanup_record_ struct cell_state_record rec = { 0 };
	struct cell_enter e = { .pty = CELL_PTY_AUTO };
	struct cell_err err = { 0 };
	const char *name = NULL;
	int opt, r, pid = 0;
	char what[96];

	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
		switch (opt) {
		case OPT_PID:
			if (cell_parse_int(optarg, &pid) < 0 || pid == 0)
				return usage_error("enter", "--pid: not a process id:", optarg);
			break;
		case OPT_SECCOMP:
			e.seccomp = optarg;
			break;
		case OPT_PTY:
			e.pty = CELL_PTY_ON;
			break;
		case OPT_NO_PTY:
			e.pty = CELL_PTY_OFF;
			break;
		case 'h':
			fputs(cell_cmd_enter_help, stdout);
			return 0;
		default:
			return bad_option("enter", opt, argv);
		}
	}
	if (!pid) {
		if (optind >= argc || strcmp(argv[optind], "--") == 0)
			return usage_error("enter", "no sandbox NAME or --pid PID given", NULL);
		name = argv[optind++];
	}
	if (optind < argc && strcmp(argv[optind], "--") == 0)
		optind++;
	e.argv = argv + optind;
	if (name) {
		enum cell_state_status s;

		snprintf(what, sizeof(what), "enter %s", name);
		if (load("enter", name, &st, &rec, &err) < 0)
			return report(-EINVAL, &err);
		s = cell_state_status(&st, &rec);
		if (s != CELL_STATE_RUNNING)
			return report(not_running("enter", &rec, s, &err), &err);
		r = cell_enter_target(&rec, &e.pid, &e.start_time, &err);
		if (r < 0)
			return report(cell_err_prefix(&err, "enter"), &err);
		e.rec = &rec;
		e.by_name = true;
		if (e.seccomp)
			return usage_error("enter", "--seccomp goes with --pid (a named sandbox's "
					   "policy is in its record)", NULL);
	} else {
		snprintf(what, sizeof(what), "enter --pid %d", pid);
		e.pid = pid;
		/* A process of one of our named sandboxes: its record says which
		 * seccomp policy it runs under.  No state directory: none. */
		if (cell_state_open(&st, false, &err) == 0 && find_record(&st, pid, &rec))
			e.rec = &rec;
		memset(&err, 0, sizeof(err));
	}
	fflush(stdout);
	r = cell_enter(&e, &err);
	if (r < 0) {
		/* the command's own exec failure keeps its 126/127 */
		if (err.status == CELL_EXIT_SETUP || !err.status)
			cell_err_prefix(&err, "%s", what);
		return report(r, &err);
	}
	return r;
}

/* ---- cell ps ---- */

const char cell_cmd_ps_help[] =
	"Usage: cell ps [--json] NAME\n"
	"\n"
	"List the processes inside the running sandbox NAME: their PID inside\n"
	"the sandbox, their PID on the host, their uid inside and command line.\n"
	"Processes started with cell enter are included.\n"
	"\n"
	"  --json      one JSON array\n"
	"  -h, --help  this text\n";

struct proc_row {
	pid_t inside, host;
	uint32_t uid;
	bool uid_known;
	char cmd[200];
};

static int cmp_proc(const void *a, const void *b)
{
	const struct proc_row *x = a, *y = b;

	return (x->inside > y->inside) - (x->inside < y->inside);
}

static void proc_cmdline(pid_t pid, char *buf, size_t len)
{
	char raw[4096], comm[64];
	ssize_t n = cell_proc_read(pid, "cmdline", raw, sizeof(raw));

	/* NUL-separated; a process that rewrote its own (cell's init) may
	 * leave a tail of NULs */
	while (n > 0 && (raw[n - 1] == '\0' || raw[n - 1] == ' '))
		n--;
	if (n > 0) {
		raw[n] = '\0';
		for (ssize_t i = 0; i < n; i++)
			if (raw[i] == '\0')
				raw[i] = ' ';
		snprintf(buf, len, "%.*s", (int)(len - 1), raw);
		return;
	}
	if (cell_proc_read(pid, "comm", comm, sizeof(comm)) > 0) {
		comm[strcspn(comm, "\n")] = '\0';
		snprintf(buf, len, "[%s]", comm);
	} else {
		snprintf(buf, len, "?");
	}
}

static bool same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

int cell_cmd_ps(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_state_ struct cell_state st = { .dirfd = -1 };
	_cleanup_record_ struct cell_state_record rec = { 0 };
	_cleanup_free_ struct proc_row *rows = NULL;
	_cleanup_free_ pid_t *members = NULL;
	struct cell_err err = { 0 };
	size_t n = 0, nmembers = 0;
	struct stat sandbox_ns, own_ns;
	char path[64], map[1024] = "", status[4096];
	pid_t target, nspid[32];
	uint64_t start;
	int opt, r, depth;
	bool json = false;

	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			json = true;
			break;
		case 'h':
			fputs(cell_cmd_ps_help, stdout);
			return 0;
		default:
			return bad_option("ps", opt, argv);
		}
	}
	if (optind >= argc)
		return usage_error("ps", "no sandbox NAME given", NULL);
	if (optind + 1 < argc)
		return usage_error("ps", "unexpected argument", argv[optind + 1]);
	if (load("ps", argv[optind], &st, &rec, &err) < 0)
		return report(-EINVAL, &err);
	{
		enum cell_state_status s = cell_state_status(&st, &rec);

		if (s != CELL_STATE_RUNNING)
			return report(not_running("ps", &rec, s, &err), &err);
	}
	/* The command, not init: unprivileged callers cannot open a
	 * non-dumpable init's namespaces.  Both are in the same pid namespace. */
	r = cell_enter_target(&rec, &target, &start, &err);
	if (r < 0)
		return report(cell_err_prefix(&err, "ps"), &err);
	snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int)target);
	if (stat(path, &sandbox_ns) < 0 || stat("/proc/self/ns/pid", &own_ns) < 0) {
		cell_fail(&err, errno, "ps %s: %s", rec.name, path);
		return report(-errno, &err);
	}
	/* The sandbox's level in each process's NSpid line: init's depth. */
	if (cell_proc_read(rec.init.pid, "status", status, sizeof(status)) < 0 ||
	    (depth = cell_proc_parse_nspid(status, nspid, 32)) < 1) {
		cell_fail(&err, ESRCH, "ps %s: its init", rec.name);
		return report(-ESRCH, &err);
	}
	(void)cell_proc_read(target, "uid_map", map, sizeof(map)); /* empty: uids unknown */

	if (same_file(&sandbox_ns, &own_ns)) {
		/* --share pid: the sandbox is init and what descends from it */
		members = malloc(sizeof(*members));
		if (!members)
			return report(-ENOMEM, &err);
		members[nmembers++] = rec.init.pid;
		for (size_t i = 0; i < nmembers && i < 65536; i++)
			(void)cell_proc_children(members[i], &members, &nmembers);
	} else {
		/* Every process in the sandbox's pid namespace, including those
		 * that cell enter started (they are not init's descendants). */
		DIR *d = opendir("/proc");
		struct dirent *de;

		/* init is non-dumpable: a user cannot stat its namespaces, but
		 * the record says it is the sandbox's PID 1 */
		members = malloc(sizeof(*members));
		if (!d || !members) {
			if (d)
				closedir(d);
			cell_fail(&err, errno, "ps: /proc");
			return report(-errno, &err);
		}
		members[nmembers++] = rec.init.pid;
		while ((de = readdir(d))) {
			struct stat s;
			pid_t *nm;

			if (de->d_name[0] < '1' || de->d_name[0] > '9' ||
			    atoi(de->d_name) == rec.init.pid)
				continue;
			snprintf(path, sizeof(path), "/proc/%.20s/ns/pid", de->d_name);
			if (stat(path, &s) < 0 || !same_file(&s, &sandbox_ns))
				continue; /* another namespace, or not ours to see */
			nm = realloc(members, (nmembers + 1) * sizeof(*nm));
			if (!nm) {
				closedir(d);
				return report(-ENOMEM, &err);
			}
			members = nm;
			members[nmembers++] = (pid_t)atoi(de->d_name);
		}
		closedir(d);
		/* and those in namespaces nested inside it */
		for (size_t i = 0; i < nmembers && i < 65536; i++) {
			size_t before = nmembers;

			(void)cell_proc_children(members[i], &members, &nmembers);
			/* children in the same namespace are listed already */
			for (size_t k = before; k < nmembers;) {
				bool dup = false;

				for (size_t j = 0; j < before && !dup; j++)
					dup = members[j] == members[k];
				if (dup)
					members[k] = members[--nmembers];
				else
					k++;
			}
		}
	}
	rows = calloc(nmembers ? nmembers : 1, sizeof(*rows));
	if (!rows)
		return report(-ENOMEM, &err);
	for (size_t i = 0; i < nmembers; i++) {
		struct proc_row *w = &rows[n];
		pid_t ids[32];
		uint32_t uid[4];
		int k;

		if (cell_proc_read(members[i], "status", status, sizeof(status)) < 0)
			continue; /* gone */
		k = cell_proc_parse_nspid(status, ids, 32);
		if (k < depth)
			continue;
		w->host = members[i];
		w->inside = ids[depth - 1];
		w->uid_known = cell_proc_parse_ids(status, "Uid", uid, 4) == 4 &&
			       cell_proc_map_inside(map, uid[0], &w->uid) == 0;
		proc_cmdline(members[i], w->cmd, sizeof(w->cmd));
		n++;
	}
	qsort(rows, n, sizeof(*rows), cmp_proc);
	if (json) {
		json_t *arr = json_array();

		for (size_t i = 0; i < n; i++)
			json_array_append_new(
				arr, json_pack("{s:i,s:i,s:o,s:s}", "pid", (int)rows[i].inside,
					       "host_pid", (int)rows[i].host, "uid",
					       rows[i].uid_known ? json_integer(rows[i].uid)
								 : json_null(),
					       "command", rows[i].cmd));
		json_dumpf(arr, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
		json_decref(arr);
		return 0;
	}
	printf("%7s %9s %6s  %s\n", "PID", "HOST-PID", "UID", "COMMAND");
	for (size_t i = 0; i < n; i++) {
		char uid[16];

		if (rows[i].uid_known)
			snprintf(uid, sizeof(uid), "%u", rows[i].uid);
		else
			snprintf(uid, sizeof(uid), "?");
		printf("%7d %9d %6s  %s\n", (int)rows[i].inside, (int)rows[i].host, uid,
		       rows[i].cmd);
	}
	return 0;
}

/* ---- cell stop / rm ---- */

const char cell_cmd_stop_help[] =
	"Usage: cell stop [OPTION...] NAME...\n"
	"       cell stop [OPTION...] --all\n"
	"\n"
	"Stop running sandboxes: send SIGNAL to each one's init (which passes it\n"
	"to the command), then SIGKILL when it is still there after the timeout;\n"
	"wait until its cell has recorded the exit status.\n"
	"\n"
	"  -s, --signal SIG   the first signal (default TERM): a name (TERM,\n"
	"                     SIGTERM, RTMIN+1) or a number\n"
	"  -t, --timeout S    seconds before SIGKILL (default 10; 0: at once)\n"
	"  -a, --all          every running sandbox\n"
	"  -h, --help         this text\n";

static int parse_signal(const char *s)
{
	int n;

	if (cell_parse_int(s, &n) == 0)
		return n > 0 && n < NSIG ? n : -1;
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	if (strncasecmp(s, "RTMIN", 5) == 0 || strncasecmp(s, "RTMAX", 5) == 0) {
		bool min = strncasecmp(s, "RTMIN", 5) == 0;
		int off = 0;

		if (s[5] && ((min && s[5] != '+') || (!min && s[5] != '-') ||
			     cell_parse_int(s + 6, &off) < 0))
			return -1;
		n = min ? SIGRTMIN + off : SIGRTMAX - off;
		return n >= SIGRTMIN && n <= SIGRTMAX ? n : -1;
	}
	for (int sig = 1; sig < SIGRTMIN; sig++) {
		const char *abbrev = sigabbrev_np(sig);

		if (abbrev && strcasecmp(abbrev, s) == 0)
			return sig;
	}
	return -1;
}

static int parse_seconds(const char *s, double *ret)
{
	char *end;
	double v;

	if (!*s || strspn(s, "0123456789.") != strlen(s))
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || !isfinite(v) || v > 1e6)
		return -EINVAL;
	*ret = v;
	return 0;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait until every pidfd in fds (-1: skip) is readable (its process has
 * exited), or until deadline (ms, CLOCK_MONOTONIC). */
static void wait_exits(int *fds, size_t n, int64_t deadline)
{
	for (;;) {
		struct pollfd pfd[64];
		size_t k = 0;
		int64_t left = deadline - now_ms();

		for (size_t i = 0; i < n && k < 64; i++)
			if (fds[i] >= 0)
				pfd[k++] = (struct pollfd){ .fd = fds[i], .events = POLLIN };
		if (k == 0 || left <= 0)
			return;
		if (poll(pfd, k, (int)(left > 1000000 ? 1000000 : left)) < 0 && errno != EINTR)
			return;
		for (size_t j = 0; j < k; j++) {
			if (!(pfd[j].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			for (size_t i = 0; i < n; i++)
				if (fds[i] == pfd[j].fd) {
					close(fds[i]);
					fds[i] = -1;
				}
		}
	}
}

struct victim {
	struct cell_state_record rec;
	int init, sup; /* pidfds, -1: none */
};

/* Signal, wait, kill, wait for the supervisors: the core of stop and rm. */
static int stop_all(struct victim *v, size_t n, int sig, double timeout, struct cell_err *err)
{
	int64_t deadline = now_ms() + (int64_t)(timeout * 1000);
	int fds[64];
	int r = 0;

	for (size_t i = 0; i < n; i++) {
		int fd = v[i].init >= 0 ? v[i].init : v[i].sup;

		if (fd >= 0 && syscall(SYS_pidfd_send_signal, fd, sig, NULL, 0) < 0 &&
		    errno != ESRCH && r == 0)
			r = cell_fail(err, errno, "stop %s: send signal %d", v[i].rec.name, sig);
	}
	for (size_t base = 0; base < n; base += 64) {
		size_t k = n - base < 64 ? n - base : 64;

		for (size_t i = 0; i < k; i++)
			fds[i] = v[base + i].init >= 0 ? dup(v[base + i].init) : -1;
		if (sig != SIGKILL)
			wait_exits(fds, k, deadline);
		for (size_t i = 0; i < k; i++)
			if (fds[i] >= 0) {
				(void)syscall(SYS_pidfd_send_signal, fds[i], SIGKILL, NULL, 0);
				close(fds[i]);
			}
		/* the supervisors record the status and leave */
		for (size_t i = 0; i < k; i++)
			fds[i] = v[base + i].sup >= 0 ? dup(v[base + i].sup) : -1;
		wait_exits(fds, k, now_ms() + 5000);
		for (size_t i = 0; i < k; i++)
			if (fds[i] >= 0) {
				close(fds[i]);
				if (r == 0)
					r = cell_fail(err, ETIMEDOUT,
						      "stop %s: its cell did not exit",
						      v[base + i].rec.name);
			}
	}
	return r;
}

/* Fill v for NAME when it is running; 1 when it was, 0 when not. */
static int victim_open(struct cell_state *st, const char *name, struct victim *v,
		       const char *cmd, bool must_run, struct cell_err *err)
{
	enum cell_state_status s;
	int r;

	v->init = v->sup = -1;
	r = cell_state_read(st, name, &v->rec, err);
	if (r < 0)
		return cell_err_prefix(err, "%s", cmd);
	s = cell_state_status(st, &v->rec);
	if (s != CELL_STATE_RUNNING && s != CELL_STATE_STARTING && s != CELL_STATE_STOPPING) {
		r = must_run ? not_running(cmd, &v->rec, s, err) : 0;
		cell_state_record_clear(&v->rec);
		return r;
	}
	v->sup = cell_proc_pidfd(v->rec.supervisor.pid, v->rec.supervisor.start_time);
	if (v->rec.init.pid > 0)
		v->init = cell_proc_pidfd(v->rec.init.pid, v->rec.init.start_time);
	if (v->sup < 0 && v->init < 0) {
		cell_state_record_clear(&v->rec);
		return 0; /* ended meanwhile */
	}
	return 1;
}

static void victims_free(struct victim *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (v[i].init >= 0)
			close(v[i].init);
		if (v[i].sup >= 0)
			close(v[i].sup);
		cell_state_record_clear(&v[i].rec);
	}
	free(v);
}

int cell_cmd_stop(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "signal", required_argument, NULL, 's' },
		{ "timeout", required_argument, NULL, 't' },
		{ "all", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_state_ struct cell_state st = { .dirfd = -1 };
	struct cell_err err = { 0 };
	struct victim *v = NULL;
	char **names = NULL;
	size_t n = 0, total;
	double timeout = 10;
	int opt, sig = SIGTERM, r;
	bool all = false;

	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+:s:t:ah", opts, NULL)) != -1) {
		switch (opt) {
		case 's':
			sig = parse_signal(optarg);
			if (sig < 0)
				return usage_error("stop", "--signal: unknown signal", optarg);
			break;
		case 't':
			if (parse_seconds(optarg, &timeout) < 0)
				return usage_error("stop", "--timeout: not a number of seconds",
						   optarg);
			break;
		case 'a':
			all = true;
			break;
		case 'h':
			fputs(cell_cmd_stop_help, stdout);
			return 0;
		default:
			return bad_option("stop", opt, argv);
		}
	}
	if (all && optind < argc)
		return usage_error("stop", "--all takes no NAME:", argv[optind]);
	if (!all && optind >= argc)
		return usage_error("stop", "no sandbox NAME given (or --all)", NULL);
	for (int i = optind; i < argc; i++)
		if (cell_state_name_check(argv[i], &err) < 0)
			return report(cell_err_prefix(&err, "stop"), &err);
	r = cell_state_open(&st, false, &err);
	if (r < 0)
		return report(cell_err_prefix(&err, "stop"), &err);
	if (all) {
		r = cell_state_list(&st, &names, &err);
		if (r < 0)
			return report(cell_err_prefix(&err, "stop"), &err);
	}
	total = all ? 0 : (size_t)(argc - optind);
	for (size_t i = 0; all && names[i]; i++)
		total++;
	v = calloc(total ? total : 1, sizeof(*v));
	if (!v) {
		cell_state_strv_free(names);
		return report(-ENOMEM, &err);
	}
	for (size_t i = 0; i < total; i++) {
		const char *name = all ? names[i] : argv[optind + (int)i];
		struct cell_err e = { 0 };

		r = victim_open(&st, name, &v[n], "stop", !all, &e);
		if (r < 0) {
			/* --all: one unreadable record does not stop the rest */
			if (!all) {
				err = e;
				break;
			}
			continue;
		}
		if (r > 0)
			n++;
	}
	cell_state_strv_free(names);
	if (r >= 0)
		r = stop_all(v, n, sig, timeout, &err);
	victims_free(v, n);
	return r < 0 ? report(r, &err) : 0;
}

const char cell_cmd_rm_help[] =
	"Usage: cell rm [--force] NAME...\n"
	"\n"
	"Remove stopped sandboxes: their record, log and kept namespaces.\n"
	"\n"
	"  -f, --force  stop a running sandbox first (SIGKILL)\n"
	"  -h, --help   this text\n";

int cell_cmd_rm(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_state_ struct cell_state st = { .dirfd = -1 };
	struct cell_err err = { 0 };
	bool force = false;
	int opt, r = 0;

	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+:fh", opts, NULL)) != -1) {
		switch (opt) {
		case 'f':
			force = true;
			break;
		case 'h':
			fputs(cell_cmd_rm_help, stdout);
			return 0;
		default:
			return bad_option("rm", opt, argv);
		}
	}
	if (optind >= argc)
		return usage_error("rm", "no sandbox NAME given", NULL);
	for (int i = optind; i < argc; i++)
		if (cell_state_name_check(argv[i], &err) < 0)
			return report(cell_err_prefix(&err, "rm"), &err);
	r = cell_state_open(&st, false, &err);
	if (r < 0)
		return report(cell_err_prefix(&err, "rm"), &err);
	for (int i = optind; i < argc; i++) {
		const char *name = argv[i];

		r = cell_state_remove(&st, name, &err);
		if (r == -EBUSY && force) {
			struct victim *v = calloc(1, sizeof(*v));

			memset(&err, 0, sizeof(err));
			if (!v)
				return report(-ENOMEM, &err);
			r = victim_open(&st, name, v, "rm", false, &err);
			if (r > 0)
				r = stop_all(v, 1, SIGKILL, 0, &err);
			victims_free(v, r > 0 || v->init >= 0 || v->sup >= 0 ? 1 : 0);
			if (r >= 0)
				r = cell_state_remove(&st, name, &err);
		}
		if (r == -EBUSY) {
			memset(&err, 0, sizeof(err));
			cell_fail(&err, 0, "rm %s: the sandbox is running (cell stop %s, or "
				  "cell rm --force %s)", name, name, name);
			return report(-EBUSY, &err);
		}
		if (r < 0)
			return report(cell_err_prefix(&err, "rm"), &err);
	}
	return 0;
}

/* ---- cell gc ---- */

const char cell_cmd_gc_help[] =
	"Usage: cell gc\n"
	"\n"
	"Remove what sandboxes whose cell was killed (kill -9, a crash) left in\n"
	"the state directory: records, logs, kept namespaces, cgroups.  Prints the\n"
	"names removed.  cell ls and cell run do this on their own.\n"
	"\n"
	"  -h, --help  this text\n";

int cell_cmd_gc(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_state_ struct cell_state st = { .dirfd = -1 };
	struct cell_err err = { 0 };
	char **removed = NULL;
	int opt, r;

	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
		if (opt == 'h') {
			fputs(cell_cmd_gc_help, stdout);
			return 0;
		}
		return bad_option("gc", opt, argv);
	}
	if (optind < argc)
		return usage_error("gc", "unexpected argument", argv[optind]);
	r = cell_state_open(&st, false, &err);
	if (r == 0)
		r = cell_state_gc(&st, &removed, &err);
	for (char **p = removed; p && *p; p++)
		printf("%s\n", *p);
	cell_state_strv_free(removed);
	return r < 0 ? report(cell_err_prefix(&err, "gc"), &err) : 0;
}

/* ---- cell logs ---- */

const char cell_cmd_logs_help[] =
	"Usage: cell logs [-f] NAME\n"
	"\n"
	"Print the output of the detached sandbox NAME (cell run --detach).\n"
	"\n"
	"  -f, --follow  keep printing what it writes until it exits\n"
	"  -h, --help    this text\n";

/* Copy what fd has from its position to stdout.  0 or -errno. */
static int copy_out(int fd)
{
	char buf[65536];

	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf)), off = 0;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
		while (off < n) {
			ssize_t w = write(STDOUT_FILENO, buf + off, (size_t)(n - off));

			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0)
				return -errno;
			off += w;
		}
	}
}

int cell_cmd_logs(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "follow", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_state_ struct cell_state st = { .dirfd = -1 };
	_cleanup_record_ struct cell_state_record rec = { 0 };
	_cleanup_close_ int fd = -1, ino = -1, sup = -1;
	struct cell_err err = { 0 };
	char file[CELL_STATE_NAME_MAX + 8];
	bool follow = false;
	int opt, r;

	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+:fh", opts, NULL)) != -1) {
		switch (opt) {
		case 'f':
			follow = true;
			break;
		case 'h':
			fputs(cell_cmd_logs_help, stdout);
			return 0;
		default:
			return bad_option("logs", opt, argv);
		}
	}
	if (optind >= argc)
		return usage_error("logs", "no sandbox NAME given", NULL);
	if (optind + 1 < argc)
		return usage_error("logs", "unexpected argument", argv[optind + 1]);
	if (load("logs", argv[optind], &st, &rec, &err) < 0)
		return report(-EINVAL, &err);
	if (!rec.log) {
		cell_fail(&err, 0, "logs %s: no log (the sandbox was not started with --detach)",
			  rec.name);
		return report(-ENOENT, &err);
	}
	/* The log is NAME.log in the state directory, whatever the record says. */
	snprintf(file, sizeof(file), "%s.log", rec.name);
	fd = openat(st.dirfd, file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	if (fd < 0) {
		cell_fail(&err, errno, "logs %s: %s/%s", rec.name, st.path, file);
		return report(-errno, &err);
	}
	if (follow) {
		enum cell_state_status s = cell_state_status(&st, &rec);

		/* Watch before reading, so nothing written in between is missed. */
		if (s == CELL_STATE_RUNNING || s == CELL_STATE_STARTING || s == CELL_STATE_STOPPING)
			sup = cell_proc_pidfd(rec.supervisor.pid, rec.supervisor.start_time);
		if (sup >= 0) {
			char path[sizeof(st.path) + sizeof(file) + 2];

			snprintf(path, sizeof(path), "%s/%s", st.path, file);
			ino = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
			if (ino < 0 || inotify_add_watch(ino, path, IN_MODIFY) < 0) {
				cell_fail(&err, errno, "logs %s: inotify", rec.name);
				return report(-errno, &err);
			}
		}
	}
	r = copy_out(fd);
	while (r == 0 && sup >= 0) {
		struct pollfd pfd[2] = { { .fd = ino, .events = POLLIN },
					 { .fd = sup, .events = POLLIN } };
		char ev[4096];

		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			break;
		}
		while (read(ino, ev, sizeof(ev)) > 0)
			; /* the events only say "more" */
		r = copy_out(fd);
		if (pfd[1].revents & POLLIN)
			break; /* its cell has exited: what it wrote is all there */
	}
	if (r < 0) {
		if (r == -EPIPE)
			return 0;
		cell_fail(&err, -r, "logs %s", rec.name);
		return report(r, &err);
	}
	return 0;
}
