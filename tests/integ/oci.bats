#!/usr/bin/env bats
# cell as an OCI runtime, called directly (no podman): the create / start /
# state / kill / delete life cycle on a bundle of busybox-static, run, exec,
# the pid file, failed creates that must leave nothing behind, and the
# features and spec verbs.  Every call names a private state directory
# (--root), as podman's own callers may.
#
# The runtime is OCI_RUNTIME (see oci-helpers.bash); the same file passes
# against runc, which is how the tests themselves were checked:
#   CELL=build/cell CELL_PROBE=build/tests/probe OCI_RUNTIME=runc bats tests/integ/oci.bats

load helpers
load oci-helpers

setup_file() {
	oci_runtime_setup
	command -v jq >/dev/null || return 0
	command -v busybox >/dev/null || return 0
	# one root file system for the whole file, reachable by every user
	OCI_ROOTFS=$(mktemp -d /tmp/cell-integ-oci-rootfs.XXXXXX)
	chmod 755 "$OCI_ROOTFS"
	busybox_rootfs "$OCI_ROOTFS"
	export OCI_ROOTFS
}

teardown_file() {
	[ -z "${OCI_ROOTFS:-}" ] || rm -rf "$OCI_ROOTFS"
	remove_test_cgroups
}

# The empty parents (/cell-integ-oci) runc leaves behind in every hierarchy
# (cell should leave nothing; a container's own cgroup is checked by the
# tests, not removed here).
remove_test_cgroups() {
	local d
	is_root || return 0
	for d in /sys/fs/cgroup/*/cell-integ-oci /sys/fs/cgroup/cell-integ-oci; do
		[ -d "$d" ] && rmdir "$d" 2>/dev/null
	done
	return 0
}

setup() {
	common_setup
	command -v jq >/dev/null || skip "jq is missing (apt-get install jq)"
	need_busybox_static
	[ -x "$OCI_RT" ] || skip "no OCI runtime at $OCI_RT"
	OCI_ID=oci-$$-$BATS_TEST_NUMBER
	OCI_STATE=$T/state
	B=$T/bundle
	mkdir -p "$B"
	chmod 755 "$B"
}

teardown() {
	local d

	if [ -d "${OCI_STATE:-}" ]; then
		for d in "$OCI_STATE"/*; do
			[ -e "$d" ] || continue
			"$OCI_RT" --root "$OCI_STATE" delete --force "${d##*/}" >/dev/null 2>&1 || true
		done
	fi
	remove_test_cgroups
	common_teardown
}

# rt ARG...: the runtime under test with this test's state directory.
rt() {
	"$OCI_RT" --root "$OCI_STATE" "$@"
}

# rt_create [OPTION...]: create $OCI_ID from $B with the given options.
# The container inherits the stdio of create (that is how conmon hands it
# its pipes), so create never runs under bats' `run` (which would wait for
# the container to close its stdout): its stdout and stderr go to
# $T/create.out and $T/create.err, and its status to $create_status.
rt_create() {
	create_status=0
	rt create --bundle "$B" "$@" "$OCI_ID" </dev/null >"$T/create.out" 2>"$T/create.err" ||
		create_status=$?
	if [ "$create_status" -ne 0 ]; then
		echo "create: status $create_status: $(cat "$T/create.err")" >&2
	fi
	return "$create_status"
}

# bundle ARG...: write $B/config.json for the process ARG...
bundle() {
	oci_config "$OCI_ROOTFS" "$@" >"$B/config.json"
}

# state_of ID: the state JSON's status, or "gone" when state fails.
state_of() {
	local out

	out=$(rt state "$1" 2>/dev/null) || { echo gone; return 0; }
	jq -r .status <<<"$out"
}

# wait_state ID STATUS [SECONDS]
wait_state() {
	local n=$((${3:-10} * 100)) s

	while s=$(state_of "$1"); [ "$s" != "$2" ]; do
		n=$((n - 1))
		[ "$n" -gt 0 ] || { echo "container $1 is $s, not $2" >&2; return 1; }
		sleep 0.01
	done
}

# Directories of the container's cgroup (root: cgroupsPath /cell-integ-oci/ID).
container_cgroups() {
	find /sys/fs/cgroup -mindepth 2 -maxdepth 4 -type d -path "*/cell-integ-oci/$1" 2>/dev/null
}

