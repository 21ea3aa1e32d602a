// SPDX-License-Identifier: GPL-2.0
/* Sharded aggregation table: each shard is an open-addressing hash over a
 * preallocated entry pool, behind its own lock; no global lock anywhere. */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/flow_table.h"

#define EMPTY	       UINT32_MAX
#define DEFAULT_SHARDS 64

struct shard {
	pthread_mutex_t lock;
	__u32 *slots; /* open addressing: index into recs, or EMPTY */
	__u32 mask;   /* slots - 1 */
	struct tapio_flow_rec *recs;
	__u32 *free; /* stack of free rec indices */
	__u8 *live;  /* per rec: in use (sweeps read recs in memory order) */
	__u32 nfree, cap;
	struct tapio_flow_table_stats st;
	/* keep shards on their own cache lines */
} __attribute__((aligned(64)));

struct tapio_flow_table {
	struct shard *shards;
	__u32 nshards, shard_shift;
	__u64 idle_ns, active_ns;
	__u64 capacity, memory;
};

/* 64-bit mix over the 48-byte key: six words, multiply-xorshift rounds. */
__u64 tapio_flow_key_hash(const struct tapio_flow_key *key)
{
	__u64 w[6], h = 0x9e3779b97f4a7c15ULL;
	int i;

	memcpy(w, key, sizeof(w));
	for (i = 0; i < 6; i++) {
		h ^= w[i];
		h *= 0xbf58476d1ce4e5b9ULL;
		h ^= h >> 31;
	}
	h *= 0x94d049bb133111ebULL;
	return h ^ (h >> 29);
}

static __u32 slots_for(__u32 per)
{
	__u32 nslots = 2;

	while (nslots < 2 * per) /* load factor <= 1/2 */
		nslots <<= 1;
	return nslots;
}

/* Bytes a table of @n shards of @per entries allocates. */
static __u64 table_bytes(__u32 n, __u32 per)
{
	return (__u64)n * (slots_for(per) * sizeof(__u32) +
			   (__u64)per * (sizeof(struct tapio_flow_rec) +
					 sizeof(__u32) + sizeof(__u8)));
}

int tapio_flow_table_new(const struct tapio_flow_table_opts *o,
			 struct tapio_flow_table **out)
{
	struct tapio_flow_table *t;
	__u64 cap = o->max_flows ? o->max_flows : UINT32_MAX;
	__u32 n = o->shards ? o->shards : DEFAULT_SHARDS, i, j, per;

	if (!n || n & (n - 1) || n > 65536)
		return -EINVAL;
	if (!o->max_flows && !o->memory_limit)
		return -EINVAL; /* the table must have a bound */
	if (cap < n)
		cap = n; /* at least one flow per shard */
	per = (__u32)((cap + n - 1) / n);
	/* the memory bound counts what is really allocated, slots rounded
	 * up to a power of two included */
	while (o->memory_limit && per > 1 &&
	       table_bytes(n, per) > o->memory_limit)
		per = per > 16 ? per - per / 16 : per - 1;

	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->nshards = n;
	t->shard_shift = 64 - (__u32)__builtin_ctz(n);
	t->idle_ns = o->idle_timeout_ns;
	t->active_ns = o->active_timeout_ns;
	t->capacity = (__u64)per * n;
	if (posix_memalign((void **)&t->shards, 64, n * sizeof(*t->shards))) {
		free(t);
		return -ENOMEM;
	}
	memset(t->shards, 0, n * sizeof(*t->shards));
	for (i = 0; i < n; i++) {
		struct shard *s = &t->shards[i];
		__u32 nslots = slots_for(per);
		pthread_mutexattr_t ma;

		s->cap = per;
		s->mask = nslots - 1;
		s->slots = malloc(nslots * sizeof(*s->slots));
		s->recs = malloc((size_t)per * sizeof(*s->recs));
		s->free = malloc((size_t)per * sizeof(*s->free));
		s->live = calloc(per, sizeof(*s->live));
		if (!s->slots || !s->recs || !s->free || !s->live) {
			t->nshards = i + 1;
			tapio_flow_table_free(t);
			return -ENOMEM;
		}
		memset(s->slots, 0xff, nslots * sizeof(*s->slots));
		for (j = 0; j < per; j++)
			s->free[j] = per - 1 - j;
		s->nfree = per;
		/* adaptive: spin briefly, then sleep; holders never block */
		pthread_mutexattr_init(&ma);
		pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_ADAPTIVE_NP);
		pthread_mutex_init(&s->lock, &ma);
		pthread_mutexattr_destroy(&ma);
		t->memory +=
			nslots * sizeof(*s->slots) +
			(size_t)per * (sizeof(*s->recs) + sizeof(*s->free) +
				       sizeof(*s->live));
	}
	*out = t;
	return 0;
}

