/* SPDX-License-Identifier: GPL-2.0 */
/* AF_XDP pollers: one socket, UMEM and thread per receive queue, pinned to
 * the CPU of the queue's IRQ, feeding the aggregation table. */
#ifndef TAPIO_XSK_POLLER_H
#define TAPIO_XSK_POLLER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <linux/types.h>
#include <xdp/xsk.h>

#include "lib/flow_cache.h"
#include "lib/flow_table.h"
#include "tapio/config.h"

/* Frames per queue: UMEM (4 KiB each), fill and rx rings.  A power of two;
 * more absorbs longer stalls of a poller, at 4 KiB of memory each. */
#define TAPIO_XSK_FRAMES_DEFAULT 4096
#define TAPIO_XSK_FRAMES_MIN	 512
#define TAPIO_XSK_FRAMES_MAX	 32768

struct tapio_xsk_set;

struct tapio_xsk_queue {
	struct tapio_xsk_set *set;
	unsigned int queue;
	struct xsk_umem *umem;
	struct xsk_socket *xsk;
	struct xsk_ring_prod fq;
	struct xsk_ring_cons cq, rx;
	void *area;
	bool zerocopy, started, huge;
	int cpu;
	const char *cpu_reason; /* "irq N", or why it was spread */
	pthread_t thread;
	/* written by the poller thread only, read by the collector: relaxed
	 * atomics on a line of their own, so reads are whole and the poller
	 * shares no cache line with the fields the collector writes */
	struct {
		_Atomic __u64 packets, bytes, non_ip, parse_errors,
			table_overflow;
	} __attribute__((aligned(64))) cnt;
	/* the poller's own flows between merges into the table (none: it
	 * adds to the table frame by frame); written by the poller only */
	struct tapio_flow_cache cache __attribute__((aligned(64)));
};

/* Frames a queue's poller has received so far. */
__u64 tapio_xsk_queue_packets(const struct tapio_xsk_queue *q);

struct tapio_xsk_set {
	const char *dev;
	unsigned int ifindex, nqueues;
	int xsks_fd;
	struct tapio_flow_table *table;
	volatile int stop;
	bool hugepages; /* UMEM in 2 MiB pages (falls back to 4 KiB) */
	bool raw_ip;	/* frames start at the IP header */
	__u32 frames;	/* per queue */
	struct tapio_xsk_queue q[TAPIO_XSK_MAX_QUEUES];
};

struct tapio_xsk_stats {
	__u64 packets, bytes, non_ip, parse_errors, table_overflow;
	__u64 dropped;	  /* the kernel's XDP_STATISTICS: rx_dropped +
			   * rx_ring_full, frames the sockets lost */
	__u64 fill_empty; /* rx_fill_ring_empty_descs: times the poller
			   * was late refilling (not frames) */
};

/* Sockets on every receive queue of @dev, registered in @xsks_fd. */
int tapio_xsk_open(struct tapio_xsk_set *s, const char *dev, int xsks_fd,
		   struct tapio_flow_table *t, bool hugepages, __u32 frames);
/* /run/tapio/DEV.xsk: where `tapio run` says how each queue's socket runs */
int tapio_xsk_state_path(char *buf, size_t len, const char *dev);
/* One line per queue (mode, CPU) into @path, for `tapio status`. */
int tapio_xsk_write_state(struct tapio_xsk_set *s, const char *path);
int tapio_xsk_start(struct tapio_xsk_set *s);
/* Unregister the sockets, let each poller empty its ring, join. */
void tapio_xsk_stop(struct tapio_xsk_set *s);
void tapio_xsk_close(struct tapio_xsk_set *s);
void tapio_xsk_stats(struct tapio_xsk_set *s, struct tapio_xsk_stats *out);
/* The CPU that serves @queue of @dev: from /proc/interrupts, else spread
 * over the allowed CPUs.  @reason says which. */
int tapio_xsk_queue_cpu(const char *proc_root, const char *dev,
			unsigned int queue, const char **reason);

#endif /* TAPIO_XSK_POLLER_H */
