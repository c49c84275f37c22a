#!/usr/bin/env bats
# podman uses cell as its OCI runtime:
#   podman --runtime $(command -v cell-oci) --cgroup-manager cgroupfs \
#       run --rm --network none IMAGE CMD
# on an image made here (busybox-static imported with podman import: no
# registry is reachable).  Exit codes of run and exec pass through; -e, -w,
# --hostname, --user, --read-only, -i and -t work; run -d, exec, pause,
# unpause, stop, rm show in podman inspect; --memory and --pids-limit land
# in the container's cgroup and hold.
#
# podman keeps everything in a directory of this file's own (storage, run
# root, tmp dir, configuration: nothing of the host's /var/lib/containers,
# /run/libpod or /etc/cni).  Where the host cannot run podman (not
# installed, no cgroups, no user namespaces for an unprivileged user) every
# test is skipped with the reason.
#
# The runtime is OCI_RUNTIME (see oci-helpers.bash); the same file passes
# with OCI_RUNTIME=runc.  conmon runs the runtime; see /tmp/oci-recon/NOTES.md
# of the reconnaissance for the calls podman makes.

load helpers
load oci-helpers

IMG=localhost/cell-busybox

setup_file() {
	oci_runtime_setup
	export PODMAN_SKIP="" PODMAN_FAIL="" PODMAN_LIMITS_SKIP="" PD=""
	podman_install || return 0
	command -v jq >/dev/null || { PODMAN_SKIP="jq is missing (apt-get install jq)"; return 0; }
	if ! command -v busybox >/dev/null || [ "$(ldd "$(command -v busybox)" 2>&1 | grep -c '=>')" != 0 ]; then
		PODMAN_SKIP="busybox-static is missing (apt-get install busybox-static)"
		return 0
	fi
	grep -q cgroup /proc/self/mounts ||
		{ PODMAN_SKIP="no cgroup file system is mounted: podman cannot run containers"; return 0; }
	if ! is_root; then
		unshare -U true 2>/dev/null ||
			{ PODMAN_SKIP="no user namespaces for unprivileged users: rootless podman cannot run"; return 0; }
		command -v newuidmap >/dev/null ||
			{ PODMAN_SKIP="newuidmap is missing (package uidmap): rootless podman cannot run"; return 0; }
		grep -q "^$(id -un):" /etc/subuid 2>/dev/null ||
			{ PODMAN_SKIP="$(id -un) has no range in /etc/subuid: rootless podman cannot run"; return 0; }
	fi

	PD=$(mktemp -d /tmp/cell-integ-podman.XXXXXX)
	chmod 755 "$PD"
	podman_config "$PD"

	local out
	busybox_rootfs "$PD/rootfs"
	# (a failure here is this file's own, not the host's: it fails every test)
	if ! out=$(tar -C "$PD/rootfs" -c . | "$PD/pm" import -q - "$IMG" 2>&1); then
		PODMAN_FAIL="podman import failed: $(tail -n1 <<<"$out")"
		return 0
	fi
	# Can podman run a container here at all?  Ask a reference runtime
	# (runc) when there is one: if it fails too, the host is the problem.
	local ref
	ref=$(command -v runc || true)
	if [ -n "$ref" ] && [ "$(readlink -f "$ref")" != "$(readlink -f "$OCI_RT")" ]; then
		if ! out=$(PM_RUNTIME=$ref "$PD/pm" run --rm "$IMG" true 2>&1); then
			PODMAN_SKIP="podman cannot run a container here even with $ref: $(tail -n1 <<<"$out")"
			return 0
		fi
	fi
	if ! is_root && [ "$("$PD/pm" info --format '{{.Host.CgroupsVersion}}' 2>/dev/null)" = v1 ]; then
		PODMAN_LIMITS_SKIP="rootless podman on cgroup v1 has no cgroup of its own: no limits, no pause"
	fi
}

teardown_file() {
	[ -n "${PD:-}" ] && [ -x "$PD/pm" ] || return 0
	"$PD/pm" rm -a -f -t 0 >/dev/null 2>&1 || true
	if ! is_root; then
		# the image's files belong to subordinate ids
		"$PD/pm" unshare rm -rf "$PD/root" "$PD/run" >/dev/null 2>&1 || true
		# rootless podman's pause process keeps its user namespace
		[ -f "$PD/tmp/pause.pid" ] && kill "$(cat "$PD/tmp/pause.pid")" 2>/dev/null
	fi
	rm -rf "$PD"
}

