#!/usr/bin/env bats
# Named sandboxes and entering running ones: cell enter (--pid and NAME),
# ls, ps, stop, rm, gc, logs, and the state directory's locks.
#
# Until `cell run --name` lands, tests/unit/state-helper ("$CELL_STATE_HELPER")
# plays the supervisor through the state API: it claims the name, runs a
# plain `cell run`, records it and its exit status.  Every test uses its own
# state directory ($CELL_STATE_DIR).

load helpers

setup() {
	common_setup
	CELL_STATE_DIR=$(world_dir)/state
	export CELL_STATE_DIR
	HELPER=${CELL_STATE_HELPER:-}
}

teardown() {
	# supervisors first (their sandboxes die with them), then the rest
	if [ -n "${CELL_STATE_DIR:-}" ] && [ -d "$CELL_STATE_DIR" ]; then
		pkill -9 -f -- "state-helper run .*$MARK" 2>/dev/null || true
	fi
	common_teardown
}

need_helper() {
	[ -n "$HELPER" ] && [ -x "$HELPER" ] || skip "no state helper (CELL_STATE_HELPER)"
}

# Start a sandboxed probe that waits, in the background; sets SBX_PID (the
# probe's host PID), INIT_PID and CELL_PID.
start_sandbox() {
	shared_dir "$T/d"
	rm -f "$T/d/ready"
	"$CELL" run --ro-bind "$CELL_PROBE:/probe" --bind "$T/d:/d" "$@" \
		-- /probe pause /d/ready "$MARK" </dev/null >/dev/null 2>&1 3>&- &
	CELL_PID=$!
	PIDS_TO_KILL+=("$CELL_PID")
	wait_for "$T/d/ready"
	SBX_PID=$(sandboxed_pid /probe "$MARK")
	[ -n "$SBX_PID" ]
	INIT_PID=$(awk '/^PPid:/ { print $2 }' "/proc/$SBX_PID/status")
}

# start_named NAME [RUN-OPTION...]: a named sandbox through the helper,
# detached, its output in NAME.log; sets SBX_PID and INIT_PID.
start_named() {
	local name=$1
	shift
	need_helper
	shared_dir "$T/d"
	rm -f "$T/d/ready"
	run "$HELPER" run --detach --log "$name" -- "$CELL" run --ro-bind "$CELL_PROBE:/probe" \
		--bind "$T/d:/d" "$@" -- /bin/sh -c 'echo started; exec /probe pause /d/ready "$0"' \
		"$MARK"
	status_is 0
	assert_eq "$output" "$name"
	wait_for "$T/d/ready"
	SBX_PID=$(sandboxed_pid /probe "$MARK")
	INIT_PID=$(awk '/^PPid:/ { print $2 }' "/proc/$SBX_PID/status")
}

ns_of() { # PID TYPE
	readlink "/proc/$1/ns/$2"
}

# ---- cell enter --pid ----

@test "enter --pid: the same hostname and namespaces as the target" {
	start_sandbox --hostname inside
	run "$CELL" enter --pid "$SBX_PID" --seccomp default -- /bin/sh -c \
		'hostname; for t in user mnt pid net ipc uts cgroup; do readlink /proc/self/ns/$t; done'
	status_is 0
	assert_eq "${lines[0]}" inside
	local i=1 t
	for t in user mnt pid net ipc uts cgroup; do
		assert_eq "${lines[$i]}" "$(ns_of "$SBX_PID" "$t")" "$t namespace"
		i=$((i + 1))
	done
}

@test "enter --pid: the sandbox's pid tree, PID 1 is cell-init, nothing of the host" {
	start_sandbox
	run "$CELL" enter --pid "$SBX_PID" --seccomp default -- /bin/ps -e -o pid=,args=
	status_is 0
	assert_eq "$(echo ${lines[0]})" "1 cell-init"
	assert_contains "$output" "/probe pause /d/ready $MARK"
	# init, the probe, ps (and nothing else)
	[ "${#lines[@]}" -eq 3 ] || { echo "$output" >&2; return 1; }
}

