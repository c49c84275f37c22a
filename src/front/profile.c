/* profile.c - `cell run --profile NAME|FILE` and `cell profile show NAME`.
 *
 * See profile.h for the format and the search path.  A profile only turns
 * into `cell run` options: it is expanded in front of the command line's
 * options and parsed by cli.c like them, so a profile can express nothing
 * the command line cannot, and the command line always has the last word.
 */
#define _GNU_SOURCE
#include "profile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../lib/cleanup.h"
#include "../lib/util.h"
#include "cli.h"
#include "commands.h"

#ifndef CELL_PROFILE_DIR
#define CELL_PROFILE_DIR "/usr/share/cell/profiles"
#endif

#define MAX_INCLUDE_DEPTH 8
#define MAX_PROFILE_SIZE (256 * 1024)

static int add_opt(struct cell_profile *p, const char *name, size_t nlen, const char *value,
		   size_t vlen, const char *source, unsigned line)
{
	struct cell_profile_opt *n = reallocarray(p->opts, p->n + 1, sizeof(*n));
	struct cell_profile_opt o = { .line = line };

	if (!n)
		return -ENOMEM;
	p->opts = n;
	if (asprintf(&o.name, "--%.*s", (int)nlen, name) < 0)
		return -ENOMEM;
	o.source = strdup(source);
	o.value = value ? strndup(value, vlen) : NULL;
	if (!o.source || (value && !o.value)) {
		free(o.name);
		free(o.source);
		free(o.value);
		return -ENOMEM;
	}
	p->opts[p->n++] = o;
	return 0;
}

/* Check "--NAME VALUE" as `cell run` parses it (values only: flags such as
 * --x11 depend on the environment of the run). */
static int check_value(const char *name, const char *value, struct cell_err *err)
{
	char *argv[] = { "run", (char *)name, (char *)value, "/bin/true", NULL };
	char *envp[] = { NULL };
	struct cell_spec *s = NULL;
	int r = cell_cli_parse_run(4, argv, envp, "/", &s, err);

	cell_spec_free(s);
	return r < 0 ? r : 0;
}

static int parse_line(struct cell_profile *p, const struct cell_word *w, size_t n, const char *source,
		      const char *base_dir, unsigned line, unsigned depth, struct cell_err *err)
{
	const char *name = w[0].s;
	size_t nlen = w[0].len;
	_cleanup_free_ char *opt = NULL, *value = NULL, *inc = NULL;
	int arity, r;

	if (nlen == 7 && memcmp(name, "include", 7) == 0) {
		if (n != 2)
			return cell_fail(err, 0, "%s:%u:%u: include takes one profile name or file",
					 source, line, n < 2 ? w[0].col + 7 : w[2].col);
		if (memchr(w[1].s, '/', w[1].len) && w[1].s[0] != '/')
			r = asprintf(&inc, "%s/%.*s", base_dir, (int)w[1].len, w[1].s);
		else
			r = asprintf(&inc, "%.*s", (int)w[1].len, w[1].s);
		if (r < 0)
			return -ENOMEM;
		r = cell_profile_load(p, inc, depth + 1, err);
		/* name the top file and the one with the error, not those between */
		if (r < 0 && depth == 0)
			return cell_err_prefix(err, "%s:%u:%u: include", source, line, w[1].col);
		return r;
	}
	if (nlen > 2 && name[0] == '-' && name[1] == '-') {
		name += 2;
		nlen -= 2;
	}
	if (asprintf(&opt, "--%.*s", (int)nlen, name) < 0)
		return -ENOMEM;
	arity = cell_cli_option_arity(opt);
	if (arity < 0 || strcmp(opt, "--profile") == 0 || strcmp(opt, "--help") == 0 ||
	    strcmp(opt, "--print-spec") == 0)
		return cell_fail(err, 0, "%s:%u:%u: %s: %s", source, line, w[0].col, opt,
				 arity < 0 ? "not a cell run option"
					   : "not possible in a profile (use include)");
	if (arity == 0 && n > 1)
		return cell_fail(err, 0, "%s:%u:%u: %s takes no value", source, line, w[1].col, opt);
	if (arity == 1 && n != 2)
		return cell_fail(err, 0, "%s:%u:%u: %s takes one value", source, line,
				 n < 2 ? w[0].col + (unsigned)w[0].len : w[2].col, opt);
	if (arity == 0)
		return add_opt(p, name, nlen, NULL, 0, source, line);
	/* a policy file next to the profile */
	if (strcmp(opt, "--seccomp") == 0 && w[1].s[0] != '/' &&
	    !(w[1].len == 4 && memcmp(w[1].s, "none", 4) == 0) &&
	    !(w[1].len == 7 && memcmp(w[1].s, "default", 7) == 0))
		r = asprintf(&value, "%s/%.*s", base_dir, (int)w[1].len, w[1].s);
	else
		r = asprintf(&value, "%.*s", (int)w[1].len, w[1].s);
	if (r < 0)
		return -ENOMEM;
	r = check_value(opt, value, err);
	if (r < 0)
		return cell_err_prefix(err, "%s:%u:%u", source, line, w[1].col);
	return add_opt(p, name, nlen, value, strlen(value), source, line);
}

