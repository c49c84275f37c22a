/* ociconfig.h - an OCI bundle's config.json (opencontainers/runtime-spec 1.x,
 * config.md and config-linux.md) as plain data, plus the documents of
 * `cell oci spec` and `cell oci features` (features.md, features-linux.md).
 *
 * Pure: the parser reads JSON text (cell_oci_config_load only reads the
 * file) and checks each field's JSON type and value, nothing about the host.
 * The engine decides what it can do with the result; fields cell keeps only
 * so that the caller can refuse them are marked "refuse" below.
 *
 * Conventions of the structs:
 *   - strings are malloc'd, NULL when the field is absent;
 *   - string lists (char **) are NULL-terminated, NULL when absent;
 *   - arrays of structs come with a count (n_...);
 *   - an optional number is a struct cell_oci_int: .set says whether the
 *     config gave it, because 0 and -1 are meaningful values (a memory
 *     limit of -1 is "unlimited");
 *   - JSON null is taken as "absent", as Go's decoder (runc) does;
 *   - fields the spec does not define are ignored, as the spec requires;
 *     "annotations" are not looked at.
 *
 * Errors name the JSON path: ".process.user.uid: expected a non-negative
 * integer up to 4294967294, got -1", ".linux.namespaces[2].type: unknown
 * namespace type \"netwrk\"", ".root.path: missing".  cell_oci_config_load() puts the file
 * name in front ("config.json: .root.path: missing").
 *
 * What is checked here (per field): JSON types, required fields, absolute
 * paths where the spec says so (mount destinations, cwd, hook and device
 * paths, namespace paths, masked and read-only paths), names (namespaces,
 * capabilities, rlimits, devices, propagation, personality, I/O classes,
 * time namespace clocks), ranges (ids, umask, oom score, swappiness), and
 * duplicates where the spec forbids them (namespace types, rlimit types).
 * What is left to the caller: cross-field rules (a user namespace needs
 * mappings or a path, hostname needs a UTS namespace), and whether the
 * host or cell supports a field at all.
 */
#ifndef CELL_FRONT_OCICONFIG_H
#define CELL_FRONT_OCICONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../lib/err.h"
#include "../lib/spec.h"

/* An optional integer of the config. */
struct cell_oci_int {
	bool set;
	int64_t value;
};

/* linux.uidMappings, linux.gidMappings, mounts[].uidMappings/gidMappings. */
struct cell_oci_idmap {
	uint32_t container_id, host_id, size; /* size >= 1 */
};

/* mounts[]: kept as written; see cell_oci_mount_options() for the options. */
struct cell_oci_mount {
	char *destination; /* absolute (required) */
	char *type;	   /* NULL when absent ("bind" and "none" are usual for binds) */
	char *source;	   /* NULL when absent; relative paths are relative to the bundle */
	char **options;	   /* as written */
	/* Idmapped mount (runtime-spec 1.1): mappings for mount_setattr(MOUNT_ATTR_IDMAP). */
	struct cell_oci_idmap *uid_mappings, *gid_mappings;
	size_t n_uid_mappings, n_gid_mappings;
};

/* hooks.* entries. */
struct cell_oci_hook {
	char *path;   /* absolute (required) */
	char **args;  /* argv including argv[0], may be NULL */
	char **env;   /* "K=V" */
	int timeout;  /* seconds, > 0; 0 when absent (no timeout) */
};

enum cell_oci_hook_kind {
	CELL_OCI_HOOK_PRESTART, /* deprecated; runc runs them just before createRuntime */
	CELL_OCI_HOOK_CREATE_RUNTIME,
	CELL_OCI_HOOK_CREATE_CONTAINER,
	CELL_OCI_HOOK_START_CONTAINER,
	CELL_OCI_HOOK_POSTSTART,
	CELL_OCI_HOOK_POSTSTOP,
	CELL_OCI_HOOK_MAX
};

struct cell_oci_hooks {
	struct cell_oci_hook *hooks;
	size_t n;
};

/* process.rlimits[]; types are unique (the spec makes a duplicate an error). */
struct cell_oci_rlimit {
	int type;	     /* RLIMIT_* */
	uint64_t soft, hard; /* soft <= hard */
};