@test "enter --pid: the sandbox's root, mounts, working directory and network" {
	start_sandbox --workdir /d
	run "$CELL" enter --pid "$SBX_PID" --seccomp default -- /bin/sh -c \
		'pwd; ls /d; cat /proc/self/mountinfo | wc -l; /probe ifaces'
	status_is 0
	assert_eq "${lines[0]}" /d
	assert_eq "${lines[1]}" ready
	assert_eq "${lines[2]}" "$(wc -l <"/proc/$SBX_PID/mountinfo")" "mount count"
	assert_eq "${lines[3]}" "lo up"
	[ "${#lines[@]}" -eq 4 ] || { echo "$output" >&2; return 1; }
}

@test "enter --pid: the target's ids, no capability, no_new_privs (also as root inside)" {
	local opts
	for opts in "" "--map-root"; do
		start_sandbox $opts
		run "$CELL" enter --pid "$SBX_PID" --seccomp default -- /probe caps
		status_is 0
		assert_contains "$output" "effective=0000000000000000"
		assert_contains "$output" "permitted=0000000000000000"
		assert_contains "$output" "inheritable=0000000000000000"
		assert_contains "$output" "bounding=0"
		assert_contains "$output" "ambient=0"
		assert_contains "$output" "no_new_privs=1"
		# as the sandbox sees them: the entered shell's and the probe's (PID 2)
		run "$CELL" enter --pid "$SBX_PID" --seccomp default -- /bin/sh -c \
			'for p in self 2; do grep -E "^(Uid|Gid|Groups):" /proc/$p/status; done'
		status_is 0
		[ "${#lines[@]}" -eq 6 ] || { echo "$output" >&2; return 1; }
		assert_eq "${lines[0]}" "${lines[3]}" uid
		assert_eq "${lines[1]}" "${lines[4]}" gid
		assert_eq "${lines[2]}" "${lines[5]}" groups
		kill -9 "$CELL_PID"
		wait_pid_gone "$SBX_PID"
	done
}

@test "enter --pid: cell run's filter must be named (--seccomp), and then applies" {
	start_sandbox
	run --separate-stderr "$CELL" enter --pid "$SBX_PID" -- /bin/true
	assert_cell_error "enter --pid $SBX_PID" "seccomp filter" "--seccomp default"
	run "$CELL" enter --pid "$SBX_PID" --seccomp default -- /bin/sh -c \
		'grep ^Seccomp: /proc/self/status; /probe sys keyctl'
	assert_eq "${lines[0]}" "$(printf 'Seccomp:\t2')"
	assert_eq "${lines[1]}" EPERM
	run --separate-stderr "$CELL" enter --pid "$SBX_PID" --seccomp none -- /bin/true
	assert_cell_error "--seccomp"
}

@test "enter --pid: no filter needed for a sandbox without one (--seccomp none)" {
	start_sandbox --seccomp none
	run "$CELL" enter --pid "$SBX_PID" -- /bin/sh -c 'grep ^Seccomp: /proc/self/status'
	status_is 0
	assert_eq "$output" "$(printf 'Seccomp:\t0')"
}

@test "enter --pid: stdin and stdout pass through, no terminal, a new session" {
	start_sandbox
	run "$CELL" enter --pid "$SBX_PID" --seccomp default -- /bin/sh -c 'cat; exec /probe tty' <<<"from-stdin"
	status_is 0
	assert_eq "${lines[0]}" from-stdin
	assert_eq "${lines[1]}" "tty=none"
	assert_eq "${lines[3]}" "session_leader=yes"
}

@test "enter --pid: a terminal of the sandbox's own when stdin is one" {
	command -v script >/dev/null || skip "script (util-linux) is missing"
	start_sandbox
	local fifo="$T/fifo"
	mkfifo "$fifo"
	run bash -c 'exec 5<>"$2"; script -qec "$1" /dev/null <&5 | tr -d "\r"; exit ${PIPESTATUS[0]}' \
		in_terminal "$CELL enter --pid $SBX_PID --seccomp default -- /probe tty" "$fifo"
	status_is 0
	assert_eq "${lines[0]}" "tty=/dev/pts/0"
	assert_eq "${lines[1]}" "ctty=yes"
	assert_eq "${lines[2]}" "session_leader=yes"
}

