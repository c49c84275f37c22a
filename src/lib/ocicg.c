/* ocicg.c - the cgroup of an OCI container: plan, create, limits, devices,
 * freeze, kill, remove, and the record later `cell oci` processes re-open.
 *
 * runtime-spec config-linux.md, cgroups(7), proc(5) (mountinfo,
 * /proc/PID/cgroup), Documentation/admin-guide/cgroup-v2.rst and
 * cgroup-v1/{memory,cpusets,freezer-subsystem,devices}.rst,
 * Documentation/bpf/prog_cgroup_device.rst, bpf(2).
 *
 * The plan (pure) turns mountinfo and /proc/self/cgroup text into one
 * directory per hierarchy; the rest only writes files.  cell's own
 * cgroup.c knows no devices or net_* hierarchies and keeps one sandbox per
 * process, so this module has its own planner and reuses only its file
 * helpers (cgroup-internal.h).
 *
 * Ordering constraints the kernel imposes:
 *   - v1 cpuset: a new directory starts with empty cpuset.cpus/mems and
 *     refuses tasks until both are filled (create copies the parent's);
 *   - v1 memory: memory.limit_in_bytes <= memory.memsw.limit_in_bytes at
 *     every moment (set tries both orders);
 *   - v1 devices: "a" into devices.deny first (fail closed), then the rules;
 *   - v2: a controller is usable in a cgroup only when every ancestor has it
 *     in cgroup.subtree_control, which a non-root cgroup with processes of
 *     its own refuses (EBUSY, "no internal processes");
 *   - v2 devices: a BPF_CGROUP_DEVICE program; an update attaches the new
 *     one (BPF_F_ALLOW_MULTI) before detaching the old, so the container is
 *     never without one.
 */
#define _GNU_SOURCE
#include "ocicg.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/bpf.h>
#include <linux/magic.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "cgroup-internal.h"
#include "cleanup.h"
#include "fileio.h"
#include "ocicg-internal.h"


/* The v2 controllers create enables in every ancestor. */
static const char *const v2_auto[] = { "memory", "pids", "cpu", "io" };

const struct cell_ocicg_device cell_ocicg_default_devices[] = {
	{ true, 'c', -1, -1, "m" },  /* mknod any char device, as runc */
	{ true, 'b', -1, -1, "m" },  /* and any block device (opening is separate) */
	{ true, 'c', 1, 3, "rwm" },  /* /dev/null */
	{ true, 'c', 1, 5, "rwm" },  /* /dev/zero */
	{ true, 'c', 1, 7, "rwm" },  /* /dev/full */
	{ true, 'c', 1, 8, "rwm" },  /* /dev/random */
	{ true, 'c', 1, 9, "rwm" },  /* /dev/urandom */
	{ true, 'c', 5, 0, "rwm" },  /* /dev/tty */
	{ true, 'c', 5, 1, "rwm" },  /* /dev/console */
	{ true, 'c', 5, 2, "rwm" },  /* /dev/ptmx */
	{ true, 'c', 136, -1, "rwm" }, /* /dev/pts/N */
};
const size_t cell_ocicg_n_default_devices = ELEMENTSOF(cell_ocicg_default_devices);

struct cell_ocicg {
	struct cell_ocicg_plan plan;
	int fd;	    /* v2: the directory */
	bool fresh; /* made by create in this process: the first set() applies devices */
};

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

unsigned cell_ocicg_wanted(const struct cell_ocicg_resources *r)
{
	unsigned want = ((1u << CELL_OCICG_CTL_MAX) - 1) & ~CELL_OCICG_BIT(CELL_OCICG_CPUSET);

	if (r && (r->set & (CELL_OCICG_SET_CPU_CPUS | CELL_OCICG_SET_CPU_MEMS)))
		want |= CELL_OCICG_BIT(CELL_OCICG_CPUSET);
	return want;
}

uint64_t cell_ocicg_shares_to_weight(uint64_t shares)
{
	if (shares < 2)
		shares = 2;
	if (shares > 262144)
		shares = 262144;
	return 1 + ((shares - 2) * 9999) / 262142;
}

/* ---- small file helpers ---- */

/* Is word in the blank-separated list? */
static bool has_word(const char *list, const char *word)
{
	size_t wl = strlen(word);

	for (const char *s = list; (s = strstr(s, word)); s += wl)
		if ((s == list || s[-1] == ' ') && (s[wl] == ' ' || s[wl] == '\0' || s[wl] == '\n'))
			return true;
	return false;
}

static int wr(const char *dir, const char *file, const char *value, const char *what,
	      struct cell_err *err)
{
	int r = cell_cg_write(dir, file, value);

	if (r < 0)
		return cell_fail(err, -r, "%s: write '%s' to %s/%s", what, value, dir, file);
	return 0;
}

static int wr_i64(const char *dir, const char *file, int64_t v, const char *what,
		  struct cell_err *err)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%" PRId64, v);
	return wr(dir, file, buf, what, err);
}

/* A limit that is "max" when v < 0 (OCI's -1, unlimited). */
static int wr_max(const char *dir, const char *file, int64_t v, const char *what,
		  struct cell_err *err)
{
	return v < 0 ? wr(dir, file, "max", what, err) : wr_i64(dir, file, v, what, err);
}

static const struct cell_ocicg_dir *dir_of(const struct cell_ocicg *cg, enum cell_ocicg_ctl c)
{
	if (cg->plan.version == 2)
		return &cg->plan.dirs[0];
	for (size_t i = 0; i < cg->plan.n_dirs; i++)
		if (cg->plan.dirs[i].controllers & CELL_OCICG_BIT(c))
			return &cg->plan.dirs[i];
	return NULL;
}

const char *cell_ocicg_path(const struct cell_ocicg *cg, enum cell_ocicg_ctl c)
{
	const struct cell_ocicg_dir *d = dir_of(cg, c);

	return d ? d->path : NULL;
}

int cell_ocicg_version(const struct cell_ocicg *cg)
{
	return cg->plan.version;
}

const struct cell_ocicg_plan *cell_ocicg_get_plan(const struct cell_ocicg *cg)
{
	return &cg->plan;
}

int cell_ocicg_fd(const struct cell_ocicg *cg)
{
	return cg->fd;
}

struct cell_ocicg *cell_ocicg_free(struct cell_ocicg *cg)
{
	if (cg) {
		if (cg->fd >= 0)
			close(cg->fd);
		free(cg);
	}
	return NULL;
}

/* ---- create and remove ---- */

/* rmdir, retrying while busy (the last processes exiting) until the
 * budget shared by one removal is spent: a cgroup that stays busy costs
 * ~2 s once, not once per hierarchy. */
