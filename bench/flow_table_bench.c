// SPDX-License-Identifier: GPL-2.0
/* bench/flow_table_bench: updates/s of the sharded aggregation table with 1
 * and 2 writers over 10k and 1M flows, next to a naive single-lock table. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/flow_table.h"

/* The reference: one global mutex over a chained hash, a malloc per flow. */
struct naive_node {
	struct naive_node *next;
	struct tapio_flow_rec rec;
};

struct naive_table {
	pthread_mutex_t lock;
	struct naive_node **buckets;
	size_t mask;
};

static void naive_init(struct naive_table *n, size_t flows)
{
	size_t b = 1;

	while (b < flows)
		b <<= 1;
	pthread_mutex_init(&n->lock, NULL);
	n->buckets = calloc(b, sizeof(*n->buckets));
	n->mask = b - 1;
	if (!n->buckets)
		abort();
}

static void naive_add(struct naive_table *n, const struct tapio_flow_key *k,
		      const struct tapio_flow_value *v)
{
	struct naive_node **b, *e;

	pthread_mutex_lock(&n->lock);
	b = &n->buckets[tapio_flow_key_hash(k) & n->mask];
	for (e = *b; e; e = e->next)
		if (!memcmp(&e->rec.key, k, sizeof(*k)))
			break;
	if (!e) {
		e = calloc(1, sizeof(*e));
		if (!e)
			abort();
		e->rec.key = *k;
		e->next = *b;
		*b = e;
	}
	e->rec.val.packets += v->packets;
	e->rec.val.bytes += v->bytes;
	e->rec.val.last_seen_ns = v->last_seen_ns;
	pthread_mutex_unlock(&n->lock);
}

static void naive_free(struct naive_table *n)
{
	size_t i;

	for (i = 0; i <= n->mask; i++) {
		struct naive_node *e = n->buckets[i], *next;

		for (; e; e = next) {
			next = e->next;
			free(e);
		}
	}
	free(n->buckets);
}

struct job {
	struct tapio_flow_table *t;
	struct naive_table *n;
	const struct tapio_flow_key *keys;
	size_t nkeys, updates;
	unsigned int seed;
	unsigned int part,
		parts; /* rss: this writer owns flows part mod parts */
};

