#!/usr/bin/env bats
# cell root diff: the changes an overlay upper directory holds, from a
# hand-made upper directory (whiteouts, opaque directories through both
# attribute namespaces) and from a real overlay mount.

load helpers

setup() {
	common_setup
	D=$(world_dir)
	mkdir -p "$D/lower/etc" "$D/lower/var/cache" "$D/lower/home"
	echo old >"$D/lower/etc/passwd"
	echo x >"$D/lower/etc/shadow"
	echo y >"$D/lower/var/cache/a"
	echo z >"$D/lower/home/f"
}

setxattr() { # path name value
	"$PYTHON" -c 'import os, sys; os.setxattr(sys.argv[1], sys.argv[2], sys.argv[3].encode())' "$@"
}

# An upper directory as overlayfs would leave it; $1 = xattr namespace.
make_upper() {
	local u=$D/upper ns=$1
	mkdir -p "$u/etc" "$u/var/cache" "$u/new/deep" "$u/home"
	echo new >"$u/etc/passwd"
	mknod "$u/etc/shadow" c 0 0 || skip "cannot make a whiteout (0/0 device) here"
	setxattr "$u/var/cache" "$ns.overlay.opaque" y || skip "no $ns xattrs on this file system"
	echo fresh >"$u/var/cache/b"
	touch "$u/new/deep/file"
	ln -s /etc/passwd "$u/new/link"
	# a nested-overlay whiteout: an empty file with the whiteout attribute
	touch "$u/home/f"
	setxattr "$u/home/f" "$ns.overlay.whiteout" ""
}

@test "root diff: whiteouts, opaque directories, added and modified files (user.overlay.*)" {
	make_upper user
	run "$CELL" root diff --lower "$D/lower" "$D/upper"
	status_is 0
	assert_eq "$output" "M /etc/passwd
D /etc/shadow
D /home/f
A /new/
A /new/deep/
A /new/deep/file
A /new/link
R /var/cache/
A /var/cache/b"
}

@test "root diff: without --lower, added and modified are one kind (C)" {
	make_upper user
	run "$CELL" root diff "$D/upper"
	status_is 0
	assert_contains "$output" "C /etc/passwd"
	assert_contains "$output" "D /etc/shadow"
	assert_contains "$output" "C /new/deep/file"
	assert_contains "$output" "R /var/cache/"
	assert_contains "$output" "A /var/cache/b"
}

@test "root diff: trusted.overlay.* attributes (root)" {
	need_root "trusted.* attributes need CAP_SYS_ADMIN"
	make_upper trusted
	run "$CELL" root diff --lower "$D/lower" "$D/upper"
	status_is 0
	assert_contains "$output" "R /var/cache/"
	assert_contains "$output" "D /home/f"
}

@test "root diff: a --persist style directory (upper + work) is read through upper" {
	make_upper user
	mkdir "$D/persist"
	mv "$D/upper" "$D/persist/upper"
	mkdir "$D/persist/work"
	run "$CELL" root diff --lower "$D/lower" "$D/persist"
	status_is 0
	assert_contains "$output" "D /etc/shadow"
	assert_not_contains "$output" "/upper"
}

@test "root diff: the upper directory of a real overlay mount" {
	command -v unshare >/dev/null || skip "no unshare(1)"
	local L=$D/lower U=$D/u W=$D/w M=$D/m
	mkdir -p "$U" "$W" "$M"
	# unprivileged overlay (kernel >= 5.11): user.overlay.* attributes
	run unshare -Urm sh -c "mount -t overlay overlay -o lowerdir=$L,upperdir=$U,workdir=$W,userxattr $M &&
		rm $M/etc/shadow && echo new >$M/etc/passwd && rm -r $M/var/cache &&
		mkdir $M/var/cache && echo b >$M/var/cache/b && mkdir -p $M/new && touch $M/new/f"
	[ "$status" -eq 0 ] || skip "no overlay mount in a user namespace here: $output"
	run "$CELL" root diff --lower "$L" "$U"
	status_is 0
	assert_eq "$output" "M /etc/passwd
D /etc/shadow
A /new/
A /new/f
R /var/cache/
A /var/cache/b"
	chmod -R u+rwX "$W" 2>/dev/null || true
}

@test "root diff: bad input" {
	run --separate-stderr "$CELL" root diff "$D/none"
	assert_cell_error "$D/none"
	run --separate-stderr "$CELL" root diff --lower "$D/none" "$D/lower"
	assert_cell_error "--lower" "$D/none"
	run --separate-stderr "$CELL" root diff
	assert_cell_error "no UPPER"
	run --separate-stderr "$CELL" root diff "$D/lower" "$D/lower"
	assert_cell_error "one UPPER"
	run "$CELL" root diff --help
	status_is 0
	assert_contains "$output" "whiteout"
}
