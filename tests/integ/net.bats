#!/usr/bin/env bats
# net.bats - `cell net`: named network namespaces shared with ip-netns(8),
# veth links (addresses, routes, MTU, idempotence, rollback), gc, bad input,
# and the refusal an unprivileged caller gets.
#
# Every test builds its own topology under a unique name prefix, talks only
# to addresses inside namespaces it made (10.N.x.y, fd42:...) or on its own
# links, and its teardown removes all of it and checks that `ip link` and
# `ip netns` are back to what they were.  `ip` only looks from outside (and
# sets up test fixtures); cell itself never runs it.

: "${CELL_PROBE:=/bin/true}" # helpers.bash wants one; these tests need none
load helpers

# Interface and namespace names of this host, one per line.
net_state() {
	ip -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' | sort
	echo "--- namespaces"
	ip netns list | awk '{ print $1 }' | sort
}

setup() {
	common_setup
	P="c$$-${BATS_TEST_NUMBER}-"
	A="${P}a"
	B="${P}b"
	# 10.N.0.0/16 for this test's IPv4, fd42:PID:N::/48 for IPv6.
	N=$(((($$ + BATS_TEST_NUMBER) % 200) + 20))
	V4="10.$N"
	V6="fd42:$(printf %x $(($$ % 65536))):$BATS_TEST_NUMBER"
	if ip -4 route show | grep -q "^10\.$N\."; then
		skip "10.$N.0.0/16 is in use on this host"
	fi
	BEFORE=$(net_state)
	printf '%s\n' \
		'import socket, sys, time' \
		'mode, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])' \
		'fam = socket.AF_INET6 if ":" in host else socket.AF_INET' \
		'if mode == "serve":' \
		'    s = socket.socket(fam, socket.SOCK_STREAM)' \
		'    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)' \
		'    s.bind((host, port)); s.listen(1); s.settimeout(10)' \
		'    print("listening", flush=True)' \
		'    c, _ = s.accept(); c.sendall(c.recv(100)); c.close()' \
		'else:' \
		'    end = time.time() + 5' \
		'    while True:' \
		'        try:' \
		'            c = socket.create_connection((host, port), timeout=2); break' \
		'        except OSError:' \
		'            if time.time() > end: raise' \
		'            time.sleep(0.05)' \
		'    c.sendall(sys.argv[4].encode()); print(c.recv(100).decode())' >"$T/echo.py"
}

# Remove whatever this test made, then check that the host is as it was.
teardown() {
	local ns l

	common_teardown
	if is_root; then
		for ns in $(ip netns list | awk '{ print $1 }' | grep "^$P" || true); do
			ip netns del "$ns" 2>/dev/null || true
		done
		# host ends cell marked for this test's namespaces
		for l in $(ip -o -d link show | awk -v p=":$P" \
			'index($0, "alias cell:net:") && index($0, p) { sub(/@.*/, "", $2); print $2 }'); do
			ip link del "$l" 2>/dev/null || true
		done
		ip link del "t$P" 2>/dev/null || true
		ip link del "s$P" 2>/dev/null || true
	fi
	if [ -n "${BEFORE:-}" ]; then
		assert_eq "$(net_state)" "$BEFORE" "ip link and ip netns after the test"
	fi
}

ping1() { busybox ping -c1 -W1 "$@" >/dev/null; }

# hold NS: keep a process inside NS (so the namespace outlives its name).
hold() {
	"$CELL" net exec "$1" sh -c "echo in >'$T/held-$1'; exec sleep 60" &
	PIDS_TO_KILL+=($!)
	wait_for "$T/held-$1" 10
}

# The name of the host end cell made for namespace $1.
host_end() {
	ip -o -d link show | awk -v want="$1" '
		match($0, /alias cell:net:[0-9a-f]+:/) {
			rest = substr($0, RSTART + RLENGTH)
			sub(/ .*/, "", rest)
			if (rest == want) { sub(/@.*/, "", $2); print $2 }
		}'
}

