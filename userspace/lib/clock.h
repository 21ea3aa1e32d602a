/* SPDX-License-Identifier: GPL-2.0 */
/* The clocks of tapio: CLOCK_MONOTONIC as the kernel programs stamp flows,
 * and the offset that turns those stamps into Unix time for exports. */
#ifndef TAPIO_CLOCK_H
#define TAPIO_CLOCK_H

#include <linux/types.h>

#define TAPIO_NS_PER_S 1000000000ULL

/* CLOCK_MONOTONIC in ns (bpf_ktime_get_ns() reads the same clock). */
__u64 tapio_mono_ns(void);
/* CLOCK_MONOTONIC_COARSE in ns: the same clock at tick resolution, a few
 * ns to read; for receive loops that stamp a batch of frames. */
__u64 tapio_mono_coarse_ns(void);
/* CLOCK_REALTIME - CLOCK_MONOTONIC, in ns. */
__s64 tapio_mono_to_real_ns(void);
/* Sleeps until CLOCK_MONOTONIC reaches @deadline_ns; a signal ends it early. */
void tapio_sleep_until(__u64 deadline_ns);

#endif /* TAPIO_CLOCK_H */
