#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Prometheus /metrics of `tapio run`: promtool accepts it, the counters are
# exact, a real Prometheus server scrapes it and PromQL returns what was
# sent; /healthz names a device that is not running.
. "$(dirname "$0")/../lib.sh"
require_root
command -v promtool >/dev/null || skip "promtool not installed (Debian package prometheus)"
command -v prometheus >/dev/null || skip "prometheus not installed"
command -v curl >/dev/null || skip "curl not installed"

use_testenv prom --ipv4-only
DEV=$TESTENV_DEV
"$TESTENV" teardown prom2 >/dev/null 2>&1
"$TESTENV" setup --name prom2 --ipv4-only >/dev/null || fail "second testenv"
DEV2=tp-prom2
D=$(mktemp -d)
PORT=$((20000 + RANDOM % 10000))
PPORT=$((PORT + 1))
new_dirs=""
for d in ip tc xdp; do [ -e "/sys/fs/bpf/$d" ] || new_dirs="$new_dirs $d"; done
EXTRA_CLEANUP='[ -n "${PROM:-}" ] && kill $PROM 2>/dev/null; wait $PROM 2>/dev/null
ip link set dev "$DEV2" xdp off 2>/dev/null; "$TESTENV" teardown prom2 >/dev/null 2>&1
for d in $new_dirs; do
	if [ -L "/sys/fs/bpf/$d" ]; then rm -f "/sys/fs/bpf/$d"
	else rmdir "/sys/fs/bpf/$d/globals" "/sys/fs/bpf/$d" 2>/dev/null; fi
done
rm -rf "$D"'

# DEV2 runs another tool's XDP program: tapio refuses to replace it
ip link set dev "$DEV2" xdp obj "$ROOT/build/tapio_xdp.o" sec xdp || fail "foreign XDP"

"$TAPIO" run "$DEV" "$DEV2" --hook xdp --interval 0.2 --metrics "127.0.0.1:$PORT" --bpf-stats >/dev/null 2>"$D/run.err" &
RUN=$!
BG_PIDS=$RUN
wait_until 5 'curl -sf "127.0.0.1:$PORT/metrics" >/dev/null'

code=$(curl -s -o "$D/health" -w '%{http_code}' "127.0.0.1:$PORT/healthz")
expect_eq "/healthz is 503 while a device is not running" "$code" 503
expect_eq "/healthz names the failing device" "$(grep -c "$DEV2: cannot attach" "$D/health")" 1

cat >"$D/prometheus.yml" <<YML
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: tapio
    static_configs:
      - targets: ['127.0.0.1:$PORT']
YML
prometheus --config.file="$D/prometheus.yml" --storage.tsdb.path="$D/tsdb" \
	--web.listen-address="127.0.0.1:$PPORT" >"$D/prom.log" 2>&1 &
PROM=$!

# exactly 250 crafted frames (no ARP, no other traffic on this link)
nsexec "$PKTSEND" raw --dev veth0 --dst-mac "$TESTENV_MAC_HOST" --src 10.9.0.2 --dst 10.9.0.1 \
	--sport 1 --dport 2 --count 250 --size 20 >/dev/null
sleep 0.5
curl -s "127.0.0.1:$PORT/metrics" >"$D/metrics"
promtool check metrics <"$D/metrics" >"$D/promtool" 2>&1
expect_eq "promtool check metrics passes" "$?" 0
metric() { awk -v m="$1" '$1 == m { print $2 }' "$D/metrics"; }
expect_eq "ingress packets exact" "$(metric "tapio_interface_packets_total{interface=\"$DEV\",direction=\"ingress\"}")" 250
expect_eq "ingress bytes exact (62-byte frames)" "$(metric "tapio_interface_bytes_total{interface=\"$DEV\",direction=\"ingress\"}")" $((250 * 62))
expect_eq "drained into the table" "$(metric 'tapio_events_processed_total{source="kernel_drain"}')" 250
expect_eq "nothing dropped" "$(grep '^tapio_events_dropped_total' "$D/metrics" | awk '{s += $2} END {print s}')" 0
expect_eq "every family has HELP and TYPE" \
	"$(grep -c '^# HELP' "$D/metrics")" "$(grep -c '^# TYPE' "$D/metrics")"
expect_eq "a flow is active" "$(metric "tapio_flows_active{interface=\"$DEV\",direction=\"ingress\"}")" 1

