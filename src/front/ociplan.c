/* ociplan.c - an OCI config.json as the engine's plan (see oci.h).
 *
 * What cell cannot do is refused with the JSON path, never dropped.
 */
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
#include "oci.h"
#include "ociconfig.h"
#include "ociseccomp.h"

/* ---- config.json -> plan ---- */

static char *join_path(const char *dir, const char *p)
{
	char *s = NULL;

	if (p[0] == '/')
		return strdup(p);
	if (asprintf(&s, "%s/%s", dir, p) < 0)
		return NULL;
	return s;
}

char **cell_ociplan_strv_copy(char *const *v)
{
	size_t n = 0;
	char **c;

	if (!v)
		return NULL;
	while (v[n])
		n++;
	c = calloc(n + 1, sizeof(*c));
	for (size_t i = 0; c && i < n; i++)
		if (!(c[i] = strdup(v[i])))
			return NULL; /* OOM: the caller fails (leaks on OOM only) */
	return c;
}

int cell_ociplan_proc(const struct cell_oci_process *cp, const char *seccomp_json,
		      struct cell_oci_proc *p, struct cell_err *err)
{
	_cleanup_(cell_seccomp_policy_freep) struct cell_seccomp_policy *pol = NULL;
	int r;

	if (cp->apparmor_profile && *cp->apparmor_profile)
		return cell_fail(err, EOPNOTSUPP,
				 ".process.apparmorProfile: AppArmor is not "
				 "supported by cell");
	if (cp->selinux_label && *cp->selinux_label)
		return cell_fail(err, EOPNOTSUPP,
				 ".process.selinuxLabel: SELinux is not "
				 "supported by cell");
	if (cp->has_scheduler)
		return cell_fail(err, EOPNOTSUPP, ".process.scheduler: not supported by cell");
	if (cp->has_exec_cpu_affinity)
		return cell_fail(err, EOPNOTSUPP,
				 ".process.execCPUAffinity: not supported by "
				 "cell");
	if (cp->has_io_priority)
		return cell_fail(err, EOPNOTSUPP, ".process.ioPriority: not supported by cell");
	p->args = cell_ociplan_strv_copy(cp->args);
	p->env = cp->env ? cell_ociplan_strv_copy(cp->env) : calloc(1, sizeof(char *));
	p->cwd = strdup(cp->cwd ? cp->cwd : "/");
	if (!p->args || !p->env || !p->cwd)
		return cell_fail(err, ENOMEM, "process");
	p->uid = cp->uid;
	p->gid = cp->gid;
	if (cp->n_additional_gids) {
		p->groups = calloc(cp->n_additional_gids, sizeof(uint32_t));
		if (!p->groups)
			return cell_fail(err, ENOMEM, "process");
		memcpy(p->groups, cp->additional_gids, cp->n_additional_gids * sizeof(uint32_t));
		p->n_groups = cp->n_additional_gids;
	}
	p->has_umask = cp->umask.set;
	p->umask = (unsigned)cp->umask.value;
	p->cap_bounding = cp->caps.bounding;
	p->cap_effective = cp->caps.effective;
	p->cap_inheritable = cp->caps.inheritable;
	p->cap_permitted = cp->caps.permitted;
	p->cap_ambient = cp->caps.ambient;
	for (size_t i = 0; i < cp->n_rlimits; i++) {
		int t = cp->rlimits[i].type;

		if (t < 0 || t >= CELL_RLIMIT_MAX)
			continue;
		p->rlimits.r[t] = (struct cell_rlimit){ .soft_set = true,
							.hard_set = true,
							.soft = cp->rlimits[i].soft,
							.hard = cp->rlimits[i].hard };
	}
	p->no_new_privs = cp->no_new_privileges;
	p->terminal = cp->terminal;
	if (cp->has_console_size && cp->console_height <= 0xffff && cp->console_width <= 0xffff) {
		p->console_rows = (unsigned short)cp->console_height;
		p->console_cols = (unsigned short)cp->console_width;
	}
	p->has_oom_score_adj = cp->oom_score_adj.set;
	p->oom_score_adj = (int)cp->oom_score_adj.value;
	r = cell_oci_seccomp_policy_parse(seccomp_json, &pol, err);
	if (r < 0)
		return r;
	if (pol && (r = cell_seccomp_compile(pol, 0, &p->seccomp, err)) < 0)
		return cell_err_prefix(err, ".linux.seccomp");
	return 0;
}

