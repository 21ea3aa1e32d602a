// SPDX-License-Identifier: GPL-2.0
/* The probes `tapio run` keeps: each loaded by its own thread at start,
 * counted into /metrics every interval, events read by one ring thread. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "lib/hist.h"
#include "lib/features.h"
#include "lib/log.h"
#include "export/event_json.h"
#include "export/prom_text.h"
#include "run/probe_source.h"
#include "tapio/bio.h"
#include "tapio/cache.h"
#include "tapio_bio.skel.h"
#include "tapio_cache.skel.h"
#include "tapio_exec.skel.h"
#include "tapio_tcp.skel.h"

#define BIO_ROWS_MAX   1024 /* tapio_bio_stats entries */
#define CACHE_ROWS_MAX 1024
#define DISKS_MAX      256

static const char *const kind_names[TAPIO_PROBE_KINDS] = {"bio", "cache",
							  "exec", "tcp"};
static const char *const op_names[TAPIO_BIO_OPS] = {"read", "write", "flush",
						    "discard", "other"};

const char *tapio_probe_kind_name(enum tapio_probe_kind k)
{
	return k < TAPIO_PROBE_KINDS ? kind_names[k] : "?";
}

int tapio_probe_set_parse(const char *opt, const char *v, unsigned int *mask)
{
	char *copy = strdup(v), *save = NULL, *w;
	int k, err = 0;

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
		for (k = 0; k < TAPIO_PROBE_KINDS; k++)
			if (!strcmp(w, kind_names[k]))
				break;
		if (k == TAPIO_PROBE_KINDS) {
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

/* The skeleton calls of each kind, behind one shape. */
struct kind_ops {
	void *(*open)(void);
	int (*load)(void *);
	int (*attach)(void *);
	void (*destroy)(void *);
	struct bpf_object *(*obj)(void *);
};

#define KIND_OPS(k)                                                            \
	static void *k##_open(void)                                            \
	{                                                                      \
		return tapio_##k##__open();                                    \
	}                                                                      \
	static int k##_load(void *s)                                           \
	{                                                                      \
		return tapio_##k##__load(s);                                   \
	}                                                                      \
	static int k##_attach(void *s)                                         \
	{                                                                      \
		return tapio_##k##__attach(s);                                 \
	}                                                                      \
	static void k##_destroy(void *s)                                       \
	{                                                                      \
		tapio_##k##__destroy(s);                                       \
	}                                                                      \
	static struct bpf_object *k##_obj(void *s)                             \
	{                                                                      \
		return ((struct tapio_##k *)s)->obj;                           \
	}

KIND_OPS(bio)
KIND_OPS(cache)
KIND_OPS(exec)
KIND_OPS(tcp)

static const struct kind_ops ops[TAPIO_PROBE_KINDS] = {
	{bio_open, bio_load, bio_attach, bio_destroy, bio_obj},
	{cache_open, cache_load, cache_attach, cache_destroy, cache_obj},
	{exec_open, exec_load, exec_attach, exec_destroy, exec_obj},
	{tcp_open, tcp_load, tcp_attach, tcp_destroy, tcp_obj},
};

static void **slot_of(struct tapio_probe_set *ps, int k)
{
	switch (k) {
	case TAPIO_PROBE_BIO:
		return (void **)&ps->bio;
	case TAPIO_PROBE_CACHE:
		return (void **)&ps->cache;
	case TAPIO_PROBE_EXEC:
		return (void **)&ps->exec;
	default:
		return (void **)&ps->tcp;
	}
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
	const struct kind_ops *o = &ops[st->kind];
	char *why = ps->failure[st->kind], eb[TAPIO_ERRBUF];
	size_t wl = sizeof(ps->failure[0]);
	void *skel = o->open();
	int n, err;

	if (!skel) {
		snprintf(why, wl, "cannot open: %s", strerror(errno));
		return NULL;
	}
	if (st->kind == TAPIO_PROBE_BIO) {
		struct tapio_bio *b = skel;

		b->rodata->bio_queue_time = false;
		bpf_program__set_autoload(b->progs.tapio_bio_insert_btf, false);
		bpf_program__set_autoload(b->progs.tapio_bio_insert_raw, false);
		bpf_program__set_autoload(b->progs.tapio_bio_insert_tp, false);
	}
	n = tapio_probe_select(o->obj(skel), ps->method);
	if (n <= 0) {
		snprintf(why, wl, "no program can load with %s: %s",
			 tapio_tp_method_name(ps->method),
			 n ? tapio_strerror(n, eb, sizeof(eb))
			   : "no tracepoint present");
		goto fail;
	}
	err = o->load(skel);
	if (!err)
		err = o->attach(skel);
	if (err) {
		snprintf(why, wl, "cannot load and attach (%s): %s",
			 tapio_tp_method_name(ps->method),
			 tapio_strerror(err, eb, sizeof(eb)));
		goto fail;
	}
	*slot_of(ps, st->kind) = skel;
	return NULL;
fail:
	o->destroy(skel);
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
	if (tapio_exec_event_json(e, line, sizeof(line)) < 0)
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
	if (tapio_tcp_event_json(e, line, sizeof(line)) < 0)
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
	if (ps->exec)
		err = add_ring(ps, bpf_map__fd(ps->exec->maps.tapio_exec_rb),
			       on_exec);
	if (!err && ps->tcp)
		err = add_ring(ps, bpf_map__fd(ps->tcp->maps.tapio_tcp_rb),
			       on_tcp);
	if (!err && ps->rb)
		err = -pthread_create(&ps->reader, NULL, read_rings, ps);
	if (err) {
		/* events would pile up unread: report both as failing */
		pr_warn("probes: cannot read the event rings: %s",
			tapio_strerror(err, eb, sizeof(eb)));
		if (ps->exec)
			snprintf(ps->failure[TAPIO_PROBE_EXEC],
				 sizeof(ps->failure[0]),
				 "cannot read its ring: %s", eb);
		if (ps->tcp)
			snprintf(ps->failure[TAPIO_PROBE_TCP],
				 sizeof(ps->failure[0]),
				 "cannot read its ring: %s", eb);
	} else if (ps->rb) {
		ps->reader_running = 1;
	}
	for (k = 0; k < TAPIO_PROBE_KINDS; k++) {
		if (!(ps->wanted & (1u << k)))
			continue;
		if (ps->failure[k][0])
			pr_warn("probe %s: %s", kind_names[k], ps->failure[k]);
		else
			running++;
	}
	if (running)
		pr_info("probes: %d running with %s tracepoints", running,
			tapio_tp_method_name(ps->method));
	return running;
}

/* Counters of one probe object (tapio_pcnt), zero if it is not running. */
static void counters_of(struct tapio_probe_set *ps, int k,
			__u64 c[TAPIO_PCNT_MAX])
{
	void *skel = *slot_of(ps, k);

	memset(c, 0, sizeof(c[0]) * TAPIO_PCNT_MAX);
	if (skel)
		tapio_probe_counters(ops[k].obj(skel), c);
}

struct bio_row {
	struct tapio_bio_key key;
	struct tapio_bio_stats st;
};

struct cache_row {
	struct tapio_cache_key key;
	struct tapio_cache_stats st;
};

static void dev_labels(char *buf, size_t len, __u32 kdev, const char *op)
{
	char name[64];

	tapio_dev_name(kdev, name, sizeof(name));
	snprintf(buf, len, "device=\"%s\",dev=\"%u:%u\"%s%s%s", name,
		 TAPIO_KDEV_MAJOR(kdev), TAPIO_KDEV_MINOR(kdev),
		 op ? ",op=\"" : "", op ? op : "", op ? "\"" : "");
}

static void bio_metrics(struct tapio_probe_set *ps, FILE *f)
{
	static struct bio_row rows[BIO_ROWS_MAX];
	static const struct {
		const char *name, *help;
		size_t off;
	} per_op[] = {
		{"tapio_block_io_requests_total",
		 "Block requests completed, by device and operation.",
		 offsetof(struct tapio_bio_stats, ios)},
		{"tapio_block_io_bytes_total",
		 "Bytes of the completed block requests.",
		 offsetof(struct tapio_bio_stats, bytes)},
		{"tapio_block_io_errors_total",
		 "Block requests completed with an error status.",
		 offsetof(struct tapio_bio_stats, errors)},
	};
	char labels[160];
	__u32 dev, next, *prev = NULL;
	struct tapio_bio_disk d;
	__u64 now = 0;
	size_t i, j;
	int n = tapio_percpu_hash_sum(
		bpf_map__fd(ps->bio->maps.tapio_bio_stats), rows,
		sizeof(rows[0]), BIO_ROWS_MAX, sizeof(rows[0].key),
		offsetof(struct bio_row, st), sizeof(rows[0].st));
	int fd = bpf_map__fd(ps->bio->maps.tapio_bio_disk);
	struct timespec ts;

	if (n < 0)
		n = 0;
	for (j = 0; j < sizeof(per_op) / sizeof(per_op[0]); j++) {
		tapio_prom_family(f, per_op[j].name, "counter", per_op[j].help);
		for (i = 0; i < (size_t)n; i++) {
			dev_labels(labels, sizeof(labels), rows[i].key.dev,
				   op_names[rows[i].key.op < TAPIO_BIO_OPS
						    ? rows[i].key.op
						    : TAPIO_BIO_OTHER]);
			fprintf(f, "%s{%s} %llu\n", per_op[j].name, labels,
				*(unsigned long long *)((char *)&rows[i].st +
							per_op[j].off));
		}
	}
	tapio_prom_family(
		f, "tapio_block_io_latency_seconds", "histogram",
		"Device time of block requests (issue to completion).");
	for (i = 0; i < (size_t)n; i++) {
		dev_labels(labels, sizeof(labels), rows[i].key.dev,
			   op_names[rows[i].key.op < TAPIO_BIO_OPS
					    ? rows[i].key.op
					    : TAPIO_BIO_OTHER]);
		tapio_hist_prom(f, "tapio_block_io_latency_seconds", labels,
				rows[i].st.device_us,
				(double)rows[i].st.device_ns / 1e9);
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (__u64)ts.tv_sec * 1000000000ULL + (__u64)ts.tv_nsec;
	tapio_prom_family(
		f, "tapio_block_io_in_flight", "gauge",
		"Block requests issued and not completed, per device.");
	tapio_prom_family(
		f, "tapio_block_io_busy_seconds_total", "counter",
		"Time with at least one request in flight, per device.");
	for (i = 0; i < DISKS_MAX && !bpf_map_get_next_key(fd, prev, &next);
	     i++, dev = next, prev = &dev) {
		__u64 busy;

		if (bpf_map_lookup_elem(fd, &next, &d))
			continue;
		busy = d.busy_ns;
		/* an open busy period counts up to now */
		if (d.in_flight > 0 && d.busy_since_ns && now > d.busy_since_ns)
			busy += now - d.busy_since_ns;
		dev_labels(labels, sizeof(labels), next, NULL);
		fprintf(f,
			"tapio_block_io_in_flight{%s} %lld\n"
			"tapio_block_io_busy_seconds_total{%s} %.9f\n",
			labels, (long long)d.in_flight, labels,
			(double)busy / 1e9);
	}
}

static void cache_metrics(struct tapio_probe_set *ps, FILE *f)
{
	static struct cache_row rows[CACHE_ROWS_MAX];
	static const struct {
		const char *name, *help;
		size_t off;
	} fam[] = {
		{"tapio_page_cache_lookups_total",
		 "Page-cache pages asked for (reads once each, faults).",
		 offsetof(struct tapio_cache_stats, lookups)},
		{"tapio_page_cache_misses_total",
		 "Pages added to the page cache (misses).",
		 offsetof(struct tapio_cache_stats, misses)},
		{"tapio_page_cache_dirtied_pages_total", "Pages dirtied.",
		 offsetof(struct tapio_cache_stats, dirtied)},
		{"tapio_page_cache_writeback_pages_total",
		 "Pages written back.",
		 offsetof(struct tapio_cache_stats, writeback)},
	};
	char labels[160];
	size_t i, j;
	int n = tapio_percpu_hash_sum(
		bpf_map__fd(ps->cache->maps.tapio_cache_stats), rows,
		sizeof(rows[0]), CACHE_ROWS_MAX, sizeof(rows[0].key),
		offsetof(struct cache_row, st), sizeof(rows[0].st));

	if (n < 0)
		n = 0;
	for (j = 0; j < sizeof(fam) / sizeof(fam[0]); j++) {
		tapio_prom_family(f, fam[j].name, "counter", fam[j].help);
		for (i = 0; i < (size_t)n; i++) {
			dev_labels(labels, sizeof(labels), rows[i].key.dev,
				   NULL);
			fprintf(f, "%s{%s} %llu\n", fam[j].name, labels,
				*(unsigned long long *)((char *)&rows[i].st +
							fam[j].off));
		}
	}
	/* hits = lookups - misses can dip when readahead adds pages ahead of
	 * the reads; a counter must not, so it holds its highest value */
	tapio_prom_family(
		f, "tapio_page_cache_hits_total", "counter",
		"Page-cache lookups minus misses, clamped never to decrease.");
	for (i = 0; i < (size_t)n; i++) {
		__u64 h = rows[i].st.lookups > rows[i].st.misses
				  ? rows[i].st.lookups - rows[i].st.misses
				  : 0;

		size_t s;

		for (s = 0; s < ps->ncache_hits_seen; s++)
			if (ps->cache_hits_seen[s].dev == rows[i].key.dev)
				break;
		if (s == ps->ncache_hits_seen && s < CACHE_HITS_KEPT)
			ps->cache_hits_seen[ps->ncache_hits_seen++].dev =
				rows[i].key.dev;
		if (s < ps->ncache_hits_seen) {
			if (h < ps->cache_hits_seen[s].hits)
				h = ps->cache_hits_seen[s].hits;
			ps->cache_hits_seen[s].hits = h;
		}
		dev_labels(labels, sizeof(labels), rows[i].key.dev, NULL);
		fprintf(f, "tapio_page_cache_hits_total{%s} %llu\n", labels,
			(unsigned long long)h);
	}
}

static void exec_metrics(struct tapio_probe_set *ps, FILE *f)
{
	__u64 c[TAPIO_PCNT_MAX];

	counters_of(ps, TAPIO_PROBE_EXEC, c);
	tapio_prom_family(f, "tapio_process_execs_total", "counter",
			  "Successful execs (sched_process_exec).");
	fprintf(f, "tapio_process_execs_total %llu\n",
		(unsigned long long)c[TAPIO_PCNT_EXEC]);
	tapio_prom_family(f, "tapio_process_exec_failures_total", "counter",
			  "execve/execveat calls that failed.");
	fprintf(f, "tapio_process_exec_failures_total %llu\n",
		(unsigned long long)c[TAPIO_PCNT_EXEC_FAILED]);
	tapio_prom_family(
		f, "tapio_process_forks_total", "counter",
		"Processes created (task_newtask, threads excluded).");
	fprintf(f, "tapio_process_forks_total %llu\n",
		(unsigned long long)c[TAPIO_PCNT_FORK]);
	tapio_prom_family(f, "tapio_process_exits_total", "counter",
			  "Exits of processes seen to exec.");
	fprintf(f, "tapio_process_exits_total %llu\n",
		(unsigned long long)c[TAPIO_PCNT_EXIT]);
}

static void tcp_metrics(struct tapio_probe_set *ps, FILE *f)
{
	__u64 c[TAPIO_PCNT_MAX], st[TAPIO_TCP_STATES] = {0};
	__u32 s;

	counters_of(ps, TAPIO_PROBE_TCP, c);
	tapio_percpu_array_sum(bpf_map__fd(ps->tcp->maps.tapio_tcp_rstate), st,
			       TAPIO_TCP_STATES);
	tapio_prom_family(f, "tapio_tcp_retransmits_total", "counter",
			  "TCP segments retransmitted, by socket state.");
	for (s = 1; s < TAPIO_TCP_STATES; s++)
		if (st[s])
			fprintf(f,
				"tapio_tcp_retransmits_total{state=\"%s\"} "
				"%llu\n",
				tapio_tcp_state_name(s),
				(unsigned long long)st[s]);
	tapio_prom_family(f, "tapio_tcp_connections_opened_total", "counter",
			  "TCP connections established, by side.");
	fprintf(f,
		"tapio_tcp_connections_opened_total{side=\"active\"} %llu\n"
		"tapio_tcp_connections_opened_total{side=\"passive\"} %llu\n",
		(unsigned long long)c[TAPIO_PCNT_TCP_ACTIVE_OPEN],
		(unsigned long long)c[TAPIO_PCNT_TCP_PASSIVE_OPEN]);
	tapio_prom_family(f, "tapio_tcp_connections_closed_total", "counter",
			  "TCP connections closed.");
	fprintf(f, "tapio_tcp_connections_closed_total %llu\n",
		(unsigned long long)c[TAPIO_PCNT_TCP_CLOSE]);
	tapio_prom_family(f, "tapio_tcp_resets_total", "counter",
			  "TCP resets, by direction.");
	fprintf(f,
		"tapio_tcp_resets_total{direction=\"sent\"} %llu\n"
		"tapio_tcp_resets_total{direction=\"received\"} %llu\n",
		(unsigned long long)c[TAPIO_PCNT_TCP_RST_SENT],
		(unsigned long long)c[TAPIO_PCNT_TCP_RST_RECV]);
}

void tapio_probe_set_metrics(struct tapio_probe_set *ps, FILE *f)
{
	int k;

	if (!ps->wanted)
		return;
	tapio_prom_family(f, "tapio_probe_up", "gauge",
			  "1 when a configured probe runs, 0 when it failed.");
	for (k = 0; k < TAPIO_PROBE_KINDS; k++)
		if (ps->wanted & (1u << k))
			fprintf(f, "tapio_probe_up{probe=\"%s\"} %d\n",
				kind_names[k], *slot_of(ps, k) != NULL);
	if (ps->bio)
		bio_metrics(ps, f);
	if (ps->cache)
		cache_metrics(ps, f);
	if (ps->exec)
		exec_metrics(ps, f);
	if (ps->tcp)
		tcp_metrics(ps, f);
}

void tapio_probe_set_processed(struct tapio_probe_set *ps, FILE *f)
{
	int k;

	for (k = TAPIO_PROBE_EXEC; k <= TAPIO_PROBE_TCP; k++)
		if (*slot_of(ps, k))
			fprintf(f,
				"tapio_events_processed_total{source=\"probe_"
				"%s\"} %llu\n",
				kind_names[k],
				(unsigned long long)ps->received[k]);
}

void tapio_probe_set_dropped(struct tapio_probe_set *ps, FILE *f)
{
	__u64 c[TAPIO_PCNT_MAX];
	int k;

	for (k = 0; k < TAPIO_PROBE_KINDS; k++) {
		void *skel = *slot_of(ps, k);

		if (!skel)
			continue;
		counters_of(ps, k, c);
		fprintf(f,
			"tapio_events_dropped_total{source=\"probe_%s\","
			"reason=\"ring_full\"} %llu\n"
			"tapio_events_dropped_total{source=\"probe_%s\","
			"reason=\"map_full\"} %llu\n"
			"tapio_events_dropped_total{source=\"probe_%s\","
			"reason=\"kernel_skipped\"} %llu\n",
			kind_names[k],
			(unsigned long long)c[TAPIO_PCNT_RINGBUF_FULL],
			kind_names[k],
			(unsigned long long)c[TAPIO_PCNT_MAP_FULL],
			kind_names[k],
			(unsigned long long)tapio_probe_kernel_misses(
				ops[k].obj(skel)));
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
			kind_names[k], ps->failure[k]);
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
	for (k = 0; k < TAPIO_PROBE_KINDS; k++) {
		void **s = slot_of(ps, k);

		if (*s)
			ops[k].destroy(*s);
		*s = NULL;
	}
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

const struct tapio_source_ops tapio_probe_source_ops = {
	.name = "probes",
	.start = source_start,
	.finish = source_finish,
	.close = source_close,
	.metrics = source_metrics,
	.processed = source_processed,
	.dropped = source_dropped,
	.health = source_health,
};
