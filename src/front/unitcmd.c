/* unitcmd.c - `cell unit NAME [RUN OPTION...] -- COMMAND`: a systemd service
 * that runs COMMAND under `cell run`.
 *
 * The run options are parsed here with cell_cli_parse_run() and the spec
 * validated, so a mistake shows now and not when the service starts.  Host
 * paths given relative are made absolute (a service starts in /).  The unit
 * text is unitfile.c's; --install writes it atomically (a temporary file in
 * the same directory, fsync, rename).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"

#include "../lib/cleanup.h"
#include "../lib/err.h"
#include "../lib/unitfile.h"

extern char **environ;

const char cell_cmd_unit_help[] =
	"Usage: cell unit [--install] [--user] [--unit-dir DIR] NAME [RUN OPTION...] -- COMMAND [ARG...]\n"
	"\n"
	"Print a systemd service unit NAME.service that runs COMMAND under\n"
	"`cell run RUN OPTION... -- COMMAND ARG...`, with the absolute path of this\n"
	"cell binary.  The run options are parsed and checked for consistency now,\n"
	"so a mistyped or contradictory option fails here and not when the service\n"
	"starts (what depends on the host at that time, such as whether --root DIR\n"
	"exists, is checked when it starts); relative host paths in them (--root,\n"
	"--chroot, --bind, --ro-bind, --persist) are made absolute.\n"
	"Every argument is quoted for systemd: spaces, quotes, backslashes, '%'\n"
	"(specifiers) and '$' (environment variables) reach the command unchanged.\n"
	"\n"
	"The sandbox's lifetime is the service's: KillMode=mixed sends SIGTERM to\n"
	"cell, which passes it to the command; the sandbox dies with cell; what\n"
	"is left after TimeoutStopSec= is killed with the service's cgroup.\n"
	"\n"
	"Compared with RootDirectory= and an ExecStartPre= script that mounts\n"
	"/proc and /dev into a chroot (the article's unit), cell run makes the\n"
	"root, /proc, /dev and /tmp itself in new namespaces, and adds user, pid,\n"
	"net, ipc and uts isolation: `cell unit web --root /srv/jail -- /bin/httpd`.\n"
	"\n"
	"Options (cell unit's own; any other option before -- is a run option):\n"
	"  --install        write the unit to /etc/systemd/system/NAME.service (or\n"
	"                   the --user directory) instead of printing it, and print\n"
	"                   the systemctl commands that load and start it\n"
	"  --user           a user unit: WantedBy=default.target, installed in\n"
	"                   $XDG_CONFIG_HOME/systemd/user (~/.config/systemd/user)\n"
	"  --unit-dir DIR   install into DIR (implies --install)\n"
	"  -h, --help       this text\n"
	"\n"
	"NAME: letters, digits, \":-_.\\\" and one '@' (templates), with or\n"
	"without .service.\n";

/* Run options whose value is (or starts with) a host path. */
static const char *const path_options[] = { "--root", "--chroot", "--bind", "--ro-bind",
					    "--persist" };

static int fail(const struct cell_err *err, int r)
{
	char buf[CELL_ERR_MSG_MAX + 128];

	if (err->msg[0])
		fprintf(stderr, "cell: unit: %s\n", cell_err_format(err, buf, sizeof(buf)));
	else
		fprintf(stderr, "cell: unit: %s\n", strerror(r < 0 ? -r : EINVAL));
	return CELL_EXIT_SETUP;
}

static bool is_path_option(const char *opt, size_t len)
{
	for (size_t i = 0; i < ELEMENTSOF(path_options); i++)
		if (strlen(path_options[i]) == len && strncmp(path_options[i], opt, len) == 0)
			return true;
	return false;
}

/* value made absolute against cwd when relative (SRC of SRC:DST only). */
static char *absolute_value(const char *value, const char *cwd)
{
	char *r;

	if (value[0] == '/' || value[0] == '\0')
		return strdup(value);
	while (value[0] == '.' && value[1] == '/')
		value += 2;
	if (asprintf(&r, "%s%s%s", cwd, strcmp(cwd, "/") ? "/" : "", value) < 0)
		return NULL;
	return r;
}

