#!/usr/bin/env bash
# bench/oci-validation.sh — measure cell's OCI runtime (cell-oci) with the
# opencontainers runtime-tools validation suite, side by side with crun and
# runc.  Kept in the repo, NOT run by CI (it needs root, cgroups, a few
# minutes and the suite's sources).
#
#   bench/oci-validation.sh [BUILDDIR] [RUNTIME...]
#
# BUILDDIR holds cell-oci (or cell; default: build).  RUNTIME is NAME=PATH
# or PATH; with none: cell=BUILDDIR/cell-oci crun=/usr/bin/crun
# runc=/usr/sbin/runc.  The first runtime is the one under test: the list at
# the end names the tests where it does worse than the second one.
#
# Environment:
#   OCI_VALIDATION_CACHE    where the suite is built (default
#                           ${XDG_CACHE_HOME:-~/.cache}/cell-oci-validation)
#   OCI_VALIDATION_SRC      a runtime-tools source tree (validation/,
#                           cmd/runtimetest/, vendor/) to build from when the
#                           cache has no sources yet
#   OCI_VALIDATION_TIMEOUT  seconds one test may take (default 120); a test
#                           still running then is killed with its session
#   OCI_VALIDATION_TESTS    test names to run (default: all), e.g. "create kill"
#   OCI_VALIDATION_OUT      where the TAP logs go (default: a new /tmp dir)
#   OCI_VALIDATION_REBUILD  1: rebuild the test binaries and the rootfs
#   OCI_VALIDATION_REPORT_ONLY  1: run nothing, print the table of the logs
#                           already in OCI_VALIDATION_OUT
#
# The suite: Debian 12 packages runtime-tools' libraries
# (golang-github-opencontainers-runtime-tools-dev: generate, validate,
# specerror, cgroups), but not the validation programs (validation/*/*.go),
# cmd/runtimetest, nor github.com/mndrix/tap-go.  Those come from the cache
# dir (CACHE/gopath/src), filled once from OCI_VALIDATION_SRC or, failing
# that, from the Debian source package (`apt-get source`, which needs a
# deb-src line).  No code of the suite is kept in this repo.  The programs
# are built in GOPATH mode against the Debian packages, as the upstream
# Makefile builds them (runtimetest static), and run as the upstream
# README says: from a directory holding runtimetest and
# rootfs-$GOARCH.tar.gz, with RUNTIME naming the runtime.  The rootfs is
# made here from busybox-static.
#
# Each runtime runs through a wrapper that gives it its own --root under the
# output dir, so the containers a test leaves behind are found (and killed,
# deleted) after each test without touching anybody else's.  Each test runs
# in its own session under timeout(1); whatever is left of that session
# afterwards (unshare helpers, hung runtimes) is killed by pid.
#
# Counting: TAP result lines at column 0 ("ok", "not ok"; "# SKIP" counts as
# skip, "not ok ... # TODO" as skip too: those are runtimetest's own known
# gaps, the same for every runtime).  The nested TAP of runtimetest quoted
# inside YAML blocks is indented and not counted again.  Several tests
# report nothing but a YAML "error:" block when they fail (hooks, prestart,
# poststart, ...); the status column shows that as "diag", a non-zero exit
# as "exitN", a killed test as "TIMEOUT".
set -u

die() { echo "oci-validation: $*" >&2; exit 2; }

