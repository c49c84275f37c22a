#!/usr/bin/env bats
# net-run.bats - `cell run --net none|host|NAME|veth|user`, --nat,
# --publish, --allow, --allow-host, resolv.conf per mode, and what is left
# after a failure or a kill -9 (nothing: links, nftables tables, state).
#
# Every test talks only to loopback and to addresses inside namespaces it
# made itself: the sandboxes, and named namespaces under a unique prefix
# (10.N.x.y, N from the test's PID).  Teardown removes them and checks that
# `ip link`, `ip netns`, the nftables ruleset and net.ipv4.ip_forward are as
# they were.

load helpers

# What this file's tests may leave behind: sandbox links (vr-PID), this
# test's namespaces and their links, cell's nftables tables.  (Other test
# files may run on the same host at the same time: their objects are not
# compared.)
net_state() {
	ip -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' |
		grep -E "^vr-|^vn-$P" | sort
	echo "--- namespaces"
	ip netns list 2>/dev/null | awk '{ print $1 }' | grep "^$P" | sort
	echo "--- nftables"
	nft list tables 2>/dev/null | grep "cell_" | sort
	ls /run/cell/run 2>/dev/null | sort
}

setup() {
	common_setup
	P="r$$-${BATS_TEST_NUMBER}-"
	X="${P}x"
	N=$(((($$ + BATS_TEST_NUMBER) % 200) + 20))
	V4="10.$N"
	PORT=$((7100 + BATS_TEST_NUMBER))
	if is_root; then
		if ip -4 route show | grep -q "^10\.$N\."; then
			skip "10.$N.0.0/16 is in use on this host"
		fi
		FORWARD=$(cat /proc/sys/net/ipv4/ip_forward)
		BEFORE=$(net_state)
	fi
	printf '%s\n' \
		'import errno, os, socket, sys, time' \
		'mode = sys.argv[1]' \
		'def fam(h): return socket.AF_INET6 if ":" in h else socket.AF_INET' \
		'if mode == "serve":' \
		'    host, port, n = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])' \
		'    s = socket.socket(fam(host), socket.SOCK_STREAM)' \
		'    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)' \
		'    s.bind((host, port)); s.listen(4); s.settimeout(15)' \
		'    print("listening", flush=True)' \
		'    for _ in range(n):' \
		'        c, a = s.accept(); d = c.recv(100)' \
		'        c.sendall(b"from " + a[0].encode() + b": " + d); c.close()' \
		'elif mode == "try":' \
		'    host, port = sys.argv[2], int(sys.argv[3])' \
		'    end = time.time() + float(sys.argv[4]) if len(sys.argv) > 4 else 0' \
		'    while True:' \
		'        try:' \
		'            c = socket.create_connection((host, port), timeout=2)' \
		'            c.sendall(b"hi"); print("ok", c.recv(100).decode()); break' \
		'        except OSError as e:' \
		'            if time.time() < end: time.sleep(0.05); continue' \
		'            print("error", errno.errorcode.get(e.errno, e)); break' \
		'elif mode == "abstract-serve":' \
		'    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)' \
		'    s.bind("\0" + sys.argv[2]); s.listen(1); s.settimeout(15)' \
		'    print("listening", flush=True)' \
		'    try: s.accept()' \
		'    except OSError: pass' \
		'elif mode == "abstract-try":' \
		'    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)' \
		'    try: s.connect("\0" + sys.argv[2]); print("ok")' \
		'    except OSError as e: print("error", errno.errorcode.get(e.errno, e))' \
		'elif mode == "sockets":' \
		'    for name, args in (("packet", (socket.AF_PACKET, socket.SOCK_RAW, 0)),' \
		'                       ("raw", (socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)),' \
		'                       ("raw6", (socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6))):' \
		'        try: socket.socket(*args); print(name, "ok")' \
		'        except OSError as e: print(name, errno.errorcode.get(e.errno, e))' >"$T/net.py"
	chmod 644 "$T/net.py"
}