static void *worker(void *arg)
{
	struct job *j = arg;
	struct tapio_flow_value v = {.packets = 1,
				     .bytes = 64,
				     .first_seen_ns = 1,
				     .last_seen_ns = 1};
	__u64 x = j->seed * 0x9e3779b97f4a7c15ULL + 1;
	size_t i;

	for (i = 0; i < j->updates; i++) {
		size_t k;

		/* xorshift: a random flow each time, as on a real link */
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		k = x % j->nkeys;
		/* rss pattern: like RSS, each writer sees only its own flows */
		k = k - k % j->parts + j->part;
		if (k >= j->nkeys)
			k = j->part;
		if (j->t)
			tapio_flow_table_add(j->t, &j->keys[k], &v);
		else
			naive_add(j->n, &j->keys[k], &v);
	}
	return NULL;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Mupdates/s of @threads writers doing @updates each, after a warm-up pass
 * that inserts every flow. */
static double run(int naive, const struct tapio_flow_key *keys, size_t nkeys,
		  int threads, int rss, size_t updates)
{
	struct tapio_flow_table_opts o = {.max_flows = (__u32)(nkeys * 2),
					  .shards = 256};
	struct tapio_flow_value v = {.packets = 1, .bytes = 64};
	struct tapio_flow_table *t = NULL;
	struct naive_table n;
	struct job jobs[8];
	pthread_t th[8];
	double t0, t1;
	size_t i;
	int k;

	if (naive)
		naive_init(&n, nkeys);
	else if (tapio_flow_table_new(&o, &t))
		abort();
	for (i = 0; i < nkeys; i++) {
		if (naive)
			naive_add(&n, &keys[i], &v);
		else
			tapio_flow_table_add(t, &keys[i], &v);
	}
	t0 = now_s();
	for (k = 0; k < threads; k++) {
		jobs[k] = (struct job){naive ? NULL : t,
				       &n,
				       keys,
				       nkeys,
				       updates,
				       (unsigned int)k + 1,
				       rss ? (unsigned int)k : 0,
				       rss ? (unsigned int)threads : 1};
		pthread_create(&th[k], NULL, worker, &jobs[k]);
	}
	for (k = 0; k < threads; k++)
		pthread_join(th[k], NULL);
	t1 = now_s();
	if (naive)
		naive_free(&n);
	else
		tapio_flow_table_free(t);
	return (double)updates * threads / (t1 - t0) / 1e6;
}

static void ended(const struct tapio_flow_rec *rec, enum tapio_end_reason why,
		  void *ctx)
{
	(void)rec;
	(void)why;
	(*(size_t *)ctx)++;
}

/* One expiry pass over a table of @n flows last seen 1..n us: @due of
 * them idle long enough to end (0: a pass that ends none). ms per pass. */
static double sweep_ms(const struct tapio_flow_key *keys, size_t n, size_t due)
{
	struct tapio_flow_table_opts o = {.max_flows = (__u32)n,
					  .idle_timeout_ns = 1000000000ULL};
	struct tapio_flow_table *t;
	size_t i, got = 0;
	double t0, ms;

	if (tapio_flow_table_new(&o, &t))
		return -1;
	for (i = 0; i < n; i++) {
		struct tapio_flow_value v = {.packets = 1,
					     .bytes = 64,
					     .first_seen_ns = 1000 * (i + 1),
					     .last_seen_ns = 1000 * (i + 1)};

		tapio_flow_table_add(t, &keys[i], &v);
	}
	t0 = now_s();
	tapio_flow_table_expire(t, 1000000000ULL + 1000 * due, ended, &got);
	ms = (now_s() - t0) * 1e3;
	tapio_flow_table_free(t);
	return got == due ? ms : -1;
}

/* Room for a drain of 65,536 new flows in a full table of @n flows last
 * seen over the 2 s before now, idle timeout 15 s (a churn burst, where
 * the table turns over faster than flows time out): ms for the call, and
 * how many it ended. */
static double make_room_ms(const struct tapio_flow_key *keys, size_t n,
			   size_t *ended_n)
{
	struct tapio_flow_table_opts o = {.max_flows = (__u32)n,
					  .shards = 64,
					  .idle_timeout_ns = 15000000000ULL};
	const __u64 now = 100000000000ULL, span = 2000000000ULL;
	struct tapio_flow_table *t;
	double t0, ms;
	size_t i;

	*ended_n = 0;
	if (tapio_flow_table_new(&o, &t))
		return -1;
	for (i = 0; i < n; i++) {
		__u64 seen = now - span + span * i / n;
		struct tapio_flow_value v = {.packets = 1,
					     .bytes = 64,
					     .first_seen_ns = seen,
					     .last_seen_ns = seen};

		tapio_flow_table_add(t, &keys[i], &v);
	}
	t0 = now_s();
	tapio_flow_table_make_room(t, 65536, now, ended, ended_n);
	ms = (now_s() - t0) * 1e3;
	tapio_flow_table_free(t);
	return ms;
}

int main(int argc, char **argv)
{
	size_t sizes[] = {10000, 1000000}, i, s;
	const char *names[] = {"10k", "1m"};
	size_t updates = argc > 1 ? strtoul(argv[1], NULL, 10) : 10000000;
	struct tapio_flow_key *keys;
	const char *modes[] = {"1t", "2t_shared", "2t_rss"};
	double r[2][2][3]; /* [naive][size][mode] */
	int m, nv;

	keys = calloc(sizes[1], sizeof(*keys));
	if (!keys)
		return 1;
	for (i = 0; i < sizes[1]; i++) {
		keys[i].src_addr[10] = keys[i].src_addr[11] = 0xff;
		memcpy(&keys[i].src_addr[12], &i, 4);
		keys[i].src_port = (__u16)(i * 31);
		keys[i].dst_port = 443;
		keys[i].protocol = 6;
		keys[i].ip_version = 4;
	}
	/* 1 writer, 2 writers on all flows ("shared"), 2 writers on
	 * disjoint flows as RSS spreads them ("rss"); both tables each time */
	for (s = 0; s < 2; s++)
		for (m = 0; m < 3; m++)
			for (nv = 0; nv < 2; nv++)
				r[nv][s][m] = run(nv, keys, sizes[s], m ? 2 : 1,
						  m == 2, updates);
	for (s = 0; s < 2; s++)
		for (m = 0; m < 3; m++) {
			printf("bench: flow_table_update_%s_%s %.1f "
			       "Mupdates/s\n",
			       modes[m], names[s], r[0][s][m]);
			printf("bench: naive_lock_table_update_%s_%s %.1f "
			       "Mupdates/s\n",
			       modes[m], names[s], r[1][s][m]);
			printf("bench: flow_table_vs_naive_%s_%s %.2f ratio\n",
			       modes[m], names[s], r[0][s][m] / r[1][s][m]);
		}
	printf("bench: flow_table_sweep_1m_none %.1f ms\n",
	       sweep_ms(keys, sizes[1], 0));
	printf("bench: flow_table_sweep_1m_half %.1f ms\n",
	       sweep_ms(keys, sizes[1], sizes[1] / 2));
	for (i = 0; i < 3; i++) {
		size_t n_ended;
		double ms = make_room_ms(keys, sizes[1] * 15 / 16, &n_ended);

		printf("bench: flow_table_make_room_1m %.1f ms (%zu ended)\n",
		       ms, n_ended);
	}
	free(keys);
	return 0;
}
