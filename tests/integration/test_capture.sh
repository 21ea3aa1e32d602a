#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `tapio capture`: exactly the frames sent on known flows end up in pcap
# files that tshark reads; filters, --count, --snaplen, --per-queue; the
# captured traffic still reaches the host (copy, not redirect).
. "$(dirname "$0")/../lib.sh"
require_root
command -v tshark >/dev/null || skip "tshark not installed"

use_testenv cap --ipv4-only --queues 2
DEV=$TESTENV_DEV
D=$(mktemp -d)
EXTRA_CLEANUP='rm -rf "$D"'

# start_capture NAME ARGS...: background capture, wait until it runs
start_capture() {
	local name=$1
	shift
	"$TAPIO" capture "$DEV" -w "$D/$name.pcap" "$@" 2>"$D/$name.err" &
	CAP=$!
	BG_PIDS=$CAP
	wait_until 5 "grep -q '^capturing on' \"\$D/$name.err\" 2>/dev/null" && return 0
	fail "capture $name did not start: $(cat "$D/$name.err")"
}
stop_capture() {
	kill -INT "$CAP" 2>/dev/null
	wait "$CAP"
	BG_PIDS=
}
frames() { tshark -r "$1" -T fields -e "${2:-frame.number}" 2>/dev/null; }
udp_out() { nsexec "$PKTSEND" udp --src "$TESTENV_IP4_NS" --dst "$TESTENV_IP4_HOST" "$@" >/dev/null; }

# 1. udp: 3 flows x 100, plus pings that must not be captured
start_capture udp --filter udp
udp_out --sport 6000 --flows 3 --count 100 --dport 9300 --size 60
nsexec ping -q -c 3 -i 0.2 "$TESTENV_IP4_HOST" >/dev/null
stop_capture
expect_eq "udp: 300 frames captured" "$(frames "$D/udp.pcap" | wc -l)" 300
expect_eq "udp: 100 per flow" "$(frames "$D/udp.pcap" udp.srcport | sort | uniq -c | awk '{print $1}' | sort -u)" 100
expect_eq "udp: 3 flows" "$(frames "$D/udp.pcap" udp.srcport | sort -u | wc -l)" 3
expect_eq "udp: every frame whole (102 bytes)" "$(frames "$D/udp.pcap" frame.len | sort -u)" 102
expect_eq "udp: no ICMP in a udp capture" "$(frames "$D/udp.pcap" icmp.type | grep -c .)" 0
expect_eq "udp: report line, nothing lost" \
	"$(grep -c '^captured 300 frames; lost 0 (capture ring full), 0 (copy failed), 0 (malformed record)' "$D/udp.err")" 1
expect_eq "nanosecond pcap magic" "$(od -An -tx1 -N4 "$D/udp.pcap" | tr -d ' ')" 4d3cb2a1

# 2. capture is a copy: pings still answered while ICMP is captured
start_capture icmp --filter icmp
out=$(nsexec ping -c 5 -i 0.2 "$TESTENV_IP4_HOST" | grep -o '[0-9]* received')
stop_capture
expect_eq "pings answered during an ICMP capture" "$out" "5 received"
expect_eq "echo requests captured" "$(frames "$D/icmp.pcap" icmp.type | grep -c '^8$')" 5

# 3. --count stops by itself
"$TAPIO" capture "$DEV" -w "$D/count.pcap" --filter "udp port 9400" --count 50 2>"$D/count.err" &
CAP=$!
wait_until 5 "grep -q '^capturing on' \"\$D/count.err\""
udp_out --sport 6100 --count 200 --dport 9400 --size 10
wait_until 5 '! kill -0 $CAP 2>/dev/null'
expect_eq "--count 50 ends the capture by itself" "$(kill -0 $CAP 2>/dev/null && echo running || echo ended)" ended
wait $CAP
expect_eq "--count 50 writes 50 frames" "$(frames "$D/count.pcap" | wc -l)" 50

