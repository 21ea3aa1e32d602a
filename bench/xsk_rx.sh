#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# bench: xsk_rx: frames/s the AF_XDP pollers receive on a veth at the rate
# one sender core produces, next to `tcpdump -w /dev/null` on the same
# traffic in the same run, with the drops of each.
set -u
cd "$(dirname "$0")/.." || exit 1
TAPIO=build/tapio
PKTSEND=build/tools/pktsend
TESTENV=testenv/testenv.sh
FRAMES=${XSK_BENCH_FRAMES:-1000000}
[ "$(id -u)" = 0 ] || { echo "SKIP: xsk_rx needs root"; exit 0; }
command -v tcpdump >/dev/null || { echo "SKIP: tcpdump not installed"; exit 0; }

cleanup() {
	[ -n "${RUN:-}" ] && kill "$RUN" 2>/dev/null
	[ -n "${TD:-}" ] && kill "$TD" 2>/dev/null
	$TAPIO detach tp-xbench >/dev/null 2>&1
	$TESTENV teardown xbench >/dev/null 2>&1
	rm -f "${E:-}" "${T:-}"
}
trap cleanup EXIT
$TESTENV setup --name xbench --ipv4-only >/dev/null || exit 1
eval "$($TESTENV env xbench)"
E=$(mktemp)
T=$(mktemp)

# send FRAMES 64-byte frames from one core; prints the seconds it took
send() {
	local t0 t1
	t0=$(date +%s.%N)
	ip netns exec "$TESTENV_NS" $PKTSEND raw --dev veth0 --dst-mac "$TESTENV_MAC_HOST" \
		--src 10.9.0.2 --dst 10.9.0.1 --sport 1000 --dport 2000 --count "$FRAMES" --size 22 >/dev/null
	t1=$(date +%s.%N)
	echo "$t1 - $t0" | bc -l
}

# 1. the pollers
$TAPIO run "$TESTENV_DEV" --xsk all --interval 1 >/dev/null 2>"$E" &
RUN=$!
for _ in $(seq 50); do grep -q '^xsk .* queue 0' "$E" && break; sleep 0.1; done
secs=$(send)
sleep 0.5
kill -INT $RUN
wait $RUN
RUN=
got=$(grep '^{"summary"' "$E" | jq .summary.xsk_received_packets)
drop=$(grep '^{"summary"' "$E" | jq .summary.xsk_dropped_packets)
xsk_pps=$(echo "$got / $secs" | bc)
sent_pps=$(echo "$FRAMES / $secs" | bc)

# 2. tcpdump on the same traffic
tcpdump -i "$TESTENV_DEV" -n -w /dev/null 2>"$T" &
TD=$!
for _ in $(seq 50); do grep -q listening "$T" && break; sleep 0.1; done
tsecs=$(send)
sleep 0.5
kill -INT $TD
wait $TD
TD=
tgot=$(sed -n 's/^\([0-9]*\) packets captured/\1/p' "$T")
tdrop=$(sed -n 's/^\([0-9]*\) packets dropped by kernel/\1/p' "$T")
td_pps=$(echo "$tgot / $tsecs" | bc)
td_sent_pps=$(echo "$FRAMES / $tsecs" | bc)

echo "bench: xsk_rx_sender $sent_pps frames/s"
echo "bench: xsk_rx $xsk_pps frames/s"
echo "bench: xsk_rx_received $got frames"
echo "bench: xsk_rx_dropped $drop frames"
echo "bench: tcpdump_rx_sender $td_sent_pps frames/s"
echo "bench: tcpdump_rx $td_pps frames/s"
echo "bench: tcpdump_rx_received $tgot frames"
echo "bench: tcpdump_rx_dropped $tdrop frames"
echo "bench: tcpdump_rx_unreported $((FRAMES - tgot - tdrop)) frames"
echo "bench: xsk_rx_vs_tcpdump $(echo "scale=2; $xsk_pps / $td_pps" | bc) ratio"
