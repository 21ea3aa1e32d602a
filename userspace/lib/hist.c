// SPDX-License-Identifier: GPL-2.0
/* Quantiles, bucket edges and text plots of the log2 microsecond
 * histograms that the block probe fills. */
#include <errno.h>
#include <string.h>

#include "lib/hist.h"
#include "lib/json.h"

__u64 tapio_hist_le_us(unsigned int i)
{
	return i + 1 < TAPIO_HIST_SLOTS ? 1ULL << i : 0;
}

__u64 tapio_hist_total(const __u64 *slots)
{
	__u64 t = 0;
	int i;

	for (i = 0; i < TAPIO_HIST_SLOTS; i++)
		t += slots[i];
	return t;
}

double tapio_hist_quantile(const __u64 *slots, double q)
{
	__u64 total = tapio_hist_total(slots), seen = 0;
	double rank, lo, hi;
	int i;

	if (!total)
		return 0;
	rank = q * (double)total;
	for (i = 0; i < TAPIO_HIST_SLOTS; i++) {
		if (!slots[i] || (double)(seen + slots[i]) < rank) {
			seen += slots[i];
			continue;
		}
		lo = i == 0 ? 0 : (double)(1ULL << (i - 1));
		if (i + 1 == TAPIO_HIST_SLOTS)
			return lo; /* +Inf bucket: its lower edge */
		hi = (double)(1ULL << i);
		return lo +
		       (hi - lo) * ((rank - (double)seen) / (double)slots[i]);
	}
	return 0;
}

void tapio_hist_print(FILE *out, const __u64 *slots, const char *title)
{
	__u64 max = 0;
	int i, first = -1, last = -1, stars, j;

	for (i = 0; i < TAPIO_HIST_SLOTS; i++) {
		if (!slots[i])
			continue;
		if (first < 0)
			first = i;
		last = i;
		if (slots[i] > max)
			max = slots[i];
	}
	fprintf(out, "%s\n", title);
	if (first < 0) {
		fprintf(out, "     (no samples)\n");
		return;
	}
	fprintf(out, "%22s : %-10s |%-40s|\n", "usecs", "count",
		"distribution");
	for (i = first; i <= last; i++) {
		__u64 lo = i ? (1ULL << (i - 1)) + (i > 1) : 0;
		char range[48];

		if (i + 1 == TAPIO_HIST_SLOTS)
			snprintf(range, sizeof(range), "%llu -> inf",
				 (unsigned long long)lo);
		else
			snprintf(range, sizeof(range), "%llu -> %llu",
				 (unsigned long long)lo,
				 (unsigned long long)(1ULL << i));
		stars = (int)(slots[i] * 40 / max);
		fprintf(out, "%22s : %-10llu |", range,
			(unsigned long long)slots[i]);
		for (j = 0; j < 40; j++)
			fputc(j < stars ? '*' : ' ', out);
		fprintf(out, "|\n");
	}
}

void tapio_hist_json(struct tapio_json *j, const char *key, const __u64 *slots)
{
	int i, last = -1;

	for (i = 0; i < TAPIO_HIST_SLOTS; i++)
		if (slots[i])
			last = i;
	tapio_json_array(j, key);
	for (i = 0; i <= last; i++)
		tapio_json_u64(j, NULL, slots[i]);
	tapio_json_array_end(j);
}
