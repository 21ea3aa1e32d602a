#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `tapio run --watch --netns`: links of other network namespaces, named
# NETNS:IFNAME, collected beside our own, with the same ifindex and the same
# frames in each kept apart; a namespace deleted is not held alive by tapio,
# and its link's flows end as interface_gone.
. "$(dirname "$0")/../lib.sh"
require_root

D=$(mktemp -d)
P=tn$$
PORT=$((20000 + RANDOM % 10000))
cleanup() {
	kill $BG_PIDS 2>/dev/null
	wait $BG_PIDS 2>/dev/null
	for d in /sys/fs/bpf/tapio/"$P"*; do
		[ -e "$d" ] && "$TAPIO" detach "${d##*/}" >/dev/null 2>&1
	done
	ip link del "${P}h0" 2>/dev/null
	for n in a b c pa pb pc; do ip netns del "$P$n" 2>/dev/null; done
	rm -rf "$D"
}
trap cleanup EXIT
metric() { curl -s "127.0.0.1:$PORT/metrics" | awk -v m="$1" '$1 == m {print $2}'; }
# a namespace $P$1 with eth0, whose peer p0 is in namespace $P"p"$1
pod() {
	local n
	for n in "$P$1" "${P}p$1"; do
		ip netns add "$n" || return 1
		ip netns exec "$n" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	done
	ip link add "${P}x" netns "$P$1" type veth peer name p0 netns "${P}p$1" || return 1
	ip -n "$P$1" link set "${P}x" name eth0 || return 1
	ip -n "$P$1" link set eth0 up && ip -n "${P}p$1" link set p0 up
}
# N identical frames in every namespace: UDP 10.79.0.1:3000 -> 10.79.1.1:PORT
send() {
	ip netns exec "${P}p$1" "$PKTSEND" raw --dev p0 --dst-mac 02:00:00:00:00:01 \
		--src 10.79.0.1 --dst 10.79.1.1 --sport 3000 --dport "$2" --count "$3" --size 60 >/dev/null
}
collecting() { wait_until 10 "grep -q 'watch: collecting from $1 ' '$D/err'"; }

pod a || fail "namespace a"
pod b || fail "namespace b"
veth_up "${P}h0" "${P}h1" || fail "veth h0"
IDX_A=$(ip -n "${P}a" -o link show eth0 | cut -d: -f1)
IDX_B=$(ip -n "${P}b" -o link show eth0 | cut -d: -f1)
expect_eq "both eth0 have one ifindex (what the run must tell apart)" "$IDX_A" "$IDX_B"

# eth0 of each watched namespace, and one link of our own
: >"$D/err"
"$TAPIO" run --interfaces "${P}h0,.*:eth0" --watch --netns "$P[a-c]" \
	--kernel-flows 1024 --interval 0.2 --idle-timeout 60 \
	--socket none --metrics "127.0.0.1:$PORT" --json-file "$D/flows.json" 2>"$D/err" &
RUN=$!
BG_PIDS=$RUN
wait_ready "$D/err" || fail "not ready: $(head -3 "$D/err")"
collecting "${P}a:eth0" || fail "a:eth0 not collected: $(tail -3 "$D/err")"
collecting "${P}b:eth0" || fail "b:eth0 not collected: $(tail -3 "$D/err")"
collecting "${P}h0" || fail "h0 not collected: $(tail -3 "$D/err")"
expect_eq "the peers' namespaces are not watched" "$(grep -c "collecting from ${P}p" "$D/err")" 0
expect_eq "p0 of a peer namespace is untouched" \
	"$(ip -n "${P}pa" -d link show p0 | grep -c 'prog/xdp\|tcx')" 0

send a 6000 40
send b 6000 25
"$PKTSEND" raw --dev "${P}h1" --dst-mac 02:00:00:00:00:01 --src 10.79.0.1 \
	--dst 10.79.1.1 --sport 3000 --dport 6000 --count 10 --size 60 >/dev/null

# a namespace made while running: found within an interval
pod c || fail "namespace c"
collecting "${P}c:eth0" || fail "c:eth0 not collected: $(tail -3 "$D/err")"
send c 6000 15
wait_until 5 "curl -s 127.0.0.1:$PORT/metrics | grep -q 'tapio_interface_packets_total{interface=\"${P}c:eth0\",direction=\"ingress\"} 15'"
series() {
	curl -s "127.0.0.1:$PORT/metrics" |
		awk -v s="tapio_interface_packets_total{interface=\"$1\",direction=\"ingress\"}" '$1 == s {print $2}'
}
expect_eq "/metrics: a:eth0 counted its own 40" "$(series "${P}a:eth0")" 40
expect_eq "/metrics: b:eth0 counted its own 25" "$(series "${P}b:eth0")" 25
expect_eq "/metrics: c:eth0 counted its own 15" "$(series "${P}c:eth0")" 15
expect_eq "/metrics: h0 counted its own 10" "$(series "${P}h0")" 10
expect_eq "/metrics: four collected" "$(metric tapio_interfaces_collected)" 4

