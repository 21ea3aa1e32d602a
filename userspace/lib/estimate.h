/* SPDX-License-Identifier: GPL-2.0 */
/* Totals estimated from a sample: each item kept with probability 1/n counts
 * n (Horvitz-Thompson), with the 95% interval of that sum. */
#ifndef TAPIO_ESTIMATE_H
#define TAPIO_ESTIMATE_H

#include <math.h>
#include <linux/types.h>

struct tapio_estimate {
	__u64 total; /* sum of n over the items kept */
	__u64 var;   /* sum of n^2 - n: the total's variance, estimated */
};

/* One item kept at one in @n (1: an item always kept, which adds no
 * variance). */
static inline void tapio_estimate_add(struct tapio_estimate *e, __u32 n)
{
	e->total += n;
	e->var += (__u64)n * n - n;
}

/* Half-width of the 95% interval of the total: 1.96 standard deviations,
 * the variance being sum((1 - p) / p^2) = sum(n^2 - n) over the kept. */
static inline double tapio_estimate_ci95(const struct tapio_estimate *e)
{
	return 1.96 * sqrt((double)e->var);
}

#endif /* TAPIO_ESTIMATE_H */
