/* SPDX-License-Identifier: GPL-2.0 */
/* The interface source of `tapio run`: per device the XDP/TC programs (attached
 * or reused), their two kernel flow maps drained each interval, and optional
 * AF_XDP pollers that put steered frames into the same table. */
#ifndef TAPIO_IFACE_SOURCE_H
#define TAPIO_IFACE_SOURCE_H

#include "lib/pipeline.h"
#include "run/run.h"

struct tapio_iface_dev;

struct tapio_iface_source {
	const struct tapio_run_opts *o;
	struct tapio_iface_dev *devs; /* o->ndevs of them */
	int ndevs, running;	      /* how many collect */
	__u64 collection_errors;      /* drains that failed */
	int epfd; /* every device's spill ring: readable on a drain request */
	__u64 drains[2]; /* at the interval, on a generation's request */
	/* called in each drain once the generations to empty are final, with
	 * at most how many new flows they and the spill rings hold */
	void (*make_room)(void *ctx, __u64 want);
	void *room_ctx;
};

/* @src is zeroed and bound to @o; start() attaches. */
void tapio_iface_source_init(struct tapio_iface_source *src,
			     const struct tapio_run_opts *o);

extern const struct tapio_source_ops tapio_iface_source_ops;

/* Entries of a kernel flow map generation: kernel_flows, or what
 * kernel_memory holds on this host's CPUs when that is 0. */
__u32 tapio_run_kernel_flows(const struct tapio_run_opts *o);

#endif /* TAPIO_IFACE_SOURCE_H */
