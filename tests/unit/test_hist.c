// SPDX-License-Identifier: GPL-2.0
/* Log2 latency slots: a value exactly on a bucket edge lands in the bucket
 * whose le is that edge, quantiles interpolate inside a slot. */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "export/prom_text.h"
#include "lib/hist.h"

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

/* The Prometheus form: cumulative buckets, an edge value in its own
 * bucket, +Inf and _count equal to every sample, _sum as given. */
static void prom_buckets(void **state)
{
	__u64 slots[TAPIO_HIST_SLOTS] = {0};
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	(void)state;
	slots[tapio_hist_slot(1000)]++; /* 1 us: le 1e-06 */
	slots[tapio_hist_slot(2000)]++; /* 2 us: le 2e-06 */
	slots[tapio_hist_slot(2001)]++; /* just above: le 4e-06 */
	slots[TAPIO_HIST_SLOTS - 1]++;	/* beyond the last edge */
	tapio_hist_prom(f, "h", "op=\"read\"", slots, 1.5);
	fclose(f);
	assert_non_null(strstr(text, "h_bucket{op=\"read\",le=\"1e-06\"} 1\n"));
	assert_non_null(strstr(text, "h_bucket{op=\"read\",le=\"2e-06\"} 2\n"));
	assert_non_null(strstr(text, "h_bucket{op=\"read\",le=\"4e-06\"} 3\n"));
	assert_non_null(
		strstr(text, "h_bucket{op=\"read\",le=\"1073.741824\"} 3\n"));
	assert_non_null(strstr(text, "h_bucket{op=\"read\",le=\"+Inf\"} 4\n"));
	assert_non_null(strstr(text, "h_sum{op=\"read\"} 1.500000000\n"));
	assert_non_null(strstr(text, "h_count{op=\"read\"} 4\n"));
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(edges),
		cmocka_unit_test(quantiles),
		cmocka_unit_test(prom_buckets),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
