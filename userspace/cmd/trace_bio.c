// SPDX-License-Identifier: GPL-2.0
/* `tapio trace bio`: per disk and operation IOPS, throughput, latency
 * quantiles, in-flight and saturation, with biolatency-style histograms. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "lib/hist.h"
#include "lib/json.h"
#include "lib/log.h"
#include "tapio/bio.h"
#include "tapio_bio.skel.h"
#include "cmd/trace_loop.h"

#define BIO_KEYS_MAX 1024

struct bio_row {
	struct tapio_bio_key key;
	struct tapio_bio_stats st;
};

struct bio_ctx {
	const struct trace_opts *o;
	struct tapio_probe p;
	struct tapio_bio *skel;		   /* p's */
	struct bio_row prev[BIO_KEYS_MAX]; /* at the last tick */
	size_t nprev;
	__u64 prev_busy[BIO_KEYS_MAX]; /* by row: the disk's busy ns */
	__u64 prev_ns, start_ns;
};

static const char *const op_names[TAPIO_BIO_OPS] = {"read", "write", "flush",
						    "discard", "other"};

static void stats_add(struct tapio_bio_stats *a,
		      const struct tapio_bio_stats *b, int sign)
{
	tapio_u64s_add(a, b, sizeof(*a), sign);
}

/* Every (disk, op) row, summed over CPUs. */
static int read_rows(struct tapio_bio *skel, struct bio_row *rows, size_t max)
{
	return tapio_percpu_hash_sum(
		bpf_map__fd(skel->maps.tapio_bio_stats), rows, sizeof(rows[0]),
		max, sizeof(rows[0].key), offsetof(struct bio_row, st),
		sizeof(rows[0].st));
}

static struct tapio_bio_disk read_disk(struct tapio_bio *skel, __u32 dev,
				       __u64 now, __u64 *busy)
{
	struct tapio_bio_disk d = {};

	bpf_map_lookup_elem(bpf_map__fd(skel->maps.tapio_bio_disk), &dev, &d);
	*busy = d.busy_ns;
	if (d.in_flight > 0 && d.busy_since_ns && now > d.busy_since_ns)
		*busy += now - d.busy_since_ns;
	return d;
}

static void print_row(struct bio_ctx *x, const struct bio_row *r,
		      const char *scope, double secs, __u64 busy_ns,
		      const struct tapio_bio_disk *d)
{
	const struct tapio_bio_stats *s = &r->st;
	double p50 = tapio_hist_quantile(s->device_us, 0.5);
	double p95 = tapio_hist_quantile(s->device_us, 0.95);
	double p99 = tapio_hist_quantile(s->device_us, 0.99);
	double busy = secs > 0 ? (double)busy_ns / (secs * 1e9) : 0;
	char disk[64], devno[24], line[2048];
	struct tapio_json j;
	__u32 op = r->key.op < TAPIO_BIO_OPS ? r->key.op : TAPIO_BIO_OTHER;

	tapio_dev_name(r->key.dev, disk, sizeof(disk));
	if (busy > 1)
		busy = 1;
	if (!x->o->json) {
		printf("%-10s %-7s %10llu %10.1f %10.2f %9.0f %9.0f %9.0f "
		       "%6llu %8lld %6.1f\n",
		       disk, op_names[op], (unsigned long long)s->ios,
		       secs > 0 ? s->ios / secs : 0,
		       secs > 0 ? s->bytes / secs / 1e6 : 0, p50, p95, p99,
		       (unsigned long long)s->errors, (long long)d->in_flight,
		       busy * 100);
		return;
	}
	tapio_json_init(&j, line, sizeof(line));
	tapio_json_object(&j, NULL);
	tapio_json_str(&j, "type", "bio");
	tapio_json_str(&j, "scope", scope);
	tapio_json_str(&j, "disk", disk);
	snprintf(devno, sizeof(devno), "%u:%u", TAPIO_KDEV_MAJOR(r->key.dev),
		 TAPIO_KDEV_MINOR(r->key.dev));
	tapio_json_str(&j, "dev", devno);
	tapio_json_str(&j, "op", op_names[op]);
	tapio_json_fixed(&j, "seconds", secs, 3);
	tapio_json_u64(&j, "ios", s->ios);
	tapio_json_u64(&j, "bytes", s->bytes);
	tapio_json_u64(&j, "errors", s->errors);
	tapio_json_u64(&j, "queued", s->queued);
	tapio_json_fixed(&j, "iops", secs > 0 ? s->ios / secs : 0, 1);
	tapio_json_fixed(&j, "bytes_per_second", secs > 0 ? s->bytes / secs : 0,
			 0);
	tapio_json_fixed(&j, "p50_us", p50, 1);
	tapio_json_fixed(&j, "p95_us", p95, 1);
	tapio_json_fixed(&j, "p99_us", p99, 1);
	tapio_hist_json(&j, "device_us", s->device_us);
	tapio_hist_json(&j, "queue_us", s->queue_us);
	tapio_json_s64(&j, "in_flight", d->in_flight);
	tapio_json_u64(&j, "in_flight_max", d->in_flight_max);
	tapio_json_u64(&j, "lost_completions", d->lost);
	tapio_json_fixed(&j, "busy_ratio", busy, 4);
	tapio_json_object_end(&j);
	if (tapio_json_finish(&j) > 0)
		printf("%s\n", line);
}

