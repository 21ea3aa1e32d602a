#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `tapio run --attribution`: three processes in three cgroups of our own
# (a docker-like, a Kubernetes-like and a plain one) exchange known traffic
# over a veth and loopback in a namespace of ours; each flow names exactly
# its process, cgroup, container and pod; a process that exited keeps its
# flows; traffic routed through the namespace is unattributed.
. "$(dirname "$0")/../lib.sh"
require_root

CGROOT=$(awk '{for (i = 7; i < NF; i++) if ($i == "-") { if ($(i + 1) == "cgroup2") print $5; break }}' /proc/self/mountinfo | head -1)
[ -n "$CGROOT" ] || skip "no cgroup2 mount"
D=$(mktemp -d)
P=tat$$
NS1=tapio-att1-$$ NS2=tapio-att2-$$ NS3=tapio-att3-$$
CG=$CGROOT/tapio-att-$$
HEXA=$(printf 'a%.0s' $(seq 64))
HEXB=$(printf '%064d' 7 | tr 0 b)
POD=11112222-3333-4444-5555-666677778888
CGA=$CG/system.slice/docker-$HEXA.scope
CGB=$CG/kubepods/burstable/pod$POD/$HEXB
CGC=$CG/plain
cleanup() {
	kill $BG_PIDS 2>/dev/null
	wait $BG_PIDS 2>/dev/null
	for n in $NS1 $NS2 $NS3; do ip netns del "$n" 2>/dev/null; done
	# leaves first: a cgroup goes once its children and processes have
	find "$CG" -depth -type d -exec rmdir {} \; 2>/dev/null
	rm -rf "$D"
}
trap cleanup EXIT
mkdir -p "$CGA" "$CGB" "$CGC" || { fail "cgroups under $CGROOT"; finish; exit 1; }
for n in $NS1 $NS2 $NS3; do ip netns add "$n"; ip -n "$n" link set lo up; done
ip link add "${P}a" netns $NS1 type veth peer name "${P}b" netns $NS2
ip link add "${P}c" netns $NS1 type veth peer name "${P}d" netns $NS3
for l in "$NS1 ${P}a 10.82.0.1/24" "$NS2 ${P}b 10.82.0.2/24" "$NS1 ${P}c 10.83.0.1/24" "$NS3 ${P}d 10.83.0.2/24"; do
	set -- $l
	ip netns exec "$1" sysctl -qw "net.ipv6.conf.$2.disable_ipv6=1"
	ip -n "$1" addr add "$3" dev "$2"
	ip -n "$1" link set "$2" up
done
ip -n $NS2 route add default via 10.82.0.1
ip -n $NS3 route add default via 10.83.0.1
ip netns exec $NS1 sysctl -qw net.ipv4.ip_forward=1

# in namespace $1 and cgroup $2: the python program $3.  nsenter, not
# 'ip netns exec': that mounts a sysfs of its own over /sys, hiding the
# cgroup2 mount below it from the process and from tapio
in_ns() { nsenter --net="/run/netns/$1" "${@:2}"; }
in_cg() { sh -c "echo \$\$ > '$2/cgroup.procs' && exec nsenter --net=/run/netns/$1 python3 -c \"\$0\"" "$3"; }

# an IPFIX collector of its own (python3-ipfix) in NS1, over TCP
IPORT=$((20000 + RANDOM % 10000))
MPORT=$((IPORT + 1))
if /usr/bin/python3 -c 'import ipfix.reader' 2>/dev/null; then
	nsenter --net=/run/netns/$NS1 /usr/bin/python3 "$ROOT/tests/tools/ipfix_tcp_collect.py" \
		127.0.0.1 "$IPORT" "$D/ipfix.jsonl" >"$D/pyc.log" 2>&1 &
	PYC=$!
	wait_until 5 "grep -q listening '$D/pyc.log'" || fail "IPFIX collector"
	IPFIX="--ipfix 127.0.0.1:$IPORT --ipfix-tcp"
else
	echo "SKIP: python3-ipfix not installed: IPFIX part"
fi
: >"$D/err"
nsenter --net=/run/netns/$NS1 "$TAPIO" run "${P}a" "${P}c" lo --attribution --hook tc --interval 0.2 \
	--idle-timeout 60 --socket none --metrics "127.0.0.1:$MPORT" --json-file "$D/flows.json" \
	${IPFIX:-} 2>"$D/err" &
RUN=$!
BG_PIDS="$RUN ${PYC:-}"
wait_ready "$D/err" || fail "not ready: $(head -3 "$D/err")"

