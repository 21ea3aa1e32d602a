/* SPDX-License-Identifier: GPL-2.0 */
/* Maps and per-packet accounting shared by tapio_xdp and tapio_tc: one flow
 * map per device holds both directions; every packet is charged exactly once.
 */
#ifndef TAPIO_FLOW_ACCOUNT_BPF_H
#define TAPIO_FLOW_ACCOUNT_BPF_H

#include <linux/bpf.h>
#include <linux/errno.h>
#include <bpf/bpf_helpers.h>

#include "flow_parse.h"
#include "match.bpf.h"
#include "tapio/config.h"
#include "tapio/flow_filter.h"
#include "tapio/owner.h"
#include "tapio/spill.h"

/* Set by the loader before load: 1 on links without an Ethernet header,
 * whose frames start at the IP header (tun, WireGuard, ipip, GRE). */
const volatile __u8 tapio_link_raw_ip = 0;
/* Set by the loader with the flow maps made plain hashes (--kernel-map
 * shared): one value per flow for all CPUs, added to atomically. */
const volatile __u8 tapio_shared_flows = 0;

/*
 * Preallocated per-CPU hash: updates from any context, no atomics, and a
 * hard bound.  Not LRU: an LRU map evicts live flows and their counts
 * silently; here a full map sends the packet to the overflow counters.
 * max_entries is a default; the loader sets it from --max-flows, and
 * makes the type BPF_MAP_TYPE_HASH for tapio_shared_flows.
 */
struct tapio_flow_map {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, TAPIO_DEFAULT_MAX_FLOWS);
	__type(key, struct tapio_flow_key);
	__type(value, struct tapio_flow_value);
};

/* Two generations: the programs write one while the drainer empties the
 * other, so no entry is ever deleted under a running program. Without a
 * drainer flow_gen stays 0 and tapio_flows holds everything. */
struct tapio_flow_map tapio_flows SEC(".maps");
struct tapio_flow_map tapio_flows_alt SEC(".maps");

/* Mapped by userspace, where every writer stores only its own fields. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct tapio_config);
} tapio_config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, TAPIO_DIR_MAX);
	__type(key, __u32);
	__type(value, struct tapio_dir_counters);
} tapio_counters SEC(".maps");

/* The socket behind each flow of local traffic (tapio_tc writes it while
 * tapio_config.owners is set; the collector deletes what it has read).
 * Allocated as used: a host without local traffic pays nothing. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TAPIO_OWNERS_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct tapio_flow_key);
	__type(value, struct tapio_flow_owner);
} tapio_owners SEC(".maps");

/* Flows that found their map generation full, for the collector to merge
 * (only while tapio_config.spill says one reads it). */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, TAPIO_SPILL_RING_BYTES);
} tapio_spill SEC(".maps");

/* The flow filters, a slot each (set while running by the collector), and
 * the packets each one matched. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, TAPIO_FLOW_FILTERS_MAX);
	__type(key, __u32);
	__type(value, struct tapio_flow_filter);
} tapio_filters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, TAPIO_FLOW_FILTERS_MAX);
	__type(key, __u32);
	__type(value, __u64);
} tapio_filter_hits SEC(".maps");

/* The prefix sets of rules with prefix_set, keyed by rule id. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, TAPIO_FLOW_PREFIXES_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct tapio_prefix_key);
	__type(value, __u8);
} tapio_filter_prefixes SEC(".maps");

/* Either endpoint of @key lies in the prefix set of rule @set. */
static __always_inline int tapio_in_prefix_set(__u32 set,
					       const struct tapio_flow_key *key)
{
	struct tapio_prefix_key k = {.prefixlen = 32 + 128, .set = set};

	__builtin_memcpy(k.addr, key->src_addr, sizeof(k.addr));
	if (bpf_map_lookup_elem(&tapio_filter_prefixes, &k))
		return 1;
	__builtin_memcpy(k.addr, key->dst_addr, sizeof(k.addr));
	return bpf_map_lookup_elem(&tapio_filter_prefixes, &k) != NULL;
}

/* Whether the filters leave the flow of @key out: an exclude rule matches
 * it, or include rules exist and none does.  Slots in order, up to the
 * first exclude that matches; each rule that matches counts @pkts. */
static __always_inline int tapio_filtered(const struct tapio_config *cfg,
					  const struct tapio_flow_key *key,
					  __u64 pkts)
{
	__u32 n = cfg->filters, i;
	int in = !cfg->filter_include;

	for (i = 0; i < TAPIO_FLOW_FILTERS_MAX && i < n; i++) {
		/* the key a copy: the counter stays a register the verifier
		 * follows, not a stack slot it loses at the lookups */
		__u32 slot = i;
		const struct tapio_flow_filter *f;
		__u64 *hits;

		f = bpf_map_lookup_elem(&tapio_filters, &slot);
		if (!f || !f->action ||
		    (f->vlan && key->vlan_outer != f->vlan) ||
		    !tapio_filter_match(&f->m, key) ||
		    (f->prefix_set && !tapio_in_prefix_set(f->id, key)))
			continue;
		hits = bpf_map_lookup_elem(&tapio_filter_hits, &slot);
		if (hits)
			*hits += pkts;
		if (f->action == TAPIO_FILTER_EXCLUDE)
			return 1;
		in = 1;
	}
	return !in;
}

