#!/usr/bin/env bats
# Identity: ids inside and how they map to the host, capabilities,
# no_new_privs, --map-root, --uid/--gid, --map-auto, and root's sandboxes
# running as an unprivileged host range.

load helpers

# A root-owned host file that the caller cannot write unless it is root.
root_owned_file() {
	if is_root; then
		echo secret >"$T/rootfile"
		chmod 644 "$T/rootfile"
		echo "$T/rootfile"
	else
		echo /etc/hostname
	fi
}

# Every line of a uid_map/gid_map text: "inside outside count".
map_excludes_host_root() {
	local inside outside count

	while read -r inside outside count; do
		[ "$outside" -gt 0 ] || { echo "host id 0 is mapped: $inside $outside $count" >&2; return 1; }
	done <<<"$1"
}

@test "default: the caller's uid and gid inside" {
	run cellp -- /probe ids
	status_is 0
	local u g
	u=$(id -u) g=$(id -g)
	assert_contains "$output" "uid=$u,$u,$u gid=$g,$g,$g "
}

@test "default: no capabilities at all, no_new_privs set" {
	run cellp -- /probe caps
	status_is 0
	assert_eq "${lines[0]}" "effective=0000000000000000"
	assert_eq "${lines[1]}" "permitted=0000000000000000"
	assert_eq "${lines[2]}" "inheritable=0000000000000000"
	assert_eq "${lines[3]}" "bounding=0"
	assert_eq "${lines[4]}" "ambient=0"
	assert_eq "${lines[5]}" "no_new_privs=1"
}

@test "default: /proc/self/status shows CapEff and CapBnd zero and NoNewPrivs 1" {
	run "$CELL" run -- /bin/grep -E '^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs):' /proc/self/status
	status_is 0
	assert_contains "$output" "CapEff:	0000000000000000"
	assert_contains "$output" "CapBnd:	0000000000000000"
	assert_contains "$output" "CapPrm:	0000000000000000"
	assert_contains "$output" "CapAmb:	0000000000000000"
	assert_contains "$output" "NoNewPrivs:	1"
}

@test "--map-root: root inside, without capabilities" {
	run cellp --map-root -- /bin/sh -c '/probe ids; /probe caps'
	status_is 0
	assert_contains "${lines[0]}" "uid=0,0,0 gid=0,0,0 "
	assert_eq "${lines[1]}" "effective=0000000000000000"
	assert_eq "${lines[4]}" "bounding=0"
}

@test "--map-root: root inside is mapped to the caller (unprivileged)" {
	need_user
	run "$CELL" run --map-root -- /bin/cat /proc/self/uid_map /proc/self/gid_map
	status_is 0
	[ "${#lines[@]}" -eq 2 ]
	assert_eq "$(echo ${lines[0]})" "0 $(id -u) 1" uid_map
	assert_eq "$(echo ${lines[1]})" "0 $(id -g) 1" gid_map
}

@test "--map-root as root: root inside is still not host root" {
	need_root
	run "$CELL" run --map-root -- /bin/cat /proc/self/uid_map
	status_is 0
	map_excludes_host_root "$output"
}

@test "--uid and --gid set the ids inside" {
	run cellp --uid 1234 --gid 2345 -- /probe ids
	status_is 0
	assert_contains "$output" "uid=1234,1234,1234 gid=2345,2345,2345 "
	if ! is_root; then
		run "$CELL" run --uid 1234 --gid 2345 -- /bin/cat /proc/self/uid_map /proc/self/gid_map
		assert_eq "$(echo ${lines[0]})" "1234 $(id -u) 1" uid_map
		assert_eq "$(echo ${lines[1]})" "2345 $(id -g) 1" gid_map
	fi
}

@test "--uid: files made inside belong to the caller on the host" {
	shared_dir "$T/d"
	run "$CELL" run --uid 1234 --gid 2345 --bind "$T/d:/d" -- /bin/sh -c 'echo x >/d/f; stat -c "%u %g" /d/f'
	status_is 0
	assert_eq "$output" "1234 2345" "owner seen inside"
	if is_root; then
		# through the idmapped bind: the inside ids as they are
		assert_eq "$(stat -c '%u %g' "$T/d/f")" "1234 2345" "owner seen on the host"
	else
		assert_eq "$(stat -c '%u %g' "$T/d/f")" "$(id -u) $(id -g)" "owner seen on the host"
	fi
}

