/* SPDX-License-Identifier: GPL-2.0 */
/* Reading a device's pinned flow and counter maps: per-CPU values summed
 * into one record per flow, sorted, ready to format. */
#ifndef TAPIO_FLOW_DUMP_H
#define TAPIO_FLOW_DUMP_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "tapio/counters.h"
#include "tapio/flow.h"

struct tapio_flow {
	struct tapio_flow_key key;
	struct tapio_flow_value val; /* summed over CPUs */
};

/* Sum @ncpus per-CPU values (stride @stride bytes) into @out. */
void tapio_percpu_sum(const void *percpu, int ncpus, size_t stride,
		      struct tapio_flow_value *out);
void tapio_counters_sum(const void *percpu, int ncpus, size_t stride,
			struct tapio_dir_counters *out);

/* Call @fn with every flow of a flow map, summed over CPUs, a batch of
 * up to 1024 at a time; with @del the map is emptied as it is read (only
 * safe on a map no program writes). */
typedef void (*tapio_flow_fn)(const struct tapio_flow_key *keys,
			      const struct tapio_flow_value *sums, size_t n,
			      void *ctx);
int tapio_flows_walk(int map_fd, bool del, tapio_flow_fn fn, void *ctx);
int tapio_flows_read(int map_fd, struct tapio_flow **out, size_t *n);
/* Both generations of a device's flow map, one record per flow. */
int tapio_dev_flows_read(const char *dev, struct tapio_flow **out, size_t *n);
/* Sum records with equal keys; returns the new count, sorted by key. */
size_t tapio_flows_merge(struct tapio_flow *flows, size_t n);
int tapio_counters_read(int map_fd, struct tapio_dir_counters out[]);
enum tapio_sort {
	TAPIO_SORT_BYTES = 0,
	TAPIO_SORT_PACKETS,
};

/* "bytes" or "packets"; -EINVAL after one line naming --sort. */
int tapio_parse_sort(const char *s, enum tapio_sort *out);
void tapio_flows_sort(struct tapio_flow *flows, size_t n, enum tapio_sort by);
/* Open a device's pinned map by name; fd or -errno (message printed). */
int tapio_open_pinned_map(const char *dev, const char *name);

#endif /* TAPIO_FLOW_DUMP_H */
