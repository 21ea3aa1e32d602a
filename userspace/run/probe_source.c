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
#include "export/prom_text.h"
#include "lib/parse.h"
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

/* A stream of events: a probe that has them (exec, tcp) */
static int event_stream(const char *name, enum tapio_probe_kind *k)
{
	if (tapio_probe_kind_parse(name, k))
		return -EINVAL;
	return *k == TAPIO_PROBE_EXEC || *k == TAPIO_PROBE_TCP ? 0 : -EINVAL;
}

int tapio_probe_limits_parse(const char *opt, const char *v,
			     __u64 rate[TAPIO_PROBE_KINDS],
			     __u64 burst[TAPIO_PROBE_KINDS])
{
	char *copy = strdup(v), *save = NULL, *w, *eq, *slash, *end;
	enum tapio_probe_kind k;
	int err = 0;

	if (!copy)
		return -ENOMEM;
	for (w = strtok_r(copy, ",", &save); w && !err;
	     w = strtok_r(NULL, ",", &save)) {
		eq = strchr(w, '=');
		if (eq)
			*eq++ = '\0';
		slash = eq ? strchr(eq, '/') : NULL;
		if (slash)
			*slash++ = '\0';
		if (!eq || event_stream(w, &k)) {
			pr_err("invalid %s '%s': expected exec=RATE[/BURST] "
			       "or tcp=RATE[/BURST]",
			       opt, w);
			err = -EINVAL;
			break;
		}
		errno = 0;
		rate[k] = strtoull(eq, &end, 10);
		if (*end || errno || *eq < '0' || *eq > '9' ||
		    rate[k] > 1000000000ULL) {
			pr_err("invalid %s: %s rate '%s': events a second, 0 "
			       "(none) to 1000000000",
			       opt, w, eq);
			err = -EINVAL;
			break;
		}
		burst[k] = rate[k];
		if (slash) {
			burst[k] = strtoull(slash, &end, 10);
			if (*end || errno || *slash < '1' || *slash > '9') {
				pr_err("invalid %s: %s burst '%s': a number of "
				       "events, 1 or more",
				       opt, w, slash);
				err = -EINVAL;
			}
		}
	}
	free(copy);
	return err;
}

/* The limit of stream @k on its probe (running), as the set records it */
static int apply_limit(struct tapio_probe_set *ps, enum tapio_probe_kind k)
{
	return tapio_probe_limit_set(ps->probe[k].obj, ps->limit_rate[k],
				     ps->limit_burst[k]);
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
		/* the probes wake us per 64 KiB (tapio_wake_bytes): what
		 * came since is read when the wait times out, not left for
		 * the next wakeup, which a quiet host may not give */
		if (!err)
			err = ring_buffer__consume(ps->rb);
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
	if (ps->limits)
		tapio_probe_limits_parse("limit", ps->limits, ps->limit_rate,
					 ps->limit_burst);
	for (k = TAPIO_PROBE_EXEC; k <= TAPIO_PROBE_TCP; k++)
		if (tapio_probe_up(ps, k) && ps->limit_rate[k] &&
		    apply_limit(ps, k))
			pr_warn("probe %s: cannot set its rate limit",
				tapio_probe_kind_name(k));
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
			"reason=\"kernel_skipped\"} %llu\n"
			"tapio_events_dropped_total{source=\"probe_%s\","
			"reason=\"rate_limited\"} %llu\n",
			name, (unsigned long long)c[TAPIO_PCNT_RINGBUF_FULL],
			name, (unsigned long long)c[TAPIO_PCNT_MAP_FULL], name,
			(unsigned long long)tapio_probe_kernel_misses(p->obj),
			name, (unsigned long long)c[TAPIO_PCNT_RATE_LIMITED]);
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
	struct tapio_probe_set *ps = priv;
	int k;

	tapio_probe_set_metrics(ps, f);
	tapio_prom_family(f, "tapio_event_rate_limit", "gauge",
			  "Events a second an event stream may send (0: no "
			  "limit); the rest are counted as rate_limited.");
	for (k = TAPIO_PROBE_EXEC; k <= TAPIO_PROBE_TCP; k++)
		if (tapio_probe_up(ps, k))
			tapio_prom_sample(
				f, "tapio_event_rate_limit",
				TAPIO_LABELS(
					{"stream", tapio_probe_kind_name(k)}),
				ps->limit_rate[k]);
}

/* tapio limit: a stream's limit set, every stream's shown */
static bool source_control(void *priv, const struct tapio_socket_req *req,
			   struct tapio_socket_result *res)
{
	struct tapio_probe_set *ps = priv;
	__u64 c[TAPIO_PCNT_MAX];
	char stream[sizeof(req->stream) + 1];
	enum tapio_probe_kind k;
	int err;

	if (req->verb != TAPIO_VERB_LIMIT_SET &&
	    req->verb != TAPIO_VERB_LIMIT_SHOW)
		return false;
	snprintf(stream, sizeof(stream), "%.*s", (int)sizeof(req->stream),
		 req->stream);
	if (req->verb == TAPIO_VERB_LIMIT_SET) {
		if (event_stream(stream, &k) || req->rate > 1000000000ULL) {
			res->err = -EINVAL;
			snprintf(res->msg, sizeof(res->msg),
				 "'%s' is no event stream (exec, tcp) or the "
				 "rate is above 10^9",
				 stream);
			return true;
		}
		if (!tapio_probe_up(ps, k)) {
			res->err = -ENOENT;
			snprintf(res->msg, sizeof(res->msg),
				 "the %s probe does not run", stream);
			return true;
		}
		ps->limit_rate[k] = req->rate;
		ps->limit_burst[k] = req->burst ? req->burst : req->rate;
		err = apply_limit(ps, k);
		if (err) {
			res->err = err;
			snprintf(res->msg, sizeof(res->msg),
				 "cannot write the %s probe's limit", stream);
			return true;
		}
		pr_info("control: %s rate limit %llu/s, burst %llu%s", stream,
			(unsigned long long)ps->limit_rate[k],
			(unsigned long long)ps->limit_burst[k],
			req->rate ? "" : " (none)");
	}
	for (k = TAPIO_PROBE_EXEC; k <= TAPIO_PROBE_TCP; k++) {
		struct tapio_limit_entry *l = &res->limits[res->nlimits];

		if (!tapio_probe_up(ps, k))
			continue;
		tapio_probe_counters(ps->probe[k].obj, c);
		snprintf(l->stream, sizeof(l->stream), "%s",
			 tapio_probe_kind_name(k));
		l->rate = ps->limit_rate[k];
		l->burst = l->rate ? ps->limit_burst[k] : 0;
		l->limited = c[TAPIO_PCNT_RATE_LIMITED];
		res->nlimits++;
	}
	return true;
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
	.control = source_control,
};