teardown() {
	local ns

	common_teardown
	if is_root; then
		for ns in $(ip netns list 2>/dev/null | awk '{ print $1 }' | grep "^$P" || true); do
			"$CELL" net del "$ns" >/dev/null 2>&1 || ip netns del "$ns" 2>/dev/null || true
		done
		[ -z "${FORWARD:-}" ] || echo "$FORWARD" >/proc/sys/net/ipv4/ip_forward
		# a killed sandbox's namespace (and so its link) ends a moment later
		if [ -n "${BEFORE:-}" ]; then
			local n=0
			while [ "$(net_state)" != "$BEFORE" ] && [ $n -lt 100 ]; do
				sleep 0.05
				n=$((n + 1))
			done
			assert_eq "$(net_state)" "$BEFORE" "links, namespaces and nftables after the test"
		fi
	fi
}

# cell run with the helper script at /net.py
cellnet() {
	"$CELL" run --ro-bind "$T/net.py:/net.py" "$@"
}

# serve WHERE ADDR PORT [COUNT]: a TCP server (WHERE: "-" for the host, or a
# named namespace) answering "from PEER: DATA"; waits until it listens.
serve() {
	local where=$1 addr=$2 port=$3 n=${4:-1} pre=()

	[ "$where" = - ] || pre=("$CELL" net exec "$where" --)
	"${pre[@]}" "$PYTHON" "$T/net.py" serve "$addr" "$port" "$n" >"$T/srv-$port.out" 2>&1 &
	PIDS_TO_KILL+=($!)
	wait_for_line "$T/srv-$port.out" listening 5
}

# A test namespace X linked to the host: host end $V4.9.1, inside $V4.9.2.
outside_ns() {
	"$CELL" net add "$X"
	"$CELL" net link "$X" --addr "$V4.9.1/24" --peer-addr "$V4.9.2/24" >/dev/null
}

# ---- every user --------------------------------------------------------------

@test "net none: lo only; host loopback services and abstract sockets unreachable" {
	serve - 127.0.0.1 "$PORT"
	"$PYTHON" "$T/net.py" abstract-serve "cell-test-$MARK" >"$T/abs.out" 2>&1 &
	PIDS_TO_KILL+=($!)
	wait_for_line "$T/abs.out" listening 5
	# the host itself reaches both
	run "$PYTHON" "$T/net.py" abstract-try "cell-test-$MARK"
	assert_eq "$output" "ok" "abstract socket from the host"
	run cellnet -- sh -c "ip -o link show | wc -l; python3 /net.py try 127.0.0.1 $PORT; \
		python3 /net.py abstract-try cell-test-$MARK; wc -c </etc/resolv.conf"
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	assert_eq "$output" "$(printf '1\nerror ECONNREFUSED\nerror ECONNREFUSED\n0')" \
		"one link, nothing reachable, an empty resolv.conf"
}

@test "net: AF_PACKET and raw sockets are refused inside, also from a nested user namespace" {
	run cellnet -- python3 /net.py sockets
	assert_eq "$output" "$(printf 'packet EPERM\nraw EPERM\nraw6 EPERM')" "sockets"
	# root of a user namespace of its own still has no CAP_NET_RAW over the
	# sandbox's network namespace (where the sandbox may make one)
	run cellnet -- sh -c 'unshare -r true 2>/dev/null || exit 0
		unshare -r python3 /net.py sockets'
	[ -z "$output" ] ||
		assert_eq "$output" "$(printf 'packet EPERM\nraw EPERM\nraw6 EPERM')" "nested"
	# AF_VSOCK is not a network namespace's: refusing it is seccomp's job
	# (issue 6), not tested here.
}

