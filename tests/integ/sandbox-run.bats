#!/usr/bin/env bats
# cell run --name/--detach/--keep: the launcher's side of named sandboxes
# (the commands that use them are tested in sandbox.bats).  Every test uses
# its own state directory ($CELL_STATE_DIR).

load helpers

setup() {
	common_setup
	CELL_STATE_DIR=$(world_dir)/state
	export CELL_STATE_DIR
}

teardown() {
	"$CELL" stop --all --timeout 0 >/dev/null 2>&1 || true
	common_teardown
}

@test "run --name --detach: prints NAME, runs in the background, round trip" {
	shared_dir "$T/d"
	run "$CELL" run --name web -d --ro-bind "$CELL_PROBE:/probe" --bind "$T/d:/d" \
		--hostname web -- /bin/sh -c 'echo started; exec /probe pause /d/ready "$0"' "$MARK"
	status_is 0
	assert_eq "$output" web
	wait_for "$T/d/ready"
	run "$CELL" ls
	[[ ${lines[1]} =~ ^web\ +running\  ]] || { echo "$output" >&2; return 1; }
	run "$CELL" enter web -- /bin/hostname
	status_is 0
	assert_eq "$output" web
	run "$CELL" ps web
	assert_contains "$output" "/probe pause /d/ready $MARK"
	run "$CELL" logs web
	assert_eq "$output" started
	run "$CELL" stop web
	status_is 0
	run "$CELL" ls
	[[ ${lines[1]} =~ ^web\ +exited\(143\) ]] || { echo "$output" >&2; return 1; }
	run "$CELL" rm web
	status_is 0
	assert_eq "$(state_left)" .lock
	wait_gone "$MARK"
}

@test "run --name in the foreground: the command's status, kept until rm" {
	run "$CELL" run --name fg -- /bin/sh -c 'exit 3'
	status_is 3
	run "$CELL" ls --json
	assert_contains "$output" '"exit_status": 3'
	run --separate-stderr "$CELL" run --name fg -- /bin/true
	assert_cell_error "--name fg" "a sandbox with that name exists" "cell rm fg"
	"$CELL" rm fg
	run "$CELL" run --name fg -- /bin/true
	status_is 0
}

@test "run --name: of several at once exactly one wins" {
	local i
	for i in 1 2 3 4 5; do
		"$CELL" run --name race -d -- /bin/sh -c 'sleep 1000' "$MARK" \
			>"$T/out.$i" 2>"$T/err.$i" &
	done
	wait
	local won=0
	for i in 1 2 3 4 5; do
		if [ "$(cat "$T/out.$i")" = race ]; then
			won=$((won + 1))
		else
			assert_eq "$(cat "$T/err.$i")" "cell: --name race: a sandbox with that name exists"
		fi
	done
	assert_eq "$won" 1
}

@test "run --name: kill -9 of the supervisor, then ls leaves nothing behind" {
	run "$CELL" run --name k -d -- /bin/sh -c 'sleep 1000' "$MARK"
	status_is 0
	local sup
	sup=$("$CELL" ls --json | "$PYTHON" -c 'import json, sys; print(json.load(sys.stdin)[0]["supervisor_pid"])')
	kill -9 "$sup"
	wait_gone "$MARK"
	run "$CELL" ls
	assert_eq "$output" ""
	assert_eq "$(state_left)" .lock
}

@test "run --name --keep (root): the namespaces outlive the sandbox until rm" {
	need_root "bind mounts of namespaces need root"
	run "$CELL" run --name k --keep net,uts --hostname kept -- /bin/true
	status_is 0
	local n
	n=$(grep -c " $CELL_STATE_DIR/k.ns/" /proc/self/mountinfo)
	assert_eq "$n" 2
	run nsenter --uts="$CELL_STATE_DIR/k.ns/uts" hostname
	assert_eq "$output" kept
	"$CELL" rm k
	assert_eq "$(grep -c " $CELL_STATE_DIR/" /proc/self/mountinfo)" 0
}

@test "run --name: bad input is one line and 125, and leaves no record" {
	run --separate-stderr "$CELL" run --name 'a b' -- /bin/true
	assert_cell_error "--name" "a b"
	run --separate-stderr "$CELL" run --detach -- /bin/true
	assert_cell_error "--detach needs --name"
	run --separate-stderr "$CELL" run --name x --detach --pty -- /bin/true
	assert_cell_error "--detach and --pty"
	run --separate-stderr "$CELL" run --name x --keep pid -- /bin/true
	assert_cell_error "--keep pid"
	run --separate-stderr "$CELL" run --name x --share net --keep net -- /bin/true
	assert_cell_error "--keep" "net"
	run --separate-stderr "$CELL" run --name x --root /nonexistent -- /bin/true
	assert_cell_error "--root"
	run "$CELL" ls
	assert_eq "$output" ""
}
