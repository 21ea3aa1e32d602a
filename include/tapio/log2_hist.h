/* SPDX-License-Identifier: GPL-2.0 */
/* Log2 latency slots shared by the probes and the exporters, chosen so that
 * slot i is exactly Prometheus's bucket le = 2^i microseconds. */
#ifndef TAPIO_LOG2_HIST_H
#define TAPIO_LOG2_HIST_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* Slot 0 holds [0, 1] us, slot i holds (2^(i-1), 2^i] us, the last slot
 * everything above 2^(SLOTS-2) us (+Inf).  Nanoseconds are rounded up to
 * whole microseconds first, so a value exactly on an edge lands in the
 * bucket whose le is that edge, and a value above it never does. */
#define TAPIO_HIST_SLOTS 32

static inline __attribute__((always_inline)) __u32 tapio_ilog2(__u64 v)
{
	__u32 r, shift;

	r = (v > 0xffffffffULL) << 5;
	v >>= r;
	shift = (v > 0xffff) << 4;
	v >>= shift;
	r |= shift;
	shift = (v > 0xff) << 3;
	v >>= shift;
	r |= shift;
	shift = (v > 0xf) << 2;
	v >>= shift;
	r |= shift;
	shift = (v > 0x3) << 1;
	v >>= shift;
	r |= shift;
	r |= (__u32)(v >> 1);
	return r;
}

static inline __attribute__((always_inline)) __u32 tapio_hist_slot(__u64 ns)
{
	__u64 us = (ns + 999) / 1000;
	__u32 slot;

	if (us <= 1)
		return 0;
	slot = tapio_ilog2(us - 1) + 1;
	return slot < TAPIO_HIST_SLOTS ? slot : TAPIO_HIST_SLOTS - 1;
}

#endif /* TAPIO_LOG2_HIST_H */
