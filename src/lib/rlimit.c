/* rlimit.c - parse and apply resource limits.
 *
 * getrlimit(2), setrlimit(2), prlimit(2).  The apply step runs in the child
 * between clone and execve, after the mounts and before the capabilities are
 * dropped; it only issues syscalls and formats into struct cell_err.
 */
#define _GNU_SOURCE
#include "rlimit.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static const struct {
	const char *name;
	bool bytes; /* takes k/M/G/T suffixes */
} names[CELL_RLIMIT_MAX] = {
	[RLIMIT_CPU] = { "cpu", false },
	[RLIMIT_FSIZE] = { "fsize", true },
	[RLIMIT_DATA] = { "data", true },
	[RLIMIT_STACK] = { "stack", true },
	[RLIMIT_CORE] = { "core", true },
	[RLIMIT_RSS] = { "rss", true },
	[RLIMIT_NPROC] = { "nproc", false },
	[RLIMIT_NOFILE] = { "nofile", false },
	[RLIMIT_MEMLOCK] = { "memlock", true },
	[RLIMIT_AS] = { "as", true },
	[RLIMIT_LOCKS] = { "locks", false },
	[RLIMIT_SIGPENDING] = { "sigpending", false },
	[RLIMIT_MSGQUEUE] = { "msgqueue", true },
	[RLIMIT_NICE] = { "nice", false },
	[RLIMIT_RTPRIO] = { "rtprio", false },
	[RLIMIT_RTTIME] = { "rttime", false },
};

_Static_assert(RLIMIT_NLIMITS == CELL_RLIMIT_MAX, "RLIMIT_NLIMITS changed");

int cell_rlimit_from_name(const char *name)
{
	if (strncasecmp(name, "RLIMIT_", 7) == 0)
		name += 7;
	for (int i = 0; i < CELL_RLIMIT_MAX; i++)
		if (names[i].name && strcasecmp(name, names[i].name) == 0)
			return i;
	return -1;
}

const char *cell_rlimit_name(int resource)
{
	if (resource < 0 || resource >= CELL_RLIMIT_MAX)
		return NULL;
	return names[resource].name;
}