int cell_profile_parse(struct cell_profile *p, const char *text, const char *source,
		       const char *base_dir, unsigned depth, struct cell_err *err)
{
	unsigned line = 1;

	for (const char *l = text; *l; line++) {
		const char *eol = strchrnul(l, '\n');
		struct cell_word w[8];
		unsigned col = 0;
		int n = cell_split_words(l, eol, w, 8, &col), r;

		if (n < 0)
			return cell_fail(err, 0, "%s:%u:%u: too many words", source, line, col);
		if (n > 0) {
			r = parse_line(p, w, (size_t)n, source, base_dir, line, depth, err);
			if (r < 0)
				return r;
		}
		l = *eol ? eol + 1 : eol;
	}
	return 0;
}

static bool is_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int cell_profile_find(const char *name, char *buf, size_t len, struct cell_err *err)
{
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	char user[4096] = "";
	const char *dirs[4];
	size_t n = 0;

	if (strchr(name, '/')) {
		if (!is_file(name))
			return cell_fail(err, errno ? errno : ENOENT, "profile %s", name);
		snprintf(buf, len, "%s", name);
		return 0;
	}
	if (!*name || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return cell_fail(err, 0, "profile '%s': not a name", name);
	if (xdg && xdg[0] == '/')
		snprintf(user, sizeof(user), "%s/cell/profiles", xdg);
	else if (home && home[0] == '/')
		snprintf(user, sizeof(user), "%s/.config/cell/profiles", home);
	if (user[0])
		dirs[n++] = user;
	dirs[n++] = "/etc/cell/profiles";
	dirs[n++] = CELL_PROFILE_DIR;
#ifdef CELL_SOURCE_PROFILE_DIR
	dirs[n++] = CELL_SOURCE_PROFILE_DIR;
#endif
	for (size_t i = 0; i < n; i++) {
		snprintf(buf, len, "%s/%s.profile", dirs[i], name);
		if (is_file(buf))
			return 0;
	}
	return cell_fail(err, ENOENT, "profile '%s': no %s.profile in %s%s/etc/cell/profiles or %s",
			 name, name, user, user[0] ? ", " : "", CELL_PROFILE_DIR);
}

int cell_profile_load(struct cell_profile *p, const char *name, unsigned depth,
		      struct cell_err *err)
{
	char path[4096];
	_cleanup_free_ char *text = NULL, *dir = NULL;
	_cleanup_close_ int fd = -1;
	struct stat st;
	ssize_t got;
	char *slash;
	int r;

	if (depth > MAX_INCLUDE_DEPTH)
		return cell_fail(err, ELOOP, "profile %s: includes nested more than %d deep", name,
				 MAX_INCLUDE_DEPTH);
	r = cell_profile_find(name, path, sizeof(path), err);
	if (r < 0)
		return r;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0 || fstat(fd, &st) < 0)
		return cell_fail(err, errno, "profile %s", path);
	if (st.st_size > MAX_PROFILE_SIZE)
		return cell_fail(err, EFBIG, "profile %s: too large", path);
	text = malloc((size_t)st.st_size + 1);
	if (!text)
		return -ENOMEM;
	got = read(fd, text, (size_t)st.st_size);
	if (got < 0)
		return cell_fail(err, errno, "profile %s", path);
	text[got] = '\0';
	if (memchr(text, '\0', (size_t)got))
		return cell_fail(err, EINVAL, "profile %s: not a text file", path);
	dir = strdup(path);
	if (!dir)
		return -ENOMEM;
	slash = strrchr(dir, '/');
	if (!slash)
		strcpy(dir, ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	return cell_profile_parse(p, text, path, dir, depth, err);
}

void cell_profile_clear(struct cell_profile *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->opts[i].name);
		free(p->opts[i].value);
		free(p->opts[i].source);
	}
	free(p->opts);
	*p = (struct cell_profile){ 0 };
}

