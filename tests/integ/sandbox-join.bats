#!/usr/bin/env bats
# cell run --join NAME: a new command in the namespaces a named sandbox kept
# (cell run --name NAME --keep LIST), after it ended or while it runs.
# Keeping namespaces needs root; as any other user --keep is refused, and
# so --join has nothing to join.  Every test uses its own state directory.

load helpers

setup() {
	common_setup
	CELL_STATE_DIR=$(world_dir)/state
	export CELL_STATE_DIR
}

teardown() {
	local f m
	"$CELL" stop --all --timeout 0 >/dev/null 2>&1 || true
	for f in "$CELL_STATE_DIR"/*.json; do
		[ -e "$f" ] || continue
		f=${f##*/}
		"$CELL" rm --force "${f%.json}" >/dev/null 2>&1 || true
	done
	# a test that failed half-way may leave kept namespaces mounted
	if is_root; then
		for m in $(awk -v d="$CELL_STATE_DIR/" 'index($5, d) == 1 { print $5 }' \
			/proc/self/mountinfo); do
			umount -l "$m" 2>/dev/null || true
		done
	fi
	common_teardown
}

# The mounts under the state directory (kept namespaces).
state_mounts() {
	awk -v d="$CELL_STATE_DIR/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo
}

# keep_sandbox NAME [RUN OPTION...]: run NAME once, keeping user, mnt, net,
# uts and ipc; it writes /tmp/f in its tmpfs and prints what the joins are
# compared with: its net namespace, uid, gid, CapEff and Seccomp mode.
keep_sandbox() {
	local name=$1
	shift
	run "$CELL" run --name "$name" --keep user,mnt,net,uts,ipc --hostname h1 "$@" -- \
		/bin/sh -c 'echo data >/tmp/f; readlink /proc/self/ns/net; id -u; id -g
			awk "/^(CapEff|Seccomp):/ { print \$2 }" /proc/self/status'
	status_is 0
	ORIG=("${lines[@]}")
}

@test "join (root): after the sandbox ended, the kept namespaces with its identity" {
	need_root "keeping namespaces needs root"
	keep_sandbox x
	assert_eq "${#ORIG[@]}" 5
	assert_eq "${ORIG[3]}" 0000000000000000 "the sandbox's command has no capability"
	assert_eq "${ORIG[4]}" 2
	run "$CELL" run --join x -- hostname
	status_is 0
	assert_eq "$output" h1
	run "$CELL" run --join x -- /bin/sh -c 'cat /tmp/f; readlink /proc/self/ns/net; id -u
		id -g; awk "/^(CapEff|Seccomp):/ { print \$2 }" /proc/self/status'
	status_is 0
	assert_eq "${lines[0]}" data "the first run's file, in its tmpfs"
	assert_eq "${lines[1]}" "${ORIG[0]}" "the same network namespace"
	assert_eq "${lines[2]}" "${ORIG[1]}" "uid"
	assert_eq "${lines[3]}" "${ORIG[2]}" "gid"
	assert_eq "${lines[4]}" "${ORIG[3]}" "CapEff"
	assert_eq "${lines[5]}" 2 "seccomp mode"
	# the kept file is that namespace
	assert_eq "net:[$(stat -L -c %i "$CELL_STATE_DIR/x.ns/net")]" "${ORIG[0]}"
	assert_eq "$(state_mounts | wc -l)" 5
	run "$CELL" rm x
	status_is 0
	assert_eq "$(state_mounts)" "" "no kept namespace left mounted"
	assert_eq "$(state_left)" .lock
}

@test "join (root): once ended, a new pid namespace with cell-init and a /proc of its own" {
	need_root "keeping namespaces needs root"
	keep_sandbox x
	run "$CELL" run --join x -- /bin/sh -c 'echo $$; tr -d "\0" </proc/1/cmdline; echo
		readlink /proc/self/ns/mnt; awk "\$5 == \"/proc\"" /proc/self/mountinfo | wc -l
		wc -c </proc/keys; echo 1 >/proc/sys/kernel/hostname || echo read-only
		echo written-by-join >/tmp/g'
	status_is 0
	assert_eq "${lines[0]}" 2 "the command is PID 2"
	assert_eq "${lines[1]}" cell-init "PID 1 is cell's"
	# a private copy of the kept mount namespace, not the kept one
	[ "${lines[2]}" != "mnt:[$(stat -L -c %i "$CELL_STATE_DIR/x.ns/mnt")]" ]
	assert_eq "${lines[3]}" 2 "the old /proc and the new one over it"
	assert_eq "${lines[4]}" 0 "/proc/keys is masked as in the sandbox"
	assert_contains "$output" "read-only"
	# the kept namespace was left as it was: a second join finds one old
	# /proc, not two; files are shared
	run "$CELL" run --join x -- /bin/sh -c 'awk "\$5 == \"/proc\"" /proc/self/mountinfo | wc -l; cat /tmp/g'
	status_is 0
	assert_eq "${lines[0]}" 2
	assert_eq "${lines[1]}" written-by-join
}

