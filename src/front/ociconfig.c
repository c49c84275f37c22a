/* ociconfig.c - an OCI bundle's config.json into struct cell_oci_config, and
 * the documents of `cell oci spec` and `cell oci features`.
 *
 * opencontainers/runtime-spec: config.md, config-linux.md, features.md,
 * features-linux.md.  jansson parses the text; one function per object of
 * the spec checks it into plain data.  struct pctx carries the JSON path of
 * the value at hand, so every error names where it is (".mounts[3].options").
 * Pure: the only system calls are the reads of cell_oci_config_load() and
 * geteuid()/getegid() for the rootless default spec.
 *
 * The tables below (namespaces, mount options, seccomp names) feed both the
 * parser and the features document: when the engine learns or drops a
 * feature, change the table and both follow.
 *
 * Where runc and crun differ, or do what the spec forbids, cell picks:
 *   - unknown capability names are errors (crun; runc warns and drops
 *     them), except names cell knows that are newer than its kernel
 *     headers, which are dropped (runc);
 *   - a relative mount destination is an error (the spec's MUST; runc
 *     takes it as relative to /);
 *   - a second rlimit of one type is an error (the spec's MUST since 1.1);
 *   - ratime, rnostrictatime and rnorelatime select relatime with all of
 *     MOUNT_ATTR__ATIME in attr_clr (runc clears the one bit, which
 *     mount_setattr(2) refuses with EINVAL);
 *   - of several propagation options the last counts (runc applies each in
 *     turn, which ends the same except for mixed r- and plain forms);
 *   - crun's "idmap=uids=...;gids=..." is refused rather than passed to the
 *     filesystem; crun's other own options (copy-symlink, src-nofollow,
 *     dest-nofollow) are filesystem data here;
 *   - memory.swappiness (uint64)-1 means "not set" (runc; Docker writes it);
 *   - integers above INT64_MAX are read exactly where the spec has uint64
 *     (crun's parser does; runc's Go does), see rewrite_big().
 */
#define _GNU_SOURCE
#include "ociconfig.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/capability.h>

#include <jansson.h>

#include "../lib/caps.h"
#include "../lib/cleanup.h"
#include "../lib/fileio.h"
#include "../lib/rlimit.h"
#include "../lib/util.h"

/* The runtime-spec versions cell reads (features) and writes (spec). */
#define OCI_VERSION_MIN "1.0.0"
#define OCI_VERSION_MAX "1.2.0"

/* Older headers: the values are kernel ABI (linux/mount.h). */
#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif
#ifndef MOUNT_ATTR_RDONLY
#define MOUNT_ATTR_RDONLY 0x00000001
#define MOUNT_ATTR_NOSUID 0x00000002
#define MOUNT_ATTR_NODEV 0x00000004
#define MOUNT_ATTR_NOEXEC 0x00000008
#define MOUNT_ATTR__ATIME 0x00000070
#define MOUNT_ATTR_RELATIME 0x00000000
#define MOUNT_ATTR_NOATIME 0x00000010
#define MOUNT_ATTR_STRICTATIME 0x00000020
#define MOUNT_ATTR_NODIRATIME 0x00000080
#endif
#ifndef MOUNT_ATTR_NOSYMFOLLOW
#define MOUNT_ATTR_NOSYMFOLLOW 0x00200000
#endif

/* mount(2) copies at most a page of data. */
#define MOUNT_DATA_MAX 4096
/* sethostname(2), setdomainname(2): HOST_NAME_MAX. */
#define UTS_NAME_MAX 64
/* A config.json with a large seccomp profile is some 100 KiB. */
#define CONFIG_SIZE_MAX (16u << 20)
/* uid_t (uint32_t)-1 is "no id" for the kernel (setresuid, chown). */
#define ID_MAX 4294967294LL

/* ---- tables ---- */

static const char *const hook_names[CELL_OCI_HOOK_MAX] = {
	[CELL_OCI_HOOK_PRESTART] = "prestart",
	[CELL_OCI_HOOK_CREATE_RUNTIME] = "createRuntime",
	[CELL_OCI_HOOK_CREATE_CONTAINER] = "createContainer",
	[CELL_OCI_HOOK_START_CONTAINER] = "startContainer",
	[CELL_OCI_HOOK_POSTSTART] = "poststart",
	[CELL_OCI_HOOK_POSTSTOP] = "poststop",
};

/* linux.namespaces[].type; also the features list. */
static const struct {
	const char *name;
	enum cell_ns_type type;
} ns_table[] = {
	{ "cgroup", CELL_NS_CGROUP }, { "ipc", CELL_NS_IPC },	  { "mount", CELL_NS_MNT },
	{ "network", CELL_NS_NET },   { "pid", CELL_NS_PID },	  { "time", CELL_NS_TIME },
	{ "user", CELL_NS_USER },     { "uts", CELL_NS_UTS },
};

/* Propagation options of mounts[] and linux.rootfsPropagation. */
static const struct {
	const char *name;
	unsigned long flags;
} propagation_table[] = {
	{ "private", MS_PRIVATE },
	{ "rprivate", MS_PRIVATE | MS_REC },
	{ "slave", MS_SLAVE },
	{ "rslave", MS_SLAVE | MS_REC },
	{ "shared", MS_SHARED },
	{ "rshared", MS_SHARED | MS_REC },
	{ "unbindable", MS_UNBINDABLE },
	{ "runbindable", MS_UNBINDABLE | MS_REC },
};

/* mount(8)'s filesystem-independent options that are mount(2) flags; clear:
 * the option removes the flag ("rw" undoes "ro"). */
static const struct {
	const char *name;
	bool clear;
	unsigned long flag;
} mount_flag_table[] = {
	{ "defaults", false, 0 },
	{ "ro", false, MS_RDONLY },
	{ "rw", true, MS_RDONLY },
	{ "nosuid", false, MS_NOSUID },
	{ "suid", true, MS_NOSUID },
	{ "nodev", false, MS_NODEV },
	{ "dev", true, MS_NODEV },
	{ "noexec", false, MS_NOEXEC },
	{ "exec", true, MS_NOEXEC },
	{ "sync", false, MS_SYNCHRONOUS },
	{ "async", true, MS_SYNCHRONOUS },
	{ "dirsync", false, MS_DIRSYNC },
	{ "remount", false, MS_REMOUNT },
	{ "mand", false, MS_MANDLOCK },
	{ "nomand", true, MS_MANDLOCK },
	{ "noatime", false, MS_NOATIME },
	{ "atime", true, MS_NOATIME },
	{ "nodiratime", false, MS_NODIRATIME },
	{ "diratime", true, MS_NODIRATIME },
	{ "relatime", false, MS_RELATIME },
	{ "norelatime", true, MS_RELATIME },
	{ "strictatime", false, MS_STRICTATIME },
	{ "nostrictatime", true, MS_STRICTATIME },
	{ "silent", false, MS_SILENT },
	{ "loud", true, MS_SILENT },
	{ "acl", false, MS_POSIXACL },
	{ "noacl", true, MS_POSIXACL },
	{ "iversion", false, MS_I_VERSION },
	{ "noiversion", true, MS_I_VERSION },
	{ "lazytime", false, MS_LAZYTIME },
	{ "nolazytime", true, MS_LAZYTIME },
	{ "nosymfollow", false, MS_NOSYMFOLLOW },
	{ "symfollow", true, MS_NOSYMFOLLOW },
	{ "bind", false, MS_BIND },
	{ "rbind", false, MS_BIND | MS_REC },
};

/* Recursive attributes, for mount_setattr(2) with AT_RECURSIVE (runtime-spec
 * 1.1).  The atime modes are an enum in MOUNT_ATTR__ATIME, not bits: each
 * atime option picks one mode; "ratime", "rnostrictatime" and "rnorelatime"
 * pick the kernel's default, relatime. */
static const struct {
	const char *name;
	bool clear;
	uint64_t attr;
	bool atime;
} rec_attr_table[] = {
	{ "rro", false, MOUNT_ATTR_RDONLY, false },
	{ "rrw", true, MOUNT_ATTR_RDONLY, false },
	{ "rnosuid", false, MOUNT_ATTR_NOSUID, false },
	{ "rsuid", true, MOUNT_ATTR_NOSUID, false },
	{ "rnodev", false, MOUNT_ATTR_NODEV, false },
	{ "rdev", true, MOUNT_ATTR_NODEV, false },
	{ "rnoexec", false, MOUNT_ATTR_NOEXEC, false },
	{ "rexec", true, MOUNT_ATTR_NOEXEC, false },
	{ "rnodiratime", false, MOUNT_ATTR_NODIRATIME, false },
	{ "rdiratime", true, MOUNT_ATTR_NODIRATIME, false },
	{ "rnosymfollow", false, MOUNT_ATTR_NOSYMFOLLOW, false },
	{ "rsymfollow", true, MOUNT_ATTR_NOSYMFOLLOW, false },
	{ "rnoatime", false, MOUNT_ATTR_NOATIME, true },
	{ "rstrictatime", false, MOUNT_ATTR_STRICTATIME, true },
	{ "rrelatime", false, MOUNT_ATTR_RELATIME, true },
	{ "ratime", false, MOUNT_ATTR_RELATIME, true },
	{ "rnostrictatime", false, MOUNT_ATTR_RELATIME, true },
	{ "rnorelatime", false, MOUNT_ATTR_RELATIME, true },
};

/* Options that are neither flags nor filesystem data. */
static const char *const mount_extension_options[] = { "tmpcopyup", "idmap", "ridmap" };

/* Seccomp names the converter (lib/seccomp.c) must accept: keep these in
 * step with it.  They only feed the features document; the parser keeps
 * linux.seccomp as text. */
