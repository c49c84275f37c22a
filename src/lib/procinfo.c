/* procinfo.c - read and parse /proc/PID files.
 *
 * proc(5) for the formats: /proc/PID/stat (fields after the last ')'),
 * /proc/PID/status ("Key:\tvalue" lines), /proc/PID/uid_map ("inside
 * outside count" as the reader sees them), /proc/PID/task/TID/children;
 * pidfd_open(2).
 */
#define _GNU_SOURCE
#include "procinfo.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

/* Point at field n (3 or more) of a stat line, or NULL. */
static const char *stat_field(const char *stat, int n)
{
	const char *p = strrchr(stat, ')');

	if (!p || n < 3)
		return NULL;
	p++;
	/* p is just past field 2; each field is preceded by one space */
	for (int f = 2; f < n; f++) {
		if (*p != ' ')
			return NULL;
		p++;
		if (f + 1 == n)
			break;
		p += strcspn(p, " \n");
	}
	return *p && *p != ' ' && *p != '\n' ? p : NULL;
}

static int parse_u64_at(const char *p, uint64_t *ret, const char **end)
{
	uint64_t v = 0;
	const char *s = p;

	if (*p < '0' || *p > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
			return -ERANGE;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (end)
		*end = p;
	return p > s ? (*ret = v, 0) : -EINVAL;
}

int cell_proc_parse_start_time(const char *stat, uint64_t *ret)
{
	const char *p = stat_field(stat, 22), *end;
	uint64_t v;

	if (!p || parse_u64_at(p, &v, &end) < 0 || (*end && *end != ' ' && *end != '\n'))
		return -EINVAL;
	*ret = v;
	return 0;
}

int cell_proc_parse_ppid(const char *stat, pid_t *ret)
{
	const char *p = stat_field(stat, 4), *end;
	uint64_t v;

	if (!p || parse_u64_at(p, &v, &end) < 0 || (*end && *end != ' ') || v > INT32_MAX)
		return -EINVAL;
	*ret = (pid_t)v;
	return 0;
}

/* The value of the line "KEY:" of a status text, or NULL. */
static const char *status_value(const char *status, const char *key)
{
	size_t klen = strlen(key);

	for (const char *l = status; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL)
		if (strncmp(l, key, klen) == 0 && l[klen] == ':')
			return l + klen + 1;
	return NULL;
}

int cell_proc_parse_ids(const char *status, const char *key, uint32_t *ret, size_t max)
{
	const char *p = status_value(status, key);
	size_t n = 0;

	if (!p)
		return -EINVAL;
	for (;;) {
		uint64_t v;

		p += strspn(p, " \t");
		if (!*p || *p == '\n')
			break;
		if (parse_u64_at(p, &v, &p) < 0 || v > UINT32_MAX ||
		    (*p && *p != ' ' && *p != '\t' && *p != '\n'))
			return -EINVAL;
		if (n < max)
			ret[n] = (uint32_t)v;
		n++;
	}
	return (int)n;
}

int cell_proc_parse_nspid(const char *status, pid_t *ret, size_t max)
{
	uint32_t v[32];
	int n = cell_proc_parse_ids(status, "NSpid", v, ELEMENTSOF(v));

	if (n <= 0 || (size_t)n > ELEMENTSOF(v))
		return -EINVAL;
	for (int i = 0; i < n; i++) {
		if (v[i] == 0 || v[i] > INT32_MAX)
			return -EINVAL;
		if ((size_t)i < max)
			ret[i] = (pid_t)v[i];
	}
	return n;
}

int cell_proc_parse_u64(const char *status, const char *key, int hex, uint64_t *ret)
{
	const char *p = status_value(status, key);
	char *end;
	uint64_t v;

	if (!p)
		return -EINVAL;
	p += strspn(p, " \t");
	if (!((*p >= '0' && *p <= '9') || (hex && *p >= 'a' && *p <= 'f')))
		return -EINVAL;
	errno = 0;
	v = strtoull(p, &end, hex ? 16 : 10);
	if (errno || (*end && *end != '\n' && *end != ' ' && *end != '\t'))
		return -EINVAL;
	*ret = v;
	return 0;
}

int cell_proc_map_inside(const char *map, uint32_t outside, uint32_t *ret)
{
	const char *p = map;

	while (p && *p) {
		uint64_t in, out, count;

		p += strspn(p, " \t");
		if (parse_u64_at(p, &in, &p) < 0)
			return -EINVAL;
		p += strspn(p, " \t");
		if (parse_u64_at(p, &out, &p) < 0)
			return -EINVAL;
		p += strspn(p, " \t");
		if (parse_u64_at(p, &count, &p) < 0)
			return -EINVAL;
		if (outside >= out && outside - out < count) {
			uint64_t v = in + (outside - out);

			if (v > UINT32_MAX)
				return -EINVAL;
			*ret = (uint32_t)v;
			return 0;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return -ENOENT;
}

static int parse_limit(const char **p, rlim_t *ret)
{
	uint64_t v;

	*p += strspn(*p, " ");
	if (strncmp(*p, "unlimited", 9) == 0) {
		*p += 9;
		*ret = RLIM_INFINITY;
		return 0;
	}
	if (parse_u64_at(*p, &v, p) < 0)
		return -EINVAL;
	*ret = (rlim_t)v;
	return 0;
}

int cell_proc_parse_limits(const char *text, struct rlimit *ret, size_t max)
{
	const char *l = strchr(text, '\n'); /* after the header */
	size_t n = 0;

	if (!l || strncmp(text, "Limit", 5) != 0)
		return -EINVAL;
	for (l++; *l; n++) {
		const char *end = strchr(l, '\n'), *p = l + 26;
		struct rlimit rl;

		if (!end || end - l < 26 || l[25] != ' ' || parse_limit(&p, &rl.rlim_cur) < 0 ||
		    parse_limit(&p, &rl.rlim_max) < 0 || (*p != ' ' && *p != '\n'))
			return -EINVAL;
		if (n < max)
			ret[n] = rl;
		l = end + 1;
	}
	return (int)(n < max ? n : max);
}

ssize_t cell_proc_read(pid_t pid, const char *name, char *buf, size_t len)
{
	char path[64];

	if (pid == 0)
		snprintf(path, sizeof(path), "/proc/self/%s", name);
	else
		snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, name);
	return cell_proc_read_at(AT_FDCWD, path, buf, len);
}

ssize_t cell_proc_read_at(int dirfd, const char *name, char *buf, size_t len)
{
	_cleanup_close_ int fd = -1;
	size_t got = 0;

	if (len == 0)
		return -EINVAL;
	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	while (got < len - 1) {
		ssize_t n = read(fd, buf + got, len - 1 - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == ESRCH ? -ESRCH : -errno;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	buf[got] = '\0';
	return (ssize_t)got;
}

int cell_proc_start_time(pid_t pid, uint64_t *ret)
{
	char buf[1024];
	ssize_t n = cell_proc_read(pid, "stat", buf, sizeof(buf));

	if (n < 0)
		return (int)n;
	return cell_proc_parse_start_time(buf, ret) < 0 ? -EIO : 0;
}

int cell_proc_pidfd(pid_t pid, uint64_t start_time)
{
	_cleanup_close_ int fd = -1;
	uint64_t now;
	int r;

	if (pid <= 0)
		return -ESRCH;
	fd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (fd < 0)
		return -errno;
	if (start_time == 0)
		return TAKE_FD(fd);
	/* The pidfd holds the process it was opened for: if that process
	 * started when the record says, the PID was not recycled before the
	 * open, and it cannot be after. */
	r = cell_proc_start_time(pid, &now);
	if (r < 0)
		return r;
	if (now != start_time)
		return -ESRCH;
	return TAKE_FD(fd);
}

int cell_proc_children(pid_t pid, pid_t **v, size_t *n)
{
	char path[64], buf[8192];
	struct dirent *de;
	DIR *d;
	int r = 0;

	/* Each task's children: a thread may have forked.  A task that is
	 * gone in between has none. */
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (!d)
		return errno == ENOENT ? -ESRCH : -errno;
	while (r == 0 && (de = readdir(d))) {
		_cleanup_close_ int fd = -1;
		ssize_t got;

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "%.20s/children", de->d_name);
		fd = openat(dirfd(d), path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		got = read(fd, buf, sizeof(buf) - 1);
		if (got <= 0)
			continue;
		buf[got] = '\0';
		for (char *p = buf, *end; *p; p = end) {
			long c = strtol(p, &end, 10);
			pid_t *nv;

			if (end == p)
				break;
			nv = realloc(*v, (*n + 1) * sizeof(**v));
			if (!nv) {
				r = -ENOMEM;
				break;
			}
			*v = nv;
			(*v)[(*n)++] = (pid_t)c;
		}
	}
	closedir(d);
	return r;
}

uint64_t cell_proc_rss(pid_t pid)
{
	char buf[256];
	unsigned long long size, resident;

	if (cell_proc_read(pid, "statm", buf, sizeof(buf)) < 0 ||
	    sscanf(buf, "%llu %llu", &size, &resident) != 2)
		return 0;
	return (uint64_t)resident * (uint64_t)sysconf(_SC_PAGESIZE);
}

uint64_t cell_proc_tree_rss(pid_t pid)
{
	_cleanup_free_ pid_t *todo = NULL;
	size_t n = 0;
	uint64_t sum = 0;

	todo = malloc(sizeof(*todo));
	if (!todo)
		return 0;
	todo[n++] = pid;
	/* breadth first; a process tree has no cycles, but a PID recycled in
	 * between could make one: stop at a generous bound */
	for (size_t i = 0; i < n && i < 65536; i++) {
		sum += cell_proc_rss(todo[i]);
		(void)cell_proc_children(todo[i], &todo, &n); /* gone: no children */
	}
	return sum;
}
