#!/usr/bin/env bats
# --x11 and --wayland: one display's socket (and cookie), nothing else.

load helpers

setup() {
	common_setup
	command -v Xvfb >/dev/null || skip "Xvfb is not installed (apt-get install xvfb)"
	command -v xdpyinfo >/dev/null || skip "xdpyinfo is not installed (x11-utils)"
}

# start_xvfb: a private X server with a cookie; sets DISPLAY and XAUTHORITY.
# The display number is one no socket or lock file claims; teardown stops
# the server with SIGTERM (so it removes both) and removes any left over.
start_xvfb() {
	local n
	for n in $(seq 150 999); do
		[ -e "/tmp/.X11-unix/X$n" ] || [ -e "/tmp/.X$n-lock" ] || break
	done
	XVFB_N=$n
	XA="$T/xauth"
	: > "$XA"
	xauth -f "$XA" add ":$n" . "$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
	Xvfb ":$n" -auth "$XA" -nolisten tcp -nolisten local >/dev/null 2>&1 &
	XVFB_PID=$!
	for _ in $(seq 100); do
		[ -S "/tmp/.X11-unix/X$n" ] && break
		sleep 0.05
	done
	export DISPLAY=":$n" XAUTHORITY="$XA"
	xdpyinfo >/dev/null
}

teardown() {
	if [ -n "${XVFB_PID:-}" ]; then
		kill -TERM "$XVFB_PID" 2>/dev/null || true
		wait "$XVFB_PID" 2>/dev/null || true
		rm -f "/tmp/.X11-unix/X$XVFB_N" "/tmp/.X$XVFB_N-lock" 2>/dev/null || true
	fi
	common_teardown
}

@test "--x11: a client inside reaches the X server, with that display's cookie only" {
	start_xvfb
	run "$CELL" run --x11 -- sh -c 'xdpyinfo | head -1; ls -A /tmp/.X11-unix; echo "$DISPLAY $XAUTHORITY"'
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "name of display:    $DISPLAY" ]]
	[ "${lines[1]}" = "X${DISPLAY#:}" ]
	[ "${lines[2]}" = "$DISPLAY /tmp/.Xauthority" ]
}

@test "without --x11 the same client cannot reach the display" {
	start_xvfb
	run "$CELL" run --keep-env DISPLAY --keep-env XAUTHORITY -- xdpyinfo
	[ "$status" -ne 0 ]
	[[ "$output" == *"unable to open display"* ]]
}

@test "--x11 without the cookie is refused by the server" {
	start_xvfb
	XAUTHORITY=/nonexistent run "$CELL" run --x11 -- xdpyinfo
	[ "$status" -ne 0 ]
}

@test "--x11: bad input is one line and exit 125" {
	DISPLAY= run "$CELL" run --x11 -- true
	[ "$status" -eq 125 ]
	[ "$output" = "cell: --x11: DISPLAY is not set (no X server to give the sandbox)" ]
	DISPLAY=example.org:0 run "$CELL" run --x11 -- true
	[ "$status" -eq 125 ]
	[[ "$output" == "cell: --x11: DISPLAY=example.org:0 is not a local display"* ]]
	for n in $(seq 900 999); do [ -e "/tmp/.X11-unix/X$n" ] || break; done
	DISPLAY=":$n" run "$CELL" run --x11 -- true
	[ "$status" -eq 125 ]
	[[ "$output" == "cell: --x11: no X server socket /tmp/.X11-unix/X$n for DISPLAY=:$n"* ]]
}

@test "--wayland: the compositor's socket, and only it, is reachable inside" {
	sock="$T/wl/wayland-test"
	mkdir -p "$T/wl"
	chmod 755 "$T/wl"
	"$PYTHON" -c '
import socket, sys, os
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); os.chmod(sys.argv[1], 0o777); s.listen(1)
c, _ = s.accept(); c.sendall(b"hello-from-compositor"); c.close()' "$sock" &
	PIDS_TO_KILL+=($!)
	for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.05; done
	XDG_RUNTIME_DIR="$T/wl" WAYLAND_DISPLAY=wayland-test run "$CELL" run --wayland -- \
		"$PYTHON" -c '
import socket, os
s = socket.socket(socket.AF_UNIX); s.connect(os.environ["WAYLAND_DISPLAY"]); print(s.recv(64).decode())'
	[ "$status" -eq 0 ]
	[ "$output" = hello-from-compositor ]
	WAYLAND_DISPLAY= run "$CELL" run --wayland -- true
	[ "$status" -eq 125 ]
	[ "$output" = "cell: --wayland: WAYLAND_DISPLAY is not set (no compositor to give the sandbox)" ]
}