@test "--map-auto: the caller's subordinate ranges through newuidmap" {
	need_user "root's sandboxes always map a range"
	local sub_start sub_count gsub_start gsub_count
	IFS=: read -r _ sub_start sub_count < <(grep -E "^($(id -un)|$(id -u)):" /etc/subuid | head -n1)
	IFS=: read -r _ gsub_start gsub_count < <(grep -E "^($(id -un)|$(id -u)):" /etc/subgid | head -n1)
	[ -n "$sub_count" ] || skip "no /etc/subuid range for $(id -un)"
	run "$CELL" run --map-auto -- /bin/sh -c 'cat /proc/self/uid_map; echo --; cat /proc/self/gid_map; id -u'
	status_is 0
	assert_eq "$(echo ${lines[0]})" "0 $(id -u) 1" "uid_map line 1"
	assert_eq "$(echo ${lines[1]})" "1 $sub_start $sub_count" "uid_map line 2"
	assert_eq "${lines[2]}" "--"
	assert_eq "$(echo ${lines[3]})" "0 $(id -g) 1" "gid_map line 1"
	assert_eq "$(echo ${lines[4]})" "1 $gsub_start $gsub_count" "gid_map line 2"
	assert_eq "${lines[5]}" "0" "uid inside"
}

@test "--map-auto: other ids of the range are usable inside" {
	need_user "root's sandboxes always map a range"
	grep -qE "^($(id -un)|$(id -u)):" /etc/subuid || skip "no /etc/subuid range for $(id -un)"
	run cellp --map-auto --uid 1000 --gid 1000 -- /probe ids
	status_is 0
	assert_contains "$output" "uid=1000,1000,1000 gid=1000,1000,1000 "
}

@test "--map-auto without a subordinate range: a clear error" {
	need_root "needs root to become a user without subordinate ids"
	command -v setpriv >/dev/null || skip "setpriv missing"
	grep -qE '^(nobody|65534):' /etc/subuid && skip "nobody has subordinate ids here"
	cd /
	before=$(snapshot)
	run --separate-stderr setpriv --reuid 65534 --regid 65534 --clear-groups \
		"$CELL" run --map-auto -- /bin/true "$MARK"
	assert_cell_error --map-auto /etc/subuid
	assert_eq "$(snapshot)" "$before"
}

@test "--map-auto as root: a range without host root" {
	need_root
	run "$CELL" run --map-auto -- /bin/cat /proc/self/uid_map
	status_is 0
	map_excludes_host_root "$output"
}

@test "root's sandbox: root inside maps to an unprivileged host range" {
	need_root
	run "$CELL" run -- /bin/sh -c 'id -u; cat /proc/self/uid_map; echo --; cat /proc/self/gid_map'
	status_is 0
	assert_eq "${lines[0]}" 0 "uid inside"
	map_excludes_host_root "$(printf '%s\n' "${lines[@]:1}" | grep -v -- --)"
}

@test "root's sandbox: root's range is found at the end of a long /etc/subuid" {
	need_root "binds a file over /etc/subuid in a mount namespace of its own"
	local i
	for i in $(seq 1000); do echo "user$i:$((1000000 + i * 65536)):65536"; done >"$T/subuid"
	echo "root:500000:65536" >>"$T/subuid"
	[ "$(stat -c %s "$T/subuid")" -gt 16384 ]
	run unshare -m /bin/sh -c 'mount --bind "$1" /etc/subuid && mount --bind "$1" /etc/subgid &&
		"$2" run --print-spec -- /bin/true' sh "$T/subuid" "$CELL"
	status_is 0
	assert_contains "$output" "uid_map: 0 500000 65536"
	assert_contains "$output" "gid_map: 0 500000 65536"
}

@test "root's sandbox: the sandboxed process is not host root" {
	need_root
	shared_dir "$T/d"
	"$CELL" run --ro-bind "$CELL_PROBE:/probe" --bind "$T/d:/d" -- /probe pause /d/ready "$MARK" 3>&- &
	PIDS_TO_KILL+=("$!")
	wait_for "$T/d/ready"
	local pid
	pid=$(sandboxed_pid /probe "$MARK")
	run awk '/^(Uid|Gid):/ { print $2, $3, $4, $5 }' "/proc/$pid/status"
	local l
	for l in "${lines[@]}"; do
		case " $l " in
		*" 0 "*) echo "host root in: $l" >&2; return 1 ;;
		esac
	done
}

@test "root inside cannot write a root-owned host file, even seeing the host's files" {
	local f
	f=$(root_owned_file)
	local before
	before=$(cat "$f")
	run "$CELL" run --map-root --share mnt -- "$CELL_PROBE" open "$f" w
	status_is 1
	assert_eq "$output" "EACCES"
	assert_eq "$(cat "$f")" "$before"
}

