#!/usr/bin/env bats
# Namespaces: the default set, --ns, --share, time; what each new one looks
# like from inside (lo only, own PIDs and /proc, own message queues, own
# host name).

load helpers

ALL_NS="user mnt pid net ipc uts cgroup"

# The sandbox's "type:[inode]" for each type named, one a line.
inside_ns() {
	local t list=""

	for t in "$@"; do
		list="$list /proc/self/ns/$t"
	done
	"$CELL" run "${NS_ARGS[@]}" -- /usr/bin/readlink $list
}

@test "default: every namespace but time differs from the host's" {
	local t i=0

	NS_ARGS=()
	run inside_ns $ALL_NS time
	status_is 0
	for t in $ALL_NS; do
		[ "${lines[$i]%%:*}" = "$t" ]
		[ "${lines[$i]}" != "$(host_ns "$t")" ] || {
			echo "$t is the host's: ${lines[$i]}" >&2
			return 1
		}
		i=$((i + 1))
	done
	assert_eq "${lines[$i]}" "$(host_ns time)" "time namespace"
}

@test "--ns net alone: only the net namespace is new (like unshare --net)" {
	need_root "a net namespace without a user namespace needs root"
	local t i=0

	NS_ARGS=(--ns net)
	run inside_ns user mnt pid ipc uts cgroup net
	status_is 0
	for t in user mnt pid ipc uts cgroup; do
		assert_eq "${lines[$i]}" "$(host_ns "$t")" "$t namespace"
		i=$((i + 1))
	done
	[ "${lines[$i]}" != "$(host_ns net)" ]
	# the host's file system and identity, a network with lo only
	run "$CELL" run --ns net -- "$CELL_PROBE" ifaces
	status_is 0
	assert_eq "$output" "lo up"
	run "$CELL" run --ns net -- /usr/bin/id -u
	assert_eq "$output" "0"
}

@test "--ns net alone, unprivileged: refused with a clear message" {
	need_user
	run_bad net root -- run --ns net -- /bin/true "$MARK"
}

@test "--share keeps exactly the named namespaces" {
	local t i=0

	NS_ARGS=(--share net,uts)
	run inside_ns net uts user mnt pid ipc cgroup
	status_is 0
	assert_eq "${lines[0]}" "$(host_ns net)" "net"
	assert_eq "${lines[1]}" "$(host_ns uts)" "uts"
	i=2
	for t in user mnt pid ipc cgroup; do
		[ "${lines[$i]}" != "$(host_ns "$t")" ] || {
			echo "$t is the host's" >&2
			return 1
		}
		i=$((i + 1))
	done
	# the host's name, since the uts namespace is the host's
	run "$CELL" run --share net,uts -- /bin/hostname
	assert_eq "$output" "$(hostname)"
}

@test "--share user: root keeps the host's user namespace" {
	need_root
	NS_ARGS=(--share user)
	run inside_ns user mnt
	status_is 0
	assert_eq "${lines[0]}" "$(host_ns user)"
	[ "${lines[1]}" != "$(host_ns mnt)" ]
}

@test "--share user, unprivileged: refused, saying what and why" {
	need_user
	run_bad user root -- run --share user -- /bin/true "$MARK"
}

@test "--ns with time adds a time namespace" {
	NS_ARGS=(--ns user,mnt,pid,time)
	run inside_ns time net
	status_is 0
	[ "${lines[0]%%:*}" = time ]
	[ "${lines[0]}" != "$(host_ns time)" ]
	assert_eq "${lines[1]}" "$(host_ns net)" "net (not asked for)"
}

@test "--ns mount is accepted as the util-linux spelling of mnt" {
	NS_ARGS=(--ns user,mount)
	run inside_ns mnt
	status_is 0
	[ "$output" != "$(host_ns mnt)" ]
}

@test "net: lo is up and nothing else exists" {
	run cellp -- /probe ifaces
	status_is 0
	assert_eq "$output" "lo up"
}

@test "net: loopback works inside" {
	run cellp -- /probe loopback
	status_is 0
	assert_eq "$output" "ok"
}

@test "net: init and the command share the sandbox's network namespace" {
	# The namespace is made beside the root by a helper of cell's and
	# entered by init before the command starts (net.h): seen from the host,
	# both are in it, and it is not the host's.
	need_root "reads init's /proc/PID/ns (init is not dumpable)"
	cellp -- /probe pause - "$MARK" &
	PIDS_TO_KILL+=("$!")
	local cmd init n=500
	until cmd=$(sandboxed_pid /probe "$MARK"); do
		n=$((n - 1))
		[ "$n" -gt 0 ] || { echo "the command never started" >&2; return 1; }
		sleep 0.01
	done
	init=$(awk '{ print $4 }' "/proc/$cmd/stat")
	assert_eq "$(readlink "/proc/$init/ns/net")" "$(readlink "/proc/$cmd/ns/net")" "init's and the command's"
	[ "$(readlink "/proc/$cmd/ns/net")" != "$(host_ns net)" ] || {
		echo "the command is in the host's network namespace" >&2
		return 1
	}
	# the helper is gone: init's only child is the command
	assert_eq "$(cat "/proc/$init/task/$init/children")" "$cmd " "init's children"
}

