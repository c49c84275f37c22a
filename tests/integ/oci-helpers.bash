# oci-helpers.bash - shared by oci.bats and oci-podman.bats (load 'helpers'
# first, then 'oci-helpers').
#
# The OCI runtime under test is OCI_RUNTIME: by default cell-oci next to
# $CELL, else a cell-oci symbolic link to $CELL (cell answers as an OCI
# runtime when called cell-oci).  The same files run against runc or crun,
# which checks the tests themselves:
#
#   CELL=build/cell CELL_PROBE=build/tests/probe OCI_RUNTIME=runc \
#       bats tests/integ/oci.bats tests/integ/oci-podman.bats

# oci_runtime_setup: (in setup_file) set and export OCI_RT, the absolute
# path of the runtime under test, and OCI_RT_NAME, its base name.
oci_runtime_setup() {
	local rt=${OCI_RUNTIME:-} dir

	if [ -z "$rt" ]; then
		rt=$(dirname "$CELL")/cell-oci
		if [ ! -x "$rt" ]; then
			dir=$BATS_FILE_TMPDIR/oci-bin
			mkdir -p "$dir"
			ln -sf "$(readlink -f "$CELL")" "$dir/cell-oci"
			rt=$dir/cell-oci
		fi
	fi
	case $rt in
	*/*) rt=$(cd "$(dirname "$rt")" && pwd)/$(basename "$rt") ;;
	*) rt=$(command -v "$rt") || rt=$OCI_RUNTIME ;;
	esac
	OCI_RT=$rt
	OCI_RT_NAME=$(basename "$rt")
	export OCI_RT OCI_RT_NAME
}

# Is the runtime under test cell (and not runc or crun)?
oci_is_cell() {
	[ "$(readlink -f "$OCI_RT")" = "$(readlink -f "$CELL")" ]
}

# busybox_rootfs DIR: a minimal root file system: busybox-static and its
# applet links in /bin, empty mount points, /etc/passwd and /etc/group.
busybox_rootfs() {
	local d=$1 bb a

	bb=$(command -v busybox) || return 1
	mkdir -p "$d/bin" "$d/etc" "$d/proc" "$d/dev" "$d/sys" "$d/tmp" "$d/root" "$d/run"
	cp "$bb" "$d/bin/busybox"
	for a in $("$d/bin/busybox" --list); do
		[ "$a" = busybox ] || ln -sf busybox "$d/bin/$a"
	done
	printf 'root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000:user:/tmp:/bin/sh\n' >"$d/etc/passwd"
	printf 'root:x:0:\nuser:x:1000:\n' >"$d/etc/group"
	chmod 1777 "$d/tmp"
	chmod -R a+rX "$d"
}

need_busybox_static() {
	command -v busybox >/dev/null || skip "busybox is missing (apt-get install busybox-static)"
	[ "$(ldd "$(command -v busybox)" 2>&1 | grep -c '=>')" = 0 ] ||
		skip "busybox is not statically linked (apt-get install busybox-static)"
}

# oci_config ROOTFS ARG...: a config.json on stdout: ARG... as the process,
# no terminal, the root read-only, the usual mounts and namespaces.  As root
# the container gets cgroupsPath /cell-integ-oci/$OCI_ID (when OCI_ID is
# set); otherwise a user namespace maps the caller to root inside.
# OCI_CWD, OCI_TERMINAL (true/false) and OCI_ENV (a JSON array) override the
# defaults.
oci_config() {
	local rootfs=$1 uid gid args
	shift
	uid=$(id -u)
	gid=$(id -g)
	# (jq would take an argument like -c for one of its own options)
	args=$(json_array "$@")
	jq -n --argjson args "$args" --arg rootfs "$rootfs" --arg cwd "${OCI_CWD:-/}" \
		--arg cgpath "${OCI_ID:+/cell-integ-oci/$OCI_ID}" \
		--argjson terminal "${OCI_TERMINAL:-false}" \
		--argjson env "${OCI_ENV:-[\"PATH=/bin\", \"HOME=/root\"]}" \
		--argjson root "$(is_root && echo true || echo false)" \
		--argjson uid "$uid" --argjson gid "$gid" \
		'{
	ociVersion: "1.0.2",
	process: {
		terminal: $terminal,
		user: { uid: 0, gid: 0 },
		args: $args,
		env: $env,
		cwd: $cwd,
		capabilities: {
			bounding: ["CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_SETUID", "CAP_SETGID", "CAP_CHOWN"],
			effective: ["CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_SETUID", "CAP_SETGID", "CAP_CHOWN"],
			permitted: ["CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_SETUID", "CAP_SETGID", "CAP_CHOWN"]
		},
		rlimits: [{ type: "RLIMIT_NOFILE", hard: 1024, soft: 1024 }],
		noNewPrivileges: true
	},
	root: { path: $rootfs, readonly: true },
	hostname: "oci-test",
	mounts: [
		{ destination: "/proc", type: "proc", source: "proc" },
		{ destination: "/dev", type: "tmpfs", source: "tmpfs",
		  options: ["nosuid", "strictatime", "mode=755", "size=65536k"] },
		{ destination: "/dev/pts", type: "devpts", source: "devpts",
		  options: (["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"]
			+ (if $root then ["gid=5"] else [] end)) },
		{ destination: "/dev/shm", type: "tmpfs", source: "shm",
		  options: ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"] },
		{ destination: "/tmp", type: "tmpfs", source: "tmpfs",
		  options: ["nosuid", "nodev", "mode=1777"] }
	],
	linux: ({
		namespaces: ([{ type: "pid" }, { type: "ipc" }, { type: "uts" },
			{ type: "mount" }, { type: "network" }]
			+ (if $root then [] else [{ type: "user" }] end)),
		maskedPaths: ["/proc/kcore", "/proc/keys", "/proc/timer_list"],
		readonlyPaths: ["/proc/sys", "/proc/sysrq-trigger"]
	} + (if $root then (if $cgpath != "" then { cgroupsPath: $cgpath } else {} end)
		else { uidMappings: [{ containerID: 0, hostID: $uid, size: 1 }],
			gidMappings: [{ containerID: 0, hostID: $gid, size: 1 }] } end))
}'
}

# json_array ARG...: the arguments as a JSON array of strings.
json_array() {
	jq -nc '$ARGS.positional' --args -- "$@"
}

# wait_exited PID [SECONDS]: until PID has exited.  A zombie counts: the
# container's init is reparented to PID 1 once its runtime or conmon is
# gone, and some PID 1s reap slowly.
wait_exited() {
	local n=$((${2:-10} * 100)) st

	# (the state follows the last ")": the command name may hold anything)
	while st=$(sed -n 's/.*) \(.\).*/\1/p' "/proc/$1/stat" 2>/dev/null) && [ -n "$st" ] && [ "$st" != Z ]; do
		n=$((n - 1))
		[ "$n" -gt 0 ] || { echo "pid $1 still running ($st)" >&2; return 1; }
		sleep 0.01
	done
}
