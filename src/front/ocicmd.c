/* ocicmd.c - `cell oci` (and `cell-oci`): cell as an OCI runtime.
 *
 * The runtime-spec's operations (runtime.md) with runc's command line, the
 * one podman, containerd and CRI-O speak:
 *
 *   cell oci [--root DIR] [--log FILE] [--log-format text|json] [--debug]
 *            [--systemd-cgroup] VERB ...
 *
 * State lives in ROOT/ID/ (ROOT: /run/cell-oci for root, else
 * $XDG_RUNTIME_DIR/cell-oci): state.json (replaced atomically), config.json
 * (the bundle's, copied at create: exec and delete read it, never the
 * bundle), exec.fifo (while the container waits for `start`).  Creating
 * ROOT/ID with mkdir(2) claims the name; every other verb takes an flock on
 * the directory, so concurrent calls from a client see one state at a time.
 *
 * This file is the command line; oci.h lists the others.  config.json
 * becomes a struct cell_oci_plan (ociplan.c), and lib/ocirun.c runs it.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <linux/mount.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "lib/cleanup.h"
#include "lib/ocicg.h"
#include "lib/ocirun.h"
#include "lib/procinfo.h"
#include "lib/pty.h"
#include "oci.h"
#include "ociconfig.h"
#include "ociseccomp.h"

#ifndef CELL_VERSION
#define CELL_VERSION "0"
#endif

const char cell_cmd_oci_help[] =
	"Usage: cell oci [GLOBAL OPTION...] COMMAND [OPTION...] ID ...\n"
	"       cell-oci [GLOBAL OPTION...] COMMAND ...\n"
	"\n"
	"cell as an OCI runtime (like runc and crun), for podman, containerd and\n"
	"CRI-O: the bundle's config.json says what the container is.\n"
	"\n"
	"Commands:\n"
	"  create [-b BUNDLE] [--pid-file F] [--console-socket S] [--preserve-fds "
	"N] ID\n"
	"                          make the container; its process waits for "
	"start\n"
	"  start ID                run the container's process\n"
	"  run [-b BUNDLE] [-d] [--pid-file F] [--console-socket S] ID\n"
	"                          create and start (and wait, unless -d)\n"
	"  state ID                the state JSON of the runtime-spec\n"
	"  kill [--all] ID [SIGNAL]  signal the process (or all of them; default "
	"TERM)\n"
	"  delete [--force] ID     remove a stopped container (--force: kill it "
	"first)\n"
	"  exec [--process F | OPTION... ID CMD...]  a new process in the "
	"container:\n"
	"          -d, --detach  -t, --tty  --pid-file F  --console-socket S\n"
	"          --cwd DIR  -e, --env K=V  -u, --user UID[:GID]  --preserve-fds "
	"N\n"
	"  ps [--format table|json] ID   its processes\n"
	"  pause ID | resume ID    freeze and thaw it (cgroup freezer)\n"
	"  update [--resources F|-] [--memory N] [--pids-limit N] [--cpu-quota N]\n"
	"         [--cpu-period N] [--cpu-shares N] ID   change its cgroup limits\n"
	"  list                    the containers, one per line\n"
	"  features                what cell supports (features.json)\n"
	"  spec [--rootless] [-b BUNDLE]  write a default config.json\n"
	"\n"
	"Global options:\n"
	"  --root DIR              state directory (default /run/cell-oci, or\n"
	"                          $XDG_RUNTIME_DIR/cell-oci)\n"
	"  --log FILE              also write errors to FILE\n"
	"  --log-format text|json  its format (json: one object a line)\n"
	"  --systemd-cgroup        refused: cell drives cgroupfs paths only\n"
	"  --cell_oci_debug                 say more on stderr\n"
	"  -v, --version           the runtime's and the spec's version\n"
	"\n"
	"Exit status: 0, or 1 when the operation failed (as runc); run and exec\n"
	"give the process's own status, 128+N when signal N ended it.\n";

struct cell_oci_globals cell_oci_g;

static FILE *log_file;

/* One message in --log: a JSON line (what podman parses) or text. */
static void log_line(const char *level, const char *msg)
{
	if (!log_file)
		return;
	if (cell_oci_g.log_json) {
		char ts[64];
		time_t now = time(NULL);
		json_t *o;
		char *line;

		strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
		o = json_pack("{s:s, s:s, s:s}", "level", level, "msg", msg, "time", ts);
		line = o ? json_dumps(o, JSON_COMPACT) : NULL;
		if (line)
			fprintf(log_file, "%s\n", line);
		free(line);
		json_decref(o);
	} else {
		fprintf(log_file, "cell: %s%s\n", strcmp(level, "error") ? "warning: " : "", msg);
	}
	fflush(log_file);
}