static const char *const seccomp_actions[] = {
	"SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO",	  "SCMP_ACT_KILL",   "SCMP_ACT_KILL_PROCESS",
	"SCMP_ACT_KILL_THREAD", "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY", "SCMP_ACT_TRACE",
	"SCMP_ACT_TRAP",
};
static const char *const seccomp_operators[] = {
	"SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_LE",
	"SCMP_CMP_LT", "SCMP_CMP_MASKED_EQ", "SCMP_CMP_NE",
};
static const char *const seccomp_archs[] = {
	"SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM", "SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64",
	"SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32",
	"SCMP_ARCH_PARISC", "SCMP_ARCH_PARISC64", "SCMP_ARCH_PPC", "SCMP_ARCH_PPC64",
	"SCMP_ARCH_PPC64LE", "SCMP_ARCH_RISCV64", "SCMP_ARCH_S390", "SCMP_ARCH_S390X",
	"SCMP_ARCH_X32", "SCMP_ARCH_X86", "SCMP_ARCH_X86_64",
};
static const char *const seccomp_known_flags[] = {
	"SECCOMP_FILTER_FLAG_TSYNC",
	"SECCOMP_FILTER_FLAG_LOG",
	"SECCOMP_FILTER_FLAG_SPEC_ALLOW",
	"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
};
/* libseccomp 2.5 sets these through filter attributes. */
static const char *const seccomp_supported_flags[] = {
	"SECCOMP_FILTER_FLAG_TSYNC",
	"SECCOMP_FILTER_FLAG_LOG",
	"SECCOMP_FILTER_FLAG_SPEC_ALLOW",
};

/* ---- the JSON path and errors ---- */

struct pctx {
	struct cell_err *err;
	size_t len;
	char path[320];
};

static bool is_identifier(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_')
			return false;
	return true;
}

