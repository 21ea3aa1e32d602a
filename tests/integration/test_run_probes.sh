#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `tapio run --probes`: the probes' families in /metrics (exact block
# counts on our own loop device, a real histogram, promtool clean), exec
# and TCP events in the JSON lines, and /healthz with one failing part.
. "$(dirname "$0")/../lib.sh"
require_root
command -v promtool >/dev/null || skip "promtool not installed (Debian package prometheus)"
command -v curl >/dev/null || skip "curl not installed"
command -v losetup >/dev/null || skip "losetup missing"
command -v python3 >/dev/null || skip "python3 missing"

D=$(mktemp -d)
IMG=$(mktemp /tmp/tapio-runprobe-XXXX.img)
LOOP=
PORT=$((20000 + RANDOM % 10000))
FOREIGN=tp-runprobe0
new_dirs=""
for d in ip tc xdp; do [ -e "/sys/fs/bpf/$d" ] || new_dirs="$new_dirs $d"; done
cleanup() {
	kill $BG_PIDS 2>/dev/null
	wait $BG_PIDS 2>/dev/null
	[ -n "$LOOP" ] && losetup -d "$LOOP"
	ip link del "$FOREIGN" 2>/dev/null
	# iproute2's object loader leaves its pin directories behind
	for d in $new_dirs; do
		if [ -L "/sys/fs/bpf/$d" ]; then rm -f "/sys/fs/bpf/$d"
		else rmdir "/sys/fs/bpf/$d/globals" "/sys/fs/bpf/$d" 2>/dev/null; fi
	done
	rm -rf "$D" "$IMG"
}
trap cleanup EXIT
truncate -s 64M "$IMG"
LOOP=$(losetup --find --show "$IMG") || { fail "losetup"; finish; exit 1; }
DISK=$(basename "$LOOP")
sleep 1 # udev's probe of the new device reads it; let that pass first

# metric NAME LABELS: its value in a fresh scrape (after one interval)
metric() {
	sleep 0.6
	curl -s "127.0.0.1:$PORT/metrics" | awk -v k="$1${2:+{$2\}}" '$1 == k {print $2}'
}

"$TAPIO" run --probes all --interval 0.2 --metrics "127.0.0.1:$PORT" \
	--json-file "$D/events.json" 2>"$D/run.err" &
RUN=$!
BG_PIDS=$RUN
wait_until 10 'curl -sf "127.0.0.1:$PORT/healthz" >/dev/null'
expect_eq "/healthz is 200 with every probe running" \
	"$(curl -s -o /dev/null -w '%{http_code}' "127.0.0.1:$PORT/healthz")" 200
for p in bio cache exec tcp; do
	expect_eq "probe $p is up" "$(metric tapio_probe_up "probe=\"$p\"")" 1
done

# Block: NW O_DIRECT writes and NR reads on the loop device, as deltas
NW=24 WSZ=65536 NR=17 RSZ=16384
L="device=\"$DISK\",dev=\"$(lsblk -ndo MAJ:MIN "$LOOP" | tr -d ' ')\""
w0=$(metric tapio_block_io_requests_total "$L,op=\"write\"")
r0=$(metric tapio_block_io_requests_total "$L,op=\"read\"")
dd if=/dev/zero of="$LOOP" bs=$WSZ count=$NW oflag=direct status=none
dd if="$LOOP" of=/dev/null bs=$RSZ count=$NR iflag=direct status=none
curl -s "127.0.0.1:$PORT/metrics" >/dev/null
sleep 0.6
curl -s "127.0.0.1:$PORT/metrics" >"$D/m"
val() { awk -v k="$1{$2}" '$1 == k {print $2}' "$D/m"; }
expect_eq "$NW writes counted" "$(($(val tapio_block_io_requests_total "$L,op=\"write\"") - ${w0:-0}))" $NW
expect_eq "$NR reads counted" "$(($(val tapio_block_io_requests_total "$L,op=\"read\"") - ${r0:-0}))" $NR
expect_eq "write bytes" "$(val tapio_block_io_bytes_total "$L,op=\"write\"")" $((NW * WSZ + 0))
expect_eq "histogram _count = requests" \
	"$(val tapio_block_io_latency_seconds_count "$L,op=\"write\"")" \
	"$(val tapio_block_io_requests_total "$L,op=\"write\"")"
expect_eq "histogram +Inf bucket = _count" \
	"$(val tapio_block_io_latency_seconds_bucket "$L,op=\"write\",le=\"+Inf\"")" \
	"$(val tapio_block_io_latency_seconds_count "$L,op=\"write\"")"
expect_eq "histogram buckets never decrease" "$(grep "^tapio_block_io_latency_seconds_bucket{$L,op=\"write\"" "$D/m" |
	awk '{ if ($2 < last) bad++; last = $2 } END {print bad + 0}')" 0
