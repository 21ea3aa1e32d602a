// SPDX-License-Identifier: GPL-2.0
/* Log2 latency slots: a value exactly on a bucket edge lands in the bucket
 * whose le is that edge, quantiles interpolate inside a slot. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "hist.h"

static void edges(void **state)
{
	unsigned int i;

	(void)state;
	assert_int_equal(tapio_hist_slot(0), 0);
	assert_int_equal(tapio_hist_slot(1000), 0); /* 1 us: le 1 */
	assert_int_equal(tapio_hist_slot(1001), 1); /* rounds up to 2 us */
	assert_int_equal(tapio_hist_slot(2000), 1); /* le 2 */
	assert_int_equal(tapio_hist_slot(2001), 2);
	for (i = 1; i + 1 < TAPIO_HIST_SLOTS; i++) {
		__u64 le = tapio_hist_le_us(i);

		assert_int_equal(le, 1ULL << i);
		/* exactly on the edge: in; one ns above: the next bucket */
		assert_int_equal(tapio_hist_slot(le * 1000), i);
		assert_int_equal(tapio_hist_slot(le * 1000 + 1), i + 1);
		assert_int_equal(tapio_hist_slot(le * 1000 / 2 + 1), i);
	}
	assert_int_equal(tapio_hist_le_us(TAPIO_HIST_SLOTS - 1), 0); /* +Inf */
	assert_int_equal(tapio_hist_slot(~0ULL / 2), TAPIO_HIST_SLOTS - 1);
}

static void quantiles(void **state)
{
	__u64 s[TAPIO_HIST_SLOTS] = {0};

	(void)state;
	assert_true(tapio_hist_quantile(s, 0.5) == 0);
	s[4] = 100; /* (8, 16] us */
	assert_true(tapio_hist_quantile(s, 0.5) == 12);
	assert_true(tapio_hist_quantile(s, 1.0) == 16);
	s[10] = 100; /* (512, 1024] us */
	assert_true(tapio_hist_quantile(s, 0.5) == 16);
	assert_true(tapio_hist_quantile(s, 0.75) == 768);
	assert_int_equal(tapio_hist_total(s), 200);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(edges),
		cmocka_unit_test(quantiles),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
