/* idmap.c - plan and write the user namespace's uid/gid maps.
 *
 * user_namespaces(7), newuidmap(1), subuid(5).  Ordering: the maps must be
 * written after clone and before the child relies on its ids; the gid map of
 * an unprivileged writer needs "deny" in setgroups first.
 */
#define _GNU_SOURCE
#include "idmap.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"

static bool mapped(const struct cell_idmap_line *l, unsigned n, uint32_t id)
{
	for (unsigned i = 0; i < n; i++)
		if (id >= l[i].inside && (uint64_t)id < (uint64_t)l[i].inside + l[i].count)
			return true;
	return false;
}

static void root_range(const struct cell_subid *sub, struct cell_idmap_line *l)
{
	if (sub->count > 0)
		*l = (struct cell_idmap_line){ 0, sub->start, sub->count };
	else
		*l = (struct cell_idmap_line){ 0, CELL_ROOT_DEFAULT_BASE, CELL_ROOT_DEFAULT_COUNT };
}

int cell_idmap_plan(const struct cell_spec *s, const struct cell_host *h,
		    struct cell_idmap_plan *ret, struct cell_err *err)
{
	struct cell_idmap_plan p = { .init_uid = -1, .init_gid = -1 };
	bool uid_set = s->set & CELL_SET_UID, gid_set = s->set & CELL_SET_GID;

	if (!(s->ns & CELL_NS_BIT(CELL_NS_USER))) {
		p.writer = CELL_IDMAP_NONE;
		p.uid = uid_set ? s->uid : h->uid;
		p.gid = gid_set ? s->gid : h->gid;
		p.set_ids = p.uid != h->uid || p.gid != h->gid;
		p.drop_groups = h->root;
		*ret = p;
		return 0;
	}

	if (h->root || s->id_mode == CELL_ID_HOST_ROOT) {
		/* Root's sandboxes: ranges written by the parent.  Root inside is not
		 * host root unless --map-host-root says so. */
		if (s->id_mode == CELL_ID_HOST_ROOT) {
			p.uid_map[0] = p.gid_map[0] = (struct cell_idmap_line){ 0, 0, UINT32_MAX };
		} else {
			root_range(&h->subuid, &p.uid_map[0]);
			root_range(&h->subgid, &p.gid_map[0]);
		}
		p.n_uid_map = p.n_gid_map = 1;
		p.writer = CELL_IDMAP_PARENT;
		/* The child starts as host uid 0, which is unmapped in a range map:
		 * init becomes the namespace's root before anything else. */
		p.init_uid = p.init_gid = 0;
		p.uid = uid_set ? s->uid : 0;
		p.gid = gid_set ? s->gid : 0;
		p.drop_groups = true;
		if (s->id_mode != CELL_ID_HOST_ROOT) {
			const struct cell_idmap_line *u = &p.uid_map[0], *g = &p.gid_map[0];

			/* The three ranges must not overlap (see idmap.h). */
			p.mount_idmap = u->count > 1 && g->count > 1 && u->outside >= u->count &&
					g->outside >= g->count &&
					(uint64_t)u->outside + u->count < UINT32_MAX &&
					(uint64_t)g->outside + g->count < UINT32_MAX;
			if (p.mount_idmap) {
				p.mnt_uid_map[0] = (struct cell_idmap_line){ 0, u->outside + u->count, 1 };
				p.mnt_uid_map[1] = (struct cell_idmap_line){ 1, u->outside + 1,
									     u->count - 1 };
				p.mnt_uid_map[2] = (struct cell_idmap_line){ u->outside, u->outside, 1 };
				p.mnt_gid_map[0] = (struct cell_idmap_line){ 0, g->outside + g->count, 1 };
				p.mnt_gid_map[1] = (struct cell_idmap_line){ 1, g->outside + 1,
									     g->count - 1 };
				p.mnt_gid_map[2] = (struct cell_idmap_line){ g->outside, g->outside, 1 };
			}
		}
	} else if (s->id_mode == CELL_ID_MAP_AUTO) {
		if (h->subuid.count == 0 || h->subgid.count == 0)
			return cell_fail(err, 0,
					 "--map-auto: no subordinate %s range for uid %u in %s (add "
					 "one, e.g. usermod --add-subuids 100000-165535 "
					 "--add-subgids 100000-165535 USER)",
					 h->subuid.count == 0 ? "uid" : "gid", h->uid,
					 h->subuid.count == 0 ? "/etc/subuid" : "/etc/subgid");
		p.uid_map[0] = (struct cell_idmap_line){ 0, h->uid, 1 };
		p.uid_map[1] = (struct cell_idmap_line){ 1, h->subuid.start, h->subuid.count };
		p.gid_map[0] = (struct cell_idmap_line){ 0, h->gid, 1 };
		p.gid_map[1] = (struct cell_idmap_line){ 1, h->subgid.start, h->subgid.count };
		p.n_uid_map = p.n_gid_map = 2;
		p.writer = CELL_IDMAP_HELPER;
		p.uid = uid_set ? s->uid : 0;
		p.gid = gid_set ? s->gid : 0;
		p.drop_groups = true;
	} else {
		/* Unprivileged: one id each, the caller's, written by the child. */
		bool root_inside = s->id_mode == CELL_ID_MAP_ROOT;

		p.uid = uid_set ? s->uid : (root_inside ? 0 : h->uid);
		p.gid = gid_set ? s->gid : (root_inside ? 0 : h->gid);
		p.uid_map[0] = (struct cell_idmap_line){ p.uid, h->uid, 1 };
		p.gid_map[0] = (struct cell_idmap_line){ p.gid, h->gid, 1 };
		p.n_uid_map = p.n_gid_map = 1;
		p.writer = CELL_IDMAP_CHILD;
		p.setgroups_deny = true;
		*ret = p;
		return 0; /* the map itself makes the child p.uid/p.gid */
	}

