#!/usr/bin/env bats
# Escape attempts from the default sandbox (issue 6).  Each test makes an
# attempt inside `cell run` with no options (or only a --bind/--ro-bind to
# have something to attack) and checks it fails, then shows that the same
# attempt succeeds, or gets further (a different error than the refusal),
# outside the sandbox, as the same user, where that is safe to try.  Nothing
# here changes the host: module loads use an empty file, mounts only make a
# file system context, device nodes are removed again, /proc/sys is opened
# but not written.

load helpers

P=(--ro-bind "$CELL_PROBE:/probe")

# A terminal for the command (script(1)), as in terminal.bats.
in_terminal() {
	local fifo="$T/fifo.$RANDOM"

	mkfifo "$fifo"
	run bash -c 'exec 5<>"$2"; script -qec "$1" /dev/null <&5 | tr -d "\r"; exit ${PIPESTATUS[0]}' \
		in_terminal "$1" "$fifo"
}

@test "escape: load a kernel module (finit_module)" {
	run "$CELL" run "${P[@]}" -- /probe sys finit_module
	assert_eq "$output" EPERM
	# outside the kernel looks at the module itself (no modules: ENOSYS,
	# bad file: ENOEXEC/EINVAL) or at the caller's capability
	run "$CELL_PROBE" sys finit_module
	assert_not_contains "$output" ok
	is_root && assert_not_contains "$output" EPERM
	true
}

@test "escape: mount a new file system" {
	run "$CELL" run "${P[@]}" -- /probe sys mount
	assert_eq "$output" EPERM
	# outside, in a user and mount namespace of the caller's own: it works
	command -v unshare >/dev/null || skip "no unshare(1)"
	run unshare -Urm "$CELL_PROBE" sys mount
	assert_eq "$output" ok
}

@test "escape: remount a read-only bind writable" {
	mkdir -p "$T/d"
	chmod 755 "$T/d"
	run "$CELL" run "${P[@]}" --ro-bind "$T/d:/ro" -- /probe remount-rw /ro
	status_is 1
	assert_not_contains "$output" ": ok"
	run "$CELL" run "${P[@]}" --map-root --ro-bind "$T/d:/ro" -- /probe remount-rw /ro
	assert_not_contains "$output" ": ok"
	# outside, the owner of a mount namespace remounts its own bind
	command -v unshare >/dev/null || skip "no unshare(1)"
	run unshare -Urm sh -c 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" &&
		"$2" remount-rw "$1"' _ "$T/d" "$CELL_PROBE"
	assert_contains "$output" "mount: ok"
}

@test "escape: signal or trace a host process" {
	sleep 30 &
	local victim=$!
	PIDS_TO_KILL+=("$victim")
	run "$CELL" run "${P[@]}" -- /probe kill "$victim" 0
	assert_eq "$output" ESRCH
	run "$CELL" run "${P[@]}" -- /probe ptrace "$victim"
	assert_eq "$output" EPERM
	run "$CELL" run "${P[@]}" --share pid -- /probe ptrace "$victim"
	assert_eq "$output" EPERM
	# outside: the same user signals and traces its own process
	run "$CELL_PROBE" kill "$victim" 0
	assert_eq "$output" ok
	run "$CELL_PROBE" ptrace "$victim"
	assert_eq "$output" ok
}

@test "escape: reach the host's loopback and abstract unix sockets" {
	local port=$((20000 + RANDOM % 20000)) name="cell-escape-$$-$RANDOM"
	"$PYTHON" -c '
import socket, sys, time
t = socket.socket(); t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
t.bind(("127.0.0.1", int(sys.argv[1]))); t.listen(8)
u = socket.socket(socket.AF_UNIX); u.bind("\0" + sys.argv[2]); u.listen(8)
open(sys.argv[3], "w").close()
time.sleep(30)' "$port" "$name" "$T/ready" &
	PIDS_TO_KILL+=($!)
	wait_for "$T/ready"
	run "$CELL" run "${P[@]}" -- /probe connect-unix "@$name"
	assert_eq "$output" ECONNREFUSED
	run "$CELL" run -- "$PYTHON" -c '
import socket, sys
try:
    socket.create_connection(("127.0.0.1", int(sys.argv[1])), 2); print("ok")
except OSError as e: print(e.errno)' "$port"
	assert_eq "$output" 111
	# outside both answer
	run "$CELL_PROBE" connect-unix "@$name"
	assert_eq "$output" ok
	run "$PYTHON" -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 2); print("ok")' "$port"
	assert_eq "$output" ok
}

@test "escape: gain privileges through a setuid-root binary" {
	need_root "needs a setuid-root file (made by root)"
	local d
	d=$(world_dir)
	cp "$CELL_PROBE" "$d/suid"
	chown root:root "$d/suid"
	chmod 4755 "$d/suid"
	# outside: the unprivileged user becomes root through it
	run runuser -u celltest -- "$d/suid" ids
	assert_contains "$output" "uid=$(id -u celltest),0,0"
	# inside (any uid, also root of the sandbox): nothing changes
	run "$CELL" run --uid 1000 --gid 1000 --ro-bind "$d/suid:/suid" -- /suid ids
	assert_contains "$output" "uid=1000,1000,1000"
	run "$CELL" run --uid 1000 --gid 1000 --ro-bind "$d/suid:/suid" -- /suid caps
	assert_contains "$output" "effective=0000000000000000"
}

