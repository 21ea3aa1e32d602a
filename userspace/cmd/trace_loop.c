// SPDX-License-Identifier: GPL-2.0
/* The run loop the tracers share: open the probe from the kind table, poll
 * its ring or tick per interval, stop on a signal or time, sum up. */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <bpf/libbpf.h>

#include "lib/json.h"
#include "lib/log.h"
#include "lib/probe_loader.h"
#include "cmd/trace_loop.h"

volatile sig_atomic_t tapio_trace_stop;

static void on_signal(int sig)
{
	(void)sig;
	tapio_trace_stop = 1;
}

int tapio_trace_start(struct tapio_probe *p, enum tapio_probe_kind k,
		      const struct trace_opts *o)
{
	const struct tapio_probe_opts po = {
		.method = o->method,
		.queued = o->queued,
		.per_cgroup = o->per_cgroup,
		.filter = &o->filter,
	};
	char why[256];
	int err;

	err = tapio_probe_open(p, k, &po, why, sizeof(why));
	if (err) {
		pr_err("%s probe: %s", tapio_probe_kind_name(k), why);
		return err;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	fprintf(stderr,
		"tapio: tracing %s with %s tracepoints (%d programs); "
		"Ctrl-C to end\n",
		tapio_probe_kind_name(k), tapio_tp_method_name(p->method),
		p->programs);
	return 0;
}

struct ring_buffer *
tapio_trace_ring(const struct tapio_probe *p,
		 int (*fn)(void *ctx, void *data, size_t size), void *ctx)
{
	struct ring_buffer *rb = ring_buffer__new(p->ring_fd, fn, ctx, NULL);
	char eb[TAPIO_ERRBUF];

	if (!rb)
		pr_err("%s probe: cannot read its event ring: %s",
		       tapio_probe_kind_name(p->kind),
		       tapio_strerror(-errno, eb, sizeof(eb)));
	return rb;
}

int tapio_trace_loop(const struct trace_opts *o, struct ring_buffer *rb,
		     void (*tick)(void *ctx), void *ctx)
{
	__u64 start = tapio_mono_ns(), now, next;
	__u64 interval = o->interval_ns;
	__u64 end = o->duration_ns ? start + o->duration_ns : 0;
	char buf[TAPIO_ERRBUF];
	int err = 0;

	next = start + interval;
	while (!tapio_trace_stop) {
		if (rb) {
			err = tapio_ring_read(rb, 100);
			if (err == -EINTR)
				err = 0;
			if (err < 0) {
				pr_err("cannot read the event ring: %s",
				       tapio_strerror(err, buf, sizeof(buf)));
				break;
			}
			err = 0;
		} else {
			struct timespec ts = {0, 100 * 1000 * 1000};

			nanosleep(&ts, NULL);
		}
		now = tapio_mono_ns();
		if (interval && tick && now >= next) {
			tick(ctx);
			next += interval;
		}
		if (end && now >= end)
			break;
	}
	if (rb)
		ring_buffer__consume(rb);
	return err;
}

void tapio_trace_summary(FILE *out, const struct tapio_probe *p,
			 const struct trace_opts *o,
			 const __u64 c[TAPIO_PCNT_MAX],
			 void (*extra)(struct tapio_json *j, void *ctx),
			 void *ctx)
{
	unsigned long long skipped = tapio_probe_kernel_misses(p->obj);
	const char *what = tapio_probe_kind_name(p->kind);
	const char *method = tapio_tp_method_name(p->method);
	struct tapio_json j;
	char line[4096];

	if (!o->json) {
		fprintf(out,
			"# %s (%s): %llu events lost, %llu filtered, "
			"%llu map full, %llu missed start, "
			"%llu skipped by the kernel\n",
			what, method,
			(unsigned long long)c[TAPIO_PCNT_RINGBUF_FULL],
			(unsigned long long)c[TAPIO_PCNT_FILTERED],
			(unsigned long long)c[TAPIO_PCNT_MAP_FULL],
			(unsigned long long)c[TAPIO_PCNT_MISSED_START],
			skipped);
		fflush(out);
		return;
	}
	tapio_json_init(&j, line, sizeof(line));
	tapio_json_object(&j, NULL);
	tapio_json_str(&j, "summary", what);
	tapio_json_str(&j, "method", method);
	tapio_json_u64(&j, "events_lost", c[TAPIO_PCNT_RINGBUF_FULL]);
	tapio_json_u64(&j, "filtered", c[TAPIO_PCNT_FILTERED]);
	tapio_json_u64(&j, "map_full", c[TAPIO_PCNT_MAP_FULL]);
	tapio_json_u64(&j, "missed_start", c[TAPIO_PCNT_MISSED_START]);
	tapio_json_u64(&j, "kernel_skipped", skipped);
	if (extra)
		extra(&j, ctx);
	tapio_json_object_end(&j);
	if (tapio_json_finish(&j) < 0)
		pr_err("%s: the summary does not fit in %zu bytes", what,
		       sizeof(line));
	else
		fprintf(out, "%s\n", line);
	fflush(out);
}
