/* rootcmd.c - `cell root build|debootstrap|diff`: make and inspect roots for
 * `cell run --root`.
 *
 * Front end only: options in, one line "cell: ..." and status 125 out on
 * bad input.  The work is in the engine: rootfs.c (build, --check),
 * debootstrap.c (apt sources, the debootstrap run) and overlaydiff.c (diff).
 */
#define _GNU_SOURCE
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
#include "../lib/err.h"
#include "../lib/overlaydiff.h"
#include "../lib/rootfs.h"

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

static int cmd_debootstrap(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	(void)debootstrap_help;
	fprintf(stderr, "cell: root debootstrap: not built yet\n");
	return CELL_EXIT_SETUP;
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
