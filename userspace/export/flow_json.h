/* SPDX-License-Identifier: GPL-2.0 */
/* A flow as a JSON object, the same for `tapio flows --json`, the JSON lines
 * of `tapio run` and the control socket; field names are documented, stable. */
#ifndef TAPIO_FLOW_JSON_H
#define TAPIO_FLOW_JSON_H

#include <stddef.h>
#include <linux/types.h>

#include "lib/json.h"
#include "lib/flow_dump.h"

/* Longest flow record with an end reason, for callers' buffers. */
#define TAPIO_FLOW_JSON_MAX 2048

/* The flow's members into the open object of @j; @mono_to_real_ns turns the
 * kernel's CLOCK_MONOTONIC stamps into Unix time. */
void tapio_flow_json_members(struct tapio_json *j, const struct tapio_flow *f,
			     const char *ifname, __s64 mono_to_real_ns);
/* One JSON object (no newline); bytes written or -ENOSPC. */
/* A record of flows sampled one in @n: its rate, and its counts' 95%
 * intervals (half-widths; docs/operations.md has the formula). */
void tapio_flow_json_sampling(struct tapio_json *j, const struct tapio_flow *f,
			      __u32 n);
int tapio_flow_json(const struct tapio_flow *f, const char *ifname,
		    __s64 mono_to_real_ns, char *buf, size_t len);

#endif /* TAPIO_FLOW_JSON_H */