# self-monitoring: tapio's own eBPF objects and their run counts (stats
# are on from before the attach, so every XDP run is a packet seen)
# exactly this run's objects, found by id: another tapio on the host (the
# foreign tapio_xdp on DEV2 is one) is not counted
xdp_id=$(bpftool -j prog show pinned "/sys/fs/bpf/tapio/$DEV/tapio_xdp" | jq .id)
tc_id=$(bpftool -j prog show pinned "/sys/fs/bpf/tapio/$DEV/tapio_tc" | jq .id)
own_maps=$(for id in $xdp_id $tc_id; do bpftool -j prog show id "$id" | jq '.map_ids[]'; done | sort -u | wc -l)
expect_eq "this run's programs: tapio_xdp and tapio_tc of $DEV" "$(metric 'tapio_ebpf_objects{type="program"}')" 2
expect_eq "the maps they use" "$(metric 'tapio_ebpf_objects{type="map"}')" "$own_maps"
# the XDP link, and TC egress's tcx link where the kernel has tcx
links=$(bpftool -j link show | jq --argjson x "$xdp_id" --argjson t "$tc_id" '[.[] | select(.prog_id == $x or .prog_id == $t)] | length')
expect_eq "the XDP link and tcx's ($links found by program id)" "$(metric 'tapio_ebpf_objects{type="link"}')" "$links"
expect_range "and there is one at least" "$links" 1 2
expect_range "tapio eBPF memory reported" "$(metric 'tapio_ebpf_memory_bytes')" 1 100000000000
runs=""
for _ in $(seq 30); do # the object walk is refreshed every 10 intervals
	curl -s "127.0.0.1:$PORT/metrics" >"$D/metrics"
	runs=$(metric 'tapio_bpf_program_runs_total{program="tapio_xdp"}')
	[ "$runs" = "$(metric "tapio_interface_packets_total{interface=\"$DEV\",direction=\"ingress\"}")" ] && break
	sleep 0.2
done
expect_eq "tapio_xdp runs == ingress packets seen (BPF_ENABLE_STATS)" "$runs" 250
expect_eq "tapio_xdp run time reported" \
	"$(awk '$1 == "tapio_bpf_program_run_seconds_total{program=\"tapio_xdp\"}" { print ($2 > 0) }' "$D/metrics")" 1
promtool check metrics <"$D/metrics" >/dev/null 2>&1
expect_eq "promtool still passes with the self-monitoring families" "$?" 0

# PromQL through a real Prometheus server
q="tapio_interface_packets_total{interface=\"$DEV\",direction=\"ingress\"}"
val=""
for _ in $(seq 60); do
	val=$(curl -sG "127.0.0.1:$PPORT/api/v1/query" --data-urlencode "query=$q" |
		jq -r '.data.result[0].value[1] // empty' 2>/dev/null)
	[ "$val" = 250 ] && break
	sleep 0.5
done
expect_eq "Prometheus scraped tapio: PromQL returns the 250 frames sent" "$val" 250
up=$(curl -sG "127.0.0.1:$PPORT/api/v1/query" --data-urlencode 'query=up{job="tapio"}' |
	jq -r '.data.result[0].value[1] // empty')
expect_eq "the scrape target is up" "$up" 1

kill -INT $RUN
wait $RUN
BG_PIDS=
expect_eq "endpoint gone with the run" "$(curl -s -o /dev/null -w '%{http_code}' "127.0.0.1:$PORT/metrics")" 000

# Without --bpf-stats the kernel's per-program timing (which every BPF
# program on the host would pay) stays off, and so do its families
"$TAPIO" run "$DEV" --interval 0.2 --metrics "127.0.0.1:$PORT" --socket none \
	--json-file none --duration 3 >/dev/null 2>&1 &
RUN=$!
BG_PIDS=$RUN
wait_until 5 'curl -sf "127.0.0.1:$PORT/metrics" >"$D/plain"'
expect_eq "no run-time families without --bpf-stats" \
	"$(grep -c '^tapio_bpf_program_run' "$D/plain")" 0
expect_eq "the object counts are still there" "$(grep -c '^tapio_ebpf_objects' "$D/plain")" 3
wait $RUN
BG_PIDS=

# IPv6: [::]:PORT serves both families (dual stack), [::1] only loopback
"$TAPIO" run "$DEV" --interval 0.2 --metrics "[::]:$PORT" --socket none \
	--json-file none >/dev/null 2>"$D/v6.err" &
RUN=$!
BG_PIDS=$RUN
wait_ready "$D/v6.err"
expect_eq "[::]: /metrics over IPv6" "$(curl -s -o /dev/null -w '%{http_code}' "http://[::1]:$PORT/metrics")" 200
expect_eq "[::]: /metrics over IPv4 too" "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/metrics")" 200
expect_eq "[::]: said to be reachable from the network" "$(grep -c 'reachable from the network' "$D/v6.err")" 1
kill -INT $RUN
wait $RUN
BG_PIDS=

finish
