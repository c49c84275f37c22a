/* ocilife.c - create, start, run and exec of an OCI container, and its
 * hooks (see oci.h and lib/ocirun.h). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <linux/mount.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "lib/cleanup.h"
#include "lib/ocicg.h"
#include "lib/ocirun.h"
#include "lib/procinfo.h"
#include "lib/pty.h"
#include "lib/fileio.h"
#include "oci.h"
#include "ociconfig.h"
#include "ociseccomp.h"

/* ---- hooks ---- */

/* One kind of hooks, in order, each with the state on its stdin.  In the
 * runtime's namespaces (pid 0), or in the container's (pid): for
 * createContainer the path is resolved in the runtime's (opened before
 * joining), for startContainer in the container's, as the spec says. */
int cell_oci_run_hooks(const struct cell_oci_config *c, enum cell_oci_hook_kind kind,
		       const char *state, pid_t pid, uint64_t start, struct cell_err *err)
{
	const struct cell_oci_hooks *h = &c->hooks[kind];
	/* runtime-spec: a failing poststart or poststop hook is logged as a
	 * warning, and the remaining hooks run as if it had succeeded */
	const bool warn_only = kind == CELL_OCI_HOOK_POSTSTART || kind == CELL_OCI_HOOK_POSTSTOP;
	int r;

	for (size_t i = 0; i < h->n; i++) {
		const struct cell_oci_hook *hk = &h->hooks[i];
		char *const def_argv[] = { hk->path, NULL };
		char *const no_env[] = { NULL };
		int in[2], status = 0;
		_cleanup_close_ int pidfd = -1;
		pid_t child;
		struct pollfd pfd;

		if (pipe2(in, O_CLOEXEC) < 0)
			return cell_fail(err, errno, "hook");
		child = fork();
		if (child < 0) {
			close(in[0]);
			close(in[1]);
			return cell_fail(err, errno, "hook");
		}
		if (child == 0) {
			struct cell_err e = { 0 };
			int exe = -1;

			if (pid > 0 && kind != CELL_OCI_HOOK_START_CONTAINER)
				exe = open(hk->path, O_PATH | O_CLOEXEC);
			if (pid > 0 && cell_oci_join(pid, start, &e) < 0) {
				dprintf(2, "cell: hook %s: %s\n", hk->path, e.msg);
				_exit(127);
			}
			dup2(in[0], 0);
			if (exe >= 0)
				syscall(SYS_execveat, exe, "", hk->args ? hk->args : def_argv,
					hk->env ? hk->env : no_env, AT_EMPTY_PATH);
			else
				execve(hk->path, hk->args ? hk->args : def_argv,
				       hk->env ? hk->env : no_env);
			dprintf(2, "cell: hook %s: %s\n", hk->path, strerror(errno));
			_exit(127);
		}
		close(in[0]);
		(void)signal(SIGPIPE, SIG_IGN);
		(void)!write(in[1], state, strlen(state)); /* a hook may not read it */
		close(in[1]);
		pidfd = (int)syscall(SYS_pidfd_open, child, 0);
		pfd = (struct pollfd){ .fd = pidfd, .events = POLLIN };
		if (pidfd >= 0 && hk->timeout > 0 && poll(&pfd, 1, hk->timeout * 1000) == 0) {
			kill(child, SIGKILL);
			waitpid(child, NULL, 0);
			r = cell_fail(err, ETIMEDOUT, ".hooks.%s[%zu] %s: timed out after %d s",
				      cell_oci_hook_name(kind), i, hk->path, hk->timeout);
		} else {
			while (waitpid(child, &status, 0) < 0 && errno == EINTR)
				;
			if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
				continue;
			r = cell_fail(err, 0, ".hooks.%s[%zu] %s failed (status %d)",
				      cell_oci_hook_name(kind), i, hk->path,
				      WIFEXITED(status) ? WEXITSTATUS(status)
							: 128 + WTERMSIG(status));
		}
		if (!warn_only)
			return r;
		(void)cell_oci_fail(r, err);
		*err = (struct cell_err){ 0 };
	}
	return 0;
}

/* ---- create / start / run ---- */

static int connect_console(const char *path, struct cell_err *err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return cell_fail(err, ENAMETOOLONG, "--console-socket %s", path);
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;

		if (fd >= 0)
			close(fd);
		return cell_fail(err, e, "--console-socket %s", path);
	}
	return fd;
}

