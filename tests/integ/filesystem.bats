#!/usr/bin/env bats
# File system: the default root, /proc and /dev inside, --root, --chroot,
# --bind, --ro-bind, --tmpfs, --workdir; read-only stays read-only; a
# symlink in the tree cannot redirect a bind.

load helpers

# The fields of the mountinfo line for mount point $2 in text $1:
# "OPTIONS FSTYPE" (per-mount options, file system type).
mount_line() {
	awk -v mp="$2" '$5 == mp { for (i = 7; $i != "-"; i++); print $6, $(i + 1) }' <<<"$1" | tail -n1
}

# The host's mount points at or below $1.
host_mounts_under() {
	awk -v d="$1" '$5 == d || index($5, d "/") == 1 { print $5 }' /proc/self/mountinfo | sort
}

# A hand-made root: busybox and its applet links, nothing else, unless
# "mountpoints" is given (then also empty /proc, /dev, /sys, /tmp).
make_root() {
	local r=$1 a

	mkdir -p "$r/bin"
	cp /bin/busybox "$r/bin/busybox"
	for a in sh ls cat mount touch id echo stat readlink grep wc mkdir pwd tr \
		head sleep true test env awk hostname; do
		ln -s busybox "$r/bin/$a"
	done
	if [ "${2:-}" = mountpoints ]; then
		mkdir -p "$r/proc" "$r/dev" "$r/sys" "$r/tmp"
	fi
	chmod -R a+rX "$r"
}

@test "default root: only the system directories and fresh /dev, /proc, /tmp" {
	run "$CELL" run -- /bin/ls -A /
	status_is 0
	local e
	for e in "${lines[@]}"; do
		case "$e" in
		bin | sbin | usr | etc | lib | lib32 | lib64 | libx32 | dev | proc | tmp) ;;
		*) echo "unexpected /$e in the default root: ${lines[*]}" >&2; return 1 ;;
		esac
	done
	assert_contains " ${lines[*]} " " usr "
	assert_contains " ${lines[*]} " " etc "
	assert_contains " ${lines[*]} " " bin "
}

@test "default root: no home directories, no /root, no host /run, no host /tmp" {
	echo secret >"$T/host-file"
	run "$CELL" run -- /bin/sh -c \
		'for p in /home /root /run /var /mnt /srv /media "'"$T"'"; do test -e $p && echo "visible: $p"; done
		ls -A /tmp'
	status_is 0
	assert_eq "$output" ""
}

@test "default root: /usr, /bin, /etc and / itself are read-only" {
	run cellp --map-root -- /bin/sh -c \
		'for p in /usr/x /bin/x /etc/x /x /lib/x; do /probe create $p; done'
	assert_eq "$(echo $output)" "EROFS EROFS EROFS EROFS EROFS"
}

@test "default root: the system directories are the host's" {
	run "$CELL" run -- /bin/sh -c 'stat -L -c "%d:%i" /usr /etc'
	status_is 0
	assert_eq "$(echo $output)" "$(stat -L -c '%d:%i' /usr /etc | tr '\n' ' ' | sed 's/ $//')"
}

@test "default root: /etc/shadow and /etc/gshadow are empty or absent" {
	run "$CELL" run --map-root -- /bin/sh -c \
		'for f in /etc/shadow /etc/gshadow /etc/shadow- /etc/gshadow-; do
			test -e $f || continue; echo "$f $(wc -c <$f)"; done; test -s /etc/passwd && echo passwd'
	status_is 0
	local l
	for l in "${lines[@]}"; do
		case "$l" in
		passwd | *" 0") ;;
		*) echo "not empty: $l" >&2; return 1 ;;
		esac
	done
	assert_contains "$output" "passwd"
}

@test "default root: /tmp is a fresh writable tmpfs" {
	run cellp -- /bin/sh -c '/probe create /tmp/x && ls -A /tmp && grep " /tmp " /proc/self/mountinfo'
	status_is 0
	assert_eq "${lines[0]}" ok
	assert_eq "${lines[1]}" x
	assert_contains "${lines[2]}" " - tmpfs "
	[ ! -e /tmp/x ] || [ "$(stat -c %Y /tmp/x)" -lt "$(($(date +%s) - 60))" ]
}

