#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Bad input to the CLI: one line naming the problem and a non-zero exit;
# nothing attached as a side effect.
. "$(dirname "$0")/../lib.sh"
require_root

expect_fail "unknown device" "device 'nosuchdev0' not found" "$TAPIO" attach nosuchdev0
expect_fail "bad mode" "invalid --mode 'turbo'" "$TAPIO" attach lo --mode turbo
expect_fail "max-flows not a number" "invalid --max-flows 'abc': not a number" "$TAPIO" attach lo --max-flows abc
expect_fail "drain-at above 100" "invalid --drain-at '101': must be between 0 and 100" "$TAPIO" run lo --drain-at 101
expect_fail "spill ring not a power of two" "invalid --spill-ring '3': not a power of two" "$TAPIO" run lo --spill-ring 3
expect_fail "max-flows zero" "invalid --max-flows '0': must be between" "$TAPIO" attach lo --max-flows 0
expect_fail "max-flows too large" "invalid --max-flows '99999999999'" "$TAPIO" attach lo --max-flows 99999999999
expect_fail "max-flows negative" "invalid --max-flows '-5'" "$TAPIO" attach lo --max-flows -5
expect_fail "top negative" "invalid --top '-3'" "$TAPIO" flows lo --top -3
expect_fail "bad sort key" "invalid --sort 'size'" "$TAPIO" flows lo --sort size
expect_fail "unknown option" "unknown option '--frobnicate'" "$TAPIO" attach lo --frobnicate
expect_fail "option without value" "option '--mode' needs a value" "$TAPIO" attach lo --mode
expect_fail "missing device" "missing device name" "$TAPIO" attach
expect_fail "extra argument" "unexpected argument 'eth9'" "$TAPIO" detach lo eth9
expect_fail "detach of a path" "invalid device name '\.\./\.\./\.\./tmp'" "$TAPIO" detach ../../../tmp
expect_fail "a name with a newline, shown escaped on one line" 'invalid device name .a\\x0ab.$' \
	"$TAPIO" flows $'a\nb'
expect_fail "unknown command" "unknown command 'frob'" "$TAPIO" frob
expect_fail "flows of a device not attached" "not attached to lo" "$TAPIO" flows lo
expect_fail "detach of a device not attached" "not attached to lo" "$TAPIO" detach lo
expect_fail "missing privileges: each capability named" \
	"attach: missing capabilities: cap_bpf \\(or cap_sys_admin\\), cap_perfmon \\(or cap_sys_admin\\), cap_net_admin;" \
	setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all "$TAPIO" attach lo
expect_fail "trace needs no CAP_NET_ADMIN, but CAP_PERFMON" "trace: missing capabilities: cap_perfmon" \
	setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=+bpf --ambient-caps=+bpf "$TAPIO" trace exec -d 0.1
expect_fail "run without a device" "run: missing device name" "$TAPIO" run
expect_fail "run with a zero interval" "invalid --interval '0'" "$TAPIO" run lo --interval 0
expect_fail "run with a bad timeout" "invalid --idle-timeout 'soon'" "$TAPIO" run lo --idle-timeout soon
# one device twice, by name or by an altname: refused before anything attaches
NS=tapio-clierr-$$
trap 'ip netns del $NS 2>/dev/null' EXIT
ip netns add $NS
ip -n $NS link set lo up
expect_fail "run with a device twice" "run: device lo is named twice" \
	ip netns exec $NS "$TAPIO" run lo lo --socket none --metrics none
if ip -n $NS link property add dev lo altname tapio-lo2 2>/dev/null; then
	expect_fail "run with a device and its altname" \
		"run: lo and tapio-lo2 are the same device" \
		ip netns exec $NS "$TAPIO" run lo tapio-lo2 --socket none --metrics none
else
	fail "cannot give lo an altname in $NS"
fi
# nothing is attached by a command that cannot finish its job
expect_fail "capture to a missing directory" "cannot write /nonexistent/x.pcap" \
	ip netns exec $NS "$TAPIO" capture lo -w /nonexistent/x.pcap
expect_fail "per-queue capture to a missing directory" "cannot write files in /nonexistent" \
	ip netns exec $NS "$TAPIO" capture lo -w /nonexistent/x.pcap --per-queue
# under ip netns exec the pins would vanish with the command, leaving TC
# attached and orphaned: refused before anything is attached
expect_fail "attach where the pins would not outlive the command" \
	"cannot attach to lo for longer than this command" ip netns exec $NS "$TAPIO" attach lo
expect_fail "--keep-attached likewise" "cannot attach to lo for longer than this command" \
	ip netns exec $NS "$TAPIO" run lo --keep-attached --socket none --metrics none --duration 0.2
expect_eq "no TC filter, no XDP program left on lo" \
	"$(ip -n $NS -d link show lo | grep -c xdp) $(ip netns exec $NS tc filter show dev lo egress | grep -c bpf)" "0 0"
ip netns del $NS
expect_fail "a malformed --metrics address" "invalid --metrics 'localhost:http': expected IPV4:PORT" \
	"$TAPIO" run lo --metrics localhost:http
expect_fail "a --metrics port out of range" "invalid --metrics ':99999'" "$TAPIO" run lo --metrics :99999
expect_fail "an IPFIX collector without a port" "invalid --ipfix 'collector': expected HOST:PORT" \
	"$TAPIO" run lo --ipfix 127.0.0.1:4739,collector
expect_fail "an IPFIX port out of range" "invalid --ipfix '127.0.0.1:0'" "$TAPIO" run lo --ipfix 127.0.0.1:0
expect_eq "usage errors exit 2" "$("$TAPIO" attach lo --mode x 2>/dev/null; echo $?)" 2
expect_eq "--help exits 0 and names the options" "$("$TAPIO" attach --help | grep -c -- '-n, --max-flows N')" 1
expect_eq "nothing was attached to lo" "$(test -e /sys/fs/bpf/tapio/lo && echo yes || echo no)" no

finish
