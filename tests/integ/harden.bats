#!/usr/bin/env bats
# Hardening and limits of `cell run` (issue 6): the default seccomp filter,
# --seccomp FILE|none, --seccomp-log, --cap-add/--cap-drop, --rlimit.
# Each refusal inside is checked against the same attempt on the host, by
# the same user, where it is safe to try there.

load helpers

# probe sys NAME on the host, as the caller.
host_sys() {
	"$CELL_PROBE" sys "$1"
}

@test "default seccomp: keyctl, userfaultfd, io_uring, new user namespaces refused; allowed on the host" {
	local n
	for n in keyctl userfaultfd io_uring unshare-user; do
		run host_sys "$n"
		assert_eq "$output" ok "$n on the host"
		run cellp -- /probe sys "$n"
		assert_eq "$output" EPERM "$n in the sandbox"
		status_is 1
	done
}

@test "default seccomp: AF_VSOCK sockets fail with EAFNOSUPPORT" {
	run host_sys vsock
	[ "$output" = ok ] || skip "no vsock on this host ($output)"
	run cellp -- /probe sys vsock
	assert_eq "$output" EAFNOSUPPORT
}

@test "default seccomp: bpf, perf, finit_module, fsopen, file handles refused" {
	local n
	for n in bpf perf finit_module mount open-by-handle; do
		run cellp -- /probe sys "$n"
		assert_eq "$output" EPERM "$n in the sandbox"
	done
	# what the host lets the same user get further with
	run host_sys open-by-handle
	assert_eq "$output" ok
}

