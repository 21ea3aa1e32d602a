// SPDX-License-Identifier: GPL-2.0
/* The probes `tapio run` keeps: each loaded by its own thread at start,
 * its events read by one ring thread, its losses counted for /metrics. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "lib/clock.h"
#include "lib/log.h"
#include "export/event_json.h"
#include "export/prom_text.h"
#include "lib/parse.h"
#include "lib/probe_loader.h"
#include "lib/probe_rule.h"
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

int tapio_probe_samples_parse(const char *opt, const char *v,
			      __u32 n[TAPIO_PROBE_KINDS],
			      __u32 target[TAPIO_PROBE_KINDS])
{
	char *copy = strdup(v), *save = NULL, *w, *eq, *end;
	enum tapio_probe_kind k;
	unsigned long x;
	int err = 0;
	bool aut;

	if (!copy)
		return -ENOMEM;
	for (w = strtok_r(copy, ",", &save); w && !err;
	     w = strtok_r(NULL, ",", &save)) {
		eq = strchr(w, '=');
		if (eq)
			*eq++ = '\0';
		if (!eq || event_stream(w, &k)) {
			pr_err("invalid %s '%s': expected exec=N, tcp=N or "
			       "STREAM=auto:TARGET",
			       opt, w);
			err = -EINVAL;
			break;
		}
		aut = !strncmp(eq, "auto:", 5);
		errno = 0;
		x = strtoul(aut ? eq + 5 : eq, &end, 10);
		if (*end || errno || !x || x > 1000000 ||
		    (aut ? eq[5] : eq[0]) < '0' ||
		    (aut ? eq[5] : eq[0]) > '9') {
			pr_err("invalid %s: %s '%s': one in N (1 to 1000000) "
			       "or auto:TARGET events a second",
			       opt, w, eq);
			err = -EINVAL;
			break;
		}
		n[k] = aut ? 1 : (__u32)x;
		target[k] = aut ? (__u32)x : 0;
	}
	free(copy);
	return err;
}

static void apply_sampling(struct tapio_probe_set *ps, enum tapio_probe_kind k)
{
	if (tapio_probe_sampling_set(ps->probe[k].obj, ps->sample_n[k]))
		pr_warn("probe %s: cannot set its sampling",
			tapio_probe_kind_name(k));
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

/* An event read: into the stream's estimate (one always kept counts 1, a
 * sampled one the n it was sampled at, as far as the reader knows it --
 * a change is seen up to a ring read late), and a sampled one's JSON
 * says its n. */
static const char *sampled(struct tapio_probe_set *ps, int k, bool kept,
			   char *line, size_t len)
{
	__u32 n = kept ? 1 : ps->sample_n[k];
	size_t l = strlen(line);

	tapio_estimate_add(&ps->est[k], n);
	if (n > 1 && l > 1 && l + 24 < len)
		snprintf(line + l - 1, len - l + 1, ",\"sample_1_in\":%u}", n);
	return line;
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
		emit(ps, sampled(ps, TAPIO_PROBE_EXEC,
				 e->type == TAPIO_EXEC_FAILED ||
					 (e->type == TAPIO_EXEC_EXIT &&
					  (e->retval & 0x7f)),
				 line, sizeof(line)));
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
		emit(ps,
		     sampled(ps, TAPIO_PROBE_TCP, e->type == TAPIO_TCP_RETRANS,
			     line, sizeof(line)));
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
		err = tapio_ring_read(ps->rb, 100);
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
	for (k = 0; k < TAPIO_PROBE_KINDS; k++)
		ps->sample_n[k] = 1;
	if (ps->samples)
		tapio_probe_samples_parse("sample", ps->samples,
					  (__u32 *)ps->sample_n,
					  ps->sample_target);
	for (k = TAPIO_PROBE_EXEC; k <= TAPIO_PROBE_TCP; k++)
		if (tapio_probe_up(ps, k) && ps->sample_n[k] > 1)
			apply_sampling(ps, k);
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
			"reason=\"rate_limited\"} %llu\n"
			"tapio_events_dropped_total{source=\"probe_%s\","
			"reason=\"sampled_out\"} %llu\n",
			name, (unsigned long long)c[TAPIO_PCNT_RINGBUF_FULL],
			name, (unsigned long long)c[TAPIO_PCNT_MAP_FULL], name,
			(unsigned long long)tapio_probe_kernel_misses(p->obj),
			name, (unsigned long long)c[TAPIO_PCNT_RATE_LIMITED],
			name, (unsigned long long)c[TAPIO_PCNT_SAMPLED_OUT]);
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

