/* test-ociconfig.c - config.json of OCI bundles (front/ociconfig.c): a full
 * podman config, a minimal one, the errors with their JSON paths, mount
 * options, and the `cell oci spec` / `cell oci features` documents.
 *
 * The JSON below is written with ' for " (swapped before parsing) so it
 * reads as JSON. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <unistd.h>
#include <linux/capability.h>

#include <cmocka.h>
#include <jansson.h>

#include "front/ociconfig.h"

#ifndef MOUNT_ATTR_RDONLY
#define MOUNT_ATTR_RDONLY 0x00000001
#define MOUNT_ATTR_NOSUID 0x00000002
#define MOUNT_ATTR_NODEV 0x00000004
#define MOUNT_ATTR__ATIME 0x00000070
#define MOUNT_ATTR_NOATIME 0x00000010
#endif

/* podman 4 (cgroupfs manager, rootful) for `podman run --memory 512m --cpus
 * 0.5 --pids-limit 2048 --ulimit memlock=-1:-1 --device /dev/fuse alpine`,
 * shortened where it repeats itself, plus an OCI hook. */
static const char podman_config[] =
	"{'ociVersion': '1.0.2-dev',"
	" 'process': {"
	"  'terminal': true,"
	"  'consoleSize': {'height': 24, 'width': 80},"
	"  'user': {'uid': 0, 'gid': 0, 'umask': 18, 'additionalGids': [0, 1, 2, 3, 4, 6, 10, 11, "
	"20, 26, 27]},"
	"  'args': ['/bin/sh'],"
	"  'env': ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',"
	"          'TERM=xterm', 'container=podman', 'HOSTNAME=3f2a9c1d7e4b', 'HOME=/root'],"
	"  'cwd': '/',"
	"  'capabilities': {"
	"   'bounding': ['CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL',"
	"                'CAP_NET_BIND_SERVICE', 'CAP_SETFCAP', 'CAP_SETGID', 'CAP_SETPCAP',"
	"                'CAP_SETUID', 'CAP_SYS_CHROOT'],"
	"   'effective': ['CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL',"
	"                 'CAP_NET_BIND_SERVICE', 'CAP_SETFCAP', 'CAP_SETGID', 'CAP_SETPCAP',"
	"                 'CAP_SETUID', 'CAP_SYS_CHROOT'],"
	"   'permitted': ['CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL',"
	"                 'CAP_NET_BIND_SERVICE', 'CAP_SETFCAP', 'CAP_SETGID', 'CAP_SETPCAP',"
	"                 'CAP_SETUID', 'CAP_SYS_CHROOT']},"
	"  'rlimits': [{'type': 'RLIMIT_NOFILE', 'hard': 1048576, 'soft': 1048576},"
	"              {'type': 'RLIMIT_NPROC', 'hard': 4194304, 'soft': 4194304},"
	"              {'type': 'RLIMIT_MEMLOCK', 'hard': 18446744073709551615,"
	"               'soft': 18446744073709551615}],"
	"  'oomScoreAdj': 0,"
	"  'selinuxLabel': ''},"
	" 'root': {'path': '/var/lib/containers/storage/overlay/9d1c0e3b/merged'},"
	" 'hostname': '3f2a9c1d7e4b',"
	" 'mounts': ["
	"  {'destination': '/proc', 'type': 'proc', 'source': 'proc', 'options': ['nosuid', "
	"'noexec', 'nodev']},"
	"  {'destination': '/dev', 'type': 'tmpfs', 'source': 'tmpfs',"
	"   'options': ['nosuid', 'strictatime', 'mode=755', 'size=65536k']},"
	"  {'destination': '/sys', 'type': 'sysfs', 'source': 'sysfs', 'options': ['nosuid', "
	"'noexec', 'nodev', 'ro']},"
	"  {'destination': '/dev/pts', 'type': 'devpts', 'source': 'devpts',"
	"   'options': ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5']},"
	"  {'destination': '/dev/mqueue', 'type': 'mqueue', 'source': 'mqueue',"
	"   'options': ['nosuid', 'noexec', 'nodev']},"
	"  {'destination': '/etc/hosts', 'type': 'bind',"
	"   'source': '/run/containers/storage/overlay-containers/3f2a9c1d/userdata/hosts',"
	"   'options': ['bind', 'rprivate']},"
	"  {'destination': '/etc/resolv.conf', 'type': 'bind',"
	"   'source': '/run/containers/storage/overlay-containers/3f2a9c1d/userdata/resolv.conf',"
	"   'options': ['bind', 'rprivate']},"
	"  {'destination': '/etc/hostname', 'type': 'bind',"
	"   'source': '/run/containers/storage/overlay-containers/3f2a9c1d/userdata/hostname',"
	"   'options': ['bind', 'rprivate']},"
	"  {'destination': '/run/.containerenv', 'type': 'bind',"
	"   'source': '/run/containers/storage/overlay-containers/3f2a9c1d/userdata/.containerenv',"
	"   'options': ['bind', 'rprivate']},"
	"  {'destination': '/dev/shm', 'type': 'bind',"
	"   'source': '/var/lib/containers/storage/overlay-containers/3f2a9c1d/userdata/shm',"
	"   'options': ['bind', 'rprivate', 'nosuid', 'noexec', 'nodev']},"
	"  {'destination': '/sys/fs/cgroup', 'type': 'cgroup', 'source': 'cgroup',"
	"   'options': ['rprivate', 'nosuid', 'noexec', 'nodev', 'relatime', 'rw']}],"
	" 'hooks': {"
	"  'createRuntime': [{'path': '/usr/bin/nvidia-container-runtime-hook',"
	"                     'args': ['nvidia-container-runtime-hook', 'prestart'],"
	"                     'env': ['NVIDIA_VISIBLE_DEVICES=all'], 'timeout': 30}],"
	"  'poststop': [{'path': '/usr/libexec/podman/cleanup'}]},"
	" 'annotations': {'io.container.manager': 'libpod', "
	"'io.podman.annotations.autoremove': 'FALSE',"
	"                 'org.opencontainers.image.stopSignal': '15', 'nested': {'x': [1, 2]}},"
	" 'linux': {"
	"  'sysctl': {'net.ipv4.ping_group_range': '0 0'},"
	"  'resources': {"
	"   'devices': [{'allow': false, 'access': 'rwm'},"
	"               {'allow': true, 'type': 'c', 'major': 10, 'minor': 229, 'access': 'rwm'}],"
	"   'memory': {'limit': 536870912, 'swap': 1073741824, 'swappiness': 18446744073709551615},"
	"   'cpu': {'quota': 50000, 'period': 100000},"
	"   'pids': {'limit': 2048}},"
	"  'cgroupsPath': '/libpod_parent/libpod-abc',"
	"  'namespaces': [{'type': 'pid'}, {'type': 'network', "
	"'path': '/run/netns/netns-5f0c2b7e'},"
	"                 {'type': 'ipc'}, {'type': 'uts'}, {'type': 'mount'}, {'type': 'cgroup'}],"
	"  'devices': [{'path': '/dev/fuse', 'type': 'c', 'major': 10, 'minor': 229, "
	"'fileMode': 8630,"
	"               'uid': 0, 'gid': 0}],"
	"  'seccomp': {"
	"   'defaultAction': 'SCMP_ACT_ERRNO', 'defaultErrnoRet': 38,"
	"   'architectures': ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],"
	"   'syscalls': ["
	"    {'names': ['bdflush', 'io_pgetevents', 'kexec_file_load', 'kexec_load'],"
	"     'action': 'SCMP_ACT_ERRNO', 'errnoRet': 1},"
	"    {'names': ['accept', 'read', 'write', 'exit_group'], 'action': 'SCMP_ACT_ALLOW'},"
	"    {'names': ['personality'], 'action': 'SCMP_ACT_ALLOW',"
	"     'args': [{'index': 0, 'value': 0, 'valueTwo': 0, 'op': 'SCMP_CMP_EQ'}]},"
	"    {'names': ['clone'], 'action': 'SCMP_ACT_ALLOW',"
	"     'args': [{'index': 0, 'value': 2114060288, 'valueTwo': 0, "
	"'op': 'SCMP_CMP_MASKED_EQ'}]},"
	"    {'names': ['ioctl'], 'action': 'SCMP_ACT_ALLOW',"
	"     'args': [{'index': 1, 'value': 18446744073709551615, 'valueTwo': 0, "
	"'op': 'SCMP_CMP_NE'}]}]},"
	"  'maskedPaths': ['/proc/acpi', '/proc/kcore', '/proc/keys', '/proc/latency_stats',"
	"                  '/proc/timer_list', '/proc/timer_stats', '/proc/sched_debug', "
	"'/proc/scsi',"
	"                  '/sys/firmware', '/sys/fs/selinux', '/sys/dev/block'],"
	"  'readonlyPaths': ['/proc/asound', '/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys',"
	"                    '/proc/sysrq-trigger']}}";