# freezer_state ID: "frozen" or "thawed", from the container's freezer
# cgroup (v1 freezer.state, v2 cgroup.events).
freezer_state() {
	local d dirs

	dirs=$(container_cgroups "$1")
	# a v1 freezer hierarchy wins: on a hybrid host the v2 one is unused
	for d in $dirs; do
		[ -f "$d/freezer.state" ] || continue
		case $(cat "$d/freezer.state") in
		FROZEN) echo frozen ;;
		*) echo thawed ;;
		esac
		return 0
	done
	for d in $dirs; do
		[ -f "$d/cgroup.freeze" ] || continue
		grep -q '^frozen 1' "$d/cgroup.events" && echo frozen || echo thawed
		return 0
	done
	echo "no freezer"
}

# assert_nothing_left ID: no state, no entry in the state directory, no
# cgroup.
assert_nothing_left() {
	run rt state "$1"
	[ "$status" -ne 0 ] || { echo "state $1 still answers: $output" >&2; return 1; }
	if [ -d "$OCI_STATE" ]; then
		assert_eq "$(ls -A "$OCI_STATE")" "" "entries in the state directory"
	fi
	if is_root; then
		assert_eq "$(container_cgroups "$1")" "" "cgroups of $1"
	fi
}

# create_bad CULPRIT-REGEX: create $OCI_ID from $B, which must fail: a
# non-zero status (not 99: the runtime left a process behind, which the
# probe named and killed), an error that matches CULPRIT-REGEX (grep -Ei)
# on stderr or in the JSON log, and nothing left behind.
create_bad() {
	run --separate-stderr ! "$CELL_PROBE" reap-check "$OCI_RT" --root "$OCI_STATE" \
		--log "$T/oci-log" --log-format json create --bundle "$B" "$OCI_ID"
	if [ "$status" -eq 99 ]; then
		echo "create: status $status (99: a process was left behind); stderr: $stderr" >&2
		return 1
	fi
	# the message goes to the log when there is one (podman reads it there
	# first), else to stderr
	local msg
	msg=$(cat "$T/oci-log" 2>/dev/null; printf '%s\n' "$stderr")
	[ -n "$1" ] && { grep -Eiq -- "$1" <<<"$msg" || { echo "no '$1' in: $msg" >&2; return 1; }; }
	assert_nothing_left "$OCI_ID"
}

@test "oci: create, start, state, kill, delete" {
	bundle /bin/sh -c 'trap "exit 0" TERM; while :; do sleep 0.05; done'
	rt_create

	run rt state "$OCI_ID"
	status_is 0
	local pid
	pid=$(jq -r .pid <<<"$output")
	assert_eq "$(jq -r .status <<<"$output")" created "status after create"
	assert_eq "$(jq -r .id <<<"$output")" "$OCI_ID" "id"
	assert_eq "$(jq -r .bundle <<<"$output")" "$B" "bundle"
	jq -e '.ociVersion | type == "string" and length > 0' <<<"$output" >/dev/null
	[[ $pid =~ ^[1-9][0-9]*$ ]] || { echo "pid: $pid" >&2; return 1; }
	kill -0 "$pid"

	run rt start "$OCI_ID"
	status_is 0
	run rt state "$OCI_ID"
	assert_eq "$(jq -r .status <<<"$output")" running "status after start"
	assert_eq "$(jq -r .pid <<<"$output")" "$pid" "pid after start"

	# podman's form: the signal as a number, after the id
	run rt kill "$OCI_ID" 15
	status_is 0
	wait_state "$OCI_ID" stopped
	wait_exited "$pid"

	run rt delete "$OCI_ID"
	status_is 0
	assert_nothing_left "$OCI_ID"
}

@test "oci: kill takes signal names, with or without SIG" {
	bundle /bin/sleep 1000
	rt_create
	rt start "$OCI_ID"
	run rt kill "$OCI_ID" SIGKILL
	status_is 0
	wait_state "$OCI_ID" stopped
	rt delete "$OCI_ID"

	rt_create
	run rt kill "$OCI_ID" KILL
	status_is 0
	wait_state "$OCI_ID" stopped
	rt delete "$OCI_ID"
	assert_nothing_left "$OCI_ID"
}

@test "oci: the stdio of create is the container's (conmon hands over its pipes)" {
	bundle /bin/sh -c 'read line; echo "out:$line"; echo "err:$line" >&2; exit 0'
	echo fromstdin >"$T/in"
	rt create --bundle "$B" "$OCI_ID" <"$T/in" >"$T/out" 2>"$T/err"
	rt start "$OCI_ID"
	wait_state "$OCI_ID" stopped
	assert_eq "$(cat "$T/out")" "out:fromstdin" "stdout"
	assert_contains "$(cat "$T/err")" "err:fromstdin"
}

