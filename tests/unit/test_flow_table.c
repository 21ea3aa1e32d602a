// SPDX-License-Identifier: GPL-2.0
/* Unit tests of the aggregation table: merge, expiry, the bound, churn
 * against a model, and concurrent writers with exact final sums. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/flow_table.h"
#include "lib/flow_top.h"

#define S 1000000000ULL

static struct tapio_flow_key key_n(unsigned int n)
{
	struct tapio_flow_key k;

	memset(&k, 0, sizeof(k));
	k.src_addr[10] = k.src_addr[11] = 0xff;
	k.src_addr[12] = 10;
	k.src_addr[13] = (__u8)(n >> 16);
	k.src_addr[14] = (__u8)(n >> 8);
	k.src_addr[15] = (__u8)n;
	k.src_port = (__u16)(n * 7);
	k.dst_port = 53;
	k.protocol = 17;
	k.ip_version = 4;
	return k;
}

static struct tapio_flow_value val(__u64 p, __u64 b, __u64 first, __u64 last)
{
	struct tapio_flow_value v = {.packets = p,
				     .bytes = b,
				     .first_seen_ns = first,
				     .last_seen_ns = last};
	return v;
}

struct sink {
	__u64 packets, bytes, n, idle, active, flush, gone;
	struct tapio_flow_rec last;
};

static void collect(const struct tapio_flow_rec *r, enum tapio_end_reason why,
		    void *ctx)
{
	struct sink *s = ctx;

	s->packets += r->val.packets;
	s->bytes += r->val.bytes;
	s->n++;
	s->idle += why == TAPIO_END_IDLE;
	s->active += why == TAPIO_END_ACTIVE;
	s->flush += why == TAPIO_END_FLUSH;
	s->gone += why == TAPIO_END_GONE;
	s->last = *r;
}

static struct tapio_flow_table *mk(__u32 max, __u32 shards, __u64 idle,
				   __u64 active)
{
	struct tapio_flow_table_opts o = {.max_flows = max,
					  .shards = shards,
					  .idle_timeout_ns = idle,
					  .active_timeout_ns = active};
	struct tapio_flow_table *t = NULL;

	assert_int_equal(tapio_flow_table_new(&o, &t), 0);
	return t;
}

static void test_bad_options(void **state)
{
	struct tapio_flow_table_opts o = {.max_flows = 10, .shards = 3};
	struct tapio_flow_table *t = NULL;

	(void)state;
	assert_int_equal(tapio_flow_table_new(&o, &t), -EINVAL);
	o.shards = 4;
	o.max_flows = 0; /* no bound at all */
	assert_int_equal(tapio_flow_table_new(&o, &t), -EINVAL);
}

static void test_merge(void **state)
{
	struct tapio_flow_table *t = mk(100, 4, 0, 0);
	struct tapio_flow_key k = key_n(1);
	struct tapio_flow_value a = val(3, 300, 50, 90),
				b = val(2, 100, 40, 70);
	struct tapio_flow_table_stats st;
	struct sink s = {0};

	(void)state;
	a.tcp_flags = 0x02;
	b.tcp_flags = 0x10;
	assert_int_equal(tapio_flow_table_add(t, &k, &a), 0);
	assert_int_equal(tapio_flow_table_add(t, &k, &b), 0);
	tapio_flow_table_stats(t, &st);
	assert_int_equal(st.active, 1);
	assert_int_equal(st.created, 1);
	assert_int_equal(st.updates, 1);
	assert_int_equal(tapio_flow_table_flush(t, collect, &s), 1);
	assert_memory_equal(&s.last.key, &k, sizeof(k));
	assert_int_equal(s.last.val.packets, 5);
	assert_int_equal(s.last.val.bytes, 400);
	assert_int_equal(s.last.val.first_seen_ns, 40);
	assert_int_equal(s.last.val.last_seen_ns, 90);
	assert_int_equal(s.last.val.tcp_flags, 0x12);
	assert_int_equal(s.flush, 1);
	tapio_flow_table_stats(t, &st);
	assert_int_equal(st.active, 0);
	tapio_flow_table_free(t);
}

static bool on_ifindex_7(const struct tapio_flow_key *k, void *ctx)
{
	(*(int *)ctx)++;
	return k->ifindex == 7;
}

/* The flows of one interface end, as gone, and only they; the others
 * stay, whatever shard either is in. */
