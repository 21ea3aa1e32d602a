/* SPDX-License-Identifier: GPL-2.0 */
/* Counters with one writer (a receive thread) and any number of readers:
 * a relaxed load and store instead of a locked add, reads always whole. */
#ifndef TAPIO_OWN_COUNTER_H
#define TAPIO_OWN_COUNTER_H

#include <stdatomic.h>
#include <linux/types.h>

/* Only the counter's one writer may call this. */
static inline void tapio_own_add(_Atomic __u64 *c, __u64 n)
{
	atomic_store_explicit(c,
			      atomic_load_explicit(c, memory_order_relaxed) + n,
			      memory_order_relaxed);
}

static inline __u64 tapio_own_read(const _Atomic __u64 *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

#endif /* TAPIO_OWN_COUNTER_H */
