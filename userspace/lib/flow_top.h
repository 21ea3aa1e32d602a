/* SPDX-License-Identifier: GPL-2.0 */
/* The N largest flows of the table by bytes, picked in one pass with a
 * bounded min-heap: the top-N series of /metrics stay N however many flows. */
#ifndef TAPIO_FLOW_TOP_H
#define TAPIO_FLOW_TOP_H

#include "lib/flow_table.h"

struct tapio_flow_top {
	struct tapio_flow_rec *rec; /* a min-heap on bytes until sorted */
	unsigned int n, cap;
};

/* Room for @cap flows (0: keeps none). 0 or -ENOMEM. */
int tapio_flow_top_init(struct tapio_flow_top *t, unsigned int cap);
void tapio_flow_top_free(struct tapio_flow_top *t);
/* Start a new pass; keeps the memory (and @cap, unless @cap changes). */
int tapio_flow_top_reset(struct tapio_flow_top *t, unsigned int cap);
/* Offer one flow: kept if among the @cap largest so far. */
void tapio_flow_top_offer(struct tapio_flow_top *t,
			  const struct tapio_flow_rec *r);
/* Order rec[0..n) largest first (bytes, then packets); ends the pass. */
void tapio_flow_top_sort(struct tapio_flow_top *t);

#endif /* TAPIO_FLOW_TOP_H */
