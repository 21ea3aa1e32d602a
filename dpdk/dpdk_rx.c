// SPDX-License-Identifier: GPL-2.0
/* The per-frame work of the DPDK source, one call per burst: the shared
 * parser, a worker's private flow cache, counters with one writer each. */
#include <string.h>

#include "flow_parse.h"
#include "dpdk/dpdk_rx.h"

/*
 * Three passes over the burst: parse every frame, ask for each cache slot
 * (a prefetch), then add them.  With 10k flows the slots are not in L2:
 * the middle pass lets those loads overlap instead of waiting for each.
 */
void tapio_dpdk_rx_frames(struct tapio_flow_cache *c, __u32 ifindex,
			  const struct tapio_dpdk_frame *f, unsigned int n,
			  __u64 now, struct tapio_dpdk_counts *k)
{
	struct tapio_flow_key key[TAPIO_DPDK_BURST];
	__u32 slot[TAPIO_DPDK_BURST], len[TAPIO_DPDK_BURST];
	__u8 flags[TAPIO_DPDK_BURST];
	unsigned int i, m = 0, non_ip = 0;

	for (; n > TAPIO_DPDK_BURST;
	     f += TAPIO_DPDK_BURST, n -= TAPIO_DPDK_BURST)
		tapio_dpdk_rx_frames(c, ifindex, f, TAPIO_DPDK_BURST, now, k);
	for (i = 0; i < n; i++)
		__builtin_prefetch(f[i].data);
	for (i = 0; i < n; i++) {
		struct tapio_parse_result res;
		char *data = (char *)f[i].data;
		int reason;

		memset(&key[m], 0, sizeof(key[m]));
		key[m].ifindex = ifindex;
		key[m].direction = TAPIO_DIR_INGRESS;
		reason = tapio_parse_link(0, data, data + f[i].data_len,
					  f[i].pkt_len, f[i].vlan_stripped,
					  f[i].vlan_tci & 0xfff, &key[m], &res);
		if (!reason) {
			flags[m] = res.tcp_flags;
			len[m++] = f[i].pkt_len;
		} else if (reason == TAPIO_CNT_NON_IP_PKTS) {
			non_ip++;
		} else if (reason >= TAPIO_CNT_PARSE_FIRST &&
			   reason <= TAPIO_CNT_PARSE_LAST) {
			tapio_own_add(&k->parse[reason - TAPIO_CNT_PARSE_FIRST],
				      1);
		}
	}
	/* the keys were written field by field: read back as words at once,
	 * each load would wait for its stores (no store forwarding) */
	for (i = 0; i < m; i++) {
		slot[i] = tapio_flow_cache_slot(c, &key[i]);
		tapio_flow_cache_prefetch(c, slot[i]);
	}
	for (i = 0; i < m; i++)
		tapio_flow_cache_add_at(c, &key[i], slot[i], len[i], flags[i],
					now);
	tapio_own_add(&k->non_ip, non_ip);
	atomic_store_explicit(&k->packets, tapio_own_read(&k->packets) + n,
			      memory_order_release);
}
