/* SPDX-License-Identifier: GPL-2.0 */
/* A receive thread's private flow cache in front of the shared table: no
 * lock per frame, merged into the table in batches (DPDK workers, pollers). */
#ifndef TAPIO_FLOW_CACHE_H
#define TAPIO_FLOW_CACHE_H

#include <stdbool.h>
#include <string.h>
#include <linux/types.h>

#include "lib/flow_table.h"

/*
 * A thread's flows since its last merge: open addressing, one writer, so
 * that a frame of a known flow costs a hash and a compare instead of the
 * table's shard lock (~42 ns an update at 10k flows, far more in a table
 * of a million).  The table sees a flow at most one merge period late; a
 * run's account counts after the last merge, which the thread does before
 * it ends.  Merged at half full too, so that probes stay short.
 */
struct tapio_flow_cache {
	struct tapio_flow_rec *slot; /* val.packets 0: empty */
	__u32 *used;		     /* slots in use, for the merge */
	__u32 nused, mask, bits;
	__u64 merged_ns; /* CLOCK_MONOTONIC of the last merge */
	struct tapio_flow_table *t;
	/* a flow the table refused at its bound, with its packets; called
	 * on the merging (owning) thread */
	void (*refused)(const struct tapio_flow_key *,
			const struct tapio_flow_value *, void *);
	void *ctx;
};

/* 2^@bits slots of 88 bytes (16: 5.5 MiB). */
int tapio_flow_cache_init(struct tapio_flow_cache *c, unsigned int bits,
			  struct tapio_flow_table *t,
			  void (*refused)(const struct tapio_flow_key *,
					  const struct tapio_flow_value *,
					  void *),
			  void *ctx);
/* Every cached flow into the table, the cache emptied. */
void tapio_flow_cache_merge(struct tapio_flow_cache *c, __u64 now);
void tapio_flow_cache_free(struct tapio_flow_cache *c);

/*
 * The first slot to probe for @k.  Three independent multiplies, not the
 * table's six chained rounds (that hash was half a frame's cost), and the
 * top bits of their sum, as in Fibonacci hashing.  Read through memcpy:
 * read through a cast, strict aliasing let the compiler load the key
 * before the parser's stores to it, every key hashed alike and probes ran
 * thousands of slots long.  A key just written field by field stalls
 * these word loads (no store forwarding): a burst is better hashed in a
 * pass of its own after it is parsed.
 */
static inline __u32 tapio_flow_cache_slot(const struct tapio_flow_cache *c,
					  const struct tapio_flow_key *k)
{
	__u64 w[6], h;

	memcpy(w, k, sizeof(w));
	h = (w[0] ^ w[3]) * 0x9e3779b97f4a7c15ULL +
	    (w[1] ^ w[4]) * 0xc2b2ae3d27d4eb4fULL +
	    (w[2] ^ w[5]) * 0x165667b19e3779f9ULL;
	return (__u32)(h >> (64 - c->bits));
}

/* Ask for @slot's two cache lines (88 bytes: the key's and the value's). */
static inline void tapio_flow_cache_prefetch(const struct tapio_flow_cache *c,
					     __u32 slot)
{
	__builtin_prefetch(&c->slot[slot].key);
	__builtin_prefetch(&c->slot[slot].val.tcp_flags);
}

/* One frame of @len bytes of flow @key, probing from @slot. */
static inline void tapio_flow_cache_add_at(struct tapio_flow_cache *c,
					   const struct tapio_flow_key *key,
					   __u32 slot, __u32 len,
					   __u8 tcp_flags, __u64 now)
{
	struct tapio_flow_rec *r;

	for (;;) {
		r = &c->slot[slot];
		if (!r->val.packets) {
			r->key = *key;
			r->val = (struct tapio_flow_value){
				.packets = 1,
				.bytes = len,
				.first_seen_ns = now,
				.last_seen_ns = now,
				.tcp_flags = tcp_flags,
			};
			c->used[c->nused++] = slot;
			if (c->nused == (c->mask + 1) / 2)
				tapio_flow_cache_merge(c, now);
			return;
		}
		if (!memcmp(&r->key, key, sizeof(*key))) {
			r->val.packets++;
			r->val.bytes += len;
			r->val.tcp_flags |= tcp_flags;
			r->val.last_seen_ns = now;
			return;
		}
		slot = (slot + 1) & c->mask;
	}
}

static inline void tapio_flow_cache_add(struct tapio_flow_cache *c,
					const struct tapio_flow_key *key,
					__u32 len, __u8 tcp_flags, __u64 now)
{
	tapio_flow_cache_add_at(c, key, tapio_flow_cache_slot(c, key), len,
				tcp_flags, now);
}

#endif /* TAPIO_FLOW_CACHE_H */
