#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The DPDK backend without a NIC or hugepages (--no-huge --no-pci, virtual
# devices): a pcap of every frame case equal to what XDP counts for the
# same frames, af_packet on a veth, two workers, SIGTERM mid-traffic, and
# clear errors for bad input.
. "$(dirname "$0")/../lib.sh"
require_root
"$TAPIO" doctor --json 2>/dev/null | jq -e 'select(.summary) | .summary.dpdk | startswith("built")' >/dev/null ||
	skip "tapio built without DPDK (install libdpdk-dev and build again)"
PCAPGEN=${PCAPGEN:-$(dirname "$TAPIO")/tools/pcapgen}

use_testenv dpdk
D=$(mktemp -d)
VA=tpdk$$a VB=tpdk$$b
EXTRA_CLEANUP='ip link del $VA 2>/dev/null; rm -rf "$D"'
EAL="--no-huge --no-pci -m 256"
PORT=$((20000 + RANDOM % 10000))

# dpdk_start NAME EAL-ARGS [run options]: a run in the background, ready
dpdk_start() {
	local name=$1 eal=$2
	shift 2
	: >"$D/$name.err"
	"$TAPIO" run --dpdk all --dpdk-eal "$eal" --socket none --interval 0.2 \
		--json-file "$D/$name.json" "$@" 2>"$D/$name.err" &
	RUN=$!
	BG_PIDS="${BG_PIDS:-} $RUN"
	wait_ready "$D/$name.err" || fail "$name: not ready: $(head -3 "$D/$name.err")"
}
dpdk_stop() {
	kill -TERM "$RUN"
	wait "$RUN"
	expect_eq "$1: exits 0 on SIGTERM" "$?" 0
}
summary() { grep '"summary"' "$D/$1.err" | jq -r ".summary.$2"; }
scrape() { curl -s "127.0.0.1:$PORT/metrics"; }
metric_sum() { scrape | awk -v k="$1" 'index($1, k) == 1 {s += $2} END {print s + 0}'; }

# 1. Every frame case from a pcap: totals as pcapgen built them
"$PCAPGEN" cases "$D/cases.pcap" >"$D/cases.txt"
FRAMES=$(awk '$1 == "flow" || $1 == "non_ip" {s += $2} $1 == "error" {s += $3} END {print s}' "$D/cases.txt")
FLOW_PKTS=$(awk '$1 == "flow" {s += $2} END {print s}' "$D/cases.txt")
FLOW_BYTES=$(awk '$1 == "flow" {s += $3} END {print s}' "$D/cases.txt")
# a UDP sink for the IPFIX records of the port's flows, which end idle
IPORT=$((PORT + 2))
python3 -c 'import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.settimeout(20)
try:
    while True: s.recv(65536)
except OSError: pass' "$IPORT" &
BG_PIDS="${BG_PIDS:-} $!"
dpdk_start pcap "$EAL -l 0-1 --vdev=net_pcap0,rx_pcap=$D/cases.pcap" --metrics "127.0.0.1:$PORT" \
	--ipfix "127.0.0.1:$IPORT" --idle-timeout 0.3
wait_until 10 '[ "$(metric_sum tapio_dpdk_queue_packets_total)" = "$FRAMES" ]'
FLOWS=$(awk '$1 == "flow"' "$D/cases.txt" | wc -l)
wait_until 10 '[ "$(metric_sum tapio_ipfix_records_total)" = "$FLOWS" ]'
scrape >"$D/pcap.metrics"
dpdk_stop pcap
expect_eq "pcap: an IPFIX record for each of the port's $FLOWS flows" \
	"$(awk 'index($1, "tapio_ipfix_records_total") == 1 {s += $2} END {print s + 0}' "$D/pcap.metrics")" "$FLOWS"
expect_eq "pcap: summary exact" "$(summary pcap exact)" true
expect_eq "pcap: the PMD received every frame ($FRAMES)" "$(summary pcap 'dpdk[0].received_packets')" "$FRAMES"
expect_eq "pcap: exported packets = the flow frames" "$(summary pcap 'dpdk[0].exported_packets')" "$FLOW_PKTS"
expect_eq "pcap: flow bytes = the flow frames' bytes" "$(jq -s 'map(.bytes) | add' "$D/pcap.json")" "$FLOW_BYTES"
expect_eq "pcap: non-IP frames" "$(summary pcap 'dpdk[0].non_ip_packets')" \
	"$(awk '$1 == "non_ip" {s += $2} END {print s}' "$D/cases.txt")"
