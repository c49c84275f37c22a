#!/usr/bin/env bats
# What the default filter refuses "unless asked", and Landlock's TCP rules.

load helpers

@test "new user namespaces: refused by default, allowed with --allow-userns" {
	run "$CELL" run -- unshare -U true
	[ "$status" -ne 0 ]
	[[ "$output" == *"Operation not permitted"* ]]
	run "$CELL" run --allow-userns -- unshare -U true
	[ "$status" -eq 0 ]
	# outside, the same call works (user namespaces are allowed on this host)
	run unshare -U true
	[ "$status" -eq 0 ]
}

@test "io_uring: refused by default, allowed with --allow-io-uring" {
	run "$CELL" run --ro-bind "$CELL_PROBE:/probe" -- /probe sys io_uring
	[ "$status" -ne 0 ]
	run "$CELL" run --allow-io-uring --ro-bind "$CELL_PROBE:/probe" -- /probe sys io_uring
	[ "$status" -eq 0 ]
}

@test "--landlock-port: TCP connect only to the listed ports (Landlock ABI 4)" {
	code='import socket; s=socket.socket(); s.settimeout(1); print(s.connect_ex(("127.0.0.1", 9)))'
	run "$CELL" run --net host --landlock-port connect:1 -- "$PYTHON" -c "$code"
	if [ "$status" -eq 125 ] && [[ "$output" == *"ABI"* ]]; then
		skip "this kernel's Landlock has no TCP rules: $output"
	fi
	[ "$status" -eq 0 ]
	[ "$output" = 13 ] # EACCES: Landlock refused the connect
	run "$CELL" run --net host --landlock -- "$PYTHON" -c "$code"
	[ "$status" -eq 0 ]
	[ "$output" = 111 ] # ECONNREFUSED: the connect was made, nobody listens
	run "$CELL" run --landlock-port nope -- true
	[ "$status" -eq 125 ]
	[[ "$output" == "cell: --landlock-port: landlock port 'nope': expected [bind:|connect:]PORT"* ]]
}
