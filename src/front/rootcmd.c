/* rootcmd.c - `cell root build|debootstrap|diff`: make and inspect roots for
 * `cell run --root`.
 *
 * Front end only: options in, one line "cell: ..." and status 125 out on
 * bad input.  The work is in the engine: rootfs.c (build, --check),
 * debootstrap.c (apt sources, the debootstrap run) and overlaydiff.c (diff).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"

#include "../lib/cleanup.h"
#include "../lib/debootstrap.h"
#include "../lib/err.h"
#include "../lib/host.h"
#include "../lib/idmap.h"
#include "../lib/overlaydiff.h"
#include "../lib/rootfs.h"
#include "../lib/spec.h"

const char cell_cmd_root_help[] =
	"Usage: cell root build [OPTION...] DIR PROGRAM...\n"
	"       cell root build --check DIR [PROGRAM...]\n"
	"       cell root debootstrap [OPTION...] DIR [SUITE [MIRROR]]\n"
	"       cell root diff [--lower DIR] UPPER\n"
	"\n"
	"Make a directory tree for cell run --root DIR, and inspect one.\n"
	"\n"
	"  build        copy programs with their loader and shared libraries (found\n"
	"               by reading the ELF files, not by running ldd), the\n"
	"               interpreters of #! scripts, and a minimal skeleton\n"
	"  debootstrap  make a Debian root with debootstrap(8), from the host's apt\n"
	"               sources by default\n"
	"  diff         list what an overlay upper directory (cell run --persist)\n"
	"               adds, changes and deletes\n"
	"\n"
	"See cell root COMMAND --help.  Exit status: 0, or 125 on bad input or a\n"
	"failure (the tree is then left as it was or marked incomplete by a file\n"
	"named .cell-incomplete at its top); --check gives 1 when something lacks.\n";

static const char build_help[] =
	"Usage: cell root build [OPTION...] DIR PROGRAM...\n"
	"       cell root build --check DIR [PROGRAM...]\n"
	"\n"
	"Copy each PROGRAM (a path, or a name looked up in PATH) into DIR with\n"
	"everything needed to start it, so that `cell run --root DIR -- PROGRAM`\n"
	"works, as the article's chroot built by hand with cp and ldd:\n"
	"  - the dynamic loader (PT_INTERP) and the whole closure of shared\n"
	"    libraries, found by reading the ELF files themselves: DT_NEEDED,\n"
	"    DT_RPATH and DT_RUNPATH (with $ORIGIN, $LIB, $PLATFORM), then\n"
	"    /etc/ld.so.conf and its includes, then the loader's default directories;\n"
	"  - for a #! script, its interpreter (recursively), and the program an\n"
	"    `#!/usr/bin/env NAME` line names;\n"
	"  - every symlink on the way, with its own target (/bin -> usr/bin stays a\n"
	"    symlink), so each file keeps the host's path;\n"
	"  - the skeleton: /bin /lib /lib64 (in the host's shape), /etc /tmp /proc\n"
	"    /dev /sys /home /root /run, and /etc/passwd, /etc/group (root, nobody,\n"
	"    and you), /etc/nsswitch.conf, /etc/hosts when they are absent.\n"
	"\n"
	"Running it again with more programs adds them; files already up to date\n"
	"(same size, time and mode) are not copied again.  Copies belong to you and\n"
	"lose set-user-ID and set-group-ID bits.  DIR is created if missing (its\n"
	"parent must exist).  Nothing is written when a program or library is\n"
	"missing; a build that fails part way leaves DIR/.cell-incomplete behind.\n"
	"\n"
	"Interpreters need their own library trees, which are not ELF dependencies:\n"
	"add them with --add, e.g. for Python:\n"
	"  cell root build DIR python3 --add /usr/lib/python3.11\n"
	"ELF files inside an --add tree (Python's extension modules) bring their\n"
	"libraries too.\n"
	"\n"
	"Options:\n"
	"  --add SRC[:DST]  also copy the file or directory tree SRC (to DST inside\n"
	"                   DIR, default the same path); symlinks in it stay symlinks;\n"
	"                   devices, sockets and fifos are left out\n"
	"  --check          copy nothing: list, for each PROGRAM (default: those\n"
	"                   earlier builds recorded in DIR/.cell-root), what it still\n"
	"                   lacks inside DIR; exit 1 when something does\n"
	"  --dry-run        print the plan (directories, symlinks, copies) only\n"
	"  -h, --help       this text\n"
	"\n"
	"Example, as in the article:\n"
	"  cell root build /tmp/jail bash ls\n"
	"  cell run --root /tmp/jail -- /bin/bash -c 'ls /'\n";

static const char debootstrap_help[] =
	"Usage: cell root debootstrap [OPTION...] DIR [SUITE [MIRROR]]\n"
	"\n"
	"Make a Debian root in DIR with debootstrap(8) (apt-get install debootstrap).\n"
	"SUITE and MIRROR default to the host's: the first `deb` source of\n"
	"/etc/apt/sources.list, /etc/apt/sources.list.d/*.list and *.sources that\n"
	"is not a -security, -updates or -backports suite (else the release named\n"
	"in /etc/os-release, from http://deb.debian.org/debian).\n"
	"\n"
	"As root, debootstrap runs directly.  As another user it runs as root of a\n"
	"new user namespace that maps your subordinate ids (/etc/subuid and\n"
	"/etc/subgid through newuidmap/newgidmap, as cell run --map-auto does), so\n"
	"the files get their packages' owners; without subordinate ids it needs root\n"
	"and says so.  Files owned by subordinate ids are yours to remove only from\n"
	"inside such a namespace.\n"
	"\n"
	"Progress shows as one line per stage; the full log is DIR/debootstrap/\n"
	"debootstrap.log while it runs.  DIR must be empty or missing, or left\n"
	"incomplete by an earlier cell root debootstrap (which is then resumed);\n"
	"until debootstrap succeeds DIR holds .cell-incomplete.\n"
	"\n"
	"Options:\n"
	"  --variant NAME   debootstrap variant (default minbase; `-` for debootstrap's\n"
	"                   own default of required and important packages)\n"
	"  --include PKGS   extra packages, comma-separated\n"
	"  --arch ARCH      architecture (default: the host's)\n"
	"  --dry-run        print the suite, mirror and command, and run nothing\n"
	"  -h, --help       this text\n"
	"\n"
	"Then: cell run --root DIR -- /bin/bash\n";

static const char diff_help[] =
	"Usage: cell root diff [--lower DIR] UPPER\n"
	"\n"
	"List what an overlayfs upper directory changes, one line per path, sorted:\n"
	"  A PATH   added (with --lower: not in the lower layer)\n"
	"  M PATH   modified (with --lower: also in the lower layer)\n"
	"  C PATH   added or modified (no --lower given to tell which)\n"
	"  D PATH   deleted: a whiteout (a 0/0 character device, or a file with the\n"
	"           trusted.overlay.whiteout / user.overlay.whiteout attribute)\n"
	"  R PATH/  replaced: an opaque directory (trusted.overlay.opaque or\n"
	"           user.overlay.opaque is \"y\") hides the lower one; what it holds\n"
	"           is listed as added\n"
	"Directories end in '/'.  With --lower, a directory that only holds changes\n"
	"is not listed itself.  When UPPER holds `upper` and `work` directories\n"
	"(a --persist directory), `upper` is read.  The tree is only read.\n"
	"\n"
	"Options:\n"
	"  --lower DIR   the lower layer, to tell added from modified\n"
	"  -h, --help    this text\n";

static int fail(const struct cell_err *err, int r)
{
	char buf[CELL_ERR_MSG_MAX + 128];

	if (err->msg[0])
		fprintf(stderr, "cell: %s\n", cell_err_format(err, buf, sizeof(buf)));
	else
		fprintf(stderr, "cell: %s\n", strerror(r < 0 ? -r : EINVAL));
	return CELL_EXIT_SETUP;
}

static int usage_error(const char *cmd, const char *fmt, const char *arg)
{
	fprintf(stderr, "cell: root %s: ", cmd);
	fprintf(stderr, fmt, arg);
	fprintf(stderr, " (see cell root %s --help)\n", cmd);
	return CELL_EXIT_SETUP;
}

/* ---- build ------------------------------------------------------------ */