@test "oci: state of an unknown container fails and says it does not exist" {
	run --separate-stderr rt state no-such-container
	[ "$status" -ne 0 ]
	# podman (UpdateContainerStatus) looks for one of these two phrases
	grep -Eq 'does not exist|No such file' <<<"$stderr" || {
		echo "stderr: $stderr" >&2
		return 1
	}
}

@test "oci: a second create with the same id fails and leaves the first alone" {
	bundle /bin/sleep 1000
	rt_create
	if rt_create 2>/dev/null; then
		echo "a second create $OCI_ID succeeded" >&2
		return 1
	fi
	assert_eq "$(state_of "$OCI_ID")" created
	rt start "$OCI_ID"
	run rt start "$OCI_ID"
	[ "$status" -ne 0 ]
	assert_eq "$(state_of "$OCI_ID")" running
}

@test "oci: run passes the exit status and output through, and leaves no state" {
	bundle /bin/sh -c 'echo "hello from $(hostname)"; exit 7'
	run rt run --bundle "$B" "$OCI_ID"
	status_is 7
	assert_eq "$output" "hello from oci-test"
	assert_nothing_left "$OCI_ID"

	bundle /bin/true
	run rt run --bundle "$B" "$OCI_ID"
	status_is 0
}

@test "oci: run with stdin" {
	bundle /bin/cat
	run rt run --bundle "$B" "$OCI_ID" < <(printf 'one\ntwo\n')
	status_is 0
	assert_eq "$output" "$(printf 'one\ntwo')"
}

@test "oci: run: the bundle's cwd, env and hostname" {
	OCI_CWD=/tmp OCI_ENV='["PATH=/bin", "FOO=bar baz"]' \
		bundle /bin/sh -c 'echo "$(pwd)|$FOO|$(hostname)"'
	run rt run --bundle "$B" "$OCI_ID"
	status_is 0
	assert_eq "$output" "/tmp|bar baz|oci-test"
}

@test "oci: create --pid-file writes the container's pid" {
	bundle /bin/sleep 1000
	rt_create --pid-file "$T/pid"
	local pid
	pid=$(cat "$T/pid")
	[[ $pid =~ ^[1-9][0-9]*$ ]] || { echo "pid file holds '$pid'" >&2; return 1; }
	assert_eq "$pid" "$(rt state "$OCI_ID" | jq -r .pid)" "pid file against state"
	kill -0 "$pid"
	# a process of the container: its pid namespace is not ours
	[ "$(readlink "/proc/$pid/ns/pid")" != "$(readlink /proc/self/ns/pid)" ]
}

@test "oci: exec with arguments: output, exit status, env and cwd" {
	bundle /bin/sleep 1000
	rt_create
	rt start "$OCI_ID"
	run rt exec "$OCI_ID" /bin/sh -c 'echo $((6 * 7)); exit 3'
	status_is 3
	assert_eq "$output" 42
	run rt exec --env FOO=bar --cwd /tmp "$OCI_ID" /bin/sh -c 'echo "$FOO $(pwd)"'
	status_is 0
	assert_eq "$output" "bar /tmp"
	run ! rt exec "$OCI_ID" /nonexistent
	assert_eq "$(state_of "$OCI_ID")" running
}

@test "oci: exec --process, as podman calls it (--detach --pid-file)" {
	bundle /bin/sleep 1000
	rt_create
	rt start "$OCI_ID"
	# (unprivileged, the container maps only the caller, to root)
	local id=0
	is_root && id=1000
	jq -n --argjson id "$id" '{ terminal: false, user: { uid: $id, gid: $id }, cwd: "/tmp",
		args: ["/bin/sh", "-c", "echo \"$(id -u):$(id -g) $(pwd) $X\"; exit 4"],
		env: ["PATH=/bin", "X=from-process-json"] }' >"$T/process.json"
	run rt exec --process "$T/process.json" "$OCI_ID"
	status_is 4
	assert_eq "$output" "$id:$id /tmp from-process-json"

	# --detach --pid-file: the runtime returns at once; the pid file names
	# the exec'd process, which our stdout reaches
	jq -n '{ terminal: false, user: { uid: 0, gid: 0 }, cwd: "/",
		args: ["/bin/sh", "-c", "sleep 0.3; echo detached-done"], env: ["PATH=/bin"] }' \
		>"$T/process2.json"
	rt exec --process "$T/process2.json" --detach --pid-file "$T/exec.pid" "$OCI_ID" \
		</dev/null >"$T/exec.out" 2>&1
	local pid
	pid=$(cat "$T/exec.pid")
	[[ $pid =~ ^[1-9][0-9]*$ ]] || { echo "pid file holds '$pid'" >&2; return 1; }
	wait_exited "$pid" 5
	wait_for_line "$T/exec.out" detached-done 5
}