/* A copy of s with ' turned into ". */
static char *dq(const char *s)
{
	char *t = strdup(s);

	assert_non_null(t);
	for (char *c = t; *c; c++)
		if (*c == '\'')
			*c = '"';
	return t;
}

static int parse(const char *single_quoted, struct cell_oci_config *c, struct cell_err *err)
{
	char *text = dq(single_quoted);
	int r = cell_oci_config_parse(text, strlen(text), c, err);

	free(text);
	return r;
}

static size_t strv_len(char **v)
{
	size_t n = 0;

	while (v && v[n])
		n++;
	return n;
}

#define CAP(x) (1ull << (x))

static void test_podman(void **state)
{
	struct cell_oci_config c;
	struct cell_err err = { 0 };
	struct cell_oci_process *p;
	struct cell_oci_linux *l;
	json_t *seccomp;
	uint64_t want_caps = CAP(CAP_CHOWN) | CAP(CAP_DAC_OVERRIDE) | CAP(CAP_FOWNER) |
			     CAP(CAP_FSETID) | CAP(CAP_KILL) | CAP(CAP_NET_BIND_SERVICE) |
			     CAP(CAP_SETFCAP) | CAP(CAP_SETGID) | CAP(CAP_SETPCAP) |
			     CAP(CAP_SETUID) | CAP(CAP_SYS_CHROOT);

	(void)state;
	if (parse(podman_config, &c, &err) < 0)
		fail_msg("%s", err.msg);
	assert_string_equal(c.oci_version, "1.0.2-dev");
	assert_string_equal(c.root_path, "/var/lib/containers/storage/overlay/9d1c0e3b/merged");
	assert_false(c.root_readonly);
	assert_string_equal(c.hostname, "3f2a9c1d7e4b");
	assert_null(c.domainname);

	p = c.process;
	assert_non_null(p);
	assert_true(p->terminal);
	assert_true(p->has_console_size);
	assert_int_equal(p->console_height, 24);
	assert_int_equal(p->console_width, 80);
	assert_int_equal(p->uid, 0);
	assert_int_equal(p->gid, 0);
	assert_true(p->umask.set);
	assert_int_equal(p->umask.value, 022);
	assert_int_equal(p->n_additional_gids, 11);
	assert_int_equal(p->additional_gids[10], 27);
	assert_int_equal(strv_len(p->args), 1);
	assert_string_equal(p->args[0], "/bin/sh");
	assert_int_equal(strv_len(p->env), 5);
	assert_string_equal(p->env[2], "container=podman");
	assert_string_equal(p->cwd, "/");
	assert_true(p->caps.set);
	assert_true(p->caps.bounding == want_caps);
	assert_true(p->caps.effective == want_caps);
	assert_true(p->caps.permitted == want_caps);
	assert_true(p->caps.inheritable == 0);
	assert_true(p->caps.ambient == 0);
	assert_int_equal(p->n_rlimits, 3);
	assert_int_equal(p->rlimits[0].type, RLIMIT_NOFILE);
	assert_true(p->rlimits[0].soft == 1048576 && p->rlimits[0].hard == 1048576);
	assert_int_equal(p->rlimits[1].type, RLIMIT_NPROC);
	/* --ulimit memlock=-1: RLIM_INFINITY, past what jansson holds */
	assert_int_equal(p->rlimits[2].type, RLIMIT_MEMLOCK);
	assert_true(p->rlimits[2].soft == UINT64_MAX && p->rlimits[2].hard == UINT64_MAX);
	assert_false(p->no_new_privileges);
	assert_true(p->oom_score_adj.set);
	assert_int_equal(p->oom_score_adj.value, 0);
	assert_string_equal(p->selinux_label, "");
	assert_null(p->apparmor_profile);
	assert_false(p->has_io_priority);
	assert_false(p->has_scheduler);

	assert_int_equal(c.n_mounts, 11);
	assert_string_equal(c.mounts[0].destination, "/proc");
	assert_string_equal(c.mounts[0].type, "proc");
	assert_int_equal(strv_len(c.mounts[0].options), 3);
	assert_string_equal(c.mounts[3].options[5], "gid=5");
	assert_string_equal(c.mounts[9].destination, "/dev/shm");
	assert_string_equal(c.mounts[9].type, "bind");
	assert_string_equal(c.mounts[9].source,
			    "/var/lib/containers/storage/overlay-containers/3f2a9c1d/userdata/shm");
	assert_string_equal(c.mounts[10].destination, "/sys/fs/cgroup");
	assert_int_equal(c.mounts[10].n_uid_mappings, 0);

	assert_int_equal(c.hooks[CELL_OCI_HOOK_CREATE_RUNTIME].n, 1);
	assert_string_equal(c.hooks[CELL_OCI_HOOK_CREATE_RUNTIME].hooks[0].path,
			    "/usr/bin/nvidia-container-runtime-hook");
	assert_string_equal(c.hooks[CELL_OCI_HOOK_CREATE_RUNTIME].hooks[0].args[1], "prestart");
	assert_string_equal(c.hooks[CELL_OCI_HOOK_CREATE_RUNTIME].hooks[0].env[0],
			    "NVIDIA_VISIBLE_DEVICES=all");
	assert_int_equal(c.hooks[CELL_OCI_HOOK_CREATE_RUNTIME].hooks[0].timeout, 30);
	assert_int_equal(c.hooks[CELL_OCI_HOOK_POSTSTOP].n, 1);
	assert_int_equal(c.hooks[CELL_OCI_HOOK_POSTSTOP].hooks[0].timeout, 0);
	assert_null(c.hooks[CELL_OCI_HOOK_POSTSTOP].hooks[0].args);
	assert_int_equal(c.hooks[CELL_OCI_HOOK_PRESTART].n, 0);

	l = &c.lnx;
	assert_true(l->present);
	assert_int_equal(l->n_sysctl, 1);
	assert_string_equal(l->sysctl[0].key, "net.ipv4.ping_group_range");
	assert_string_equal(l->sysctl[0].value, "0 0");
	assert_string_equal(l->cgroups_path, "/libpod_parent/libpod-abc");
	assert_int_equal(l->n_namespaces, 6);
	assert_int_equal(l->namespaces[0].type, CELL_NS_PID);
	assert_null(l->namespaces[0].path);
	assert_int_equal(l->namespaces[1].type, CELL_NS_NET);
	assert_string_equal(l->namespaces[1].path, "/run/netns/netns-5f0c2b7e");
	assert_int_equal(l->namespaces[4].type, CELL_NS_MNT);
	assert_int_equal(l->namespaces[5].type, CELL_NS_CGROUP);
	assert_int_equal(l->n_uid_mappings, 0);
	assert_int_equal(l->n_devices, 1);
	assert_int_equal(l->devices[0].type, 'c');
	assert_int_equal(l->devices[0].major, 10);
	assert_int_equal(l->devices[0].minor, 229);
	assert_int_equal(l->devices[0].file_mode.value & 07777, 0666);

	assert_true(l->resources.present);
	assert_int_equal(l->resources.n_devices, 2);
	assert_false(l->resources.devices[0].allow);
	assert_int_equal(l->resources.devices[0].type, 'a');
	assert_int_equal(l->resources.devices[0].major, -1);
	assert_string_equal(l->resources.devices[0].access, "rwm");
	assert_true(l->resources.devices[1].allow);
	assert_int_equal(l->resources.devices[1].type, 'c');
	assert_int_equal(l->resources.devices[1].minor, 229);
	assert_true(l->resources.memory.present);
	assert_true(l->resources.memory.limit.set);
	assert_int_equal(l->resources.memory.limit.value, 536870912);
	assert_int_equal(l->resources.memory.swap.value, 1073741824);
	assert_false(l->resources.memory.reservation.set);
	/* (uint64)-1 swappiness is Docker's "not set" */
	assert_false(l->resources.memory.swappiness.set);
	assert_true(l->resources.cpu.present);
	assert_int_equal(l->resources.cpu.quota.value, 50000);
	assert_int_equal(l->resources.cpu.period.value, 100000);
	assert_false(l->resources.cpu.shares.set);
	assert_null(l->resources.cpu.cpus);
	assert_true(l->resources.pids.present);
	assert_int_equal(l->resources.pids.limit.value, 2048);
	assert_false(l->resources.block_io.present);
	assert_false(l->resources.network.present);

	assert_int_equal(strv_len(l->masked_paths), 11);
	assert_string_equal(l->masked_paths[10], "/sys/dev/block");
	assert_int_equal(strv_len(l->readonly_paths), 6);
	assert_int_equal(l->rootfs_propagation, 0);
	assert_false(l->has_personality);

	/* The seccomp subtree is kept as JSON text, numbers exact. */
	assert_non_null(l->seccomp_json);
	assert_non_null(strstr(l->seccomp_json, "\"value\":18446744073709551615"));
	seccomp = cell_oci_json_load(l->seccomp_json, strlen(l->seccomp_json), &err);
	assert_non_null(seccomp);
	{
		json_t *syscalls = json_object_get(seccomp, "syscalls"), *arg;
		uint64_t v = 0;

		arg = json_array_get(json_object_get(json_array_get(syscalls, 3), "args"), 0);
		assert_true(cell_oci_json_u64(json_object_get(arg, "value"), &v));
		assert_true(v == 2114060288);
		arg = json_array_get(json_object_get(json_array_get(syscalls, 4), "args"), 0);
		assert_true(cell_oci_json_u64(json_object_get(arg, "value"), &v));
		assert_true(v == UINT64_MAX);
		assert_false(cell_oci_json_u64(json_object_get(arg, "op"), &v));
	}
	assert_string_equal(json_string_value(json_object_get(seccomp, "defaultAction")),
			    "SCMP_ACT_ERRNO");
	assert_int_equal(json_array_size(json_object_get(seccomp, "syscalls")), 5);
	json_decref(seccomp);

	cell_oci_config_clear(&c);
	assert_null(c.process);
	cell_oci_config_clear(&c); /* twice is fine */
}

