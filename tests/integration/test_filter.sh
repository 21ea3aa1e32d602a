#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `tapio filter`: flow filters of a running `tapio run` changed without a
# reload; what they leave out is passed on and counted as filtered, each
# frame in exactly one class also while rules change under traffic; every
# rule counts its hits; a rule's set of 10,000 prefixes matches either end
# and leaves the kernel's trie with the rule.
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

# 5. a prefix set of 10,000 (9,998 /24s that no frame comes from, one
# IPv4 /16, one IPv6 /48) with a protocol beside it
{
	echo "# a blocklist"
	for i in $(seq 0 9997); do echo "100.$((i / 256)).$((i % 256)).0/24"; done
	echo "10.55.0.0/16 # the one in use"
	echo "2001:db8:55::/48"
} >"$D/block.txt"
PREFIXES=${TAPIO_PIN_ROOT:-/sys/fs/bpf/tapio}/${P}a/tapio_filter_prefixes
in_trie() { bpftool map dump pinned "$PREFIXES" -j | jq length; }
expect_eq "add a set" "$(filter add exclude udp net-set "$D/block.txt")" \
	"filter 31 added: exclude udp net-set block.txt (10000 prefixes)"
expect_eq "the set is in the kernel's trie" "$(in_trie)" 10000
send 10.55.0.1 8010 12 # from the set: filtered
"$PKTSEND" raw --dev "${P}b" --dst-mac 02:00:00:00:00:01 --src 10.57.0.1 \
	--dst 10.55.3.3 --sport 3000 --dport 8010 --count 4 --size 60 >/dev/null # to it
send6 2001:db8:55::1 8012 5 # from the IPv6 prefix
send 10.56.0.1 8011 8 # neither end in the set
"$PKTSEND" raw --dev "${P}b" --dst-mac 02:00:00:00:00:01 --src 10.55.0.1 --proto tcp \
	--dst 10.55.0.9 --sport 3000 --dport 8013 --count 6 --size 60 >/dev/null # TCP: not the rule's
settle 2169
expect_eq "the set's hits: 12 from + 4 to + 5 IPv6" \
	"$(filter list --json | jq -r 'select(.id == 31) | .hits')" 21
SETHITS='tapio_flow_filter_hits_total{rule="31",filter="exclude udp net-set block.txt (10000 prefixes)"}'
set_hits() { curl -s "127.0.0.1:$PORT/metrics" | grep -F "$SETHITS" | awk '{print $NF}'; }
wait_until 3 '[ "$(set_hits)" = 21 ]'
expect_eq "/metrics names the set" "$(set_hits)" 21
filter del 31 >/dev/null || fail "del the set"
expect_eq "deleted: its prefixes left the trie" "$(in_trie)" 0
send 10.55.0.1 8010 3 # accounted again
settle 2172
printf '10.1.0.0/16\nx\n' >"$D/bad.txt"
expect_fail "a set file with a bad line" "bad.txt:2: 'x' is not an IPv4 or IPv6 address or prefix" \
	"$TAPIO" filter add exclude net-set "$D/bad.txt" --socket "$D/ctl.sock"
expect_fail "a set beside net" "net-set and net do not go together" \
	"$TAPIO" filter add exclude net-set "$D/block.txt" net 10.0.0.0/8 --socket "$D/ctl.sock"

kill -TERM $RUN
wait $RUN
expect_eq "exits 0" "$?" 0
BG_PIDS=
S=$(grep '^{"summary"' "$D/err")
[ -n "${FILTER_KEEP:-}" ] && cp "$D/err" "$FILTER_KEEP"
F=$(jq .summary.ingress.filtered_packets <<<"$S")
expect_eq "summary: exact" "$(jq .summary.exact <<<"$S")" true
expect_eq "summary: nothing unaccounted" "$(jq .summary.ingress.unaccounted_packets <<<"$S")" 0
expect_eq "summary: flows + filtered = every frame seen (2172)" \
	"$(($(jq .summary.ingress.exported_packets <<<"$S") + F))" 2172
expect_eq "under traffic: 8005's frames in flows + filtered by its rule = 2000" \
	"$(($(exported 8005) + F - 49 - 21))" 2000
expect_eq "flows: 10 before any rule" "$(exported 8001)" 10
expect_eq "flows: 8002 only after its rule went (7)" "$(exported 8002)" 7
expect_eq "flows: 8003 not matched by the exclude rule (30)" "$(exported 8003)" 30
expect_eq "flows: 8004 included 25, and 9 with no rule" "$(exported 8004)" 34
expect_eq "flows: 8006 on VLAN 100 none" "$(exported 8006)" 0
expect_eq "flows: 8007 the 4 of the included prefix only" "$(exported 8007)" 4
expect_eq "flows: 8010 the 3 after the set went" "$(exported 8010)" 3
expect_eq "flows: 8011 outside the set (8), 8013 TCP (6)" "$(exported 8011) $(exported 8013)" "8 6"
expect_eq "flows: 8012 none" "$(exported 8012)" 0
expect_eq "no error logged" "$(grep -c '^tapio: error' "$D/err")" 0
expect_eq "each change logged" "$(grep -c 'control: flow filter .* \(added\|deleted\)' "$D/err")" 62

expect_fail "a rule needs an action" "invalid filter rule: expected include or exclude" \
	"$TAPIO" filter add udp --socket "$D/ctl.sock"
expect_fail "a bad word" "invalid filter: unknown word 'bogus'" \
	"$TAPIO" filter add exclude bogus --socket "$D/ctl.sock"
expect_fail "no run" "filter: no tapio run listens on" "$TAPIO" filter list --socket "$D/ctl.sock"
finish
