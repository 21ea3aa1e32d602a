#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# AF_XDP pollers under `tapio run --xsk`: one socket and one pinned poller
# per queue; steered frames reach the table exactly once; the account over
# kernel and pollers is exact; unsteered traffic still reaches the host.
. "$(dirname "$0")/../lib.sh"
require_root

use_testenv xsk --ipv4-only --queues 2
RUN_OPTS=
DEV=$TESTENV_DEV
E=$(mktemp)
EXTRA_CLEANUP='rm -f "$E"'

# run_xsk MODE SENDER...: a collector with pollers around one sender
run_xsk() {
	local mode=$1
	shift
	# emptied first: the shell truncates it only in the child, after
	# which the wait below could read the previous run's line
	: >"$E"
	"$TAPIO" run "$DEV" --xsk "$mode" --interval 0.1 --idle-timeout 0.5 $RUN_OPTS >"$J" 2>"$E" &
	RUN=$!
	BG_PIDS=$RUN
	wait_until 5 "grep -q '^xsk $DEV: steering on' \"\$E\""
	STATUS=$("$TAPIO" status)
	"$@" >/dev/null
	sleep 0.3
	kill -INT $RUN
	wait $RUN
	BG_PIDS=
	S=$(grep '^{"summary"' "$E")
}
raw() {
	nsexec "$PKTSEND" raw --dev veth0 --dst-mac "$TESTENV_MAC_HOST" --src 10.8.0.2 \
		--dst 10.8.0.1 "$@"
}

# 1. filter:udp, real sockets: 16 flows x 50 on two queues
run_xsk filter:udp nsexec "$PKTSEND" udp --src "$TESTENV_IP4_NS" --sport 7000 --flows 16 \
	--count 50 --dst "$TESTENV_IP4_HOST" --dport 9900 --size 30
expect_eq "one poller per queue, copy mode on veth" "$(grep -c '^xsk .* queue [01]: copy mode, poller on CPU' "$E")" 2
expect_eq "pollers spread over CPUs without queue IRQs" \
	"$(grep -o 'poller on CPU [0-9]*' "$E" | sort -u | wc -l)" "$(nproc | awk '{print ($1 >= 2) ? 2 : 1}')"
expect_eq "every udp frame reached a poller" "$(jq .summary.xsk_received_packets <<<"$S")" 800
expect_eq "both queues received frames" \
	"$(grep -c 'received [1-9][0-9]* frames' "$E")" 2
expect_eq "udp flows exported exactly" "$(flow_sum "$J" packets '.dst_port == 9900')" 800
expect_eq "16 flows" "$(jq -s '[.[] | select(.dst_port == 9900) | .src_port] | unique | length' "$J")" 16
expect_eq "bytes exact (72-byte frames)" "$(flow_sum "$J" bytes '.dst_port == 9900')" $((800 * 72))
expect_eq "no frame dropped by the sockets" "$(jq .summary.xsk_dropped_packets <<<"$S")" 0
expect_eq "exact account across kernel and pollers" "$(jq .summary.ingress.unaccounted_packets <<<"$S")" 0
expect_eq "tapio status shows each queue's socket mode" "$(grep -c '^  xsk     queue [01] copy cpu' <<<"$STATUS")" 2
expect_eq "the state file goes with the run" "$(test -e "/run/tapio/$DEV.xsk" && echo left || echo gone)" gone

# 2. all: crafted frames (no ARP needed), exactly all of them steered
run_xsk all raw --sport 5000 --dport 5001 --count 300 --size 20
expect_eq "all: 300 frames to the pollers" "$(jq .summary.xsk_received_packets <<<"$S")" 300
expect_eq "all: exported exactly" "$(flow_sum "$J" packets '.src_port == 5000')" 300
expect_eq "all: exact account" "$(jq .summary.ingress.unaccounted_packets <<<"$S")" 0

# 3. sample:4: about a quarter via pollers, every frame exported once
run_xsk sample:4 raw --sport 5100 --dport 5101 --count 400 --size 20
expect_range "sample:4: about one frame in four to the pollers" \
	"$(jq .summary.xsk_received_packets <<<"$S")" 90 110
expect_eq "sample:4: every frame exported once, whichever path" \
	"$(flow_sum "$J" packets '.src_port == 5100')" 400
expect_eq "sample:4: exact account" "$(jq .summary.ingress.unaccounted_packets <<<"$S")" 0

# 3b. --hugepages: used where the host has them, a warning where not
RUN_OPTS=--hugepages run_xsk all raw --sport 5200 --dport 5201 --count 50 --size 20
RUN_OPTS=
if [ "$(cat /proc/sys/vm/nr_hugepages)" -ge 16 ]; then
	expect_eq "--hugepages: UMEM in hugepages" "$(grep -c 'UMEM in hugepages' "$E")" 2
else
	expect_eq "--hugepages without hugepages: warned, 4 KiB pages" \
		"$(grep -c 'no hugepages for the UMEM' "$E")" 2
fi
expect_eq "--hugepages: frames still all received" "$(jq .summary.xsk_received_packets <<<"$S")" 50

# 3c. TAPIO_BUFFER_SIZE: smaller rings, a burst four times their size;
# what the sockets could not take is counted, the account stays exact
export TAPIO_BUFFER_SIZE=512
run_xsk all raw --sport 5300 --dport 5301 --count 2048 --size 20
unset TAPIO_BUFFER_SIZE
expect_eq "TAPIO_BUFFER_SIZE=512: each queue's socket has 512 frames" \
	"$(grep -c '^xsk .* queue [01]: .*, 512 frames' "$E")" 2
expect_eq "512 frames: received + dropped by the sockets = 2048 sent" \
	"$(jq '.summary.xsk_received_packets + .summary.xsk_dropped_packets' <<<"$S")" 2048
expect_eq "512 frames: exact account" "$(jq .summary.ingress.unaccounted_packets <<<"$S")" 0
# copy mode: a frame that finds the fill ring empty is one of the drops
expect_eq "512 frames: fill-ring-empty events reported, within the drops" \
	"$(jq '(.summary.xsk_fill_ring_empty | type) == "number" and .summary.xsk_fill_ring_empty <= .summary.xsk_dropped_packets' <<<"$S")" true

# 4. errors
expect_fail "--buffer-size not a power of two" "invalid --buffer-size '1000': not a power of two" \
	"$TAPIO" run "$DEV" --xsk all --buffer-size 1000
expect_fail "--buffer-size below the ring minimum" "invalid --buffer-size '64': must be between 512" \
	"$TAPIO" run "$DEV" --xsk all --buffer-size 64
expect_fail "bad --xsk mode" "invalid --xsk 'some'" "$TAPIO" run "$DEV" --xsk some
expect_fail "bad --xsk filter" "unknown word 'udpp'" "$TAPIO" run "$DEV" --xsk filter:udpp
expect_eq "pins removed" "$(test -e "/sys/fs/bpf/tapio/$DEV" && echo left || echo gone)" gone

finish
