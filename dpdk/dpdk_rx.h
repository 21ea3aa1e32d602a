/* SPDX-License-Identifier: GPL-2.0 */
/* One DPDK receive burst into a worker's private flow cache (lib/flow_cache),
 * free of DPDK headers: theirs bring netinet/ip.h, which the parser's
 * linux/ip.h cannot meet in one file.  For the source and the bench. */
#ifndef TAPIO_DPDK_RX_H
#define TAPIO_DPDK_RX_H

#include <linux/types.h>

#include "lib/flow_cache.h"
#include "lib/own_counter.h"
#include "tapio/counters.h"

#define TAPIO_DPDK_BURST 32
#define TAPIO_DPDK_PARSE_REASONS                                               \
	(TAPIO_CNT_PARSE_LAST - TAPIO_CNT_PARSE_FIRST + 1)
/* flows a worker holds between merges: 65536 slots of 88 bytes, 5.5 MiB,
 * merged at half full or every merge period, whichever comes first */
#define TAPIO_DPDK_CACHE_BITS 16

/* A queue's counts: written by its one worker, read by the run loop. */
struct tapio_dpdk_counts {
	_Atomic __u64 packets;
	_Atomic __u64 non_ip; /* not IP: nothing to key */
	_Atomic __u64 parse[TAPIO_DPDK_PARSE_REASONS];
} __attribute__((aligned(64)));

/* What the parser needs of one mbuf. */
struct tapio_dpdk_frame {
	const void *data;	 /* the first segment */
	__u32 data_len, pkt_len; /* that segment; the whole frame */
	__u16 vlan_tci;		 /* a tag the NIC stripped, if ... */
	__u8 vlan_stripped;	 /* ... this says so */
};

/*
 * Parse and account @n frames as ingress of @ifindex into @c.  The bytes
 * are the whole frame; the headers are parsed in the first segment, as XDP
 * parses the linear part of a multi-buffer frame.  Any @n; worked a burst
 * of TAPIO_DPDK_BURST at a time.  @k's total is stored last, with
 * release: a reader that acquires it sees its parts too.
 */
void tapio_dpdk_rx_frames(struct tapio_flow_cache *c, __u32 ifindex,
			  const struct tapio_dpdk_frame *f, unsigned int n,
			  __u64 now, struct tapio_dpdk_counts *k);

#endif /* TAPIO_DPDK_RX_H */
