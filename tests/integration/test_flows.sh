#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Exact flow accounting on a real veth: known packets on known flows (UDP
# v4/v6, TCP, ICMP, VLAN, malformed) in both directions, and conservation.
. "$(dirname "$0")/../lib.sh"
require_root

use_testenv flows
H4=$TESTENV_IP4_HOST N4=$TESTENV_IP4_NS H6=$TESTENV_IP6_HOST N6=$TESTENV_IP6_NS
DEV=$TESTENV_DEV

# The veth counters are the reference for "seen": take them around the
# attach and attach again if a packet (a new link's MLD report, say)
# crossed the link meanwhile, so that both start from the same packet.
for _ in 1 2 3 4 5; do
	rx0=$(ns_link_stat veth0 tx_packets) tx0=$(link_stat "$DEV" tx_packets)
	out=$("$TAPIO" attach "$DEV" 2>&1)
	[ "$rx0" = "$(ns_link_stat veth0 tx_packets)" ] &&
		[ "$tx0" = "$(link_stat "$DEV" tx_packets)" ] && break
	"$TAPIO" detach "$DEV" >/dev/null
	sleep 0.3
done
expect_eq "attach picks TC ingress on a veth (hook auto) and says so" \
	"$(echo "$out" | grep -c "attached tapio_tc to $DEV ingress (.*; hook auto: tc)")" 1

# ICMP both ways (also resolves neighbours for what follows)
nsexec ping -q -c 5 -i 0.2 "$H4" >/dev/null || fail "ping v4"
nsexec ping -q -c 4 -i 0.2 "$H6" >/dev/null || fail "ping v6"
# UDP v4 and v6, ingress and egress
nsexec "$PKTSEND" udp --src "$N4" --sport 4000 --dst "$H4" --dport 9000 --count 50 --size 100 >/dev/null
nsexec "$PKTSEND" udp --src "$N6" --sport 4001 --dst "$H6" --dport 9001 --count 30 --size 77 >/dev/null
"$PKTSEND" udp --src "$H4" --sport 7000 --dst "$N4" --dport 9002 --count 40 --size 200 >/dev/null
"$PKTSEND" udp --src "$H6" --sport 7001 --dst "$N6" --dport 9003 --count 20 --size 1000 >/dev/null
# VLAN frames crafted on the wire (the kernel here has no 802.1Q devices)
nsexec "$PKTSEND" raw --dev veth0 --dst-mac "$TESTENV_MAC_HOST" --src 10.9.0.2 --dst 10.9.0.1 \
	--sport 5000 --dport 5001 --vlan 100 --count 25 --size 50 >/dev/null
nsexec "$PKTSEND" raw --dev veth0 --dst-mac "$TESTENV_MAC_HOST" --src 2001:db8:99::2 --dst 2001:db8:99::1 \
	--sport 5002 --dport 5003 --vlan 200,300 --qinq --count 15 --size 50 >/dev/null
# Malformed frames: passed on, counted by reason
nsexec "$PKTSEND" raw --dev veth0 --dst-mac "$TESTENV_MAC_HOST" --src "$N4" --dst "$H4" --bad ihl --count 7 >/dev/null
nsexec "$PKTSEND" raw --dev veth0 --dst-mac "$TESTENV_MAC_HOST" --src "$N4" --dst "$H4" --bad totlen --count 5 >/dev/null
nsexec "$PKTSEND" raw --dev veth0 --dst-mac "$TESTENV_MAC_HOST" --src "$N4" --dst "$H4" --bad trunc-l4 --count 3 >/dev/null

# TCP through a real connection: exact segment counts from the namespace's MIB
out0=$(( $(snmp_tcp OutSegs) + $(snmp_tcp RetransSegs) ))
in0=$(snmp_tcp InSegs)
nsexec "$PKTSEND" tcp-server --bind "$N4" --port 8080 --reply 30000 >/dev/null &
SRV=$!
BG_PIDS=$SRV
wait_until 5 "nsexec ss -ltn | grep -q ':8080'"
"$PKTSEND" tcp-client --dst "$N4" --port 8080 --bytes 200000 >/dev/null || fail "tcp exchange"
wait "$SRV"
BG_PIDS=
sleep 0.5
out1=$(( $(snmp_tcp OutSegs) + $(snmp_tcp RetransSegs) ))
in1=$(snmp_tcp InSegs)

flows_json "$DEV" >"$J"
expect_eq "every JSON line parses" "$(jq -s length "$J" 2>/dev/null)" "$(grep -c . "$J")"