static void test_minimal(void **state)
{
	struct cell_oci_config c;
	struct cell_err err = { 0 };

	(void)state;
	assert_int_equal(parse("{'ociVersion': '1.1.0', 'root': {'path': 'rootfs'}}", &c, &err), 0);
	assert_string_equal(c.root_path, "rootfs");
	assert_null(c.process); /* the caller refuses create/run without one */
	assert_int_equal(c.n_mounts, 0);
	assert_false(c.lnx.present);
	assert_null(c.lnx.seccomp_json);
	cell_oci_config_clear(&c);

	/* null is absent, unknown fields are ignored, a process with only
	 * what it needs */
	assert_int_equal(parse("{'ociVersion': '1.2.0',"
			       " 'root': {'path': 'rootfs', 'readonly': true},"
			       " 'hostname': null, 'mounts': null, 'vm': {'hypervisor': {}},"
			       " 'futureField': [1, 2, 3],"
			       " 'process': {'args': ['true'], 'cwd': '/', 'user': {'uid': 1000, "
			       "'gid': 100},"
			       "             'capabilities': {'bounding': ['CAP_KILL']},"
			       "             'noNewPrivileges': true, 'unknown': 1},"
			       " 'linux': {'namespaces': [{'type': 'user'}, {'type': 'time'}],"
			       "           'uidMappings': [{'containerID': 0, 'hostID': 1000, "
			       "'size': 1}],"
			       "           'rootfsPropagation': 'rslave',"
			       "           'personality': {'domain': 'LINUX32'},"
			       "           'timeOffsets': {'monotonic': {'secs': -5, "
			       "'nanosecs': 7}},"
			       "           'intelRdt': {'closID': 'x'}}}",
			       &c, &err),
			 0);
	assert_true(c.root_readonly);
	assert_null(c.hostname);
	assert_non_null(c.process);
	assert_int_equal(c.process->uid, 1000);
	assert_int_equal(c.process->gid, 100);
	assert_false(c.process->umask.set);
	assert_false(c.process->oom_score_adj.set);
	assert_true(c.process->caps.set);
	assert_true(c.process->caps.bounding == CAP(CAP_KILL));
	assert_true(c.process->caps.effective == 0);
	assert_true(c.process->no_new_privileges);
	assert_null(c.process->env);
	assert_int_equal(c.lnx.n_namespaces, 2);
	assert_int_equal(c.lnx.namespaces[0].type, CELL_NS_USER);
	assert_int_equal(c.lnx.namespaces[1].type, CELL_NS_TIME);
	assert_int_equal(c.lnx.n_uid_mappings, 1);
	assert_int_equal(c.lnx.uid_mappings[0].host_id, 1000);
	assert_int_equal(c.lnx.uid_mappings[0].size, 1);
	assert_int_equal(c.lnx.rootfs_propagation, MS_SLAVE | MS_REC);
	assert_true(c.lnx.has_personality);
	assert_int_equal(c.lnx.personality, PER_LINUX32);
	assert_true(c.lnx.monotonic.set);
	assert_int_equal(c.lnx.monotonic.secs, -5);
	assert_int_equal(c.lnx.monotonic.nanosecs, 7);
	assert_false(c.lnx.boottime.set);
	assert_true(c.lnx.has_intel_rdt);
	assert_false(c.lnx.resources.present);
	cell_oci_config_clear(&c);
}

