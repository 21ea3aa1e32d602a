/* SPDX-License-Identifier: GPL-2.0 */
/* Attaching tapio_xdp/tapio_tc to a device and removing exactly what was
 * attached; state is pinned under the device's pin directory. */
#ifndef TAPIO_LOADER_H
#define TAPIO_LOADER_H

#include <stdbool.h>
#include <linux/types.h>

#include "tapio/attach_info.h"

enum tapio_mode_req {
	TAPIO_MODE_AUTO = 0,
	TAPIO_MODE_NATIVE,
	TAPIO_MODE_GENERIC,
};

/* auto, native (drv) or generic (skb); an error names @opt. */
int tapio_parse_mode_named(const char *opt, const char *s,
			   enum tapio_mode_req *out);
int tapio_parse_mode(const char *s, enum tapio_mode_req *out);

/* Where received frames are counted: XDP, or TC ingress (on a veth TC
 * costs about half of what XDP adds: docs/benchmarks.md, rx_cost); auto
 * picks per device. */
enum tapio_hook {
	TAPIO_HOOK_XDP,
	TAPIO_HOOK_TC,
	TAPIO_HOOK_AUTO,
};

/* The kind of the kernel flow maps: per-CPU hashes (a value per CPU per
 * flow, no atomics), or plain hashes, one value per flow that every CPU
 * adds to atomically: less memory and faster drains on many CPUs. */
enum tapio_kernel_map {
	TAPIO_KERNEL_MAP_PERCPU,
	TAPIO_KERNEL_MAP_SHARED,
};

/* by enum tapio_kernel_map, NULL-terminated: a settings CHOICE */
extern const char *const tapio_kernel_map_names[];
/* by enum tapio_hook, NULL-terminated: a settings CHOICE */
extern const char *const tapio_hook_names[];
/* What auto means for @dev: TC on a veth and on links with no native
 * XDP (generic XDP runs on the skb as TC does, later and dearer), else
 * XDP.  @need_xdp (AF_XDP, an XDP mode asked for) makes it XDP. */
enum tapio_hook tapio_hook_for(const char *dev, enum tapio_hook asked,
			       bool need_xdp);

/* tcx (Linux 6.6), which the uapi headers of older distributions lack */
#define TAPIO_BPF_TCX_INGRESS 46
#define TAPIO_BPF_TCX_EGRESS  47
#define TAPIO_BPF_F_BEFORE    (1U << 3)

/* 1 if program @prog_id still runs at @dev's TC ingress or egress (a
 * tcx link or tapio's cls_bpf filter), 0 if not, or a negative errno
 * when the kernel cannot be asked. */
int tapio_tc_prog_runs(int ifindex, bool ingress, bool tcx, __u32 prog_id);

/* How TC programs are attached: tcx links where the kernel has them
 * (6.6+), else cls_bpf filters on clsact; or one of the two. */
enum tapio_tc_api {
	TAPIO_TC_API_AUTO,
	TAPIO_TC_API_TCX,
	TAPIO_TC_API_CLS_BPF,
};

/* by enum tapio_tc_api, NULL-terminated: a settings CHOICE */
extern const char *const tapio_tc_api_names[];

struct tapio_attach_opts {
	const char *dev;
	enum tapio_mode_req mode;
	enum tapio_hook hook;
	enum tapio_tc_api tc_api;
	bool egress;	  /* TC egress accounting (default on) */
	bool force;	  /* replace another tool's XDP program */
	bool run_owned;	  /* by a tapio run that detaches it at exit */
	bool transient;	  /* the caller detaches it before it exits */
	bool say_adopted; /* name what an attachment in place differs in */
	__u32 max_flows;
	enum tapio_kernel_map kernel_map;
	__u32 spill_bytes; /* tapio_spill's size, 0: TAPIO_SPILL_RING_BYTES */
	/* the ifindex in its flows' keys, 0: the kernel's (a link of
	 * another namespace gets one from its collector: lib/netns.h) */
	__u32 flow_ifindex;
};

int tapio_attach(const struct tapio_attach_opts *opts);
/* 1 when frames of @dev start at the IP header (tun, WireGuard, ipip,
 * GRE), 0 for Ethernet, -EPROTONOSUPPORT (printed) for other links. */
int tapio_link_raw_ip(const char *dev);

struct tapio_xdp;
struct tapio_tc;
/* Between open and load of @tc: it reuses @xdp's flow, config and counter
 * maps (loaded already), so both hooks count into the same maps. */
int tapio_share_maps(struct tapio_xdp *xdp, struct tapio_tc *tc);
/* Attach unless tapio already is; @attached says whether the caller owns
 * the attachment now (it attached it, or took over a dead run's). */
int tapio_attach_if_needed(const struct tapio_attach_opts *opts,
			   bool *attached);
int tapio_detach(const char *dev, bool keep_qdisc);
/* 0 when @info is of this tapio's layout; else -EPROTO after a line
 * naming both versions and the way out. */
int tapio_check_layout(const char *dev, const struct tapio_attach_info *info);
int tapio_read_attach_info(const char *dev, struct tapio_attach_info *info);
const char *tapio_xdp_mode_name(__u32 mode);

#endif /* TAPIO_LOADER_H */
