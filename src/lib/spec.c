/* spec.c - struct cell_spec: defaults, names, validation.  Pure code. */
#define _GNU_SOURCE
#include "spec.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"

static const char *const ns_names[CELL_NS_MAX] = {
	[CELL_NS_USER] = "user", [CELL_NS_MNT] = "mnt",	      [CELL_NS_PID] = "pid",
	[CELL_NS_NET] = "net",	 [CELL_NS_IPC] = "ipc",	      [CELL_NS_UTS] = "uts",
	[CELL_NS_CGROUP] = "cgroup", [CELL_NS_TIME] = "time",
};

const char *cell_ns_name(enum cell_ns_type t)
{
	return (unsigned)t < CELL_NS_MAX ? ns_names[t] : NULL;
}

int cell_ns_from_name(const char *name)
{
	for (int i = 0; i < CELL_NS_MAX; i++)
		if (strcmp(name, ns_names[i]) == 0)
			return i;
	/* util-linux spells the mount namespace both ways. */
	if (strcmp(name, "mount") == 0)
		return CELL_NS_MNT;
	return -1;
}

int cell_ns_parse_list(const char *list, unsigned *ret_mask, struct cell_err *err)
{
	unsigned mask = 0;
	const char *p = list;

	if (!*list)
		return cell_fail(err, 0, "empty namespace list");
	for (;;) {
		const char *end = strchrnul(p, ',');
		char name[16];
		size_t len = (size_t)(end - p);
		int t;

		if (len == 0 || len >= sizeof(name))
			return cell_fail(err, 0, "bad namespace name '%.*s' (use %s)", (int)len, p,
					 "user,mnt,pid,net,ipc,uts,cgroup,time");
		memcpy(name, p, len);
		name[len] = '\0';
		t = cell_ns_from_name(name);
		if (t < 0)
			return cell_fail(err, 0, "unknown namespace '%s' (use %s)", name,
					 "user,mnt,pid,net,ipc,uts,cgroup,time");
		mask |= CELL_NS_BIT(t);
		if (!*end)
			break;
		p = end + 1;
	}
	*ret_mask = mask;
	return 0;
}

struct cell_spec *cell_spec_new(void)
{
	struct cell_spec *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->ns = CELL_NS_DEFAULT;
	s->id_mode = CELL_ID_DEFAULT;
	s->root_mode = CELL_ROOT_DEFAULT;
	s->pty = CELL_PTY_AUTO;
	s->init = true;
	return s;
}

static void strv_free(char **v)
{
	for (char **p = v; p && *p; p++)
		free(*p);
	free(v);
}

struct cell_spec *cell_spec_free(struct cell_spec *s)
{
	if (!s)
		return NULL;
	for (size_t i = 0; i < s->n_mounts; i++) {
		free(s->mounts[i].src);
		free(s->mounts[i].dst);
	}
	free(s->mounts);
	free(s->root);
	free(s->hostname);
	free(s->domainname);
	free(s->workdir);
	strv_free(s->env);
	strv_free(s->argv);
	free(s->keep_fds);
	free(s->net_name);
	free(s->net_addr);
	strv_free(s->publish);
	strv_free(s->allow);
	strv_free(s->allow_host);
	free(s->persist);
	free(s->x11_display);
	free(s->xauthority);
	free(s->wayland_socket);
	free(s->seccomp);
	strv_free(s->landlock_ports);
	free(s->report);
	free(s->name);
	free(s);
	return NULL;
}

int cell_strv_push(char ***v, const char *s)
{
	size_t n = 0;
	char **nv, *copy = strdup(s);

	if (!copy)
		return -ENOMEM;
	while (*v && (*v)[n])
		n++;
	nv = realloc(*v, (n + 2) * sizeof(*nv));
	if (!nv) {
		free(copy);
		return -ENOMEM;
	}
	nv[n] = copy;
	nv[n + 1] = NULL;
	*v = nv;
	return 0;
}

int cell_spec_add_mount(struct cell_spec *s, enum cell_mount_type type, const char *src,
			const char *dst, uint64_t size)
{
	struct cell_mount *m;
	_cleanup_free_ char *src_copy = NULL, *dst_copy = NULL;

	if (src && !(src_copy = strdup(src)))
		return -ENOMEM;
	if (!(dst_copy = strdup(dst)))
		return -ENOMEM;
	m = realloc(s->mounts, (s->n_mounts + 1) * sizeof(*m));
	if (!m)
		return -ENOMEM;
	s->mounts = m;
	s->mounts[s->n_mounts++] = (struct cell_mount){
		.type = type,
		.src = TAKE_PTR(src_copy),
		.dst = TAKE_PTR(dst_copy),
		.size = size,
	};
	return 0;
}

static bool has(const struct cell_spec *s, enum cell_ns_type t)
{
	return s->ns & CELL_NS_BIT(t);
}

/* sethostname(2) takes at most 64 bytes; RFC 1123: dot-separated labels of
 * 1 to 63 letters, digits and hyphens, not starting or ending with a hyphen. */
