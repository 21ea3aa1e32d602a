// SPDX-License-Identifier: GPL-2.0
/* Clock helpers shared by the collector, capture and the trace loop: one
 * copy instead of one per file. */
#include <time.h>

#include "lib/clock.h"

__u64 tapio_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * TAPIO_NS_PER_S + (__u64)ts.tv_nsec;
}

__u64 tapio_mono_coarse_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (__u64)ts.tv_sec * TAPIO_NS_PER_S + (__u64)ts.tv_nsec;
}

__s64 tapio_mono_to_real_ns(void)
{
	struct timespec m, r;

	clock_gettime(CLOCK_MONOTONIC, &m);
	clock_gettime(CLOCK_REALTIME, &r);
	return ((__s64)r.tv_sec - m.tv_sec) * (__s64)TAPIO_NS_PER_S +
	       ((__s64)r.tv_nsec - m.tv_nsec);
}

void tapio_sleep_until(__u64 deadline_ns)
{
	struct timespec ts = {(time_t)(deadline_ns / TAPIO_NS_PER_S),
			      (long)(deadline_ns % TAPIO_NS_PER_S)};

	clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
}
