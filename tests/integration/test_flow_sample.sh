#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Flow packet sampling (`--flow-sample N`, `tapio sample set flows N`):
# known frames through a veth, one in 10 kept and counted as 10; the
# flows' totals hold the true count within their 95% interval, the
# identity stays exact (kept + sampled out = seen), TCP SYN/FIN/RST are
# all kept, the JSON lines and IPFIX records say the rate, and a change
# while running ends every flow first so that each record has one rate.
. "$(dirname "$0")/../lib.sh"
require_root
command -v jq >/dev/null || skip "jq missing"
/usr/bin/python3 -c 'import ipfix' 2>/dev/null || skip "python3-ipfix missing"

D=$(mktemp -d)
P=fs$$
PORT=$((20000 + RANDOM % 10000))
TPORT=$((30000 + RANDOM % 10000))
cleanup() {
	kill $BG_PIDS 2>/dev/null
	wait $BG_PIDS 2>/dev/null
	ip link del "${P}a" 2>/dev/null
	rm -rf "$D"
}
trap cleanup EXIT
metric() { curl -s "127.0.0.1:$PORT/metrics" | awk -v m="$1" '$1 == m {print $2}'; }
# send DPORT COUNT [pktsend options]: one flow of COUNT frames of 60 bytes
send() {
	local dport=$1 count=$2
	shift 2
	"$PKTSEND" raw --dev "${P}b" --dst-mac 02:00:00:00:00:01 --src 10.78.0.1 \
		--dst 10.78.0.9 --sport 3000 --dport "$dport" --count "$count" --size 60 "$@" >/dev/null
}
seen() { "$TAPIO" status --json | jq -r --arg d "${P}a" 'select(.dev == $d) | .counters.ingress.seen_packets'; }
settle() { wait_until 5 "[ \"\$(seen)\" = $1 ]" || fail "frames not seen: $(seen), want $1"; }
# the records of port $1: "packets sampling_1_in packets_ci95" summed
records() { jq -s -r --argjson p "$1" 'map(select(.dst_port == $p)) |
	"\(map(.packets) | add // 0) \(map(.sampling_1_in // 1) | unique | join(",")) \(map(.packets_ci95 // 0) | add // 0)"' "$D/flows.json"; }

veth_up "${P}a" "${P}b" || fail "veth"
/usr/bin/python3 "$ROOT/tests/tools/ipfix_tcp_collect.py" 127.0.0.1 "$TPORT" "$D/ipfix.jsonl" >"$D/pyc.log" 2>&1 &
PYC=$!
BG_PIDS=$PYC
wait_until 5 'grep -q listening "$D/pyc.log"' || fail "no IPFIX collector"
: >"$D/err"
"$TAPIO" run "${P}a" --flow-sample 10 --interval 0.2 --idle-timeout 30 --socket "$D/ctl.sock" \
	--metrics "127.0.0.1:$PORT" --ipfix "127.0.0.1:$TPORT" --ipfix-tcp \
	--json-file "$D/flows.json" 2>"$D/err" &
RUN=$!
BG_PIDS="$PYC $RUN"
wait_ready "$D/err" || fail "not ready: $(head -3 "$D/err")"
wait_until 5 '[ -n "$(metric tapio_flow_sampling_rate)" ]'
expect_eq "/metrics: one in 10" "$(metric tapio_flow_sampling_rate)" 10

# 1. 20,000 frames of one UDP flow and 50 of TCP SYN, 50 FIN|ACK, 50 RST
send 7001 20000
send 7002 50 --proto tcp --flags 0x02
send 7002 50 --proto tcp --flags 0x11
send 7002 50 --proto tcp --flags 0x14
settle 20150
# the change to 1 in 1 ends every flow first, at 1 in 10
expect_eq "sample set flows 1" "$("$TAPIO" sample set flows 1 --socket "$D/ctl.sock" --json | jq -r 'select(.stream == "flows") | .sample_1_in')" 1
wait_until 5 '[ "$(metric tapio_flow_sampling_rate)" = 1 ]'
read -r PK RATE CI < <(records 7001)
expect_eq "the UDP flow's record says 1 in 10" "$RATE" 10
awk -v p="$PK" -v ci="$CI" 'BEGIN { d = p - 20000; if (d < 0) d = -d; exit !(ci > 0 && d <= ci / 1.96 * 4) }' &&
	pass "estimated $PK +-$CI (95%) packets hold the 20000 sent (within 4 sd)" ||
	fail "estimated $PK +-$CI, sent 20000"
expect_eq "a multiple of 10: each kept frame counts 10" "$((PK % 10))" 0
read -r PK RATE CI < <(records 7002)
expect_eq "TCP SYN, FIN and RST: all 150 kept, each as 1" "$PK" 150
expect_eq "with flags ACK, RST, SYN, FIN" "$(jq -s -r 'map(select(.dst_port == 7002)) | .[0].tcp_flags' "$D/flows.json")" "...A.RSF"
UDP=$(records 7001 | awk '{print $1}')
ST=$("$TAPIO" status --json | jq --arg d "${P}a" 'select(.dev == $d) | .counters.ingress')
OUT=$(jq .sampled_out_packets <<<"$ST")
EXTRA=$(jq .sampled_extra_packets <<<"$ST")
expect_eq "estimated beyond the kept: 9 for each UDP frame kept" "$EXTRA" $((UDP / 10 * 9))
expect_eq "flows - estimated extra + sampled out = the 20,150 seen" "$((UDP + PK - EXTRA + OUT))" 20150
expect_eq "sampled out, in /metrics" "$(metric "tapio_interface_sampled_out_packets_total{interface=\"${P}a\",direction=\"ingress\"}")" "$OUT"

# 2. at 1 in 1 every frame counts once again
send 7003 1000
settle 21150
expect_eq "sample show: flows 1 in 1" "$("$TAPIO" sample show --json --socket "$D/ctl.sock" | jq -r 'select(.stream == "flows") | .sample_1_in')" 1
"$TAPIO" expire --socket "$D/ctl.sock" >/dev/null
read -r PK RATE CI < <(records 7003)
expect_eq "unsampled: exactly 1000, no rate said (1)" "$PK $RATE $CI" "1000 1 0"

# 3. what is refused
expect_fail "adaptive flows" "refused: flows are sampled one in 1 to 1000000 \(no target\)" \
	"$TAPIO" sample set flows auto:100 --socket "$D/ctl.sock"
expect_fail "a bad --flow-sample" "flow.sample" \
	"$TAPIO" run "${P}a" --flow-sample 0 --socket none --metrics none

kill -TERM $RUN
wait $RUN
expect_eq "exits 0" "$?" 0
BG_PIDS=$PYC
S=$(grep '^{"summary"' "$D/err")
expect_eq "summary: exact" "$(jq .summary.exact <<<"$S")" true
expect_eq "summary: nothing unaccounted" "$(jq .summary.ingress.unaccounted_packets <<<"$S")" 0
wait_until 5 '! kill -0 $PYC 2>/dev/null'
ipf() { jq -r --arg p "$1" 'select(.destinationTransportPort == $p) | "\(.packetDeltaCount) \(.samplingInterval) \(.samplerMode)"' "$D/ipfix.jsonl" | sort -u; }
expect_eq "IPFIX: the sampled UDP record: its estimate, interval 10, random" "$(ipf 7001)" "$(records 7001 | awk '{print $1}') 10 2"
expect_eq "IPFIX: the unsampled one: interval 1" "$(ipf 7003)" "1000 1 0"
finish
