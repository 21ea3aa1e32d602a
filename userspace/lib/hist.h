/* SPDX-License-Identifier: GPL-2.0 */
/* Reading the probes' log2 microsecond histograms (tapio/log2_hist.h):
 * quantiles, Prometheus bucket edges and a biolatency-style plot. */
#ifndef TAPIO_HIST_H
#define TAPIO_HIST_H

#include <stdio.h>
#include <linux/types.h>

#include "tapio/log2_hist.h"

/* Upper edge of slot i in microseconds (its Prometheus le); the last slot
 * has none and returns 0. */
__u64 tapio_hist_le_us(unsigned int i);
__u64 tapio_hist_total(const __u64 *slots);
/* The q-quantile (0..1) in microseconds, interpolated linearly inside its
 * slot as histogram_quantile() does; 0 for an empty histogram. */
double tapio_hist_quantile(const __u64 *slots, double q);
void tapio_hist_print(FILE *out, const __u64 *slots, const char *title);
struct tapio_json;
/* "key":[n,n,...]: the slots up to the last non-zero one. */
void tapio_hist_json(struct tapio_json *j, const char *key, const __u64 *slots);

#endif /* TAPIO_HIST_H */
