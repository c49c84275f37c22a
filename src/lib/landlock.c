/* landlock.c - Landlock rules: plan, prepare (parent), apply (child).
 *
 * landlock(7), landlock_create_ruleset(2), landlock_add_rule(2),
 * landlock_restrict_self(2).  The UAPI structs and constants are defined
 * here (with the kernel's values, which are a stable ABI) because the
 * installed kernel headers may predate the newer fields.  Ordering: prepare
 * before clone; apply in the child after pivot_root and no_new_privs and
 * before the seccomp filter (which may deny the landlock syscalls).
 */
#define _GNU_SOURCE
#include "landlock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"
#include "mount.h"

#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#define SYS_landlock_add_rule 445
#define SYS_landlock_restrict_self 446
#endif

/* struct landlock_ruleset_attr as of ABI 6; older kernels take a prefix. */
struct ll_ruleset_attr {
	uint64_t handled_access_fs;  /* ABI 1 */
	uint64_t handled_access_net; /* ABI 4 */
	uint64_t scoped;	     /* ABI 6 */
};

struct ll_path_beneath_attr {
	uint64_t allowed_access;
	int32_t parent_fd;
} __attribute__((packed));

struct ll_net_port_attr {
	uint64_t allowed_access;
	uint64_t port;
};

#define LL_CREATE_RULESET_VERSION (1u << 0)
#define LL_RULE_PATH_BENEATH 1
#define LL_RULE_NET_PORT 2

int cell_landlock_abi(int *ret_errno)
{
	long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LL_CREATE_RULESET_VERSION);

	if (abi < 0) {
		if (ret_errno)
			*ret_errno = errno;
		return 0;
	}
	if (ret_errno)
		*ret_errno = 0;
	return (int)abi;
}

uint64_t cell_landlock_fs_mask(int abi)
{
	uint64_t m = 0;

	if (abi >= 1)
		m |= (1ull << 13) - 1; /* EXECUTE .. MAKE_SYM */
	if (abi >= 2)
		m |= CELL_LL_FS_REFER;
	if (abi >= 3)
		m |= CELL_LL_FS_TRUNCATE;
	if (abi >= 5)
		m |= CELL_LL_FS_IOCTL_DEV;
	return m;
}

uint64_t cell_landlock_net_mask(int abi)
{
	return abi >= 4 ? CELL_LL_NET_BIND_TCP | CELL_LL_NET_CONNECT_TCP : 0;
}

uint64_t cell_landlock_scope_mask(int abi)
{
	return abi >= 6 ? CELL_LL_SCOPE_ABSTRACT_UNIX | CELL_LL_SCOPE_SIGNAL : 0;
}

int cell_landlock_plan_add_path(struct cell_landlock_plan *p, const char *path, uint64_t access,
				bool optional, struct cell_err *err)
{
	struct cell_landlock_path *n;
	char *copy;

	if (!path || path[0] != '/')
		return cell_fail(err, EINVAL, "landlock: path %s is not absolute",
				 path ? path : "(null)");
	for (size_t i = 0; i < p->n_paths; i++)
		if (strcmp(p->paths[i].path, path) == 0) {
			p->paths[i].access |= access;
			/* required once means required */
			p->paths[i].optional = p->paths[i].optional && optional;
			return 0;
		}
	copy = strdup(path);
	if (!copy)
		return cell_fail(err, ENOMEM, "landlock");
	n = reallocarray(p->paths, p->n_paths + 1, sizeof(*n));
	if (!n) {
		free(copy);
		return cell_fail(err, ENOMEM, "landlock");
	}
	p->paths = n;
	p->paths[p->n_paths++] = (struct cell_landlock_path){ copy, access, optional };
	return 0;
}

int cell_landlock_plan_add_port(struct cell_landlock_plan *p, uint16_t port, uint64_t access,
				struct cell_err *err)
{
	struct cell_landlock_port *n;