/* Build the run argv: "run", options (paths made absolute), "--", command. */
static int rewrite(char **opts, int n_opts, char **cmd, int n_cmd, const char *cwd,
		   char ***ret)
{
	char **v = calloc((size_t)(n_opts + n_cmd + 3), sizeof(char *));
	int k = 0;

	if (!v)
		return -ENOMEM;
#define ADD(expr)                                                                                  \
	do {                                                                                       \
		if (!(v[k++] = (expr)))                                                            \
			goto oom;                                                                  \
	} while (0)
	ADD(strdup("run"));
	for (int i = 0; i < n_opts; i++) {
		const char *o = opts[i], *eq = strchr(o, '=');

		if (eq && is_path_option(o, (size_t)(eq - o))) {
			_cleanup_free_ char *abs = absolute_value(eq + 1, cwd);
			char *s;

			if (!abs || asprintf(&s, "%.*s=%s", (int)(eq - o), o, abs) < 0)
				goto oom;
			v[k++] = s;
		} else if (!eq && is_path_option(o, strlen(o)) && i + 1 < n_opts) {
			ADD(strdup(o));
			ADD(absolute_value(opts[++i], cwd));
		} else {
			ADD(strdup(o));
		}
	}
	ADD(strdup("--"));
	for (int i = 0; i < n_cmd; i++)
		ADD(strdup(cmd[i]));
#undef ADD
	*ret = v;
	return k;
oom:
	for (int i = 0; i < k; i++)
		free(v[i]);
	free(v);
	return -ENOMEM;
}

static void strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

/* Write text to dir/name atomically: temporary file, fsync, rename. */
static int install(const char *dir, const char *name, const char *text, struct cell_err *err)
{
	_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *tmp = NULL;
	size_t len = strlen(text);

	if (dfd < 0)
		return cell_fail(err, errno, "%s", dir);
	if (asprintf(&tmp, ".%s.cell-tmp.%d", name, (int)getpid()) < 0)
		return -ENOMEM;
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return cell_fail(err, errno, "%s/%s", dir, name);
	if (write(fd, text, len) != (ssize_t)len || fchmod(fd, 0644) < 0 || fsync(fd) < 0 ||
	    renameat(dfd, tmp, dfd, name) < 0) {
		int e = errno ? errno : EIO;

		(void)unlinkat(dfd, tmp, 0);
		return cell_fail(err, e, "%s/%s", dir, name);
	}
	(void)fsync(dfd); /* the rename itself; the file is complete either way */
	return 0;
}

/* ~/.config/systemd/user, created when missing. */
static int user_unit_dir(char **ret, struct cell_err *err)
{
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	_cleanup_free_ char *dir = NULL;

	if (xdg && xdg[0] == '/') {
		if (asprintf(&dir, "%s/systemd/user", xdg) < 0)
			return -ENOMEM;
	} else if (home && home[0] == '/') {
		if (asprintf(&dir, "%s/.config/systemd/user", home) < 0)
			return -ENOMEM;
	} else {
		return cell_fail(err, 0, "--user: neither XDG_CONFIG_HOME nor HOME is set");
	}
	for (char *p = strchr(dir + 1, '/');; p = strchr(p + 1, '/')) {
		if (p)
			*p = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			return cell_fail(err, errno, "%s", dir);
		if (!p)
			break;
		*p = '/';
	}
	*ret = TAKE_PTR(dir);
	return 0;
}

