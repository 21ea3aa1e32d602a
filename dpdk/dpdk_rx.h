/* SPDX-License-Identifier: GPL-2.0 */
/* One DPDK receive burst into a worker's private flow cache, merged into the
 * shared table in batches; free of DPDK headers (their netinet/ip.h and the
 * parser's linux/ip.h cannot meet in one file).  For the source and bench. */
#ifndef TAPIO_DPDK_RX_H
#define TAPIO_DPDK_RX_H

#include <stdatomic.h>
#include <linux/types.h>

#include "lib/flow_table.h"
#include "tapio/counters.h"

#define TAPIO_DPDK_BURST 32
#define TAPIO_DPDK_PARSE_REASONS                                               \
	(TAPIO_CNT_PARSE_LAST - TAPIO_CNT_PARSE_FIRST + 1)
/* flows a worker holds between merges: 65536 slots of 88 bytes, 5.5 MiB,
 * merged at half full or every flush interval, whichever comes first */
#define TAPIO_DPDK_CACHE_BITS  16
#define TAPIO_DPDK_CACHE_SLOTS (1u << TAPIO_DPDK_CACHE_BITS)

/* A queue's counts: written by its one worker, read by the run loop. */
struct tapio_dpdk_counts {
	_Atomic __u64 packets, bytes;
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
 * A worker's flows since its last merge: open addressing, no lock (one
 * writer), so that a frame of a known flow costs a hash and a compare, not
 * the shared table's lock.  The shared table sees a flow at most one flush
 * interval late; the run's account counts at the end, after the last merge.
 */
struct tapio_dpdk_cache {
	struct tapio_flow_table *t;
	struct tapio_flow_rec *slot; /* val.packets 0: empty */
	__u32 *used;		     /* slots in use, for the merge */
	__u32 nused, mask;
	__u64 merged_ns; /* CLOCK_MONOTONIC of the last merge */
	/* a flow the table refused at its bound, with its packets */
	void (*refused)(const struct tapio_flow_key *,
			const struct tapio_flow_value *, void *);
	void *ctx;
};

int tapio_dpdk_cache_init(struct tapio_dpdk_cache *c,
			  struct tapio_flow_table *t,
			  void (*refused)(const struct tapio_flow_key *,
					  const struct tapio_flow_value *,
					  void *),
			  void *ctx);
/* Every cached flow into the table, the cache emptied. */
void tapio_dpdk_cache_merge(struct tapio_dpdk_cache *c, __u64 now);
void tapio_dpdk_cache_free(struct tapio_dpdk_cache *c);

static inline __u64 tapio_dpdk_read(const _Atomic __u64 *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

/*
 * Parse and account @n frames as ingress of @ifindex into @c.  The bytes
 * are the whole frame; the headers are parsed in the first segment, as XDP
 * parses the linear part of a multi-buffer frame.  @k's total is stored
 * last, with release: a reader that acquires it sees its parts too.
 */
void tapio_dpdk_rx_frames(struct tapio_dpdk_cache *c, __u32 ifindex,
			  const struct tapio_dpdk_frame *f, unsigned int n,
			  __u64 now, struct tapio_dpdk_counts *k);

#endif /* TAPIO_DPDK_RX_H */
