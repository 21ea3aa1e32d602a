// SPDX-License-Identifier: GPL-2.0
/* The frame cases: well-formed frames of each kind the parser keys, and one
 * frame per malformation reason, each with the exact answer expected. */
#include <string.h>
#include <netinet/in.h>

#include "tapio/counters.h"
#include "tapio/flow.h"
#include "flow_parse.h"
#include "frame_cases.h"

#define V4 .ipver = 4, .src = "10.1.1.1", .dst = "10.1.1.2"
#define V6 .ipver = 6, .src = "2001:db8::1", .dst = "2001:db8::2"

static void ihl_too_small(uint8_t *f, const struct fb_layout *l, size_t *len)
{
	(void)len;
	f[l->l3_off] = 0x44;
}

static void ipv4_len_past_frame(uint8_t *f, const struct fb_layout *l,
				size_t *len)
{
	(void)len;
	f[l->l3_off + 2] = 0x05;
}

static void cut_in_ipv4(uint8_t *f, const struct fb_layout *l, size_t *len)
{
	(void)f;
	*len = l->l3_off + 10;
}

/* IP and frame both end 4 bytes into the L4 header */
static void udp_cut(uint8_t *f, const struct fb_layout *l, size_t *len)
{
	f[l->l3_off + 2] = 0;
	f[l->l3_off + 3] = 24;
	*len = l->l3_off + 24;
}

static void tcp_cut(uint8_t *f, const struct fb_layout *l, size_t *len)
{
	f[l->l3_off + 2] = 0;
	f[l->l3_off + 3] = 30;
	*len = l->l3_off + 30;
}

static void ipv6_len_past_frame(uint8_t *f, const struct fb_layout *l,
				size_t *len)
{
	(void)len;
	f[l->l3_off + 4] = 0x10;
}

static void ipv6_version_4(uint8_t *f, const struct fb_layout *l, size_t *len)
{
	(void)len;
	f[l->l3_off] = 0x40;
}

static void cut_in_ipv6(uint8_t *f, const struct fb_layout *l, size_t *len)
{
	(void)f;
	*len = l->l3_off + 20;
}

/* payload length says 4 bytes, so the fixed header is consistent and the
 * first extension header is what is cut */
static void ipv6_ext_cut(uint8_t *f, const struct fb_layout *l, size_t *len)
{
	f[l->l3_off + 4] = 0;
	f[l->l3_off + 5] = 4;
	*len = l->l3_off + 40 + 4;
}

/* 16 bytes whose EtherType says VLAN: the tag ends past the frame */
static void vlan_cut(uint8_t *f, const struct fb_layout *l, size_t *len)
{
	(void)l;
	memset(f, 0, 16);
	f[12] = 0x81;
	*len = 16;
}

/* a third 802.1Q tag in front of the two built ones */
static void third_tag(uint8_t *f, const struct fb_layout *l, size_t *len)
{
	memmove(f + 16, f + 12, l->len - 12);
	f[12] = 0x81, f[13] = 0x00, f[14] = 0, f[15] = 5;
	*len = l->len + 4;
}

static void arp(uint8_t *f, const struct fb_layout *l, size_t *len)
{
	(void)l;
	(void)len;
	f[12] = 0x08, f[13] = 0x06;
}

static void cut_in_ethernet(uint8_t *f, const struct fb_layout *l, size_t *len)
{
	(void)f;
	(void)l;
	*len = 13;
}

#define EXT4                                                                   \
	{                                                                      \
		IPPROTO_HOPOPTS, IPPROTO_ROUTING, IPPROTO_AH, IPPROTO_DSTOPTS  \
	}
#define DSTOPTS_X(n) .ext = {[0 ...(n) - 1] = IPPROTO_DSTOPTS}, .next = (n)