	p->flags |= CELL_LANDLOCK_NET;
	for (size_t i = 0; i < p->n_ports; i++)
		if (p->ports[i].port == port) {
			p->ports[i].access |= access;
			return 0;
		}
	n = reallocarray(p->ports, p->n_ports + 1, sizeof(*n));
	if (!n)
		return cell_fail(err, ENOMEM, "landlock");
	p->ports = n;
	p->ports[p->n_ports++] = (struct cell_landlock_port){ port, access };
	return 0;
}

int cell_landlock_parse_port(const char *s, uint16_t *ret_port, uint64_t *ret_access,
			     struct cell_err *err)
{
	uint64_t access = CELL_LL_NET_BIND_TCP | CELL_LL_NET_CONNECT_TCP;
	const char *num = s;
	unsigned long v = 0;

	if (strncmp(s, "bind:", 5) == 0) {
		access = CELL_LL_NET_BIND_TCP;
		num = s + 5;
	} else if (strncmp(s, "connect:", 8) == 0) {
		access = CELL_LL_NET_CONNECT_TCP;
		num = s + 8;
	}
	if (!*num)
		return cell_fail(err, EINVAL, "landlock port '%s': expected [bind:|connect:]PORT",
				 s);
	for (const char *c = num; *c; c++) {
		if (*c < '0' || *c > '9' || v > 65535)
			return cell_fail(err, EINVAL,
					 "landlock port '%s': expected [bind:|connect:]PORT "
					 "(0..65535)",
					 s);
		v = v * 10 + (unsigned long)(*c - '0');
	}
	if (v > 65535)
		return cell_fail(err, EINVAL, "landlock port '%s': larger than 65535", s);
	*ret_port = (uint16_t)v;
	*ret_access = access;
	return 0;
}

/* The rights each mount implies.  Read-only: read and execute.  Writable:
 * everything but device nodes.  Mounts that allow device nodes (/dev, the
 * device binds, devpts) also get device ioctls (terminals need them).
 * noexec drops execute.  Symlinks, masks, read-only remounts and written
 * files add no rule: they live under a mount that has one. */
static int rights_of(const struct cell_mount_plan *mp, const struct cell_mount_op *op,
		     uint64_t *ret)
{
	bool ro = op->flags & CELL_OPF_RO;
	uint64_t r;

	switch (op->type) {
	case CELL_OP_ROOT_TMPFS:
		r = mp->root_ro ? CELL_LL_RIGHTS_RO : CELL_LL_RIGHTS_RW;
		break;
	case CELL_OP_ROOT_BIND:
	case CELL_OP_ROOT_OVERLAY:
		r = ro || mp->root_ro ? CELL_LL_RIGHTS_RO : CELL_LL_RIGHTS_RW;
		break;
	case CELL_OP_BIND:
		r = ro ? CELL_LL_RIGHTS_RO : CELL_LL_RIGHTS_RW;
		break;
	case CELL_OP_TMPFS:
	case CELL_OP_DIR:
	case CELL_OP_OVERLAY:
	case CELL_OP_MQUEUE:
		r = CELL_LL_RIGHTS_RW;
		break;
	case CELL_OP_PROC:
		r = CELL_LL_RIGHTS_PROC;
		break;
	case CELL_OP_SYSFS:
		r = CELL_LL_RIGHTS_RO;
		break;
	case CELL_OP_DEVPTS:
		r = CELL_LL_RIGHTS_DEV;
		break;
	default:
		return 0;
	}
	if ((op->flags & CELL_OPF_DEV) && (op->flags & CELL_OPF_FILE))
		r = CELL_LL_RIGHTS_DEV; /* a device node: read, write, ioctl */
	else if (op->flags & CELL_OPF_DEV)
		r |= CELL_LL_RIGHTS_DEV;
	if (op->flags & CELL_OPF_EXEC_NO)
		r &= ~(uint64_t)CELL_LL_FS_EXECUTE;
	if (op->flags & CELL_OPF_FILE)
		r &= CELL_LL_RIGHTS_FILE;
	*ret = r;
	return 1;
}

