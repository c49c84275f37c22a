#!/usr/bin/env bats
# cell as an OCI runtime: the parts of config.json that oci.bats does not
# cover — the five kinds of hooks and where each runs, what a hostile
# image cannot do (a symlinked mount destination, device nodes the cgroup
# does not allow), masked and read-only paths, and the fields cell refuses
# by their JSON path instead of ignoring them.
#
# Like oci.bats it runs against OCI_RUNTIME (see oci-helpers.bash):
#   CELL=build/cell CELL_PROBE=build/tests/probe OCI_RUNTIME=runc bats tests/integ/oci-engine.bats

load helpers
load oci-helpers

setup_file() {
	oci_runtime_setup
}

setup() {
	common_setup
	command -v jq >/dev/null || skip "jq is missing (apt-get install jq)"
	need_busybox_static
	[ -x "$OCI_RT" ] || skip "no OCI runtime at $OCI_RT"
	OCI_ID=ociengine-$$-$BATS_TEST_NUMBER
	OCI_STATE=$T/state
	B=$T/bundle
	R=$T/rootfs
	mkdir -p "$B" "$R"
	chmod 755 "$T" "$B" "$R"
	busybox_rootfs "$R"
}

teardown() {
	local id d

	for id in $(ls "${OCI_STATE:-/nonexistent}" 2>/dev/null); do
		"$OCI_RT" --root "$OCI_STATE" delete --force "$id" >/dev/null 2>&1 || true
	done
	for d in /sys/fs/cgroup/*/cell-integ-oci /sys/fs/cgroup/cell-integ-oci; do
		[ -d "$d" ] && rmdir "$d" 2>/dev/null
	done
	common_teardown
}

rt() {
	"$OCI_RT" --root "$OCI_STATE" "$@"
}

# until_true SECONDS COMMAND...: until COMMAND succeeds.
until_true() {
	local n=$(($1 * 100))
	shift
	until "$@" >/dev/null 2>&1; do
		n=$((n - 1))
		[ "$n" -gt 0 ] || { echo "timed out waiting for: $*" >&2; return 1; }
		sleep 0.01
	done
}

# config JQ-FILTER ARG...: config.json for process ARG..., changed by the
# jq filter.
config() {
	local filter=$1
	shift
	oci_config "$R" "$@" | jq "$filter" >"$B/config.json"
}

@test "oci hooks: each kind runs once, in order, with the state on stdin, in the right namespaces" {
	local log=$T/hooks.log
	: >"$log"
	chmod 666 "$log"
	# prestart/createRuntime/poststart/poststop: the runtime's namespaces
	# (the host's hostname, the log file on the host); createContainer: the
	# container's namespaces before pivot_root (the rootfs at its host path)
	# with a path of the host's (a static busybox); startContainer: after,
	# with a path inside the container.
	config "(.root.readonly = false) | .hooks = {
		prestart: [{ path: \"/bin/sh\", args: [\"sh\", \"-c\", \"echo prestart \$(hostname) \$(jq -r .status) >> $log\"] }],
		createRuntime: [{ path: \"/bin/sh\", args: [\"sh\", \"-c\", \"echo createRuntime \$(hostname) \$(jq -r .status) >> $log\"] }],
		createContainer: [{ path: \"$(command -v busybox)\", args: [\"sh\", \"-c\", \"echo createContainer \$(hostname) > $R/cc\"] }],
		startContainer: [{ path: \"/bin/sh\", args: [\"sh\", \"-c\", \"echo startContainer \$(hostname) > /sc\"] }],
		poststart: [{ path: \"/bin/sh\", args: [\"sh\", \"-c\", \"echo poststart \$(jq -r .status) >> $log\"] }],
		poststop: [{ path: \"/bin/sh\", args: [\"sh\", \"-c\", \"echo poststop \$(jq -r .status) >> $log\"] }]
	}" sh -c 'cat /cc /sc'
	run rt run --bundle "$B" "$OCI_ID"
	[ "$status" -eq 0 ]
	# (runc runs it before it sets the hostname; cell after, in the new uts
	# namespace)
	[ "${lines[0]}" = "createContainer oci-test" ] ||
		{ ! oci_is_cell && [ "${lines[0]}" = "createContainer $(hostname)" ]; }
	[ "${lines[1]}" = "startContainer oci-test" ]
	run cat "$log"
	# (runtime-spec: "created" after step 2, these are steps 3 and 4; runc
	# says "creating")
	[ "${lines[0]}" = "prestart $(hostname) created" ] ||
		{ ! oci_is_cell && [ "${lines[0]}" = "prestart $(hostname) creating" ]; }
	[ "${lines[1]}" = "createRuntime $(hostname) created" ] ||
		{ ! oci_is_cell && [ "${lines[1]}" = "createRuntime $(hostname) creating" ]; }
	# (runc says "created" here, its fifo not yet gone)
	[ "${lines[2]}" = "poststart running" ] ||
		{ ! oci_is_cell && [[ "${lines[2]}" =~ ^poststart\ (created|stopped)$ ]]; }
	[ "${lines[3]}" = "poststop stopped" ]
	[ "${#lines[@]}" -eq 4 ]
}

@test "oci hooks: a failing createRuntime hook fails the create and leaves nothing" {
	local nap=$((4000 + $$ % 1000))
	config '.hooks = { createRuntime: [{ path: "/bin/false" }] }' sleep "$nap"
	run rt create --bundle "$B" "$OCI_ID"
	[ "$status" -ne 0 ]
	! oci_is_cell || [[ "$output" == *".hooks.createRuntime[0] /bin/false failed"* ]]
	[ -z "$(ls "$OCI_STATE")" ]
	[ "$(pgrep -fc "^sleep $nap\$" || true)" = 0 ]
	if oci_is_cell && is_root; then
		[ ! -e "/sys/fs/cgroup/memory/cell-integ-oci/$OCI_ID" ]
	fi
}

@test "oci hooks: a hook past its timeout is killed and named" {
	oci_is_cell || skip "runc words this differently"
	config '.hooks = { createRuntime: [{ path: "/bin/sleep", args: ["sleep", "30"], timeout: 1 }] }' true
	run timeout 20 "$OCI_RT" --root "$OCI_STATE" create --bundle "$B" "$OCI_ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *"timed out after 1 s"* ]]
	[ -z "$(ls "$OCI_STATE")" ]
}

@test "oci hooks: a failing poststart or poststop hook is a warning, the next one still runs" {
	# runtime-spec: the runtime logs a warning, the remaining hooks and the
	# lifecycle go on as if the hook had succeeded (runc fails the run)
	oci_is_cell || skip "runc stops at a failing poststart hook"
	local log=$T/hooks.log
	: >"$log"
	config ".hooks = {
		poststart: [{ path: \"/bin/false\" }, { path: \"/bin/sh\", args: [\"sh\", \"-c\", \"echo poststart >> $log\"] }],
		poststop: [{ path: \"/bin/false\" }, { path: \"/bin/sh\", args: [\"sh\", \"-c\", \"echo poststop >> $log\"] }]
	}" true
	run rt run --bundle "$B" "$OCI_ID"
	[ "$status" -eq 0 ]
	! oci_is_cell || [[ "$output" == *".hooks.poststart[0] /bin/false failed"* ]]
	run cat "$log"
	[ "${lines[0]}" = "poststart" ]
	[ "${lines[1]}" = "poststop" ]
	[ "${#lines[@]}" -eq 2 ]
}

@test "oci: a uts namespace joined by path takes the hostname" {
	is_root || skip "joining a uts namespace by path needs root"
	command -v unshare >/dev/null || skip "no unshare"
	local nap=$((5000 + $$ % 1000)) pid
	unshare --uts sleep "$nap" &
	pid=$!
	for _ in $(seq 50); do
		[ "$(readlink /proc/$pid/ns/uts)" != "$(readlink /proc/self/ns/uts)" ] && break
		sleep 0.1
	done
	config "(.linux.namespaces[] | select(.type == \"uts\")) += { path: \"/proc/$pid/ns/uts\" }" hostname
	run rt run --bundle "$B" "$OCI_ID"
	local host
	host=$(nsenter -t "$pid" -u hostname)
	kill "$pid"
	[ "$status" -eq 0 ]
	[ "$output" = "oci-test" ]
	[ "$host" = "oci-test" ]
	[ "$(hostname)" != "oci-test" ]
}

@test "oci: a mount destination through a symlink in the image never reaches the host" {
	# the image links /evil to a host directory: the tmpfs must land in the
	# container (runc) or be refused (cell: the link dangles inside the
	# root), never on the host
	local victim=$T/victim
	mkdir -p "$victim"
	ln -s "$victim" "$R/evil"
	config '.mounts += [{ destination: "/evil/x", type: "tmpfs", source: "tmpfs" }]' \
		sh -c 'echo inside > /evil/x/f && cat /evil/x/f'
	run rt run --bundle "$B" "$OCI_ID"
	[ ! -e "$victim/x" ]
	if oci_is_cell; then
		[ "$status" -ne 0 ]
		[[ "$output" == *"mount point /evil/x: No such file or directory"* ]]
		[ -z "$(ls "$OCI_STATE")" ]
	fi
	# a link that resolves inside the root is followed inside it
	rm "$R/evil"
	mkdir -p "$R/real"
	ln -s /real "$R/evil"
	run rt run --bundle "$B" "$OCI_ID"
	[ "$status" -eq 0 ]
	[ "$output" = inside ]
	[ ! -e "$victim/x" ]
}

@test "oci: masked and read-only paths, and a read-only root" {
	config '.' sh -c 'cat /proc/keys /proc/timer_list | wc -c; echo x > /proc/sys/kernel/hostname; echo rc=$?; touch /newfile; echo rc=$?'
	run rt run --bundle "$B" "$OCI_ID"
	[ "${lines[0]}" = 0 ]
	[[ "$output" == *"Read-only file system"* ]]
	[ "$(grep -c 'rc=1' <<<"$output")" = 2 ]
	[ ! -e "$R/newfile" ]
}

@test "oci: as root, the device cgroup keeps the container off devices it does not allow" {
	need_root
	# CAP_MKNOD inside, as podman gives it: the node can be made but not
	# opened, because only the default devices are allowed
	config '.process.capabilities |= with_entries(.value += ["CAP_MKNOD"])
		| .linux.resources = { devices: [{ allow: false, access: "rwm" }] }' \
		sh -c 'mknod /dev/sda1 b 8 1; head -c1 /dev/sda1 >/dev/null; echo rc=$?; head -c1 /dev/zero | wc -c'
	run rt run --bundle "$B" "$OCI_ID"
	[[ "$output" == *"rc=1"* ]]
	[[ "$output" == *"Operation not permitted"* ]]
	[ "${lines[-1]}" = 1 ]
}

@test "oci: what cell cannot do is refused with its JSON path" {
	oci_is_cell || skip "runc accepts or words these differently"
	local f
	for f in '.process.apparmorProfile = "x"' '.process.selinuxLabel = "x"' \
		'.linux.intelRdt = { closID: "x" }' '.linux.mountLabel = "x"' \
		'.linux.resources = { blockIO: { throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 1 }] } }' \
		'.linux.namespaces = ([.linux.namespaces[] | select(.type != "user")] + [{ type: "user", path: "/proc/1/ns/user" }])'; do
		config "$f" true
		# (into a file: a create that worked would hold bats' pipe open)
		status=0
		"$OCI_RT" --root "$OCI_STATE" create --bundle "$B" "$OCI_ID" </dev/null \
			>"$T/out" 2>&1 || status=$?
		output=$(cat "$T/out")
		[ "$status" -ne 0 ]
		[[ "$output" == *"cell: ."* ]]
		[ -z "$(ls "$OCI_STATE" 2>/dev/null)" ]
	done
}

@test "oci: the process's capability sets, ids and groups are the config's" {
	# root keeps its permitted set across exec; a uid 1000 process keeps
	# only what is ambient
	config '.process.user = { uid: 0, gid: 0 }
		| .process.capabilities = { bounding: ["CAP_CHOWN", "CAP_KILL"], effective: ["CAP_KILL"],
			permitted: ["CAP_CHOWN", "CAP_KILL"], inheritable: [], ambient: [] }' \
		sh -c 'grep -E "^(CapBnd|CapPrm|CapInh|CapAmb|NoNewPrivs)" /proc/self/status'
	run rt run --bundle "$B" "$OCI_ID"
	[ "$status" -eq 0 ]
	[[ "$output" == *"CapBnd:	0000000000000021"* ]]
	[[ "$output" == *"CapPrm:	0000000000000021"* ]]
	[[ "$output" == *"CapInh:	0000000000000000"* ]]
	[[ "$output" == *"CapAmb:	0000000000000000"* ]]
	[[ "$output" == *"NoNewPrivs:	1"* ]]
	is_root || skip "the rest needs ids other than the caller's (root)"
	config '.process.user = { uid: 1000, gid: 1000, additionalGids: [7, 9] }
		| .process.capabilities = { bounding: ["CAP_CHOWN", "CAP_KILL"], effective: ["CAP_KILL"],
			permitted: ["CAP_KILL"], inheritable: ["CAP_KILL"], ambient: ["CAP_KILL"] }' \
		sh -c 'echo ids $(id -u) $(id -g); grep -E "^(CapBnd|CapEff|CapPrm|CapAmb|Groups)" /proc/self/status'
	run rt run --bundle "$B" "$OCI_ID"
	[ "$status" -eq 0 ]
	[[ "$output" == *"ids 1000 1000"* ]]
	[[ "$output" == *"Groups:	7 9"* ]]
	[[ "$output" == *"CapBnd:	0000000000000021"* ]]
	[[ "$output" == *"CapEff:	0000000000000020"* ]]
	[[ "$output" == *"CapPrm:	0000000000000020"* ]]
	[[ "$output" == *"CapAmb:	0000000000000020"* ]]
}

@test "oci: hugepage and kernel TCP limits land in the cgroup; kernel memory is ignored aloud" {
	need_root
	[ -e /sys/fs/cgroup/hugetlb/hugetlb.2MB.limit_in_bytes ] ||
		skip "no v1 hugetlb hierarchy with 2 MB pages here"
	config '.linux.resources = { hugepageLimits: [{ pageSize: "2MB", limit: 4194304 }],
			memory: { kernelTCP: 8388608 } }
		| .linux.cgroupsPath = "/cell-integ-oci/'"$OCI_ID"'"' sleep 100
	rt create --bundle "$B" "$OCI_ID" </dev/null >/dev/null 2>"$T/err"
	[ "$(cat /sys/fs/cgroup/hugetlb/cell-integ-oci/$OCI_ID/hugetlb.2MB.limit_in_bytes)" = 4194304 ]
	# (runc 1.1 dropped kernel TCP limits)
	! oci_is_cell ||
		[ "$(cat /sys/fs/cgroup/memory/cell-integ-oci/$OCI_ID/memory.kmem.tcp.limit_in_bytes)" = 8388608 ]
	rt delete --force "$OCI_ID"
	# a page size the host does not have is refused, by name
	config '.linux.resources = { hugepageLimits: [{ pageSize: "3MB", limit: 4194304 }] }' true
	status=0
	"$OCI_RT" --root "$OCI_STATE" create --bundle "$B" "$OCI_ID" </dev/null >"$T/out" 2>&1 ||
		status=$?
	[ "$status" -ne 0 ]
	! oci_is_cell || grep -q 'no huge page size "3MB"' "$T/out"
	[ -z "$(ls "$OCI_STATE")" ]
	oci_is_cell || return 0
	# memory.kernel: deprecated, enforced by no kernel now: a warning
	config '.linux.resources = { memory: { kernel: 1048576 } }' true
	run rt run --bundle "$B" "$OCI_ID"
	[ "$status" -eq 0 ]
	[[ "$output" == *"warning: .linux.resources.memory.kernel: ignored"* ]]
}

@test "oci: a create killed mid-way leaves what delete --force cleans up" {
	oci_is_cell || skip "runc leaves this to its own checks"
	# the createRuntime hook holds create while the container's mounts are
	# made: kill -9 create then
	config '.hooks = { createRuntime: [{ path: "/bin/sh", args: ["sh", "-c", "sleep 30"] }] }' \
		sleep 100
	"$OCI_RT" --root "$OCI_STATE" create --bundle "$B" "$OCI_ID" </dev/null >/dev/null 2>&1 &
	local pid=$!
	wait_for "$OCI_STATE/$OCI_ID/state.json" 5
	until_true 5 pgrep -f "^sh -c sleep 30"
	kill -9 "$pid"
	wait "$pid" || true
	pkill -f "^sh -c sleep 30" || true
	# the container's process dies with create (parent-death signal)
	until_true 5 eval "! pgrep -f '^$OCI_RT --root $OCI_STATE create'"
	run rt state "$OCI_ID"
	[[ "$output" == *'"status": "stopped"'* || "$output" == *'"status": "creating"'* ]]
	run rt delete --force "$OCI_ID"
	[ "$status" -eq 0 ]
	[ -z "$(ls "$OCI_STATE")" ]
	if is_root; then
		[ ! -e "/sys/fs/cgroup/memory/cell-integ-oci/$OCI_ID" ]
	fi
}

@test "oci: tmpcopyup: a tmpfs that starts with the image's files, the image untouched" {
	mkdir -p "$R/var/cache/sub"
	echo kept >"$R/var/cache/sub/file"
	ln -s file "$R/var/cache/sub/link"
	chmod 1777 "$R/var/cache"
	config '.mounts += [{ destination: "/var/cache", type: "tmpfs", source: "tmpfs",
			options: ["tmpcopyup", "nosuid", "nodev"] }]' \
		sh -c 'cat /var/cache/sub/link; stat -c %a /var/cache; echo new >/var/cache/n && cat /var/cache/n'
	run rt run --bundle "$B" "$OCI_ID"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = kept ]
	[ "${lines[1]}" = 1777 ]
	[ "${lines[2]}" = new ]
	[ ! -e "$R/var/cache/n" ]
}
