#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# bench: ipfix_softflowd: tapio and softflowd account and export the same
# burst of one-packet UDP flows on a veth, at once, each to its own nfcapd:
# records delivered of the flows sent, and CPU per 1000 flows of each, net
# of what each process uses idle over the same time (tapio's interval work).
set -u
cd "$(dirname "$0")/.." || exit 1
TAPIO=build/tapio
PKTSEND=build/tools/pktsend
TESTENV=testenv/testenv.sh
FLOWS=${IPFIX_BENCH_FLOWS:-50000}
[ "$(id -u)" = 0 ] || { echo "SKIP: ipfix_softflowd needs root"; exit 0; }
for c in softflowd softflowctl nfcapd nfdump; do
	command -v $c >/dev/null || { echo "SKIP: $c not installed (make bench installs it)"; exit 0; }
done

. bench/lib.sh
trap 'bench_cleanup fbench' EXIT
D=$(mktemp -d)
$TESTENV setup --name fbench --ipv4-only >/dev/null || exit 1
eval "$($TESTENV env fbench)"
P1=$((30000 + RANDOM % 10000)) P2=$((P1 + 1)) MP=$((P1 + 2))
mkdir -p "$D/tapio" "$D/softflowd"
nfcapd -b 127.0.0.1 -p $P1 -w "$D/tapio" -B 16777216 >/dev/null 2>&1 &
NF1=$!
nfcapd -b 127.0.0.1 -p $P2 -w "$D/softflowd" -B 16777216 >/dev/null 2>&1 &
NF2=$!


$TAPIO run "$TESTENV_DEV" --interval 0.5 --idle-timeout 1 --max-flows $((FLOWS * 2)) \
	--kernel-flows $((FLOWS * 2)) --metrics "127.0.0.1:$MP" --socket "$D/tapio.sock" \
	--ipfix "127.0.0.1:$P1" --json-file none --bpf-stats >/dev/null 2>"$D/tapio.err" &
RUN=$!
# the same flow timeouts; a pcap buffer as large as nfcapd's socket's
softflowd -d -i "$TESTENV_DEV" -v 10 -n "127.0.0.1:$P2" -m $((FLOWS * 2)) -B 16777216 \
	-t udp=1 -t expint=1 -c "$D/sf.ctl" -p "$D/sf.pid" >"$D/sf.log" 2>&1 &
SF=$!
for _ in $(seq 50); do [ -e "/sys/fs/bpf/tapio/$TESTENV_DEV/tapio_flows" ] && [ -S "$D/sf.ctl" ] && break; sleep 0.1; done
sleep 0.5
# idle: what each uses with no traffic, per second
W=4
i_tapio=$(cpu_s $RUN) i_sf=$(cpu_s $SF)
sleep $W
i_tapio=$(echo "($(cpu_s $RUN) - $i_tapio) / $W" | bc -l)
i_sf=$(echo "($(cpu_s $SF) - $i_sf) / $W" | bc -l)
t0=$(date +%s.%N)
c_tapio=$(cpu_s $RUN) c_sf=$(cpu_s $SF)

ip netns exec "$TESTENV_NS" $PKTSEND udp --src "$TESTENV_IP4_NS" --sport 10000 --flows "$FLOWS" --count 1 \
	--dst "$TESTENV_IP4_HOST" --dport 9999 --size 64 >/dev/null
sleep $W # idle 1 s, expiry each 0.5 s (tapio) and 1 s (softflowd)
w=$(echo "$(date +%s.%N) - $t0" | bc -l)
c_tapio=$(echo "$(cpu_s $RUN) - $c_tapio - $i_tapio * $w" | bc -l)
c_sf=$(echo "$(cpu_s $SF) - $c_sf - $i_sf * $w" | bc -l)
bpf_s=$(curl -s "127.0.0.1:$MP/metrics" |
	awk '/^tapio_bpf_program_run_seconds_total\{program="tapio_(xdp|tc)"\}/ { s += $2 } END { print s + 0 }')
softflowctl -c "$D/sf.ctl" statistics >"$D/sf.stats" 2>&1
kill -TERM $RUN
wait $RUN
RUN=
stop_softflowd
sleep 0.5
kill -TERM $NF1 $NF2
wait $NF1 $NF2
NF1= NF2=

# records each collector holds for the burst (dport 9999)
got() { nfdump -R "$1" -q -o csv 'dst port 9999' 2>/dev/null | grep -c .; }
g_tapio=$(got "$D/tapio")
g_sf=$(got "$D/softflowd")
echo "bench: ipfix_softflowd_flows_sent $FLOWS flows"
echo "bench: ipfix_tapio_records_delivered $g_tapio records"
echo "bench: ipfix_softflowd_records_delivered $g_sf records"
printf 'bench: ipfix_tapio_cpu_per_1k_flows %.3f ms\n' "$(echo "($c_tapio + $bpf_s) * 1000000 / $FLOWS" | bc -l)"
printf 'bench: ipfix_tapio_bpf_per_1k_flows %.3f ms\n' "$(echo "$bpf_s * 1000000 / $FLOWS" | bc -l)"
printf 'bench: ipfix_softflowd_cpu_per_1k_flows %.3f ms\n' "$(echo "$c_sf * 1000000 / $FLOWS" | bc -l)"
printf 'bench: ipfix_tapio_idle_cpu %.1f ms/s\n' "$(echo "$i_tapio * 1000" | bc -l)"
printf 'bench: ipfix_softflowd_idle_cpu %.1f ms/s\n' "$(echo "$i_sf * 1000" | bc -l)"
grep -E "Packets processed|by libpcap|by interface|failures" "$D/sf.stats" | sed 's/^/# softflowd: /'