/* devs: room for the rules, the defaults and the nodes (CELL_OCIPLAN_DEVS_MAX);
 * huge: for the hugepage limits (CELL_OCIPLAN_HUGE_MAX); nodes: the
 * config's linux (NULL for update: its rules alone). */
void cell_ociplan_resources(const struct cell_oci_resources *in, const struct cell_oci_linux *nodes,
			    struct cell_ocicg_resources *out, struct cell_ocicg_device *devs,
			    struct cell_ocicg_hugetlb *huge)
{
	memset(out, 0, sizeof(*out));
#define INT(field, bit, dst)                                                                       \
	if (in->field.set) {                                                                       \
		out->set |= (bit);                                                                 \
		out->dst = in->field.value;                                                        \
	}
	INT(memory.limit, CELL_OCICG_SET_MEMORY_LIMIT, memory_limit);
	INT(memory.reservation, CELL_OCICG_SET_MEMORY_RESERVATION, memory_reservation);
	INT(memory.swap, CELL_OCICG_SET_MEMORY_SWAP, memory_swap);
	INT(memory.swappiness, CELL_OCICG_SET_MEMORY_SWAPPINESS, memory_swappiness);
	INT(cpu.shares, CELL_OCICG_SET_CPU_SHARES, cpu_shares);
	INT(cpu.quota, CELL_OCICG_SET_CPU_QUOTA, cpu_quota);
	INT(cpu.period, CELL_OCICG_SET_CPU_PERIOD, cpu_period);
	INT(pids.limit, CELL_OCICG_SET_PIDS, pids_limit);
	INT(block_io.weight, CELL_OCICG_SET_BLKIO_WEIGHT, blkio_weight);
	INT(memory.kernel_tcp, CELL_OCICG_SET_KERNEL_TCP, memory_kernel_tcp);
#undef INT
	if (in->n_hugepage_limits) {
		for (size_t i = 0; i < in->n_hugepage_limits && i < CELL_OCIPLAN_HUGE_MAX; i++)
			huge[i] = (struct cell_ocicg_hugetlb){ in->hugepage_limits[i].page_size,
							       in->hugepage_limits[i].limit };
		out->set |= CELL_OCICG_SET_HUGETLB;
		out->hugetlb = huge;
		out->n_hugetlb = in->n_hugepage_limits < CELL_OCIPLAN_HUGE_MAX
					 ? in->n_hugepage_limits
					 : CELL_OCIPLAN_HUGE_MAX;
	}
	if (in->memory.disable_oom_killer) {
		out->set |= CELL_OCICG_SET_OOM_KILL_DISABLE;
		out->disable_oom_killer = true;
	}
	if (in->cpu.cpus && *in->cpu.cpus) {
		out->set |= CELL_OCICG_SET_CPU_CPUS;
		snprintf(out->cpu_cpus, sizeof(out->cpu_cpus), "%s", in->cpu.cpus);
	}
	if (in->cpu.mems && *in->cpu.mems) {
		out->set |= CELL_OCICG_SET_CPU_MEMS;
		snprintf(out->cpu_mems, sizeof(out->cpu_mems), "%s", in->cpu.mems);
	}
	if (in->n_devices || nodes) {
		size_t n = 0;

		for (size_t i = 0; i < in->n_devices; i++) {
			devs[n].allow = in->devices[i].allow;
			devs[n].type = in->devices[i].type;
			devs[n].major = in->devices[i].major;
			devs[n].minor = in->devices[i].minor;
			memcpy(devs[n].access, in->devices[i].access, sizeof(devs[n].access));
			n++;
		}
		/* then what every container has, and the nodes the config makes
		 * (as runc does): a node cell makes can also be used */
		for (size_t i = 0; nodes && i < cell_ocicg_n_default_devices; i++)
			devs[n++] = cell_ocicg_default_devices[i];
		for (size_t i = 0; nodes && i < nodes->n_devices; i++) {
			const struct cell_oci_device *d = &nodes->devices[i];

			if (d->type == 'p')
				continue;
			devs[n++] = (struct cell_ocicg_device){ .allow = true,
								.type = d->type == 'b' ? 'b' : 'c',
								.major = d->major,
								.minor = d->minor,
								.access = "rwm" };
		}
		out->set |= CELL_OCICG_SET_DEVICES;
		out->devices = devs;
		out->n_devices = n;
	}
	if (in->n_unified) {
		out->set |= CELL_OCICG_SET_UNIFIED;
		out->unified = (const struct cell_ocicg_unified *)in->unified;
		out->n_unified = in->n_unified;
	}
}

