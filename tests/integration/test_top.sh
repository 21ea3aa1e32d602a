#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `tapio top` under tmux against a steady known flow: the flow's packets/s
# and bits/s and its interface's packets/s within 5% of what was sent, the
# keys sort and quit; not on a terminal, one table.
. "$(dirname "$0")/../lib.sh"
require_root
command -v tmux >/dev/null || skip "no tmux"

use_testenv top --ipv4-only
DEV=$TESTENV_DEV
D=$(mktemp -d)
PORT=$((20000 + RANDOM % 10000))
TMUX_S=tapio-top-$$
EXTRA_CLEANUP='tmux kill-session -t "$TMUX_S" 2>/dev/null; rm -rf "$D"'
rx() { cat "/sys/class/net/$DEV/statistics/rx_packets"; }
now() { date +%s%N; }

: >"$D/err"
"$TAPIO" run "$DEV" --interval 0.5 --socket "$D/ctl.sock" --metrics "127.0.0.1:$PORT" \
	--json-file none 2>"$D/err" &
RUN=$!
BG_PIDS=$RUN
wait_ready "$D/err" || fail "not ready: $(head -3 "$D/err")"

# one steady flow, ~500 packets/s for 12 s (frames of 100 bytes of payload)
nsexec "$PKTSEND" udp --src "$TESTENV_IP4_NS" --sport 4100 --count 6000 \
	--dst "$TESTENV_IP4_HOST" --dport 9300 --size 100 --gap-us 2000 >/dev/null &
SEND=$!
BG_PIDS="$RUN $SEND"
tmux new-session -d -s "$TMUX_S" -x 220 -y 50 \
	"$TAPIO top --socket $D/ctl.sock --metrics 127.0.0.1:$PORT --refresh 1"
sleep 4
# what was sent over the same seconds, from the interface's own counter
P0=$(rx)
T0=$(now)
sleep 2
P1=$(rx)
T1=$(now)
tmux capture-pane -p -t "$TMUX_S" >"$D/screen"
RATE=$(awk -v p=$((P1 - P0)) -v t=$((T1 - T0)) 'BEGIN { printf "%.1f", p * 1e9 / t }')
# k, M suffixes back to numbers
num() { awk '{ v = $1; if (v ~ /k$/) v *= 1e3; else if (v ~ /M$/) v *= 1e6; print v + 0 }'; }
ROW=$(grep ":4100 " "$D/screen" | grep ":9300 " | head -1)
[ -n "$ROW" ] || fail "no row of the flow on the screen: $(cat "$D/screen")"
PPS=$(awk '{print $(NF-1)}' <<<"$ROW" | num)
BPS=$(awk '{print $NF}' <<<"$ROW" | num)
# frames of 100 bytes of UDP payload: + UDP 8, IPv4 20, Ethernet 14
FRAME=142
within() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(b > 0 && a / b > 0.95 && a / b < 1.05) }'; }
within "$PPS" "$RATE" && pass "flow packets/s $PPS within 5% of $RATE sent" ||
	fail "flow packets/s $PPS, sent $RATE"
within "$BPS" "$(awk -v r="$RATE" -v f="$FRAME" 'BEGIN { print r * f * 8 }')" &&
	pass "flow bits/s $BPS within 5% of ${RATE} x $FRAME bytes" ||
	fail "flow bits/s $BPS, sent $RATE x $FRAME bytes"
IROW=$(grep "^$DEV *ingress" "$D/screen" | head -1)
IPPS=$(awk '{print $3}' <<<"$IROW" | num)
within "$IPPS" "$RATE" && pass "interface packets/s $IPPS within 5% of $RATE" ||
	fail "interface packets/s $IPPS (row '$IROW'), sent $RATE"
expect_eq "sorted by bits at first" "$(grep -c 'sorted by bits/s' "$D/screen")" 1
tmux send-keys -t "$TMUX_S" p
sleep 0.5
expect_eq "p sorts by packets" "$(tmux capture-pane -p -t "$TMUX_S" | grep -c 'sorted by packets/s')" 1
tmux send-keys -t "$TMUX_S" q
wait_until 3 "! tmux has-session -t '$TMUX_S' 2>/dev/null"
expect_eq "q quits" "$(tmux has-session -t "$TMUX_S" 2>/dev/null && echo running || echo gone)" gone

# not a terminal: one table after one refresh
"$TAPIO" top --socket "$D/ctl.sock" --metrics "127.0.0.1:$PORT" --refresh 1 >"$D/once"
expect_eq "one-shot: the flow's row" "$(grep ":4100 " "$D/once" | grep -c ":9300 ")" 1
expect_eq "one-shot: the interface's row" "$(grep -c "^$DEV *ingress" "$D/once")" 1
wait $SEND
BG_PIDS=$RUN
expect_fail "no run to look at" "top: no tapio run answers on $D/none.sock nor at 127.0.0.1:1" \
	"$TAPIO" top --socket "$D/none.sock" --metrics 127.0.0.1:1
finish