# tcp_echo SERVER_NS ADDR CLIENT_NS: a TCP round trip from CLIENT_NS (or the
# host when "-") to a server in SERVER_NS (or the host when "-") on ADDR.
tcp_echo() {
	local sns=$1 addr=$2 cns=$3 port=$((7000 + BATS_TEST_NUMBER)) srv=() cli=()

	[ "$sns" = - ] || srv=("$CELL" net exec "$sns" --)
	[ "$cns" = - ] || cli=("$CELL" net exec "$cns" --)
	"${srv[@]}" "$PYTHON" "$T/echo.py" serve "$addr" "$port" >"$T/srv.out" 2>&1 &
	PIDS_TO_KILL+=($!)
	wait_for_line "$T/srv.out" listening 5
	run "${cli[@]}" "$PYTHON" "$T/echo.py" connect "$addr" "$port" "hello-$MARK"
	[ "$status" -eq 0 ] || { echo "$output"; cat "$T/srv.out"; return 1; }
	assert_eq "$output" "hello-$MARK" "echo over TCP"
}

# ---- help and bad input: the same for every user ---------------------------

@test "net: help for the command and every verb" {
	run "$CELL" net --help
	[ "$status" -eq 0 ]
	assert_contains "$output" "Usage: cell net COMMAND"
	for v in add del ls exec link unlink gc; do
		run "$CELL" net "$v" --help
		[ "$status" -eq 0 ] || { echo "$v: $output"; return 1; }
		assert_contains "$output" "Usage: cell net $v"
	done
	run "$CELL" help net
	[ "$status" -eq 0 ]
	assert_contains "$output" "Usage: cell net"
	run "$CELL" net
	[ "$status" -eq 125 ]
}

@test "net: unknown verb, unknown option, missing name or value" {
	run_bad "unknown command 'bogus'" -- net bogus
	run_bad "unknown option --bogus" -- net add --bogus "$A"
	run_bad "unknown option --bogus" -- net link "$A" --bogus
	run_bad "no namespace name" -- net add
	run_bad "no namespace name" -- net link --addr "$V4.1.1/24" --peer-addr "$V4.1.2/24"
	run_bad "--addr needs a value" -- net link "$A" --addr
	run_bad "one name only" -- net del "$A" "$B"
	run_bad "no command given" -- net exec "$A"
}

@test "net: bad CIDR" {
	local c

	for c in "$V4.1.1" "$V4.1.1/33" "$V4.1/24" "300.1.1.1/24" "$V4.1.1/024" "$V4.1.1/x" \
		"fd42::1/129" "host/24" ""; do
		run_bad "--addr '$c' is not ADDRESS/PREFIX" -- \
			net link "$A" --addr "$c" --peer-addr "$V4.1.2/24"
	done
	run_bad "--peer-addr" "not ADDRESS/PREFIX" -- net link "$A" --addr "$V4.1.1/24" --peer-addr 1.2.3
	run_bad "--route" "neither 'default' nor ADDRESS/PREFIX" -- \
		net link "$A" --addr "$V4.1.1/24" --peer-addr "$V4.1.2/24" --route nowhere
	run_bad "route $V4.9.1/24 has host bits set" -- \
		net link "$A" --addr "$V4.1.1/24" --peer-addr "$V4.1.2/24" --route "$V4.9.1/24"
	run_bad "shares no subnet" -- net link "$A" --addr "$V4.1.1/24" --peer-addr "$V4.2.2/24"
	run_bad "is on both ends" -- net link "$A" --addr "$V4.1.1/24" --peer-addr "$V4.1.1/24"
	run_bad "--route default needs --addr and --peer-addr of one family" -- \
		net link "$A" --addr "$V6::1/64" --peer-addr "$V4.1.2/24" --route default
	run_bad "route default (IPv6) needs IPv6 addresses" -- \
		net link "$A" --addr "$V4.1.1/24" --peer-addr "$V4.1.2/24" --addr "$V6::1/64" \
		--route ::/0
}