static __always_inline void tapio_overflow(struct tapio_dir_counters *cnt,
					   long err, __u64 pkts, __u64 bytes)
{
	cnt->c[TAPIO_CNT_OVERFLOW_PKTS] += pkts;
	cnt->c[TAPIO_CNT_OVERFLOW_BYTES] += bytes;
	if (err == -E2BIG)
		cnt->c[TAPIO_CNT_OVERFLOW_MAP_FULL] += pkts;
	else if (err == -ENOMEM)
		cnt->c[TAPIO_CNT_OVERFLOW_NOMEM] += pkts;
	else
		cnt->c[TAPIO_CNT_OVERFLOW_OTHER] += pkts;
}

/* tcp_flags as the 64-bit word at its offset holds it (the first byte is
 * the low one on a little-endian host, the high one on a big-endian) */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define TAPIO_FLAGS_WORD(f) ((__u64)(f))
#else
#define TAPIO_FLAGS_WORD(f) ((__u64)(f) << 56)
#endif
_Static_assert(__builtin_offsetof(struct tapio_flow_value, tcp_flags) % 8 ==
			       0 &&
		       sizeof(((struct tapio_flow_value *)0)->pad) == 7,
	       "tcp_flags opens an 8-byte word the atomic OR may write");

/*
 * Add to this CPU's slot of an existing flow.  A slot starts zeroed on every
 * CPU but the one that created the flow, so the first packet a CPU sees of
 * it also stamps first_seen: an unstamped slot would read as "seen at boot".
 */
static __always_inline void tapio_flow_add(struct tapio_flow_value *val,
					   __u64 pkts, __u64 bytes,
					   __u8 tcp_flags, __u64 now)
{
	if (tapio_shared_flows) {
		/* other CPUs add to the same value: counts atomically, the
		 * flags by an atomic OR on the word that holds them (the
		 * pad after them stays 0), only when they add a flag; the
		 * last packet's time may lose to a concurrent one's, which
		 * is as late within a tick.  first_seen came with the
		 * entry. */
		__sync_fetch_and_add(&val->packets, pkts);
		__sync_fetch_and_add(&val->bytes, bytes);
		val->last_seen_ns = now;
		if (tcp_flags & ~val->tcp_flags)
			__sync_fetch_and_or((__u64 *)&val->tcp_flags,
					    TAPIO_FLAGS_WORD(tcp_flags));
		return;
	}
	if (!val->packets)
		val->first_seen_ns = now;
	val->packets += pkts;
	val->bytes += bytes;
	val->last_seen_ns = now;
	val->tcp_flags |= tcp_flags;
}

/*
 * Charge @pkts packets of @bytes in total to the flow of @key: 0, 1 when
 * that made a new entry, or the error when the flow has no entry and
 * cannot get one.
 */
static __always_inline long tapio_account_map(void *flows,
					      struct tapio_flow_key *key,
					      __u64 pkts, __u64 bytes,
					      __u8 tcp_flags)
{
	/* Coarse clock: a tick of resolution is plenty for flow start/end,
	 * and it costs a fraction of a clocksource read per packet. */
	__u64 now = bpf_ktime_get_coarse_ns();
	struct tapio_flow_value *val;
	long err;

	val = bpf_map_lookup_elem(flows, key);
	if (val) {
		tapio_flow_add(val, pkts, bytes, tcp_flags, now);
		return 0;
	}

	struct tapio_flow_value init = {
		.packets = pkts,
		.bytes = bytes,
		.first_seen_ns = now,
		.last_seen_ns = now,
		.tcp_flags = tcp_flags,
	};

	err = bpf_map_update_elem(flows, key, &init, BPF_NOEXIST);
	if (!err)
		return 1;
	if (err == -EEXIST) {
		/* Another CPU created the flow since our lookup: our slot in
		 * it is zero, so add to it as if we had found it. */
		val = bpf_map_lookup_elem(flows, key);
		if (val) {
			tapio_flow_add(val, pkts, bytes, tcp_flags, now);
			return 0;
		}
	}
	return err;
}

/* The flow to the collector through tapio_spill: 0 when the ring is
 * full (the packets are then overflow after all). */
static __always_inline int tapio_spill_flow(struct tapio_dir_counters *cnt,
					    const struct tapio_flow_key *key,
					    __u64 pkts, __u64 bytes,
					    __u8 tcp_flags)
{
	__u64 now = bpf_ktime_get_coarse_ns();
	struct tapio_spill_rec *r;

	r = bpf_ringbuf_reserve(&tapio_spill, sizeof(*r), 0);
	if (!r)
		return 0;
	__builtin_memcpy(&r->key, key, sizeof(r->key));
	__builtin_memset(&r->val, 0, sizeof(r->val));
	r->val.packets = pkts;
	r->val.bytes = bytes;
	r->val.first_seen_ns = now;
	r->val.last_seen_ns = now;
	r->val.tcp_flags = tcp_flags;
	/* no wakeup: the collector reads the ring once per interval */
	bpf_ringbuf_submit(r, BPF_RB_NO_WAKEUP);
	cnt->c[TAPIO_CNT_SPILLED_PKTS] += pkts;
	cnt->c[TAPIO_CNT_SPILLED_BYTES] += bytes;
	return 1;
}

