#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# TCP probe between our own namespace and the host: K lifespans with exact
# byte counts on both ends, and retransmitted segments (data and SYN-ACKs)
# equal to the namespace's TcpRetransSegs; under every tracepoint flavour.
. "$(dirname "$0")/../lib.sh"
require_root
command -v python3 >/dev/null || skip "python3 missing"

use_testenv ptcp --ipv4-only
DROP=$ROOT/build/tools/tc_drop.o
K=5 SEND=3000 REPLY=700 PORT=45871

# server PORT COUNT: in the namespace, read to EOF, answer REPLY bytes, close
server() {
	nsexec python3 -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("'"$TESTENV_IP4_NS"'", int(sys.argv[1]))); s.listen(16)
print("ready", flush=True)
for _ in range(int(sys.argv[2])):
    c, _ = s.accept()
    while c.recv(65536): pass
    c.sendall(b"r" * '$REPLY'); c.close()
' "$1" "$2"
}

# client PORT COUNT: connect, send SEND bytes, half-close, read the answer
client() {
	python3 -c '
import socket, sys
for _ in range(int(sys.argv[2])):
    c = socket.create_connection(("'"$TESTENV_IP4_NS"'", int(sys.argv[1])))
    c.sendall(b"s" * '$SEND'); c.shutdown(socket.SHUT_WR)
    while c.recv(65536): pass
    c.close()
' "$1" "$2"
}

start_server() {
	: >"$J.srv" # no "ready" of an earlier server
	server "$1" "$2" >"$J.srv" &
	BG_PIDS="$BG_PIDS $!"
	wait_until 5 'grep -q ready "$J.srv"' && return
	fail "server did not start"
}

for m in $TRACE_METHODS; do
	port=$((PORT++))
	start_server $port $K
	trace_start "$J.$m" tcp --method "$m" --life --json || continue
	client $port $K
	sleep 0.3
	trace_stop
	cli="select(.type == \"life\" and .rport == $port and .raddr == \"$TESTENV_IP4_NS\")"
	srv="select(.type == \"life\" and .lport == $port and .laddr == \"$TESTENV_IP4_NS\")"
	# Sequence space, as tcplife reports it: the opener's SYN and each
	# FIN count one byte besides the data.
	expect_eq "$m: client: $K lifespans, tx $SEND+SYN+FIN, rx $REPLY+FIN" \
		"$(jq -s -c "[.[] | $cli | select(.tx_bytes == $((SEND + 2)) and .rx_bytes == $((REPLY + 1)))] | length" "$J.$m")" $K
	expect_eq "$m: server: $K lifespans, rx $SEND+FIN, tx $REPLY+FIN" \
		"$(jq -s -c "[.[] | $srv | select(.rx_bytes == $((SEND + 1)) and .tx_bytes == $((REPLY + 1)))] | length" "$J.$m")" $K
	expect_eq "$m: client lifespans name the connecting process" \
		"$(jq -s "[.[] | $cli | select(.comm == \"python3\" and .pid > 0)] | length" "$J.$m")" $K
	expect_range "$m: active opens counted" "$(summary_field "$J.$m" active_opens)" $K 100000
	expect_eq "$m: no event lost" "$(summary_field "$J.$m" events_lost)" 0
	expect_eq "$m: every ring record printed (none malformed or too long)" \
		"$(summary_field "$J.$m" events_malformed) $(summary_field "$J.$m" events_too_long)" "0 0"
done

# Retransmits, counted as the kernel's TcpRetransSegs counts them: in
# segments (a TSO skb resent holds several) and with SYN-ACKs.  The host
# drops every TCP segment it receives for 1.5 s, so the namespace's kernel
# resends: SYN-ACKs of its listener, then data of its client (300 KB).
# The namespace's MIB sees nothing else: its delta is the reference.
host_server() {
	python3 -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("'"$TESTENV_IP4_HOST"'", int(sys.argv[1]))); s.listen(4)
print("ready", flush=True)
c, _ = s.accept()
while c.recv(65536): pass
c.close()' "$1"
}
ns_client() {
	nsexec python3 -c '
import socket, sys
c = socket.create_connection(("'"$TESTENV_IP4_HOST"'", int(sys.argv[1])), timeout=20)
c.sendall(b"d" * 300000); c.close()' "$1"
}
drop_for() {
	tc qdisc add dev "$TESTENV_DEV" clsact 2>/dev/null
	tc filter add dev "$TESTENV_DEV" ingress bpf da obj "$DROP" sec tc
	( sleep "$1"; tc filter del dev "$TESTENV_DEV" ingress ) &
	DROPPER=$!
}
for m in $TRACE_METHODS; do
	sport=$((PORT++)) dport=$((PORT++))
	start_server $sport 1
	: >"$J.hsrv"
	host_server $dport >"$J.hsrv" &
	HSRV=$!
	BG_PIDS="$BG_PIDS $HSRV"
	wait_until 5 'grep -q ready "$J.hsrv"' || fail "host server did not start"
	trace_start "$J.r$m" tcp --method "$m" --retrans --json || continue
	r0=$(snmp_tcp RetransSegs)
	# the handshake: the listener in the namespace resends its SYN-ACK
	drop_for 1.5
	client $sport 1
	wait $DROPPER
	# data: the namespace's client resends what the host dropped
	drop_for 1.5
	ns_client $dport
	wait $DROPPER
	wait $HSRV
	r1=$(snmp_tcp RetransSegs)
	trace_stop
	ours="select(.type == \"retransmit\" and .laddr == \"$TESTENV_IP4_NS\")"
	# exact, unless the kernel skipped a run and said so: a classic
	# tracepoint program is not run while another tracing program runs
	# on that CPU (a timer's SYN-ACK interrupting one), and the summary's
	# kernel_skipped counts those (one clean-clone run: 4 of 5 under tp)
	got=$(jq -s "[.[] | $ours | .segments] | add // 0" "$J.r$m")
	skipped=$(summary_field "$J.r$m" kernel_skipped)
	if [ "$got" = $((r1 - r0)) ] || [ "${skipped:-0}" = 0 ]; then
		expect_eq "$m: segments resent == the namespace's TcpRetransSegs delta ($((r1 - r0)))" \
			"$got" $((r1 - r0))
	else
		expect_range "$m: segments resent == TcpRetransSegs delta $((r1 - r0)), less the $skipped runs the kernel skipped" \
			"$got" $((r1 - r0 - skipped)) $((r1 - r0))
	fi
	expect_range "$m: SYN-ACKs resent by the listener are counted" \
		"$(jq -s "[.[] | $ours | select(.lport == $sport and .state == \"NEW_SYN_RECV\")] | length" "$J.r$m")" 1 20
	expect_range "$m: data resent by the client is counted" \
		"$(jq -s "[.[] | $ours | select(.rport == $dport) | .segments] | add // 0" "$J.r$m")" 1 100000
	expect_eq "$m: the summary's retransmits are the same segments" \
		"$(summary_field "$J.r$m" retransmits)" "$(jq -s "[.[] | select(.type == \"retransmit\") | .segments] | add // 0" "$J.r$m")"
done
tc qdisc del dev "$TESTENV_DEV" clsact 2>/dev/null
finish