@test "net: MTU out of range" {
	run_bad "--mtu '67' out of range (68..65535)" -- \
		net link "$A" --addr "$V4.1.1/24" --peer-addr "$V4.1.2/24" --mtu 67
	run_bad "--mtu '65536' out of range" -- \
		net link "$A" --addr "$V4.1.1/24" --peer-addr "$V4.1.2/24" --mtu 65536
	run_bad "--mtu 'lots' out of range" -- \
		net link "$A" --addr "$V4.1.1/24" --peer-addr "$V4.1.2/24" --mtu lots
	run_bad "MTU 1000 is too small for IPv6 (at least 1280)" -- \
		net link "$A" --addr "$V6::1/64" --peer-addr "$V6::2/64" --mtu 1000
}

@test "net: names too long or not allowed" {
	local long

	long=$(printf 'n%.0s' $(seq 256))
	run_bad "namespace name too long (256 bytes, at most 255)" -- net add "$long"
	run_bad "namespace name too long" -- net exec "$long" true
	run_bad "'a/b' is not a namespace name" -- net add a/b
	run_bad "'..' is not a namespace name" -- net del ..
	run_bad "--host-if '${P}0123456789abc' is too long (at most 15 bytes)" -- \
		net link "$A" --host-if "${P}0123456789abc" --addr "$V4.1.1/24" --peer-addr "$V4.1.2/24"
	run_bad "peer interface name 'a:b' is not a valid interface name" -- \
		net link "$A" --peer-if a:b --addr "$V4.1.1/24" --peer-addr "$V4.1.2/24"
	run_bad "--to must name another namespace" -- \
		net link "$A" --to "$A" --addr "$V4.1.1/24" --peer-addr "$V4.1.2/24"
	# The mark "cell:net:HASH:NAME" must fit in an interface alias.
	long=$(printf 'n%.0s' $(seq 240))
	run_bad "namespace name too long for a link" -- \
		net link "$long" --addr "$V4.1.1/24" --peer-addr "$V4.1.2/24"
}

# ---- unprivileged callers --------------------------------------------------

@test "net as a user: every change is refused with one clear line" {
	need_user
	run_bad "net add needs root" "named network namespaces" -- net add "$A"
	run_bad "net del needs root" -- net del "$A"
	run_bad "net link needs root" "host-side links" -- \
		net link "$A" --addr "$V4.1.1/24" --peer-addr "$V4.1.2/24"
	run_bad "net unlink needs root" -- net unlink "$A"
	run_bad "net gc needs root" -- net gc
	run_bad "net exec needs root" -- net exec "$A" true
	[ ! -e "/run/netns/$A" ]
}

@test "net ls as a user: names only, links unknown" {
	need_user
	run "$CELL" net ls
	[ "$status" -eq 0 ]
	run "$CELL" net ls --json
	[ "$status" -eq 0 ]
	echo "$output" | "$PYTHON" -c '
import json, sys
for ns in json.load(sys.stdin):
    assert ns["links"] is None, ns'
}

# ---- named namespaces --------------------------------------------------------

@test "net add: ip netns sees it, lo is up, ls lists it, del removes it" {
	need_root
	run "$CELL" net add "$A"
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	[ -z "$output" ]
	ip netns list | grep -qx "$A\( (id: [0-9]*)\)\?"
	run ip netns exec "$A" ip -o link show lo
	assert_contains "$output" "UP"
	# only lo inside
	assert_eq "$(ip netns exec "$A" ip -o link show | wc -l)" 1 "links in a new namespace"
	# /run/netns is a shared mount point, as iproute2 makes it
	assert_eq "$(findmnt -n -o PROPAGATION /run/netns)" shared "propagation of /run/netns"
	run "$CELL" net ls
	[ "$status" -eq 0 ]
	assert_contains "$output" "$A"
	assert_contains "$output" "127.0.0.1/8"
	run "$CELL" net del "$A"
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	! ip netns list | grep -q "^$A\b"
	[ ! -e "/run/netns/$A" ]
}

