#!/usr/bin/env bats
# cell root build: programs with their loader, libraries and interpreters
# copied into a root that `cell run --root` then runs them in; the host's
# symlink shape; idempotent re-runs; --add, --check, --dry-run; bad input
# leaves the tree as it was or marked incomplete.

load helpers

setup() {
	common_setup
	R=$(world_dir)/root
	IMMUTABLE=()
}

teardown() {
	local d
	for d in "${IMMUTABLE[@]}"; do
		chattr -i "$d" 2>/dev/null || true
	done
	common_teardown
}

# The coreutils programs as the package installed them.
coreutils_programs() {
	dpkg -L coreutils 2>/dev/null | grep -E '^/(usr/)?s?bin/.' | while read -r p; do
		[ -f "$p" ] && [ -x "$p" ] && echo "$p"
	done
}

# A directory nobody may write into, as root too (immutable) when root.
unwritable_dir() {
	local d=$1
	mkdir -p "$d"
	if is_root; then
		chattr +i "$d" 2>/dev/null || skip "chattr +i not supported here"
		IMMUTABLE+=("$d")
	else
		chmod 555 "$d"
	fi
}

@test "root build: bash and ls, then cell run --root DIR -- /bin/bash -c 'ls /'" {
	run "$CELL" root build "$R" bash ls
	status_is 0
	assert_contains "$output" "$R: 2 program(s)"
	[ ! -e "$R/.cell-incomplete" ]
	run --separate-stderr "$CELL" run --root "$R" -- /bin/bash -c 'ls /; echo "bash $BASH_VERSION"'
	status_is 0
	assert_contains "$output" "bin"
	assert_contains "$output" "etc"
	assert_contains "$output" "proc"
	assert_contains "$output" "bash ${BASH_VERSION%%(*}"
	# nothing but what was asked for
	run -127 --separate-stderr "$CELL" run --root "$R" -- /bin/bash -c 'cat /etc/passwd'
}

@test "root build: the host's symlinks keep their shape, the loader and libraries are copies" {
	run "$CELL" root build "$R" bash
	status_is 0
	local d
	for d in /bin /lib /lib64; do
		[ -e "$d" ] || continue
		if [ -L "$d" ]; then
			[ -L "$R$d" ] || { echo "$R$d should be a symlink like $d" >&2; return 1; }
			assert_eq "$(readlink "$R$d")" "$(readlink "$d")" "$d target"
		else
			[ -d "$R$d" ] && [ ! -L "$R$d" ]
		fi
	done
	local interp real
	interp=$(readlink -f /proc/self/exe) # any dynamic program gives the loader
	real=$(readlink -f "$(bash -c 'ldd /bin/bash' 2>/dev/null | awk '/ld-linux|ld-musl/ {print $1}' | head -n1)")
	[ -n "$real" ] || skip "no ldd to compare with"
	[ -f "$R$real" ] && [ ! -L "$R$real" ]
	cmp "$real" "$R$real"
	# libc as the host's loader finds it
	real=$(readlink -f "$(ldd /bin/bash | awk '/libc.so/ {print $3}')")
	cmp "$real" "$R$real"
	# no set-id bits, no ld.so.cache needed
	[ -z "$(find "$R" -perm /6000)" ]
	[ ! -e "$R/etc/ld.so.cache" ]
	# the skeleton
	for d in etc tmp proc dev sys; do [ -d "$R/$d" ]; done
	[ "$(stat -c %a "$R/tmp")" = 1777 ]
	grep -q '^root:x:0:0:' "$R/etc/passwd"
	grep -q '^root:x:0:' "$R/etc/group"
	grep -q '^passwd: *files' "$R/etc/nsswitch.conf"
	if ! is_root; then grep -q "^$(id -un):x:$(id -u):" "$R/etc/passwd"; fi
}

@test "root build: all of coreutils works inside" {
	local progs
	mapfile -t progs < <(coreutils_programs)
	[ "${#progs[@]}" -gt 50 ] || skip "coreutils file list not available (dpkg -L)"
	run "$CELL" root build "$R" bash "${progs[@]}"
	status_is 0
	run --separate-stderr "$CELL" run --root "$R" -- /bin/bash -c \
		'cd /tmp && printf "b\na\n" | sort | tr a-z A-Z >x && cat x && wc -l <x &&
		 mkdir d && cp x d/y && mv d/y d/z && ls d && rm -r d && id -u >/dev/null &&
		 date +%Y >/dev/null && basename /a/b && seq 3 | tail -n1 && sha256sum x | cut -c1-8 &&
		 stat -c %F /tmp && uname -s && whoami'
	status_is 0
	assert_eq "${lines[0]}" "A"
	assert_eq "${lines[1]}" "B"
	assert_eq "${lines[2]}" "2"
	assert_eq "${lines[3]}" "z"
	assert_eq "${lines[4]}" "b"
	assert_eq "${lines[5]}" "3"
	assert_contains "$output" "directory"
	assert_contains "$output" "Linux"
	run "$CELL" root build --check "$R"
	status_is 0
	assert_not_contains "$output" "missing"
}

