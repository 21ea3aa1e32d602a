/* SPDX-License-Identifier: GPL-2.0 */
/* Block I/O accounting shared by probes/bio.bpf.c and userspace: per device
 * and operation counts, bytes and log2 latency histograms (log2_hist.h). */
#ifndef TAPIO_BIO_H
#define TAPIO_BIO_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#include "tapio/log2_hist.h"

#define TAPIO_BIO_SLOTS TAPIO_HIST_SLOTS
/* blk_status_t values; larger ones share the last slot. */
#define TAPIO_BIO_STATUS_SLOTS 16

enum tapio_bio_op {
	TAPIO_BIO_READ = 0,
	TAPIO_BIO_WRITE,
	TAPIO_BIO_FLUSH,
	TAPIO_BIO_DISCARD,
	TAPIO_BIO_OTHER,
	TAPIO_BIO_OPS,
};

struct tapio_bio_key {
	__u32 dev; /* kernel dev_t of the disk */
	__u32 op;  /* enum tapio_bio_op */
};

/* Per-CPU value of tapio_bio_stats: userspace sums the CPUs. */
struct tapio_bio_stats {
	__u64 ios;   /* completions (each request once) */
	__u64 bytes; /* bytes completed */
	__u64 errors;
	__u64 queued; /* requests timed insert -> issue */
	__u64 status[TAPIO_BIO_STATUS_SLOTS];
	__u64 queue_us[TAPIO_BIO_SLOTS];  /* insert -> issue */
	__u64 device_us[TAPIO_BIO_SLOTS]; /* issue -> complete */
	__u64 device_ns;		  /* sum of the device times */
};

/* Value of tapio_bio_disk, one per device, updated with atomics: requests
 * in flight now and the time with at least one in flight (saturation). */
struct tapio_bio_disk {
	__s64 in_flight;
	__u64 busy_since_ns; /* when in_flight went 0 -> 1, or 0 */
	__u64 busy_ns;	     /* closed busy periods */
	__u64 in_flight_max;
};

#endif /* TAPIO_BIO_H */