static size_t path_push(struct pctx *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static size_t path_push(struct pctx *p, const char *fmt, ...)
{
	size_t old = p->len;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(p->path + p->len, sizeof(p->path) - p->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		p->len += (size_t)n;
	if (p->len >= sizeof(p->path))
		p->len = sizeof(p->path) - 1; /* truncated: the message is for people */
	return old;
}

/* ".key", or ["key"] for keys such as sysctl names. */
static size_t path_key(struct pctx *p, const char *key)
{
	return is_identifier(key) ? path_push(p, ".%s", key) : path_push(p, "[\"%s\"]", key);
}

static size_t path_index(struct pctx *p, size_t i)
{
	return path_push(p, "[%zu]", i);
}

static void path_pop(struct pctx *p, size_t old)
{
	p->len = old;
	p->path[old] = '\0';
}

static int fail(struct pctx *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct pctx *p, const char *fmt, ...)
{
	char msg[CELL_ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return cell_fail(p->err, 0, "%s: %s", p->len ? p->path : ".", msg);
}

static int oom(struct pctx *p)
{
	return cell_fail(p->err, ENOMEM, "%s", p->len ? p->path : ".");
}

/* ---- integers past int64 ----
 *
 * jansson keeps integers in a long long, but some uint64 fields of the spec
 * hold values above it: 18446744073709551615 is RLIM_INFINITY in rlimits
 * (what Docker writes for --ulimit x=-1) and a common mask in seccomp
 * rules.  Before parsing, such numbers are rewritten as strings that start
 * with BIG, a control character no config has a reason to contain;
 * val_u64() reads them back exactly, every string reader refuses them, and
 * the seccomp text gets them back as numbers. */
#define BIG '\001'
#define BIG_ESCAPED "\"\\u0001"

static bool is_big(const json_t *v)
{
	return json_is_string(v) && json_string_value(v)[0] == BIG;
}

static bool is_str(const json_t *v)
{
	return json_is_string(v) && !is_big(v);
}

/* Length of the number token at s (JSON grammar, loosely); *integer says
 * whether it has neither fraction nor exponent. */
static size_t number_len(const char *s, const char *end, bool *integer)
{
	const char *c = s;

	*integer = true;
	if (c < end && *c == '-')
		c++;
	while (c < end && (isdigit((unsigned char)*c) || *c == '.' || *c == 'e' || *c == 'E' ||
			   ((*c == '+' || *c == '-') && (c[-1] == 'e' || c[-1] == 'E')))) {
		if (!isdigit((unsigned char)*c))
			*integer = false;
		c++;
	}
	return (size_t)(c - s);
}

/* A positive integer without leading zeros that fits uint64 but not int64. */
static bool needs_big(const char *s, size_t n)
{
	if (n < 19 || n > 20 || s[0] == '0')
		return false;
	if (n == 19)
		return memcmp(s, "9223372036854775807", 19) > 0;
	return memcmp(s, "18446744073709551615", 20) <= 0;
}

/* Walk the text outside strings; with out, write the rewritten text too.
 * Returns the number of big integers. */
static size_t rewrite_big(const char *text, size_t len, char *out, size_t *ret_len)
{
	const char *end = text + len;
	size_t count = 0, o = 0;

	for (const char *c = text; c < end;) {
		size_t n = 1;
		bool integer;

		if (*c == '"') {
			/* Copy the whole string, escapes included. */
			while (c + n < end && c[n] != '"')
				n += c[n] == '\\' && c + n + 1 < end ? 2 : 1;
			if (c + n < end)
				n++;
		} else if (*c == '-' || isdigit((unsigned char)*c)) {
			n = number_len(c, end, &integer);
			if (integer && needs_big(c, n)) {
				size_t esc = strlen(BIG_ESCAPED);

				if (out) {
					memcpy(out + o, BIG_ESCAPED, esc);
					memcpy(out + o + esc, c, n);
					out[o + esc + n] = '"';
				}
				o += esc + n + 1;
				count++;
				c += n;
				continue;
			}
		}
		if (out)
			memcpy(out + o, c, n);
		o += n;
		c += n;
	}
	*ret_len = o;
	return count;
}

/* Turn "\u0001DIGITS" strings of serialised JSON back into numbers, in place. */
static void unmark_big(char *s)
{
	size_t esc = strlen(BIG_ESCAPED);
	char *r = s, *w = s;

	while (*r) {
		if (strncmp(r, BIG_ESCAPED, esc) == 0) {
			size_t n = strspn(r + esc, "0123456789");

			if (n > 0 && r[esc + n] == '"') {
				memmove(w, r + esc, n);
				w += n;
				r += esc + n + 1;
				continue;
			}
		}
		*w++ = *r++;
	}
	*w = '\0';
}

/* ---- values ---- */

/* obj[key], NULL when absent or null (Go's decoder, and so runc, take null
 * as absent). */
static json_t *field(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	return json_is_null(v) ? NULL : v;
}

static void strv_free(char **v)
{
	if (!v)
		return;
	for (char **s = v; *s; s++)
		free(*s);
	free(v);
}

static int bad_int(struct pctx *p, json_t *v, int64_t min, uint64_t max)
{
	char want[96];

	if (min == 0 && max >= INT64_MAX)
		snprintf(want, sizeof(want), "a non-negative integer");
	else if (min == 0)
		snprintf(want, sizeof(want), "a non-negative integer up to %" PRIu64, max);
	else if (min == INT64_MIN && max == INT64_MAX)
		snprintf(want, sizeof(want), "an integer");
	else
		snprintf(want, sizeof(want), "an integer from %" PRId64 " to %" PRIu64, min, max);
	if (json_is_integer(v))
		return fail(p, "expected %s, got %" JSON_INTEGER_FORMAT, want,
			    json_integer_value(v));
	if (is_big(v))
		return fail(p, "expected %s, got %s", want, json_string_value(v) + 1);
	return fail(p, "expected %s", want);
}

static int val_i64(struct pctx *p, json_t *v, int64_t min, int64_t max, int64_t *ret)
{
	if (json_is_integer(v) && json_integer_value(v) >= min && json_integer_value(v) <= max) {
		*ret = json_integer_value(v);
		return 0;
	}
	return bad_int(p, v, min, (uint64_t)max);
}

static int val_u64(struct pctx *p, json_t *v, uint64_t max, uint64_t *ret)
{
	uint64_t x;

	if (json_is_integer(v) && json_integer_value(v) >= 0)
		x = (uint64_t)json_integer_value(v);
	else if (is_big(v))
		x = strtoull(json_string_value(v) + 1, NULL, 10); /* checked by needs_big() */
	else
		return bad_int(p, v, 0, max);
	if (x > max)
		return bad_int(p, v, 0, max);
	*ret = x;
	return 0;
}

static int val_str(struct pctx *p, json_t *v, char **ret)
{
	char *s;

	if (!is_str(v))
		return fail(p, "expected a string");
	s = strdup(json_string_value(v));
	if (!s)
		return oom(p);
	free(*ret);
	*ret = s;
	return 0;
}

/* Checks of a string's value: NULL when fine, else what was expected. */
typedef const char *(*str_check)(const char *s);

static const char *check_absolute(const char *s)
{
	return s[0] == '/' ? NULL : "expected an absolute path";
}

static const char *check_env(const char *s)
{
	const char *eq = strchr(s, '=');

	return eq && eq != s ? NULL : "expected \"NAME=VALUE\"";
}

static const char *check_not_empty(const char *s)
{
	return s[0] ? NULL : "expected a non-empty string";
}

static const char *check_uts_name(const char *s)
{
	return strlen(s) <= UTS_NAME_MAX ? NULL : "expected at most 64 bytes";
}

static int val_checked_str(struct pctx *p, json_t *v, str_check check, char **ret)
{
	const char *why;

	if (is_str(v) && check && (why = check(json_string_value(v))))
		return fail(p, "%s, got \"%s\"", why, json_string_value(v));
	return val_str(p, v, ret);
}

static int val_strv(struct pctx *p, json_t *v, str_check check, char ***ret)
{
	char **list;
	json_t *e;
	size_t i;

	if (!json_is_array(v))
		return fail(p, "expected an array of strings");
	list = calloc(json_array_size(v) + 1, sizeof(char *));
	if (!list)
		return oom(p);
	json_array_foreach(v, i, e) {
		size_t old = path_index(p, i);
		int r = val_checked_str(p, e, check, &list[i]);

		path_pop(p, old);
		if (r < 0) {
			strv_free(list);
			return r;
		}
	}
	strv_free(*ret);
	*ret = list;
	return 0;
}

/* ---- fields of an object: absent optional fields leave *ret alone ---- */

static int missing(struct pctx *p, const char *key)
{
	size_t old = path_key(p, key);
	int r = fail(p, "missing");

	path_pop(p, old);
	return r;
}

static int get_str(struct pctx *p, json_t *obj, const char *key, bool required, str_check check,
		   char **ret)
{
	json_t *v = field(obj, key);
	size_t old;
	int r;

	if (!v)
		return required ? missing(p, key) : 0;
	old = path_key(p, key);
	r = val_checked_str(p, v, check, ret);
	path_pop(p, old);
	return r;
}

static int get_strv(struct pctx *p, json_t *obj, const char *key, str_check check, char ***ret)
{
	json_t *v = field(obj, key);
	size_t old;
	int r;

	if (!v)
		return 0;
	old = path_key(p, key);
	r = val_strv(p, v, check, ret);
	path_pop(p, old);
	return r;
}

static int get_bool(struct pctx *p, json_t *obj, const char *key, bool *ret)
{
	json_t *v = field(obj, key);
	size_t old;
	int r = 0;

	if (!v)
		return 0;
	old = path_key(p, key);
	if (json_is_boolean(v))
		*ret = json_is_true(v);
	else
		r = fail(p, "expected true or false");
	path_pop(p, old);
	return r;
}

/* An integer in [min, max]: optional into ret->set/value. */
static int get_int(struct pctx *p, json_t *obj, const char *key, int64_t min, int64_t max,
		   struct cell_oci_int *ret)
{
	json_t *v = field(obj, key);
	size_t old;
	int r;

	if (!v)
		return 0;
	old = path_key(p, key);
	r = val_i64(p, v, min, max, &ret->value);
	path_pop(p, old);
	if (r >= 0)
		ret->set = true;
	return r;
}

/* A required integer in [min, max]. */
static int req_int(struct pctx *p, json_t *obj, const char *key, int64_t min, int64_t max,
		   int64_t *ret)
{
	struct cell_oci_int v = { 0 };
	int r = get_int(p, obj, key, min, max, &v);

	if (r < 0)
		return r;
	if (!v.set)
		return missing(p, key);
	*ret = v.value;
	return 0;
}

static int get_u64(struct pctx *p, json_t *obj, const char *key, bool required, uint64_t *ret)
{
	json_t *v = field(obj, key);
	size_t old;
	int r;

	if (!v)
		return required ? missing(p, key) : 0;
	old = path_key(p, key);
	r = val_u64(p, v, UINT64_MAX, ret);
	path_pop(p, old);
	return r;
}

/* The object at key, NULL when absent. */
static int get_object(struct pctx *p, json_t *obj, const char *key, json_t **ret)
{
	json_t *v = field(obj, key);
	size_t old;
	int r;

	*ret = NULL;
	if (!v)
		return 0;
	old = path_key(p, key);
	r = json_is_object(v) ? 0 : fail(p, "expected an object");
	path_pop(p, old);
	if (r >= 0)
		*ret = v;
	return r;
}

typedef int (*item_parser)(struct pctx *p, json_t *item, void *ret);

/* An array of objects at key, each parsed by fn into an element of a new
 * zeroed array (*ret_items, *ret_n are set as soon as it exists, so the
 * caller's clear frees a half-parsed list). */
static int get_list(struct pctx *p, json_t *obj, const char *key, size_t size, item_parser fn,
		    void **ret_items, size_t *ret_n)
{
	json_t *v = field(obj, key), *e;
	size_t old, i;
	char *items;
	int r = 0;

	if (!v)
		return 0;
	old = path_key(p, key);
	if (!json_is_array(v)) {
		r = fail(p, "expected an array of objects");
		path_pop(p, old);
		return r;
	}
	items = calloc(json_array_size(v) ?: 1, size);
	if (!items) {
		r = oom(p);
		path_pop(p, old);
		return r;
	}
	*ret_items = items;
	*ret_n = json_array_size(v);
	json_array_foreach(v, i, e) {
		size_t o = path_index(p, i);

		r = json_is_object(e) ? fn(p, e, items + i * size) : fail(p, "expected an object");
		path_pop(p, o);
		if (r < 0)
			break;
	}
	path_pop(p, old);
	return r;
}

#define GET_LIST(p, obj, key, fn, arr, n)                                                          \
	({                                                                                         \
		void *_items = NULL;                                                               \
		size_t _n = 0;                                                                     \
		int _r = get_list(p, obj, key, sizeof(*(arr)), fn, &_items, &_n);                  \
		if (_items) {                                                                      \
			(arr) = _items;                                                            \
			(n) = _n;                                                                  \
		}                                                                                  \
		_r;                                                                                \
	})

static void kv_free(struct cell_oci_kv *kv, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(kv[i].key);
		free(kv[i].value);
	}
	free(kv);
}

/* An object of strings (sysctl, unified), in the order of the file. */
static int get_string_map(struct pctx *p, json_t *obj, const char *key, struct cell_oci_kv **ret,
			  size_t *ret_n)
{
	json_t *map, *v;
	const char *k;
	size_t old, n = 0;
	int r;

	r = get_object(p, obj, key, &map);
	if (r < 0 || !map)
		return r;
	*ret = calloc(json_object_size(map) ?: 1, sizeof(**ret));
	if (!*ret)
		return oom(p);
	old = path_key(p, key);
	json_object_foreach(map, k, v) {
		size_t o = path_key(p, k);

		r = 0;
		(*ret)[n].key = strdup(k);
		if (!(*ret)[n].key)
			r = oom(p);
		else
			r = val_str(p, v, &(*ret)[n].value);
		n++;
		*ret_n = n;
		path_pop(p, o);
		if (r < 0)
			break;
	}
	path_pop(p, old);
	return r;
}

/* ---- process ---- */

static int cap_number(const char *name)
{
	for (int i = 0; i <= CELL_CAP_LAST; i++)
		if (strcmp(name, cell_caps_name(i)) == 0)
			return i;
	return -1;
}

static int get_caps(struct pctx *p, json_t *obj, const char *key, uint64_t *ret)
{
	json_t *v = field(obj, key), *e;
	size_t old, i;
	int r = 0;

	if (!v)
		return 0;
	old = path_key(p, key);
	if (!json_is_array(v)) {
		r = fail(p, "expected an array of capability names");
		path_pop(p, old);
		return r;
	}
	json_array_foreach(v, i, e) {
		size_t o = path_index(p, i);
		int cap = is_str(e) ? cap_number(json_string_value(e)) : -1;

		if (!is_str(e))
			r = fail(p, "expected a string");
		else if (cap < 0)
			r = fail(p, "unknown capability \"%s\"", json_string_value(e));
		else if (cap <= CAP_LAST_CAP)
			*ret |= 1ull << cap;
		/* else: newer than the kernel headers cell was built with;
		 * ignored, as runc ignores capabilities it cannot set. */
		path_pop(p, o);
		if (r < 0)
			break;
	}
	path_pop(p, old);
	return r;
}

static int parse_caps(struct pctx *p, json_t *o, struct cell_oci_caps *c)
{
	int r;

	c->set = true;
	if ((r = get_caps(p, o, "bounding", &c->bounding)) < 0 ||
	    (r = get_caps(p, o, "effective", &c->effective)) < 0 ||
	    (r = get_caps(p, o, "inheritable", &c->inheritable)) < 0 ||
	    (r = get_caps(p, o, "permitted", &c->permitted)) < 0 ||
	    (r = get_caps(p, o, "ambient", &c->ambient)) < 0)
		return r;
	return 0;
}

/* "RLIMIT_NOFILE": the spec's spelling only. */
static int rlimit_number(const char *name)
{
	if (strncmp(name, "RLIMIT_", 7) != 0 || !name[7])
		return -1;
	for (const char *c = name + 7; *c; c++)
		if (!isupper((unsigned char)*c))
			return -1;
	return cell_rlimit_from_name(name);
}

static int parse_rlimit(struct pctx *p, json_t *o, void *ret)
{
	struct cell_oci_rlimit *rl = ret;
	_cleanup_free_ char *type = NULL;
	int r;

	if ((r = get_str(p, o, "type", true, NULL, &type)) < 0)
		return r;
	rl->type = rlimit_number(type);
	if (rl->type < 0) {
		size_t old = path_key(p, "type");

		r = fail(p, "unknown rlimit type \"%s\"", type);
		path_pop(p, old);
		return r;
	}
	if ((r = get_u64(p, o, "soft", true, &rl->soft)) < 0 ||
	    (r = get_u64(p, o, "hard", true, &rl->hard)) < 0)
		return r;
	if (rl->soft > rl->hard)
		return fail(p, "soft limit %" PRIu64 " is above the hard limit %" PRIu64, rl->soft,
			    rl->hard);
	return 0;
}

static int parse_user(struct pctx *p, json_t *u, struct cell_oci_process *proc)
{
	json_t *gids, *e;
	int64_t v;
	size_t i, old;
	int r;

	if ((r = req_int(p, u, "uid", 0, ID_MAX, &v)) < 0)
		return r;
	proc->uid = (uint32_t)v;
	if ((r = req_int(p, u, "gid", 0, ID_MAX, &v)) < 0)
		return r;
	proc->gid = (uint32_t)v;
	if ((r = get_int(p, u, "umask", 0, 0777, &proc->umask)) < 0)
		return r;
	gids = field(u, "additionalGids");
	if (!gids)
		return 0;
	old = path_key(p, "additionalGids");
	if (!json_is_array(gids)) {
		r = fail(p, "expected an array of group ids");
		path_pop(p, old);
		return r;
	}
	proc->additional_gids = calloc(json_array_size(gids) ?: 1, sizeof(uint32_t));
	if (!proc->additional_gids) {
		r = oom(p);
		path_pop(p, old);
		return r;
	}
	json_array_foreach(gids, i, e) {
		size_t o = path_index(p, i);

		r = val_i64(p, e, 0, ID_MAX, &v);
		path_pop(p, o);
		if (r < 0)
			break;
		proc->additional_gids[proc->n_additional_gids++] = (uint32_t)v;
	}
	path_pop(p, old);
	return r;
}

static int parse_io_priority(struct pctx *p, json_t *o, struct cell_oci_process *proc)
{
	static const char *const classes[] = { "IOPRIO_CLASS_RT", "IOPRIO_CLASS_BE",
					       "IOPRIO_CLASS_IDLE" };
	_cleanup_free_ char *class = NULL;
	int64_t prio;
	int r;

	if ((r = get_str(p, o, "class", true, NULL, &class)) < 0)
		return r;
	proc->io_priority_class = 0;
	for (size_t i = 0; i < ELEMENTSOF(classes); i++)
		if (strcmp(class, classes[i]) == 0)
			proc->io_priority_class = (int)i + 1; /* IOPRIO_CLASS_RT is 1 */
	if (!proc->io_priority_class) {
		size_t old = path_key(p, "class");

		r = fail(p, "unknown I/O priority class \"%s\"", class);
		path_pop(p, old);
		return r;
	}
	if ((r = req_int(p, o, "priority", 0, 7, &prio)) < 0)
		return r;
	proc->io_priority = (int)prio;
	proc->has_io_priority = true;
	return 0;
}

static int parse_scheduler(struct pctx *p, json_t *o, struct cell_oci_process *proc)
{
	static const char *const policies[] = { "SCHED_OTHER", "SCHED_FIFO",  "SCHED_RR",
						"SCHED_BATCH", "SCHED_ISO",   "SCHED_IDLE",
						"SCHED_DEADLINE" };
	size_t old;
	int r;

	if ((r = get_str(p, o, "policy", true, NULL, &proc->scheduler_policy)) < 0)
		return r;
	proc->has_scheduler = true;
	for (size_t i = 0; i < ELEMENTSOF(policies); i++)
		if (strcmp(proc->scheduler_policy, policies[i]) == 0)
			return 0;
	old = path_key(p, "policy");
	r = fail(p, "unknown scheduling policy \"%s\"", proc->scheduler_policy);
	path_pop(p, old);
	return r;
}

static int parse_process(struct pctx *p, json_t *o, struct cell_oci_process *proc)
{
	json_t *sub;
	size_t old;
	int r;

	if ((r = get_bool(p, o, "terminal", &proc->terminal)) < 0)
		return r;

	if ((r = get_object(p, o, "consoleSize", &sub)) < 0)
		return r;
	if (sub) {
		/* struct winsize has unsigned short rows and columns. */
		int64_t h = 0, w = 0;

		old = path_key(p, "consoleSize");
		r = req_int(p, sub, "height", 0, USHRT_MAX, &h);
		if (r >= 0)
			r = req_int(p, sub, "width", 0, USHRT_MAX, &w);
		path_pop(p, old);
		if (r < 0)
			return r;
		proc->console_height = (unsigned)h;
		proc->console_width = (unsigned)w;
		proc->has_console_size = true;
	}

	if ((r = get_object(p, o, "user", &sub)) < 0)
		return r;
	if (sub) {
		old = path_key(p, "user");
		r = parse_user(p, sub, proc);
		path_pop(p, old);
		if (r < 0)
			return r;
	}

	if ((r = get_strv(p, o, "args", NULL, &proc->args)) < 0)
		return r;
	if (!proc->args)
		return missing(p, "args");
	if (!proc->args[0]) {
		old = path_key(p, "args");
		r = fail(p, "expected at least one argument");
		path_pop(p, old);
		return r;
	}
	if ((r = get_strv(p, o, "env", check_env, &proc->env)) < 0 ||
	    (r = get_str(p, o, "cwd", true, check_absolute, &proc->cwd)) < 0)
		return r;

	if ((r = get_object(p, o, "capabilities", &sub)) < 0)
		return r;
	if (sub) {
		old = path_key(p, "capabilities");
		r = parse_caps(p, sub, &proc->caps);
		path_pop(p, old);
		if (r < 0)
			return r;
	}

	if ((r = GET_LIST(p, o, "rlimits", parse_rlimit, proc->rlimits, proc->n_rlimits)) < 0)
		return r;
	for (size_t i = 0; i < proc->n_rlimits; i++)
		for (size_t j = 0; j < i; j++)
			if (proc->rlimits[i].type == proc->rlimits[j].type) {
				old = path_push(p, ".rlimits[%zu].type", i);
				r = fail(p, "the same type as .rlimits[%zu]: an rlimit can be "
					 "given once", j);
				path_pop(p, old);
				return r;
			}

	if ((r = get_bool(p, o, "noNewPrivileges", &proc->no_new_privileges)) < 0 ||
	    (r = get_int(p, o, "oomScoreAdj", -1000, 1000, &proc->oom_score_adj)) < 0 ||
	    (r = get_str(p, o, "apparmorProfile", false, NULL, &proc->apparmor_profile)) < 0 ||
	    (r = get_str(p, o, "selinuxLabel", false, NULL, &proc->selinux_label)) < 0)
		return r;

	if ((r = get_object(p, o, "ioPriority", &sub)) < 0)
		return r;
	if (sub) {
		old = path_key(p, "ioPriority");
		r = parse_io_priority(p, sub, proc);
		path_pop(p, old);
		if (r < 0)
			return r;
	}

	if ((r = get_object(p, o, "scheduler", &sub)) < 0)
		return r;
	if (sub) {
		old = path_key(p, "scheduler");
		r = parse_scheduler(p, sub, proc);
		path_pop(p, old);
		if (r < 0)
			return r;
	}

	if ((r = get_object(p, o, "execCPUAffinity", &sub)) < 0)
		return r;
	proc->has_exec_cpu_affinity = sub != NULL;
	return 0;
}

/* ---- mounts and hooks ---- */

static int parse_idmap(struct pctx *p, json_t *o, void *ret)
{
	struct cell_oci_idmap *m = ret;
	int64_t c, h, s;
	int r;

	if ((r = req_int(p, o, "containerID", 0, UINT32_MAX, &c)) < 0 ||
	    (r = req_int(p, o, "hostID", 0, UINT32_MAX, &h)) < 0 ||
	    (r = req_int(p, o, "size", 1, UINT32_MAX, &s)) < 0)
		return r;
	m->container_id = (uint32_t)c;
	m->host_id = (uint32_t)h;
	m->size = (uint32_t)s;
	return 0;
}

static int parse_mount(struct pctx *p, json_t *o, void *ret)
{
	struct cell_oci_mount *m = ret;
	int r;

	if ((r = get_str(p, o, "destination", true, check_absolute, &m->destination)) < 0 ||
	    (r = get_str(p, o, "type", false, NULL, &m->type)) < 0 ||
	    (r = get_str(p, o, "source", false, NULL, &m->source)) < 0 ||
	    (r = get_strv(p, o, "options", NULL, &m->options)) < 0 ||
	    (r = GET_LIST(p, o, "uidMappings", parse_idmap, m->uid_mappings,
			  m->n_uid_mappings)) < 0 ||
	    (r = GET_LIST(p, o, "gidMappings", parse_idmap, m->gid_mappings,
			  m->n_gid_mappings)) < 0)
		return r;
	return 0;
}

static int parse_hook(struct pctx *p, json_t *o, void *ret)
{
	struct cell_oci_hook *h = ret;
	struct cell_oci_int timeout = { 0 };
	int r;

	if ((r = get_str(p, o, "path", true, check_absolute, &h->path)) < 0 ||
	    (r = get_strv(p, o, "args", NULL, &h->args)) < 0 ||
	    (r = get_strv(p, o, "env", check_env, &h->env)) < 0 ||
	    (r = get_int(p, o, "timeout", 1, INT_MAX, &timeout)) < 0)
		return r;
	h->timeout = (int)timeout.value;
	return 0;
}

static int parse_hooks(struct pctx *p, json_t *o, struct cell_oci_config *c)
{
	for (int k = 0; k < CELL_OCI_HOOK_MAX; k++) {
		struct cell_oci_hooks *h = &c->hooks[k];
		int r = GET_LIST(p, o, hook_names[k], parse_hook, h->hooks, h->n);

		if (r < 0)
			return r;
	}
	return 0;
}

/* ---- linux ---- */

static int parse_namespace(struct pctx *p, json_t *o, void *ret)
{
	struct cell_oci_namespace *ns = ret;
	_cleanup_free_ char *type = NULL;
	size_t old;
	int r;

	if ((r = get_str(p, o, "type", true, NULL, &type)) < 0)
		return r;
	for (size_t i = 0; i < ELEMENTSOF(ns_table); i++)
		if (strcmp(type, ns_table[i].name) == 0) {
			ns->type = ns_table[i].type;
			return get_str(p, o, "path", false, check_absolute, &ns->path);
		}
	old = path_key(p, "type");
	r = fail(p, "unknown namespace type \"%s\"", type);
	path_pop(p, old);
	return r;
}

static const char *ns_oci_name(enum cell_ns_type t)
{
	for (size_t i = 0; i < ELEMENTSOF(ns_table); i++)
		if (ns_table[i].type == t)
			return ns_table[i].name;
	return "?";
}

static int parse_device(struct pctx *p, json_t *o, void *ret)
{
	struct cell_oci_device *d = ret;
	_cleanup_free_ char *type = NULL;
	int r;

	if ((r = get_str(p, o, "type", true, NULL, &type)) < 0)
		return r;
	if (strlen(type) != 1 || !strchr("cbup", type[0])) {
		size_t old = path_key(p, "type");

		r = fail(p, "unknown device type \"%s\" (c, b, u or p)", type);
		path_pop(p, old);
		return r;
	}
	d->type = type[0];
	if ((r = get_str(p, o, "path", true, check_absolute, &d->path)) < 0)
		return r;
	if (d->type == 'p') {
		d->major = d->minor = -1;
	} else if ((r = req_int(p, o, "major", 0, INT64_MAX, &d->major)) < 0 ||
		   (r = req_int(p, o, "minor", 0, INT64_MAX, &d->minor)) < 0) {
		return r;
	}
	/* fileMode may carry the file type bits too: podman writes 8630
	 * (S_IFCHR | 0666).  Use the permission bits. */
	if ((r = get_int(p, o, "fileMode", 0, UINT32_MAX, &d->file_mode)) < 0 ||
	    (r = get_int(p, o, "uid", 0, ID_MAX, &d->uid)) < 0 ||
	    (r = get_int(p, o, "gid", 0, ID_MAX, &d->gid)) < 0)
		return r;
	return 0;
}

/* Some of r, w, m, each once. */
static bool valid_access(const char *a)
{
	if (!a[0])
		return false;
	for (const char *c = a; *c; c++)
		if (!strchr("rwm", *c) || strchr(c + 1, *c))
			return false;
	return true;
}

static int parse_device_rule(struct pctx *p, json_t *o, void *ret)
{
	struct cell_oci_device_rule *d = ret;
	_cleanup_free_ char *type = NULL, *access = NULL;
	struct cell_oci_int major = { 0 }, minor = { 0 };
	size_t old;
	int r;

	if (!field(o, "allow"))
		return missing(p, "allow");
	if ((r = get_bool(p, o, "allow", &d->allow)) < 0 ||
	    (r = get_str(p, o, "type", false, NULL, &type)) < 0)
		return r;
	d->type = 'a';
	if (type) {
		if (strlen(type) != 1 || !strchr("acb", type[0])) {
			old = path_key(p, "type");
			r = fail(p, "unknown device type \"%s\" (a, c or b)", type);
			path_pop(p, old);
			return r;
		}
		d->type = type[0];
	}
	/* -1 is what Go tools write for "any" (the "*" of devices.allow). */
	if ((r = get_int(p, o, "major", -1, INT64_MAX, &major)) < 0 ||
	    (r = get_int(p, o, "minor", -1, INT64_MAX, &minor)) < 0 ||
	    (r = get_str(p, o, "access", false, NULL, &access)) < 0)
		return r;
	d->major = major.set ? major.value : -1;
	d->minor = minor.set ? minor.value : -1;
	if (!access) {
		strcpy(d->access, "rwm");
		return 0;
	}
	if (!valid_access(access)) {
		old = path_key(p, "access");
		r = fail(p, "expected some of the letters r, w, m, got \"%s\"", access);
		path_pop(p, old);
		return r;
	}
	strcpy(d->access, access);
	return 0;
}

static int parse_memory(struct pctx *p, json_t *o, struct cell_oci_resources *res)
{
	json_t *sw = field(o, "swappiness");
	int r;

	res->memory.present = true;
	if ((r = get_int(p, o, "limit", -1, INT64_MAX, &res->memory.limit)) < 0 ||
	    (r = get_int(p, o, "reservation", -1, INT64_MAX, &res->memory.reservation)) < 0 ||
	    (r = get_int(p, o, "swap", -1, INT64_MAX, &res->memory.swap)) < 0 ||
	    (r = get_int(p, o, "kernel", -1, INT64_MAX, &res->memory.kernel)) < 0 ||
	    (r = get_int(p, o, "kernelTCP", -1, INT64_MAX, &res->memory.kernel_tcp)) < 0 ||
	    (r = get_bool(p, o, "disableOOMKiller", &res->memory.disable_oom_killer)) < 0 ||
	    (r = get_bool(p, o, "useHierarchy", &res->memory.use_hierarchy)) < 0 ||
	    (r = get_bool(p, o, "checkBeforeUpdate", &res->memory.check_before_update)) < 0)
		return r;
	/* swappiness is a uint64; Docker writes (uint64)-1 for "not set", and
	 * runc takes it so. */
	if (is_big(sw) && strcmp(json_string_value(sw) + 1, "18446744073709551615") == 0)
		return 0;
	return get_int(p, o, "swappiness", 0, 100, &res->memory.swappiness);
}

static int parse_cpu(struct pctx *p, json_t *o, struct cell_oci_resources *res)
{
	int r;

	res->cpu.present = true;
	if ((r = get_int(p, o, "shares", 0, INT64_MAX, &res->cpu.shares)) < 0 ||
	    (r = get_int(p, o, "quota", -1, INT64_MAX, &res->cpu.quota)) < 0 ||
	    (r = get_int(p, o, "burst", 0, INT64_MAX, &res->cpu.burst)) < 0 ||
	    (r = get_int(p, o, "period", 0, INT64_MAX, &res->cpu.period)) < 0 ||
	    (r = get_int(p, o, "realtimeRuntime", -1, INT64_MAX, &res->cpu.realtime_runtime)) < 0 ||
	    (r = get_int(p, o, "realtimePeriod", 0, INT64_MAX, &res->cpu.realtime_period)) < 0 ||
	    (r = get_int(p, o, "idle", 0, 1, &res->cpu.idle)) < 0 ||
	    (r = get_str(p, o, "cpus", false, NULL, &res->cpu.cpus)) < 0 ||
	    (r = get_str(p, o, "mems", false, NULL, &res->cpu.mems)) < 0)
		return r;
	return 0;
}

static int parse_weight_device(struct pctx *p, json_t *o, void *ret)
{
	struct cell_oci_weight_device *d = ret;
	int r;

	if ((r = req_int(p, o, "major", 0, INT64_MAX, &d->major)) < 0 ||
	    (r = req_int(p, o, "minor", 0, INT64_MAX, &d->minor)) < 0 ||
	    (r = get_int(p, o, "weight", 0, UINT16_MAX, &d->weight)) < 0 ||
	    (r = get_int(p, o, "leafWeight", 0, UINT16_MAX, &d->leaf_weight)) < 0)
		return r;
	return 0;
}

static int parse_throttle_device(struct pctx *p, json_t *o, void *ret)
{
	struct cell_oci_throttle_device *d = ret;
	int r;

	if ((r = req_int(p, o, "major", 0, INT64_MAX, &d->major)) < 0 ||
	    (r = req_int(p, o, "minor", 0, INT64_MAX, &d->minor)) < 0 ||
	    (r = get_u64(p, o, "rate", true, &d->rate)) < 0)
		return r;
	return 0;
}

static int parse_block_io(struct pctx *p, json_t *o, struct cell_oci_resources *res)
{
	static const char *const throttle_keys[CELL_OCI_THROTTLE_MAX] = {
		[CELL_OCI_THROTTLE_READ_BPS] = "throttleReadBpsDevice",
		[CELL_OCI_THROTTLE_WRITE_BPS] = "throttleWriteBpsDevice",
		[CELL_OCI_THROTTLE_READ_IOPS] = "throttleReadIOPSDevice",
		[CELL_OCI_THROTTLE_WRITE_IOPS] = "throttleWriteIOPSDevice",
	};
	int r;

	res->block_io.present = true;
	if ((r = get_int(p, o, "weight", 0, UINT16_MAX, &res->block_io.weight)) < 0 ||
	    (r = get_int(p, o, "leafWeight", 0, UINT16_MAX, &res->block_io.leaf_weight)) < 0 ||
	    (r = GET_LIST(p, o, "weightDevice", parse_weight_device, res->block_io.weight_devices,
			  res->block_io.n_weight_devices)) < 0)
		return r;
	for (int k = 0; k < CELL_OCI_THROTTLE_MAX; k++) {
		r = GET_LIST(p, o, throttle_keys[k], parse_throttle_device,
			     res->block_io.throttle[k], res->block_io.n_throttle[k]);
		if (r < 0)
			return r;
	}
	return 0;
}

static int parse_hugepage_limit(struct pctx *p, json_t *o, void *ret)
{
	struct cell_oci_hugepage_limit *h = ret;
	int r;

	if ((r = get_str(p, o, "pageSize", true, check_not_empty, &h->page_size)) < 0 ||
	    (r = get_u64(p, o, "limit", true, &h->limit)) < 0)
		return r;
	return 0;
}

static int parse_net_priority(struct pctx *p, json_t *o, void *ret)
{
	struct cell_oci_net_priority *n = ret;
	int64_t prio;
	int r;

	if ((r = get_str(p, o, "name", true, check_not_empty, &n->name)) < 0 ||
	    (r = req_int(p, o, "priority", 0, UINT32_MAX, &prio)) < 0)
		return r;
	n->priority = (uint32_t)prio;
	return 0;
}

static int parse_network(struct pctx *p, json_t *o, struct cell_oci_resources *res)
{
	int r;

	res->network.present = true;
	r = get_int(p, o, "classID", 0, UINT32_MAX, &res->network.class_id);
	if (r < 0)
		return r;
	return GET_LIST(p, o, "priorities", parse_net_priority, res->network.priorities,
			res->network.n_priorities);
}

static int parse_rdma(struct pctx *p, json_t *o, struct cell_oci_resources *res)
{
	json_t *v;
	const char *k;
	int r = 0;

	res->rdma = calloc(json_object_size(o) ?: 1, sizeof(*res->rdma));
	if (!res->rdma)
		return oom(p);
	json_object_foreach(o, k, v) {
		struct cell_oci_rdma *d = &res->rdma[res->n_rdma++];
		size_t old = path_key(p, k);

		d->device = strdup(k);
		if (!d->device)
			r = oom(p);
		else if (!json_is_object(v))
			r = fail(p, "expected an object");
		else if ((r = get_int(p, v, "hcaHandles", 0, UINT32_MAX, &d->hca_handles)) >= 0)
			r = get_int(p, v, "hcaObjects", 0, UINT32_MAX, &d->hca_objects);
		path_pop(p, old);
		if (r < 0)
			break;
	}
	return r;
}

/* Call fn on the object at key, with the path pushed; absent is fine. */
static int with_object(struct pctx *p, json_t *obj, const char *key,
		       int (*fn)(struct pctx *, json_t *, struct cell_oci_resources *),
		       struct cell_oci_resources *res)
{
	json_t *sub;
	size_t old;
	int r;

	if ((r = get_object(p, obj, key, &sub)) < 0 || !sub)
		return r;
	old = path_key(p, key);
	r = fn(p, sub, res);
	path_pop(p, old);
	return r;
}

static int parse_pids(struct pctx *p, json_t *o, struct cell_oci_resources *res)
{
	res->pids.present = true;
	return get_int(p, o, "limit", INT64_MIN, INT64_MAX, &res->pids.limit);
}

static int parse_resources(struct pctx *p, json_t *o, struct cell_oci_resources *res)
{
	int r;

	res->present = true;
	if ((r = GET_LIST(p, o, "devices", parse_device_rule, res->devices, res->n_devices)) < 0 ||
	    (r = with_object(p, o, "memory", parse_memory, res)) < 0 ||
	    (r = with_object(p, o, "cpu", parse_cpu, res)) < 0 ||
	    (r = with_object(p, o, "pids", parse_pids, res)) < 0 ||
	    (r = with_object(p, o, "blockIO", parse_block_io, res)) < 0 ||
	    (r = GET_LIST(p, o, "hugepageLimits", parse_hugepage_limit, res->hugepage_limits,
			  res->n_hugepage_limits)) < 0 ||
	    (r = with_object(p, o, "network", parse_network, res)) < 0 ||
	    (r = with_object(p, o, "rdma", parse_rdma, res)) < 0 ||
	    (r = get_string_map(p, o, "unified", &res->unified, &res->n_unified)) < 0)
		return r;
	return 0;
}

static int parse_time_offsets(struct pctx *p, json_t *o, struct cell_oci_linux *l)
{
	json_t *v;
	const char *k;

	json_object_foreach(o, k, v) {
		struct cell_oci_time_offset *t = strcmp(k, "monotonic") == 0 ? &l->monotonic
						 : strcmp(k, "boottime") == 0  ? &l->boottime
									       : NULL;
		struct cell_oci_int secs = { 0 }, nsecs = { 0 };
		size_t old = path_key(p, k);
		int r;

		if (!t)
			r = fail(p, "unknown clock (monotonic or boottime)");
		else if (!json_is_object(v))
			r = fail(p, "expected an object");
		else if ((r = get_int(p, v, "secs", INT64_MIN, INT64_MAX, &secs)) >= 0)
			r = get_int(p, v, "nanosecs", 0, 999999999, &nsecs);
		path_pop(p, old);
		if (r < 0)
			return r;
		t->set = true;
		t->secs = secs.value;
		t->nanosecs = (uint32_t)nsecs.value;
	}
	return 0;
}

static int parse_personality(struct pctx *p, json_t *o, struct cell_oci_linux *l)
{
	_cleanup_free_ char *domain = NULL;
	size_t old;
	int r;

	if ((r = get_str(p, o, "domain", true, NULL, &domain)) < 0)
		return r;
	l->has_personality = true;
	if (strcmp(domain, "LINUX") == 0) {
		l->personality = PER_LINUX;
		return 0;
	}
	if (strcmp(domain, "LINUX32") == 0) {
		l->personality = PER_LINUX32;
		return 0;
	}
	old = path_key(p, "domain");
	r = fail(p, "unknown personality domain \"%s\" (LINUX or LINUX32)", domain);
	path_pop(p, old);
	return r;
}

static int parse_seccomp(struct pctx *p, json_t *v, struct cell_oci_linux *l)
{
	size_t old = path_key(p, "seccomp");
	int r = 0;

	if (!json_is_object(v)) {
		r = fail(p, "expected an object");
	} else {
		l->seccomp_json = json_dumps(v, JSON_COMPACT | JSON_ENSURE_ASCII);
		if (!l->seccomp_json)
			r = oom(p);
		else
			unmark_big(l->seccomp_json);
	}
	path_pop(p, old);
	return r;
}

static int parse_linux(struct pctx *p, json_t *o, struct cell_oci_linux *l)
{
	_cleanup_free_ char *propagation = NULL;
	json_t *sub;
	size_t old;
	int r;

	l->present = true;
	if ((r = GET_LIST(p, o, "namespaces", parse_namespace, l->namespaces, l->n_namespaces)) < 0)
		return r;
	for (size_t i = 0; i < l->n_namespaces; i++)
		for (size_t j = 0; j < i; j++)
			if (l->namespaces[i].type == l->namespaces[j].type) {
				old = path_push(p, ".namespaces[%zu].type", i);
				r = fail(p, "namespace type \"%s\" given twice",
					 ns_oci_name(l->namespaces[i].type));
				path_pop(p, old);
				return r;
			}

	if ((r = GET_LIST(p, o, "uidMappings", parse_idmap, l->uid_mappings, l->n_uid_mappings)) <
		    0 ||
	    (r = GET_LIST(p, o, "gidMappings", parse_idmap, l->gid_mappings, l->n_gid_mappings)) <
		    0 ||
	    (r = GET_LIST(p, o, "devices", parse_device, l->devices, l->n_devices)) < 0 ||
	    (r = get_str(p, o, "cgroupsPath", false, NULL, &l->cgroups_path)) < 0 ||
	    (r = with_object(p, o, "resources", parse_resources, &l->resources)) < 0 ||
	    (r = get_string_map(p, o, "sysctl", &l->sysctl, &l->n_sysctl)) < 0)
		return r;

	if ((sub = field(o, "seccomp")) && (r = parse_seccomp(p, sub, l)) < 0)
		return r;

	if ((r = get_str(p, o, "rootfsPropagation", false, NULL, &propagation)) < 0)
		return r;
	if (propagation) {
		for (size_t i = 0; i < ELEMENTSOF(propagation_table); i++)
			if (strcmp(propagation, propagation_table[i].name) == 0)
				l->rootfs_propagation = propagation_table[i].flags;
		if (!l->rootfs_propagation) {
			old = path_key(p, "rootfsPropagation");
			r = fail(p, "unknown propagation \"%s\" (private, rprivate, slave, "
				 "rslave, shared, rshared, unbindable or runbindable)",
				 propagation);
			path_pop(p, old);
			return r;
		}
	}

	if ((r = get_strv(p, o, "maskedPaths", check_absolute, &l->masked_paths)) < 0 ||
	    (r = get_strv(p, o, "readonlyPaths", check_absolute, &l->readonly_paths)) < 0 ||
	    (r = get_str(p, o, "mountLabel", false, NULL, &l->mount_label)) < 0)
		return r;

	if ((r = get_object(p, o, "personality", &sub)) < 0)
		return r;
	if (sub) {
		old = path_key(p, "personality");
		r = parse_personality(p, sub, l);
		path_pop(p, old);
		if (r < 0)
			return r;
	}

	if ((r = get_object(p, o, "timeOffsets", &sub)) < 0)
		return r;
	if (sub) {
		old = path_key(p, "timeOffsets");
		r = parse_time_offsets(p, sub, l);
		path_pop(p, old);
		if (r < 0)
			return r;
	}

	if ((r = get_object(p, o, "intelRdt", &sub)) < 0)
		return r;
	l->has_intel_rdt = sub != NULL;
	if ((r = get_object(p, o, "netDevices", &sub)) < 0)
		return r;
	l->has_net_devices = sub != NULL;
	return 0;
}

/* ---- the document ---- */

static int check_version(struct pctx *p, const char *version)
{
	const char *end;
	uint64_t major;
	size_t old;
	int r = 0;

	old = path_key(p, "ociVersion");
	if (cell_parse_u64_prefix(version, &end, &major) < 0 || (*end != '.' && *end != '\0'))
		r = fail(p, "\"%s\" is not a version", version);
	else if (major != 1)
		r = fail(p, "version %s is not supported (cell reads runtime-spec 1.x)", version);
	path_pop(p, old);
	return r;
}

static int parse_config(struct pctx *p, json_t *doc, struct cell_oci_config *c)
{
	json_t *sub;
	size_t old;
	int r;

	if (!json_is_object(doc))
		return fail(p, "expected an object");

	if ((r = get_str(p, doc, "ociVersion", true, NULL, &c->oci_version)) < 0 ||
	    (r = check_version(p, c->oci_version)) < 0)
		return r;

	if ((r = get_object(p, doc, "root", &sub)) < 0)
		return r;
	if (!sub)
		return missing(p, "root");
	old = path_key(p, "root");
	if ((r = get_str(p, sub, "path", true, check_not_empty, &c->root_path)) >= 0)
		r = get_bool(p, sub, "readonly", &c->root_readonly);
	path_pop(p, old);
	if (r < 0)
		return r;

	if ((r = get_object(p, doc, "process", &sub)) < 0)
		return r;
	if (sub) {
		c->process = calloc(1, sizeof(*c->process));
		if (!c->process)
			return oom(p);
		old = path_key(p, "process");
		r = parse_process(p, sub, c->process);
		path_pop(p, old);
		if (r < 0)
			return r;
	}

	if ((r = get_str(p, doc, "hostname", false, check_uts_name, &c->hostname)) < 0 ||
	    (r = get_str(p, doc, "domainname", false, check_uts_name, &c->domainname)) < 0 ||
	    (r = GET_LIST(p, doc, "mounts", parse_mount, c->mounts, c->n_mounts)) < 0)
		return r;

	if ((r = get_object(p, doc, "hooks", &sub)) < 0)
		return r;
	if (sub) {
		old = path_key(p, "hooks");
		r = parse_hooks(p, sub, c);
		path_pop(p, old);
		if (r < 0)
			return r;
	}

	if ((r = get_object(p, doc, "linux", &sub)) < 0)
		return r;
	if (sub) {
		old = path_key(p, "linux");
		r = parse_linux(p, sub, &c->lnx);
		path_pop(p, old);
		if (r < 0)
			return r;
	}
	/* "annotations" and fields of other platforms are not read. */
	return 0;
}

/* Parse text into a jansson tree, big integers marked (see is_big()). */
static int load_json(const char *text, size_t len, json_t **ret, struct cell_err *err)
{
	_cleanup_free_ char *copy = NULL;
	json_error_t jerr;
	size_t n;

	if (rewrite_big(text, len, NULL, &n) > 0) {
		copy = malloc(n);
		if (!copy)
			return cell_fail(err, ENOMEM, "JSON text");
		rewrite_big(text, len, copy, &n);
		text = copy;
		len = n;
	}
	*ret = json_loadb(text, len, 0, &jerr);
	if (!*ret)
		return cell_fail(err, 0, "line %d column %d: %s", jerr.line, jerr.column,
				 jerr.text);
	return 0;
}

json_t *cell_oci_json_load(const char *text, size_t len, struct cell_err *err)
{
	json_t *doc = NULL;

	return load_json(text, len, &doc, err) < 0 ? NULL : doc;
}

bool cell_oci_json_u64(const json_t *v, uint64_t *ret)
{
	if (json_is_integer(v) && json_integer_value(v) >= 0) {
		*ret = (uint64_t)json_integer_value(v);
		return true;
	}
	if (is_big(v)) {
		*ret = strtoull(json_string_value(v) + 1, NULL, 10);
		return true;
	}
	return false;
}

int cell_oci_config_parse(const char *json_text, size_t len, struct cell_oci_config *ret,
			  struct cell_err *err)
{
	struct pctx p = { .err = err };
	json_t *doc = NULL;
	int r;

	memset(ret, 0, sizeof(*ret));
	r = load_json(json_text, len, &doc, err);
	if (r < 0)
		return r;
	r = parse_config(&p, doc, ret);
	json_decref(doc);
	if (r < 0)
		cell_oci_config_clear(ret);
	return r;
}

int cell_oci_process_parse(const char *json_text, size_t len, struct cell_oci_process *ret,
			   struct cell_err *err)
{
	struct pctx p = { .err = err };
	json_t *doc = NULL;
	int r;

	memset(ret, 0, sizeof(*ret));
	r = load_json(json_text, len, &doc, err);
	if (r < 0)
		return r;
	r = json_is_object(doc) ? parse_process(&p, doc, ret) : fail(&p, "expected an object");
	json_decref(doc);
	if (r < 0)
		cell_oci_process_clear(ret);
	return r;
}

int cell_oci_config_load(int dirfd, const char *path, struct cell_oci_config *ret,
			 struct cell_err *err)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	int r;

	memset(ret, 0, sizeof(*ret));
	buf = cell_read_at(dirfd, path, CONFIG_SIZE_MAX, &len);
	if (!buf)
		return cell_fail(err, errno, "%s", path);
	r = cell_oci_config_parse(buf, len, ret, err);
	if (r < 0)
		(void)cell_err_prefix(err, "%s", path);
	return r;
}

void cell_oci_process_clear(struct cell_oci_process *p)
{
	if (!p)
		return;
	free(p->additional_gids);
	strv_free(p->args);
	strv_free(p->env);
	free(p->cwd);
	free(p->rlimits);
	free(p->apparmor_profile);
	free(p->selinux_label);
	free(p->scheduler_policy);
	memset(p, 0, sizeof(*p));
}

static void resources_clear(struct cell_oci_resources *r)
{
	free(r->devices);
	free(r->cpu.cpus);
	free(r->cpu.mems);
	free(r->block_io.weight_devices);
	for (int k = 0; k < CELL_OCI_THROTTLE_MAX; k++)
		free(r->block_io.throttle[k]);
	for (size_t i = 0; i < r->n_hugepage_limits; i++)
		free(r->hugepage_limits[i].page_size);
	free(r->hugepage_limits);
	for (size_t i = 0; i < r->network.n_priorities; i++)
		free(r->network.priorities[i].name);
	free(r->network.priorities);
	for (size_t i = 0; i < r->n_rdma; i++)
		free(r->rdma[i].device);
	free(r->rdma);
	kv_free(r->unified, r->n_unified);
}

void cell_oci_config_clear(struct cell_oci_config *c)
{
	struct cell_oci_linux *l;

	if (!c)
		return;
	l = &c->lnx;
	free(c->oci_version);
	if (c->process) {
		cell_oci_process_clear(c->process);
		free(c->process);
	}
	free(c->root_path);
	free(c->hostname);
	free(c->domainname);
	for (size_t i = 0; i < c->n_mounts; i++) {
		free(c->mounts[i].destination);
		free(c->mounts[i].type);
		free(c->mounts[i].source);
		strv_free(c->mounts[i].options);
		free(c->mounts[i].uid_mappings);
		free(c->mounts[i].gid_mappings);
	}
	free(c->mounts);
	for (int k = 0; k < CELL_OCI_HOOK_MAX; k++) {
		for (size_t i = 0; i < c->hooks[k].n; i++) {
			free(c->hooks[k].hooks[i].path);
			strv_free(c->hooks[k].hooks[i].args);
			strv_free(c->hooks[k].hooks[i].env);
		}
		free(c->hooks[k].hooks);
	}
	for (size_t i = 0; i < l->n_namespaces; i++)
		free(l->namespaces[i].path);
	free(l->namespaces);
	free(l->uid_mappings);
	free(l->gid_mappings);
	for (size_t i = 0; i < l->n_devices; i++)
		free(l->devices[i].path);
	free(l->devices);
	free(l->cgroups_path);
	resources_clear(&l->resources);
	kv_free(l->sysctl, l->n_sysctl);
	free(l->seccomp_json);
	strv_free(l->masked_paths);
	strv_free(l->readonly_paths);
	free(l->mount_label);
	memset(c, 0, sizeof(*c));
}

const char *cell_oci_hook_name(enum cell_oci_hook_kind kind)
{
	return (unsigned)kind < CELL_OCI_HOOK_MAX ? hook_names[kind] : NULL;
}

/* ---- mount options ---- */

int cell_oci_mount_options(char *const *options, struct cell_oci_mount_opts *ret,
			   struct cell_err *err)
{
	struct cell_oci_mount_opts o = { 0 };
	_cleanup_free_ char *data = NULL;
	size_t len = 0;

	memset(ret, 0, sizeof(*ret));
	for (char *const *opt = options; opt && *opt; opt++) {
		const char *s = *opt;
		bool done = false;
		char *d;

		if (!*s)
			continue;
		for (size_t i = 0; i < ELEMENTSOF(mount_flag_table) && !done; i++)
			if (strcmp(s, mount_flag_table[i].name) == 0) {
				if (mount_flag_table[i].clear)
					o.flags &= ~mount_flag_table[i].flag;
				else
					o.flags |= mount_flag_table[i].flag;
				done = true;
			}
		for (size_t i = 0; i < ELEMENTSOF(propagation_table) && !done; i++)
			if (strcmp(s, propagation_table[i].name) == 0) {
				o.propagation = propagation_table[i].flags;
				done = true;
			}
		for (size_t i = 0; i < ELEMENTSOF(rec_attr_table) && !done; i++)
			if (strcmp(s, rec_attr_table[i].name) == 0) {
				uint64_t a = rec_attr_table[i].attr;

				if (rec_attr_table[i].atime) {
					/* mount_setattr(2): a new atime mode needs
					 * the whole MOUNT_ATTR__ATIME in attr_clr. */
					o.attr_set &= ~(uint64_t)MOUNT_ATTR__ATIME;
					o.attr_set |= a;
					o.attr_clr |= MOUNT_ATTR__ATIME;
				} else if (rec_attr_table[i].clear) {
					o.attr_clr |= a;
					o.attr_set &= ~a;
				} else {
					o.attr_set |= a;
					o.attr_clr &= ~a;
				}
				done = true;
			}
		if (done)
			continue;
		if (strcmp(s, "tmpcopyup") == 0) {
			o.tmpcopyup = true;
			continue;
		}
		if (strcmp(s, "idmap") == 0 || strcmp(s, "ridmap") == 0) {
			*(s[0] == 'r' ? &o.ridmap : &o.idmap) = true;
			continue;
		}
		if (strncmp(s, "idmap=", 6) == 0 || strncmp(s, "ridmap=", 7) == 0)
			return cell_fail(err, 0, "mount option %s: mappings in the option are "
					 "not supported (give the mount uidMappings and "
					 "gidMappings)", s);
		/* Everything else is the filesystem's: "mode=755", "size=64k". */
		if (len + strlen(s) + 2 > MOUNT_DATA_MAX)
			return cell_fail(err, 0, "mount options: the filesystem's options are "
					 "longer than mount(2) takes (%d bytes)", MOUNT_DATA_MAX);
		d = realloc(data, len + strlen(s) + 2);
		if (!d)
			return cell_fail(err, ENOMEM, "mount options");
		data = d;
		if (len)
			data[len++] = ',';
		strcpy(data + len, s);
		len += strlen(s);
	}
	o.bind = (o.flags & MS_BIND) != 0;
	o.recursive = o.bind && (o.flags & MS_REC);
	o.data = TAKE_PTR(data);
	*ret = o;
	return 0;
}

void cell_oci_mount_opts_clear(struct cell_oci_mount_opts *o)
{
	if (!o)
		return;
	free(o->data);
	memset(o, 0, sizeof(*o));
}

/* ---- documents ---- */

static json_t *json_strv(const char *const *v, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < n; i++)
		if (json_array_append_new(a, json_string(v[i])) < 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

#define JSON_STRV(...)                                                                             \
	json_strv((const char *const[]){ __VA_ARGS__ },                                            \
		  sizeof((const char *const[]){ __VA_ARGS__ }) / sizeof(const char *))

/* Pretty text with a final newline, or NULL; consumes doc. */
static char *dump(json_t *doc)
{
	char *s, *t;
	size_t n;

	if (!doc)
		return NULL;
	s = json_dumps(doc, JSON_INDENT(2));
	json_decref(doc);
	if (!s)
		return NULL;
	n = strlen(s);
	t = realloc(s, n + 2);
	if (!t) {
		free(s);
		return NULL;
	}
	t[n] = '\n';
	t[n + 1] = '\0';
	return t;
}

static json_t *mount_json(const char *dst, const char *type, const char *src, json_t *options)
{
	return json_pack("{s:s, s:s, s:s, s:o}", "destination", dst, "type", type, "source", src,
			 "options", options);
}

static json_t *idmap_json(unsigned host_id)
{
	return json_pack("[{s:i, s:I, s:i}]", "containerID", 0, "hostID", (json_int_t)host_id,
			 "size", 1);
}

char *cell_oci_spec_default(bool rootless)
{
	/* runc spec's capabilities: what a shell needs, nothing that
	 * administers anything. */
	json_t *caps = JSON_STRV("CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE");
	json_t *process, *mounts, *lx, *namespaces;

	process = json_pack(
		"{s:b, s:{s:i, s:i}, s:o, s:o, s:s, s:{s:O, s:O, s:O}, s:[{s:s, s:i, s:i}], s:b}",
		"terminal", 1, "user", "uid", 0, "gid", 0, "args", JSON_STRV("sh"), "env",
		JSON_STRV("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
			  "TERM=xterm"),
		"cwd", "/", "capabilities", "bounding", caps, "effective", caps, "permitted", caps,
		"rlimits", "type", "RLIMIT_NOFILE", "soft", 1024, "hard", 1024, "noNewPrivileges",
		1);
	json_decref(caps);

	/* /sys: a fresh sysfs needs a network namespace owned by the same user
	 * namespace, which an unprivileged caller cannot count on; rootless
	 * binds the host's read-only instead.  devpts gid=5 (tty) does not
	 * exist in a single-id user namespace. */
	mounts = json_pack(
		"[o, o, o, o, o, o, o]",
		mount_json("/proc", "proc", "proc", JSON_STRV("nosuid", "noexec", "nodev")),
		mount_json("/dev", "tmpfs", "tmpfs",
			   JSON_STRV("nosuid", "strictatime", "mode=755", "size=65536k")),
		rootless ? mount_json("/dev/pts", "devpts", "devpts",
				      JSON_STRV("nosuid", "noexec", "newinstance", "ptmxmode=0666",
						"mode=0620"))
			 : mount_json("/dev/pts", "devpts", "devpts",
				      JSON_STRV("nosuid", "noexec", "newinstance", "ptmxmode=0666",
						"mode=0620", "gid=5")),
		mount_json("/dev/shm", "tmpfs", "shm",
			   JSON_STRV("nosuid", "noexec", "nodev", "mode=1777", "size=65536k")),
		mount_json("/dev/mqueue", "mqueue", "mqueue",
			   JSON_STRV("nosuid", "noexec", "nodev")),
		rootless ? mount_json("/sys", "none", "/sys",
				      JSON_STRV("rbind", "nosuid", "noexec", "nodev", "ro"))
			 : mount_json("/sys", "sysfs", "sysfs",
				      JSON_STRV("nosuid", "noexec", "nodev", "ro")),
		mount_json("/sys/fs/cgroup", "cgroup", "cgroup",
			   JSON_STRV("nosuid", "noexec", "nodev", "relatime", "ro")));

	namespaces = json_pack("[{s:s}, {s:s}, {s:s}, {s:s}, {s:s}, {s:s}]", "type", "pid", "type",
			       "network", "type", "ipc", "type", "uts", "type", "mount", "type",
			       "cgroup");
	if (rootless && namespaces &&
	    json_array_append_new(namespaces, json_pack("{s:s}", "type", "user")) < 0) {
		json_decref(namespaces);
		namespaces = NULL;
	}

	lx = json_pack(
		"{s:o, s:o, s:o}", "namespaces", namespaces, "maskedPaths",
		JSON_STRV("/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
			  "/proc/latency_stats", "/proc/sched_debug", "/proc/scsi",
			  "/proc/timer_list", "/proc/timer_stats", "/sys/devices/virtual/powercap",
			  "/sys/firmware"),
		"readonlyPaths",
		JSON_STRV("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
			  "/proc/sysrq-trigger"));
	if (lx && rootless) {
		/* Root inside is the caller outside; nothing else is mapped. */
		if (json_object_set_new(lx, "uidMappings", idmap_json(geteuid())) < 0 ||
		    json_object_set_new(lx, "gidMappings", idmap_json(getegid())) < 0) {
			json_decref(lx);
			lx = NULL;
		}
	} else if (lx) {
		/* Root may set up the device cgroup: no device but those the
		 * runtime creates. */
		if (json_object_set_new(lx, "resources",
					json_pack("{s:[{s:b, s:s}]}", "devices", "allow", 0,
						  "access", "rwm")) < 0) {
			json_decref(lx);
			lx = NULL;
		}
	}

	return dump(json_pack("{s:s, s:o, s:{s:s, s:b}, s:s, s:o, s:o}", "ociVersion",
			      OCI_VERSION_MAX, "process", process, "root", "path", "rootfs",
			      "readonly", 1, "hostname", "cell", "mounts", mounts, "linux", lx));
}

static json_t *mount_options_json(void)
{
	json_t *a = json_array();
	int r = a ? 0 : -1;

	for (size_t i = 0; r >= 0 && i < ELEMENTSOF(mount_flag_table); i++)
		r = json_array_append_new(a, json_string(mount_flag_table[i].name));
	for (size_t i = 0; r >= 0 && i < ELEMENTSOF(propagation_table); i++)
		r = json_array_append_new(a, json_string(propagation_table[i].name));
	for (size_t i = 0; r >= 0 && i < ELEMENTSOF(rec_attr_table); i++)
		r = json_array_append_new(a, json_string(rec_attr_table[i].name));
	for (size_t i = 0; r >= 0 && i < ELEMENTSOF(mount_extension_options); i++)
		r = json_array_append_new(a, json_string(mount_extension_options[i]));
	if (r < 0) {
		json_decref(a);
		return NULL;
	}
	return a;
}

char *cell_oci_features(void)
{
	const char *caps[CELL_CAP_LAST + 1], *ns[ELEMENTSOF(ns_table)];

	for (int i = 0; i <= CELL_CAP_LAST; i++)
		caps[i] = cell_caps_name(i);
	for (size_t i = 0; i < ELEMENTSOF(ns_table); i++)
		ns[i] = ns_table[i].name;

	return dump(json_pack(
		"{s:s, s:s, s:o, s:o, s:{s:o, s:o, s:{s:b, s:b, s:b, s:b, s:b}, "
		"s:{s:b, s:o, s:o, s:o, s:o, s:o}, s:{s:b}, s:{s:b}, s:{s:b}, s:{s:{s:b}}}}",
		"ociVersionMin", OCI_VERSION_MIN, "ociVersionMax", OCI_VERSION_MAX, "hooks",
		json_strv(hook_names, CELL_OCI_HOOK_MAX), "mountOptions", mount_options_json(),
		"linux", "namespaces", json_strv(ns, ELEMENTSOF(ns)), "capabilities",
		json_strv(caps, ELEMENTSOF(caps)), "cgroup", "v1", 1, "v2", 1, "systemd", 0,
		"systemdUser", 0, "rdma", 0, "seccomp", "enabled", 1, "actions",
		json_strv(seccomp_actions, ELEMENTSOF(seccomp_actions)), "operators",
		json_strv(seccomp_operators, ELEMENTSOF(seccomp_operators)), "archs",
		json_strv(seccomp_archs, ELEMENTSOF(seccomp_archs)), "knownFlags",
		json_strv(seccomp_known_flags, ELEMENTSOF(seccomp_known_flags)), "supportedFlags",
		json_strv(seccomp_supported_flags, ELEMENTSOF(seccomp_supported_flags)), "apparmor",
		"enabled", 0, "selinux", "enabled", 0, "intelRdt", "enabled", 0, "mountExtensions",
		"idmap", "enabled", 1));
}