static void test_end_matching(void **state)
{
	struct tapio_flow_table *t = mk(4096, 8, 0, 0);
	struct tapio_flow_table_stats st;
	struct tapio_flow_value v;
	struct sink s = {0};
	int asked = 0;
	unsigned int n;

	(void)state;
	for (n = 0; n < 1000; n++) {
		struct tapio_flow_key k = key_n(n);

		k.ifindex = n % 3 ? 5 : 7; /* 334 on 7 */
		v = val(n + 1, 100, 10, 20);
		assert_int_equal(tapio_flow_table_add(t, &k, &v), 0);
	}
	assert_int_equal(tapio_flow_table_end(t, on_ifindex_7, &asked,
					      TAPIO_END_GONE, collect, &s),
			 334);
	assert_int_equal(asked, 1000); /* every flow looked at once */
	assert_int_equal(s.gone, 334);
	assert_int_equal(s.n, 334);
	/* packets n + 1 for n = 0, 3, ..., 999 */
	assert_int_equal(s.packets, 334 + 3 * (333 * 334 / 2));
	tapio_flow_table_stats(t, &st);
	assert_int_equal(st.active, 666);
	assert_int_equal(st.ended_gone, 334);
	memset(&s, 0, sizeof(s));
	assert_int_equal(tapio_flow_table_end(t, on_ifindex_7, &asked,
					      TAPIO_END_GONE, collect, &s),
			 0);
	assert_int_equal(tapio_flow_table_flush(t, collect, &s), 666);
	assert_int_equal(s.gone, 0);
	tapio_flow_table_free(t);
}

static void test_expiry(void **state)
{
	/* idle 10s, active 60s */
	struct tapio_flow_table *t = mk(100, 2, 10000, 60000);
	struct tapio_flow_value v;
	struct tapio_flow_key k;
	struct sink s = {0};

	(void)state;
	k = key_n(1); /* idle since 1000: idle at 11000 */
	v = val(1, 10, 1000, 1000);
	tapio_flow_table_add(t, &k, &v);
	k = key_n(2); /* busy since 0: active at 60000 */
	v = val(1, 10, 0, 5000);
	tapio_flow_table_add(t, &k, &v);
	k = key_n(3); /* recent */
	v = val(1, 10, 9000, 9000);
	tapio_flow_table_add(t, &k, &v);
	assert_int_equal(tapio_flow_table_expire(t, 10999, collect, &s), 0);
	assert_int_equal(tapio_flow_table_expire(t, 11000, collect, &s), 1);
	assert_int_equal(s.idle, 1);
	k = key_n(2);
	v = val(1, 10, 0, 55000); /* keeps flows 2 and 3 from going idle */
	tapio_flow_table_add(t, &k, &v);
	k = key_n(3);
	tapio_flow_table_add(t, &k, &v);
	assert_int_equal(tapio_flow_table_expire(t, 59999, collect, &s), 0);
	assert_int_equal(tapio_flow_table_expire(t, 60000, collect, &s), 1);
	assert_int_equal(s.active, 1);
	assert_int_equal(s.last.val.packets, 2);
	/* a 0 first-seen is "unstamped": flow 3 started at 9000 */
	assert_int_equal(tapio_flow_table_expire(t, 64999, collect, &s), 0);
	assert_int_equal(tapio_flow_table_expire(t, 65000, collect, &s), 1);
	assert_int_equal(s.idle, 2);
	assert_int_equal(s.packets, 5);
	assert_int_equal(s.bytes, 50);
	tapio_flow_table_free(t);
}

static void test_bound_conserves(void **state)
{
	struct tapio_flow_table *t = mk(8, 1, 0, 0);
	struct tapio_flow_table_stats st;
	struct tapio_flow_value v = val(3, 100, 1, 1);
	struct sink s = {0};
	unsigned int i, refused = 0;

	(void)state;
	for (i = 0; i < 20; i++) {
		struct tapio_flow_key k = key_n(i);

		refused += tapio_flow_table_add(t, &k, &v) == -ENOSPC;
	}
	tapio_flow_table_stats(t, &st);
	assert_int_equal(st.capacity, 8);
	assert_int_equal(st.active, 8);
	assert_int_equal(refused, 12);
	assert_int_equal(st.limit_hits, 12);
	assert_int_equal(st.overflow_packets, 36);
	assert_int_equal(st.overflow_bytes, 1200);
	tapio_flow_table_flush(t, collect, &s);
	assert_int_equal(s.packets + st.overflow_packets, 60);
	assert_int_equal(s.bytes + st.overflow_bytes, 2000);
	/* room again after the flush */
	assert_int_equal(
		tapio_flow_table_add(t, &(struct tapio_flow_key){0}, &v), 0);
	tapio_flow_table_free(t);
}

