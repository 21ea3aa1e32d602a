#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Pin a NIC's queue IRQs round-robin over a CPU list, so that each AF_XDP
# poller can run on the CPU that takes its queue's interrupts.
#
# Reads PROC_ROOT (default /proc) and SYS_ROOT (default /sys), so that tests
# can run it against a fake tree.  Nothing is written unless every check
# passes; --dry-run writes nothing at all.
set -o pipefail

PROC_ROOT=${PROC_ROOT:-/proc}
SYS_ROOT=${SYS_ROOT:-/sys}
PROG=$(basename "$0")

usage() {
	cat <<USAGE
Usage: $PROG [--dry-run] DEV CPULIST

Pins the queue IRQs of DEV round-robin over CPULIST (e.g. 0-3 or 0,2,4-6)
and prints the affinity of each IRQ before and after.

  -n, --dry-run   print what would change, change nothing
USAGE
}

die() {
	echo "$PROG: $*" >&2
	exit 1
}

# parse_cpulist LIST -> one CPU per line, in order, duplicates removed
parse_cpulist() {
	local part a b c seen=" "
	[[ "$1" =~ ^[0-9]+(-[0-9]+)?(,[0-9]+(-[0-9]+)?)*$ ]] || return 1
	IFS=, read -ra parts <<<"$1"
	for part in "${parts[@]}"; do
		a=${part%-*}
		b=${part#*-}
		[ "$((10#$a))" -le "$((10#$b))" ] || return 1
		for ((c = 10#$a; c <= 10#$b; c++)); do
			[[ "$seen" == *" $c "* ]] && continue
			seen="$seen$c "
			echo "$c"
		done
	done
}

# device_irqs DEV -> "IRQ NAME" lines for the device's queue interrupts
device_irqs() {
	local dev=$1 parent irqs
	# 1. interrupts named after the device: eth0, eth0-TxRx-3, eth0-rx-1 ...
	irqs=$(awk -v dev="$dev" '
		$1 ~ /^[0-9]+:$/ {
			name = $NF
			if (name == dev || index(name, dev "-") == 1 || index(name, dev "_") == 1)
				{ sub(":", "", $1); print $1, name }
		}' "$PROC_ROOT/interrupts")
	if [ -z "$irqs" ] && [ -L "$SYS_ROOT/class/net/$dev/device" ]; then
		# 2. virtio-net: vectors are named after the virtio device
		parent=$(basename "$(readlink "$SYS_ROOT/class/net/$dev/device")")
		if [[ "$parent" == virtio* ]]; then
			irqs=$(awk -v p="$parent" '
				$1 ~ /^[0-9]+:$/ && ($NF ~ "^" p "-(input|output)\\.") \
					{ sub(":", "", $1); print $1, $NF }' "$PROC_ROOT/interrupts")
		fi
	fi
	if [ -z "$irqs" ] && [ -d "$SYS_ROOT/class/net/$dev/device/msi_irqs" ]; then
		# 3. any other PCI device: its MSI vectors
		irqs=$(for f in "$SYS_ROOT/class/net/$dev/device/msi_irqs"/*; do
			[ -e "$f" ] && echo "$(basename "$f") msi"
		done | sort -n)
	fi
	[ -n "$irqs" ] && echo "$irqs"
}

print_table() {
	local title=$1 irq name
	echo "$title"
	printf '  %-6s %-24s %s\n' IRQ NAME CPUS
	while read -r irq name; do
		printf '  %-6s %-24s %s\n' "$irq" "$name" \
			"$(cat "$PROC_ROOT/irq/$irq/smp_affinity_list" 2>/dev/null || echo '?')"
	done <<<"$IRQS"
}

DRY_RUN=0
ARGS=()
while [ $# -gt 0 ]; do
	case "$1" in
	-n | --dry-run) DRY_RUN=1 ;;
	-h | --help) usage; exit 0 ;;
	-*) die "unknown option '$1'; see --help" ;;
	*) ARGS+=("$1") ;;
	esac
	shift
done
[ ${#ARGS[@]} -eq 2 ] || die "expected DEV and CPULIST; see --help"
DEV=${ARGS[0]}
CPULIST=${ARGS[1]}

[[ "$DEV" =~ ^[^/[:space:]]{1,15}$ ]] || die "invalid device name '$DEV'"
[ -e "$SYS_ROOT/class/net/$DEV" ] || die "device '$DEV' not found (no $SYS_ROOT/class/net/$DEV)"
[ -r "$PROC_ROOT/interrupts" ] || die "cannot read $PROC_ROOT/interrupts"
CPUS=$(parse_cpulist "$CPULIST") || die "invalid CPU list '$CPULIST' (expected e.g. 0-3 or 0,2,4-6)"
for c in $CPUS; do
	[ -d "$SYS_ROOT/devices/system/cpu/cpu$c" ] || die "CPU $c in '$CPULIST' does not exist"
done
IRQS=$(device_irqs "$DEV") ||
	die "device '$DEV' has no queue IRQs in $PROC_ROOT/interrupts (virtual devices such as veth have none)"
while read -r irq _; do
	[ -w "$PROC_ROOT/irq/$irq/smp_affinity_list" ] || [ "$DRY_RUN" = 1 ] ||
		die "cannot write $PROC_ROOT/irq/$irq/smp_affinity_list (root needed; managed IRQs cannot be moved)"
done <<<"$IRQS"

read -ra CPU_ARR <<<"$(echo $CPUS)"
print_table "before:"
i=0
PLAN=""
while read -r irq name; do
	PLAN+="$irq ${CPU_ARR[$((i % ${#CPU_ARR[@]}))]}"$'\n'
	i=$((i + 1))
done <<<"$IRQS"
if [ "$DRY_RUN" = 1 ]; then
	echo "plan (dry run, nothing changed):"
	while read -r irq cpu; do
		[ -n "$irq" ] && printf '  %-6s -> %s\n' "$irq" "$cpu"
	done <<<"$PLAN"
	exit 0
fi
rc=0
while read -r irq cpu; do
	[ -n "$irq" ] || continue
	echo "$cpu" >"$PROC_ROOT/irq/$irq/smp_affinity_list" 2>/dev/null || {
		echo "$PROG: cannot pin IRQ $irq to CPU $cpu" >&2
		rc=1
	}
done <<<"$PLAN"
print_table "after:"
exit $rc
