#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# IPFIX from `tapio run` on loopback. UDP to two collectors at once, nfdump's
# nfcapd and pmacct's nfacctd: both show exactly the flows sent, with exact
# packets and bytes, IPv4 and IPv6, and nfacctd's start and end times are
# those of tapio's own JSON lines to the ms. TCP to python3-ipfix's decoder:
# the same records, the observation domain, gapless sequence numbers.
. "$(dirname "$0")/../lib.sh"
require_root
command -v nfcapd >/dev/null || skip "nfcapd not installed (Debian package nfdump)"
command -v nfacctd >/dev/null || skip "nfacctd not installed (Debian package pmacct)"
/usr/bin/python3 -c 'import ipfix.reader' 2>/dev/null || skip "python3-ipfix not installed"

use_testenv ipfix
DEV=$TESTENV_DEV
D=$(mktemp -d)
PORT=$((20000 + RANDOM % 10000))
MPORT=$((PORT + 1)) NPORT=$((PORT + 2)) TPORT=$((PORT + 3))
# nfacctd runs in its own process group: its plugin child goes with it
EXTRA_CLEANUP='kill $NFC $PYC 2>/dev/null; [ -n "${NFA:-}" ] && kill -KILL -- -$NFA 2>/dev/null
wait $NFC $NFA $PYC 2>/dev/null; rm -rf "$D"'
mkdir -p "$D/flows"
# a large socket buffer: without it nfcapd was seen to lose bursts
nfcapd -b 127.0.0.1 -p "$PORT" -w "$D/flows" -B 4194304 >"$D/nfcapd.log" 2>&1 &
NFC=$!
cat >"$D/nfacctd.conf" <<CONF
daemonize: false
nfacctd_ip: 127.0.0.1
nfacctd_port: $NPORT
plugins: print
aggregate: src_host, dst_host, src_port, dst_port, proto, timestamp_start, timestamp_end
print_output: csv
print_output_file: $D/nfacctd.csv
print_output_file_append: true
print_refresh_time: 1
timestamps_since_epoch: true
CONF
setsid nfacctd -f "$D/nfacctd.conf" >"$D/nfacctd.log" 2>&1 &
NFA=$!
sleep 0.5
t0=$(date +%s)

"$TAPIO" run "$DEV" --interval 0.1 --idle-timeout 0.3 --metrics "127.0.0.1:$MPORT" \
	--ipfix "127.0.0.1:$PORT,127.0.0.1:$NPORT" --observation-domain 7 \
	>"$D/flows.jsonl" 2>"$D/run.err" &
RUN=$!
BG_PIDS=$RUN
wait_ready "$D/run.err"
nsexec "$PKTSEND" udp --src "$TESTENV_IP4_NS" --sport 6000 --flows 3 --count 50 \
	--dst "$TESTENV_IP4_HOST" --dport 9100 --size 100 >/dev/null
nsexec "$PKTSEND" udp --src "$TESTENV_IP6_NS" --sport 6100 --flows 2 --count 30 \
	--dst "$TESTENV_IP6_HOST" --dport 9101 --size 77 >/dev/null
sleep 0.8 # idle timeout: the flows end and are exported
curl -s "127.0.0.1:$MPORT/metrics" >"$D/metrics"
kill -TERM $RUN
wait $RUN
BG_PIDS=
kill -TERM $NFC
wait $NFC
NFC=
nfdump -R "$D/flows" -o csv -q >"$D/flows.csv" 2>"$D/nfdump.err"
# nfacctd's print plugin writes its cache every second
wait_until 4 "[ \"\$(grep -c ',udp,' \"\$D/nfacctd.csv\" 2>/dev/null)\" -ge 5 ]"
sleep 1.2 # one more purge: anything late would show as a surplus
kill -KILL -- -$NFA
wait $NFA 2>/dev/null
NFA=

# nfdump csv: ts,te,td,sa,da,sp,dp,pr,flg,fwd,stos,ipkt,ibyt,...
flow() { awk -F, -v s="$1" -v d="$2" -v sp="$3" -v dp="$4" \
	'$4 == s && $5 == d && $6 == sp && $7 == dp { print $8, $12, $13 }' "$D/flows.csv"; }
