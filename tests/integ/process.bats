#!/usr/bin/env bats
# Process: descriptors, dying with cell, a non-dumpable init, environment,
# exit statuses, signal forwarding, reaping, --no-init, --print-spec.

load helpers

# Every signal a process can catch (all but KILL, STOP and CHLD), by the
# names bash's kill and the probe both use.
CATCHABLE="HUP INT QUIT ILL TRAP ABRT BUS FPE USR1 SEGV USR2 PIPE ALRM STKFLT
	TSTP TTIN TTOU CONT URG XCPU XFSZ VTALRM PROF WINCH IO PWR SYS
	RTMIN RTMIN+1 RTMAX-1 RTMAX"

# Start a sandboxed probe in the background with /d bound to $T/d; sets
# CELL_PID.  Its stdout goes to $T/out.
start_bg() {
	shared_dir "$T/d"
	# not through cellp: $! must be cell itself
	"$CELL" run --ro-bind "$CELL_PROBE:/probe" --bind "$T/d:/d" "$@" \
		>"$T/out" 2>"$T/err" </dev/null 3>&- &
	CELL_PID=$!
	PIDS_TO_KILL+=("$CELL_PID")
	wait_for "$T/d/ready"
}

# Send every catchable signal to cell, one at a time, and check that the
# command reports each.
check_signals() {
	local s
	for s in $CATCHABLE; do
		kill -s "$s" "$CELL_PID"
		wait_for_line "$T/out" "$s" 5
	done
	kill -s TERM "$CELL_PID"
	wait "$CELL_PID" || {
		echo "cell exited with $?; stderr: $(cat "$T/err")" >&2
		return 1
	}
	assert_eq "$(tail -n1 "$T/out" | tr -d '\r')" TERM
}

@test "no descriptor leaks into the sandbox" {
	echo data >"$T/f"
	exec 7<"$T/f" 8>"$T/g"
	run cellp -- /probe fds
	exec 7<&- 8>&-
	status_is 0
	assert_eq "$output" "0 1 2"
}

@test "no descriptor leaks with --no-init either" {
	echo data >"$T/f"
	exec 7<"$T/f"
	run cellp --no-init -- /probe fds
	exec 7<&-
	status_is 0
	assert_eq "$output" "0 1 2"
}

@test "--keep-fd passes exactly the descriptors named" {
	echo data7 >"$T/f7"
	echo data9 >"$T/f9"
	exec 7<"$T/f7" 8<"$T/f7" 9<"$T/f9"
	run cellp --keep-fd 7 --keep-fd 9 -- /bin/sh -c '/probe fds; cat <&7; cat <&9'
	exec 7<&- 8<&- 9<&-
	status_is 0
	assert_eq "${lines[0]}" "0 1 2 7 9"
	assert_eq "${lines[1]}" data7
	assert_eq "${lines[2]}" data9
}

@test "stdin, stdout and stderr pass through" {
	run --separate-stderr "$CELL" run -- /bin/sh -c 'cat; echo to-stderr >&2' <<<"from-stdin"
	status_is 0
	assert_eq "$output" from-stdin
	assert_eq "$stderr" to-stderr
}

@test "the working directory cannot be outside the new root (runc CVE-2024-21626)" {
	exec 7<"$T"
	run_bad "working directory" -- run --keep-fd 7 --workdir /proc/self/fd/7 -- /bin/pwd "$MARK"
	exec 7<&-
}

@test "the sandbox dies when cell is killed with SIGKILL" {
	start_bg -- /probe pause /d/ready "$MARK"
	local sbx init
	sbx=$(sandboxed_pid /probe "$MARK")
	[ -n "$sbx" ]
	init=$(awk '/^PPid:/ { print $2 }' "/proc/$sbx/status")
	[ "$init" != "$CELL_PID" ]
	kill -9 "$CELL_PID"
	wait "$CELL_PID" || true
	wait_pid_gone "$sbx" 5
	# cell's init too
	wait_pid_gone "$init" 5
	wait_gone "$MARK" 5
}