	if (!mapped(p.uid_map, p.n_uid_map, p.uid))
		return cell_fail(err, 0, "--uid %u: not mapped in the sandbox (inside ids %u-%u)",
				 p.uid, p.uid_map[0].inside,
				 p.uid_map[p.n_uid_map - 1].inside + p.uid_map[p.n_uid_map - 1].count - 1);
	if (!mapped(p.gid_map, p.n_gid_map, p.gid))
		return cell_fail(err, 0, "--gid %u: not mapped in the sandbox (inside ids %u-%u)",
				 p.gid, p.gid_map[0].inside,
				 p.gid_map[p.n_gid_map - 1].inside + p.gid_map[p.n_gid_map - 1].count - 1);
	/* After the maps (and init's switch) the child is inside id 0. */
	p.set_ids = p.uid != 0 || p.gid != 0;
	*ret = p;
	return 0;
}

int cell_idmap_format(const struct cell_idmap_line *l, unsigned n, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < n; i++) {
		int w = snprintf(buf + off, len - off, "%u %u %u\n", l[i].inside, l[i].outside,
				 l[i].count);
		if (w < 0 || (size_t)w >= len - off)
			return -ENAMETOOLONG;
		off += (size_t)w;
	}
	return (int)off;
}

/* Write a whole small file at dirfd/name in one write(2), as the proc map files
 * require.  Allocation-free. */
static int write_file_at(int dirfd, const char *name, const char *text, struct cell_err *err,
			 const char *what)
{
	_cleanup_close_ int fd = openat(dirfd, name, O_WRONLY | O_CLOEXEC);
	size_t len = strlen(text);

	if (fd < 0)
		return cell_fail(err, errno, "open %s", what);
	if (write(fd, text, len) != (ssize_t)len)
		return cell_fail(err, errno, "write %s", what);
	return 0;
}

static int write_maps(int dirfd, const struct cell_idmap_plan *p, struct cell_err *err)
{
	char buf[128];
	int r;

	if (p->setgroups_deny) {
		r = write_file_at(dirfd, "setgroups", "deny", err, "setgroups");
		if (r < 0)
			return r;
	}
	if (cell_idmap_format(p->gid_map, p->n_gid_map, buf, sizeof(buf)) < 0)
		return cell_fail(err, ENAMETOOLONG, "gid map");
	r = write_file_at(dirfd, "gid_map", buf, err, "gid_map");
	if (r < 0)
		return r;
	if (cell_idmap_format(p->uid_map, p->n_uid_map, buf, sizeof(buf)) < 0)
		return cell_fail(err, ENAMETOOLONG, "uid map");
	return write_file_at(dirfd, "uid_map", buf, err, "uid_map");
}