# nfacctd csv: SRC_IP,DST_IP,SRC_PORT,DST_PORT,PROTOCOL,TIMESTAMP_START,TIMESTAMP_END,PACKETS,BYTES
nfa() { awk -F, -v s="$1" -v d="$2" -v sp="$3" -v dp="$4" \
	'$1 == s && $2 == d && $3 == sp && $4 == dp { print $5, $8, $9 }' "$D/nfacctd.csv"; }
for i in 0 1 2; do
	expect_eq "nfcapd: IPv4 flow $((6000 + i)): UDP, 50 packets, 7100 bytes" \
		"$(flow "$TESTENV_IP4_NS" "$TESTENV_IP4_HOST" $((6000 + i)) 9100)" "UDP 50 7100"
	expect_eq "nfacctd: IPv4 flow $((6000 + i)): the same" \
		"$(nfa "$TESTENV_IP4_NS" "$TESTENV_IP4_HOST" $((6000 + i)) 9100)" "udp 50 7100"
done
for i in 0 1; do
	expect_eq "nfcapd: IPv6 flow $((6100 + i)): UDP, 30 packets, 4170 bytes" \
		"$(flow "$TESTENV_IP6_NS" "$TESTENV_IP6_HOST" $((6100 + i)) 9101)" "UDP 30 4170"
	expect_eq "nfacctd: IPv6 flow $((6100 + i)): the same" \
		"$(nfa "$TESTENV_IP6_NS" "$TESTENV_IP6_HOST" $((6100 + i)) 9101)" "udp 30 4170"
done
sent() { grep '^{"ipfix"' "$D/run.err" | jq ".ipfix.collectors[\"127.0.0.1:$1\"].$2"; }
expect_eq "every record tapio sent reached nfcapd" "$(grep -c . "$D/flows.csv")" "$(sent "$PORT" records)"
expect_eq "every record tapio sent reached nfacctd" \
	"$(grep -vc '^SRC_IP' "$D/nfacctd.csv")" "$(sent "$NPORT" records)"
expect_eq "no export errors to either" "$(sent "$PORT" errors) $(sent "$NPORT" errors)" "0 0"
expect_range "/metrics counts the records sent to each collector so far" \
	"$(awk -v m="tapio_ipfix_records_total{collector=\"127.0.0.1:$NPORT\"}" '$1 == m { print $2 }' "$D/metrics")" \
	5 "$(sent "$NPORT" records)"
ts=$(awk -F, -v s="$TESTENV_IP4_NS" '$4 == s && $6 == 6000 { print $1 }' "$D/flows.csv")
expect_range "nfdump: flow start time is now (epoch s)" "$(date -d "$ts" +%s)" $((t0 - 2)) $(($(date +%s) + 2))
# flowStart/EndMilliseconds against the JSON lines of the same run: tapio's
# ns stamps cut to ms, as nfacctd prints them (s.mmm000)
mismatch=0
while read -r src dst sport dport first last; do
	want=$(awk -v a="$first" -v b="$last" 'BEGIN { printf "%d.%03d000 %d.%03d000",
		int(a / 1e9), int(a / 1e6) % 1000, int(b / 1e9), int(b / 1e6) % 1000 }')
	got=$(awk -F, -v s="$src" -v d="$dst" -v sp="$sport" -v dp="$dport" \
		'$1 == s && $2 == d && $3 == sp && $4 == dp { print $6, $7 }' "$D/nfacctd.csv")
	[ "$got" = "$want" ] || { mismatch=$((mismatch + 1)); echo "  $src:$sport: nfacctd '$got', json '$want'"; }
done < <(jq -r 'select(.protocol == "udp") | "\(.src) \(.dst) \(.src_port) \(.dst_port) \(.first_seen_ns) \(.last_seen_ns)"' "$D/flows.jsonl")
expect_eq "nfacctd: start and end ms of all 5 UDP flows equal tapio's JSON lines" "$mismatch" 0

