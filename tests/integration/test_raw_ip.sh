#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Links without an Ethernet header (tun here; WireGuard, ipip and GRE are
# the same kind): frames start at the IP header and are keyed as such,
# IPv4 and IPv6, both directions, exact; capture writes raw-IP pcap.
. "$(dirname "$0")/../lib.sh"
require_root
command -v python3 >/dev/null || skip "python3 not installed"
command -v tshark >/dev/null || skip "tshark not installed"
[ -c /dev/net/tun ] || skip "no /dev/net/tun"

TUN=tpt$$
J=$(mktemp)
D=$(mktemp -d)
trap '"$TAPIO" detach $TUN >/dev/null 2>&1; ip link del $TUN 2>/dev/null; rm -rf "$J" "$D"' EXIT
ip tuntap add dev $TUN mode tun || { fail "tun device"; finish; exit 1; }
sysctl -qw "net.ipv6.conf.$TUN.disable_ipv6=1" # no autoconfiguration traffic
ip addr add 10.7.0.1/24 dev $TUN
ip link set $TUN up

out=$("$TAPIO" attach $TUN 2>&1)
expect_eq "attached at TC by default (hook auto: a raw-IP link has generic XDP only)" \
	"$(grep -c "attached tapio_tc to $TUN ingress (.*; hook auto: tc)" <<<"$out")" 1
expect_fail "native mode is refused with the reason" "a raw-IP link runs XDP in generic mode only" \
	"$TAPIO" attach $TUN --mode native
# 172 packets in (100 UDP v4, 50 UDP v6, 20 TCP SYN, 2 cut),
# 4 echo requests out while the helper reads them
eg=$(python3 "$ROOT/tests/tools/tun_io.py" $TUN --exec ping -c 4 -i 0.2 -W 1 10.7.0.2)
expect_eq "the helper read the 4 echo requests" "$eg" "egress 4"
flows_json $TUN >"$J"
sel() { echo ".direction == \"$1\" and .protocol == \"$2\" and .dst_port == $3"; }
expect_eq "udp4 ingress: packets" "$(flow_sum "$J" packets "$(sel ingress udp 6000) and .src == \"10.7.0.2\"")" 100
expect_eq "udp4 ingress: bytes (60-byte IP packets)" "$(flow_sum "$J" bytes "$(sel ingress udp 6000)")" 6000
expect_eq "udp6 ingress: packets" "$(flow_sum "$J" packets "$(sel ingress udp 6001) and .src == \"fd07::2\"")" 50
expect_eq "udp6 ingress: bytes" "$(flow_sum "$J" bytes "$(sel ingress udp 6001)")" 4000
expect_eq "tcp ingress: packets with SYN" \
	"$(flow_sum "$J" packets "$(sel ingress tcp 80) and .tcp_flags == \"......S.\"")" 20
expect_eq "icmp egress: the echo requests" "$(flow_sum "$J" packets ".direction == \"egress\" and .protocol == \"icmp\" and .src_port == 8")" 4
expect_eq "icmp egress: bytes (84-byte IP packets)" "$(flow_sum "$J" bytes ".direction == \"egress\" and .protocol == \"icmp\" and .src_port == 8")" 336
S=$("$TAPIO" status --json | jq -c --arg d $TUN 'select(.dev == $d)')
expect_eq "cut inside the IPv4 header, counted" "$(jq .counters.ingress.truncated_ipv4 <<<"$S")" 2
expect_eq "ingress seen" "$(jq .counters.ingress.seen_packets <<<"$S")" 172
expect_eq "ingress conservation" "$(jq .counters.ingress.unaccounted_packets <<<"$S")" 0
expect_eq "egress seen" "$(jq .counters.egress.seen_packets <<<"$S")" 4
expect_eq "status says raw IP" "$(jq .raw_ip <<<"$S")" true
expect_eq "and the text too" "$("$TAPIO" status | grep -c "^$TUN (ifindex [0-9]*, raw IP: no Ethernet)")" 1

# capture: the pcap says raw IP, and tshark decodes what was sent
"$TAPIO" capture $TUN -w "$D/raw.pcap" --count 100 >/dev/null 2>"$D/cap.err" &
CAP=$!
wait_until 5 "grep -q '^capturing on' \"\$D/cap.err\""
python3 "$ROOT/tests/tools/tun_io.py" $TUN >/dev/null
wait_until 5 '! kill -0 $CAP 2>/dev/null'
wait $CAP
expect_eq "the pcap is of link type raw IP" "$(tshark -r "$D/raw.pcap" -T fields -e frame.protocols -c 1 2>/dev/null)" "raw:ip:udp:data"
expect_eq "tshark reads the 100 UDP packets to port 6000" \
	"$(tshark -r "$D/raw.pcap" -Y 'udp.dstport == 6000' 2>/dev/null | wc -l)" 100
"$TAPIO" detach $TUN >/dev/null
out=$("$TAPIO" attach $TUN --hook xdp 2>&1)
expect_eq "--hook xdp: attached in generic mode, as a raw-IP link" \
	"$(grep -c "in generic mode (a raw-IP link)" <<<"$out")" 1
python3 "$ROOT/tests/tools/tun_io.py" $TUN >/dev/null
expect_eq "and counts the same 172 packets in at XDP" \
	"$("$TAPIO" status --json | jq --arg d $TUN 'select(.dev == $d) | .counters.ingress.seen_packets')" 172
"$TAPIO" detach $TUN >/dev/null
finish
