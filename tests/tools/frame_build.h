/* SPDX-License-Identifier: GPL-2.0 */
/* Builds exact Ethernet frames (VLAN, IPv4 options, IPv6 extension chains,
 * fragments, TCP/UDP/ICMP) for tests, the packet sender and benchmarks. */
#ifndef TAPIO_FRAME_BUILD_H
#define TAPIO_FRAME_BUILD_H

#include <stddef.h>
#include <stdint.h>

#define FB_MAX_EXT 16

struct fb_spec {
	int ipver;     /* 4 or 6 */
	uint8_t proto; /* IPPROTO_* of the L4 header */
	const char *src, *dst;
	uint16_t sport, dport; /* ICMP: type and code */
	uint8_t tcp_flags;
	uint16_t vlan[2]; /* VLAN ids, outermost first */
	int nvlan;
	uint16_t outer_tpid;	 /* 0: 0x8100; 0x88a8 for QinQ */
	size_t payload;		 /* L4 payload bytes */
	size_t ipv4_opt_len;	 /* IPv4 option bytes, multiple of 4 */
	uint8_t ext[FB_MAX_EXT]; /* IPv6 extension headers, in order */
	int next;
	uint16_t frag_offset; /* in 8-byte units */
	int more_frags;
	uint8_t src_mac[6], dst_mac[6];
};

/* Offsets of the headers inside the last built frame. */
struct fb_layout {
	size_t l3_off, l4_off, len;
};

/* Returns the frame length, or 0 if @cap is too small or a field is bad. */
size_t fb_build(const struct fb_spec *s, uint8_t *buf, size_t cap,
		struct fb_layout *layout);
/* Parse "aa:bb:cc:dd:ee:ff"; 0 or -1. */
int fb_parse_mac(const char *s, uint8_t mac[6]);

#endif /* TAPIO_FRAME_BUILD_H */
