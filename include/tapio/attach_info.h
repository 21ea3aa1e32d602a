/* SPDX-License-Identifier: GPL-2.0 */
/* What `tapio attach` did to a device, pinned next to its maps so that
 * `tapio detach` undoes exactly that and `tapio status` can report it. */
#ifndef TAPIO_ATTACH_INFO_H
#define TAPIO_ATTACH_INFO_H

#include <linux/types.h>

enum tapio_xdp_mode {
	TAPIO_XDP_NONE = 0,
	TAPIO_XDP_NATIVE = 1,
	TAPIO_XDP_GENERIC = 2,
};

#define TAPIO_ATTACH_F_TC_EGRESS      0x01
#define TAPIO_ATTACH_F_TC_INGRESS     0x02 /* the TC hook: ingress at TC too */
#define TAPIO_ATTACH_F_CREATED_CLSACT 0x04 /* we made the qdisc: remove it */
#define TAPIO_ATTACH_F_RUN_OWNED      0x08 /* a tapio run that detaches at exit */
#define TAPIO_ATTACH_F_RAW_IP	      0x10 /* frames start at the IP header */
#define TAPIO_ATTACH_F_TCX	      0x20 /* TC through tcx links, not cls_bpf */
/* the flow maps are plain hashes, one value per flow (--kernel-map shared) */
#define TAPIO_ATTACH_F_SHARED_FLOWS 0x40

/* The layout of everything pinned for a device: a tapio of another
 * version does not use these pins (2: spilled counters, config.spill and
 * the tapio_spill ring; 3: the program ids here, and TC on both
 * directions as one hook; 4: drain on demand in tapio_config; 5:
 * tapio_config.flow_ifindex, flow filters: tapio_filters and the filtered
 * counters; 6: flow maps that may be shared, TAPIO_ATTACH_F_SHARED_FLOWS). */
#define TAPIO_ATTACH_INFO_VERSION 6

struct tapio_attach_info {
	__u32 version;
	__u32 ifindex;
	__u32 xdp_mode;	 /* enum tapio_xdp_mode */
	__u32 flags;	 /* TAPIO_ATTACH_F_* */
	__u32 tc_handle; /* cls_bpf filter handle and priority we used */
	__u32 tc_priority;
	__u32 max_flows;
	/* the programs attached: what `tapio status` shows to a reader who
	 * may read the maps but not open the programs' pins */
	__u32 xdp_prog_id;
	__u64 attached_at_ns; /* CLOCK_REALTIME */
	__u32 tc_prog_id;     /* egress */
	__u32 tc_in_prog_id;  /* ingress, with the TC hook */
};

#endif /* TAPIO_ATTACH_INFO_H */
