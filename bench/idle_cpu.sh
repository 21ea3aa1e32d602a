#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# bench: idle_cpu: CPU a `tapio run` with nothing to count uses per second,
# by kernel map size (issue 14: at most 10 ms/s at any size): each interval
# still flips, waits for and walks both map generations.
set -u
cd "$(dirname "$0")/.." || exit 1
TAPIO=build/tapio
TESTENV=testenv/testenv.sh
SECONDS_IDLE=${IDLE_SECONDS:-10}
[ "$(id -u)" = 0 ] || { echo "SKIP: idle_cpu needs root"; exit 0; }

. bench/lib.sh
trap 'bench_cleanup idle' EXIT
D=$(mktemp -d)
$TESTENV setup --name idle --ipv4-only >/dev/null || exit 1
eval "$($TESTENV env idle)"
for n in 65536 1048576; do
	$TAPIO run "$TESTENV_DEV" --kernel-flows $n --json-file none --socket none \
		--metrics none >/dev/null 2>"$D/run.err" &
	RUN=$!
	for _ in $(seq 100); do grep -q '^ready: ' "$D/run.err" && break; sleep 0.1; done
	sleep 2 # past the start-up work
	c0=$(cpu_s $RUN) t0=$(date +%s.%N)
	sleep "$SECONDS_IDLE"
	c1=$(cpu_s $RUN) t1=$(date +%s.%N)
	kill -TERM $RUN
	wait $RUN
	RUN=
	awk -v n=$n -v c0="$c0" -v c1="$c1" -v t0="$t0" -v t1="$t1" \
		'BEGIN { printf "bench: idle_cpu_kernel_flows_%s %.1f ms/s\n", n, (c1 - c0) * 1000 / (t1 - t0) }'
done
