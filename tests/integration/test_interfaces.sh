#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `tapio run --interfaces` with patterns, all and --exclude: exactly the
# selected links of our own are collected from (known frames on each), the
# excluded one is not touched, and bad selections are refused by name.
. "$(dirname "$0")/../lib.sh"
require_root

D=$(mktemp -d)
P=tpi$$
NS=tapio-sel-$$
cleanup() {
	kill $BG_PIDS 2>/dev/null
	wait $BG_PIDS 2>/dev/null
	for i in 0 1 2; do ip link del "${P}a$i" 2>/dev/null; done
	ip netns del "$NS" 2>/dev/null
	rm -rf "$D"
}
trap cleanup EXIT
for i in 0 1 2; do
	veth_up "${P}a$i" "${P}b$i" || { fail "veth"; finish; exit 1; }
done

# 1. a pattern less an exclude: a0 and a2, not a1
: >"$D/err"
"$TAPIO" run --interfaces "${P}a[0-9]" --exclude "${P}a1" --socket none --metrics none \
	--json-file "$D/flows.json" 2>"$D/err" &
RUN=$!
BG_PIDS=$RUN
wait_ready "$D/err" || fail "not ready: $(head -3 "$D/err")"
expect_eq "the pattern selected a0 and a2" \
	"$(grep -o "attached tapio_tc to ${P}a[0-9] ingress" "$D/err" | awk '{print $4}' | sort | tr '\n' ' ')" \
	"${P}a0 ${P}a2 "
expect_eq "ready with 2 devices" "$(grep -c 'ready: 2 devices' "$D/err")" 1
expect_eq "nothing attached to the excluded a1" "$(ip -d link show "${P}a1" | grep -c 'prog/xdp')" 0
send() { "$PKTSEND" raw --dev "${P}b$1" --dst-mac 02:00:00:00:00:01 --src 10.77.0.$((1 + $1)) \
	--dst 10.77.1.1 --sport $((3000 + $1)) --dport 4000 --count "$2" --size 60 >/dev/null; }
send 0 50
send 1 40
send 2 30
sleep 0.5
kill -TERM $RUN
wait $RUN
expect_eq "exits 0" "$?" 0
BG_PIDS=
per() { jq -s --arg d "$1" 'map(select(.ifname == $d and .dst_port == 4000)) | map(.packets) | add // 0' "$D/flows.json"; }
expect_eq "a0: its 50 frames" "$(per "${P}a0")" 50
expect_eq "a2: its 30 frames" "$(per "${P}a2")" 30
expect_eq "a1 excluded: none of its 40" "$(per "${P}a1")" 0
expect_eq "summary exact" "$(grep '"summary"' "$D/err" | jq -r .summary.exact)" true

# 2. all, in a namespace of our own: every link there but loopback
ip netns add "$NS"
ip -n "$NS" link add "${P}n0" type veth peer name "${P}n1"
ip -n "$NS" link set lo up
ip netns exec "$NS" "$TAPIO" run --interfaces all --socket none --metrics none \
	--json-file none --duration 1 2>"$D/all.err"
expect_eq "all: both veths of the namespace, not lo" \
	"$(grep -o "attached tapio_tc to [a-z0-9]* ingress" "$D/all.err" | awk '{print $4}' | sort | tr '\n' ' ')" \
	"${P}n0 ${P}n1 "

# 3. selections that cannot be
expect_fail "a pattern that selects nothing" "run: interfaces 'tpnomatch.*x' select no interface$" \
	"$TAPIO" run --interfaces 'tpnomatch.*x' --socket none --metrics none
expect_fail "a bad pattern" "invalid interface pattern '${P}a\[': " \
	"$TAPIO" run --interfaces "${P}a[" --socket none --metrics none
expect_fail "everything excluded" "run: interfaces '${P}a.' select no interface \(after exclude\)" \
	"$TAPIO" run --interfaces "${P}a." --exclude "${P}.*" --socket none --metrics none
expect_fail "a bad exclude" "invalid exclude '\(': " \
	"$TAPIO" run "${P}a0" --exclude "(" --socket none --metrics none
finish
