// SPDX-License-Identifier: GPL-2.0
/* The private flow cache's memory and its merge into the shared table; the
 * per-frame part is inline in flow_cache.h. */
#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "lib/flow_cache.h"

#define MERGE_BATCH 256
#define HUGE_PAGE   (2ul << 20)

int tapio_flow_cache_init(struct tapio_flow_cache *c, unsigned int bits,
			  struct tapio_flow_table *t,
			  void (*refused)(const struct tapio_flow_key *,
					  const struct tapio_flow_value *,
					  void *),
			  void *ctx)
{
	size_t slots = (size_t)1 << bits,
	       bytes = (slots * sizeof(*c->slot) + HUGE_PAGE - 1) / HUGE_PAGE *
		       HUGE_PAGE;

	memset(c, 0, sizeof(*c));
	if (bits < 4 || bits > 24)
		return -EINVAL;
	/* touched at random: in 2 MiB pages where THP allows (madvise mode
	 * too), else a TLB miss per frame, dear in a VM; first touched by
	 * the thread that writes it, so on its NUMA node */
	c->slot = aligned_alloc(HUGE_PAGE, bytes);
	if (c->slot) {
		madvise(c->slot, bytes, MADV_HUGEPAGE);
		memset(c->slot, 0, bytes);
	}
	c->used = calloc(slots / 2, sizeof(*c->used));
	if (!c->slot || !c->used) {
		tapio_flow_cache_free(c);
		return -ENOMEM;
	}
	c->bits = bits;
	c->mask = (__u32)slots - 1;
	c->t = t;
	c->refused = refused;
	c->ctx = ctx;
	return 0;
}

void tapio_flow_cache_free(struct tapio_flow_cache *c)
{
	free(c->slot);
	free(c->used);
	c->slot = NULL;
	c->used = NULL;
}

void tapio_flow_cache_merge(struct tapio_flow_cache *c, __u64 now)
{
	struct tapio_flow_key keys[MERGE_BATCH];
	struct tapio_flow_value vals[MERGE_BATCH];
	__u32 i = 0, n;

	while (i < c->nused) {
		for (n = 0; n < MERGE_BATCH && i < c->nused; n++, i++) {
			struct tapio_flow_rec *r = &c->slot[c->used[i]];

			keys[n] = r->key;
			vals[n] = r->val;
			r->val.packets = 0;
		}
		tapio_flow_table_add_batch(c->t, keys, vals, n, c->refused,
					   c->ctx);
	}
	c->nused = 0;
	c->merged_ns = now;
}