@test "enter --pid: default command /bin/sh; exit statuses as cell run's" {
	start_sandbox
	run "$CELL" enter --pid "$SBX_PID" --seccomp default <<<'echo "shell=$0"'
	status_is 0
	assert_eq "$output" "shell=/bin/sh"
	run "$CELL" enter --pid "$SBX_PID" --seccomp default -- /bin/sh -c 'exit 7'
	status_is 7
	run "$CELL" enter --pid "$SBX_PID" --seccomp default -- /bin/sh -c 'kill -TERM $$'
	status_is 143
	run -127 --separate-stderr "$CELL" enter --pid "$SBX_PID" --seccomp default -- /no/such/command
	run -127 --separate-stderr "$CELL" enter --pid "$SBX_PID" --seccomp default -- no-such-command-in-path
	run --separate-stderr "$CELL" enter --pid "$SBX_PID" --seccomp default -- /etc/passwd
	status_is 126
}

@test "enter --pid: a process that is gone, or not a number: one line, 125" {
	run --separate-stderr "$CELL" enter --pid 2147483647 -- /bin/true
	assert_cell_error "enter --pid 2147483647" "no such process"
	run --separate-stderr "$CELL" enter --pid abc -- /bin/true
	assert_cell_error "--pid" "abc"
	run --separate-stderr "$CELL" enter
	assert_cell_error "enter"
}

@test "enter --pid: another user's process is refused (permission denied)" {
	if is_root; then
		start_sandbox
		run --separate-stderr runuser -u celltest -- env CELL_STATE_DIR= "$CELL" enter \
			--pid "$SBX_PID" -- /bin/true
	else
		run --separate-stderr "$CELL" enter --pid 1 -- /bin/true
	fi
	assert_cell_error "enter --pid" "Permission denied"
}

# ---- named sandboxes ----

@test "named: ls shows it running; enter NAME sees the same namespaces" {
	start_named web --hostname web-host
	run "$CELL" ls
	status_is 0
	assert_contains "${lines[0]}" "NAME"
	assert_contains "${lines[0]}" "COMMAND"
	[[ ${lines[1]} =~ ^web\ +running\ +$INIT_PID\  ]] || { echo "$output" >&2; return 1; }
	assert_contains "${lines[1]}" "user,mnt,pid,net,ipc,uts,cgroup"
	run "$CELL" ls --json
	status_is 0
	run "$PYTHON" -c 'import json, sys; a = json.load(sys.stdin); print(a[0]["name"], a[0]["state"], a[0]["pid"], a[0]["rss_bytes"] > 0)' <<<"$output"
	assert_eq "$output" "web running $INIT_PID True"
	run "$CELL" enter web -- /bin/sh -c 'hostname; readlink /proc/self/ns/pid /proc/self/ns/mnt'
	status_is 0
	assert_eq "${lines[0]}" web-host
	assert_eq "${lines[1]}" "$(ns_of "$SBX_PID" pid)"
	assert_eq "${lines[2]}" "$(ns_of "$SBX_PID" mnt)"
}

@test "named: enter NAME gets the sandbox's filter and kept capabilities, --pid none" {
	start_named web --cap-add NET_BIND_SERVICE
	run "$CELL" enter web -- /bin/sh -c '/probe caps; /probe sys keyctl; exit 0'
	status_is 0
	assert_eq "${lines[0]}" "effective=0000000000000400"
	assert_contains "$output" "bounding=1"
	assert_contains "$output" "no_new_privs=1"
	assert_eq "${lines[7]}" EPERM
	# by PID: the record still gives the filter, but no capability
	run "$CELL" enter --pid "$SBX_PID" -- /bin/sh -c '/probe caps; /probe sys keyctl; exit 0'
	status_is 0
	assert_eq "${lines[0]}" "effective=0000000000000000"
	assert_contains "$output" "bounding=0"
	assert_eq "${lines[7]}" EPERM
	run --separate-stderr "$CELL" enter --seccomp default web -- /bin/true
	assert_cell_error "--seccomp"
}