/* process.capabilities: bit N = capability number N (capabilities(7)).  An
 * absent set is empty, as in runc and crun.  Names of capabilities newer
 * than the kernel headers cell was built with are ignored, like runc. */
struct cell_oci_caps {
	bool set; /* process.capabilities was given */
	uint64_t bounding, effective, inheritable, permitted, ambient;
};

/* process: the container's process (also the --process FILE of exec). */
struct cell_oci_process {
	bool terminal;
	bool has_console_size; /* consoleSize: ignore it unless terminal */
	unsigned console_height, console_width;

	uint32_t uid, gid;	  /* user.uid, user.gid: 0 when "user" is absent */
	struct cell_oci_int umask; /* user.umask, 0 to 0777 */
	uint32_t *additional_gids;
	size_t n_additional_gids;

	char **args; /* non-empty (required) */
	char **env;  /* "K=V", K non-empty */
	char *cwd;   /* absolute (required) */

	struct cell_oci_caps caps;
	struct cell_oci_rlimit *rlimits;
	size_t n_rlimits;
	bool no_new_privileges;
	struct cell_oci_int oom_score_adj; /* -1000 to 1000 */

	char *apparmor_profile; /* refuse when non-empty: no AppArmor support */
	char *selinux_label;	/* refuse when non-empty: no SELinux support */

	/* ioPriority: class IOPRIO_CLASS_RT/BE/IDLE (linux/ioprio.h values
	 * 1, 2, 3), priority 0 to 7. */
	bool has_io_priority;
	int io_priority_class, io_priority;

	/* scheduler: kept only so the caller can refuse it; policy is the
	 * SCHED_* name as written. */
	bool has_scheduler;
	char *scheduler_policy;
	/* execCPUAffinity (1.2): refuse. */
	bool has_exec_cpu_affinity;
};

/* linux.namespaces[]: each type at most once. */
struct cell_oci_namespace {
	enum cell_ns_type type;
	char *path; /* NULL: create a new one; else join this (absolute) file */
};

/* linux.devices[]: device nodes to create in the container. */
struct cell_oci_device {
	char type;    /* 'c', 'b', 'u' (unbuffered char, same as 'c') or 'p' (fifo) */
	char *path;   /* absolute (required) */
	int64_t major, minor; /* required for c, b, u; -1 for p */
	struct cell_oci_int file_mode; /* uint32; may carry S_IFMT bits (podman: 020666):
					* use & 07777 */
	struct cell_oci_int uid, gid;
};

/* linux.resources.devices[]: the cgroup device allow/deny list, in order. */
struct cell_oci_device_rule {
	bool allow;
	char type;	      /* 'a' (all, the default), 'c' or 'b' */
	int64_t major, minor; /* -1 = any (absent) */
	char access[4];	      /* letters of "rwm", "rwm" when absent */
};

struct cell_oci_weight_device {
	int64_t major, minor;
	struct cell_oci_int weight, leaf_weight;
};

struct cell_oci_throttle_device {
	int64_t major, minor;
	uint64_t rate;
};

enum cell_oci_throttle_kind {
	CELL_OCI_THROTTLE_READ_BPS,
	CELL_OCI_THROTTLE_WRITE_BPS,
	CELL_OCI_THROTTLE_READ_IOPS,
	CELL_OCI_THROTTLE_WRITE_IOPS,
	CELL_OCI_THROTTLE_MAX
};

struct cell_oci_hugepage_limit {
	char *page_size; /* "2MB", "1GB" */
	uint64_t limit;
};

struct cell_oci_net_priority {
	char *name;
	uint32_t priority;
};

struct cell_oci_rdma {
	char *device;
	struct cell_oci_int hca_handles, hca_objects;
};

/* A string map entry (linux.sysctl, linux.resources.unified), in the order
 * of the file. */
struct cell_oci_kv {
	char *key, *value;
};

/* linux.resources.  Each group has a "present" flag so the caller can refuse
 * a controller it does not drive. */
struct cell_oci_resources {
	bool present;

	struct cell_oci_device_rule *devices;
	size_t n_devices;

	struct {
		bool present;
		/* bytes; limit, reservation and swap take -1 = unlimited */
		struct cell_oci_int limit, reservation, swap, kernel, kernel_tcp;
		struct cell_oci_int swappiness; /* 0 to 100 */
		bool disable_oom_killer, use_hierarchy, check_before_update;
	} memory;