const struct frame_case frame_cases[] = {
	/* flows */
	{.name = "udp4",
	 .spec = {V4, .proto = IPPROTO_UDP, .sport = 4000, .dport = 9000,
		  .payload = 22},
	 .key = {.protocol = IPPROTO_UDP,
		 .sport = 4000,
		 .dport = 9000,
		 .l4_payload_off = 42},
	 .len = 64},
	{.name = "udp6",
	 .spec = {V6, .proto = IPPROTO_UDP, .sport = 5353, .dport = 53,
		  .payload = 100},
	 .key = {.protocol = IPPROTO_UDP,
		 .sport = 5353,
		 .dport = 53,
		 .l4_payload_off = 62},
	 .len = 14 + 40 + 8 + 100},
	{.name = "tcp4 syn",
	 .spec = {V4, .proto = IPPROTO_TCP, .sport = 40000, .dport = 443,
		  .tcp_flags = 0x02},
	 .key = {.protocol = IPPROTO_TCP,
		 .sport = 40000,
		 .dport = 443,
		 .tcp_flags = 0x02},
	 .len = 54},
	{.name = "tcp6 behind hop-by-hop, routing, AH, destination options",
	 .spec = {V6, .proto = IPPROTO_TCP, .sport = 22, .dport = 60000,
		  .tcp_flags = 0x12, .payload = 10, .ext = EXT4, .next = 4},
	 .key = {.protocol = IPPROTO_TCP,
		 .sport = 22,
		 .dport = 60000,
		 .tcp_flags = 0x12,
		 .l4_payload_off = 14 + 40 + 8 + 8 + 12 + 8 + 20},
	 .len = 14 + 40 + 36 + 20 + 10},
	{.name = "icmp4 echo",
	 .spec = {V4, .proto = IPPROTO_ICMP, .sport = 8, .payload = 56},
	 .key = {.protocol = IPPROTO_ICMP, .sport = 8, .dport = 0},
	 .len = 98},
	{.name = "icmp6 neighbour solicitation",
	 .spec = {V6, .proto = IPPROTO_ICMPV6, .sport = 135, .payload = 56},
	 .key = {.protocol = IPPROTO_ICMPV6, .sport = 135, .dport = 0},
	 .len = 14 + 40 + 8 + 56},
	{.name = "one 802.1Q tag",
	 .spec = {V4, .proto = IPPROTO_UDP, .sport = 1, .dport = 2,
		  .payload = 30, .vlan = {100}, .nvlan = 1},
	 .key = {.protocol = IPPROTO_UDP,
		 .sport = 1,
		 .dport = 2,
		 .vlan_outer = 100},
	 .len = 18 + 20 + 8 + 30},
	{.name = "QinQ",
	 .spec = {V4, .proto = IPPROTO_UDP, .sport = 1, .dport = 2,
		  .payload = 30, .vlan = {200, 300}, .nvlan = 2,
		  .outer_tpid = 0x88a8},
	 .key = {.protocol = IPPROTO_UDP,
		 .sport = 1,
		 .dport = 2,
		 .vlan_outer = 200,
		 .vlan_inner = 300},
	 .len = 22 + 20 + 8 + 30},
	{.name = "ipv4 options",
	 .spec = {V4, .proto = IPPROTO_UDP, .sport = 7, .dport = 8,
		  .payload = 10, .ipv4_opt_len = 12},
	 .key = {.protocol = IPPROTO_UDP,
		 .sport = 7,
		 .dport = 8,
		 .l4_payload_off = 14 + 32 + 8},
	 .len = 14 + 32 + 8 + 10},
	{.name = "ipv6 extension chain at the limit",
	 .spec = {V6, .proto = IPPROTO_UDP, .payload = 4,
		  DSTOPTS_X(TAPIO_IPV6_MAX_EXT)},
	 .key = {.protocol = IPPROTO_UDP},
	 .len = 14 + 40 + 8 * TAPIO_IPV6_MAX_EXT + 8 + 4},
	{.name = "ipv4 first fragment",
	 .spec = {V4, .proto = IPPROTO_UDP, .sport = 5, .dport = 6,
		  .payload = 100, .more_frags = 1},
	 .key = {.protocol = IPPROTO_UDP, .sport = 5, .dport = 6},
	 .len = 14 + 20 + 8 + 100},
	{.name = "ipv4 later fragment",
	 .spec = {V4, .proto = IPPROTO_UDP, .sport = 5, .dport = 6,
		  .payload = 100, .frag_offset = 14},
	 .key = {.protocol = IPPROTO_UDP, .flags = TAPIO_FLOW_F_FRAGMENT},
	 .len = 14 + 20 + 100},
	{.name = "ipv6 later fragment",
	 .spec = {V6, .proto = IPPROTO_UDP, .sport = 5, .dport = 6,
		  .payload = 100, .frag_offset = 14},
	 .key = {.protocol = IPPROTO_UDP, .flags = TAPIO_FLOW_F_FRAGMENT},
	 .len = 14 + 40 + 8 + 100},
	/* counted by reason, passed on */
	{.name = "ipv4 IHL < 5",
	 .spec = {V4, .proto = IPPROTO_UDP, .payload = 40},
	 .mutate = ihl_too_small,
	 .reason = TAPIO_CNT_BAD_IPV4_HEADER,
	 .len = 82},
	{.name = "ipv4 total length past the frame",
	 .spec = {V4, .proto = IPPROTO_UDP, .payload = 40},
	 .mutate = ipv4_len_past_frame,
	 .reason = TAPIO_CNT_BAD_IPV4_LENGTH,
	 .len = 82},
	{.name = "frame ends inside the ipv4 header",
	 .spec = {V4, .proto = IPPROTO_UDP, .payload = 40},
	 .mutate = cut_in_ipv4,
	 .reason = TAPIO_CNT_TRUNCATED_IPV4,
	 .len = 24,
	 .skb_refused = true},
	{.name = "udp header cut",
	 .spec = {V4, .proto = IPPROTO_UDP, .payload = 40},
	 .mutate = udp_cut,
	 .reason = TAPIO_CNT_TRUNCATED_L4,
	 .len = 38},
	{.name = "tcp header cut",
	 .spec = {V4, .proto = IPPROTO_TCP},
	 .mutate = tcp_cut,
	 .reason = TAPIO_CNT_TRUNCATED_L4,
	 .len = 44},
	{.name = "ipv6 payload length past the frame",
	 .spec = {V6, .proto = IPPROTO_UDP, .payload = 40},
	 .mutate = ipv6_len_past_frame,
	 .reason = TAPIO_CNT_BAD_IPV6_LENGTH,
	 .len = 102},
	{.name = "ipv6 version 4",
	 .spec = {V6, .proto = IPPROTO_UDP, .payload = 40},
	 .mutate = ipv6_version_4,
	 .reason = TAPIO_CNT_BAD_IPV6_HEADER,
	 .len = 102},
	{.name = "frame ends inside the ipv6 header",
	 .spec = {V6, .proto = IPPROTO_UDP, .payload = 40},
	 .mutate = cut_in_ipv6,
	 .reason = TAPIO_CNT_TRUNCATED_IPV6,
	 .len = 34,
	 .skb_refused = true},
	{.name = "ipv6 extension chain one past the limit",
	 .spec = {V6, .proto = IPPROTO_UDP, .payload = 4,
		  DSTOPTS_X(TAPIO_IPV6_MAX_EXT + 1)},
	 .reason = TAPIO_CNT_IPV6_EXT_LIMIT,
	 .len = 14 + 40 + 8 * (TAPIO_IPV6_MAX_EXT + 1) + 8 + 4},
	{.name = "ipv6 extension header cut",
	 .spec = {V6, .proto = IPPROTO_UDP, .payload = 4, DSTOPTS_X(2)},
	 .mutate = ipv6_ext_cut,
	 .reason = TAPIO_CNT_TRUNCATED_IPV6_EXT,
	 .len = 58},
	{.name = "802.1Q tag cut",
	 .spec = {.ipver = 0},
	 .mutate = vlan_cut,
	 .reason = TAPIO_CNT_TRUNCATED_VLAN,
	 .len = 16},
	{.name = "three VLAN tags",
	 .spec = {V4, .proto = IPPROTO_UDP, .payload = 30, .vlan = {200, 300},
		  .nvlan = 2, .outer_tpid = 0x88a8},
	 .mutate = third_tag,
	 .reason = TAPIO_CNT_VLAN_DEPTH,
	 .len = 26 + 20 + 8 + 30},
	{.name = "ARP",
	 .spec = {.ipver = 0},
	 .mutate = arp,
	 .reason = TAPIO_CNT_NON_IP_PKTS,
	 .len = 60},
	/* the kernel refuses frames this short before any program runs */
	{.name = "13 bytes",
	 .spec = {.ipver = 0},
	 .mutate = cut_in_ethernet,
	 .reason = TAPIO_CNT_TRUNCATED_L2,
	 .len = 13},
};

const size_t frame_ncases = sizeof(frame_cases) / sizeof(frame_cases[0]);

size_t frame_case_build(const struct frame_case *c, uint8_t *buf, size_t cap)
{
	struct fb_layout l = {.len = 60};
	size_t len = 60;

	if (c->spec.ipver) {
		len = fb_build(&c->spec, buf, cap, &l);
		if (!len)
			return 0;
	} else {
		if (cap < 60)
			return 0;
		memset(buf, 0, 60);
	}
	if (c->mutate)
		c->mutate(buf, &l, &len);
	return len;
}