@test "join (root): while the sandbox runs, its pid and mount namespaces" {
	need_root "keeping namespaces needs root"
	run "$CELL" run --name live -d --keep user,mnt,net,uts,ipc -- \
		/bin/sh -c 'echo up >/tmp/up; exec sleep 1000' "$MARK"
	status_is 0
	local i=0
	until "$CELL" enter live -- test -e /tmp/up 2>/dev/null; do
		i=$((i + 1))
		[ "$i" -lt 500 ] || { echo "the sandbox did not start" >&2; return 1; }
		sleep 0.01
	done
	run "$CELL" enter live -- readlink /proc/self/ns/pid /proc/self/ns/mnt
	status_is 0
	local want=$output
	run "$CELL" run --join live -- readlink /proc/self/ns/pid /proc/self/ns/mnt
	status_is 0
	assert_eq "$output" "$want"
	run "$CELL" run --join live -- /bin/sh -c 'cat /proc/[0-9]*/cmdline | tr "\0" " "'
	status_is 0
	assert_contains "$output" "sleep 1000"
	run "$CELL" stop --timeout 0 live
	# ended: still joinable, now in a pid namespace of its own
	run "$CELL" run --join live -- /bin/sh -c 'cat /tmp/up; echo $$'
	status_is 0
	assert_eq "$output" "up
2"
	"$CELL" rm live
	assert_eq "$(state_mounts)" ""
}

@test "join (root): namespaces it had and did not keep are made anew" {
	need_root "keeping namespaces needs root"
	run "$CELL" run --name f --keep user,mnt --hostname orig --ro-bind "$CELL_PROBE:/probe" \
		-- /bin/true
	status_is 0
	run "$CELL" run --join f -- /bin/sh -c 'hostname; readlink /proc/self/ns/net /proc/self/ns/ipc
		/probe ifaces'
	status_is 0
	assert_eq "${lines[0]}" orig "a new uts namespace with the sandbox's host name"
	[ "${lines[1]}" != "$(host_ns net)" ]
	[ "${lines[2]}" != "$(host_ns ipc)" ]
	assert_eq "${lines[3]}" "lo up" "a new network namespace: lo, up, and nothing else"
	assert_eq "${#lines[@]}" 4
}

@test "join (root): command, environment, working directory, exit statuses" {
	need_root "keeping namespaces needs root"
	run "$CELL" run --name o --keep user,mnt --env COLOR=red --workdir /tmp -- /bin/true
	status_is 0
	run "$CELL" run --join o -- /bin/sh -c 'echo "$COLOR $PWD"'
	status_is 0
	assert_eq "$output" "red /tmp"
	run "$CELL" run --env COLOR=blue --join o --workdir /usr -- /bin/sh -c 'echo "$COLOR $PWD"'
	status_is 0
	assert_eq "$output" "blue /usr"
	run "$CELL" run --join o <<<'echo "shell=$0"'
	status_is 0
	assert_eq "$output" "shell=/bin/sh"
	run "$CELL" run --join o -- /bin/sh -c 'exit 7'
	status_is 7
	run "$CELL" run --join o -- /bin/sh -c 'kill -TERM $$'
	status_is 143
	run -127 --separate-stderr "$CELL" run --join o -- /no/such/command
	run --separate-stderr "$CELL" run --join o --workdir /no/such/dir -- /bin/true
	assert_cell_error "--join o" "--workdir /no/such/dir"
}

