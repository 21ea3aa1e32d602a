#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# bench: probe_overhead: slowdown of an exec loop and of O_DIRECT reads on
# the root disk with tapio's probes attached, next to libbpf-tools'
# execsnoop/biolatency on the same workload in the same run; and the time
# the tracer's BPF programs ran per operation, as the kernel counts it
# (kernel.bpf_stats_enabled, on for the whole run: both sides pay for it).
set -u
cd "$(dirname "$0")/.." || exit 1
TAPIO=build/tapio
WORK=build/bench/probe_workload
ROUNDS=${PROBE_BENCH_ROUNDS:-5}
EXECS=${PROBE_BENCH_EXECS:-500}
READS=${PROBE_BENCH_READS:-15000}
[ "$(id -u)" = 0 ] || { echo "SKIP: probe_overhead needs root"; exit 0; }

TRACER=
STATS0=$(sysctl -n kernel.bpf_stats_enabled)
sysctl -qw kernel.bpf_stats_enabled=1
DATA=$(mktemp /var/tmp/tapio-bench.XXXXXX) || exit 1
OUT=$(mktemp)
cleanup() {
	[ -n "$TRACER" ] && kill -INT "$TRACER" 2>/dev/null && wait "$TRACER"
	rm -f "$DATA" "$OUT" "$OUT.err"
	sysctl -qw kernel.bpf_stats_enabled="$STATS0"
}
trap cleanup EXIT
# on the root filesystem, so the reads reach a real (virtual) disk
dd if=/dev/urandom of="$DATA" bs=1M count=256 oflag=direct status=none || exit 1

# start_tracer READY_PATTERN CMD...: in the background, returns once
# READY_PATTERN shows in its output (it has attached)
start_tracer() {
	local ready=$1 i
	shift
	PROG_ID0=$(bpftool prog show -j | jq 'map(.id) | max // 0')
	stdbuf -oL "$@" >"$OUT" 2>"$OUT.err" &
	TRACER=$!
	for i in $(seq 100); do
		# CPU from here on only: loading and verifying is start-up cost
		grep -qs "$ready" "$OUT" "$OUT.err" && CPU0=$(tracer_cpu_ns) && return 0
		kill -0 "$TRACER" 2>/dev/null || break
		sleep 0.1
	done
	echo "probe_overhead: $* did not start: $(head -3 "$OUT.err")" >&2
	exit 1
}

stop_tracer() {
	kill -INT "$TRACER"
	wait "$TRACER"
	TRACER=
}

# ns the programs loaded since start_tracer have run, all CPUs together
tracer_bpf_ns() {
	bpftool prog show -j |
		jq "[.[] | select(.id > $PROG_ID0) | .run_time_ns // 0] | add // 0"
}

# CPU ns the tracer process itself has used (user + system; whole ticks)
tracer_cpu_ns() {
	awk -v hz="$(getconf CLK_TCK)" '{printf "%d\n", ($14 + $15) * 1e9 / hz}' \
		"/proc/$TRACER/stat"
}

# one_run KIND CONFIG: RESULT = ns per operation of one workload run
# under CONFIG, BPF_NS and CPU_NS = the tracer's BPF and process CPU ns per
# operation (in this shell, so that the trap stops a tracer on failure)
one_run() {
	local kind=$1 cfg=$2 ns n
	case "$cfg:$kind" in
	tapio:exec) start_tracer "^tapio: tracing" $TAPIO trace exec --json ;;
	tapio:dio) start_tracer "^tapio: tracing" $TAPIO trace bio --json ;;
	peer:exec) start_tracer "^PCOMM" execsnoop ;;
	peer:dio) start_tracer "^Tracing" biolatency ;;
	esac
	if [ "$kind" = exec ]; then
		n=$EXECS
		ns=$($WORK exec /bin/true "$n") || exit 1
	else
		n=$READS
		ns=$($WORK dio "$DATA" "$n" 4096) || exit 1
	fi
	BPF_NS=0 CPU_NS=0
	if [ -n "$TRACER" ]; then
		BPF_NS=$(($(tracer_bpf_ns) / n))
		CPU_NS=$((($(tracer_cpu_ns) - CPU0) / n))
		stop_tracer
		# the probes must have seen the workload, or the number is void
		if [ "$cfg:$kind" = tapio:exec ] &&
			[ "$(jq -r 'select(.summary) | .exec' "$OUT")" -lt "$EXECS" ]; then
			echo "probe_overhead: tapio saw fewer than $EXECS execs" >&2
			exit 1
		fi
		if [ "$cfg:$kind" = peer:exec ] &&
			[ "$(grep -c '^true ' "$OUT")" -lt "$EXECS" ]; then
			echo "probe_overhead: execsnoop saw fewer than $EXECS execs" >&2
			exit 1
		fi
		# the system disk carries other processes' I/O too, and up to
		# 0.2% fewer read completions than reads were seen on it (by
		# biolatency's programs as well): exact counts are the tests'
		# job, on a loop device of their own
		if [ "$cfg:$kind" = tapio:dio ] &&
			[ "$(jq -s '[.[] | select(.op == "read") | .ios] | add' "$OUT")" -lt $((READS * 99 / 100)) ]; then
			echo "probe_overhead: tapio saw under 99% of $READS reads:" >&2
			cat "$OUT" >&2
			exit 1
		fi
	fi
	RESULT=$ns
}

median() { sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }

configs="none tapio"
command -v execsnoop >/dev/null && command -v biolatency >/dev/null &&
	configs="none tapio peer"
for kind in exec dio; do
	declare -A runs=() bpf=() cpu=()
	# configurations interleaved round by round, so drift falls on all
	for r in $(seq "$ROUNDS"); do
		for cfg in $configs; do
			one_run "$kind" "$cfg"
			runs[$cfg]+="$RESULT "
			bpf[$cfg]+="$BPF_NS "
			cpu[$cfg]+="$CPU_NS "
		done
	done
	base=$(echo "${runs[none]}" | tr ' ' '\n' | grep . | median)
	echo "bench: probe_overhead_${kind}_none $base ns/op"
	for cfg in $configs; do
		[ "$cfg" = none ] && continue
		m=$(echo "${runs[$cfg]}" | tr ' ' '\n' | grep . | median)
		name=$cfg
		[ "$cfg" = peer ] && { [ "$kind" = exec ] && name=execsnoop || name=biolatency; }
		echo "bench: probe_overhead_${kind}_$name $m ns/op"
		echo "bench: probe_overhead ${kind}_$name $(echo "scale=2; ($m - $base) * 100 / $base" | bc) percent"
		echo "bench: probe_bpf_time_${kind}_$name $(echo "${bpf[$cfg]}" | tr ' ' '\n' | grep . | median) ns/op"
		echo "bench: probe_reader_cpu_${kind}_$name $(echo "${cpu[$cfg]}" | tr ' ' '\n' | grep . | median) ns/op"
	done
	unset runs bpf cpu
done
[ "$configs" = "none tapio" ] && echo "SKIP: peer comparison: libbpf-tools (execsnoop, biolatency) not installed"
exit 0
