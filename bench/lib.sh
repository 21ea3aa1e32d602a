# SPDX-License-Identifier: GPL-2.0
# Shell helpers of the benchmarks that run tapio beside softflowd: CPU time
# of a process, and stopping the processes a bench started (RUN, SF, the
# nfcapd in NF*) and the test environment it set up, on any exit.

# CPU seconds (user + system) process $1 has used
cpu_s() { awk -v hz="$(getconf CLK_TCK)" '{ print ($14 + $15) / hz }' "/proc/$1/stat"; }

# softflowd, started with -c "$D/sf.ctl" as $SF: shut down and reaped
stop_softflowd() {
	[ -n "${SF:-}" ] || return 0
	softflowctl -c "$D/sf.ctl" shutdown >/dev/null 2>&1
	wait "$SF" 2>/dev/null
	SF=
}

# bench_cleanup NAME: for `trap 'bench_cleanup NAME' EXIT`
bench_cleanup() {
	kill ${RUN:-} ${NF1:-} ${NF2:-} 2>/dev/null
	[ -n "${SF:-}" ] && softflowctl -c "$D/sf.ctl" shutdown >/dev/null 2>&1
	kill ${SF:-} 2>/dev/null
	wait 2>/dev/null
	$TAPIO detach "tp-$1" >/dev/null 2>&1
	$TESTENV teardown "$1" >/dev/null 2>&1
	rm -rf "$D"
}