sel() { echo ".direction == \"$1\" and .protocol == \"$2\" and .src_port == $3 and .dst_port == $4"; }
expect_eq "udp4 ingress packets" "$(flow_sum "$J" packets "$(sel ingress udp 4000 9000) and .src == \"$N4\"")" 50
expect_eq "udp4 ingress bytes" "$(flow_sum "$J" bytes "$(sel ingress udp 4000 9000)")" $((50 * 142))
expect_eq "udp6 ingress packets" "$(flow_sum "$J" packets "$(sel ingress udp 4001 9001) and .ip_version == 6")" 30
expect_eq "udp6 ingress bytes" "$(flow_sum "$J" bytes "$(sel ingress udp 4001 9001)")" $((30 * 139))
expect_eq "udp4 egress packets" "$(flow_sum "$J" packets "$(sel egress udp 7000 9002) and .dst == \"$N4\"")" 40
expect_eq "udp4 egress bytes" "$(flow_sum "$J" bytes "$(sel egress udp 7000 9002)")" $((40 * 242))
expect_eq "udp6 egress packets" "$(flow_sum "$J" packets "$(sel egress udp 7001 9003)")" 20
expect_eq "udp6 egress bytes" "$(flow_sum "$J" bytes "$(sel egress udp 7001 9003)")" $((20 * 1062))
expect_eq "icmp echo requests in" "$(flow_sum "$J" packets "$(sel ingress icmp 8 0)")" 5
expect_eq "icmp echo request bytes" "$(flow_sum "$J" bytes "$(sel ingress icmp 8 0)")" $((5 * 98))
expect_eq "icmp echo replies out" "$(flow_sum "$J" packets "$(sel egress icmp 0 0) and .icmp_type == 0")" 5
expect_eq "icmpv6 echo requests in" "$(flow_sum "$J" packets "$(sel ingress icmpv6 128 0)")" 4
expect_eq "icmpv6 echo reply bytes out" "$(flow_sum "$J" bytes "$(sel egress icmpv6 129 0)")" $((4 * 118))
expect_eq "vlan 100 packets" "$(flow_sum "$J" packets ".vlan == 100 and .vlan_inner == 0 and .src_port == 5000")" 25
expect_eq "vlan 100 bytes" "$(flow_sum "$J" bytes ".vlan == 100 and .src_port == 5000")" $((25 * 96))
expect_eq "qinq 200.300 packets" "$(flow_sum "$J" packets ".vlan == 200 and .vlan_inner == 300 and .ip_version == 6")" 15
expect_eq "qinq 200.300 bytes" "$(flow_sum "$J" bytes ".vlan == 200 and .vlan_inner == 300")" $((15 * 120))

tcp_in=$(flow_sum "$J" packets '.direction == "ingress" and .protocol == "tcp"')
tcp_out=$(flow_sum "$J" packets '.direction == "egress" and .protocol == "tcp"')
expect_eq "tcp ingress packets == namespace OutSegs+RetransSegs" "$tcp_in" $((out1 - out0))
expect_eq "tcp egress packets == namespace InSegs" "$tcp_out" $((in1 - in0))
tcp_in_bytes=$(flow_sum "$J" bytes '.direction == "ingress" and .protocol == "tcp"')
expect_range "tcp ingress bytes = 30000 payload + 54..74 header bytes per frame" \
	"$tcp_in_bytes" $((30000 + 54 * tcp_in)) $((30000 + 74 * tcp_in))
expect_eq "tcp flags seen from the client" \
	"$(jq -r 'select(.direction == "egress" and .protocol == "tcp" and .dst_port == 8080) | .tcp_flags' "$J")" "...AP.SF"

# Interface counters and tapio's snapshot taken together: a late IPv6 MLD or
# ND packet between them would otherwise look like a miscount.
for _ in 1 2 3 4 5; do
	a1=$(ns_link_stat veth0 tx_packets) b1=$(link_stat "$DEV" tx_packets)
	S=$("$TAPIO" status --json | jq -c --arg d "$DEV" 'select(.dev == $d)')
	a2=$(ns_link_stat veth0 tx_packets) b2=$(link_stat "$DEV" tx_packets)
	[ "$a1" = "$a2" ] && [ "$b1" = "$b2" ] && break
	sleep 0.2
done
expect_eq "bad_ipv4_header counted" "$(jq .counters.ingress.bad_ipv4_header <<<"$S")" 7
expect_eq "bad_ipv4_length counted" "$(jq .counters.ingress.bad_ipv4_length <<<"$S")" 5
expect_eq "truncated_l4 counted" "$(jq .counters.ingress.truncated_l4 <<<"$S")" 3
expect_eq "snapshot stable" "$(jq .stable <<<"$S")" true
expect_eq "ingress conservation: seen - flows - non_ip - overflow - errors" \
	"$(jq .counters.ingress.unaccounted_packets <<<"$S")" 0
expect_eq "egress conservation" "$(jq .counters.egress.unaccounted_packets <<<"$S")" 0
expect_eq "ingress seen == peer veth tx_packets" "$(jq .counters.ingress.seen_packets <<<"$S")" \
	$((a2 - rx0))
expect_eq "egress seen == device tx_packets" "$(jq .counters.egress.seen_packets <<<"$S")" \
	$((b2 - tx0))
expect_eq "no overflow" "$(jq '.counters.ingress.overflow_packets + .counters.egress.overflow_packets' <<<"$S")" 0

table=$("$TAPIO" flows "$DEV" --sort packets --top 3)
expect_eq "table: header + --top 3 rows" "$(echo "$table" | wc -l)" 4
expect_eq "table: largest flow by packets first" \
	"$(echo "$table" | sed -n 2p | awk '{print $1, $2}')" "egress tcp"

finish
