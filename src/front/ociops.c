/* ociops.c - state, kill, delete, ps, pause/resume, update and list of
 * OCI containers (see oci.h). */
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

/* ---- state, kill, delete, ps, pause, resume, update ---- */

int cell_oci_do_state(const char *id, struct cell_err *err)
{
	_cleanup_close_ int rootfd = -1, dirfd = -1;
	struct cell_ocistate_record rec = { 0 };
	char *text;
	int r = cell_ocistate_load(id, &rootfd, &dirfd, &rec, err);

	if (r < 0)
		return r;
	text = cell_ocistate_json(&rec, cell_ocistate_status(dirfd, &rec), true);
	cell_ocistate_record_clear(&rec);
	if (!text)
		return cell_fail(err, ENOMEM, "state");
	printf("%s\n", text);
	free(text);
	return 0;
}

static int parse_signal(const char *s, struct cell_err *err)
{
	static const struct {
		const char *name;
		int sig;
	} sigs[] = {
		{ "HUP", SIGHUP },     { "INT", SIGINT },   { "QUIT", SIGQUIT },
		{ "KILL", SIGKILL },   { "USR1", SIGUSR1 }, { "USR2", SIGUSR2 },
		{ "PIPE", SIGPIPE },   { "ALRM", SIGALRM }, { "TERM", SIGTERM },
		{ "CONT", SIGCONT },   { "STOP", SIGSTOP }, { "TSTP", SIGTSTP },
		{ "WINCH", SIGWINCH }, { "ABRT", SIGABRT }, { "TTIN", SIGTTIN },
		{ "TTOU", SIGTTOU },
	};
	char *end;
	long n;

	if (strncmp(s, "SIG", 3) == 0)
		s += 3;
	for (size_t i = 0; i < ELEMENTSOF(sigs); i++)
		if (strcasecmp(s, sigs[i].name) == 0)
			return sigs[i].sig;
	errno = 0;
	n = strtol(s, &end, 10);
	if (*s && !*end && errno == 0 && n > 0 && n < NSIG)
		return (int)n;
	return cell_fail(err, EINVAL, "unknown signal \"%s\"", s);
}

int cell_oci_do_kill(const char *id, const char *sigarg, bool all, struct cell_err *err)
{
	_cleanup_close_ int rootfd = -1, dirfd = -1, pidfd = -1;
	_cleanup_(cell_ocicg_freep) struct cell_ocicg *cg = NULL;
	struct cell_ocistate_record rec = { 0 };
	enum cell_ocistate_status st;
	int sig = parse_signal(sigarg ? sigarg : "TERM", err), r;

	if (sig < 0)
		return sig;
	r = cell_ocistate_load(id, &rootfd, &dirfd, &rec, err);
	if (r < 0)
		return r;
	st = cell_ocistate_status(dirfd, &rec);
	if (st == CELL_OCI_STOPPED || st == CELL_OCI_CREATING) {
		r = cell_fail(err, ESRCH, "container \"%s\" is not running", id);
		goto out;
	}
	if (all && rec.cgroup[0]) {
		r = cell_ocicg_open(rec.cgroup, &cg, err);
		if (r >= 0)
			r = cell_ocicg_kill(cg, sig, err);
		goto out;
	}
	pidfd = cell_proc_pidfd(rec.pid, rec.start);
	if (pidfd < 0 || syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0)
		r = cell_fail(err, pidfd < 0 ? -pidfd : errno, "kill the container's process");
out:
	cell_ocistate_record_clear(&rec);
	return r;
}

/* Wait until the process is gone (after SIGKILL). */
static void wait_gone(pid_t pid, uint64_t start)
{
	_cleanup_close_ int pidfd = cell_proc_pidfd(pid, start);
	struct pollfd pfd = { .fd = pidfd, .events = POLLIN };

	if (pidfd >= 0)
		(void)poll(&pfd, 1, 5000);
	(void)waitpid(pid, NULL, WNOHANG); /* ours when run made it */
}

