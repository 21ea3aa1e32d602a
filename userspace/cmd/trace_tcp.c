// SPDX-License-Identifier: GPL-2.0
/* `tapio trace tcp`: tcpretrans-style retransmit lines and tcplife-style
 * lifespans, then open/close/reset/retransmit totals per state. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "lib/flow_format.h"
#include "lib/json.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "export/event_json.h"
#include "tapio/tcp_probe.h"
#include "tapio_tcp.skel.h"
#include "cmd/trace_loop.h"

struct tcp_ctx {
	const struct trace_opts *o;
	__u64 start_ns;
	__s64 mono_to_real; /* for the JSON lines' Unix time */
	__u64 received;
	__u64 malformed, too_long;	  /* records not printed, by reason */
	__u64 c[TAPIO_PCNT_MAX];	  /* the probe's counters at the end */
	__u64 by_state[TAPIO_TCP_STATES]; /* retransmits, summed over CPUs */
};

static int on_event(void *ctx, void *data, size_t size)
{
	struct tcp_ctx *x = ctx;
	const struct tapio_tcp_event *e = data;
	char la[INET6_ADDRSTRLEN], ra[INET6_ADDRSTRLEN];
	char line[TAPIO_EVENT_JSON_MAX];

	if (size < sizeof(*e)) {
		x->malformed++;
		return 0;
	}
	if ((e->type == TAPIO_TCP_RETRANS && x->o->life) ||
	    (e->type == TAPIO_TCP_LIFE && x->o->retrans))
		return 0;
	x->received++;
	tapio_format_addr(e->t.laddr, la, sizeof(la));
	tapio_format_addr(e->t.raddr, ra, sizeof(ra));
	if (x->o->json) {
		if (tapio_tcp_event_json(e, x->mono_to_real, line,
					 sizeof(line)) > 0)
			printf("%s\n", line);
		else
			x->too_long++;
		return 0;
	}
	if (e->type == TAPIO_TCP_RETRANS) {
		printf("%-9.3f RETRANS %s:%u -> %s:%u %s\n",
		       (double)(e->ts_ns - x->start_ns) / 1e9, la, e->t.lport,
		       ra, e->t.rport, tapio_tcp_state_name(e->state));
		return 0;
	}
	printf("%-9.3f LIFE    %-7u %-16.16s %s:%u -> %s:%u tx %llu "
	       "rx %llu %.3f ms\n",
	       (double)(e->ts_ns - x->start_ns) / 1e9, e->pid, e->comm, la,
	       e->t.lport, ra, e->t.rport, (unsigned long long)e->tx_bytes,
	       (unsigned long long)e->rx_bytes, (double)e->duration_ns / 1e6);
	return 0;
}

/* The totals as JSON members: also the text summary's last line. */
static void summary_extra(struct tapio_json *j, void *ctx)
{
	const struct tcp_ctx *x = ctx;
	__u32 s;

	tapio_json_u64(j, "active_opens", x->c[TAPIO_PCNT_TCP_ACTIVE_OPEN]);
	tapio_json_u64(j, "passive_opens", x->c[TAPIO_PCNT_TCP_PASSIVE_OPEN]);
	tapio_json_u64(j, "closes", x->c[TAPIO_PCNT_TCP_CLOSE]);
	tapio_json_u64(j, "retransmits", x->c[TAPIO_PCNT_TCP_RETRANS]);
	tapio_json_u64(j, "resets_sent", x->c[TAPIO_PCNT_TCP_RST_SENT]);
	tapio_json_u64(j, "resets_received", x->c[TAPIO_PCNT_TCP_RST_RECV]);
	tapio_json_u64(j, "events_received", x->received);
	tapio_json_u64(j, "events_malformed", x->malformed);
	tapio_json_u64(j, "events_too_long", x->too_long);
	tapio_json_object(j, "retrans_by_state");
	for (s = 0; s < TAPIO_TCP_STATES; s++)
		if (x->by_state[s])
			tapio_json_u64(j, tapio_tcp_state_name(s),
				       x->by_state[s]);
	tapio_json_object_end(j);
}

int tapio_trace_tcp(const struct trace_opts *o)
{
	struct tcp_ctx x = {.o = o};
	struct ring_buffer *rb = NULL;
	struct tapio_probe p;
	struct tapio_tcp *skel;
	int err;

	err = tapio_trace_start(&p, TAPIO_PROBE_TCP, o);
	if (err)
		return err;
	skel = p.skel;
	rb = tapio_trace_ring(&p, on_event, &x);
	if (!rb) {
		err = -errno;
		goto out;
	}
	x.start_ns = tapio_mono_ns();
	x.mono_to_real = tapio_mono_to_real_ns();
	err = tapio_trace_loop(o, rb, NULL, NULL);
	tapio_probe_counters(p.obj, x.c);
	tapio_percpu_array_sum(bpf_map__fd(skel->maps.tapio_tcp_rstate),
			       x.by_state, TAPIO_TCP_STATES);
	if (!o->json) {
		struct tapio_json j;
		char line[1024];

		/* the JSON members, unbraced, as the text summary */
		tapio_json_init(&j, line, sizeof(line));
		tapio_json_object(&j, NULL);
		summary_extra(&j, &x);
		tapio_json_object_end(&j);
		if (tapio_json_finish(&j) > 2)
			printf("# %.*s\n", (int)strlen(line) - 2, line + 1);
	}
	tapio_trace_summary(stdout, &p, o, x.c, summary_extra, &x);
out:
	ring_buffer__free(rb);
	tapio_probe_close(&p);
	return err;
}