@test "oci: delete --force stops a running container" {
	bundle /bin/sleep 1000
	rt_create --pid-file "$T/pid"
	rt start "$OCI_ID"
	run rt delete "$OCI_ID"
	[ "$status" -ne 0 ] # running: not without --force
	assert_eq "$(state_of "$OCI_ID")" running
	run rt delete --force "$OCI_ID"
	status_is 0
	wait_exited "$(cat "$T/pid")" 5
	assert_nothing_left "$OCI_ID"
}

@test "oci: delete --force of a created (never started) container" {
	bundle /bin/sleep 1000
	rt_create --pid-file "$T/pid"
	run rt delete --force "$OCI_ID"
	status_is 0
	wait_exited "$(cat "$T/pid")" 5
	assert_nothing_left "$OCI_ID"
}

@test "oci: delete --force of an unknown container succeeds (podman's rm and cleanup race)" {
	# podman rm -f and conmon's exit command (podman container cleanup)
	# may both delete; a failing delete --force makes podman rm exit 125
	run rt delete --force no-such-container
	status_is 0
	run ! rt delete no-such-container
}

@test "oci: failed create: the root path does not exist" {
	oci_config "$T/no-such-rootfs" /bin/true >"$B/config.json"
	create_bad 'no-such-rootfs|no such file'
}

@test "oci: failed create: a cwd that cannot exist" {
	# (runc and crun create a missing cwd, even on a read-only root; one
	# below a regular file cannot be made)
	OCI_CWD=/bin/busybox/sub bundle /bin/true
	create_bad 'busybox|not a directory'
}

@test "oci: failed create: config.json is not JSON" {
	echo '{"ociVersion": "1.0.2", "process": ' >"$B/config.json"
	create_bad ''
}

@test "oci: failed create: no config.json" {
	create_bad 'config.json|no such file'
}

@test "oci: failed create: the command does not exist (podman exits 127 on this message)" {
	bundle /no/such/command
	# (not under `run`: status 127 is an answer here, not a missing command)
	status=0
	"$CELL_PROBE" reap-check "$OCI_RT" --root "$OCI_STATE" --log "$T/oci-log" \
		--log-format json create --bundle "$B" "$OCI_ID" </dev/null >/dev/null 2>"$T/err" ||
		status=$?
	stderr=$(cat "$T/err")
	if [ "$status" -ne 0 ]; then
		[ "$status" -ne 99 ] || { echo "left a process behind: $stderr" >&2; return 1; }
		grep -Eiq 'executable file not found|no such file or directory' \
			<<<"$(cat "$T/oci-log" 2>/dev/null; echo "$stderr")"
		assert_nothing_left "$OCI_ID"
		return 0
	fi
	# a runtime may find out only at start; then start fails
	run --separate-stderr rt start "$OCI_ID"
	[ "$status" -ne 0 ]
	grep -Eiq 'executable file not found|no such file or directory' <<<"$stderr"
}

@test "oci: --log-format json: the log holds JSON lines with level, msg and time" {
	oci_config "$T/no-such-rootfs" /bin/true >"$B/config.json"
	run rt --log "$T/log" --log-format json create --bundle "$B" "$OCI_ID"
	[ "$status" -ne 0 ]
	[ -s "$T/log" ]
	local line
	while IFS= read -r line; do
		jq -e '(.level | type == "string") and (.msg | type == "string") and (.time | type == "string")' \
			<<<"$line" >/dev/null || { echo "not a log line: $line" >&2; return 1; }
	done <"$T/log"
	jq -se 'map(select(.level == "error")) | length > 0' "$T/log" >/dev/null
}

@test "oci: concurrent state calls all answer" {
	bundle /bin/sleep 1000
	rt_create
	rt start "$OCI_ID"
	local i pids=()
	for i in $(seq 16); do
		(rt state "$OCI_ID" >"$T/state.$i" 2>&1; echo $? >"$T/rc.$i") &
		pids+=($!)
	done
	wait "${pids[@]}"
	for i in $(seq 16); do
		assert_eq "$(cat "$T/rc.$i")" 0 "status of state call $i ($(cat "$T/state.$i"))"
		assert_eq "$(jq -r .status "$T/state.$i")" running "state call $i"
	done
}

