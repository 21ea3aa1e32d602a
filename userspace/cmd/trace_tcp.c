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
#include "lib/log.h"
#include "export/event_json.h"
#include "tapio/tcp_probe.h"
#include "tapio_tcp.skel.h"
#include "cmd/trace.h"

struct tcp_ctx {
	const struct trace_opts *o;
	__u64 start_ns;
	__u64 received;
	__u64 malformed, too_long; /* records not printed, by reason */
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
		if (tapio_tcp_event_json(e, line, sizeof(line)) > 0)
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

/* Retransmits per state, summed over CPUs, as JSON members. */
static void by_state(struct tapio_tcp *skel, char *buf, size_t len)
{
	__u64 n[TAPIO_TCP_STATES];
	const char *sep = "";
	size_t o;
	__u32 s;

	tapio_percpu_array_sum(bpf_map__fd(skel->maps.tapio_tcp_rstate), n,
			       TAPIO_TCP_STATES);
	o = snprintf(buf, len, "\"retrans_by_state\":{");
	for (s = 0; s < TAPIO_TCP_STATES && o < len; s++) {
		if (!n[s])
			continue;
		o += snprintf(buf + o, len - o, "%s\"%s\":%llu", sep,
			      tapio_tcp_state_name(s),
			      (unsigned long long)n[s]);
		sep = ",";
	}
	if (o < len)
		snprintf(buf + o, len - o, "}");
}

static int load(void *s)
{
	return tapio_tcp__load(s);
}

static int attach(void *s)
{
	return tapio_tcp__attach(s);
}

int tapio_trace_tcp(const struct trace_opts *o)
{
	struct tcp_ctx x = {.o = o};
	struct ring_buffer *rb = NULL;
	struct tapio_tcp *skel;
	__u64 c[TAPIO_PCNT_MAX];
	char extra[1024], states[512];
	int err;

	skel = tapio_tcp__open();
	if (!skel) {
		pr_err("tcp probe: cannot open: %s", strerror(errno));
		return -errno;
	}
	err = tapio_trace_start(skel->obj, "tcp", o, load, attach, skel);
	if (err)
		goto out;
	rb = ring_buffer__new(bpf_map__fd(skel->maps.tapio_tcp_rb), on_event,
			      &x, NULL);
	if (!rb) {
		err = -errno;
		pr_err("tcp probe: cannot open ring buffer: %s",
		       strerror(errno));
		goto out;
	}
	x.start_ns = tapio_mono_ns();
	err = tapio_trace_loop(o, rb, NULL, NULL);
	tapio_probe_counters(skel->obj, c);
	by_state(skel, states, sizeof(states));
	snprintf(extra, sizeof(extra),
		 "\"active_opens\":%llu,\"passive_opens\":%llu,"
		 "\"closes\":%llu,\"retransmits\":%llu,\"resets_sent\":%llu,"
		 "\"resets_received\":%llu,\"events_received\":%llu,"
		 "\"events_malformed\":%llu,\"events_too_long\":%llu,%s",
		 (unsigned long long)c[TAPIO_PCNT_TCP_ACTIVE_OPEN],
		 (unsigned long long)c[TAPIO_PCNT_TCP_PASSIVE_OPEN],
		 (unsigned long long)c[TAPIO_PCNT_TCP_CLOSE],
		 (unsigned long long)c[TAPIO_PCNT_TCP_RETRANS],
		 (unsigned long long)c[TAPIO_PCNT_TCP_RST_SENT],
		 (unsigned long long)c[TAPIO_PCNT_TCP_RST_RECV],
		 (unsigned long long)x.received,
		 (unsigned long long)x.malformed,
		 (unsigned long long)x.too_long, states);
	if (!o->json)
		printf("# %s\n", extra);
	tapio_trace_summary(stdout, "tcp", o, skel->obj, c, extra);
out:
	ring_buffer__free(rb);
	tapio_tcp__destroy(skel);
	return err;
}
