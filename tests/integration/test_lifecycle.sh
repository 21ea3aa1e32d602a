#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Attach/detach life cycle: no second copy, exact removal, other tools'
# programs left alone, `ip link ... xdp obj` standalone load, modes.
. "$(dirname "$0")/../lib.sh"
require_root
command -v bpftool >/dev/null || skip "bpftool not installed"

use_testenv life --ipv4-only
DEV=$TESTENV_DEV
PIN=/sys/fs/bpf/tapio/$DEV
# Our own programs by id, never by name across the host: another tapio
# may run beside this test.  live IDS: how many of them the kernel still has.
live() {
	local id n=0
	for id in "$@"; do bpftool prog show id "$id" >/dev/null 2>&1 && n=$((n + 1)); done
	echo $n
}
udp_from_ns() { nsexec "$PKTSEND" udp --src "$TESTENV_IP4_NS" --sport "$1" --dst "$TESTENV_IP4_HOST" --dport 9 --count "$2" --size 10 >/dev/null; }

# attach twice: a clear error, never a second copy
"$TAPIO" attach "$DEV" --hook xdp >/dev/null || fail "first attach"
expect_fail "second attach is refused" "already attached to $DEV" "$TAPIO" attach "$DEV"
xdp_id=$(status_field "$DEV" .xdp_prog_id)
tc_id=$(status_field "$DEV" .tc_prog_id)
expect_eq "the device runs our tapio_xdp" \
	"$(bpftool net show dev "$DEV" -j | jq '[.[0].xdp[]? | .id] | index('"$xdp_id"') != null')" true
expect_eq "our two programs are loaded" "$(live "$xdp_id" "$tc_id")" 2
# egress at TC: a tcx link, pinned, where the kernel has tcx
TCX=$("$TAPIO" doctor --json | jq -r 'select(.feature == "tcx") | .ok')
expect_eq "pins present" "$(ls "$PIN" | sort | tr '\n' ' ')" \
	"tapio_attach_info tapio_capture tapio_config tapio_counters tapio_filter_hits tapio_filter_prefixes tapio_filters tapio_flows tapio_flows_alt tapio_owners tapio_spill tapio_tc tapio_xdp tapio_xsks $([ "$TCX" = true ] && echo "tc_link ")xdp_link "
expect_eq "status shows XDP running" "$(status_field "$DEV" .xdp_attached)" true

# detach removes exactly what was attached
"$TAPIO" detach "$DEV" >/dev/null || fail "detach"
expect_eq "no pin directory after detach" "$(test -e "$PIN" && echo present || echo gone)" gone
expect_eq "no XDP on the device" "$(ip -d link show "$DEV" | grep -c 'prog/xdp')" 0
expect_eq "clsact tapio created is gone" "$(tc qdisc show dev "$DEV" | grep -c clsact)" 0
# the kernel frees a detached program after an RCU grace period (tens of
# ms unless rcu_expedited): wait for it, bounded
wait_until 5 '[ "$(live "$xdp_id" "$tc_id")" = 0 ]'
expect_eq "programs unloaded" "$(live "$xdp_id" "$tc_id")" 0
expect_fail "detach when not attached" "not attached to $DEV" "$TAPIO" detach "$DEV"

# standalone: ip link set ... xdp obj tapio_xdp.o works on its defaults.
# iproute2 creates /sys/fs/bpf/{tc/globals,ip,xdp} on first use: remove
# those it created here (only if empty), on any exit.
new_dirs=""
for d in ip tc xdp; do [ -e "/sys/fs/bpf/$d" ] || new_dirs="$new_dirs $d"; done
EXTRA_CLEANUP='for d in $new_dirs; do
	if [ -L "/sys/fs/bpf/$d" ]; then rm -f "/sys/fs/bpf/$d"
	else rmdir "/sys/fs/bpf/$d/globals" "/sys/fs/bpf/$d" 2>/dev/null; fi
