// SPDX-License-Identifier: GPL-2.0
/* Benchmark floor: the cheapest XDP program, so ratios against it show what
 * accounting costs on top of merely running a program. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int bench_xdp_pass(struct xdp_md *ctx)
{
	(void)ctx;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