@test "net add: an existing name is refused and left alone" {
	need_root
	"$CELL" net add "$A"
	ino=$(stat -L -c %i "/run/netns/$A")
	run_bad "network namespace '$A' already exists" -- net add "$A"
	assert_eq "$(stat -L -c %i "/run/netns/$A")" "$ino" "the namespace after a refused add"
	"$CELL" net del "$A"
}

@test "net: a missing namespace is named in the error" {
	need_root
	run_bad "no network namespace '$A'" -- net del "$A"
	run_bad "no network namespace '$A'" -- net exec "$A" true
	run_bad "no network namespace '$A'" -- \
		net link "$A" --addr "$V4.1.1/24" --peer-addr "$V4.1.2/24"
	"$CELL" net add "$B"
	run_bad "no network namespace '$A'" -- \
		net link "$B" --to "$A" --addr "$V4.1.1/24" --peer-addr "$V4.1.2/24"
	run_bad "no network namespace '$A'" -- net unlink "$B" --to "$A"
	run_bad "no link to it made by cell" -- net unlink "$B"
	"$CELL" net del "$B"
}

@test "net exec and ip netns exec: each enters the other's namespaces" {
	need_root
	ip netns add "$A"
	"$CELL" net add "$B"
	# cell enters ip's: lo is down there (ip does not bring it up)
	run "$CELL" net exec "$A" -- ip -o link show
	[ "$status" -eq 0 ]
	assert_eq "$(echo "$output" | wc -l)" 1 "links seen by cell net exec"
	assert_contains "$output" "lo:"
	# /sys is the namespace's own, as with ip netns exec
	run "$CELL" net exec "$A" ls /sys/class/net
	assert_eq "$output" "lo" "/sys/class/net inside"
	# ip enters cell's, and sees lo up
	run ip netns exec "$B" ip -o link show lo
	assert_contains "$output" "UP"
	# same namespace whichever way in
	assert_eq "$("$CELL" net exec "$B" readlink /proc/self/ns/net)" \
		"$(ip netns exec "$B" readlink /proc/self/ns/net)" "namespace entered"
	# ls lists both; cell deletes ip's, ip deletes cell's
	run "$CELL" net ls --json
	echo "$output" | "$PYTHON" -c '
import json, sys
names = {ns["name"]: ns for ns in json.load(sys.stdin)}
assert sys.argv[1] in names and sys.argv[2] in names, names
lo = names[sys.argv[2]]["links"][0]
assert lo["name"] == "lo" and lo["up"] and "127.0.0.1/8" in lo["addresses"], lo' "$A" "$B"
	"$CELL" net del "$A"
	ip netns del "$B"
}

@test "net exec: the command's status; 127 when not found" {
	need_root
	"$CELL" net add "$A"
	run "$CELL" net exec "$A" -- sh -c 'exit 7'
	[ "$status" -eq 7 ]
	run -127 --separate-stderr "$CELL" net exec "$A" -- "nonexistent-$MARK"
	[ "$status" -eq 127 ]
	assert_contains "$stderr" "cell: net exec $A: nonexistent-$MARK"
	# /etc/netns/NAME files cover /etc's, as with ip netns exec
	mkdir -p "/etc/netns/$A"
	echo "nameserver 10.$N.0.53" >"/etc/netns/$A/resolv.conf"
	run "$CELL" net exec "$A" cat /etc/resolv.conf
	rm -rf "/etc/netns/$A"
	assert_eq "$output" "nameserver 10.$N.0.53" "resolv.conf inside"
	"$CELL" net del "$A"
}

