/* ocicg-plan.c - where an OCI container's cgroupsPath lands (pure): from
 * mountinfo and /proc/self/cgroup text to the directories of each
 * hierarchy, for v1 (hybrid too) and v2.  See ocicg.h. */
#define _GNU_SOURCE
#include "ocicg.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "util.h"
#include "ocicg-internal.h"

const char *const cell_ocicg_v1_names[CELL_OCICG_CTL_MAX] = {
	[CELL_OCICG_MEMORY] = "memory",	  [CELL_OCICG_PIDS] = "pids",
	[CELL_OCICG_CPU] = "cpu",	  [CELL_OCICG_CPUACCT] = "cpuacct",
	[CELL_OCICG_CPUSET] = "cpuset",	  [CELL_OCICG_BLKIO] = "blkio",
	[CELL_OCICG_FREEZER] = "freezer", [CELL_OCICG_DEVICES] = "devices",
	[CELL_OCICG_NET_CLS] = "net_cls", [CELL_OCICG_NET_PRIO] = "net_prio",
	[CELL_OCICG_HUGETLB] = "hugetlb", [CELL_OCICG_PERF_EVENT] = "perf_event",
	[CELL_OCICG_RDMA] = "rdma",	  [CELL_OCICG_MISC] = "misc",
};

/* The v1 hierarchies that decide "this host uses v1". */
#define V1_CORE                                                                                    \
	(CELL_OCICG_BIT(CELL_OCICG_MEMORY) | CELL_OCICG_BIT(CELL_OCICG_PIDS) |                    \
	 CELL_OCICG_BIT(CELL_OCICG_CPU) | CELL_OCICG_BIT(CELL_OCICG_CPUACCT) |                    \
	 CELL_OCICG_BIT(CELL_OCICG_BLKIO) | CELL_OCICG_BIT(CELL_OCICG_FREEZER) |                  \
	 CELL_OCICG_BIT(CELL_OCICG_DEVICES) | CELL_OCICG_BIT(CELL_OCICG_CPUSET))

unsigned cell_ocicg_ctl_mask(const char *list, size_t n)
{
	unsigned mask = 0;
	size_t start = 0;

	for (size_t i = 0; i <= n; i++) {
		if (i < n && list[i] != ',')
			continue;
		for (int c = 0; c < CELL_OCICG_CTL_MAX; c++)
			if (strlen(cell_ocicg_v1_names[c]) == i - start &&
			    memcmp(list + start, cell_ocicg_v1_names[c], i - start) == 0)
				mask |= CELL_OCICG_BIT(c);
		start = i + 1;
	}
	return mask;
}

/* ---- planning ---- */

/* Split line [s, e) at blanks into at most max fields. */
static size_t split(const char *s, const char *e, const char **f, size_t *fl, size_t max)
{
	size_t n = 0;

	while (s < e && n < max) {
		while (s < e && *s == ' ')
			s++;
		if (s == e)
			break;
		f[n] = s;
		while (s < e && *s != ' ')
			s++;
		fl[n] = (size_t)(s - f[n]);
		n++;
	}
	return n;
}

struct hier {
	char point[PATH_MAX];
	char root[PATH_MAX];
	char caller[PATH_MAX]; /* the caller's cgroup below the mount, "" = the root */
	unsigned mask;	       /* v1 controllers; 0 for v2 */
	bool caller_found;
};

/* Turn cgroupsPath into "/a/b" (or "" when empty): no "..", no ".", no
 * empty components, no newline (the record is line based). */
static int normalize(const char *in, char *out, size_t len, struct cell_err *err)
{
	size_t o = 0;

	out[0] = '\0';
	for (const char *s = in; *s;) {
		const char *e = strchrnul(s, '/');
		size_t n = (size_t)(e - s);

		if (n == 2 && s[0] == '.' && s[1] == '.')
			return cell_fail(err, EINVAL,
					 "cgroupsPath %s: '..' would leave the cgroup hierarchy",
					 in);
		if (memchr(s, '\n', n))
			return cell_fail(err, EINVAL, "cgroupsPath: a newline in it");
		if (n > NAME_MAX)
			return cell_fail(err, ENAMETOOLONG,
					 "cgroupsPath %s: a component is too long", in);
		if (n && !(n == 1 && s[0] == '.')) {
			if (o + 1 + n >= len)
				return cell_fail(err, ENAMETOOLONG, "cgroupsPath %s: too long", in);
			out[o++] = '/';
			memcpy(out + o, s, n);
			o += n;
			out[o] = '\0';
		}
		s = *e ? e + 1 : e;
	}
	return 0;
}

static int v2_rank(const char *point)
{
	if (strcmp(point, "/sys/fs/cgroup") == 0)
		return 3;
	if (strcmp(point, "/sys/fs/cgroup/unified") == 0)
		return 2;
	return 1;
}

/* The caller's cgroup path below mount h (false: not visible there). */
static bool caller_below(struct hier *h, const char *path)
{
	const char *rest = cell_path_below(h->root, path);

	if (!rest || strlen(rest) >= sizeof(h->caller))
		return false;
	strcpy(h->caller, rest);
	h->caller_found = true;
	return true;
}

static int plan_dir(const struct hier *h, const char *norm, bool relative, const char *in,
		    struct cell_ocicg_dir *d, struct cell_err *err)
{
	const char *point = strcmp(h->point, "/") == 0 ? "" : h->point;
	int n;