/* Everything the parser reads, once, to cover the less common fields. */
static void test_all_fields(void **state)
{
	struct cell_oci_config c;
	struct cell_err err = { 0 };
	struct cell_oci_resources *res;

	(void)state;
	if (parse("{'ociVersion': '1.2.0', 'root': {'path': '/r'}, 'domainname': 'example.org',"
		  " 'process': {'args': ['a', ''], 'cwd': '/w',"
		  "  'ioPriority': {'class': 'IOPRIO_CLASS_IDLE', 'priority': 7},"
		  "  'scheduler': {'policy': 'SCHED_BATCH', 'nice': 5},"
		  "  'execCPUAffinity': {'initial': '0'},"
		  "  'apparmorProfile': 'unconfined', 'oomScoreAdj': -1000,"
		  "  'capabilities': {'ambient': ['CAP_CHECKPOINT_RESTORE'], 'inheritable': []}},"
		  " 'mounts': [{'destination': '/data', 'type': 'bind', 'source': 'vol',"
		  "  'options': ['rbind', 'idmap'],"
		  "  'uidMappings': [{'containerID': 0, 'hostID': 100000, 'size': 65536}],"
		  "  'gidMappings': [{'containerID': 0, 'hostID': 100000, 'size': 65536}]}],"
		  " 'hooks': {'prestart': [{'path': '/bin/a'}], "
		  "'createContainer': [{'path': '/bin/b'}],"
		  "  'startContainer': [{'path': '/bin/c'}], 'poststart': [{'path': '/bin/d'}]},"
		  " 'linux': {'mountLabel': 'system_u:object_r:container_file_t:s0',"
		  "  'gidMappings': [{'containerID': 0, 'hostID': 1000, 'size': 1}],"
		  "  'devices': [{'type': 'p', 'path': '/dev/fifo'}],"
		  "  'netDevices': {'eth1': {}},"
		  "  'resources': {"
		  "   'memory': {'limit': -1, 'reservation': 0, 'kernel': 1, 'kernelTCP': 2,"
		  "              'swappiness': 60, 'disableOOMKiller': true, 'useHierarchy': true,"
		  "              'checkBeforeUpdate': true},"
		  "   'cpu': {'shares': 1024, 'quota': -1, 'burst': 10, 'realtimeRuntime': 950000,"
		  "           'realtimePeriod': 1000000, 'cpus': '0-3', 'mems': '0', 'idle': 1},"
		  "   'pids': {'limit': -1},"
		  "   'blockIO': {'weight': 500, 'leafWeight': 300,"
		  "               'weightDevice': [{'major': 8, 'minor': 0, 'weight': 100}],"
		  "               'throttleReadBpsDevice': [{'major': 8, 'minor': 0, 'rate': 600}],"
		  "               'throttleWriteIOPSDevice': [{'major': 8, 'minor': 16, "
		  "'rate': 300}]},"
		  "   'hugepageLimits': [{'pageSize': '2MB', 'limit': 9223372036854772000}],"
		  "   'network': {'classID': 1048577, 'priorities': [{'name': 'eth0', "
		  "'priority': 500}]},"
		  "   'rdma': {'mlx5_1': {'hcaHandles': 3, 'hcaObjects': 10000}},"
		  "   'unified': {'memory.high': '1073741824', 'io.weight': 'default 100'},"
		  "   'devices': [{'allow': true, 'type': 'b', 'major': 8, 'minor': -1, "
		  "'access': 'r'}]}}}",
		  &c, &err) < 0)
		fail_msg("%s", err.msg);
	assert_string_equal(c.domainname, "example.org");
	assert_int_equal(strv_len(c.process->args), 2);
	assert_true(c.process->has_io_priority);
	assert_int_equal(c.process->io_priority_class, 3);
	assert_int_equal(c.process->io_priority, 7);
	assert_true(c.process->has_scheduler);
	assert_string_equal(c.process->scheduler_policy, "SCHED_BATCH");
	assert_true(c.process->has_exec_cpu_affinity);
	assert_string_equal(c.process->apparmor_profile, "unconfined");
	assert_int_equal(c.process->oom_score_adj.value, -1000);
	assert_true(c.process->caps.ambient == CAP(CAP_CHECKPOINT_RESTORE));
	assert_int_equal(c.mounts[0].n_uid_mappings, 1);
	assert_int_equal(c.mounts[0].uid_mappings[0].host_id, 100000);
	assert_int_equal(c.mounts[0].gid_mappings[0].size, 65536);
	for (int k = 0; k < CELL_OCI_HOOK_MAX; k++)
		assert_int_equal(c.hooks[k].n, (k == CELL_OCI_HOOK_CREATE_RUNTIME ||
						 k == CELL_OCI_HOOK_POSTSTOP) ? 0 : 1);
	assert_string_equal(c.lnx.mount_label, "system_u:object_r:container_file_t:s0");
	assert_int_equal(c.lnx.n_gid_mappings, 1);
	assert_int_equal(c.lnx.devices[0].type, 'p');
	assert_int_equal(c.lnx.devices[0].major, -1);
	assert_false(c.lnx.devices[0].file_mode.set);
	assert_true(c.lnx.has_net_devices);

	res = &c.lnx.resources;
	assert_int_equal(res->memory.limit.value, -1);
	assert_true(res->memory.reservation.set);
	assert_int_equal(res->memory.kernel_tcp.value, 2);
	assert_int_equal(res->memory.swappiness.value, 60);
	assert_true(res->memory.disable_oom_killer && res->memory.use_hierarchy &&
		    res->memory.check_before_update);
	assert_int_equal(res->cpu.shares.value, 1024);
	assert_int_equal(res->cpu.quota.value, -1);
	assert_int_equal(res->cpu.burst.value, 10);
	assert_int_equal(res->cpu.realtime_period.value, 1000000);
	assert_string_equal(res->cpu.cpus, "0-3");
	assert_string_equal(res->cpu.mems, "0");
	assert_int_equal(res->cpu.idle.value, 1);
	assert_int_equal(res->pids.limit.value, -1);
	assert_int_equal(res->block_io.weight.value, 500);
	assert_int_equal(res->block_io.leaf_weight.value, 300);
	assert_int_equal(res->block_io.n_weight_devices, 1);
	assert_false(res->block_io.weight_devices[0].leaf_weight.set);
	assert_int_equal(res->block_io.n_throttle[CELL_OCI_THROTTLE_READ_BPS], 1);
	assert_int_equal(res->block_io.throttle[CELL_OCI_THROTTLE_READ_BPS][0].rate, 600);
	assert_int_equal(res->block_io.n_throttle[CELL_OCI_THROTTLE_WRITE_BPS], 0);
	assert_int_equal(res->block_io.throttle[CELL_OCI_THROTTLE_WRITE_IOPS][0].minor, 16);
	assert_int_equal(res->n_hugepage_limits, 1);
	assert_string_equal(res->hugepage_limits[0].page_size, "2MB");
	assert_true(res->hugepage_limits[0].limit == 9223372036854772000ull);
	assert_int_equal(res->network.class_id.value, 1048577);
	assert_string_equal(res->network.priorities[0].name, "eth0");
	assert_int_equal(res->n_rdma, 1);
	assert_string_equal(res->rdma[0].device, "mlx5_1");
	assert_int_equal(res->rdma[0].hca_objects.value, 10000);
	assert_int_equal(res->n_unified, 2);
	assert_string_equal(res->unified[1].key, "io.weight");
	assert_string_equal(res->unified[1].value, "default 100");
	assert_int_equal(res->devices[0].type, 'b');
	assert_int_equal(res->devices[0].minor, -1);
	assert_string_equal(res->devices[0].access, "r");
	cell_oci_config_clear(&c);
}

