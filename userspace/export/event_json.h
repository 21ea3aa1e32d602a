/* SPDX-License-Identifier: GPL-2.0 */
/* One JSON object per probe ring-buffer event, the same for `tapio trace
 * --json` and the JSON lines of `tapio run`. */
#ifndef TAPIO_PROBE_EVENT_H
#define TAPIO_PROBE_EVENT_H

#include <stdbool.h>
#include <stddef.h>

#include "tapio/exec.h"
#include "tapio/tcp_probe.h"

/* Large enough for any event of either probe. */
#define TAPIO_EVENT_JSON_MAX 8192

const char *tapio_exec_type_name(__u32 type);
const char *tapio_tcp_state_name(__u32 state);

/* argv as space-separated text (" ..." when cut), for the trace table. */
void tapio_exec_args(const struct tapio_exec_event *e, char *out, size_t len);

/* The event as a JSON object without newline: its length, or -ENOSPC. */
/* time_ns is Unix time (ts_ns, the kernel's CLOCK_MONOTONIC, plus
 * @mono_to_real_ns), the clock of the flow records' first/last_seen_ns,
 * so one stream lines up; ts_ns stays for ordering within a boot. */
int tapio_exec_event_json(const struct tapio_exec_event *e,
			  __s64 mono_to_real_ns, char *out, size_t len);
int tapio_tcp_event_json(const struct tapio_tcp_event *e, __s64 mono_to_real_ns,
			 char *out, size_t len);

#endif /* TAPIO_PROBE_EVENT_H */