static void print_hists(const struct bio_ctx *x, const struct bio_row *rows,
			size_t n)
{
	struct tapio_bio_stats all = {};
	char title[128], disk[64];
	size_t i;

	if (x->o->json)
		return;
	for (i = 0; i < n; i++) {
		const struct bio_row *r = &rows[i];

		if (!x->o->per_disk) {
			stats_add(&all, &r->st, 1);
			continue;
		}
		tapio_dev_name(r->key.dev, disk, sizeof(disk));
		snprintf(title, sizeof(title),
			 "\n%s %s: device time (issue -> complete)", disk,
			 op_names[r->key.op % TAPIO_BIO_OPS]);
		tapio_hist_print(stdout, r->st.device_us, title);
		if (x->o->queued) {
			snprintf(title, sizeof(title),
				 "%s %s: queue time (insert -> issue)", disk,
				 op_names[r->key.op % TAPIO_BIO_OPS]);
			tapio_hist_print(stdout, r->st.queue_us, title);
		}
	}
	if (x->o->per_disk)
		return;
	tapio_hist_print(stdout, all.device_us,
			 "\nall disks: device time (issue -> complete)");
	if (x->o->queued)
		tapio_hist_print(stdout, all.queue_us,
				 "all disks: queue time (insert -> issue)");
}

static void table_header(const struct bio_ctx *x)
{
	if (!x->o->json)
		printf("%-10s %-7s %10s %10s %10s %9s %9s %9s %6s %8s %6s\n",
		       "DISK", "OP", "IOS", "IOPS", "MB/s", "P50_us", "P95_us",
		       "P99_us", "ERR", "INFLIGHT", "BUSY%");
}

/* Rows of this interval: the totals now minus the totals at the last tick;
 * a disk's busy time is shared by its operation rows. */
static void tick(void *ctx)
{
	struct bio_ctx *x = ctx;
	static struct bio_row rows[BIO_KEYS_MAX], delta[BIO_KEYS_MAX];
	__u64 now = tapio_mono_ns(), busy[BIO_KEYS_MAX] = {0};
	double secs = (double)(now - x->prev_ns) / 1e9;
	int n, i;
	size_t j, nd = 0;

	/* lost completions leave in_flight before it is read */
	tapio_bio_reap_lost(&x->p, TAPIO_BIO_LOST_AFTER_NS);
	n = read_rows(x->skel, rows, BIO_KEYS_MAX);
	if (n < 0)
		return;
	table_header(x);
	for (i = 0; i < n; i++) {
		struct tapio_bio_disk d =
			read_disk(x->skel, rows[i].key.dev, now, &busy[i]);
		__u64 prev_busy = 0;

		delta[nd] = rows[i];
		for (j = 0; j < x->nprev; j++) {
			if (!memcmp(&x->prev[j].key, &rows[i].key,
				    sizeof(rows[i].key))) {
				stats_add(&delta[nd].st, &x->prev[j].st, -1);
				prev_busy = x->prev_busy[j];
				break;
			}
		}
		if (!delta[nd].st.ios && !delta[nd].st.queued)
			continue;
		print_row(x, &delta[nd], "interval", secs, busy[i] - prev_busy,
			  &d);
		nd++;
	}
	print_hists(x, delta, nd);
	memcpy(x->prev, rows, sizeof(rows[0]) * n);
	memcpy(x->prev_busy, busy, sizeof(busy[0]) * n);
	x->nprev = n;
	x->prev_ns = now;
	fflush(stdout);
}

static void totals(struct bio_ctx *x)
{
	static struct bio_row rows[BIO_KEYS_MAX];
	__u64 now = tapio_mono_ns(), busy;
	double secs = (double)(now - x->start_ns) / 1e9;
	int n = read_rows(x->skel, rows, BIO_KEYS_MAX), i;

	if (n < 0)
		return;
	if (!x->o->json)
		printf("\n# totals over %.1f s\n", secs);
	table_header(x);
	for (i = 0; i < n; i++) {
		struct tapio_bio_disk d =
			read_disk(x->skel, rows[i].key.dev, now, &busy);

		print_row(x, &rows[i], "total", secs, busy, &d);
	}
	print_hists(x, rows, n);
}

static void summary_extra(struct tapio_json *j, void *ctx)
{
	const __u64 *c = ctx;

	tapio_json_u64(j, "no_insert", c[TAPIO_PCNT_BIO_NO_INSERT]);
	tapio_json_u64(j, "dataless_writes", c[TAPIO_PCNT_BIO_DATALESS]);
}

int tapio_trace_bio(const struct trace_opts *o)
{
	struct bio_ctx *x = calloc(1, sizeof(*x));
	__u64 c[TAPIO_PCNT_MAX];
	int err;

	if (!x)
		return -ENOMEM;
	x->o = o;
	err = tapio_trace_start(&x->p, TAPIO_PROBE_BIO, o);
	if (err)
		goto out;
	x->skel = x->p.skel;
	x->start_ns = x->prev_ns = tapio_mono_ns();
	err = tapio_trace_loop(o, NULL, tick, x);
	totals(x);
	tapio_probe_counters(x->p.obj, c);
	tapio_trace_summary(stdout, &x->p, o, c, summary_extra, c);
out:
	tapio_probe_close(&x->p);
	free(x);
	return err;
}