@test "join (root): the sandbox's cgroup while it runs; refused once its limits are gone" {
	need_root "keeping namespaces needs root"
	run "$CELL" run --name c -d --keep user,mnt --pids 64 -- /bin/sh -c 'exec sleep 1000' "$MARK"
	status_is 0
	local init cg
	init=$("$CELL" ls --json | "$PYTHON" -c 'import json, sys; print(json.load(sys.stdin)[0]["pid"])')
	cg=$(grep -E '^[0-9]+:(pids)?:' "/proc/$init/cgroup" | head -1 | cut -d: -f3)
	[ -n "$cg" ] || skip "no pids cgroup here"
	"$CELL" run --join c -- /bin/sh -c 'sleep 1000; exit 0' "$MARK-joined" &
	PIDS_TO_KILL+=($!)
	local pid="" i=0
	until pid=$(sandboxed_pid /bin/sh "$MARK-joined"); do
		i=$((i + 1))
		[ "$i" -lt 500 ] || { echo "the joined command did not start" >&2; return 1; }
		sleep 0.01
	done
	assert_eq "$(grep -E '^[0-9]+:(pids)?:' "/proc/$pid/cgroup" | head -1 | cut -d: -f3)" "$cg"
	kill -9 "$pid"
	run "$CELL" stop --timeout 0 c
	run --separate-stderr "$CELL" run --join c -- /bin/true
	assert_cell_error "--join c" "cgroup" "ended with it"
}

@test "join (root): a terminal of the sandbox's own when stdin is one" {
	need_root "keeping namespaces needs root"
	command -v script >/dev/null || skip "script (util-linux) is missing"
	run "$CELL" run --name t --keep user,mnt --ro-bind "$CELL_PROBE:/probe" -- /bin/true
	status_is 0
	mkfifo "$T/fifo"
	run bash -c 'exec 5<>"$2"; script -qec "$1" /dev/null <&5 | tr -d "\r"; exit ${PIPESTATUS[0]}' \
		in_terminal "$CELL run --join t -- /probe tty" "$T/fifo"
	status_is 0
	assert_eq "${lines[0]}" "tty=/dev/pts/0"
	assert_eq "${lines[1]}" "ctty=yes"
	assert_eq "${lines[2]}" "session_leader=yes"
}

@test "join (root): cell rm during a join, and gc after a killed cell, leave nothing" {
	need_root "keeping namespaces needs root"
	run "$CELL" run --name r --keep user,mnt,net -- /bin/sh -c 'echo 1 >/tmp/a'
	status_is 0
	shared_dir "$T/d"
	"$CELL" run --join r -- /bin/sh -c 'sleep 0.5; cat /tmp/a' "$MARK" >"$T/out" 2>&1 &
	local join=$!
	sleep 0.2
	run "$CELL" rm r
	status_is 0
	assert_eq "$(state_mounts)" ""
	wait "$join"
	assert_eq "$(cat "$T/out")" 1 "the join ran on in the namespaces it had"
	assert_eq "$(state_left)" .lock

	# a sandbox whose cell was killed: not joined; gc removes what it kept
	run "$CELL" run --name k -d --keep user,mnt -- /bin/sh -c 'exec sleep 1000' "$MARK"
	status_is 0
	local sup
	sup=$("$CELL" ls --json | "$PYTHON" -c 'import json, sys; print(json.load(sys.stdin)[0]["supervisor_pid"])')
	kill -9 "$sup"
	wait_gone "sleep 1000 $MARK"
	run --separate-stderr "$CELL" run --join k -- /bin/true
	assert_cell_error "--join k" "cell gc"
	run "$CELL" gc
	status_is 0
	assert_eq "$output" k
	assert_eq "$(state_mounts)" ""
	assert_eq "$(state_left)" .lock
}