int cell_cmd_unit(int argc, char **argv)
{
	_cleanup_free_ char *unit = NULL, *exe = NULL, *text = NULL, *dir = NULL, *desc = NULL;
	_cleanup_(cell_spec_freep) struct cell_spec *spec = NULL;
	struct cell_err err = { 0 };
	char **opts = NULL, **run = NULL, **exec = NULL, cwd[4096];
	const char *name = NULL, *unit_dir = NULL;
	bool do_install = false, user = false;
	int n_opts = 0, dashdash = -1, n_run, r;

	if (!getcwd(cwd, sizeof(cwd)))
		strcpy(cwd, "/");
	opts = calloc((size_t)argc + 1, sizeof(char *));
	if (!opts)
		return fail(&err, -ENOMEM);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--") == 0) {
			dashdash = i;
			break;
		}
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			free(opts);
			fputs(cell_cmd_unit_help, stdout);
			return 0;
		}
		if (strcmp(a, "--install") == 0) {
			do_install = true;
		} else if (strcmp(a, "--user") == 0) {
			user = true;
		} else if (strcmp(a, "--unit-dir") == 0 || strncmp(a, "--unit-dir=", 11) == 0) {
			if (a[10] == '=') {
				unit_dir = a + 11;
			} else if (i + 1 < argc) {
				unit_dir = argv[++i];
			} else {
				free(opts);
				cell_fail(&err, 0, "option --unit-dir needs a value");
				return fail(&err, -EINVAL);
			}
			do_install = true;
		} else if (!name && a[0] != '-') {
			name = a;
		} else if (!name) {
			free(opts);
			cell_fail(&err, 0, "give NAME before the run options ('%s'; see cell unit "
					   "--help)", a);
			return fail(&err, -EINVAL);
		} else {
			opts[n_opts++] = argv[i];
		}
	}
	if (!name) {
		free(opts);
		cell_fail(&err, 0, "no NAME given (cell unit NAME [RUN OPTION...] -- COMMAND)");
		return fail(&err, -EINVAL);
	}
	r = cell_unit_name(name, &unit, &err);
	if (r < 0) {
		free(opts);
		return fail(&err, r);
	}
	if (dashdash < 0 || dashdash + 1 >= argc) {
		free(opts);
		cell_fail(&err, 0, "no COMMAND given after -- (cell unit NAME [RUN OPTION...] -- "
				   "COMMAND)");
		return fail(&err, -EINVAL);
	}

	/* The run options, as cell run will read them at service start. */
	n_run = rewrite(opts, n_opts, argv + dashdash + 1, argc - dashdash - 1, cwd, &run);
	free(opts);
	if (n_run < 0)
		return fail(&err, n_run);
	r = cell_cli_parse_run(n_run, run, environ, "/", &spec, &err);
	if (r == CELL_CLI_HELP) {
		cell_fail(&err, 0, "--help is not a run option for a unit (see cell unit --help)");
		r = -EINVAL;
	} else if (r == CELL_CLI_PRINT_SPEC) {
		cell_fail(&err, 0, "--print-spec has no place in a unit (try cell run "
				   "--print-spec ...)");
		r = -EINVAL;
	} else if (r >= 0) {
		/* A system service runs as root, a user service as you. */
		r = cell_spec_validate(spec, !user || getuid() == 0, &err);
	}
	if (r < 0) {
		strv_free(run);
		cell_err_prefix(&err, "run options");
		return fail(&err, r);
	}

	/* ExecStart=: this very binary, absolute. */
	exe = realpath("/proc/self/exe", NULL);
	exec = calloc((size_t)n_run + 2, sizeof(char *));
	if (!exe || !exec) {
		strv_free(run);
		free(exec);
		return fail(&err, -ENOMEM);
	}
	exec[0] = exe;
	for (int i = 0; i < n_run; i++)
		exec[i + 1] = run[i];
	{
		size_t dlen = 0;
		FILE *f = open_memstream(&desc, &dlen);

		if (f) {
			fputs("cell sandbox:", f);
			for (int i = dashdash + 1; i < argc; i++)
				fprintf(f, " %s", argv[i]);
			fclose(f);
		}
	}
	{
		struct cell_unit u = {
			.description = desc,
			.exec = exec,
			.wanted_by = user ? "default.target" : "multi-user.target",
			.generated_by = "Made by `cell unit`; see cell(1).",
		};

		r = cell_unit_render(&u, &text, &err);
	}
	free(exec);
	strv_free(run);
	if (r < 0)
		return fail(&err, r);
	if (!do_install) {
		fputs(text, stdout);
		return 0;
	}
	if (!unit_dir) {
		if (user) {
			r = user_unit_dir(&dir, &err);
			if (r < 0)
				return fail(&err, r);
			unit_dir = dir;
		} else {
			unit_dir = "/etc/systemd/system";
		}
	}
	r = install(unit_dir, unit, text, &err);
	if (r < 0) {
		if (err.errnum == EACCES && !user && getuid() != 0)
			cell_err_prefix(&err, "--install needs root for %s (or use --user)",
					unit_dir);
		return fail(&err, r);
	}
	printf("%s/%s written; now: systemctl%s daemon-reload && systemctl%s enable --now %s\n",
	       unit_dir, unit, user ? " --user" : "", user ? " --user" : "", unit);
	return 0;
}
