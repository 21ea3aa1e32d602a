#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A flow map smaller than the traffic: the overflow record takes the rest,
# reasons are counted and nothing is lost.
. "$(dirname "$0")/../lib.sh"
require_root

use_testenv ovfl --ipv4-only
DEV=$TESTENV_DEV
D=$(mktemp)
EXTRA_CLEANUP='rm -f "$D" "$D.err"'

# run_start ARGS...: a collector on $DEV (flows to $J, stderr to $D.err,
# emptied first so that the wait reads this run's line), once ready
run_start() {
	: >"$D.err"
	"$TAPIO" run "$DEV" --socket none --metrics none "$@" >"$J" 2>"$D.err" &
	RUN=$!
	BG_PIDS=$RUN
	wait_ready "$D.err" || fail "tapio run did not get ready"
}
# run_stop: SIGTERM, then S is its summary
run_stop() {
	kill -TERM $RUN
	wait $RUN
	BG_PIDS=
	S=$(grep '^{"summary"' "$D.err")
}

"$TAPIO" attach "$DEV" --max-flows 8 --no-egress >/dev/null || fail "attach --max-flows 8"
# 30 flows x 4 packets of 64 payload bytes (106-byte frames) into an 8-entry map
nsexec "$PKTSEND" raw --dev veth0 --dst-mac "$TESTENV_MAC_HOST" --src 10.7.0.2 --dst 10.7.0.1 \
	--sport 1 --dport 9 --count 1 --size 0 >/dev/null # warm-up flow, key 1
for i in $(seq 100 129); do
	nsexec "$PKTSEND" raw --dev veth0 --dst-mac "$TESTENV_MAC_HOST" --src 10.7.0.2 --dst 10.7.0.1 \
		--sport "$i" --dport 9 --count 4 --size 64 >/dev/null
done
flows_json "$DEV" >"$J"
S=$("$TAPIO" status --json | jq -c --arg d "$DEV" 'select(.dev == $d)')
in_map=$(flow_sum "$J" packets '.dst_port == 9 and .src_port >= 100')
other=$(flow_sum "$J" packets '(.dst_port == 9 and .src_port >= 100) | not')
ovf=$(jq .counters.ingress.overflow_packets <<<"$S")
seen=$(jq .counters.ingress.seen_packets <<<"$S")
non_ip=$(jq .counters.ingress.non_ip_packets <<<"$S")
expect_eq "map holds exactly max-flows entries" "$(jq .flows <<<"$S")" 8
expect_eq "max_flows reported" "$(jq .max_flows <<<"$S")" 8
expect_eq "only the warm-up flow besides the test flows" "$other" 1
# the map keeps the warm-up flow and the first 7 test flows; 23 x 4 overflow
expect_eq "overflow holds the packets of the 23 flows that did not fit" "$ovf" 92
expect_eq "test flows in map + overflow == 120 sent" $((in_map + ovf)) 120
expect_eq "seen == 121 sent + non-IP" "$seen" $((121 + non_ip))
expect_eq "overflow bytes are 106 per packet" "$(jq .counters.ingress.overflow_bytes <<<"$S")" $((ovf * 106))
expect_eq "overflow reason: map_full" "$(jq .counters.ingress.map_full <<<"$S")" "$ovf"
expect_eq "conservation with overflow" "$(jq .counters.ingress.unaccounted_packets <<<"$S")" 0
expect_eq "status text names the overflow reason" \
	"$("$TAPIO" status | grep -c "map_full $ovf")" 1
"$TAPIO" detach "$DEV" >/dev/null

# Kernel map size from a memory budget: (120 + 40 x possible CPUs) bytes
# a flow, both generations, rounded down to a power of two
ncpu=$(possible_cpus) per=$(kernel_flow_bytes) want=$(kernel_flows_for 8)
run_start --kernel-memory 8 --duration 30
expect_eq "--kernel-memory 8: flows a generation on $ncpu CPUs" \
	"$(grep -c "^kernel maps: $want flows a generation from kernel_memory_mb 8 ($per bytes a flow, per-CPU maps on $ncpu CPUs)" "$D.err") $(status_field "$DEV" .max_flows)" "1 $want"
expect_range "status: the maps cost what the formula says (+ 64 KiB)" \
	"$(status_field "$DEV" .kernel_map_bytes)" $((2 * want * per)) $((2 * want * per + 65536))
run_stop

# --kernel-map shared: one value a flow whatever the CPUs, so a budget
# holds more flows on more CPUs; every packet counted exactly in them
per=$(kernel_flow_bytes shared) want=$(kernel_flows_for 4 shared)
run_start --kernel-memory 4 --kernel-map shared --duration 30 --idle-timeout 0.5
expect_eq "--kernel-map shared: flows a generation from 4 MiB, said and in status" \
	"$(grep -c "^kernel maps: $want flows a generation from kernel_memory_mb 4 ($per bytes a flow, shared maps on $ncpu CPUs)" "$D.err") $(status_field "$DEV" '"\(.max_flows) \(.kernel_map)"')" "1 $want shared"
expect_range "status: the shared maps cost what the formula says (+ 64 KiB)" \
	"$(status_field "$DEV" .kernel_map_bytes)" $((2 * want * per)) $((2 * want * per + 65536))
expect_eq "the text says shared" "$("$TAPIO" status | grep -c "maps [0-9.]*[KM]iB (shared)")" 1
nsexec "$PKTSEND" udp --src "$TESTENV_IP4_NS" --sport 6100 --flows 40 --count 25 \
	--dst "$TESTENV_IP4_HOST" --dport 9100 --size 30 >/dev/null
