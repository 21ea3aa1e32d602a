#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make bench`: every benchmark, one `bench: NAME value unit` line per result,
# with the machine it ran on.
cd "$(dirname "$0")/.." || exit 1
echo "machine: $(uname -r), $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
build/bench/xdp_prog_run
build/bench/filter_cost
build/bench/spill_cost
build/bench/probe_filter_cost
build/bench/flow_table_bench
build/bench/drain_bench
build/bench/drain_rate
build/bench/shared_map
# the DPDK source's per-frame work, where the build has DPDK
[ -x build/bench/dpdk_rx ] && build/bench/dpdk_rx
build/bench/flow_json_bench
build/bench/metrics_scrape
build/bench/ipfix_export
bench/ipfix_softflowd.sh
bench/xsk_rx.sh
bench/rx_cost.sh
bench/attribution.sh
bench/churn.sh
bench/idle_cpu.sh
build/bench/ringbuf_consume
bench/probe_overhead.sh
bench/exec_storm.sh