/*
 * One more entry in generation @gen: at drain_at, ask the collector once
 * for a drain.  The count is shared by all CPUs (an atomic add per new
 * flow, never per packet); two CPUs crossing together may both ask, which
 * the collector takes as one request.
 */
static __always_inline void tapio_count_new_flow(struct tapio_config *cfg,
						 __u32 gen)
{
	struct tapio_drain_req *r;

	__sync_fetch_and_add(&cfg->gen_flows[gen], 1);
	if (!cfg->drain_at || cfg->drain_asked[gen] ||
	    cfg->gen_flows[gen] < cfg->drain_at)
		return;
	r = bpf_ringbuf_reserve(&tapio_spill, sizeof(*r), 0);
	if (!r)
		return; /* ring full: asked again by the next new flow */
	cfg->drain_asked[gen] = 1;
	r->gen = gen;
	r->flows = (__u32)cfg->gen_flows[gen];
	bpf_ringbuf_submit(r, BPF_RB_FORCE_WAKEUP);
}

static __always_inline struct tapio_config *tapio_get_config(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&tapio_config, &zero);
}

/* SYN, FIN, RST: a flow's start and end, never sampled out */
#define TAPIO_TCP_KEPT 0x07

/* Charge the flow in the generation userspace currently lets us write. */
static __always_inline void tapio_account(struct tapio_dir_counters *cnt,
					  struct tapio_config *cfg,
					  struct tapio_flow_key *key,
					  __u64 pkts, __u64 bytes,
					  __u8 tcp_flags)
{
	__u32 gen = cfg ? cfg->flow_gen & 1 : 0;
	long err;

	/* left out: passed on, counted in the identity's filtered class */
	if (cfg && cfg->filters && tapio_filtered(cfg, key, pkts)) {
		cnt->c[TAPIO_CNT_FILTERED_PKTS] += pkts;
		cnt->c[TAPIO_CNT_FILTERED_BYTES] += bytes;
		return;
	}
	if (cfg && cfg->flow_sample_n > 1 &&
	    !(key->protocol == IPPROTO_TCP && (tcp_flags & TAPIO_TCP_KEPT))) {
		__u32 n = cfg->flow_sample_n;

		if (bpf_get_prandom_u32() % n) {
			cnt->c[TAPIO_CNT_SAMPLED_OUT_PKTS] += pkts;
			cnt->c[TAPIO_CNT_SAMPLED_OUT_BYTES] += bytes;
			return;
		}
		/* kept: it stands for N (Horvitz-Thompson), so each flow's
		 * counts are unbiased estimates */
		cnt->c[TAPIO_CNT_SAMPLED_EXTRA_PKTS] += pkts * (n - 1);
		cnt->c[TAPIO_CNT_SAMPLED_EXTRA_BYTES] += bytes * (n - 1);
		pkts *= n;
		bytes *= n;
	}
	if (gen)
		err = tapio_account_map(&tapio_flows_alt, key, pkts, bytes,
					tcp_flags);
	else
		err = tapio_account_map(&tapio_flows, key, pkts, bytes,
					tcp_flags);
	if (err == 1 && cfg)
		tapio_count_new_flow(cfg, gen);
	if (err >= 0)
		return;
	if (err == -E2BIG && cfg && cfg->spill &&
	    tapio_spill_flow(cnt, key, pkts, bytes, tcp_flags))
		return;
	tapio_overflow(cnt, err, pkts, bytes);
}

/* Count a frame that carries no flow (non-IP or malformed). */
static __always_inline void tapio_charge(struct tapio_dir_counters *cnt,
					 int reason, __u64 pkts, __u64 bytes)
{
	if (reason == TAPIO_CNT_NON_IP_PKTS) {
		cnt->c[TAPIO_CNT_NON_IP_PKTS] += pkts;
		cnt->c[TAPIO_CNT_NON_IP_BYTES] += bytes;
		return;
	}
	/* The mask changes nothing in range; it gives the verifier a bound
	 * when @reason comes from a function it did not see into (tapio_tc's
	 * parse is a global function). */
	if (reason >= TAPIO_CNT_PARSE_FIRST && reason <= TAPIO_CNT_PARSE_LAST)
		cnt->c[TAPIO_CNT_PARSE_FIRST +
		       ((reason - TAPIO_CNT_PARSE_FIRST) & 15)] += pkts;
}
_Static_assert(TAPIO_CNT_PARSE_LAST - TAPIO_CNT_PARSE_FIRST < 16 &&
		       TAPIO_CNT_PARSE_FIRST + 15 < TAPIO_CNT_MAX,
	       "parse reasons fit the mask of tapio_charge()");

#endif /* TAPIO_FLOW_ACCOUNT_BPF_H */
