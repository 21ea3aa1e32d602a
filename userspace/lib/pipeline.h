/* SPDX-License-Identifier: GPL-2.0 */
/* The two interfaces of `tapio run`: sources put flows into the aggregation
 * table, sinks take ended flows, events and each interval's snapshot. */
#ifndef TAPIO_PIPELINE_H
#define TAPIO_PIPELINE_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>

#include "lib/flow_table.h"
#include "tapio/counters.h"
#include "tapio/daemon_socket.h"

struct tapio_json;
struct tapio_owner;

/*
 * A source: the kernel maps of attached interfaces (with their AF_XDP
 * pollers), the tracepoint probes, the DPDK ports.  The run loop calls,
 * in this order: start once; collect each interval; quiesce, then finish
 * once when stopping (nothing may arrive after finish); close.  Every op
 * but start may be NULL.  Counters leave a source only through these ops.
 */
struct tapio_source_ops {
	const char *name;
	/* 0 or a negative errno; a source may run in part (see health) */
	int (*start)(void *src, struct tapio_flow_table *t);
	/* move what arrived since the last call into @t */
	int (*collect)(void *src, struct tapio_flow_table *t);
	/* a descriptor that turns readable when the source has work before
	 * the interval ends (-1: none), and that work, done on the run loop */
	int (*wake_fd)(void *src);
	void (*wake)(void *src, struct tapio_flow_table *t);
	/* stop producing: steering off, programs detached */
	void (*quiesce)(void *src);
	/* the last of it into @t */
	int (*finish)(void *src, struct tapio_flow_table *t);
	void (*close)(void *src);
	/* a flow of the table that ended or is still active; for per-source
	 * counts (@why 0: still active, counted in the interval's scan) */
	void (*flow)(void *src, const struct tapio_flow_rec *rec, int why);
	/* who is behind @rec (attribution on: true, *@out filled; an
	 * unattributed flow says so in it); @running: the flow goes on (the
	 * largest flows), else it ended and is read for the last time */
	bool (*owner)(void *src, const struct tapio_flow_rec *rec, bool running,
		      struct tapio_owner *out);
	/* a request of the control socket, on the run loop: true when the
	 * verb is this source's, @res filled (its err says a refusal);
	 * *@pfx: prefixes that came with it, taken by setting it NULL */
	bool (*control)(void *src, const struct tapio_socket_req *req,
			struct tapio_prefix **pfx,
			struct tapio_socket_result *res);
	/* the name of the interface @ifindex if it is this source's */
	const char *(*ifname)(void *src, unsigned int ifindex);
	/* once per snapshot, before the table scan and every op below: read
	 * the counters that metrics, processed, dropped and health show */
	void (*refresh)(void *src);
	/* its own complete /metrics families */
	void (*metrics)(void *src, FILE *f);
	/* samples of the shared families the run loop opened:
	 * tapio_events_processed_total and tapio_events_dropped_total */
	void (*processed)(void *src, FILE *f);
	void (*dropped)(void *src, FILE *f);
	/* appends "failing: WHAT: why" parts to /healthz, clears *healthy */
	void (*health)(void *src, FILE *h, int *healthy);
	/* its members of the run's final account, from what its own flows
	 * carried (flow op); false if the source cannot vouch that nothing
	 * arrived after its last drain */
	bool (*summary)(void *src, struct tapio_json *j);
	/* the ids of the BPF programs it runs (self-monitoring finds the
	 * run's own objects by id, never by name across the host) */
	unsigned int (*prog_ids)(void *src, __u32 *ids, unsigned int max);
};

/*
 * A sink: JSON lines, IPFIX, later others.  flow and event may be called
 * from the probes' reader thread as well as the run loop: a sink that
 * writes one stream takes its own lock.  tick runs once per interval after
 * the flows of that interval; close after the last flow.
 */
struct tapio_sink_ops {
	const char *name;
	void (*flow)(void *sink, const struct tapio_flow_rec *rec, int why,
		     const char *ifname, const struct tapio_owner *owner);
	/* one JSON object: an exec or TCP event of the probes */
	void (*event)(void *sink, const char *json);
	void (*tick)(void *sink, __u64 now_ns);
	void (*metrics)(void *sink, FILE *f);
	void (*dropped)(void *sink, FILE *f);
	/* appends "failing: WHAT: why" parts to /healthz, clears *healthy */
	void (*health)(void *sink, FILE *h, int *healthy);
	/* its members of the run's final account (after the last tick);
	 * false if it lost records, so the account is not exact */
	bool (*summary)(void *sink, struct tapio_json *j);
	/* SIGHUP: files opened again by name (after logrotate) */
	void (*reopen)(void *sink);
	void (*close)(void *sink);
};

struct tapio_source {
	const struct tapio_source_ops *ops;
	void *priv;
};

struct tapio_sink {
	const struct tapio_sink_ops *ops;
	void *priv;
};

/* The name the source of @ifindex attached it by, or NULL: if_indextoname
 * costs three syscalls, which per flow were most of the collector's CPU. */
static inline const char *tapio_sources_ifname(const struct tapio_source *src,
					       int nsrc, unsigned int ifindex)
{
	const char *n;
	int i;

	for (i = 0; i < nsrc; i++)
		if (src[i].ops->ifname &&
		    (n = src[i].ops->ifname(src[i].priv, ifindex)))
			return n;
	return NULL;
}

#endif /* TAPIO_PIPELINE_H */