@test "root build: python3 with its standard library (--add)" {
	[ -x "$PYTHON" ] || skip "no python3"
	local stdlib
	stdlib=$("$PYTHON" -c 'import sysconfig; print(sysconfig.get_path("stdlib"))')
	run "$CELL" root build "$R" "$PYTHON" --add "$stdlib"
	status_is 0
	run --separate-stderr "$CELL" run --root "$R" -- "$PYTHON" -c \
		'import json, hashlib, ctypes, sqlite3, ssl, os; print(json.dumps(sorted(os.listdir("/"))[:2]), hashlib.sha256(b"x").hexdigest()[:8])'
	status_is 0
	assert_contains "$output" '[".cell-root", "bin"]'
	assert_contains "$output" "2d711642"
	# without the standard library the check passes (ELF-wise) but python
	# cannot start: the help says to --add it
	run "$CELL" root build --help
	assert_contains "$output" "--add /usr/lib/python3"
}

@test "root build: a static busybox" {
	local bb
	bb=$(command -v busybox) || skip "no busybox"
	run "$CELL" root build "$R" "$bb"
	status_is 0
	run --separate-stderr "$CELL" run --root "$R" -- "$bb" sh -c 'echo hello from $(busybox basename /x/busybox)'
	status_is 0
	assert_eq "$output" "hello from busybox"
	# a static program needs no loader
	run "$CELL" root build --dry-run "$R" "$bb"
	assert_not_contains "$output" "ld-linux"
}

@test "root build: #! scripts bring their interpreter, also through env" {
	local d
	# not under /tmp, which cell run covers with a fresh tmpfs
	d=$(mktemp -d /var/tmp/cell-integ.XXXXXX)
	chmod 755 "$d"
	DIRS_TO_REMOVE+=("$d")
	printf '#!/bin/sh\necho "sh script $1"\n' >"$d/s1"
	printf '#!/usr/bin/env bash\necho "bash script $BASH_VERSION"\n' >"$d/s2"
	printf '#!%s/s1\n' "$d" >"$d/s3" # a script as interpreter
	chmod 755 "$d/s1" "$d/s2" "$d/s3"
	run "$CELL" root build "$R" "$d/s1" "$d/s2" "$d/s3"
	status_is 0
	[ -e "$R$(readlink -f /bin/sh)" ]
	[ -e "$R$(readlink -f "$(command -v env)")" ]
	run --separate-stderr "$CELL" run --root "$R" -- "$d/s1" x
	status_is 0
	assert_eq "$output" "sh script x"
	run --separate-stderr "$CELL" run --root "$R" -- "$d/s2"
	status_is 0
	assert_contains "$output" "bash script 5"
	run --separate-stderr "$CELL" run --root "$R" -- "$d/s3"
	status_is 0
	assert_eq "$output" "sh script $d/s3"
}

@test "root build: idempotent, and a second run adds programs" {
	run "$CELL" root build "$R" bash
	status_is 0
	run "$CELL" root build "$R" bash
	status_is 0
	assert_contains "$output" " 0 file(s) copied"
	echo custom >"$R/etc/hosts"
	run "$CELL" root build "$R" ls cat
	status_is 0
	assert_eq "$(cat "$R/etc/hosts")" "custom" "skeleton files are only written when absent"
	run --separate-stderr "$CELL" run --root "$R" -- /bin/bash -c 'ls / >/dev/null && cat /etc/hosts'
	status_is 0
	assert_eq "$output" "custom"
	run cat "$R/.cell-root"
	assert_contains "$output" "/bash"
	assert_contains "$output" "/ls"
	assert_contains "$output" "/cat"
	run "$CELL" root build --check "$R"
	status_is 0
	assert_eq "${#lines[@]}" 3
}

@test "root build --check: names what a program lacks, and an incomplete root" {
	run "$CELL" root build "$R" bash ls
	status_is 0
	local tinfo
	tinfo=$(find "$R" -name 'libtinfo.so.*' -type f | head -n1)
	[ -n "$tinfo" ] || skip "bash here does not use libtinfo"
	rm "$tinfo"
	run "$CELL" root build --check "$R"
	status_is 1
	assert_contains "$output" "bash: missing libtinfo.so"
	assert_contains "$output" "ls: ok"
	run "$CELL" root build --check "$R" /bin/nothere
	status_is 1
	assert_contains "$output" "/bin/nothere: missing /bin/nothere"
	touch "$R/.cell-incomplete"
	run "$CELL" root build --check "$R" ls
	status_is 1
	assert_contains "$output" "incomplete"
	# building again repairs it
	run "$CELL" root build "$R" bash
	status_is 0
	run "$CELL" root build --check "$R"
	status_is 0
}

