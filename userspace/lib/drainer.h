/* SPDX-License-Identifier: GPL-2.0 */
/* Moves a device's kernel flow counts into the aggregation table without
 * losing a packet: flip the generation the programs write, wait, drain. */
#ifndef TAPIO_DRAINER_H
#define TAPIO_DRAINER_H

#include <linux/types.h>

#include "lib/flow_table.h"
#include "tapio/config.h"

struct tapio_drain_stats {
	__u64 drains;
	__u64 flows, packets, bytes; /* moved into the table */
	/* the table had no room for them, by direction */
	__u64 table_overflow_packets[2];
};

struct tapio_drainer {
	int cfg_fd, flows_fd[2];
	struct tapio_config *cfg;   /* mapped: flow_gen is ours alone */
	int sync_fd, sync_inner_fd; /* map-of-maps, updated only to wait */
	int own_fds;		    /* opened from pins: close them */
	__u32 gen;		    /* generation the programs write now */
	__u32 max_flows;	    /* entries of each generation's map */
	struct tapio_drain_stats st;
};

/* From the maps of a loaded object (tests); the caller keeps the fds. */
int tapio_drainer_init(struct tapio_drainer *d, int cfg_fd, int flows0_fd,
		       int flows1_fd);
/* From the pins of an attached device. */
int tapio_drainer_open(struct tapio_drainer *d, const char *dev);
void tapio_drainer_close(struct tapio_drainer *d);
/* One cycle: retire the generation being written, wait until no program
 * can still be writing it, move all of it into @t. */
int tapio_drain(struct tapio_drainer *d, struct tapio_flow_table *t);
/* One cycle of @n drainers with a single wait; @errs[i] is each one's
 * result, the return the first error. */
int tapio_drain_many(struct tapio_drainer **ds, int n,
		     struct tapio_flow_table *t, int *errs);
/* The same, calling @room with how many entries the retired generations
 * hold once that is final (after the wait), before they are emptied: the
 * caller makes room for them in @t. */
int tapio_drain_many_room(struct tapio_drainer **ds, int n,
			  struct tapio_flow_table *t, int *errs,
			  void (*room)(void *ctx, __u64 entries), void *ctx);
/* Return once no program run that started before the call is running. */
int tapio_drainer_wait(struct tapio_drainer *d);
/* Two cycles: both generations end up empty (shutdown, tests). */
int tapio_drain_all(struct tapio_drainer *d, struct tapio_flow_table *t);

#endif /* TAPIO_DRAINER_H */
