// SPDX-License-Identifier: GPL-2.0
/* JSON of exec and TCP probe events: one place for the field names that
 * docs/metrics.md promises, used by `tapio trace` and `tapio run`. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "export/event_json.h"
#include "lib/json.h"
#include "lib/flow_format.h"

static const char *const state_names[TAPIO_TCP_STATES] = {
	"UNKNOWN",	"ESTABLISHED",	  "SYN_SENT",  "SYN_RECV",
	"FIN_WAIT1",	"FIN_WAIT2",	  "TIME_WAIT", "CLOSE",
	"CLOSE_WAIT",	"LAST_ACK",	  "LISTEN",    "CLOSING",
	"NEW_SYN_RECV", "BOUND_INACTIVE", "UNKNOWN",   "UNKNOWN"};

const char *tapio_tcp_state_name(__u32 s)
{
	return state_names[s < TAPIO_TCP_STATES ? s : 0];
}

const char *tapio_exec_type_name(__u32 t)
{
	return t == TAPIO_EXEC_OK	? "exec"
	       : t == TAPIO_EXEC_FAILED ? "exec_failed"
					: "exit";
}

void tapio_exec_args(const struct tapio_exec_event *e, char *out, size_t len)
{
	size_t o = 0, i = 0, n = 0, alen = e->args_len;

	if (alen > TAPIO_EXEC_ARGS_LEN)
		alen = TAPIO_EXEC_ARGS_LEN;
	out[0] = '\0';
	while (i < alen && n < TAPIO_EXEC_ARGS_MAX && o < len) {
		size_t l = strnlen(e->args + i, alen - i);

		o += (size_t)snprintf(out + o, len - o, "%s%.*s", n ? " " : "",
				      (int)l, e->args + i);
		i += l + 1;
		n++;
	}
	if (o < len && e->args_truncated)
		snprintf(out + o, len - o, " ...");
}

/* argv as a JSON array: each argument escaped on its own */
static void exec_args_json(struct tapio_json *j,
			   const struct tapio_exec_event *e)
{
	size_t i = 0, n = 0, alen = e->args_len;

	if (alen > TAPIO_EXEC_ARGS_LEN)
		alen = TAPIO_EXEC_ARGS_LEN;
	tapio_json_array(j, "args");
	while (i < alen && n < TAPIO_EXEC_ARGS_MAX) {
		size_t l = strnlen(e->args + i, alen - i);

		tapio_json_strn(j, NULL, e->args + i, l);
		i += l + 1;
		n++;
	}
	tapio_json_array_end(j);
}

int tapio_exec_event_json(const struct tapio_exec_event *e,
			  __s64 mono_to_real_ns, char *out, size_t len)
{
	struct tapio_json j;

	tapio_json_init(&j, out, len);
	tapio_json_object(&j, NULL);
	tapio_json_str(&j, "type", tapio_exec_type_name(e->type));
	tapio_json_s64(&j, "time_ns", (__s64)e->ts_ns + mono_to_real_ns);
	tapio_json_u64(&j, "ts_ns", e->ts_ns);
	tapio_json_u64(&j, "pid", e->pid);
	tapio_json_u64(&j, "ppid", e->ppid);
	tapio_json_u64(&j, "uid", e->uid);
	tapio_json_u64(&j, "gid", e->gid);
	tapio_json_u64(&j, "cgroup_id", e->cgroup_id);
	tapio_json_strn(&j, "comm", e->comm, sizeof(e->comm));
	if (e->type != TAPIO_EXEC_EXIT)
		tapio_json_strn(&j, "filename", e->filename,
				sizeof(e->filename));
	if (e->type == TAPIO_EXEC_OK) {
		exec_args_json(&j, e);
		tapio_json_bool(&j, "args_truncated", e->args_truncated);
	} else if (e->type == TAPIO_EXEC_FAILED) {
		tapio_json_s64(&j, "errno", -e->retval);
		tapio_json_str(&j, "error", strerror(-e->retval));
	} else {
		tapio_json_s64(&j, "exit_code", (e->retval >> 8) & 0xff);
		tapio_json_s64(&j, "signal", e->retval & 0x7f);
		tapio_json_u64(&j, "lifetime_ns", e->lifetime_ns);
	}
	tapio_json_object_end(&j);
	return tapio_json_finish(&j);
}

int tapio_tcp_event_json(const struct tapio_tcp_event *e, __s64 mono_to_real_ns,
			 char *out, size_t len)
{
	char la[INET6_ADDRSTRLEN], ra[INET6_ADDRSTRLEN];
	bool retrans = e->type == TAPIO_TCP_RETRANS;
	struct tapio_json j;

	tapio_format_addr(e->t.laddr, la, sizeof(la));
	tapio_format_addr(e->t.raddr, ra, sizeof(ra));
	tapio_json_init(&j, out, len);
	tapio_json_object(&j, NULL);
	tapio_json_str(&j, "type", retrans ? "retransmit" : "life");
	tapio_json_s64(&j, "time_ns", (__s64)e->ts_ns + mono_to_real_ns);
	tapio_json_u64(&j, "ts_ns", e->ts_ns);
	if (!retrans) {
		tapio_json_u64(&j, "pid", e->pid);
		tapio_json_strn(&j, "comm", e->comm, sizeof(e->comm));
	}
	tapio_json_u64(&j, "ip_version", e->t.family == AF_INET6 ? 6 : 4);
	tapio_json_str(&j, "laddr", la);
	tapio_json_u64(&j, "lport", e->t.lport);
	tapio_json_str(&j, "raddr", ra);
	tapio_json_u64(&j, "rport", e->t.rport);
	if (retrans) {
		tapio_json_str(&j, "state", tapio_tcp_state_name(e->state));
		tapio_json_u64(&j, "segments", e->segments);
	} else {
		tapio_json_u64(&j, "tx_bytes", e->tx_bytes);
		tapio_json_u64(&j, "rx_bytes", e->rx_bytes);
		tapio_json_u64(&j, "duration_ns", e->duration_ns);
		tapio_json_str(&j, "state_before_close",
			       tapio_tcp_state_name(e->state));
	}
	tapio_json_object_end(&j);
	return tapio_json_finish(&j);
}