int cell_landlock_plan_from_mounts(struct cell_landlock_plan *p, const struct cell_mount_plan *mp,
				   struct cell_err *err)
{
	if (mp->chroot_only)
		/* --chroot: no mounts to follow; the root is the whole view. */
		return cell_landlock_plan_add_path(p, "/", CELL_LL_RIGHTS_RW | CELL_LL_RIGHTS_DEV,
						   false, err);
	for (size_t i = 0; i < mp->n; i++) {
		const struct cell_mount_op *op = &mp->ops[i];
		uint64_t rights;
		int r;

		if (rights_of(mp, op, &rights) <= 0)
			continue;
		r = cell_landlock_plan_add_path(p, op->dst, rights, op->flags & CELL_OPF_OPTIONAL,
						err);
		if (r < 0)
			return r;
	}
	return 0;
}

void cell_landlock_plan_clear(struct cell_landlock_plan *p)
{
	for (size_t i = 0; i < p->n_paths; i++)
		free(p->paths[i].path);
	free(p->paths);
	free(p->ports);
	*p = (struct cell_landlock_plan){ 0 };
}

int cell_landlock_resolve(struct cell_landlock_plan *p, int abi, int abi_errno, bool best_effort,
			  struct cell_err *err)
{
	p->abi = abi;
	p->dropped = 0;
	p->handled_fs = p->handled_net = p->scoped = 0;
	if (abi <= 0) {
		if (best_effort) {
			p->abi = 0;
			p->dropped = CELL_LANDLOCK_DROPPED_ALL;
			return 0;
		}
		if (abi_errno == EOPNOTSUPP)
			return cell_fail(err, 0,
					 "--landlock: Landlock is built into this kernel but not "
					 "enabled (add landlock to the lsm= boot parameter)");
		return cell_fail(err, 0,
				 "--landlock: this kernel has no Landlock (needs Linux 5.13 or "
				 "later with CONFIG_SECURITY_LANDLOCK)");
	}
	/* Handle every right the kernel knows, so that what no rule grants is
	 * denied; rights newer than the kernel cannot be restricted. */
	p->handled_fs = cell_landlock_fs_mask(abi);
	if (!(p->handled_fs & CELL_LL_FS_REFER))
		p->dropped |= CELL_LANDLOCK_PARTIAL_REFER;
	if (!(p->handled_fs & CELL_LL_FS_TRUNCATE))
		p->dropped |= CELL_LANDLOCK_PARTIAL_TRUNCATE;
	if (!(p->handled_fs & CELL_LL_FS_IOCTL_DEV))
		p->dropped |= CELL_LANDLOCK_PARTIAL_IOCTL_DEV;
	if (p->flags & CELL_LANDLOCK_NET) {
		p->handled_net = cell_landlock_net_mask(abi);
		if (!p->handled_net) {
			if (!best_effort)
				return cell_fail(err, 0,
						 "--landlock: network rules need Landlock ABI 4 "
						 "(Linux 6.7); this kernel has ABI %d",
						 abi);
			p->dropped |= CELL_LANDLOCK_DROPPED_NET;
		}
	}
	if (p->flags & CELL_LANDLOCK_SCOPE) {
		p->scoped = cell_landlock_scope_mask(abi);
		if (!p->scoped) {
			if (!best_effort)
				return cell_fail(err, 0,
						 "--landlock: scoping signals and abstract unix "
						 "sockets needs Landlock ABI 6 (Linux 6.12); this "
						 "kernel has ABI %d",
						 abi);
			p->dropped |= CELL_LANDLOCK_DROPPED_SCOPE;
		}
	}
	return 0;
}

int cell_landlock_prepare(struct cell_landlock_plan *p, bool best_effort, int *ret_fd,
			  struct cell_err *err)
{
	struct ll_ruleset_attr attr;
	int abi_errno, abi = cell_landlock_abi(&abi_errno), r;
	size_t size;
	long fd;

