# helpers.bash - shared by the integration tests (load 'helpers').
#
# The tests run the real binary ("$CELL") and a static probe ("$CELL_PROBE",
# tests/probe.c) and check from the outside what the sandbox can and cannot
# see or do.  tests/run runs every file twice: as root and as the
# unprivileged user celltest.

bats_require_minimum_version 1.5.0

: "${CELL:?CELL must name the cell binary}"
: "${CELL_PROBE:?CELL_PROBE must name the probe (tests/probe.c)}"

# A python that every user can run (a pyenv shim may live under /root).
PYTHON=/usr/bin/python3
[ -x "$PYTHON" ] || PYTHON=python3

is_root() { [ "$(id -u)" = 0 ]; }

need_root() { is_root || skip "${1:-needs root}"; }

need_user() { ! is_root || skip "${1:-for unprivileged callers only}"; }

# A unique word for the command line of every sandbox a test starts, so
# that pgrep can tell whether anything of it survived.
common_setup() {
	MARK="cell-integ-$$-${BATS_TEST_NUMBER}-$RANDOM"
	T=$BATS_TEST_TMPDIR
	# the sandbox's ids may be unmapped host ids: let it find its way in
	chmod 755 "$T"
	PIDS_TO_KILL=()
	DIRS_TO_REMOVE=() # tests may add directories to remove in teardown
}

common_teardown() {
	local p

	for p in "${PIDS_TO_KILL[@]}"; do
		kill -9 "$p" 2>/dev/null || true
	done
	if [ -n "${MARK:-}" ]; then
		pkill -9 -f -- "$MARK" 2>/dev/null || true
	fi
	# anything still running with the test's directory in its arguments
	if [ -n "${T:-}" ]; then
		pkill -9 -f -- "$T/" 2>/dev/null || true
	fi
	for p in "${DIRS_TO_REMOVE[@]}"; do
		rm -rf -- "$p"
	done
	# world_dir runs in $(...): its directories are listed in a file
	if [ -f "${BATS_TEST_TMPDIR:-}/.world-dirs" ]; then
		while IFS= read -r p; do
			case "$p" in
			/tmp/cell-integ.*) rm -rf -- "$p" ;;
			esac
		done <"$BATS_TEST_TMPDIR/.world-dirs"
	fi
}

# The host uid:gid that root inside a default sandbox is: in root's
# sandboxes the start of the mapped range.
sandbox_root_ids() {
	"$CELL" run --print-spec -- /bin/true |
		awk '/^uid_map:/ { u = $3 } /^gid_map:/ { g = $3 } END { print u ":" g }'
}

# give_to_sandbox PATH...: in root's sandboxes, make PATHs (recursively)
# belong to the sandbox's root: host root's files cannot be written through
# its idmapped binds (they show as nobody).  The caller's own files need
# nothing.
give_to_sandbox() {
	if is_root; then
		chown -R "$(sandbox_root_ids)" "$@"
	fi
}

# shared_dir DIR...: directories the sandbox (any user in it) may write to.
shared_dir() {
	mkdir -p "$@"
	give_to_sandbox "$@"
	chmod 777 "$@"
}

# The host uid that inside uid $1 maps to, given uid_map text $2.
host_uid_of() {
	awk -v id="$1" '$1 <= id && id < $1 + $3 { print $2 + id - $1; exit }' <<<"$2"
}

# A new directory every user can reach (the sandbox's ids may be unmapped
# host ids, and bats makes its own temporary directory private), removed in
# teardown (common_teardown).  Usually called as d=$(world_dir).
world_dir() {
	local d

	d=$(mktemp -d /tmp/cell-integ.XXXXXX)
	chmod 755 "$d"
	echo "$d" >>"$BATS_TEST_TMPDIR/.world-dirs"
	echo "$d"
}

setup() { common_setup; }
teardown() { common_teardown; }

# cell run with the probe at /probe inside the sandbox.
cellp() {
	"$CELL" run --ro-bind "$CELL_PROBE:/probe" "$@"
}

# Host namespace of the calling shell, e.g. "net:[4026531840]".
host_ns() {
	readlink "/proc/self/ns/$1"
}

# wait_for FILE [SECONDS]: until FILE exists.
wait_for() {
	local n=$((${2:-10} * 100))

	while [ ! -e "$1" ]; do
		n=$((n - 1))
		[ "$n" -gt 0 ] || { echo "timed out waiting for $1" >&2; return 1; }
		sleep 0.01
	done
}

# wait_for_line FILE TEXT [SECONDS]: until a line of FILE is exactly TEXT
# (a terminal's CR at the end aside).
wait_for_line() {
	local n=$((${3:-10} * 100))

	until tr -d '\r' <"$1" 2>/dev/null | grep -qxF -- "$2"; do
		n=$((n - 1))
		[ "$n" -gt 0 ] || {
			echo "timed out waiting for '$2' in $1:" >&2
			cat "$1" >&2
			return 1
		}
		sleep 0.01
	done
}

# wait_gone PATTERN [SECONDS]: until no process's command line has PATTERN.
wait_gone() {
	local n=$((${2:-10} * 100))

	while pgrep -f -- "$1" >/dev/null; do
		n=$((n - 1))
		[ "$n" -gt 0 ] || {
			echo "still running:" >&2
			pgrep -af -- "$1" >&2
			return 1
		}
		sleep 0.01
	done
}

