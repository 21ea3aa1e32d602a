#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# tapio next to another tool on the same veth: a TC program (cls_bpf, as
# most tools attach it) and an XDP program written for the test, each
# counting what it sees and dropping UDP to port 9.  Both keep working,
# tapio's counts are exact, and either leaving leaves the other working.
. "$(dirname "$0")/../lib.sh"
require_root
command -v bpftool >/dev/null || skip "bpftool not installed"

D=$(mktemp -d)
P=tco$$
DEV=${P}a
OTHER=$ROOT/build/tools/other_tool.o
cleanup() {
	kill $BG_PIDS 2>/dev/null
	wait $BG_PIDS 2>/dev/null
	ip link del "$DEV" 2>/dev/null
	rm -rf "$D"
}
trap cleanup EXIT
veth_up "$DEV" "${P}b" || { fail "veth"; finish; exit 1; }

# N frames into DEV from its peer, UDP to port $1
send() { "$PKTSEND" raw --dev "${P}b" --dst-mac 02:00:00:00:00:01 --src 10.79.0.1 \
	--dst 10.79.1.1 --sport 3000 --dport "$1" --count "$2" --size 60 >/dev/null; }
tc_other_id() { tc -j filter show dev "$DEV" ingress | jq '[.[] | select(.options.prog.name == "other_tc") | .options.prog.id][0] // 0'; }
xdp_id() { ip -j link show "$DEV" | jq '.[0].xdp.prog.id // 0'; }
# the other program's count $2 (0 seen, 1 dropped), by its program id $1
other_count() {
	local m
	m=$(bpftool prog show id "$1" -j | jq '.map_ids[0]')
	bpftool map lookup id "$m" key "$2" 0 0 0 -j | jq '.formatted.value'
}
# tapio run on DEV with flags $@ into $D/flows.json and $D/err
start_run() {
	: >"$D/err"
	"$TAPIO" run "$DEV" --interval 0.2 --idle-timeout 60 --socket none --metrics none \
		--json-file "$D/flows.json" "$@" 2>"$D/err" &
	RUN=$!
	BG_PIDS=$RUN
	wait_ready "$D/err" || fail "not ready: $(head -3 "$D/err")"
}
stop_run() {
	kill -TERM $RUN
	wait $RUN
	BG_PIDS=
}
port_pkts() { jq -s --argjson p "$1" 'map(select(.dst_port == $p and .direction == "ingress")) | map(.packets) | add // 0' "$D/flows.json"; }
summary() { grep '^{"summary"' "$D/err" | jq -r ".summary.$1"; }

# 1. the other's TC filter first, then tapio at TC (a tcx link, ahead of
# every cls_bpf filter): the other still sees and drops, tapio sees all
tc qdisc add dev "$DEV" clsact
tc filter add dev "$DEV" ingress prio 1 bpf da obj "$OTHER" sec tc || fail "other TC filter"
OTC=$(tc_other_id)
start_run --hook tc
expect_eq "tapio at TC by a tcx link" "$(grep -c "attached tapio_tc to $DEV ingress (tcx link, first)" "$D/err")" 1
send 9 100
send 10 50
expect_eq "tcx: the other TC program saw all 150" "$(other_count "$OTC" 0)" 150
expect_eq "tcx: and dropped its 100" "$(other_count "$OTC" 1)" 100
stop_run
expect_eq "tcx: tapio counted the 100 the other dropped after it" "$(port_pkts 9)" 100
expect_eq "tcx: and the 50 it passed" "$(port_pkts 10)" 50
expect_eq "tcx: the account is exact" "$(summary exact) $(summary ingress.unaccounted_packets)" "true 0"
expect_eq "tapio gone, the other filter stays" "$(tc_other_id)" "$OTC"
send 9 10
expect_eq "and keeps working (160 seen, 110 dropped)" "$(other_count "$OTC" 0) $(other_count "$OTC" 1)" "160 110"

