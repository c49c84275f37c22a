#!/usr/bin/env bats
# cell ns PID...: the namespaces of processes, marked where they differ from
# the caller's, as text and as JSON.

load helpers

NS_TYPES="user mnt pid net ipc uts cgroup time"

# Start a sandboxed probe that waits; sets SBX_PID (its host PID) and
# CELL_PID.
start_sandbox() {
	shared_dir "$T/d"
	"$CELL" run --ro-bind "$CELL_PROBE:/probe" --bind "$T/d:/d" "$@" -- /probe pause /d/ready "$MARK" 3>&- &
	CELL_PID=$!
	PIDS_TO_KILL+=("$CELL_PID")
	wait_for "$T/d/ready"
	SBX_PID=$(sandboxed_pid /probe "$MARK")
	[ -n "$SBX_PID" ]
}

inode_of() { # PID TYPE
	local l

	l=$(readlink "/proc/$1/ns/$2")
	l=${l#*[}
	echo "${l%]}"
}

@test "cell ns of the caller: every namespace listed, none isolated" {
	run "$CELL" ns $$
	status_is 0
	assert_eq "${lines[0]}" "$(printf '%-8s %-7s %-12s %s' PID TYPE INODE ISOLATED)" header
	local t
	for t in $NS_TYPES; do
		printf '%s\n' "$output" | grep -Eq "^$$ +$t +$(inode_of $$ "$t") +no\$" || {
			echo "no line for $t: $output" >&2
			return 1
		}
	done
}

@test "cell ns of a sandboxed process marks the new namespaces" {
	start_sandbox
	run "$CELL" ns "$SBX_PID"
	status_is 0
	local t want
	for t in $NS_TYPES; do
		want=yes
		[ "$t" != time ] || want=no
		printf '%s\n' "$output" | grep -Eq "^$SBX_PID +$t +$(inode_of "$SBX_PID" "$t") +$want\$" || {
			echo "expected $t isolated=$want:" >&2
			echo "$output" >&2
			return 1
		}
	done
}

@test "cell ns --json, parsed" {
	start_sandbox --share net
	run "$CELL" ns --json $$ "$SBX_PID"
	status_is 0
	echo "$output" >"$T/ns.json"
	run "$PYTHON" - "$T/ns.json" "$$" "$SBX_PID" <<'EOF'
import json, os, sys
doc = json.load(open(sys.argv[1]))
me, sbx = int(sys.argv[2]), int(sys.argv[3])
assert [e["pid"] for e in doc] == [me, sbx], doc
types = ["user", "mnt", "pid", "net", "ipc", "uts", "cgroup", "time"]
for entry in doc:
    ns = entry["namespaces"]
    assert sorted(ns) == sorted(types), ns
    for t in types:
        link = os.readlink("/proc/%d/ns/%s" % (entry["pid"], t))
        assert ns[t]["inode"] == int(link.split("[")[1].rstrip("]")), (t, link)
        isolated = entry["pid"] == sbx and t not in ("net", "time")
        assert ns[t]["isolated"] is isolated, (entry["pid"], t, ns[t])
print("ok")
EOF
	echo "$output"
	status_is 0
	assert_eq "$output" ok
}

@test "cell ns matches the sandbox's own view of /proc/self/ns" {
	shared_dir "$T/d"
	"$CELL" run --ro-bind "$CELL_PROBE:/probe" --bind "$T/d:/d" -- /bin/sh -c \
		'readlink /proc/self/ns/net >/d/net; exec /probe pause /d/ready '"$MARK" 3>&- &
	PIDS_TO_KILL+=("$!")
	wait_for "$T/d/ready"
	SBX_PID=$(sandboxed_pid /probe "$MARK")
	run "$CELL" ns "$SBX_PID"
	local inode
	inode=$(sed 's/.*\[\(.*\)\]/\1/' "$T/d/net")
	printf '%s\n' "$output" | grep -Eq "^$SBX_PID +net +$inode +yes\$"
}

@test "cell ns without a PID" {
	run_bad PID -- ns
}

@test "cell ns with something that is not a PID" {
	run_bad abc -- ns abc
	run_bad -3 -- ns -- -3
}

@test "cell ns of a process that does not exist" {
	run --separate-stderr "$CELL" ns 2147483000
	assert_cell_error 2147483000
}

@test "cell ns lists what it can and fails for the rest" {
	run --separate-stderr "$CELL" ns $$ 2147483000
	assert_cell_error 2147483000
	printf '%s\n' "$output" | grep -Eq "^$$ +net +"
}

@test "cell ns with an unknown option" {
	run_bad --bogus -- ns --bogus $$
}

@test "cell ns of a process the caller may not inspect" {
	need_user "root may inspect every process"
	run --separate-stderr "$CELL" ns 1
	assert_cell_error 1
}

@test "cell ns --help" {
	run "$CELL" ns --help
	status_is 0
	assert_contains "$output" "Usage: cell ns"
}
