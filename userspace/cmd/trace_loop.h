/* SPDX-License-Identifier: GPL-2.0 */
/* What the four tracers of `tapio trace` share: their options, opening the
 * probe, the poll-and-tick loop and the closing summary. */
#ifndef TAPIO_TRACE_LOOP_H
#define TAPIO_TRACE_LOOP_H

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>

#include "lib/clock.h"
#include "lib/probe_kind.h"

struct ring_buffer;
struct tapio_json;

struct trace_opts {
	__u64 duration_ns; /* 0: until Ctrl-C */
	__u64 interval_ns; /* 0: totals only, at the end */
	bool json;
	bool per_disk;	 /* bio: one histogram per disk and operation */
	bool queued;	 /* bio: queue-time histograms too */
	bool retrans;	 /* tcp: retransmits only */
	bool life;	 /* tcp: lifespans only */
	bool per_cgroup; /* cache: per cgroup as well as per device */
	enum tapio_tp_method method;
	struct tapio_filter_spec filter;
};

extern volatile sig_atomic_t tapio_trace_stop;

/* Open, load, filter and attach probe @k as @o asks, then take SIGINT and
 * SIGTERM; prints why it failed.  Close @p with tapio_probe_close(). */
int tapio_trace_start(struct tapio_probe *p, enum tapio_probe_kind k,
		      const struct trace_opts *o);

/* A reader of @p's event ring calling @fn(@ctx) per record. */
struct ring_buffer *
tapio_trace_ring(const struct tapio_probe *p,
		 int (*fn)(void *ctx, void *data, size_t size), void *ctx);

/*
 * Poll @rb (may be NULL) until Ctrl-C/SIGTERM or the duration ends, calling
 * tick(ctx) every interval; what the ring still holds is read before it
 * returns.
 */
int tapio_trace_loop(const struct trace_opts *o, struct ring_buffer *rb,
		     void (*tick)(void *ctx), void *ctx);

/* One JSON line, or a "# ..." text line, with the probe's loss counters;
 * @extra (may be NULL) adds a tracer's own members to the JSON line. */
void tapio_trace_summary(FILE *out, const struct tapio_probe *p,
			 const struct trace_opts *o,
			 const __u64 c[TAPIO_PCNT_MAX],
			 void (*extra)(struct tapio_json *j, void *ctx),
			 void *ctx);

/* One tracer per probe kind: an errno. */
int tapio_trace_bio(const struct trace_opts *o);
int tapio_trace_cache(const struct trace_opts *o);
int tapio_trace_exec(const struct trace_opts *o);
int tapio_trace_tcp(const struct trace_opts *o);

#endif /* TAPIO_TRACE_LOOP_H */