# wait_pid_gone PID [SECONDS]
wait_pid_gone() {
	local n=$((${2:-10} * 100))

	while kill -0 "$1" 2>/dev/null; do
		n=$((n - 1))
		[ "$n" -gt 0 ] || { echo "pid $1 still running" >&2; return 1; }
		sleep 0.01
	done
}

# The host PID of the sandboxed process whose argv[0] is $1 and whose
# command line has $2 (cell's own processes carry the same words in their
# arguments, so pgrep -f alone cannot tell them apart).
sandboxed_pid() {
	local p argv0

	for p in $(pgrep -f -- "$2"); do
		argv0=$(tr '\0' '\n' <"/proc/$p/cmdline" 2>/dev/null | head -n1)
		if [ "$argv0" = "$1" ]; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

# status_is N: after `run`, the exit status was N (else show the output).
status_is() {
	[ "$status" -eq "$1" ] && return 0
	printf 'exit status %s, expected %s; output:\n%s\n' "$status" "$1" "$output" >&2
	[ -z "${stderr:-}" ] || printf 'stderr:\n%s\n' "$stderr" >&2
	return 1
}

# assert_eq ACTUAL EXPECTED [WHAT]
assert_eq() {
	if [ "$1" != "$2" ]; then
		printf '%s\n  expected: %q\n  actual:   %q\n' "${3:-mismatch}" "$2" "$1" >&2
		return 1
	fi
}

# assert_contains HAYSTACK NEEDLE
assert_contains() {
	case "$1" in
	*"$2"*) return 0 ;;
	esac
	printf 'expected to find %q in:\n%s\n' "$2" "$1" >&2
	return 1
}

assert_not_contains() {
	case "$1" in
	*"$2"*)
		printf 'did not expect %q in:\n%s\n' "$2" "$1" >&2
		return 1
		;;
	esac
	return 0
}

# After `run --separate-stderr "$CELL" ...`: cell refused with status 125 and
# exactly one line on stderr, "cell: ...", that names each of "$@".
assert_cell_error() {
	local want

	if [ "$status" -ne 125 ]; then
		echo "expected exit status 125, got $status; stderr: $stderr" >&2
		return 1
	fi
	if [ "${#stderr_lines[@]}" -ne 1 ]; then
		echo "expected exactly one line on stderr, got ${#stderr_lines[@]}:" >&2
		printf '%s\n' "$stderr" >&2
		return 1
	fi
	case "${stderr_lines[0]}" in
	"cell: "*) ;;
	*) echo "stderr does not start with 'cell: ': ${stderr_lines[0]}" >&2; return 1 ;;
	esac
	for want in "$@"; do
		assert_contains "${stderr_lines[0]}" "$want" || return 1
	done
}

# The host's mounts that a sandbox leaking out of its mount namespace would
# add: cell builds the new root on /tmp, so /tmp itself and the system
# names below it, and anything under the test's directory.  (Other tests on
# the same machine may mount elsewhere meanwhile.)
sandbox_like_mounts() {
	awk -v t="$T/" '{
		mp = $5
		if (mp == "/" || mp == "/tmp" || index(mp, t) == 1) { print mp; next }
		if (mp ~ "^/tmp/[^/.]+(/|$)" && mp !~ "^/tmp/bats-run-") print mp
	}' /proc/self/mountinfo | sort
}

# Snapshot of what a failed run must leave unchanged: those mounts, the
# files under the test's directory (and any extra dirs given).
snapshot() {
	{
		sandbox_like_mounts
		find "$T" "$@" -not -name 'separate-stderr-*' -not -name .world-dirs -printf '%p %y %m %s\n' 2>/dev/null | sort
	}
}

# run_bad CULPRIT... -- CELL_ARGS...: run cell with CELL_ARGS, which must
# fail during setup: status 125, one "cell: " line naming every CULPRIT,
# nothing on stdout, no new mount, file or surviving process.  cell runs
# under the probe as a child subreaper, so that a sandbox init it leaves
# behind comes back to the probe, which names it (status 99).
run_bad() {
	local culprits=() before after procs_before

	while [ "$1" != "--" ]; do
		culprits+=("$1")
		shift
	done
	shift
	before=$(snapshot)
	procs_before=$(cell_processes)
	run --separate-stderr "$CELL_PROBE" reap-check "$CELL" "$@"
	after=$(snapshot)
	assert_cell_error "${culprits[@]}"
	assert_eq "$output" "" "stdout of a failed run"
	assert_eq "$after" "$before" "mounts and files after a failed run"
	wait_gone "$MARK" 2
	# no new process running cell (the probe caught orphaned inits)
	local p
	for p in $(cell_processes); do
		case " $procs_before " in
		*" $p "*) ;;
		*) echo "left behind: $(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)" >&2; return 1 ;;
		esac
	done
}

# PIDs of the processes running "$CELL" (argv[0] is that path).
cell_processes() {
	local p argv0

	for p in $(pgrep -f -- "$CELL"); do
		argv0=$(tr '\0' '\n' <"/proc/$p/cmdline" 2>/dev/null | head -n1)
		[ "$argv0" != "$CELL" ] || printf '%s ' "$p"
	done
}

# What the state directory holds besides the kept seccomp programs
# (seccache.c), which outlive every sandbox on purpose.
state_left() {
	ls -A "$CELL_STATE_DIR" | grep -vx seccomp
}
