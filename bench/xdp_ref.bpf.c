// SPDX-License-Identifier: GPL-2.0
/* Benchmark reference: the least a flow counter can do (Ethernet, IPv4 and
 * UDP only, one per-CPU hash update), to price tapio_xdp's full parse.
 * Built three times: with a 16-byte key, padded to tapio's 48-byte key
 * width (REF_KEY_PAD=32) to separate the cost of the key from that of
 * parsing, and that with one shared hash and atomic adds (REF_SHARED=1)
 * to price the alternative to per-CPU values (bench/shared_map). */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#ifndef REF_KEY_PAD
#define REF_KEY_PAD 0
#endif
#ifndef REF_SHARED
#define REF_SHARED 0
#endif

struct ref_key {
	__u32 saddr, daddr;
	__u16 sport, dport;
	__u32 proto;
#if REF_KEY_PAD
	__u8 pad[REF_KEY_PAD];
#endif
};

struct ref_val {
	__u64 packets, bytes;
};

struct {
#if REF_SHARED
	__uint(type, BPF_MAP_TYPE_HASH);
#else
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
#endif
	__uint(max_entries, 65536);
	__type(key, struct ref_key);
	__type(value, struct ref_val);
} bench_ref_flows SEC(".maps");

SEC("xdp")
int bench_xdp_ref(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *iph = (void *)(eth + 1);
	struct udphdr *uh = (void *)(iph + 1);
	struct ref_key key = {};
	struct ref_val *v, init;

	if ((void *)(uh + 1) > data_end ||
	    eth->h_proto != bpf_htons(ETH_P_IP) || iph->protocol != IPPROTO_UDP)
		return XDP_PASS;
	key.saddr = iph->saddr;
	key.daddr = iph->daddr;
	key.sport = uh->source;
	key.dport = uh->dest;
	key.proto = iph->protocol;
	v = bpf_map_lookup_elem(&bench_ref_flows, &key);
	if (v) {
#if REF_SHARED
		__sync_fetch_and_add(&v->packets, 1);
		__sync_fetch_and_add(&v->bytes, data_end - data);
#else
		v->packets++;
		v->bytes += data_end - data;
#endif
		return XDP_PASS;
	}
	init.packets = 1;
	init.bytes = data_end - data;
	bpf_map_update_elem(&bench_ref_flows, &key, &init, BPF_NOEXIST);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