/* One value: digits with an optional binary suffix, or "unlimited". */
static int parse_value(const char *s, size_t len, bool bytes, rlim_t *ret)
{
	static const struct {
		const char *suffix;
		unsigned shift;
	} units[] = {
		{ "k", 10 }, { "K", 10 }, { "KiB", 10 }, { "m", 20 }, { "M", 20 },
		{ "MiB", 20 }, { "g", 30 }, { "G", 30 },  { "GiB", 30 }, { "t", 40 },
		{ "T", 40 },   { "TiB", 40 },
	};
	uint64_t v = 0;
	size_t i = 0;

	if ((len == 9 && strncmp(s, "unlimited", 9) == 0) ||
	    (len == 8 && strncmp(s, "infinity", 8) == 0)) {
		*ret = RLIM_INFINITY;
		return 0;
	}
	if (len == 0 || s[0] < '0' || s[0] > '9')
		return -EINVAL;
	for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
		if (v > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
			return -ERANGE;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (i < len) {
		size_t n = len - i;
		unsigned shift = 0;

		if (!bytes)
			return -EINVAL;
		for (size_t u = 0; u < sizeof(units) / sizeof(units[0]); u++)
			if (strlen(units[u].suffix) == n && strncmp(s + i, units[u].suffix, n) == 0)
				shift = units[u].shift;
		if (!shift)
			return -EINVAL;
		if (v > (UINT64_MAX >> shift))
			return -ERANGE;
		v <<= shift;
	}
	/* RLIM_INFINITY is all ones: a number that large means the same, but
	 * say "unlimited" instead of accepting it by accident. */
	if (v >= RLIM_INFINITY)
		return -ERANGE;
	*ret = (rlim_t)v;
	return 0;
}

static int bad_value(const char *arg, int res, int r, struct cell_err *err)
{
	return cell_fail(err, r == -ERANGE ? ERANGE : EINVAL,
			 "--rlimit %s: expected a number%s or 'unlimited'", arg,
			 names[res].bytes ? " (suffixes k, M, G, T)" : "");
}

int cell_rlimit_parse(const char *arg, int *ret_resource, struct cell_rlimit *ret,
		      struct cell_err *err)
{
	struct cell_rlimit rl = { 0 };
	const char *eq = strchr(arg, '='), *val, *colon;
	char name[32];
	int res, r;

	if (!eq)
		return cell_fail(err, EINVAL, "--rlimit %s: expected NAME=SOFT[:HARD]", arg);
	if ((size_t)(eq - arg) >= sizeof(name) || eq == arg)
		return cell_fail(err, EINVAL, "--rlimit %s: unknown resource", arg);
	memcpy(name, arg, (size_t)(eq - arg));
	name[eq - arg] = '\0';
	res = cell_rlimit_from_name(name);
	if (res < 0)
		return cell_fail(err, EINVAL,
				 "--rlimit %s: unknown resource '%s' (one of cpu, fsize, data, "
				 "stack, "
				 "core, rss, nproc, nofile, memlock, as, locks, sigpending, "
				 "msgqueue, "
				 "nice, rtprio, rttime)",
				 arg, name);
	val = eq + 1;
	colon = strchr(val, ':');
	if (!colon) {
		r = parse_value(val, strlen(val), names[res].bytes, &rl.soft);
		if (r < 0)
			return bad_value(arg, res, r, err);
		rl.hard = rl.soft;
		rl.soft_set = rl.hard_set = true;
	} else {
		if (colon > val) {
			r = parse_value(val, (size_t)(colon - val), names[res].bytes, &rl.soft);
			if (r < 0)
				return bad_value(arg, res, r, err);
			rl.soft_set = true;
		}
		if (colon[1]) {
			r = parse_value(colon + 1, strlen(colon + 1), names[res].bytes, &rl.hard);
			if (r < 0)
				return bad_value(arg, res, r, err);
			rl.hard_set = true;
		}
		if (!rl.soft_set && !rl.hard_set)
			return cell_fail(err, EINVAL, "--rlimit %s: no value", arg);
	}
	if (rl.soft_set && rl.hard_set && rl.soft > rl.hard)
		return cell_fail(err, EINVAL, "--rlimit %s: soft limit above hard limit", arg);
	*ret_resource = res;
	*ret = rl;
	return 0;
}

int cell_rlimits_add(struct cell_rlimits *set, const char *arg, struct cell_err *err)
{
	struct cell_rlimit rl, *cur;
	int res, r = cell_rlimit_parse(arg, &res, &rl, err);

	if (r < 0)
		return r;
	cur = &set->r[res];
	if (rl.soft_set) {
		cur->soft = rl.soft;
		cur->soft_set = true;
	}
	if (rl.hard_set) {
		cur->hard = rl.hard;
		cur->hard_set = true;
	}
	if (cur->soft_set && cur->hard_set && cur->soft > cur->hard)
		return cell_fail(err, EINVAL, "--rlimit %s: soft limit above hard limit", arg);
	return 0;
}

static int format_value(rlim_t v, char *buf, unsigned len)
{
	if (v == RLIM_INFINITY)
		return snprintf(buf, len, "unlimited");
	return snprintf(buf, len, "%llu", (unsigned long long)v);
}

const char *cell_rlimit_format(int resource, const struct cell_rlimit *rl, char *buf,
			       unsigned len)
{
	char s[24] = "", h[24] = "";
	const char *name = cell_rlimit_name(resource);

	if (rl->soft_set)
		format_value(rl->soft, s, sizeof(s));
	if (rl->hard_set)
		format_value(rl->hard, h, sizeof(h));
	if (rl->soft_set && rl->hard_set && rl->soft == rl->hard)
		snprintf(buf, len, "%s=%s", name ? name : "?", s);
	else
		snprintf(buf, len, "%s=%s:%s", name ? name : "?", s, h);
	return buf;
}

int cell_rlimit_resolve(int resource, const struct cell_rlimit *want, const struct rlimit *cur,
			struct rlimit *ret, struct cell_err *err)
{
	struct rlimit n = *cur;
	char a[24], b[24];

	if (want->hard_set) {
		n.rlim_max = want->hard;
		/* ":H" keeps the soft limit, but the kernel wants soft <= hard. */
		if (!want->soft_set && n.rlim_cur > n.rlim_max)
			n.rlim_cur = n.rlim_max;
	}
	if (want->soft_set)
		n.rlim_cur = want->soft;
	if (n.rlim_cur > n.rlim_max) {
		format_value(n.rlim_cur, a, sizeof(a));
		format_value(n.rlim_max, b, sizeof(b));
		return cell_fail(err, EINVAL,
				 "rlimit %s: soft limit %s is above the hard limit %s (give a hard "
				 "limit too: %s=SOFT:HARD)",
				 cell_rlimit_name(resource), a, b, cell_rlimit_name(resource));
	}
	*ret = n;
	return 0;
}

/* The one line for a failed set; only EPERM on a raised hard limit has a
 * reason worth spelling out. */
static int set_failed(int resource, int errnum, const struct rlimit *cur, const struct rlimit *n,
		      struct cell_err *err)
{
	char a[24], b[24];

	if (errnum == EPERM && n->rlim_max > cur->rlim_max) {
		format_value(cur->rlim_max, a, sizeof(a));
		format_value(n->rlim_max, b, sizeof(b));
		return cell_fail(err, EPERM,
				 "rlimit %s: cannot raise the hard limit from %s to %s: that needs "
				 "CAP_SYS_RESOURCE in the initial user namespace, which this "
				 "process "
				 "lacks (even root may lack it, and a user namespace never grants "
				 "it)",
				 cell_rlimit_name(resource), a, b);
	}
	return cell_fail(err, errnum, "rlimit %s", cell_rlimit_name(resource));
}

int cell_rlimits_apply(const struct cell_rlimits *set, struct cell_err *err)
{
	for (int i = 0; i < CELL_RLIMIT_MAX; i++) {
		const struct cell_rlimit *want = &set->r[i];
		struct rlimit cur, n;
		int r;

		if (!want->soft_set && !want->hard_set)
			continue;
		if (getrlimit((__rlimit_resource_t)i, &cur) < 0)
			return cell_fail(err, errno, "rlimit %s: getrlimit", cell_rlimit_name(i));
		r = cell_rlimit_resolve(i, want, &cur, &n, err);
		if (r < 0)
			return r;
		if (setrlimit((__rlimit_resource_t)i, &n) < 0)
			return set_failed(i, errno, &cur, &n, err);
	}
	return 0;
}

int cell_rlimits_apply_pid(const struct cell_rlimits *set, pid_t pid, struct cell_err *err)
{
	for (int i = 0; i < CELL_RLIMIT_MAX; i++) {
		const struct cell_rlimit *want = &set->r[i];
		struct rlimit cur, n;
		int r;

		if (!want->soft_set && !want->hard_set)
			continue;
		if (prlimit(pid, (__rlimit_resource_t)i, NULL, &cur) < 0)
			return cell_fail(err, errno, "rlimit %s: prlimit of %d",
					 cell_rlimit_name(i), (int)pid);
		r = cell_rlimit_resolve(i, want, &cur, &n, err);
		if (r < 0)
			return r;
		if (prlimit(pid, (__rlimit_resource_t)i, &n, NULL) < 0)
			return set_failed(i, errno, &cur, &n, err);
	}
	return 0;
}