static int rmdir_busy(const char *dir, int *budget_ms)
{
	struct statfs sf;

	/* the record names what to remove: never anything but a cgroup */
	if (statfs(dir, &sf) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (sf.f_type != (typeof(sf.f_type))CGROUP_SUPER_MAGIC &&
	    sf.f_type != (typeof(sf.f_type))CGROUP2_SUPER_MAGIC)
		return -ENOTDIR;
	for (;;) {
		if (rmdir(dir) == 0 || errno == ENOENT)
			return 0;
		if (errno != EBUSY)
			return -errno;
		if (*budget_ms <= 0)
			return -EBUSY;
		sleep_ms(10);
		*budget_ms -= 10;
	}
}

/* Remove dir's child cgroups (made by the container), deepest first. */
static int rm_children(const char *dir, unsigned depth, int *budget_ms)
{
	_cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	DIR *d;
	struct dirent *de;
	int r = 0;

	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	if (depth > 64)
		return -ELOOP;
	d = fdopendir(TAKE_FD(fd));
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		char sub[PATH_MAX];
		int q;

		if (de->d_type != DT_DIR || strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if ((size_t)snprintf(sub, sizeof(sub), "%s/%s", dir, de->d_name) >= sizeof(sub))
			continue;
		q = rm_children(sub, depth + 1, budget_ms);
		if (q == 0)
			q = rmdir_busy(sub, budget_ms);
		if (q < 0 && r == 0)
			r = q;
	}
	closedir(d);
	return r;
}

static int remove_dir(const struct cell_ocicg_dir *d, int *budget_ms)
{
	char path[PATH_MAX];
	int r;

	if (d->made == 0)
		return 0;
	strcpy(path, d->path);
	r = rm_children(path, 0, budget_ms);
	if (r < 0)
		return r;
	for (unsigned i = 0; i < d->made; i++) {
		char *slash;

		r = rmdir_busy(path, budget_ms);
		if (r < 0)
			return r;
		slash = strrchr(path, '/');
		if (!slash || (size_t)(slash - path) <= d->mount_len)
			break;
		*slash = '\0';
	}
	return 0;
}

int cell_ocicg_remove(struct cell_ocicg *cg, struct cell_err *err)
{
	int first = 0, budget_ms = 2000;

	for (size_t i = 0; i < cg->plan.n_dirs; i++) {
		int r = remove_dir(&cg->plan.dirs[i], &budget_ms);

		if (r < 0 && first == 0)
			first = cell_fail(err, -r, "cgroup: remove %s%s", cg->plan.dirs[i].path,
					  r == -EBUSY ? " (processes are still in it)" : "");
	}
	return first;
}

/* mkdir -p below the mount point; d->made counts the levels made here. */
static int make_dir(struct cell_ocicg_dir *d, struct cell_err *err)
{
	char path[PATH_MAX];
	size_t len = strlen(d->path);

	strcpy(path, d->path);
	d->made = 0;
	for (size_t i = d->mount_len + 1; i <= len; i++) {
		if (path[i] != '/' && path[i] != '\0')
			continue;
		path[i] = '\0';
		if (mkdir(path, 0755) == 0)
			d->made++;
		else if (errno == EEXIST)
			d->made = 0; /* (someone else's, or a race: not ours to remove) */
		else
			return cell_fail(err, errno, "cgroup: mkdir %s", path);
		path[i] = d->path[i];
	}
	return 0;
}

/* v1 cpuset: fill empty cpuset.cpus/mems from the parent, top down. */
static int cpuset_fill(const struct cell_ocicg_dir *d, struct cell_err *err)
{
	char path[PATH_MAX], parent[PATH_MAX];
	size_t len = strlen(d->path);

	strcpy(path, d->path);
	for (size_t i = d->mount_len + 1; i <= len; i++) {
		static const char *const files[] = { "cpuset.cpus", "cpuset.mems" };

		if (path[i] != '/' && path[i] != '\0')
			continue;
		path[i] = '\0';
		memcpy(parent, path, i);
		parent[strrchr(path, '/') - path] = '\0';
		if (!parent[0])
			strcpy(parent, "/");
		for (size_t f = 0; f < ELEMENTSOF(files); f++) {
			char cur[4096], up[4096];
			int r = cell_cg_read(path, files[f], cur, sizeof(cur));

			if (r < 0)
				return cell_fail(err, -r, "cgroup: read %s/%s", path, files[f]);
			if (cur[0])
				continue;
			r = cell_cg_read(parent, files[f], up, sizeof(up));
			if (r < 0)
				return cell_fail(err, -r, "cgroup: read %s/%s", parent, files[f]);
			r = wr(path, files[f], up, "cpuset", err);
			if (r < 0)
				return r;
		}
		path[i] = d->path[i];
	}
	return 0;
}

/* v2: enable the controllers for the children of every ancestor of the
 * leaf.  Failures are not errors here: set() names what is missing. */
static void v2_enable(const struct cell_ocicg_dir *d, unsigned want)
{
	char path[PATH_MAX];
	size_t len = strlen(d->path);

	strcpy(path, d->path);
	for (size_t i = d->mount_len; i < len; i++) {
		char offered[512], enabled[512];

		if (path[i] != '/')
			continue;
		path[i] = '\0';
		if (cell_cg_read(i ? path : "/", "cgroup.controllers", offered, sizeof(offered)) <
			    0 ||
		    cell_cg_read(i ? path : "/", "cgroup.subtree_control", enabled,
				 sizeof(enabled)) < 0) {
			path[i] = '/';
			continue;
		}
		for (size_t c = 0; c < ELEMENTSOF(v2_auto) + 2; c++) {
			const char *name = c < ELEMENTSOF(v2_auto)	   ? v2_auto[c]
					   : c == ELEMENTSOF(v2_auto) ? "cpuset"
									: "hugetlb";
			char plus[32];

			if (c == ELEMENTSOF(v2_auto) && !(want & CELL_OCICG_BIT(CELL_OCICG_CPUSET)))
				continue;
			if (c == ELEMENTSOF(v2_auto) + 1 && !(want & CELL_OCICG_BIT(CELL_OCICG_HUGETLB)))
				continue;
			if (!has_word(offered, name) || has_word(enabled, name))
				continue;
			snprintf(plus, sizeof(plus), "+%s", name);
			(void)cell_cg_write(i ? path : "/", "cgroup.subtree_control", plus);
		}
		path[i] = '/';
	}
}

int cell_ocicg_create_plan(const struct cell_ocicg_plan *plan, unsigned want,
			   struct cell_ocicg **ret, struct cell_err *err)
{
	_cleanup_(cell_ocicg_freep) struct cell_ocicg *cg = calloc(1, sizeof(*cg));
	int r = 0;

	if (!cg)
		return cell_fail(err, ENOMEM, "cgroup");
	cg->plan = *plan;
	cg->fd = -1;
	for (size_t i = 0; i < cg->plan.n_dirs && r == 0; i++) {
		struct cell_ocicg_dir *d = &cg->plan.dirs[i];
		char procs[64];

		r = make_dir(d, err);
		if (r == 0 && d->made == 0 && cell_cg_read(d->path, "cgroup.procs", procs,
							  sizeof(procs)) > 0)
			r = cell_fail(err, EBUSY, "cgroup %s exists and has processes in it",
				      d->path);
		if (r == 0 && (d->controllers & CELL_OCICG_BIT(CELL_OCICG_CPUSET)))
			r = cpuset_fill(d, err);
	}
	if (r == 0 && cg->plan.version == 2) {
		v2_enable(&cg->plan.dirs[0], want);
		cg->fd = open(cg->plan.dirs[0].path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (cg->fd < 0)
			r = cell_fail(err, errno, "cgroup: open %s", cg->plan.dirs[0].path);
	}
	if (r < 0) {
		/* nothing half-made survives; the error is r */
		int budget_ms = 0;

		for (size_t i = cg->plan.n_dirs; i-- > 0;)
			(void)remove_dir(&cg->plan.dirs[i], &budget_ms);
		return r;
	}
	cg->fresh = true;
	*ret = TAKE_PTR(cg);
	return 0;
}

int cell_ocicg_create(const char *cgroups_path, const char *id,
		      const struct cell_ocicg_resources *r, struct cell_ocicg **ret,
		      struct cell_err *err)
{
	_cleanup_free_ char *mountinfo = cell_read_at(AT_FDCWD, "/proc/self/mountinfo", 1u << 22, NULL);
	_cleanup_free_ char *procs = cell_read_at(AT_FDCWD, "/proc/self/cgroup", 1u << 20, NULL);
	_cleanup_free_ struct cell_ocicg_plan *plan = calloc(1, sizeof(*plan));
	unsigned want = cell_ocicg_wanted(r);
	int q;

	if (!plan)
		return cell_fail(err, ENOMEM, "cgroup");
	if (!mountinfo || !procs)
		return cell_fail(err, errno ? errno : ENOMEM, "cgroup: read /proc/self");
	q = cell_ocicg_plan(mountinfo, procs, cgroups_path, id, want, plan, err);
	if (q < 0)
		return q;
	return cell_ocicg_create_plan(plan, want, ret, err);
}

/* ---- the record ---- */

char *cell_ocicg_serialize(const struct cell_ocicg *cg)
{
	size_t len = 64;
	char *buf, *p;

	for (size_t i = 0; i < cg->plan.n_dirs; i++)
		len += strlen(cg->plan.dirs[i].path) + 200;
	buf = malloc(len);
	if (!buf)
		return NULL;
	p = buf + sprintf(buf, "cell-ocicg 1\nversion %d\n", cg->plan.version);
	for (size_t i = 0; i < cg->plan.n_dirs; i++) {
		const struct cell_ocicg_dir *d = &cg->plan.dirs[i];
		char ctl[160] = "";

		for (int c = 0; c < CELL_OCICG_CTL_MAX; c++)
			if (d->controllers & CELL_OCICG_BIT(c))
				sprintf(ctl + strlen(ctl), "%s%s", ctl[0] ? "," : "", cell_ocicg_v1_names[c]);
		p += sprintf(p, "dir %u %u %s %s\n", d->made, d->mount_len, ctl[0] ? ctl : "-",
			     d->path);
	}
	return buf;
}

static bool clean_path(const char *p)
{
	if (p[0] != '/' || strstr(p, "//") || strstr(p, "/./") || strstr(p, "/../"))
		return false;
	size_t n = strlen(p);
	return !(n >= 2 && strcmp(p + n - 2, "/.") == 0) &&
	       !(n >= 3 && strcmp(p + n - 3, "/..") == 0) && p[n - 1] != '/';
}

int cell_ocicg_open(const char *text, struct cell_ocicg **ret, struct cell_err *err)
{
	_cleanup_(cell_ocicg_freep) struct cell_ocicg *cg = calloc(1, sizeof(*cg));
	const char *s = text;
	unsigned lineno = 0;

	if (!cg)
		return cell_fail(err, ENOMEM, "cgroup");
	cg->fd = -1;
	while (*s) {
		const char *e = strchrnul(s, '\n');
		char line[PATH_MAX + 256];
		size_t n = (size_t)(e - s);

		if (n >= sizeof(line))
			return cell_fail(err, EINVAL, "cgroup record: line too long");
		memcpy(line, s, n);
		line[n] = '\0';
		lineno++;
		if (lineno == 1 && strcmp(line, "cell-ocicg 1") != 0)
			return cell_fail(err, EINVAL, "cgroup record: not a cell-ocicg 1 record");
		else if (strncmp(line, "version ", 8) == 0)
			cg->plan.version = atoi(line + 8);
		else if (strncmp(line, "dir ", 4) == 0) {
			struct cell_ocicg_dir *d = &cg->plan.dirs[cg->plan.n_dirs];
			unsigned made, mlen;
			char ctl[160];
			int off = 0;

			if (cg->plan.n_dirs >= CELL_OCICG_DIRS_MAX ||
			    sscanf(line + 4, "%u %u %159s %n", &made, &mlen, ctl, &off) != 3 ||
			    off == 0 || !clean_path(line + 4 + off) ||
			    strlen(line + 4 + off) <= mlen || line[4 + off + mlen] != '/' ||
			    made > 64)
				return cell_fail(err, EINVAL, "cgroup record: bad line '%s'", line);
			strcpy(d->path, line + 4 + off);
			d->made = made;
			d->mount_len = mlen;
			d->controllers = strcmp(ctl, "-") == 0 ? 0 : cell_ocicg_ctl_mask(ctl, strlen(ctl));
			cg->plan.n_dirs++;
		} else if (lineno > 1 && n)
			return cell_fail(err, EINVAL, "cgroup record: bad line '%s'", line);
		s = *e ? e + 1 : e;
	}
	if ((cg->plan.version != 1 && cg->plan.version != 2) || cg->plan.n_dirs == 0 ||
	    (cg->plan.version == 2 && cg->plan.n_dirs != 1))
		return cell_fail(err, EINVAL, "cgroup record: incomplete");
	/* Only ever rmdir/write inside a cgroup file system. */
	for (size_t i = 0; i < cg->plan.n_dirs; i++) {
		struct statfs sf;

		if (statfs(cg->plan.dirs[i].path, &sf) == 0 &&
		    sf.f_type != (typeof(sf.f_type))CGROUP_SUPER_MAGIC &&
		    sf.f_type != (typeof(sf.f_type))CGROUP2_SUPER_MAGIC)
			return cell_fail(err, EINVAL, "cgroup record: %s is not a cgroup",
					 cg->plan.dirs[i].path);
	}
	if (cg->plan.version == 2)
		cg->fd = open(cg->plan.dirs[0].path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	*ret = TAKE_PTR(cg);
	return 0;
}

/* ---- devices ---- */

static unsigned access_bits(const char *a)
{
	unsigned bits = 0;

	if (!a[0])
		return BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD;
	for (; *a; a++)
		bits |= *a == 'r' ? BPF_DEVCG_ACC_READ : *a == 'w' ? BPF_DEVCG_ACC_WRITE
				  : *a == 'm'			? BPF_DEVCG_ACC_MKNOD
								: 0;
	return bits;
}

#define ACC_ALL (BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD)

int cell_ocicg_devices_check(const struct cell_ocicg_device *d, size_t n, struct cell_err *err)
{
	for (size_t i = 0; i < n; i++) {
		if (d[i].type != 'a' && d[i].type != 'c' && d[i].type != 'b')
			return cell_fail(err, EINVAL,
					 "devices[%zu]: type '%c' (expected a, c or b)", i,
					 d[i].type ? d[i].type : '?');
		if (d[i].major < -1 || d[i].major > INT32_MAX || d[i].minor < -1 ||
		    d[i].minor > INT32_MAX)
			return cell_fail(err, EINVAL, "devices[%zu]: bad major/minor", i);
		if (!memchr(d[i].access, '\0', sizeof(d[i].access)) ||
		    strspn(d[i].access, "rwm") != strlen(d[i].access))
			return cell_fail(err, EINVAL, "devices[%zu]: access must be letters of rwm",
					 i);
	}
	return 0;
}

static bool is_all(const struct cell_ocicg_device *d)
{
	return d->type == 'a' && d->major == -1 && d->minor == -1 &&
	       access_bits(d->access) == ACC_ALL;
}

bool cell_ocicg_devices_allow_all(const struct cell_ocicg_device *d, size_t n)
{
	/* the last "everything" rule decides the default; later rules change it */
	return n > 0 && is_all(&d[n - 1]) && d[n - 1].allow;
}

#define INSN(c, d, s, o, i)                                                                        \
	((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })

int cell_ocicg_bpf_program(const struct cell_ocicg_device *d, size_t n, void *out, size_t max,
			   struct cell_err *err)
{
	struct bpf_insn *p = out;
	size_t k = 0;
	int r = cell_ocicg_devices_check(d, n, err);

	if (r < 0)
		return r;
#define EMIT(x)                                                                                    \
	do {                                                                                       \
		if (k >= max)                                                                      \
			return cell_fail(err, E2BIG, "devices: too many rules for one program");  \
		p[k++] = (x);                                                                      \
	} while (0)
	/* r2 = type, r3 = access, r4 = major, r5 = minor (struct bpf_cgroup_dev_ctx) */
	EMIT(INSN(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_2, BPF_REG_1, 0, 0));
	EMIT(INSN(BPF_ALU | BPF_AND | BPF_K, BPF_REG_2, 0, 0, 0xffff));
	EMIT(INSN(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_3, BPF_REG_1, 0, 0));
	EMIT(INSN(BPF_ALU | BPF_RSH | BPF_K, BPF_REG_3, 0, 0, 16));
	EMIT(INSN(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_4, BPF_REG_1, 4, 0));
	EMIT(INSN(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_5, BPF_REG_1, 8, 0));
	/* The last matching rule wins: test them from the end, first match
	 * returns.  Each block's jumps go to the next block (patched below). */
	for (size_t i = n; i-- > 0;) {
		unsigned acc = access_bits(d[i].access);
		size_t start = k;

		if (d[i].type != 'a')
			EMIT(INSN(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_2, 0, -1,
				  d[i].type == 'c' ? BPF_DEVCG_DEV_CHAR : BPF_DEVCG_DEV_BLOCK));
		if (acc != ACC_ALL) {
			EMIT(INSN(BPF_ALU | BPF_MOV | BPF_X, BPF_REG_1, BPF_REG_3, 0, 0));
			EMIT(INSN(BPF_ALU | BPF_AND | BPF_K, BPF_REG_1, 0, 0, (int32_t)acc));
			if (d[i].allow) /* every asked bit is allowed */
				EMIT(INSN(BPF_JMP | BPF_JNE | BPF_X, BPF_REG_1, BPF_REG_3, -1, 0));
			else /* any asked bit is denied */
				EMIT(INSN(BPF_JMP | BPF_JEQ | BPF_K, BPF_REG_1, 0, -1, 0));
		}
		if (d[i].major >= 0)
			EMIT(INSN(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_4, 0, -1,
				  (int32_t)d[i].major));
		if (d[i].minor >= 0)
			EMIT(INSN(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_5, 0, -1,
				  (int32_t)d[i].minor));
		EMIT(INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, d[i].allow ? 1 : 0));
		EMIT(INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
		if (k - start == 2)
			/* matches everything: the rules before it and the default
			 * would be unreachable, which the verifier refuses */
			return (int)k;
		for (size_t j = start; j < k; j++)
			if (p[j].off == -1 && BPF_CLASS(p[j].code) == BPF_JMP &&
			    BPF_OP(p[j].code) != BPF_EXIT)
				p[j].off = (int16_t)(k - j - 1);
	}
	/* no rule matched: deny */
	EMIT(INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0));
	EMIT(INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
#undef EMIT
	return (int)k;
}

static int sys_bpf(int cmd, union bpf_attr *attr)
{
	return (int)syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

/* Attach the new program, then detach the ones attached before (so the
 * cgroup is never without one).  prog -1: only detach. */
static int bpf_replace(int cgfd, int prog, const char *dir, struct cell_err *err)
{
	uint32_t ids[64];
	union bpf_attr a;
	uint32_t n = ELEMENTSOF(ids);

	memset(&a, 0, sizeof(a));
	a.query.target_fd = (uint32_t)cgfd;
	a.query.attach_type = BPF_CGROUP_DEVICE;
	a.query.prog_ids = (uint64_t)(uintptr_t)ids;
	a.query.prog_cnt = n;
	if (sys_bpf(BPF_PROG_QUERY, &a) < 0)
		return cell_fail(err, errno, "devices: query the programs of %s", dir);
	n = a.query.prog_cnt;
	if (prog >= 0) {
		memset(&a, 0, sizeof(a));
		a.target_fd = (uint32_t)cgfd;
		a.attach_bpf_fd = (uint32_t)prog;
		a.attach_type = BPF_CGROUP_DEVICE;
		a.attach_flags = BPF_F_ALLOW_MULTI;
		if (sys_bpf(BPF_PROG_ATTACH, &a) < 0)
			return cell_fail(err, errno, "devices: attach the program to %s", dir);
	}
	for (uint32_t i = 0; i < n && i < ELEMENTSOF(ids); i++) {
		_cleanup_close_ int old = -1;

		memset(&a, 0, sizeof(a));
		a.prog_id = ids[i];
		old = sys_bpf(BPF_PROG_GET_FD_BY_ID, &a);
		if (old < 0)
			return cell_fail(err, errno, "devices: open old program %u of %s", ids[i],
					 dir);
		memset(&a, 0, sizeof(a));
		a.target_fd = (uint32_t)cgfd;
		a.attach_bpf_fd = (uint32_t)old;
		a.attach_type = BPF_CGROUP_DEVICE;
		if (sys_bpf(BPF_PROG_DETACH, &a) < 0 && errno != ENOENT)
			return cell_fail(err, errno, "devices: detach old program of %s", dir);
	}
	return 0;
}

static int devices_v2(struct cell_ocicg *cg, const struct cell_ocicg_device *d, size_t n,
		      struct cell_err *err)
{
	_cleanup_free_ struct bpf_insn *insns = NULL;
	_cleanup_close_ int prog = -1;
	const char *dir = cg->plan.dirs[0].path;
	size_t max = 16 + n * 10;
	char log[4096] = "";
	union bpf_attr a;
	int k;

	if (cg->fd < 0)
		return cell_fail(err, ENOENT, "devices: %s is not open", dir);
	if (cell_ocicg_devices_allow_all(d, n))
		return bpf_replace(cg->fd, -1, dir, err);
	insns = calloc(max, sizeof(*insns));
	if (!insns)
		return cell_fail(err, ENOMEM, "devices");
	k = cell_ocicg_bpf_program(d, n, insns, max, err);
	if (k < 0)
		return k;
	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	a.insns = (uint64_t)(uintptr_t)insns;
	a.insn_cnt = (uint32_t)k;
	a.license = (uint64_t)(uintptr_t) "GPL";
	a.log_buf = (uint64_t)(uintptr_t)log;
	a.log_size = sizeof(log);
	a.log_level = 1;
	prog = sys_bpf(BPF_PROG_LOAD, &a);
	if (prog < 0 && errno == ENOSPC) {
		/* the log did not fit; load again without it for the errno */
		a.log_buf = 0;
		a.log_size = 0;
		a.log_level = 0;
		prog = sys_bpf(BPF_PROG_LOAD, &a);
	}
	if (prog < 0)
		return cell_fail(err, errno,
				 "devices: load the cgroup v2 device program (BPF_PROG_TYPE_CGROUP_"
				 "DEVICE)%s%.200s",
				 log[0] ? ": " : "", log);
	return bpf_replace(cg->fd, prog, dir, err);
}

/* One v1 rule line per device type ('a' with partial access or numbers
 * becomes a 'c' and a 'b' rule: v1 reads "a" as "every device, rwm"). */
static int devices_v1(const char *dir, const struct cell_ocicg_device *d, size_t n,
		      struct cell_err *err)
{
	int r = wr(dir, "devices.deny", "a", "devices", err);

	for (size_t i = 0; i < n && r == 0; i++) {
		const char *file = d[i].allow ? "devices.allow" : "devices.deny";
		const char *types = d[i].type == 'a' ? "cb" : d[i].type == 'c' ? "c" : "b";
		char maj[24] = "*", min[24] = "*";

		if (is_all(&d[i])) {
			r = wr(dir, file, "a", "devices", err);
			continue;
		}
		if (d[i].major >= 0)
			snprintf(maj, sizeof(maj), "%" PRId64, d[i].major);
		if (d[i].minor >= 0)
			snprintf(min, sizeof(min), "%" PRId64, d[i].minor);
		for (const char *t = types; *t && r == 0; t++) {
			char line[96];

			snprintf(line, sizeof(line), "%c %s:%s %s", *t, maj, min,
				 d[i].access[0] ? d[i].access : "rwm");
			r = wr(dir, file, line, "devices", err);
		}
	}
	return r;
}

/* ---- limits ---- */

#define SET(bit) (r->set & CELL_OCICG_SET_##bit)

static int need_v1(const struct cell_ocicg *cg, enum cell_ocicg_ctl c, const char *field,
		   const char **ret, struct cell_err *err)
{
	const struct cell_ocicg_dir *d = dir_of(cg, c);

	if (!d)
		return cell_fail(err, EOPNOTSUPP,
				 "%s: the %s controller is not mounted here (cgroup v1)%s", field,
				 cell_ocicg_v1_names[c],
				 c == CELL_OCICG_CPUSET ? " or cpus/mems were not given at create"
							: "");
	*ret = d->path;
	return 0;
}

/* hugetlb.<size>.<file> for each limit (v1 limit_in_bytes, v2 max); an
 * unknown page size is an error naming it. */
static int set_hugetlb(const char *dir, const struct cell_ocicg_resources *r, const char *file,
		       struct cell_err *err)
{
	for (size_t i = 0; i < r->n_hugetlb; i++) {
		const char *size = r->hugetlb[i].page_size;
		char name[96];

		if (!size || !*size || strchr(size, '/') || strlen(size) > 32)
			return cell_fail(err, EINVAL, "linux.resources.hugepageLimits[%zu].pageSize",
					 i);
		snprintf(name, sizeof(name), "hugetlb.%s.%s", size, file);
		if (!cell_cg_exists(dir, name))
			return cell_fail(err, EINVAL,
					 "linux.resources.hugepageLimits[%zu]: no huge page size "
					 "\"%s\" on this host (no %s)",
					 i, size, name);
		if (wr_i64(dir, name, (int64_t)r->hugetlb[i].limit,
			   "linux.resources.hugepageLimits", err) < 0)
			return -EINVAL;
	}
	return 0;
}

static int set_v1(struct cell_ocicg *cg, const struct cell_ocicg_resources *r,
		  struct cell_err *err)
{
	const char *dir = NULL;
	int q;

	if (SET(UNIFIED) && r->n_unified)
		return cell_fail(err, EOPNOTSUPP, "linux.resources.unified needs cgroup v2");
	if (SET(MEMORY_LIMIT) || SET(MEMORY_RESERVATION) || SET(MEMORY_SWAP) ||
	    SET(MEMORY_SWAPPINESS) || SET(OOM_KILL_DISABLE)) {
		q = need_v1(cg, CELL_OCICG_MEMORY, "linux.resources.memory", &dir, err);
		if (q < 0)
			return q;
	}
	if (SET(MEMORY_SWAP) && !cell_cg_exists(dir, "memory.memsw.limit_in_bytes"))
		return cell_fail(err, EOPNOTSUPP,
				 "linux.resources.memory.swap: swap accounting is off on this "
				 "host (boot with swapaccount=1)");
	if (SET(MEMORY_SWAP) && SET(MEMORY_LIMIT)) {
		/* limit <= memsw at every moment: the limit first, and when the
		 * kernel refuses it (above the current memsw), memsw first */
		q = wr_i64(dir, "memory.limit_in_bytes", r->memory_limit,
			   "linux.resources.memory.limit", err);
		if (q == -EINVAL) {
			q = wr_i64(dir, "memory.memsw.limit_in_bytes", r->memory_swap,
				   "linux.resources.memory.swap", err);
			if (q == 0)
				q = wr_i64(dir, "memory.limit_in_bytes", r->memory_limit,
					   "linux.resources.memory.limit", err);
		} else if (q == 0) {
			q = wr_i64(dir, "memory.memsw.limit_in_bytes", r->memory_swap,
				   "linux.resources.memory.swap", err);
		}
		if (q < 0)
			return q;
	} else if (SET(MEMORY_LIMIT)) {
		q = wr_i64(dir, "memory.limit_in_bytes", r->memory_limit,
			   "linux.resources.memory.limit", err);
		if (q < 0)
			return q;
	} else if (SET(MEMORY_SWAP)) {
		q = wr_i64(dir, "memory.memsw.limit_in_bytes", r->memory_swap,
			   "linux.resources.memory.swap", err);
		if (q < 0)
			return q;
	}
	if (SET(MEMORY_RESERVATION)) {
		q = wr_i64(dir, "memory.soft_limit_in_bytes", r->memory_reservation,
			   "linux.resources.memory.reservation", err);
		if (q < 0)
			return q;
	}
	if (SET(MEMORY_SWAPPINESS)) {
		if (r->memory_swappiness > 100)
			return cell_fail(err, EINVAL, "linux.resources.memory.swappiness: 0..100");
		q = wr_i64(dir, "memory.swappiness", (int64_t)r->memory_swappiness,
			   "linux.resources.memory.swappiness", err);
		if (q < 0)
			return q;
	}
	if (SET(OOM_KILL_DISABLE)) {
		q = wr(dir, "memory.oom_control", r->disable_oom_killer ? "1" : "0",
		       "linux.resources.memory.disableOOMKiller", err);
		if (q < 0)
			return q;
	}
	if (SET(KERNEL_TCP)) {
		q = need_v1(cg, CELL_OCICG_MEMORY, "linux.resources.memory.kernelTCP", &dir, err);
		if (q == 0 && !cell_cg_exists(dir, "memory.kmem.tcp.limit_in_bytes"))
			q = cell_fail(err, EOPNOTSUPP,
				      "linux.resources.memory.kernelTCP: no "
				      "memory.kmem.tcp.limit_in_bytes on this host");
		if (q == 0)
			q = wr_i64(dir, "memory.kmem.tcp.limit_in_bytes", r->memory_kernel_tcp,
				   "linux.resources.memory.kernelTCP", err);
		if (q < 0)
			return q;
	}
	if (SET(HUGETLB)) {
		q = need_v1(cg, CELL_OCICG_HUGETLB, "linux.resources.hugepageLimits", &dir, err);
		if (q == 0)
			q = set_hugetlb(dir, r, "limit_in_bytes", err);
		if (q < 0)
			return q;
	}
	if (SET(CPU_SHARES) || SET(CPU_QUOTA) || SET(CPU_PERIOD)) {
		q = need_v1(cg, CELL_OCICG_CPU, "linux.resources.cpu", &dir, err);
		if (q == 0 && SET(CPU_SHARES))
			q = wr_i64(dir, "cpu.shares", (int64_t)r->cpu_shares,
				   "linux.resources.cpu.shares", err);
		if (q == 0 && SET(CPU_PERIOD))
			q = wr_i64(dir, "cpu.cfs_period_us", (int64_t)r->cpu_period,
				   "linux.resources.cpu.period", err);
		if (q == 0 && SET(CPU_QUOTA))
			q = wr_i64(dir, "cpu.cfs_quota_us", r->cpu_quota > 0 ? r->cpu_quota : -1,
				   "linux.resources.cpu.quota", err);
		if (q < 0)
			return q;
	}
	if (SET(CPU_CPUS) || SET(CPU_MEMS)) {
		q = need_v1(cg, CELL_OCICG_CPUSET, "linux.resources.cpu.cpus/mems", &dir, err);
		if (q == 0 && SET(CPU_CPUS))
			q = wr(dir, "cpuset.cpus", r->cpu_cpus, "linux.resources.cpu.cpus", err);
		if (q == 0 && SET(CPU_MEMS))
			q = wr(dir, "cpuset.mems", r->cpu_mems, "linux.resources.cpu.mems", err);
		if (q < 0)
			return q;
	}
	if (SET(PIDS)) {
		q = need_v1(cg, CELL_OCICG_PIDS, "linux.resources.pids", &dir, err);
		/* a limit of 0 or less is none (runc) */
		if (q == 0)
			q = wr_max(dir, "pids.max", r->pids_limit > 0 ? r->pids_limit : -1,
				   "linux.resources.pids.limit", err);
		if (q < 0)
			return q;
	}
	if (SET(BLKIO_WEIGHT)) {
		q = need_v1(cg, CELL_OCICG_BLKIO, "linux.resources.blockIO.weight", &dir, err);
		if (q < 0)
			return q;
		q = wr_i64(dir,
			   cell_cg_exists(dir, "blkio.weight") ? "blkio.weight"
							       : "blkio.bfq.weight",
			   r->blkio_weight, "linux.resources.blockIO.weight", err);
		if (q < 0)
			return q;
	}
	if (cg->fresh || SET(DEVICES)) {
		const struct cell_ocicg_device *d = SET(DEVICES) ? r->devices : NULL;
		size_t n = SET(DEVICES) ? r->n_devices : 0;

		q = cell_ocicg_devices_check(d, n, err);
		if (q < 0)
			return q;
		dir = cell_ocicg_path(cg, CELL_OCICG_DEVICES);
		if (!dir && cell_ocicg_devices_allow_all(d, n))
			return 0;
		if (!dir)
			return cell_fail(err, EOPNOTSUPP,
					 "linux.resources.devices: the devices controller is not "
					 "mounted (cgroup v1): cannot restrict devices");
		q = devices_v1(dir, d, n, err);
		if (q < 0)
			return q;
	}
	return 0;
}

/* v2: where controller name stops being available on the way to the leaf. */
static int v2_missing(const struct cell_ocicg *cg, const char *name, const char *field,
		      struct cell_err *err)
{
	const struct cell_ocicg_dir *d = &cg->plan.dirs[0];
	char path[PATH_MAX], buf[512];

	strcpy(path, d->path);
	for (;;) {
		char *slash = strrchr(path, '/');

		if (!slash || (size_t)(slash - path) < d->mount_len)
			break;
		*slash = '\0';
		if (!path[0])
			strcpy(path, "/");
		if (cell_cg_read(path, "cgroup.controllers", buf, sizeof(buf)) >= 0 &&
		    has_word(buf, name))
			return cell_fail(err, EOPNOTSUPP,
					 "%s: the %s controller is not enabled in %s/"
					 "cgroup.subtree_control (that cgroup has processes of its "
					 "own, or it is not delegated to us)",
					 field, name, path);
		if ((size_t)(slash - path) <= d->mount_len || strcmp(path, "/") == 0)
			break;
	}
	return cell_fail(err, EOPNOTSUPP,
			 "%s: the %s controller is not available on cgroup v2 here (bound to a "
			 "v1 hierarchy, or not in the kernel)",
			 field, name);
}

static int need_v2(const struct cell_ocicg *cg, const char *name, const char *field,
		   struct cell_err *err)
{
	char buf[512];

	if (cell_cg_read(cg->plan.dirs[0].path, "cgroup.controllers", buf, sizeof(buf)) >= 0 &&
	    has_word(buf, name))
		return 0;
	return v2_missing(cg, name, field, err);
}

static int set_v2(struct cell_ocicg *cg, const struct cell_ocicg_resources *r,
		  struct cell_err *err)
{
	const char *dir = cg->plan.dirs[0].path;
	char buf[64];
	int q;

	if (SET(MEMORY_SWAPPINESS))
		return cell_fail(err, EOPNOTSUPP,
				 "linux.resources.memory.swappiness: cgroup v2 has no per-cgroup "
				 "swappiness");
	if (SET(OOM_KILL_DISABLE) && r->disable_oom_killer)
		return cell_fail(err, EOPNOTSUPP,
				 "linux.resources.memory.disableOOMKiller: not on cgroup v2");
	if (SET(KERNEL_TCP))
		return cell_fail(err, EOPNOTSUPP,
				 "linux.resources.memory.kernelTCP: cgroup v2 has no separate "
				 "kernel TCP limit (it counts against memory.max)");
	if (SET(HUGETLB)) {
		v2_enable(&cg->plan.dirs[0], CELL_OCICG_BIT(CELL_OCICG_HUGETLB));
		q = need_v2(cg, "hugetlb", "linux.resources.hugepageLimits", err);
		if (q == 0)
			q = set_hugetlb(dir, r, "max", err);
		if (q < 0)
			return q;
	}
	if (SET(MEMORY_LIMIT) || SET(MEMORY_RESERVATION) || SET(MEMORY_SWAP)) {
		q = need_v2(cg, "memory", "linux.resources.memory", err);
		if (q < 0)
			return q;
	}
	if (SET(MEMORY_SWAP)) {
		int64_t limit = r->memory_limit;

		if (r->memory_swap < 0) {
			strcpy(buf, "max");
		} else {
			if (!SET(MEMORY_LIMIT)) {
				uint64_t cur;

				if (cell_cg_read_u64(dir, "memory.max", &cur) < 0 ||
				    cur == UINT64_MAX)
					return cell_fail(err, EINVAL,
							 "linux.resources.memory.swap: needs a "
							 "memory limit (swap is memory plus swap)");
				limit = (int64_t)cur;
			}
			if (limit < 0 || r->memory_swap < limit)
				return cell_fail(err, EINVAL,
						 "linux.resources.memory.swap (%" PRId64
						 ") is memory plus swap: below the memory limit",
						 r->memory_swap);
			snprintf(buf, sizeof(buf), "%" PRId64, r->memory_swap - limit);
		}
		if (!cell_cg_exists(dir, "memory.swap.max"))
			return cell_fail(err, EOPNOTSUPP,
					 "linux.resources.memory.swap: swap accounting is off "
					 "(no memory.swap.max)");
		/* the new memory.max first when it grows, else the swap: either
		 * order is accepted on v2 (independent files) */
		q = wr(dir, "memory.swap.max", buf, "linux.resources.memory.swap", err);
		if (q < 0)
			return q;
	}
	if (SET(MEMORY_LIMIT) && (q = wr_max(dir, "memory.max", r->memory_limit,
					      "linux.resources.memory.limit", err)) < 0)
		return q;
	if (SET(MEMORY_RESERVATION) && (q = wr_max(dir, "memory.low", r->memory_reservation,
						    "linux.resources.memory.reservation",
						    err)) < 0)
		return q;
	if (SET(CPU_SHARES) || SET(CPU_QUOTA) || SET(CPU_PERIOD)) {
		q = need_v2(cg, "cpu", "linux.resources.cpu", err);
		if (q < 0)
			return q;
	}
	if (SET(CPU_SHARES)) {
		q = wr_i64(dir, "cpu.weight", (int64_t)cell_ocicg_shares_to_weight(r->cpu_shares),
			   "linux.resources.cpu.shares", err);
		if (q < 0)
			return q;
	}
	if (SET(CPU_QUOTA) || SET(CPU_PERIOD)) {
		char quota[32] = "max", cur[64] = "";
		uint64_t period = SET(CPU_PERIOD) ? r->cpu_period : 0;

		if (SET(CPU_QUOTA) && r->cpu_quota > 0)
			snprintf(quota, sizeof(quota), "%" PRId64, r->cpu_quota);
		else if (!SET(CPU_QUOTA) && cell_cg_read(dir, "cpu.max", cur, sizeof(cur)) > 0)
			snprintf(quota, sizeof(quota), "%.*s", (int)strcspn(cur, " "), cur);
		if (period)
			snprintf(buf, sizeof(buf), "%s %" PRIu64, quota, period);
		else
			snprintf(buf, sizeof(buf), "%s", quota);
		q = wr(dir, "cpu.max", buf, "linux.resources.cpu.quota/period", err);
		if (q < 0)
			return q;
	}
	if (SET(CPU_CPUS) || SET(CPU_MEMS)) {
		/* an update may ask for cpuset first: enable it now */
		v2_enable(&cg->plan.dirs[0], CELL_OCICG_BIT(CELL_OCICG_CPUSET));
		q = need_v2(cg, "cpuset", "linux.resources.cpu.cpus/mems", err);
		if (q == 0 && SET(CPU_CPUS))
			q = wr(dir, "cpuset.cpus", r->cpu_cpus, "linux.resources.cpu.cpus", err);
		if (q == 0 && SET(CPU_MEMS))
			q = wr(dir, "cpuset.mems", r->cpu_mems, "linux.resources.cpu.mems", err);
		if (q < 0)
			return q;
	}
	if (SET(PIDS)) {
		q = need_v2(cg, "pids", "linux.resources.pids", err);
		/* a limit of 0 or less is none (runc) */
		if (q == 0)
			q = wr_max(dir, "pids.max", r->pids_limit > 0 ? r->pids_limit : -1,
				   "linux.resources.pids.limit", err);
		if (q < 0)
			return q;
	}
	if (SET(BLKIO_WEIGHT)) {
		q = need_v2(cg, "io", "linux.resources.blockIO.weight", err);
		if (q < 0)
			return q;
		if (r->blkio_weight < 10 || r->blkio_weight > 1000)
			return cell_fail(err, EINVAL, "linux.resources.blockIO.weight: 10..1000");
		if (cell_cg_exists(dir, "io.weight")) {
			/* runc's conversion of 10..1000 to 1..10000 */
			snprintf(buf, sizeof(buf), "default %u",
				 1 + ((unsigned)r->blkio_weight - 10) * 9999 / 990);
			q = wr(dir, "io.weight", buf, "linux.resources.blockIO.weight", err);
		} else if (cell_cg_exists(dir, "io.bfq.weight")) {
			q = wr_i64(dir, "io.bfq.weight", r->blkio_weight,
				   "linux.resources.blockIO.weight", err);
		} else {
			q = cell_fail(err, EOPNOTSUPP,
				      "linux.resources.blockIO.weight: neither io.weight nor "
				      "io.bfq.weight exists in %s",
				      dir);
		}
		if (q < 0)
			return q;
	}
	for (size_t i = 0; SET(UNIFIED) && i < r->n_unified; i++) {
		const char *k = r->unified[i].key;

		if (!k || !r->unified[i].value || !*k || strchr(k, '/') || !strchr(k, '.') ||
		    k[0] == '.')
			return cell_fail(err, EINVAL,
					 "linux.resources.unified: key '%s' is not a cgroup file "
					 "name",
					 k ? k : "");
		if (!cell_cg_exists(dir, k))
			return cell_fail(err, ENOENT,
					 "linux.resources.unified: %s/%s does not exist "
					 "(controller not enabled?)",
					 dir, k);
		q = wr(dir, k, r->unified[i].value, "linux.resources.unified", err);
		if (q < 0)
			return q;
	}
	if (cg->fresh || SET(DEVICES)) {
		const struct cell_ocicg_device *d = SET(DEVICES) ? r->devices : NULL;
		size_t n = SET(DEVICES) ? r->n_devices : 0;

		q = devices_v2(cg, d, n, err);
		if (q < 0)
			return q;
	}
	return 0;
}

int cell_ocicg_set(struct cell_ocicg *cg, const struct cell_ocicg_resources *r,
		   struct cell_err *err)
{
	int q = cg->plan.version == 2 ? set_v2(cg, r, err) : set_v1(cg, r, err);

	if (q == 0)
		cg->fresh = false;
	return q;
}

#undef SET

/* ---- processes ---- */

int cell_ocicg_attach(struct cell_ocicg *cg, pid_t pid, struct cell_err *err)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%d", (int)pid);
	for (size_t i = 0; i < cg->plan.n_dirs; i++) {
		int r = wr(cg->plan.dirs[i].path, "cgroup.procs", buf, "cgroup: attach", err);

		if (r < 0)
			return r;
	}
	return 0;
}

static int freeze_v1(const char *dir, bool frozen, struct cell_err *err)
{
	const char *want = frozen ? "FROZEN" : "THAWED";
	char state[32];

	for (int i = 0; i < 5000; i++) {
		int r;

		/* v1 may stay FREEZING while tasks are busy: ask again, as runc */
		if (i % 10 == 0) {
			r = wr(dir, "freezer.state", want, frozen ? "freeze" : "thaw", err);
			if (r < 0)
				return r;
		}
		r = cell_cg_read(dir, "freezer.state", state, sizeof(state));
		if (r < 0)
			return cell_fail(err, -r, "freeze: read %s/freezer.state", dir);
		if (strcmp(state, want) == 0)
			return 0;
		sleep_ms(1);
	}
	if (frozen)
		(void)cell_cg_write(dir, "freezer.state", "THAWED"); /* the error is the timeout */
	return cell_fail(err, EBUSY, "freeze: %s stays %s", dir, state);
}

static int events_frozen(const char *dir)
{
	char buf[256];
	uint64_t v;
	int r = cell_cg_read(dir, "cgroup.events", buf, sizeof(buf));

	if (r < 0)
		return r;
	r = cell_cgroup_keyed(buf, "frozen", &v);
	return r < 0 ? r : v == 1;
}

int cell_ocicg_freeze(struct cell_ocicg *cg, bool frozen, struct cell_err *err)
{
	const char *dir;
	int r;

	if (cg->plan.version == 1) {
		dir = cell_ocicg_path(cg, CELL_OCICG_FREEZER);
		if (!dir)
			return cell_fail(err, EOPNOTSUPP,
					 "freeze: the freezer controller is not mounted (cgroup "
					 "v1)");
		return freeze_v1(dir, frozen, err);
	}
	dir = cg->plan.dirs[0].path;
	if (!cell_cg_exists(dir, "cgroup.freeze"))
		return cell_fail(err, EOPNOTSUPP, "freeze: no cgroup.freeze (Linux 5.2+) in %s",
				 dir);
	r = wr(dir, "cgroup.freeze", frozen ? "1" : "0", frozen ? "freeze" : "thaw", err);
	if (r < 0)
		return r;
	for (int i = 0; i < 5000; i++) {
		r = events_frozen(dir);
		if (r < 0)
			return cell_fail(err, -r, "freeze: read %s/cgroup.events", dir);
		if (r == (int)frozen)
			return 0;
		sleep_ms(1);
	}
	if (frozen)
		(void)cell_cg_write(dir, "cgroup.freeze", "0"); /* the error is the timeout */
	return cell_fail(err, EBUSY, "freeze: %s did not %s in 5 s", dir,
			 frozen ? "freeze" : "thaw");
}

int cell_ocicg_frozen(struct cell_ocicg *cg, struct cell_err *err)
{
	char state[32];
	const char *dir;
	int r;

	if (cg->plan.version == 1) {
		dir = cell_ocicg_path(cg, CELL_OCICG_FREEZER);
		if (!dir)
			return 0;
		r = cell_cg_read(dir, "freezer.state", state, sizeof(state));
		if (r < 0)
			return cell_fail(err, -r, "read %s/freezer.state", dir);
		return strcmp(state, "FROZEN") == 0;
	}
	dir = cg->plan.dirs[0].path;
	r = events_frozen(dir);
	if (r < 0)
		return cell_fail(err, -r, "read %s/cgroup.events", dir);
	return r;
}

struct pidset {
	pid_t *v;
	size_t n, cap;
};

static int collect(const char *dir, struct pidset *s, unsigned depth)
{
	char path[PATH_MAX];
	_cleanup_fclose_ FILE *f = NULL;
	DIR *d;
	struct dirent *de;
	int pid, r = 0;

	if (depth > 64)
		return -ELOOP;
	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? 0 : -errno;
	while (fscanf(f, "%d", &pid) == 1) {
		if (s->n == s->cap) {
			size_t cap = s->cap ? s->cap * 2 : 64;
			pid_t *v = realloc(s->v, cap * sizeof(*v));

			if (!v)
				return -ENOMEM;
			s->v = v;
			s->cap = cap;
		}
		s->v[s->n++] = pid;
	}
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d)) && r == 0) {
		if (de->d_type != DT_DIR || strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) < sizeof(path))
			r = collect(path, s, depth + 1);
	}
	closedir(d);
	return r;
}

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