int cell_idmap_write_self(const struct cell_idmap_plan *p, struct cell_err *err)
{
	_cleanup_close_ int dirfd = open("/proc/self", O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (dirfd < 0)
		return cell_fail(err, errno, "open /proc/self");
	return write_maps(dirfd, p, err);
}

/* newuidmap PID inside outside count ...; the helper is setuid root and checks
 * the ranges against /etc/subuid itself. */
static int run_helper(const char *tool, pid_t pid, const struct cell_idmap_line *l, unsigned n,
		      struct cell_err *err)
{
	char args[1 + 3 * CELL_IDMAP_LINES_MAX][16];
	char *argv[3 + 3 * CELL_IDMAP_LINES_MAX];
	char *const envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };
	unsigned k = 0;
	pid_t child;
	int status, r;

	argv[k++] = (char *)tool;
	snprintf(args[0], sizeof(args[0]), "%d", (int)pid);
	argv[k++] = args[0];
	for (unsigned i = 0; i < n; i++) {
		snprintf(args[1 + 3 * i], 16, "%u", l[i].inside);
		snprintf(args[2 + 3 * i], 16, "%u", l[i].outside);
		snprintf(args[3 + 3 * i], 16, "%u", l[i].count);
		argv[k++] = args[1 + 3 * i];
		argv[k++] = args[2 + 3 * i];
		argv[k++] = args[3 + 3 * i];
	}
	argv[k] = NULL;
	r = posix_spawnp(&child, tool, NULL, NULL, argv, envp);
	if (r != 0)
		return cell_fail(err, r, "--map-auto: cannot run %s (apt install uidmap)", tool);
	while (waitpid(child, &status, 0) < 0)
		if (errno != EINTR)
			return cell_fail(err, errno, "waitpid %s", tool);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return cell_fail(err, 0, "--map-auto: %s failed (see its message above)", tool);
	return 0;
}

int cell_idmap_write_parent(pid_t pid, const struct cell_idmap_plan *p, struct cell_err *err)
{
	char path[64];
	_cleanup_close_ int dirfd = -1;
	int r;

	if (p->writer == CELL_IDMAP_HELPER) {
		r = run_helper("newgidmap", pid, p->gid_map, p->n_gid_map, err);
		if (r < 0)
			return r;
		return run_helper("newuidmap", pid, p->uid_map, p->n_uid_map, err);
	}
	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	dirfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return cell_fail(err, errno, "open %s", path);
	return write_maps(dirfd, p, err);
}

int cell_idmap_mount_userns(const struct cell_idmap_plan *p, struct cell_err *err)
{
	struct cell_idmap_plan m = { .n_uid_map = 3, .n_gid_map = 3 };
	struct clone_args args = { .flags = CLONE_NEWUSER, .exit_signal = SIGCHLD };
	char path[64];
	int pipefd[2], fd = -1, r = 0;
	pid_t pid;

	memcpy(m.uid_map, p->mnt_uid_map, sizeof(p->mnt_uid_map));
	memcpy(m.gid_map, p->mnt_gid_map, sizeof(p->mnt_gid_map));
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return cell_fail(err, errno, "pipe");
	/* A short-lived child holds the namespace while we write its maps. */
	pid = (pid_t)syscall(SYS_clone3, &args, sizeof(args));
	if (pid == 0) {
		char ch;

		close(pipefd[1]);
		(void)!read(pipefd[0], &ch, 1);
		_exit(0);
	}
	close(pipefd[0]);
	if (pid < 0) {
		close(pipefd[1]);
		return cell_fail(err, errno, "create the user namespace of idmapped binds");
	}
	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	{
		_cleanup_close_ int dirfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);

		if (dirfd < 0)
			r = cell_fail(err, errno, "open %s", path);
		else
			r = write_maps(dirfd, &m, err);
		if (r == 0) {
			fd = openat(dirfd, "ns/user", O_RDONLY | O_CLOEXEC);
			if (fd < 0)
				r = cell_fail(err, errno, "open %s/ns/user", path);
		}
	}
	close(pipefd[1]);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	return r < 0 ? r : fd;
}