void tapio_flow_table_free(struct tapio_flow_table *t)
{
	__u32 i;

	if (!t)
		return;
	for (i = 0; i < t->nshards; i++) {
		pthread_mutex_destroy(&t->shards[i].lock);
		free(t->shards[i].slots);
		free(t->shards[i].recs);
		free(t->shards[i].free);
		free(t->shards[i].live);
	}
	free(t->shards);
	free(t);
}

static struct shard *shard_of(struct tapio_flow_table *t, __u64 h)
{
	return &t->shards[t->nshards > 1 ? h >> t->shard_shift : 0];
}

/* Slot holding @key, or the empty slot where it would go. */
static __u32 probe(struct shard *s, const struct tapio_flow_key *key, __u64 h)
{
	__u32 i = (__u32)h & s->mask;

	for (;;) {
		__u32 r = s->slots[i];

		if (r == EMPTY || !memcmp(&s->recs[r].key, key, sizeof(*key)))
			return i;
		i = (i + 1) & s->mask;
	}
}

void tapio_flow_value_merge(struct tapio_flow_value *dst,
			    const struct tapio_flow_value *v)
{
	dst->packets += v->packets;
	dst->bytes += v->bytes;
	dst->tcp_flags |= v->tcp_flags;
	if (v->first_seen_ns &&
	    (!dst->first_seen_ns || v->first_seen_ns < dst->first_seen_ns))
		dst->first_seen_ns = v->first_seen_ns;
	if (v->last_seen_ns > dst->last_seen_ns)
		dst->last_seen_ns = v->last_seen_ns;
}

static int add_hashed(struct tapio_flow_table *t,
		      const struct tapio_flow_key *key,
		      const struct tapio_flow_value *v, __u64 h)
{
	struct shard *s = shard_of(t, h);
	__u32 i, r;
	int ret = 0;

	pthread_mutex_lock(&s->lock);
	i = probe(s, key, h);
	r = s->slots[i];
	if (r != EMPTY) {
		tapio_flow_value_merge(&s->recs[r].val, v);
		s->st.updates++;
	} else if (s->nfree) {
		r = s->free[--s->nfree];
		s->recs[r].key = *key;
		s->live[r] = 1;
		memset(&s->recs[r].val, 0, sizeof(s->recs[r].val));
		tapio_flow_value_merge(&s->recs[r].val, v);
		s->slots[i] = r;
		s->st.created++;
	} else {
		s->st.overflow_packets += v->packets;
		s->st.overflow_bytes += v->bytes;
		s->st.limit_hits++;
		ret = -ENOSPC;
	}
	pthread_mutex_unlock(&s->lock);
	return ret;
}

/*
 * A batch from a drain: flows new to the table, in no useful order, so
 * each add would wait for memory twice (its slot, then its entry).  The
 * batch asks for all the slots first and then the entries they point at,
 * so those loads overlap; the adds themselves are tapio_flow_table_add's.
 */
#define PREFETCH_AHEAD 16

