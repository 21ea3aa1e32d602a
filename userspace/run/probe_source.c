// SPDX-License-Identifier: GPL-2.0
/* The probes `tapio run` keeps: each loaded by its own thread at start,
 * its events read by one ring thread, its losses counted for /metrics. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "lib/clock.h"
#include "lib/log.h"
#include "export/event_json.h"
#include "run/probe_source.h"

int tapio_probe_set_parse(const char *opt, const char *v, unsigned int *mask)
{
	char *copy = strdup(v), *save = NULL, *w;
	enum tapio_probe_kind k;
	int err = 0;

	if (!copy)
		return -ENOMEM;
	*mask = 0;
	for (w = strtok_r(copy, " ,", &save); w && !err;
	     w = strtok_r(NULL, " ,", &save)) {
		if (!strcmp(w, "none"))
			continue;
		if (!strcmp(w, "all")) {
			*mask = (1u << TAPIO_PROBE_KINDS) - 1;
			continue;
		}
		if (tapio_probe_kind_parse(w, &k)) {
			pr_err("invalid %s '%s': expected none, all or a list "
			       "of bio, cache, exec, tcp",
			       opt, w);
			err = -EINVAL;
		}
		*mask |= 1u << k;
	}
	free(copy);
	return err;
}

struct starter {
	struct tapio_probe_set *ps;
	int kind;
	pthread_t th;
	int started;
};

/* Open, pick the method's programs, load, attach: one probe, one thread.
 * The daemon keeps bio without queue time (docs/architecture.md). */
static void *start_one(void *arg)
{
	struct starter *st = arg;
	struct tapio_probe_set *ps = st->ps;
	const struct tapio_probe_opts o = {.method = ps->method};

	tapio_probe_open(&ps->probe[st->kind], st->kind, &o,
			 ps->failure[st->kind], sizeof(ps->failure[0]));
	return NULL;
}

static void emit(struct tapio_probe_set *ps, const char *json)
{
	if (ps->sink)
		ps->sink(json, ps->sink_ctx);
}

static int on_exec(void *ctx, void *data, size_t size)
{
	struct tapio_probe_set *ps = ctx;
	const struct tapio_exec_event *e = data;
	char line[TAPIO_EVENT_JSON_MAX];

	if (size < sizeof(*e) || e->type < TAPIO_EXEC_OK ||
	    e->type > TAPIO_EXEC_EXIT) {
		ps->malformed++;
		return 0;
	}
	ps->received[TAPIO_PROBE_EXEC]++;
	if (tapio_exec_event_json(e, ps->mono_to_real, line, sizeof(line)) < 0)
		ps->json_errors++;
	else
		emit(ps, line);
	return 0;
}

static int on_tcp(void *ctx, void *data, size_t size)
{
	struct tapio_probe_set *ps = ctx;
	const struct tapio_tcp_event *e = data;
	char line[TAPIO_EVENT_JSON_MAX];

	if (size < sizeof(*e) ||
	    (e->type != TAPIO_TCP_RETRANS && e->type != TAPIO_TCP_LIFE)) {
		ps->malformed++;
		return 0;
	}
	ps->received[TAPIO_PROBE_TCP]++;
	if (tapio_tcp_event_json(e, ps->mono_to_real, line, sizeof(line)) < 0)
		ps->json_errors++;
	else
		emit(ps, line);
	return 0;
}

/* A reader that stops would leave events to pile up as ring_full with no
 * word why: it says so, and /healthz names it from then on. */
static void *read_rings(void *arg)
{
	struct tapio_probe_set *ps = arg;
	char eb[TAPIO_ERRBUF];
	int err;

	while (!ps->stop) {
		err = ring_buffer__poll(ps->rb, 100);
		if (err < 0 && err != -EINTR) {
			tapio_strerror(err, eb, sizeof(eb));
			pr_warn("probes: reading the event rings failed: %s",
				eb);
			snprintf(ps->reader_failure, sizeof(ps->reader_failure),
				 "event rings unread: %s", eb);
			break;
		}
	}
	return NULL;
}