static void expect_error(const char *single_quoted, const char *message)
{
	struct cell_oci_config c;
	struct cell_err err = { 0 };

	if (parse(single_quoted, &c, &err) >= 0)
		fail_msg("accepted: %s", single_quoted);
	if (!strstr(err.msg, message))
		fail_msg("'%s' does not contain '%s'", err.msg, message);
	/* a failed parse leaves nothing behind */
	assert_null(c.oci_version);
	assert_null(c.process);
	assert_null(c.mounts);
}

#define HEAD "'ociVersion': '1.0.0', 'root': {'path': 'rootfs'}"
#define PROC "'args': ['sh'], 'cwd': '/'"

static void test_errors(void **state)
{
	(void)state;
	/* the document */
	expect_error("{'ociVersion': '1.0.0', 'root': ", "line 1 column");
	expect_error("[1]", ".: expected an object");
	expect_error("{'root': {'path': 'rootfs'}}", ".ociVersion: missing");
	expect_error("{'ociVersion': 1, 'root': {'path': 'rootfs'}}",
		     ".ociVersion: expected a string");
	expect_error("{'ociVersion': '2.0.0', 'root': {'path': 'rootfs'}}",
		     ".ociVersion: version 2.0.0 is not supported");
	expect_error("{'ociVersion': 'v1', 'root': {'path': 'rootfs'}}",
		     ".ociVersion: \"v1\" is not a version");
	expect_error("{'ociVersion': '1.0.0'}", ".root: missing");
	expect_error("{'ociVersion': '1.0.0', 'root': {}}", ".root.path: missing");
	expect_error("{'ociVersion': '1.0.0', 'root': {'path': ''}}",
		     ".root.path: expected a non-empty string");
	expect_error("{'ociVersion': '1.0.0', 'root': {'path': 'r', 'readonly': 'yes'}}",
		     ".root.readonly: expected true or false");
	expect_error("{" HEAD ", 'hostname': "
		     "'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'}",
		     ".hostname: expected at most 64 bytes");

	/* process */
	expect_error("{" HEAD ", 'process': []}", ".process: expected an object");
	expect_error("{" HEAD ", 'process': {'cwd': '/'}}", ".process.args: missing");
	expect_error("{" HEAD ", 'process': {'args': [], 'cwd': '/'}}",
		     ".process.args: expected at least one argument");
	expect_error("{" HEAD ", 'process': {'args': ['sh', 1], 'cwd': '/'}}",
		     ".process.args[1]: expected a string");
	expect_error("{" HEAD ", 'process': {'args': ['sh']}}", ".process.cwd: missing");
	expect_error("{" HEAD ", 'process': {'args': ['sh'], 'cwd': 'home'}}",
		     ".process.cwd: expected an absolute path, got \"home\"");
	expect_error("{" HEAD ", 'process': {" PROC ", 'env': ['A=1', 'NOEQUALS']}}",
		     ".process.env[1]: expected \"NAME=VALUE\", got \"NOEQUALS\"");
	expect_error("{" HEAD ", 'process': {" PROC ", 'env': ['=x']}}",
		     ".process.env[0]: expected \"NAME=VALUE\"");
	expect_error("{" HEAD ", 'process': {" PROC ", 'user': {'uid': -1, 'gid': 0}}}",
		     ".process.user.uid: expected a non-negative integer");
	expect_error("{" HEAD ", 'process': {" PROC ", 'user': {'uid': '0', 'gid': 0}}}",
		     ".process.user.uid: expected a non-negative integer");
	expect_error("{" HEAD ", 'process': {" PROC ", 'user': {'uid': 0}}}",
		     ".process.user.gid: missing");
	expect_error("{" HEAD ", 'process': {" PROC ", 'user': {'uid': 0, 'gid': 4294967295}}}",
		     ".process.user.gid: expected a non-negative integer up to 4294967294, got "
		     "4294967295");
	expect_error("{" HEAD ", 'process': {" PROC ", 'user': {'uid': 0, 'gid': 0, "
		     "'umask': 512}}}",
		     ".process.user.umask: expected a non-negative integer up to 511, got 512");
	expect_error("{" HEAD ", 'process': {" PROC ", 'user': {'uid': 0, 'gid': 0, "
		     "'additionalGids': [1, 2.5]}}}",
		     ".process.user.additionalGids[1]: expected a non-negative integer");
	expect_error("{" HEAD ", 'process': {" PROC ", 'terminal': 1}}",
		     ".process.terminal: expected true or false");
	expect_error("{" HEAD ", 'process': {" PROC ", 'consoleSize': {'height': 24}}}",
		     ".process.consoleSize.width: missing");
	expect_error("{" HEAD ", 'process': {" PROC ", 'capabilities': ['CAP_KILL']}}",
		     ".process.capabilities: expected an object");
	expect_error("{" HEAD ", 'process': {" PROC ", 'capabilities': {'bounding': "
		     "['CAP_KILL', 'CAP_SYS_ADMN']}}}",
		     ".process.capabilities.bounding[1]: unknown capability \"CAP_SYS_ADMN\"");
	expect_error("{" HEAD ", 'process': {" PROC ", 'capabilities': {'ambient': ['kill']}}}",
		     ".process.capabilities.ambient[0]: unknown capability \"kill\"");
	expect_error("{" HEAD ", 'process': {" PROC ", 'capabilities': {'effective': 'CAP_KILL'}}}",
		     ".process.capabilities.effective: expected an array");
	expect_error("{" HEAD ", 'process': {" PROC ", 'rlimits': [{'type': 'RLIMIT_NOFILES', "
		     "'soft': 1, 'hard': 1}]}}",
		     ".process.rlimits[0].type: unknown rlimit type \"RLIMIT_NOFILES\"");
	expect_error("{" HEAD ", 'process': {" PROC ", 'rlimits': [{'type': 'nofile', "
		     "'soft': 1, 'hard': 1}]}}",
		     ".process.rlimits[0].type: unknown rlimit type \"nofile\"");
	expect_error("{" HEAD ", 'process': {" PROC ", 'rlimits': [{'type': 'RLIMIT_CORE', "
		     "'soft': 1}]}}",
		     ".process.rlimits[0].hard: missing");
	expect_error("{" HEAD ", 'process': {" PROC ", 'rlimits': [{'type': 'RLIMIT_CORE', "
		     "'soft': -1, 'hard': 1}]}}",
		     ".process.rlimits[0].soft: expected a non-negative integer, got -1");
	expect_error("{" HEAD ", 'process': {" PROC ", 'rlimits': [{'type': 'RLIMIT_CORE', "
		     "'soft': 2, 'hard': 1}]}}",
		     ".process.rlimits[0]: soft limit 2 is above the hard limit 1");
	expect_error("{" HEAD ", 'process': {" PROC ", 'rlimits': ["
		     "{'type': 'RLIMIT_CORE', 'soft': 1, 'hard': 1},"
		     "{'type': 'RLIMIT_NOFILE', 'soft': 1, 'hard': 1},"
		     "{'type': 'RLIMIT_CORE', 'soft': 2, 'hard': 2}]}}",
		     ".process.rlimits[2].type: the same type as .rlimits[0]");
	expect_error("{" HEAD ", 'process': {" PROC ", 'oomScoreAdj': 1001}}",
		     ".process.oomScoreAdj: expected an integer from -1000 to 1000, got 1001");
	expect_error("{" HEAD ", 'process': {" PROC ", 'ioPriority': {'class': 'IOPRIO_CLASS_XX', "
		     "'priority': 1}}}",
		     ".process.ioPriority.class: unknown I/O priority class");
	expect_error("{" HEAD ", 'process': {" PROC ", 'ioPriority': {'class': 'IOPRIO_CLASS_BE', "
		     "'priority': 8}}}",
		     ".process.ioPriority.priority: expected a non-negative integer up to 7");
	expect_error("{" HEAD ", 'process': {" PROC ", 'scheduler': {'policy': 'SCHED_FAST'}}}",
		     ".process.scheduler.policy: unknown scheduling policy \"SCHED_FAST\"");
	expect_error("{" HEAD ", 'process': {" PROC ", 'selinuxLabel': 18446744073709551615}}",
		     ".process.selinuxLabel: expected a string");

	/* mounts and hooks */
	expect_error("{" HEAD ", 'mounts': {}}", ".mounts: expected an array of objects");
	expect_error("{" HEAD ", 'mounts': ['/proc']}", ".mounts[0]: expected an object");
	expect_error("{" HEAD ", 'mounts': [{'destination': '/a'}, {'type': 'tmpfs'}]}",
		     ".mounts[1].destination: missing");
	expect_error("{" HEAD ", 'mounts': [{'destination': 'proc', 'type': 'proc'}]}",
		     ".mounts[0].destination: expected an absolute path, got \"proc\"");
	expect_error("{" HEAD ", 'mounts': [{'destination': '/a', 'options': 'ro'}]}",
		     ".mounts[0].options: expected an array of strings");
	expect_error("{" HEAD ", 'mounts': [{'destination': '/a', 'uidMappings': "
		     "[{'containerID': 0, 'hostID': 1000, 'size': 0}]}]}",
		     ".mounts[0].uidMappings[0].size: expected an integer from 1 to 4294967295, "
		     "got 0");
	expect_error("{" HEAD ", 'hooks': {'poststart': [{'path': 'hook'}]}}",
		     ".hooks.poststart[0].path: expected an absolute path");
	expect_error("{" HEAD ", 'hooks': {'prestart': [{'args': []}]}}",
		     ".hooks.prestart[0].path: missing");
	expect_error("{" HEAD ", 'hooks': {'createRuntime': [{'path': '/h', 'timeout': 0}]}}",
		     ".hooks.createRuntime[0].timeout: expected an integer from 1 to");

	/* linux */
	expect_error("{" HEAD ", 'linux': {'namespaces': [{'type': 'pid'}, {'type': 'ipc'}, "
		     "{'type': 'netwrk'}]}}",
		     ".linux.namespaces[2].type: unknown namespace type \"netwrk\"");
	expect_error("{" HEAD ", 'linux': {'namespaces': [{'type': 'pid'}, {'type': 'pid'}]}}",
		     ".linux.namespaces[1].type: namespace type \"pid\" given twice");
	expect_error("{" HEAD ", 'linux': {'namespaces': [{'type': 'net', 'path': 'x'}]}}",
		     ".linux.namespaces[0].type: unknown namespace type \"net\"");
	expect_error("{" HEAD ", 'linux': {'namespaces': [{'type': 'network', 'path': 'x'}]}}",
		     ".linux.namespaces[0].path: expected an absolute path");
	expect_error("{" HEAD ", 'linux': {'namespaces': [{}]}}",
		     ".linux.namespaces[0].type: missing");
	expect_error("{" HEAD ", 'linux': {'uidMappings': [{'containerID': 0, 'size': 1}]}}",
		     ".linux.uidMappings[0].hostID: missing");
	expect_error("{" HEAD ", 'linux': {'devices': [{'type': 'x', 'path': '/dev/x'}]}}",
		     ".linux.devices[0].type: unknown device type \"x\"");
	expect_error("{" HEAD ", 'linux': {'devices': [{'type': 'c', 'path': '/dev/x', "
		     "'major': 1}]}}",
		     ".linux.devices[0].minor: missing");
	expect_error("{" HEAD ", 'linux': {'resources': {'devices': [{'allow': true, "
		     "'access': 'rwx'}]}}}",
		     ".linux.resources.devices[0].access: expected some of the letters r, w, m");
	expect_error("{" HEAD ", 'linux': {'resources': {'devices': [{'access': 'r'}]}}}",
		     ".linux.resources.devices[0].allow: missing");
	expect_error("{" HEAD ", 'linux': {'resources': {'memory': {'limit': -2}}}}",
		     ".linux.resources.memory.limit: expected an integer from -1 to");
	expect_error("{" HEAD ", 'linux': {'resources': {'memory': {'limit': '512M'}}}}",
		     ".linux.resources.memory.limit: expected an integer");
	expect_error("{" HEAD ", 'linux': {'resources': {'memory': {'swappiness': 101}}}}",
		     ".linux.resources.memory.swappiness: expected a non-negative integer up to "
		     "100");
	expect_error("{" HEAD ", 'linux': {'resources': {'cpu': {'cpus': 3}}}}",
		     ".linux.resources.cpu.cpus: expected a string");
	expect_error("{" HEAD ", 'linux': {'resources': {'cpu': "
		     "{'shares': 18446744073709551615}}}}",
		     ".linux.resources.cpu.shares: expected a non-negative integer, got "
		     "18446744073709551615");
	expect_error("{" HEAD ", 'linux': {'resources': {'blockIO': {'throttleReadBpsDevice': "
		     "[{'major': 8, 'minor': 0}]}}}}",
		     ".linux.resources.blockIO.throttleReadBpsDevice[0].rate: missing");
	expect_error("{" HEAD ", 'linux': {'resources': {'unified': {'memory.max': 5}}}}",
		     ".linux.resources.unified[\"memory.max\"]: expected a string");
	expect_error("{" HEAD ", 'linux': {'sysctl': {'net.ipv4.ip_forward': 1}}}",
		     ".linux.sysctl[\"net.ipv4.ip_forward\"]: expected a string");
	expect_error("{" HEAD ", 'linux': {'resources': {'rdma': {'mlx': {'hcaHandles': -1}}}}}",
		     ".linux.resources.rdma.mlx.hcaHandles: expected a non-negative integer");
	expect_error("{" HEAD ", 'linux': {'seccomp': []}}", ".linux.seccomp: expected an object");
	expect_error("{" HEAD ", 'linux': {'rootfsPropagation': 'rprivat'}}",
		     ".linux.rootfsPropagation: unknown propagation \"rprivat\"");
	expect_error("{" HEAD ", 'linux': {'maskedPaths': ['/proc/kcore', 'proc/keys']}}",
		     ".linux.maskedPaths[1]: expected an absolute path, got \"proc/keys\"");
	expect_error("{" HEAD ", 'linux': {'readonlyPaths': [null]}}",
		     ".linux.readonlyPaths[0]: expected a string");
	expect_error("{" HEAD ", 'linux': {'personality': {'domain': 'LINUX64'}}}",
		     ".linux.personality.domain: unknown personality domain \"LINUX64\"");
	expect_error("{" HEAD ", 'linux': {'timeOffsets': {'realtime': {'secs': 1}}}}",
		     ".linux.timeOffsets.realtime: unknown clock");
	expect_error("{" HEAD ", 'linux': {'timeOffsets': {'boottime': {'nanosecs': 1000000000}}}}",
		     ".linux.timeOffsets.boottime.nanosecs: expected a non-negative integer up to "
		     "999999999");
	expect_error("{" HEAD ", 'linux': 'yes'}", ".linux: expected an object");
}

