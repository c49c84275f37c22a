/* cgroup.c - per-sandbox cgroups: parsing, host detection, dispatch.
 *
 * cgroups(7), proc(5) (/proc/PID/mountinfo, /proc/PID/cgroup).  The pure
 * parts (limits, mountinfo and /proc/self/cgroup text, stat files) are here
 * with the file helpers the backends share; cgroup-v1.c and cgroup-v2.c do
 * the version-specific work through struct cell_cgroup_ops.
 */
#define _GNU_SOURCE
#include "cgroup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cgroup-internal.h"
#include "cleanup.h"
#include "util.h"
#include "fileio.h"

static const char *const v1_names[CELL_CG_MAX] = {
	[CELL_CG_MEMORY] = "memory", [CELL_CG_PIDS] = "pids",	  [CELL_CG_CPU] = "cpu",
	[CELL_CG_CPUACCT] = "cpuacct", [CELL_CG_CPUSET] = "cpuset", [CELL_CG_IO] = "blkio",
	[CELL_CG_FREEZER] = "freezer",
};

static const char *const v2_names[CELL_CG_MAX] = {
	[CELL_CG_MEMORY] = "memory", [CELL_CG_PIDS] = "pids",	  [CELL_CG_CPU] = "cpu",
	[CELL_CG_CPUSET] = "cpuset", [CELL_CG_IO] = "io",
};

const char *cell_cgroup_controller_name(enum cell_cg_controller c, int version)
{
	if ((unsigned)c >= CELL_CG_MAX)
		return NULL;
	return version == 1 ? v1_names[c] : v2_names[c];
}

int cell_cgroup_controller_from_name(const char *name)
{
	for (int c = 0; c < CELL_CG_MAX; c++)
		if ((v1_names[c] && strcmp(name, v1_names[c]) == 0) ||
		    (v2_names[c] && strcmp(name, v2_names[c]) == 0))
			return c;
	return -1;
}

static const struct {
	unsigned bit;
	const char *option;
} limit_options[] = {
	{ CELL_CGROUP_LIMIT_MEMORY, "--memory" }, { CELL_CGROUP_LIMIT_SWAP, "--memory-swap" },
	{ CELL_CGROUP_LIMIT_PIDS, "--pids" },	  { CELL_CGROUP_LIMIT_CPU, "--cpus" },
	{ CELL_CGROUP_LIMIT_CPUSET, "--cpuset" }, { CELL_CGROUP_LIMIT_IO, "--io-weight" },
	{ CELL_CGROUP_LIMIT_NONE, "cgroup" },
};

const char *cell_cgroup_limit_option(unsigned bit)
{
	for (size_t i = 0; i < ELEMENTSOF(limit_options); i++)
		if (limit_options[i].bit == bit)
			return limit_options[i].option;
	return "?";
}

const char *cell_cgroup_limits_text(unsigned mask, char *buf, size_t len)
{
	size_t used = 0;

	if (len)
		buf[0] = '\0';
	for (size_t i = 0; i < ELEMENTSOF(limit_options) && len; i++) {
		int n;

		if (!(mask & limit_options[i].bit))
			continue;
		n = snprintf(buf + used, len - used, "%s%s", used ? ", " : "",
			     limit_options[i].option);
		if (n < 0 || (size_t)n >= len - used)
			break;
		used += (size_t)n;
	}
	return buf;
}

unsigned cell_cgroup_limits_mask(const struct cell_cgroup_limits *l)
{
	return (l->memory ? CELL_CGROUP_LIMIT_MEMORY : 0u) |
	       (l->memory_swap ? CELL_CGROUP_LIMIT_SWAP : 0u) |
	       (l->pids ? CELL_CGROUP_LIMIT_PIDS : 0u) |
	       (l->cpu_milli ? CELL_CGROUP_LIMIT_CPU : 0u) |
	       (l->cpuset[0] ? CELL_CGROUP_LIMIT_CPUSET : 0u) |
	       (l->io_weight ? CELL_CGROUP_LIMIT_IO : 0u);
}