/* Controllers cell cannot drive are refused, never ignored. */
int cell_ociplan_check_resources(const struct cell_oci_resources *res, struct cell_err *err)
{
	if (res->n_hugepage_limits > CELL_OCIPLAN_HUGE_MAX)
		return cell_fail(err, E2BIG, ".linux.resources.hugepageLimits: more than %d",
				 CELL_OCIPLAN_HUGE_MAX);
	if (res->n_rdma)
		return cell_fail(err, EOPNOTSUPP, ".linux.resources.rdma: not supported by cell");
	if (res->network.present && (res->network.class_id.set || res->network.n_priorities))
		return cell_fail(err, EOPNOTSUPP,
				 ".linux.resources.network: not supported by "
				 "cell");
	for (int k = 0; k < CELL_OCI_THROTTLE_MAX; k++)
		if (res->block_io.n_throttle[k])
			return cell_fail(err, EOPNOTSUPP,
					 ".linux.resources.blockIO: throttling is "
					 "not supported by cell");
	if (res->block_io.n_weight_devices || res->block_io.leaf_weight.set)
		return cell_fail(err, EOPNOTSUPP,
				 ".linux.resources.blockIO: per-device weights "
				 "are not supported by cell");
	if (res->cpu.realtime_runtime.set || res->cpu.realtime_period.set || res->cpu.burst.set ||
	    res->cpu.idle.set)
		return cell_fail(err, EOPNOTSUPP,
				 ".linux.resources.cpu: realtime, burst and idle "
				 "are not supported by cell");
	/* Deprecated by the runtime-spec (runtimes may ignore it) and gone
	 * from the kernel: v1's memory.kmem.limit_in_bytes takes writes and
	 * keeps no limit since Linux 6.1, v2 never had one; kernel memory
	 * counts against memory.limit instead.  Said, not dropped silently.
	 * (kernelTCP still works on v1 and is set; v2 refuses it.) */
	if (res->memory.kernel.set)
		cell_oci_warn(".linux.resources.memory.kernel: ignored (deprecated, and no "
			      "kernel enforces it now; kernel memory counts against "
			      ".linux.resources.memory.limit)");
	return 0;
}