	struct {
		bool present;
		struct cell_oci_int shares, quota, burst, period;
		struct cell_oci_int realtime_runtime, realtime_period;
		struct cell_oci_int idle;
		char *cpus, *mems; /* cpuset lists as written ("0-3,7") */
	} cpu;

	struct {
		bool present;
		struct cell_oci_int limit; /* <= 0 is unlimited (runc) */
	} pids;

	struct {
		bool present;
		struct cell_oci_int weight, leaf_weight; /* uint16 as written (cgroup: 10-1000) */
		struct cell_oci_weight_device *weight_devices;
		size_t n_weight_devices;
		struct cell_oci_throttle_device *throttle[CELL_OCI_THROTTLE_MAX];
		size_t n_throttle[CELL_OCI_THROTTLE_MAX];
	} block_io;

	struct cell_oci_hugepage_limit *hugepage_limits;
	size_t n_hugepage_limits;

	struct {
		bool present;
		struct cell_oci_int class_id;
		struct cell_oci_net_priority *priorities;
		size_t n_priorities;
	} network;

	struct cell_oci_rdma *rdma;
	size_t n_rdma;

	struct cell_oci_kv *unified; /* cgroup v2 file name -> value */
	size_t n_unified;
};

/* linux.timeOffsets.monotonic / .boottime (time_namespaces(7)). */
struct cell_oci_time_offset {
	bool set;
	int64_t secs;
	uint32_t nanosecs; /* below 1e9 */
};

struct cell_oci_linux {
	bool present; /* the "linux" object was given */

	struct cell_oci_namespace *namespaces;
	size_t n_namespaces;
	struct cell_oci_idmap *uid_mappings, *gid_mappings;
	size_t n_uid_mappings, n_gid_mappings;
	struct cell_oci_device *devices;
	size_t n_devices;

	char *cgroups_path; /* as written: "/a/b", "a/b" or systemd's "slice:prefix:name" */
	struct cell_oci_resources resources;

	struct cell_oci_kv *sysctl;
	size_t n_sysctl;

	/* linux.seccomp re-serialised as compact JSON text (an object), NULL
	 * when absent: the seccomp converter parses it and owns its
	 * validation.  Numbers are exact, uint64 ones too: read it with
	 * cell_oci_json_load() and cell_oci_json_u64() to get values above
	 * INT64_MAX (masks, "value": 18446744073709551615), which plain
	 * json_loads() refuses. */
	char *seccomp_json;

	/* rootfsPropagation: MS_PRIVATE, MS_SLAVE, MS_SHARED or MS_UNBINDABLE,
	 * with MS_REC for the r- forms; 0 when absent. */
	unsigned long rootfs_propagation;

	char **masked_paths;   /* absolute */
	char **readonly_paths; /* absolute */
	char *mount_label;     /* refuse when non-empty: no SELinux support */

	bool has_personality;
	unsigned long personality; /* PER_LINUX or PER_LINUX32 (sys/personality.h) */

	struct cell_oci_time_offset monotonic, boottime;

	bool has_intel_rdt;   /* refuse */
	bool has_net_devices; /* netDevices (1.2): refuse */
};

struct cell_oci_config {
	char *oci_version; /* "1.x.y..." (major 1, required) */

	struct cell_oci_process *process; /* NULL when absent: create/run must refuse */

	char *root_path;    /* root.path (required): absolute or relative to the bundle */
	bool root_readonly; /* root.readonly */

	char *hostname, *domainname; /* at most 64 bytes each */

	struct cell_oci_mount *mounts; /* in order; mount them in this order */
	size_t n_mounts;

	struct cell_oci_hooks hooks[CELL_OCI_HOOK_MAX];

	struct cell_oci_linux lnx; /* .linux ("linux" is a macro of GNU C) */
};

/* Parse config.json text.  On failure *ret is left cleared and err names
 * the JSON path (or the line and column of a JSON syntax error). */
int cell_oci_config_parse(const char *json_text, size_t len, struct cell_oci_config *ret,
			  struct cell_err *err);
/* Read and parse the file path (relative to dirfd, or AT_FDCWD): normally
 * "config.json" in the bundle directory.  Errors start with path. */