	*ret_fd = -1;
	r = cell_landlock_resolve(p, abi, abi_errno, best_effort, err);
	if (r < 0 || p->abi == 0)
		return r;
	attr = (struct ll_ruleset_attr){
		.handled_access_fs = p->handled_fs,
		.handled_access_net = p->handled_net,
		.scoped = p->scoped,
	};
	/* Older kernels reject a larger struct only when the extra fields are
	 * non-zero, but pass the size the ABI knows to keep it plain. */
	size = abi >= 6 ? sizeof(attr) : abi >= 4 ? 16 : 8;
	fd = syscall(SYS_landlock_create_ruleset, &attr, size, 0);
	if (fd < 0)
		return cell_fail(err, errno, "landlock_create_ruleset");
	*ret_fd = (int)fd;
	return 0;
}

int cell_landlock_apply(const struct cell_landlock_plan *p, int ruleset_fd, struct cell_err *err)
{
	if (ruleset_fd < 0)
		return 0;
	for (size_t i = 0; i < p->n_paths; i++) {
		const struct cell_landlock_path *lp = &p->paths[i];
		struct ll_path_beneath_attr attr;
		struct stat st;
		int fd = open(lp->path, O_PATH | O_CLOEXEC);

		if (fd < 0) {
			if (errno == ENOENT && lp->optional)
				continue;
			return cell_fail(err, errno, "landlock: open %s", lp->path);
		}
		if (fstat(fd, &st) < 0) {
			int e = errno;

			close(fd);
			return cell_fail(err, e, "landlock: stat %s", lp->path);
		}
		attr.allowed_access = lp->access & p->handled_fs;
		/* The kernel refuses directory rights on a file. */
		if (!S_ISDIR(st.st_mode))
			attr.allowed_access &= CELL_LL_RIGHTS_FILE;
		attr.parent_fd = fd;
		if (attr.allowed_access && syscall(SYS_landlock_add_rule, ruleset_fd,
						   LL_RULE_PATH_BENEATH, &attr, 0) < 0) {
			int e = errno;

			close(fd);
			return cell_fail(err, e, "landlock: rule for %s", lp->path);
		}
		close(fd);
	}
	for (size_t i = 0; i < p->n_ports && p->handled_net; i++) {
		struct ll_net_port_attr attr = {
			.allowed_access = p->ports[i].access & p->handled_net,
			.port = p->ports[i].port,
		};

		if (attr.allowed_access &&
		    syscall(SYS_landlock_add_rule, ruleset_fd, LL_RULE_NET_PORT, &attr, 0) < 0)
			return cell_fail(err, errno, "landlock: rule for port %u",
					 (unsigned)p->ports[i].port);
	}
	if (syscall(SYS_landlock_restrict_self, ruleset_fd, 0) < 0) {
		if (errno == EPERM)
			return cell_fail(err, EPERM,
					 "landlock_restrict_self: no_new_privs is not set");
		return cell_fail(err, errno, "landlock_restrict_self");
	}
	return 0;
}

const char *cell_landlock_dropped_text(unsigned dropped, char *buf, unsigned len)
{
	static const struct {
		unsigned bit;
		const char *text;
	} texts[] = {
		{ CELL_LANDLOCK_DROPPED_ALL, "Landlock (not available on this kernel)" },
		{ CELL_LANDLOCK_DROPPED_NET, "Landlock network rules (need ABI 4)" },
		{ CELL_LANDLOCK_DROPPED_SCOPE, "Landlock signal and socket scoping (need ABI 6)" },
		{ CELL_LANDLOCK_PARTIAL_REFER,
		  "Landlock before ABI 2: renames and links across directories fail" },
		{ CELL_LANDLOCK_PARTIAL_TRUNCATE, "Landlock truncate restriction (needs ABI 3)" },
		{ CELL_LANDLOCK_PARTIAL_IOCTL_DEV,
		  "Landlock device ioctl restriction (needs ABI 5)" },
	};
	size_t used = 0;

	if (len == 0)
		return buf;
	buf[0] = '\0';
	for (size_t i = 0; i < ELEMENTSOF(texts); i++) {
		int n;

		if (!(dropped & texts[i].bit))
			continue;
		n = snprintf(buf + used, len - used, "%s%s", used ? "; " : "", texts[i].text);
		if (n < 0 || (size_t)n >= len - used)
			break;
		used += (size_t)n;
	}
	return buf;
}