@test "net: resolv.conf for none and host; --print-spec shows the network" {
	run "$CELL" run -- cat /etc/resolv.conf
	assert_eq "$output" "" "none: no nameserver"
	run "$CELL" run --net host -- cat /etc/resolv.conf
	assert_eq "$output" "$(cat /etc/resolv.conf)" "host: the host's"
	run "$CELL" run --print-spec -- true
	assert_contains "$output" "network: lo only (up)"
	assert_contains "$output" "resolv.conf: none (no network)"
	assert_contains "$output" "mount: mask       /etc/resolv.conf if-present"
	run "$CELL" run --net host --print-spec -- true
	assert_contains "$output" "network: the host's"
	assert_contains "$output" "resolv.conf: the host's"
	assert_not_contains "$output" "/etc/resolv.conf"
}

@test "net: bad values and combinations: one line, nothing left" {
	run_bad "--publish" "HOSTPORT:PORT" -- run --net user --publish 80 -- true
	run_bad "--publish" -- run --net user --publish 80:80/sctp -- true
	run_bad "--allow" "ADDRESS" -- run --net user --allow 10.0.0.0/33 -- true
	run_bad "--allow-host" -- run --net user --allow-host a:b:c -- true
	run_bad "--nat goes with --net veth" -- run --nat -- true
	run_bad "--publish goes with" -- run --publish 8080:80 -- true
	run_bad "--allow and --allow-host" -- run --net host --allow 10.0.0.0/8 -- true
	run_bad "--net" "no network namespace" -- run --net "${P}missing" -- true
	run_bad "--net veth" "needs a network namespace of its own" -- run --net veth --share net -- true
}

@test "net as a user: veth, --nat and named namespaces are refused, saying why" {
	need_user
	run_bad "--net veth needs root" "--net user" -- run --net veth -- true
	run_bad "--net veth needs root" -- run --net veth --nat --publish 8080:80 -- true
	# a name that exists (cell's own are root's; make none: use the host's
	# namespace list only when one is there)
	local ns
	ns=$(ls /run/netns 2>/dev/null | head -n1)
	[ -z "$ns" ] || run_bad "--net $ns" "needs root" -- run --net "$ns" -- true
}

@test "net user: eth0 with an address, pasta's DNS forwarder, a published port via 127.0.0.1" {
	command -v pasta >/dev/null || skip "pasta (package passt) is not installed"
	if ! is_root && ! [ -r /dev/net/tun -a -w /dev/net/tun ]; then
		# this host keeps /dev/net/tun root-only: the clear refusal instead
		run_bad "--net user" "/dev/net/tun" -- run --net user -- true
		return 0
	fi
	run cellnet --net user -- sh -c 'ip -o -4 addr show dev eth0 | wc -l; cat /etc/resolv.conf'
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	assert_contains "$output" "1"
	assert_contains "$output" "nameserver 169.254.1.1"
	cellnet --net user --publish "$((PORT + 1000)):$PORT" -- \
		python3 /net.py serve 0.0.0.0 "$PORT" 1 >"$T/in.out" 2>&1 &
	PIDS_TO_KILL+=($!)
	wait_for_line "$T/in.out" listening 10
	run "$PYTHON" "$T/net.py" try 127.0.0.1 "$((PORT + 1000))" 5
	assert_contains "$output" "ok from"
	wait
	# pasta went with the sandbox
	! pgrep -f -- "--pid .*pasta.pid.*" >/dev/null
}

# ---- root ---------------------------------------------------------------------