# TCP transport, to an independent decoder that starts after tapio: the
# exporter keeps trying and connects, templates first
"$TAPIO" run "$DEV" --interval 0.1 --idle-timeout 0.3 --metrics "127.0.0.1:$MPORT" --socket "$D/tcp.sock" \
	--ipfix "127.0.0.1:$TPORT" --ipfix-tcp --observation-domain 9 >"$D/tcp-flows.jsonl" 2>"$D/tcp-run.err" &
RUN=$!
BG_PIDS=$RUN
up() { curl -s "127.0.0.1:$MPORT/metrics" | awk -v m="tapio_ipfix_collector_up{collector=\"127.0.0.1:$TPORT\"}" '$1 == m { print $2 }'; }
# the pins exist before /metrics answers: wait for the family itself
wait_until 5 '[ -e "/sys/fs/bpf/tapio/$DEV/tapio_flows" ] && [ -n "$(up)" ]'
expect_eq "TCP: no collector yet: up is 0" "$(up)" 0
/usr/bin/python3 "$ROOT/tests/tools/ipfix_tcp_collect.py" 127.0.0.1 "$TPORT" "$D/tcp.jsonl" >"$D/pyc.log" 2>&1 &
PYC=$!
wait_until 5 '[ "$(up)" = 1 ]'
expect_eq "TCP: the exporter connected once the collector came up" "$(up)" 1
nsexec "$PKTSEND" udp --src "$TESTENV_IP4_NS" --sport 6200 --flows 2 --count 40 \
	--dst "$TESTENV_IP4_HOST" --dport 9200 --size 60 >/dev/null
nsexec "$PKTSEND" udp --src "$TESTENV_IP6_NS" --sport 6300 --count 25 \
	--dst "$TESTENV_IP6_HOST" --dport 9201 --size 60 >/dev/null
sleep 0.6
kill -TERM $RUN # the stream closes: the decoder sees its end and exits
wait $RUN
BG_PIDS=
wait_until 5 '! kill -0 $PYC 2>/dev/null'
kill $PYC 2>/dev/null # a decoder still waiting fails the next check
wait $PYC
expect_eq "TCP: the decoder read the stream to its end" "$?" 0
PYC=
tcpflow() { jq -r --arg a "$1" --arg p "$2" \
	'select((.sourceIPv4Address // .sourceIPv6Address) == $a and .sourceTransportPort == $p) |
	"\(.protocolIdentifier) \(.packetDeltaCount) \(.octetDeltaCount) \(.flowEndReason)"' "$D/tcp.jsonl"; }
expect_eq "TCP: IPv4 flow 6200: 40 packets, 4080 bytes, idle end" "$(tcpflow "$TESTENV_IP4_NS" 6200)" "17 40 4080 1"
expect_eq "TCP: IPv4 flow 6201: the same" "$(tcpflow "$TESTENV_IP4_NS" 6201)" "17 40 4080 1"
expect_eq "TCP: IPv6 flow 6300: 25 packets, 3050 bytes, idle end" "$(tcpflow "$TESTENV_IP6_NS" 6300)" "17 25 3050 1"
expect_eq "TCP: every record sent was decoded" "$(grep -c . "$D/tcp.jsonl")" \
	"$(grep '^{"ipfix"' "$D/tcp-run.err" | jq .ipfix.records)"
expect_eq "TCP: observation domain 9 on every message" "$(jq -r ._odid "$D/tcp.jsonl" | sort -u)" 9
# RFC 7011: a message's sequence number counts the data records before it
expect_eq "TCP: sequence numbers start at 0 and have no gap" "$(jq -r ._sequence "$D/tcp.jsonl" | awk '
	NR == 1 { want = 0 }
	$1 != cur || NR == 1 { if ($1 != want) bad++; cur = $1 }
	{ want++ }
	END { print bad + 0 }')" 0
expect_eq "TCP: every exported flow was sent or counted lost (while no collector listened)" \
	"$(grep '^{"ipfix"' "$D/tcp-run.err" | jq '.ipfix.records + .ipfix.errors')" \
	"$(grep -c . "$D/tcp-flows.jsonl")"

finish