/* ---- parsing limits ---- */

static int parse_u64(const char *s, const char **end, uint64_t *ret)
{
	uint64_t v = 0;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (v > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
			return -ERANGE;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*end = s;
	*ret = v;
	return 0;
}

int cell_cgroup_parse_cpus(const char *s, uint32_t *ret_milli, struct cell_err *err)
{
	const char *end;
	uint64_t whole, milli;
	unsigned digits = 0;

	if (parse_u64(s, &end, &whole) < 0 || whole > 4096)
		return cell_fail(err, EINVAL, "--cpus %s: expected a number of CPUs like 0.5 or 2",
				 s);
	milli = whole * 1000;
	if (*end == '.') {
		uint64_t scale = 100;

		for (end++; *end >= '0' && *end <= '9'; end++, digits++) {
			if (digits >= 3)
				return cell_fail(err, EINVAL,
						 "--cpus %s: at most three decimals", s);
			milli += (uint64_t)(*end - '0') * scale;
			scale /= 10;
		}
		if (digits == 0)
			return cell_fail(err, EINVAL,
					 "--cpus %s: expected a number of CPUs like 0.5 or 2", s);
	}
	if (*end)
		return cell_fail(err, EINVAL, "--cpus %s: expected a number of CPUs like 0.5 or 2",
				 s);
	if (milli > 4096000)
		return cell_fail(err, ERANGE, "--cpus %s: more than 4096 CPUs", s);
	/* The kernel's smallest quota is 1 ms per period of 100 ms. */
	if (milli < 10)
		return cell_fail(err, ERANGE, "--cpus %s: at least 0.01", s);
	*ret_milli = (uint32_t)milli;
	return 0;
}

#define CPUSET_MAX 8192

int cell_cgroup_parse_cpuset(const char *s, char *buf, size_t len, struct cell_err *err)
{
	_cleanup_free_ uint8_t *set = calloc(CPUSET_MAX / 8, 1);
	const char *p = s;
	size_t used = 0;
	bool any = false;

	if (!set)
		return cell_fail(err, ENOMEM, "--cpuset");
	while (*p) {
		uint64_t a, b;
		const char *end;

		if (parse_u64(p, &end, &a) < 0 || a >= CPUSET_MAX)
			return cell_fail(err, EINVAL,
					 "--cpuset %s: expected a CPU list like 0-3,6 (CPUs below "
					 "%d)",
					 s, CPUSET_MAX);
		b = a;
		if (*end == '-') {
			if (parse_u64(end + 1, &end, &b) < 0 || b >= CPUSET_MAX || b < a)
				return cell_fail(err, EINVAL,
						 "--cpuset %s: bad range (expected N-M with N <= "
						 "M)",
						 s);
		}
		for (uint64_t c = a; c <= b; c++)
			set[c / 8] |= (uint8_t)(1u << (c % 8));
		any = true;
		if (*end == ',' && end[1])
			end++;
		else if (*end)
			return cell_fail(err, EINVAL,
					 "--cpuset %s: expected a CPU list like 0-3,6", s);
		p = end;
	}
	if (!any)
		return cell_fail(err, EINVAL, "--cpuset: empty CPU list");
	if (len)
		buf[0] = '\0';
	for (unsigned c = 0; c < CPUSET_MAX; c++) {
		unsigned e = c;
		int n;

		if (!(set[c / 8] & (1u << (c % 8))))
			continue;
		while (e + 1 < CPUSET_MAX && (set[(e + 1) / 8] & (1u << ((e + 1) % 8))))
			e++;
		if (e == c)
			n = snprintf(buf + used, len - used, "%s%u", used ? "," : "", c);
		else
			n = snprintf(buf + used, len - used, "%s%u-%u", used ? "," : "", c, e);
		if (n < 0 || (size_t)n >= len - used)
			return cell_fail(err, E2BIG, "--cpuset %s: list too long", s);
		used += (size_t)n;
		c = e;
	}
	return 0;
}

int cell_cgroup_parse_io_weight(const char *s, uint32_t *ret, struct cell_err *err)
{
	const char *end;
	uint64_t v;

	if (parse_u64(s, &end, &v) < 0 || *end || v < 1 || v > 10000)
		return cell_fail(err, EINVAL, "--io-weight %s: expected a number from 1 to 10000",
				 s);
	*ret = (uint32_t)v;
	return 0;
}

int cell_cgroup_parse_pids(const char *s, uint64_t *ret, struct cell_err *err)
{
	const char *end;
	uint64_t v;

	if (parse_u64(s, &end, &v) < 0 || *end || v < 1 || v > (1u << 22))
		return cell_fail(err, EINVAL,
				 "--pids %s: expected a number of tasks from 1 to 4194304", s);
	*ret = v;
	return 0;
}

int cell_cgroup_limits_validate(const struct cell_cgroup_limits *l, struct cell_err *err)
{
	if (l->memory_swap && !l->memory)
		return cell_fail(err, EINVAL,
				 "--memory-swap needs --memory (it limits memory plus swap)");
	if (l->memory_swap && l->memory_swap < l->memory)
		return cell_fail(err, EINVAL,
				 "--memory-swap is memory plus swap: it cannot be below --memory");
	if (!memchr(l->cpuset, '\0', sizeof(l->cpuset)))
		return cell_fail(err, EINVAL, "--cpuset: list too long");
	return 0;
}

uint64_t cell_cgroup_cpu_quota(uint32_t cpu_milli)
{
	return (uint64_t)cpu_milli * CELL_CGROUP_CPU_PERIOD / 1000;
}

uint32_t cell_cgroup_io_weight_v1(uint32_t weight)
{
	/* blkio.weight: 10..1000, linear over 1..10000 */
	return 10 + (weight - 1) * 990 / 9999;
}

uint32_t cell_cgroup_io_weight_bfq(uint32_t weight)
{
	/* io.bfq.weight and blkio.bfq.weight: 1..1000 */
	return 1 + (weight - 1) * 999 / 9999;
}

/* ---- the host ---- */

struct cg_mount {
	char point[PATH_MAX];
	char root[PATH_MAX];
	bool found;
};

/* The n-th blank-separated field of line [s, e). */
static bool field(const char *s, const char *e, unsigned n, const char **ret, size_t *ret_len)
{
	unsigned i = 0;

	while (s < e) {
		const char *f;

		while (s < e && *s == ' ')
			s++;
		f = s;
		while (s < e && *s != ' ')
			s++;
		if (f == s)
			break;
		if (i++ == n) {
			*ret = f;
			*ret_len = (size_t)(s - f);
			return true;
		}
	}
	return false;
}

static unsigned controllers_of(const char *opts, size_t n, int version)
{
	unsigned mask = 0;
	size_t start = 0;

	for (size_t i = 0; i <= n; i++) {
		char name[32];
		int c;

		if (i < n && opts[i] != ',' && opts[i] != ' ')
			continue;
		if (i - start > 0 && i - start < sizeof(name)) {
			memcpy(name, opts + start, i - start);
			name[i - start] = '\0';
			c = cell_cgroup_controller_from_name(name);
			if (c >= 0 && cell_cgroup_controller_name((enum cell_cg_controller)c,
								  version))
				mask |= CELL_CG_BIT(c);
		}
		start = i + 1;
	}
	return mask;
}

/* dir = mount point + path below the mount's root; false when the path is
 * not below it (a cgroup namespace or a bind of a subtree). */
static bool join_path(const struct cg_mount *m, const char *path, char *out, size_t len)
{
	const char *rest = cell_path_below(m->root, path);

	if (!rest)
		return false;
	if (rest[0] == '\0')
		return (size_t)snprintf(out, len, "%s", m->point) < len;
	return (size_t)snprintf(out, len, "%s%s", strcmp(m->point, "/") == 0 ? "" : m->point,
				rest) < len;
}

/* Pick the better of two cgroup2 mounts: /sys/fs/cgroup itself first. */
static int v2_rank(const char *point)
{
	if (strcmp(point, "/sys/fs/cgroup") == 0)
		return 3;
	if (strcmp(point, "/sys/fs/cgroup/unified") == 0)
		return 2;
	return 1;
}

int cell_cgroup_host_parse(const char *mountinfo, const char *proc_cgroup,
			   const char *v2_controllers, struct cell_cgroup_host *h,
			   struct cell_err *err)
{
	_cleanup_free_ struct cg_mount *v1 = calloc(CELL_CG_MAX, sizeof(*v1));
	_cleanup_free_ struct cg_mount *v2 = calloc(1, sizeof(*v2));
	const unsigned useful = CELL_CG_BIT(CELL_CG_MEMORY) | CELL_CG_BIT(CELL_CG_PIDS) |
				CELL_CG_BIT(CELL_CG_CPU) | CELL_CG_BIT(CELL_CG_CPUSET) |
				CELL_CG_BIT(CELL_CG_IO);
	int rank = 0;

	if (!v1 || !v2)
		return cell_fail(err, ENOMEM, "cgroup");
	memset(h, 0, sizeof(*h));
	for (const char *s = mountinfo; *s;) {
		const char *e = strchrnul(s, '\n'), *dash = NULL, *f, *root, *point;
		size_t fl, rootl, pointl;

		/* the optional fields end with a lone "-" */
		for (unsigned i = 6; field(s, e, i, &f, &fl); i++)
			if (fl == 1 && f[0] == '-') {
				dash = f + 1;
				break;
			}
		if (dash && field(s, e, 3, &root, &rootl) && field(s, e, 4, &point, &pointl) &&
		    field(dash, e, 0, &f, &fl)) {
			const char *opts;
			size_t optl;

			if (fl == 7 && memcmp(f, "cgroup2", 7) == 0) {
				char pt[PATH_MAX];

				cell_unescape_octal(point, pointl, pt, sizeof(pt));
				if (v2_rank(pt) > rank) {
					rank = v2_rank(pt);
					strcpy(v2->point, pt);
					cell_unescape_octal(root, rootl, v2->root,
							    sizeof(v2->root));
					v2->found = true;
				}
			} else if (fl == 6 && memcmp(f, "cgroup", 6) == 0 &&
				   field(dash, e, 2, &opts, &optl)) {
				unsigned mask = controllers_of(opts, optl, 1);

				for (int c = 0; c < CELL_CG_MAX; c++) {
					if (!(mask & CELL_CG_BIT(c)) || v1[c].found)
						continue;
					cell_unescape_octal(point, pointl, v1[c].point,
							    sizeof(v1[c].point));
					cell_unescape_octal(root, rootl, v1[c].root,
							    sizeof(v1[c].root));
					v1[c].found = true;
				}
			}
		}
		s = *e ? e + 1 : e;
	}

	for (const char *s = proc_cgroup; *s;) {
		const char *e = strchrnul(s, '\n'), *c1 = memchr(s, ':', (size_t)(e - s)), *c2;
		char path[PATH_MAX];

		c2 = c1 ? memchr(c1 + 1, ':', (size_t)(e - c1 - 1)) : NULL;
		if (c2 && (size_t)(e - c2 - 1) < sizeof(path)) {
			memcpy(path, c2 + 1, (size_t)(e - c2 - 1));
			path[e - c2 - 1] = '\0';
			if (c2 == c1 + 1 && strncmp(s, "0:", 2) == 0) {
				/* "0::PATH": the v2 hierarchy */
				if (v2->found &&
				    join_path(v2, path, h->v2_dir, sizeof(h->v2_dir))) {
					strcpy(h->v2_mount, v2->point);
					h->v2_root = strcmp(path, "/") == 0;
				}
			} else {
				unsigned mask = controllers_of(c1 + 1, (size_t)(c2 - c1 - 1), 1);

				for (int c = 0; c < CELL_CG_MAX; c++)
					if ((mask & CELL_CG_BIT(c)) && v1[c].found &&
					    join_path(&v1[c], path, h->v1_dir[c],
						      sizeof(h->v1_dir[c])))
						h->v1_controllers |= CELL_CG_BIT(c);
			}
		}
		s = *e ? e + 1 : e;
	}
	if (h->v2_dir[0] && v2_controllers)
		h->v2_controllers = controllers_of(v2_controllers, strlen(v2_controllers), 2);

	if (h->v2_dir[0] && (h->v2_controllers & useful))
		h->version = 2;
	else if (h->v1_controllers)
		h->version = 1;
	else if (h->v2_dir[0])
		h->version = 2;
	h->hybrid = h->version == 1 && h->v2_dir[0];
	return 0;
}


int cell_cgroup_detect(struct cell_cgroup_host *h, struct cell_err *err)
{
	_cleanup_free_ char *mountinfo = cell_read_at(AT_FDCWD, "/proc/self/mountinfo", 1u << 22, NULL);
	_cleanup_free_ char *procs = cell_read_at(AT_FDCWD, "/proc/self/cgroup", 1u << 20, NULL);
	char ctl[512] = "";
	int r;

	if (!mountinfo || !procs)
		return cell_fail(err, errno ? errno : ENOMEM, "cgroup: read /proc/self");
	r = cell_cgroup_host_parse(mountinfo, procs, NULL, h, err);
	if (r < 0 || !h->v2_dir[0])
		return r;
	if (cell_cg_read(h->v2_dir, "cgroup.controllers", ctl, sizeof(ctl)) < 0)
		ctl[0] = '\0';
	return cell_cgroup_host_parse(mountinfo, procs, ctl, h, err);
}

/* ---- names ---- */

int cell_cgroup_name(pid_t pid, uint64_t start, char *buf, size_t len)
{
	int n = snprintf(buf, len, "cell-%d-%llu", (int)pid, (unsigned long long)start);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int cell_cgroup_name_parse(const char *name, pid_t *ret_pid, uint64_t *ret_start)
{
	const char *end;
	uint64_t pid, start;

	if (strncmp(name, "cell-", 5) != 0 || parse_u64(name + 5, &end, &pid) < 0 ||
	    *end != '-' || pid == 0 || pid > INT32_MAX || parse_u64(end + 1, &end, &start) < 0 ||
	    *end)
		return -EINVAL;
	*ret_pid = (pid_t)pid;
	*ret_start = start;
	return 0;
}

int cell_cgroup_pid_start(pid_t pid, uint64_t *ret)
{
	char path[64], buf[1024];
	const char *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	/* the command name may hold anything: start after its last ')' */
	p = strrchr(buf, ')');
	if (!p)
		return -EIO;
	/* fields 3..22: skip 19 more to reach starttime */
	for (int i = 0; i < 20; i++) {
		p = strchr(p + 1, ' ');
		if (!p)
			return -EIO;
	}
	*ret = strtoull(p + 1, NULL, 10);
	return 0;
}

/* ---- file helpers ---- */

static int join(char *out, size_t len, const char *dir, const char *file)
{
	int n = snprintf(out, len, "%s/%s", dir, file);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int cell_cg_write(const char *dir, const char *file, const char *value)
{
	char path[PATH_MAX];
	size_t len = strlen(value);
	ssize_t n;
	int fd, r = join(path, sizeof(path), dir, file);

	if (r < 0)
		return r;
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, value, len);
	r = n < 0 ? -errno : (size_t)n != len ? -EIO : 0;
	close(fd);
	return r;
}

int cell_cg_read(const char *dir, const char *file, char *buf, size_t len)
{
	char path[PATH_MAX];
	size_t used = 0;
	int fd, r = join(path, sizeof(path), dir, file);

	if (r < 0)
		return r;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (used + 1 < len) {
		ssize_t n = read(fd, buf + used, len - 1 - used);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			close(fd);
			return r;
		}
		if (n == 0)
			break;
		used += (size_t)n;
	}
	close(fd);
	buf[used] = '\0';
	while (used > 0 && buf[used - 1] == '\n')
		buf[--used] = '\0';
	return (int)used;
}

int cell_cg_read_u64(const char *dir, const char *file, uint64_t *ret)
{
	char buf[64], *end;
	int r = cell_cg_read(dir, file, buf, sizeof(buf));

	if (r < 0)
		return r;
	if (strcmp(buf, "max") == 0) {
		*ret = UINT64_MAX;
		return 0;
	}
	errno = 0;
	*ret = strtoull(buf, &end, 10);
	return end == buf || errno ? -EINVAL : 0;
}

bool cell_cg_exists(const char *dir, const char *file)
{
	char path[PATH_MAX];

	return join(path, sizeof(path), dir, file) == 0 && access(path, F_OK) == 0;
}

int cell_cg_mkdir(const char *dir, bool exist_ok)
{
	if (mkdir(dir, 0755) < 0 && !(exist_ok && errno == EEXIST))
		return -errno;
	return 0;
}

int cell_cg_rmdir(const char *dir)
{
	/* A cgroup stays busy until its last task is gone, which can take a
	 * moment after SIGKILL: retry for up to two seconds. */
	for (int i = 0; i < 200; i++) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };

		if (rmdir(dir) == 0 || errno == ENOENT)
			return 0;
		if (errno != EBUSY)
			return -errno;
		nanosleep(&ts, NULL);
	}
	return -EBUSY;
}