# B: a TCP server on loopback: reads what A sends, answers 500 bytes
in_cg $NS1 "$CGB" "
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', 7101)); s.listen(1)
import os; print('listening', os.getpid(), flush=True)
c, _ = s.accept(); n = 0
while n < 3000:
    d = c.recv(65536)
    if not d: break
    n += len(d)
c.sendall(b'r' * 500); c.close()
" >"$D/b.out" &
BPID=$!
wait_until 5 "grep -q listening '$D/b.out'" || fail "server B"
# A: 3000 bytes to B over loopback, then 10 datagrams over the veth
in_cg $NS1 "$CGA" "
import socket
c = socket.create_connection(('127.0.0.1', 7101)); c.sendall(b'a' * 3000)
n = 0
while n < 500:
    d = c.recv(65536)
    if not d: break
    n += len(d)
c.close()
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(('10.82.0.1', 7201))
for i in range(10): u.sendto(b'x' * 100, ('10.82.0.2', 7000))
import os; print(os.getpid(), flush=True)
" >"$D/a.out"
APID=$(cat "$D/a.out")
wait $BPID
# C: 5 datagrams over the veth, then gone before its flow ends
in_cg $NS1 "$CGC" "
import socket, os
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(('10.82.0.1', 7202))
for i in range(5): u.sendto(b'y' * 200, ('10.82.0.2', 7000))
print(os.getpid(), flush=True)
" >"$D/c.out"
CPID=$(cat "$D/c.out")
# routed through NS1: from NS2 to NS3, 7 datagrams
in_ns $NS2 python3 -c "
import socket
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(('10.82.0.2', 7300))
for i in range(7): u.sendto(b'z' * 50, ('10.83.0.2', 7301))
"
# flows still in the table: none has needed an owner yet
metric() { in_ns $NS1 curl -s "127.0.0.1:$MPORT/metrics" | awk -v m="$1" '$1 == m {print $2}'; }
wait_until 5 '[ -n "$(metric tapio_attribution_processes)" ]'
expect_eq "/metrics: the socket probes run" "$(metric tapio_attribution_processes)" 1
expect_eq "/metrics: the largest flows name their owner (A's datagrams)" \
	"$(in_ns $NS1 curl -s "127.0.0.1:$MPORT/metrics" | grep '^tapio_top_flow_packets_total{' | grep 'src_port="7201"' |
		grep -o 'comm="[^"]*",container="[^"]*",pod="[^"]*"} [0-9]*')" \
	"comm=\"python3\",container=\"$HEXA\",pod=\"\"} 10"
expect_eq "/metrics: no owner looked up before flows end" \
	"$(metric 'tapio_flow_attribution_total{how="socket"}') $(metric 'tapio_flow_attribution_total{how="unattributed"}')" "0 0"
kill -TERM $RUN
wait $RUN
[ -n "${PYC:-}" ] && wait $PYC
BG_PIDS=
F=$D/flows.json
expect_eq "the account is exact" "$(grep '^{"summary"' "$D/err" | jq -r .summary.exact)" true

# flows of one port: "packets pid comm cgroup container pod" per distinct owner
owners() {
	jq -s -r --argjson p "$1" --arg dir "$2" --arg dev "$3" \
		'map(select((.src_port == $p or .dst_port == $p) and .direction == $dir and .ifname == $dev))
		| group_by(.owner) | map("\(map(.packets) | add) \(.[0].owner.pid // "-") \(.[0].owner.comm // "-") \(.[0].owner.cgroup // .[0].owner) \(.[0].owner.container_id // "-") \(.[0].owner.pod_uid // "-")") | join("; ")' "$F"
}
A_OWN="$APID python3 ${CGA#$CGROOT} $HEXA -"
C_OWN="$CPID python3 ${CGC#$CGROOT} - -"
expect_eq "veth: A's 10 datagrams, A's alone (docker container id)" "$(owners 7201 egress "${P}a")" "10 $A_OWN"
expect_eq "veth: C's 5 datagrams, C's though it has exited" "$(owners 7202 egress "${P}a")" "5 $C_OWN"
expect_eq "veth: bytes of A's datagrams (10 x 142)" \
	"$(jq -s 'map(select(.src_port == 7201 and .owner.pid == '"$APID"')) | map(.bytes) | add' "$F")" 1420
BPID_SEEN=$(jq -s -r 'map(select(.src_port == 7101 and .direction == "egress")) | .[0].owner.pid' "$F")
expect_eq "loopback: what A sent, sent by A" "$(owners 7101 egress lo | tr ';' '\n' | grep -c " $A_OWN\$")" 1
expect_eq "loopback: what B answered, sent by B (pod UID and container id)" \
	"$(jq -s -r 'map(select(.src_port == 7101 and .direction == "egress")) | .[0].owner | "\(.comm) \(.cgroup) \(.container_id) \(.pod_uid)"' "$F")" \
	"python3 ${CGB#$CGROOT} $HEXB $POD"