@test "root inside cannot write a root-owned host file through --ro-bind" {
	local f
	f=$(root_owned_file)
	local before
	before=$(cat "$f")
	run cellp --map-root --ro-bind "$f:/f" -- /bin/sh -c '/probe open /f w; /probe open /f rw'
	[ "$status" -ne 0 ]
	[ "${lines[0]}" != ok ]
	[ "${lines[1]}" != ok ]
	assert_eq "$(cat "$f")" "$before"
	# and the mount itself is read-only
	run "$CELL" run --ro-bind "$f:/f" -- /bin/grep -E '^[^ ]+ [^ ]+ [^ ]+ [^ ]+ /f ro,' /proc/self/mountinfo
	status_is 0
}

@test "root inside cannot write /proc/sys" {
	run cellp --map-root -- /bin/sh -c \
		'/probe open /proc/sys/kernel/hostname w; /probe open /proc/sys/vm/overcommit_memory w'
	status_is 1
	[ "${lines[0]}" != ok ]
	[ "${lines[1]}" != ok ]
	# nor with the host's /proc in view
	run "$CELL" run --map-root --share mnt -- "$CELL_PROBE" open /proc/sys/vm/overcommit_memory w
	status_is 1
	assert_eq "$output" "EACCES"
}

@test "root inside cannot write cell's own binary" {
	run "$CELL" run --map-root --share mnt -- "$CELL_PROBE" open "$CELL" w
	status_is 1
	[ "$output" != ok ]
	run cellp --map-root --ro-bind "$CELL:/cell" -- /probe open /cell w
	status_is 1
	[ "$output" != ok ]
}

@test "writable --bind: a new file belongs to the sandbox's user on both sides" {
	shared_dir "$T/d"
	run "$CELL" run --bind "$T/d:/d" -- /bin/sh -c \
		'id -u; echo made >/d/made && stat -c %u /d/made; cat /proc/self/uid_map'
	status_is 0
	assert_eq "${lines[1]}" "${lines[0]}" "owner of the new file seen inside"
	# on the host: the caller, or in root's sandboxes the range's id, never root
	local want
	want=$(host_uid_of "${lines[0]}" "$(printf '%s\n' "${lines[@]:2}")")
	is_root || assert_eq "$want" "$(id -u)"
	[ "$want" != 0 ]
	assert_eq "$(stat -c %u "$T/d/made")" "$want" "owner of the new file seen on the host"
}

@test "writable --bind: the caller's own files show as the inside user (unprivileged)" {
	need_user
	mkdir "$T/d"
	echo host >"$T/d/hostfile"
	run "$CELL" run --bind "$T/d:/d" -- /bin/sh -c 'id -u; stat -c %u /d/hostfile; echo x >>/d/hostfile'
	status_is 0
	assert_eq "${lines[1]}" "${lines[0]}" "owner of the caller's file seen inside"
	assert_eq "$(stat -c %u "$T/d/hostfile")" "$(id -u)"
}

@test "writable --bind in root's sandbox: host ids show as themselves, host root as nobody" {
	need_root
	shared_dir "$T/d"
	echo root >"$T/d/rootfile"
	chmod 644 "$T/d/rootfile"
	echo user >"$T/d/userfile"
	chown 1000:1000 "$T/d/userfile"
	run cellp --bind "$T/d:/d" -- /bin/sh -c \
		'stat -c "%u %g" /d/rootfile /d/userfile; /probe open /d/rootfile w'
	assert_eq "${lines[0]}" "65534 65534" "host root's file seen inside"
	assert_eq "${lines[1]}" "1000 1000" "uid 1000's file seen inside"
	assert_eq "${lines[2]}" EACCES "root inside writing host root's file"
	assert_eq "$(cat "$T/d/rootfile")" root
}

@test "writable --bind in root's sandbox: root inside never writes as host root" {
	need_root
	shared_dir "$T/d"
	run "$CELL" run --map-root --bind "$T/d:/d" -- /bin/sh -c 'mkdir /d/sub && echo x >/d/sub/f'
	status_is 0
	[ "$(stat -c %u "$T/d/sub")" != 0 ]
	[ "$(stat -c %u "$T/d/sub/f")" != 0 ]
}

@test "--map-host-root: refused for unprivileged callers" {
	need_user
	run_bad --map-host-root -- run --map-host-root -- /bin/true "$MARK"
}

@test "--map-host-root: root maps host root in when asked" {
	need_root
	run "$CELL" run --map-host-root -- /bin/cat /proc/self/uid_map
	status_is 0
	assert_eq "$(echo $output)" "0 0 4294967295"
}

@test "unprivileged: setgroups is denied inside" {
	need_user
	run "$CELL" run -- /bin/cat /proc/self/setgroups
	assert_eq "$output" "deny"
}