/* A family with one sample per event stream that runs: @v[kind] */
static void stream_family(FILE *f, struct tapio_probe_set *ps, const char *name,
			  const char *help, const __u64 v[TAPIO_PROBE_KINDS])
{
	int k;

	tapio_prom_family(f, name, "gauge", help);
	for (k = TAPIO_PROBE_EXEC; k <= TAPIO_PROBE_TCP; k++)
		if (tapio_probe_up(ps, k))
			tapio_prom_sample(
				f, name,
				TAPIO_LABELS(
					{"stream", tapio_probe_kind_name(k)}),
				v[k]);
}

static void rule_metrics(struct tapio_probe_set *ps, FILE *f);

static void source_metrics(void *priv, FILE *f)
{
	struct tapio_probe_set *ps = priv;
	__u64 est[TAPIO_PROBE_KINDS], ci[TAPIO_PROBE_KINDS];
	int k;

	tapio_probe_set_metrics(ps, f);
	stream_family(f, ps, "tapio_event_rate_limit",
		      "Events a second an event stream may send (0: no "
		      "limit); the rest are counted as rate_limited.",
		      ps->limit_rate);
	tapio_prom_family(f, "tapio_event_sampling_rate", "gauge",
			  "One event in this many of the stream is sent (1: "
			  "all), by strategy: uniform (set) or adaptive "
			  "(following a target of events a second).");
	for (k = TAPIO_PROBE_EXEC; k <= TAPIO_PROBE_TCP; k++)
		if (tapio_probe_up(ps, k))
			tapio_prom_sample(
				f, "tapio_event_sampling_rate",
				TAPIO_LABELS(
					{"stream", tapio_probe_kind_name(k)},
					{"strategy", ps->sample_target[k]
							     ? "adaptive"
							     : "uniform"}),
				ps->sample_n[k]);
	for (k = 0; k < TAPIO_PROBE_KINDS; k++) {
		est[k] = ps->est[k].total;
		ci[k] = (__u64)(tapio_estimate_ci95(&ps->est[k]) + 0.5);
	}
	stream_family(f, ps, "tapio_events_estimated",
		      "Events the stream had, estimated from those read (a "
		      "sampled one counts as many as it stood for): an "
		      "estimate, with its 95% interval's half-width in "
		      "tapio_events_estimated_ci95.",
		      est);
	stream_family(
		f, ps, "tapio_events_estimated_ci95",
		"Half-width of the 95% interval of tapio_events_estimated: "
		"1.96 sqrt(sum of n^2 - n over the sampled events read).",
		ci);
	rule_metrics(ps, f);
}

/* Events a stream offered its sampling: those its probe counted */
static __u64 offered(struct tapio_probe_set *ps, enum tapio_probe_kind k)
{
	__u64 c[TAPIO_PCNT_MAX];

	tapio_probe_counters(ps->probe[k].obj, c);
	return k == TAPIO_PROBE_EXEC ? c[TAPIO_PCNT_EXEC] + c[TAPIO_PCNT_EXIT] +
					       c[TAPIO_PCNT_EXEC_FAILED]
				     : c[TAPIO_PCNT_TCP_CLOSE];
}

/* Adaptive sampling, each interval: n so that the target is about what
 * the stream sends at the rate it offered over the last interval. */
static int source_collect(void *priv, struct tapio_flow_table *t)
{
	struct tapio_probe_set *ps = priv;
	__u64 now = tapio_mono_ns(), o;
	double dt = (double)(now - ps->adapted_ns) / 1e9, rate;
	enum tapio_probe_kind k;
	__u32 n;

	(void)t;
	for (k = TAPIO_PROBE_EXEC; k <= TAPIO_PROBE_TCP; k++) {
		if (!tapio_probe_up(ps, k) || !ps->sample_target[k])
			continue;
		o = offered(ps, k);
		rate = ps->adapted_ns && dt > 0
			       ? (double)(o - ps->offered_seen[k]) / dt
			       : 0;
		ps->offered_seen[k] = o;
		n = rate > ps->sample_target[k]
			    ? (__u32)ceil(rate / ps->sample_target[k])
			    : 1;
		if (n != ps->sample_n[k]) {
			ps->sample_n[k] = n;
			apply_sampling(ps, k);
		}
	}
	ps->adapted_ns = now;
	return 0;
}

