// SPDX-License-Identifier: GPL-2.0
/* The reference for bench/dpdk_rx: each frame parsed and added to the shared
 * table under its shard's lock, as the AF_XDP pollers did before the cache. */
#include "flow_parse.h"
#include "dpdk/dpdk_rx.h"

void bench_table_frames(struct tapio_flow_table *t,
			const struct tapio_dpdk_frame *f, unsigned int n,
			__u64 now);

void bench_table_frames(struct tapio_flow_table *t,
			const struct tapio_dpdk_frame *f, unsigned int n,
			__u64 now)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct tapio_flow_key key = {.ifindex = 1};
		struct tapio_flow_value v = {.packets = 1,
					     .bytes = f[i].pkt_len,
					     .first_seen_ns = now,
					     .last_seen_ns = now};
		struct tapio_parse_result res;
		char *data = (char *)f[i].data;

		if (!tapio_parse_link(0, data, data + f[i].data_len,
				      f[i].pkt_len, 0, 0, &key, &res))
			tapio_flow_table_add(t, &key, &v);
	}
}
