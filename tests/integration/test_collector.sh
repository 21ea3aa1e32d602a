#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `tapio run`: kernel flows drained into the table while traffic runs, the
# kernel map never fills, SIGTERM mid-traffic exports everything exactly.
. "$(dirname "$0")/../lib.sh"
require_root

use_testenv coll --ipv4-only
DEV=$TESTENV_DEV
E=$(mktemp)
EXTRA_CLEANUP='rm -f "$E"'

# 64 kernel entries per generation, 300 flows: only draining keeps up
"$TAPIO" run "$DEV" --interval 0.05 --idle-timeout 0.4 --active-timeout 0.7 \
	--kernel-flows 64 --max-flows 4096 >"$J" 2>"$E" &
RUN=$!
BG_PIDS=$RUN
wait_ready "$E"

# 300 short flows of 4 packets (92-byte frames) and one long flow of 3000
nsexec "$PKTSEND" udp --src "$TESTENV_IP4_NS" --sport 20000 --flows 300 --count 4 \
	--dst "$TESTENV_IP4_HOST" --dport 9100 --size 50 --gap-us 800 >/dev/null &
SHORT=$!
nsexec "$PKTSEND" udp --src "$TESTENV_IP4_NS" --sport 4000 --count 3000 \
	--dst "$TESTENV_IP4_HOST" --dport 9200 --size 100 --gap-us 400 >/dev/null &
LONG=$!
wait $SHORT
sleep 0.3
kill -TERM $RUN # while the long flow is still sending
wait $RUN
rc=$?
BG_PIDS=
expect_eq "run exits 0 on SIGTERM" "$rc" 0
wait $LONG

expect_eq "every line parses" "$(jq -s length "$J" 2>/dev/null)" "$(grep -c . "$J")"
expect_eq "short flows: all 1200 packets exported" \
	"$(flow_sum "$J" packets '.dst_port == 9100')" 1200
expect_eq "short flows: 300 distinct flows" \
	"$(jq -s '[.[] | select(.dst_port == 9100) | .src_port] | unique | length' "$J")" 300
expect_eq "short flows: bytes" "$(flow_sum "$J" bytes '.dst_port == 9100')" $((1200 * 92))
expect_eq "short flows ended idle (or were flushed at the stop), never active" \
	"$(jq -s '[.[] | select(.dst_port == 9100 and .end_reason == "active")] | length' "$J")" 0
long=$(flow_sum "$J" packets '.dst_port == 9200')
S=$(grep '^{"summary"' "$E")
expect_eq "summary line parses" "$(jq -r 'has("summary")' <<<"$S")" true
expect_eq "records and summary agree on exported packets" \
	"$(flow_sum "$J" packets '.direction == "ingress"')" "$(jq .summary.ingress.exported_packets <<<"$S")"
expect_eq "the account is exact (programs stopped before the last drain)" \
	"$(jq .summary.exact <<<"$S")" true
expect_range "long flow stopped mid-way" "$long" 1 2999
expect_range "long flow split by the active timeout" \
	"$(jq -s '[.[] | select(.dst_port == 9200)] | length' "$J")" 2 100
expect_eq "an active-timeout record exists" \
	"$(jq -s '[.[] | select(.dst_port == 9200 and .end_reason == "active")] | length > 0' "$J")" true
expect_eq "kernel map never filled (64 entries, 300 flows)" \
	"$(jq .summary.ingress.kernel_overflow_packets <<<"$S")" 0
expect_eq "ingress: exported + counted == seen" "$(jq .summary.ingress.unaccounted_packets <<<"$S")" 0
expect_eq "egress: exported + counted == seen" "$(jq .summary.egress.unaccounted_packets <<<"$S")" 0
expect_eq "run detached what it attached" "$(test -e "/sys/fs/bpf/tapio/$DEV" && echo left || echo gone)" gone
expect_eq "progress went to stderr, not into the records" "$(grep -c attached "$E")" 2

# the table's bound: 300 long-lived flows into 128 entries, in one drain
# (the interval's or the last): with several, the flows of an earlier one
# would be ended early to make room (aggressive aging, test_overflow)
: >"$E" # wait_ready must not find the last run's line
"$TAPIO" run "$DEV" --interval 1 --idle-timeout 30 --max-flows 128 >"$J" 2>"$E" &
RUN=$!
BG_PIDS=$RUN
wait_ready "$E"
nsexec "$PKTSEND" udp --src "$TESTENV_IP4_NS" --sport 30000 --flows 300 --count 4 \
	--dst "$TESTENV_IP4_HOST" --dport 9400 --size 10 >/dev/null