	if (relative && !h->caller_found)
		return cell_fail(err, ENOENT,
				 "cgroupsPath %s: relative, but this process's cgroup is not "
				 "visible in %s",
				 in, h->point);
	n = snprintf(d->path, sizeof(d->path), "%s%s%s", point, relative ? h->caller : "", norm);
	if (n < 0 || (size_t)n >= sizeof(d->path))
		return cell_fail(err, ENAMETOOLONG, "cgroupsPath %s: too long", in);
	if (strchr(d->path, '\n'))
		return cell_fail(err, EINVAL, "cgroup mount point %s: a newline in it", h->point);
	d->mount_len = (unsigned)strlen(point);
	d->controllers = h->mask;
	d->made = 0;
	return 0;
}

int cell_ocicg_plan(const char *mountinfo, const char *proc_cgroup, const char *cgroups_path,
		    const char *id, unsigned want, struct cell_ocicg_plan *ret,
		    struct cell_err *err)
{
	_cleanup_free_ struct hier *hs = calloc(CELL_OCICG_CTL_MAX + 1, sizeof(*hs));
	char norm[PATH_MAX];
	size_t nh = 0;
	struct hier *v2 = NULL;
	unsigned mounted = 0;
	bool relative;
	int rank = 0, r;

	if (!hs)
		return cell_fail(err, ENOMEM, "cgroup");
	memset(ret, 0, sizeof(*ret));
	if (!cgroups_path || !*cgroups_path) {
		char leaf[NAME_MAX + 1];

		if (!id || !*id || strchr(id, '/') || strchr(id, '\n') || strcmp(id, ".") == 0 ||
		    strcmp(id, "..") == 0 || strlen(id) + 9 > NAME_MAX)
			return cell_fail(err, EINVAL,
					 "container id '%s': not usable as a cgroup name",
					 id ? id : "");
		snprintf(leaf, sizeof(leaf), "cell-oci-%s", id);
		r = normalize(leaf, norm, sizeof(norm), err);
		relative = true;
	} else {
		r = normalize(cgroups_path, norm, sizeof(norm), err);
		relative = cgroups_path[0] != '/';
	}
	if (r < 0)
		return r;
	if (!norm[0])
		return cell_fail(err, EINVAL,
				 "cgroupsPath %s: names the hierarchy's (or this process's) own "
				 "cgroup, not a new one",
				 cgroups_path);

	for (const char *s = mountinfo; *s;) {
		const char *e = strchrnul(s, '\n'), *f[64];
		size_t fl[64], n = split(s, e, f, fl, ELEMENTSOF(f)), dash = 0;

		for (size_t i = 6; i < n; i++)
			if (fl[i] == 1 && f[i][0] == '-') {
				dash = i;
				break;
			}
		if (dash && dash + 1 < n) {
			bool is2 = fl[dash + 1] == 7 && memcmp(f[dash + 1], "cgroup2", 7) == 0;
			bool is1 = fl[dash + 1] == 6 && memcmp(f[dash + 1], "cgroup", 6) == 0;
			struct hier h = { 0 };

			if (is1 && dash + 3 < n) {
				/* super options: "rw,cpu,cpuacct" */
				h.mask = cell_ocicg_ctl_mask(f[dash + 3], fl[dash + 3]) & ~mounted;
			}
			cell_unescape_octal(f[4], fl[4], h.point, sizeof(h.point));
			cell_unescape_octal(f[3], fl[3], h.root, sizeof(h.root));
			if (is2 && v2_rank(h.point) > rank && nh <= CELL_OCICG_CTL_MAX) {
				rank = v2_rank(h.point);
				if (!v2)
					v2 = &hs[nh++];
				*v2 = h;
			} else if (is1 && h.mask && nh <= CELL_OCICG_CTL_MAX) {
				/* a controller mounted twice (bind): the first one */
				hs[nh++] = h;
				mounted |= h.mask;
			}
		}
		s = *e ? e + 1 : e;
	}

	for (const char *s = proc_cgroup ? proc_cgroup : ""; *s;) {
		const char *e = strchrnul(s, '\n'), *c1 = memchr(s, ':', (size_t)(e - s)), *c2;
		char path[PATH_MAX];

		c2 = c1 ? memchr(c1 + 1, ':', (size_t)(e - c1 - 1)) : NULL;
		if (c2 && (size_t)(e - c2 - 1) < sizeof(path)) {
			unsigned mask = cell_ocicg_ctl_mask(c1 + 1, (size_t)(c2 - c1 - 1));

			memcpy(path, c2 + 1, (size_t)(e - c2 - 1));
			path[e - c2 - 1] = '\0';
			for (size_t i = 0; i < nh; i++) {
				bool match = &hs[i] == v2 ? c2 == c1 + 1 && strncmp(s, "0:", 2) == 0
							  : mask && mask == hs[i].mask;

				if (match && !hs[i].caller_found)
					/* not visible there: stays unfound */
					(void)caller_below(&hs[i], path);
			}
		}
		s = *e ? e + 1 : e;
	}

	if (mounted & V1_CORE) {
		ret->version = 1;
		for (size_t i = 0; i < nh; i++) {
			if (&hs[i] == v2 || !(hs[i].mask & want))
				continue;
			r = plan_dir(&hs[i], norm, relative, cgroups_path ? cgroups_path : "",
				     &ret->dirs[ret->n_dirs], err);
			if (r < 0)
				return r;
			ret->n_dirs++;
		}
		if (ret->n_dirs == 0)
			return cell_fail(err, ENOENT,
					 "cgroup v1: none of the needed controllers is mounted");
		return 0;
	}
	if (!v2)
		return cell_fail(err, ENOENT, "no cgroup file system is mounted (/sys/fs/cgroup)");
	ret->version = 2;
	r = plan_dir(v2, norm, relative, cgroups_path ? cgroups_path : "", &ret->dirs[0], err);
	if (r < 0)
		return r;
	ret->n_dirs = 1;
	return 0;
}