struct check_ctx {
	const char *program;
	int missing;
};

static void print_missing(const char *what, const char *needed_by, void *ud)
{
	struct check_ctx *c = ud;

	c->missing++;
	if (needed_by)
		printf("%s: missing %s (needed by %s)\n", c->program, what, needed_by);
	else
		printf("%s: missing %s\n", c->program, what);
}

static int build_check(const char *dir, char **programs, int n)
{
	_cleanup_close_ int rootfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	struct cell_err err = { 0 };
	char **listed = NULL;
	bool lacking = false;
	struct stat st;
	int r;

	if (rootfd < 0) {
		cell_fail(&err, errno, "root build --check: %s", dir);
		return fail(&err, -errno);
	}
	if (fstatat(rootfd, CELL_ROOTFS_INCOMPLETE, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		printf("%s: incomplete (%s: a build did not finish)\n", dir,
		       CELL_ROOTFS_INCOMPLETE);
		lacking = true;
	}
	if (n == 0) {
		r = cell_rootfs_manifest_read(rootfd, &listed, &err);
		if (r < 0)
			return fail(&err, r);
		for (n = 0; listed[n]; n++)
			;
		if (n == 0) {
			cell_rootfs_strv_free(listed);
			fprintf(stderr, "cell: root build --check: %s records no programs (%s); "
					"name them\n",
				dir, CELL_ROOTFS_MANIFEST);
			return CELL_EXIT_SETUP;
		}
		programs = listed;
	}
	for (int i = 0; i < n; i++) {
		struct check_ctx c = { programs[i], 0 };

		r = cell_rootfs_check(rootfd, programs[i], print_missing, &c, &err);
		if (r < 0) {
			cell_rootfs_strv_free(listed);
			cell_err_prefix(&err, "root build --check %s", dir);
			return fail(&err, r);
		}
		if (c.missing)
			lacking = true;
		else
			printf("%s: ok\n", programs[i]);
	}
	cell_rootfs_strv_free(listed);
	return lacking ? 1 : 0;
}

/* DIR, created when missing; checked to be a writable directory before
 * anything is written into it. */
static int open_target(const char *dir, struct cell_err *err)
{
	int fd;

	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return cell_fail(err, errno, "%s", dir);
	fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return cell_fail(err, errno, "%s", dir);
	if (access(dir, W_OK | X_OK) < 0) {
		int e = errno;

		close(fd);
		return cell_fail(err, e, "%s", dir);
	}
	return fd;
}

static int cmd_build(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "add", required_argument, NULL, 'a' }, { "check", no_argument, NULL, 'c' },
		{ "dry-run", no_argument, NULL, 'n' },	 { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_(cell_rootfs_freep) struct cell_rootfs *b = NULL;
	_cleanup_close_ int hostfd = -1, dirfd = -1;
	struct cell_err err = { 0 };
	char **adds = NULL, cwd[4096];
	int n_adds = 0, opt, r;
	bool check = false, dry = false;
	const char *dir;
	size_t copied = 0, n_ops;
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	optind = 1;
	opterr = 0;
	/* Options may follow DIR and the programs (no "+"). */
	while ((opt = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (opt) {
		case 'h':
			fputs(build_help, stdout);
			free(adds);
			return 0;
		case 'a': {
			char **na = realloc(adds, (size_t)(n_adds + 1) * sizeof(char *));

			if (!na) {
				free(adds);
				return fail(&err, -ENOMEM);
			}
			adds = na;
			adds[n_adds++] = optarg;
			break;
		}
		case 'c':
			check = true;
			break;
		case 'n':
			dry = true;
			break;
		case ':':
			free(adds);
			return usage_error("build", "option %s needs a value", argv[optind - 1]);
		default:
			free(adds);
			return usage_error("build", "unknown option %s", argv[optind - 1]);
		}
	}
	if (optind >= argc) {
		free(adds);
		return usage_error("build", "%s", "no DIR given");
	}
	dir = argv[optind++];
	if (check) {
		free(adds);
		return build_check(dir, argv + optind, argc - optind);
	}
	if (optind >= argc && n_adds == 0) {
		free(adds);
		return usage_error("build", "no PROGRAM given for %s", dir);
	}
	if (!getcwd(cwd, sizeof(cwd)))
		strcpy(cwd, "/");

	/* 1. The plan: reads the host only. */
	hostfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	b = hostfd >= 0 ? cell_rootfs_new(hostfd, getenv("PATH"), cwd) : NULL;
	if (!b) {
		free(adds);
		return fail(&err, hostfd < 0 ? -errno : -ENOMEM);
	}
	{
		struct passwd *pw = getuid() ? getpwuid(getuid()) : NULL;

		r = cell_rootfs_add_skeleton(b, pw ? pw->pw_name : NULL, getuid(), getgid(), &err);
	}
	for (int i = optind; r >= 0 && i < argc; i++)
		r = cell_rootfs_add_program(b, argv[i], &err);
	for (int i = 0; r >= 0 && i < n_adds; i++) {
		_cleanup_free_ char *src = strdup(adds[i]);
		char *colon = src ? strchr(src, ':') : NULL;

		if (!src) {
			r = -ENOMEM;
			break;
		}
		if (colon)
			*colon = '\0';
		r = cell_rootfs_add_path(b, src, colon ? colon + 1 : NULL, &err);
	}
	free(adds);
	if (r < 0) {
		cell_err_prefix(&err, "root build");
		return fail(&err, r);
	}
	if (dry) {
		cell_rootfs_print(b, stdout);
		return 0;
	}

	/* 2. Apply: marker first, removed last. */
	dirfd = open_target(dir, &err);
	if (dirfd < 0) {
		cell_err_prefix(&err, "root build");
		return fail(&err, dirfd);
	}
	r = cell_rootfs_apply(b, dirfd, &copied, &err);
	if (r < 0) {
		cell_err_prefix(&err, "root build %s (left incomplete: %s/%s)", dir, dir,
				CELL_ROOTFS_INCOMPLETE);
		return fail(&err, r);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	cell_rootfs_ops(b, &n_ops);
	printf("%s: %d program(s), %zu entries, %zu file(s) copied, %.0f ms\n", dir,
	       argc - optind, n_ops, copied,
	       (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
	return 0;
}

/* ---- debootstrap and diff: see below ---------------------------------- */

static int cmd_debootstrap(int argc, char **argv);
static int cmd_diff(int argc, char **argv);

int cell_cmd_root(int argc, char **argv)
{
	if (argc < 2) {
		fputs(cell_cmd_root_help, stderr);
		return CELL_EXIT_SETUP;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		fputs(cell_cmd_root_help, stdout);
		return 0;
	}
	if (strcmp(argv[1], "build") == 0)
		return cmd_build(argc - 1, argv + 1);
	if (strcmp(argv[1], "debootstrap") == 0)
		return cmd_debootstrap(argc - 1, argv + 1);
	if (strcmp(argv[1], "diff") == 0)
		return cmd_diff(argc - 1, argv + 1);
	fprintf(stderr, "cell: root: unknown command '%s' (build, debootstrap, diff)\n", argv[1]);
	return CELL_EXIT_SETUP;
}

/* The debootstrap program: $CELL_DEBOOTSTRAP, else PATH, /usr/sbin, /sbin. */
static char *find_debootstrap(void)
{
	const char *env = getenv("CELL_DEBOOTSTRAP"), *path = getenv("PATH");
	_cleanup_free_ char *dirs = NULL;
	char *save = NULL, *d;

	if (env && env[0])
		return access(env, X_OK) == 0 ? strdup(env) : NULL;
	if (asprintf(&dirs, "%s:/usr/sbin:/sbin", path ? path : "/usr/bin:/bin") < 0)
		return NULL;
	for (d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		char *cand;

		if (d[0] != '/' || asprintf(&cand, "%s/debootstrap", d) < 0)
			continue;
		if (access(cand, X_OK) == 0)
			return cand;
		free(cand);
	}
	return NULL;
}

static char *read_text(const char *path)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	char *text = NULL;
	size_t len = 0;
	ssize_t n;

	if (!f)
		return NULL;
	n = getdelim(&text, &len, '\0', f);
	if (n < 0) {
		free(text);
		return strdup("");
	}
	return text;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The host's apt sources in apt's order: sources.list, then the files of
 * sources.list.d (*.list and *.sources) sorted by name. */
static int host_source(struct cell_apt_source *ret)
{
	char *texts[64];
	bool deb822[64];
	size_t n = 0;
	DIR *d;
	int r;

	if ((texts[n] = read_text("/etc/apt/sources.list")))
		deb822[n++] = false;
	d = opendir("/etc/apt/sources.list.d");
	if (d) {
		char *names[62];
		size_t k = 0;
		struct dirent *de;

		while ((de = readdir(d)) && k < ELEMENTSOF(names)) {
			size_t l = strlen(de->d_name);

			if ((l > 5 && strcmp(de->d_name + l - 5, ".list") == 0) ||
			    (l > 8 && strcmp(de->d_name + l - 8, ".sources") == 0))
				names[k++] = strdup(de->d_name);
		}
		closedir(d);
		qsort(names, k, sizeof(char *), cmp_names);
		for (size_t i = 0; i < k; i++) {
			char *path = NULL;

			if (names[i] && asprintf(&path, "/etc/apt/sources.list.d/%s", names[i]) >= 0 &&
			    (texts[n] = read_text(path))) {
				size_t l = strlen(names[i]);

				deb822[n++] = l > 8 && strcmp(names[i] + l - 8, ".sources") == 0;
			}
			free(path);
			free(names[i]);
		}
	}
	r = cell_apt_sources_pick((const char *const *)texts, deb822, n, ret);
	for (size_t i = 0; i < n; i++)
		free(texts[i]);
	return r;
}

struct progress {
	int stage;
	char last_error[256], last_line[256];
};

static void on_line(const char *line, void *ud)
{
	struct progress *p = ud;
	const char *name = NULL;
	int st = cell_debootstrap_stage(line, &name);

	if (st > p->stage) {
		p->stage = st;
		printf("cell: root debootstrap: [%d/%d] %s\n", st, CELL_DEBOOTSTRAP_STAGES, name);
		fflush(stdout);
	}
	if (strncmp(line, "E: ", 3) == 0)
		snprintf(p->last_error, sizeof(p->last_error), "%s", line + 3);
	if (line[0])
		snprintf(p->last_line, sizeof(p->last_line), "%s", line);
}

/* DIR must be missing, empty, or left incomplete by an earlier run. */
static int prepare_dir(const char *dir, bool *ret_resumed, struct cell_err *err)
{
	DIR *d;
	struct dirent *de;
	bool other = false, marker = false;

	if (mkdir(dir, 0755) == 0) {
		*ret_resumed = false;
		return 0;
	}
	if (errno != EEXIST)
		return cell_fail(err, errno, "%s", dir);
	d = opendir(dir);
	if (!d)
		return cell_fail(err, errno, "%s", dir);
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (strcmp(de->d_name, CELL_ROOTFS_INCOMPLETE) == 0)
			marker = true;
		else
			other = true;
	}
	closedir(d);
	if (other && !marker)
		return cell_fail(err, 0, "%s is not empty (and not an unfinished root); give a new "
					 "or empty directory", dir);
	if (access(dir, W_OK | X_OK) < 0)
		return cell_fail(err, errno, "%s", dir);
	*ret_resumed = marker;
	return 0;
}

static int cmd_debootstrap(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "variant", required_argument, NULL, 'v' }, { "include", required_argument, NULL, 'i' },
		{ "arch", required_argument, NULL, 'a' },    { "dry-run", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },	     { NULL, 0, NULL, 0 },
	};
	_cleanup_free_ char *prog = NULL, *variant_arg = NULL, *include_arg = NULL,
			    *arch_arg = NULL, *absdir = NULL, *codename = NULL, *osr = NULL;
	_cleanup_(cell_spec_freep) struct cell_spec *spec = NULL;
	_cleanup_close_ int dirfd = -1;
	struct cell_apt_source src = { 0 };
	struct cell_idmap_plan plan;
	struct cell_host host;
	struct cell_err err = { 0 };
	struct progress prog_state = { 0 };
	const char *variant = "minbase", *include = NULL, *arch = NULL, *dir, *suite, *mirror;
	char *av[16], *envp[12], *proxy[4] = { NULL };
	bool dry = false, userns = false, resumed = false;
	int opt, r, k = 0, e = 0;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'h':
			fputs(debootstrap_help, stdout);
			return 0;
		case 'v':
			variant = optarg;
			break;
		case 'i':
			include = optarg;
			break;
		case 'a':
			arch = optarg;
			break;
		case 'n':
			dry = true;
			break;
		case ':':
			return usage_error("debootstrap", "option %s needs a value", argv[optind - 1]);
		default:
			return usage_error("debootstrap", "unknown option %s", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return usage_error("debootstrap", "%s", "no DIR given");
	if (argc - optind > 3)
		return usage_error("debootstrap", "%s", "too many arguments (DIR [SUITE [MIRROR]])");
	dir = argv[optind];
	suite = optind + 1 < argc ? argv[optind + 1] : NULL;
	mirror = optind + 2 < argc ? argv[optind + 2] : NULL;
	if ((suite && (!suite[0] || strchr(suite, '/') || suite[0] == '-')) ||
	    (mirror && !strstr(mirror, ":/")))
		return usage_error("debootstrap", "'%s' is not a suite name or mirror URL",
				   mirror && !strstr(mirror, ":/") ? mirror : suite);

	prog = find_debootstrap();
	if (!prog) {
		fprintf(stderr, "cell: root debootstrap: debootstrap is not installed "
				"(apt-get install debootstrap)\n");
		return CELL_EXIT_SETUP;
	}

	/* Suite and mirror: given, else the host's apt sources, else the
	 * release os-release names on Debian's own mirror. */
	if (!suite || !mirror) {
		r = host_source(&src);
		if (r < 0)
			return fail(&err, r);
	}
	if (!suite && src.suite)
		suite = src.suite;
	if (!suite && (osr = read_text("/etc/os-release")) &&
	    (codename = cell_os_release_codename(osr)))
		suite = codename;
	if (!suite) {
		cell_apt_source_clear(&src);
		fprintf(stderr, "cell: root debootstrap: no suite in the host's apt sources or "
				"/etc/os-release; name one (e.g. bookworm)\n");
		return CELL_EXIT_SETUP;
	}
	if (!mirror)
		mirror = src.uri ? src.uri : "http://deb.debian.org/debian";

	/* Who runs it: root directly, others as root of a user namespace
	 * with their subordinate ids. */
	if (getuid() != 0) {
		r = cell_host_probe(&host, true, &err);
		if (r < 0) {
			cell_apt_source_clear(&src);
			return fail(&err, r);
		}
		if (host.subuid.count == 0 || host.subgid.count == 0) {
			cell_apt_source_clear(&src);
			fprintf(stderr,
				"cell: root debootstrap: needs root, or subordinate ids for uid %u "
				"in /etc/subuid and /etc/subgid (e.g. usermod --add-subuids "
				"100000-165535 --add-subgids 100000-165535 USER) to run as root of "
				"a user namespace\n",
				host.uid);
			return CELL_EXIT_SETUP;
		}
		spec = cell_spec_new();
		if (!spec) {
			cell_apt_source_clear(&src);
			return fail(&err, -ENOMEM);
		}
		spec->id_mode = CELL_ID_MAP_AUTO;
		spec->set |= CELL_SET_IDMODE;
		r = cell_idmap_plan(spec, &host, &plan, &err);
		if (r < 0) {
			cell_apt_source_clear(&src);
			return fail(&err, r);
		}
		userns = true;
	}

	absdir = realpath(dir, NULL);
	if (!absdir && !(absdir = dir[0] == '/' ? strdup(dir) : NULL)) {
		char cwd[4096];

		if (getcwd(cwd, sizeof(cwd)) && asprintf(&absdir, "%s/%s", cwd, dir) < 0)
			absdir = NULL;
	}
	if (!absdir || asprintf(&variant_arg, "--variant=%s", variant) < 0 ||
	    (include && asprintf(&include_arg, "--include=%s", include) < 0) ||
	    (arch && asprintf(&arch_arg, "--arch=%s", arch) < 0)) {
		cell_apt_source_clear(&src);
		return fail(&err, -ENOMEM);
	}
	av[k++] = prog;
	if (strcmp(variant, "-") != 0)
		av[k++] = variant_arg;
	if (include_arg)
		av[k++] = include_arg;
	if (arch_arg)
		av[k++] = arch_arg;
	av[k++] = (char *)suite;
	av[k++] = absdir;
	av[k++] = (char *)mirror;
	av[k] = NULL;

	envp[e++] = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	envp[e++] = "LANG=C.UTF-8";
	envp[e++] = "HOME=/root";
	envp[e++] = "DEBIAN_FRONTEND=noninteractive";
	if (userns)
		envp[e++] = "container=lxc"; /* bind /dev nodes where mknod is refused */
	{
		static const char *const keep[] = { "http_proxy", "https_proxy", "no_proxy" };

		for (size_t i = 0; i < ELEMENTSOF(keep); i++) {
			const char *v = getenv(keep[i]);

			if (v && asprintf(&proxy[i], "%s=%s", keep[i], v) >= 0)
				envp[e++] = proxy[i];
		}
	}
	envp[e] = NULL;

	if (dry) {
		printf("suite:   %s\nmirror:  %s\nas:      %s\ncommand:", suite, mirror,
		       userns ? "root of a new user namespace with your subordinate ids"
			      : "root");
		for (int i = 0; av[i]; i++)
			printf(" %s", av[i]);
		printf("\n");
		r = 0;
		goto done;
	}

	r = prepare_dir(dir, &resumed, &err);
	if (r >= 0 && (dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		r = cell_fail(&err, errno, "%s", dir);
	if (r >= 0)
		r = cell_rootfs_mark(dirfd, true, "cell root debootstrap", &err);
	if (r < 0) {
		cell_err_prefix(&err, "root debootstrap");
		r = fail(&err, r);
		goto done;
	}
	printf("cell: root debootstrap: %s %s from %s into %s%s\n", resumed ? "resuming" : "making",
	       suite, mirror, absdir, userns ? " (as root of a user namespace)" : "");
	fflush(stdout);
	r = cell_debootstrap_run(av, envp, userns ? &plan : NULL, on_line, &prog_state, &err);
	if (r < 0) {
		cell_err_prefix(&err, "root debootstrap (%s left incomplete)", dir);
		r = fail(&err, r);
		goto done;
	}
	if (r != 0) {
		fprintf(stderr,
			"cell: root debootstrap: debootstrap failed (status %d): %s (%s is marked "
			"incomplete; log: %s/debootstrap/debootstrap.log)\n",
			r, prog_state.last_error[0] ? prog_state.last_error : prog_state.last_line,
			dir, absdir);
		r = CELL_EXIT_SETUP;
		goto done;
	}
	if (userns) {
		/* Where mknod was refused, debootstrap bound host nodes over empty
		 * files; the mounts went with the namespace, the files stayed. */
		static const char *const nodes[] = { "null", "zero", "full", "random",
						      "urandom", "tty", "console", "ptmx" };
		_cleanup_close_ int devfd = openat(dirfd, "dev", O_PATH | O_DIRECTORY |
								 O_NOFOLLOW | O_CLOEXEC);
		struct stat st;

		for (size_t i = 0; devfd >= 0 && i < ELEMENTSOF(nodes); i++)
			if (fstatat(devfd, nodes[i], &st, AT_SYMLINK_NOFOLLOW) == 0 &&
			    S_ISREG(st.st_mode) && st.st_size == 0)
				(void)unlinkat(devfd, nodes[i], 0); /* cosmetic */
	}
	r = cell_rootfs_mark(dirfd, false, NULL, &err);
	if (r < 0) {
		cell_err_prefix(&err, "root debootstrap");
		r = fail(&err, r);
		goto done;
	}
	printf("cell: root debootstrap: %s is ready: cell run --root %s -- /bin/bash\n", dir, dir);
	r = 0;
done:
	for (size_t i = 0; i < ELEMENTSOF(proxy); i++)
		free(proxy[i]);
	cell_apt_source_clear(&src);
	return r;
}

static int print_change(enum cell_odiff_kind k, const char *path, bool dir, void *ud)
{
	(void)ud;
	printf("%s %s%s\n", cell_odiff_letter(k), path, dir ? "/" : "");
	return 0;
}

static int cmd_diff(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "lower", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_close_ int upperfd = -1, lowerfd = -1;
	struct cell_err err = { 0 };
	const char *lower = NULL, *dir;
	int opt, r;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (opt) {
		case 'h':
			fputs(diff_help, stdout);
			return 0;
		case 'l':
			lower = optarg;
			break;
		case ':':
			return usage_error("diff", "option %s needs a value", argv[optind - 1]);
		default:
			return usage_error("diff", "unknown option %s", argv[optind - 1]);
		}
	}
	if (optind != argc - 1)
		return usage_error("diff", "%s", optind >= argc ? "no UPPER directory given"
								: "give one UPPER directory");
	dir = argv[optind];
	upperfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (upperfd < 0) {
		cell_fail(&err, errno, "root diff: %s", dir);
		return fail(&err, -errno);
	}
	{
		/* A --persist directory: its "upper" beside overlayfs's "work". */
		struct stat a, b;

		if (fstatat(upperfd, "upper", &a, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(a.st_mode) &&
		    fstatat(upperfd, "work", &b, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(b.st_mode)) {
			int fd = openat(upperfd, "upper", O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
								  O_CLOEXEC);

			if (fd < 0) {
				cell_fail(&err, errno, "root diff: %s/upper", dir);
				return fail(&err, -errno);
			}
			close(upperfd);
			upperfd = fd;
		}
	}
	if (lower) {
		lowerfd = open(lower, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (lowerfd < 0) {
			cell_fail(&err, errno, "root diff: --lower %s", lower);
			return fail(&err, -errno);
		}
	}
	r = cell_overlay_diff(upperfd, lowerfd, print_change, NULL, &err);
	if (r < 0) {
		cell_err_prefix(&err, "root diff %s", dir);
		return fail(&err, r);
	}
	return 0;
}
