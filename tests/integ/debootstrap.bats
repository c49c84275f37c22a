#!/usr/bin/env bats
# cell root debootstrap: suite and mirror from the host's apt sources, the
# install hint, progress lines, the marker of an unfinished root, and (as
# root of a user namespace when unprivileged) the run itself with a stand-in
# debootstrap.  The real download (~80 MB) runs only with
# CELL_TEST_DEBOOTSTRAP=1.

load helpers

setup() {
	common_setup
	W=$(world_dir)
	R=$W/root
}

# A stand-in debootstrap: prints debootstrap-like lines, records how it was
# run, and succeeds or fails ($1).
fake_debootstrap() {
	cat >"$W/debootstrap" <<EOF
#!/bin/sh
echo "I: Retrieving InRelease"
echo "I: Retrieving Packages"
echo "I: Retrieving libc6"
echo "I: Extracting base-files..."
echo "uid=\$(id -u) args=\$*" >"$W/ran"
if [ "$1" = fail ]; then
	echo "E: Couldn't download packages: base-files" >&2
	exit 1
fi
dir=\$(printf '%s\n' "\$@" | tail -n 2 | head -n 1) # debootstrap ... SUITE DIR MIRROR
mkdir -p "\$dir/bin" "\$dir/etc"
echo "I: Base system installed successfully."
EOF
	chmod 755 "$W/debootstrap"
}

have_subids() {
	is_root && return 0
	grep -q "^$(id -un):" /etc/subuid 2>/dev/null && grep -q "^$(id -un):" /etc/subgid 2>/dev/null &&
		command -v newuidmap >/dev/null
}

@test "debootstrap --dry-run: the host's suite and mirror by default" {
	command -v debootstrap >/dev/null || [ -x /usr/sbin/debootstrap ] ||
		export CELL_DEBOOTSTRAP=/bin/true
	run "$CELL" root debootstrap --dry-run "$R"
	status_is 0
	local want_suite
	want_suite=$(. /etc/os-release && echo "$VERSION_CODENAME")
	assert_contains "$output" "suite:   $want_suite"
	assert_contains "$output" "mirror:  http"
	assert_contains "$output" "--variant=minbase $want_suite $R "
	if is_root; then assert_contains "$output" "as:      root"; fi
	[ ! -e "$R" ]
	run "$CELL" root debootstrap --dry-run --variant=- --include=less --arch=amd64 "$R" sid http://m.example/debian
	status_is 0
	assert_contains "$output" "--include=less --arch=amd64 sid $R http://m.example/debian"
	assert_not_contains "$output" "--variant"
}

@test "debootstrap: a clear hint when debootstrap is missing" {
	CELL_DEBOOTSTRAP=$W/none run --separate-stderr "$CELL" root debootstrap "$R"
	assert_cell_error "debootstrap is not installed" "apt-get install debootstrap"
	[ ! -e "$R" ]
}

@test "debootstrap: one progress line per stage; success removes the marker" {
	have_subids || skip "needs root or subordinate ids"
	fake_debootstrap ok
	CELL_DEBOOTSTRAP=$W/debootstrap run "$CELL" root debootstrap "$R" bookworm http://m.example/debian
	status_is 0
	assert_contains "$output" "[1/6] checking the release"
	assert_contains "$output" "[2/6] resolving packages"
	assert_contains "$output" "[3/6] downloading packages"
	assert_contains "$output" "[4/6] extracting packages"
	assert_contains "$output" "[6/6] base system installed"
	assert_contains "$output" "is ready"
	[ "$(grep -c '\[1/6\]' <<<"$output")" = 1 ]
	[ -d "$R/bin" ] && [ ! -e "$R/.cell-incomplete" ]
	# debootstrap ran as root (of a user namespace when unprivileged)
	assert_contains "$(cat "$W/ran")" "uid=0 args=--variant=minbase bookworm $R http://m.example/debian"
	if ! is_root; then assert_contains "$output" "as root of a user namespace"; fi
}

@test "debootstrap: a failure gives one line and leaves DIR marked incomplete" {
	have_subids || skip "needs root or subordinate ids"
	fake_debootstrap fail
	CELL_DEBOOTSTRAP=$W/debootstrap run --separate-stderr "$CELL" root debootstrap "$R" bookworm http://m.example/debian
	assert_cell_error "debootstrap failed (status 1)" "Couldn't download packages" "incomplete"
	[ -e "$R/.cell-incomplete" ]
	# an unfinished root may be resumed
	fake_debootstrap ok
	CELL_DEBOOTSTRAP=$W/debootstrap run "$CELL" root debootstrap "$R" bookworm http://m.example/debian
	status_is 0
	assert_contains "$output" "resuming"
	[ ! -e "$R/.cell-incomplete" ]
}

@test "debootstrap: refuses a non-empty directory that is not an unfinished root" {
	have_subids || skip "needs root or subordinate ids"
	fake_debootstrap ok
	mkdir -p "$R"
	echo keep >"$R/file"
	CELL_DEBOOTSTRAP=$W/debootstrap run --separate-stderr "$CELL" root debootstrap "$R"
	assert_cell_error "$R is not empty"
	[ ! -e "$W/ran" ]
	assert_eq "$(ls -A "$R")" "file"
}

@test "debootstrap: usage errors" {
	export CELL_DEBOOTSTRAP=/bin/true
	run --separate-stderr "$CELL" root debootstrap
	assert_cell_error "no DIR"
	run --separate-stderr "$CELL" root debootstrap "$R" bookworm not-a-url
	assert_cell_error "not-a-url"
	run --separate-stderr "$CELL" root debootstrap "$R" a b c
	assert_cell_error "too many"
	run "$CELL" root debootstrap --help
	status_is 0
	assert_contains "$output" "subordinate"
}

@test "debootstrap: a real minbase root, then cell run --root on it (CELL_TEST_DEBOOTSTRAP=1)" {
	[ -n "${CELL_TEST_DEBOOTSTRAP:-}" ] ||
		skip "downloads ~80 MB from the Debian mirror: set CELL_TEST_DEBOOTSTRAP=1 to run it"
	command -v debootstrap >/dev/null || [ -x /usr/sbin/debootstrap ] ||
		skip "debootstrap is not installed (apt-get install debootstrap)"
	have_subids || skip "needs root or subordinate ids"
	# one real run per suite invocation: as root when root, else unprivileged
	run "$CELL" root debootstrap "$R"
	status_is 0
	assert_contains "$output" "[6/6] base system installed"
	[ ! -e "$R/.cell-incomplete" ]
	run --separate-stderr "$CELL" run --root "$R" -- /bin/bash -c 'cat /etc/debian_version; ls -d /home /proc/1'
	status_is 0
	assert_contains "$output" "/proc/1"
}