static int add_ring(struct tapio_probe_set *ps, int fd,
		    ring_buffer_sample_fn fn)
{
	if (!ps->rb) {
		ps->rb = ring_buffer__new(fd, fn, ps, NULL);
		return ps->rb ? 0 : -errno;
	}
	return ring_buffer__add(ps->rb, fd, fn, ps);
}

int tapio_probe_set_start(struct tapio_probe_set *ps)
{
	struct starter st[TAPIO_PROBE_KINDS] = {0};
	char eb[TAPIO_ERRBUF];
	int k, running = 0, err = 0;

	if (ps->method == TAPIO_TP_NONE) /* auto: what doctor finds */
		ps->method = tapio_probe_tp_method();
	ps->mono_to_real = tapio_mono_to_real_ns();
	for (k = 0; k < TAPIO_PROBE_KINDS; k++) {
		if (!(ps->wanted & (1u << k)))
			continue;
		st[k].ps = ps;
		st[k].kind = k;
		st[k].started =
			!pthread_create(&st[k].th, NULL, start_one, &st[k]);
		if (!st[k].started)
			start_one(&st[k]);
	}
	for (k = 0; k < TAPIO_PROBE_KINDS; k++)
		if (st[k].started)
			pthread_join(st[k].th, NULL);
	if (tapio_probe_up(ps, TAPIO_PROBE_EXEC))
		err = add_ring(ps, ps->probe[TAPIO_PROBE_EXEC].ring_fd,
			       on_exec);
	if (!err && tapio_probe_up(ps, TAPIO_PROBE_TCP))
		err = add_ring(ps, ps->probe[TAPIO_PROBE_TCP].ring_fd, on_tcp);
	if (!err && ps->rb)
		err = -pthread_create(&ps->reader, NULL, read_rings, ps);
	if (err) {
		/* events would pile up unread: report both as failing */
		pr_warn("probes: cannot read the event rings: %s",
			tapio_strerror(err, eb, sizeof(eb)));
		for (k = TAPIO_PROBE_EXEC; k <= TAPIO_PROBE_TCP; k++)
			if (tapio_probe_up(ps, k))
				snprintf(ps->failure[k], sizeof(ps->failure[0]),
					 "cannot read its ring: %s", eb);
	} else if (ps->rb) {
		ps->reader_running = 1;
	}
	for (k = 0; k < TAPIO_PROBE_KINDS; k++) {
		if (!(ps->wanted & (1u << k)))
			continue;
		if (ps->failure[k][0])
			pr_warn("probe %s: %s", tapio_probe_kind_name(k),
				ps->failure[k]);
		else
			running++;
	}
	if (running)
		pr_info("probes: %d running with %s tracepoints", running,
			tapio_tp_method_name(ps->method));
	return running;
}

void tapio_probe_set_processed(struct tapio_probe_set *ps, FILE *f)
{
	int k;

	for (k = TAPIO_PROBE_EXEC; k <= TAPIO_PROBE_TCP; k++)
		if (tapio_probe_up(ps, k))
			fprintf(f,
				"tapio_events_processed_total{source=\"probe_"
				"%s\"} %llu\n",
				tapio_probe_kind_name(k),
				(unsigned long long)ps->received[k]);
}

void tapio_probe_set_dropped(struct tapio_probe_set *ps, FILE *f)
{
	__u64 c[TAPIO_PCNT_MAX];
	int k;

	for (k = 0; k < TAPIO_PROBE_KINDS; k++) {
		const struct tapio_probe *p = tapio_probe_up(ps, k);
		const char *name = tapio_probe_kind_name(k);

		if (!p)
			continue;
		tapio_probe_counters(p->obj, c);
		fprintf(f,
			"tapio_events_dropped_total{source=\"probe_%s\","
			"reason=\"ring_full\"} %llu\n"
			"tapio_events_dropped_total{source=\"probe_%s\","
			"reason=\"map_full\"} %llu\n"
			"tapio_events_dropped_total{source=\"probe_%s\","
			"reason=\"kernel_skipped\"} %llu\n",
			name, (unsigned long long)c[TAPIO_PCNT_RINGBUF_FULL],
			name, (unsigned long long)c[TAPIO_PCNT_MAP_FULL], name,
			(unsigned long long)tapio_probe_kernel_misses(p->obj));
	}
	fprintf(f,
		"tapio_events_dropped_total{source=\"probe\","
		"reason=\"malformed\"} %llu\n"
		"tapio_events_dropped_total{source=\"probe\","
		"reason=\"too_long\"} %llu\n",
		(unsigned long long)ps->malformed,
		(unsigned long long)ps->json_errors);
}

