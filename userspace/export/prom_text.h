/* SPDX-License-Identifier: GPL-2.0 */
/* The one Prometheus text writer: families with HELP and TYPE, samples with
 * escaped labels.  Every /metrics family is written through it. */
#ifndef TAPIO_PROM_TEXT_H
#define TAPIO_PROM_TEXT_H

#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>

struct tapio_label {
	const char *name, *value;
};

/* A compound literal array and its length, for tapio_prom_sample(). */
#define TAPIO_LABELS(...)                                                      \
	(const struct tapio_label[]){__VA_ARGS__},                             \
		sizeof((const struct tapio_label[]){__VA_ARGS__}) /            \
			sizeof(struct tapio_label)

/* "# HELP name help" and "# TYPE name type" */
void tapio_prom_family(FILE *f, const char *name, const char *type,
		       const char *help);
/* name{l1="v1",...} v; no braces without labels */
void tapio_prom_sample(FILE *f, const char *name, const struct tapio_label *l,
		       size_t n, unsigned long long v);
void tapio_prom_sample_double(FILE *f, const char *name,
			      const struct tapio_label *l, size_t n, double v);
/* A family of one series without labels. */
void tapio_prom_scalar(FILE *f, const char *name, const char *type,
		       const char *help, unsigned long long v);
/* A label value: backslash, quote and newline escaped. */
void tapio_prom_label(FILE *f, const char *s);

/* A Prometheus histogram series NAME{LABELS,le=...}: cumulative buckets
 * in seconds from the slots, then _sum (given in seconds) and _count.
 * LABELS is 'k="v",...' without braces, or "". */
void tapio_hist_prom(FILE *f, const char *name, const char *labels,
		     const __u64 *slots, double sum_seconds);

#endif /* TAPIO_PROM_TEXT_H */