# podman_install: podman is there, or install it (root, apt); else set
# PODMAN_SKIP and fail.
podman_install() {
	command -v podman >/dev/null && command -v conmon >/dev/null && return 0
	if is_root && command -v apt-get >/dev/null; then
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			podman conmon runc golang-github-containers-common catatonit >/dev/null 2>&1 ||
			{ apt-get update -qq >/dev/null 2>&1 &&
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
				podman conmon runc golang-github-containers-common catatonit >/dev/null 2>&1; } || true
	fi
	command -v podman >/dev/null && command -v conmon >/dev/null && return 0
	PODMAN_SKIP="podman is not installed (as root: apt-get install podman)"
	return 1
}

# podman_config DIR: a private configuration in DIR and DIR/pm, podman
# with it and the runtime under test ($PM_RUNTIME overrides the runtime).
podman_config() {
	local d=$1 nofile nproc

	mkdir -p "$d/tmp" "$d/net" "$d/cwd" "$d/home"
	mkdir -m 700 "$d/xdg"
	# podman's default limits (nofile 1048576) are above what root may set
	# without CAP_SYS_RESOURCE
	nofile=$(ulimit -Hn)
	nproc=$(ulimit -Hu)
	[ "$nofile" = unlimited ] || [ "$nofile" -gt 4096 ] && nofile=4096
	[ "$nproc" = unlimited ] || [ "$nproc" -gt 4096 ] && nproc=4096
	cat >"$d/containers.conf" <<EOF
[containers]
netns = "none"
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]

[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
tmp_dir = "$d/tmp"
volume_path = "$d/volumes"
runtime_supports_json = ["crun", "runc", "cell-oci"]

[network]
network_config_dir = "$d/net"
EOF
	# (the --root and --runroot options win; podman wants both here anyway)
	printf '[storage]\ndriver = "vfs"\ngraphroot = "%s"\nrunroot = "%s"\n' \
		"$d/root" "$d/run" >"$d/storage.conf"
	printf 'unqualified-search-registries = []\n' >"$d/registries.conf"
	# conmon works in podman's working directory (on an OOM kill it leaves
	# a file "oom" there): a directory of our own
	cat >"$d/pm" <<EOF
#!/bin/sh
cd "$d/cwd" || exit 125
exec env HOME="$d/home" XDG_RUNTIME_DIR="$d/xdg" CONTAINERS_CONF="$d/containers.conf" \\
	CONTAINERS_STORAGE_CONF="$d/storage.conf" CONTAINERS_REGISTRIES_CONF="$d/registries.conf" \\
	podman --root "$d/root" --runroot "$d/run" --storage-driver vfs \\
	--runtime "\${PM_RUNTIME:-$OCI_RT}" --cgroup-manager cgroupfs "\$@"
EOF
	chmod 755 "$d/pm"
}

setup() {
	common_setup
	[ -z "$PODMAN_SKIP" ] || skip "$PODMAN_SKIP"
	[ -z "$PODMAN_FAIL" ] || { echo "$PODMAN_FAIL" >&2; return 1; }
	NAME=cell-oci-$$-$BATS_TEST_NUMBER
}

teardown() {
	[ -z "${PD:-}" ] || "$PD/pm" rm -f -t 0 "$NAME" >/dev/null 2>&1 || true
	common_teardown
}

pm() {
	"$PD/pm" "$@"
}

need_limits() {
	[ -z "$PODMAN_LIMITS_SKIP" ] || skip "$PODMAN_LIMITS_SKIP"
}

# in_terminal SHELL-COMMAND: run it with a terminal (script(1)); sets
# output/status like `run`, CRs removed (as in terminal.bats).
in_terminal() {
	local fifo="$T/fifo.$RANDOM"

	command -v script >/dev/null || skip "script (util-linux) is missing"
	mkfifo "$fifo"
	run bash -c 'exec 5<>"$2"; script -qec "$1" /dev/null <&5 | tr -d "\r"; exit ${PIPESTATUS[0]}' \
		in_terminal "$1" "$fifo"
}

# inspect FORMAT: podman inspect of this test's container.
inspect() {
	pm inspect --format "$1" "$NAME"
}

# start_detached ARG...: run -d this test's container with ARG... (options,
# then image and command); sets CPID, the container's pid on the host.
start_detached() {
	run pm run -d --name "$NAME" "$@"
	status_is 0
	CPID=$(inspect '{{.State.Pid}}')
	[[ $CPID =~ ^[1-9][0-9]*$ ]] || { echo "pid: $CPID" >&2; return 1; }
}

