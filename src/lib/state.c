/* state.c - the state directory of named sandboxes.
 *
 * fcntl(2) "Open file description locks", flock(2), rename(2), fsync(2),
 * mount(2) MS_BIND and umount2(2) MNT_DETACH (as ip-netns(8) keeps a
 * network namespace), proc(5).
 *
 * Locks.  The supervisor holds a write lock on NAME.lock for its whole
 * life; the kernel drops it when the process dies, however it dies.  We use
 * open file description locks (F_OFD_SETLK) rather than flock(2): both are
 * tied to the open file and released on the last close, but F_OFD_GETLK
 * can *test* a lock without taking it.  With flock(2) a `cell ls` probing
 * NAME (LOCK_NB) would hold the lock for an instant, and a `cell run --name
 * NAME` at that moment would wrongly hear that the name is taken.
 *
 * Creating and removing names.  Names are taken (claim) and given back
 * (gc, rm) only under the directory lock .lock, so a free name lock seen
 * under it stays free until we let go: gc can remove a dead sandbox's
 * files, lock file included, without racing a new supervisor for the same
 * name.  The critical sections are a few system calls long.
 *
 * Records are written to a temporary file, fsync'd and renamed over the old
 * one, then the directory is fsync'd: a reader sees the old record or the
 * new one, never a mix, even across a crash.  Only the lock holder writes.
 */
#define _GNU_SOURCE
#include "state.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <linux/magic.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "procinfo.h"
#include "seccomp.h"

#ifndef NSFS_MAGIC
#define NSFS_MAGIC 0x6e736673
#endif

#ifndef NS_GET_NSTYPE
#define NS_GET_NSTYPE _IO(0xb7, 0x3)
#endif
#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* What NS_GET_NSTYPE says of each type (ioctl_ns(2)). */
static const int ns_clone_flag[CELL_NS_MAX] = {
	[CELL_NS_USER] = CLONE_NEWUSER, [CELL_NS_MNT] = CLONE_NEWNS,
	[CELL_NS_PID] = CLONE_NEWPID,	[CELL_NS_NET] = CLONE_NEWNET,
	[CELL_NS_IPC] = CLONE_NEWIPC,	[CELL_NS_UTS] = CLONE_NEWUTS,
	[CELL_NS_CGROUP] = CLONE_NEWCGROUP, [CELL_NS_TIME] = CLONE_NEWTIME,
};

#define RECORD_MAX (1024 * 1024)
#define EXIT_MARK "exited\n"

/* A message that says all (no strerror after it) with a specific errno
 * for the caller to test. */
static int fail_as(struct cell_err *err, int errnum, const char *fmt, const char *name)
{
	cell_fail(err, 0, fmt, name);
	if (err)
		err->errnum = 0;
	return -errnum;
}

static const char *const status_names[CELL_STATE_STATUS_MAX] = {
	[CELL_STATE_STARTING] = "starting", [CELL_STATE_RUNNING] = "running",
	[CELL_STATE_STOPPING] = "stopping", [CELL_STATE_EXITED] = "exited",
	[CELL_STATE_DEAD] = "dead",	    [CELL_STATE_UNKNOWN] = "unknown",
};

static const char *const root_mode_names[CELL_ROOT_MODE_MAX] = {
	[CELL_ROOT_DEFAULT] = "default",
	[CELL_ROOT_DIR] = "dir",
	[CELL_ROOT_CHROOT] = "chroot",
};

const char *cell_state_status_name(enum cell_state_status s)
{
	return s < CELL_STATE_STATUS_MAX ? status_names[s] : "unknown";
}

/* ---- names and records ---- */

int cell_state_name_check(const char *name, struct cell_err *err)
{
	size_t len = strlen(name);

	if (len == 0)
		return cell_fail(err, 0, "the sandbox name is empty");
	if (len > CELL_STATE_NAME_MAX)
		return cell_fail(err, 0, "'%.64s...': a sandbox name has at most %d bytes", name,
				 CELL_STATE_NAME_MAX);
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return cell_fail(err, 0, "'%s' cannot name a sandbox", name);
	if (strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") !=
	    len)
		return cell_fail(err, 0, "'%s': a sandbox name may only hold A-Z a-z 0-9 _ . -",
				 name);
	return 0;
}

void cell_state_strv_free(char **v)
{
	for (char **p = v; p && *p; p++)
		free(*p);
	free(v);
}

void cell_state_record_init(struct cell_state_record *r)
{
	memset(r, 0, sizeof(*r));
}

void cell_state_record_clear(struct cell_state_record *r)
{
	cell_state_strv_free(r->argv);
	cell_state_strv_free(r->env);
	cell_state_strv_free(r->rlimits);
	cell_state_strv_free(r->cgroups);
	free(r->root);
	free(r->net);
	free(r->hostname);
	free(r->domainname);
	free(r->workdir);
	free(r->seccomp);
	free(r->seccomp_bpf);
	free(r->log);
	for (int t = 0; t < CELL_NS_MAX; t++)
		free(r->kept[t]);
	cell_state_record_init(r);
}