int cell_oci_do_delete(const char *id, bool force, struct cell_err *err)
{
	_cleanup_close_ int rootfd = -1, dirfd = -1;
	_cleanup_(cell_ocicg_freep) struct cell_ocicg *cg = NULL;
	struct cell_oci_config cfg = { 0 };
	struct cell_ocistate_record rec = { 0 };
	struct cell_err e2 = { 0 };
	enum cell_ocistate_status st;
	char *state = NULL;
	int r;

	r = cell_ocistate_load(id, &rootfd, &dirfd, &rec, err);
	if (r == -ENOENT && force) {
		/* an interrupted create: the directory without a state */
		if (rootfd < 0)
			rootfd = cell_ocistate_open_root(false, &e2);
		if (rootfd >= 0 && cell_ocistate_valid_id(id))
			cell_ocistate_remove(rootfd, id);
		*err = (struct cell_err){ 0 };
		return 0;
	}
	if (r < 0)
		return r;
	st = cell_ocistate_status(dirfd, &rec);
	if ((st == CELL_OCI_RUNNING || st == CELL_OCI_PAUSED) && !force) {
		r = cell_fail(err, EBUSY,
			      "container \"%s\" is %s: stop it first, or delete "
			      "--force",
			      id, cell_ocistate_status_name[st]);
		goto out;
	}
	if (rec.cgroup[0])
		(void)cell_ocicg_open(rec.cgroup, &cg, &e2); /* none: nothing to remove */
	if (st != CELL_OCI_STOPPED) {
		_cleanup_close_ int pidfd = cell_proc_pidfd(rec.pid, rec.start);

		if (cg && st == CELL_OCI_PAUSED)
			(void)cell_ocicg_freeze(cg, false, &e2); /* killed anyway */
		if (pidfd >= 0)
			(void)syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
		if (cg)
			(void)cell_ocicg_kill(cg, SIGKILL, &e2);
		wait_gone(rec.pid, rec.start);
	}
	if (cg) {
		/* processes still exiting make rmdir busy for a moment */
		for (int i = 0; i < 50; i++) {
			pid_t *pids = NULL;
			size_t n = 0;

			if (cell_ocicg_pids(cg, &pids, &n, &e2) < 0 || n == 0) {
				free(pids);
				break;
			}
			free(pids);
			(void)cell_ocicg_kill(cg, SIGKILL, &e2);
			usleep(20000);
		}
		r = cell_ocicg_remove(cg, err);
		if (r < 0)
			goto out;
	}
	if (cell_oci_load_config(dirfd, &cfg, &e2) == 0) {
		state = cell_ocistate_json(&rec, CELL_OCI_STOPPED, false);
		/* poststop: failures are logged, the delete goes on (spec) */
		if (state && cell_oci_run_hooks(&cfg, CELL_OCI_HOOK_POSTSTOP, state, 0, 0, &e2) < 0)
			(void)cell_oci_fail(-EINVAL, &e2);
	}
	cell_ocistate_remove(rootfd, id);
	r = 0;
out:
	free(state);
	cell_oci_config_clear(&cfg);
	cell_ocistate_record_clear(&rec);
	return r;
}