@test "net: the host's interfaces stay visible with --share net" {
	run cellp --share net -- /probe ifaces
	status_is 0
	assert_eq "$output" "$("$CELL_PROBE" ifaces)"
}

@test "net: the host's abstract unix sockets are out of reach" {
	local name="cell-integ-$MARK"
	"$PYTHON" -c '
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind("\0" + sys.argv[1]); s.listen(8)
open(sys.argv[2], "w").close()
while True: s.accept()[0].close()' "$name" "$T/listening" 3>&- &
	PIDS_TO_KILL+=("$!")
	wait_for "$T/listening"
	# control: the host itself can connect
	run "$CELL_PROBE" connect-unix "@$name"
	assert_eq "$output" ok
	run cellp -- /probe connect-unix "@$name"
	assert_eq "$output" ECONNREFUSED
	run cellp --share net -- /probe connect-unix "@$name"
	assert_eq "$output" ok
}

@test "pid: the command sees only the sandbox's processes" {
	run "$CELL" run -- /bin/sh -c 'ls /proc | grep -E "^[0-9]+$" | sort -n | tr "\n" " "'
	status_is 0
	# init (1), sh, ls, grep, sort, tr: all small numbers, and PID 1 is there
	assert_contains " $output" " 1 "
	local p
	for p in $output; do
		[ "$p" -lt 20 ] || { echo "foreign pid $p: $output" >&2; return 1; }
	done
}

@test "pid: the command runs as PID 2 under cell's init as PID 1" {
	run cellp -- /probe pid
	status_is 0
	assert_contains "$output" "pid=2 ppid=1"
}

@test "pid: host processes can be neither signalled nor traced" {
	run cellp -- /probe kill $$ 0
	assert_eq "$output" "ESRCH" "kill $$ (the test's shell)"
	status_is 1
	# without the seccomp filter, which refuses ptrace before the pid
	# namespace is asked (harden.bats)
	run cellp --seccomp none -- /probe ptrace $$
	assert_eq "$output" "ESRCH" "ptrace $$"
}

@test "pid: --share pid shows the host's processes, and leaves none of its own behind" {
	run cellp --share pid -- /bin/sh -c '/probe pause - '"$MARK"' & /probe kill '$$' 0; ls /proc/'$$' >/dev/null && echo visible'
	# the test's shell is visible; root's sandbox (other host ids) may not
	# signal it, an unprivileged caller's sandbox runs as that caller
	if is_root; then
		assert_eq "${lines[0]}" EPERM
	else
		assert_eq "${lines[0]}" ok
	fi
	assert_eq "${lines[1]}" visible
	# the background probe died with the command
	wait_gone "$MARK" 5
}

@test "pid: /proc is fresh for the new pid namespace" {
	run "$CELL" run -- /bin/sh -c 'tr "\0" "\n" </proc/1/cmdline | head -n1
		test -e /proc/'$$' && echo host-pid-visible || echo host-pid-absent
		grep " /proc " /proc/self/mountinfo'
	status_is 0
	# PID 1 is cell's init, which does not show the host's command line
	assert_not_contains "${lines[0]}" "$CELL"
	assert_eq "${lines[1]}" "host-pid-absent"
	assert_contains "${lines[2]}" " - proc "
}

@test "ipc: a new ipc namespace gets its own mqueue at /dev/mqueue" {
	run cellp -- /bin/sh -c '/probe mq cell-q && ls /dev/mqueue && grep " /dev/mqueue " /proc/self/mountinfo'
	status_is 0
	assert_eq "${lines[0]}" "ok"
	assert_eq "${lines[1]}" "cell-q"
	assert_contains "${lines[2]}" " - mqueue "
	# and the host's queues did not get it
	[ ! -e /dev/mqueue/cell-q ]
}

@test "ipc: with --share ipc there is no private mqueue mount" {
	run "$CELL" run --share ipc -- /bin/sh -c 'grep -c " - mqueue " /proc/self/mountinfo || true'
	status_is 0
	assert_eq "$output" "0"
}

@test "uts: the default host name is cell; --hostname and --domainname set them" {
	run "$CELL" run -- /bin/hostname
	assert_eq "$output" "cell"
	run "$CELL" run --hostname box1 --domainname dom.example -- /bin/sh -c \
		'hostname; cat /proc/sys/kernel/domainname'
	status_is 0
	assert_eq "${lines[0]}" "box1"
	assert_eq "${lines[1]}" "dom.example"
	# the host's names did not change
	[ "$(hostname)" != box1 ]
	[ "$(cat /proc/sys/kernel/domainname)" != dom.example ]
}

@test "cgroup: the sandbox's cgroups are its roots" {
	run "$CELL" run -- /bin/cat /proc/self/cgroup
	status_is 0
	assert_contains "$output" "0::/"
	local l
	for l in "${lines[@]}"; do
		[ "${l##*:}" = / ] || { echo "not a cgroup root: $l" >&2; return 1; }
	done
}
