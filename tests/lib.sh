#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Assertions and helpers shared by the integration tests: PASS:/FAIL: lines
# that tests/run.sh counts, exit 77 for SKIP, flow look-ups through jq.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TAPIO=${TAPIO:-$ROOT/build/tapio}
PKTSEND=$ROOT/build/tools/pktsend
TESTENV=$ROOT/testenv/testenv.sh
T_PASS=0
T_FAIL=0

pass() { echo "PASS: $*"; T_PASS=$((T_PASS + 1)); }
fail() { echo "FAIL: $*"; T_FAIL=$((T_FAIL + 1)); }
skip() { echo "SKIP: $*"; exit 77; }

# expect_eq DESC GOT WANT
expect_eq() {
	if [ "$2" == "$3" ]; then pass "$1 ($2)"; else fail "$1: got '$2', want '$3'"; fi
}

# expect_range DESC GOT MIN MAX
expect_range() {
	if [ "$2" -ge "$3" ] 2>/dev/null && [ "$2" -le "$4" ]; then
		pass "$1 ($2 in $3..$4)"
	else
		fail "$1: got '$2', want $3..$4"
	fi
}

# expect_fail DESC PATTERN CMD...: non-zero exit, one stderr line matching
expect_fail() {
	local desc=$1 pat=$2 out rc lines
	shift 2
	out=$("$@" 2>&1 >/dev/null)
	rc=$?
	lines=$(printf '%s\n' "$out" | grep -c .)
	if [ "$rc" -ne 0 ] && [ "$lines" -ge 1 ] && printf '%s' "$out" | head -1 | grep -qE "$pat"; then
		pass "$desc (exit $rc: $(printf '%s' "$out" | head -1))"
	else
		fail "$desc: exit $rc, stderr '$out', want /$pat/"
	fi
}

# wait_until SECONDS CMD: run the shell string CMD every 50 ms until it
# succeeds or SECONDS (a whole number) pass; returns CMD's last status.
# For the kernel's deferred work (RCU frees, map updates): never a fixed sleep.
wait_until() {
	local i n=$(($1 * 20))
	for ((i = 0; i < n; i++)); do
		eval "$2" && return 0
		sleep 0.05
	done
	eval "$2"
}

# until `tapio run` says every source is collecting (its "ready:" line);
# FILE must be new or emptied by the caller before the run starts
wait_ready() {
	wait_until 10 "grep -q 'ready: ' \"$1\" 2>/dev/null"
}

finish() {
	echo "result: $T_PASS passed, $T_FAIL failed"
	[ "$T_FAIL" -eq 0 ]
}

require_root() {
	[ "$(id -u)" = 0 ] || skip "needs root (namespaces, BPF)"
	[ -x "$TAPIO" ] || skip "tapio not built ($TAPIO)"
	command -v jq >/dev/null || skip "jq not installed"
}

# use_testenv NAME [setup options]: a test host for this script, removed on
# exit however the script ends (tapio detached, XDP off, namespace and pins
# gone, background helpers killed); J is a scratch file removed with it.
use_testenv() {
	TESTENV_SESSION=$1
	J=$(mktemp)
	trap testenv_cleanup EXIT
	testenv_up "$@"
}

testenv_cleanup() {
	[ -n "${BG_PIDS:-}" ] && kill $BG_PIDS 2>/dev/null
	if [ -n "${TESTENV_DEV:-}" ]; then
		"$TAPIO" detach "$TESTENV_DEV" >/dev/null 2>&1
		ip link set dev "$TESTENV_DEV" xdp off 2>/dev/null
	fi
	"$TESTENV" teardown "$TESTENV_SESSION" >/dev/null 2>&1
	rm -f "$J"
	[ -n "${EXTRA_CLEANUP:-}" ] && eval "$EXTRA_CLEANUP"
}

# testenv_up NAME [setup options]: creates and loads TESTENV_* variables
testenv_up() {
	local name=$1
	shift
	"$TESTENV" teardown "$name" >/dev/null 2>&1
	"$TESTENV" setup --name "$name" "$@" >/dev/null || { fail "testenv setup $name"; finish; exit 1; }
	eval "$("$TESTENV" env "$name")"
}

nsexec() { ip netns exec "$TESTENV_NS" "$@"; }

# veth_up A B: a veth pair of the test's own, both ends up, no IPv6 (no
# router solicitations among the frames a test counts); the caller
# deletes A on exit
veth_up() {
	ip link add "$1" type veth peer name "$2" || return 1
	for v in "$1" "$2"; do
		sysctl -qw "net.ipv6.conf.$v.disable_ipv6=1"
		ip link set "$v" up
	done
}

# flows_json DEV > file
flows_json() { "$TAPIO" flows "$1" --json; }

# flow_sum FILE FIELD JQ-SELECT: sum FIELD over flows matching the select
flow_sum() {
	jq -s "[.[] | select($3) | .$2] | add // 0" "$1"
}

status_field() {
	"$TAPIO" status --json | jq -r --arg d "$1" "select(.dev == \$d) | $2"
}

# possible CPUs (what per-CPU maps are sized by), and the bytes a kernel
# flow map entry costs on them, as the docs state it
possible_cpus() { awk -F- '{print ($2 == "" ? 0 : $2) + 1}' /sys/devices/system/cpu/possible; }
# kernel_flow_bytes [shared]: a kernel map entry, with a value per possible
# CPU, or (shared) one value in the element
kernel_flow_bytes() {
	if [ "${1:-}" = shared ]; then echo 152; else echo $((120 + 40 * $(possible_cpus))); fi
}
# kernel_flows_for MIB [shared]: flows a generation that budget gives (two
# generations, a power of two, at least 1024)
kernel_flows_for() {
	local n=1024 per
	per=$(kernel_flow_bytes ${2:-})
	while [ $((n * 4 * per)) -le $(($1 << 20)) ]; do n=$((n * 2)); done
	echo $n
}

link_stat() { cat "/sys/class/net/$1/statistics/$2"; }
ns_link_stat() { nsexec cat "/sys/class/net/$1/statistics/$2"; }

# snmp_tcp FIELD: the namespace's TCP MIB counter
snmp_tcp() {
	nsexec awk -v f="$1" '$1 == "Tcp:" { if (!h) { for (i = 2; i <= NF; i++) idx[$i] = i; h = 1 } else print $(idx[f]) }' /proc/net/snmp
}

# trace_start OUT PROBE [options]: `tapio trace` in the background, stdout
# to OUT, returning once its probes are attached; trace_stop ends it with
# SIGINT (as Ctrl-C) and waits for its summary.
trace_start() {
	local out=$1 i
	shift
	"$TAPIO" trace "$@" >"$out" 2>"$out.err" &
	TRACE_PID=$!
	BG_PIDS="${BG_PIDS:-} $TRACE_PID"
	for i in $(seq 100); do
		grep -q "^tapio: tracing" "$out.err" 2>/dev/null && return 0
		kill -0 "$TRACE_PID" 2>/dev/null || break
		sleep 0.1
	done
	fail "tapio trace $* did not start: $(head -3 "$out.err")"
	return 1
}

trace_stop() {
	kill -INT "$TRACE_PID" 2>/dev/null
	wait "$TRACE_PID"
}

# summary_field OUT FIELD: a member of the trace's final summary line
summary_field() { jq -r "select(.summary) | .$2" "$1"; }

TRACE_METHODS="tp_btf raw_tp tp"