# ---- links -------------------------------------------------------------------

@test "net link: addresses, routes, up; ping and TCP both ways with the host end" {
	need_root
	"$CELL" net add "$A"
	run "$CELL" net link "$A" --addr "$V4.1.1/24" --peer-addr "$V4.1.2/24" --route default
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	h=$(host_end "$A")
	[ -n "$h" ]
	# the host end: marked, up, addressed; the peer never showed on the host
	ip -d link show "$h" | grep -q "alias cell:net:[0-9a-f]\{8\}:$A$"
	ip -o addr show dev "$h" | grep -q "inet $V4.1.1/24"
	ip -o link show "$h" | grep -q "state UP"
	ip -o link show "$h" | grep -q "link-netns $A"
	# inside: eth0 with its address, the default route through the host end
	run "$CELL" net exec "$A" ip -o addr show dev eth0
	assert_contains "$output" "inet $V4.1.2/24"
	run "$CELL" net exec "$A" ip route show default
	assert_contains "$output" "default via $V4.1.1 dev eth0"
	ping1 "$V4.1.2"
	"$CELL" net exec "$A" busybox ping -c1 -W1 "$V4.1.1" >/dev/null
	tcp_echo "$A" "$V4.1.2" -
	tcp_echo - "$V4.1.1" "$A"
	"$CELL" net unlink "$A"
	"$CELL" net del "$A"
}

@test "net link: a second run with the same options changes nothing" {
	need_root
	"$CELL" net add "$A"
	args=(--addr "$V4.1.1/24" --peer-addr "$V4.1.2/24" --addr "$V6::1/64" --peer-addr "$V6::2/64"
		--route default --route "$V4.200.0/24" --mtu 1400)
	"$CELL" net link "$A" "${args[@]}"
	h=$(host_end "$A")
	snap() {
		ip -d link show "$h" | grep -v "link/ether"
		ip -o addr show dev "$h" | grep -v " fe80:"
		"$CELL" net exec "$A" sh -c 'ip -d link show eth0; ip -o addr show dev eth0 | grep -v " fe80:"; ip route; ip -6 route | grep -v ^fe80'
	}
	before=$(snap)
	run "$CELL" net link "$A" "${args[@]}"
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	[ -z "$output" ]
	assert_eq "$(snap)" "$before" "links, addresses and routes after the second run"
	# other settings: refused, and the link stays as it was
	run_bad "is already there with other settings (unlink it first)" -- \
		net link "$A" --addr "$V4.1.1/24" --peer-addr "$V4.1.3/24"
	run_bad "already linked through $h with other settings" -- \
		net link "$A" --host-if "t$P" --addr "$V4.1.1/24" --peer-addr "$V4.1.2/24"
	assert_eq "$(snap)" "$before" "links, addresses and routes after refused runs"
	# the IPv6 side works at once (no duplicate address detection)
	"$CELL" net exec "$A" busybox ping -c1 -W1 "$V6::1" >/dev/null
	"$CELL" net unlink "$A"
	"$CELL" net del "$A"
}