expect_eq "in flight back to 0" "$(val tapio_block_io_in_flight "$L")" 0
expect_eq "no completion taken as lost" "$(val tapio_block_io_lost_completions_total "$L")" 0
promtool check metrics <"$D/m" >"$D/promtool" 2>&1
expect_eq "promtool check metrics passes with the probe families" "$?" 0
[ -s "$D/promtool" ] && sed 's/^/  promtool: /' "$D/promtool" | head -5

# Exec: N execs with a marker argument, exactly N exec lines in the JSON
N=40 MARK="tapio-run-probe-$$"
e0=$(metric tapio_process_execs_total "")
t0=$(date +%s%N)
for i in $(seq $N); do /bin/true "$MARK" "$i"; done
t1=$(date +%s%N)
e1=$(metric tapio_process_execs_total "")
expect_range "execs counter moved by at least $N" "$((e1 - e0))" $N 100000

# TCP: K connections on loopback to a port of our own
K=5 TPORT=$((PORT + 1))
python3 -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(8)
for _ in range(int(sys.argv[2])):
    c, _ = s.accept(); c.recv(100); c.sendall(b"y" * 700); c.close()
' "$TPORT" "$K" &
SRV=$!
BG_PIDS="$BG_PIDS $SRV"
sleep 0.3
for i in $(seq $K); do
	python3 -c '
import socket, sys
c = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
c.sendall(b"x" * 50); c.shutdown(socket.SHUT_WR)
while c.recv(4096): pass
c.close()' "$TPORT"
done
wait $SRV
sleep 0.5

kill -TERM $RUN
wait $RUN
expect_eq "run exits 0 on SIGTERM" "$?" 0
BG_PIDS=
expect_eq "every JSON line parses" "$(jq -c . "$D/events.json" >/dev/null 2>&1; echo $?)" 0
expect_eq "exactly $N exec events with the marker" \
	"$(jq -s --arg m "$MARK" '[.[] | select(.type == "exec" and .args[1] == $m)] | length' "$D/events.json")" $N
# one clock with the flow records: Unix time, within the loop's wall time
# (50 ms either side for the two clocks' sampling)
expect_eq "exec events carry Unix time_ns, inside the loop's wall time" \
	"$(jq -s --arg m "$MARK" --argjson a $((t0 - 50000000)) --argjson b $((t1 + 50000000)) \
		'[.[] | select(.type == "exec" and .args[1] == $m and .time_ns >= $a and .time_ns <= $b)] | length' "$D/events.json")" $N
expect_eq "their exits, code 0" \
	"$(jq -s --arg m "$MARK" '[.[] | select(.type == "exec" and .args[1] == $m) | .pid] as $p |
		[.[] | select(.type == "exit" and .exit_code == 0 and (.pid as $x | $p | index($x)))] | length' "$D/events.json")" $N
expect_eq "$K client lifespans to port $TPORT" \
	"$(jq -s --argjson p "$TPORT" '[.[] | select(.type == "life" and .rport == $p)] | length' "$D/events.json")" $K
expect_eq "$K server lifespans on port $TPORT" \
	"$(jq -s --argjson p "$TPORT" '[.[] | select(.type == "life" and .lport == $p)] | length' "$D/events.json")" $K
expect_eq "server received each request (50 bytes + FIN)" \
	"$(jq -s --argjson p "$TPORT" '[.[] | select(.type == "life" and .lport == $p and .rx_bytes == 51)] | length' "$D/events.json")" $K

# One part failing: a veth of our own that runs another tool's XDP
# program, which tapio refuses to replace; the probes keep running
ip link add "$FOREIGN" type veth peer name "${FOREIGN%0}1" &&
	ip link set dev "$FOREIGN" xdp obj "$ROOT/build/tapio_xdp.o" sec xdp ||
	fail "foreign XDP on a veth"
"$TAPIO" run "$FOREIGN" --hook xdp --probes exec --interval 0.2 --metrics "127.0.0.1:$PORT" \
	>"$D/events2.json" 2>"$D/run2.err" &
RUN=$!
BG_PIDS=$RUN
wait_until 10 'curl -sf "127.0.0.1:$PORT/metrics" >/dev/null'
code=$(curl -s -o "$D/health" -w '%{http_code}' "127.0.0.1:$PORT/healthz")
expect_eq "/healthz is 503 with the device failing" "$code" 503
expect_eq "/healthz names the device" "$(grep -c "$FOREIGN: cannot attach" "$D/health")" 1
/bin/true "$MARK-2"
sleep 0.5
kill -TERM $RUN
wait $RUN
BG_PIDS=
expect_eq "the exec probe ran beside the failing device" \
	"$(jq -s --arg m "$MARK-2" '[.[] | select(.type == "exec" and .args[1] == $m)] | length' "$D/events2.json")" 1

# Bad probe names are refused with the word that is wrong
out=$("$TAPIO" run --probes bio,disk 2>&1)
expect_eq "an unknown probe is refused (exit 2)" "$?" 2
expect_eq "the message names it" "$(echo "$out" | grep -c "invalid --probes 'disk'")" 1
finish