@test "the sandbox dies when cell is killed with SIGKILL (--no-init)" {
	start_bg --no-init -- /probe pause /d/ready "$MARK"
	kill -9 "$CELL_PID"
	wait "$CELL_PID" || true
	wait_gone "$MARK" 5
}

@test "the sandbox dies with cell in root's and --map-root sandboxes too" {
	start_bg --map-root -- /probe pause /d/ready "$MARK"
	kill -9 "$CELL_PID"
	wait "$CELL_PID" || true
	wait_gone "$MARK" 5
}

@test "SIGTERM to cell reaches the command, and cell reports it" {
	start_bg -- /probe pause /d/ready "$MARK"
	kill -TERM "$CELL_PID"
	local rc=0
	wait "$CELL_PID" || rc=$?
	assert_eq "$rc" 143 "exit status"
	wait_gone "$MARK" 5
}

@test "cell's init is not dumpable: /proc/1/exe, mem, environ cannot be opened" {
	run cellp -- /bin/sh -c 'for f in exe mem environ; do /probe open /proc/1/$f; done
		readlink /proc/1/exe || echo no-readlink; ls /proc/1/fd >/dev/null 2>&1 || echo no-fd
		ls /proc/1/root/ >/dev/null 2>&1 || echo no-root'
	assert_eq "$(echo $output)" "EACCES EACCES EACCES no-readlink no-fd no-root"
}

@test "cell's init is not dumpable for root inside either" {
	run cellp --map-root -- /bin/sh -c 'for f in exe mem environ; do /probe open /proc/1/$f; done
		/probe open /proc/1/exe w; /probe ptrace 1'
	local l
	for l in "${lines[@]}"; do
		[ "$l" != ok ] || { echo "opened: $output" >&2; return 1; }
	done
	[ "${#lines[@]}" -eq 5 ]
}

@test "environment: a small clean default" {
	run env -i PATH=/usr/bin:/bin HOME=/home/nobody TERM=xterm-test LANG=C.UTF-8 \
		SECRET=leak "$CELL" run -- /usr/bin/env
	status_is 0
	assert_eq "$(printf '%s\n' "${lines[@]}" | sort | tr '\n' ' ')" \
		"HOME=/tmp LANG=C.UTF-8 PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin TERM=xterm-test "
}

@test "environment: LANG defaults, TERM only when set" {
	run env -i PATH=/usr/bin:/bin "$CELL" run -- /usr/bin/env
	status_is 0
	assert_eq "$(printf '%s\n' "${lines[@]}" | cut -d= -f1 | sort | tr '\n' ' ')" "HOME LANG PATH "
}

@test "environment: --env, --keep-env" {
	run env -i PATH=/usr/bin:/bin FOO=bar SECRET=leak "$CELL" run --env A=1 --env B==x \
		--keep-env FOO --keep-env UNSET_VAR --env HOME=/h -- /usr/bin/env
	status_is 0
	assert_contains "$output" "A=1"
	assert_contains "$output" "B==x"
	assert_contains "$output" "FOO=bar"
	assert_contains "$output" "HOME=/h"
	assert_not_contains "$output" "SECRET"
	assert_not_contains "$output" "UNSET_VAR"
	[ "$(printf '%s\n' "${lines[@]}" | grep -c '^HOME=')" -eq 1 ]
}

@test "environment: --clearenv starts empty" {
	run env FOO=bar "$CELL" run --clearenv -- /usr/bin/env
	status_is 0
	assert_eq "$output" ""
	run env FOO=bar "$CELL" run --clearenv --env A=1 --keep-env FOO -- env
	status_is 0
	assert_eq "$(printf '%s\n' "${lines[@]}" | sort | tr '\n' ' ')" "A=1 FOO=bar "
}

@test "exit status: the command's own" {
	run "$CELL" run -- /bin/true
	status_is 0
	run "$CELL" run -- /bin/sh -c 'exit 3'
	status_is 3
	run "$CELL" run -- /bin/sh -c 'exit 255'
	status_is 255
	run "$CELL" run --no-init -- /bin/sh -c 'exit 3'
	status_is 3
}

