// SPDX-License-Identifier: GPL-2.0
/* The sampled totals' estimate and its 95% interval: over 100 runs of a
 * known stream sampled at random, the interval holds the true total in at
 * least 93 (and not in all 100, or it would be too wide to mean much). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "lib/estimate.h"

static uint64_t rng = 0x9e3779b97f4a7c15ULL; /* fixed: the test repeats */

static uint32_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 32);
}

/* @runs samplings of @total events, @kept of them always kept, the rest
 * one in @n: how many intervals held @total */
static int covered(int runs, __u32 total, __u32 kept, __u32 n, double *width)
{
	int r, hits = 0;
	__u32 i;

	*width = 0;
	for (r = 0; r < runs; r++) {
		struct tapio_estimate e = {0};
		double ci, d;

		for (i = 0; i < total; i++)
			if (i < kept)
				tapio_estimate_add(&e, 1);
			else if (next() % n == 0)
				tapio_estimate_add(&e, n);
		ci = tapio_estimate_ci95(&e);
		d = (double)e.total - total;
		hits += d <= ci && -d <= ci;
		*width += ci / runs;
	}
	return hits;
}

static void test_coverage(void **state)
{
	double width;
	int hits;

	(void)state;
	hits = covered(100, 20000, 0, 10, &width);
	assert_in_range(hits, 93, 99);
	/* 1.96 sqrt(T (n - 1)) for T = 20000, n = 10: ~832 */
	assert_in_range((long)width, 780, 880);
	/* kept events are exact: the interval is of the sampled part */
	hits = covered(100, 20000, 5000, 50, &width);
	assert_in_range(hits, 93, 99);
	assert_in_range((long)width, 1650, 1950); /* 1.96 sqrt(15000 * 49) */
}

static void test_exact_without_sampling(void **state)
{
	struct tapio_estimate e = {0};
	int i;

	(void)state;
	for (i = 0; i < 1000; i++)
		tapio_estimate_add(&e, 1);
	assert_int_equal(e.total, 1000);
	assert_true(tapio_estimate_ci95(&e) == 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_coverage),
		cmocka_unit_test(test_exact_without_sampling),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