# cgroup_file PID V1-CONTROLLER FILE: the path of FILE in the cgroup of
# PID (cgroup v1 hierarchy of V1-CONTROLLER, else the v2 one).
cgroup_file() {
	local pid=$1 ctl=$2 file=$3 line path

	line=$(grep -E "^[0-9]+:([^:]*,)?$ctl(,[^:]*)?:" "/proc/$pid/cgroup" || true)
	if [ -n "$line" ]; then
		path=${line#*:*:}
		echo "/sys/fs/cgroup/$ctl$path/$file"
		return 0
	fi
	line=$(grep '^0::' "/proc/$pid/cgroup")
	path=${line#0::}
	if [ -d /sys/fs/cgroup/unified ]; then
		echo "/sys/fs/cgroup/unified$path/$file"
	else
		echo "/sys/fs/cgroup$path/$file"
	fi
}

@test "podman: run --rm: output and exit status pass through" {
	run pm run --rm "$IMG" sh -c 'echo hello; exit 3'
	status_is 3
	assert_eq "$output" hello
	run pm run --rm "$IMG" true
	status_is 0
	assert_eq "$output" ""
}

@test "podman: run of a command that does not exist exits 127" {
	# podman maps the runtime's message ("no such file or directory" or
	# "executable file not found") to 127
	run -127 pm run --rm "$IMG" /no/such/command
	assert_contains "$output" "no/such/command"
}

@test "podman: -e, -w and --hostname" {
	run pm run --rm -e FOO='bar baz' -w /tmp --hostname hosty "$IMG" \
		sh -c 'echo "$FOO|$(pwd)|$(hostname)"'
	status_is 0
	assert_eq "$output" "bar baz|/tmp|hosty"
}

@test "podman: --user UID:GID" {
	run pm run --rm --user 1000:1000 "$IMG" sh -c 'echo "$(id -u):$(id -g)"'
	status_is 0
	assert_eq "$output" "1000:1000"
}

@test "podman: --read-only: the root cannot be written, /tmp can" {
	run pm run --rm --read-only "$IMG" sh -c \
		'touch /x 2>&1; echo "root=$?"; touch /tmp/x; echo "tmp=$?"'
	status_is 0
	assert_contains "$output" "Read-only file system"
	assert_contains "$output" "root=1"
	assert_contains "$output" "tmp=0"
	# without --read-only the root is writable
	run pm run --rm "$IMG" sh -c 'touch /x; echo "root=$?"'
	assert_eq "$output" "root=0"
}

@test "podman: run -i passes stdin; without -i the container's stdin is empty" {
	run pm run --rm -i "$IMG" sh -c 'cat; echo end'  < <(printf 'line one\nline two\n')
	status_is 0
	assert_eq "$output" "$(printf 'line one\nline two\nend')"
	run pm run --rm "$IMG" sh -c 'cat; echo end' < <(printf 'not passed\n')
	status_is 0
	assert_eq "$output" end
}

@test "podman: run -t gives the container a terminal; the status passes through" {
	in_terminal "$PD/pm run --rm -t $IMG sh -c 'tty; [ -t 0 ] && [ -t 1 ] && echo tty-ok; exit 5'"
	status_is 5
	assert_contains "$output" /dev/pts/
	assert_contains "$output" tty-ok
	# and without -t, none
	run pm run --rm "$IMG" sh -c '[ -t 1 ] || echo no-tty'
	assert_eq "$output" no-tty
}

@test "podman: exec in a run -d container: output, status, -e -w -u, -i, -t" {
	start_detached "$IMG" sleep 1000
	run pm exec "$NAME" sh -c 'echo exec-out; exit 4'
	status_is 4
	assert_eq "$output" exec-out
	run pm exec -e X=1 -w /tmp -u 1000:1000 "$NAME" sh -c 'echo "$X $(pwd) $(id -u):$(id -g)"'
	status_is 0
	assert_eq "$output" "1 /tmp 1000:1000"
	run pm exec -i "$NAME" cat < <(echo exec-stdin)
	status_is 0
	assert_eq "$output" exec-stdin
	in_terminal "$PD/pm exec -t $NAME sh -c 'tty; exit 6'"
	status_is 6
	assert_contains "$output" /dev/pts/
	run -127 pm exec "$NAME" /no/such/command
	# the container lives on
	assert_eq "$(inspect '{{.State.Status}}')" running
	kill -0 "$CPID"
}

@test "podman: inspect follows create, init, start, stop, start, rm" {
	run pm create --name "$NAME" "$IMG" sh -c 'trap "exit 7" TERM; while :; do sleep 0.05; done'
	status_is 0
	assert_eq "$(inspect '{{.State.Status}}')" created
	# init: the runtime's create
	run pm init "$NAME"
	status_is 0
	assert_eq "$(inspect '{{.State.Status}}')" initialized
	run pm start "$NAME"
	status_is 0
	assert_eq "$(inspect '{{.State.Status}}')" running
	local pid conmon
	pid=$(inspect '{{.State.Pid}}')
	conmon=$(inspect '{{.State.ConmonPid}}')
	kill -0 "$pid"
	# stop: SIGTERM through the runtime's kill; the trap's status comes back
	run pm stop -t 10 "$NAME"
	status_is 0
	assert_eq "$(inspect '{{.State.Status}} {{.State.ExitCode}}')" "exited 7"
	wait_exited "$pid" 5
	wait_exited "$conmon" 5
	# a stopped container starts again (create + start once more)
	run pm start "$NAME"
	status_is 0
	assert_eq "$(inspect '{{.State.Status}}')" running
	pid=$(inspect '{{.State.Pid}}')
	run pm rm -f -t 0 "$NAME"
	status_is 0
	run pm inspect "$NAME"
	[ "$status" -ne 0 ]
	wait_exited "$pid" 5
}

@test "podman: pause and unpause, with podman inspect" {
	need_limits
	start_detached "$IMG" sleep 1000
	assert_eq "$(inspect '{{.State.Status}}')" running
	run pm pause "$NAME"
	status_is 0
	assert_eq "$(inspect '{{.State.Status}} {{.State.Paused}}')" "paused true"
	# frozen, seen from the host
	local f
	f=$(cgroup_file "$CPID" freezer freezer.state)
	if [ -f "$f" ]; then
		assert_eq "$(cat "$f")" FROZEN "$f"
	else
		f=$(cgroup_file "$CPID" freezer cgroup.events)
		grep -qx 'frozen 1' "$f"
	fi
	run pm unpause "$NAME"
	status_is 0
	assert_eq "$(inspect '{{.State.Status}} {{.State.Paused}}')" "running false"
	run pm exec "$NAME" echo alive
	assert_eq "$output" alive
}

@test "podman: kill -s passes the signal to the container" {
	start_detached "$IMG" sh -c 'trap "exit 10" USR1; while :; do sleep 0.05; done'
	run pm kill -s USR1 "$NAME"
	status_is 0
	run pm wait "$NAME"
	status_is 0
	assert_eq "$output" 10
	assert_eq "$(inspect '{{.State.Status}} {{.State.ExitCode}}')" "exited 10"
}

@test "podman: rm -f of a running container leaves no process behind" {
	start_detached "$IMG" sleep 1000
	local conmon
	conmon=$(inspect '{{.State.ConmonPid}}')
	run pm rm -f -t 0 "$NAME"
	status_is 0
	wait_exited "$CPID" 5
	wait_exited "$conmon" 5
}

@test "podman: --memory lands in the container's cgroup" {
	need_limits
	start_detached --memory 64m "$IMG" sleep 1000
	local f
	f=$(cgroup_file "$CPID" memory memory.limit_in_bytes)
	[ -f "$f" ] || f=$(cgroup_file "$CPID" memory memory.max)
	assert_eq "$(cat "$f")" 67108864 "$f"
	# podman update changes it (the runtime's update --resources)
	run pm update --memory 128m "$NAME"
	status_is 0
	assert_eq "$(cat "$f")" 134217728 "$f after podman update"
	# the cgroup goes with the container
	local dir=${f%/*}
	run pm rm -f -t 0 "$NAME"
	status_is 0
	wait_exited "$CPID" 5
	[ ! -d "$dir" ] || { echo "$dir is still there" >&2; return 1; }
}

@test "podman: --memory is enforced (the OOM killer: 137)" {
	need_limits
	# tail of /dev/zero keeps a growing "line" in memory
	run pm run --rm --memory 16m --memory-swap 16m "$IMG" tail /dev/zero
	status_is 137
}

@test "podman: --pids-limit lands in the container's cgroup and is enforced" {
	need_limits
	start_detached --pids-limit 20 "$IMG" sleep 1000
	local f
	f=$(cgroup_file "$CPID" pids pids.max)
	assert_eq "$(cat "$f")" 20 "$f"
	run pm run --rm --pids-limit 10 "$IMG" sh -c \
		'for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15; do sleep 5 & done; echo all-started'
	[ "$status" -ne 0 ]
	assert_contains "$output" "can't fork"
	assert_not_contains "$output" all-started
}
