/* SPDX-License-Identifier: GPL-2.0 */
/* Run-time settings the data-plane programs read on every packet, written
 * by userspace into the one-element tapio_config array. */
#ifndef TAPIO_CONFIG_H
#define TAPIO_CONFIG_H

#include <linux/types.h>

/* Which received frames `tapio capture` copies; every set field must
 * match (src or dst for address and port). */
struct tapio_capture_filter {
	__u8 addr[16];	 /* IPv6, or IPv4-mapped */
	__u8 prefix_len; /* bits of addr to match, 0: any address */
	__u8 proto;	 /* IPPROTO_*, 0: any */
	__u16 port;	 /* 0: any */
	__u8 ip_only;	 /* non-IP frames never match */
	__u8 pad[3];
};

/* Which received frames go to the AF_XDP pollers instead of the kernel
 * flow map.  Such frames leave the host stack: for traffic the host does
 * not need (mirror ports), chosen explicitly. */
/* Receive queues an AF_XDP socket can be bound to (the XSKMAP's size). */
#define TAPIO_XSK_MAX_QUEUES 64

enum tapio_xsk_mode {
	TAPIO_XSK_OFF = 0,
	TAPIO_XSK_ALL = 1,
	TAPIO_XSK_SAMPLE = 2,
	TAPIO_XSK_FILTER = 3,
};

struct tapio_config {
	/* Which flow map the programs write: 0 tapio_flows, 1
	 * tapio_flows_alt.  The drainer flips it, waits for programs still
	 * using the old map to finish, then empties that map. */
	__u32 flow_gen;
	__u32 capture;	/* 1: copy matching received frames to tapio_capture */
	__u32 snaplen;	/* bytes copied per frame, <= TAPIO_CAPTURE_MAX */
	__u32 xsk_mode; /* enum tapio_xsk_mode */
	struct tapio_capture_filter filter;
	__u32 xsk_sample_n; /* TAPIO_XSK_SAMPLE: one frame in N */
	/* 1 while a collector reads tapio_spill: a flow that finds its map
	 * generation full goes there instead of to overflow */
	__u32 spill;
	struct tapio_capture_filter xsk_filter; /* TAPIO_XSK_FILTER */
	/* Entries each generation got since it was last emptied: programs
	 * add, the drainer zeroes a generation it has emptied.  Written per
	 * new flow, so on a cache line of its own, away from the fields
	 * above that every packet reads. */
	__u64 gen_flows[2] __attribute__((aligned(64)));
	/* Drain on demand: the program whose new flow makes the generation it
	 * writes hold drain_at entries asks the collector, through
	 * tapio_spill, to drain now rather than at the interval (0: never;
	 * set only while a collector reads the ring). */
	__u32 drain_at;
	__u32 drain_asked[2]; /* per generation: asked, not drained yet */
	/* 1: tapio_tc records the socket behind each local flow in
	 * tapio_owners (a collector with attribution on reads it) */
	__u32 owners;
	/* The ifindex the flows' keys carry, 0: the packet's.  A collector
	 * numbers the links of other network namespaces itself: theirs
	 * repeat from one namespace to the next (every pod's eth0 is 2). */
	__u32 flow_ifindex;
	/* Flow filters (tapio/flow_filter.h): slots of tapio_filters in use
	 * (0: none, the programs look at nothing), and whether one of them
	 * is an include rule.  Written by the collector after the slots. */
	__u32 filters;
	__u32 filter_include;
	/* Flow packet sampling: one IP frame in N at random is accounted,
	 * counting as N (0, 1: every frame); TCP frames with SYN, FIN or RST
	 * are always accounted, as 1 (counters.h: SAMPLED_*) */
	__u32 flow_sample_n;
};

#endif /* TAPIO_CONFIG_H */