static void count_refused(const struct tapio_flow_key *key,
			  const struct tapio_flow_value *v, void *ctx)
{
	(void)key;
	*(__u64 *)ctx += v->packets;
}

/* The batch add is the single add, many at a time: same flows, same sums,
 * the same refusals at the bound, each handed to the callback. */
static void test_add_batch(void **state)
{
	struct tapio_flow_table_opts o = {.max_flows = 100, .shards = 1};
	struct tapio_flow_key keys[150];
	struct tapio_flow_value vals[150];
	struct tapio_flow_table_stats st;
	struct tapio_flow_table *t;
	struct sink out = {0};
	__u64 refused = 0;
	unsigned int i;

	(void)state;
	/* 120 keys, the first 30 twice: 150 adds, 120 flows */
	for (i = 0; i < 150; i++) {
		keys[i] = key_n(i % 120);
		vals[i] = val(i + 1, 10 * (i + 1), 5, 6);
	}
	assert_int_equal(tapio_flow_table_new(&o, &t), 0);
	assert_int_equal(tapio_flow_table_add_batch(t, keys, vals, 150,
						    count_refused, &refused),
			 20);
	tapio_flow_table_stats(t, &st);
	assert_int_equal(st.active, 100);
	assert_int_equal(st.created, 100);
	assert_int_equal(st.updates, 30);
	/* keys 100..119 refused once each: packets 101..120 */
	assert_int_equal(refused, (101 + 120) * 20 / 2);
	assert_int_equal(st.overflow_packets, refused);
	tapio_flow_table_flush(t, collect, &out);
	assert_int_equal(out.n, 100);
	assert_int_equal(out.packets + refused, 150 * 151 / 2);
	tapio_flow_table_free(t);
}

static void count_forced(const struct tapio_flow_rec *r,
			 enum tapio_end_reason why, void *ctx)
{
	collect(r, why, ctx);
	/* every flow ended early was idle longer than every one kept */
	assert_int_equal(why, TAPIO_END_FORCED);
	assert_true(r->val.last_seen_ns < 51 * S);
}

/* A full table makes room by ending the flows idle longest: flows last
 * seen 1..100 s, now 101 s, idle timeout 200 s: at half of it (100 s)
 * none is that idle, at a quarter (50 s) flows 1..50 are, which is room
 * for the 30 asked.  Flows all seen just now are never ended early. */
static void test_make_room(void **state)
{
	struct tapio_flow_table *t = mk(100, 1, 200 * S, 0);
	struct tapio_flow_table_stats st;
	struct sink out = {0};
	unsigned int i, si;

	(void)state;
	for (i = 1; i <= 100; i++) {
		struct tapio_flow_key k = key_n(i);
		struct tapio_flow_value v = val(1, 60, i * S, i * S);

		assert_int_equal(tapio_flow_table_add(t, &k, &v), 0);
	}
	/* a full table, but nothing is coming: nothing ends */
	assert_int_equal(
		tapio_flow_table_make_room(t, 0, 101 * S, count_forced, &out),
		0);
	assert_int_equal(
		tapio_flow_table_make_room(t, 30, 101 * S, count_forced, &out),
		50);
	tapio_flow_table_stats(t, &st);
	assert_int_equal(st.active, 50);
	assert_int_equal(st.expired_forced, 50);
	assert_int_equal(out.packets, 50);
	/* room enough already: nothing ends */
	assert_int_equal(
		tapio_flow_table_make_room(t, 50, 101 * S, count_forced, &out),
		0);
	tapio_flow_table_flush(t, collect, &out);
	assert_int_equal(out.packets, 100);

	/* a table of flows seen just now keeps them all */
	for (i = 1; i <= 100; i++) {
		struct tapio_flow_key k = key_n(i);
		struct tapio_flow_value v = val(1, 60, 101 * S, 101 * S);

		assert_int_equal(tapio_flow_table_add(t, &k, &v), 0);
	}
	assert_int_equal(
		tapio_flow_table_make_room(t, 30, 101 * S, count_forced, &out),
		0);
	tapio_flow_table_free(t);

	/* idle timeout 10 s, flows last seen at 1..100 s and 300 in the
	 * last 0.5 ms, now 105 s.  On 8 shards, room for 200: the first step
	 * (5 s) ends the 95 due and the 4 idle over 5 s, and suffices.  On
	 * one full shard, room for 100: no step suffices, and the last
	 * (0.6 ms) ends all but the 300 of the last 0.5 ms */
	for (si = 0; si < 2; si++) {
		t = si ? mk(400, 1, 10 * S, 0) : mk(800, 8, 10 * S, 0);
		for (i = 1; i <= 400; i++) {
			struct tapio_flow_key k = key_n(i);
			__u64 seen = i <= 100 ? i * S : 105 * S - 500000;
			struct tapio_flow_value v = val(1, 60, seen, seen);

			assert_int_equal(tapio_flow_table_add(t, &k, &v), 0);
		}
		assert_int_equal(tapio_flow_table_make_room(t, si ? 100 : 200,
							    105 * S, NULL,
							    NULL),
				 si ? 100 : 99);
		tapio_flow_table_stats(t, &st);
		assert_int_equal(st.active, si ? 300 : 301);
		assert_int_equal(st.expired_idle, 95);
		assert_int_equal(st.expired_forced, si ? 5 : 4);
		tapio_flow_table_free(t);
	}
}

