/* SPDX-License-Identifier: GPL-2.0 */
/* The shared userspace aggregation table: many writers (AF_XDP pollers, the
 * kernel-map drainer), fixed memory, NetFlow-style expiry into exporters. */
#ifndef TAPIO_FLOW_TABLE_H
#define TAPIO_FLOW_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "tapio/flow.h"

enum tapio_end_reason {
	TAPIO_END_IDLE = 1,   /* no packet for idle_timeout */
	TAPIO_END_ACTIVE = 2, /* alive longer than active_timeout */
	TAPIO_END_FLUSH = 3,  /* the collector is stopping */
	TAPIO_END_FORCED = 4, /* ended early to make room in a full table */
	TAPIO_END_GONE = 5,   /* its interface was deleted */
};

/* "idle", "active", "flush", "forced" or "interface_gone": the end_reason
 * of the JSON lines and the reason label of /metrics ("flush" for any
 * other value: a flow handed over at the stop). */
const char *tapio_end_reason_name(int why);

struct tapio_flow_table_opts {
	__u32 max_flows;    /* 0: no bound from flows */
	__u64 memory_limit; /* bytes, 0: no bound from memory */
	__u64 idle_timeout_ns;
	__u64 active_timeout_ns;
	__u32 shards; /* power of two; 0: 64 */
};

/* One flow as the table holds it and hands it to exporters. */
struct tapio_flow_rec {
	struct tapio_flow_key key;
	struct tapio_flow_value val;
};

struct tapio_flow_table_stats {
	__u64 capacity;	    /* entries the memory bound allows */
	__u64 memory_bytes; /* allocated up front */
	__u64 active;	    /* entries now */
	__u64 created;	    /* flows inserted */
	__u64 updates;	    /* adds to existing flows */
	__u64 expired_idle, expired_active, flushed;
	__u64 expired_forced;	/* by tapio_flow_table_make_room() */
	__u64 ended_gone;	/* by tapio_flow_table_end() */
	__u64 overflow_packets; /* could not get an entry: counted here */
	__u64 overflow_bytes;
	__u64 limit_hits; /* inserts refused by the bound */
};

/* Exporter callback: the record is gone from the table when it returns. */
typedef void (*tapio_flow_export_fn)(const struct tapio_flow_rec *rec,
				     enum tapio_end_reason why, void *ctx);

struct tapio_flow_table;

int tapio_flow_table_new(const struct tapio_flow_table_opts *opts,
			 struct tapio_flow_table **out);
void tapio_flow_table_free(struct tapio_flow_table *t);

/* Add @v (packets, bytes, first/last seen, flags) to the flow of @key.
 * 0, or -ENOSPC when the flow is new and the table is at its bound (the
 * packets and bytes then go to the overflow counters). Thread-safe. */
int tapio_flow_table_add(struct tapio_flow_table *t,
			 const struct tapio_flow_key *key,
			 const struct tapio_flow_value *v);

/* Whether the flow of @key is in the table now. */
bool tapio_flow_table_contains(struct tapio_flow_table *t,
			       const struct tapio_flow_key *key);
/* Add @n flows as tapio_flow_table_add() does each, with their memory
 * loads overlapped; @refused (if set) gets each one the bound refused.
 * Returns how many were refused. */
size_t tapio_flow_table_add_batch(
	struct tapio_flow_table *t, const struct tapio_flow_key *keys,
	const struct tapio_flow_value *vals, size_t n,
	void (*refused)(const struct tapio_flow_key *,
			const struct tapio_flow_value *, void *),
	void *ctx);

/* Export and remove flows idle or active past their timeouts at @now_ns
 * (CLOCK_MONOTONIC, the clock of the flow stamps). Returns how many. */
size_t tapio_flow_table_expire(struct tapio_flow_table *t, __u64 now_ns,
			       tapio_flow_export_fn fn, void *ctx);
/* Room for @want new flows: while some shard has fewer entries free than
 * twice its share of @want (plus 4; at most half a shard), export and
 * remove the flows idle longest (idle longer than half the idle timeout,
 * then a quarter, ... down to 1 ms, the first that makes room; one pass
 * to count, one to end) as
 * TAPIO_END_FORCED, the "aggressive aging" of NetFlow caches: a flow
 * ended early keeps its packets, a flow refused at the bound does not.
 * Returns how many. */
size_t tapio_flow_table_make_room(struct tapio_flow_table *t, __u64 want,
				  __u64 now_ns, tapio_flow_export_fn fn,
				  void *ctx);
/* Export as @why and remove every flow whose key @match accepts (called
 * with a shard lock held: it must not block).  Returns how many. */
size_t tapio_flow_table_end(struct tapio_flow_table *t,
			    bool (*match)(const struct tapio_flow_key *key,
					  void *mctx),
			    void *mctx, enum tapio_end_reason why,
			    tapio_flow_export_fn fn, void *ctx);
/* Export and remove every flow. */
size_t tapio_flow_table_flush(struct tapio_flow_table *t,
			      tapio_flow_export_fn fn, void *ctx);
/* Shards of @t: tapio_flow_table_foreach_shard() takes 0..n-1. */
__u32 tapio_flow_table_nshards(const struct tapio_flow_table *t);
/* Call @fn on every flow of shard @si with its lock held, removing none:
 * @fn must not block (copy, then do I/O after it returns). */
void tapio_flow_table_foreach_shard(struct tapio_flow_table *t, __u32 si,
				    void (*fn)(const struct tapio_flow_rec *rec,
					       void *ctx),
				    void *ctx);
/* Call @fn on every flow, without removing any. */
void tapio_flow_table_foreach(struct tapio_flow_table *t,
			      void (*fn)(const struct tapio_flow_rec *rec,
					 void *ctx),
			      void *ctx);
/* New timeouts for the next expiry (SIGHUP); call from the expiring thread. */
void tapio_flow_table_set_timeouts(struct tapio_flow_table *t, __u64 idle_ns,
				   __u64 active_ns);
void tapio_flow_table_stats(struct tapio_flow_table *t,
			    struct tapio_flow_table_stats *out);
__u64 tapio_flow_key_hash(const struct tapio_flow_key *key);
/* Add @v to @d: sums, OR of the flags, the earliest first-seen that was
 * stamped (0 means never stamped, not boot time), the latest last-seen. */
void tapio_flow_value_merge(struct tapio_flow_value *d,
			    const struct tapio_flow_value *v);

#endif /* TAPIO_FLOW_TABLE_H */
