#!/usr/bin/env bats
# cell unit: a systemd service running a command under cell run; options
# checked at `cell unit` time; ExecStart= quoting that systemd accepts;
# --install writes the file atomically.

load helpers

# The ExecStart= line of unit text $1.
exec_line() {
	grep '^ExecStart=' <<<"$1" | sed 's/^ExecStart=//'
}

# systemd-analyze verify on a unit file, when systemd-analyze is here.
verify_unit() {
	command -v systemd-analyze >/dev/null || return 0
	local dir=$1 name=$2
	run systemd-analyze verify --man=no --generators=no "$dir/$name"
	if [ "$status" -ne 0 ]; then
		echo "systemd-analyze verify $name: $output" >&2
		return 1
	fi
}

@test "unit: prints a service running cell run with the options and the command" {
	run "$CELL" unit web --root /srv/jail --hostname www -- /bin/httpd -f
	status_is 0
	assert_contains "$output" "[Unit]"
	assert_contains "$output" "[Service]"
	assert_contains "$output" "KillMode=mixed"
	assert_contains "$output" "WantedBy=multi-user.target"
	local cellbin
	cellbin=$(readlink -f "$CELL")
	assert_eq "$(exec_line "$output")" "$cellbin run --root /srv/jail --hostname www -- /bin/httpd -f"
}

@test "unit: ExecStart= quotes spaces, quotes, %, \$ and backslashes so systemd passes them unchanged" {
	local d
	d=$(world_dir)
	run "$CELL" unit t1 --env 'MSG=100% of $HOME "quoted" \back' -- /bin/echo 'a b' '' ';' '%n' '${X}' "it's"
	status_is 0
	local line
	line=$(exec_line "$output")
	assert_contains "$line" '"MSG=100%% of $$HOME \"quoted\" \\back"'
	assert_contains "$line" '"a b" "" \; %%n "$${X}" "it'"'"'s"'
	printf '%s\n' "$output" >"$d/t1.service"
	verify_unit "$d" t1.service
}

@test "unit: the sandbox runs as cell run would run it (the ExecStart= command line, decoded)" {
	command -v systemd-analyze >/dev/null || skip "no systemd-analyze to check the unit"
	local d
	d=$(world_dir)
	run "$CELL" unit t2 -- /bin/sh -c 'echo "$0 $1" 100%' 'x y'
	status_is 0
	local text=$output
	printf '%s\n' "$text" >"$d/t2.service"
	verify_unit "$d" t2.service
	# systemd's unquoting of the line (for these characters the same as
	# POSIX shlex: double quotes, \" and \\), then %% and $$ per word.
	local args
	mapfile -d '' args < <(exec_line "$text" | "$PYTHON" -c '
import shlex, sys
for w in shlex.split(sys.stdin.read()):
    sys.stdout.write(w.replace("%%", "%").replace("$$", "$") + "\0")')
	run --separate-stderr "$CELL" "${args[@]:1}"
	status_is 0
	assert_eq "$output" "x y  100%" "the command's output"
}

@test "unit: relative host paths in the run options are made absolute" {
	cd "$BATS_TEST_TMPDIR"
	run "$CELL" unit t3 --root ./jail --bind data:/data --ro-bind=./ro -- /bin/true
	status_is 0
	local line
	line=$(exec_line "$output")
	assert_contains "$line" "--root $BATS_TEST_TMPDIR/jail"
	assert_contains "$line" "--bind $BATS_TEST_TMPDIR/data:/data"
	assert_contains "$line" "--ro-bind=$BATS_TEST_TMPDIR/ro"
}

@test "unit: bad run options fail now, with one line" {
	run --separate-stderr "$CELL" unit web --bogus -- /bin/true
	assert_cell_error "--bogus"
	run --separate-stderr "$CELL" unit web --uid abc -- /bin/true
	assert_cell_error "--uid" "abc"
	run --separate-stderr "$CELL" unit web --ns net --share pid -- /bin/true
	assert_cell_error "--ns" "--share"
	run --separate-stderr "$CELL" unit web --print-spec -- /bin/true
	assert_cell_error "--print-spec"
	run --separate-stderr "$CELL" unit web --root /srv
	assert_cell_error "no COMMAND"
	run --separate-stderr "$CELL" unit web --
	assert_cell_error "no COMMAND"
	run --separate-stderr "$CELL" unit
	assert_cell_error "no NAME"
}

@test "unit: the name is validated" {
	local n
	for n in '' '../evil' 'a/b' 'two@at@s' '.hidden' 'sp ace' '-dash'; do
		run --separate-stderr "$CELL" unit "$n" -- /bin/true
		[ "$status" -eq 125 ] || { echo "name '$n' accepted" >&2; return 1; }
	done
	run "$CELL" unit 'getty@.service' -- /bin/true
	status_is 0
	run "$CELL" unit 'web.service' -- /bin/true
	status_is 0
}

@test "unit --install --unit-dir: writes NAME.service atomically, no temporary left" {
	local d
	d=$(world_dir)
	run "$CELL" unit --unit-dir "$d" web --hostname www -- /bin/true
	status_is 0
	assert_contains "$output" "$d/web.service written"
	[ -f "$d/web.service" ]
	assert_eq "$(stat -c %a "$d/web.service")" "644"
	assert_eq "$(ls -A "$d")" "web.service"
	grep -q '^ExecStart=.* run --hostname www -- /bin/true$' "$d/web.service"
	verify_unit "$d" web.service
	# again: replaced in place
	run "$CELL" unit --unit-dir "$d" web -- /bin/false
	status_is 0
	grep -q '^ExecStart=.* run -- /bin/false$' "$d/web.service"
	assert_eq "$(ls -A "$d")" "web.service"
	# a missing directory: one line
	run --separate-stderr "$CELL" unit --unit-dir "$d/none" web -- /bin/true
	assert_cell_error "$d/none"
}

@test "unit --install: /etc/systemd/system needs root (unprivileged: one line, nothing written)" {
	need_user
	run --separate-stderr "$CELL" unit --install web -- /bin/true
	assert_cell_error "/etc/systemd/system"
	[ ! -e /etc/systemd/system/web.service ]
}

@test "unit --user: a user unit for default.target" {
	local d
	d=$(world_dir)
	run env XDG_CONFIG_HOME="$d/cfg" "$CELL" unit --user --install me -- /bin/true
	status_is 0
	[ -f "$d/cfg/systemd/user/me.service" ]
	grep -q '^WantedBy=default.target$' "$d/cfg/systemd/user/me.service"
	assert_contains "$output" "systemctl --user"
}

@test "unit --help" {
	run "$CELL" unit --help
	status_is 0
	assert_contains "$output" "RootDirectory="
	assert_contains "$output" "--install"
	assert_contains "$output" "KillMode=mixed"
}