# The program kept for the next start (seccache.c): path of the one file.
kept_filter() {
	local f
	for f in "$CELL_STATE_DIR"/seccomp/*.bpf; do
		[ -f "$f" ] && echo "$f"
	done
}

# Make the kept program one instruction: allow everything.
plant_allow_all() {
	python3 - "$1" <<'EOF'
import struct, sys
p = sys.argv[1]
d = open(p, 'rb').read()
klen = struct.unpack_from('<I', d, 4)[0]
head = d[:8 + klen]
flags = struct.unpack_from('<I', d, 8 + klen)[0]
open(p, 'wb').write(head + struct.pack('<II', flags, 1) + struct.pack('<HBBI', 6, 0, 0, 0x7fff0000))
EOF
}

@test "default seccomp: the compiled filter is kept, reused, and still filters" {
	CELL_STATE_DIR=$BATS_TEST_TMPDIR/state
	export CELL_STATE_DIR
	run "$CELL" run -- /bin/true
	status_is 0
	f=$(kept_filter)
	[ -n "$f" ]
	assert_eq "$(stat -c '%a %u' "$f")" "600 $(id -u)"
	assert_eq "$(stat -c '%a' "$CELL_STATE_DIR/seccomp")" 700
	before=$(stat -c %Y.%i "$f")
	run cellp -- /probe sys unshare-user
	assert_eq "$output" EPERM "from the kept program"
	assert_eq "$(stat -c %Y.%i "$f")" "$before" "the file was not written again"
	# What the file says is what the sandbox gets: the cache is used.
	plant_allow_all "$f"
	run cellp -- /probe sys unshare-user
	assert_eq "$output" ok "the planted program was loaded"
}

@test "default seccomp: a kept filter that others may write, or a cut one, is not used" {
	CELL_STATE_DIR=$BATS_TEST_TMPDIR/state
	export CELL_STATE_DIR
	run "$CELL" run -- /bin/true
	f=$(kept_filter)
	[ -n "$f" ]
	plant_allow_all "$f"
	chmod 0620 "$f"
	run cellp -- /probe sys unshare-user
	assert_eq "$output" EPERM "group-writable file"
	f=$(kept_filter)
	plant_allow_all "$f"
	chmod 0600 "$f"
	chmod 0755 "$CELL_STATE_DIR/seccomp"
	run cellp -- /probe sys unshare-user
	assert_eq "$output" EPERM "directory others may enter"
	chmod 0700 "$CELL_STATE_DIR/seccomp"
	truncate -s 30 "$f"
	run cellp -- /probe sys unshare-user
	assert_eq "$output" EPERM "a cut file"
	# and a good one replaced it
	[ "$(stat -c %s "$f")" -gt 30 ]
}

@test "--seccomp none: no filter" {
	run cellp --seccomp none -- /probe sys keyctl
	assert_eq "$output" ok
	run cellp --seccomp none -- /probe sys io_uring
	assert_eq "$output" ok
}

@test "--seccomp FILE: include default, relaxed and tightened" {
	cat >"$T/p.policy" <<-'EOP'
	# a debugger's policy
	include default
	allow keyctl add_key request_key
	errno ENOSYS io_uring_setup
	errno EACCES uname
	EOP
	chmod 644 "$T/p.policy"
	run cellp --seccomp "$T/p.policy" -- /probe sys keyctl
	assert_eq "$output" ok
	run cellp --seccomp "$T/p.policy" -- /probe sys io_uring
	assert_eq "$output" ENOSYS
	run cellp --seccomp "$T/p.policy" -- /probe sys userfaultfd
	assert_eq "$output" EPERM
	run cellp --seccomp "$T/p.policy" -- /bin/uname
	[ "$status" -ne 0 ]
	run cellp -- /bin/uname
	status_is 0
}

@test "--seccomp FILE: a kill rule ends the command with SIGSYS" {
	printf 'kill keyctl\n' >"$T/k.policy"
	run cellp --seccomp "$T/k.policy" -- /probe sys keyctl
	status_is $((128 + 31))
}

@test "--seccomp-log: nothing refused" {
	run cellp --seccomp-log -- /probe sys keyctl
	assert_eq "$output" ok
	run cellp --seccomp-log -- /probe sys unshare-user
	assert_eq "$output" ok
}

@test "--seccomp errors: file:line:column, missing file, none with -log" {
	printf 'include default\ndeny ptrac\n' >"$T/bad.policy"
	run_bad "--seccomp" "bad.policy:2:6" "unknown system call 'ptrac'" -- \
		run --seccomp "$T/bad.policy" -- /bin/true
	run_bad "--seccomp" "$T/missing" -- run --seccomp "$T/missing" -- /bin/true
	run_bad "--seccomp-log" "none" -- run --seccomp none --seccomp-log -- /bin/true
}

@test "--print-spec shows the filter, capabilities and rlimits" {
	run "$CELL" run --print-spec -- /bin/true
	assert_contains "$output" "capabilities=none no_new_privs=yes"
	assert_contains "$output" "seccomp: built-in default policy"
	run "$CELL" run --seccomp none --cap-add NET_BIND_SERVICE --rlimit nofile=64:128 \
		--print-spec -- /bin/true
	assert_contains "$output" "capabilities=CAP_NET_BIND_SERVICE "
	assert_contains "$output" "seccomp: none"
	assert_contains "$output" "rlimits: nofile=64:128"
}

@test "capabilities: none by default" {
	run cellp -- /probe caps
	assert_contains "$output" "effective=0000000000000000"
	assert_contains "$output" "permitted=0000000000000000"
	assert_contains "$output" "bounding=0"
	assert_contains "$output" "ambient=0"
	assert_contains "$output" "no_new_privs=1"
}

@test "--cap-add NET_BIND_SERVICE: a non-root command has it (ambient) and binds port 80" {
	local ids=()
	! is_root || ids=(--uid 1000 --gid 1000) # root's sandboxes run as root inside
	run cellp "${ids[@]}" --cap-add NET_BIND_SERVICE -- /probe caps
	assert_contains "$output" "effective=0000000000000400"
	assert_contains "$output" "permitted=0000000000000400"
	assert_contains "$output" "bounding=1"
	assert_contains "$output" "ambient=1"
	run cellp "${ids[@]}" --cap-add NET_BIND_SERVICE -- /probe ids
	assert_not_contains "$output" "uid=0,"
	run cellp "${ids[@]}" --cap-add cap_net_bind_service -- $PYTHON -c \
		'import socket; s = socket.socket(); s.bind(("127.0.0.1", 80)); print("bound")'
	assert_eq "$output" bound
	run cellp "${ids[@]}" -- $PYTHON -c \
		'import socket; s = socket.socket(); s.bind(("127.0.0.1", 80)); print("bound")'
	[ "$status" -ne 0 ]
}

@test "--cap-add with --map-root; --cap-drop takes it back" {
	run cellp --map-root --cap-add NET_RAW --cap-add KILL -- /probe caps
	assert_contains "$output" "effective=0000000000002020"
	assert_contains "$output" "ambient=2"
	run cellp --map-root --cap-add all --cap-drop all -- /probe caps
	assert_contains "$output" "effective=0000000000000000"
	assert_contains "$output" "bounding=0"
	# root inside gains nothing by exec either (securebits noroot)
	run cellp --map-root -- /probe caps
	assert_contains "$output" "permitted=0000000000000000"
}

@test "kept capabilities still give nothing through setuid files (no_new_privs)" {
	run cellp --cap-add SETUID -- /probe caps
	assert_contains "$output" "no_new_privs=1"
}

@test "--cap-add: unknown names are errors" {
	run_bad "--cap-add 'NET_BIND'" "unknown capability" -- run --cap-add NET_BIND -- /bin/true
	run_bad "--cap-drop 'x'" -- run --cap-drop x -- /bin/true
}

@test "--rlimit: soft and hard limits of the command" {
	run cellp --rlimit nofile=64:128 -- /bin/sh -c 'ulimit -Sn; ulimit -Hn'
	status_is 0
	assert_eq "$output" "64
128"
	run cellp --rlimit core=0 --rlimit NPROC=100:200 -- /bin/cat /proc/self/limits
	assert_contains "$output" "$(printf 'Max core file size        0                    0')"
	assert_contains "$output" "$(printf 'Max processes             100                  200')"
}

@test "--rlimit: raising a hard limit fails closed; bad names fail" {
	local hard
	hard=$(ulimit -Hn)
	run_bad "nofile" -- run --rlimit "nofile=$((hard + 1))" -- /bin/true
	run_bad "--rlimit files=1" "unknown resource" -- run --rlimit files=1 -- /bin/true
	run_bad "--rlimit" -- run --rlimit nofile=9:3 -- /bin/true
}

@test "--no-init: the command is still filtered and capless" {
	run cellp --no-init -- /probe sys keyctl
	assert_eq "$output" EPERM
	run cellp --no-init --cap-add KILL -- /probe caps
	assert_contains "$output" "effective=0000000000000020"
}

# --- limits: cgroups, CPU and wall time, --report -------------------------

# json FILE EXPR: evaluate a Python expression on the report r.
json() {
	"$PYTHON" -c 'import json, sys; r = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

# The sandbox cgroups on the host, to compare before and after.
cell_cgroups() {
	find /sys/fs/cgroup -maxdepth 6 -type d -name 'cell-*' 2>/dev/null | sort
}

# Root on this hybrid host: the v1 memory and pids hierarchies work.
need_cgroup_limits() {
	need_root "cgroup v1 is not delegated to unprivileged users here"
	[ -d /sys/fs/cgroup/memory ] || [ -f /sys/fs/cgroup/cgroup.controllers ] ||
		skip "no memory controller"
}

@test "--time-limit 1: a busy loop is stopped after about a second of CPU, reason cpu" {
	run cellp --time-limit 1 --report "$T/r.json" -- /probe spin
	[ "$status" -eq 152 ] || [ "$status" -eq 137 ]
	assert_eq "$(json "$T/r.json" 'r["killed_by"]')" cpu
	assert_eq "$(json "$T/r.json" '"cpu" in r["limits_hit"]')" True
	assert_eq "$(json "$T/r.json" '0.9 <= r["cpu_user_s"] + r["cpu_system_s"] < 2.5')" True
	assert_eq "$(json "$T/r.json" 'r["wall_time_s"] < 3')" True
}

@test "--wall-limit 1: sleep is killed with the whole sandbox after a second, reason wall" {
	run cellp --wall-limit 1 --report "$T/r.json" -- /bin/sh -c '/bin/sleep 30 & /bin/sleep 30'
	status_is 137
	assert_eq "$(json "$T/r.json" 'r["killed_by"]')" wall
	assert_eq "$(json "$T/r.json" 'r["signal"]')" SIGKILL
	assert_eq "$(json "$T/r.json" '0.9 <= r["wall_time_s"] < 3')" True
	wait_gone "$MARK" 2
}

@test "--report: exit code, times and no limit for a plain command; - is stderr" {
	run cellp --report "$T/r.json" -- /bin/sh -c 'exit 3'
	status_is 3
	assert_eq "$(json "$T/r.json" 'r["exit_code"], r["signal"], r["killed_by"], r["status"]')" \
		"(3, None, None, 3)"
	assert_eq "$(json "$T/r.json" 'r["wall_time_s"] < 5 and r["limits"] == {}')" True
	run --separate-stderr "$CELL" run --report - -- /bin/true
	status_is 0
	assert_contains "$stderr" '"exit_code": 0'
}

@test "--report: an unwritable file fails the run with 125" {
	run --separate-stderr "$CELL" run --report /proc/version -- /bin/true
	[ "$status" -eq 125 ]
	assert_contains "$stderr" "--report /proc/version"
	# a run refused before it started is reported too
	printf 'deny nothing_like_this\n' >"$T/bad.policy"
	run "$CELL" run --report "$T/r.json" --seccomp "$T/bad.policy" -- /bin/true
	status_is 125
	assert_eq "$(json "$T/r.json" 'r["status"], r["exit_code"], "error" in r')" "(125, None, True)"
}

@test "--print-spec shows the limits and the report" {
	run "$CELL" run --memory 64M --pids 16 --cpus 0.5 --time-limit 2 --wall-limit 1.5 \
		--report - --best-effort --print-spec -- /bin/true
	assert_contains "$output" "limits: memory=67108864 pids=16 cpus=0.500 cpu-time=2.000s wall-time=1.500s (best effort)"
	assert_contains "$output" "report: stderr"
}

@test "--memory 64M: a 100 MiB allocation is OOM-killed, the report says memory" {
	need_cgroup_limits
	local before
	before=$(cell_cgroups)
	run cellp --memory 64M --report "$T/r.json" -- /probe alloc 100
	status_is 137
	assert_eq "$(json "$T/r.json" 'r["killed_by"]')" memory
	assert_eq "$(json "$T/r.json" 'r["cgroup"]["oom_kills"] >= 1')" True
	assert_eq "$(json "$T/r.json" 'r["peak_memory_bytes"] <= 64 << 20')" True
	# within the limit it runs
	run cellp --memory 64M -- /probe alloc 16
	status_is 0
	assert_eq "$(cell_cgroups)" "$before" "cgroups left behind"
}

@test "--pids 16: a fork bomb gets at most 16 processes, the report counts the refusals" {
	need_cgroup_limits
	run cellp --pids 16 --report "$T/r.json" -- /probe forkbomb 100
	status_is 0
	local n=${lines[0]#processes=}
	[ "$n" -le 16 ] && [ "$n" -ge 10 ]
	assert_eq "${lines[1]}" EAGAIN
	assert_eq "$(json "$T/r.json" 'r["cgroup"]["pids_max_events"] > 0')" True
	assert_eq "$(json "$T/r.json" '"pids" in r["limits_hit"]')" True
	# on the host the same user gets all 100
	run "$CELL_PROBE" forkbomb 100
	assert_eq "${lines[0]}" processes=100
}

@test "--cpuset, --cpus: the sandbox is confined" {
	need_cgroup_limits
	run cellp --cpuset 0 -- /bin/grep Cpus_allowed_list /proc/self/status
	assert_contains "$output" "Cpus_allowed_list:	0"
	run cellp --cpus 0.25 --wall-limit 1 --report "$T/r.json" -- /probe spin
	status_is 137
	assert_eq "$(json "$T/r.json" 'r["cpu_user_s"] + r["cpu_system_s"] < 0.6')" True
}

@test "cgroups: removed after every run, also after kill -9 of cell (next run collects)" {
	need_cgroup_limits
	local before
	before=$(cell_cgroups)
	"$CELL" run --pids 50 -- /bin/sh -c '/bin/sleep 30' "$MARK" &
	local pid=$!
	PIDS_TO_KILL+=("$pid")
	sleep 0.5
	[ "$(cell_cgroups)" != "$before" ]
	kill -9 "$pid"
	wait "$pid" 2>/dev/null || true
	wait_gone "$MARK" 3
	run "$CELL" run --pids 50 -- /bin/true
	status_is 0
	assert_eq "$(cell_cgroups)" "$before" "cgroups left behind"
}

@test "cgroups: a limit the host cannot enforce stops the launch, unless --best-effort" {
	need_user "root can use the v1 hierarchies here"
	run_bad "--memory" "not delegated" -- run --memory 64M -- /bin/true
	run_bad "--pids" -- run --pids 16 -- /bin/true
	run --separate-stderr "$CELL" run --memory 64M --best-effort --report "$T/r.json" -- /bin/true
	status_is 0
	assert_contains "$stderr" "--best-effort: not enforced"
	assert_contains "$stderr" "--memory"
	assert_eq "$(json "$T/r.json" '"--memory" in r["dropped"]')" True
}

@test "cgroup limits: bad values are refused before anything starts" {
	run_bad "--memory-swap" -- run --memory-swap 64M -- /bin/true
	run_bad "--memory-swap" -- run --memory 128M --memory-swap 64M -- /bin/true
	run_bad "--cpus" -- run --cpus 0.001 -- /bin/true
	run_bad "--time-limit" -- run --time-limit 0 -- /bin/true
}

# --- Landlock ---------------------------------------------------------------

need_landlock() {
	"$CELL" doctor --json 2>/dev/null | grep -q '"abi": *[1-9]' ||
		skip "no Landlock on this kernel"
}

@test "--landlock: the mounted paths keep working with their rights" {
	need_landlock
	shared_dir "$T/d"
	run cellp --landlock --bind "$T/d:/d" -- /bin/sh -c '
		/bin/cat /etc/hostname >/dev/null && echo read-etc
		echo x >/tmp/x && echo wrote-tmp
		echo y >/d/y && echo wrote-bind
		/probe open /dev/null rw
		/bin/ls /proc/self/fd >/dev/null && echo proc'
	status_is 0
	assert_eq "$output" "$(printf 'read-etc\nwrote-tmp\nwrote-bind\nok\nproc')"
	[ -f "$T/d/y" ]
}

@test "--landlock: a directory fd from outside the root opens nothing (it does without)" {
	need_landlock
	mkdir -p "$T/outside"
	echo secret >"$T/outside/f"
	chmod -R a+rX "$T/outside"
	run cellp --keep-fd 3 -- /probe open /proc/self/fd/3/f 3<"$T/outside"
	assert_eq "$output" ok
	run cellp --landlock --keep-fd 3 -- /probe open /proc/self/fd/3/f 3<"$T/outside"
	assert_eq "$output" EACCES
}

@test "--landlock: --print-spec says so" {
	run "$CELL" run --landlock --print-spec -- /bin/true
	assert_contains "$output" "landlock: file access only beneath the mounts"
}

# --- profiles ---------------------------------------------------------------

@test "cell profile show: the resolved options with their origin" {
	run "$CELL" profile show judge
	status_is 0
	assert_contains "$output" "--landlock"
	assert_contains "$output" "strict.profile:"
	assert_contains "$output" "--memory 256M"
	assert_contains "$output" "--report -"
	run --separate-stderr "$CELL" profile show no-such-level
	assert_cell_error "profile 'no-such-level'"
}

@test "--profile: shipped levels, later lines and the command line win" {
	run "$CELL" run --profile judge --time-limit 5 --print-spec -- /bin/true
	status_is 0
	assert_contains "$output" "landlock: file access only beneath the mounts"
	assert_contains "$output" "seccomp: policy file "
	assert_contains "$output" "limits: memory=268435456 memory+swap=268435456 pids=64 cpu-time=5.000s wall-time=10.000s"
	run "$CELL" run --profile namespaces --print-spec -- /bin/true
	assert_contains "$output" "seccomp: none"
	run "$CELL" run --profile default --print-spec -- /bin/true
	assert_contains "$output" "seccomp: built-in default policy"
}

@test "--profile FILE: include, comments; a malformed line is file:line:column" {
	printf '# mine\ninclude strict\nmemory 2G   # more\n' >"$T/mine.profile"
	run "$CELL" run --profile "$T/mine.profile" --print-spec -- /bin/true
	status_is 0
	assert_contains "$output" "memory=2147483648 pids=256"
	printf 'landlock\n\n  memory lots\n' >"$T/bad.profile"
	run_bad "$T/bad.profile:3:10" "--memory 'lots'" -- run --profile "$T/bad.profile" -- /bin/true
	printf 'no-such-option\n' >"$T/bad2.profile"
	run_bad "bad2.profile:1:1" "not a cell run option" -- run --profile "$T/bad2.profile" -- /bin/true
	run_bad "profile 'nope'" -- run --profile nope -- /bin/true
}

@test "--profile strict: the tighter filter and no network" {
	run cellp --profile strict --best-effort -- /bin/sh -c '/probe sys keyctl; /probe sys vsock; /probe ifaces'
	assert_contains "$output" "EPERM
EAFNOSUPPORT"
	assert_not_contains "$output" "eth"
}

@test "--profile judge: a submission over its memory is reported as such" {
	need_cgroup_limits
	run --separate-stderr "$CELL" run --ro-bind "$CELL_PROBE:/probe" --profile judge -- /probe alloc 300
	status_is 137
	assert_contains "$stderr" '"killed_by": "memory"'
}

@test "--profile judge as a user: the limits it cannot have refuse the run" {
	need_user "root can use the v1 hierarchies here"
	run_bad "--memory" -- run --profile judge --report /dev/null -- /bin/true
}