int cell_oci_do_ps(const char *id, bool json, struct cell_err *err)
{
	_cleanup_close_ int rootfd = -1, dirfd = -1;
	_cleanup_(cell_ocicg_freep) struct cell_ocicg *cg = NULL;
	struct cell_ocistate_record rec = { 0 };
	pid_t *pids = NULL;
	size_t n = 0;
	int r = cell_ocistate_load(id, &rootfd, &dirfd, &rec, err);

	if (r < 0)
		return r;
	if (!rec.cgroup[0]) {
		cell_ocistate_record_clear(&rec);
		return cell_fail(err, ENOENT, "container \"%s\" has no cgroup", id);
	}
	r = cell_ocicg_open(rec.cgroup, &cg, err);
	if (r >= 0)
		r = cell_ocicg_pids(cg, &pids, &n, err);
	cell_ocistate_record_clear(&rec);
	if (r < 0)
		return r;
	if (json) {
		printf("[");
		for (size_t i = 0; i < n; i++)
			printf("%s%d", i ? "," : "", (int)pids[i]);
		printf("]\n");
	} else {
		printf("%-8s %s\n", "PID", "CMD");
		for (size_t i = 0; i < n; i++) {
			char cmd[256] = "";
			ssize_t k = cell_proc_read(pids[i], "comm", cmd, sizeof(cmd) - 1);

			if (k > 0 && cmd[k - 1] == '\n')
				cmd[k - 1] = '\0';
			printf("%-8d %s\n", (int)pids[i], cmd);
		}
	}
	free(pids);
	return 0;
}

int cell_oci_do_freeze(const char *id, bool frozen, struct cell_err *err)
{
	_cleanup_close_ int rootfd = -1, dirfd = -1;
	_cleanup_(cell_ocicg_freep) struct cell_ocicg *cg = NULL;
	struct cell_ocistate_record rec = { 0 };
	enum cell_ocistate_status st;
	int r = cell_ocistate_load(id, &rootfd, &dirfd, &rec, err);

	if (r < 0)
		return r;
	st = cell_ocistate_status(dirfd, &rec);
	if (st != (frozen ? CELL_OCI_RUNNING : CELL_OCI_PAUSED)) {
		r = cell_fail(err, EINVAL, "container \"%s\" is %s, not %s", id,
			      cell_ocistate_status_name[st], frozen ? "running" : "paused");
	} else if (!rec.cgroup[0]) {
		r = cell_fail(err, ENOENT, "container \"%s\" has no cgroup to freeze", id);
	} else {
		r = cell_ocicg_open(rec.cgroup, &cg, err);
		if (r >= 0)
			r = cell_ocicg_freeze(cg, frozen, err);
	}
	cell_ocistate_record_clear(&rec);
	return r;
}

static int parse_i64(const char *opt, const char *s, int64_t *ret, struct cell_err *err)
{
	char *end;

	errno = 0;
	*ret = strtoll(s, &end, 10);
	if (!*s || *end || errno)
		return cell_fail(err, EINVAL, "%s %s: not a number", opt, s);
	return 0;
}

int cell_oci_do_update(const char *id, const char *resources, int argc, char **argv,
		       struct cell_err *err)
{
	_cleanup_close_ int rootfd = -1, dirfd = -1;
	_cleanup_(cell_ocicg_freep) struct cell_ocicg *cg = NULL;
	struct cell_oci_config cfg = { 0 };
	struct cell_ocicg_resources res = { 0 };
	struct cell_ocicg_device devs[CELL_OCIPLAN_DEVS_MAX];
	struct cell_ocicg_hugetlb huge[CELL_OCIPLAN_HUGE_MAX];
	struct cell_ocistate_record rec = { 0 };
	int r;

