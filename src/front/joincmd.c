/* joincmd.c - `cell run --join NAME`: its options, the record, then
 * lib/join.c.
 *
 * Only what does not contradict joining is taken: the command, --env,
 * --keep-env, --workdir, --pty and --no-pty.  Every other `cell run`
 * option describes a sandbox to make (namespaces, root, mounts, network,
 * identity, hardening, limits, name, profile) and is refused with one line
 * that names it: the joined command gets the sandbox's own.
 */
#define _GNU_SOURCE
#include "joincmd.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/cleanup.h"
#include "../lib/join.h"
#include "../lib/state.h"
#include "../lib/util.h"
#include "cli.h"

bool cell_cli_run_joins(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (a[0] != '-' || strcmp(a, "-") == 0 || strcmp(a, "--") == 0)
			return false; /* the command starts here */
		if (strcmp(a, "--join") == 0 || strncmp(a, "--join=", 7) == 0)
			return true;
		if (a[1] == '-' && !strchr(a, '=') && cell_cli_option_arity(a) == 1)
			i++; /* its value */
	}
	return false;
}

static int report(int r, const struct cell_err *err)
{
	char buf[CELL_ERR_MSG_MAX + 128];

	if (err->msg[0])
		fprintf(stderr, "cell: %s\n", cell_err_format(err, buf, sizeof(buf)));
	else
		fprintf(stderr, "cell: %s\n", strerror(r < 0 ? -r : EINVAL));
	return err->status ? err->status : CELL_EXIT_SETUP;
}

/* getopt's '?' after check_long_options(): a short option, or one of
 * ours given a value it does not take. */
static int refuse_option(char **argv, struct cell_err *err)
{
	const char *a = argv[optind - 1];

	if (optopt >= 256 || !optopt)
		return cell_fail(err, 0, "%.*s takes no value (see cell run --help)",
				 (int)strcspn(a, "="), a);
	if (optopt == 'd')
		return cell_fail(err, 0, "-d does not go with --join (see cell run --help)");
	return cell_fail(err, 0, "unknown option -%c (see cell run --help)", optopt);
}

/* Long options are taken by their full names only: getopt would read
 * cell run's --keep as an abbreviation of --keep-env.  Every cell run
 * option but ours is refused by name before getopt sees it. */
static int check_long_options(int argc, char **argv, const struct option *opts,
			      struct cell_err *err)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		size_t len = strcspn(a, "=");
		const struct option *o = opts;

		if (a[0] != '-' || strcmp(a, "-") == 0 || strcmp(a, "--") == 0)
			return 0; /* the command starts here */
		if (a[1] != '-')
			continue; /* short options: getopt's */
		for (; o->name; o++)
			if (strlen(o->name) == len - 2 && strncmp(a + 2, o->name, len - 2) == 0)
				break;
		if (o->name) {
			if (o->has_arg == required_argument && !a[len])
				i++; /* its value */
			continue;
		}
		{
			_cleanup_free_ char *name = strndup(a, len);

			if (!name)
				return -ENOMEM;
			if (cell_cli_option_arity(name) >= 0)
				return cell_fail(err, 0, "%s does not go with --join: the joined "
						 "command gets the sandbox's own settings (see cell "
						 "run --help)", name);
			return cell_fail(err, 0, "unknown option %s (see cell run --help)", name);
		}
	}
	return 0;
}

int cell_cmd_run_join(int argc, char **argv)
{
	enum { OPT_JOIN = 256, OPT_ENV, OPT_KEEP_ENV, OPT_WORKDIR, OPT_PTY, OPT_NO_PTY };
	static const struct option opts[] = {
		{ "join", required_argument, NULL, OPT_JOIN },
		{ "env", required_argument, NULL, OPT_ENV },
		{ "keep-env", required_argument, NULL, OPT_KEEP_ENV },
		{ "workdir", required_argument, NULL, OPT_WORKDIR },
		{ "pty", no_argument, NULL, OPT_PTY },
		{ "no-pty", no_argument, NULL, OPT_NO_PTY },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cell_join j = { .pty = CELL_PTY_AUTO };
	struct cell_state st = { .dirfd = -1 };
	struct cell_state_record rec;
	struct cell_err err = { 0 };
	char **env = NULL;
	const char *name = NULL;
	int opt, r = 0;

	cell_state_record_init(&rec);
	r = check_long_options(argc, argv, opts, &err);
	optind = 0; /* 0, not 1: glibc then resets all of getopt's state */
	opterr = 0;
	while (r == 0 && (opt = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
		switch (opt) {
		case OPT_JOIN:
			if (name)
				r = cell_fail(&err, 0, "--join may be given once");
			name = optarg;
			break;
		case OPT_ENV: {
			const char *eq = strchr(optarg, '=');

			if (!eq || !cell_valid_env_name(optarg, (size_t)(eq - optarg)))
				r = cell_fail(&err, 0, "--env '%s': expected NAME=VALUE", optarg);
			else
				r = cell_strv_push(&env, optarg);
			break;
		}
		case OPT_KEEP_ENV: {
			const char *v = getenv(optarg);
			_cleanup_free_ char *kv = NULL;

			if (!cell_valid_env_name(optarg, strlen(optarg)))
				r = cell_fail(&err, 0, "--keep-env '%s': not a variable name", optarg);
			else if (v && asprintf(&kv, "%s=%s", optarg, v) < 0)
				r = -ENOMEM;
			else if (v)
				r = cell_strv_push(&env, kv);
			break;
		}
		case OPT_WORKDIR:
			if (optarg[0] != '/')
				r = cell_fail(&err, 0, "--workdir '%s': expected an absolute path "
					      "inside the sandbox", optarg);
			j.workdir = optarg;
			break;
		case OPT_PTY:
		case OPT_NO_PTY:
			j.pty = opt == OPT_PTY ? CELL_PTY_ON : CELL_PTY_OFF;
			break;
		case 'h':
			fputs(cell_cli_run_help, stdout);
			goto out;
		case ':':
			r = cell_fail(&err, 0, "option %s needs a value", argv[optind - 1]);
			break;
		default:
			r = refuse_option(argv, &err);
			break;
		}
	}
	if (r < 0)
		goto out;
	if (optind < argc && strcmp(argv[optind], "--") == 0)
		optind++;
	j.argv = argv + optind;
	j.env = env;
	if (!name) {
		r = cell_fail(&err, 0, "--join needs the NAME of a sandbox");
		goto out;
	}
	if (cell_state_name_check(name, &err) < 0 || cell_state_open(&st, false, &err) < 0) {
		r = cell_err_prefix(&err, "--join");
		goto out;
	}
	if (st.dirfd < 0)
		r = cell_fail(&err, 0, "no sandbox named %s", name);
	else
		r = cell_state_read(&st, name, &rec, &err);
	if (r < 0) {
		cell_err_prefix(&err, "--join");
		goto out;
	}
	j.st = &st;
	j.rec = &rec;
	fflush(stdout);
	r = cell_join(&j, &err);
	/* the command's own exec failure keeps its 126/127 */
	if (r < 0 && (err.status == CELL_EXIT_SETUP || !err.status))
		cell_err_prefix(&err, "--join %s", name);
out:
	for (char **e = env; e && *e; e++)
		free(*e);
	free(env);
	cell_state_record_clear(&rec);
	cell_state_close(&st);
	return r < 0 ? report(r, &err) : r;
}