static bool valid_hostname(const char *h)
{
	size_t len = strlen(h), label = 0;

	if (len == 0 || len > 64)
		return false;
	for (size_t i = 0; i <= len; i++) {
		char ch = h[i];

		if (ch == '.' || ch == '\0') {
			if (label == 0 || label > 63 || h[i - 1] == '-')
				return false;
			label = 0;
			continue;
		}
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || (ch == '-' && label > 0)))
			return false;
		label++;
	}
	return true;
}

int cell_spec_validate(const struct cell_spec *s, bool privileged, struct cell_err *err)
{
	unsigned needs_caps = s->ns & ~CELL_NS_BIT(CELL_NS_USER);

	if (!s->argv || !s->argv[0])
		return cell_fail(err, 0, "no command given (try: cell run -- /bin/sh)");

	/* Without a new user namespace only root may create the others. */
	if (!has(s, CELL_NS_USER) && !privileged && needs_caps) {
		for (int t = 0; t < CELL_NS_MAX; t++)
			if (needs_caps & CELL_NS_BIT(t))
				return cell_fail(err, EPERM,
						 "a new %s namespace without a new user namespace "
						 "needs root (CAP_SYS_ADMIN); keep 'user' in --ns or "
						 "drop 'user' from --share",
						 cell_ns_name(t));
	}
	if (!has(s, CELL_NS_USER) && s->id_mode != CELL_ID_DEFAULT)
		return cell_fail(err, 0, "--map-root, --map-auto and --map-host-root need a new "
				 "user namespace");
	if (s->id_mode == CELL_ID_HOST_ROOT && !privileged)
		return cell_fail(err, EPERM, "--map-host-root: only root can map host root");
	if (!has(s, CELL_NS_USER) && !privileged &&
	    ((s->set & CELL_SET_UID) || (s->set & CELL_SET_GID)))
		return cell_fail(err, EPERM, "--uid/--gid without a new user namespace need root");

	/* --net, --nat, --publish, --allow: see cell_netplan_make(). */
	if ((s->x11 || s->wayland) && s->root_mode == CELL_ROOT_CHROOT)
		return cell_fail(err, 0, "--x11 and --wayland need a root cell builds (the "
				 "default or --root), not --chroot");
	if (s->overlay && s->root_rw)
		return cell_fail(err, 0, "--rw-root and --overlay exclude each other (with "
				 "--overlay the root is writable and DIR is never written)");
	if (s->net == CELL_NET_NONE && !has(s, CELL_NS_NET) && (s->set & CELL_SET_NET))
		return cell_fail(err, 0, "--net none needs a new net namespace (it is shared "
				 "here)");
	if (s->persist && s->root_mode == CELL_ROOT_CHROOT)
		return cell_fail(err, 0, "--overlay/--persist go with the default root or --root, "
				 "not --chroot");
	if (s->overlay && s->root_mode == CELL_ROOT_CHROOT)
		return cell_fail(err, 0, "--overlay goes with the default root or --root, not "
				 "--chroot");
	if (s->net == CELL_NET_HOST && has(s, CELL_NS_NET) && (s->set & CELL_SET_NS) &&
	    !(s->ns & CELL_NS_BIT(CELL_NS_NET)))
		return cell_fail(err, 0, "--net host and --ns net contradict each other");

	if (!has(s, CELL_NS_MNT)) {
		if (s->root_mode == CELL_ROOT_DIR)
			return cell_fail(err, 0, "--root needs a new mount namespace");
		if (s->n_mounts > 0)
			return cell_fail(err, 0, "%s needs a new mount namespace",
					 s->mounts[0].type == CELL_MOUNT_TMPFS	 ? "--tmpfs"
					 : s->mounts[0].type == CELL_MOUNT_RO_BIND ? "--ro-bind"
										     : "--bind");
	}
	if (s->root_mode == CELL_ROOT_CHROOT && s->n_mounts > 0)
		return cell_fail(err, 0, "--chroot changes only the root: it takes no --bind or "
				 "--tmpfs (use --root for a full sandbox)");
	if (s->root_rw && s->root_mode != CELL_ROOT_DIR)
		return cell_fail(err, 0, "--rw-root goes with --root DIR");
	if ((s->set & CELL_SET_HOSTNAME) && !has(s, CELL_NS_UTS))
		return cell_fail(err, 0, "--hostname needs a new uts namespace");
	if ((s->set & CELL_SET_DOMAINNAME) && !has(s, CELL_NS_UTS))
		return cell_fail(err, 0, "--domainname needs a new uts namespace");
	if (s->hostname && !valid_hostname(s->hostname))
		return cell_fail(err, 0, "--hostname '%s': not a valid host name", s->hostname);
	if (s->domainname && (strlen(s->domainname) == 0 || strlen(s->domainname) > 64))
		return cell_fail(err, 0, "--domainname '%s': must be 1 to 64 bytes", s->domainname);
	if (s->workdir && s->workdir[0] != '/')
		return cell_fail(err, 0, "--workdir %s: must be an absolute path", s->workdir);
	for (size_t i = 0; i < s->n_mounts; i++) {
		const struct cell_mount *m = &s->mounts[i];

		if (m->dst[0] != '/')
			return cell_fail(err, 0, "mount destination %s: must be an absolute path",
					 m->dst);
		if (strcmp(m->dst, "/") == 0)
			return cell_fail(err, 0, "mount destination /: use --root to replace the "
					 "root");
	}
	return 0;
}