expect_eq "pcap: nothing unaccounted" "$(summary pcap 'dpdk[0].unaccounted_packets')" 0
expect_eq "pcap: flows named after the port" "$(jq -r .ifname "$D/pcap.json" | sort -u)" net_pcap0
awk '$1 == "error" {n[$2] += $3} END {for (r in n) print r, n[r]}' "$D/cases.txt" | sort >"$D/want.reasons"
grep '^tapio_dpdk_parse_errors_total' "$D/pcap.metrics" | sed 's/.*reason="\([a-z0-9_]*\)"} \(.*\)/\1 \2/' |
	awk '$2 > 0' | sort >"$D/got.reasons"
expect_eq "pcap: parse errors by reason = the malformed cases" "$(diff "$D/want.reasons" "$D/got.reasons" && echo same)" same

# 2. The same frames through XDP on a veth: the same flows, the same counts
"$TAPIO" run "$TESTENV_DEV" --hook xdp --socket none --interval 0.2 --json-file "$D/xdp.json" \
	--metrics "127.0.0.1:$PORT" 2>"$D/xdp.err" &
RUN=$!
BG_PIDS="$BG_PIDS $RUN"
wait_ready "$D/xdp.err"
# AF_PACKET cannot send a frame shorter than an Ethernet header: the
# truncated_l2 case stays out of this comparison
SHORT=$(awk '$1 == "error" && $2 == "truncated_l2" {s += $3} END {print s + 0}' "$D/cases.txt")
nsexec "$PKTSEND" pcap --dev veth0 --file "$D/cases.pcap" >"$D/sent"
expect_eq "every frame case but the 13-byte one sent on the veth" "$(cat "$D/sent")" \
	"$((FRAMES - SHORT)) frames sent, $SHORT shorter than an Ethernet header not"
grep -v '^truncated_l2 ' "$D/got.reasons" >"$D/got.sendable"
wait_until 10 "[ \"\$(scrape | awk '/^tapio_interface_parse_errors_total.*direction=\"ingress\"/ {s += \$2} END {print s + 0}')\" = \"$(awk '{s += $2} END {print s}' "$D/got.sendable")\" ]"
scrape >"$D/xdp.metrics"
dpdk_stop xdp
# the cases' addresses only: the veth also carries the kernel's own frames
key='select(.src | test("^(10\\.1\\.1\\.|2001:db8::)")) | [.ip_version, .protocol, .src, .dst, .src_port, .dst_port, .vlan, .vlan_inner, .fragment, .packets, .bytes] | @tsv'
jq -r "$key" "$D/pcap.json" | sort >"$D/pcap.flows"
jq -r "select(.direction == \"ingress\") | $key" "$D/xdp.json" | sort >"$D/xdp.flows"
expect_eq "same frames, DPDK and XDP: the same $(wc -l <"$D/pcap.flows") flows, packets and bytes" \
	"$(diff "$D/pcap.flows" "$D/xdp.flows" && echo same)" same
grep '^tapio_interface_parse_errors_total.*direction="ingress"' "$D/xdp.metrics" |
	sed 's/.*reason="\([a-z0-9_]*\)"} \(.*\)/\1 \2/' | awk '$2 > 0' | sort >"$D/xdp.reasons"
expect_eq "same frames, DPDK and XDP: the same parse errors by reason" \
	"$(diff "$D/got.sendable" "$D/xdp.reasons" && echo same)" same

# 3. net_af_packet on a veth of our own: frames of pktsend, exact
ip link add "$VA" type veth peer name "$VB"
for v in "$VA" "$VB"; do
	sysctl -qw "net.ipv6.conf.$v.disable_ipv6=1"
	ip link set "$v" up
done
# framecnt: the PMD's socket ring holds every frame sent, whatever the
# scheduling of its worker (it does not count the frames its socket drops)
dpdk_start afp "$EAL -l 0-1 --vdev=net_af_packet0,iface=$VB,framecnt=2048" --metrics "127.0.0.1:$PORT" \
	--socket "$D/afp.sock"
"$PKTSEND" raw --dev "$VA" --dst-mac 02:00:00:00:00:02 --src 10.5.0.1 --dst 10.5.0.2 \
	--sport 1000 --dport 2000 --count 700 --size 100 >/dev/null
"$PKTSEND" raw --dev "$VA" --dst-mac 02:00:00:00:00:02 --src 2001:db8:5::1 --dst 2001:db8:5::2 \
	--proto tcp --sport 1001 --dport 2001 --vlan 42 --count 300 --size 60 >/dev/null
wait_until 10 '[ "$(metric_sum tapio_dpdk_port_received_packets_total)" = 1000 ]'
# the run's table through its socket, by the port's name
wait_until 5 '[ "$("$TAPIO" flows net_af_packet0 --socket "$D/afp.sock" --json | jq -s "map(.packets) | add")" = 1000 ]'
expect_eq "af_packet: tapio flows PORT reads the run's table" \
	"$("$TAPIO" flows net_af_packet0 --socket "$D/afp.sock" --json | jq -r '[.ifname, .src_port, .packets] | @tsv' | sort | tr '\n' ' ')" \
	"$(printf 'net_af_packet0\t1000\t700 net_af_packet0\t1001\t300 ')"