size_t tapio_flow_table_add_batch(
	struct tapio_flow_table *t, const struct tapio_flow_key *keys,
	const struct tapio_flow_value *vals, size_t n,
	void (*refused)(const struct tapio_flow_key *,
			const struct tapio_flow_value *, void *),
	void *ctx)
{
	__u64 h[PREFETCH_AHEAD];
	size_t i, j, k, m, nref = 0;

	for (i = 0; i < n; i += m) {
		m = n - i < PREFETCH_AHEAD ? n - i : PREFETCH_AHEAD;
		for (j = 0; j < m; j++) {
			struct shard *s;

			h[j] = tapio_flow_key_hash(&keys[i + j]);
			s = shard_of(t, h[j]);
			/* a hint only: read without the lock */
			__builtin_prefetch(&s->slots[(__u32)h[j] & s->mask]);
		}
		for (j = 0; j < m; j++) {
			struct shard *s = shard_of(t, h[j]);
			__u32 r = __atomic_load_n(
				&s->slots[(__u32)h[j] & s->mask],
				__ATOMIC_RELAXED);

			if (r != EMPTY)
				__builtin_prefetch(&s->recs[r]);
		}
		for (j = 0; j < m; j++) {
			k = i + j;
			if (add_hashed(t, &keys[k], &vals[k], h[j]) &&
			    refused) {
				refused(&keys[k], &vals[k], ctx);
				nref++;
			}
		}
	}
	return nref;
}

bool tapio_flow_table_contains(struct tapio_flow_table *t,
			       const struct tapio_flow_key *key)
{
	__u64 h = tapio_flow_key_hash(key);
	struct shard *s = shard_of(t, h);
	bool in;

	pthread_mutex_lock(&s->lock);
	in = s->slots[probe(s, key, h)] != EMPTY;
	pthread_mutex_unlock(&s->lock);
	return in;
}

int tapio_flow_table_add(struct tapio_flow_table *t,
			 const struct tapio_flow_key *key,
			 const struct tapio_flow_value *v)
{
	return add_hashed(t, key, v, tapio_flow_key_hash(key));
}

/* Backward-shift deletion keeps every probe chain unbroken. */
static void remove_slot(struct shard *s, __u32 i)
{
	__u32 j = i;

	s->live[s->slots[i]] = 0;
	s->free[s->nfree++] = s->slots[i];
	s->slots[i] = EMPTY;
	for (;;) {
		__u32 r, home;

		j = (j + 1) & s->mask;
		r = s->slots[j];
		if (r == EMPTY)
			return;
		home = (__u32)tapio_flow_key_hash(&s->recs[r].key) & s->mask;
		/* move r back into the hole unless its home lies in (i, j] */
		if ((j > i && (home <= i || home > j)) ||
		    (j < i && (home <= i && home > j))) {
			s->slots[i] = r;
			s->slots[j] = EMPTY;
			i = j;
		}
	}
}

const char *tapio_end_reason_name(int why)
{
	static const char *const names[] = {
		"flush", "idle", "active", "flush", "forced", "interface_gone"};

	return names[why >= TAPIO_END_IDLE && why <= TAPIO_END_GONE ? why : 0];
}

static enum tapio_end_reason due(struct tapio_flow_table *t,
				 const struct tapio_flow_value *v, __u64 now)
{
	if (t->idle_ns && now >= v->last_seen_ns + t->idle_ns)
		return TAPIO_END_IDLE;
	if (t->active_ns && now >= v->first_seen_ns + t->active_ns)
		return TAPIO_END_ACTIVE;
	return 0;
}

/* Which flows tapio_flow_table_end() ends, and as what. */
struct end_rule {
	bool (*match)(const struct tapio_flow_key *key, void *ctx);
	void *ctx;
	enum tapio_end_reason why;
};

/* Every flow (@all), those @rule matches, or those due at @now and, with
 * @seen_before, those last seen before it (forced).  Entries are read in memory
 * order, which the hardware prefetches, not in slot order, which would miss the
 * cache on every one of a large table; only an entry that ends is looked up. */
