#!/usr/bin/env bats
# Terminals: with stdin a terminal the command gets its own pseudo-terminal
# in the sandbox's devpts (job control, ^C and window size work, TIOCSTI
# stays inside); without one it runs in a new session with no controlling
# terminal.  script(1) provides the outer terminal.

load helpers

setup() {
	common_setup
	command -v script >/dev/null || skip "script (util-linux) is missing"
	P="--ro-bind $CELL_PROBE:/probe"
}

# in_terminal SHELL-COMMAND: run it with a terminal as stdin, stdout and
# stderr; sets output/status like `run`, with CRs removed.  script's own
# input is a FIFO that never ends (at the end of its input script types an
# EOF character into the terminal, which would reach the sandbox).
in_terminal() {
	local fifo="$T/fifo.$RANDOM"

	mkfifo "$fifo"
	run bash -c 'exec 5<>"$2"; script -qec "$1" /dev/null <&5 | tr -d "\r"; exit ${PIPESTATUS[0]}' \
		in_terminal "$1" "$fifo"
}

@test "with a terminal: the command gets its own pty in the sandbox's devpts" {
	in_terminal "$CELL run $P -- /probe tty"
	status_is 0
	assert_eq "${lines[0]}" "tty=/dev/pts/0"
	assert_eq "${lines[1]}" "ctty=yes"
	assert_eq "${lines[2]}" "session_leader=yes"
	assert_eq "${lines[3]}" "foreground=yes"
}

@test "with a terminal: the sandbox's devpts holds only its own terminal" {
	in_terminal "$CELL run -- /bin/ls /dev/pts"
	status_is 0
	assert_eq "$(echo $output)" "0 ptmx"
}

@test "with a terminal: output and exit status pass through" {
	in_terminal "$CELL run -- /bin/sh -c 'echo hello; exit 5'"
	status_is 5
	assert_eq "$output" hello
}

@test "with a terminal: the caller's terminal modes are restored" {
	in_terminal "stty -g; $CELL run -- /bin/true; stty -g"
	status_is 0
	assert_eq "${lines[1]}" "${lines[0]}" "stty -g after cell"
}

@test "--no-pty with a terminal: new session, no controlling terminal" {
	in_terminal "$CELL run --no-pty $P -- /probe tty"
	status_is 0
	assert_eq "${lines[1]}" "ctty=ENXIO"
	assert_eq "${lines[2]}" "session_leader=yes"
}

@test "--pty without a terminal: the command still gets one" {
	run "$CELL" run $P --pty -- /probe tty </dev/null
	status_is 0
	assert_eq "$(echo "$output" | tr -d '\r' | head -n2 | tr '\n' ' ')" "tty=/dev/pts/0 ctty=yes "
}

@test "--pty without a terminal: input reaches the command, EOF ends it" {
	run bash -c 'printf "line\n" | "$1" run --pty -- /bin/cat' _ "$CELL"
	status_is 0
	assert_contains "$output" line
}

@test "TIOCSTI from the sandbox cannot reach the caller's terminal" {
	local inject="$CELL_PROBE tiocsti 0 'echo INJECTED
'"
	local check="bash -c 'read -r -t 0.3 x; echo \"got=\$x\"'"

	# control: outside a sandbox the same probe does inject (when the
	# kernel allows TIOCSTI at all)
	in_terminal "$inject; $check"
	local control=$output

	# with the sandbox's own pty: it lands in the sandbox's terminal only
	in_terminal "$CELL run $P -- /probe tiocsti 0 'echo INJECTED
'; $check"
	status_is 0
	assert_contains "$output" "got="
	assert_not_contains "$(printf '%s\n' "${lines[@]}" | grep '^got=')" INJECTED

	# sharing the caller's terminal (--no-pty): refused, not its terminal
	in_terminal "$CELL run --no-pty $P -- /probe tiocsti 0 'echo INJECTED
'; $check"
	status_is 0
	assert_eq "${lines[0]}" EPERM
	assert_eq "${lines[1]}" "got="

	if ! printf '%s\n' "$control" | grep -q '^got=echo INJECTED$'; then
		skip "TIOCSTI is disabled on this host (control: $control)"
	fi
}

@test "window size propagates at start" {
	in_terminal "stty rows 33 cols 77; $CELL run $P -- /probe winsize"
	status_is 0
	assert_eq "$output" "33 77"
}

@test "window size changes reach the command (SIGWINCH)" {
	shared_dir "$T/d"
	in_terminal "stty rows 33 cols 77
		(n=0; while [ ! -e $T/d/ready ] && [ \$n -lt 500 ]; do sleep 0.01; n=\$((n+1)); done
		 stty rows 40 cols 100 </dev/tty) &
		$CELL run $P --bind $T/d:/d -- /bin/sh -c '/probe signals /d/ready WINCH && /probe winsize'
		wait"
	status_is 0
	assert_eq "${lines[0]}" WINCH
	assert_eq "${lines[1]}" "40 100"
}

@test "^C typed at the terminal interrupts the command (SIGINT)" {
	shared_dir "$T/d"
	run bash -c '
		(n=0; while [ ! -e "$2/d/ready" ] && [ $n -lt 500 ]; do sleep 0.01; n=$((n+1)); done
		 printf "\003") |
			script -qec "$1 run --ro-bind $3:/probe --bind $2/d:/d -- /probe signals /d/ready INT" /dev/null |
			tr -d "\r"
		exit ${PIPESTATUS[1]}' _ "$CELL" "$T" "$CELL_PROBE"
	status_is 0
	assert_contains "$output" INT
}

@test "^Z typed at the terminal stops the command, inside the sandbox" {
	shared_dir "$T/d"
	# an interactive shell inside: job control happens on the sandbox's pty
	run bash -c '
		(n=0; while [ ! -e "$2/d/ready" ] && [ $n -lt 500 ]; do sleep 0.01; n=$((n+1)); done
		 printf "sleep 30\n"; sleep 0.3; printf "\032"; sleep 0.3
		 printf "exit 9\n"; sleep 0.2; printf "exit 9\n") |
			script -qec "$1 run --bind $2/d:/d -- /bin/sh -ic \"touch /d/ready; exec sh -i\"" /dev/null |
			tr -d "\r"
		exit ${PIPESTATUS[1]}' _ "$CELL" "$T"
	status_is 9
	assert_contains "$output" "Stopped"
}