sleep 0.3
kill -TERM $RUN
wait $RUN
BG_PIDS=
S=$(grep '^{"summary"' "$E")
ovf=$(jq .summary.ingress.table_overflow_packets <<<"$S")
expect_range "table overflow counted (at least the 172 flows that cannot fit)" "$ovf" $((172 * 4)) 1200
expect_eq "exported + table overflow == 1200 sent" $(( $(flow_sum "$J" packets '.dst_port == 9400') + ovf )) 1200
expect_eq "exact account with a full table" "$(jq .summary.ingress.unaccounted_packets <<<"$S")" 0

# tapio flows reads the daemon's table: drained flows stay visible
SOCK=$(dirname "$J")/tapio-test-$$.sock
: >"$E" # wait_ready must not find the last run's line
"$TAPIO" run "$DEV" --interval 0.1 --idle-timeout 30 --socket "$SOCK" >/dev/null 2>"$E" &
RUN=$!
BG_PIDS=$RUN
wait_ready "$E" && wait_until 5 '[ -S "$SOCK" ]'
nsexec "$PKTSEND" udp --src "$TESTENV_IP4_NS" --sport 4500 --count 100 \
	--dst "$TESTENV_IP4_HOST" --dport 9300 --size 10 >/dev/null
sleep 0.5 # several drains: the kernel maps no longer hold these packets
expect_eq "kernel maps alone: the flow was drained" \
	"$("$TAPIO" flows "$DEV" --json --socket /nonexistent | jq -s '[.[] | select(.dst_port == 9300) | .packets] | add // 0')" 0
expect_eq "with the daemon's table: all 100 packets" \
	"$("$TAPIO" flows "$DEV" --json --socket "$SOCK" | jq -s '[.[] | select(.dst_port == 9300) | .packets] | add // 0')" 100
expect_fail "a second run on the same socket is refused" "already listens on" \
	"$TAPIO" run "$DEV" --socket "$SOCK"
kill -TERM $RUN
wait $RUN
BG_PIDS=
expect_eq "socket removed at exit" "$(test -e "$SOCK" && echo left || echo gone)" gone

# restart: two runs, a burst during each and one between them; with the
# programs left attached nothing is lost across the restart
J2=$(mktemp)
EXTRA_CLEANUP='rm -f "$E" "$J2"'
burst() {
	nsexec "$PKTSEND" udp --src "$TESTENV_IP4_NS" --sport "$1" --count "$2" \
		--dst "$TESTENV_IP4_HOST" --dport 9500 --size 10 >/dev/null
}
: >"$E" # wait_ready must not find the last run's line
"$TAPIO" run "$DEV" --interval 0.1 --keep-attached --metrics none >"$J" 2>"$E" &
RUN=$!
wait_ready "$E"
burst 5000 300
kill -TERM $RUN
wait $RUN
burst 5001 200 # nobody drains now: the kernel keeps counting
: >"$E" # wait_ready must not find the last run's line
"$TAPIO" run "$DEV" --interval 0.1 --metrics none >"$J2" 2>"$E" &
RUN=$!
sleep 0.3
burst 5002 100
sleep 0.3
kill -TERM $RUN
wait $RUN
total=$(( $(flow_sum "$J" packets '.dst_port == 9500') + $(flow_sum "$J2" packets '.dst_port == 9500') ))
expect_eq "restart: totals across both runs == 600 sent" "$total" 600
expect_eq "restart: the burst between the runs is in the second run" \
	"$(flow_sum "$J2" packets '.src_port == 5001')" 200
"$TAPIO" detach "$DEV" >/dev/null 2>&1

# JSON lines to a file, rotated past 1 MiB: 3000 one-packet flows (~1.2 MB)
JD=$(mktemp -d)
EXTRA_CLEANUP='rm -rf "$E" "$J2" "$JD"'
: >"$E" # wait_ready must not find the last run's line
"$TAPIO" run "$DEV" --interval 0.1 --idle-timeout 0.2 --metrics none \
	--json-file "$JD/flows.jsonl" --json-rotate-mb 1 >/dev/null 2>"$E" &
RUN=$!
wait_ready "$E"
nsexec "$PKTSEND" udp --src "$TESTENV_IP4_NS" --sport 10000 --flows 3000 --count 1 \
	--dst "$TESTENV_IP4_HOST" --dport 9600 --size 10 >/dev/null
sleep 0.5
kill -TERM $RUN
wait $RUN
expect_range "rotated: flows.jsonl and flows.jsonl.1 (at least)" "$(ls "$JD" | wc -l)" 2 6
expect_eq "no file past 1 MiB" "$(find "$JD" -type f -size +1024k | wc -l)" 0
expect_eq "every line of every file parses" \
	"$(cat "$JD"/* | jq -s length 2>/dev/null)" "$(cat "$JD"/* | grep -c .)"