int cell_cg_kill_procs(const char *dir)
{
	char path[PATH_MAX];
	_cleanup_fclose_ FILE *f = NULL;
	int pid, n = 0, r = join(path, sizeof(path), dir, "cgroup.procs");

	if (r < 0)
		return r;
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fscanf(f, "%d", &pid) == 1) {
		if (pid > 0)
			(void)kill(pid, SIGKILL); /* it may be gone already */
		n++;
	}
	return n;
}

int cell_cg_add_dir(struct cell_cgroup *cg, const char *path, unsigned mask)
{
	int idx = -1;

	for (unsigned i = 0; i < cg->n_dirs; i++)
		if (strcmp(cg->dirs[i], path) == 0)
			idx = (int)i;
	if (idx < 0) {
		if (cg->n_dirs >= CELL_CG_MAX)
			return -E2BIG;
		cg->dirs[cg->n_dirs] = strdup(path);
		if (!cg->dirs[cg->n_dirs])
			return -ENOMEM;
		idx = (int)cg->n_dirs++;
	}
	for (int c = 0; c < CELL_CG_MAX; c++)
		if (mask & CELL_CG_BIT(c)) {
			cg->dir_of[c] = idx;
			cg->controllers |= CELL_CG_BIT(c);
		}
	return idx;
}