static int set_limit(struct tapio_probe_set *ps, enum tapio_probe_kind k,
		     const struct tapio_socket_req *req,
		     struct tapio_socket_result *res)
{
	int err;

	if (req->rate > 1000000000ULL) {
		snprintf(res->msg, sizeof(res->msg), "the rate is above 10^9");
		return -EINVAL;
	}
	ps->limit_rate[k] = req->rate;
	ps->limit_burst[k] = req->burst ? req->burst : req->rate;
	err = apply_limit(ps, k);
	if (err) {
		snprintf(res->msg, sizeof(res->msg),
			 "cannot write the %s probe's limit",
			 tapio_probe_kind_name(k));
		return err;
	}
	pr_info("control: %s rate limit %llu/s, burst %llu%s",
		tapio_probe_kind_name(k), (unsigned long long)ps->limit_rate[k],
		(unsigned long long)ps->limit_burst[k],
		req->rate ? "" : " (none)");
	return 0;
}

static int set_sampling(struct tapio_probe_set *ps, enum tapio_probe_kind k,
			const struct tapio_socket_req *req,
			struct tapio_socket_result *res)
{
	if ((!req->sample_n && !req->sample_target) ||
	    req->sample_n > 1000000) {
		snprintf(res->msg, sizeof(res->msg),
			 "sampling is one in 1 to 1000000, or a target");
		return -EINVAL;
	}
	ps->sample_target[k] = req->sample_target;
	ps->sample_n[k] = req->sample_target ? 1 : req->sample_n;
	ps->offered_seen[k] = offered(ps, k);
	apply_sampling(ps, k);
	if (req->sample_target)
		pr_info("control: %s sampling adaptive, %u events a second",
			tapio_probe_kind_name(k), req->sample_target);
	else
		pr_info("control: %s sampling one in %u",
			tapio_probe_kind_name(k), req->sample_n);
	return 0;
}

/* The dimensions probe @k judges its events by: bio its device only, tcp
 * the pid that opened a connection (not its parents), exec the task. */
static unsigned int probe_dims(enum tapio_probe_kind k)
{
	unsigned int all = ((1u << TAPIO_PF_KINDS) - 1) & ~1u;

	switch (k) {
	case TAPIO_PROBE_BIO:
		return 1u << TAPIO_PF_DEV;
	case TAPIO_PROBE_TCP:
		return 1u << TAPIO_PF_PID;
	case TAPIO_PROBE_EXEC:
		return all & ~(1u << TAPIO_PF_DEV);
	default:
		return all;
	}
}

static bool rule_fits(const struct tapio_probe_rule *r, enum tapio_probe_kind k)
{
	return (probe_dims(k) & (1u << r->kind)) &&
	       !(r->children && k == TAPIO_PROBE_TCP);
}

/* The running probes rule @r goes on (1 << kind), or -errno and why */
static int rule_probes(struct tapio_probe_set *ps,
		       const struct tapio_probe_rule *r,
		       struct tapio_socket_result *res)
{
	char probe[sizeof(r->probe) + 1];
	enum tapio_probe_kind k;
	unsigned int on = 0;

	snprintf(probe, sizeof(probe), "%.*s", (int)sizeof(r->probe), r->probe);
	if (strcmp(probe, "all")) {
		if (tapio_probe_kind_parse(probe, &k)) {
			snprintf(res->msg, sizeof(res->msg),
				 "'%s' is no probe (bio, cache, exec, tcp, "
				 "all)",
				 probe);
			return -EINVAL;
		}
		if (!tapio_probe_up(ps, k)) {
			snprintf(res->msg, sizeof(res->msg),
				 "the %s probe does not run", probe);
			return -ENOENT;
		}
		if (!rule_fits(r, k)) {
			snprintf(res->msg, sizeof(res->msg),
				 "the %s probe does not judge events by %s%s",
				 probe, tapio_pfilter_kind_name(r->kind),
				 r->children ? " with children" : "");
			return -EINVAL;
		}
		return 1u << k;
	}
	for (k = 0; k < TAPIO_PROBE_KINDS; k++)
		if (tapio_probe_up(ps, k) && rule_fits(r, k))
			on |= 1u << k;
	if (!on) {
		snprintf(res->msg, sizeof(res->msg),
			 "no running probe judges events by %s",
			 tapio_pfilter_kind_name(r->kind));
		return -ENOENT;
	}
	return (int)on;
}