@test "oci: state while the container is created, started and killed concurrently" {
	bundle /bin/sleep 1000
	rt_create
	(
		for i in $(seq 40); do
			s=$(rt state "$OCI_ID" 2>/dev/null | jq -r .status) || s=gone
			echo "${s:-gone}"
		done
	) >"$T/seen" &
	local poller=$!
	rt start "$OCI_ID"
	rt kill "$OCI_ID" 9
	wait "$poller"
	# every answer is a state the container went through, never garbage
	run grep -Evx 'created|running|stopped|gone' "$T/seen"
	[ "$status" -ne 0 ] || { echo "unexpected answers: $output" >&2; return 1; }
}

@test "oci: pause and resume (freezer)" {
	need_root "pause needs a cgroup of the container's own"
	bundle /bin/sleep 1000
	rt_create
	rt start "$OCI_ID"
	run rt pause "$OCI_ID"
	status_is 0
	assert_eq "$(state_of "$OCI_ID")" paused
	assert_eq "$(freezer_state "$OCI_ID")" frozen "freezer after pause"
	run rt resume "$OCI_ID"
	status_is 0
	assert_eq "$(state_of "$OCI_ID")" running
	assert_eq "$(freezer_state "$OCI_ID")" thawed "freezer after resume"
}

@test "oci: features prints JSON" {
	run --separate-stderr rt features
	status_is 0
	jq -e '(.ociVersionMin | type == "string") and (.ociVersionMax | type == "string")' \
		<<<"$output" >/dev/null || { echo "features: $output" >&2; return 1; }
	if jq -e '.linux.namespaces' <<<"$output" >/dev/null; then
		jq -e '.linux.namespaces | index("pid") != null' <<<"$output" >/dev/null
	fi
}

@test "oci: spec writes a config.json that run accepts" {
	local d=$T/specbundle
	mkdir -p "$d"
	if is_root; then
		run rt spec --bundle "$d"
	else
		run rt spec --rootless --bundle "$d"
	fi
	status_is 0
	jq -e '.ociVersion and .process.args and .root.path' "$d/config.json" >/dev/null
	jq --arg r "$OCI_ROOTFS" '.root.path = $r | .process.terminal = false
		| .process.args = ["/bin/echo", "spec-ok"]' "$d/config.json" >"$d/c" &&
		mv "$d/c" "$d/config.json"
	chmod 755 "$d"
	run rt run --bundle "$d" "$OCI_ID"
	status_is 0
	assert_eq "$output" spec-ok
	assert_nothing_left "$OCI_ID"
}

@test "oci: spec does not overwrite an existing config.json" {
	echo '{}' >"$B/config.json"
	run rt spec --bundle "$B"
	[ "$status" -ne 0 ]
	assert_eq "$(cat "$B/config.json")" '{}'
}

@test "oci: a terminal through --console-socket" {
	command -v "$PYTHON" >/dev/null || skip "python3 is missing"
	OCI_TERMINAL=true bundle /bin/sh -c 'tty; [ -t 0 ] && [ -t 1 ] && echo tty-ok; exit 6'
	# receive the pty master over the socket, print what the container
	# writes to it, until the container has exited and the master is drained
	"$PYTHON" - "$T/console.sock" >"$T/console.out" 2>"$T/console.err" <<'EOF' &
import array, os, select, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1])
s.listen(1)
open(sys.argv[1] + ".ready", "w").close()
c, _ = s.accept()
msg, anc, flags, addr = c.recvmsg(1024, socket.CMSG_LEN(4 * 4))
fds = array.array("i")
for level, kind, data in anc:
    if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
        fds.frombytes(data[: len(data) - (len(data) % fds.itemsize)])
if not fds:
    sys.exit("no fd received")
m = fds[0]
out = b""
while True:
    r, _, _ = select.select([m], [], [], 10)
    if not r:
        break
    try:
        b = os.read(m, 4096)
    except OSError:
        break
    if not b:
        break
    out += b
sys.stdout.write(out.decode(errors="replace").replace("\r", ""))
EOF
	local py=$!
	wait_for "$T/console.sock.ready" 5
	rt_create --console-socket "$T/console.sock"
	rt start "$OCI_ID"
	wait_state "$OCI_ID" stopped
	wait "$py" || { cat "$T/console.err" >&2; return 1; }
	assert_contains "$(cat "$T/console.out")" "/dev/pts/"
	assert_contains "$(cat "$T/console.out")" "tty-ok"
}

@test "oci: cell oci and cell-oci are the same runtime" {
	oci_is_cell || skip "the runtime under test is $OCI_RT_NAME, not cell"
	bundle /bin/sh -c 'exit 9'
	run "$CELL" oci --root "$OCI_STATE" run --bundle "$B" "$OCI_ID"
	status_is 9
	run "$CELL" oci --root "$OCI_STATE" features
	status_is 0
	assert_eq "$output" "$(rt features)"
}