@test "net link --to: two namespaces, ping and TCP both ways, IPv4 and IPv6, MTU" {
	need_root
	"$CELL" net add "$A"
	"$CELL" net add "$B"
	run "$CELL" net link "$A" --to "$B" --addr "$V4.2.1/24" --peer-addr "$V4.2.2/24" \
		--addr "$V6::1/64" --peer-addr "$V6::2/64" --mtu 1300 --route default
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	# nothing of it on the host
	assert_eq "$(host_end "$A")" "" "host ends on the host"
	# each end is named after the namespace it leads to
	run "$CELL" net exec "$A" ip -o link show "vn-$B"
	assert_contains "$output" "mtu 1300"
	run "$CELL" net exec "$B" ip -o -d link show "vn-$A"
	assert_contains "$output" "mtu 1300"
	assert_contains "$output" "alias cell:net:"
	"$CELL" net exec "$A" busybox ping -c1 -W1 "$V4.2.1" >/dev/null
	"$CELL" net exec "$B" busybox ping -c1 -W1 "$V4.2.2" >/dev/null
	"$CELL" net exec "$A" busybox ping -c1 -W1 "$V6::1" >/dev/null
	"$CELL" net exec "$B" busybox ping -c1 -W1 "$V6::2" >/dev/null
	tcp_echo "$A" "$V4.2.2" "$B"
	tcp_echo "$B" "$V4.2.1" "$A"
	tcp_echo "$A" "$V6::2" "$B"
	# the default route inside A leads through B: an address that only B
	# has (the test's own fixture) answers
	ip netns exec "$B" ip addr add "$V4.99.1/32" dev lo
	"$CELL" net exec "$A" busybox ping -c1 -W1 "$V4.99.1" >/dev/null
	"$CELL" net unlink "$A" --to "$B"
	run "$CELL" net exec "$B" ip -o link show
	assert_eq "$(echo "$output" | wc -l)" 1 "links left in $B"
	"$CELL" net del "$A"
	"$CELL" net del "$B"
}

@test "net unlink: both ends go; the namespace stays; a second unlink fails" {
	need_root
	"$CELL" net add "$A"
	"$CELL" net link "$A" --addr "$V4.3.1/24" --peer-addr "$V4.3.2/24"
	h=$(host_end "$A")
	[ -n "$h" ]
	run "$CELL" net unlink "$A"
	[ "$status" -eq 0 ]
	! ip link show "$h" 2>/dev/null
	run "$CELL" net exec "$A" ip -o link show
	assert_eq "$(echo "$output" | wc -l)" 1 "links left inside"
	! ip -4 route show | grep -q "^$V4\.3\."
	run_bad "net unlink $A: no link to it made by cell on the host" -- net unlink "$A"
	# and it can be linked again
	"$CELL" net link "$A" --addr "$V4.3.1/24" --peer-addr "$V4.3.2/24"
	ping1 "$V4.3.2"
	"$CELL" net del "$A"
}

@test "net link: a failure half-way removes the pair and says why" {
	need_root
	"$CELL" net add "$A"
	# The kernel refuses the inside address only after the pair exists.
	ip netns exec "$A" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1
	run_bad "net link $A: add address $V6::2/64 to eth0" "IPv6 is disabled on this device" -- \
		net link "$A" --addr "$V6::1/64" --peer-addr "$V6::2/64"
	assert_eq "$(host_end "$A")" "" "host end after the failure"
	run "$CELL" net exec "$A" ip -o link show
	assert_eq "$(echo "$output" | wc -l)" 1 "links inside after the failure"
	"$CELL" net del "$A"
}

@test "net link: existing interface or route inside is refused, nothing left" {
	need_root
	"$CELL" net add "$A"
	"$CELL" net add "$B"
	run_bad "the namespace already has an interface lo" -- \
		net link "$A" --peer-if lo --addr "$V4.4.1/24" --peer-addr "$V4.4.2/24"
	ip link add "t$P" type veth peer name "u$P"
	run_bad "interface t$P already exists" -- \
		net link "$A" --host-if "t$P" --addr "$V4.4.1/24" --peer-addr "$V4.4.2/24"
	ip link del "t$P"
	# A already has a default route: a second one, through B, is refused
	# and the new pair removed again.
	"$CELL" net link "$A" --addr "$V4.4.1/24" --peer-addr "$V4.4.2/24" --route default
	run_bad "already has a route default (IPv4) through another link or gateway" -- \
		net link "$A" --to "$B" --addr "$V4.5.1/24" --peer-addr "$V4.5.2/24" --route default
	run "$CELL" net exec "$B" ip -o link show
	assert_eq "$(echo "$output" | wc -l)" 1 "links in $B after the refusal"
	"$CELL" net del "$A"
	"$CELL" net del "$B"
}