void cell_cg_missing(struct cell_cgroup *cg, enum cell_cg_controller c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cg->why_missing[c], sizeof(cg->why_missing[c]), fmt, ap);
	va_end(ap);
}

int cell_cg_limit_failed(unsigned limit, bool best_effort, unsigned *dropped,
			 struct cell_err *err, int errnum, const char *fmt, ...)
{
	char msg[CELL_ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (best_effort) {
		*dropped |= limit;
		return 0;
	}
	return cell_fail(err, errnum, "%s: %s", cell_cgroup_limit_option(limit), msg);
}

int cell_cgroup_keyed(const char *text, const char *key, uint64_t *ret)
{
	size_t kl = strlen(key);

	for (const char *s = text; *s;) {
		const char *e = strchrnul(s, '\n');

		if ((size_t)(e - s) > kl && strncmp(s, key, kl) == 0 && s[kl] == ' ') {
			char *end;

			errno = 0;
			*ret = strtoull(s + kl + 1, &end, 10);
			return errno || end == s + kl + 1 ? -EINVAL : 0;
		}
		s = *e ? e + 1 : e;
	}
	return -ENOENT;
}

/* ---- dispatch ---- */

int cell_cgroup_create(const struct cell_cgroup_host *h, const struct cell_cgroup_limits *l,
		       const char *name, struct cell_cgroup **ret, struct cell_err *err)
{
	_cleanup_(cell_cgroup_freep) struct cell_cgroup *cg = NULL;
	unsigned want = CELL_CG_BIT(CELL_CG_MEMORY) | CELL_CG_BIT(CELL_CG_PIDS) |
			CELL_CG_BIT(CELL_CG_CPUACCT) | CELL_CG_BIT(CELL_CG_FREEZER);
	int r;

	if (l->cpu_milli)
		want |= CELL_CG_BIT(CELL_CG_CPU);
	if (l->cpuset[0])
		want |= CELL_CG_BIT(CELL_CG_CPUSET);
	if (l->io_weight)
		want |= CELL_CG_BIT(CELL_CG_IO);
	if (h->version != 1 && h->version != 2)
		return cell_fail(err, ENOENT,
				 "cgroup: no cgroup file system is mounted (/sys/fs/cgroup)");
	cg = calloc(1, sizeof(*cg));
	if (!cg)
		return cell_fail(err, ENOMEM, "cgroup");
	cg->fd = -1;
	for (int c = 0; c < CELL_CG_MAX; c++)
		cg->dir_of[c] = -1;
	cg->ops = h->version == 2 ? &cell_cgroup_v2_ops : &cell_cgroup_v1_ops;
	if (name) {
		if (!*name || strchr(name, '/') || strlen(name) >= sizeof(cg->name) ||
		    strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
			return cell_fail(err, EINVAL, "cgroup: bad name '%s'", name);
		strcpy(cg->name, name);
	} else {
		uint64_t start = 0;

		r = cell_cgroup_pid_start(getpid(), &start);
		if (r < 0)
			return cell_fail(err, -r, "cgroup: read /proc/self/stat");
		(void)cell_cgroup_name(getpid(), start, cg->name, sizeof(cg->name));
	}
	r = cg->ops->create(cg, h, want, err);
	if (r < 0) {
		/* nothing half-made survives: remove what was made */
		for (unsigned i = cg->n_dirs; i-- > 0;)
			(void)rmdir(cg->dirs[i]); /* best effort; the error is r */
		return r;
	}
	*ret = TAKE_PTR(cg);
	return 0;
}

int cell_cgroup_set_limits(struct cell_cgroup *cg, const struct cell_cgroup_limits *l,
			   bool best_effort, unsigned *ret_dropped, struct cell_err *err)
{
	unsigned dropped = 0;
	int r = cell_cgroup_limits_validate(l, err);

	if (r < 0)
		return r;
	r = cg->ops->set_limits(cg, l, best_effort, &dropped, err);
	if (ret_dropped)
		*ret_dropped = dropped;
	return r;
}

int cell_cgroup_fd(const struct cell_cgroup *cg)
{
	return cg->fd;
}

int cell_cgroup_attach(struct cell_cgroup *cg, pid_t pid, struct cell_err *err)
{
	return cg->ops->attach(cg, pid, err);
}

const char *cell_cgroup_path(const struct cell_cgroup *cg, enum cell_cg_controller c)
{
	if ((unsigned)c >= CELL_CG_MAX || cg->dir_of[c] < 0)
		return "";
	return cg->dirs[cg->dir_of[c]];
}

int cell_cgroup_version(const struct cell_cgroup *cg)
{
	return cg->ops->version;
}

int cell_cgroup_stats(struct cell_cgroup *cg, struct cell_cgroup_stats *ret,
		      struct cell_err *err)
{
	*ret = (struct cell_cgroup_stats){ 0 };
	return cg->ops->stats(cg, ret, err);
}

int cell_cgroup_kill(struct cell_cgroup *cg, struct cell_err *err)
{
	return cg->ops->kill(cg, err);
}

int cell_cgroup_remove(struct cell_cgroup *cg, struct cell_err *err)
{
	int first = 0;

	if (cg->fd >= 0) {
		close(cg->fd);
		cg->fd = -1;
	}
	for (unsigned i = cg->n_dirs; i-- > 0;) {
		int r = cell_cg_rmdir(cg->dirs[i]);

		if (r < 0 && first == 0)
			first = cell_fail(err, -r, "cgroup: remove %s", cg->dirs[i]);
	}
	return first;
}

bool cell_cgroup_is_stale(const char *name)
{
	uint64_t start, now;
	pid_t pid;

	if (cell_cgroup_name_parse(name, &pid, &start) < 0)
		return false;
	/* gone, or the pid now belongs to a later process */
	return cell_cgroup_pid_start(pid, &now) == -ENOENT || (now != start);
}

/* Remove the stale sandboxes directly below dir. */
static int gc_dir(const char *dir, unsigned *removed, struct cell_err *err)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int first = 0;

	if (!d && (errno == ENOENT || errno == EACCES))
		return 0; /* nothing of ours can be there */
	if (!d)
		return cell_fail(err, errno, "cgroup gc: %s", dir);
	while ((de = readdir(d))) {
		char path[PATH_MAX];
		int r;

		if (de->d_type != DT_DIR || !cell_cgroup_is_stale(de->d_name))
			continue;
		if (join(path, sizeof(path), dir, de->d_name) < 0)
			continue;
		/* the freezer is not needed: no supervisor forks anything now,
		 * but the sandbox's own processes might, so kill until empty */
		for (int i = 0; i < 100 && cell_cg_kill_procs(path) > 0; i++)
			;
		r = cell_cg_rmdir(path);
		if (r == 0)
			(*removed)++;
		else if (!first)
			first = cell_fail(err, -r, "cgroup gc: remove %s", path);
	}
	closedir(d);
	return first;
}

int cell_cgroup_gc(const struct cell_cgroup_host *h, unsigned *ret_removed, struct cell_err *err)
{
	unsigned removed = 0;
	char dir[PATH_MAX];
	int first = 0, r;

	if (h->version == 1) {
		for (int c = 0; c < CELL_CG_MAX; c++) {
			bool seen = false;

			if (!(h->v1_controllers & CELL_CG_BIT(c)))
				continue;
			/* co-mounted controllers share a directory: once */
			for (int k = 0; k < c && !seen; k++)
				seen = (h->v1_controllers & CELL_CG_BIT(k)) &&
				       strcmp(h->v1_dir[k], h->v1_dir[c]) == 0;
			r = seen ? 0 : gc_dir(h->v1_dir[c], &removed, err);
			if (r < 0 && !first)
				first = r;
		}
	} else if (h->version == 2) {
		r = gc_dir(h->v2_dir, &removed, err);
		if (r < 0 && !first)
			first = r;
		if ((size_t)snprintf(dir, sizeof(dir), "%s/cell",
				     h->v2_root ? h->v2_dir : h->v2_mount) < sizeof(dir)) {
			r = gc_dir(dir, &removed, err);
			if (r < 0 && !first)
				first = r;
		}
	}
	if (ret_removed)
		*ret_removed = removed;
	return first;
}

struct cell_cgroup *cell_cgroup_free(struct cell_cgroup *cg)
{
	if (!cg)
		return NULL;
	if (cg->fd >= 0)
		close(cg->fd);
	for (unsigned i = 0; i < cg->n_dirs; i++)
		free(cg->dirs[i]);
	free(cg);
	return NULL;
}
