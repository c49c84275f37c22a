#!/usr/bin/env bash
# bench/bench.sh - how quickly cell starts a sandbox, and how much memory it
# takes, next to the tools people already use (unshare, bwrap).
#
# The machine this was written on drifts by 2x within minutes, so a single
# long run per command would compare the weather, not the tools.  Instead
# every round runs every command of a group (in a rotated order), and the
# ratios are taken within a round: each command's median time over the
# group's baseline (the first command of the group) measured moments apart.
# The summary line is the median of those per-round ratios.
#
#   bench/bench.sh [--rounds N] [--runs N] [--warmup N] [--cell PATH]
#                  [--group NAME]... [--list]
#
# Timing uses hyperfine (-N: no shell in between) when it is there, else a
# plain loop over bash's $EPOCHREALTIME.  Memory: the peak resident set of
# each command's whole process tree (GNU time's %M), and for cell the
# high-water mark (VmHWM) of each of its own processes: the supervisor on
# the host and its init, PID 1 in the sandbox.
#
# Adding a comparison: write a function group_NAME that calls
#   bench_cmd LABEL COMMAND [ARG...]     a contender (the first: the baseline)
#   bench_cell_hwm LABEL [RUN-OPTION...]  cell's own processes' VmHWM with
#                                         these `cell run` options
#   bench_cleanup COMMAND [ARG...]       run when the group is done (or the
#                                         script exits): stop what it started
# and add NAME to all_groups below.
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
all_groups=(startup net overlay enter ls oci)

rounds=7
runs=30
warmup=5
cell=$top/build/cell
selected=()

usage() {
	cat <<EOF
Usage: bench/bench.sh [OPTION...]

Time sandbox start-up of cell next to unshare(1) and bwrap(1) (and, in the
oci group, cell oci run next to crun and runc), interleaved round by round,
and report peak memory.

  --rounds N    rounds per group (default $rounds)
  --runs N      timed runs per command per round (default $runs)
  --warmup N    untimed runs per command per round (default $warmup)
  --cell PATH   the cell binary (default build/cell)
  --group NAME  only this comparison group (may be repeated)
  --list        list the groups and exit
  -h, --help    this text

Groups: ${all_groups[*]}
EOF
}

die() {
	echo "bench: $*" >&2
	exit 1
}

posint() { # name value
	[[ $2 =~ ^[1-9][0-9]*$ ]] || die "$1 '$2': expected a positive number"
}

while [ $# -gt 0 ]; do
	case $1 in
	--rounds) [ $# -ge 2 ] || die "--rounds needs a value"; posint "$1" "$2"; rounds=$2; shift 2 ;;
	--runs) [ $# -ge 2 ] || die "--runs needs a value"; posint "$1" "$2"; runs=$2; shift 2 ;;
	--warmup) [ $# -ge 2 ] || die "--warmup needs a value"
		[[ $2 =~ ^[0-9]+$ ]] || die "--warmup '$2': expected a number"; warmup=$2; shift 2 ;;
	--cell) [ $# -ge 2 ] || die "--cell needs a value"; cell=$2; shift 2 ;;
	--group) [ $# -ge 2 ] || die "--group needs a value"; selected+=("$2"); shift 2 ;;
	--list) printf '%s\n' "${all_groups[@]}"; exit 0 ;;
	-h | --help) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done

