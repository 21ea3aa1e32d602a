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
	__u64 last_done_ns; /* the latest completion that ended a request */
	/* requests whose completion never came (the kernel skipped the
	 * program: recursion_misses), taken out of in_flight by the reaper */
	__u64 lost;
};

/* Context of tapio_bio_reap, run by userspace through BPF_PROG_TEST_RUN:
 * start entries issued (or inserted) more than @max_age_ns ago are lost
 * completions; @reaped returns how many it took out. */
struct tapio_bio_reap_args {
	__u64 max_age_ns;
	__u64 reaped;
};

/* Older than any request can be: the block layer times requests out at
 * 30 s by default (/sys/block/DEV/queue/io_timeout) and completes them. */
#define TAPIO_BIO_LOST_AFTER_NS (120ULL * 1000000000ULL)

#endif /* TAPIO_BIO_H */
