/* SPDX-License-Identifier: GPL-2.0 */
/* `tapio status` and the per-device snapshot it is built on (also used by
 * tests to check that every packet seen is accounted for). */
#ifndef TAPIO_STATUS_H
#define TAPIO_STATUS_H

#include <stdbool.h>
#include <linux/types.h>

#include "tapio/attach_info.h"
#include "tapio/counters.h"
#include "tapio/flow.h"

struct tapio_dev_snapshot {
	struct tapio_attach_info info;
	struct tapio_dir_counters cnt[TAPIO_DIR_MAX];
	__u64 flow_packets[TAPIO_DIR_MAX];
	__u64 flow_bytes[TAPIO_DIR_MAX];
	__u32 flows;
	__u32 max_flows;
	__u32 xdp_prog_id, tc_prog_id, tc_in_prog_id; /* 0: not attached */
	__u32 live_xdp_prog_id; /* what the device runs now */
	bool link_gone; /* no link of its name has its ifindex any more */
	bool stable;	/* counters did not move while the flows were read */
	/* the generation being written, its entries, and where the programs
	 * ask a collector for an early drain (0: never) */
	__u32 gen, drain_at;
	__u64 gen_flows;
	__u64 kernel_map_bytes; /* both generations, as the kernel charges */
	__u32 spill_ring_bytes; /* tapio_spill's data area, 0: none pinned */
};

int tapio_dev_snapshot(const char *dev, struct tapio_dev_snapshot *s);
/* Packets of @dir not in any class: 0 when nothing was lost. */
__s64 tapio_unaccounted(const struct tapio_dev_snapshot *s, int dir);
int tapio_status(bool json);

#endif /* TAPIO_STATUS_H */