static int write_pid_file(const char *path, pid_t pid, struct cell_err *err)
{
	char buf[32], tmp[PATH_MAX];
	int n = snprintf(buf, sizeof(buf), "%d", (int)pid), fd;

	if (snprintf(tmp, sizeof(tmp), "%s.cell-tmp", path) >= (int)sizeof(tmp))
		return cell_fail(err, ENAMETOOLONG, "--pid-file %s", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, buf, (size_t)n) != n || close(fd) < 0 || rename(tmp, path) < 0) {
		int e = errno;

		(void)unlink(tmp);
		return cell_fail(err, e, "--pid-file %s", path);
	}
	return 0;
}

/* What create's callbacks (lib/ocirun.h) need. */
struct create_ctx {
	struct cell_ocicg *cg;
	const struct cell_oci_config *cfg;
	struct cell_ocistate_record *rec;
	int dirfd;
};

static int attach_cg(pid_t pid, void *arg, struct cell_err *err)
{
	struct create_ctx *x = arg;

	return x->cg && cell_ocicg_fd(x->cg) < 0 ? cell_ocicg_attach(x->cg, pid, err) : 0;
}

/* The container's mounts are made, its root not yet pivoted into: record
 * its process, then the hooks of this moment (runtime-spec: prestart and
 * createRuntime in the runtime's namespaces, createContainer in the
 * container's), with the state "created": they are lifecycle steps 3-5,
 * and "created" is the status after step 2 ("creating" is step 2 itself;
 * runc says "creating", crun "created", the validation suite wants it). */
static int before_pivot(pid_t pid, void *arg, struct cell_err *err)
{
	struct create_ctx *x = arg;
	char *state;
	int r;

	x->rec->pid = pid;
	r = cell_proc_start_time(pid, &x->rec->start);
	if (r < 0)
		return cell_fail(err, -r, "the container's process");
	r = cell_ocistate_record_write(x->dirfd, x->rec, err);
	if (r < 0)
		return r;
	state = cell_ocistate_json(x->rec, CELL_OCI_CREATED, false);
	if (!state)
		return cell_fail(err, ENOMEM, "state");
	if ((r = cell_oci_run_hooks(x->cfg, CELL_OCI_HOOK_PRESTART, state, 0, 0, err)) >= 0 &&
	    (r = cell_oci_run_hooks(x->cfg, CELL_OCI_HOOK_CREATE_RUNTIME, state, 0, 0, err)) >= 0)
		r = cell_oci_run_hooks(x->cfg, CELL_OCI_HOOK_CREATE_CONTAINER, state, pid,
				       x->rec->start, err);
	free(state);
	return r;
}

