#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs each fuzzer of tests/fuzz for FUZZ_SECONDS (default 15) from its seed
# corpus (kept in BUILD/fuzz/corpus between runs); one PASS/FAIL line each,
# and a finding's input saved as BUILD/fuzz/crash-NAME-*.
cd "$(dirname "$0")/../.." || exit 1
B=${BUILD:-build}/fuzz
S=${FUZZ_SECONDS:-15}
rc=0

for name in flow_parse xdp_parse json settings socket; do
	bin=$B/fuzz_$name
	corpus=$B/corpus/$name
	if [ "$name" = xdp_parse ] && [ "$(id -u)" != 0 ]; then
		echo "SKIP: fuzz_xdp_parse needs root (BPF_PROG_TEST_RUN)"
		continue
	fi
	mkdir -p "$corpus"
	case $name in
	flow_parse | xdp_parse) "$B/make_seeds" frames "$corpus" || exit 1 ;;
	socket) "$B/make_seeds" socket "$corpus" || exit 1 ;;
	settings) cp tests/fuzz/seeds/settings/* "$corpus"/ ;;
	esac
	# the settings engine keeps every string for the process's life
	leaks=1
	[ "$name" = settings ] && leaks=0
	out=$(ASAN_OPTIONS=detect_leaks=$leaks "$bin" -max_total_time="$S" \
		-detect_leaks=$leaks -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$B/crash-$name-" "$corpus" 2>&1)
	status=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' <<<"$out")
	if [ "$status" -eq 0 ] && [ -n "$runs" ] && [ "$runs" -gt 0 ]; then
		echo "PASS: fuzz_$name: $runs inputs in ${S} s, nothing found"
	else
		grep -E 'ERROR|SUMMARY|runtime error|deadly|Test unit written' <<<"$out" | head -20
		echo "FAIL: fuzz_$name (exit $status): input in $B/crash-$name-*"
		rc=1
	fi
done
exit $rc
