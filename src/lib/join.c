/* join.c - a new command in a named sandbox's kept namespaces.
 *
 * setns(2), unshare(2), pid_namespaces(7), mount_namespaces(7),
 * fsopen(2), open_tree(2), move_mount(2), proc(5) (mountinfo).
 *
 * The semantics are join.h's; nsexec.h runs the processes.  Order:
 *   supervisor:
 *   1. refuse what cannot be joined faithfully (nothing kept, another
 *      user's, Landlock, a user or mount namespace not kept, cgroups gone);
 *   2. open the kept namespaces (each checked to be a namespace of its
 *      type) and, while the sandbox's init runs, its pid namespace (the
 *      pidfd is opened with the recorded start time and checked alive
 *      after the open, so the namespace is that init's);
 *   3. plan the command from the record: ids, capabilities, limits,
 *      environment, seccomp program;
 *   joiner (join_enter):
 *   4. the kept namespaces, user namespace included (nsenter's order);
 *   5. new net/ipc/uts/cgroup/time namespaces for those the sandbox had
 *      and did not keep (inside its user namespace): host name, lo up;
 *   6. pid: the running sandbox's, or a new one; with a new one and the
 *      kept mount namespace, first a private copy of it (slave mounts);
 *   7. a --chroot sandbox's directory; the working directory;
 *   PID 1 (with a new pid namespace, new_proc):
 *   8. a /proc of its own over the old one, the old one's sub-mounts
 *      (masks, read-only binds) cloned onto it.
 */
#define _GNU_SOURCE
#include "join.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"
#include "fileio.h"
#include "net.h"
#include "nsexec.h"
#include "procinfo.h"
#include "rlimit.h"
#include "util.h"

/* What join_enter may make anew. */
#define FRESH_NS                                                                                   \
	(CELL_NS_BIT(CELL_NS_NET) | CELL_NS_BIT(CELL_NS_IPC) | CELL_NS_BIT(CELL_NS_UTS) |          \
	 CELL_NS_BIT(CELL_NS_CGROUP) | CELL_NS_BIT(CELL_NS_TIME))

#define PROC_SUBMOUNTS_MAX 64

struct plan {
	struct cell_nsexec x;
	const struct cell_join *j;
	int kept[CELL_NS_MAX];
	unsigned join;	      /* kept: joined */
	unsigned fresh;	      /* its own, not kept: made anew */
	int pidns;	      /* the running sandbox's pid namespace, or -1 */
	bool new_pid;	      /* a new pid namespace with a PID 1 */
	bool new_proc;	      /* ... and a private mount namespace with a new /proc */
	const char *workdir;  /* --workdir or the record's, or NULL */
	bool workdir_given;   /* by --workdir */
	char cwd[4096];	      /* the caller's, "" when unknown */
};

static void plan_clear(struct plan *p)
{
	for (int t = 0; t < CELL_NS_MAX; t++)
		if (p->kept[t] >= 0)
			close(p->kept[t]);
	if (p->pidns >= 0)
		close(p->pidns);
	cell_nsexec_clear(&p->x);
}

/* 1: what refuses a join, before anything is opened. */
static int check(const struct cell_join *j, enum cell_state_status s, struct cell_err *err)
{
	const struct cell_state_record *r = j->rec;
	unsigned kept = 0;

	for (int t = 0; t < CELL_NS_MAX; t++)
		if (r->kept[t])
			kept |= CELL_NS_BIT(t);
	if (r->owner != (uint32_t)geteuid())
		return cell_fail(err, 0, "the sandbox belongs to another user (uid %u)", r->owner);
	if (s == CELL_STATE_DEAD || s == CELL_STATE_UNKNOWN)
		return cell_fail(err, 0, "the sandbox's cell was killed (cell gc removes what it "
				 "left)");
	if (!kept)
		return cell_fail(err, 0, "the sandbox kept no namespaces (run it with --keep)");
	if (r->landlock)
		return cell_fail(err, 0, "the sandbox runs under Landlock, which cell cannot apply "
				 "to a joined command yet");
	if ((r->ns & CELL_NS_BIT(CELL_NS_USER)) && !(kept & CELL_NS_BIT(CELL_NS_USER)))
		return cell_fail(err, 0, "the sandbox did not keep its user namespace (run it with "
				 "--keep user,...): its ids and capabilities mean nothing outside "
				 "it");
	if ((r->ns & CELL_NS_BIT(CELL_NS_MNT)) && !(kept & CELL_NS_BIT(CELL_NS_MNT)))
		return cell_fail(err, 0, "the sandbox did not keep its mount namespace (run it "
				 "with --keep mnt,...): the command would see the host's files");
	/* The record gives a joined network namespace (--net NAME) as not
	 * its own, under its name; "host" is the caller's. */
	if (!(r->ns & CELL_NS_BIT(CELL_NS_NET)) && !(kept & CELL_NS_BIT(CELL_NS_NET)) && r->net &&
	    strcmp(r->net, "host") != 0)
		return cell_fail(err, 0, "the sandbox joined the network namespace %s and did not "
				 "keep it (run it with --keep net,...)", r->net);
	/* Its cgroups hold its limits; once they are gone a joined command
	 * would run without them. */
	for (char **c = r->cgroups; c && *c; c++)
		if (access(*c, F_OK) < 0)
			return cell_fail(err, 0, "the sandbox's cgroup %s ended with it: the "
					 "command would escape its limits", *c);
	return 0;
}