BUILDDIR=${1:-build}
[ $# -gt 0 ] && shift
CACHE=${OCI_VALIDATION_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cell-oci-validation}
TIMEOUT=${OCI_VALIDATION_TIMEOUT:-120}
OUT=${OCI_VALIDATION_OUT:-}
GOPATH_SUITE=$CACHE/gopath
RT_PKG=github.com/opencontainers/runtime-tools
SRC=$GOPATH_SUITE/src/$RT_PKG
BIN=$CACHE/bin

[ "$(id -u)" = 0 ] || die "run as root (the runtimes create namespaces and cgroups)"

# ---------------------------------------------------------------- runtimes
declare -a RT_NAMES=() RT_PATHS=()
add_rt() { # NAME=PATH | PATH
	local spec=$1 name path
	case $spec in
	*=*) name=${spec%%=*}; path=${spec#*=} ;;
	*) path=$spec; name=$(basename "$spec") ;;
	esac
	path=$(command -v "$path" 2>/dev/null || echo "$path")
	[ -x "$path" ] || die "runtime $name: $path is not executable"
	case $path in /*) ;; *) path=$PWD/$path ;; esac
	RT_NAMES+=("$name"); RT_PATHS+=("$path")
}
if [ $# -gt 0 ]; then
	for r in "$@"; do add_rt "$r"; done
else
	if [ -x "$BUILDDIR/cell-oci" ]; then add_rt "cell=$BUILDDIR/cell-oci"
	elif [ -x "$BUILDDIR/cell" ]; then
		# cell-oci is a link to cell; the runtime's argv[0] picks the verb
		mkdir -p "$CACHE" && ln -sf "$(cd "$BUILDDIR" && pwd)/cell" "$CACHE/cell-oci" &&
			add_rt "cell=$CACHE/cell-oci"
	else die "no cell-oci in $BUILDDIR (give the build dir as the first argument)"; fi
	add_rt crun=/usr/bin/crun
	add_rt runc=/usr/sbin/runc
fi

# ---------------------------------------------------------------- packages
PKGS="golang-go golang-github-opencontainers-runtime-tools-dev golang-github-google-uuid-dev
golang-gopkg-yaml.v2-dev golang-github-hashicorp-go-multierror-dev golang-golang-x-sys-dev
golang-github-urfave-cli-dev golang-github-sirupsen-logrus-dev golang-gocapability-dev
golang-github-mrunalp-fileutils-dev busybox-static util-linux"
ensure_pkgs() {
	local missing="" p
	for p in $PKGS; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	echo "oci-validation: installing$missing" >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y $missing >/dev/null ||
		{ apt-get update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y $missing >/dev/null; } ||
		die "apt-get install$missing failed"
}

# ------------------------------------------------------------- the sources
copy_suite_from() { # a runtime-tools source tree
	local t=$1
	[ -d "$t/validation" ] && [ -d "$t/cmd/runtimetest" ] || return 1
	mkdir -p "$SRC/cmd" && cp -a "$t/validation" "$SRC/" && cp -a "$t/cmd/runtimetest" "$SRC/cmd/" || return 1
	if [ ! -d "$GOPATH_SUITE/src/github.com/mndrix/tap-go" ] && [ -d "$t/vendor/github.com/mndrix/tap-go" ]; then
		mkdir -p "$GOPATH_SUITE/src/github.com/mndrix" &&
			cp -a "$t/vendor/github.com/mndrix/tap-go" "$GOPATH_SUITE/src/github.com/mndrix/"
	fi
	return 0
}
ensure_sources() {
	[ -d "$SRC/validation/util" ] && [ -d "$SRC/cmd/runtimetest" ] && return 0
	if [ -n "${OCI_VALIDATION_SRC:-}" ]; then
		copy_suite_from "$OCI_VALIDATION_SRC" || die "$OCI_VALIDATION_SRC has no validation/ and cmd/runtimetest/"
	else
		local d=$CACHE/debsrc
		mkdir -p "$d"
		( cd "$d" && apt-get source -q golang-github-opencontainers-runtime-tools >/dev/null 2>&1 ) ||
			die "no suite sources: apt-get source golang-github-opencontainers-runtime-tools failed
  (it needs a deb-src line); or set OCI_VALIDATION_SRC to a runtime-tools checkout,
  or fill $SRC/{validation,cmd/runtimetest} yourself"
		local t
		t=$(find "$d" -mindepth 1 -maxdepth 1 -type d -name 'golang-github-opencontainers-runtime-tools*' | head -n1)
		copy_suite_from "$t" || die "the Debian source in $t has no validation/"
	fi
	[ -d "$GOPATH_SUITE/src/github.com/mndrix/tap-go" ] ||
		die "github.com/mndrix/tap-go (not packaged by Debian) is missing: put it in $GOPATH_SUITE/src/github.com/mndrix/tap-go"
}

# ---------------------------------------------------------------- building
TESTS_ALL=()
list_tests() {
	local d n
	for d in "$SRC"/validation/*/; do
		n=$(basename "$d")
		[ "$n" = util ] && continue
		ls "$d"*.go >/dev/null 2>&1 || continue
		TESTS_ALL+=("$n")
	done
}
build_suite() {
	local n rebuild=${OCI_VALIDATION_REBUILD:-0}
	mkdir -p "$BIN"
	export GO111MODULE=off GOPATH=$GOPATH_SUITE:/usr/share/gocode GOCACHE=$CACHE/gocache GOFLAGS=
	if [ "$rebuild" = 1 ] || [ ! -x "$BIN/runtimetest" ]; then
		echo "oci-validation: building runtimetest" >&2
		CGO_ENABLED=0 go build -tags "netgo osusergo" -ldflags "-extldflags -static" \
			-o "$BIN/runtimetest" "$RT_PKG/cmd/runtimetest" || die "runtimetest does not build"
	fi
	for n in "${TESTS_ALL[@]}"; do
		if [ "$rebuild" = 1 ] || [ ! -x "$BIN/$n.t" ]; then
			echo "oci-validation: building $n.t" >&2
			go build -o "$BIN/$n.t" "$RT_PKG/validation/$n" || echo "oci-validation: $n does not build" >&2
		fi
	done
	local arch
	arch=$(go env GOARCH)
	if [ "$rebuild" = 1 ] || [ ! -s "$BIN/rootfs-$arch.tar.gz" ]; then
		echo "oci-validation: making rootfs-$arch.tar.gz from busybox-static" >&2
		local r=$CACHE/rootfs-build a
		rm -rf "$r" && mkdir -p "$r"/{bin,dev,etc,proc,sys,tmp,root,home,usr/bin,usr/sbin,sbin,var,run} &&
			cp /bin/busybox "$r/bin/busybox" || die "cannot make the rootfs"
		for a in $(/bin/busybox --list); do [ "$a" = busybox ] || ln -sf busybox "$r/bin/$a"; done
		chmod 1777 "$r/tmp"
		printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$r/etc/passwd"
		printf 'root:x:0:\nnogroup:x:65534:\n' >"$r/etc/group"
		tar -C "$r" --numeric-owner --owner=0 --group=0 -czf "$BIN/rootfs-$arch.tar.gz" . ||
			die "cannot pack the rootfs"
	fi
}