void cell_profile_print(const struct cell_profile *p, FILE *f)
{
	for (size_t i = 0; i < p->n; i++) {
		const struct cell_profile_opt *o = &p->opts[i];
		int w = (int)strlen(o->name) + (o->value ? 1 + (int)strlen(o->value) : 0);

		fprintf(f, "%s%s%s%*s# %s:%u\n", o->name, o->value ? " " : "",
			o->value ? o->value : "", w < 40 ? 40 - w : 1, "", o->source, o->line);
	}
}

int cell_profile_expand(int argc, char **argv, struct cell_profile *store, int *ret_argc,
			char ***ret_argv, struct cell_err *err)
{
	_cleanup_free_ char **nv = NULL;
	bool any = false;
	int i, k = 0, r;

	*ret_argc = argc;
	*ret_argv = NULL;
	/* the options before the command (getopt's "+" mode stops there) */
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *eq = strchr(a, '=');
		char name[64];
		int arity;

		if (strcmp(a, "--") == 0 || a[0] != '-')
			break;
		if (strncmp(a, "--profile", 9) == 0 && (a[9] == '\0' || a[9] == '=')) {
			const char *v = a[9] == '=' ? a + 10 : (i + 1 < argc ? argv[++i] : NULL);

			if (!v || !*v)
				return cell_fail(err, 0, "--profile: expected a profile name or file");
			r = cell_profile_load(store, v, 0, err);
			if (r < 0)
				return r;
			any = true;
			continue;
		}
		snprintf(name, sizeof(name), "%.*s", eq ? (int)(eq - a) : (int)strlen(a), a);
		arity = a[1] == '-' ? cell_cli_option_arity(name) : 0;
		if (arity == 1 && !eq)
			i++;
	}
	if (!any)
		return 0;
	nv = calloc((size_t)argc + 2 * store->n + 1, sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	nv[k++] = argv[0];
	for (size_t j = 0; j < store->n; j++) {
		nv[k++] = store->opts[j].name;
		if (store->opts[j].value)
			nv[k++] = store->opts[j].value;
	}
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--") == 0 || a[0] != '-')
			break;
		if (strcmp(a, "--profile") == 0) {
			i++;
			continue;
		}
		if (strncmp(a, "--profile=", 10) == 0)
			continue;
		nv[k++] = argv[i];
		if (a[1] == '-' && !strchr(a, '=') && cell_cli_option_arity(a) == 1 && i + 1 < argc)
			nv[k++] = argv[++i];
	}
	for (; i < argc; i++)
		nv[k++] = argv[i];
	nv[k] = NULL;
	*ret_argc = k;
	*ret_argv = TAKE_PTR(nv);
	return 0;
}

/* ---- cell profile show NAME ---- */

const char cell_cmd_profile_help[] =
	"Usage: cell profile show NAME|FILE\n"
	"\n"
	"Print the options a profile gives `cell run --profile NAME`, includes\n"
	"resolved, each with the file and line it comes from.  Profiles are found\n"
	"as NAME.profile in $XDG_CONFIG_HOME/cell/profiles, /etc/cell/profiles and\n"
	"the shipped ones (" CELL_PROFILE_DIR "): chroot, namespaces,\n"
	"default, strict, judge, build, gui, gui-wayland.\n";

int cell_cmd_profile(int argc, char **argv)
{
	struct cell_profile p = { 0 };
	struct cell_err err = { 0 };
	char path[4096], buf[CELL_ERR_MSG_MAX + 128];
	int r;

	if (argc == 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		fputs(cell_cmd_profile_help, stdout);
		return 0;
	}
	if (argc != 3 || strcmp(argv[1], "show") != 0) {
		fprintf(stderr, "cell: profile: expected 'show NAME' (see cell profile --help)\n");
		return 125;
	}
	r = cell_profile_find(argv[2], path, sizeof(path), &err);
	if (r >= 0)
		r = cell_profile_load(&p, argv[2], 0, &err);
	if (r < 0) {
		fprintf(stderr, "cell: %s\n", cell_err_format(&err, buf, sizeof(buf)));
		cell_profile_clear(&p);
		return err.status ? err.status : 125;
	}
	printf("# profile %s (%s)\n", argv[2], path);
	cell_profile_print(&p, stdout);
	cell_profile_clear(&p);
	return 0;
}
