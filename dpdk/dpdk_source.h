/* SPDX-License-Identifier: GPL-2.0 */
/* The optional DPDK poll-mode source of `tapio run`: EAL ports, one RX queue
 * per worker lcore, the same parser, table, sinks and account. */
#ifndef TAPIO_DPDK_SOURCE_H
#define TAPIO_DPDK_SOURCE_H

#include <stddef.h>
#include <linux/types.h>

#include "lib/pipeline.h"
#include "run/run.h"

/*
 * The ifindex of a DPDK port's flows: made from its name, so that `tapio
 * flows PORT` can ask a run's table for it without a name in the socket's
 * protocol.  Above every kernel ifindex the sinks could meet, below
 * INT_MAX for the exporters' signed fields (FNV-1a, 30 bits; a run refuses
 * two of its ports that meet).
 */
#define TAPIO_DPDK_IFINDEX_BASE 0x40000000u

static inline __u32 tapio_dpdk_ifindex(const char *name)
{
	__u32 h = 2166136261u;

	while (*name)
		h = (h ^ (unsigned char)*name++) * 16777619u;
	return TAPIO_DPDK_IFINDEX_BASE | (h & (TAPIO_DPDK_IFINDEX_BASE - 1));
}

struct tapio_dpdk_source;

/* EAL up, @o->dpdk_ports configured and started, workers not yet (the
 * source's start does that).  0, or a negative errno after an error that
 * says what failed; -EOPNOTSUPP in a tapio built without DPDK. */
int tapio_dpdk_source_new(const struct tapio_run_opts *o,
			  struct tapio_dpdk_source **out);
/* Ports running, for the run's "ready" line. */
int tapio_dpdk_source_running(const struct tapio_dpdk_source *s);

extern const struct tapio_source_ops tapio_dpdk_source_ops;

/* `tapio doctor`: whether the backend is built, its DPDK version and the
 * network PMDs the EAL would load, as one line of text in @buf. */
void tapio_dpdk_describe(char *buf, size_t len);

#endif /* TAPIO_DPDK_SOURCE_H */