@test "named: ps lists in-sandbox and host PIDs, entered processes too" {
	start_named web
	"$CELL" enter web -- /probe pause - "$MARK-entered" </dev/null >/dev/null 2>&1 &
	PIDS_TO_KILL+=($!)
	local n=500
	until sandboxed_pid /probe "$MARK-entered" >/dev/null; do
		n=$((n - 1)); [ "$n" -gt 0 ] || return 1; sleep 0.01
	done
	local entered
	entered=$(sandboxed_pid /probe "$MARK-entered")
	run "$CELL" ps web
	status_is 0
	[[ ${lines[0]} =~ PID\ +HOST-PID\ +UID\ +COMMAND ]]
	printf '%s\n' "$output" | grep -Eq "^ +1 +$INIT_PID +[0-9]+ +cell-init\$"
	printf '%s\n' "$output" | grep -Eq "^ +[0-9]+ +$SBX_PID +[0-9]+ +/probe pause /d/ready $MARK\$"
	printf '%s\n' "$output" | grep -Eq "^ +[0-9]+ +$entered +[0-9]+ +/probe pause - $MARK-entered\$"
	# the in-sandbox PID is the one NSpid gives
	local inside
	inside=$(awk '/^NSpid:/ { print $NF }' "/proc/$entered/status")
	printf '%s\n' "$output" | grep -Eq "^ +$inside +$entered "
}

@test "named: stop sends TERM, records the status; rm removes it" {
	start_named web
	run "$CELL" stop web
	status_is 0
	wait_pid_gone "$SBX_PID"
	run "$CELL" ls
	[[ ${lines[1]} =~ ^web\ +exited\(143\)\ +-\  ]] || { echo "$output" >&2; return 1; }
	run --separate-stderr "$CELL" enter web -- /bin/true
	assert_cell_error "enter web" "not running" "143"
	run --separate-stderr "$CELL" ps web
	assert_cell_error "ps web" "not running"
	run --separate-stderr "$CELL" stop web
	assert_cell_error "stop web" "not running"
	run "$CELL" rm web
	status_is 0
	run "$CELL" ls
	assert_eq "$output" ""
	assert_eq "$(state_left)" .lock
}

@test "named: stop --signal and --timeout; SIGKILL when the signal is ignored" {
	start_named a
	run "$CELL" stop --signal INT a
	status_is 0
	run "$CELL" ls --json
	assert_contains "$output" '"exit_status": 130'
	need_helper
	run "$HELPER" run --detach b -- "$CELL" run --bind "$T/d:/d" -- /bin/sh -c \
		'trap "" TERM; touch /d/b-ready; while :; do sleep 1; done' "$MARK"
	status_is 0
	wait_for "$T/d/b-ready"
	local t0=$SECONDS
	run "$CELL" stop --timeout 0.5 b
	status_is 0
	[ $((SECONDS - t0)) -lt 5 ]
	run "$CELL" ls --json
	assert_contains "$output" '"exit_status": 137'
	run --separate-stderr "$CELL" stop --signal NOPE b
	assert_cell_error "--signal" "NOPE"
	run --separate-stderr "$CELL" stop --timeout -1 b
	assert_cell_error "--timeout"
}

@test "named: stop --all" {
	start_named a
	need_helper
	run "$HELPER" run --detach b -- "$CELL" run -- /bin/sh -c 'sleep 1000' "$MARK"
	status_is 0
	run "$CELL" stop --all
	status_is 0
	run "$CELL" ls
	[[ ${lines[1]} =~ ^a\ +exited ]] && [[ ${lines[2]} =~ ^b\ +exited ]] || {
		echo "$output" >&2
		return 1
	}
	wait_gone "$MARK"
}

@test "named: rm refuses a running sandbox; rm --force stops it first" {
	start_named web
	run --separate-stderr "$CELL" rm web
	assert_cell_error "rm web" "running" "--force"
	run "$CELL" rm --force web
	status_is 0
	wait_pid_gone "$SBX_PID"
	run "$CELL" ls
	assert_eq "$output" ""
	run --separate-stderr "$CELL" rm web
	assert_cell_error "no sandbox named web"
}