	if (resources) {
		/* a resources object: parsed as the linux.resources of a config */
		char *doc = NULL;
		char *text = strcmp(resources, "-") == 0
				     ? cell_read_fd(STDIN_FILENO, CELL_OCI_JSON_MAX, NULL)
				     : cell_read_at(AT_FDCWD, resources, CELL_OCI_JSON_MAX, NULL);

		if (!text)
			return cell_fail(err, errno, "--resources %s", resources);
		if (asprintf(&doc,
				      "{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"/\"},"
				      "\"linux\":{\"resources\":%s}}",
				      text) < 0) {
			free(text);
			return cell_fail(err, ENOMEM, "--resources");
		}
		free(text);
		r = cell_oci_config_parse(doc, strlen(doc), &cfg, err);
		free(doc);
		if (r < 0)
			return cell_err_prefix(err, "--resources");
		if ((r = cell_ociplan_check_resources(&cfg.lnx.resources, err)) < 0)
			goto out;
		if (cfg.lnx.resources.n_devices > ELEMENTSOF(devs)) {
			r = cell_fail(err, E2BIG, "--resources: too many devices");
			goto out;
		}
		cell_ociplan_resources(&cfg.lnx.resources, NULL, &res, devs, huge);
	}
	for (int i = 0; i + 1 < argc; i += 2) {
		int64_t v;

		if ((r = parse_i64(argv[i], argv[i + 1], &v, err)) < 0)
			goto out;
		if (strcmp(argv[i], "--memory") == 0) {
			res.set |= CELL_OCICG_SET_MEMORY_LIMIT;
			res.memory_limit = v;
		} else if (strcmp(argv[i], "--memory-swap") == 0) {
			res.set |= CELL_OCICG_SET_MEMORY_SWAP;
			res.memory_swap = v;
		} else if (strcmp(argv[i], "--pids-limit") == 0) {
			res.set |= CELL_OCICG_SET_PIDS;
			res.pids_limit = v;
		} else if (strcmp(argv[i], "--cpu-quota") == 0) {
			res.set |= CELL_OCICG_SET_CPU_QUOTA;
			res.cpu_quota = v;
		} else if (strcmp(argv[i], "--cpu-period") == 0) {
			res.set |= CELL_OCICG_SET_CPU_PERIOD;
			res.cpu_period = (uint64_t)v;
		} else if (strcmp(argv[i], "--cpu-share") == 0 ||
			   strcmp(argv[i], "--cpu-shares") == 0) {
			res.set |= CELL_OCICG_SET_CPU_SHARES;
			res.cpu_shares = (uint64_t)v;
		} else if (strcmp(argv[i], "--blkio-weight") == 0) {
			res.set |= CELL_OCICG_SET_BLKIO_WEIGHT;
			res.blkio_weight = (uint16_t)v;
		}
	}
	r = cell_ocistate_load(id, &rootfd, &dirfd, &rec, err);
	if (r < 0)
		goto out;
	if (!rec.cgroup[0])
		r = cell_fail(err, ENOENT, "container \"%s\" has no cgroup", id);
	else if ((r = cell_ocicg_open(rec.cgroup, &cg, err)) >= 0)
		r = cell_ocicg_set(cg, &res, err);
	cell_ocistate_record_clear(&rec);
out:
	cell_oci_config_clear(&cfg);
	return r;
}

int cell_oci_do_list(struct cell_err *err)
{
	int rootfd = cell_ocistate_open_root(false, err);
	DIR *d;
	struct dirent *de;

	if (rootfd == -ENOENT) {
		*err = (struct cell_err){ 0 };
		printf("%-24s %-8s %-10s %s\n", "ID", "PID", "STATUS", "BUNDLE");
		return 0;
	}
	if (rootfd < 0)
		return rootfd;
	d = fdopendir(rootfd);
	if (!d) {
		close(rootfd);
		return cell_fail(err, errno, "--root %s", cell_oci_g.root);
	}
	printf("%-24s %-8s %-10s %s\n", "ID", "PID", "STATUS", "BUNDLE");
	while ((de = readdir(d))) {
		struct cell_ocistate_record rec = { 0 };
		struct cell_err e = { 0 };
		int fd;

		if (de->d_name[0] == '.' || !cell_ocistate_valid_id(de->d_name))
			continue;
		fd = openat(rootfd, de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (cell_ocistate_record_read(fd, de->d_name, &rec, &e) == 0) {
			enum cell_ocistate_status st = cell_ocistate_status(fd, &rec);

			printf("%-24s %-8d %-10s %s\n", rec.id,
			       st == CELL_OCI_STOPPED ? 0 : (int)rec.pid,
			       cell_ocistate_status_name[st], rec.bundle);
			cell_ocistate_record_clear(&rec);
		}
		close(fd);
	}
	closedir(d);
	return 0;
}
