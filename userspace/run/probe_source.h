/* SPDX-License-Identifier: GPL-2.0 */
/* The tracepoint probes of `tapio run`: started together, read into the
 * /metrics snapshot each interval, their events handed to a JSON sink. */
#ifndef TAPIO_PROBE_SET_H
#define TAPIO_PROBE_SET_H

#include <pthread.h>
#include <stdio.h>
#include <linux/types.h>

#include "tapio/daemon_socket.h"
#include "lib/estimate.h"
#include "lib/pipeline.h"
#include "lib/probe_kind.h"

struct ring_buffer;

#define CACHE_HITS_KEPT 1024

struct tapio_probe_set {
	unsigned int wanted; /* 1 << enum tapio_probe_kind */
	enum tapio_tp_method method;
	/* one JSON object per exec/tcp event; called from the reader thread */
	void (*sink)(const char *json, void *ctx);
	void *sink_ctx;
	__s64 mono_to_real; /* events' time_ns: the flows' clock */

	struct tapio_probe probe[TAPIO_PROBE_KINDS]; /* .skel NULL: not up */
	char failure[TAPIO_PROBE_KINDS][160]; /* why a wanted one is not up */
	struct ring_buffer *rb;
	pthread_t reader;
	volatile int stop;
	char reader_failure[160]; /* set by the reader thread if it stops */
	int reader_running;
	__u64 received[TAPIO_PROBE_KINDS]; /* events read from the rings */
	__u64 malformed;		   /* records too short or unknown */
	__u64 json_errors;		   /* events too long for a line */
	/* page-cache hits as last published, so the counter never dips */
	struct {
		__u32 dev;
		__u64 hits;
	} cache_hits_seen[CACHE_HITS_KEPT];
	size_t ncache_hits_seen;
	int running; /* probes up after start */
	/* rate limits of the event streams (exec, tcp): events a second and
	 * burst, 0: none; set at start from limits, changed by requests */
	const char *limits;
	__u64 limit_rate[TAPIO_PROBE_KINDS], limit_burst[TAPIO_PROBE_KINDS];
	/* sampling: 1 in n (1: every event), or adaptive: n follows a
	 * target of events a second, set each interval; from samples */
	const char *samples;
	volatile __u32 sample_n[TAPIO_PROBE_KINDS];
	__u32 sample_target[TAPIO_PROBE_KINDS];
	__u64 offered_seen[TAPIO_PROBE_KINDS]; /* at the last adaptation */
	__u64 adapted_ns;
	/* by the reader: the events each stream had, estimated (a sampled
	 * one counts n) */
	struct tapio_estimate est[TAPIO_PROBE_KINDS];
	/* filter rules (tapio filter add --probe), in the order added, each
	 * on the probes of prule_on[i] (1 << kind); used by the loop only */
	struct tapio_probe_rule prules[TAPIO_PROBE_RULES_MAX];
	unsigned int prule_on[TAPIO_PROBE_RULES_MAX];
	unsigned int nprules;
};

/* "exec=10,tcp=auto:200" (STREAM=N: one in N; STREAM=auto:TARGET: N set
 * each interval so that about TARGET events a second are sent) into
 * per-kind n and target; -EINVAL after a line naming what is wrong. */
int tapio_probe_samples_parse(const char *opt, const char *v,
			      __u32 n[TAPIO_PROBE_KINDS],
			      __u32 target[TAPIO_PROBE_KINDS]);

/* "exec=1000/100,tcp=500" (STREAM=RATE[/BURST]; burst defaults to the
 * rate, a second's worth) into per-kind rates and bursts; -EINVAL after
 * a line naming what is wrong.  Only exec and tcp have events. */
int tapio_probe_limits_parse(const char *opt, const char *v,
			     __u64 rate[TAPIO_PROBE_KINDS],
			     __u64 burst[TAPIO_PROBE_KINDS]);

/* "none", "all" or a comma-separated list of bio, cache, exec, tcp. */
int tapio_probe_set_parse(const char *opt, const char *v, unsigned int *mask);

/* Starts every wanted probe at once, one thread each; one that fails is
 * described in failure[] and the others run.  The number running. */
int tapio_probe_set_start(struct tapio_probe_set *ps);

/* Prometheus families of every running probe (reads their maps; in
 * probe_metrics.c). */
void tapio_probe_set_metrics(struct tapio_probe_set *ps, FILE *f);
/* The probe of kind @k if it runs, else NULL. */
static inline struct tapio_probe *tapio_probe_up(struct tapio_probe_set *ps,
						 enum tapio_probe_kind k)
{
	return ps->probe[k].skel ? &ps->probe[k] : NULL;
}

/* Samples of the families the collector opens: events read from the
 * rings, and events lost by probe and reason. */
void tapio_probe_set_processed(struct tapio_probe_set *ps, FILE *f);
void tapio_probe_set_dropped(struct tapio_probe_set *ps, FILE *f);

/* Appends each failing probe to a /healthz answer. */
void tapio_probe_set_health(const struct tapio_probe_set *ps, FILE *h,
			    int *healthy);

/* Stops the reader after a last read of the rings, detaches, frees. */
void tapio_probe_set_stop(struct tapio_probe_set *ps);

/* The set as a source of `tapio run` (priv: the struct tapio_probe_set). */
extern const struct tapio_source_ops tapio_probe_source_ops;

#endif /* TAPIO_PROBE_SET_H */
