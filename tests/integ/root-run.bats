#!/usr/bin/env bats
# cell run --root on a Debian-like tree: /proc, /dev, read-only /sys, a /home
# that is lost on exit, and the host's resolv.conf when there is network.

load helpers

make_tree() {
	local r
	r=$(world_dir)
	mkdir -p "$r/bin" "$r/etc" "$r/proc" "$r/dev" "$r/sys" "$r/tmp" "$r/home"
	cp /bin/busybox "$r/bin/busybox"
	ln -s busybox "$r/bin/sh"
	echo "nameserver 192.0.2.53" > "$r/etc/resolv.conf"
	echo "$r"
}

@test "--root: /proc, /dev, read-only /sys and a /home tmpfs that is lost on exit" {
	r=$(make_tree)
	run "$CELL" run --root "$r" -- /bin/sh -c '
		/bin/busybox test -r /proc/self/status && echo proc
		/bin/busybox test -c /dev/null && echo dev
		/bin/busybox touch /sys/x 2>/dev/null || echo sys-ro
		echo hi > /home/file && /bin/busybox cat /home/file
		/bin/busybox grep " /home " /proc/self/mountinfo | /bin/busybox grep -c tmpfs'
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'proc\ndev\nsys-ro\nhi\n1')" ]
	[ ! -e "$r/home/file" ]
}

@test "--root with the host's network: the host's resolv.conf; without network: none" {
	r=$(make_tree)
	run "$CELL" run --root "$r" --net host -- /bin/busybox cat /etc/resolv.conf
	[ "$status" -eq 0 ]
	[ "$output" = "$(cat /etc/resolv.conf)" ]
	run "$CELL" run --root "$r" -- /bin/busybox cat /etc/resolv.conf
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ "$(cat "$r/etc/resolv.conf")" = "nameserver 192.0.2.53" ]
}

@test "--root refuses a tree that an unfinished cell root build left marked" {
	r=$(make_tree)
	touch "$r/.cell-incomplete"
	run "$CELL" run --root "$r" -- /bin/sh -c true
	[ "$status" -eq 125 ]
	[[ "$output" == "cell: --root $r: $r/.cell-incomplete says an earlier cell root build or debootstrap did not finish" ]]
}
