#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# IPFIX from `tapio run` to nfdump's nfcapd on loopback: after known flows
# end, nfdump shows exactly those flows with exact packets and bytes, IPv4
# and IPv6.
. "$(dirname "$0")/../lib.sh"
require_root
command -v nfcapd >/dev/null || skip "nfcapd not installed (Debian package nfdump)"

use_testenv ipfix
DEV=$TESTENV_DEV
D=$(mktemp -d)
PORT=$((20000 + RANDOM % 10000))
EXTRA_CLEANUP='[ -n "${NFC:-}" ] && kill $NFC 2>/dev/null; wait $NFC 2>/dev/null; rm -rf "$D"'
mkdir -p "$D/flows"
# a large socket buffer: without it nfcapd was seen to lose bursts
nfcapd -b 127.0.0.1 -p "$PORT" -w "$D/flows" -B 4194304 >"$D/nfcapd.log" 2>&1 &
NFC=$!
sleep 0.5
t0=$(date +%s)

MPORT=$((PORT + 1))
"$TAPIO" run "$DEV" --interval 0.1 --idle-timeout 0.3 --metrics "127.0.0.1:$MPORT" \
	--ipfix "127.0.0.1:$PORT" --observation-domain 7 >/dev/null 2>"$D/run.err" &
RUN=$!
BG_PIDS=$RUN
for _ in $(seq 50); do [ -e "/sys/fs/bpf/tapio/$DEV/tapio_flows" ] && break; sleep 0.1; done
nsexec "$PKTSEND" udp --src "$TESTENV_IP4_NS" --sport 6000 --flows 3 --count 50 \
	--dst "$TESTENV_IP4_HOST" --dport 9100 --size 100 >/dev/null
nsexec "$PKTSEND" udp --src "$TESTENV_IP6_NS" --sport 6100 --flows 2 --count 30 \
	--dst "$TESTENV_IP6_HOST" --dport 9101 --size 77 >/dev/null
sleep 0.8 # idle timeout: the flows end and are exported
recs=$(curl -s "127.0.0.1:$MPORT/metrics" | awk '$1 == "tapio_ipfix_records_total" { print $2 }')
kill -TERM $RUN
wait $RUN
BG_PIDS=
kill -TERM $NFC
wait $NFC
NFC=
nfdump -R "$D/flows" -o csv -q >"$D/flows.csv" 2>"$D/nfdump.err"

# nfdump csv: ts,te,td,sa,da,sp,dp,pr,flg,fwd,stos,ipkt,ibyt,...
flow() { awk -F, -v s="$1" -v d="$2" -v sp="$3" -v dp="$4" \
	'$4 == s && $5 == d && $6 == sp && $7 == dp { print $8, $12, $13 }' "$D/flows.csv"; }
for i in 0 1 2; do
	expect_eq "IPv4 flow $((6000 + i)): UDP, 50 packets, 7100 bytes" \
		"$(flow "$TESTENV_IP4_NS" "$TESTENV_IP4_HOST" $((6000 + i)) 9100)" "UDP 50 7100"
done
for i in 0 1; do
	expect_eq "IPv6 flow $((6100 + i)): UDP, 30 packets, 4170 bytes" \
		"$(flow "$TESTENV_IP6_NS" "$TESTENV_IP6_HOST" $((6100 + i)) 9101)" "UDP 30 4170"
done
sent=$(grep '^{"ipfix"' "$D/run.err" | jq .ipfix.records)
expect_eq "every record tapio sent reached nfcapd" "$(grep -c . "$D/flows.csv")" "$sent"
expect_eq "no export errors" "$(grep '^{"ipfix"' "$D/run.err" | jq .ipfix.errors)" 0
expect_range "/metrics counts the IPFIX records sent so far" "${recs:-0}" 5 "$sent"
ts=$(awk -F, -v s="$TESTENV_IP4_NS" '$4 == s && $6 == 6000 { print $1 }' "$D/flows.csv")
expect_range "flow start time is now (epoch s)" "$(date -d "$ts" +%s)" $((t0 - 2)) $(($(date +%s) + 2))

finish