/* The running sandbox's pid namespace, or -1 when its init is gone. */
static int live_pidns(const struct cell_state_record *r, enum cell_state_status s)
{
	_cleanup_close_ int pidfd = -1;
	char path[64];
	int fd;

	if (s != CELL_STATE_RUNNING || r->init.pid <= 0)
		return -1;
	pidfd = cell_proc_pidfd(r->init.pid, r->init.start_time);
	if (pidfd < 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int)r->init.pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	/* alive after the open: the namespace is that init's */
	if (fd >= 0 && syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) < 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* The record's "NAME=SOFT:HARD" limits over ours. */
static int plan_limits(struct plan *p, struct cell_err *err)
{
	for (char **l = p->j->rec->rlimits; l && *l; l++) {
		struct cell_rlimit want;
		struct rlimit cur;
		int res, r;

		r = cell_rlimit_parse(*l, &res, &want, err);
		if (r < 0)
			return cell_err_prefix(err, "the sandbox's resource limit");
		if (res < 0 || res >= RLIM_NLIMITS)
			continue;
		if (getrlimit(res, &cur) < 0)
			return cell_fail(err, errno, "getrlimit %s", *l);
		r = cell_rlimit_resolve(res, &want, &cur, &p->x.limits[res], err);
		if (r < 0)
			return r;
		p->x.have_limit[res] = true;
	}
	return 0;
}

static int plan_env(struct plan *p)
{
	int r;

	p->x.env = calloc(1, sizeof(char *));
	if (!p->x.env)
		return -ENOMEM;
	for (char **kv = p->j->rec->env; kv && *kv; kv++)
		if ((r = cell_nsexec_env_set(&p->x.env, *kv)) < 0)
			return r;
	for (char *const *kv = p->j->env; kv && *kv; kv++)
		if ((r = cell_nsexec_env_set(&p->x.env, *kv)) < 0)
			return r;
	return cell_nsexec_env_term(&p->x);
}

/* 2, 3 */
static int plan_make(struct plan *p, enum cell_state_status s, struct cell_err *err)
{
	const struct cell_state_record *r = p->j->rec;
	int rc;

	rc = cell_state_open_kept(p->j->st, r, p->kept, err);
	if (rc < 0)
		return rc;
	for (int t = 0; t < CELL_NS_MAX; t++)
		if (p->kept[t] >= 0)
			p->join |= CELL_NS_BIT(t);
	p->fresh = r->ns & ~p->join & FRESH_NS;
	if (r->ns & CELL_NS_BIT(CELL_NS_PID)) {
		p->pidns = live_pidns(r, s);
		p->new_pid = p->pidns < 0;
		p->new_proc = p->new_pid && (p->join & CELL_NS_BIT(CELL_NS_MNT));
	}
	p->x.userns = p->join & CELL_NS_BIT(CELL_NS_USER);
	p->x.uid = r->uid;
	p->x.gid = r->gid;
	p->x.caps = r->caps;
	p->x.cgroups = r->cgroups;
	p->x.argv = p->j->argv;
	p->x.pty = p->j->pty == CELL_PTY_ON ||
		   (p->j->pty == CELL_PTY_AUTO && isatty(STDIN_FILENO));
	p->workdir_given = p->j->workdir;
	p->workdir = p->j->workdir ? p->j->workdir : r->workdir;
	if (!getcwd(p->cwd, sizeof(p->cwd)))
		p->cwd[0] = '\0';
	if ((rc = plan_limits(p, err)) < 0 || (rc = plan_env(p)) < 0)
		return rc;
	return cell_nsexec_seccomp(&p->x, r, NULL, err);
}

/* 5 */
static int make_fresh(const struct plan *p, struct cell_err *err)
{
	const struct cell_state_record *r = p->j->rec;
	int flags = 0;

	if (!p->fresh)
		return 0;
	for (int t = 0; t < CELL_NS_MAX; t++)
		if (p->fresh & CELL_NS_BIT(t))
			flags |= cell_nsexec_ns_flag(t);
	if (unshare(flags) < 0)
		return cell_fail(err, errno, "new namespaces for those the sandbox did not keep");
	if ((p->fresh & CELL_NS_BIT(CELL_NS_UTS)) && r->hostname &&
	    sethostname(r->hostname, strlen(r->hostname)) < 0)
		return cell_fail(err, errno, "set the host name %s", r->hostname);
	if ((p->fresh & CELL_NS_BIT(CELL_NS_UTS)) && r->domainname &&
	    setdomainname(r->domainname, strlen(r->domainname)) < 0)
		return cell_fail(err, errno, "set the domain name %s", r->domainname);
	if (p->fresh & CELL_NS_BIT(CELL_NS_NET))
		return cell_net_lo_up(err);
	return 0;
}

/* 7: a directory that must be reachable from the root (runc
 * CVE-2024-21626: getcwd(3) fails when the kernel says "unreachable"). */
static int enter_workdir(const struct plan *p, struct cell_err *err)
{
	const struct cell_state_record *r = p->j->rec;
	char buf[4096];

	if (r->root_mode == CELL_ROOT_CHROOT && r->root &&
	    (chdir(r->root) < 0 || chroot(".") < 0))
		return cell_fail(err, errno, "enter the sandbox's --chroot %s", r->root);
	if (p->workdir && chdir(p->workdir) < 0)
		return p->workdir_given ? cell_fail(err, errno, "--workdir %s", p->workdir)
					: cell_fail(err, errno, "the sandbox's working directory %s",
						    p->workdir);
	if (!p->workdir && (!p->cwd[0] || chdir(p->cwd) < 0) && chdir("/") < 0)
		return cell_fail(err, errno, "chdir /");
	if (!getcwd(buf, sizeof(buf)))
		return cell_fail(err, errno, "the working directory is outside the sandbox's root");
	return 0;
}

/* The joiner's part (nsexec.h): 4 to 7. */
static int join_enter(struct cell_nsexec *x, struct cell_err *err)
{
	struct plan *p = x->data;
	int r;

	r = cell_nsexec_join_each(p->kept, p->join, err);
	if (r < 0)
		return r;
	for (int t = 0; t < CELL_NS_MAX; t++)
		if (p->kept[t] >= 0) {
			close(p->kept[t]);
			p->kept[t] = -1;
		}
	r = make_fresh(p, err);
	if (r < 0)
		return r;
	if (p->pidns >= 0) {
		if (setns(p->pidns, CLONE_NEWPID) < 0)
			return cell_fail(err, errno, "join its pid namespace");
		close(p->pidns);
		p->pidns = -1;
	} else if (p->new_pid) {
		/* Slaves: what the kept namespace mounts later still shows
		 * here, what we mount (the new /proc) never shows there. */
		if (p->new_proc && (unshare(CLONE_NEWNS) < 0 ||
				    mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0))
			return cell_fail(err, errno, "a private copy of its mount namespace");
		if (unshare(CLONE_NEWPID) < 0)
			return cell_fail(err, errno, "a new pid namespace");
		x->pid1 = true;
	}
	return enter_workdir(p, err);
}


/* "ID PARENT MAJ:MIN ROOT MOUNTPOINT ...": id, parent and mount point. */
static bool parse_line(char *line, long *id, long *parent, char **mp)
{
	char *f[5], *save = NULL;

	for (int i = 0; i < 5; i++)
		if (!(f[i] = strtok_r(i ? NULL : line, " ", &save)))
			return false;
	*id = strtol(f[0], NULL, 10);
	*parent = strtol(f[1], NULL, 10);
	cell_unescape_octal(f[4], strlen(f[4]), f[4], strlen(f[4]) + 1);
	*mp = f[4];
	return true;
}

struct mnt {
	long id, parent;
	char *path;
};

/* 8, in PID 1: our pid namespace's /proc over the old one, with what was
 * mounted on the old one (OCI masks, read-only binds) cloned onto it in
 * the order it was mounted.  The old mounts are read from the new /proc's
 * self/mountinfo (the old one has no "self" for us); they are cloned
 * before the new /proc covers their paths.  No /proc in this root (a
 * --chroot sandbox): nothing to replace. */
static int new_proc(struct cell_nsexec *x, struct cell_err *err)
{
	struct plan *p = x->data;
	_cleanup_close_ int fs = -1, mnt = -1, info = -1;
	_cleanup_free_ char *text = NULL;
	_cleanup_free_ struct mnt *m = NULL;
	int sub[PROC_SUBMOUNTS_MAX];
	const char *rel[PROC_SUBMOUNTS_MAX];
	size_t n = 0, k = 0, lines = 1;
	long proc_id = -1;
	int r = 0;

	if (!p->new_proc)
		return 0;
	fs = fsopen("proc", FSOPEN_CLOEXEC);
	if (fs < 0 || fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0 ||
	    (mnt = fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
						       MOUNT_ATTR_NOEXEC)) < 0)
		return cell_fail(err, errno, "mount a /proc for the new pid namespace");
	info = openat(mnt, "self/mountinfo", O_RDONLY | O_CLOEXEC);
	text = info >= 0 ? cell_read_fd(info, 16 * 1024 * 1024, NULL) : NULL;
	if (!text)
		return cell_fail(err, errno ? errno : ENOMEM, "read /proc/self/mountinfo");
	for (const char *c = text; *c; c++)
		lines += *c == '\n';
	m = calloc(lines, sizeof(*m));
	if (!m)
		return -ENOMEM;
	for (char *line = text, *next; *line; line = next) {
		next = line + strcspn(line, "\n");
		if (*next)
			*next++ = '\0';
		if (n < lines && parse_line(line, &m[n].id, &m[n].parent, &m[n].path))
			n++;
	}
	/* the topmost mount on /proc: the last one listed there */
	for (size_t i = 0; i < n; i++)
		if (strcmp(m[i].path, "/proc") == 0)
			proc_id = m[i].id;
	if (proc_id < 0)
		return 0;
	for (size_t i = 0; i < n && r == 0; i++) {
		if (m[i].parent != proc_id || strncmp(m[i].path, "/proc/", 6) != 0)
			continue;
		if (k == PROC_SUBMOUNTS_MAX) {
			r = cell_fail(err, E2BIG, "more than %d mounts on /proc",
				      PROC_SUBMOUNTS_MAX);
			break;
		}
		sub[k] = open_tree(AT_FDCWD, m[i].path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC |
							AT_RECURSIVE | AT_SYMLINK_NOFOLLOW);
		if (sub[k] < 0) {
			r = cell_fail(err, errno, "clone the mount on %s", m[i].path);
			break;
		}
		rel[k++] = m[i].path + 6;
	}
	if (r == 0 && move_mount(mnt, "", AT_FDCWD, "/proc", MOVE_MOUNT_F_EMPTY_PATH) < 0)
		r = cell_fail(err, errno, "mount the new /proc");
	for (size_t i = 0; i < k; i++) {
		_cleanup_close_ int t = -1;

		if (r == 0) {
			/* resolved in the new /proc, not through symlinks */
			t = openat(mnt, rel[i], O_PATH | O_NOFOLLOW | O_CLOEXEC);
			if (t < 0 && errno != ENOENT) /* gone: nothing there to hide */
				r = cell_fail(err, errno, "/proc/%s", rel[i]);
			else if (t >= 0 && move_mount(sub[i], "", t, "", MOVE_MOUNT_F_EMPTY_PATH |
							     MOVE_MOUNT_T_EMPTY_PATH) < 0)
				r = cell_fail(err, errno, "mount over /proc/%s", rel[i]);
		}
		close(sub[i]);
	}
	return r;
}

int cell_join(const struct cell_join *j, struct cell_err *err)
{
	struct plan p = { .j = j, .pidns = -1 };
	enum cell_state_status s = cell_state_status(j->st, j->rec);
	int r;

	cell_nsexec_init(&p.x);
	for (int t = 0; t < CELL_NS_MAX; t++)
		p.kept[t] = -1;
	r = check(j, s, err);
	if (r == 0)
		r = plan_make(&p, s, err);
	if (r == 0) {
		p.x.enter = join_enter;
		p.x.pid1_setup = new_proc;
		p.x.data = &p;
		r = cell_nsexec_run(&p.x, err);
	}
	plan_clear(&p);
	return r;
}