[ -x "$cell" ] || die "no cell binary at $cell (build it: meson setup build && meson compile -C build, or pass --cell PATH)"
case $cell in /*) ;; *) cell=$PWD/$cell ;; esac
tmp=$(mktemp -d /tmp/cell-bench.XXXXXX)
cleanups=()
run_cleanups() {
	local c
	for c in "${cleanups[@]}"; do eval "$c" >/dev/null 2>&1 || true; done
	cleanups=()
}
trap 'run_cleanups; rm -rf "$tmp"' EXIT

# ---- tools -------------------------------------------------------------

# Install the peers and the measuring tools from apt when missing (root
# only); otherwise say what is missing and carry on without it.
ensure_tools() {
	local missing=()

	command -v bwrap >/dev/null || missing+=(bubblewrap)
	command -v hyperfine >/dev/null || missing+=(hyperfine)
	[ -x /usr/bin/time ] || missing+=(time)
	case " ${selected[*]} " in
	*" oci "*)
		command -v crun >/dev/null || missing+=(crun)
		command -v runc >/dev/null || missing+=(runc)
		command -v jq >/dev/null || missing+=(jq)
		command -v busybox >/dev/null || missing+=(busybox-static)
		;;
	esac
	[ ${#missing[@]} -eq 0 ] && return 0
	if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
		echo "# installing ${missing[*]} (apt-get)"
		export DEBIAN_FRONTEND=noninteractive
		apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1 || {
			apt-get update -qq >/dev/null 2>&1 || true
			apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
				echo "# apt-get could not install ${missing[*]}; going on without" >&2
		}
	else
		echo "# missing: ${missing[*]} (as root: apt-get install ${missing[*]}); going on without" >&2
	fi
}

# ---- registering contenders --------------------------------------------

labels=()   # contenders of the current group, in order; [0] is the baseline
cmds=()     # each a command line quoted with printf %q
hwm_labels=()
hwm_args=() # each a `cell run` option list quoted with printf %q

quote() {
	local out="" a
	for a in "$@"; do out+="$(printf '%q' "$a") "; done
	printf '%s' "${out% }"
}

# bench_cmd LABEL COMMAND [ARG...]: time COMMAND in this group, unless it is
# missing or cannot run here (then say why and leave it out).
bench_cmd() {
	local label=$1; shift
	if ! command -v "$1" >/dev/null 2>&1; then
		echo "# skip $label: $1 is not installed"
		return 0
	fi
	if ! "$@" </dev/null >/dev/null 2>"$tmp/err"; then
		echo "# skip $label: it cannot run here ($(head -n1 "$tmp/err"))"
		return 0
	fi
	labels+=("$label")
	cmds+=("$(quote "$@")")
}

# bench_cell_hwm LABEL [RUN-OPTION...]: report the VmHWM of cell's supervisor
# and init for a sandbox made with these options.
bench_cell_hwm() {
	local label=$1; shift
	hwm_labels+=("$label")
	hwm_args+=("$(quote "$@")")
}

# bench_cleanup COMMAND [ARG...]: run COMMAND once the group is done.
bench_cleanup() {
	cleanups+=("$(quote "$@")")
}

# ---- comparison groups -------------------------------------------------

# Start-up of the default sandbox against the article's bare unshare line
# (all namespaces, fresh /proc) and bubblewrap's nearest equivalent.
group_startup() {
	bench_cmd unshare unshare -U -r -p -f -m -n -i -u -C --mount-proc /bin/true
	bench_cmd cell "$cell" run -- /bin/true
	bench_cmd bwrap bwrap --unshare-all --die-with-parent --new-session \
		--ro-bind / / --proc /proc --dev /dev /bin/true
	bench_cell_hwm "cell run (default)"
}

# What --overlay adds to the default sandbox's start (overlays over /usr and
# /etc on a private tmpfs).
# What the network modes add to the start (veth needs root; a mode
# that cannot run here is left out with the reason).
group_net() {
	bench_cmd "cell" "$cell" run -- /bin/true
	bench_cmd "cell --net veth" "$cell" run --net veth -- /bin/true
	bench_cmd "cell --net user" "$cell" run --net user -- /bin/true
}

group_overlay() {
	bench_cmd "cell" "$cell" run -- /bin/true
	bench_cmd "cell --overlay" "$cell" run --overlay -- /bin/true
}

# start_sleeper VAR RUN-OPTION...: a sandbox running sleep, stopped when the
# group ends; VAR gets the host PID of its command (sleep), or "".
start_sleeper() {
	local _var=$1 _sup _init="" _cmd="" _n
	shift
	"$cell" run "$@" -- /bin/sleep 100000 </dev/null >/dev/null 2>&1 &
	_sup=$!
	bench_cleanup kill -KILL "$_sup"
	for ((_n = 0; _n < 200; _n++)); do
		_init=$(pgrep -P "$_sup" | head -n1 || true)
		[ -n "$_init" ] && _cmd=$(pgrep -P "$_init" | head -n1 || true)
		[ -n "$_cmd" ] && break
		sleep 0.01
	done
	printf -v "$_var" '%s' "$_cmd"
}

# cell enter next to nsenter -a: into a named default sandbox (the filter
# its command loaded comes from the record), into an unnamed one by PID
# (the policy named with --seccomp default, compiled at each enter), and
# into one without a filter.  The named one is made by
# tests/unit/state-helper (next to the cell binary's build) until `cell run
# --name` exists.
group_enter() {
	local pid bare helper
	helper=$(dirname "$cell")/tests/unit/state-helper
	start_sleeper pid
	start_sleeper bare --seccomp none
	[ -n "$pid" ] && [ -n "$bare" ] || { echo "# skip enter: the sandboxes did not start"; return 0; }
	bench_cmd "nsenter -a" nsenter -t "$pid" -a /bin/true
	if [ -x "$helper" ]; then
		mkdir -m 700 "$tmp/state-enter"
		export CELL_STATE_DIR=$tmp/state-enter
		bench_cleanup unset CELL_STATE_DIR
		if "$helper" run --detach bench -- "$cell" run -- /bin/sleep 100000 >/dev/null; then
			# before the unset above runs: name the directory
			bench_cleanup env CELL_STATE_DIR="$tmp/state-enter" "$cell" stop --timeout 0 bench
			bench_cmd "enter NAME" "$cell" enter bench -- /bin/true
		fi
	fi
	bench_cmd "enter --pid" "$cell" enter --pid "$pid" --seccomp default -- /bin/true
	bench_cmd "--pid, no filter" "$cell" enter --pid "$bare" -- /bin/true
}

# cell ls with no sandbox, and with 500 records (made through the state
# API by tests/unit/state-helper, next to the cell binary's build).
group_ls() {
	local helper
	helper=$(dirname "$cell")/tests/unit/state-helper
	[ -x "$helper" ] || { echo "# skip ls: no $helper"; return 0; }
	mkdir -m 700 "$tmp/state-none" "$tmp/state-500"
	CELL_STATE_DIR=$tmp/state-500 "$helper" many 500
	bench_cmd "ls, none" env CELL_STATE_DIR="$tmp/state-none" "$cell" ls
	bench_cmd "ls, 500" env CELL_STATE_DIR="$tmp/state-500" "$cell" ls
	bench_cmd "ls --json, 500" env CELL_STATE_DIR="$tmp/state-500" "$cell" ls --json
}

# cell as an OCI runtime next to crun and runc: `run` of one bundle (a
# busybox-static root, the config of `runc spec` with args ["/bin/true"], no
# terminal, its cgroup at /cell-bench-oci), each runtime with a state
# directory of its own.  crun refuses a hybrid cgroup layout whose v2 mount
# holds a controller (mounting that controller's v1 hierarchy, e.g.
# `mount -t cgroup -o hugetlb cgroup /sys/fs/cgroup/hugetlb`, fixes that);
# it is then left out with its reason, as is a cell without `cell oci`.
group_oci() {
	local b=$tmp/oci-bundle a rootless=
	command -v jq >/dev/null || { echo "# skip oci: jq is missing"; return 0; }
	command -v busybox >/dev/null || { echo "# skip oci: busybox (busybox-static) is missing"; return 0; }
	[ "$(id -u)" -eq 0 ] || rootless=--rootless
	mkdir -p "$b/rootfs/bin" "$b/rootfs/proc" "$b/rootfs/dev" "$b/rootfs/sys" "$b/rootfs/tmp"
	cp "$(command -v busybox)" "$b/rootfs/bin/busybox"
	for a in true sh; do ln -s busybox "$b/rootfs/bin/$a"; done
	if command -v runc >/dev/null; then
		runc spec $rootless --bundle "$b"
	elif command -v crun >/dev/null; then
		(cd "$b" && crun spec $rootless)
	else
		echo "# skip oci: neither runc nor crun is installed (to write the bundle's config)"
		return 0
	fi
	jq '.process.args = ["/bin/true"] | .process.terminal = false
		| .linux.cgroupsPath = "/cell-bench-oci"' "$b/config.json" >"$b/c" &&
		mv "$b/c" "$b/config.json"
	mkdir -p "$tmp/oci-crun" "$tmp/oci-runc" "$tmp/oci-cell"
	bench_cmd crun crun --root "$tmp/oci-crun" run --bundle "$b" cell-bench
	bench_cmd runc runc --root "$tmp/oci-runc" run --bundle "$b" cell-bench
	if "$cell" oci --root "$tmp/oci-cell" features >/dev/null 2>&1; then
		bench_cmd "cell oci" "$cell" oci --root "$tmp/oci-cell" run --bundle "$b" cell-bench
	else
		echo "# skip cell oci: $cell has no oci command (yet)"
	fi
	bench_cleanup rm -rf "$b" "$tmp/oci-crun" "$tmp/oci-runc" "$tmp/oci-cell"
}

# ---- measuring ---------------------------------------------------------

# Median of numbers on stdin.
median() {
	sort -g | awk '{ v[NR] = $1 } END {
		if (NR == 0) { print "nan"; exit }
		if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# One round: time every contender, in the order given by the index list in
# $@, writing "index seconds" lines (median per run) to stdout.
time_round() {
	local i args=()
	if command -v hyperfine >/dev/null; then
		for i in "$@"; do args+=(-n "c$i" "${cmds[$i]}"); done
		hyperfine -N --style none --warmup "$warmup" --runs "$runs" \
			--export-csv "$tmp/round.csv" "${args[@]}" >/dev/null 2>"$tmp/hyperfine.err" || {
			cat "$tmp/hyperfine.err" >&2
			die "hyperfine failed"
		}
		# command,mean,stddev,median,...: names are c<index>, no commas
		awk -F, 'NR > 1 { print substr($1, 2), $4 }' "$tmp/round.csv"
		return
	fi
	local n t0 t1
	for i in "$@"; do
		local -a argv
		eval "argv=(${cmds[$i]})"
		for ((n = 0; n < warmup; n++)); do "${argv[@]}" </dev/null >/dev/null 2>&1 || true; done
		: >"$tmp/samples"
		for ((n = 0; n < runs; n++)); do
			t0=$EPOCHREALTIME
			"${argv[@]}" </dev/null >/dev/null 2>&1 || true
			t1=$EPOCHREALTIME
			echo "$t0 $t1" >>"$tmp/samples"
		done
		printf '%s %s\n' "$i" "$(awk '{ printf "%.6f\n", $2 - $1 }' "$tmp/samples" | median)"
	done
}

# Peak resident set (KiB) of COMMAND's whole process tree, the highest of a
# few runs; "-" without GNU time.
peak_rss() {
	local best=0 v
	[ -x /usr/bin/time ] || { echo -; return; }
	for _ in 1 2 3 4 5; do
		/usr/bin/time -f %M -o "$tmp/rss" "$@" </dev/null >/dev/null 2>&1 || true
		v=$(tail -n1 "$tmp/rss")
		[[ $v =~ ^[0-9]+$ ]] && [ "$v" -gt "$best" ] && best=$v
	done
	echo "$best"
}

status_kib() { # pid field -> its value in KiB, or "?"
	awk -v f="$2:" '$1 == f { print $2; found = 1 } END { if (!found) print "?" }' \
		"/proc/$1/status" 2>/dev/null || echo "?"
}

# VmHWM of cell's supervisor (the process we start) and of its init (its
# only child, PID 1 inside), read from the host while the command sleeps.
# Both have done all their setup by then: init has forked the command.
cell_hwm() { # RUN-OPTION... -> "supervisor init supervisor-anon init-anon" in KiB
	local pid init="" cmd="" n sup="?" ini="?" sup_anon="?" ini_anon="?"
	"$cell" run "$@" -- sleep 5 </dev/null >/dev/null 2>&1 &
	pid=$!
	for ((n = 0; n < 200; n++)); do
		init=$(pgrep -P "$pid" | head -n1 || true)
		[ -n "$init" ] && cmd=$(pgrep -P "$init" | head -n1 || true)
		[ -n "$cmd" ] && break
		sleep 0.02
	done
	if [ -n "$cmd" ]; then
		sup=$(status_kib "$pid" VmHWM)
		ini=$(status_kib "$init" VmHWM)
		sup_anon=$(status_kib "$pid" RssAnon)
		ini_anon=$(status_kib "$init" RssAnon)
	fi
	kill -TERM "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	echo "$sup $ini $sup_anon $ini_anon"
}

kib() { # KiB -> "N KiB (M.MM MiB)"
	case $1 in
	'' | - | '?') echo "$1" ;;
	*) awk -v k="$1" 'BEGIN { printf "%d KiB (%.2f MiB)", k, k / 1024 }' ;;
	esac
}

run_group() {
	local g=$1 r i n order=() out
	labels=() cmds=() hwm_labels=() hwm_args=()
	echo
	echo "== $g"
	"group_$g"
	n=${#labels[@]}
	if [ "$n" -eq 0 ]; then
		echo "# nothing to run in group $g"
		run_cleanups
		return 0
	fi
	echo "# baseline: ${labels[0]}; $rounds rounds of $runs runs (+$warmup warm-up) per command"
	for ((i = 0; i < n; i++)); do echo "#   ${labels[$i]}: ${cmds[$i]}"; done

	# header
	printf '%-7s' round
	for ((i = 0; i < n; i++)); do printf '  %-18s' "${labels[$i]}"; done
	echo
	: >"$tmp/ratios"
	for ((r = 1; r <= rounds; r++)); do
		# rotate the order so no contender always runs first or last
		order=()
		for ((i = 0; i < n; i++)); do order+=($(((i + r - 1) % n))); done
		time_round "${order[@]}" | sort -n >"$tmp/times"
		local -a t=()
		while read -r i s; do t[i]=$s; done <"$tmp/times"
		printf '%-7s' "$r"
		for ((i = 0; i < n; i++)); do
			out=$(awk -v s="${t[$i]}" -v b="${t[0]}" \
				'BEGIN { printf "%6.2f ms %5.2fx", s * 1000, s / b }')
			printf '  %-18s' "$out"
			echo "$i $(awk -v s="${t[$i]}" -v b="${t[0]}" 'BEGIN { print s / b }')" >>"$tmp/ratios"
			echo "$i ${t[$i]}" >>"$tmp/alltimes"
		done
		echo
	done
	printf '%-7s' median
	for ((i = 0; i < n; i++)); do
		local ms ratio
		ms=$(awk -v i="$i" '$1 == i { print $2 }' "$tmp/alltimes" | median)
		ratio=$(awk -v i="$i" '$1 == i { print $2 }' "$tmp/ratios" | median)
		out=$(awk -v s="$ms" -v q="$ratio" 'BEGIN { printf "%6.2f ms %5.2fx", s * 1000, q }')
		printf '  %-18s' "$out"
	done
	echo
	echo "# ratio: a command's median time over ${labels[0]}'s in the same round;"
	echo "# the last line gives the median time and the median of the per-round ratios"
	rm -f "$tmp/alltimes"

	echo
	echo "peak resident memory (whole process tree, GNU time %M, highest of 5 runs):"
	for ((i = 0; i < n; i++)); do
		local -a argv
		eval "argv=(${cmds[$i]})"
		printf '  %-10s %s\n' "${labels[$i]}" "$(kib "$(peak_rss "${argv[@]}")")"
	done
	for ((i = 0; i < ${#hwm_labels[@]}; i++)); do
		local -a opts res
		local sup=0 ini=0 sup_anon="?" ini_anon="?"
		eval "opts=(${hwm_args[$i]})"
		for _ in 1 2 3; do
			read -r -a res <<<"$(cell_hwm "${opts[@]}")"
			if [[ ${res[0]} =~ ^[0-9]+$ ]] && [ "${res[0]}" -gt "$sup" ]; then
				sup=${res[0]} sup_anon=${res[2]}
			fi
			if [[ ${res[1]} =~ ^[0-9]+$ ]] && [ "${res[1]}" -gt "$ini" ]; then
				ini=${res[1]} ini_anon=${res[3]}
			fi
		done
		[ "$sup" -gt 0 ] || sup="?"
		[ "$ini" -gt 0 ] || ini="?"
		echo "cell's own processes, ${hwm_labels[$i]} (VmHWM, highest of 3 runs;"
		echo "anon: RssAnon, the part that is not shared library or binary pages):"
		printf '  %-10s %-22s anon %s KiB\n' supervisor "$(kib "$sup")" "$sup_anon" \
			init "$(kib "$ini")" "$ini_anon"
	done
}

# ---- main --------------------------------------------------------------

[ ${#selected[@]} -gt 0 ] || selected=("${all_groups[@]}")
for g in "${selected[@]}"; do
	declare -F "group_$g" >/dev/null || die "unknown group '$g' (see --list)"
done
ensure_tools

echo "# cell: $cell ($("$cell" --version 2>/dev/null || echo '?'))"
echo "# as: $(id -un) (uid $(id -u)); kernel $(uname -r); $(nproc) CPUs"
if command -v hyperfine >/dev/null; then
	echo "# timer: $(hyperfine --version) -N"
else
	echo "# timer: a bash loop over \$EPOCHREALTIME (no hyperfine)"
fi
for g in "${selected[@]}"; do
	run_group "$g"
	run_cleanups
done