expect_eq "all 3000 packets across the files" \
	"$(cat "$JD"/* | jq -s '[.[] | select(.dst_port == 9600) | .packets] | add')" 3000

# logrotate's `create`: the file renamed, SIGHUP, a new file by the same
# name; every line is in one of the two
rm -f "$JD"/*
: >"$E" # wait_ready must not find the last run's line
"$TAPIO" run "$DEV" --interval 0.1 --idle-timeout 0.2 --metrics none --socket none \
	--json-file "$JD/flows.jsonl" >/dev/null 2>"$E" &
RUN=$!
wait_ready "$E"
send_udp() { nsexec "$PKTSEND" udp --src "$TESTENV_IP4_NS" --sport "$1" --flows 100 --count 1 \
	--dst "$TESTENV_IP4_HOST" --dport 9650 --size 10 >/dev/null; }
send_udp 11000
wait_until 5 '[ "$(grep -c "\"dst_port\":9650" "$JD/flows.jsonl")" = 100 ]'
mv "$JD/flows.jsonl" "$JD/flows.jsonl.old"
send_udp 12000 # ended flows buffered before the signal go to the old file
kill -HUP $RUN
wait_until 5 '[ -e "$JD/flows.jsonl" ]'
send_udp 13000
sleep 0.5
kill -TERM $RUN
wait $RUN
expect_eq "reopened on SIGHUP: all 300 flows across the old and the new file" \
	"$(cat "$JD/flows.jsonl.old" "$JD/flows.jsonl" | jq -s '[.[] | select(.dst_port == 9650)] | length')" 300
expect_eq "the flows after the signal are in the new file" \
	"$(jq -s '[.[] | select(.dst_port == 9650 and .src_port >= 13000)] | length' "$JD/flows.jsonl")" 100

# the collector at the TC hook: every packet of both directions, exact
: >"$E"
"$TAPIO" run "$DEV" --hook tc --interval 0.1 --idle-timeout 30 --metrics none \
	--socket none >"$J" 2>"$E" &
RUN=$!
wait_ready "$E"
expect_eq "tapio run --hook tc: TC on both directions" \
	"$(grep -c 'attached tapio_tc to .* ingress\|attached tapio_tc to .* egress' "$E")" 2
nsexec "$PKTSEND" udp --src "$TESTENV_IP4_NS" --sport 21000 --flows 50 --count 6 \
	--dst "$TESTENV_IP4_HOST" --dport 9660 --size 30 >/dev/null
nsexec ping -c 4 -i 0.01 -W 1 -q "$TESTENV_IP4_HOST" >/dev/null
sleep 0.3
kill -TERM $RUN
wait $RUN
S=$(grep '^{"summary"' "$E")
expect_eq "at TC: 50 flows, 300 packets in" \
	"$(jq -s '[.[] | select(.dst_port == 9660)] | "\(length) \(map(.packets) | add)"' -r "$J")" "50 300"
expect_eq "at TC: 4 echo replies out" \
	"$(jq -s '[.[] | select(.protocol == "icmp" and .icmp_type == 0 and .direction == "egress") | .packets] | add' "$J")" 4
expect_eq "at TC: exact both ways" \
	"$(jq '.summary.exact and .summary.ingress.unaccounted_packets == 0 and .summary.egress.unaccounted_packets == 0' <<<"$S")" true
expect_fail "--xsk at the TC hook: refused" "xsk steers frames from the XDP hook" \
	"$TAPIO" run "$DEV" --hook tc --xsk all --socket none --metrics none

# --duration ends by itself; a device already attached is left attached
"$TAPIO" attach "$DEV" --hook xdp >/dev/null
timeout 10 "$TAPIO" run "$DEV" --duration 0.5 --interval 0.1 >/dev/null 2>&1
expect_eq "--duration stops the run" "$?" 0
expect_eq "an existing attachment is kept" "$(status_field "$DEV" .xdp_attached)" true
timeout 10 "$TAPIO" run "$DEV" --duration 0.2 --hook tc --kernel-flows 1024 --socket none \
	--metrics none >/dev/null 2>"$E"
expect_eq "what the attachment in place differs in is said" \
	"$(grep -c "using the attachment in place (hook xdp, 65536 flows per generation, percpu map), not the one asked for (hook tc, 1024, percpu)" "$E")" 1
timeout 10 "$TAPIO" run "$DEV" --duration 0.2 --spill-ring 2 --socket none --metrics none \
	>/dev/null 2>"$E"
expect_eq "and its spill ring, kept" \
	"$(grep -c "using the spill ring in place (16 MiB), not the 2 MiB asked for" "$E") $(status_field "$DEV" .spill_ring_bytes)" \
	"1 $((16 << 20))"
"$TAPIO" detach "$DEV" >/dev/null

finish
