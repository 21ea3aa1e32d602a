/* SPDX-License-Identifier: GPL-2.0 */
/* IPFIX (RFC 7011) export of ended flows with libfixbuf: IPv4 and IPv6
 * templates of standard information elements, UDP or TCP, many collectors. */
#ifndef TAPIO_IPFIX_EXPORTER_H
#define TAPIO_IPFIX_EXPORTER_H

#include <stdbool.h>
#include <linux/types.h>

#include "lib/flow_table.h"
#include "lib/pipeline.h"

#define TAPIO_IPFIX_MAX_COLLECTORS 4

struct tapio_ipfix_collector;

struct tapio_ipfix {
	struct tapio_ipfix_collector *c[TAPIO_IPFIX_MAX_COLLECTORS];
	int n;
	__s64 mono_to_real;
	/* records sent and records lost, per collector in @targets order */
	__u64 records_to[TAPIO_IPFIX_MAX_COLLECTORS];
	__u64 errors_to[TAPIO_IPFIX_MAX_COLLECTORS];
	__u64 templates_sent_ns; /* UDP collectors learn them only from us */
	/* the flows' packet sampling (1 in N; 0, 1: none): in each record's
	 * samplingInterval, its counts already scaled (docs/operations.md) */
	__u32 sample_n;
};

struct tapio_owner;

/* @targets: "HOST:PORT[,HOST:PORT...]"; @owners: the templates with the
 * owner of the flow too (docs/metrics.md), for --attribution. */
int tapio_ipfix_open(struct tapio_ipfix *x, const char *targets, bool tcp,
		     __u32 observation_domain, bool owners);
/* One record; with @owner (the collector opened with @owners) in the
 * owner templates. */
void tapio_ipfix_record(struct tapio_ipfix *x, const struct tapio_flow_rec *rec,
			enum tapio_end_reason why,
			const struct tapio_owner *owner);
/* Send what is buffered; resend templates when @templates. */
void tapio_ipfix_flush(struct tapio_ipfix *x, bool templates);
void tapio_ipfix_close(struct tapio_ipfix *x);
/* "HOST:PORT" of collector @i. */
const char *tapio_ipfix_target(const struct tapio_ipfix *x, int i);
/* Connected (or, for UDP, sending) now; else retried at each flush. */
bool tapio_ipfix_up(const struct tapio_ipfix *x, int i);

/* As a sink of `tapio run`: records per flow, a flush (and every minute
 * the templates) per interval, per-collector families, a summary line. */
extern const struct tapio_sink_ops tapio_ipfix_sink_ops;

#endif /* TAPIO_IPFIX_EXPORTER_H */