# b deleted: tapio holds nothing of it (its veth goes, so the peer p0 in
# pb goes too), and the flow it counted ends at once as interface_gone
ip netns del "${P}b"
wait_until 10 "grep -q '${P}b:eth0: link deleted' '$D/err'" ||
	fail "b:eth0 not retired: $(tail -3 "$D/err")"
wait_until 10 "! ip -n '${P}pb' link show p0 >/dev/null 2>&1"
expect_eq "the deleted namespace died (its veth's peer is gone)" \
	"$(ip -n "${P}pb" link show p0 >/dev/null 2>&1 && echo held || echo gone)" gone
expect_eq "its pins are removed" "$(test -e "/sys/fs/bpf/tapio/${P}b:eth0" && echo left || echo gone)" gone
wait_until 5 "grep -q '\"${P}b:eth0\"' '$D/flows.json'"
expect_eq "its 25 frames exported as interface_gone" \
	"$(jq -s --arg d "${P}b:eth0" 'map(select(.ifname == $d and .end_reason == "interface_gone")) | map(.packets) | add // 0' "$D/flows.json")" 25
expect_eq "no error logged" "$(grep -c '^tapio: error' "$D/err")" 0

kill -TERM $RUN
wait $RUN
expect_eq "exits 0" "$?" 0
BG_PIDS=
S=$(grep '^{"summary"' "$D/err")
expect_eq "summary: exact" "$(jq .summary.exact <<<"$S")" true
expect_eq "summary: every frame exported (40 + 25 + 15 + 10)" \
	"$(jq '.summary.ingress.exported_packets' <<<"$S")" 90
expect_eq "summary: nothing unaccounted" \
	"$(jq '.summary.ingress.unaccounted_packets + .summary.egress.unaccounted_packets' <<<"$S")" 0
per() { jq -s --arg d "$1" 'map(select(.ifname == $d and .dst_port == 6000)) | map(.packets) | add // 0' "$D/flows.json"; }
expect_eq "flows: a:eth0 has its 40, not b's or h0's" "$(per "${P}a:eth0")" 40
expect_eq "flows: c:eth0 has its 15" "$(per "${P}c:eth0")" 15
expect_eq "flows: h0 has its 10" "$(per "${P}h0")" 10
expect_eq "flows: one record per link for the same 5-tuple" \
	"$(jq -s 'map(select(.dst_port == 6000)) | map(.ifname) | unique | length' "$D/flows.json")" 4
expect_eq "flows: the ifindexes are apart" \
	"$(jq -s 'map(select(.dst_port == 6000)) | map(.ifindex) | unique | length' "$D/flows.json")" 4
expect_eq "nothing of ours left attached" "$(ls /sys/fs/bpf/tapio 2>/dev/null | grep -c "^$P")" 0
expect_eq "eth0 of a is left as it was" \
	"$(ip -n "${P}a" -d link show eth0 | grep -c 'prog/xdp')" 0

# by hand, the same name: attach, status, flows and detach enter the
# namespace for the link and leave the pins where they are for any other
"$TAPIO" attach "${P}a:eth0" >/dev/null 2>&1 || fail "tapio attach a:eth0"
send a 6001 12
expect_eq "tapio flows a:eth0: its 12" \
	"$("$TAPIO" flows "${P}a:eth0" --json | jq -s 'map(select(.dst_port == 6001)) | map(.packets) | add // 0')" 12
expect_eq "tapio status: a:eth0 with its own ifindex, not gone" \
	"$("$TAPIO" status | grep -c "^${P}a:eth0 (ifindex $IDX_A)$")" 1
"$TAPIO" detach "${P}a:eth0" >/dev/null 2>&1 || fail "tapio detach a:eth0"
expect_eq "tapio detach: nothing left on eth0 of a" \
	"$(ip -n "${P}a" -d link show eth0 | grep -c 'prog/xdp')" 0

expect_fail "--netns without --watch" "run: --netns without --watch" \
	"$TAPIO" run --interfaces "${P}h0" --netns all --socket none --metrics none
finish
