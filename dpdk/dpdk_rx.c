// SPDX-License-Identifier: GPL-2.0
/* The per-frame work of the DPDK source, one call per burst: the shared
 * parser, a worker's private flow cache, counters with one writer each. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "flow_parse.h"
#include "dpdk/dpdk_rx.h"

#define MERGE_BATCH 256
#define HUGE_PAGE   (2u << 20)
/* rounded up to whole huge pages, as aligned_alloc wants */
#define SLOT_BYTES                                                             \
	((TAPIO_DPDK_CACHE_SLOTS * sizeof(struct tapio_flow_rec) + HUGE_PAGE - \
	  1) /                                                                 \
	 HUGE_PAGE * HUGE_PAGE)

/* One writer per counter: a relaxed load and store, no locked add. */
static inline void count(_Atomic __u64 *c, __u64 n)
{
	atomic_store_explicit(c,
			      atomic_load_explicit(c, memory_order_relaxed) + n,
			      memory_order_relaxed);
}

int tapio_dpdk_cache_init(struct tapio_dpdk_cache *c,
			  struct tapio_flow_table *t,
			  void (*refused)(const struct tapio_flow_key *,
					  const struct tapio_flow_value *,
					  void *),
			  void *ctx)
{
	memset(c, 0, sizeof(*c));
	/* 5.5 MiB touched at random: in 2 MiB pages where THP allows
	 * (madvise mode too), else a TLB miss per frame, dear in a VM.
	 * Pages are touched first by the worker that writes them: on its
	 * NUMA node. */
	c->slot = aligned_alloc(HUGE_PAGE, SLOT_BYTES);
	if (c->slot) {
		madvise(c->slot, SLOT_BYTES, MADV_HUGEPAGE);
		memset(c->slot, 0, SLOT_BYTES);
	}
	c->used = calloc(TAPIO_DPDK_CACHE_SLOTS / 2, sizeof(*c->used));
	if (!c->slot || !c->used) {
		tapio_dpdk_cache_free(c);
		return -ENOMEM;
	}
	c->mask = TAPIO_DPDK_CACHE_SLOTS - 1;
	c->t = t;
	c->refused = refused;
	c->ctx = ctx;
	return 0;
}

void tapio_dpdk_cache_free(struct tapio_dpdk_cache *c)
{
	free(c->slot);
	free(c->used);
	c->slot = NULL;
	c->used = NULL;
}

void tapio_dpdk_cache_merge(struct tapio_dpdk_cache *c, __u64 now)
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

static inline bool key_eq(const struct tapio_flow_key *a,
			  const struct tapio_flow_key *b)
{
	return !memcmp(a, b, sizeof(*a)); /* 48 bytes: inlined compares */
}

/* Three independent multiplies instead of the table's six chained rounds
 * (that hash was half the cost of a frame in the bench): a cache slot needs
 * a spread of the key's words, not a hash that stands up to chosen keys.
 * The slot is the top bits of the sum, as in Fibonacci hashing: the low
 * bits of products of keys that differ in one field are too regular. */
static inline __u32 cache_hash(const struct tapio_flow_key *k)
{
	__u64 w[6], h;

	memcpy(w, k, sizeof(w)); /* not through a cast: strict aliasing */
	h = (w[0] ^ w[3]) * 0x9e3779b97f4a7c15ULL +
	    (w[1] ^ w[4]) * 0xc2b2ae3d27d4eb4fULL +
	    (w[2] ^ w[5]) * 0x165667b19e3779f9ULL;

	return (__u32)(h >> (64 - TAPIO_DPDK_CACHE_BITS));
}

static inline void cache_add(struct tapio_dpdk_cache *c,
			     const struct tapio_flow_key *key, __u32 i,
			     __u32 len, __u8 tcp_flags, __u64 now)
{
	struct tapio_flow_rec *r;

	for (;;) {
		r = &c->slot[i];
		if (!r->val.packets) {
			r->key = *key;
			r->val = (struct tapio_flow_value){
				.packets = 1,
				.bytes = len,
				.first_seen_ns = now,
				.last_seen_ns = now,
				.tcp_flags = tcp_flags,
			};
			c->used[c->nused++] = i;
			/* at half full: probes stay short */
			if (c->nused == TAPIO_DPDK_CACHE_SLOTS / 2)
				tapio_dpdk_cache_merge(c, now);
			return;
		}
		if (key_eq(&r->key, key)) {
			r->val.packets++;
			r->val.bytes += len;
			r->val.tcp_flags |= tcp_flags;
			r->val.last_seen_ns = now;
			return;
		}
		i = (i + 1) & c->mask;
	}
}

/*
 * Three passes over the burst: parse every frame, ask for each cache slot
 * (a prefetch), then add them.  With 10k flows the slots are not in L2:
 * the middle pass lets those loads overlap instead of waiting for each.
 */
void tapio_dpdk_rx_frames(struct tapio_dpdk_cache *c, __u32 ifindex,
			  const struct tapio_dpdk_frame *f, unsigned int n,
			  __u64 now, struct tapio_dpdk_counts *k)
{
	struct tapio_flow_key key[TAPIO_DPDK_BURST];
	__u32 slot[TAPIO_DPDK_BURST];
	__u8 flags[TAPIO_DPDK_BURST];
	__u64 bytes = 0, non_ip = 0;
	unsigned int i, m = 0;
	int idx[TAPIO_DPDK_BURST];

	if (n > TAPIO_DPDK_BURST)
		n = TAPIO_DPDK_BURST;
	for (i = 0; i < n; i++)
		__builtin_prefetch(f[i].data);
	for (i = 0; i < n; i++) {
		struct tapio_parse_result res;
		char *data = (char *)f[i].data;
		int reason;

		bytes += f[i].pkt_len;
		memset(&key[m], 0, sizeof(key[m]));
		key[m].ifindex = ifindex;
		key[m].direction = TAPIO_DIR_INGRESS;
		reason = tapio_parse_link(0, data, data + f[i].data_len,
					  f[i].pkt_len, f[i].vlan_stripped,
					  f[i].vlan_tci & 0xfff, &key[m], &res);
		if (!reason) {
			flags[m] = res.tcp_flags;
			idx[m++] = (int)i;
		} else if (reason == TAPIO_CNT_NON_IP_PKTS) {
			non_ip++;
		} else if (reason >= TAPIO_CNT_PARSE_FIRST &&
			   reason <= TAPIO_CNT_PARSE_LAST) {
			count(&k->parse[reason - TAPIO_CNT_PARSE_FIRST], 1);
		}
	}
	/* the keys were written field by field: read back as words at once,
	 * each load would wait for its stores (no store forwarding) */
	for (i = 0; i < m; i++) {
		slot[i] = cache_hash(&key[i]) & c->mask;
		/* 88 bytes: the key's line and the value's */
		__builtin_prefetch(&c->slot[slot[i]].key);
		__builtin_prefetch(&c->slot[slot[i]].val.tcp_flags);
	}
	for (i = 0; i < m; i++)
		cache_add(c, &key[i], slot[i], f[idx[i]].pkt_len, flags[i],
			  now);
	count(&k->non_ip, non_ip);
	count(&k->bytes, bytes);
	atomic_store_explicit(&k->packets, tapio_dpdk_read(&k->packets) + n,
			      memory_order_release);
}
