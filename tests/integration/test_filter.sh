#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `tapio filter`: flow filters of a running `tapio run` changed without a
# reload; what they leave out is passed on and counted as filtered, each
# frame in exactly one class also while rules change under traffic; every
# rule counts its hits.
. "$(dirname "$0")/../lib.sh"
require_root

D=$(mktemp -d)
P=tf$$
PORT=$((20000 + RANDOM % 10000))
cleanup() {
	kill $BG_PIDS 2>/dev/null
	wait $BG_PIDS 2>/dev/null
	ip link del "${P}a" 2>/dev/null
	rm -rf "$D"
}
trap cleanup EXIT
metric() { curl -s "127.0.0.1:$PORT/metrics" | awk -v m="$1" '$1 == m {print $2}'; }
# send SRC DPORT COUNT [pktsend options]
send() {
	local src=$1 dport=$2 count=$3
	shift 3
	"$PKTSEND" raw --dev "${P}b" --dst-mac 02:00:00:00:00:01 --src "$src" \
		--dst "${src%.*}.9" --sport 3000 --dport "$dport" --count "$count" --size 60 "$@" >/dev/null
}
send6() { "$PKTSEND" raw --dev "${P}b" --dst-mac 02:00:00:00:00:01 --src "$1" \
	--dst 2001:db8:99::9 --sport 3000 --dport "$2" --count "$3" --size 80 >/dev/null; }
filter() { "$TAPIO" filter "$@" --socket "$D/ctl.sock"; }
seen() { "$TAPIO" status --json | jq -r --arg d "${P}a" 'select(.dev == $d) | .counters.ingress.seen_packets'; }
settle() { wait_until 5 "[ \"\$(seen)\" = $1 ]" || fail "frames not seen: $(seen), want $1"; }
# packets exported to port $1 (all records)
exported() { jq -s --argjson p "$1" 'map(select(.dst_port == $p)) | map(.packets) | add // 0' "$D/flows.json"; }

veth_up "${P}a" "${P}b" || fail "veth"
: >"$D/err"
"$TAPIO" run "${P}a" --interval 0.2 --socket "$D/ctl.sock" --metrics "127.0.0.1:$PORT" \
	--json-file "$D/flows.json" 2>"$D/err" &
RUN=$!
BG_PIDS=$RUN
wait_ready "$D/err" || fail "not ready: $(head -3 "$D/err")"

# 1. no rule: everything in flows
send 10.77.0.1 8001 10
expect_eq "no rule: list is empty" "$(filter list --json | wc -l)" 0

# 2. an exclude rule, then an include rule beside it
expect_eq "add exclude" "$(filter add exclude udp port 8002)" "filter 1 added: exclude udp port 8002"
send 10.77.0.1 8002 20
send 10.77.0.1 8003 30
expect_eq "add include" "$(filter add include net 10.77.0.0/16)" "filter 2 added: include net 10.77.0.0/16"
send 10.66.0.1 8004 15 # no include rule matches: filtered
send 10.77.0.1 8004 25
send 10.77.0.1 8002 5 # included, but excluded: exclude wins
expect_eq "add on a VLAN" "$(filter add exclude vlan 100)" "filter 3 added: exclude vlan 100"
send 10.77.0.1 8006 6 --vlan 100
expect_eq "add an IPv6 prefix" "$(filter add include net 2001:db8:77::/48)" "filter 4 added: include net 2001:db8:77::/48"
send6 2001:db8:77::1 8007 4
send6 2001:db8:78::1 8007 3 # no include rule matches
settle 118
L=$(filter list --json)
hits() { jq -r --argjson i "$1" 'select(.id == $i) | .hits' <<<"$L"; }
expect_eq "list: rule 1 matched 20 + 5" "$(hits 1)" 25
# slots in order up to the first exclude that matches: the 5 stopped at
# rule 1, the 6 on VLAN 100 passed rule 2 on their way to rule 3
expect_eq "list: rule 2 matched 25 + 6" "$(hits 2)" 31
expect_eq "list: rule 3 matched 6" "$(hits 3)" 6
expect_eq "list: rule 4 matched 4" "$(hits 4)" 4
expect_eq "list: the rules in their words" "$(jq -r .rule <<<"$L" | paste -sd'|')" \
	"exclude udp port 8002|include net 10.77.0.0/16|exclude vlan 100|include net 2001:db8:77::/48"