static void test_memory_limit(void **state)
{
	struct tapio_flow_table_opts o = {.memory_limit = 1 << 20, .shards = 4};
	struct tapio_flow_table_stats st;
	struct tapio_flow_table *t = NULL;

	(void)state;
	assert_int_equal(tapio_flow_table_new(&o, &t), 0);
	tapio_flow_table_stats(t, &st);
	assert_true(st.capacity > 5000);
	assert_true(st.memory_bytes <= (1 << 20));
	assert_true(st.memory_bytes > (1 << 19)); /* and not far below */
	tapio_flow_table_free(t);
}

struct model_check {
	const __u64 *model;
	unsigned int n, entries, wrong;
};

/* Each entry must be a distinct live key holding exactly the model's count;
 * a broken probe chain shows up as a duplicate or a wrong count. */
static void check_entry(const struct tapio_flow_rec *r, void *ctx)
{
	struct model_check *m = ctx;
	unsigned int i = (unsigned int)r->key.src_addr[13] << 16 |
			 (unsigned int)r->key.src_addr[14] << 8 |
			 r->key.src_addr[15];

	m->entries++;
	if (i >= m->n || r->val.packets != m->model[i])
		m->wrong++;
}

/* Random inserts and idle expiries against a brute-force model: catches
 * any probe chain that backward-shift deletion breaks. */
static void test_churn_against_model(void **state)
{
	enum { N = 512, ROUNDS = 20000 };
	static __u64 model[N]; /* packets per key, 0 = absent */
	static __u64 stamp[N];
	/* idle timeout long enough that ~half the keys are live at once:
	 * the probe chains that deletion must keep intact are then long */
	struct tapio_flow_table *t = mk(N, 1, 1500, 0);
	struct tapio_flow_table_stats st;
	struct sink s = {0};
	__u64 now = 1000, added = 0, expired = 0, present;
	unsigned int r, i;

	(void)state;
	srand(7);
	for (r = 0; r < ROUNDS; r++) {
		i = (unsigned int)rand() % N;
		if (rand() % 8) {
			struct tapio_flow_key k = key_n(i);
			struct tapio_flow_value v = val(1, 1, now, now);

			assert_int_equal(tapio_flow_table_add(t, &k, &v), 0);
			model[i]++;
			stamp[i] = now;
			added++;
		} else {
			now += 37;
			memset(&s, 0, sizeof(s));
			tapio_flow_table_expire(t, now, collect, &s);
			expired += s.packets;
			for (i = 0; i < N; i++)
				if (model[i] && now >= stamp[i] + 1500)
					model[i] = 0;
		}
	}
	/* every key the model holds is there once, with its exact count */
	present = 0;
	{
		struct model_check m = {model, N, 0, 0};
		unsigned int live = 0;

		for (i = 0; i < N; i++) {
			present += model[i];
			live += model[i] != 0;
		}
		tapio_flow_table_foreach(t, check_entry, &m);
		assert_int_equal(m.wrong, 0);
		assert_int_equal(m.entries, live);
	}
	memset(&s, 0, sizeof(s));
	tapio_flow_table_flush(t, collect, &s);
	assert_int_equal(s.packets, present);
	assert_int_equal(expired + s.packets, added);
	tapio_flow_table_stats(t, &st);
	assert_int_equal(st.active, 0);
	tapio_flow_table_free(t);
}

struct writer {
	struct tapio_flow_table *t;
	unsigned int id, keys, rounds;
};

static void *write_loop(void *arg)
{
	struct writer *w = arg;
	unsigned int r, k;

	for (r = 0; r < w->rounds; r++)
		for (k = 0; k < w->keys; k++) {
			struct tapio_flow_key key = key_n(k);
			struct tapio_flow_value v =
				val(1, 100 + w->id, r + 1, r + 1);

			tapio_flow_table_add(w->t, &key, &v);
		}
	return NULL;
}