@test "named: logs, and logs -f until the sandbox exits" {
	start_named web
	run "$CELL" logs web
	status_is 0
	assert_eq "$output" started
	"$CELL" logs -f web >"$T/follow" 2>&1 &
	local follower=$!
	PIDS_TO_KILL+=("$follower")
	sleep 0.2
	kill -0 "$follower" # still following
	"$CELL" stop web
	local n=500
	while kill -0 "$follower" 2>/dev/null; do
		n=$((n - 1)); [ "$n" -gt 0 ] || { echo "logs -f did not end" >&2; return 1; }
		sleep 0.01
	done
	wait "$follower"
	assert_eq "$(head -n1 "$T/follow")" started
}

@test "named: two supervisors claiming one name at once: exactly one wins" {
	need_helper
	local i
	for i in 1 2 3 4 5 6; do
		"$HELPER" run --detach race -- "$CELL" run -- /bin/sh -c 'sleep 1000' "$MARK" \
			>"$T/out.$i" 2>"$T/err.$i" &
	done
	wait
	local won=0 lost=0
	for i in 1 2 3 4 5 6; do
		if [ "$(cat "$T/out.$i")" = race ]; then
			won=$((won + 1))
		else
			assert_eq "$(cat "$T/err.$i")" "cell: --name race: a sandbox with that name exists"
			lost=$((lost + 1))
		fi
	done
	assert_eq "$won $lost" "1 5"
	"$CELL" stop --timeout 0 race
}

@test "named: kill -9 of the supervisor, then ls and gc leave nothing behind" {
	start_named web
	local sup
	sup=$("$CELL" ls --json | "$PYTHON" -c 'import json, sys; print(json.load(sys.stdin)[0]["supervisor_pid"])')
	kill -9 "$sup"
	wait_pid_gone "$SBX_PID"
	wait_pid_gone "$INIT_PID"
	run "$CELL" ls
	status_is 0
	assert_eq "$output" ""
	assert_eq "$(state_left)" .lock
	run "$CELL" gc
	status_is 0
	assert_eq "$output" ""
}

@test "gc removes the records of dead supervisors and keeps exited ones" {
	need_helper
	"$HELPER" dead d1
	"$HELPER" dead d2
	"$HELPER" exited e1 3
	run "$CELL" gc
	status_is 0
	assert_eq "$output" "$(printf 'd1\nd2')"
	run "$CELL" ls
	[ "${#lines[@]}" -eq 2 ] && [[ ${lines[1]} =~ ^e1\ +exited\(3\) ]] || {
		echo "$output" >&2
		return 1
	}
	# ls cleans up on its own
	"$HELPER" dead d3
	run "$CELL" ls
	assert_not_contains "$output" d3
	[ ! -e "$CELL_STATE_DIR/d3.json" ]
}

@test "named: bad input gives one line and 125" {
	run --separate-stderr "$CELL" enter nope -- /bin/true
	assert_cell_error "enter" "no sandbox named nope"
	run --separate-stderr "$CELL" enter 'a/b' -- /bin/true
	assert_cell_error "enter" "a/b"
	run --separate-stderr "$CELL" ps "$(printf 'x%.0s' {1..65})"
	assert_cell_error "ps" "at most 64"
	run --separate-stderr "$CELL" stop ..
	assert_cell_error "stop" "'..'"
	run --separate-stderr "$CELL" logs nope
	assert_cell_error "logs" "no sandbox named nope"
	run --separate-stderr "$CELL" stop
	assert_cell_error "stop" "NAME"
	run --separate-stderr "$CELL" ls --bogus
	assert_cell_error "ls" "--bogus"
}

@test "the state directory must be the caller's own" {
	run --separate-stderr env CELL_STATE_DIR=/tmp "$CELL" ls
	assert_cell_error "/tmp" "not owned by you"
}

@test "as a user without XDG_RUNTIME_DIR: a clear error" {
	need_user
	run --separate-stderr env -u CELL_STATE_DIR -u XDG_RUNTIME_DIR "$CELL" ls
	assert_cell_error "XDG_RUNTIME_DIR"
}
