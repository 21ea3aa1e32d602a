#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Top-N flow series of /metrics: exactly the N largest flows with their
# exact bytes and packets, N changed by SIGHUP, flows created per device.
. "$(dirname "$0")/../lib.sh"
require_root
command -v promtool >/dev/null || skip "promtool not installed (Debian package prometheus)"
command -v curl >/dev/null || skip "curl not installed"

use_testenv top --ipv4-only
DEV=$TESTENV_DEV
D=$(mktemp -d)
EXTRA_CLEANUP='rm -rf "$D"'
PORT=$((20000 + RANDOM % 10000))

cat >"$D/tapio.conf" <<CONF
[run]
interfaces = $DEV
interval = 0.1
idle_timeout = 30
metrics = 127.0.0.1:$PORT
socket = $D/tapio.sock
top_flows = 3
CONF
"$TAPIO" run --config "$D/tapio.conf" >"$D/flows.jsonl" 2>"$D/run.err" &
RUN=$!
BG_PIDS=$RUN
wait_until 5 'curl -sf "127.0.0.1:$PORT/metrics" >/dev/null'

# six UDP flows, flow k with 10*(k+1) frames of 142 bytes
for k in 0 1 2 3 4 5; do
	nsexec "$PKTSEND" udp --src "$TESTENV_IP4_NS" --sport $((7000 + k)) --count $((10 * (k + 1))) \
		--dst "$TESTENV_IP4_HOST" --dport 9300 --size 100 >/dev/null
done
sleep 0.5
curl -s "127.0.0.1:$PORT/metrics" >"$D/m1"
promtool check metrics <"$D/m1" >"$D/promtool" 2>&1
expect_eq "promtool check metrics passes with the top-N family" "$?" 0
# "sport bytes" of each top series, largest first as written
top() { grep "^tapio_top_flow_$1_total{" "$2" | sed -E 's/.*src_port="([0-9]+)".* ([0-9]+)$/\1 \2/' | tr '\n' ' '; }
expect_eq "top 3 by bytes: the three largest flows, exact bytes" "$(top bytes "$D/m1")" \
	"7005 8520 7004 7100 7003 5680 "
expect_eq "top 3 packets of the same flows" "$(top packets "$D/m1")" "7005 60 7004 50 7003 40 "
want="tapio_top_flow_bytes_total{interface=\"$DEV\",direction=\"ingress\",protocol=\"udp\",src=\"$TESTENV_IP4_NS\",src_port=\"7005\",dst=\"$TESTENV_IP4_HOST\",dst_port=\"9300\",vlan=\"0\"} 8520"
expect_eq "labels name the flow" "$(grep -cxF "$want" "$D/m1")" 1
metric() { awk -v m="$1" '$1 == m { print $2 }' "$2"; }
expect_eq "six flows created on $DEV ingress" \
	"$(metric "tapio_flows_created_total{interface=\"$DEV\",direction=\"ingress\"}" "$D/m1")" 6

# SIGHUP: one top flow, and a short idle timeout (0.5 s) that ends all six
sed -i -e 's/top_flows = 3/top_flows = 1/' -e 's/idle_timeout = 30/idle_timeout = 0.5/' "$D/tapio.conf"
kill -HUP $RUN
sleep 1.3
# 8 frames: the host answers each datagram to the closed port with a
# 170-byte ICMP unreachable, up to 6 in a burst (its per-host limit) once
# it has been quiet a few seconds; 3 frames (426 bytes) lost the top to
# those 3 answers (510) in one slow run
nsexec "$PKTSEND" udp --src "$TESTENV_IP4_NS" --sport 7100 --count 8 \
	--dst "$TESTENV_IP4_HOST" --dport 9300 --size 100 >/dev/null
sleep 0.15
curl -s "127.0.0.1:$PORT/metrics" >"$D/m2"
expect_eq "after SIGHUP top_flows = 1: only the one flow still open" "$(top bytes "$D/m2")" "7100 1136 "
expect_eq "created counts ended flows too: 6 ended + 1 open" \
	"$(metric "tapio_flows_created_total{interface=\"$DEV\",direction=\"ingress\"}" "$D/m2")" 7
expect_eq "six flows expired idle" \
	"$(metric "tapio_flows_expired_total{interface=\"$DEV\",direction=\"ingress\",reason=\"idle\"}" "$D/m2")" 6
kill -TERM $RUN
wait $RUN
BG_PIDS=
expect_eq "the reload reported the new N" "$(grep -c '"top_flows":1' "$D/run.err")" 1
expect_fail "--top-flows past the bound is refused" "invalid --top-flows '1001'" \
	"$TAPIO" run "$DEV" --top-flows 1001

finish
