/* SPDX-License-Identifier: GPL-2.0 */
/* The one frame parser: compiled into tapio_xdp/tapio_tc and into userspace
 * (AF_XDP pollers, unit tests), so both sides key a frame the same way. */
#ifndef TAPIO_FLOW_PARSE_H
#define TAPIO_FLOW_PARSE_H

#include <linux/types.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/in.h>
#include <linux/tcp.h>
#include <linux/udp.h>

#include "tapio/flow.h"
#include "tapio/counters.h"

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define tapio_ntohs(x) ((__u16)__builtin_bswap16(x))
#else
#define tapio_ntohs(x) ((__u16)(x))
#endif

#define TAPIO_MAX_VLAN_TAGS 2
/* Extension headers walked before giving up with ipv6_ext_limit; real
 * traffic rarely carries more than three. */
#define TAPIO_IPV6_MAX_EXT 8

#ifndef ETH_P_8021AD
#define ETH_P_8021AD 0x88A8
#endif
#ifndef IPPROTO_ICMPV6
#define IPPROTO_ICMPV6 58
#endif
#ifndef IPPROTO_MH
#define IPPROTO_MH 135
#endif

struct tapio_vlan_hdr {
	__be16 tci;
	__be16 encap_proto;
};

struct tapio_ipv6_opt_hdr {
	__u8 nexthdr;
	__u8 hdrlen;
};

struct tapio_ipv6_frag_hdr {
	__u8 nexthdr;
	__u8 reserved;
	__be16 frag_off; /* offset << 3 | M */
	__be32 identification;
};

/*
 * A header is read where the frame puts it: behind 14 bytes of Ethernet an
 * IPv4 header is only 2-byte aligned.  BPF reads packet memory with loads
 * the verifier and JIT make safe; C in userspace may not dereference a
 * misaligned struct pointer (undefined, and a fault on strict CPUs), so
 * there every header type is declared with alignment 1 and the compiler
 * emits loads that are safe at any address (the same instructions on x86).
 */
#ifdef __bpf__
#define TAPIO_HDR(name) struct name
#else
#define TAPIO_HDR(name) tapio_unaligned_##name
typedef struct ethhdr __attribute__((aligned(1))) tapio_unaligned_ethhdr;
typedef struct iphdr __attribute__((aligned(1))) tapio_unaligned_iphdr;
typedef struct ipv6hdr __attribute__((aligned(1))) tapio_unaligned_ipv6hdr;
typedef struct tcphdr __attribute__((aligned(1))) tapio_unaligned_tcphdr;
typedef struct udphdr __attribute__((aligned(1))) tapio_unaligned_udphdr;
typedef struct tapio_vlan_hdr __attribute__((aligned(1)))
tapio_unaligned_tapio_vlan_hdr;
typedef struct tapio_ipv6_opt_hdr __attribute__((aligned(1)))
tapio_unaligned_tapio_ipv6_opt_hdr;
typedef struct tapio_ipv6_frag_hdr __attribute__((aligned(1)))
tapio_unaligned_tapio_ipv6_frag_hdr;
#endif

struct tapio_parse_result {
	__u32 l4_payload_off; /* bytes of headers before the L4 payload */
	__u8 tcp_flags;
};

/* @dst is zeroed by the caller; only the ::ffff: marker and the address. */
static __always_inline void tapio_v4_mapped(__u8 *dst, __be32 addr)
{
	dst[10] = 0xff;
	dst[11] = 0xff;
	__builtin_memcpy(dst + 12, &addr, 4);
}

/*
 * Fill the transport part of the key.  @limit is the end of the IP payload
 * as the IP header states it; a header must end before both it and
 * data_end (the verifier only learns bounds from data_end).
 */
static __always_inline int tapio_parse_l4(void *cur, void *data_end,
					  void *limit, __u8 proto,
					  struct tapio_flow_key *key,
					  struct tapio_parse_result *res,
					  void *data)
{
	key->protocol = proto;

	switch (proto) {
	case IPPROTO_TCP: {
		TAPIO_HDR(tcphdr) *th = cur;
		__u32 doff;

		if ((void *)(th + 1) > data_end || (void *)(th + 1) > limit)
			return TAPIO_CNT_TRUNCATED_L4;
		key->src_port = tapio_ntohs(th->source);
		key->dst_port = tapio_ntohs(th->dest);
		res->tcp_flags = ((__u8 *)th)[13];
		doff = th->doff * 4;
		if (doff < sizeof(*th))
			doff = sizeof(*th);
		res->l4_payload_off = (__u32)(cur - data) + doff;
		return 0;
	}
	case IPPROTO_UDP: {
		TAPIO_HDR(udphdr) *uh = cur;

		if ((void *)(uh + 1) > data_end || (void *)(uh + 1) > limit)
			return TAPIO_CNT_TRUNCATED_L4;
		key->src_port = tapio_ntohs(uh->source);
		key->dst_port = tapio_ntohs(uh->dest);
		res->l4_payload_off = (__u32)(cur - data) + sizeof(*uh);
		return 0;
	}
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6: {
		/* type, code and checksum are common to both */
		__u8 *ih = cur;

		if (cur + 4 > data_end || cur + 4 > limit)
			return TAPIO_CNT_TRUNCATED_L4;
		key->src_port = ih[0];
		key->dst_port = ih[1];
		res->l4_payload_off = (__u32)(cur - data) + 4;
		return 0;
	}
	default:
		res->l4_payload_off = (__u32)(cur - data);
		return 0;
	}
}

