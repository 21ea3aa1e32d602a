#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Jumbo frames: at MTU 9000 a veth takes native XDP only from a program
# with multi-buffer support; tapio_xdp has it, so it attaches natively and
# counts 8 KB frames exactly.  A driver without native XDP is named so.
. "$(dirname "$0")/../lib.sh"
require_root

use_testenv jumbo --ipv4-only
DEV=$TESTENV_DEV
DUMMY=tpj$$ # a bridge: no native XDP
EXTRA_CLEANUP='ip link del $DUMMY 2>/dev/null'
ip link set dev "$DEV" mtu 9000
nsexec ip link set dev veth0 mtu 9000

out=$("$TAPIO" attach "$DEV" --mode native 2>&1)
expect_eq "native XDP at MTU 9000" "$(grep -c 'in native mode' <<<"$out")" 1
# 5 echo requests of 8000 bytes of data: 8042-byte frames, and 5 replies
nsexec ping -q -c 5 -i 0.2 -s 8000 -M do "$TESTENV_IP4_HOST" >/dev/null || fail "jumbo ping"
flows_json "$DEV" >"$J"
expect_eq "ingress: the 5 requests" "$(flow_sum "$J" packets '.direction == "ingress" and .protocol == "icmp" and .src_port == 8')" 5
expect_eq "ingress: their bytes, each frame whole" \
	"$(flow_sum "$J" bytes '.direction == "ingress" and .protocol == "icmp" and .src_port == 8')" $((5 * 8042))
expect_eq "egress: the 5 replies" "$(flow_sum "$J" packets '.direction == "egress" and .protocol == "icmp" and .src_port == 0')" 5
expect_eq "egress: their bytes" \
	"$(flow_sum "$J" bytes '.direction == "egress" and .protocol == "icmp" and .src_port == 0')" $((5 * 8042))
S=$("$TAPIO" status --json | jq -c --arg d "$DEV" 'select(.dev == $d)')
expect_eq "nothing unaccounted" \
	"$(jq '.counters.ingress.unaccounted_packets + .counters.egress.unaccounted_packets' <<<"$S")" 0
"$TAPIO" detach "$DEV" >/dev/null

# the real reason when native XDP is refused
ip link add $DUMMY type bridge || fail "bridge device"
expect_fail "a driver without native XDP is named so" "cannot attach XDP in native mode to $DUMMY: the driver has no native XDP" \
	"$TAPIO" attach $DUMMY --mode native
out=$("$TAPIO" attach $DUMMY 2>&1)
expect_eq "auto mode says why it fell back" \
	"$(grep -c "in generic mode (native refused: the driver has no native XDP)" <<<"$out")" 1
"$TAPIO" detach $DUMMY >/dev/null
finish