done'
ip link set dev "$DEV" xdp obj "$ROOT/build/tapio_xdp.o" sec xdp || fail "ip link xdp obj"
udp_from_ns 4100 10
# iproute2 loads the map without BTF, so bpftool prints raw bytes: decode
# src_port (key bytes 40-41) and packets (value bytes 0-7), little endian.
# the map is found through the program on our device, not by name
ip_prog=$(bpftool net show dev "$DEV" -j | jq '.[0].xdp[0].id')
flows_map=""
for m in $(bpftool prog show id "$ip_prog" -j | jq '.map_ids[]'); do
	[ "$(bpftool map show id "$m" -j | jq -r .name)" = tapio_flows ] && flows_map=$m
done
n=$(bpftool map dump id "$flows_map" -j | jq '
	def hex: ltrimstr("0x") | explode | map(if . >= 97 then . - 87 else . - 48 end)
		| reduce .[] as $d (0; . * 16 + $d);
	def le(a; b): . as $bytes | reduce range(b - 1; a - 1; -1) as $i (0; . * 256 + ($bytes[$i] | hex));
	[.[] | select((.key | le(40; 42)) == 4100) | .values[].value | le(0; 8)] | add')
expect_eq "bpftool map dump of its tapio_flows shows the flow" "$n" 10
# ... and tapio refuses to replace that program without --force
expect_fail "foreign XDP program is not replaced" "already has XDP program id .* --force" \
	"$TAPIO" attach "$DEV" --hook xdp
out=$("$TAPIO" attach "$DEV" --force --mode native 2>&1) || fail "attach --force"
expect_eq "--force replaces it, in native mode" "$(echo "$out" | grep -c 'native mode')" 1
udp_from_ns 4101 6
expect_eq "counting after --force" \
	"$("$TAPIO" flows "$DEV" --json | jq -s '[.[] | select(.src_port == 4101) | .packets] | add')" 6
"$TAPIO" detach "$DEV" >/dev/null
expect_eq "no XDP after detach of the forced attach" "$(ip -d link show "$DEV" | grep -c 'prog/xdp')" 0

# generic mode on request
"$TAPIO" attach "$DEV" --mode generic --no-egress >/dev/null || fail "attach generic"
expect_eq "status says generic" "$(status_field "$DEV" .xdp_mode)" generic
expect_eq "kernel says xdpgeneric" "$(ip link show "$DEV" | grep -c xdpgeneric)" 1
expect_eq "--no-egress: no TC program" "$(status_field "$DEV" .tc)" none
udp_from_ns 4102 9
expect_eq "generic mode counts" \
	"$("$TAPIO" flows "$DEV" --json | jq -s '[.[] | select(.src_port == 4102) | .packets] | add')" 9
"$TAPIO" detach "$DEV" >/dev/null

# The TC hook instead of XDP: both directions at TC
"$TAPIO" attach "$DEV" --hook tc >/dev/null || fail "attach --hook tc"
expect_eq "no XDP with --hook tc" "$(ip -d link show "$DEV" | grep -c 'prog/xdp')" 0
udp_from_ns 4103 12
nsexec ping -c 3 -i 0.01 -W 1 -q "$TESTENV_IP4_HOST" >/dev/null
expect_eq "TC ingress counts as ingress" \
	"$("$TAPIO" flows "$DEV" --json | jq -s '[.[] | select(.src_port == 4103 and .direction == "ingress") | .packets] | add')" 12
expect_eq "and egress at TC too (3 echo replies)" \
	"$("$TAPIO" flows "$DEV" --json | jq -s '[.[] | select(.protocol == "icmp" and .icmp_type == 0 and .direction == "egress") | .packets] | add')" 3
expect_eq "status: the TC hook, both programs, no XDP said to be missing" \
	"$(status_field "$DEV" '"\(.hook) \(.tc) \(.tc_in_prog_id > 0) \(.tc_prog_id > 0) \(.xdp_prog_id)"')" \
	"tc ingress+egress true true 0"
expect_eq "status text does not call the unattached XDP program detached" \
	"$("$TAPIO" status | grep -A1 "^$DEV " | grep -c 'not attached (received frames at TC)')" 1
expect_eq "the account is whole at TC ingress" \
	"$(status_field "$DEV" .counters.ingress.unaccounted_packets)" 0
TCAPI=$(status_field "$DEV" .tc_api)
expect_eq "status: TC by tcx links where the kernel has them" "$TCAPI" \
	"$([ "$TCX" = true ] && echo tcx || echo cls_bpf)"
progs=$(status_field "$DEV" '"\(.tc_prog_id),\(.tc_in_prog_id)"')
links() { bpftool link show -j | jq --argjson p "[$progs]" '[.[] | select(.prog_id as $i | $p | index($i))] | length'; }
[ "$TCAPI" = tcx ] && expect_eq "two tcx links run tapio_tc" "$(links)" 2
"$TAPIO" detach "$DEV" >/dev/null
expect_eq "both TC filters gone" "$(tc filter show dev "$DEV" ingress; tc filter show dev "$DEV" egress)" ""
wait_until 5 '[ "$(links)" = 0 ]' # links are freed after a grace period
expect_eq "no link runs tapio_tc any more" "$(links)" 0

# next to another tool's egress filter
tc qdisc add dev "$DEV" clsact
tc filter add dev "$DEV" egress prio 1 u32 match u32 0 0 classid 1:1
"$TAPIO" attach "$DEV" --tc-ingress >/dev/null || fail "attach --tc-ingress"
expect_eq "--tc-ingress is --hook tc" "$(status_field "$DEV" .hook)" tc
udp_from_ns 4104 5
expect_eq "TC ingress counts beside it" \
	"$("$TAPIO" flows "$DEV" --json | jq -s '[.[] | select(.src_port == 4104 and .direction == "ingress") | .packets] | add')" 5
"$TAPIO" detach "$DEV" >/dev/null
expect_eq "foreign egress filter untouched" "$(tc filter show dev "$DEV" egress | grep -c 'flowid 1:1')" 1
expect_eq "pre-existing clsact kept" "$(tc qdisc show dev "$DEV" | grep -c clsact)" 1
expect_eq "tapio's ingress filter gone" "$(tc filter show dev "$DEV" ingress | grep -c .)" 0
expect_eq "tapio's egress filter gone, the other's left" "$(tc filter show dev "$DEV" egress | grep -c tapio_tc)" 0
expect_fail "--hook tc with --mode: refused" "hook tc replaces XDP" "$TAPIO" attach "$DEV" --hook tc --mode native
expect_fail "a hook that does not exist" "invalid --hook 'kprobe'" "$TAPIO" attach "$DEV" --hook kprobe
# auto: TC on a veth (measured cheaper there, bench/rx_cost.sh); an XDP
# mode asked for means XDP
expect_eq "--hook auto on a veth: TC" \
	"$("$TAPIO" attach "$DEV" --hook auto | grep -c 'ingress (.*; hook auto: tc)')" 1
expect_eq "status says so" "$(status_field "$DEV" .hook)" tc
# capture under the TC hook: copied at TC ingress
"$TAPIO" capture "$DEV" -w "$J.pcap" --filter "udp port 9" --count 7 --duration 5 2>"$J.err" &
CAP=$!
BG_PIDS=$CAP
wait_until 5 "grep -q '^capturing on' \"$J.err\""
udp_from_ns 4105 9
wait $CAP
BG_PIDS=
expect_eq "capture at the TC hook: the 7 frames asked for, with 2 more matched" \
	"$(tshark -r "$J.pcap" -T fields -e udp.srcport 2>/dev/null | grep -c '^4105$') $(grep -c '2 more matched' "$J.err")" "7 1"
"$TAPIO" detach "$DEV" >/dev/null
rm -f "$J.pcap" "$J.err"
expect_eq "--hook auto --mode generic: XDP" \
	"$("$TAPIO" attach "$DEV" --hook auto --mode generic | grep -c 'tapio_xdp to .* in generic mode')" 1
"$TAPIO" detach "$DEV" >/dev/null

finish
