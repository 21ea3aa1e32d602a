// SPDX-License-Identifier: GPL-2.0
/* The Prometheus families of the probes `tapio run` keeps, read from their
 * maps at every snapshot: block I/O, page cache, exec and TCP. */
#include <stddef.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "lib/hist.h"
#include "export/event_json.h"
#include "export/prom_text.h"
#include "run/probe_source.h"
#include "tapio/bio.h"
#include "tapio/cache.h"
#include "tapio_bio.skel.h"
#include "tapio_cache.skel.h"
#include "tapio_tcp.skel.h"

#define BIO_ROWS_MAX   1024 /* tapio_bio_stats entries */
#define CACHE_ROWS_MAX 1024
#define DISKS_MAX      256

static const char *const op_names[TAPIO_BIO_OPS] = {"read", "write", "flush",
						    "discard", "other"};

/* Counters of one probe object (tapio_pcnt), zero if it is not running. */
static void counters_of(struct tapio_probe_set *ps, enum tapio_probe_kind k,
			__u64 c[TAPIO_PCNT_MAX])
{
	const struct tapio_probe *p = tapio_probe_up(ps, k);

	memset(c, 0, sizeof(c[0]) * TAPIO_PCNT_MAX);
	if (p)
		tapio_probe_counters(p->obj, c);
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
		bpf_map__fd(
			((struct tapio_bio *)ps->probe[TAPIO_PROBE_BIO].skel)
				->maps.tapio_bio_stats),
		rows, sizeof(rows[0]), BIO_ROWS_MAX, sizeof(rows[0].key),
		offsetof(struct bio_row, st), sizeof(rows[0].st));
	int fd = bpf_map__fd(
		((struct tapio_bio *)ps->probe[TAPIO_PROBE_BIO].skel)
			->maps.tapio_bio_disk);
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
	/* lost completions leave in_flight before it is read */
	tapio_bio_reap_lost(&ps->probe[TAPIO_PROBE_BIO],
			    TAPIO_BIO_LOST_AFTER_NS);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (__u64)ts.tv_sec * 1000000000ULL + (__u64)ts.tv_nsec;
	tapio_prom_family(
		f, "tapio_block_io_in_flight", "gauge",
		"Block requests issued and not completed, per device.");
	tapio_prom_family(f, "tapio_block_io_lost_completions_total", "counter",
			  "Requests whose completion the probe never saw (the "
			  "kernel skipped it), taken out of in_flight after "
			  "120 s.");
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
			"tapio_block_io_lost_completions_total{%s} %llu\n"
			"tapio_block_io_busy_seconds_total{%s} %.9f\n",
			labels, (long long)d.in_flight, labels,
			(unsigned long long)d.lost, labels, (double)busy / 1e9);
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
		{"tapio_page_cache_dirtied_pages_total", "File pages dirtied.",
		 offsetof(struct tapio_cache_stats, dirtied)},
		{"tapio_page_cache_writeback_pages_total",
		 "File pages written back (every path on ext4, else the "
		 "flusher and sync(2)).",
		 offsetof(struct tapio_cache_stats, writeback)},
		{"tapio_page_cache_mmap_faults_total",
		 "mmap faults that went to filemap_fault (also in lookups).",
		 offsetof(struct tapio_cache_stats, mmap_faults)},
		{"tapio_page_cache_mmap_fault_arounds_total",
		 "mmap faults served from the cache by fault-around.",
		 offsetof(struct tapio_cache_stats, mmap_maps)},
		{"tapio_page_cache_mmap_pages_estimated_total",
		 "Pages in the fault-around windows: an estimate of pages "
		 "mapped from the cache.",
		 offsetof(struct tapio_cache_stats, mmap_pages)},
		{"tapio_page_cache_metadata_dirtied_pages_total",
		 "The block device's own pages dirtied (filesystem metadata, "
		 "buffered I/O on the device).",
		 offsetof(struct tapio_cache_stats, meta_dirtied)},
		{"tapio_page_cache_metadata_writeback_pages_total",
		 "The block device's own pages written back.",
		 offsetof(struct tapio_cache_stats, meta_writeback)},
	};
	char labels[160];
	size_t i, j;
	int n = tapio_percpu_hash_sum(
		bpf_map__fd(((struct tapio_cache *)ps->probe[TAPIO_PROBE_CACHE]
				     .skel)
				    ->maps.tapio_cache_stats),
		rows, sizeof(rows[0]), CACHE_ROWS_MAX, sizeof(rows[0].key),
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
	tapio_percpu_array_sum(
		bpf_map__fd(
			((struct tapio_tcp *)ps->probe[TAPIO_PROBE_TCP].skel)
				->maps.tapio_tcp_rstate),
		st, TAPIO_TCP_STATES);
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
				tapio_probe_kind_name(k),
				tapio_probe_up(ps, k) != NULL);
	if (tapio_probe_up(ps, TAPIO_PROBE_BIO))
		bio_metrics(ps, f);
	if (tapio_probe_up(ps, TAPIO_PROBE_CACHE))
		cache_metrics(ps, f);
	if (tapio_probe_up(ps, TAPIO_PROBE_EXEC))
		exec_metrics(ps, f);
	if (tapio_probe_up(ps, TAPIO_PROBE_TCP))
		tcp_metrics(ps, f);
}