static void test_process_parse(void **state)
{
	static const char text[] = "{\"args\": [\"ls\", \"-l\"], \"cwd\": \"/tmp\", "
				   "\"env\": [\"A=B\"], \"terminal\": false}";
	struct cell_oci_process p;
	struct cell_err err = { 0 };

	(void)state;
	assert_int_equal(cell_oci_process_parse(text, strlen(text), &p, &err), 0);
	assert_string_equal(p.args[1], "-l");
	assert_string_equal(p.cwd, "/tmp");
	cell_oci_process_clear(&p);

	assert_true(cell_oci_process_parse("{\"args\": [\"ls\"]}", 16, &p, &err) < 0);
	assert_string_equal(err.msg, ".cwd: missing");
	assert_null(p.args);
}

static void test_load(void **state)
{
	char dir[] = "/tmp/cell-test-ociconfig.XXXXXX";
	struct cell_oci_config c;
	struct cell_err err = { 0 };
	char path[128], *text;
	int dirfd;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/config.json", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("{\"ociVersion\": \"1.0.0\", \"root\": {\"path\": \"rootfs\"}, \"mounts\": "
	      "[{\"destination\": \"tmp\"}]}",
	      f);
	fclose(f);

	dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(dirfd >= 0);
	assert_true(cell_oci_config_load(dirfd, "config.json", &c, &err) < 0);
	assert_string_equal(err.msg,
			    "config.json: .mounts[0].destination: expected an absolute path, "
			    "got \"tmp\"");

	f = fopen(path, "w");
	assert_non_null(f);
	text = dq(podman_config);
	fputs(text, f);
	free(text);
	fclose(f);
	assert_int_equal(cell_oci_config_load(dirfd, "config.json", &c, &err), 0);
	assert_int_equal(c.n_mounts, 11);
	cell_oci_config_clear(&c);
	assert_int_equal(cell_oci_config_load(AT_FDCWD, path, &c, &err), 0);
	cell_oci_config_clear(&c);

	assert_int_equal(cell_oci_config_load(dirfd, "nope.json", &c, &err), -ENOENT);
	assert_string_equal(err.msg, "nope.json");
	assert_int_equal(err.errnum, ENOENT);

	unlink(path);
	close(dirfd);
	rmdir(dir);
}