# ---------------------------------------------------- the hugetlb mount (crun)
MOUNTED_HUGETLB=0
hugetlb_fix() {
	# A hybrid host whose v2 mount holds hugetlb: crun refuses it unless
	# hugetlb is mounted as a v1 hierarchy.  Mount it for the run only.
	[ -d /sys/fs/cgroup/unified ] || return 0
	grep -qw hugetlb /proc/self/cgroup 2>/dev/null && return 0
	grep -qw hugetlb /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null || return 0
	mkdir -p /sys/fs/cgroup/hugetlb 2>/dev/null
	if mount -t cgroup -o hugetlb cgroup /sys/fs/cgroup/hugetlb 2>/dev/null; then
		MOUNTED_HUGETLB=1
		echo "oci-validation: mounted the hugetlb v1 hierarchy for this run" >&2
	fi
}

# ------------------------------------------------------------------ running
cleanup_root() { # wrapper root: kill and delete what a test left behind
	local rt=$1 root=$2 log=$3 d id
	for d in "$root"/*/; do
		[ -d "$d" ] || continue
		id=$(basename "$d")
		echo "leftover container $id" >>"$log"
		timeout 10 "$rt" --root "$root" kill "$id" KILL >/dev/null 2>&1
		timeout 20 "$rt" --root "$root" delete --force "$id" >/dev/null 2>&1
		[ -d "$d" ] && { echo "  state dir still there, removed" >>"$log"; rm -rf "$d"; }
	done
}
kill_session() { # everything still in the test's session
	local sid=$1 pids
	pids=$(ps -eo pid=,sid= | awk -v s="$sid" '$2 == s { print $1 }')
	[ -n "$pids" ] && kill -KILL $pids 2>/dev/null
	return 0
}
cgroup_sweep() { # the fixed cgroup paths the suite uses, if left empty
	local c p
	for c in /sys/fs/cgroup/*/ /sys/fs/cgroup/; do
		for p in testdir/cgrouptest/container testdir/cgrouptest testdir cgrouptest; do
			[ -d "$c$p" ] && rmdir "$c$p" 2>/dev/null
		done
	done
	return 0
}