int cell_ocicg_pids(struct cell_ocicg *cg, pid_t **ret_pids, size_t *ret_n, struct cell_err *err)
{
	struct pidset s = { 0 };
	size_t o = 0;

	for (size_t i = 0; i < cg->plan.n_dirs; i++) {
		int r = collect(cg->plan.dirs[i].path, &s, 0);

		if (r < 0) {
			free(s.v);
			return cell_fail(err, -r, "cgroup: list the processes of %s",
					 cg->plan.dirs[i].path);
		}
	}
	if (s.n)
		qsort(s.v, s.n, sizeof(*s.v), cmp_pid);
	for (size_t i = 0; i < s.n; i++)
		if (i == 0 || s.v[i] != s.v[i - 1])
			s.v[o++] = s.v[i];
	if (o == 0) {
		free(s.v);
		s.v = NULL;
	}
	*ret_pids = s.v;
	*ret_n = o;
	return 0;
}

int cell_ocicg_kill(struct cell_ocicg *cg, int sig, struct cell_err *err)
{
	_cleanup_free_ pid_t *pids = NULL;
	bool frozen = false;
	size_t n = 0;
	int r, sent = 0;

	if (cg->plan.version == 2 && sig == SIGKILL &&
	    cell_cg_exists(cg->plan.dirs[0].path, "cgroup.kill"))
		return wr(cg->plan.dirs[0].path, "cgroup.kill", "1", "kill", err);
	/* v1 SIGKILL: freeze first, so that no process forks past the list */
	if (cg->plan.version == 1 && sig == SIGKILL && cell_ocicg_path(cg, CELL_OCICG_FREEZER)) {
		struct cell_err ignored = { 0 };

		frozen = cell_ocicg_freeze(cg, true, &ignored) == 0;
	}
	r = cell_ocicg_pids(cg, &pids, &n, err);
	for (size_t i = 0; r == 0 && i < n; i++) {
		if (kill(pids[i], sig) == 0)
			sent++;
		else if (errno != ESRCH)
			r = cell_fail(err, errno, "kill %d", (int)pids[i]);
	}
	if (frozen) {
		struct cell_err thaw = { 0 };
		int q = cell_ocicg_freeze(cg, false, &thaw);

		if (q < 0 && r == 0) {
			*err = thaw;
			r = q;
		}
	}
	return r < 0 ? r : sent;
}

int cell_ocicg_memory_usage(struct cell_ocicg *cg, uint64_t *ret, struct cell_err *err)
{
	const char *dir = cell_ocicg_path(cg, CELL_OCICG_MEMORY);
	const char *file = cg->plan.version == 2 ? "memory.current" : "memory.usage_in_bytes";
	int r;

	if (!dir)
		return cell_fail(err, EOPNOTSUPP, "memory usage: no memory controller");
	r = cell_cg_read_u64(dir, file, ret);
	if (r < 0)
		return cell_fail(err, -r, "read %s/%s", dir, file);
	return 0;
}
