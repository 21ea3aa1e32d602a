#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Bad input to the CLI: one line naming the problem and a non-zero exit;
# nothing attached as a side effect.
. "$(dirname "$0")/../lib.sh"
require_root

expect_fail "unknown device" "device 'nosuchdev0' not found" "$TAPIO" attach nosuchdev0
expect_fail "bad mode" "invalid --mode 'turbo'" "$TAPIO" attach lo --mode turbo
expect_fail "max-flows not a number" "invalid --max-flows 'abc': not a number" "$TAPIO" attach lo --max-flows abc
expect_fail "max-flows zero" "invalid --max-flows '0': must be between" "$TAPIO" attach lo --max-flows 0
expect_fail "max-flows too large" "invalid --max-flows '99999999999'" "$TAPIO" attach lo --max-flows 99999999999
expect_fail "max-flows negative" "invalid --max-flows '-5'" "$TAPIO" attach lo --max-flows -5
expect_fail "top negative" "invalid --top '-3'" "$TAPIO" flows lo --top -3
expect_fail "bad sort key" "invalid --sort 'size'" "$TAPIO" flows lo --sort size
expect_fail "unknown option" "unknown option '--frobnicate'" "$TAPIO" attach lo --frobnicate
expect_fail "option without value" "option '--mode' needs a value" "$TAPIO" attach lo --mode
expect_fail "missing device" "missing device name" "$TAPIO" attach
expect_fail "extra argument" "unexpected argument 'eth9'" "$TAPIO" detach lo eth9
expect_fail "unknown command" "unknown command 'frob'" "$TAPIO" frob
expect_fail "flows of a device not attached" "not attached to lo" "$TAPIO" flows lo
expect_fail "detach of a device not attached" "not attached to lo" "$TAPIO" detach lo
expect_fail "missing privileges" "attach: missing privileges: needs CAP_BPF" \
	setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all "$TAPIO" attach lo
expect_fail "missing privileges for status" "status: missing privileges" \
	setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all "$TAPIO" status
expect_fail "run without a device" "run: missing device name" "$TAPIO" run
expect_fail "run with a zero interval" "invalid --interval '0'" "$TAPIO" run lo --interval 0
expect_fail "run with a bad timeout" "invalid --idle-timeout 'soon'" "$TAPIO" run lo --idle-timeout soon
expect_eq "usage errors exit 2" "$("$TAPIO" attach lo --mode x 2>/dev/null; echo $?)" 2
expect_eq "--help exits 0 and names the options" "$("$TAPIO" attach --help | grep -c -- '-n, --max-flows N')" 1
expect_eq "nothing was attached to lo" "$(test -e /sys/fs/bpf/tapio/lo && echo yes || echo no)" no

finish