count_tap() { # file -> "pass fail skip todo"
	awk '
		/^not ok/ { if (tolower($0) ~ /# todo/) t++; else f++; next }
		/^ok/     { if (tolower($0) ~ /# skip/) s++; else p++; next }
		END { printf "%d %d %d %d\n", p, f, s, t }' "$1"
}

run_one() { # idx test -> writes OUT/name/test.{tap,err,rc}
	local i=$1 t=$2 name=${RT_NAMES[$1]} wrap=$OUT/wrap/${RT_NAMES[$1]}
	local root=$OUT/root/$name tmp=$OUT/tmp/$name base=$OUT/$name/$t
	mkdir -p "$OUT/$name" "$tmp" "$root"
	(
		cd "$BIN" || exit 99
		export RUNTIME=$wrap TMPDIR=$tmp
		exec setsid -w timeout -k 10 "$TIMEOUT" "./$t.t"
	) >"$base.tap" 2>"$base.err" </dev/null &
	local pid=$!
	wait $pid
	local rc=$?
	echo $rc >"$base.rc"
	kill_session $pid
	cleanup_root "${RT_PATHS[$i]}" "$root" "$OUT/leftovers.log"
	cgroup_sweep
	rm -rf "${tmp:?}"/* 2>/dev/null
}

status_of() { # base p f -> status word
	local base=$1 p=$2 f=$3 rc
	rc=$(cat "$base.rc" 2>/dev/null || echo 99)
	if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then echo TIMEOUT; return; fi
	if [ "$rc" != 0 ]; then echo "exit$rc"; return; fi
	if [ $((p + f)) = 0 ] && grep -q '^  error:' "$base.tap"; then echo diag; return; fi
	echo ok
}

# --------------------------------------------------------------------- main
ensure_pkgs
ensure_sources
list_tests
build_suite
[ ${#TESTS_ALL[@]} -gt 0 ] || die "no tests under $SRC/validation"
if [ -n "${OCI_VALIDATION_TESTS:-}" ]; then read -r -a TESTS <<<"$OCI_VALIDATION_TESTS"; else TESTS=("${TESTS_ALL[@]}"); fi

[ -n "$OUT" ] || OUT=$(mktemp -d /tmp/oci-validation.XXXXXX)
mkdir -p "$OUT/wrap"
for i in "${!RT_NAMES[@]}"; do
	mkdir -p "$OUT/root/${RT_NAMES[$i]}"
	printf '#!/bin/sh\nexec %q --root %q "$@"\n' "${RT_PATHS[$i]}" "$OUT/root/${RT_NAMES[$i]}" >"$OUT/wrap/${RT_NAMES[$i]}"
	chmod +x "$OUT/wrap/${RT_NAMES[$i]}"
done
: >"$OUT/leftovers.log"

hugetlb_fix
trap '[ $MOUNTED_HUGETLB = 1 ] && umount /sys/fs/cgroup/hugetlb 2>/dev/null; true' EXIT
trap 'exit 130' INT TERM

START=$(date +%s)
[ "${OCI_VALIDATION_REPORT_ONLY:-0}" = 1 ] && TESTS_RUN=() || TESTS_RUN=("${TESTS[@]}")
for t in ${TESTS_RUN[@]+"${TESTS_RUN[@]}"}; do
	[ -x "$BIN/$t.t" ] || { echo "oci-validation: no binary for $t" >&2; continue; }
	for i in "${!RT_NAMES[@]}"; do
		s=$(date +%s)
		run_one "$i" "$t"
		echo "oci-validation: $t ${RT_NAMES[$i]} $(( $(date +%s) - s ))s" >&2
	done
done
ELAPSED=$(( $(date +%s) - START ))

# -------------------------------------------------------------------- table
declare -A TP TF TS TT BAD XP XF
w=34
printf '\n%-*s' $w "test"
for n in "${RT_NAMES[@]}"; do printf ' | %-22s' "$n pass/fail/skip"; done
printf '\n'
printf '%*s' $w '' | tr ' ' -; for n in "${RT_NAMES[@]}"; do printf -- '-+-%s' "$(printf '%22s' '' | tr ' ' -)"; done; printf '\n'
declare -a ONLY=()
for t in "${TESTS[@]}"; do
	[ -f "$OUT/${RT_NAMES[0]}/$t.rc" ] || continue
	printf '%-*s' $w "$t"
	declare -a st=()
	for i in "${!RT_NAMES[@]}"; do
		n=${RT_NAMES[$i]} base=$OUT/${RT_NAMES[$i]}/$t
		read -r p f s td < <(count_tap "$base.tap")
		stw=$(status_of "$base" "$p" "$f")
		st[$i]="$p $f $stw"
		TP[$n]=$(( ${TP[$n]:-0} + p )); TF[$n]=$(( ${TF[$n]:-0} + f ))
		TS[$n]=$(( ${TS[$n]:-0} + s + td )); TT[$n]=$(( ${TT[$n]:-0} + td ))
		case $stw in ok | diag) XP[$n]=$(( ${XP[$n]:-0} + p )); XF[$n]=$(( ${XF[$n]:-0} + f )) ;; esac
		[ "$stw" != ok ] && BAD[$n]=$(( ${BAD[$n]:-0} + 1 ))
		cell=$(printf '%d/%d/%d' "$p" "$f" "$((s + td))")
		[ "$stw" != ok ] && cell="$cell $stw"
		printf ' | %-22s' "$cell"
	done
	printf '\n'
	if [ ${#RT_NAMES[@]} -gt 1 ]; then
		# the first runtime does worse than the second: more failures, a
		# bad status where the second has none, or fewer passes while failing
		read -r p0 f0 s0 <<<"${st[0]}"; read -r p1 f1 s1 <<<"${st[1]}"
		if [ "$f0" -gt "$f1" ] || { [ "$s0" != ok ] && [ "$s1" = ok ]; } ||
			{ [ "$p0" -lt "$p1" ] && { [ "$f0" -gt 0 ] || [ "$s0" != ok ]; }; }; then
			ONLY+=("$t")
		fi
	fi
done
printf '%*s' $w '' | tr ' ' -; for n in "${RT_NAMES[@]}"; do printf -- '-+-%s' "$(printf '%22s' '' | tr ' ' -)"; done; printf '\n'
printf '%-*s' $w "TOTAL (pass/fail/skip)"
for n in "${RT_NAMES[@]}"; do printf ' | %-22s' "${TP[$n]:-0}/${TF[$n]:-0}/${TS[$n]:-0}"; done; printf '\n'
printf '%-*s' $w "pass/fail in tests that exited 0"
for n in "${RT_NAMES[@]}"; do printf ' | %-22s' "${XP[$n]:-0}/${XF[$n]:-0}"; done; printf '\n'
printf '%-*s' $w "tests with a bad status"
for n in "${RT_NAMES[@]}"; do printf ' | %-22s' "${BAD[$n]:-0}"; done; printf '\n'
if [ ${#TESTS_RUN[@]} -gt 0 ]; then
	printf '\n%d tests x %d runtimes in %ds (timeout %ss a test); TAP logs in %s\n' \
		"${#TESTS[@]}" "${#RT_NAMES[@]}" "$ELAPSED" "$TIMEOUT" "$OUT"
else
	printf '\nreport of the TAP logs in %s\n' "$OUT"
fi
printf '(skip includes runtimetest'"'"'s "not ok # TODO" lines: %s)\n' \
	"$(for n in "${RT_NAMES[@]}"; do printf '%s %d  ' "$n" "${TT[$n]:-0}"; done)"
[ -s "$OUT/leftovers.log" ] && printf 'containers left behind by tests were cleaned up: see %s/leftovers.log\n' "$OUT"

if [ ${#RT_NAMES[@]} -gt 1 ]; then
	printf '\n%s does worse than %s: %d test(s)\n' "${RT_NAMES[0]}" "${RT_NAMES[1]}" "${#ONLY[@]}"
	for t in "${ONLY[@]}"; do
		base=$OUT/${RT_NAMES[0]}/$t
		read -r p f s td < <(count_tap "$base.tap")
		printf '  %s (%d/%d/%d, %s)\n' "$t" "$p" "$f" "$((s + td))" "$(status_of "$base" "$p" "$f")"
		grep -E '^not ok' "$base.tap" | grep -vi '# todo' | head -n 8 | sed 's/^/      /'
		grep -E '^  (error|stderr):' "$base.tap" | head -n 3 | cut -c1-200 | sed 's/^/      /'
		tail -n 2 "$base.err" | cut -c1-200 | sed 's/^/      stderr: /'
	done
fi
exit 0