dpdk_stop afp
flow() { jq -s "map(select(.src_port == $1)) | [length, (map(.packets) | add), (map(.bytes) | add)] | @tsv" -r "$D/afp.json"; }
expect_eq "af_packet: 700 UDP frames of 142 bytes, one flow" "$(flow 1000)" "$(printf '1\t700\t99400')"
expect_eq "af_packet: 300 VLAN 42 TCP/IPv6 frames of 138 bytes, one flow" "$(flow 1001)" "$(printf '1\t300\t41400')"
expect_eq "af_packet: their VLAN" "$(jq -s 'map(select(.src_port == 1001)) | .[0].vlan' "$D/afp.json")" 42
expect_eq "af_packet: received = 1000" "$(summary afp 'dpdk[0].received_packets')" 1000
expect_eq "af_packet: exact" "$(summary afp exact)" true

# 4. Two workers on two queues (two rx_pcap files of one port), and a
# SIGTERM while the port still replays them without end: every flow in
# both files is one flow, and the account is exact when it stops
"$PCAPGEN" flows "$D/a.pcap" --flows 100 --count 30 --first-port 10000
"$PCAPGEN" flows "$D/b.pcap" --flows 100 --count 20 --first-port 10050
dpdk_start two "$EAL --lcores 0@0,1@1,2@1 --vdev=net_pcap0,rx_pcap=$D/a.pcap,rx_pcap=$D/b.pcap"
expect_eq "two workers: one queue each" "$(grep -c 'dpdk worker on lcore [12] .*net_pcap0 queue [01]$' "$D/two.err")" 2
wait_until 10 'grep -q "net_pcap0: 2 receive queues" "$D/two.err"'
sleep 1
dpdk_stop two
expect_eq "two workers: 150 flows" "$(jq -s length "$D/two.json")" 150
expect_eq "two workers: 5000 packets" "$(jq -s 'map(.packets) | add' "$D/two.json")" 5000
expect_eq "two workers: the 50 flows in both files are single flows of 50" \
	"$(jq -s '[.[] | select(.src_port >= 10050 and .src_port < 10100) | .packets] | unique' -c "$D/two.json")" "[50]"
expect_eq "two workers: exact" "$(summary two exact)" true
# endless replay: stopped mid-traffic
dpdk_start loop "$EAL -l 0-1 --vdev=net_pcap0,rx_pcap=$D/a.pcap,infinite_rx=1"
sleep 1.5
dpdk_stop loop
recv=$(summary loop 'dpdk[0].received_packets')
expect_range "mid-traffic: frames received ($recv)" "$recv" 3001 100000000000
expect_eq "mid-traffic: every received frame in an exported flow" \
	"$(jq -s 'map(.packets) | add' "$D/loop.json")" "$recv"
expect_eq "mid-traffic: summary exact, nothing unaccounted" \
	"$(summary loop exact) $(summary loop 'dpdk[0].unaccounted_packets')" "true 0"

# 5. Bad input: each a clear error naming the problem
expect_fail "bad EAL argument" "dpdk: EAL initialisation failed.*--bogus" \
	"$TAPIO" run --dpdk all --dpdk-eal "$EAL --bogus" --socket none --metrics none
expect_fail "a port that does not exist" "dpdk: no port named net_nothere0 \(the EAL has net_null0\)" \
	"$TAPIO" run --dpdk net_nothere0 --dpdk-eal "$EAL -l 0-1 --vdev=net_null0" --socket none --metrics none
expect_fail "no worker lcore" "dpdk: the EAL has no worker lcore" \
	"$TAPIO" run --dpdk all --dpdk-eal "$EAL -l 0 --vdev=net_null0" --socket none --metrics none
expect_fail "--dpdk with kernel devices" "run: --dpdk ports and kernel devices in one run" \
	"$TAPIO" run "$TESTENV_DEV" --dpdk all --socket none --metrics none
expect_fail "tapio flows of a port no run has" "flows: no interface net_none0, and no tapio run listens on $D/none.sock" \
	"$TAPIO" flows net_none0 --socket "$D/none.sock"
expect_fail "--dpdk-eal alone" "run: --dpdk-eal without --dpdk" \
	"$TAPIO" run --dpdk-eal "$EAL" --probes exec --socket none --metrics none
if [ -x "${TAPIO_NODPDK:-}" ]; then
	expect_fail "a tapio built without DPDK" "run: --dpdk: this tapio was built without DPDK" \
		"$TAPIO_NODPDK" run --dpdk all --socket none --metrics none
	expect_eq "its doctor says so" "$("$TAPIO_NODPDK" doctor | grep -c '^dpdk: not built')" 1
fi
finish