static size_t sweep(struct tapio_flow_table *t, __u64 now, bool all,
		    __u64 seen_before, const struct end_rule *rule,
		    tapio_flow_export_fn fn, void *ctx)
{
	size_t n = 0;
	__u32 si, r;

	for (si = 0; si < t->nshards; si++) {
		struct shard *s = &t->shards[si];

		pthread_mutex_lock(&s->lock);
		for (r = 0; r < s->cap; r++) {
			struct tapio_flow_rec *rec = &s->recs[r];
			enum tapio_end_reason why;

			if (!s->live[r])
				continue;
			if (rule)
				why = rule->match(&rec->key, rule->ctx)
					      ? rule->why
					      : 0;
			else
				why = all ? TAPIO_END_FLUSH
					  : due(t, &rec->val, now);
			if (!why && rec->val.last_seen_ns < seen_before)
				why = TAPIO_END_FORCED;
			if (!why)
				continue;
			if (fn)
				fn(rec, why, ctx);
			if (why == TAPIO_END_IDLE)
				s->st.expired_idle++;
			else if (why == TAPIO_END_ACTIVE)
				s->st.expired_active++;
			else if (why == TAPIO_END_FORCED)
				s->st.expired_forced++;
			else if (why == TAPIO_END_FLUSH)
				s->st.flushed++;
			else
				s->st.ended_gone++;
			remove_slot(s, probe(s, &rec->key,
					     tapio_flow_key_hash(&rec->key)));
			n++;
		}
		pthread_mutex_unlock(&s->lock);
	}
	return n;
}

size_t tapio_flow_table_expire(struct tapio_flow_table *t, __u64 now_ns,
			       tapio_flow_export_fn fn, void *ctx)
{
	return sweep(t, now_ns, false, 0, NULL, fn, ctx);
}

/* The fewest free entries of any shard: a flow is refused when its own
 * shard is full, whatever the others hold. */
static __u32 least_free(struct tapio_flow_table *t)
{
	__u32 si, n = UINT32_MAX;

	for (si = 0; si < t->nshards; si++) {
		pthread_mutex_lock(&t->shards[si].lock);
		if (t->shards[si].nfree < n)
			n = t->shards[si].nfree;
		pthread_mutex_unlock(&t->shards[si].lock);
	}
	return n;
}

#define MIN_AGE_NS 1000000ULL /* younger flows are never ended early */
#define MAX_STEPS  64	      /* halvings of the age at most */

/* The first step k whose age @cut[k] a flow idle for @idle exceeds (so
 * that a sweep at that age ends it), 0 if none of @cut[1..@kmax] does;
 * @cut falls. */
static __u32 step_that_ends(const __u64 *cut, __u32 kmax, __u64 idle)
{
	__u32 k;

	for (k = 1; k <= kmax; k++)
		if (idle > cut[k])
			return k;
	return 0;
}

/*
 * Ends the flows idle longest until every shard has @want's share free:
 * those idle longer than half the idle timeout, a quarter, ... down to
 * the first age at or under MIN_AGE_NS, stopping at the first age that
 * makes room.  Found in two passes, where a pass an age took up to one a
 * halving (the same flows end): the first counts, per shard, how many
 * flows a sweep at each age would end (flows due anyway at the first),
 * the second ends them.
 */
size_t tapio_flow_table_make_room(struct tapio_flow_table *t, __u64 want,
				  __u64 now_ns, tapio_flow_export_fn fn,
				  void *ctx)
{
	/* with no idle timeout, halve from a minute */
	__u64 top = t->idle_ns ? t->idle_ns : 60 * 1000000000ULL;
	__u64 cap = t->shards[0].cap, per, cut[MAX_STEPS + 1];
	__u32 *ends, kmax = 0, k, si, r;

	if (!want)
		return 0; /* nothing is coming: nothing has to make way */
	/* per shard: twice its share (hashing spreads flows unevenly), a few
	 * more for small tables, never more than half of it */
	per = 2 * ((want + t->nshards - 1) / t->nshards) + 4;
	if (per > cap / 2)
		per = cap / 2;
	if (least_free(t) >= per)
		return 0;
	cut[0] = top;
	while (kmax < MAX_STEPS && cut[kmax] > MIN_AGE_NS) {
		kmax++;
		cut[kmax] = top >> kmax;
	}
	if (!kmax)
		return 0; /* an idle timeout that short leaves none to end */
	/* per shard: its free entries, then the flows each step ends */
	ends = calloc((size_t)t->nshards * (kmax + 1), sizeof(*ends));
	if (!ends) /* no room to count: as far as the last step goes */
		return sweep(t, now_ns, false,
			     now_ns > cut[kmax] ? now_ns - cut[kmax] : 0, NULL,
			     fn, ctx);
	for (si = 0; si < t->nshards; si++) {
		struct shard *s = &t->shards[si];
		__u32 *e = ends + (size_t)si * (kmax + 1);

		pthread_mutex_lock(&s->lock);
		e[0] = s->nfree;
		for (r = 0; r < s->cap; r++) {
			const struct tapio_flow_value *v = &s->recs[r].val;

			if (!s->live[r])
				continue;
			k = due(t, v, now_ns) ? 1
			    : now_ns > v->last_seen_ns
				    ? step_that_ends(cut, kmax,
						     now_ns - v->last_seen_ns)
				    : 0;
			if (k)
				e[k]++;
		}
		pthread_mutex_unlock(&s->lock);
	}
	/* the first step after which every shard has room */
	for (k = 1; k <= kmax; k++) {
		bool enough = true;

		for (si = 0; si < t->nshards; si++) {
			__u32 *e = ends + (size_t)si * (kmax + 1);

			e[0] += e[k];
			if (e[0] < per)
				enough = false;
		}
		if (enough)
			break;
	}
	free(ends);
	if (k > kmax)
		k = kmax;
	return now_ns > cut[k]
		       ? sweep(t, now_ns, false, now_ns - cut[k], NULL, fn, ctx)
		       : 0;
}

