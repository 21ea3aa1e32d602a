/* SPDX-License-Identifier: GPL-2.0 */
/* The /metrics snapshot and /healthz answer of `tapio run`, built once per
 * interval from every source's and sink's ops, the table and the process. */
#ifndef TAPIO_RUN_METRICS_H
#define TAPIO_RUN_METRICS_H

#include "export/prom_exporter.h"
#include "lib/flow_top.h"
#include "lib/pipeline.h"
#include "run/selfmon.h"

struct tapio_run_metrics {
	/* self-monitoring: a walk over every eBPF object id is costly on a
	 * busy host, so it is repeated only every few intervals */
	struct tapio_selfmon selfmon;
	unsigned int since_scan;
	struct tapio_flow_top top; /* the top-N series */
	unsigned int top_n;
	bool bpf_stats; /* BPF_ENABLE_STATS held: run counts and time */
};

/* Scans the table once (active flows per source, the top N), writes every
 * family and publishes both texts to @p; nothing without an endpoint. */
void tapio_run_metrics_publish(struct tapio_run_metrics *m,
			       struct tapio_prom *p, struct tapio_flow_table *t,
			       const struct tapio_source *src, int nsrc,
			       const struct tapio_sink *sink, int nsink,
			       int running);
/* Holds the sources' eBPF objects for self-monitoring: before the run
 * gives up CAP_SYS_ADMIN, which finding them by id needs. */
void tapio_run_metrics_open(struct tapio_run_metrics *m,
			    const struct tapio_source *src, int nsrc);
void tapio_run_metrics_free(struct tapio_run_metrics *m);

#endif /* TAPIO_RUN_METRICS_H */
