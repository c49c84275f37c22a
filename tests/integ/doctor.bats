#!/usr/bin/env bats
# cell doctor: what this host allows, as text and JSON, checked against the
# host's own facts; fast, never failing, leaving nothing behind.

load helpers

CHECKS="userns cgroup landlock seccomp timens idmap overlay network idtools proc"

doctor_json() {
	run --separate-stderr "$CELL" doctor --json
	status_is 0
	JSON=$output
}

# jq-like lookup: field CHECK KEY
field() {
	"$PYTHON" -c 'import json,sys; d=json.loads(sys.argv[1]); print(d["checks"][sys.argv[2]][sys.argv[3]])' \
		"$JSON" "$1" "$2"
}

@test "cell doctor: one verdict per check, exit status 0" {
	run --separate-stderr "$CELL" doctor
	status_is 0
	assert_eq "$stderr" "" "stderr"
	assert_contains "${lines[0]}" "cell doctor: Linux $(uname -r), uid $(id -u)"
	local label n=0
	for label in "user namespaces" "cgroups" "Landlock" "seccomp" "time namespaces" \
		"idmapped mounts" "unprivileged overlay" "user-mode network" "subordinate ids" "/proc"; do
		printf '%s\n' "$output" | grep -Eq "^$label +(ok|limited) +[^ ]" || {
			echo "no verdict line for $label:" >&2
			echo "$output" >&2
			return 1
		}
		n=$((n + 1))
	done
	assert_eq "$n" 10
}

@test "cell doctor --json: every check with status, value and why" {
	doctor_json
	"$PYTHON" - "$JSON" "$(id -u)" $CHECKS <<'EOF'
import json, sys
d = json.loads(sys.argv[1])
assert d["uid"] == int(sys.argv[2]), d["uid"]
assert sorted(d["checks"]) == sorted(sys.argv[3:]), sorted(d["checks"])
for k, c in d["checks"].items():
    assert c["status"] in ("ok", "limited"), (k, c)
    assert c["value"] and c["why"] and c["label"], (k, c)
EOF
}

@test "cell doctor --json agrees with the kernel: Landlock ABI, time namespaces, pasta" {
	doctor_json
	local abi
	abi=$("$PYTHON" -c 'import ctypes; l=ctypes.CDLL(None, use_errno=True); r=l.syscall(444, None, 0, 1); print(r if r > 0 else 0)')
	assert_eq "$(field landlock abi)" "$abi" "Landlock ABI"
	if [ "$abi" -gt 0 ]; then
		assert_eq "$(field landlock value)" "ABI $abi"
	else
		assert_eq "$(field landlock status)" "limited"
	fi
	if [ -e /proc/self/ns/time ]; then
		assert_eq "$(field timens status)" ok
	else
		assert_eq "$(field timens status)" limited
	fi
	if command -v pasta >/dev/null || command -v slirp4netns >/dev/null; then
		assert_eq "$(field network status)" ok
	else
		assert_eq "$(field network status)" limited
	fi
}

@test "cell doctor: /proc verdict follows the mounts covering /proc" {
	doctor_json
	local covers
	covers=$(awk '$5 ~ "^/proc/" && $5 != "/proc/sys/fs/binfmt_misc"' /proc/self/mountinfo | wc -l)
	if [ "$covers" -eq 0 ]; then
		assert_eq "$(field proc status)" ok
		assert_contains "$(field proc value)" "not masked"
	else
		assert_eq "$(field proc status)" limited
	fi
}

@test "cell doctor as root: tries idmapped mounts, cgroups usable" {
	need_root
	doctor_json
	assert_not_contains "$(field idmap value)" "root only"
	assert_contains "$(field idmap value)" "tmpfs: "
	local v
	v=$(field cgroup version)
	[ "$v" != 0 ] || skip "no cgroup file system"
	if [ "$v" = 1 ] && [ -w /sys/fs/cgroup/memory ] && [ -w /sys/fs/cgroup/pids ]; then
		assert_eq "$(field cgroup status)" ok
	fi
}

@test "cell doctor as a user: user namespaces as unshare sees them, v1 not delegated" {
	need_user
	doctor_json
	assert_eq "$(field idmap value)" "root only"
	if unshare -U -m true 2>/dev/null; then
		assert_eq "$(field userns status)" ok
	else
		assert_eq "$(field userns status)" limited
	fi
	if [ "$(field cgroup version)" = 1 ] && [ ! -w /sys/fs/cgroup/memory ]; then
		assert_eq "$(field cgroup status)" limited
		assert_contains "$(field cgroup why)" "not delegated to uid $(id -u)"
	fi
}

@test "cell doctor subordinate ids: counts /etc/subuid for this user" {
	doctor_json
	local want
	want=$(awk -F: -v u="$(id -un)" -v n="$(id -u)" '($1 == u || $1 == n) { s += $3 } END { print s + 0 }' /etc/subuid 2>/dev/null || echo 0)
	assert_contains "$(field idtools value)" "; $want uids,"
}

@test "cell doctor is fast (best of three under 100 ms)" {
	local best=999999 i s e
	for i in 1 2 3; do
		s=$(date +%s%N)
		"$CELL" doctor >/dev/null
		e=$(date +%s%N)
		[ $(((e - s) / 1000000)) -ge "$best" ] || best=$(((e - s) / 1000000))
	done
	echo "best: ${best} ms" >&2
	[ "$best" -lt 100 ]
}

@test "cell doctor leaves no mount, file or process behind" {
	local before after
	before=$(snapshot)
	run "$CELL" doctor --json
	status_is 0
	after=$(snapshot)
	assert_eq "$after" "$before" "mounts and files after cell doctor"
	# the probes are forks of cell doctor: none may survive it
	if pgrep -f -- "$CELL doctor" >/dev/null; then
		pgrep -af -- "$CELL doctor" >&2
		return 1
	fi
}

@test "cell doctor: bad arguments are one line, exit 125; --help" {
	run --separate-stderr "$CELL" doctor --bogus
	assert_cell_error "doctor" "--bogus"
	run --separate-stderr "$CELL" doctor extra
	assert_cell_error "doctor" "'extra'"
	run "$CELL" doctor --help
	status_is 0
	assert_contains "${lines[0]}" "Usage: cell doctor [--json]"
	run "$CELL" help doctor
	status_is 0
	assert_contains "${lines[0]}" "Usage: cell doctor [--json]"
}