size_t tapio_flow_table_flush(struct tapio_flow_table *t,
			      tapio_flow_export_fn fn, void *ctx)
{
	return sweep(t, 0, true, 0, NULL, fn, ctx);
}

size_t tapio_flow_table_end(struct tapio_flow_table *t,
			    bool (*match)(const struct tapio_flow_key *key,
					  void *mctx),
			    void *mctx, enum tapio_end_reason why,
			    tapio_flow_export_fn fn, void *ctx)
{
	struct end_rule rule = {match, mctx, why};

	return sweep(t, 0, false, 0, &rule, fn, ctx);
}

__u32 tapio_flow_table_nshards(const struct tapio_flow_table *t)
{
	return t->nshards;
}

void tapio_flow_table_foreach_shard(struct tapio_flow_table *t, __u32 si,
				    void (*fn)(const struct tapio_flow_rec *rec,
					       void *ctx),
				    void *ctx)
{
	struct shard *s = &t->shards[si];
	__u32 r;

	pthread_mutex_lock(&s->lock);
	for (r = 0; r < s->cap; r++) /* memory order, as sweep() */
		if (s->live[r])
			fn(&s->recs[r], ctx);
	pthread_mutex_unlock(&s->lock);
}

void tapio_flow_table_foreach(struct tapio_flow_table *t,
			      void (*fn)(const struct tapio_flow_rec *rec,
					 void *ctx),
			      void *ctx)
{
	__u32 si;

	for (si = 0; si < t->nshards; si++)
		tapio_flow_table_foreach_shard(t, si, fn, ctx);
}

void tapio_flow_table_stats(struct tapio_flow_table *t,
			    struct tapio_flow_table_stats *out)
{
	__u32 si;

	memset(out, 0, sizeof(*out));
	out->capacity = t->capacity;
	out->memory_bytes = t->memory;
	for (si = 0; si < t->nshards; si++) {
		struct shard *s = &t->shards[si];

		pthread_mutex_lock(&s->lock);
		out->active += s->cap - s->nfree;
		out->created += s->st.created;
		out->updates += s->st.updates;
		out->expired_idle += s->st.expired_idle;
		out->expired_active += s->st.expired_active;
		out->flushed += s->st.flushed;
		out->expired_forced += s->st.expired_forced;
		out->ended_gone += s->st.ended_gone;
		out->overflow_packets += s->st.overflow_packets;
		out->overflow_bytes += s->st.overflow_bytes;
		out->limit_hits += s->st.limit_hits;
		pthread_mutex_unlock(&s->lock);
	}
}

void tapio_flow_table_set_timeouts(struct tapio_flow_table *t, __u64 idle_ns,
				   __u64 active_ns)
{
	t->idle_ns = idle_ns;
	t->active_ns = active_ns;
}
