// SPDX-License-Identifier: GPL-2.0
/* JSON of exec and TCP probe events: one place for the field names that
 * docs/metrics.md promises, used by `tapio trace` and `tapio run`. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "flow_format.h"
#include "probe_event.h"

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

void tapio_exec_args(const struct tapio_exec_event *e, bool json, char *out,
		     size_t len)
{
	char arg[TAPIO_EXEC_ARGS_LEN + 1], q[TAPIO_EXEC_ARGS_LEN * 6 + 3];
	size_t o = 0, i = 0, n = 0, alen = e->args_len;

	if (alen > TAPIO_EXEC_ARGS_LEN)
		alen = TAPIO_EXEC_ARGS_LEN;
	if (json)
		o += snprintf(out + o, len - o, "[");
	while (i < alen && n < TAPIO_EXEC_ARGS_MAX && o < len) {
		size_t l = strnlen(e->args + i, alen - i);

		memcpy(arg, e->args + i, l);
		arg[l] = 0;
		i += l + 1;
		if (json) {
			if (tapio_json_string(q, sizeof(q), arg) < 0)
				break;
			o += snprintf(out + o, len - o, "%s%s", n ? "," : "",
				      q);
		} else {
			o += snprintf(out + o, len - o, "%s%s", n ? " " : "",
				      arg);
		}
		n++;
	}
	if (json && o < len)
		snprintf(out + o, len - o, "]");
	else if (!json && o < len && e->args_truncated)
		snprintf(out + o, len - o, " ...");
}

/* snprintf that remembers running out of room */
#define PUT(...)                                                               \
	do {                                                                   \
		if (o < len)                                                   \
			o += (size_t)snprintf(out + o, len - o, __VA_ARGS__);  \
	} while (0)

int tapio_exec_event_json(const struct tapio_exec_event *e, char *out,
			  size_t len)
{
	char args[4096], comm[64], file[TAPIO_FILENAME_LEN * 6 + 3];
	size_t o = 0;

	tapio_json_string(comm, sizeof(comm), e->comm);
	PUT("{\"type\":\"%s\",\"ts_ns\":%llu,\"pid\":%u,\"ppid\":%u,"
	    "\"uid\":%u,\"gid\":%u,\"cgroup_id\":%llu,\"comm\":%s",
	    tapio_exec_type_name(e->type), (unsigned long long)e->ts_ns, e->pid,
	    e->ppid, e->uid, e->gid, (unsigned long long)e->cgroup_id, comm);
	if (e->type != TAPIO_EXEC_EXIT) {
		tapio_json_string(file, sizeof(file), e->filename);
		PUT(",\"filename\":%s", file);
	}
	if (e->type == TAPIO_EXEC_OK) {
		tapio_exec_args(e, true, args, sizeof(args));
		PUT(",\"args\":%s,\"args_truncated\":%s", args,
		    e->args_truncated ? "true" : "false");
	} else if (e->type == TAPIO_EXEC_FAILED) {
		PUT(",\"errno\":%d,\"error\":\"%s\"", -e->retval,
		    strerror(-e->retval));
	} else {
		PUT(",\"exit_code\":%d,\"signal\":%d,\"lifetime_ns\":%llu",
		    (e->retval >> 8) & 0xff, e->retval & 0x7f,
		    (unsigned long long)e->lifetime_ns);
	}
	PUT("}");
	return o < len ? (int)o : -ENOSPC;
}

int tapio_tcp_event_json(const struct tapio_tcp_event *e, char *out, size_t len)
{
	char la[INET6_ADDRSTRLEN], ra[INET6_ADDRSTRLEN], comm[64];
	int v = e->t.family == AF_INET6 ? 6 : 4;
	size_t o = 0;

	tapio_format_addr(e->t.laddr, la, sizeof(la));
	tapio_format_addr(e->t.raddr, ra, sizeof(ra));
	if (e->type == TAPIO_TCP_RETRANS) {
		PUT("{\"type\":\"retransmit\",\"ts_ns\":%llu,"
		    "\"ip_version\":%d,\"laddr\":\"%s\",\"lport\":%u,"
		    "\"raddr\":\"%s\",\"rport\":%u,\"state\":\"%s\"}",
		    (unsigned long long)e->ts_ns, v, la, e->t.lport, ra,
		    e->t.rport, tapio_tcp_state_name(e->state));
	} else {
		tapio_json_string(comm, sizeof(comm), e->comm);
		PUT("{\"type\":\"life\",\"ts_ns\":%llu,\"pid\":%u,"
		    "\"comm\":%s,\"ip_version\":%d,\"laddr\":\"%s\","
		    "\"lport\":%u,\"raddr\":\"%s\",\"rport\":%u,"
		    "\"tx_bytes\":%llu,\"rx_bytes\":%llu,"
		    "\"duration_ns\":%llu,\"state_before_close\":\"%s\"}",
		    (unsigned long long)e->ts_ns, e->pid, comm, v, la,
		    e->t.lport, ra, e->t.rport, (unsigned long long)e->tx_bytes,
		    (unsigned long long)e->rx_bytes,
		    (unsigned long long)e->duration_ns,
		    tapio_tcp_state_name(e->state));
	}
	return o < len ? (int)o : -ENOSPC;
}