# 4. port and host filters keep exactly their flow
start_capture port --filter "udp port 9501 host $TESTENV_IP4_HOST"
udp_out --sport 6200 --count 40 --dport 9500 --size 10
udp_out --sport 6201 --count 30 --dport 9501 --size 10
stop_capture
expect_eq "port filter keeps only its flow" "$(frames "$D/port.pcap" udp.dstport | sort | uniq -c | awk '{print $1"x"$2}')" "30x9501"

# 5. --snaplen cuts frames, keeps their length
start_capture snap --filter udp --snaplen 64
udp_out --sport 6300 --count 10 --dport 9600 --size 1000
stop_capture
expect_eq "snaplen: captured length 64" "$(frames "$D/snap.pcap" frame.cap_len | sort -u)" 64
expect_eq "snaplen: original length 1042" "$(frames "$D/snap.pcap" frame.len | sort -u)" 1042

# 6. --per-queue: one file per receive queue, together every frame
start_capture pq --filter udp --per-queue
udp_out --sport 7000 --flows 16 --count 10 --dport 9700 --size 10
stop_capture
total=0
for f in "$D"/pq.q*.pcap; do [ -e "$f" ] && total=$((total + $(frames "$f" | wc -l))); done
expect_eq "per-queue files hold every frame" "$total" 160
expect_range "per-queue: one file per queue that received" "$(ls "$D"/pq.q*.pcap | wc -l)" 1 2

# 6b. --rotate-size: 2000 frames of 1042 bytes (~2 MB) over 1 MB files
start_capture rot --filter "udp port 9800" --rotate-size 1
udp_out --sport 7100 --count 2000 --dport 9800 --size 1000
stop_capture
total=0
for f in "$D"/rot*.pcap; do total=$((total + $(frames "$f" | wc -l))); done
expect_eq "rotation: every frame in some file" "$total" 2000
expect_range "rotation: several files (rot.pcap, rot.1.pcap, ...)" "$(ls "$D"/rot*.pcap | wc -l)" 2 3

# 6c. a capture beside a collector that flips generations every 10 ms:
# each writes only its own fields of tapio_config, so neither undoes the other
"$TAPIO" run "$DEV" --interval 0.01 --metrics none --socket "$D/run.sock" >/dev/null 2>&1 &
COLL=$!
BG_PIDS="$COLL"
wait_until 5 '[ -e "/sys/fs/bpf/tapio/$DEV/tapio_attach_info" ]'
start_capture both --filter "udp port 9900"
BG_PIDS="$COLL $CAP"
udp_out --sport 7200 --count 500 --dport 9900 --size 10 --gap-us 2000
stop_capture
kill -TERM $COLL
wait $COLL
BG_PIDS=
expect_eq "capture beside a draining collector keeps every frame" "$(frames "$D/both.pcap" | wc -l)" 500

# 7. errors and state
expect_fail "unknown filter word" "unknown word 'udpp'" "$TAPIO" capture "$DEV" -w "$D/x.pcap" --filter udpp
expect_fail "missing -w" "missing -w FILE" "$TAPIO" capture "$DEV"
start_capture busy
expect_fail "second capture on the same device" "a capture is already running on $DEV" \
	"$TAPIO" capture "$DEV" -w "$D/y.pcap"
stop_capture
# a link planted where the pcap goes is refused, not followed
echo precious >"$D/precious"
ln -s "$D/precious" "$D/link.pcap"
expect_fail "a symbolic link at -w is refused" "cannot write $D/link.pcap: it is a symbolic link" \
	"$TAPIO" capture "$DEV" -w "$D/link.pcap" --count 1
expect_eq "its target untouched" "$(cat "$D/precious")" precious
expect_eq "captures leave nothing attached" "$(test -e "/sys/fs/bpf/tapio/$DEV" && echo left || echo gone)" gone

finish
