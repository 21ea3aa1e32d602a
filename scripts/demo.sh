#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make demo`: a veth test host, tapio attached, real traffic, then the flows
# and counters tapio saw. Removes everything it created on exit.
set -e
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "demo: run as root (creates a namespace and attaches BPF)" >&2; exit 1; }
TAPIO=build/tapio
PKTSEND=build/tools/pktsend
TESTENV=testenv/testenv.sh

cleanup() {
	$TAPIO detach tp-demo >/dev/null 2>&1 || true
	$TESTENV teardown demo >/dev/null 2>&1 || true
}
trap cleanup EXIT
cleanup
step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

step testenv/testenv.sh setup --name demo
$TESTENV setup --name demo
eval "$($TESTENV env demo)"
step tapio attach "$TESTENV_DEV"
$TAPIO attach "$TESTENV_DEV"

step "traffic: 5 pings each way of v4/v6, 1000 UDP packets, a 1 MB TCP transfer"
ip netns exec "$TESTENV_NS" ping -q -c 5 -i 0.2 "$TESTENV_IP4_HOST" | tail -2
ip netns exec "$TESTENV_NS" ping -q -c 5 -i 0.2 "$TESTENV_IP6_HOST" | tail -2
ip netns exec "$TESTENV_NS" $PKTSEND udp --src "$TESTENV_IP4_NS" --sport 4000 \
	--dst "$TESTENV_IP4_HOST" --dport 9000 --count 1000 --size 100
ip netns exec "$TESTENV_NS" $PKTSEND tcp-server --bind "$TESTENV_IP4_NS" --port 8080 --reply 20000 >/dev/null &
sleep 0.3
$PKTSEND tcp-client --dst "$TESTENV_IP4_NS" --port 8080 --bytes 1000000
wait

step tapio flows "$TESTENV_DEV" --top 10
$TAPIO flows "$TESTENV_DEV" --top 10
step tapio flows "$TESTENV_DEV" --json --top 2
$TAPIO flows "$TESTENV_DEV" --json --top 2
step tapio status
$TAPIO status
# the pinned map of this device (by name, bpftool would show every
# tapio_flows map on the host)
step "bpftool map dump pinned /sys/fs/bpf/tapio/$TESTENV_DEV/tapio_flows | head -20"
bpftool map dump pinned "/sys/fs/bpf/tapio/$TESTENV_DEV/tapio_flows" | head -20
printf '\ndemo done: detaching and removing the test host\n'
