#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# bench: churn: one burst of new one-packet UDP flows, as fast as one sender
# core makes them, into `tapio run` at its defaults beside softflowd at its
# own, on the same veth at once: the share of packets each puts in a flow
# record, the drains it took, and CPU per 1000 flows (tapio: process + BPF).
set -u
cd "$(dirname "$0")/.." || exit 1
TAPIO=build/tapio
PKTSEND=build/tools/pktsend
TESTENV=testenv/testenv.sh
FLOWS=${CHURN_FLOWS:-1000000}
[ "$(id -u)" = 0 ] || { echo "SKIP: churn needs root"; exit 0; }
for c in softflowd softflowctl; do
	command -v $c >/dev/null || { echo "SKIP: $c not installed (make bench installs it)"; exit 0; }
done

. bench/lib.sh
trap 'bench_cleanup churn' EXIT
D=$(mktemp -d)
$TESTENV setup --name churn --ipv4-only >/dev/null || exit 1
eval "$($TESTENV env churn)"
MP=$((30000 + RANDOM % 10000))

# run time of this device's programs, read now (/metrics scans it every
# few intervals): found by id, never by name
bpf_s() {
	local id ns=0
	for id in $($TAPIO status --json | jq -r --arg d "$TESTENV_DEV" \
		'select(.dev == $d) | .xdp_prog_id, .tc_prog_id, .tc_in_prog_id | select(. > 0)'); do
		ns=$((ns + $(bpftool prog show id "$id" --json | jq '.run_time_ns // 0')))
	done
	echo "$ns / 1000000000" | bc -l
}

# defaults but where the records go: the table, sinks and timeouts as shipped
# (CHURN_TAPIO_OPTS: settings to compare, e.g. --drain-at 0)
$TAPIO run "$TESTENV_DEV" --metrics "127.0.0.1:$MP" --socket "$D/tapio.sock" \
	--bpf-stats ${CHURN_TAPIO_OPTS:-} >/dev/null 2>"$D/tapio.err" &
RUN=$!
# (the filter keeps the host's ICMP answers out of its count)
softflowd -d -i "$TESTENV_DEV" -c "$D/sf.ctl" -p "$D/sf.pid" \
	"udp and src host $TESTENV_IP4_NS" >"$D/sf.log" 2>&1 &
SF=$!
for _ in $(seq 100); do grep -q '^ready: ' "$D/tapio.err" && [ -S "$D/sf.ctl" ] && break; sleep 0.1; done
c_tapio=$(cpu_s $RUN) c_sf=$(cpu_s $SF) b0=$(bpf_s)
t0=$(date +%s.%N)
# crafted frames, flow i on ports 1024 + i (carrying into the destination
# port past 65535), so that every one is a new flow
ip netns exec "$TESTENV_NS" $PKTSEND raw --dev veth0 --dst-mac "$TESTENV_MAC_HOST" \
	--src "$TESTENV_IP4_NS" --dst "$TESTENV_IP4_HOST" --sport 1024 --dport 10000 \
	--flows "$FLOWS" --count 1 --size 18 >/dev/null
t1=$(date +%s.%N)
sleep 2 # the last interval's drain
p_tapio=$(echo "$(cpu_s $RUN) - $c_tapio" | bc -l)
k_tapio=$(echo "$(bpf_s) - $b0" | bc -l)
c_tapio=$(echo "$p_tapio + $k_tapio" | bc -l)
c_sf=$(echo "$(cpu_s $SF) - $c_sf" | bc -l)
softflowctl -c "$D/sf.ctl" statistics >"$D/sf.stats" 2>&1
forced=$(curl -s "127.0.0.1:$MP/metrics" |
	awk '/^tapio_flows_expired_total\{.*reason="forced"/ { s += $2 } END { print s + 0 }')
kill -TERM $RUN
wait $RUN
RUN=
stop_softflowd

S=$(grep '^{"summary"' "$D/tapio.err")
# the burst's packets less every count of a packet not in a flow
in_flows=$(jq --argjson n "$FLOWS" '$n - (.summary.ingress | .kernel_overflow_packets + .table_overflow_packets + .unaccounted_packets)' <<<"$S")
# softflowd: the packets it processed (each is in a flow), at most the burst
sf_proc=$(awk -v n="$FLOWS" '/^Packets processed/ {print ($3 < n) ? $3 : n}' "$D/sf.stats")
sent_rate=$(echo "$FLOWS / ($t1 - $t0)" | bc -l)
printf 'bench: churn_sent_flows_per_s %.0f flows/s\n' "$sent_rate"
echo "bench: churn_flows_sent $FLOWS flows"
printf 'bench: churn_tapio_in_flows %.4f %%\n' "$(echo "100 * $in_flows / $FLOWS" | bc -l)"
printf 'bench: churn_softflowd_in_flows %.4f %%\n' "$(echo "100 * $sf_proc / $FLOWS" | bc -l)"
echo "bench: churn_tapio_drains $(jq .summary.kernel_drains <<<"$S") drains"
echo "bench: churn_tapio_drains_on_fill $(jq .summary.kernel_drains_on_fill <<<"$S") drains"
echo "bench: churn_tapio_spilled $(jq .summary.ingress.spilled_packets <<<"$S") packets"
echo "bench: churn_tapio_kernel_overflow $(jq .summary.ingress.kernel_overflow_packets <<<"$S") packets"
echo "bench: churn_tapio_table_overflow $(jq .summary.ingress.table_overflow_packets <<<"$S") packets"
echo "bench: churn_tapio_ended_early $forced flows"
printf 'bench: churn_tapio_cpu_per_1k_flows %.3f ms\n' "$(echo "$c_tapio * 1000000 / $FLOWS" | bc -l)"
printf 'bench: churn_tapio_process_cpu_per_1k_flows %.3f ms\n' "$(echo "$p_tapio * 1000000 / $FLOWS" | bc -l)"
printf 'bench: churn_tapio_bpf_cpu_per_1k_flows %.3f ms\n' "$(echo "$k_tapio * 1000000 / $FLOWS" | bc -l)"
printf 'bench: churn_softflowd_cpu_per_1k_flows %.3f ms\n' "$(echo "$c_sf * 1000000 / $FLOWS" | bc -l)"
printf 'bench: churn_tapio_vs_softflowd_cpu %.2f ratio\n' "$(echo "$c_tapio / $c_sf" | bc -l)"
# churn_new_flows_per_s: the sent rate, if every packet got into a flow
[ "$in_flows" = "$FLOWS" ] && printf 'bench: churn_new_flows_per_s %.0f flows/s\n' "$sent_rate"
grep -E "Packets processed|dropped|Expired" "$D/sf.stats" | sed 's/^/# softflowd: /'
exit 0
