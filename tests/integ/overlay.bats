#!/usr/bin/env bats
# --overlay and --persist: the sandbox writes anywhere, the base stays clean.

load helpers

# A hand-made root (busybox) that the caller owns.
make_root() {
	local r
	r=$(world_dir)
	mkdir -p "$r/bin"
	cp /bin/busybox "$r/bin/busybox"
	ln -s busybox "$r/bin/sh"
	echo base > "$r/file"
	echo "$r"
}

@test "--overlay: writes to the default root's /usr and /etc vanish with the sandbox" {
	run "$CELL" run --overlay -- sh -c 'echo hi > /etc/cell-overlay-test && cat /etc/cell-overlay-test && touch /usr/cell-overlay-test && echo done'
	[ "$status" -eq 0 ]
	[[ "$output" == *hi*done* ]]
	[ ! -e /etc/cell-overlay-test ]
	[ ! -e /usr/cell-overlay-test ]
}

@test "without --overlay the default root is read-only" {
	run "$CELL" run -- sh -c 'touch /usr/cell-overlay-test'
	[ "$status" -ne 0 ]
	[[ "$output" == *"Read-only file system"* ]]
}

@test "--overlay as root: root inside may change host-root files, the host's stay as they were" {
	need_root
	before=$(sha256sum /etc/passwd)
	run "$CELL" run --overlay -- sh -c 'echo "x:x:1:1::/:/bin/sh" >> /etc/passwd && tail -1 /etc/passwd'
	[ "$status" -eq 0 ]
	[[ "$output" == "x:x:1:1::/:/bin/sh" ]]
	[ "$(sha256sum /etc/passwd)" = "$before" ]
}

@test "--root DIR --overlay: DIR is never written, not even its mount points" {
	r=$(make_root)
	run "$CELL" run --root "$r" --overlay -- /bin/sh -c 'echo new > /file && echo x > /added && /bin/busybox cat /file /added'
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'new\nx')" ]
	[ "$(cat "$r/file")" = base ]
	[ "$(ls -A "$r")" = "$(printf 'bin\nfile')" ]
}

@test "--persist DIR keeps the changes for the next run, and cell root diff lists them" {
	r=$(make_root)
	p=$(world_dir)
	run "$CELL" run --root "$r" --persist "$p" -- /bin/sh -c 'echo kept > /file && echo n > /new && /bin/busybox rm /bin/sh'
	[ "$status" -eq 0 ]
	run "$CELL" run --root "$r" --persist "$p" -- /bin/busybox sh -c '/bin/busybox cat /file /new; /bin/busybox ls /bin'
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'kept\nn\nbusybox')" ]
	[ "$(cat "$r/file")" = base ]
	[ -L "$r/bin/sh" ]
	run "$CELL" root diff "$p"
	[ "$status" -eq 0 ]
	[[ "$output" == *"/file"* ]]
	[[ "$output" == *"/new"* ]]
	[[ "$output" == *"D /bin/sh"* ]]
}

@test "--persist with the default root keeps /etc changes" {
	p=$(world_dir)
	run "$CELL" run --persist "$p" -- sh -c 'echo 1 > /etc/cell-persist-test'
	[ "$status" -eq 0 ]
	run "$CELL" run --persist "$p" -- cat /etc/cell-persist-test
	[ "$status" -eq 0 ]
	[ "$output" = 1 ]
	[ ! -e /etc/cell-persist-test ]
}

@test "--overlay: bad input is one line and exit 125" {
	run "$CELL" run --persist /nonexistent-cell-dir -- true
	[ "$status" -eq 125 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == "cell: --persist /nonexistent-cell-dir"*"No such file or directory" ]]
	run "$CELL" run --chroot / --overlay -- true
	[ "$status" -eq 125 ]
	[[ "$output" == "cell: --overlay goes with the default root or --root, not --chroot" ]]
}

@test "--print-spec shows the overlays" {
	run "$CELL" run --overlay --print-spec -- true
	[ "$status" -eq 0 ]
	[[ "$output" == *"mount: overlay    /usr on /usr"* ]]
	[[ "$output" == *"overlay upper: a tmpfs, gone on exit"* ]]
	[[ "$output" != *"mount: readonly   /"$'\n'* ]]
}
