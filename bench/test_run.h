/* SPDX-License-Identifier: GPL-2.0 */
/* What the BPF_PROG_TEST_RUN benchmarks share: one timed run of a program
 * on a frame, and the median of rounds that interleave the cases. */
#ifndef TAPIO_BENCH_TEST_RUN_H
#define TAPIO_BENCH_TEST_RUN_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>

/* Average ns per run of @repeat runs on one frame, as the kernel timed it;
 * a failing test run ends the bench. */
static inline double bench_test_run(int fd, void *frame, size_t len,
				    __u32 repeat)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame,
		    .data_size_in = (__u32)len, .repeat = repeat);

	if (bpf_prog_test_run_opts(fd, &o)) {
		fprintf(stderr, "bench: test_run: %s\n", strerror(errno));
		exit(1);
	}
	return (double)o.duration;
}

static inline int bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The median of @n values (sorted in place) */
static inline double bench_median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), bench_cmp_double);
	return v[n / 2];
}

#endif /* TAPIO_BENCH_TEST_RUN_H */
