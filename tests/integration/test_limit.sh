#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Rate limits of the probes' event streams (`--limit`, `tapio limit`): an
# exec storm under a limit sends at most its rate, every event is sent or
# counted as rate_limited, the exec counters stay exact, and a limit
# changed while running takes effect at once.
. "$(dirname "$0")/../lib.sh"
require_root

D=$(mktemp -d)
PORT=$((20000 + RANDOM % 10000))
cleanup() {
	kill $BG_PIDS 2>/dev/null
	wait $BG_PIDS 2>/dev/null
	rm -rf "$D"
}
trap cleanup EXIT
metric() { curl -s "127.0.0.1:$PORT/metrics" | awk -v m="$1" '$1 == m {print $2}'; }
limit() { "$TAPIO" limit "$@" --socket "$D/ctl.sock"; }
limited() { metric 'tapio_events_dropped_total{source="probe_exec",reason="rate_limited"}'; }
sent() { metric 'tapio_events_processed_total{source="probe_exec"}'; }
now() { date +%s%N; }

cp /bin/true "$D/tl-storm"
cp /bin/true "$D/tl-mark"
: >"$D/err"
"$TAPIO" run --probes exec --limit exec=100/10 --interval 0.2 --socket "$D/ctl.sock" \
	--metrics "127.0.0.1:$PORT" --json-file "$D/events.json" 2>"$D/err" &
RUN=$!
BG_PIDS=$RUN
wait_ready "$D/err" || fail "not ready: $(head -3 "$D/err")"
wait_until 5 '[ -n "$(sent)" ]' || fail "no /metrics"
expect_eq "/metrics: the limit" "$(metric 'tapio_event_rate_limit{stream="exec"}')" 100

# 1. a storm of 3000 execs (and as many exits) under 100/s, burst 10
E0=$(metric tapio_process_execs_total)
T0=$(now)
for i in $(seq 1 3000); do "$D/tl-storm"; done
T1=$(now)
sleep 1 # the last snapshot after the storm, no exec of ours meanwhile
E1=$(metric tapio_process_execs_total)
MS=$(((T1 - T0) / 1000000))
expect_range "execs counted exactly, the limit notwithstanding (3000 + the host's)" \
	"$((E1 - E0))" 3000 3050
# the events' own clock: at most rate x time + burst were sent
wait_until 5 "[ \"\$(jq -c 'select(.time_ns >= $T1)' '$D/events.json' | wc -l)\" -gt 0 ]"
N=$(jq -c "select(.time_ns >= $T0 and .time_ns <= $T1)" "$D/events.json" | wc -l)
expect_range "events sent in the storm's ${MS} ms: at most 100/s + 10" "$N" \
	$((MS * 100 / 1000 / 2)) $((MS * 100 / 1000 + 11))
expect_range "the rest held back: thousands" "$(limited)" 3000 100000
# one snapshot of a quiet moment: every event offered is sent, held back
# or lost to a full ring
sleep 1
M=$(curl -s "127.0.0.1:$PORT/metrics")
m() { awk -v m="$1" '$1 == m {print $2}' <<<"$M"; }
expect_eq "every event offered is sent, rate_limited or ring_full" \
	"$(($(m 'tapio_events_processed_total{source="probe_exec"}') +
		$(m 'tapio_events_dropped_total{source="probe_exec",reason="rate_limited"}') +
		$(m 'tapio_events_dropped_total{source="probe_exec",reason="ring_full"}')))" \
	"$(($(m tapio_process_execs_total) + $(m tapio_process_exits_total) + $(m tapio_process_exec_failures_total)))"

# 2. no limit while running: every event of the next execs is sent
expect_eq "limit set exec 0" "$(limit set exec 0 | awk 'NR == 2 {print $1, $2}')" "exec none"
for i in $(seq 1 200); do "$D/tl-mark"; done
wait_until 5 "[ \"\$(jq -c 'select(.type == \"exec\" and .filename == \"$D/tl-mark\")' '$D/events.json' | wc -l)\" = 200 ]"
expect_eq "all 200 execs as events" \
	"$(jq -c "select(.type == \"exec\" and .filename == \"$D/tl-mark\")" "$D/events.json" | wc -l)" 200
expect_eq "and their 200 exits" \
	"$(jq -c 'select(.type == "exit" and .comm == "tl-mark")' "$D/events.json" | wc -l)" 200

# 3. show, and a limit set again
L=$(limit set exec 50 5 --json)
expect_eq "limit show: exec 50/s, burst 5" "$(jq -r 'select(.stream == "exec") | "\(.rate) \(.burst)"' <<<"$L")" "50 5"
expect_eq "limit show: what was held back" "$(jq -r 'select(.stream == "exec") | .rate_limited' <<<"$L")" "$(limited)"
wait_until 3 '[ "$(metric "tapio_event_rate_limit{stream=\"exec\"}")" = 50 ]'
expect_eq "/metrics: the new limit" "$(metric 'tapio_event_rate_limit{stream="exec"}')" 50
expect_eq "each change logged" "$(grep -c 'control: exec rate limit' "$D/err")" 2
expect_fail "a stream without events" "limit: the tapio run at .* refused: 'bio' is no event stream" \
	"$TAPIO" limit set bio 5 --socket "$D/ctl.sock"
expect_fail "a probe that does not run" "refused: the tcp probe does not run" \
	"$TAPIO" limit set tcp 5 --socket "$D/ctl.sock"

kill -TERM $RUN
wait $RUN
expect_eq "exits 0" "$?" 0
BG_PIDS=
expect_eq "no error logged" "$(grep -c '^tapio: error' "$D/err")" 0
expect_fail "a bad --limit" "invalid --limit 'cache': expected exec=RATE" \
	"$TAPIO" run --probes exec --limit cache=5 --socket none --metrics none
finish