@test "root build --add SRC[:DST]: files and trees, symlinks kept" {
	local d
	d=$(world_dir)
	mkdir -p "$d/tree/sub"
	echo one >"$d/tree/sub/f"
	ln -s sub/f "$d/tree/link"
	echo two >"$d/file"
	run "$CELL" root build "$R" bash --add "$d/tree:/srv/data" --add "$d/file" --add "$d/file:/etc/motd"
	status_is 0
	assert_eq "$(cat "$R/srv/data/sub/f")" "one"
	assert_eq "$(readlink "$R/srv/data/link")" "sub/f"
	assert_eq "$(cat "$R$d/file")" "two"
	assert_eq "$(cat "$R/etc/motd")" "two"
	run --separate-stderr "$CELL" run --root "$R" -- /bin/bash -c 'read l </srv/data/link; echo $l'
	assert_eq "$output" "one"
	run --separate-stderr "$CELL" root build "$R" bash --add "$d/none"
	assert_cell_error "--add" "$d/none"
	run --separate-stderr "$CELL" root build "$R" bash --add "$d/file:relative"
	assert_cell_error "absolute"
}

@test "root build --dry-run: prints the plan, writes nothing" {
	run "$CELL" root build --dry-run "$R" bash
	status_is 0
	assert_contains "$output" "copy    $(readlink -f /bin/bash)"
	assert_contains "$output" "program "
	[ ! -e "$R" ]
}

@test "root build: a missing program or a non-ELF file fails before anything is written" {
	run --separate-stderr "$CELL" root build "$R" bash no-such-program-xyz
	assert_cell_error "no-such-program-xyz" "not found"
	[ ! -e "$R" ]
	local d
	d=$(world_dir)
	printf 'just text\n' >"$d/notes"
	chmod 755 "$d/notes"
	run --separate-stderr "$CELL" root build "$R" "$d/notes"
	assert_cell_error "$d/notes" "not an ELF executable or #! script"
	[ ! -e "$R" ]
	run --separate-stderr "$CELL" root build "$R" /etc
	assert_cell_error "/etc" "not a regular file"
	# an existing root stays as it was
	run "$CELL" root build "$R" ls
	status_is 0
	local before
	before=$(find "$R" -printf '%p %y %s %T@\n' | sort)
	run --separate-stderr "$CELL" root build "$R" ls no-such-program-xyz
	assert_cell_error "no-such-program-xyz"
	assert_eq "$(find "$R" -printf '%p %y %s %T@\n' | sort)" "$before" "the root changed"
}

@test "root build: an unwritable DIR gives one line and leaves it untouched" {
	local d
	d=$(world_dir)/locked
	unwritable_dir "$d"
	run --separate-stderr "$CELL" root build "$d" bash
	assert_cell_error "$d"
	[ -z "$(ls -A "$d")" ]
	run --separate-stderr "$CELL" root build "$d/sub" bash
	assert_cell_error "$d/sub"
	run --separate-stderr "$CELL" root build /nonexistent-parent/x bash
	assert_cell_error "/nonexistent-parent/x" "No such file"
}

@test "root build: a build that fails part way leaves the root marked incomplete" {
	mkdir -p "$R/usr"
	unwritable_dir "$R/usr"
	run --separate-stderr "$CELL" root build "$R" bash
	assert_cell_error "incomplete" "$R"
	[ -e "$R/.cell-incomplete" ]
	run "$CELL" root build --check "$R" /bin/bash
	status_is 1
	assert_contains "$output" "incomplete"
}

@test "root build: usage errors and help" {
	run --separate-stderr "$CELL" root build
	assert_cell_error "no DIR"
	run --separate-stderr "$CELL" root build "$R"
	assert_cell_error "no PROGRAM"
	run --separate-stderr "$CELL" root build --bogus "$R" ls
	assert_cell_error "--bogus"
	run --separate-stderr "$CELL" root frobnicate
	assert_cell_error "frobnicate"
	run "$CELL" root build --help
	status_is 0
	assert_contains "$output" "DT_RUNPATH"
	assert_contains "$output" "--check"
	run "$CELL" root --help
	status_is 0
	assert_contains "$output" "debootstrap"
	assert_contains "$output" "diff"
}

@test "root build: DT_RUNPATH with \$ORIGIN finds a private library" {
	command -v cc >/dev/null || skip "no C compiler"
	local d
	d=$(mktemp -d /var/tmp/cell-integ.XXXXXX) # not under /tmp (a tmpfs inside)
	chmod 755 "$d"
	DIRS_TO_REMOVE+=("$d")
	mkdir -p "$d/app/bin" "$d/app/lib"
	printf 'int answer(void) { return 42; }\n' >"$d/lib.c"
	printf '#include <stdio.h>\nint answer(void);\nint main(void) { printf("%%d\\n", answer()); return 0; }\n' >"$d/main.c"
	cc -shared -fPIC -Wl,-soname,libanswer.so.1 -o "$d/app/lib/libanswer.so.1" "$d/lib.c"
	cc -o "$d/app/bin/prog" "$d/main.c" -L"$d/app/lib" -l:libanswer.so.1 -Wl,--enable-new-dtags,-rpath,'$ORIGIN/../lib'
	chmod -R a+rX "$d"
	run "$CELL" root build --dry-run "$R" "$d/app/bin/prog"
	assert_contains "$output" "copy    $d/app/lib/libanswer.so.1"
	run "$CELL" root build "$R" "$d/app/bin/prog"
	status_is 0
	run --separate-stderr "$CELL" run --root "$R" -- "$d/app/bin/prog"
	status_is 0
	assert_eq "$output" "42"
}