/* Probe @k's modes from the rules on it: a dimension with rules is in
 * their mode (all include or all exclude), one without is off. */
static int write_modes(struct tapio_probe_set *ps, enum tapio_probe_kind k)
{
	struct tapio_probe_filter f = {};
	__u8 *mode[TAPIO_PF_KINDS] = {
		[TAPIO_PF_PID] = &f.pid_mode,
		[TAPIO_PF_CGROUP] = &f.cgroup_mode,
		[TAPIO_PF_DEV] = &f.dev_mode,
		[TAPIO_PF_UID] = &f.uid_mode,
		[TAPIO_PF_NS] = &f.ns_mode,
	};
	unsigned int i;

	for (i = 0; i < ps->nprules; i++) {
		const struct tapio_probe_rule *r = &ps->prules[i];

		if (!(ps->prule_on[i] & (1u << k)))
			continue;
		*mode[r->kind] = r->action;
		if (r->kind == TAPIO_PF_PID && r->children)
			f.pid_tree = 1;
	}
	return tapio_probe_filter_modes(ps->probe[k].obj, &f);
}

/* A rule of the same dimension on one of the same probes that conflicts
 * with @r (the other action, or the same value): its index, or -1 */
static int rule_conflict(const struct tapio_probe_set *ps,
			 const struct tapio_probe_rule *r, unsigned int on)
{
	unsigned int i;

	for (i = 0; i < ps->nprules; i++)
		if ((ps->prule_on[i] & on) && ps->prules[i].kind == r->kind &&
		    (ps->prules[i].action != r->action ||
		     ps->prules[i].value == r->value))
			return (int)i;
	return -1;
}

/* Entries first, then the modes: no event is judged by a half-made rule;
 * each event meets the rules as they were before or after, once. */
static int rule_add(struct tapio_probe_set *ps,
		    const struct tapio_socket_req *req,
		    struct tapio_socket_result *res)
{
	struct tapio_probe_rule r = req->prule;
	char text[96];
	unsigned int i = ps->nprules;
	int on, c, k, err = 0;

	if ((r.action != TAPIO_FILTER_INCLUDE &&
	     r.action != TAPIO_FILTER_EXCLUDE) ||
	    r.kind < TAPIO_PF_PID || r.kind >= TAPIO_PF_KINDS) {
		snprintf(res->msg, sizeof(res->msg),
			 "a probe rule includes or excludes a pid, cgroup, "
			 "dev, uid or ns");
		return -EINVAL;
	}
	if (i == TAPIO_PROBE_RULES_MAX) {
		snprintf(res->msg, sizeof(res->msg),
			 "the probes have %d rules already: delete one",
			 TAPIO_PROBE_RULES_MAX);
		return -ENOSPC;
	}
	on = rule_probes(ps, &r, res);
	if (on < 0)
		return on;
	c = rule_conflict(ps, &r, (unsigned int)on);
	if (c >= 0 && ps->prules[c].value == r.value) {
		snprintf(res->msg, sizeof(res->msg),
			 "rule %u lists that %s already", ps->prules[c].id,
			 tapio_pfilter_kind_name(r.kind));
		return -EEXIST;
	}
	if (c >= 0) {
		snprintf(res->msg, sizeof(res->msg),
			 "rule %u %ss by %s on the same probe: a dimension's "
			 "rules all include or all exclude",
			 ps->prules[c].id,
			 ps->prules[c].action == TAPIO_FILTER_INCLUDE
				 ? "include"
				 : "exclude",
			 tapio_pfilter_kind_name(r.kind));
		return -EINVAL;
	}
	r.id = req->arg;
	r.text[sizeof(r.text) - 1] = '\0';
	for (k = 0; k < TAPIO_PROBE_KINDS && !err; k++)
		if (on & (1 << k))
			err = tapio_probe_filter_entry(ps->probe[k].obj, r.kind,
						       r.value, r.children,
						       true);
	if (!err) {
		ps->prules[i] = r;
		ps->prule_on[i] = (unsigned int)on;
		ps->nprules++;
		for (k = 0; k < TAPIO_PROBE_KINDS && !err; k++)
			if (on & (1 << k))
				err = write_modes(ps, k);
	}
	if (err) {
		snprintf(res->msg, sizeof(res->msg),
			 "cannot write the probes' filter maps");
		if (ps->nprules > i)
			ps->nprules--;
		for (k = 0; k < TAPIO_PROBE_KINDS; k++)
			if (on & (1 << k)) {
				write_modes(ps, k);
				tapio_probe_filter_entry(ps->probe[k].obj,
							 r.kind, r.value, false,
							 false);
			}
		return err;
	}
	res->id = r.id;
	tapio_probe_rule_format(&r, text, sizeof(text));
	pr_info("control: probe filter %u added on %.*s: %s", r.id,
		(int)sizeof(r.probe), r.probe, text);
	return 0;
}

