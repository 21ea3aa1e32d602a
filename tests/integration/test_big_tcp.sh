#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# IPv4 BIG TCP (Linux 6.3+): GSO packets over 64 KiB carry total length 0.
# At TC egress they are flows, not bad_ipv4_length, and their segments are
# counted as the receiver's TCP MIB counts them.
. "$(dirname "$0")/../lib.sh"
require_root
command -v python3 >/dev/null || skip "python3 not installed"

use_testenv bigtcp --ipv4-only
DEV=$TESTENV_DEV N4=$TESTENV_IP4_NS
ip link set dev "$DEV" gso_max_size 185000
python3 "$ROOT/tests/tools/set_gso_ipv4.py" "$DEV" 185000 ||
	skip "this kernel has no IPv4 BIG TCP (IFLA_GSO_IPV4_MAX_SIZE)"
nsexec ip link set dev veth0 gro_max_size 185000
nsexec python3 "$ROOT/tests/tools/set_gso_ipv4.py" veth0 185000 || fail "gro size in the namespace"

"$TAPIO" attach "$DEV" >/dev/null
# the host's own TCP MIB: segments it sent again (payload counted twice)
host_retrans() { awk '$1 == "Tcp:" { if (!h) { for (i = 2; i <= NF; i++) idx[$i] = i; h = 1 } else print $(idx["RetransSegs"]) }' /proc/net/snmp; }
rt0=$(host_retrans)
in0=$(snmp_tcp InSegs)
nsexec "$PKTSEND" tcp-server --bind "$N4" --port 8081 --reply 0 >/dev/null &
SRV=$!
BG_PIDS=$SRV
wait_until 5 "nsexec ss -ltn | grep -q ':8081'"
"$PKTSEND" tcp-client --dst "$N4" --port 8081 --bytes 4000000 >/dev/null || fail "tcp transfer"
wait "$SRV"
BG_PIDS=
in1=$(snmp_tcp InSegs)
rt=$(($(host_retrans) - rt0))
flows_json "$DEV" >"$J"
S=$("$TAPIO" status --json | jq -c --arg d "$DEV" 'select(.dev == $d)')
expect_eq "no egress frame is a bad IPv4 length" "$(jq .counters.egress.bad_ipv4_length <<<"$S")" 0
expect_eq "tcp egress segments == namespace InSegs" \
	"$(flow_sum "$J" packets '.direction == "egress" and .protocol == "tcp"')" $((in1 - in0))
bytes=$(flow_sum "$J" bytes '.direction == "egress" and .protocol == "tcp" and .dst_port == 8081')
segs=$(flow_sum "$J" packets '.direction == "egress" and .protocol == "tcp" and .dst_port == 8081')
# a segment the host resends is on the wire twice (21 of 2838 once, in a
# clean-clone run: ACKs lost in the XDP ring of the host side), each at
# most an MSS (1448 bytes with timestamps) more
expect_range "tcp egress bytes = 4000000 payload + 54..74 header bytes per segment + what $rt resent segments carried" \
	"$bytes" $((4000000 + 54 * segs)) $((4000000 + 74 * segs + 1448 * rt))
"$TAPIO" detach "$DEV" >/dev/null
finish