void tapio_probe_set_health(const struct tapio_probe_set *ps, FILE *h,
			    int *healthy)
{
	int k;

	for (k = 0; k < TAPIO_PROBE_KINDS; k++) {
		if (!(ps->wanted & (1u << k)) || !ps->failure[k][0])
			continue;
		fprintf(h, "%sprobe %s: %s", *healthy ? "failing: " : ", ",
			tapio_probe_kind_name(k), ps->failure[k]);
		*healthy = 0;
	}
	if (ps->reader_failure[0]) {
		fprintf(h, "%sprobes: %s", *healthy ? "failing: " : ", ",
			ps->reader_failure);
		*healthy = 0;
	}
}

void tapio_probe_set_stop(struct tapio_probe_set *ps)
{
	int k;

	if (ps->reader_running) {
		ps->stop = 1;
		pthread_join(ps->reader, NULL);
		ps->reader_running = 0;
	}
	if (ps->rb) {
		ring_buffer__consume(
			ps->rb); /* what came after the last poll */
		ring_buffer__free(ps->rb);
		ps->rb = NULL;
	}
	for (k = 0; k < TAPIO_PROBE_KINDS; k++)
		tapio_probe_close(&ps->probe[k]);
}

/* The probe set as a source of `tapio run`: no flows, its own families,
 * its events through ps->sink, its losses in the shared families. */
static int source_start(void *priv, struct tapio_flow_table *t)
{
	struct tapio_probe_set *ps = priv;
	int up;

	(void)t;
	if (!ps->wanted)
		return 0;
	up = tapio_probe_set_start(ps);
	ps->running = up;
	return up < __builtin_popcount(ps->wanted) ? -ENODEV : 0;
}

/* a last read of the rings: every event reaches the sinks before the table
 * is flushed and the sinks close */
static int source_finish(void *priv, struct tapio_flow_table *t)
{
	(void)t;
	tapio_probe_set_stop(priv);
	return 0;
}

static void source_metrics(void *priv, FILE *f)
{
	tapio_probe_set_metrics(priv, f);
}

static void source_processed(void *priv, FILE *f)
{
	tapio_probe_set_processed(priv, f);
}

static void source_dropped(void *priv, FILE *f)
{
	tapio_probe_set_dropped(priv, f);
}

static void source_health(void *priv, FILE *h, int *healthy)
{
	tapio_probe_set_health(priv, h, healthy);
}

static void source_close(void *priv)
{
	tapio_probe_set_stop(priv);
}

static unsigned int source_prog_ids(void *priv, __u32 *ids, unsigned int max)
{
	struct tapio_probe_set *ps = priv;
	struct bpf_program *prog;
	unsigned int n = 0;
	int k;

	for (k = 0; k < TAPIO_PROBE_KINDS; k++) {
		const struct tapio_probe *p = tapio_probe_up(ps, k);

		if (!p)
			continue;
		bpf_object__for_each_program(prog, p->obj)
		{
			struct bpf_prog_info info = {};
			__u32 len = sizeof(info);
			int fd = bpf_program__fd(prog);

			/* programs a method does not use are not loaded */
			if (fd >= 0 && n < max &&
			    !bpf_obj_get_info_by_fd(fd, &info, &len))
				ids[n++] = info.id;
		}
	}
	return n;
}

const struct tapio_source_ops tapio_probe_source_ops = {
	.name = "probes",
	.start = source_start,
	.finish = source_finish,
	.close = source_close,
	.metrics = source_metrics,
	.processed = source_processed,
	.dropped = source_dropped,
	.health = source_health,
	.prog_ids = source_prog_ids,
};