int cell_ociplan_make(const struct cell_oci_config *c, const char *bundle,
		      const struct cell_ocicg *cg, struct cell_oci_plan *p, struct cell_err *err)
{
	const struct cell_oci_linux *l = &c->lnx;
	char *root = NULL;
	int r;

	memset(p, 0, sizeof(*p));
	if (!c->process)
		return cell_fail(err, EINVAL, ".process: missing (create needs a process)");
	if (l->mount_label && *l->mount_label)
		return cell_fail(err, EOPNOTSUPP,
				 ".linux.mountLabel: SELinux is not supported by "
				 "cell");
	if (l->has_intel_rdt)
		return cell_fail(err, EOPNOTSUPP, ".linux.intelRdt: not supported by cell");
	if (l->has_net_devices)
		return cell_fail(err, EOPNOTSUPP, ".linux.netDevices: not supported by cell");
	if (l->has_personality)
		return cell_fail(err, EOPNOTSUPP, ".linux.personality: not supported by cell");
	if (l->monotonic.set || l->boottime.set)
		return cell_fail(err, EOPNOTSUPP, ".linux.timeOffsets: not supported by cell");
	root = join_path(bundle, c->root_path);
	if (!root)
		return cell_fail(err, ENOMEM, "root");
	p->rootfs = realpath(root, NULL);
	if (!p->rootfs) {
		r = cell_fail(err, errno, ".root.path %s", root);
		free(root);
		return r;
	}
	free(root);
	p->root_readonly = c->root_readonly;
	p->rootfs_propagation = l->rootfs_propagation;
	for (size_t i = 0; i < l->n_namespaces; i++) {
		const struct cell_oci_namespace *ns = &l->namespaces[i];

		if (!ns->path) {
			p->new_ns |= CELL_NS_BIT(ns->type);
			continue;
		}
		if (ns->type == CELL_NS_USER || ns->type == CELL_NS_MNT)
			return cell_fail(err, EOPNOTSUPP,
					 ".linux.namespaces[%zu].path: joining a %s "
					 "namespace is not supported by cell",
					 i, cell_ns_name(ns->type));
		if (!(p->ns_path[ns->type] = strdup(ns->path)))
			return cell_fail(err, ENOMEM, "namespaces");
	}
	if (!(p->new_ns & CELL_NS_BIT(CELL_NS_MNT)))
		return cell_fail(err, EINVAL,
				 ".linux.namespaces: a container needs a new mount "
				 "namespace");
	if (geteuid() != 0 && !(p->new_ns & CELL_NS_BIT(CELL_NS_USER)))
		return cell_fail(err, EPERM,
				 ".linux.namespaces: without root, a container needs "
				 "a new user namespace");
	/* a uts namespace joined by path takes the name too (runtime-spec:
	 * the container's uts namespace may be one that exists already) */
	if ((c->hostname || c->domainname) && !(p->new_ns & CELL_NS_BIT(CELL_NS_UTS)) &&
	    !p->ns_path[CELL_NS_UTS])
		return cell_fail(err, EINVAL, ".hostname: needs a uts namespace");
	if (c->hostname && !(p->hostname = strdup(c->hostname)))
		return cell_fail(err, ENOMEM, "hostname");
	if (c->domainname && !(p->domainname = strdup(c->domainname)))
		return cell_fail(err, ENOMEM, "domainname");
	if (l->n_uid_mappings > ELEMENTSOF(p->uid_map) ||
	    l->n_gid_mappings > ELEMENTSOF(p->gid_map))
		return cell_fail(err, E2BIG, ".linux.uidMappings: too many lines");
	for (size_t i = 0; i < l->n_uid_mappings; i++)
		p->uid_map[p->n_uid_map++] =
			(struct cell_idmap_line){ l->uid_mappings[i].container_id,
						  l->uid_mappings[i].host_id,
						  l->uid_mappings[i].size };
	for (size_t i = 0; i < l->n_gid_mappings; i++)
		p->gid_map[p->n_gid_map++] =
			(struct cell_idmap_line){ l->gid_mappings[i].container_id,
						  l->gid_mappings[i].host_id,
						  l->gid_mappings[i].size };
	p->mounts = calloc(c->n_mounts + 1, sizeof(*p->mounts));
	if (!p->mounts)
		return cell_fail(err, ENOMEM, "mounts");
	for (size_t i = 0; i < c->n_mounts; i++) {
		const struct cell_oci_mount *m = &c->mounts[i];
		struct cell_ocirun_mount *o = &p->mounts[p->n_mounts];
		struct cell_oci_mount_opts opts = { 0 };

		r = cell_oci_mount_options(m->options, &opts, err);
		if (r < 0)
			return cell_err_prefix(err, ".mounts[%zu]", i);
		if (opts.idmap || opts.ridmap || m->n_uid_mappings || m->n_gid_mappings) {
			cell_oci_mount_opts_clear(&opts);
			return cell_fail(err, EOPNOTSUPP,
					 ".mounts[%zu]: idmapped mounts are not "
					 "supported by cell yet",
					 i);
		}
		p->n_mounts++;
		o->bind = opts.bind || (m->type && strcmp(m->type, "bind") == 0);
		o->recursive = opts.recursive;
		o->flags = opts.flags & ~(unsigned long)(MS_BIND | MS_REC | MS_REMOUNT);
		o->propagation = opts.propagation;
		o->attr_set = opts.attr_set;
		o->tmpcopyup = opts.tmpcopyup;
		o->attr_clr = opts.attr_clr;
		o->data = opts.data;
		opts.data = NULL;
		cell_oci_mount_opts_clear(&opts);
		o->dst = strdup(m->destination);
		o->type = m->type ? strdup(m->type) : NULL;
		if (o->bind && !m->source)
			return cell_fail(err, EINVAL, ".mounts[%zu].source: missing for a bind", i);
		o->src = m->source ? (o->bind ? join_path(bundle, m->source) : strdup(m->source))
				   : NULL;
		if (!o->dst || (m->type && !o->type) || (m->source && !o->src))
			return cell_fail(err, ENOMEM, "mounts");
		if (!o->bind && !o->type)
			return cell_fail(err, EINVAL, ".mounts[%zu].type: missing", i);
	}
	p->devices = calloc(l->n_devices + 1, sizeof(*p->devices));
	if (!p->devices)
		return cell_fail(err, ENOMEM, "devices");
	for (size_t i = 0; i < l->n_devices; i++) {
		const struct cell_oci_device *d = &l->devices[i];
		struct cell_ocirun_device *o = &p->devices[p->n_devices++];

		o->path = strdup(d->path);
		if (!o->path)
			return cell_fail(err, ENOMEM, "devices");
		o->type = d->type;
		o->major = d->major < 0 ? 0 : (unsigned)d->major;
		o->minor = d->minor < 0 ? 0 : (unsigned)d->minor;
		o->mode = d->file_mode.set ? (unsigned)d->file_mode.value & 07777 : 0666;
		o->uid = d->uid.set ? (uint32_t)d->uid.value : 0;
		o->gid = d->gid.set ? (uint32_t)d->gid.value : 0;
	}
	if ((l->masked_paths && !(p->masked = cell_ociplan_strv_copy(l->masked_paths))) ||
	    (l->readonly_paths && !(p->readonly = cell_ociplan_strv_copy(l->readonly_paths))))
		return cell_fail(err, ENOMEM, "paths");
	if (l->n_sysctl) {
		p->sysctl = calloc(l->n_sysctl + 1, sizeof(char *));
		if (!p->sysctl)
			return cell_fail(err, ENOMEM, "sysctl");
		for (size_t i = 0; i < l->n_sysctl; i++)
			if (asprintf(&p->sysctl[i], "%s=%s", l->sysctl[i].key, l->sysctl[i].value) <
			    0)
				return cell_fail(err, ENOMEM, "sysctl");
	}
	if (cg) {
		const struct cell_ocicg_plan *cp = cell_ocicg_get_plan(cg);

		p->cgroup_dirs = calloc(cp->n_dirs + 1, sizeof(char *));
		if (!p->cgroup_dirs)
			return cell_fail(err, ENOMEM, "cgroup");
		for (size_t i = 0; i < cp->n_dirs; i++) {
			const struct cell_ocicg_dir *d = &cp->dirs[i];
			const char *mnt_end = d->path + d->mount_len;
			const char *name = mnt_end;

			while (name > d->path && name[-1] != '/')
				name--;
			if (cp->version == 2)
				r = asprintf(&p->cgroup_dirs[i], "=%s", d->path);
			else
				r = asprintf(&p->cgroup_dirs[i], "%.*s=%s", (int)(mnt_end - name),
					     name, d->path);
			if (r < 0)
				return cell_fail(err, ENOMEM, "cgroup");
		}
	}
	return cell_ociplan_proc(c->process, l->seccomp_json, &p->proc, err);
}
