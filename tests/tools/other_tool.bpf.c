// SPDX-License-Identifier: GPL-2.0
/* Test helper: "another tool" on the same device as tapio, at XDP or TC:
 * it counts every frame it sees and drops UDP to port 9 (discard). */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/in.h>
#include <linux/pkt_cls.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

/* [0] frames seen, [1] frames dropped */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} other_counts SEC(".maps");

static __always_inline int count_and_judge(void *data, void *end)
{
	struct ethhdr *eth = data;
	struct iphdr *ip = data + sizeof(*eth);
	struct udphdr *udp = (void *)(ip + 1);
	__u32 k = 0;
	__u64 *v = bpf_map_lookup_elem(&other_counts, &k);

	if (v)
		__sync_fetch_and_add(v, 1);
	if ((void *)(udp + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP) ||
	    ip->ihl != 5 || ip->protocol != IPPROTO_UDP ||
	    udp->dest != bpf_htons(9))
		return 0;
	k = 1;
	v = bpf_map_lookup_elem(&other_counts, &k);
	if (v)
		__sync_fetch_and_add(v, 1);
	return 1;
}

SEC("xdp")
int other_xdp(struct xdp_md *ctx)
{
	return count_and_judge((void *)(long)ctx->data,
			       (void *)(long)ctx->data_end)
		       ? XDP_DROP
		       : XDP_PASS;
}

SEC("tc")
int other_tc(struct __sk_buff *skb)
{
	return count_and_judge((void *)(long)skb->data,
			       (void *)(long)skb->data_end)
		       ? TC_ACT_SHOT
		       : TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
