/* SPDX-License-Identifier: GPL-2.0 */
/* A packet's worth of a flow that found its kernel map generation full,
 * handed from tapio_xdp/tapio_tc to the collector through tapio_spill,
 * and the programs' request for an early drain on the same ring. */
#ifndef TAPIO_SPILL_H
#define TAPIO_SPILL_H

#include "tapio/flow.h"

/* Ring size by default (`tapio run --spill-ring`): ~160,000 records of 104
 * bytes (header included) between two reads: a 5M burst of new flows at
 * ~430k/s lost none here, where 4 MB lost 0.6-7% (bench/churn.sh). */
#define TAPIO_SPILL_RING_MB_DEFAULT 16
#define TAPIO_SPILL_RING_BYTES	    (TAPIO_SPILL_RING_MB_DEFAULT << 20)

struct tapio_spill_rec {
	struct tapio_flow_key key;
	struct tapio_flow_value val;
};

/* The other record on the ring, told apart by its size: generation @gen
 * of the flow map reached tapio_config.drain_at entries. */
struct tapio_drain_req {
	__u32 gen;
	__u32 flows;
};

#endif /* TAPIO_SPILL_H */
