/* SPDX-License-Identifier: GPL-2.0 */
/* A packet's worth of a flow that found its kernel map generation full,
 * handed from tapio_xdp/tapio_tc to the collector through tapio_spill,
 * and the programs' request for an early drain on the same ring. */
#ifndef TAPIO_SPILL_H
#define TAPIO_SPILL_H

#include "tapio/flow.h"

/* Ring size: ~40,000 records of 96 bytes between two drains. */
#define TAPIO_SPILL_RING_BYTES (4u << 20)

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