static __always_inline int tapio_parse_ipv4(void *cur, void *data_end,
					    void *frame_end,
					    struct tapio_flow_key *key,
					    struct tapio_parse_result *res,
					    void *data)
{
	TAPIO_HDR(iphdr) *iph = cur;
	__u32 hlen, tot_len;
	void *ip_end;
	__u16 frag;

	if ((void *)(iph + 1) > data_end)
		return TAPIO_CNT_TRUNCATED_IPV4;
	if (iph->version != 4 || iph->ihl < 5)
		return TAPIO_CNT_BAD_IPV4_HEADER;
	hlen = iph->ihl * 4;
	if (cur + hlen > data_end)
		return TAPIO_CNT_TRUNCATED_IPV4;
	tot_len = tapio_ntohs(iph->tot_len);
	ip_end = cur + tot_len;
	/* IPv4 BIG TCP (Linux 6.3+): a GSO packet longer than 64 KiB says
	 * 0 and runs to the end of the frame, as the kernel's iph_totlen() */
	if (!tot_len && cur + 0xffff < frame_end)
		ip_end = frame_end;
	else if (tot_len < hlen || ip_end > frame_end)
		return TAPIO_CNT_BAD_IPV4_LENGTH;

	key->ip_version = 4;
	tapio_v4_mapped(key->src_addr, iph->saddr);
	tapio_v4_mapped(key->dst_addr, iph->daddr);

	frag = tapio_ntohs(iph->frag_off);
	if (frag & 0x1fff) {
		/* Later fragments carry no L4 header: ports 0, flagged. */
		key->protocol = iph->protocol;
		key->flags |= TAPIO_FLOW_F_FRAGMENT;
		res->l4_payload_off = (__u32)(cur - data) + hlen;
		return 0;
	}
	return tapio_parse_l4(cur + hlen, data_end, ip_end, iph->protocol, key,
			      res, data);
}

static __always_inline int tapio_ipv6_is_ext(__u8 nh)
{
	return nh == IPPROTO_HOPOPTS || nh == IPPROTO_ROUTING ||
	       nh == IPPROTO_DSTOPTS || nh == IPPROTO_FRAGMENT ||
	       nh == IPPROTO_AH || nh == IPPROTO_MH;
}

static __always_inline int tapio_parse_ipv6(void *cur, void *data_end,
					    void *frame_end,
					    struct tapio_flow_key *key,
					    struct tapio_parse_result *res,
					    void *data)
{
	TAPIO_HDR(ipv6hdr) *ip6h = cur;
	void *limit;
	__u32 plen;
	__u8 nh;
	int i;

	if ((void *)(ip6h + 1) > data_end)
		return TAPIO_CNT_TRUNCATED_IPV6;
	if (ip6h->version != 6)
		return TAPIO_CNT_BAD_IPV6_HEADER;
	plen = tapio_ntohs(ip6h->payload_len);
	/* payload_len 0 is a jumbogram (or a bug): take the frame's end */
	limit = plen ? (void *)(ip6h + 1) + plen : frame_end;
	if (limit > frame_end)
		return TAPIO_CNT_BAD_IPV6_LENGTH;

	key->ip_version = 6;
	__builtin_memcpy(key->src_addr, &ip6h->saddr, 16);
	__builtin_memcpy(key->dst_addr, &ip6h->daddr, 16);
	nh = ip6h->nexthdr;
	cur = ip6h + 1;

#ifdef __bpf__
#pragma unroll
#endif
	for (i = 0; i < TAPIO_IPV6_MAX_EXT; i++) {
		TAPIO_HDR(tapio_ipv6_opt_hdr) *oh = cur;
		__u32 len;

		if (!tapio_ipv6_is_ext(nh))
			return tapio_parse_l4(cur, data_end, limit, nh, key,
					      res, data);
		if (nh == IPPROTO_FRAGMENT) {
			TAPIO_HDR(tapio_ipv6_frag_hdr) *fh = cur;

			if ((void *)(fh + 1) > data_end)
				return TAPIO_CNT_TRUNCATED_IPV6_EXT;
			if (tapio_ntohs(fh->frag_off) & 0xfff8) {
				key->protocol = fh->nexthdr;
				key->flags |= TAPIO_FLOW_F_FRAGMENT;
				res->l4_payload_off =
					(__u32)((void *)(fh + 1) - data);
				return 0;
			}
			nh = fh->nexthdr;
			cur = fh + 1;
			continue;
		}
		if ((void *)(oh + 1) > data_end)
			return TAPIO_CNT_TRUNCATED_IPV6_EXT;
		if (nh == IPPROTO_AH)
			len = ((__u32)oh->hdrlen + 2) * 4;
		else
			len = ((__u32)oh->hdrlen + 1) * 8;
		nh = oh->nexthdr;
		cur += len;
		if (cur > data_end)
			return TAPIO_CNT_TRUNCATED_IPV6_EXT;
	}
	if (tapio_ipv6_is_ext(nh))
		return TAPIO_CNT_IPV6_EXT_LIMIT;
	return tapio_parse_l4(cur, data_end, limit, nh, key, res, data);
}