run_stop
expect_eq "shared maps: 40 flows of 25 packets, exact" \
	"$(jq -s '[.[] | select(.dst_port == 9100)] | "\(length) \(map(.packets) | add) \(map(.bytes) | add)"' -r "$J")" \
	"40 1000 $((1000 * (14 + 20 + 8 + 30)))"
expect_eq "and the summary is exact" "$(jq .summary.exact <<<"$S")" true

# Under a collector a flow that finds its map generation full is handed
# over through the spill ring instead: 200 flows into 16-entry generations
# within one interval all become flow records, none is overflow.
run_start --kernel-flows 16 --drain-at 0 --interval 2 --idle-timeout 60
expect_eq "status: a 16 MiB spill ring by default" "$(status_field "$DEV" .spill_ring_bytes)" $((16 << 20))
nsexec "$PKTSEND" udp --src "$TESTENV_IP4_NS" --sport 20000 --flows 200 --count 2 \
	--dst "$TESTENV_IP4_HOST" --dport 9900 --size 10 >/dev/null
run_stop
expect_eq "all 200 flows exported" "$(jq -s '[.[] | select(.dst_port == 9900)] | map(.src_port) | unique | length' "$J")" 200
expect_eq "with all 400 packets" "$(flow_sum "$J" packets '.dst_port == 9900')" 400
expect_range "most of them through the spill ring" "$(jq .summary.ingress.spilled_packets <<<"$S")" 300 400
expect_eq "no kernel overflow" "$(jq .summary.ingress.kernel_overflow_packets <<<"$S")" 0
expect_eq "the account is exact" "$(jq .summary.exact <<<"$S")" true

# Drain on demand: with 1024-entry generations that ask for a drain at
# half full, six bursts of 400 new flows, all within one 30 s interval,
# each sent once the generation being written holds fewer than 512 (a
# request that came is served). A generation is retired as soon as it
# holds 512 (the rest of that burst goes to the other one), so none gets
# near 1024: 2400 flows, 3 or 4 drains (each retires 512 to 911 flows and
# fewer than 512 are left), no spill, no overflow. At the interval alone the second
# burst would wait in vain, and the spill would take 1376.
run_start --kernel-flows 1024 --drain-at 50 --interval 30 --idle-timeout 60 --spill-ring 1
expect_eq "status: the spill ring asked for, 1 MiB" "$(status_field "$DEV" .spill_ring_bytes)" $((1 << 20))
expect_eq "status: the programs ask at 512 flows" "$(status_field "$DEV" .drain_at)" 512
for b in 0 1 2 3 4 5; do
	wait_until 5 '[ "$(status_field "$DEV" .generation_flows)" -lt 512 ]' ||
		fail "generation $(status_field "$DEV" .generation) not drained before burst $b"
	nsexec "$PKTSEND" udp --src "$TESTENV_IP4_NS" --sport $((30000 + 400 * b)) --flows 400 \
		--count 1 --dst "$TESTENV_IP4_HOST" --dport 9901 --size 10 >/dev/null
done
# the last request served too: every generation retired held 512..911
wait_until 5 '[ "$(status_field "$DEV" .generation_flows)" -lt 512 ]' ||
	fail "generation $(status_field "$DEV" .generation) not drained after the last burst"
run_stop
expect_range "a drain each time a generation got half full" "$(jq .summary.kernel_drains_on_fill <<<"$S")" 3 4
expect_eq "drain on demand: all 2400 flows exported" \
	"$(jq -s '[.[] | select(.dst_port == 9901)] | map(.src_port) | unique | length' "$J")" 2400
expect_eq "drain on demand: nothing through the spill ring" "$(jq .summary.ingress.spilled_packets <<<"$S")" 0
expect_eq "drain on demand: no kernel overflow" "$(jq .summary.ingress.kernel_overflow_packets <<<"$S")" 0
expect_eq "drain on demand: the account is exact" "$(jq .summary.exact <<<"$S")" true

# A full table ends its flows idle longest early rather than refuse new
# ones: a 4096-flow table (64 shards of 64), five bursts of 2000 new flows
# 0.6 s apart, flows idle for 60 s before they would end. Each burst finds
# its predecessor in the table (~31 flows a shard, 45 at most in practice),
# and soon a shard with fewer than 12 entries free (room asked for a 256-
# flow drain); then every older flow (idle > 0.47 s: 60 s halved until
# there is room) ends "forced". 4 x 2000 forced, the last 2000 flushed.
run_start --max-flows 4096 --kernel-flows 256 --interval 0.2 --idle-timeout 60
for b in 0 1 2 3 4; do
	nsexec "$PKTSEND" udp --src "$TESTENV_IP4_NS" --sport $((40000 + 2000 * b)) --flows 2000 \
		--count 2 --dst "$TESTENV_IP4_HOST" --dport 9902 --size 10 >/dev/null
	sleep 0.6
done
run_stop
expect_eq "full table: all 10000 flows exported, all 20000 packets" \
	"$(jq -s '[.[] | select(.dst_port == 9902)] | "\(map(.src_port) | unique | length) \(map(.packets) | add)"' "$J")" '"10000 20000"'
expect_eq "full table: none refused" "$(jq .summary.ingress.table_overflow_packets <<<"$S")" 0
expect_eq "full table: the four older bursts ended early, the last at the stop" \
	"$(jq -s -r '[.[] | select(.dst_port == 9902)] | group_by(.end_reason) | map("\(.[0].end_reason) \(length)") | join(", ")' "$J")" \
	"flush 2000, forced 8000"
expect_eq "full table: only flows of the older bursts ended early" \
	"$(jq -s '[.[] | select(.dst_port == 9902 and .end_reason == "forced") | .src_port] | max < 48000' "$J")" true
expect_eq "full table: the account is exact" "$(jq .summary.exact <<<"$S")" true

finish