/* One line on stderr, and in --log (as runc writes it: json lines). */
int cell_oci_fail(int r, const struct cell_err *err)
{
	char buf[CELL_ERR_MSG_MAX + 128];
	const char *msg = err && err->msg[0] ? cell_err_format(err, buf, sizeof(buf))
					     : strerror(r < 0 ? -r : EINVAL);

	fprintf(stderr, "cell: %s\n", msg);
	log_line("error", msg);
	return err && err->status && err->status != CELL_EXIT_SETUP ? err->status : 1;
}

void cell_oci_warn(const char *fmt, ...)
{
	char msg[CELL_ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "cell: warning: %s\n", msg);
	log_line("warning", msg);
}

int cell_oci_usage_error(const char *fmt, ...)
{
	struct cell_err err = { 0 };
	char msg[CELL_ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cell_fail(&err, 0, "%s", msg);
	return cell_oci_fail(-EINVAL, &err);
}

void cell_oci_debug(const char *fmt, ...)
{
	va_list ap;

	if (!cell_oci_g.debug)
		return;
	va_start(ap, fmt);
	fprintf(stderr, "cell: cell_oci_debug: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* ---- spec, features ---- */

static int do_spec(const char *bundle, bool rootless, struct cell_err *err)
{
	_cleanup_close_ int fd = -1;
	char *text = cell_oci_spec_default(rootless);
	int r = 0;

	if (!text)
		return cell_fail(err, ENOMEM, "spec");
	fd = open(bundle ? bundle : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		r = cell_fail(err, errno, "--bundle %s", bundle ? bundle : ".");
	} else {
		int out = openat(fd, "config.json", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

		if (out < 0)
			r = cell_fail(err, errno, "config.json");
		else if (write(out, text, strlen(text)) != (ssize_t)strlen(text))
			r = cell_fail(err, errno, "config.json");
		if (out >= 0)
			close(out);
	}
	free(text);
	return r;
}

/* ---- the command line ---- */

enum {
	OPT_ROOT = 256,
	OPT_LOG,
	OPT_LOG_FORMAT,
	OPT_SYSTEMD,
	OPT_DEBUG,
	OPT_ROOTLESS,
	OPT_PID_FILE,
	OPT_CONSOLE,
	OPT_PRESERVE,
	OPT_NO_PIVOT,
	OPT_NO_KEYRING,
	OPT_FORCE,
	OPT_ALL,
	OPT_PROCESS,
	OPT_CWD,
	OPT_FORMAT,
	OPT_RESOURCES,
	OPT_LIMIT,
	OPT_CAP,
	OPT_NNP,
	OPT_KEEP,
};

static int verb(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "bundle", required_argument, NULL, 'b' },
		{ "pid-file", required_argument, NULL, OPT_PID_FILE },
		{ "console-socket", required_argument, NULL, OPT_CONSOLE },
		{ "preserve-fds", required_argument, NULL, OPT_PRESERVE },
		{ "no-pivot", no_argument, NULL, OPT_NO_PIVOT },
		{ "no-new-keyring", no_argument, NULL, OPT_NO_KEYRING },
		{ "detach", no_argument, NULL, 'd' },
		{ "keep", no_argument, NULL, OPT_KEEP },
		{ "force", no_argument, NULL, 'f' },
		{ "all", no_argument, NULL, 'a' },
		{ "process", required_argument, NULL, 'p' },
		{ "tty", no_argument, NULL, 't' },
		{ "cwd", required_argument, NULL, OPT_CWD },
		{ "env", required_argument, NULL, 'e' },
		{ "user", required_argument, NULL, 'u' },
		{ "cap", required_argument, NULL, 'c' },
		{ "no-new-privs", no_argument, NULL, OPT_NNP },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "resources", required_argument, NULL, 'r' },
		{ "rootless", no_argument, NULL, OPT_ROOTLESS },
		{ "memory", required_argument, NULL, OPT_LIMIT },
		{ "memory-swap", required_argument, NULL, OPT_LIMIT },
		{ "pids-limit", required_argument, NULL, OPT_LIMIT },
		{ "cpu-quota", required_argument, NULL, OPT_LIMIT },
		{ "cpu-period", required_argument, NULL, OPT_LIMIT },
		{ "cpu-share", required_argument, NULL, OPT_LIMIT },
		{ "cpu-shares", required_argument, NULL, OPT_LIMIT },
		{ "blkio-weight", required_argument, NULL, OPT_LIMIT },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd = argv[0];
	struct cell_oci_create_opts co = { 0 };
	struct cell_oci_exec_opts eo = { 0 };
	struct cell_err err = { 0 };
	const char *resources = NULL;
	char *limits[32];
	int nlimits = 0, c, r, li = 0;
	bool force = false, all = false, json = false, rootless = false;
	char *env[64];

	eo.env = env;
	optind = 1;
	/* exec's command follows the id: stop at the first non-option */
	while ((c = getopt_long(argc, argv, "+b:dfap:te:u:c:r:h", opts, &li)) != -1) {
		switch (c) {
		case 'b':
			co.bundle = optarg;
			break;
		case OPT_PID_FILE:
			co.pid_file = eo.pid_file = optarg;
			break;
		case OPT_CONSOLE:
			co.console_socket = eo.console_socket = optarg;
			break;
		case OPT_PRESERVE: {
			char *end;
			long n = strtol(optarg, &end, 10);

			if (!*optarg || *end || n < 0 || n > 1024)
				return cell_oci_usage_error("--preserve-fds %s: expected a count",
							    optarg);
			co.preserve_fds = eo.preserve_fds = (int)n;
			break;
		}
		case OPT_NO_PIVOT:   /* cell always pivots: stronger, and works here */
		case OPT_NO_KEYRING: /* cell makes no session keyring */
		case OPT_KEEP:
			break;
		case 'd':
			co.detach = eo.detach = true;
			break;
		case 'f':
			force = true;
			break;
		case 'a':
			all = true;
			break;
		case 'p':
			eo.process = optarg;
			break;
		case 't':
			eo.tty = eo.tty_set = true;
			break;
		case OPT_CWD:
			eo.cwd = optarg;
			break;
		case 'e':
			if (eo.n_env >= ELEMENTSOF(env))
				return cell_oci_usage_error("--env: too many");
			env[eo.n_env++] = optarg;
			break;
		case 'u':
			eo.user = optarg;
			break;
		case 'c':
		case OPT_NNP:
			return cell_oci_usage_error(
				"exec --cap/--no-new-privs: not supported; give a "
				"--process file");
		case OPT_FORMAT:
			if (strcmp(optarg, "json") != 0 && strcmp(optarg, "table") != 0)
				return cell_oci_usage_error("--format %s: table or json", optarg);
			json = strcmp(optarg, "json") == 0;
			break;
		case 'r':
			resources = optarg;
			break;
		case OPT_ROOTLESS:
			rootless = true;
			break;
		case OPT_LIMIT:
			if (nlimits + 2 > (int)ELEMENTSOF(limits))
				return cell_oci_usage_error("too many limits");
			limits[nlimits++] = (char *)opts[li].name - 2 + 2;
			limits[nlimits++] = optarg;
			break;
		case 'h':
			fputs(cell_cmd_oci_help, stdout);
			return 0;
		default:
			return cell_oci_usage_error("%s: bad option (see cell oci --help)", cmd);
		}
	}
	argc -= optind;
	argv += optind;
	if (strcmp(cmd, "features") == 0 || strcmp(cmd, "spec") == 0) {
		if (argc)
			return cell_oci_usage_error("%s takes no arguments", cmd);
		if (strcmp(cmd, "spec") == 0) {
			r = do_spec(co.bundle, rootless, &err);
			return r < 0 ? cell_oci_fail(r, &err) : 0;
		}
		{
			char *text = cell_oci_features();

			if (!text)
				return cell_oci_usage_error("out of memory");
			fputs(text, stdout);
			free(text);
			return 0;
		}
	}
	if (strcmp(cmd, "list") == 0) {
		r = cell_oci_do_list(&err);
		return r < 0 ? cell_oci_fail(r, &err) : 0;
	}
	if (argc < 1)
		return cell_oci_usage_error("%s: which container? (cell oci %s ID)", cmd, cmd);
	if (strcmp(cmd, "create") == 0 || strcmp(cmd, "run") == 0) {
		struct cell_oci_child child = {
			.pid = -1, .pidfd = -1, .sock = -1, .pty_master = -1
		};

		if (argc != 1)
			return cell_oci_usage_error("%s: one container id", cmd);
		if (strcmp(cmd, "create") == 0) {
			co.detach = true;
			r = cell_oci_do_create(argv[0], &co, &child, &err);
			if (r >= 0)
				close(child.pidfd);
			return r < 0 ? cell_oci_fail(r, &err) : 0;
		}
		r = cell_oci_do_run(argv[0], &co, &err);
		return r < 0 ? cell_oci_fail(r, &err) : r;
	}
	if (strcmp(cmd, "exec") == 0) {
		if (!eo.process && argc < 2)
			return cell_oci_usage_error(
				"exec: give a command after the id, or --process FILE");
		r = cell_oci_do_exec(argv[0], argv + 1, &eo, &err);
		return r < 0 ? cell_oci_fail(r, &err) : r;
	}
	if (strcmp(cmd, "kill") == 0) {
		if (argc > 2)
			return cell_oci_usage_error("kill: ID [SIGNAL]");
		r = cell_oci_do_kill(argv[0], argc == 2 ? argv[1] : NULL, all, &err);
	} else if (argc != 1) {
		return cell_oci_usage_error("%s: one container id", cmd);
	} else if (strcmp(cmd, "start") == 0) {
		r = cell_oci_do_start(argv[0], &err);
	} else if (strcmp(cmd, "state") == 0) {
		r = cell_oci_do_state(argv[0], &err);
	} else if (strcmp(cmd, "delete") == 0) {
		r = cell_oci_do_delete(argv[0], force, &err);
	} else if (strcmp(cmd, "ps") == 0) {
		r = cell_oci_do_ps(argv[0], json, &err);
	} else if (strcmp(cmd, "pause") == 0 || strcmp(cmd, "resume") == 0) {
		r = cell_oci_do_freeze(argv[0], strcmp(cmd, "pause") == 0, &err);
	} else if (strcmp(cmd, "update") == 0) {
		r = cell_oci_do_update(argv[0], resources, nlimits, limits, &err);
	} else {
		return cell_oci_usage_error("unknown command \"%s\" (see cell oci --help)", cmd);
	}
	return r < 0 ? cell_oci_fail(r, &err) : 0;
}

int cell_cmd_oci(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "root", required_argument, NULL, OPT_ROOT },
		{ "log", required_argument, NULL, OPT_LOG },
		{ "log-format", required_argument, NULL, OPT_LOG_FORMAT },
		{ "systemd-cgroup", no_argument, NULL, OPT_SYSTEMD },
		{ "debug", no_argument, NULL, OPT_DEBUG },
		{ "rootless", required_argument, NULL, OPT_ROOTLESS },
		{ "version", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool systemd = false;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+vh", opts, NULL)) != -1) {
		switch (c) {
		case OPT_ROOT:
			cell_oci_g.root = optarg;
			break;
		case OPT_LOG:
			cell_oci_g.log = optarg;
			break;
		case OPT_LOG_FORMAT:
			if (strcmp(optarg, "json") != 0 && strcmp(optarg, "text") != 0)
				return cell_oci_usage_error("--log-format %s: text or json",
							    optarg);
			cell_oci_g.log_json = strcmp(optarg, "json") == 0;
			break;
		case OPT_SYSTEMD:
			systemd = true;
			break;
		case OPT_DEBUG:
			cell_oci_g.debug = true;
			break;
		case OPT_ROOTLESS:
			break; /* cell knows whether it is root */
		case 'v':
			printf("cell version %s\nspec: %s\n", CELL_VERSION, CELL_OCI_VERSION);
			return 0;
		case 'h':
			fputs(cell_cmd_oci_help, stdout);
			return 0;
		default:
			return cell_oci_usage_error("bad option (see cell oci --help)");
		}
	}
	if (cell_oci_g.log) {
		log_file = fopen(cell_oci_g.log, "ae");
		if (!log_file) {
			struct cell_err err = { 0 };

			cell_fail(&err, errno, "--log %s", cell_oci_g.log);
			return cell_oci_fail(-errno, &err);
		}
	}
	if (systemd)
		return cell_oci_usage_error(
			"--systemd-cgroup: cell drives cgroupfs paths only (use "
			"--cgroup-manager cgroupfs)");
	if (optind >= argc) {
		fputs(cell_cmd_oci_help, stderr);
		return 1;
	}
	return verb(argc - optind, argv + optind);
}
