#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The control socket's requests: `tapio expire` ends every flow of a running
# `tapio run` now, with what its kernel maps hold, each packet exported once
# also while frames keep coming; who may ask is checked.
. "$(dirname "$0")/../lib.sh"
require_root

D=$(mktemp -d)
P=tc$$
PORT=$((20000 + RANDOM % 10000))
cleanup() {
	kill $BG_PIDS 2>/dev/null
	wait $BG_PIDS 2>/dev/null
	ip link del "${P}a" 2>/dev/null
	rm -rf "$D"
}
trap cleanup EXIT
metric() { curl -s "127.0.0.1:$PORT/metrics" | awk -v m="$1" '$1 == m {print $2}'; }
send() { "$PKTSEND" raw --dev "${P}b" --dst-mac 02:00:00:00:00:01 --src 10.77.0.1 \
	--dst 10.77.1.1 --sport 3000 --dport "$1" --count "$2" --size 60 >/dev/null; }
seen() { "$TAPIO" status --json | jq -r --arg d "${P}a" 'select(.dev == $d) | .counters.ingress.seen_packets'; }
# packets of the records to port $1 with end reason $2
exported() { jq -s --argjson p "$1" --arg r "$2" \
	'map(select(.dst_port == $p and .end_reason == $r)) | map(.packets) | add // 0' "$D/flows.json"; }

veth_up "${P}a" "${P}b" || fail "veth"
: >"$D/err"
# flows would live a minute: only a request ends them before the stop
"$TAPIO" run "${P}a" --interval 0.2 --idle-timeout 60 --active-timeout 600 \
	--socket "$D/ctl.sock" --metrics "127.0.0.1:$PORT" --json-file "$D/flows.json" 2>"$D/err" &
RUN=$!
BG_PIDS=$RUN
wait_ready "$D/err" || fail "not ready: $(head -3 "$D/err")"

# 1. three flows, still in the kernel map or the table: all ended now
send 7001 10
send 7002 20
send 7003 30
wait_until 5 '[ "$(seen)" = 60 ]' || fail "frames not seen: $(seen)"
OUT=$("$TAPIO" expire --socket "$D/ctl.sock" --json)
expect_eq "expire: 3 flows" "$(jq .expired_flows <<<"$OUT")" 3
expect_eq "expire: their 60 packets" "$(jq .packets <<<"$OUT")" 60
# --size is the payload: pktsend says the frame length it sends
B=$("$PKTSEND" raw --dev "${P}b" --dst-mac 02:00:00:00:00:01 --src 10.77.0.1 \
	--dst 10.77.1.1 --sport 3000 --dport 7009 --count 0 --size 60 | awk '{print $(NF-1)}')
expect_eq "expire: their bytes (60 frames of $B)" "$(jq .bytes <<<"$OUT")" $((60 * B))
expect_eq "the JSON lines have them at once, as flush: 10" "$(exported 7001 flush)" 10
expect_eq "... 20" "$(exported 7002 flush)" 20
expect_eq "... 30" "$(exported 7003 flush)" 30
expect_eq "text: nothing left to expire" "$("$TAPIO" expire --socket "$D/ctl.sock")" \
	"expired 0 flows (0 packets, 0 bytes)"
expect_eq "the run logs each request" "$(grep -c 'control: .* flows expired on request' "$D/err")" 2

# 2. under traffic: 2000 frames of one flow while it is expired five
# times; every frame in exactly one record
(for i in $(seq 1 20); do send 7004 100; done) &
TRAFFIC=$!
BG_PIDS="$RUN $TRAFFIC"
N=0
for i in 1 2 3 4 5; do
	"$TAPIO" expire --socket "$D/ctl.sock" --json >>"$D/expired" && N=$((N + 1))
	sleep 0.05
done
wait $TRAFFIC
BG_PIDS=$RUN
expect_eq "five requests served under traffic" "$N" 5
wait_until 5 '[ "$(seen)" = 2060 ]' || fail "frames not seen: $(seen)"
"$TAPIO" expire --socket "$D/ctl.sock" --json >>"$D/expired"
expect_eq "every frame of the flow in exactly one record" "$(exported 7004 flush)" 2000
expect_eq "as many as the requests said they ended" \
	"$(jq -s 'map(.packets) | add' "$D/expired")" 2000
wait_until 3 "[ \"\$(metric 'tapio_control_requests_total{result=\"done\"}')\" = 8 ]"
expect_eq "/metrics: 8 requests done" \
	"$(metric 'tapio_control_requests_total{result="done"}')" 8

# 3. who may ask: the socket's mode keeps others out; widened, the run
# still refuses them
expect_fail "nobody may not connect" "expire: may not connect to" \
	setpriv --reuid=65534 --regid=65534 --clear-groups "$TAPIO" expire --socket "$D/ctl.sock"
chmod 0755 "$D"
chmod 0666 "$D/ctl.sock"
expect_fail "nobody, let in by a wide mode, is refused by the run" \
	"expire: the tapio run at .* refused: only root, the daemon's user or its group" \
	setpriv --reuid=65534 --regid=65534 --clear-groups "$TAPIO" expire --socket "$D/ctl.sock"
wait_until 3 "[ \"\$(metric 'tapio_control_requests_total{result=\"refused\"}')\" = 1 ]"
expect_eq "/metrics: the refusal counted" \
	"$(metric 'tapio_control_requests_total{result="refused"}')" 1
"$TAPIO" flows "${P}a" --socket "$D/ctl.sock" >/dev/null || fail "tapio flows beside requests"

kill -TERM $RUN
wait $RUN
expect_eq "exits 0" "$?" 0
BG_PIDS=
S=$(grep '^{"summary"' "$D/err")
expect_eq "summary: exact" "$(jq .summary.exact <<<"$S")" true
expect_eq "summary: every frame exported once (2060)" "$(jq .summary.ingress.exported_packets <<<"$S")" 2060
expect_eq "no error logged" "$(grep -c '^tapio: error' "$D/err")" 0
expect_fail "expire of no run" "expire: no tapio run listens on $D/none.sock" \
	"$TAPIO" expire --socket "$D/none.sock"
expect_fail "expire takes no operand" "expire" "$TAPIO" expire extra
finish