expect_eq "loopback: B's pid" "$BPID_SEEN" "$(awk '{print $2}' "$D/b.out")"
expect_eq "loopback: what B received, B's (by the flow it answers on)" \
	"$(jq -s -r 'map(select(.dst_port == 7101 and .direction == "ingress")) | map(.owner.pid) | unique | join(",")' "$F")" "$BPID_SEEN"
expect_eq "loopback: what A received, A's" \
	"$(jq -s -r 'map(select(.src_port == 7101 and .direction == "ingress")) | map(.owner.pid) | unique | join(",")' "$F")" "$APID"
expect_eq "routed NS2 -> NS3: the egress record is unattributed" \
	"$(jq -s -r 'map(select(.dst_port == 7301 and .ifname == "'"${P}c"'")) | map("\(.packets) \(.owner)") | join(",")' "$F")" "7 unattributed"
expect_eq "nothing of A, B or C is unattributed" \
	"$(jq -s 'map(select((.src_port == 7201 or .src_port == 7202 or .src_port == 7101 or .dst_port == 7101) and .owner == "unattributed")) | length' "$F")" 0

# sockets of flows that never reach the table (a 4-flow table, 40 flows)
# are pruned, so that they do not fill tapio_owners for good
: >"$D/err2"
nsenter --net=/run/netns/$NS1 "$TAPIO" run "${P}a" --attribution --hook tc --interval 0.1 \
	--max-flows 4 --idle-timeout 60 --socket none --metrics "127.0.0.1:$MPORT" \
	--json-file none 2>"$D/err2" &
RUN=$!
BG_PIDS=$RUN
wait_ready "$D/err2" || fail "not ready: $(head -3 "$D/err2")"
in_ns $NS2 timeout 10 python3 -c "
import socket; u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(('10.82.0.2', 7400))
while True: u.recv(100)" &
SINK=$!
sleep 0.3
in_ns $NS1 python3 -c "
import socket
for p in range(7500, 7540):
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(('10.82.0.1', p))
    u.sendto(b'p' * 10, ('10.82.0.2', 7400))"
# the table's bound is rounded up per shard: it takes some of the 40
refused() { metric 'tapio_events_dropped_total{source="table",reason="table_full"}'; }
wait_until 10 '[ "$(refused)" -gt 0 ] && [ "$(metric tapio_flow_owners_pruned_total)" = "$(refused)" ]'
expect_eq "owners of the flows the table refused (one datagram each) pruned" \
	"$(metric tapio_flow_owners_pruned_total)" "$(refused)"
expect_eq "what is left: the flows in the table" \
	"$(metric "tapio_flow_owners{interface=\"${P}a\"}")" "$((40 - $(refused)))"
kill -TERM $RUN
wait $RUN
kill $SINK 2>/dev/null
wait $SINK 2>/dev/null
BG_PIDS=

# the same owners in IPFIX (tapio's elements, enterprise 32473)
if [ -n "${PYC:-}" ]; then
	I=$D/ipfix.jsonl
	ipx() { jq -s -r --arg p "$1" --arg f "$2" "map(select(.$2 == \$p)) | map(\"\(.tapioAttributed) \(.tapioProcessId) \(.tapioProcessName) \(.tapioContainerId) \(.tapioPodUid) \(.packetDeltaCount)\") | unique | join(\",\")" "$I"; }
	expect_eq "IPFIX: A's datagrams with A's pid, comm and container id" \
		"$(ipx 7201 sourceTransportPort)" "1 $APID python3 $HEXA  10"
	expect_eq "IPFIX: C's with C's pid" "$(ipx 7202 sourceTransportPort)" "1 $CPID python3   5"
	expect_eq "IPFIX: B's answer with B's pod UID" \
		"$(jq -s -r 'map(select(.sourceTransportPort == "7101" and .ingressInterface == "0")) | .[0] | "\(.tapioProcessId) \(.tapioContainerId) \(.tapioPodUid)"' "$I")" \
		"$BPID_SEEN $HEXB $POD"
	expect_eq "IPFIX: routed traffic not attributed" \
		"$(jq -s -r 'map(select(.destinationTransportPort == "7301" and .egressInterface != "0")) | map("\(.tapioAttributed) \(.tapioProcessId) \(.packetDeltaCount)") | join(",")' "$I")" "0 0 7"
	expect_eq "IPFIX: as many records as JSON lines" "$(grep -c . "$I")" "$(jq -s 'length' "$F")"
fi
finish
