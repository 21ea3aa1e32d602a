#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# bench: attribution: run time of tapio_tc at TC egress per packet sent by a
# local UDP socket (BPF_ENABLE_STATS), `tapio run` without and with
# --attribution, 1 flow and 1000 flows; rounds alternate, the least is kept.
set -u
cd "$(dirname "$0")/.." || exit 1
TAPIO=build/tapio
PKTSEND=build/tools/pktsend
TESTENV=testenv/testenv.sh
N=${ATTRIBUTION_PACKETS:-200000}
ROUNDS=${ATTRIBUTION_ROUNDS:-3}
[ "$(id -u)" = 0 ] || { echo "SKIP: attribution needs root"; exit 0; }

cleanup() {
	kill ${RUN:-} 2>/dev/null
	wait 2>/dev/null
	$TAPIO detach tp-attb >/dev/null 2>&1
	$TESTENV teardown attb >/dev/null 2>&1
	rm -rf "$D"
}
trap cleanup EXIT
D=$(mktemp -d)
$TESTENV setup --name attb --ipv4-only >/dev/null || exit 1
eval "$($TESTENV env attb)"
DEV=$TESTENV_DEV

# ns per tapio_tc egress run for N packets in $1 flows, attribution $2
round() {
	local id t0 c0 t1 c1
	: >"$D/err"
	$TAPIO run $DEV --hook tc --bpf-stats $([ "$2" = on ] && echo --attribution) \
		--interval 1 --socket none --metrics none --json-file none 2>"$D/err" &
	RUN=$!
	for _ in $(seq 200); do grep -q 'ready: ' "$D/err" && break; sleep 0.05; done
	id=$($TAPIO status --json 2>/dev/null | jq -r "select(.dev == \"$DEV\") | .tc_prog_id")
	read -r t0 c0 < <(bpftool prog show id "$id" -j | jq -r '"\(.run_time_ns // 0) \(.run_cnt // 0)"')
	$PKTSEND udp --src "$TESTENV_IP4_HOST" --sport 20000 --flows "$1" --count $((N / $1)) \
		--dst "$TESTENV_IP4_NS" --dport 9 --size 64 >/dev/null
	read -r t1 c1 < <(bpftool prog show id "$id" -j | jq -r '"\(.run_time_ns // 0) \(.run_cnt // 0)"')
	kill -TERM $RUN
	wait $RUN 2>/dev/null
	RUN=
	awk -v t=$((t1 - t0)) -v c=$((c1 - c0)) 'BEGIN { printf "%.1f\n", c ? t / c : 0 }'
}

declare -A best
for ((r = 0; r < ROUNDS; r++)); do
	for flows in 1 1000; do
		for mode in off on; do
			v=$(round $flows $mode)
			k="$flows.$mode"
			if [ -z "${best[$k]:-}" ] || awk -v a="$v" -v b="${best[$k]}" 'BEGIN { exit !(a < b) }'; then
				best[$k]=$v
			fi
		done
	done
done
for flows in 1 1000; do
	echo "bench: tc_egress_${flows}flows_attribution_off ${best[$flows.off]} ns"
	echo "bench: tc_egress_${flows}flows_attribution_on ${best[$flows.on]} ns"
	echo "bench: tc_egress_${flows}flows_attribution_ratio $(awk -v a="${best[$flows.on]}" -v b="${best[$flows.off]}" 'BEGIN { printf "%.2f", b ? a / b : 0 }') x"
done