@test "net NAME: the sandbox joins the named namespace and talks through its link" {
	need_root
	outside_ns
	run "$CELL" run --net "$X" -- readlink /proc/self/ns/net
	assert_eq "$output" "$(ip netns exec "$X" readlink /proc/self/ns/net)" "same namespace"
	run "$CELL" run --net "$X" --print-spec -- true
	assert_contains "$output" "network: joins /run/netns/$X (no new network namespace)"
	assert_not_contains "$(grep '^namespaces:' <<<"$output")" " net"
	# a server in the sandbox, reached from the host through the link
	cellnet --net "$X" -- python3 /net.py serve "$V4.9.2" "$PORT" 1 >"$T/in.out" 2>&1 &
	PIDS_TO_KILL+=($!)
	wait_for_line "$T/in.out" listening 5
	run "$PYTHON" "$T/net.py" try "$V4.9.2" "$PORT" 5
	assert_eq "$output" "ok from $V4.9.1: hi" "host to sandbox"
	# the sandbox cannot change the namespace's links: it has no power there
	run "$CELL" run --map-root --net "$X" -- ip link set lo down
	[ "$status" -ne 0 ]
	# /etc/netns/NAME/resolv.conf, as ip netns exec does
	mkdir -p "/etc/netns/$X"
	echo "nameserver $V4.9.53" >"/etc/netns/$X/resolv.conf"
	run "$CELL" run --net "$X" -- cat /etc/resolv.conf
	rm -rf "/etc/netns/$X"
	assert_eq "$output" "nameserver $V4.9.53" "the namespace's resolv.conf"
}

@test "net veth: eth0 and a default route via the host end; TCP both ways; gone at the end" {
	need_root
	run cellnet --net veth -- sh -c 'ip -o -4 addr show dev eth0; ip route show default;
		wc -c </etc/resolv.conf'
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	assert_contains "$output" "inet 10.199."
	assert_contains "$output" "default via 10.199."
	assert_contains "$output" "$(printf '\n0')"
	# a given address; the host end takes the subnet's first
	cellnet --net "veth:$V4.3.2/24" -- sh -c "python3 /net.py serve $V4.3.2 $PORT 1 &
		python3 /net.py try $V4.3.1 $((PORT + 1)) 5; wait" >"$T/in.out" 2>&1 &
	PIDS_TO_KILL+=($!)
	wait_for_line "$T/in.out" listening 5
	serve - "$V4.3.1" "$((PORT + 1))"
	run "$PYTHON" "$T/net.py" try "$V4.3.2" "$PORT" 5
	assert_eq "$output" "ok from $V4.3.1: hi" "host to sandbox"
	wait
	assert_contains "$(cat "$T/in.out")" "ok from $V4.3.2: hi"
	[ -z "$(ls -A /run/cell/run 2>/dev/null)" ]
}

@test "net veth: an address the host uses is refused; a failed start leaves nothing" {
	need_root
	outside_ns
	run_bad "--net veth:$V4.9.7/24" "the host already uses" -- run --net "veth:$V4.9.7/24" -- true
	# the child fails after the pair and the table exist (forwarding on
	# already: no note on stderr)
	echo 1 >/proc/sys/net/ipv4/ip_forward
	run_bad "--workdir" -- run --net veth --nat --publish 8080:80 --workdir /nonexistent -- true
	[ -z "$(ls -A /run/cell/run 2>/dev/null)" ]
}

@test "net veth: two sandboxes talk through the host's routing" {
	need_root
	echo 1 >/proc/sys/net/ipv4/ip_forward
	cellnet --net "veth:$V4.1.2/30" -- python3 /net.py serve "$V4.1.2" "$PORT" 1 >"$T/a.out" 2>&1 &
	PIDS_TO_KILL+=($!)
	wait_for_line "$T/a.out" listening 5
	run cellnet --net "veth:$V4.2.2/30" -- python3 /net.py try "$V4.1.2" "$PORT" 5
	assert_eq "$output" "ok from $V4.2.2: hi" "sandbox to sandbox"
}

