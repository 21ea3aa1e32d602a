/* SPDX-License-Identifier: GPL-2.0 */
/* The interface source of `tapio run`: per device the XDP/TC programs (attached
 * or reused), their two kernel flow maps drained each interval, and optional
 * AF_XDP pollers that put steered frames into the same table. */
#ifndef TAPIO_IFACE_SOURCE_H
#define TAPIO_IFACE_SOURCE_H

#include "lib/flow_filter.h"
#include "lib/pipeline.h"
#include "run/run.h"

struct tapio_iface_dev;
struct tapio_drainer;
struct tapio_iface_matcher;
struct mnl_socket;
struct tapio_owners;

struct tapio_iface_source {
	const struct tapio_run_opts *o;
	/* cap slots, the first ndevs in use; a slot freed by a device that
	 * is gone has no name until a new device takes it */
	struct tapio_iface_dev *devs;
	int ndevs, cap, running;   /* running: how many collect */
	struct tapio_drainer **dr; /* a drain cycle's: cap of each */
	int *dr_err, *dr_at;
	int *index; /* by ifindex: slot + 1, 0 empty (iface_source.c) */
	__u32 index_mask;
	__u64 collection_errors; /* drains that failed */
	/* every device's spill ring (readable on a drain request) and the
	 * link watch */
	int epfd;
	__u64 drains[2]; /* at the interval, on a generation's request */
	/* called in each drain once the generations to empty are final, with
	 * at most how many new flows they and the spill rings hold */
	void (*make_room)(void *ctx, __u64 want);
	/* ends as TAPIO_END_GONE the flows of the table @match accepts */
	void (*end_flows)(void *ctx,
			  bool (*match)(const struct tapio_flow_key *key,
					void *mctx),
			  void *mctx);
	void *room_ctx;
	/* o->watch: links that come are attached, links that go retired */
	struct tapio_iface_matcher *match;
	struct mnl_socket *nl;
	bool rescan;	   /* links changed, or attaching was cut */
	bool said_full;	   /* the warning that links wait, given */
	__u64 added, gone; /* devices attached after start, retired */
	__u64 waiting;	   /* selected links not collected: no slot, no time */
	struct tapio_iface_dev *retired; /* what gone devices counted */
	/* o->netns: the other namespaces looked into */
	struct tapio_iface_matcher *ns_match;
	bool ns_all, said_ns;
	char *ns_list;
	const char *ns_names[TAPIO_RUN_MAX_DEVS];
	int nns;
	__u32 ns_seq; /* links of other namespaces numbered so far */
	struct tapio_owners *owners;	 /* o->attribution */
	struct tapio_filter_set filters; /* tapio filter, on every device */
	__u32 flow_sample_n; /* on every device: o's, then tapio sample's */
	unsigned int owner_ticks; /* collects, for the owners prune */
};

/* @src is zeroed and bound to @o; start() attaches. */
void tapio_iface_source_init(struct tapio_iface_source *src,
			     const struct tapio_run_opts *o);

extern const struct tapio_source_ops tapio_iface_source_ops;

/* Entries of a kernel flow map generation: kernel_flows, or what
 * kernel_memory holds on this host's CPUs when that is 0. */
__u32 tapio_run_kernel_flows(const struct tapio_run_opts *o);
/* Bytes a flow entry of this run's kernel maps costs (per-CPU or shared) */
__u64 tapio_run_flow_bytes(const struct tapio_run_opts *o);

#endif /* TAPIO_IFACE_SOURCE_H */