@test "join (root): what cannot be joined is one line and 125" {
	need_root "keeping namespaces needs root"
	run "$CELL" run --name none -- /bin/true
	status_is 0
	run --separate-stderr "$CELL" run --join none -- /bin/true
	assert_cell_error
	assert_eq "${stderr_lines[0]}" \
		"cell: --join none: the sandbox kept no namespaces (run it with --keep)"
	run "$CELL" run --name nouser --keep net,uts -- /bin/true
	status_is 0
	run --separate-stderr "$CELL" run --join nouser -- /bin/true
	assert_cell_error "--join nouser" "did not keep its user namespace" "--keep user"
	run "$CELL" run --name nomnt --keep user,net -- /bin/true
	status_is 0
	run --separate-stderr "$CELL" run --join nomnt -- /bin/true
	assert_cell_error "--join nomnt" "did not keep its mount namespace" "--keep mnt"
	# a kept file that is no namespace any more (its bind mount undone)
	run "$CELL" run --name gone --keep user,mnt,net -- /bin/true
	status_is 0
	umount "$CELL_STATE_DIR/gone.ns/net"
	run --separate-stderr "$CELL" run --join gone -- /bin/true
	assert_cell_error "--join gone" "the kept net namespace (gone.ns/net) is gone"
	"$CELL" rm gone
	assert_eq "$(state_mounts | grep -c /gone.ns/)" 0
	assert_eq "$(ls "$CELL_STATE_DIR" | grep -c '^gone')" 0
	# another user's: a record that says so, or a directory of theirs
	run "$CELL" run --name theirs --keep user,mnt -- /bin/true
	status_is 0
	"$PYTHON" - "$CELL_STATE_DIR/theirs.json" <<-'EOF'
		import json, sys
		r = json.load(open(sys.argv[1]))
		r["owner"] = 4242
		json.dump(r, open(sys.argv[1], "w"))
	EOF
	run --separate-stderr "$CELL" run --join theirs -- /bin/true
	assert_cell_error "--join theirs" "belongs to another user"
	local other
	other=$(world_dir)
	chown 4242 "$other"
	chmod 700 "$other"
	run --separate-stderr env CELL_STATE_DIR="$other" "$CELL" run --join theirs -- /bin/true
	assert_cell_error "--join" "not owned by you"
}

@test "join: bad names and options that contradict joining are one line and 125" {
	run --separate-stderr "$CELL" run --join nope -- /bin/true
	assert_cell_error "--join" "no sandbox named nope"
	run --separate-stderr "$CELL" run --join 'a b' -- /bin/true
	assert_cell_error "--join" "a b"
	run --separate-stderr "$CELL" run --join
	assert_cell_error "--join needs a value"
	run --separate-stderr "$CELL" run --join x --join y -- /bin/true
	assert_cell_error "--join may be given once"
	local opt
	for opt in "--root /" "--chroot /" "--bind /tmp" "--ro-bind /tmp" "--tmpfs /x" \
		"--ns user" "--share net" "--net host" "--name y" "--keep net" \
		"--seccomp none" "--cap-add all" "--memory 64M" "--hostname h" \
		"--map-root" "--uid 0" "--profile strict" "--no-init" "--rlimit nofile=8"; do
		# shellcheck disable=SC2086
		run --separate-stderr "$CELL" run --join x $opt -- /bin/true
		assert_cell_error "${opt%% *}" "does not go with --join"
		# shellcheck disable=SC2086
		run --separate-stderr "$CELL" run $opt --join x -- /bin/true
		assert_cell_error "${opt%% *}" "does not go with --join"
	done
	run --separate-stderr "$CELL" run -d --join x -- /bin/true
	assert_cell_error "-d does not go with --join"
	run --separate-stderr "$CELL" run --join x --pty=yes -- /bin/true
	assert_cell_error "--pty takes no value"
	run --separate-stderr "$CELL" run --join x --frobnicate -- /bin/true
	assert_cell_error "unknown option --frobnicate"
	run --separate-stderr "$CELL" run --join x --env 1=2 -- /bin/true
	assert_cell_error "--env '1=2'"
	run --separate-stderr "$CELL" run --join x --workdir relative -- /bin/true
	assert_cell_error "--workdir 'relative'"
	# after the command, --join is the command's
	run "$CELL" run --print-spec -- /bin/echo --join x
	status_is 0
	run "$CELL" run --help
	assert_contains "$output" "--join NAME"
}

@test "join (unprivileged): --keep is refused, so there is nothing to join" {
	need_user
	run --separate-stderr "$CELL" run --name k --keep user,mnt -- /bin/true
	assert_cell_error "--keep user" "needs root"
	# the start failed: the name is free again, nothing was kept
	assert_eq "$(state_left)" .lock
	run --separate-stderr "$CELL" run --join k -- /bin/true
	assert_cell_error "--join" "no sandbox named k"
	run "$CELL" run --name plain -- /bin/true
	status_is 0
	run --separate-stderr "$CELL" run --join plain -- /bin/true
	assert_cell_error
	assert_eq "${stderr_lines[0]}" \
		"cell: --join plain: the sandbox kept no namespaces (run it with --keep)"
}
