/* ocistate.c - the OCI runtime's state directory (see oci.h). */
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

/* ---- the state directory ---- */

/* A JSON file read whole (json_loadfd reads it a byte at a time). */
json_t *cell_ocistate_json_fd(int fd, json_error_t *je)
{
	size_t len = 0;
	char *buf = cell_read_fd(fd, CELL_OCI_JSON_MAX, &len);
	json_t *o;

	if (!buf) {
		snprintf(je->text, sizeof(je->text), "%s", strerror(errno));
		return NULL;
	}
	o = json_loadb(buf, len, 0, je);
	free(buf);
	return o;
}


const char *const cell_ocistate_status_name[] = { "creating", "created", "running", "paused",
						  "stopped" };

bool cell_ocistate_valid_id(const char *id)
{
	size_t n = strlen(id);

	if (n == 0 || n > 1024 || strcmp(id, ".") == 0 || strcmp(id, "..") == 0)
		return false;
	for (const char *c = id; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || strchr("_.+-", *c)))
			return false;
	return true;
}

static int mkdir_p(const char *path, mode_t mode)
{
	char buf[PATH_MAX];

	if (strlen(path) >= sizeof(buf))
		return -ENAMETOOLONG;
	strcpy(buf, path);
	for (char *s = buf + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return -errno;
		*s = '/';
	}
	if (mkdir(buf, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int cell_ocistate_open_root(bool create, struct cell_err *err)
{
	static char def[PATH_MAX];
	int fd;

	if (!cell_oci_g.root) {
		const char *xdg = getenv("XDG_RUNTIME_DIR");

		/* root of the host: /run; anyone else, and root of a user
		 * namespace (rootless podman runs its runtime so), the user's
		 * runtime directory, as runc and crun decide */
		if (!xdg || !*xdg || cell_oci_host_root())
			snprintf(def, sizeof(def), "/run/cell-oci");
		else
			snprintf(def, sizeof(def), "%s/cell-oci", xdg);
		cell_oci_g.root = def;
	}
	if (create) {
		int r = mkdir_p(cell_oci_g.root, 0700);

		if (r < 0)
			return cell_fail(err, -r, "--root %s", cell_oci_g.root);
	}
	fd = open(cell_oci_g.root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return cell_fail(err, errno, "--root %s", cell_oci_g.root);
	return fd;
}

/* The container's directory, locked (LOCK_EX) for the caller's lifetime. */
int cell_ocistate_open(int rootfd, const char *id, struct cell_err *err)
{
	int fd;

	if (!cell_ocistate_valid_id(id))
		return cell_fail(err, EINVAL,
				 "container id \"%s\": only letters, digits and _.+- "
				 "are allowed",
				 id);
	fd = openat(rootfd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return cell_fail(err, ENOENT, "container \"%s\" does not exist", id);
	if (fd < 0)
		return cell_fail(err, errno, "container \"%s\"", id);
	if (flock(fd, LOCK_EX) < 0) {
		int e = errno;

		close(fd);
		return cell_fail(err, e, "container \"%s\": lock", id);
	}
	return fd;
}

/* Atomic replace of dirfd/name: a temporary file renamed over it, so a
 * reader sees the old record or the new one, never part of one.  No
 * fsync: the records describe processes that a reboot ends anyway (the
 * default root is on tmpfs), and on a disk it cost milliseconds a start. */
int cell_ocistate_write_file(int dirfd, const char *name, const char *data, size_t len, mode_t mode,
			     struct cell_err *err)
{
	char tmp[300];
	int fd;

	snprintf(tmp, sizeof(tmp), ".%s.%d.tmp", name, (int)getpid());
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return cell_fail(err, errno, "write %s", name);
	if (write(fd, data, len) != (ssize_t)len) {
		int e = errno;

		close(fd);
		(void)unlinkat(dirfd, tmp, 0);
		return cell_fail(err, e, "write %s", name);
	}
	close(fd);
	if (renameat(dirfd, tmp, dirfd, name) < 0) {
		int e = errno;

		(void)unlinkat(dirfd, tmp, 0);
		return cell_fail(err, e, "write %s", name);
	}
	return 0;
}

void cell_ocistate_record_clear(struct cell_ocistate_record *r)
{
	free(r->id);
	free(r->bundle);
	free(r->rootfs);
	free(r->created);
	free(r->cgroup);
	json_decref(r->annotations);
	memset(r, 0, sizeof(*r));
}

int cell_ocistate_record_write(int dirfd, const struct cell_ocistate_record *r,
			       struct cell_err *err)
{
	json_t *o = json_pack("{s:s, s:s, s:i, s:I, s:s, s:s, s:s, s:I, s:s}", "ociVersion",
			      CELL_OCI_VERSION, "id", r->id, "pid", (int)r->pid, "start",
			      (json_int_t)r->start, "bundle", r->bundle, "rootfs", r->rootfs,
			      "created", r->created, "owner", (json_int_t)r->owner, "cgroup",
			      r->cgroup ? r->cgroup : "");
	char *text;
	int ret;

	if (!o)
		return cell_fail(err, ENOMEM, "state");
	if (r->annotations)
		json_object_set(o, "annotations", r->annotations);
	text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (!text)
		return cell_fail(err, ENOMEM, "state");
	ret = cell_ocistate_write_file(dirfd, "state.json", text, strlen(text), 0600, err);
	free(text);
	return ret;
}

int cell_ocistate_record_read(int dirfd, const char *id, struct cell_ocistate_record *r,
			      struct cell_err *err)
{
	json_error_t je;
	json_t *o, *v;
	int fd = openat(dirfd, "state.json", O_RDONLY | O_CLOEXEC);
	const char *s;

	memset(r, 0, sizeof(*r));
	if (fd < 0)
		return cell_fail(err, errno,
				 "container \"%s\": no state (create was interrupted; "
				 "delete --force removes it)",
				 id);
	o = cell_ocistate_json_fd(fd, &je);
	close(fd);
	if (!o)
		return cell_fail(err, EINVAL, "container \"%s\": state.json: %s", id, je.text);
#define STR(k, dst)                                                                                \
	do {                                                                                       \
		s = json_string_value(json_object_get(o, k));                                      \
		(dst) = strdup(s ? s : "");                                                        \
	} while (0)
	STR("id", r->id);
	STR("bundle", r->bundle);
	STR("rootfs", r->rootfs);
	STR("created", r->created);
	STR("cgroup", r->cgroup);
#undef STR
	r->pid = (pid_t)json_integer_value(json_object_get(o, "pid"));
	r->start = (uint64_t)json_integer_value(json_object_get(o, "start"));
	r->owner = (uint32_t)json_integer_value(json_object_get(o, "owner"));
	v = json_object_get(o, "annotations");
	r->annotations = json_is_object(v) ? json_incref(v) : NULL;
	json_decref(o);
	if (!r->id || !r->bundle || !r->rootfs || !r->created || !r->cgroup) {
		cell_ocistate_record_clear(r);
		return cell_fail(err, ENOMEM, "state");
	}
	return 0;
}

static bool process_alive(pid_t pid, uint64_t start)
{
	char stat[1024];
	uint64_t st = 0;
	const char *rp;

	if (pid <= 0 || cell_proc_read(pid, "stat", stat, sizeof(stat)) <= 0)
		return false;
	if (cell_proc_parse_start_time(stat, &st) < 0 || st != start)
		return false;
	rp = strrchr(stat, ')');
	return rp && rp[1] == ' ' && rp[2] != 'Z' && rp[2] != 'X';
}

enum cell_ocistate_status cell_ocistate_status(int dirfd, const struct cell_ocistate_record *r)
{
	struct cell_err ignored = { 0 };
	_cleanup_(cell_ocicg_freep) struct cell_ocicg *cg = NULL;

	if (r->pid <= 0)
		return CELL_OCI_CREATING;
	if (!process_alive(r->pid, r->start))
		return CELL_OCI_STOPPED;
	if (faccessat(dirfd, CELL_OCI_FIFO, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return CELL_OCI_CREATED;
	if (r->cgroup[0] && cell_ocicg_open(r->cgroup, &cg, &ignored) == 0 &&
	    cell_ocicg_frozen(cg, &ignored) == 1)
		return CELL_OCI_PAUSED;
	return CELL_OCI_RUNNING;
}

char *cell_ocistate_json(const struct cell_ocistate_record *r, enum cell_ocistate_status st,
			 bool pretty)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "ociVersion", CELL_OCI_VERSION, "id", r->id,
			      "status", cell_ocistate_status_name[st], "bundle", r->bundle);
	char *text;

	if (!o)
		return NULL;
	if (st != CELL_OCI_STOPPED && r->pid > 0)
		json_object_set_new(o, "pid", json_integer(r->pid));
	else
		json_object_set_new(o, "pid", json_integer(0));
	json_object_set_new(o, "rootfs", json_string(r->rootfs));
	json_object_set_new(o, "created", json_string(r->created));
	json_object_set_new(o, "owner", json_string(""));
	json_object_set_new(o, "annotations",
			    r->annotations ? json_incref(r->annotations) : json_object());
	text = json_dumps(o, pretty ? JSON_INDENT(2) : JSON_COMPACT);
	json_decref(o);
	return text;
}

/* Remove ROOT/ID and what it holds. */
void cell_ocistate_remove(int rootfd, const char *id)
{
	int fd = openat(rootfd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		static const char *const files[] = { "state.json", "config.json", CELL_OCI_FIFO };

		for (size_t i = 0; i < ELEMENTSOF(files); i++)
			(void)unlinkat(fd, files[i], 0); /* what exists */
		close(fd);
	}
	(void)unlinkat(rootfd, id, AT_REMOVEDIR);
}

char *cell_ocistate_now(void)
{
	struct timespec ts;
	struct tm tm;
	char buf[64], *s = NULL;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	if (asprintf(&s, "%s.%09ldZ", buf, ts.tv_nsec) < 0)
		return NULL;
	return s;
}

int cell_ocistate_load(const char *id, int *ret_root, int *ret_dir,
		       struct cell_ocistate_record *rec, struct cell_err *err)
{
	int rootfd = cell_ocistate_open_root(false, err), dirfd, r;

	if (rootfd < 0)
		return rootfd == -ENOENT
			       ? cell_fail(err, ENOENT, "container \"%s\" does not exist", id)
			       : rootfd;
	dirfd = cell_ocistate_open(rootfd, id, err);
	if (dirfd < 0) {
		close(rootfd);
		return dirfd;
	}
	r = cell_ocistate_record_read(dirfd, id, rec, err);
	if (r < 0) {
		close(dirfd);
		close(rootfd);
		return r;
	}
	*ret_root = rootfd;
	*ret_dir = dirfd;
	return 0;
}