@test "default root: /tmp, /dev and /dev/shm stay writable in the read-only root, each with its flags" {
	# directories of the root's own tmpfs, bound on themselves (mount.c)
	run cellp --map-root -- /bin/sh -c 'cat /proc/self/mountinfo; echo --
		for f in /tmp/a /dev/shm/b /dev/c /d; do /probe create $f; done
		stat -c %a /tmp /dev/shm /dev'
	status_is 0
	local mi=${output%%--*} rest=${output#*--}
	assert_contains "$(mount_line "$mi" /)" "ro,"
	local m
	for m in /tmp /dev /dev/shm; do
		assert_contains "$(mount_line "$mi" $m)" "rw,nosuid,"
		assert_contains "$(mount_line "$mi" $m)" " tmpfs"
	done
	assert_contains "$(mount_line "$mi" /tmp)" "nodev"
	assert_not_contains "$(mount_line "$mi" /tmp)" "noexec"
	assert_contains "$(mount_line "$mi" /dev)" "noexec"
	assert_not_contains "$(mount_line "$mi" /dev)" "nodev"
	assert_contains "$(mount_line "$mi" /dev/shm)" "nodev"
	assert_not_contains "$(mount_line "$mi" /dev/shm)" "noexec"
	assert_eq "$(echo $rest)" "ok ok ok EROFS 1777 1777 755"
}

@test "mounts made for the sandbox never reach the caller's mount namespace, even a shared one" {
	need_root "makes a mount namespace whose mounts are all shared"
	# In a mount namespace where every mount is shared, the new root (on
	# the copy of /tmp) and everything below it would propagate back
	# unless cell's copies are slaves: made so by the kernel with a new
	# user namespace, and by cell itself without one.
	local args
	shared_dir "$T/d"
	for args in "" "--share user"; do
		rm -f "$T/d/up"
		run unshare -m --propagation shared /bin/sh -c '
			before=$(wc -l </proc/self/mountinfo)
			"$1" run --bind "$2:/d" $3 -- /bin/sh -c "touch /d/up; sleep 5" &
			n=0
			until [ -e "$2/up" ] || [ $n -gt 500 ]; do sleep 0.01; n=$((n + 1)); done
			echo "$before $(wc -l </proc/self/mountinfo) $(ls "$2")"
			kill $!; wait' sh "$CELL" "$T/d" "$args"
		set -- $output
		assert_eq "$3" up "the sandbox ran (cell run $args)"
		assert_eq "$2" "$1" "mounts seen from outside while the sandbox ran (cell run $args)"
	done
}

@test "/proc: the OCI masked paths are empty" {
	local p present=()
	for p in kcore keys timer_list timer_stats sched_debug latency_stats; do
		[ -e "/proc/$p" ] && present+=("/proc/$p")
	done
	[ ${#present[@]} -gt 0 ] || skip "none of the masked files exist on this kernel"
	run "$CELL" run --map-root -- /bin/sh -c 'for f in "$@"; do echo "$f $(wc -c <$f)"; done' sh "${present[@]}"
	status_is 0
	local l
	for l in "${lines[@]}"; do
		[ "${l##* }" = 0 ] || { echo "readable: $l" >&2; return 1; }
	done
	[ ${#lines[@]} -eq ${#present[@]} ]
}

@test "/proc: the OCI masked directories are empty" {
	local p present=()
	for p in acpi asound scsi; do
		[ -d "/proc/$p" ] && present+=("/proc/$p")
	done
	[ ${#present[@]} -gt 0 ] || skip "none of the masked directories exist on this kernel"
	run "$CELL" run -- /bin/ls -A "${present[@]}"
	status_is 0
	run "$CELL" run -- /bin/sh -c 'for d in "$@"; do ls -A $d; done' sh "${present[@]}"
	assert_eq "$output" ""
	# and nothing can be made there, even by root inside
	run cellp --map-root -- /bin/sh -c 'for d in "$@"; do /probe create $d/x; done' sh "${present[@]}"
	assert_eq "$(echo $output | tr ' ' '\n' | sort -u)" EROFS
}

@test "/proc: /proc/sys, /proc/sysrq-trigger, /proc/irq, /proc/bus are read-only" {
	run "$CELL" run -- /bin/cat /proc/self/mountinfo
	status_is 0
	local p checked=0
	for p in sys sysrq-trigger irq bus fs; do
		[ -e "/proc/$p" ] || continue
		case "$(mount_line "$output" "/proc/$p")" in
		ro,*) checked=$((checked + 1)) ;;
		*) echo "/proc/$p is not read-only: $(mount_line "$output" "/proc/$p")" >&2; return 1 ;;
		esac
	done
	[ "$checked" -gt 0 ]
}

@test "/proc: sysrq-trigger cannot be written" {
	[ -e /proc/sysrq-trigger ] || skip "no /proc/sysrq-trigger on this kernel"
	run cellp --map-root -- /probe open /proc/sysrq-trigger w
	[ "$output" != ok ]
}

@test "/dev: only the minimal device nodes" {
	run "$CELL" run -- /bin/sh -c 'for f in /dev/* /dev/pts/*; do stat -c "%F %n" $f; done'
	status_is 0
	local l want=" /dev/null /dev/zero /dev/full /dev/random /dev/urandom /dev/tty /dev/pts/ptmx "
	for l in "${lines[@]}"; do
		case "$l" in
		"character special file "*)
			assert_contains "$want" " ${l#character special file } " || return 1 ;;
		"block special file "*) echo "block device: $l" >&2; return 1 ;;
		esac
	done
	for l in /dev/null /dev/zero /dev/full /dev/random /dev/urandom /dev/tty; do
		assert_contains "$output" "character special file $l"
	done
	assert_contains "$output" "directory /dev/pts"
	assert_contains "$output" "directory /dev/shm"
}

@test "/dev: the device nodes work" {
	run "$CELL" run -- /bin/sh -c 'echo x >/dev/null && echo null-ok
		head -c 4 /dev/zero | od -An -tx1
		head -c 16 /dev/urandom | wc -c
		echo x >/dev/full || echo full-refused'
	assert_eq "${lines[0]}" null-ok
	assert_eq "$(echo ${lines[1]})" "00 00 00 00"
	assert_eq "${lines[2]}" 16
	assert_contains "$output" "full-refused"
}

@test "/dev/pts is a private instance: no host terminals" {
	run "$CELL" run -- /bin/sh -c 'ls -A /dev/pts; grep " /dev/pts " /proc/self/mountinfo'
	status_is 0
	assert_eq "${lines[0]}" ptmx
	assert_contains "${lines[1]}" " - devpts "
	[ "${#lines[@]}" -eq 2 ]
}

@test "/dev/shm is a writable tmpfs" {
	run cellp -- /bin/sh -c '/probe create /dev/shm/x; grep " /dev/shm " /proc/self/mountinfo'
	assert_eq "${lines[0]}" ok
	assert_contains "${lines[1]}" " - tmpfs "
}

@test "--root: a hand-made tree (busybox only) gets /proc, /dev, /sys and /tmp" {
	make_root "$T/r"
	run "$CELL" run --root "$T/r" -- /bin/sh -c 'ls /proc/self/ns >/dev/null && echo proc
		test -c /dev/null && echo dev; test -d /sys/kernel && echo sys; touch /tmp/x && echo tmp'
	status_is 0
	assert_eq "$(echo $output)" "proc dev sys tmp"
}

@test "--root: /sys shows the sandbox's network devices, not the host's" {
	# sysfs shows the network namespace of whoever mounts it: init mounts
	# it only after entering the sandbox's own (net.h)
	make_root "$T/r" mountpoints
	run "$CELL" run --root "$T/r" -- /bin/ls /sys/class/net
	status_is 0
	assert_eq "$output" "lo"
	run "$CELL" run --root "$T/r" --share net -- /bin/ls /sys/class/net
	status_is 0
	assert_eq "$output" "$(ls /sys/class/net)"
}

@test "--root: the tree is the root, read-only, with the full set of mounts" {
	make_root "$T/r" mountpoints
	echo hello >"$T/r/hello"
	run "$CELL" run --root "$T/r" -- /bin/cat /proc/self/mountinfo
	status_is 0
	local mi=$output
	assert_contains "$(mount_line "$mi" /)" "ro,"
	assert_eq "$(mount_line "$mi" /proc | cut -d' ' -f2)" proc
	assert_eq "$(mount_line "$mi" /sys | cut -d' ' -f2)" sysfs
	assert_contains "$(mount_line "$mi" /sys)" "ro,"
	assert_eq "$(mount_line "$mi" /tmp | cut -d' ' -f2)" tmpfs
	assert_eq "$(mount_line "$mi" /dev | cut -d' ' -f2)" tmpfs
	assert_eq "$(mount_line "$mi" /dev/pts | cut -d' ' -f2)" devpts
	assert_eq "$(mount_line "$mi" /dev/shm | cut -d' ' -f2)" tmpfs
	run "$CELL" run --root "$T/r" -- /bin/sh -c 'cat /hello; ls /dev/pts; touch /new 2>/dev/null || echo ro-root
		touch /sys/x 2>/dev/null || echo ro-sys; touch /tmp/x && echo rw-tmp
		for d in null zero full random urandom tty; do test -c /dev/$d || echo "missing /dev/$d"; done'
	status_is 0
	assert_eq "$(echo $output)" "hello ptmx ro-root ro-sys rw-tmp"
	[ ! -e "$T/r/new" ]
}

@test "--root --rw-root: the tree stays writable" {
	make_root "$T/r" mountpoints
	give_to_sandbox "$T/r"
	run "$CELL" run --root "$T/r" --rw-root -- /bin/sh -c 'echo made >/made; id -u; cat /proc/self/uid_map'
	status_is 0
	assert_eq "$(cat "$T/r/made")" made
	# on the host: the caller, or in root's sandboxes the range's id
	local want
	want=$(host_uid_of "${lines[0]}" "$(printf '%s\n' "${lines[@]:1}")")
	is_root || assert_eq "$want" "$(id -u)"
	[ "$want" != 0 ]
	assert_eq "$(stat -c %u "$T/r/made")" "$want"
}

@test "--chroot: only the root changes" {
	local r
	r=$(world_dir)
	make_root "$r"
	echo hello >"$r/hello"
	run "$CELL" run --chroot "$r" -- /bin/sh -c 'ls -A /; test -e /proc/self && echo proc; pwd'
	status_is 0
	assert_eq "$(echo $output)" "bin hello /"
}

@test "--chroot into a directory only the caller can reach" {
	# $T's parent is private to the caller (bats makes it 0700)
	make_root "$T/r"
	run "$CELL" run --chroot "$T/r" -- /bin/sh -c 'ls -A /'
	status_is 0
	assert_eq "$output" bin
}

@test "--bind SRC:DST is writable and shared with the host" {
	shared_dir "$T/d"
	echo host >"$T/d/in"
	run "$CELL" run --bind "$T/d:/data" -- /bin/sh -c 'cat /data/in; echo sandbox >/data/out'
	status_is 0
	assert_eq "$output" host
	assert_eq "$(cat "$T/d/out")" sandbox
}

@test "--bind SRC keeps the same path inside" {
	mkdir "$T/d"
	echo host >"$T/d/in"
	run "$CELL" run --bind "$T/d" -- /bin/cat "$T/d/in"
	status_is 0
	assert_eq "$output" host
}

@test "--bind of a single file" {
	echo host >"$T/f"
	give_to_sandbox "$T/f"
	run "$CELL" run --bind "$T/f:/f" -- /bin/sh -c 'cat /f; echo more >>/f'
	status_is 0
	assert_eq "$output" host
	assert_eq "$(cat "$T/f")" "$(printf 'host\nmore')"
}

@test "binds are nosuid and nodev" {
	mkdir "$T/d"
	run "$CELL" run --bind "$T/d:/d" --ro-bind "$T/d:/r" -- /bin/cat /proc/self/mountinfo
	status_is 0
	local l
	for l in /d /r; do
		assert_contains "$(mount_line "$output" $l)" nosuid
		assert_contains "$(mount_line "$output" $l)" nodev
	done
}

@test "--ro-bind is read-only" {
	mkdir "$T/d"
	echo host >"$T/d/in"
	run cellp --ro-bind "$T/d:/data" -- /bin/sh -c 'cat /data/in; /probe create /data/new; /probe open /data/in w'
	assert_eq "${lines[0]}" host
	assert_eq "${lines[1]}" EROFS
	[ "${lines[2]}" != ok ]
	[ ! -e "$T/d/new" ]
}

@test "--tmpfs DST:size=N: a tmpfs of that size" {
	run "$CELL" run --tmpfs /scratch:size=1M -- /bin/sh -c \
		'grep " /scratch " /proc/self/mountinfo; head -c 524288 /dev/zero >/scratch/a && echo fits
		head -c 2097152 /dev/zero >/scratch/b 2>/dev/null || echo full'
	status_is 0
	assert_contains "${lines[0]}" " - tmpfs "
	assert_contains "${lines[0]}" "size=1024k"
	assert_eq "${lines[1]}" fits
	assert_eq "${lines[2]}" full
}

@test "--tmpfs hides what was there and is writable" {
	run "$CELL" run --tmpfs /usr/share -- /bin/sh -c 'ls -A /usr/share; echo x >/usr/share/y && echo written'
	status_is 0
	assert_eq "$output" written
}

@test "--workdir sets the starting directory" {
	run "$CELL" run --workdir /usr/share -- /bin/pwd
	status_is 0
	assert_eq "$output" /usr/share
}

@test "default workdir: the caller's when the sandbox has it, else /" {
	cd /usr/share
	run "$CELL" run -- /bin/pwd
	assert_eq "$output" /usr/share
	cd "$T"
	run "$CELL" run -- /bin/pwd
	assert_eq "$output" /
}

@test "default workdir: the caller's directory through a --bind of it" {
	mkdir "$T/d"
	cd "$T/d"
	run "$CELL" run --bind "$T/d" -- /bin/pwd
	status_is 0
	assert_eq "$output" "$T/d"
}

@test "read-only stays read-only: remount as root inside fails" {
	run "$CELL" run --map-root -- /bin/sh -c \
		'for m in /usr / /proc/sys; do mount -o remount,rw $m 2>/dev/null && echo "remounted $m"; done; true'
	status_is 0
	assert_eq "$output" ""
}

@test "read-only stays read-only: even root of a nested user namespace cannot remount" {
	mkdir "$T/d"
	# --uid: the nested namespace's root must not be the sandbox's own root,
	# which has no CAP_SETFCAP to map itself; --seccomp none: the kernel's
	# lock on the mounts is tested here, not the filter (which refuses new
	# user namespaces and mount calls anyway)
	run cellp --seccomp none --uid 1000 --gid 1000 --ro-bind "$T/d:/ro" -- \
		/usr/bin/unshare -Urm /bin/sh -c '
		id -u
		for m in /usr / /ro /proc/sys; do
			mount -o remount,rw $m 2>/dev/null && echo "remounted $m"
			mount -o remount,bind,rw $m 2>/dev/null && echo "remounted $m (bind)"
			/probe remount-rw $m | grep -v EPERM
			touch $m/x 2>/dev/null && echo "wrote $m"
		done; true'
	status_is 0
	assert_eq "$output" 0
}

@test "read-only stays read-only in a --root tree" {
	make_root "$T/r" mountpoints
	cp "$CELL_PROBE" "$T/r/probe"
	run "$CELL" run --root "$T/r" --map-root -- /bin/sh -c \
		'/probe remount-rw / | grep -v EPERM; /probe create /x'
	status_is 1
	assert_eq "$output" EROFS
	[ ! -e "$T/r/x" ]
}

@test "a symlink in the --root tree cannot redirect a bind to the host" {
	make_root "$T/r" mountpoints
	mkdir "$T/src"
	echo src >"$T/src/f"
	local name="cell-evil-$MARK" link mounts
	ln -s /etc "$T/r/evil"
	ln -s ../../../../../../../../../../etc "$T/r/evil2"
	mounts=$(host_mounts_under /etc)
	for link in evil evil2; do
		# a read-only tree: the mount point cannot be made (or lands in the tree)
		run "$CELL" run --root "$T/r" --bind "$T/src:/$link/$name" -- /bin/true
		[ ! -e "/etc/$name" ]
		assert_eq "$(host_mounts_under /etc)" "$mounts" "host mounts on /etc"
	done
	mkdir "$T/r/etc"
	give_to_sandbox "$T/r"
	for link in evil evil2; do
		# a writable tree: the mount point is made inside the tree
		run "$CELL" run --root "$T/r" --rw-root --bind "$T/src:/$link/$name" -- /bin/cat "/etc/$name/f"
		[ ! -e "/etc/$name" ]
		assert_eq "$(host_mounts_under /etc)" "$mounts" "host mounts on /etc"
		status_is 0
		assert_eq "$output" src
		[ -d "$T/r/etc/$name" ]
	done
}

@test "a symlink in a bound directory cannot send another bind to the host" {
	mkdir "$T/a" "$T/src"
	echo src >"$T/src/f"
	# inside the sandbox /a/link is /tmp: the sandbox's fresh /tmp, not the host's
	ln -s /tmp "$T/a/link"
	local name="cell-evil-$MARK"
	run "$CELL" run --bind "$T/a:/a" --bind "$T/src:/a/link/$name" -- /bin/cat "/tmp/$name/f"
	[ ! -e "/tmp/$name" ]
	status_is 0
	assert_eq "$output" src
}
