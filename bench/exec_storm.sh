#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# bench: exec_storm: CPU of `tapio run --probes exec` (its reader, JSON lines
# and loop) per second of an exec storm on every CPU, without a limit and
# with --limit exec=LIMIT (100: under what this VM's storm makes), in one
# run; the execs counted must be all those run, limit or not.
set -u
cd "$(dirname "$0")/.." || exit 1
. bench/lib.sh
TAPIO=build/tapio
WORK=build/bench/probe_workload
N=${EXEC_STORM_EXECS:-2000} # per CPU
LIMIT=${EXEC_STORM_LIMIT:-100}
[ "$(id -u)" = 0 ] || { echo "SKIP: exec_storm needs root"; exit 0; }
D=$(mktemp -d)
trap 'kill ${RUN:-} 2>/dev/null; wait 2>/dev/null; rm -rf "$D"' EXIT
PORT=$((30000 + RANDOM % 10000))
CPUS=$(nproc)
metric() { curl -s "127.0.0.1:$PORT/metrics" | awk -v m="$1" '$1 == m {print $2}'; }

# $1: --limit value or none; prints "cpu_ms_per_s execs_per_s sent counted"
storm() {
	: >"$D/err"
	$TAPIO run --probes exec $([ "$1" != none ] && echo "--limit exec=$1") \
		--interval 1 --socket none --metrics "127.0.0.1:$PORT" \
		--json-file "$D/events.json" 2>"$D/err" &
	RUN=$!
	for _ in $(seq 200); do grep -q 'ready: ' "$D/err" && break; sleep 0.05; done
	sleep 1.2
	local e0 c0 t0 t1 c1 e1 s1 i
	e0=$(metric tapio_process_execs_total)
	c0=$(cpu_s $RUN)
	t0=$(date +%s%N)
	for i in $(seq "$CPUS"); do $WORK exec /bin/true "$N" >/dev/null & done
	wait $(jobs -p | grep -v "^$RUN$")
	t1=$(date +%s%N)
	sleep 1.5 # the reader's last reads, one more snapshot
	c1=$(cpu_s $RUN)
	e1=$(metric tapio_process_execs_total)
	s1=$(metric 'tapio_events_processed_total{source="probe_exec"}')
	kill $RUN
	wait $RUN 2>/dev/null
	RUN=
	awk -v c0="$c0" -v c1="$c1" -v t0="$t0" -v t1="$t1" -v n=$((N * CPUS)) \
		-v s="$s1" -v e=$((e1 - e0)) 'BEGIN {
		sec = (t1 - t0) / 1e9
		printf "%.1f %.0f %d %d\n", (c1 - c0) * 1000 / (sec + 1.5), n / sec, s, e }'
}
read -r cpu_none rate_none sent_none counted_none < <(storm none)
read -r cpu_lim rate_lim sent_lim counted_lim < <(storm "$LIMIT")
echo "bench: exec_storm_rate $rate_none execs/s"
echo "bench: exec_storm_rate_limited_run $rate_lim execs/s"
echo "bench: exec_storm_limit $LIMIT events/s"
echo "bench: exec_storm_reader_cpu_nolimit $cpu_none ms/s"
echo "bench: exec_storm_reader_cpu_limit $cpu_lim ms/s"
echo "bench: exec_storm_events_sent_nolimit $sent_none events"
echo "bench: exec_storm_events_sent_limit $sent_lim events"
awk -v a="$cpu_lim" -v b="$cpu_none" 'BEGIN { printf "bench: exec_storm_cpu_limit_vs_none %.2f ratio\n", b ? a / b : 0 }'
# the counters stay exact under the limit: every exec run was counted
for c in "$counted_none" "$counted_lim"; do
	[ "$c" -ge $((N * CPUS)) ] || echo "exec_storm: counted $c execs of $((N * CPUS))" >&2
done
