/* SPDX-License-Identifier: GPL-2.0 */
/* `tapio trace bio|cache|exec|tcp`: the options and run loop the four
 * tracers share, and the entry point of each. */
#ifndef TAPIO_TRACE_H
#define TAPIO_TRACE_H

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>

#include "lib/clock.h"
#include "lib/probe_loader.h"

struct bpf_object;
struct ring_buffer;

struct trace_opts {
	double duration_s; /* 0: until Ctrl-C */
	double interval_s; /* 0: totals only, at the end */
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

/* Select the flavour, load, set the filter and attach one probe object;
 * prints why it failed.  load/attach are the skeleton's functions. */
int tapio_trace_start(struct bpf_object *obj, const char *what,
		      const struct trace_opts *o, int (*load)(void *skel),
		      int (*attach)(void *skel), void *skel);

/*
 * Poll @rb (may be NULL) until Ctrl-C/SIGTERM or the duration ends, calling
 * tick(ctx) every interval; what the ring still holds is read before it
 * returns.
 */
int tapio_trace_loop(const struct trace_opts *o, struct ring_buffer *rb,
		     void (*tick)(void *ctx), void *ctx);

/* One JSON line or "# ..." text line with the probe counters. */
void tapio_trace_summary(FILE *out, const char *what,
			 const struct trace_opts *o, struct bpf_object *obj,
			 const __u64 c[TAPIO_PCNT_MAX], const char *extra);

/* `tapio trace ...` (argv[0] is "trace"): an exit status. */
int tapio_trace_cmd(int argc, char **argv);

int tapio_trace_bio(const struct trace_opts *o);
int tapio_trace_cache(const struct trace_opts *o);
int tapio_trace_exec(const struct trace_opts *o);
int tapio_trace_tcp(const struct trace_opts *o);

#endif /* TAPIO_TRACE_H */
