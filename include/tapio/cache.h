/* SPDX-License-Identifier: GPL-2.0 */
/* Page-cache accounting from filemap and writeback tracepoints only (no
 * kprobes), per device and optionally per cgroup; see docs/metrics.md. */
#ifndef TAPIO_CACHE_H
#define TAPIO_CACHE_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define TAPIO_CACHE_ORDERS 12 /* folio orders 0..10, the rest in the last */

struct tapio_cache_key {
	__u64 cgroup_id; /* 0 unless per-cgroup accounting is on */
	__u32 dev;	 /* kernel dev_t of the filesystem (s_dev) */
	__u32 pad;
};

/* Per-CPU value of tapio_cache_stats, in pages unless named otherwise. */
struct tapio_cache_stats {
	__u64 lookups;	 /* pages asked for: reads (once each) + faults */
	__u64 misses;	 /* pages added to the cache */
	__u64 dirtied;	 /* file pages dirtied (folios, with classic tp) */
	__u64 writeback; /* file pages written back */
	__u64 added_by_order[TAPIO_CACHE_ORDERS]; /* folios added */
	__u64 mmap_faults; /* faults that went to filemap_fault (in lookups) */
	__u64 mmap_maps;   /* fault-arounds that mapped cached pages */
	__u64 mmap_pages;  /* pages in those fault-around windows: estimate */
	/* The block device's own cached pages (filesystem metadata buffers,
	 * buffered I/O on the raw device), kept apart from file pages. */
	__u64 meta_dirtied;
	__u64 meta_writeback;
};

#endif /* TAPIO_CACHE_H */