static void sum_one(const struct tapio_flow_rec *r, void *ctx)
{
	struct sink *s = ctx;

	s->packets += r->val.packets;
	s->bytes += r->val.bytes;
	s->n++;
	if (r->val.packets != 4 * 2000)
		s->idle++; /* reuse as "wrong per-flow count" */
}

static void test_concurrent_writers(void **state)
{
	enum { THREADS = 4, KEYS = 1000, ROUNDS = 2000 };
	struct tapio_flow_table *t = mk(4096, 16, 0, 0);
	struct writer w[THREADS];
	pthread_t th[THREADS];
	struct sink s = {0};
	unsigned int i;
	__u64 bytes = 0;

	(void)state;
	for (i = 0; i < THREADS; i++) {
		w[i] = (struct writer){t, i, KEYS, ROUNDS};
		assert_int_equal(
			pthread_create(&th[i], NULL, write_loop, &w[i]), 0);
	}
	for (i = 0; i < THREADS; i++) {
		pthread_join(th[i], NULL);
		bytes += (__u64)(100 + i) * KEYS * ROUNDS;
	}
	tapio_flow_table_foreach(t, sum_one, &s);
	assert_int_equal(s.n, KEYS);
	assert_int_equal(s.idle, 0);
	assert_int_equal(s.packets, (__u64)THREADS * KEYS * ROUNDS);
	assert_int_equal(s.bytes, bytes);
	tapio_flow_table_free(t);
}

static int by_bytes_desc(const void *a, const void *b)
{
	const struct tapio_flow_rec *x = a, *y = b;

	if (x->val.bytes != y->val.bytes)
		return x->val.bytes < y->val.bytes ? 1 : -1;
	if (x->val.packets != y->val.packets)
		return x->val.packets < y->val.packets ? 1 : -1;
	return 0;
}

/* The heap keeps exactly what a full sort would put first, ties included
 * (many flows share a byte count here), and in that order. */
static void test_top_n_against_sort(void **state)
{
	enum { FLOWS = 5000, N = 20 };
	static struct tapio_flow_rec all[FLOWS];
	struct tapio_flow_top top;
	unsigned int i, seed = 7;

	(void)state;
	for (i = 0; i < FLOWS; i++) {
		all[i].key = key_n(i);
		all[i].val = val(rand_r(&seed) % 50 + 1,
				 (rand_r(&seed) % 300) * 64, 1, 2);
	}
	assert_int_equal(tapio_flow_top_init(&top, N), 0);
	for (i = 0; i < FLOWS; i++)
		tapio_flow_top_offer(&top, &all[i]);
	tapio_flow_top_sort(&top);
	qsort(all, FLOWS, sizeof(all[0]), by_bytes_desc);
	assert_int_equal(top.n, N);
	for (i = 0; i < N; i++) {
		assert_int_equal(top.rec[i].val.bytes, all[i].val.bytes);
		assert_int_equal(top.rec[i].val.packets, all[i].val.packets);
	}

	/* fewer flows than N: all of them, largest first */
	assert_int_equal(tapio_flow_top_reset(&top, N), 0);
	for (i = 0; i < 5; i++)
		tapio_flow_top_offer(&top, &all[FLOWS - 1 - i * 100]);
	tapio_flow_top_sort(&top);
	assert_int_equal(top.n, 5);
	for (i = 1; i < 5; i++)
		assert_true(by_bytes_desc(&top.rec[i - 1], &top.rec[i]) <= 0);

	/* N = 0 keeps none; a new N takes effect on reset */
	assert_int_equal(tapio_flow_top_reset(&top, 0), 0);
	tapio_flow_top_offer(&top, &all[0]);
	assert_int_equal(top.n, 0);
	assert_int_equal(tapio_flow_top_reset(&top, 1), 0);
	for (i = FLOWS; i-- > 0;)
		tapio_flow_top_offer(&top, &all[i]);
	assert_int_equal(top.n, 1);
	assert_int_equal(top.rec[0].val.bytes, all[0].val.bytes);
	tapio_flow_top_free(&top);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_options),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_expiry),
		cmocka_unit_test(test_bound_conserves),
		cmocka_unit_test(test_add_batch),
		cmocka_unit_test(test_make_room),
		cmocka_unit_test(test_end_matching),
		cmocka_unit_test(test_memory_limit),
		cmocka_unit_test(test_churn_against_model),
		cmocka_unit_test(test_concurrent_writers),
		cmocka_unit_test(test_top_n_against_sort),
	};

	return cmocka_run_group_tests_name("flow_table", tests, NULL, NULL);
}