static int copy_config(int bundlefd, int dirfd, struct cell_err *err)
{
	char buf[65536];
	_cleanup_close_ int in = openat(bundlefd, "config.json", O_RDONLY | O_CLOEXEC);
	_cleanup_close_ int out = -1;
	ssize_t n;

	if (in < 0)
		return cell_fail(err, errno, "config.json");
	out = openat(dirfd, "config.json", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (out < 0)
		return cell_fail(err, errno, "state: config.json");
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			return cell_fail(err, errno, "state: config.json");
	return n < 0 ? cell_fail(err, errno, "config.json") : 0;
}

static json_t *read_annotations(int bundlefd)
{
	json_error_t je;
	int fd = openat(bundlefd, "config.json", O_RDONLY | O_CLOEXEC);
	json_t *o = fd >= 0 ? cell_ocistate_json_fd(fd, &je) : NULL, *a;

	if (fd >= 0)
		close(fd);
	a = json_object_get(o, "annotations");
	a = json_is_object(a) ? json_incref(a) : NULL;
	json_decref(o);
	return a;
}

/* create (and run): returns 0 with the container waiting on its fifo (and
 * *ret child filled when keep_child), or fails leaving nothing. */
int cell_oci_do_create(const char *id, const struct cell_oci_create_opts *o,
		       struct cell_oci_child *child, struct cell_err *err)
{
	struct cell_oci_config cfg = { 0 };
	struct cell_oci_plan plan = { 0 };
	struct cell_ocicg_resources res;
	struct cell_ocicg_device devs[CELL_OCIPLAN_DEVS_MAX];
	struct cell_ocicg_hugetlb huge[CELL_OCIPLAN_HUGE_MAX];
	_cleanup_(cell_ocicg_freep) struct cell_ocicg *cg = NULL;
	_cleanup_close_ int rootfd = -1, dirfd = -1, bundlefd = -1, fifo = -1, console = -1;
	struct cell_ocistate_record rec = { 0 };
	char bundle[PATH_MAX];
	char *state = NULL;
	bool claimed = false;
	int r;

	if (!cell_ocistate_valid_id(id))
		return cell_fail(err, EINVAL,
				 "container id \"%s\": only letters, digits and _.+- "
				 "are allowed",
				 id);
	if (!realpath(o->bundle ? o->bundle : ".", bundle))
		return cell_fail(err, errno, "--bundle %s", o->bundle ? o->bundle : ".");
	bundlefd = open(bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (bundlefd < 0)
		return cell_fail(err, errno, "--bundle %s", bundle);
	r = cell_oci_config_load(bundlefd, "config.json", &cfg, err);
	if (r < 0)
		return r;
	if (cfg.lnx.resources.present &&
	    (r = cell_ociplan_check_resources(&cfg.lnx.resources, err)) < 0)
		goto out;
	if (cfg.lnx.resources.n_devices + cfg.lnx.n_devices + 64 > ELEMENTSOF(devs)) {
		r = cell_fail(err, E2BIG, ".linux.devices: too many");
		goto out;
	}
	cell_ociplan_resources(&cfg.lnx.resources, &cfg.lnx, &res, devs, huge);
	rootfd = cell_ocistate_open_root(true, err);
	if (rootfd < 0) {
		r = rootfd;
		goto out;
	}
	if (mkdirat(rootfd, id, 0711) < 0) {
		r = errno == EEXIST ? cell_fail(err, EEXIST, "container \"%s\" already exists", id)
				    : cell_fail(err, errno, "%s/%s", cell_oci_g.root, id);
		goto out;
	}
	claimed = true;
	dirfd = cell_ocistate_open(rootfd, id, err);
	if (dirfd < 0) {
		r = dirfd;
		goto out;
	}
	r = cell_ocicg_create(cfg.lnx.cgroups_path, id, &res, &cg, err);
	if (r < 0 && (r == -EACCES || r == -EPERM || r == -EROFS) && !cell_oci_host_root() &&
	    !(res.set & ~(unsigned)CELL_OCICG_SET_DEVICES)) {
		/* Without root and without a delegated cgroup there is nothing to
		 * limit with; no limit was asked for (device rules are moot in a
		 * user namespace, where no device node can be made), so go on
		 * without one, as runc does rootless.  Asked-for limits cell_oci_fail. */
		cell_oci_debug("no cgroup: %s", err->msg);
		*err = (struct cell_err){ 0 };
		r = 0;
	}
	if (r < 0)
		goto out;
	if (cg && (r = cell_ocicg_set(cg, &res, err)) < 0)
		goto out;
	rec.id = strdup(id);
	rec.bundle = strdup(bundle);
	rec.created = cell_ocistate_now();
	rec.cgroup = cg ? cell_ocicg_serialize(cg) : strdup("");
	rec.owner = geteuid();
	rec.annotations = read_annotations(bundlefd);
	r = cell_ociplan_make(&cfg, bundle, cg, &plan, err);
	if (r < 0)
		goto out;
	rec.rootfs = strdup(plan.rootfs);
	if (!rec.id || !rec.bundle || !rec.created || !rec.cgroup || !rec.rootfs) {
		r = cell_fail(err, ENOMEM, "state");
		goto out;
	}
	plan.preserve_fds = o->preserve_fds;
	/* written before anything runs: a killed create leaves what delete
	 * --force needs to clean up */
	if ((r = copy_config(bundlefd, dirfd, err)) < 0 ||
	    (r = cell_ocistate_record_write(dirfd, &rec, err)) < 0)
		goto out;
	if (mkfifoat(dirfd, CELL_OCI_FIFO, 0622) < 0 ||
	    fchmodat(dirfd, CELL_OCI_FIFO, 0622, 0) < 0) {
		r = cell_fail(err, errno, "exec fifo");
		goto out;
	}
	fifo = openat(dirfd, CELL_OCI_FIFO, O_PATH | O_CLOEXEC);
	if (fifo < 0) {
		r = cell_fail(err, errno, "exec fifo");
		goto out;
	}
	/* the container's root user must be able to write it */
	if (plan.n_uid_map &&
	    fchownat(dirfd, CELL_OCI_FIFO, plan.uid_map[0].outside, plan.gid_map[0].outside, 0) <
		    0 &&
	    cell_oci_host_root()) {
		r = cell_fail(err, errno, "exec fifo");
		goto out;
	}
	if (o->console_socket && (console = connect_console(o->console_socket, err)) < 0) {
		r = console;
		goto out;
	}
	if (plan.proc.terminal && console < 0 && o->detach) {
		r = cell_fail(err, EINVAL,
			      ".process.terminal: a detached container needs "
			      "--console-socket");
		goto out;
	}
	if (!plan.proc.terminal && console >= 0) {
		r = cell_fail(err, EINVAL, "--console-socket: .process.terminal is false");
		goto out;
	}
	cell_oci_debug("create %s: rootfs %s, %zu mounts", id, plan.rootfs, plan.n_mounts);
	plan.sync_before_pivot = cfg.hooks[CELL_OCI_HOOK_PRESTART].n ||
				 cfg.hooks[CELL_OCI_HOOK_CREATE_RUNTIME].n ||
				 cfg.hooks[CELL_OCI_HOOK_CREATE_CONTAINER].n;
	{
		struct create_ctx x = { .cg = cg, .cfg = &cfg, .rec = &rec, .dirfd = dirfd };
		struct cell_oci_create_cb cb = { .attach = attach_cg, .before_pivot = before_pivot,
						 .arg = &x };

		r = cell_oci_create(&plan, fifo, cg ? cell_ocicg_fd(cg) : -1, &cb, console, child,
				    err);
	}
	if (r < 0)
		goto out;
	rec.pid = child->pid;
	r = cell_proc_start_time(child->pid, &rec.start);
	if (r < 0) {
		r = cell_fail(err, -r, "the container's process");
		goto fail_child;
	}
	if ((r = cell_ocistate_record_write(dirfd, &rec, err)) < 0)
		goto fail_child;
	if (o->pid_file && (r = write_pid_file(o->pid_file, child->pid, err)) < 0)
		goto fail_child;
	r = cell_oci_detach(child, err);
	if (r < 0)
		goto fail_child;
	goto out;
fail_child:
	(void)syscall(SYS_pidfd_send_signal, child->pidfd, SIGKILL, NULL, 0);
	(void)waitpid(child->pid, NULL, 0);
	close(child->pidfd);
	if (child->sock >= 0)
		close(child->sock);
	child->pidfd = child->sock = -1;
out:
	if (r < 0 && claimed) {
		struct cell_err ignored = { 0 };

		if (cg)
			(void)cell_ocicg_remove(cg, &ignored); /* the error is r */
		cell_ocistate_remove(rootfd, id);
	}
	free(state);
	cell_ocistate_record_clear(&rec);
	cell_oci_plan_clear(&plan);
	cell_oci_config_clear(&cfg);
	return r;
}

int cell_oci_load_config(int dirfd, struct cell_oci_config *cfg, struct cell_err *err)
{
	return cell_oci_config_load(dirfd, "config.json", cfg, err);
}

int cell_oci_do_start(const char *id, struct cell_err *err)
{
	_cleanup_close_ int rootfd = -1, dirfd = -1;
	struct cell_ocistate_record rec = { 0 };
	struct cell_oci_config cfg = { 0 };
	enum cell_ocistate_status st;
	char *state = NULL;
	int r = cell_ocistate_load(id, &rootfd, &dirfd, &rec, err);

	if (r < 0)
		return r;
	st = cell_ocistate_status(dirfd, &rec);
	if (st != CELL_OCI_CREATED) {
		r = cell_fail(err, EINVAL, "container \"%s\" is %s, not created", id,
			      cell_ocistate_status_name[st]);
		goto out;
	}
	r = cell_oci_load_config(dirfd, &cfg, err);
	if (r < 0)
		goto out;
	state = cell_ocistate_json(&rec, CELL_OCI_CREATED, false);
	if (!state) {
		r = cell_fail(err, ENOMEM, "state");
		goto out;
	}
	/* startContainer: in the container, before its process runs; a
	 * failure stops the start (the container stays created) */
	r = cell_oci_run_hooks(&cfg, CELL_OCI_HOOK_START_CONTAINER, state, rec.pid, rec.start, err);
	if (r < 0)
		goto out;
	r = cell_oci_start(dirfd, CELL_OCI_FIFO, err);
	if (r < 0)
		goto out;
	free(state);
	state = cell_ocistate_json(&rec, CELL_OCI_RUNNING, false);
	/* poststart: a failure is logged, the container runs on (spec) */
	if (state && cell_oci_run_hooks(&cfg, CELL_OCI_HOOK_POSTSTART, state, 0, 0, err) < 0)
		(void)cell_oci_fail(-EINVAL, err);
	*err = (struct cell_err){ 0 };
out:
	free(state);
	cell_oci_config_clear(&cfg);
	cell_ocistate_record_clear(&rec);
	return r;
}

/* Wait for the container's process (our child, with run) and relay a
 * terminal without a console socket; forward signals. */
static int wait_child(struct cell_oci_child *c, struct cell_err *err)
{
	sigset_t all;
	int sfd, status = 0;
	struct cell_relay relay;

	sigfillset(&all);
	sigdelset(&all, SIGKILL);
	sigdelset(&all, SIGSTOP);
	sigdelset(&all, SIGCHLD);
	sigprocmask(SIG_BLOCK, &all, NULL);
	sfd = signalfd(-1, &all, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0)
		return cell_fail(err, errno, "signalfd");
	cell_relay_init(&relay);
	if (c->pty_master >= 0)
		(void)cell_relay_start(&relay, c->pty_master);
	for (;;) {
		struct pollfd pfd[8];
		size_t n = 0, nr;

		pfd[n++] = (struct pollfd){ .fd = c->pidfd, .events = POLLIN };
		pfd[n++] = (struct pollfd){ .fd = sfd, .events = POLLIN };
		nr = cell_relay_pollfds(&relay, pfd + n);
		if (poll(pfd, n + nr, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[1].revents & POLLIN) {
			struct signalfd_siginfo si;

			while (read(sfd, &si, sizeof(si)) == sizeof(si))
				if (si.ssi_signo == SIGWINCH && relay.master >= 0)
					cell_relay_winch(&relay);
				else
					(void)syscall(SYS_pidfd_send_signal, c->pidfd,
						      (int)si.ssi_signo, NULL, 0);
		}
		cell_relay_handle(&relay, pfd + n, nr);
		if (pfd[0].revents & POLLIN)
			break;
	}
	while (waitpid(c->pid, &status, 0) < 0 && errno == EINTR)
		;
	cell_relay_drain(&relay);
	cell_relay_end(&relay);
	close(sfd);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int cell_oci_do_run(const char *id, const struct cell_oci_create_opts *o, struct cell_err *err)
{
	struct cell_oci_child child = { .pid = -1, .pidfd = -1, .sock = -1, .pty_master = -1 };
	struct cell_err ignored = { 0 };
	int r;

	r = cell_oci_do_create(id, o, &child, err);
	if (r < 0)
		return r;
	r = cell_oci_do_start(id, err);
	if (r < 0) {
		(void)cell_oci_do_delete(id, true, &ignored);
		return r;
	}
	if (o->detach) {
		close(child.pidfd);
		if (child.pty_master >= 0)
			close(child.pty_master);
		return 0;
	}
	r = wait_child(&child, err);
	close(child.pidfd);
	(void)cell_oci_do_delete(id, true, &ignored); /* run removes what it made, as runc */
	return r;
}

/* ---- exec ---- */

static int parse_user(const char *s, uint32_t *uid, uint32_t *gid, struct cell_err *err)
{
	char *end;
	unsigned long u = strtoul(s, &end, 10), gg;

	if (end == s || (*end && *end != ':'))
		return cell_fail(err, EINVAL, "--user %s: expected UID[:GID]", s);
	*uid = (uint32_t)u;
	if (*end == ':') {
		const char *gs = end + 1;

		gg = strtoul(gs, &end, 10);
		if (end == gs || *end)
			return cell_fail(err, EINVAL, "--user %s: expected UID[:GID]", s);
		*gid = (uint32_t)gg;
	}
	return 0;
}

int cell_oci_do_exec(const char *id, char **args, const struct cell_oci_exec_opts *o,
		     struct cell_err *err)
{
	_cleanup_close_ int rootfd = -1, dirfd = -1, console = -1;
	_cleanup_(cell_ocicg_freep) struct cell_ocicg *cg = NULL;
	struct cell_oci_config cfg = { 0 };
	struct cell_oci_process procobj = { 0 };
	struct cell_oci_proc proc = { 0 };
	struct cell_ocistate_record rec = { 0 };
	const char *procs[CELL_OCICG_DIRS_MAX + 1] = { 0 };
	char procs_buf[CELL_OCICG_DIRS_MAX][PATH_MAX + 16];
	const struct cell_oci_process *cp;
	enum cell_ocistate_status st;
	pid_t pid = -1;
	int r;

	r = cell_ocistate_load(id, &rootfd, &dirfd, &rec, err);
	if (r < 0)
		return r;
	st = cell_ocistate_status(dirfd, &rec);
	if (st != CELL_OCI_RUNNING && st != CELL_OCI_CREATED) {
		r = cell_fail(err, EINVAL, "container \"%s\" is %s: exec needs it running", id,
			      cell_ocistate_status_name[st]);
		goto out;
	}
	if ((r = cell_oci_load_config(dirfd, &cfg, err)) < 0)
		goto out;
	if (o->process) {
		size_t len = 0;
		char *text = cell_read_at(AT_FDCWD, o->process, CELL_OCI_JSON_MAX, &len);

		if (!text) {
			r = cell_fail(err, errno, "--process %s", o->process);
			goto out;
		}
		r = cell_oci_process_parse(text, len, &procobj, err);
		free(text);
		if (r < 0) {
			cell_err_prefix(err, "--process %s", o->process);
			goto out;
		}
		cp = &procobj;
	} else {
		if (!cfg.process) {
			r = cell_fail(err, EINVAL, "config.json has no process to start from");
			goto out;
		}
		cp = cfg.process;
	}
	r = cell_ociplan_proc(cp, cfg.lnx.seccomp_json, &proc, err);
	if (r < 0)
		goto out;
	if (!o->process) {
		/* exec ID CMD...: the container's process with these changes */
		for (char **a = proc.args; a && *a; a++)
			free(*a);
		free(proc.args);
		proc.args = cell_ociplan_strv_copy(args);
		if (!proc.args) {
			r = cell_fail(err, ENOMEM, "exec");
			goto out;
		}
		proc.terminal = o->tty;
		if (o->cwd) {
			free(proc.cwd);
			proc.cwd = strdup(o->cwd);
		}
		if (o->user && (r = parse_user(o->user, &proc.uid, &proc.gid, err)) < 0)
			goto out;
		for (size_t i = 0; i < o->n_env; i++) {
			size_t n = 0;
			char **e;

			while (proc.env[n])
				n++;
			e = realloc(proc.env, (n + 2) * sizeof(char *));
			if (!e || !(e[n] = strdup(o->env[i]))) {
				if (e)
					proc.env = e;
				r = cell_fail(err, ENOMEM, "--env");
				goto out;
			}
			e[n + 1] = NULL;
			proc.env = e;
		}
	} else if (o->tty_set) {
		proc.terminal = o->tty;
	}
	if (o->console_socket && (console = connect_console(o->console_socket, err)) < 0) {
		r = console;
		goto out;
	}
	if (proc.terminal && console < 0) {
		r = cell_fail(err, EINVAL, "exec with a terminal needs --console-socket");
		goto out;
	}
	if (rec.cgroup[0] && cell_ocicg_open(rec.cgroup, &cg, err) == 0) {
		const struct cell_ocicg_plan *cp2 = cell_ocicg_get_plan(cg);

		for (size_t i = 0; i < cp2->n_dirs && i < CELL_OCICG_DIRS_MAX; i++) {
			snprintf(procs_buf[i], sizeof(procs_buf[i]), "%s/cgroup.procs",
				 cp2->dirs[i].path);
			procs[i] = procs_buf[i];
		}
	}
	r = cell_oci_exec(rec.pid, rec.start, &proc, procs, console, o->preserve_fds, o->detach,
			  &pid, err);
	if (r >= 0 && o->pid_file && pid > 0) {
		int w = write_pid_file(o->pid_file, pid, err);

		if (w < 0)
			r = w;
	}
out:
	cell_oci_proc_clear(&proc);
	cell_oci_process_clear(&procobj);
	cell_oci_config_clear(&cfg);
	cell_ocistate_record_clear(&rec);
	return r;
}