static int strv_copy(char ***dst, char *const *src)
{
	size_t n = 0;
	char **v;

	while (src && src[n])
		n++;
	v = calloc(n + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (!(v[i] = strdup(src[i]))) {
			cell_state_strv_free(v);
			return -ENOMEM;
		}
	cell_state_strv_free(*dst);
	*dst = v;
	return 0;
}

static int str_set(char **dst, const char *s)
{
	char *c = NULL;

	if (s && !(c = strdup(s)))
		return -ENOMEM;
	free(*dst);
	*dst = c;
	return 0;
}

/* The policy of --seccomp as text, or NULL for none. */
static int seccomp_text(const char *arg, char **ret, struct cell_err *err)
{
	_cleanup_(cell_seccomp_policy_freep) struct cell_seccomp_policy *pol = NULL;
	size_t len = 0;
	FILE *f;
	int rc;

	*ret = NULL;
	rc = cell_seccomp_policy_resolve(arg, &pol, err);
	if (rc < 0)
		return cell_err_prefix(err, "--seccomp");
	if (!pol)
		return 0;
	f = open_memstream(ret, &len);
	if (!f)
		return -ENOMEM;
	rc = cell_seccomp_policy_format(pol, f);
	if (fclose(f) != 0 || rc < 0) {
		free(*ret);
		*ret = NULL;
		return cell_fail(err, rc < 0 ? -rc : ENOMEM, "--seccomp: print the policy");
	}
	return 0;
}

int cell_state_record_fill(struct cell_state_record *r, const char *name,
			   const struct cell_spec *s, const struct cell_idmap_plan *ids,
			   struct cell_err *err)
{
	char net[300];
	int rc;

	if (cell_state_name_check(name, err) < 0)
		return -EINVAL;
	strcpy(r->name, name);
	r->owner = (uint32_t)geteuid();
	r->created = (int64_t)time(NULL);
	r->ns = s->ns;
	r->root_mode = s->root_mode;
	switch (s->net) {
	case CELL_NET_HOST:
		snprintf(net, sizeof(net), "host");
		r->ns &= ~CELL_NS_BIT(CELL_NS_NET);
		break;
	case CELL_NET_NAMED:
		/* joined, not its own */
		snprintf(net, sizeof(net), "%s", s->net_name ? s->net_name : "?");
		r->ns &= ~CELL_NS_BIT(CELL_NS_NET);
		break;
	case CELL_NET_VETH:
		snprintf(net, sizeof(net), "veth%s%s", s->net_addr ? ":" : "",
			 s->net_addr ? s->net_addr : "");
		break;
	case CELL_NET_USER:
		snprintf(net, sizeof(net), "user");
		break;
	default:
		snprintf(net, sizeof(net), "%s",
			 (s->ns & CELL_NS_BIT(CELL_NS_NET)) ? "none" : "host");
	}
	if ((rc = strv_copy(&r->argv, s->argv)) < 0 || (rc = strv_copy(&r->env, s->env)) < 0 ||
	    (rc = str_set(&r->root, s->root_mode == CELL_ROOT_DEFAULT ? NULL : s->root)) < 0 ||
	    (rc = str_set(&r->net, net)) < 0 || (rc = str_set(&r->workdir, s->workdir)) < 0)
		return rc;
	/* What a uts namespace made anew for `cell run --join` is given (the
	 * launcher's default name is "cell"). */
	if ((s->ns & CELL_NS_BIT(CELL_NS_UTS)) &&
	    ((rc = str_set(&r->hostname, s->hostname ? s->hostname : "cell")) < 0 ||
	     (rc = str_set(&r->domainname, s->domainname)) < 0))
		return rc;
	r->n_uid_map = ids->writer == CELL_IDMAP_NONE ? 0 : ids->n_uid_map;
	r->n_gid_map = ids->writer == CELL_IDMAP_NONE ? 0 : ids->n_gid_map;
	memcpy(r->uid_map, ids->uid_map, sizeof(r->uid_map));
	memcpy(r->gid_map, ids->gid_map, sizeof(r->gid_map));
	r->set_ids = ids->set_ids;
	r->uid = ids->uid;
	r->gid = ids->gid;
	r->drop_groups = ids->drop_groups;
	r->caps = s->caps;
	r->seccomp_log = s->seccomp_log;
	r->landlock = s->landlock || (s->landlock_ports && s->landlock_ports[0]);
	free(r->seccomp);
	rc = seccomp_text(s->seccomp, &r->seccomp, err);
	if (rc < 0)
		return rc;
	for (int i = 0; i < CELL_RLIMIT_MAX; i++) {
		char buf[96];

		if (!s->rlimits.r[i].soft_set && !s->rlimits.r[i].hard_set)
			continue;
		if (cell_strv_push(&r->rlimits, cell_rlimit_format(i, &s->rlimits.r[i], buf,
								  sizeof(buf))) < 0)
			return -ENOMEM;
	}
	return 0;
}

int cell_state_record_set_self(struct cell_state_record *r, struct cell_err *err)
{
	uint64_t st;
	int rc = cell_proc_start_time(0, &st);

	if (rc < 0)
		return cell_fail(err, -rc, "read /proc/self/stat");
	r->supervisor.pid = getpid();
	r->supervisor.start_time = st;
	return 0;
}

int cell_state_record_set_init(struct cell_state_record *r, pid_t pid, struct cell_err *err)
{
	uint64_t st;
	int rc = cell_proc_start_time(pid, &st);

	if (rc < 0)
		return cell_fail(err, -rc, "read /proc/%d/stat", (int)pid);
	r->init.pid = pid;
	r->init.start_time = st;
	return 0;
}

/* ---- the compiled filter, in base64 (RFC 4648, with padding) ---- */

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int b64_value(char c)
{
	const char *p = c ? strchr(b64, c) : NULL;

	return p ? (int)(p - b64) : -1;
}

int cell_state_record_set_bpf(struct cell_state_record *r, const struct cell_seccomp_prog *prog)
{
	const unsigned char *in = prog->insns;
	size_t len = (size_t)prog->len * 8, o = 0;
	char *out;

	free(r->seccomp_bpf);
	r->seccomp_bpf = NULL;
	r->seccomp_flags = prog->flags;
	if (prog->len == 0)
		return 0;
	out = malloc((len + 2) / 3 * 4 + 1);
	if (!out)
		return -ENOMEM;
	for (size_t i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16;

		if (i + 1 < len)
			v |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < len)
			v |= in[i + 2];
		out[o++] = b64[(v >> 18) & 63];
		out[o++] = b64[(v >> 12) & 63];
		out[o++] = i + 1 < len ? b64[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < len ? b64[v & 63] : '=';
	}
	out[o] = '\0';
	r->seccomp_bpf = out;
	return 0;
}

int cell_state_record_get_bpf(const struct cell_state_record *r, struct cell_seccomp_prog *ret)
{
	const char *s = r->seccomp_bpf;
	size_t n = s ? strlen(s) : 0, len = 0;
	unsigned char *out;

	*ret = (struct cell_seccomp_prog){ 0 };
	if (n == 0)
		return 0;
	/* whole sock_filter instructions (8 bytes), at most BPF_MAXINSNS */
	if (n % 4 != 0 || n / 4 * 3 > 4096 * 8 + 2)
		return -EINVAL;
	out = malloc(n / 4 * 3);
	if (!out)
		return -ENOMEM;
	for (size_t i = 0; i < n; i += 4) {
		int a = b64_value(s[i]), b = b64_value(s[i + 1]);
		int c = s[i + 2] == '=' && i + 4 == n ? 0 : b64_value(s[i + 2]);
		int d = s[i + 3] == '=' && i + 4 == n ? 0 : b64_value(s[i + 3]);
		uint32_t v;

		if (a < 0 || b < 0 || c < 0 || d < 0 || (s[i + 2] == '=' && s[i + 3] != '=')) {
			free(out);
			return -EINVAL;
		}
		v = (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)c << 6 | (uint32_t)d;
		out[len++] = (unsigned char)(v >> 16);
		if (s[i + 2] != '=')
			out[len++] = (unsigned char)(v >> 8);
		if (s[i + 3] != '=')
			out[len++] = (unsigned char)v;
	}
	if (len % 8 != 0 || len == 0 || len / 8 > 4096) {
		free(out);
		return -EINVAL;
	}
	ret->insns = out;
	ret->len = (unsigned short)(len / 8);
	ret->flags = r->seccomp_flags;
	return 0;
}

/* ---- JSON ---- */

static json_t *strv_json(char *const *v)
{
	json_t *a = json_array();

	for (size_t i = 0; a && v && v[i]; i++)
		if (json_array_append_new(a, json_string(v[i])) < 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

static json_t *map_json(const struct cell_idmap_line *l, unsigned n)
{
	json_t *a = json_array();

	for (unsigned i = 0; a && i < n; i++)
		if (json_array_append_new(a, json_pack("[III]", (json_int_t)l[i].inside,
						       (json_int_t)l[i].outside,
						       (json_int_t)l[i].count)) < 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

static json_t *proc_json(const struct cell_state_proc *p)
{
	return json_pack("{s:I,s:I}", "pid", (json_int_t)p->pid, "start_time",
			 (json_int_t)p->start_time);
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

int cell_state_record_to_json(const struct cell_state_record *r, char **ret)
{
	json_t *o = json_object(), *ns = json_array(), *kept = json_object(), *id, *root;
	char *text;
	int bad = 0;

	for (int t = 0; t < CELL_NS_MAX; t++) {
		if ((r->ns & CELL_NS_BIT(t)) && ns)
			json_array_append_new(ns, json_string(cell_ns_name(t)));
		if (r->kept[t] && kept)
			json_object_set_new(kept, cell_ns_name(t), json_string(r->kept[t]));
	}
	id = json_pack("{s:b,s:I,s:I,s:b,s:I}", "set_ids", r->set_ids, "uid", (json_int_t)r->uid,
		       "gid", (json_int_t)r->gid, "drop_groups", r->drop_groups, "capabilities",
		       (json_int_t)r->caps);
	root = json_pack("{s:s,s:o}", "mode",
			 r->root_mode < CELL_ROOT_MODE_MAX ? root_mode_names[r->root_mode]
							   : "default",
			 "path", str_or_null(r->root));
	/* In this order in the file (JSON_PRESERVE_ORDER), for people.  Every
	 * call takes its value, even when o is NULL: nothing leaks on OOM. */
	bad |= json_object_set_new(o, "version", json_integer(1));
	bad |= json_object_set_new(o, "name", json_string(r->name));
	bad |= json_object_set_new(o, "owner", json_integer(r->owner));
	bad |= json_object_set_new(o, "supervisor", proc_json(&r->supervisor));
	bad |= json_object_set_new(o, "init", proc_json(&r->init));
	bad |= json_object_set_new(o, "created", json_integer(r->created));
	bad |= json_object_set_new(o, "command", strv_json(r->argv));
	bad |= json_object_set_new(o, "namespaces", ns);
	bad |= json_object_set_new(o, "root", root);
	bad |= json_object_set_new(o, "network", str_or_null(r->net));
	bad |= json_object_set_new(o, "hostname", str_or_null(r->hostname));
	bad |= json_object_set_new(o, "domainname", str_or_null(r->domainname));
	bad |= json_object_set_new(o, "workdir", str_or_null(r->workdir));
	bad |= json_object_set_new(o, "uid_map", map_json(r->uid_map, r->n_uid_map));
	bad |= json_object_set_new(o, "gid_map", map_json(r->gid_map, r->n_gid_map));
	bad |= json_object_set_new(o, "identity", id);
	bad |= json_object_set_new(o, "env", strv_json(r->env));
	bad |= json_object_set_new(o, "seccomp", str_or_null(r->seccomp));
	bad |= json_object_set_new(o, "seccomp_bpf", str_or_null(r->seccomp_bpf));
	bad |= json_object_set_new(o, "seccomp_log", json_boolean(r->seccomp_log));
	bad |= json_object_set_new(o, "seccomp_flags", json_integer(r->seccomp_flags));
	bad |= json_object_set_new(o, "landlock", json_boolean(r->landlock));
	bad |= json_object_set_new(o, "rlimits", strv_json(r->rlimits));
	bad |= json_object_set_new(o, "cgroups", strv_json(r->cgroups));
	bad |= json_object_set_new(o, "log", str_or_null(r->log));
	bad |= json_object_set_new(o, "exit_status",
				   r->exited ? json_integer(r->exit_status) : json_null());
	bad |= json_object_set_new(o, "kept", kept);
	text = bad ? NULL : json_dumps(o, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (!text)
		return -ENOMEM;
	*ret = text;
	return 0;
}

/* Helpers for reading: each fails with a message naming the key. */
static int get_strv(json_t *o, const char *key, char ***ret, struct cell_err *err)
{
	json_t *a = json_object_get(o, key), *v;
	size_t i;
	char **list;

	if (!a || json_is_null(a))
		return 0;
	if (!json_is_array(a))
		return cell_fail(err, 0, "\"%s\" is not a list", key);
	list = calloc(json_array_size(a) + 1, sizeof(*list));
	if (!list)
		return -ENOMEM;
	json_array_foreach(a, i, v) {
		if (!json_is_string(v)) {
			cell_state_strv_free(list);
			return cell_fail(err, 0, "\"%s\" holds something else than strings", key);
		}
		if (!(list[i] = strdup(json_string_value(v)))) {
			cell_state_strv_free(list);
			return -ENOMEM;
		}
	}
	cell_state_strv_free(*ret);
	*ret = list;
	return 0;
}

static int get_str(json_t *o, const char *key, char **ret, struct cell_err *err)
{
	json_t *v = json_object_get(o, key);

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return cell_fail(err, 0, "\"%s\" is not a string", key);
	return str_set(ret, json_string_value(v));
}

static int get_int(json_t *o, const char *key, int64_t min, int64_t max, int64_t *ret,
		   struct cell_err *err)
{
	json_t *v = json_object_get(o, key);

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
		return cell_fail(err, 0, "\"%s\" is not a number from %lld to %lld", key,
				 (long long)min, (long long)max);
	*ret = json_integer_value(v);
	return 0;
}

static int get_proc(json_t *o, const char *key, struct cell_state_proc *p, struct cell_err *err)
{
	json_t *v = json_object_get(o, key);
	int64_t pid = 0, st = 0;
	int r;

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_object(v))
		return cell_fail(err, 0, "\"%s\" is not an object", key);
	if ((r = get_int(v, "pid", 0, INT32_MAX, &pid, err)) < 0 ||
	    (r = get_int(v, "start_time", 0, INT64_MAX, &st, err)) < 0)
		return cell_err_prefix(err, "%s", key);
	p->pid = (pid_t)pid;
	p->start_time = (uint64_t)st;
	return 0;
}

static int get_map(json_t *o, const char *key, struct cell_idmap_line *l, unsigned *n,
		   struct cell_err *err)
{
	json_t *a = json_object_get(o, key), *v;
	size_t i;

	*n = 0;
	if (!a || json_is_null(a))
		return 0;
	if (!json_is_array(a) || json_array_size(a) > CELL_IDMAP_LINES_MAX)
		return cell_fail(err, 0, "\"%s\" is not a list of at most %d lines", key,
				 CELL_IDMAP_LINES_MAX);
	json_array_foreach(a, i, v) {
		json_int_t in, out, count;

		if (json_unpack(v, "[III]", &in, &out, &count) < 0 || in < 0 || out < 0 ||
		    count < 0 || in > UINT32_MAX || out > UINT32_MAX || count > UINT32_MAX)
			return cell_fail(err, 0, "\"%s\": line %zu is not [inside, outside, count]",
					 key, i + 1);
		l[i] = (struct cell_idmap_line){ (uint32_t)in, (uint32_t)out, (uint32_t)count };
	}
	*n = (unsigned)json_array_size(a);
	return 0;
}

static int parse_record(json_t *o, struct cell_state_record *r, struct cell_err *err)
{
	json_t *v;
	int64_t n;
	size_t i;
	const char *key;
	int rc;

	if (!json_is_object(o))
		return cell_fail(err, 0, "not a JSON object");
	n = 0;
	if ((rc = get_int(o, "version", 0, INT32_MAX, &n, err)) < 0)
		return rc;
	if (n != 1)
		return cell_fail(err, 0, "record version %lld (this cell reads version 1)",
				 (long long)n);
	v = json_object_get(o, "name");
	if (!json_is_string(v) || cell_state_name_check(json_string_value(v), err) < 0)
		return cell_fail(err, 0, "no valid \"name\"");
	strcpy(r->name, json_string_value(v));
	n = 0;
	if ((rc = get_int(o, "owner", 0, UINT32_MAX, &n, err)) < 0)
		return rc;
	r->owner = (uint32_t)n;
	if ((rc = get_proc(o, "supervisor", &r->supervisor, err)) < 0 ||
	    (rc = get_proc(o, "init", &r->init, err)) < 0 ||
	    (rc = get_int(o, "created", INT64_MIN, INT64_MAX, &r->created, err)) < 0 ||
	    (rc = get_strv(o, "command", &r->argv, err)) < 0 ||
	    (rc = get_str(o, "network", &r->net, err)) < 0 ||
	    (rc = get_str(o, "hostname", &r->hostname, err)) < 0 ||
	    (rc = get_str(o, "domainname", &r->domainname, err)) < 0 ||
	    (rc = get_str(o, "workdir", &r->workdir, err)) < 0 ||
	    (rc = get_map(o, "uid_map", r->uid_map, &r->n_uid_map, err)) < 0 ||
	    (rc = get_map(o, "gid_map", r->gid_map, &r->n_gid_map, err)) < 0 ||
	    (rc = get_strv(o, "env", &r->env, err)) < 0 ||
	    (rc = get_str(o, "seccomp", &r->seccomp, err)) < 0 ||
	    (rc = get_str(o, "seccomp_bpf", &r->seccomp_bpf, err)) < 0 ||
	    (rc = get_strv(o, "rlimits", &r->rlimits, err)) < 0 ||
	    (rc = get_strv(o, "cgroups", &r->cgroups, err)) < 0 ||
	    (rc = get_str(o, "log", &r->log, err)) < 0)
		return rc;
	r->ns = 0;
	v = json_object_get(o, "namespaces");
	if (v && !json_is_array(v))
		return cell_fail(err, 0, "\"namespaces\" is not a list");
	for (i = 0; v && i < json_array_size(v); i++) {
		json_t *e = json_array_get(v, i);
		int t = json_is_string(e) ? cell_ns_from_name(json_string_value(e)) : -1;

		if (t < 0)
			return cell_fail(err, 0, "\"namespaces\": entry %zu is no namespace",
					 i + 1);
		r->ns |= CELL_NS_BIT(t);
	}
	v = json_object_get(o, "root");
	if (v && !json_is_null(v)) {
		json_t *mode = json_object_get(v, "mode");

		r->root_mode = CELL_ROOT_MODE_MAX;
		for (int m = 0; m < CELL_ROOT_MODE_MAX && json_is_string(mode); m++)
			if (strcmp(json_string_value(mode), root_mode_names[m]) == 0)
				r->root_mode = m;
		if (r->root_mode == CELL_ROOT_MODE_MAX)
			return cell_fail(err, 0, "\"root\": no valid \"mode\"");
		if ((rc = get_str(v, "path", &r->root, err)) < 0)
			return rc;
	}
	v = json_object_get(o, "identity");
	if (v && !json_is_null(v)) {
		int set_ids = 0, drop_groups = 0;
		json_int_t uid = 0, gid = 0, caps = 0;

		if (json_unpack(v, "{s:b,s:I,s:I,s:b,s:I}", "set_ids", &set_ids, "uid", &uid, "gid",
				&gid, "drop_groups", &drop_groups, "capabilities", &caps) < 0 ||
		    uid < 0 || uid >= UINT32_MAX || gid < 0 || gid >= UINT32_MAX)
			return cell_fail(err, 0, "\"identity\" is malformed");
		r->set_ids = set_ids;
		r->uid = (uint32_t)uid;
		r->gid = (uint32_t)gid;
		r->drop_groups = drop_groups;
		r->caps = (uint64_t)caps;
	}
	v = json_object_get(o, "seccomp_log");
	if (v && !json_is_boolean(v))
		return cell_fail(err, 0, "\"seccomp_log\" is not true or false");
	r->seccomp_log = json_is_true(v);
	/* absent in records of older cells: no flags */
	v = json_object_get(o, "seccomp_flags");
	if (v && (!json_is_integer(v) || json_integer_value(v) < 0 ||
		  json_integer_value(v) > (json_int_t)UINT_MAX))
		return cell_fail(err, 0, "\"seccomp_flags\" is not a flag set");
	r->seccomp_flags = v ? (unsigned)json_integer_value(v) : 0;
	v = json_object_get(o, "landlock");
	if (v && !json_is_boolean(v))
		return cell_fail(err, 0, "\"landlock\" is not true or false");
	r->landlock = json_is_true(v);
	v = json_object_get(o, "exit_status");
	if (v && !json_is_null(v)) {
		if (!json_is_integer(v) || json_integer_value(v) < 0 ||
		    json_integer_value(v) > 255)
			return cell_fail(err, 0, "\"exit_status\" is not a number from 0 to 255");
		r->exited = true;
		r->exit_status = (int)json_integer_value(v);
	}
	v = json_object_get(o, "kept");
	if (v && !json_is_null(v)) {
		json_t *path;

		if (!json_is_object(v))
			return cell_fail(err, 0, "\"kept\" is not an object");
		json_object_foreach(v, key, path) {
			int t = cell_ns_from_name(key);

			if (t < 0 || !json_is_string(path))
				return cell_fail(err, 0, "\"kept\": '%s' is no namespace path",
						 key);
			if ((rc = str_set(&r->kept[t], json_string_value(path))) < 0)
				return rc;
		}
	}
	return 0;
}

int cell_state_record_from_json(const char *text, size_t len, struct cell_state_record *r,
				struct cell_err *err)
{
	json_error_t jerr;
	json_t *o = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	int rc;

	cell_state_record_init(r);
	if (!o)
		return cell_fail(err, 0, "not JSON (line %d: %s)", jerr.line, jerr.text);
	rc = parse_record(o, r, err);
	json_decref(o);
	if (rc < 0)
		cell_state_record_clear(r);
	return rc;
}

/* ---- the directory ---- */

int cell_state_path(char *buf, size_t len, struct cell_err *err)
{
	const char *over = getenv("CELL_STATE_DIR"), *xdg;
	int n;

	if (over && *over) {
		if (over[0] != '/')
			return cell_fail(err, 0, "CELL_STATE_DIR=%s is not an absolute path", over);
		n = snprintf(buf, len, "%s", over);
	} else if (geteuid() == 0) {
		n = snprintf(buf, len, "/run/cell");
	} else {
		xdg = getenv("XDG_RUNTIME_DIR");
		if (!xdg || xdg[0] != '/')
			return cell_fail(err, 0, "XDG_RUNTIME_DIR is not set: named sandboxes keep "
					 "their state in $XDG_RUNTIME_DIR/cell (log in with a "
					 "session that sets it, or set it to a private directory)");
		n = snprintf(buf, len, "%s/cell", xdg);
	}
	if (n < 0 || (size_t)n >= len)
		return cell_fail(err, ENAMETOOLONG, "the state directory");
	return 0;
}

int cell_state_open(struct cell_state *st, bool create, struct cell_err *err)
{
	struct stat s;
	int r;

	st->dirfd = -1;
	r = cell_state_path(st->path, sizeof(st->path), err);
	if (r < 0)
		return r;
	if (create && mkdir(st->path, 0700) < 0 && errno != EEXIST)
		return cell_fail(err, errno, "create the state directory %s", st->path);
	st->dirfd = open(st->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (st->dirfd < 0) {
		if (errno == ENOENT && !create)
			return 0;
		return cell_fail(err, errno, "open the state directory %s", st->path);
	}
	/* Records steer signals and setns(2): trust only our own directory. */
	if (fstat(st->dirfd, &s) < 0 || s.st_uid != geteuid() || (s.st_mode & 022)) {
		cell_state_close(st);
		return cell_fail(err, EPERM, "state directory %s: not owned by you, or writable "
				 "by others", st->path);
	}
	return 0;
}

void cell_state_close(struct cell_state *st)
{
	if (st->dirfd >= 0)
		close(st->dirfd);
	st->dirfd = -1;
}

/* The directory lock (blocking: held for a few system calls). */
static int lock_dir(struct cell_state *st, struct cell_err *err)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	_cleanup_close_ int fd = openat(st->dirfd, ".lock",
					O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);

	if (fd < 0)
		return cell_fail(err, errno, "%s/.lock", st->path);
	while (fcntl(fd, F_OFD_SETLKW, &fl) < 0)
		if (errno != EINTR)
			return cell_fail(err, errno, "lock %s", st->path);
	return TAKE_FD(fd);
}

static void file_name(char *buf, size_t len, const char *name, const char *suffix)
{
	snprintf(buf, len, "%s%s", name, suffix);
}

/* 1 held, 0 free, -errno.  Sets *exited from the mark in the file. */
static int probe_lock(struct cell_state *st, const char *name, bool *exited)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	char path[CELL_STATE_NAME_MAX + 8];
	_cleanup_close_ int fd = -1;
	struct stat s;

	if (exited)
		*exited = false;
	if (st->dirfd < 0)
		return -ENOENT;
	file_name(path, sizeof(path), name, ".lock");
	fd = openat(st->dirfd, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	if (fd < 0)
		return -errno;
	if (fcntl(fd, F_OFD_GETLK, &fl) < 0)
		return -errno;
	if (exited && fstat(fd, &s) == 0)
		*exited = s.st_size > 0;
	return fl.l_type != F_UNLCK;
}

int cell_state_lock_held(struct cell_state *st, const char *name)
{
	int r = probe_lock(st, name, NULL);

	return r == -ENOENT ? 0 : r;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every name with a record or a lock file, sorted, deduplicated; temporary
 * files of dead writers ("." NAME ".json." ...) are listed in *tmp. */
static int scan(struct cell_state *st, bool records_only, char ***ret, char ***tmp,
		struct cell_err *err)
{
	_cleanup_close_ int fd = -1;
	char **v = NULL, **t = NULL;
	size_t n = 0, nt = 0, cap = 0, capt = 0;
	struct dirent *de;
	DIR *d;

	*ret = NULL;
	if (tmp)
		*tmp = NULL;
	if (st->dirfd < 0) {
		*ret = calloc(1, sizeof(char *));
		return *ret ? 0 : -ENOMEM;
	}
	fd = openat(st->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || !(d = fdopendir(fd)))
		return cell_fail(err, errno, "read %s", st->path);
	fd = -1;
	while ((de = readdir(d))) {
		const char *nm = de->d_name;
		size_t len = strlen(nm), base;
		bool is_tmp = false;
		char ***list;
		size_t *cnt, *cp;

		if (nm[0] == '.') {
			if (!tmp || !strstr(nm, ".json."))
				continue;
			is_tmp = true;
			base = 1;
		} else if (len > 5 && strcmp(nm + len - 5, ".json") == 0) {
			base = len - 5;
		} else if (!records_only && len > 5 && strcmp(nm + len - 5, ".lock") == 0) {
			base = len - 5;
		} else {
			continue;
		}
		if (base == 0 || base > CELL_STATE_NAME_MAX)
			continue;
		list = is_tmp ? &t : &v;
		cnt = is_tmp ? &nt : &n;
		cp = is_tmp ? &capt : &cap;
		if (*cnt + 2 > *cp) {
			size_t nc = *cp ? *cp * 2 : 64;
			char **nv = realloc(*list, nc * sizeof(**list));

			if (!nv)
				goto oom;
			*list = nv;
			*cp = nc;
		}
		if (is_tmp) {
			/* the whole file name, to unlink (gc checks the name) */
			if (!((*list)[*cnt] = strdup(nm)))
				goto oom;
		} else if (!((*list)[*cnt] = strndup(nm, base))) {
			goto oom;
		}
		(*cnt)++;
		(*list)[*cnt] = NULL;
	}
	closedir(d);
	if (n > 1) {
		size_t k = 1;

		qsort(v, n, sizeof(*v), cmp_str);
		for (size_t i = 1; i < n; i++) {
			if (strcmp(v[i], v[k - 1]) == 0)
				free(v[i]);
			else
				v[k++] = v[i];
		}
		n = k;
		v[n] = NULL;
	}
	/* drop what is no valid name (nothing of ours) */
	for (size_t i = 0, k = 0; v && i <= n; i++) {
		if (i == n) {
			v[k] = NULL;
			n = k;
			break;
		}
		if (cell_state_name_check(v[i], NULL) < 0)
			free(v[i]);
		else
			v[k++] = v[i];
	}
	if (!v && !(v = calloc(1, sizeof(char *))))
		goto oom;
	*ret = v;
	if (tmp)
		*tmp = t;
	else
		cell_state_strv_free(t);
	return 0;
oom:
	closedir(d);
	cell_state_strv_free(v);
	cell_state_strv_free(t);
	return -ENOMEM;
}

int cell_state_list(struct cell_state *st, char ***ret, struct cell_err *err)
{
	return scan(st, true, ret, NULL, err);
}

int cell_state_read(struct cell_state *st, const char *name, struct cell_state_record *r,
		    struct cell_err *err)
{
	char path[CELL_STATE_NAME_MAX + 8];
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, cap = 0;
	int rc;

	cell_state_record_init(r);
	rc = cell_state_name_check(name, err);
	if (rc < 0)
		return rc;
	if (st->dirfd < 0)
		return fail_as(err, ENOENT, "no sandbox named %s", name);
	file_name(path, sizeof(path), name, ".json");
	fd = openat(st->dirfd, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	if (fd < 0) {
		if (errno == ENOENT)
			return fail_as(err, ENOENT, "no sandbox named %s", name);
		return cell_fail(err, errno, "%s/%s", st->path, path);
	}
	for (;;) {
		ssize_t n;

		if (len + 4096 > cap) {
			char *nb;

			cap = cap ? cap * 2 : 8192;
			if (cap > RECORD_MAX)
				return cell_fail(err, EFBIG, "%s/%s", st->path, path);
			nb = realloc(buf, cap);
			if (!nb)
				return -ENOMEM;
			buf = nb;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return cell_fail(err, errno, "%s/%s", st->path, path);
		if (n == 0)
			break;
		len += (size_t)n;
	}
	rc = cell_state_record_from_json(buf, len, r, err);
	if (rc < 0)
		return cell_err_prefix(err, "%s/%s", st->path, path);
	if (strcmp(r->name, name) != 0) {
		cell_state_record_clear(r);
		return cell_fail(err, 0, "%s/%s: the record is for another name", st->path, path);
	}
	return 0;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int cell_state_write(struct cell_state *st, const struct cell_state_record *r,
		     struct cell_err *err)
{
	char tmp[CELL_STATE_NAME_MAX + 40], path[CELL_STATE_NAME_MAX + 8];
	_cleanup_free_ char *text = NULL;
	_cleanup_close_ int fd = -1;
	int rc;

	if (st->dirfd < 0)
		return cell_fail(err, ENOENT, "%s", st->path);
	rc = cell_state_record_to_json(r, &text);
	if (rc < 0)
		return cell_fail(err, -rc, "record of %s", r->name);
	/* One writer per name (the lock holder), so pid makes it unique; a
	 * leftover of a dead process with the same PID is replaced. */
	snprintf(tmp, sizeof(tmp), ".%s.json.%d", r->name, (int)getpid());
	file_name(path, sizeof(path), r->name, ".json");
	(void)unlinkat(st->dirfd, tmp, 0); /* usually absent */
	fd = openat(st->dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return cell_fail(err, errno, "%s/%s", st->path, tmp);
	rc = write_all(fd, text, strlen(text));
	if (rc == 0)
		rc = write_all(fd, "\n", 1);
	if (rc == 0 && fsync(fd) < 0)
		rc = -errno;
	if (rc == 0 && renameat(st->dirfd, tmp, st->dirfd, path) < 0)
		rc = -errno;
	if (rc < 0) {
		(void)unlinkat(st->dirfd, tmp, 0);
		return cell_fail(err, -rc, "write %s/%s", st->path, path);
	}
	if (fsync(st->dirfd) < 0)
		return cell_fail(err, errno, "fsync %s", st->path);
	return 0;
}

/* Remove NAME's files; the caller holds the directory lock and has seen
 * NAME's lock free.  Paths come from the name, never from the record: a
 * record only says which kept namespaces and cgroups there were. */
static int remove_locked(struct cell_state *st, const char *name, bool keep_lock_file,
			 struct cell_err *err)
{
	struct cell_state_record r;
	char path[CELL_STATE_NAME_MAX + 32], full[sizeof(st->path) + CELL_STATE_NAME_MAX + 34];
	int first = 0;

	if (cell_state_read(st, name, &r, NULL) < 0)
		cell_state_record_init(&r); /* unreadable: remove what is there */
	for (int t = 0; t < CELL_NS_MAX; t++) {
		snprintf(path, sizeof(path), "%s.ns/%s", name, cell_ns_name(t));
		snprintf(full, sizeof(full), "%s/%s", st->path, path);
		/* not a mount point (EINVAL) or never made (ENOENT): fine */
		if (umount2(full, MNT_DETACH | UMOUNT_NOFOLLOW) < 0 && errno != EINVAL &&
		    errno != ENOENT && !first)
			first = errno;
		if (unlinkat(st->dirfd, path, 0) < 0 && errno != ENOENT && !first)
			first = errno;
	}
	snprintf(path, sizeof(path), "%s.ns", name);
	if (unlinkat(st->dirfd, path, AT_REMOVEDIR) < 0 && errno != ENOENT && !first)
		first = errno;
	/* The sandbox's own cgroups: empty once every process in them is
	 * gone.  rmdir(2) only, and only under /sys/fs/cgroup. */
	for (char **c = r.cgroups; c && *c; c++)
		if (strncmp(*c, "/sys/fs/cgroup/", 15) == 0 && !strstr(*c, "/..") &&
		    rmdir(*c) < 0 && errno != ENOENT && !first)
			first = errno;
	cell_state_record_clear(&r);
	file_name(path, sizeof(path), name, ".log");
	if (unlinkat(st->dirfd, path, 0) < 0 && errno != ENOENT && !first)
		first = errno;
	file_name(path, sizeof(path), name, ".json");
	if (unlinkat(st->dirfd, path, 0) < 0 && errno != ENOENT && !first)
		first = errno;
	file_name(path, sizeof(path), name, ".lock");
	if (!keep_lock_file && unlinkat(st->dirfd, path, 0) < 0 && errno != ENOENT && !first)
		first = errno;
	if (first)
		return cell_fail(err, first, "remove %s's files from %s", name, st->path);
	return 0;
}

int cell_state_claim(struct cell_state *st, const char *name, struct cell_err *err)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	char path[CELL_STATE_NAME_MAX + 8];
	_cleanup_close_ int dl = -1, fd = -1;
	struct stat s;
	int r;

	r = cell_state_name_check(name, err);
	if (r < 0)
		return r;
	if (st->dirfd < 0)
		return cell_fail(err, ENOENT, "%s", st->path);
	dl = lock_dir(st, err);
	if (dl < 0)
		return dl;
	file_name(path, sizeof(path), name, ".lock");
	fd = openat(st->dirfd, path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
	if (fd < 0)
		return cell_fail(err, errno, "%s/%s", st->path, path);
	if (fcntl(fd, F_OFD_SETLK, &fl) < 0) {
		if (errno == EAGAIN || errno == EACCES)
			return fail_as(err, EEXIST, "a sandbox with that name exists%s", "");
		return cell_fail(err, errno, "lock %s/%s", st->path, path);
	}
	if (fstat(fd, &s) < 0)
		return cell_fail(err, errno, "%s/%s", st->path, path);
	if (s.st_size > 0)
		return fail_as(err, EEXIST, "a sandbox with that name exists (it has exited; "
			       "cell rm %s removes it)", name);
	/* A supervisor that died left its files: they are ours to clear. */
	file_name(path, sizeof(path), name, ".json");
	if (faccessat(st->dirfd, path, F_OK, AT_SYMLINK_NOFOLLOW) == 0 ||
	    (snprintf(path, sizeof(path), "%s.ns", name),
	     faccessat(st->dirfd, path, F_OK, AT_SYMLINK_NOFOLLOW) == 0)) {
		r = remove_locked(st, name, true, err);
		if (r < 0)
			return r;
	}
	return TAKE_FD(fd);
}

int cell_state_log_open(struct cell_state *st, struct cell_state_record *r,
			struct cell_err *err)
{
	char path[CELL_STATE_NAME_MAX + 8], *full = NULL;
	int fd;

	file_name(path, sizeof(path), r->name, ".log");
	fd = openat(st->dirfd, path,
		    O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY,
		    0600);
	if (fd < 0)
		return cell_fail(err, errno, "%s/%s", st->path, path);
	if (asprintf(&full, "%s/%s", st->path, path) < 0) {
		close(fd);
		return -ENOMEM;
	}
	free(r->log);
	r->log = full;
	return fd;
}

int cell_state_keep_ns(struct cell_state *st, struct cell_state_record *r, unsigned mask,
		       pid_t pid, struct cell_err *err)
{
	char path[CELL_STATE_NAME_MAX + 32], src[64];
	char full[sizeof(st->path) + CELL_STATE_NAME_MAX + 34];

	snprintf(path, sizeof(path), "%s.ns", r->name);
	if (mkdirat(st->dirfd, path, 0700) < 0 && errno != EEXIST)
		return cell_fail(err, errno, "%s/%s", st->path, path);
	for (int t = 0; t < CELL_NS_MAX; t++) {
		_cleanup_close_ int fd = -1;

		if (!(mask & CELL_NS_BIT(t)))
			continue;
		snprintf(path, sizeof(path), "%s.ns/%s", r->name, cell_ns_name(t));
		snprintf(full, sizeof(full), "%s/%s", st->path, path);
		snprintf(src, sizeof(src), "/proc/%d/ns/%s", (int)pid, cell_ns_name(t));
		fd = openat(st->dirfd, path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
			    0400);
		if (fd < 0)
			return cell_fail(err, errno, "--keep %s: %s", cell_ns_name(t), full);
		if (mount(src, full, NULL, MS_BIND, NULL) < 0) {
			int e = errno;

			(void)unlinkat(st->dirfd, path, 0);
			if (e == EPERM)
				return cell_fail(err, e, "--keep %s: keeping a namespace needs "
						 "root (a bind mount in the host's mount "
						 "namespace)", cell_ns_name(t));
			return cell_fail(err, e, "--keep %s: bind %s on %s", cell_ns_name(t), src,
					 full);
		}
		if (str_set(&r->kept[t], full) < 0)
			return -ENOMEM;
	}
	return 0;
}

int cell_state_open_kept(struct cell_state *st, const struct cell_state_record *r,
			 int fds[CELL_NS_MAX], struct cell_err *err)
{
	char path[CELL_STATE_NAME_MAX + 32];
	int rc = 0;

	for (int t = 0; t < CELL_NS_MAX; t++)
		fds[t] = -1;
	for (int t = 0; t < CELL_NS_MAX && rc == 0; t++) {
		struct statfs sf;

		if (!r->kept[t])
			continue;
		/* The path comes from the name, never from the record. */
		snprintf(path, sizeof(path), "%s.ns/%s", r->name, cell_ns_name(t));
		fds[t] = openat(st->dirfd, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
		if (fds[t] < 0 && errno == ENOENT)
			rc = cell_fail(err, 0, "the kept %s namespace (%s) is gone",
				       cell_ns_name(t), path);
		else if (fds[t] < 0)
			rc = cell_fail(err, errno, "%s: kept %s namespace", r->name,
				       cell_ns_name(t));
		/* An empty file once the bind mount is gone (someone's umount),
		 * or something else mounted there: a namespace of the type, or
		 * nothing to join. */
		else if (fstatfs(fds[t], &sf) < 0 || sf.f_type != NSFS_MAGIC ||
			 ioctl(fds[t], NS_GET_NSTYPE) != ns_clone_flag[t])
			rc = cell_fail(err, 0, "the kept %s namespace (%s) is gone: no "
				       "namespace of that type is mounted there", cell_ns_name(t),
				       path);
	}
	if (rc < 0)
		for (int t = 0; t < CELL_NS_MAX; t++)
			if (fds[t] >= 0) {
				close(fds[t]);
				fds[t] = -1;
			}
	return rc;
}

int cell_state_finish(struct cell_state *st, struct cell_state_record *r, int status,
		      int lockfd, struct cell_err *err)
{
	int rc;

	r->exited = true;
	r->exit_status = status < 0 || status > 255 ? CELL_EXIT_SETUP : status;
	rc = cell_state_write(st, r, err);
	/* The mark tells gc "exited, keep" without reading the record. */
	if (rc == 0 && pwrite(lockfd, EXIT_MARK, strlen(EXIT_MARK), 0) < 0)
		rc = cell_fail(err, errno, "mark %s as exited", r->name);
	close(lockfd);
	return rc;
}

enum cell_state_status cell_state_status(struct cell_state *st, const struct cell_state_record *r)
{
	bool exited;
	uint64_t t;
	int held = probe_lock(st, r->name, &exited);

	if (held <= 0 || r->exited)
		return r->exited || exited ? CELL_STATE_EXITED : CELL_STATE_DEAD;
	if (r->supervisor.pid <= 0 || cell_proc_start_time(r->supervisor.pid, &t) < 0 ||
	    t != r->supervisor.start_time)
		return CELL_STATE_UNKNOWN;
	if (r->init.pid <= 0)
		return CELL_STATE_STARTING;
	if (cell_proc_start_time(r->init.pid, &t) < 0 || t != r->init.start_time)
		return CELL_STATE_STOPPING;
	return CELL_STATE_RUNNING;
}

int cell_state_remove(struct cell_state *st, const char *name, struct cell_err *err)
{
	char path[CELL_STATE_NAME_MAX + 8];
	_cleanup_close_ int dl = -1;
	int held;

	held = cell_state_name_check(name, err);
	if (held < 0)
		return held;
	if (st->dirfd < 0)
		return fail_as(err, ENOENT, "no sandbox named %s", name);
	dl = lock_dir(st, err);
	if (dl < 0)
		return dl;
	held = probe_lock(st, name, NULL);
	if (held == -ENOENT) {
		file_name(path, sizeof(path), name, ".json");
		if (faccessat(st->dirfd, path, F_OK, AT_SYMLINK_NOFOLLOW) < 0)
			return fail_as(err, ENOENT, "no sandbox named %s", name);
		held = 0;
	}
	if (held < 0)
		return cell_fail(err, -held, "%s", name);
	if (held)
		return fail_as(err, EBUSY, "%s is running", name);
	return remove_locked(st, name, false, err);
}

/* NAME of a temporary record file ".NAME.json.PID" (NAME may hold ".json."
 * itself: the last one counts), or NULL. */
static char *tmp_name(const char *file)
{
	const char *j = NULL;
	char *name;

	for (const char *p = strstr(file + 1, ".json."); p; p = strstr(p + 1, ".json."))
		j = p;
	if (file[0] != '.' || !j || j == file + 1)
		return NULL;
	name = strndup(file + 1, (size_t)(j - file - 1));
	if (name && cell_state_name_check(name, NULL) < 0) {
		free(name);
		return NULL;
	}
	return name;
}

int cell_state_gc(struct cell_state *st, char ***ret_removed, struct cell_err *err)
{
	char **names = NULL, **tmp = NULL, **removed = NULL;
	size_t nremoved = 0;
	_cleanup_close_ int dl = -1;
	int r = 0;

	if (ret_removed)
		*ret_removed = NULL;
	if (st->dirfd < 0)
		return 0;
	dl = lock_dir(st, err);
	if (dl < 0)
		return dl;
	r = scan(st, false, &names, &tmp, err);
	if (r < 0)
		return r;
	for (size_t i = 0; names[i]; i++) {
		bool exited;
		int held = probe_lock(st, names[i], &exited);

		/* -ENOENT: a record without its lock file is dead too */
		if (held > 0 || (held == 0 && exited) || (held < 0 && held != -ENOENT))
			continue;
		if (remove_locked(st, names[i], false, err) < 0) {
			r = -EIO;
			continue; /* the rest may still go */
		}
		if (ret_removed && r != -ENOMEM) {
			char **nv = realloc(removed, (nremoved + 2) * sizeof(*nv));

			if (!nv || !(nv[nremoved] = strdup(names[i]))) {
				removed = nv ? nv : removed;
				r = -ENOMEM;
				continue;
			}
			removed = nv;
			removed[++nremoved] = NULL;
		}
	}
	/* temporary files of writers that died between write and rename */
	for (size_t i = 0; tmp && tmp[i]; i++) {
		_cleanup_free_ char *name = tmp_name(tmp[i]);

		if (name && probe_lock(st, name, NULL) <= 0)
			(void)unlinkat(st->dirfd, tmp[i], 0); /* gone already: fine */
	}
	cell_state_strv_free(names);
	cell_state_strv_free(tmp);
	if (ret_removed)
		*ret_removed = removed;
	else
		cell_state_strv_free(removed);
	return r;
}

/* ---- the supervisor's side ---- */

/* What the background tells the foreground of a detached run: 0 and
 * nothing else when the sandbox runs, else the error. */
struct ready_msg {
	int status;
	struct cell_err err;
};

static void tell(struct cell_state_run *run, int status, const struct cell_err *why)
{
	struct ready_msg m = { .status = status };

	if (run->ready < 0)
		return;
	if (why)
		m.err = *why;
	/* the foreground may be gone (killed): nothing to tell then */
	(void)!write(run->ready, &m, sizeof(m));
	close(run->ready);
	run->ready = -1;
}

/* The foreground of a detached run: wait for the background's word. */
static int wait_ready(int fd, struct cell_err *err)
{
	struct ready_msg m;
	ssize_t n;

	do
		n = read(fd, &m, sizeof(m));
	while (n < 0 && errno == EINTR);
	close(fd);
	if (n != (ssize_t)sizeof(m))
		return cell_fail(err, 0, "the detached sandbox's cell exited before it started");
	if (m.status == 0)
		return 1;
	*err = m.err;
	err->msg[sizeof(err->msg) - 1] = '\0';
	if (!err->status)
		err->status = CELL_EXIT_SETUP;
	return -(err->errnum > 0 ? err->errnum : EINVAL);
}

static int detach(struct cell_state_run *run, struct cell_err *err)
{
	_cleanup_close_ int log = -1, null = -1;
	int pipefd[2];
	pid_t pid;

	log = cell_state_log_open(&run->st, &run->rec, err);
	if (log < 0)
		return log;
	null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (null < 0)
		return cell_fail(err, errno, "/dev/null");
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return cell_fail(err, errno, "pipe");
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(pipefd[0]);
		close(pipefd[1]);
		return cell_fail(err, errno, "fork");
	}
	if (pid > 0) {
		/* our copy of the lock goes; the background holds the name */
		close(pipefd[1]);
		close(run->lock);
		run->lock = -1;
		cell_state_record_clear(&run->rec);
		cell_state_close(&run->st);
		return wait_ready(pipefd[0], err);
	}
	close(pipefd[0]);
	run->ready = pipefd[1];
	/* Nothing of the caller's terminal or session: the supervisor and the
	 * sandbox write to the log. */
	if (setsid() < 0 || dup2(null, 0) < 0 || dup2(log, 1) < 0 || dup2(log, 2) < 0) {
		cell_fail(err, errno, "detach");
		tell(run, CELL_EXIT_SETUP, err);
		_exit(CELL_EXIT_SETUP);
	}
	return 0;
}

int cell_state_run_begin(struct cell_state_run *run, const char *name, bool detach_it,
			 const struct cell_spec *s, const struct cell_idmap_plan *ids,
			 const struct cell_seccomp_prog *prog, struct cell_err *err)
{
	struct cell_err ignored = { 0 };
	int r;

	run->st.dirfd = run->lock = run->ready = -1;
	cell_state_record_init(&run->rec);
	r = cell_state_open(&run->st, true, err);
	if (r < 0)
		return r;
	/* implicit and cheap; a failure must not stop the run */
	(void)cell_state_gc(&run->st, NULL, &ignored);
	r = cell_state_claim(&run->st, name, err);
	if (r < 0)
		goto fail;
	run->lock = r;
	r = cell_state_record_fill(&run->rec, name, s, ids, err);
	if (r == 0 && prog)
		r = cell_state_record_set_bpf(&run->rec, prog);
	if (r == 0 && (r = cell_state_record_set_self(&run->rec, err)) == 0)
		r = cell_state_write(&run->st, &run->rec, err); /* "starting" */
	if (r == 0 && detach_it)
		r = detach(run, err);
	if (r >= 0)
		return r;
fail:
	if (run->lock >= 0) {
		/* nothing ran: the name is free again */
		close(run->lock);
		run->lock = -1;
		(void)cell_state_remove(&run->st, name, &ignored);
	}
	cell_state_record_clear(&run->rec);
	cell_state_close(&run->st);
	return r;
}

int cell_state_run_started(struct cell_state_run *run, pid_t init,
			   const char *const *cgroups, unsigned keep_ns, struct cell_err *err)
{
	int r;

	for (; cgroups && *cgroups; cgroups++)
		if (cell_strv_push(&run->rec.cgroups, *cgroups) < 0)
			return -ENOMEM;
	r = cell_state_record_set_self(&run->rec, err);
	if (r == 0)
		r = cell_state_record_set_init(&run->rec, init, err);
	if (r == 0 && keep_ns)
		r = cell_state_keep_ns(&run->st, &run->rec, keep_ns, init, err);
	if (r == 0)
		r = cell_state_write(&run->st, &run->rec, err);
	if (r == 0)
		tell(run, 0, NULL);
	else
		/* The launcher gives up: the command never runs.  Then
		 * cell_state_run_end() gives the name back and removes what
		 * was kept so far (an unprivileged --keep left an exited
		 * record and an empty NAME.ns). */
		run->rec.init = (struct cell_state_proc){ 0 };
	return r;
}

int cell_state_run_end(struct cell_state_run *run, int status, const struct cell_err *why,
		       struct cell_err *err)
{
	int r;

	/* a detached start that failed: the foreground says why */
	tell(run, status ? status : CELL_EXIT_SETUP, why);
	if (run->rec.init.pid == 0) {
		/* it never ran: give the name back, nothing to show */
		struct cell_err ignored = { 0 };
		char name[sizeof(run->rec.name)];

		memcpy(name, run->rec.name, sizeof(name));
		close(run->lock);
		run->lock = -1;
		/* what cannot be removed now, gc removes later */
		(void)cell_state_remove(&run->st, name, &ignored);
		cell_state_record_clear(&run->rec);
		cell_state_close(&run->st);
		return 0;
	}
	r = cell_state_finish(&run->st, &run->rec, status, run->lock, err);
	run->lock = -1;
	cell_state_record_clear(&run->rec);
	cell_state_close(&run->st);
	return r;
}
