// SPDX-License-Identifier: GPL-2.0
/* Unit tests of a receive thread's private flow cache: exact sums after a
 * merge, merges at half full, refusals at the table's bound, short probes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/flow_cache.h"

static struct tapio_flow_table *table(__u32 max_flows)
{
	struct tapio_flow_table_opts o = {.max_flows = max_flows,
					  .idle_timeout_ns = 1ULL << 62,
					  .active_timeout_ns = 1ULL << 62};
	struct tapio_flow_table *t = NULL;

	assert_int_equal(tapio_flow_table_new(&o, &t), 0);
	return t;
}

/* A UDP flow keyed the way the parser keys it; @n in the source port (and
 * past 65535 the source address), as a burst of clients differs. */
static struct tapio_flow_key key_n(unsigned int n)
{
	struct tapio_flow_key k;

	memset(&k, 0, sizeof(k));
	k.src_addr[10] = k.src_addr[11] = 0xff;
	k.src_addr[12] = 10;
	k.src_addr[15] = (__u8)(n >> 16);
	k.dst_addr[10] = k.dst_addr[11] = 0xff;
	k.dst_addr[12] = 10;
	k.dst_addr[15] = 2;
	k.ifindex = 3;
	k.src_port = (__u16)n;
	k.dst_port = 53;
	k.ip_version = 4;
	k.protocol = 17;
	return k;
}

struct sums {
	__u64 flows, packets, bytes;
};

static void sum(const struct tapio_flow_rec *r, enum tapio_end_reason why,
		void *ctx)
{
	struct sums *s = ctx;

	(void)why;
	s->flows++;
	s->packets += r->val.packets;
	s->bytes += r->val.bytes;
}

static void test_merge_exact(void **state)
{
	struct tapio_flow_table *t = table(1 << 20);
	struct tapio_flow_cache c;
	struct tapio_flow_table_stats st;
	struct sums s = {0};
	unsigned int i, n;

	(void)state;
	assert_int_equal(tapio_flow_cache_init(&c, 12, t, NULL, NULL), 0);
	/* flow i gets i % 5 + 1 frames of 100 + i bytes, interleaved */
	for (n = 0; n < 5; n++)
		for (i = 0; i < 1000; i++)
			if (n <= i % 5) {
				struct tapio_flow_key k = key_n(i);

				tapio_flow_cache_add(&c, &k, 100 + i, 0x10,
						     1000 + n);
			}
	tapio_flow_table_stats(t, &st);
	assert_int_equal(st.active, 0); /* nothing before the merge */
	tapio_flow_cache_merge(&c, 2000);
	assert_int_equal(c.nused, 0);
	tapio_flow_table_flush(t, sum, &s);
	assert_int_equal(s.flows, 1000);
	assert_int_equal(s.packets, 3000); /* 200 of each 1..5 */
	for (i = 0, n = 0; i < 1000; i++)
		n += (i % 5 + 1) * (100 + i);
	assert_int_equal(s.bytes, n);
	tapio_flow_cache_free(&c);
	tapio_flow_table_free(t);
}

/* 4096 slots merge on their own at 2048 flows: nothing lost meanwhile */
static void test_half_full_merges(void **state)
{
	struct tapio_flow_table *t = table(1 << 20);
	struct tapio_flow_cache c;
	struct sums s = {0};
	unsigned int i;

	(void)state;
	assert_int_equal(tapio_flow_cache_init(&c, 12, t, NULL, NULL), 0);
	for (i = 0; i < 5000; i++) {
		struct tapio_flow_key k = key_n(i);

		tapio_flow_cache_add(&c, &k, 64, 0, 1);
	}
	assert_int_equal(c.nused, 5000 - 2 * 2048);
	tapio_flow_cache_merge(&c, 2);
	tapio_flow_table_flush(t, sum, &s);
	assert_int_equal(s.flows, 5000);
	assert_int_equal(s.packets, 5000);
	tapio_flow_cache_free(&c);
	tapio_flow_table_free(t);
}

static void count_refused(const struct tapio_flow_key *k,
			  const struct tapio_flow_value *v, void *ctx)
{
	(void)k;
	*(__u64 *)ctx += v->packets;
}

/* a table of 64 flows: the cache's other flows come back as refused, with
 * every packet */
static void test_refused_at_bound(void **state)
{
	struct tapio_flow_table *t = table(64);
	struct tapio_flow_cache c;
	struct tapio_flow_table_stats st;
	struct sums s = {0};
	__u64 refused = 0;
	unsigned int i;

	(void)state;
	assert_int_equal(
		tapio_flow_cache_init(&c, 10, t, count_refused, &refused), 0);
	for (i = 0; i < 300; i++) {
		struct tapio_flow_key k = key_n(i);

		tapio_flow_cache_add(&c, &k, 64, 0, 1);
		tapio_flow_cache_add(&c, &k, 64, 0, 1);
	}
	tapio_flow_cache_merge(&c, 2);
	tapio_flow_table_stats(t, &st);
	tapio_flow_table_flush(t, sum, &s);
	assert_int_equal(s.packets + refused, 600);
	assert_true(refused > 0);
	assert_int_equal(refused, st.overflow_packets);
	tapio_flow_cache_free(&c);
	tapio_flow_table_free(t);
}

/* Keys that differ in one port: their first slots must spread, or linear
 * probing runs long (when every key hashed alike, a frame took 18 us). */
static void test_slots_spread(void **state)
{
	struct tapio_flow_table *t = table(1 << 20);
	struct tapio_flow_cache c;
	unsigned int i, run = 0, longest = 0;

	(void)state;
	assert_int_equal(tapio_flow_cache_init(&c, 16, t, NULL, NULL), 0);
	for (i = 0; i < 10000; i++) {
		struct tapio_flow_key k = key_n(i);

		tapio_flow_cache_add(&c, &k, 64, 0, 1);
	}
	for (i = 0; i <= c.mask; i++) {
		run = c.slot[i].val.packets ? run + 1 : 0;
		longest = run > longest ? run : longest;
	}
	assert_true(longest < 32);
	tapio_flow_cache_free(&c);
	tapio_flow_table_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_merge_exact),
		cmocka_unit_test(test_half_full_merges),
		cmocka_unit_test(test_refused_at_bound),
		cmocka_unit_test(test_slots_spread),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