@test "exit status: 128+N when the command is killed by signal N" {
	run "$CELL" run -- /bin/sh -c 'kill -9 $$'
	status_is 137
	run "$CELL" run -- /bin/sh -c 'kill -TERM $$'
	status_is 143
	run "$CELL" run -- /bin/sh -c 'kill -SEGV $$'
	status_is 139
}

@test "exit status: 128+N when the command is killed from outside" {
	start_bg -- /probe pause /d/ready "$MARK"
	kill -9 "$(sandboxed_pid /probe "$MARK")"
	local rc=0
	wait "$CELL_PID" || rc=$?
	assert_eq "$rc" 137 "exit status"
}

@test "exit status: 128+N when the command is killed from outside (--no-init)" {
	start_bg --no-init -- /probe pause /d/ready "$MARK"
	kill -9 "$(sandboxed_pid /probe "$MARK")"
	local rc=0
	wait "$CELL_PID" || rc=$?
	assert_eq "$rc" 137 "exit status"
}

@test "exit status: 125 when the sandbox cannot be set up" {
	run_bad /nope -- run --bind /nope-"$MARK":/x -- /bin/true "$MARK"
}

@test "exit status: 126 when the command cannot be executed" {
	echo 'not a program' >"$T/notexec"
	chmod 644 "$T/notexec"
	run --separate-stderr "$CELL" run --ro-bind "$T/notexec:/notexec" -- /notexec
	status_is 126
	[ "${#stderr_lines[@]}" -eq 1 ]
	assert_contains "$stderr" "cell: "
	assert_contains "$stderr" "/notexec"
	run --separate-stderr "$CELL" run -- /etc
	status_is 126
	[ "${#stderr_lines[@]}" -eq 1 ]
	assert_contains "$stderr" "/etc"
}

@test "exit status: 127 when the command is not found" {
	run -127 --separate-stderr "$CELL" run -- no-such-command-"$MARK"
	status_is 127
	[ "${#stderr_lines[@]}" -eq 1 ]
	assert_contains "$stderr" "cell: "
	assert_contains "$stderr" "no-such-command-$MARK"
	run -127 --separate-stderr "$CELL" run -- /no/such/"$MARK"
	status_is 127
	[ "${#stderr_lines[@]}" -eq 1 ]
	assert_contains "$stderr" "/no/such/$MARK"
}

@test "exit status: a command on the sandbox's PATH, not the caller's" {
	mkdir "$T/bin"
	printf '#!/bin/sh\necho mine\n' >"$T/bin/only-on-host-$MARK"
	chmod 755 "$T/bin/only-on-host-$MARK"
	run -127 env PATH="$T/bin:/usr/bin:/bin" "$CELL" run -- "only-on-host-$MARK"
	status_is 127
}

@test "every catchable signal sent to cell reaches the command" {
	start_bg -- /probe signals /d/ready
	check_signals
}

@test "every catchable signal sent to cell reaches the command (--no-init)" {
	start_bg --no-init -- /probe signals /d/ready
	check_signals
}

@test "every catchable signal sent to cell reaches the command (--pty)" {
	# with a pseudo-terminal cell answers SIGWINCH by resizing it instead
	CATCHABLE=${CATCHABLE/WINCH/}
	start_bg --pty -- /probe signals /d/ready
	check_signals
}

# run_ignoring SIG... -- CMD...: run CMD with those signals ignored, as a
# shell's background job or a daemon would start it (at most 20 s).
run_ignoring() {
	local sigs=()
	while [ "$1" != -- ]; do
		sigs+=("$1")
		shift
	done
	shift
	run timeout 20 "$PYTHON" -c '
import signal, os, sys
n = sys.argv.index("--")
for s in sys.argv[1:n]:
    signal.signal(getattr(signal, "SIG" + s), signal.SIG_IGN)
os.execvp(sys.argv[n + 1], sys.argv[n + 1:])' "${sigs[@]}" -- "$@"
}