# 2. the other leaves while tapio runs: tapio goes on, exact
rm -f "$D/flows.json"
start_run --hook tc
send 10 20
tc filter del dev "$DEV" ingress prio 1
expect_eq "the other filter removed" "$(tc_other_id)" 0
send 10 30
stop_run
expect_eq "tapio counted before and after the other left (50)" "$(port_pkts 10)" 50
expect_eq "and is exact" "$(summary exact) $(summary ingress.unaccounted_packets)" "true 0"

# 3. tapio as a cls_bpf filter (prio 0x7470) with the other's after it
# (prio 0xfff0): tapio passes every packet on to the next filter
rm -f "$D/flows.json"
start_run --hook tc --tc-api cls_bpf
expect_eq "tapio at TC by cls_bpf" "$(grep -c "attached tapio_tc to $DEV ingress (cls_bpf)" "$D/err")" 1
tc filter add dev "$DEV" ingress prio 65520 bpf da obj "$OTHER" sec tc || fail "other TC filter after tapio"
OTC=$(tc_other_id)
send 9 40
expect_eq "cls_bpf: the filter after tapio's still runs (40 seen, 40 dropped)" \
	"$(other_count "$OTC" 0) $(other_count "$OTC" 1)" "40 40"
stop_run
expect_eq "cls_bpf: tapio counted the 40" "$(port_pkts 9)" 40
expect_eq "cls_bpf: tapio's filter gone, the other's stays" \
	"$(tc -j filter show dev "$DEV" ingress | jq -c '[.[] | .options.prog.name // empty]')" '["other_tc"]'
tc filter del dev "$DEV" ingress prio 65520

# 4. XDP taken by the other (no dispatcher here, docs/operations.md): tapio
# refuses it politely and leaves it; at TC it counts what XDP passed
ip link set dev "$DEV" xdpdrv obj "$OTHER" sec xdp || fail "other XDP program"
OX=$(xdp_id)
expect_fail "XDP taken: refused, naming the program and the ways out" \
	"^tapio: $DEV already has XDP program id $OX \('other_xdp'\) attached by another tool; count beside it with --hook tc" \
	"$TAPIO" run "$DEV" --hook xdp --socket none --metrics none --duration 1
expect_eq "the other XDP program is untouched" "$(xdp_id)" "$OX"
rm -f "$D/flows.json"
start_run --hook auto
expect_eq "hook auto: TC beside the other's XDP, saying why" "$(grep -c "attached tapio_tc to $DEV ingress (tcx link, first; hook auto: tc, XDP is another tool's)" "$D/err")" 1
send 9 100
send 10 50
expect_eq "xdp: the other saw 150 and dropped 100" "$(other_count "$OX" 0) $(other_count "$OX" 1)" "150 100"
stop_run
expect_eq "xdp: tapio counted the 50 XDP passed" "$(port_pkts 10)" 50
expect_eq "xdp: none of the dropped" "$(port_pkts 9)" 0
expect_eq "xdp: exact (seen 50)" "$(summary exact) $(summary ingress.seen_packets) $(summary ingress.unaccounted_packets)" "true 50 0"
expect_eq "tapio gone, the other XDP program stays" "$(xdp_id)" "$OX"
send 9 5
expect_eq "and keeps working (105 dropped)" "$(other_count "$OX" 1)" 105
expect_eq "nothing of tapio's left" "$(test -e "/sys/fs/bpf/tapio/$DEV" && echo left || echo gone)" gone

# 5. the other's XDP program leaves while tapio counts at TC: tapio goes
# on and now sees what it would have dropped
rm -f "$D/flows.json"
start_run --hook auto
send 9 30
ip link set dev "$DEV" xdp off
expect_eq "the other XDP program detached" "$(xdp_id)" 0
send 9 20
stop_run
expect_eq "tapio counted only the 20 after the other left" "$(port_pkts 9)" 20
expect_eq "and is exact" "$(summary exact) $(summary ingress.unaccounted_packets)" "true 0"
finish