@test "escape: TIOCSTI into the terminal" {
	in_terminal "$CELL run --no-pty ${P[*]} -- /probe tiocsti 0 'id
'"
	assert_eq "${lines[0]}" EPERM
	in_terminal "$CELL run ${P[*]} -- /probe tiocsti 0 'id
'"
	assert_eq "${lines[0]}" EPERM
	# outside, on a terminal of its own, the same user may (when the
	# kernel still has legacy TIOCSTI)
	run setsid -w "$PYTHON" -c '
import os, pty, fcntl, termios
m, s = pty.openpty()
fcntl.ioctl(s, termios.TIOCSCTTY, 0)
try:
    fcntl.ioctl(s, termios.TIOCSTI, b"x"); print("ok")
except OSError as e: print(e.errno)'
	[ "$output" = ok ] || [ "$output" = 5 ]
}

@test "escape: keyctl, bpf, userfaultfd, io_uring, perf" {
	local n
	for n in keyctl bpf userfaultfd io_uring perf; do
		run "$CELL" run "${P[@]}" -- /probe sys "$n"
		assert_eq "$output" EPERM "$n inside"
	done
	# outside, the same user: keyctl, userfaultfd (user mode) and io_uring work
	for n in keyctl userfaultfd io_uring; do
		run "$CELL_PROBE" sys "$n"
		assert_eq "$output" ok "$n outside"
	done
}

@test "escape: write /proc/sys or /sys" {
	run "$CELL" run "${P[@]}" -- /probe open /proc/sys/vm/swappiness w
	[ "$output" = EROFS ] || [ "$output" = EACCES ]
	run "$CELL" run "${P[@]}" --map-root -- /probe open /proc/sys/kernel/hostname w
	[ "$output" = EROFS ] || [ "$output" = EACCES ]
	run "$CELL" run "${P[@]}" -- /probe open /proc/sysrq-trigger w
	[ "$output" = EROFS ] || [ "$output" = EACCES ] || [ "$output" = ENOENT ]
	run "$CELL" run "${P[@]}" -- /probe open /sys/kernel/uevent_helper w
	[ "$output" != ok ]
	# outside, root may open them for writing (nothing is written)
	need_root "only root writes /proc/sys on the host"
	run "$CELL_PROBE" open /proc/sys/vm/swappiness w
	assert_eq "$output" ok
}

@test "escape: make a disk's device node" {
	run "$CELL" run "${P[@]}" -- /probe sys mknod-disk
	assert_eq "$output" EPERM
	run "$CELL" run "${P[@]}" --map-root -- /probe sys mknod-disk
	assert_eq "$output" EPERM
	need_root "only root makes device nodes on the host"
	run "$CELL_PROBE" sys mknod-disk
	assert_eq "$output" ok
}

@test "escape: leave the root through fds, /proc/1/root or .." {
	# cell passes no directory fd: only 0, 1, 2
	run "$CELL" run "${P[@]}" -- /probe fds
	assert_eq "$output" "0 1 2"
	# PID 1 is cell's non-dumpable init: its root and cwd are closed
	run "$CELL" run "${P[@]}" -- /bin/sh -c '/probe open /proc/1/root/etc/hostname; /probe open /proc/1/cwd'
	assert_eq "$(echo $output)" "EACCES EACCES"
	# .. of / is /, and chroot(2) needs a capability the command lacks
	run "$CELL" run -- /bin/sh -c 'cd /../../..; ls -d root home 2>/dev/null; echo done'
	assert_eq "$output" done
	run "$CELL" run "${P[@]}" --map-root -- /usr/sbin/chroot /usr /bin/true
	[ "$status" -ne 0 ]
	# a directory fd handed in on purpose (--keep-fd) is refused by --landlock
	"$CELL" doctor --json 2>/dev/null | grep -q '"abi": *[1-9]' || skip "no Landlock"
	mkdir -p "$T/outside"
	echo secret >"$T/outside/f"
	chmod -R a+rX "$T/outside"
	run "$CELL" run "${P[@]}" --landlock --keep-fd 3 -- /probe open /proc/self/fd/3/f 3<"$T/outside"
	assert_eq "$output" EACCES
	# outside, the fd leads to the host's file
	run "$CELL_PROBE" open /proc/self/fd/3/f 3<"$T/outside"
	assert_eq "$output" ok
}

@test "escape: exhaust processes past --pids and memory past --memory" {
	need_root "cgroup v1 is not delegated to unprivileged users here"
	run "$CELL" run "${P[@]}" --pids 16 -- /probe forkbomb 200
	[ "${lines[0]#processes=}" -le 16 ]
	run "$CELL" run "${P[@]}" --memory 64M -- /probe alloc 200
	status_is 137
	# outside, the same programs get what they ask for
	run "$CELL_PROBE" forkbomb 200
	assert_eq "${lines[0]}" processes=200
	run "$CELL_PROBE" alloc 200
	assert_eq "$output" ok
}