@test "net del: removes cell's links to the namespace too" {
	need_root
	"$CELL" net add "$A"
	"$CELL" net add "$B"
	"$CELL" net link "$A" --addr "$V4.6.1/24" --peer-addr "$V4.6.2/24"
	"$CELL" net link "$A" --to "$B" --addr "$V4.7.1/24" --peer-addr "$V4.7.2/24"
	h=$(host_end "$A")
	# a process holds A, so only cell can remove the links
	hold "$A"
	"$CELL" net del "$A"
	! ip link show "$h" 2>/dev/null
	run "$CELL" net exec "$B" ip -o link show
	assert_eq "$(echo "$output" | wc -l)" 1 "links left in $B"
	"$CELL" net del "$B"
}

@test "net gc: removes cell's links whose namespace is gone, and nothing else" {
	need_root
	"$CELL" net add "$A"
	"$CELL" net add "$B"
	"$CELL" net link "$A" --addr "$V4.8.1/24" --peer-addr "$V4.8.2/24"
	"$CELL" net link "$B" --addr "$V4.9.1/24" --peer-addr "$V4.9.2/24"
	ha=$(host_end "$A")
	hb=$(host_end "$B")
	# not cell's: a veth with an alias of its own, and one with none
	ip link add "t$P" type veth peer name "u$P"
	ip link set "t$P" alias "my link to $A"
	# A's name goes away behind cell's back while a process holds it
	hold "$A"
	umount -l "/run/netns/$A"
	rm "/run/netns/$A"
	ip link show "$ha" >/dev/null
	run "$CELL" net gc
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	assert_contains "$output" "removed $ha (cell:net:"
	assert_contains "$output" "its network namespace is gone"
	assert_not_contains "$output" "$hb"
	! ip link show "$ha" 2>/dev/null
	ip link show "$hb" >/dev/null
	ip link show "t$P" >/dev/null
	ping1 "$V4.9.2"
	# nothing more to do
	run "$CELL" net gc
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	ip link del "t$P"
	"$CELL" net del "$B"
}

@test "net gc: a name that now means another namespace" {
	need_root
	"$CELL" net add "$A"
	"$CELL" net link "$A" --addr "$V4.10.1/24" --peer-addr "$V4.10.2/24"
	ha=$(host_end "$A")
	hold "$A"
	ip netns del "$A"
	ip netns add "$A"
	run "$CELL" net gc
	assert_contains "$output" "removed $ha"
	assert_contains "$output" "now means another namespace"
	! ip link show "$ha" 2>/dev/null
	# and a new link to the new namespace works
	"$CELL" net link "$A" --addr "$V4.10.1/24" --peer-addr "$V4.10.2/24"
	ping1 "$V4.10.2"
	"$CELL" net del "$A"
}

@test "net gc: links of sandboxes whose cell process has ended" {
	need_root
	# Marked as cell_veth_plan_run() marks a sandbox's link
	# (cell:run:PID:START), made by hand: one for a live process, one for a
	# process that has ended.
	sleep 60 &
	live=$!
	PIDS_TO_KILL+=($live)
	start=$(awk '{ sub(/.*\) /, ""); print $20 }' "/proc/$live/stat")
	sh -c 'exit 0' &
	dead=$!
	wait "$dead"
	# (the kernel ignores an alias given at creation)
	ip link add "t$P" type veth peer name "u$P"
	ip link set "t$P" alias "cell:run:$dead:$start"
	ip link add "s$P" type veth peer name "v$P"
	ip link set "s$P" alias "cell:run:$live:$start"
	run "$CELL" net gc
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	assert_eq "$output" "removed t$P (cell:run:$dead:$start): its sandbox has ended" "gc says"
	! ip link show "t$P" 2>/dev/null
	ip link show "s$P" >/dev/null
	ip link del "s$P"
}