@test "signals the caller ignored are not ignored in the sandbox" {
	run_ignoring INT QUIT HUP TERM USR1 -- "$CELL" run -- /bin/grep SigIgn /proc/self/status
	status_is 0
	assert_eq "$output" "SigIgn:	0000000000000000"
	run_ignoring INT QUIT HUP TERM USR1 -- "$CELL" run --no-init -- /bin/grep SigIgn /proc/self/status
	status_is 0
	assert_eq "$output" "SigIgn:	0000000000000000"
}

@test "a caller that ignores SIGCHLD still gets the command's status" {
	# ignored, SIGCHLD would make the kernel reap children unseen: init
	# would wait for its command forever, and cell for init
	run_ignoring CHLD -- "$CELL" run -- /bin/sh -c 'exit 3'
	status_is 3
	run_ignoring CHLD -- "$CELL" run --no-init -- /bin/sh -c 'exit 4'
	status_is 4
}

@test "kill -1 inside reaches only the sandbox's own processes" {
	"$CELL_PROBE" pause - "$MARK" 3>&- &
	local sleeper=$!
	PIDS_TO_KILL+=("$sleeper")
	run cellp --map-root -- /bin/sh -c '/probe kill -1 KILL; echo after'
	kill -0 "$sleeper"
	kill -0 $$
}

@test "a shell trap in the sandbox sees the signal sent to cell" {
	shared_dir "$T/d"
	"$CELL" run --bind "$T/d:/d" -- /bin/sh -c \
		'trap "echo got-usr1; exit 7" USR1; touch /d/ready; while :; do sleep 0.05; done' \
		>"$T/out" 3>&- &
	CELL_PID=$!
	PIDS_TO_KILL+=("$CELL_PID")
	wait_for "$T/d/ready"
	kill -USR1 "$CELL_PID"
	local rc=0
	wait "$CELL_PID" || rc=$?
	assert_eq "$rc" 7 "exit status"
	assert_eq "$(cat "$T/out")" got-usr1
}

@test "init reaps orphans" {
	run cellp -- /probe zombie
	status_is 0
	assert_eq "$output" reaped
}

@test "PID 1 is cell's init; --no-init makes the command PID 1" {
	run cellp -- /probe pid
	status_is 0
	assert_contains "$output" "pid=2 ppid=1 "
	run cellp --no-init -- /probe pid
	status_is 0
	assert_contains "$output" "pid=1 ppid=0 "
}

@test "without a terminal: a new session and no controlling terminal" {
	run cellp -- /probe tty </dev/null
	status_is 0
	assert_eq "${lines[0]}" "tty=none"
	assert_eq "${lines[1]}" "ctty=ENXIO"
	assert_eq "${lines[2]}" "session_leader=yes"
}

@test "--print-spec prints the sandbox and runs nothing" {
	local mounts
	mounts=$(sandbox_like_mounts)
	run --separate-stderr "$CELL" run --print-spec --hostname spec-host --bind "$T:/data" \
		--env A=1 -- /bin/touch "$T/ran-$MARK"
	status_is 0
	[ ! -e "$T/ran-$MARK" ]
	assert_eq "$stderr" ""
	assert_contains "$output" "namespaces: user mnt pid net ipc uts cgroup"
	assert_contains "$output" "hostname: spec-host"
	assert_contains "$output" "$T on /data"
	assert_contains "$output" "A=1"
	assert_contains "$output" "command: /bin/touch $T/ran-$MARK"
	assert_eq "$(sandbox_like_mounts)" "$mounts"
	run pgrep -f -- "ran-$MARK"
	status_is 1
}

@test "--print-spec shows the id maps and the mounts in order" {
	run "$CELL" run --print-spec --tmpfs /a --ro-bind /etc:/b -- /bin/true
	status_is 0
	assert_contains "$output" "uid_map:"
	local a b
	a=$(printf '%s\n' "${lines[@]}" | grep -n ' /a' | head -n1 | cut -d: -f1)
	b=$(printf '%s\n' "${lines[@]}" | grep -n ' on /b' | head -n1 | cut -d: -f1)
	[ -n "$a" ] && [ -n "$b" ] && [ "$a" -lt "$b" ]
}