/* Modes first, then the entries (the reverse of adding); false: not a
 * rule of the probes' */
static bool rule_del(struct tapio_probe_set *ps, __u32 id,
		     struct tapio_socket_result *res)
{
	struct tapio_probe_rule r;
	unsigned int i, on;
	int k, e, err = 0;

	for (i = 0; i < ps->nprules && ps->prules[i].id != id; i++)
		;
	if (i == ps->nprules)
		return false;
	r = ps->prules[i];
	on = ps->prule_on[i];
	memmove(&ps->prules[i], &ps->prules[i + 1],
		(ps->nprules - i - 1) * sizeof(ps->prules[0]));
	memmove(&ps->prule_on[i], &ps->prule_on[i + 1],
		(ps->nprules - i - 1) * sizeof(ps->prule_on[0]));
	ps->nprules--;
	for (k = 0; k < TAPIO_PROBE_KINDS; k++)
		if (on & (1u << k)) {
			e = write_modes(ps, k);
			err = err ? err : e;
			e = tapio_probe_filter_entry(ps->probe[k].obj, r.kind,
						     r.value, false, false);
			err = err ? err : e;
		}
	if (err) {
		res->err = err;
		snprintf(res->msg, sizeof(res->msg),
			 "rule %u deleted, but a probe's filter maps could not "
			 "be written",
			 id);
	}
	pr_info("control: probe filter %u deleted", id);
	return true;
}

/* The events rule @i matched, on every probe it is on */
static __u64 rule_hits(struct tapio_probe_set *ps, unsigned int i)
{
	const struct tapio_probe_rule *r = &ps->prules[i];
	__u64 hits = 0;
	int k;

	for (k = 0; k < TAPIO_PROBE_KINDS; k++)
		if (ps->prule_on[i] & (1u << k))
			hits += tapio_probe_filter_hits(ps->probe[k].obj,
							r->kind, r->value);
	return hits;
}

static void rule_list(struct tapio_probe_set *ps,
		      struct tapio_socket_result *res)
{
	unsigned int i;

	for (i = 0; i < ps->nprules && res->nprules < TAPIO_PROBE_RULES_MAX;
	     i++) {
		res->prules[res->nprules].r = ps->prules[i];
		res->prules[res->nprules].hits = rule_hits(ps, i);
		res->nprules++;
	}
}

/* The rules, what each matched, and what each probe's filters held back */
static void rule_metrics(struct tapio_probe_set *ps, FILE *f)
{
	__u64 c[TAPIO_PCNT_MAX];
	char text[96], id[16], probe[sizeof(ps->prules[0].probe) + 1];
	unsigned int i;
	int k;

	tapio_prom_family(f, "tapio_probe_filtered_total", "counter",
			  "Events a probe's filter rules left out: not "
			  "counted, not sent (tapio filter --probe).");
	for (k = 0; k < TAPIO_PROBE_KINDS; k++) {
		if (!tapio_probe_up(ps, k))
			continue;
		tapio_probe_counters(ps->probe[k].obj, c);
		tapio_prom_sample(
			f, "tapio_probe_filtered_total",
			TAPIO_LABELS({"probe", tapio_probe_kind_name(k)}),
			c[TAPIO_PCNT_FILTERED]);
	}
	tapio_prom_scalar(f, "tapio_probe_filters", "gauge",
			  "Probe filter rules in use (tapio filter --probe).",
			  ps->nprules);
	tapio_prom_family(f, "tapio_probe_filter_hits_total", "counter",
			  "Events each probe filter rule matched (included or "
			  "left out) since it was added, on its probes.");
	for (i = 0; i < ps->nprules; i++) {
		tapio_probe_rule_format(&ps->prules[i], text, sizeof(text));
		snprintf(id, sizeof(id), "%u", ps->prules[i].id);
		snprintf(probe, sizeof(probe), "%.*s",
			 (int)sizeof(ps->prules[i].probe), ps->prules[i].probe);
		tapio_prom_sample(f, "tapio_probe_filter_hits_total",
				  TAPIO_LABELS({"rule", id}, {"probe", probe},
					       {"filter", text}),
				  rule_hits(ps, i));
	}
}

