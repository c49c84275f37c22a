/* ociseccomp.c - an OCI config's linux.seccomp as a cell seccomp policy.
 *
 * runtime-spec config-linux.md "Seccomp", seccomp(2), seccomp_rule_add(3);
 * what each member means, and where cell follows runc or crun, is in
 * ociseccomp.h.  Pure: reads the JSON, fills a struct cell_seccomp_policy.
 */
#define _GNU_SOURCE
#include "ociseccomp.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/cleanup.h"
#include "ociconfig.h"

#define ROOT ".linux.seccomp"
#define PATH_MAX_LEN 96

struct action_name {
	const char *name;
	enum cell_seccomp_action action;
	int max_errno; /* errnoRet allowed up to this; -1: no errnoRet */
};

static const struct action_name actions[] = {
	{ "SCMP_ACT_ALLOW", CELL_SECCOMP_ALLOW, -1 },
	/* MAX_ERRNO: the kernel returns no larger errno */
	{ "SCMP_ACT_ERRNO", CELL_SECCOMP_ERRNO, 4095 },
	/* libseccomp: #define SCMP_ACT_KILL SCMP_ACT_KILL_THREAD */
	{ "SCMP_ACT_KILL", CELL_SECCOMP_KILL_THREAD, -1 },
	{ "SCMP_ACT_KILL_THREAD", CELL_SECCOMP_KILL_THREAD, -1 },
	{ "SCMP_ACT_KILL_PROCESS", CELL_SECCOMP_KILL, -1 },
	{ "SCMP_ACT_TRAP", CELL_SECCOMP_TRAP, -1 },
	/* the 16 bits of SECCOMP_RET_DATA */
	{ "SCMP_ACT_TRACE", CELL_SECCOMP_TRACE, 0xffff },
	{ "SCMP_ACT_LOG", CELL_SECCOMP_LOG, -1 },
};

static const struct {
	const char *name;
	enum cell_seccomp_op op;
} ops[] = {
	{ "SCMP_CMP_NE", CELL_SECCOMP_NE },	 { "SCMP_CMP_LT", CELL_SECCOMP_LT },
	{ "SCMP_CMP_LE", CELL_SECCOMP_LE },	 { "SCMP_CMP_EQ", CELL_SECCOMP_EQ },
	{ "SCMP_CMP_GE", CELL_SECCOMP_GE },	 { "SCMP_CMP_GT", CELL_SECCOMP_GT },
	{ "SCMP_CMP_MASKED_EQ", CELL_SECCOMP_MASKED_EQ },
};