/*
 * Parse one frame into @key (which the caller zeroed and in which it set
 * ifindex and direction): an Ethernet frame, or with @raw_ip (in BPF
 * `tapio_link_raw_ip`, rodata set before load) one that starts at the IP
 * header.  @frame_len is the frame's true length,
 * which can exceed data_end - data for a non-linear skb.  A VLAN tag that
 * the device moved out of the frame (TC: skb->vlan_tci) is passed as
 * @hw_vlan_present/@hw_vlan_id and becomes the outer tag.
 *
 * Returns 0 when the key describes an IP flow, otherwise the counter id
 * (TAPIO_CNT_NON_IP_PKTS or a TAPIO_CNT_PARSE_* reason) to charge.
 */
static __always_inline int
tapio_parse_link(int raw_ip, void *data, void *data_end, __u32 frame_len,
		 int hw_vlan_present, __u16 hw_vlan_id,
		 struct tapio_flow_key *key, struct tapio_parse_result *res)
{
	TAPIO_HDR(ethhdr) *eth = data;
	void *frame_end = data + frame_len;
	void *cur = eth + 1;
	__u16 proto;
	int ntags = 0, i;

	res->tcp_flags = 0;
	res->l4_payload_off = 0;
	/* A link without Ethernet (tun, WireGuard, ipip, GRE): the frame
	 * starts at the IP header, whose version nibble says which.  Only
	 * the start differs, so the IP parsers below are shared: inlined
	 * twice, they took tapio_tc past the verifier's budget. */
	if (raw_ip) {
		__u8 *ver = data;

		if ((void *)(ver + 1) > data_end)
			return TAPIO_CNT_TRUNCATED_IPV4;
		proto = (*ver >> 4) == 4   ? ETH_P_IP
			: (*ver >> 4) == 6 ? ETH_P_IPV6
					   : 0;
		cur = data;
		goto l3;
	}
	if ((void *)(eth + 1) > data_end)
		return TAPIO_CNT_TRUNCATED_L2;
	proto = tapio_ntohs(eth->h_proto);
	if (hw_vlan_present) {
		key->vlan_outer = hw_vlan_id & 0x0fff;
		ntags = 1;
	}

#ifdef __bpf__
#pragma unroll
#endif
	for (i = 0; i < TAPIO_MAX_VLAN_TAGS; i++) {
		TAPIO_HDR(tapio_vlan_hdr) *vh = cur;

		if (proto != ETH_P_8021Q && proto != ETH_P_8021AD)
			break;
		if (ntags >= TAPIO_MAX_VLAN_TAGS)
			return TAPIO_CNT_VLAN_DEPTH;
		if ((void *)(vh + 1) > data_end)
			return TAPIO_CNT_TRUNCATED_VLAN;
		if (ntags == 0)
			key->vlan_outer = tapio_ntohs(vh->tci) & 0x0fff;
		else
			key->vlan_inner = tapio_ntohs(vh->tci) & 0x0fff;
		ntags++;
		proto = tapio_ntohs(vh->encap_proto);
		cur = vh + 1;
	}
	if (proto == ETH_P_8021Q || proto == ETH_P_8021AD)
		return TAPIO_CNT_VLAN_DEPTH;
l3:
	if (proto == ETH_P_IP)
		return tapio_parse_ipv4(cur, data_end, frame_end, key, res,
					data);
	if (proto == ETH_P_IPV6)
		return tapio_parse_ipv6(cur, data_end, frame_end, key, res,
					data);
	return TAPIO_CNT_NON_IP_PKTS;
}

/* An Ethernet frame (the parser's original entry; tests and tools). */
static __always_inline int
tapio_parse_frame(void *data, void *data_end, __u32 frame_len,
		  int hw_vlan_present, __u16 hw_vlan_id,
		  struct tapio_flow_key *key, struct tapio_parse_result *res)
{
	return tapio_parse_link(0, data, data_end, frame_len, hw_vlan_present,
				hw_vlan_id, key, res);
}

#endif /* TAPIO_FLOW_PARSE_H */