int cell_oci_config_load(int dirfd, const char *path, struct cell_oci_config *ret,
			 struct cell_err *err);
/* Free everything and zero c; accepts a zeroed or cleared struct. */
void cell_oci_config_clear(struct cell_oci_config *c);

/* A process object alone (the --process FILE of `cell oci exec`), with the
 * same rules as .process of config.json; errors name ".args" etc. */
int cell_oci_process_parse(const char *json_text, size_t len, struct cell_oci_process *ret,
			   struct cell_err *err);
void cell_oci_process_clear(struct cell_oci_process *p);

/* JSON with uint64 numbers.  jansson keeps integers in a long long and
 * refuses larger ones, but the spec has uint64 fields; this parses like
 * json_loadb() (no trailing text) except that integers from 2^63 to 2^64-1
 * become marked strings, which cell_oci_json_u64() reads back.  NULL on
 * failure, with the line and column in err.  (Used for config.json itself,
 * and meant for seccomp_json.) */
struct json_t;
struct json_t *cell_oci_json_load(const char *text, size_t len, struct cell_err *err);
/* A JSON integer >= 0, or a big one marked by cell_oci_json_load(), into
 * *ret; false for anything else. */
bool cell_oci_json_u64(const struct json_t *v, uint64_t *ret);

/* "prestart", "createRuntime", ...: the JSON names. */
const char *cell_oci_hook_name(enum cell_oci_hook_kind kind);

/* A mounts[].options list turned into what the mount code needs, the way
 * runc and crun read it (where they differ, see ociconfig.c):
 *   - flags: MS_* for mount(2) (ro, nosuid, nodev, noexec, sync, dirsync,
 *     remount, mand, noatime, nodiratime, relatime, strictatime, silent,
 *     posixacl, iversion, lazytime, nosymfollow, bind = MS_BIND,
 *     rbind = MS_BIND|MS_REC); the "no"/"rw"/"suid"... forms clear the bit
 *     again, and a later option wins over an earlier one;
 *   - propagation: MS_PRIVATE/MS_SLAVE/MS_SHARED/MS_UNBINDABLE (| MS_REC
 *     for rprivate...), the last one given, 0 for none: a separate
 *     mount(2) call after the mount itself;
 *   - attr_set/attr_clr: MOUNT_ATTR_* for mount_setattr(2) with
 *     AT_RECURSIVE, from rro, rrw, rnosuid, rsuid, rnodev, rdev, rnoexec,
 *     rexec, rnoatime, ratime, rrelatime, rnorelatime, rstrictatime,
 *     rnostrictatime, rnodiratime, rdiratime, rnosymfollow, rsymfollow
 *     (an atime mode in attr_set also puts MOUNT_ATTR__ATIME in attr_clr,
 *     as mount_setattr(2) requires);
 *   - tmpcopyup: copy the image's files under the destination into the
 *     new tmpfs; idmap/ridmap: an idmapped mount (recursive for ridmap)
 *     with the mount's uid/gidMappings;
 *   - data: every other option, joined with ',' in order (for the
 *     filesystem: "mode=755,size=65536k"), NULL when none.
 * "defaults" and "" are accepted and mean nothing. */
struct cell_oci_mount_opts {
	unsigned long flags;
	unsigned long propagation;
	uint64_t attr_set, attr_clr;
	bool bind, recursive; /* bind or rbind (recursive: rbind) */
	bool tmpcopyup;
	bool idmap, ridmap;
	char *data;
};

/* Fails only on out-of-memory, on an "idmap=..." with explicit mappings
 * (crun's syntax; use uidMappings/gidMappings) and on data longer than
 * mount(2) takes (a page).  The error names the option. */
int cell_oci_mount_options(char *const *options, struct cell_oci_mount_opts *ret,
			   struct cell_err *err);
void cell_oci_mount_opts_clear(struct cell_oci_mount_opts *o);

/* The config.json `cell oci spec [--rootless]` writes (like `runc spec`),
 * pretty-printed with a final newline; rootless maps root in a new user
 * namespace to the caller's euid/egid.  NULL on out-of-memory. */
char *cell_oci_spec_default(bool rootless);

/* The features document of `cell oci features` (features.md), pretty-printed
 * with a final newline.  NULL on out-of-memory. */
char *cell_oci_features(void);

#endif