static int fail(struct cell_err *err, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct cell_err *err, const char *path, const char *fmt, ...)
{
	char msg[CELL_ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return cell_fail(err, EINVAL, "%s: %s", path, msg);
}

/* A JSON path into buf (a longer one is cut: only messages use it). */
static void join(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void join(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, size, fmt, ap);
	va_end(ap);
}

/* obj's member key, NULL when absent or null (Go's decoder reads both as
 * absent). */
static json_t *member(const json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	return json_is_null(v) ? NULL : v;
}

/* An unsigned JSON integer up to max (above INT64_MAX as marked by
 * cell_oci_json_load). */
static int get_uint(const json_t *v, const char *path, uint64_t max, uint64_t *ret,
		    struct cell_err *err)
{
	uint64_t x;

	if (!cell_oci_json_u64(v, &x)) {
		if (json_is_integer(v))
			return fail(err, path, "expected an integer from 0 to %llu, got %lld",
				    (unsigned long long)max, (long long)json_integer_value(v));
		return fail(err, path, "expected an integer from 0 to %llu",
			    (unsigned long long)max);
	}
	if (x > max)
		return fail(err, path, "expected an integer from 0 to %llu, got %llu",
			    (unsigned long long)max, (unsigned long long)x);
	*ret = x;
	return 0;
}

/* The string member key of obj; NULL and 0 when absent and optional. */
static int get_string(const json_t *obj, const char *path, const char *key, bool required,
		      const char **ret, struct cell_err *err)
{
	json_t *v = member(obj, key);
	char sub[PATH_MAX_LEN];

	*ret = NULL;
	join(sub, sizeof(sub), "%s.%s", path, key);
	if (!v)
		return required ? fail(err, sub, "missing") : 0;
	if (!json_is_string(v))
		return fail(err, sub, "expected a string");
	*ret = json_string_value(v);
	return 0;
}

/* The array member key of obj; NULL and 0 when absent. */
static int get_array(const json_t *obj, const char *path, const char *key, json_t **ret,
		     struct cell_err *err)
{
	json_t *v = member(obj, key);
	char sub[PATH_MAX_LEN];

	*ret = v;
	join(sub, sizeof(sub), "%s.%s", path, key);
	if (v && !json_is_array(v))
		return fail(err, sub, "expected an array");
	return 0;
}

/* obj's action_key and errno_key (defaultAction/defaultErrnoRet or
 * action/errnoRet). */
static int get_action(const json_t *obj, const char *path, const char *action_key,
		      const char *errno_key, enum cell_seccomp_action *ret, int *ret_errnum,
		      struct cell_err *err)
{
	const struct action_name *a = NULL;
	char sub[PATH_MAX_LEN];
	const char *name;
	json_t *e;
	uint64_t v;
	int r;

	r = get_string(obj, path, action_key, true, &name, err);
	if (r < 0)
		return r;
	join(sub, sizeof(sub), "%s.%s", path, action_key);
	for (size_t i = 0; i < ELEMENTSOF(actions) && !a; i++)
		if (strcmp(name, actions[i].name) == 0)
			a = &actions[i];
	if (!a && strcmp(name, "SCMP_ACT_NOTIFY") == 0)
		return fail(err, sub,
			    "SCMP_ACT_NOTIFY is not supported (cell has no seccomp notification "
			    "agent support)");
	if (!a)
		return fail(err, sub, "unknown action \"%.64s\"", name);
	*ret = a->action;
	/* The spec: EPERM when errnoRet is absent, for ERRNO and TRACE alike. */
	*ret_errnum = a->max_errno < 0 ? 0 : EPERM;
	e = member(obj, errno_key);
	if (!e)
		return 0;
	join(sub, sizeof(sub), "%s.%s", path, errno_key);
	if (a->max_errno < 0)
		return fail(err, sub, "%s takes no errno (only SCMP_ACT_ERRNO and SCMP_ACT_TRACE do)",
			    name);
	r = get_uint(e, sub, (uint64_t)a->max_errno, &v, err);
	if (r < 0)
		return r;
	*ret_errnum = (int)v;
	return 0;
}

static int get_arches(const json_t *seccomp, struct cell_seccomp_policy *p, struct cell_err *err)
{
	static const char prefix[] = "SCMP_ARCH_";
	char path[PATH_MAX_LEN];
	json_t *list, *v;
	size_t i;
	int r = get_array(seccomp, ROOT, "architectures", &list, err);

	if (r < 0 || !list)
		return r;
	json_array_foreach(list, i, v) {
		const char *s = json_string_value(v);
		char lower[32];
		uint32_t arch = 0;
		size_t n;

		join(path, sizeof(path), ROOT ".architectures[%zu]", i);
		if (!s)
			return fail(err, path, "expected a string");
		/* SCMP_ARCH_ plus libseccomp's name in capitals */
		n = strlen(s);
		if (strncmp(s, prefix, sizeof(prefix) - 1) == 0 &&
		    n - (sizeof(prefix) - 1) < sizeof(lower)) {
			const char *t = s + sizeof(prefix) - 1;
			bool upper = true;

			for (size_t k = 0; t[k]; k++) {
				upper = upper && ((t[k] >= 'A' && t[k] <= 'Z') ||
						  (t[k] >= '0' && t[k] <= '9') || t[k] == '_');
				lower[k] = (t[k] >= 'A' && t[k] <= 'Z') ? (char)(t[k] - 'A' + 'a')
									  : t[k];
			}
			lower[n - (sizeof(prefix) - 1)] = '\0';
			if (upper)
				arch = cell_seccomp_arch_from_name(lower);
		}
		if (!arch)
			return fail(err, path, "unknown architecture \"%.64s\"", s);
		r = cell_seccomp_policy_add_arch(p, arch, err);
		if (r < 0)
			return cell_err_prefix(err, "%s", path);
	}
	return 0;
}

static int get_flags(const json_t *seccomp, struct cell_seccomp_policy *p, struct cell_err *err)
{
	char path[PATH_MAX_LEN];
	json_t *list, *v;
	size_t i;
	int r = get_array(seccomp, ROOT, "flags", &list, err);

	if (r < 0 || !list)
		return r;
	json_array_foreach(list, i, v) {
		const char *s = json_string_value(v);

		join(path, sizeof(path), ROOT ".flags[%zu]", i);
		if (!s)
			return fail(err, path, "expected a string");
		if (strcmp(s, "SECCOMP_FILTER_FLAG_LOG") == 0)
			p->filter_flags |= CELL_SECCOMP_FLAG_LOG;
		else if (strcmp(s, "SECCOMP_FILTER_FLAG_SPEC_ALLOW") == 0)
			p->filter_flags |= CELL_SECCOMP_FLAG_SPEC_ALLOW;
		/* TSYNC: the filter is loaded by a single-threaded process.
		 * WAIT_KILLABLE_RECV: only with a listener, which cell never
		 * makes (the kernel refuses it alone).  See ociseccomp.h. */
		else if (strcmp(s, "SECCOMP_FILTER_FLAG_TSYNC") != 0 &&
			 strcmp(s, "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV") != 0)
			return fail(err, path,
				    "unknown flag \"%.64s\" (SECCOMP_FILTER_FLAG_TSYNC, _LOG, "
				    "_SPEC_ALLOW or _WAIT_KILLABLE_RECV)",
				    s);
	}
	return 0;
}

static int get_listener(const json_t *seccomp, struct cell_err *err)
{
	const char *listener, *metadata;
	int r = get_string(seccomp, ROOT, "listenerPath", false, &listener, err);

	if (r < 0)
		return r;
	r = get_string(seccomp, ROOT, "listenerMetadata", false, &metadata, err);
	if (r < 0)
		return r;
	if (metadata && !listener)
		return fail(err, ROOT ".listenerMetadata", "set without listenerPath");
	/* Without SCMP_ACT_NOTIFY (refused) the spec ignores listenerPath. */
	return 0;
}

/* One args[] entry. */
static int get_cond(const json_t *arg, const char *path, struct cell_seccomp_cond *ret,
		    struct cell_err *err)
{
	char sub[PATH_MAX_LEN];
	uint64_t index, value, value2 = 0;
	const char *op;
	json_t *v;
	size_t i;
	int r;

	if (!json_is_object(arg))
		return fail(err, path, "expected an object");
	join(sub, sizeof(sub), "%s.index", path);
	v = member(arg, "index");
	if (!v)
		return fail(err, sub, "missing");
	r = get_uint(v, sub, CELL_SECCOMP_ARGS - 1, &index, err);
	if (r < 0)
		return r;
	join(sub, sizeof(sub), "%s.value", path);
	v = member(arg, "value");
	if (!v)
		return fail(err, sub, "missing");
	r = get_uint(v, sub, UINT64_MAX, &value, err);
	if (r < 0)
		return r;
	join(sub, sizeof(sub), "%s.valueTwo", path);
	v = member(arg, "valueTwo");
	if (v && (r = get_uint(v, sub, UINT64_MAX, &value2, err)) < 0)
		return r;
	r = get_string(arg, path, "op", true, &op, err);
	if (r < 0)
		return r;
	for (i = 0; i < ELEMENTSOF(ops); i++)
		if (strcmp(op, ops[i].name) == 0)
			break;
	join(sub, sizeof(sub), "%s.op", path);
	if (i == ELEMENTSOF(ops))
		return fail(err, sub, "unknown operator \"%.64s\"", op);
	*ret = (struct cell_seccomp_cond){ .arg = (unsigned)index, .op = ops[i].op };
	/* libseccomp's SCMP_CMP_MASKED_EQ: datum_a is the mask, datum_b the
	 * value; the other operators use datum_a only. */
	if (ops[i].op == CELL_SECCOMP_MASKED_EQ) {
		ret->mask = value;
		ret->value = value2;
	} else {
		ret->value = value;
	}
	return 0;
}

static bool is_identifier(const char *s)
{
	if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_'))
		return false;
	for (s++; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_'))
			return false;
	return true;
}

/* syscalls[index]: its rules, for each known name, appended to p. */
static int get_syscall(const json_t *sc, size_t index, struct cell_seccomp_policy *p,
		       struct cell_err *err)
{
	struct cell_seccomp_rule rule = { 0 };
	_cleanup_free_ struct cell_seccomp_cond *conds = NULL;
	char path[PATH_MAX_LEN], sub[PATH_MAX_LEN];
	size_t n_conds;
	unsigned seen = 0;
	bool split = false, same_as_default;
	json_t *names, *args, *v;
	size_t i;
	int r;

	join(path, sizeof(path), ROOT ".syscalls[%zu]", index);
	if (!json_is_object(sc))
		return fail(err, path, "expected an object");
	r = get_action(sc, path, "action", "errnoRet", &rule.action, &rule.errnum, err);
	if (r < 0)
		return r;

	r = get_array(sc, path, "args", &args, err);
	if (r < 0)
		return r;
	n_conds = json_array_size(args);
	conds = calloc(n_conds ?: 1, sizeof(*conds));
	if (!conds)
		return cell_fail(err, ENOMEM, "%s", path);
	json_array_foreach(args, i, v) {
		join(sub, sizeof(sub), "%s.args[%zu]", path, i);
		r = get_cond(v, sub, &conds[i], err);
		if (r < 0)
			return r;
		/* More than 6 args always repeat an index. */
		if (seen & (1u << conds[i].arg))
			split = true;
		seen |= 1u << conds[i].arg;
	}

	r = get_array(sc, path, "names", &names, err);
	if (r < 0)
		return r;
	join(sub, sizeof(sub), "%s.names", path);
	if (!names)
		return fail(err, sub, "missing");
	if (json_array_size(names) == 0)
		return fail(err, sub, "empty (the spec wants at least one name)");
	json_array_foreach(names, i, v) {
		const char *name = json_string_value(v);

		join(sub, sizeof(sub), "%s.names[%zu]", path, i);
		if (!name)
			return fail(err, sub, "expected a string");
		if (!is_identifier(name))
			return fail(err, sub, "\"%.64s\" is not a system call name", name);
	}

	/* Every input is checked; now the rules.  Same action as the default:
	 * nothing to add (libseccomp refuses such rules; runc and crun skip
	 * them). */
	same_as_default = rule.action == p->default_action &&
			  ((rule.action != CELL_SECCOMP_ERRNO && rule.action != CELL_SECCOMP_TRACE) ||
			   rule.errnum == p->default_errnum);
	if (same_as_default)
		return 0;
	json_array_foreach(names, i, v) {
		const char *name = json_string_value(v);

		/* Unknown to libseccomp: another architecture's or a newer
		 * kernel's call, skipped as runc and crun do. */
		if (!cell_seccomp_syscall_known(name))
			continue;
		join(sub, sizeof(sub), "%s.names[%zu]", path, i);
		if (strlen(name) >= sizeof(rule.syscall))
			return fail(err, sub, "\"%s\" is too long", name);
		memset(rule.syscall, 0, sizeof(rule.syscall));
		memcpy(rule.syscall, name, strlen(name));
		if (!split) {
			/* all args must hold: one rule */
			rule.n_conds = (unsigned)n_conds;
			memcpy(rule.conds, conds, sizeof(conds[0]) * n_conds);
			r = cell_seccomp_policy_append(p, &rule, err);
			if (r < 0)
				return cell_err_prefix(err, "%s", sub);
			continue;
		}
		/* An index given twice: libseccomp cannot AND two comparisons
		 * of one argument, so each arg is a rule of its own, as in
		 * runc and crun (any one holding is enough). */
		rule.n_conds = 1;
		for (size_t k = 0; k < n_conds; k++) {
			rule.conds[0] = conds[k];
			r = cell_seccomp_policy_append(p, &rule, err);
			if (r < 0)
				return cell_err_prefix(err, "%s", sub);
		}
	}
	return 0;
}

int cell_oci_seccomp_policy(const json_t *seccomp, struct cell_seccomp_policy **ret,
			    struct cell_err *err)
{
	_cleanup_(cell_seccomp_policy_freep) struct cell_seccomp_policy *p = NULL;
	json_t *syscalls, *v;
	size_t i;
	int r;

	if (!seccomp || json_is_null(seccomp)) {
		*ret = NULL;
		return 0;
	}
	if (!json_is_object(seccomp))
		return fail(err, ROOT, "expected an object");
	p = cell_seccomp_policy_new();
	if (!p)
		return cell_fail(err, ENOMEM, ROOT);
	r = get_action(seccomp, ROOT, "defaultAction", "defaultErrnoRet", &p->default_action,
		       &p->default_errnum, err);
	if (r < 0)
		return r;
	r = get_arches(seccomp, p, err);
	if (r < 0)
		return r;
	r = get_flags(seccomp, p, err);
	if (r < 0)
		return r;
	r = get_listener(seccomp, err);
	if (r < 0)
		return r;
	r = get_array(seccomp, ROOT, "syscalls", &syscalls, err);
	if (r < 0)
		return r;
	json_array_foreach(syscalls, i, v) {
		r = get_syscall(v, i, p, err);
		if (r < 0)
			return r;
	}
	*ret = TAKE_PTR(p);
	return 0;
}

int cell_oci_seccomp_policy_parse(const char *text, struct cell_seccomp_policy **ret,
				  struct cell_err *err)
{
	json_t *root;
	int r;

	if (!text) {
		*ret = NULL;
		return 0;
	}
	/* Not json_loads(): it refuses integers above INT64_MAX, which are
	 * valid uint64 values and usual masks. */
	root = cell_oci_json_load(text, strlen(text), err);
	if (!root)
		return cell_err_prefix(err, ROOT);
	r = cell_oci_seccomp_policy(root, ret, err);
	json_decref(root);
	return r;
}
