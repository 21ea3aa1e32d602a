#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `tapio doctor` reports every feature, leaves nothing behind, and its
# verdicts agree with what attach actually gets.
. "$(dirname "$0")/../lib.sh"
require_root

use_testenv doc --ipv4-only
links0=$(ip -o link | wc -l)
"$TAPIO" doctor --json >"$J" || fail "doctor exit status"
expect_eq "all 19 features reported" "$(jq -s '[.[] | select(.feature)] | length' "$J")" 19
expect_eq "every row has a reason" "$(jq -s '[.[] | select(.feature and (.detail | length) == 0)] | length' "$J")" 0
expect_eq "the test veth is removed" "$(ip -o link | wc -l)" "$links0"
expect_eq "no test veth left" "$(ip -o link | grep -c tapdr)" 0
ok() { jq -r --arg f "$1" 'select(.feature == $f) | .ok' "$J"; }
summary_xdp=$(jq -r 'select(.summary) | .summary.xdp' "$J")

if [ "$(ok xdp-native)" = true ]; then
	"$TAPIO" attach "$TESTENV_DEV" --mode native >/dev/null
	expect_eq "doctor said native works: native attach succeeds" "$?" 0
	expect_eq "summary picks native" "$summary_xdp" native
else
	expect_fail "doctor said native fails: native attach fails" "native" \
		"$TAPIO" attach "$TESTENV_DEV" --mode native
fi
probes=$(jq -r 'select(.summary) | .summary.probes' "$J")
first=$(for f in tp_btf raw_tp tracepoint; do [ "$(ok $f)" = true ] && echo "$f" && break; done)
expect_eq "probe method is the first that works (tp_btf, raw_tp, tracepoint)" "$probes" "${first:-none: no probe can attach}"
expect_eq "kernel map sizing: bytes a flow and tapio run's default size on $(possible_cpus) CPUs" \
	"$(jq -r 'select(.summary) | .summary | "\(.possible_cpus) \(.kernel_flow_bytes) \(.kernel_flows_default)"' "$J")" \
	"$(possible_cpus) $(kernel_flow_bytes) $(kernel_flows_for 32)"
expect_eq "and for --kernel-map shared" \
	"$(jq -r 'select(.summary) | .summary | "\(.kernel_flow_bytes_shared) \(.kernel_flows_default_shared)"' "$J")" \
	"$(kernel_flow_bytes shared) $(kernel_flows_for 32 shared)"
out=$("$TAPIO" doctor)
expect_eq "text table has a header and every row" "$(echo "$out" | grep -cE '^(FEATURE|bpf-privileges|btf|jit|bpffs|tracefs|xdp-native|xdp-generic|tc-clsact|tcx|xdp-multiprog|af-xdp|ringbuf|map-batch-ops|tp_btf|raw_tp|tracepoint|fentry|kprobe|bpf-stats) ')" 20

# what doctor says of tcx is what an attach at TC does
"$TAPIO" detach "$TESTENV_DEV" >/dev/null 2>&1
att=$("$TAPIO" attach "$TESTENV_DEV" --hook tc 2>&1)
if [ "$(ok tcx)" = true ]; then
	expect_eq "doctor said tcx works: TC attaches by tcx links" "$(grep -c '(tcx link, first)' <<<"$att")" 2
else
	expect_eq "doctor said no tcx: TC attaches by cls_bpf" "$(grep -c '(cls_bpf)' <<<"$att")" 2
fi
"$TAPIO" detach "$TESTENV_DEV" >/dev/null 2>&1
# the dispatcher probe says which way it went, and why when it fell back
mp=$(jq -r 'select(.feature == "xdp-multiprog") | "\(.ok) \(.detail)"' "$J")
if [ "${mp%% *}" = true ]; then
	expect_eq "xdp-multiprog: the dispatcher loads" "$(grep -c 'libxdp dispatcher loads' <<<"$mp")" 1
else
	expect_eq "xdp-multiprog: one program only, with libxdp's reason" \
		"$(grep -cE 'libxdp: one program only \(dispatcher: [A-Za-z]' <<<"$mp")" 1
fi

finish
