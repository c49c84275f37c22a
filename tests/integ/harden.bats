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
