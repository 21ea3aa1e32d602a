#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# bench: rx_cost: CPU per received packet on a veth (all CPUs, user +
# system + softirq, from /proc/stat) for one UDP burst into the host side,
# with nothing attached, a bare XDP_PASS, tapio at each hook, `tapio run`
# and softflowd; rounds alternate the configurations, the least is kept.
# For the collectors also their own process's CPU per packet.
set -u
cd "$(dirname "$0")/.." || exit 1
TAPIO=build/tapio
PKTSEND=build/tools/pktsend
TESTENV=testenv/testenv.sh
N=${RX_COST_PACKETS:-300000}
ROUNDS=${RX_COST_ROUNDS:-3}
[ "$(id -u)" = 0 ] || { echo "SKIP: rx_cost needs root"; exit 0; }

cleanup() {
	kill ${BG:-} 2>/dev/null
	wait 2>/dev/null
	$TAPIO detach tp-rxc >/dev/null 2>&1
	ip link set dev tp-rxc xdp off 2>/dev/null
	$TESTENV teardown rxc >/dev/null 2>&1
	rm -rf "$D"
}
trap cleanup EXIT
D=$(mktemp -d)
$TESTENV setup --name rxc --ipv4-only >/dev/null || exit 1
eval "$($TESTENV env rxc)"
DEV=$TESTENV_DEV

busy() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 }' /proc/stat; }
# ns on CPU of process $1, all its threads (schedstat: ns, not ticks)
proc_ns() { cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{ s += $1 } END { print s + 0 }'; }
# the burst: 1000 flows of N/1000 packets (10k flows for the run configs)
burst() {
	ip netns exec "$TESTENV_NS" $PKTSEND udp --src "$TESTENV_IP4_NS" --sport 10000 \
		--flows "$1" --count $((N / $1)) --dst "$TESTENV_IP4_HOST" --dport 9 --size 64 >/dev/null
}
# set up CONFIG, or take it down with "CONFIG off"
config() {
	case "$1 ${2:-}" in
	"none ") ;;
	"xdp_pass ") ip link set dev $DEV xdpdrv obj build/bench/xdp_pass.o sec xdp ;;
	"xdp_pass off") ip link set dev $DEV xdp off ;;
	"tapio_xdp ") $TAPIO attach $DEV --hook xdp --mode native >/dev/null ;;
	"tapio_xdp_generic ") $TAPIO attach $DEV --hook xdp --mode generic >/dev/null ;;
	"tapio_tc ") $TAPIO attach $DEV --hook tc >/dev/null ;;
	"tapio_run_xdp " | "tapio_run_tc ")
		: >"$D/run.err"
		$TAPIO run $DEV --hook "${1#tapio_run_}" --interval 1 --socket none \
			--metrics none --json-file none 2>"$D/run.err" &
		BG=$!
		for _ in $(seq 100); do grep -q 'ready: ' "$D/run.err" && break; sleep 0.05; done
		;;
	"softflowd ")
		softflowd -d -i $DEV -v 10 -n 127.0.0.1:9 -m 200000 -B 16777216 \
			-c "$D/sf.ctl" -p "$D/sf.pid" >/dev/null 2>&1 &
		BG=$!
		for _ in $(seq 100); do [ -S "$D/sf.ctl" ] && break; sleep 0.05; done
		sleep 0.3
		;;
	"tapio_xdp off" | "tapio_xdp_generic off" | "tapio_tc off") $TAPIO detach $DEV >/dev/null ;;
	"tapio_run_xdp off" | "tapio_run_tc off" | "softflowd off")
		kill -TERM $BG
		wait $BG 2>/dev/null
		BG=
		;;
	esac
}

CONFIGS="none xdp_pass tapio_xdp tapio_xdp_generic tapio_tc tapio_run_xdp tapio_run_tc"
command -v softflowd >/dev/null && CONFIGS="$CONFIGS softflowd"
declare -A best proc
for ((r = 0; r < ROUNDS; r++)); do
	for c in $CONFIGS; do
		config $c
		flows=1000
		[[ $c == tapio_run* || $c == softflowd ]] && flows=10000
		p0=$([ -n "${BG:-}" ] && proc_ns $BG)
		b0=$(busy)
		burst $flows
		b1=$(busy)
		# the collector's own CPU, one interval past the burst so that
		# tapio's drain of it is in (and ~1 ms/s of idle work)
		if [ -n "${BG:-}" ]; then
			sleep 1.2
			pv=$((($(proc_ns $BG) - p0) / N))
			if [ -z "${proc[$c]:-}" ] || [ "$pv" -lt "${proc[$c]}" ]; then proc[$c]=$pv; fi
		fi
		config $c off
		# jiffies (10 ms) to ns per packet
		v=$(((b1 - b0) * 10000000 / N))
		if [ -z "${best[$c]:-}" ] || [ "$v" -lt "${best[$c]}" ]; then best[$c]=$v; fi
	done
done
for c in $CONFIGS; do
	echo "bench: rx_cost_${c}_ns ${best[$c]} ns"
done
for c in "${!proc[@]}"; do
	echo "bench: rx_cost_process_${c}_ns ${proc[$c]} ns"
done | sort
base=${best[none]}
add() { echo $((${best[$1]} - base)); }
echo "bench: rx_cost_added_tapio_xdp_ns $(add tapio_xdp) ns"
echo "bench: rx_cost_added_tapio_tc_ns $(add tapio_tc) ns"
if [ "$(add tapio_xdp)" -gt 0 ]; then
	printf 'bench: rx_cost_added_tc_vs_xdp %.2f ratio\n' "$(echo "$(add tapio_tc) / $(add tapio_xdp)" | bc -l)"
fi
if [ -n "${best[softflowd]:-}" ] && [ "$(add softflowd)" -gt 0 ]; then
	echo "bench: rx_cost_added_softflowd_ns $(add softflowd) ns"
	printf 'bench: rx_cost_added_run_tc_vs_softflowd %.2f ratio\n' \
		"$(echo "$(add tapio_run_tc) / $(add softflowd)" | bc -l)"
	# issue 14: tapio's own process against all that softflowd adds
	printf 'bench: rx_cost_process_run_tc_vs_added_softflowd %.2f ratio\n' \
		"$(echo "${proc[tapio_run_tc]} / $(add softflowd)" | bc -l)"
fi