/* Probe filter rules: add (with prule.probe set), delete, list */
static bool rule_control(struct tapio_probe_set *ps,
			 const struct tapio_socket_req *req,
			 struct tapio_socket_result *res)
{
	switch (req->verb) {
	case TAPIO_VERB_FILTER_ADD:
		if (!req->prule.probe[0])
			return false;
		res->err = rule_add(ps, req, res);
		return true;
	case TAPIO_VERB_FILTER_DEL:
		return rule_del(ps, req->arg, res);
	default:
		rule_list(ps, res);
		return true;
	}
}

/* tapio limit and tapio sample: a stream's limit or sampling set, every
 * stream's shown */
static bool source_control(void *priv, const struct tapio_socket_req *req,
			   struct tapio_prefix **pfx,
			   struct tapio_socket_result *res)
{
	struct tapio_probe_set *ps = priv;
	__u64 c[TAPIO_PCNT_MAX];
	char stream[sizeof(req->stream) + 1];
	enum tapio_probe_kind k;
	int err = 0;

	(void)pfx; /* a flow rule's */
	if (req->verb >= TAPIO_VERB_FILTER_ADD &&
	    req->verb <= TAPIO_VERB_FILTER_LIST)
		return rule_control(ps, req, res);
	if (req->verb != TAPIO_VERB_LIMIT_SET &&
	    req->verb != TAPIO_VERB_LIMIT_SHOW &&
	    req->verb != TAPIO_VERB_SAMPLE_SET)
		return false;
	snprintf(stream, sizeof(stream), "%.*s", (int)sizeof(req->stream),
		 req->stream);
	if (req->verb == TAPIO_VERB_SAMPLE_SET && !strcmp(stream, "flows"))
		return false; /* the interfaces' */
	if (req->verb != TAPIO_VERB_LIMIT_SHOW) {
		if (event_stream(stream, &k)) {
			res->err = -EINVAL;
			snprintf(res->msg, sizeof(res->msg),
				 "'%s' is no event stream (exec, tcp)", stream);
			return true;
		}
		if (!tapio_probe_up(ps, k)) {
			res->err = -ENOENT;
			snprintf(res->msg, sizeof(res->msg),
				 "the %s probe does not run", stream);
			return true;
		}
		err = req->verb == TAPIO_VERB_LIMIT_SET
			      ? set_limit(ps, k, req, res)
			      : set_sampling(ps, k, req, res);
		if (err) {
			res->err = err;
			return true;
		}
	}
	for (k = TAPIO_PROBE_EXEC; k <= TAPIO_PROBE_TCP; k++) {
		struct tapio_stream_entry *l = &res->streams[res->nstreams];

		if (!tapio_probe_up(ps, k))
			continue;
		tapio_probe_counters(ps->probe[k].obj, c);
		snprintf(l->stream, sizeof(l->stream), "%s",
			 tapio_probe_kind_name(k));
		l->rate = ps->limit_rate[k];
		l->burst = l->rate ? ps->limit_burst[k] : 0;
		l->limited = c[TAPIO_PCNT_RATE_LIMITED];
		l->sample_n = ps->sample_n[k];
		l->sample_target = ps->sample_target[k];
		l->sampled_out = c[TAPIO_PCNT_SAMPLED_OUT];
		l->estimated = ps->est[k].total;
		l->ci95 = (__u64)(tapio_estimate_ci95(&ps->est[k]) + 0.5);
		res->nstreams++;
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
	.collect = source_collect,
};