@test "net veth --nat: outbound through masquerading; ip_forward noted; rules removed" {
	need_root
	outside_ns
	echo 0 >/proc/sys/net/ipv4/ip_forward
	serve "$X" "$V4.9.2" "$PORT"
	run --separate-stderr cellnet --net veth --nat -- python3 /net.py try "$V4.9.2" "$PORT" 5
	# the server saw the host's address on that link: masqueraded
	assert_eq "$output" "ok from $V4.9.1: hi" "through NAT"
	assert_contains "$stderr" "net.ipv4.ip_forward"
	[ "$(cat /proc/sys/net/ipv4/ip_forward)" = 1 ]
	# without --nat the sandbox reaches nothing past the host
	run cellnet --net veth -- python3 /net.py try "$V4.9.2" "$PORT" 1
	assert_contains "$output" "error"
	run "$CELL" run --net veth --nat --print-spec -- true
	assert_contains "$output" "outbound masquerading (nftables table inet cell_run_"
	assert_contains "$output" "resolv.conf: "
}

@test "net veth --publish: a server inside answers on the host end's address" {
	need_root
	# the table exists while the sandbox runs, owned by cell's socket
	cellnet --net "veth:$V4.4.2/30" --publish "$((PORT + 1000)):$PORT" -- \
		sh -c "nft list ruleset >/dev/null 2>&1; python3 /net.py serve 0.0.0.0 $PORT 1" \
		>"$T/in.out" 2>&1 &
	PIDS_TO_KILL+=($!)
	wait_for_line "$T/in.out" listening 5
	nft list ruleset | grep -q "tcp dport $((PORT + 1000)) dnat ip to $V4.4.2:$PORT"
	nft list ruleset | grep -q "flags owner"
	# (127.0.0.1 would need route_localnet on the link; cell leaves it off)
	run "$PYTHON" "$T/net.py" try "$V4.4.1" "$((PORT + 1000))" 5
	assert_eq "$output" "ok from $V4.4.1: hi" "published port"
	wait
}

@test "net veth --allow: only the allowed destination; the command cannot lift it" {
	need_root
	outside_ns
	echo 1 >/proc/sys/net/ipv4/ip_forward
	serve "$X" "$V4.9.2" "$PORT"
	serve "$X" "$V4.9.2" "$((PORT + 1))"
	run cellnet --map-root --net veth --nat --allow "$V4.9.2:$PORT" -- sh -c "
		python3 /net.py try $V4.9.2 $((PORT + 1)); python3 /net.py try $V4.9.2 $PORT 5;
		nft delete table inet cell_allow 2>/dev/null && echo deleted || echo kept"
	assert_eq "$output" "$(printf 'error ECONNREFUSED\nok from %s: hi\nkept' "$V4.9.1")" \
		"allowlist"
	# the server on the other port is still waiting: stop it
	run "$PYTHON" "$T/net.py" try "$V4.9.2" "$((PORT + 1))"
	# names resolve when the sandbox starts
	run "$CELL" run --net veth --nat --allow-host "localhost:$PORT" --print-spec -- true
	assert_contains "$output" "allow: 127.0.0.1/32 port $PORT (tcp, udp) (localhost:$PORT)"
}

@test "net veth: kill -9 of cell leaves no link or table; gc removes its state" {
	need_root
	"$CELL" run --net veth --nat --publish "$((PORT + 1000)):$PORT" -- sleep 60 &
	local pid=$!
	PIDS_TO_KILL+=($pid)
	local n=0
	until ip link show "vr-$pid" >/dev/null 2>&1 && nft list tables | grep -q "cell_run_$pid"; do
		n=$((n + 1))
		[ $n -lt 200 ] || { echo "no link vr-$pid" >&2; return 1; }
		sleep 0.02
	done
	kill -9 "$pid"
	wait "$pid" || true
	n=0
	while ip link show "vr-$pid" >/dev/null 2>&1 || nft list tables | grep -q "cell_run_$pid"; do
		n=$((n + 1))
		[ $n -lt 200 ] || { echo "vr-$pid or its table is still there" >&2; return 1; }
		sleep 0.05
	done
	ls /run/cell/run | grep -q "^$pid-"
	run "$CELL" net gc
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	assert_contains "$output" "removed state /run/cell/run/$pid-"
	! ls /run/cell/run | grep -q "^$pid-"
}