static void expect_options(const char *const *opts, unsigned long flags, unsigned long prop,
			   uint64_t set, uint64_t clr, const char *data)
{
	struct cell_oci_mount_opts o;
	struct cell_err err = { 0 };

	assert_int_equal(cell_oci_mount_options((char *const *)opts, &o, &err), 0);
	if (o.flags != flags)
		fail_msg("flags %#lx, want %#lx", o.flags, flags);
	assert_int_equal(o.propagation, prop);
	if (o.attr_set != set || o.attr_clr != clr)
		fail_msg("attrs set %#" PRIx64 " clr %#" PRIx64 ", want %#" PRIx64 " %#" PRIx64,
			 o.attr_set, o.attr_clr, set, clr);
	if (data)
		assert_string_equal(o.data, data);
	else
		assert_null(o.data);
	cell_oci_mount_opts_clear(&o);
}

#define OPTS(...) ((const char *const[]){ __VA_ARGS__, NULL })

static void test_mount_options(void **state)
{
	struct cell_oci_mount_opts o;
	struct cell_err err = { 0 };

	(void)state;
	expect_options(NULL, 0, 0, 0, 0, NULL);
	expect_options(OPTS("nosuid", "strictatime", "mode=755", "size=65536k"),
		       MS_NOSUID | MS_STRICTATIME, 0, 0, 0, "mode=755,size=65536k");
	expect_options(OPTS("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620",
			    "gid=5"),
		       MS_NOSUID | MS_NOEXEC, 0, 0, 0, "newinstance,ptmxmode=0666,mode=0620,gid=5");
	/* podman's /dev/shm and /sys/fs/cgroup */
	expect_options(OPTS("bind", "rprivate", "nosuid", "noexec", "nodev"),
		       MS_BIND | MS_NOSUID | MS_NOEXEC | MS_NODEV, MS_PRIVATE | MS_REC, 0, 0, NULL);
	expect_options(OPTS("rprivate", "nosuid", "noexec", "nodev", "relatime", "rw"),
		       MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RELATIME, MS_PRIVATE | MS_REC, 0, 0,
		       NULL);
	/* a later option undoes an earlier one */
	expect_options(OPTS("ro", "nodev", "rw", "dev", "exec", "suid", "async", "defaults", ""),
		       0, 0, 0, 0, NULL);
	expect_options(OPTS("sync", "dirsync", "remount", "mand", "noatime", "nodiratime",
			    "nosymfollow", "silent", "acl", "iversion", "lazytime"),
		       MS_SYNCHRONOUS | MS_DIRSYNC | MS_REMOUNT | MS_MANDLOCK | MS_NOATIME |
			       MS_NODIRATIME | MS_NOSYMFOLLOW | MS_SILENT | MS_POSIXACL |
			       MS_I_VERSION | MS_LAZYTIME,
		       0, 0, 0, NULL);
	expect_options(OPTS("mand", "nomand", "atime", "diratime", "norelatime", "nostrictatime",
			    "symfollow", "loud", "noacl", "noiversion", "nolazytime"),
		       0, 0, 0, 0, NULL);
	/* the last propagation wins */
	expect_options(OPTS("shared", "slave"), 0, MS_SLAVE, 0, 0, NULL);
	expect_options(OPTS("runbindable"), 0, MS_UNBINDABLE | MS_REC, 0, 0, NULL);
	expect_options(OPTS("rshared"), 0, MS_SHARED | MS_REC, 0, 0, NULL);
	/* recursive attributes for mount_setattr */
	expect_options(OPTS("rbind", "rro", "rnosuid", "rnodev"), MS_BIND | MS_REC, 0,
		       MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, 0, NULL);
	expect_options(OPTS("rro", "rrw", "rsuid"), 0, 0, 0, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID,
		       NULL);
	expect_options(OPTS("rnoatime"), 0, 0, MOUNT_ATTR_NOATIME, MOUNT_ATTR__ATIME, NULL);
	expect_options(OPTS("rnoatime", "ratime"), 0, 0, 0, MOUNT_ATTR__ATIME, NULL);
	expect_options(OPTS("rstrictatime", "rrelatime"), 0, 0, 0, MOUNT_ATTR__ATIME, NULL);

	/* extensions */
	assert_int_equal(cell_oci_mount_options((char *const *)OPTS("rbind", "tmpcopyup", "ridmap",
								     "ro", "x-foo"),
						&o, &err),
			 0);
	assert_true(o.bind && o.recursive && o.tmpcopyup && o.ridmap && !o.idmap);
	assert_int_equal(o.flags, MS_BIND | MS_REC | MS_RDONLY);
	assert_string_equal(o.data, "x-foo");
	cell_oci_mount_opts_clear(&o);
	assert_int_equal(cell_oci_mount_options((char *const *)OPTS("bind", "idmap"), &o, &err), 0);
	assert_true(o.bind && !o.recursive && o.idmap && !o.ridmap);
	cell_oci_mount_opts_clear(&o);

	assert_true(cell_oci_mount_options((char *const *)OPTS("bind", "idmap=uids=0-1-10"), &o,
					   &err) < 0);
	assert_non_null(strstr(err.msg, "mount option idmap=uids=0-1-10: mappings in the option"));
	assert_null(o.data);
	{
		char big[3000];
		const char *opts[] = { big, big, NULL };

		memset(big, 'a', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		assert_true(cell_oci_mount_options((char *const *)opts, &o, &err) < 0);
		assert_string_equal(err.msg, "mount options: the filesystem's options are longer "
				    "than mount(2) takes (4096 bytes)");
	}
}

/* cell oci spec: the document is valid and says what runc spec says. */
static void check_default_spec(bool rootless)
{
	char *text = cell_oci_spec_default(rootless);
	struct cell_oci_config c;
	struct cell_err err = { 0 };
	bool has_user = false, has_net = false;
	struct cell_oci_mount *pts = NULL, *sys = NULL;

	assert_non_null(text);
	assert_true(text[strlen(text) - 1] == '\n');
	if (cell_oci_config_parse(text, strlen(text), &c, &err) < 0)
		fail_msg("%s\n%s", err.msg, text);
	free(text);

	assert_string_equal(c.oci_version, "1.2.0");
	assert_string_equal(c.root_path, "rootfs");
	assert_true(c.root_readonly);
	assert_string_equal(c.hostname, "cell");
	assert_non_null(c.process);
	assert_true(c.process->terminal);
	assert_string_equal(c.process->args[0], "sh");
	assert_null(c.process->args[1]);
	assert_string_equal(c.process->cwd, "/");
	assert_string_equal(c.process->env[1], "TERM=xterm");
	assert_true(c.process->no_new_privileges);
	assert_true(c.process->caps.bounding ==
		    (CAP(CAP_AUDIT_WRITE) | CAP(CAP_KILL) | CAP(CAP_NET_BIND_SERVICE)));
	assert_true(c.process->caps.effective == c.process->caps.bounding);
	assert_true(c.process->caps.permitted == c.process->caps.bounding);
	assert_int_equal(c.process->n_rlimits, 1);
	assert_int_equal(c.process->rlimits[0].type, RLIMIT_NOFILE);
	assert_true(c.process->rlimits[0].soft == 1024 && c.process->rlimits[0].hard == 1024);

	assert_int_equal(c.n_mounts, 7);
	for (size_t i = 0; i < c.n_mounts; i++) {
		if (strcmp(c.mounts[i].destination, "/dev/pts") == 0)
			pts = &c.mounts[i];
		if (strcmp(c.mounts[i].destination, "/sys") == 0)
			sys = &c.mounts[i];
	}
	assert_non_null(pts);
	assert_non_null(sys);
	assert_int_equal(strv_len(pts->options), rootless ? 5 : 6);
	for (char **o = pts->options; *o; o++)
		assert_true(!rootless || strncmp(*o, "gid=", 4) != 0);
	assert_string_equal(sys->type, rootless ? "none" : "sysfs");
	assert_string_equal(sys->options[0], rootless ? "rbind" : "nosuid");

	for (size_t i = 0; i < c.lnx.n_namespaces; i++) {
		has_user |= c.lnx.namespaces[i].type == CELL_NS_USER;
		has_net |= c.lnx.namespaces[i].type == CELL_NS_NET;
	}
	assert_int_equal(c.lnx.n_namespaces, rootless ? 7 : 6);
	assert_true(has_net);
	assert_int_equal(has_user, rootless);
	assert_int_equal(c.lnx.n_uid_mappings, rootless ? 1 : 0);
	assert_int_equal(c.lnx.n_gid_mappings, rootless ? 1 : 0);
	if (rootless) {
		assert_int_equal(c.lnx.uid_mappings[0].container_id, 0);
		assert_int_equal(c.lnx.uid_mappings[0].host_id, geteuid());
		assert_int_equal(c.lnx.gid_mappings[0].host_id, getegid());
		assert_false(c.lnx.resources.present);
	} else {
		assert_int_equal(c.lnx.resources.n_devices, 1);
		assert_false(c.lnx.resources.devices[0].allow);
	}
	assert_true(strv_len(c.lnx.masked_paths) >= 10);
	assert_string_equal(c.lnx.readonly_paths[4], "/proc/sysrq-trigger");
	cell_oci_config_clear(&c);
}

static void test_spec_default(void **state)
{
	(void)state;
	check_default_spec(false);
	check_default_spec(true);
}

static bool array_has(json_t *a, const char *s)
{
	size_t i;
	json_t *e;

	json_array_foreach(a, i, e)
		if (strcmp(json_string_value(e), s) == 0)
			return true;
	return false;
}

static void test_features(void **state)
{
	char *text = cell_oci_features();
	json_error_t jerr;
	json_t *doc, *lx, *opts;

	(void)state;
	assert_non_null(text);
	doc = json_loads(text, 0, &jerr);
	if (!doc)
		fail_msg("%s: %s", jerr.text, text);
	free(text);
	assert_string_equal(json_string_value(json_object_get(doc, "ociVersionMin")), "1.0.0");
	assert_string_equal(json_string_value(json_object_get(doc, "ociVersionMax")), "1.2.0");
	assert_int_equal(json_array_size(json_object_get(doc, "hooks")), 6);
	assert_true(array_has(json_object_get(doc, "hooks"), "createContainer"));
	opts = json_object_get(doc, "mountOptions");
	assert_true(array_has(opts, "rbind") && array_has(opts, "rro") &&
		    array_has(opts, "runbindable") && array_has(opts, "tmpcopyup") &&
		    array_has(opts, "idmap") && array_has(opts, "nosymfollow"));
	lx = json_object_get(doc, "linux");
	assert_non_null(lx);
	assert_int_equal(json_array_size(json_object_get(lx, "namespaces")), 8);
	assert_true(array_has(json_object_get(lx, "namespaces"), "network"));
	assert_true(array_has(json_object_get(lx, "capabilities"), "CAP_SYS_ADMIN"));
	assert_true(array_has(json_object_get(lx, "capabilities"), "CAP_CHECKPOINT_RESTORE"));
	assert_true(json_is_true(json_object_get(json_object_get(lx, "cgroup"), "v2")));
	assert_true(json_is_false(json_object_get(json_object_get(lx, "cgroup"), "systemd")));
	assert_true(json_is_true(json_object_get(json_object_get(lx, "seccomp"), "enabled")));
	assert_true(array_has(json_object_get(json_object_get(lx, "seccomp"), "actions"),
			      "SCMP_ACT_NOTIFY"));
	assert_true(array_has(json_object_get(json_object_get(lx, "seccomp"), "archs"),
			      "SCMP_ARCH_X86_64"));
	assert_true(json_is_false(json_object_get(json_object_get(lx, "apparmor"), "enabled")));
	assert_true(json_is_false(json_object_get(json_object_get(lx, "selinux"), "enabled")));
	assert_true(json_is_true(json_object_get(
		json_object_get(json_object_get(lx, "mountExtensions"), "idmap"), "enabled")));
	json_decref(doc);

	/* Every mount option the features name, the parser takes as such
	 * (none is left over as filesystem data). */
	{
		struct cell_oci_mount_opts o;
		struct cell_err err = { 0 };
		size_t i;
		json_t *e;

		text = cell_oci_features();
		doc = json_loads(text, 0, NULL);
		free(text);
		json_array_foreach(json_object_get(doc, "mountOptions"), i, e) {
			char *one[] = { (char *)json_string_value(e), NULL };

			assert_int_equal(cell_oci_mount_options(one, &o, &err), 0);
			if (o.data)
				fail_msg("%s went to data", one[0]);
		}
		json_decref(doc);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_podman),	      cmocka_unit_test(test_minimal),
		cmocka_unit_test(test_all_fields),    cmocka_unit_test(test_errors),
		cmocka_unit_test(test_process_parse), cmocka_unit_test(test_load),
		cmocka_unit_test(test_mount_options), cmocka_unit_test(test_spec_default),
		cmocka_unit_test(test_features),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
