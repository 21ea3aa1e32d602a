#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# scripts/set_irq_affinity.sh against a fake /proc and /sys: queue IRQs are
# pinned round-robin; every error exits non-zero and changes nothing.
. "$(dirname "$0")/../lib.sh"
SCRIPT=$ROOT/scripts/set_irq_affinity.sh
FAKE=$(mktemp -d)
trap 'rm -rf "$FAKE"' EXIT
export PROC_ROOT=$FAKE/proc SYS_ROOT=$FAKE/sys

mkdir -p "$PROC_ROOT" "$SYS_ROOT/class/net" "$SYS_ROOT/devices/virtio3"
for c in 0 1 2 3; do mkdir -p "$SYS_ROOT/devices/system/cpu/cpu$c"; done
{
	echo "           CPU0       CPU1       CPU2       CPU3"
	echo "  1:         10          0          0          0   IO-APIC   1-edge      i8042"
	for q in 0 1 2 3; do
		echo " $((40 + q)):       100        200          0          0   PCI-MSI 5242$q-edge  fake0-TxRx-$q"
	done
	echo " 50:         5          0          0          0   PCI-MSI 5243-edge  fake01-TxRx-0"
	echo " 60:         1          0          0          0   PCI-MSI 1-edge  virtio3-config"
	echo " 61:         1          0          0          0   PCI-MSI 2-edge  virtio3-input.0"
	echo " 62:         1          0          0          0   PCI-MSI 3-edge  virtio3-output.0"
	echo "NMI:          0          0          0          0   Non-maskable interrupts"
} >"$PROC_ROOT/interrupts"
for irq in 1 40 41 42 43 50 60 61 62; do
	mkdir -p "$PROC_ROOT/irq/$irq"
	echo 0-3 >"$PROC_ROOT/irq/$irq/smp_affinity_list"
done
mkdir -p "$SYS_ROOT/class/net/fake0" "$SYS_ROOT/class/net/fake01" "$SYS_ROOT/class/net/noirq0" \
	"$SYS_ROOT/class/net/vnet0"
ln -s ../../../devices/virtio3 "$SYS_ROOT/class/net/vnet0/device"

aff() { local s=""; for i in "$@"; do s="$s$(cat "$PROC_ROOT/irq/$i/smp_affinity_list") "; done; echo "${s% }"; }
snapshot() { cat "$PROC_ROOT"/irq/*/smp_affinity_list | md5sum; }

out=$("$SCRIPT" fake0 0-1)
expect_eq "4 queue IRQs pinned round-robin over 0-1" "$(aff 40 41 42 43)" "0 1 0 1"
expect_eq "other devices untouched (fake01 is not fake0)" "$(aff 1 50 60)" "0-3 0-3 0-3"
expect_eq "before and after tables printed" "$(echo "$out" | grep -cE '^(before|after):')" 2
expect_eq "after table shows the new CPUs" "$(echo "$out" | sed -n '/^after:/,$p' | grep -c 'fake0-TxRx')" 4
"$SCRIPT" fake0 3,2 >/dev/null
expect_eq "order of the CPU list is kept" "$(aff 40 41 42 43)" "3 2 3 2"
"$SCRIPT" fake0 0,2-3 >/dev/null
expect_eq "mixed list" "$(aff 40 41 42 43)" "0 2 3 0"
"$SCRIPT" vnet0 1-2 >/dev/null
expect_eq "virtio-net: input/output vectors found through the device link" "$(aff 61 62 60)" "1 2 0-3"

before=$(snapshot)
out=$("$SCRIPT" --dry-run fake0 1)
expect_eq "--dry-run changes nothing" "$(snapshot)" "$before"
expect_eq "--dry-run prints the plan" "$(echo "$out" | grep -c -- '-> 1')" 4
expect_fail "unknown device" "device 'nosuch0' not found" "$SCRIPT" nosuch0 0-1
expect_fail "device without IRQs" "device 'noirq0' has no queue IRQs" "$SCRIPT" noirq0 0-1
expect_fail "bad CPU list" "invalid CPU list 'abc'" "$SCRIPT" fake0 abc
expect_fail "reversed range" "invalid CPU list '3-1'" "$SCRIPT" fake0 3-1
expect_fail "CPU that does not exist" "CPU 7 in '0,7' does not exist" "$SCRIPT" fake0 0,7
expect_fail "missing argument" "expected DEV and CPULIST" "$SCRIPT" fake0
expect_fail "unknown option" "unknown option '--bogus'" "$SCRIPT" --bogus fake0 0
expect_eq "no error changed anything" "$(snapshot)" "$before"

finish