wait_until 3 "[ \"\$(metric 'tapio_interface_filtered_packets_total{interface=\"${P}a\",direction=\"ingress\"}')\" = 49 ]"
expect_eq "/metrics: 20 + 15 + 5 + 6 + 3 filtered on the interface" \
	"$(metric "tapio_interface_filtered_packets_total{interface=\"${P}a\",direction=\"ingress\"}")" 49
expect_eq "/metrics: rule 1's hits" \
	"$(curl -s "127.0.0.1:$PORT/metrics" | grep -F 'tapio_flow_filter_hits_total{rule="1",filter="exclude udp port 8002"}' | awk '{print $NF}')" 25
expect_eq "/metrics: four rules" "$(metric tapio_flow_filters)" 4
expect_eq "tapio status: filtered shown" "$("$TAPIO" status | grep -c "filtered 49")" 1

# 3. rules deleted: what they left out is accounted again
expect_eq "del 1" "$(filter del 1)" "filter 1 deleted"
send 10.77.0.1 8002 7
for i in 2 3 4; do filter del $i >/dev/null || fail "del $i"; done
send 10.66.0.1 8004 9
settle 134
wait_until 3 '[ "$(metric tapio_flow_filters)" = 0 ]'
expect_eq "no rule left" "$(metric tapio_flow_filters)" 0
expect_fail "del of no rule" "filter: the tapio run at .* refused: no filter rule 99" \
	"$TAPIO" filter del 99 --socket "$D/ctl.sock"
for i in $(seq 1 16); do filter add exclude udp port $((9000 + i)) >/dev/null; done
expect_fail "a 17th rule" "refused: all 16 flow filter slots are in use" \
	"$TAPIO" filter add exclude udp port 9999 --socket "$D/ctl.sock"
for i in $(seq 5 20); do filter del $i >/dev/null || fail "del $i"; done

# 4. a rule added and deleted ten times while 2,000 frames of one flow
# arrive: each frame in a flow or filtered, never both, never neither
(for i in $(seq 1 20); do send 10.77.0.1 8005 100; done) &
TRAFFIC=$!
BG_PIDS="$RUN $TRAFFIC"
for i in $(seq 1 10); do
	filter add exclude udp port 8005 >/dev/null || fail "add under traffic"
	ID=$(filter list --json | jq -r 'select(.rule == "exclude udp port 8005") | .id')
	sleep 0.02
	filter del "$ID" >/dev/null || fail "del under traffic"
done
wait $TRAFFIC
BG_PIDS=$RUN
settle 2134

kill -TERM $RUN
wait $RUN
expect_eq "exits 0" "$?" 0
BG_PIDS=
S=$(grep '^{"summary"' "$D/err")
[ -n "${FILTER_KEEP:-}" ] && cp "$D/err" "$FILTER_KEEP"
F=$(jq .summary.ingress.filtered_packets <<<"$S")
expect_eq "summary: exact" "$(jq .summary.exact <<<"$S")" true
expect_eq "summary: nothing unaccounted" "$(jq .summary.ingress.unaccounted_packets <<<"$S")" 0
expect_eq "summary: flows + filtered = every frame seen (2134)" \
	"$(($(jq .summary.ingress.exported_packets <<<"$S") + F))" 2134
expect_eq "under traffic: 8005's frames in flows + filtered by its rule = 2000" \
	"$(($(exported 8005) + F - 49))" 2000
expect_eq "flows: 10 before any rule" "$(exported 8001)" 10
expect_eq "flows: 8002 only after its rule went (7)" "$(exported 8002)" 7
expect_eq "flows: 8003 not matched by the exclude rule (30)" "$(exported 8003)" 30
expect_eq "flows: 8004 included 25, and 9 with no rule" "$(exported 8004)" 34
expect_eq "flows: 8006 on VLAN 100 none" "$(exported 8006)" 0
expect_eq "flows: 8007 the 4 of the included prefix only" "$(exported 8007)" 4
expect_eq "no error logged" "$(grep -c '^tapio: error' "$D/err")" 0
expect_eq "each change logged" "$(grep -c 'control: flow filter .* \(added\|deleted\)' "$D/err")" 60

expect_fail "a rule needs an action" "invalid filter rule: expected include or exclude" \
	"$TAPIO" filter add udp --socket "$D/ctl.sock"
expect_fail "a bad word" "invalid filter: unknown word 'bogus'" \
	"$TAPIO" filter add exclude bogus --socket "$D/ctl.sock"
expect_fail "no run" "filter: no tapio run listens on" "$TAPIO" filter list --socket "$D/ctl.sock"
finish
