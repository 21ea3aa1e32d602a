// SPDX-License-Identifier: GPL-2.0
/* `tapio trace cache`: cachestat-style hits, misses, dirtied and written
 * back pages per interval and per filesystem device, without kprobes. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "lib/json.h"
#include "lib/log.h"
#include "lib/mounts.h"
#include "tapio/cache.h"
#include "tapio_cache.skel.h"
#include "cmd/trace_loop.h"

#define CACHE_KEYS_MAX 4096

struct cache_row {
	struct tapio_cache_key key;
	struct tapio_cache_stats st;
};

struct cache_ctx {
	const struct trace_opts *o;
	struct tapio_probe p;
	struct tapio_cache *skel; /* p's */
	struct cache_row rows[CACHE_KEYS_MAX], prev[CACHE_KEYS_MAX];
	size_t nprev;
	__u64 start_ns;
};

static void add(struct tapio_cache_stats *a, const struct tapio_cache_stats *b,
		int sign)
{
	tapio_u64s_add(a, b, sizeof(*a), sign);
}

static int read_rows(struct tapio_cache *skel, struct cache_row *rows)
{
	return tapio_percpu_hash_sum(
		bpf_map__fd(skel->maps.tapio_cache_stats), rows,
		sizeof(rows[0]), CACHE_KEYS_MAX, sizeof(rows[0].key),
		offsetof(struct cache_row, st), sizeof(rows[0].st));
}

static bool from_dev(const struct tapio_mount *m, void *want)
{
	return !strcmp(m->dev, want);
}

/* The filesystem type mounted from a device, from our mount table; "" if
 * none is. */
static void fs_type_of(__u32 kdev, char *type, size_t len)
{
	struct tapio_mount m;
	char want[32];

	snprintf(want, sizeof(want), "%u:%u", TAPIO_KDEV_MAJOR(kdev),
		 TAPIO_KDEV_MINOR(kdev));
	type[0] = 0;
	if (!tapio_mounts_find(from_dev, want, &m))
		snprintf(type, len, "%s", m.fstype);
}

/* What each number of a device covers, said in the output itself
 * (docs/metrics.md): writeback is seen on every path only where the
 * filesystem reports its written pages. */
static void coverage(const struct cache_ctx *x, struct tapio_json *j,
		     __u32 kdev)
{
	bool ext4_seen =
		bpf_program__fd(x->skel->progs.tapio_cache_ext4_wb) >= 0;
	char fs[64];

	fs_type_of(kdev, fs, sizeof(fs));
	tapio_json_object(j, "coverage");
	tapio_json_str(j, "reads",
		       x->p.method == TAPIO_TP_CLASSIC ? "asked_range"
						       : "exact");
	tapio_json_str(j, "mmap", "faults_exact_pages_estimated");
	tapio_json_str(j, "writeback",
		       !strcmp(fs, "ext4") && ext4_seen ? "all_paths"
							: "flusher_and_sync");
	tapio_json_object_end(j);
}

/* Hits are lookups minus misses, clamped at 0: readahead and writes add
 * pages no lookup asked for (docs/metrics.md). */
static __u64 hits_of(const struct tapio_cache_stats *s)
{
	return s->lookups > s->misses ? s->lookups - s->misses : 0;
}

static void print_row(const struct cache_ctx *x, const char *scope,
		      const struct tapio_cache_key *k,
		      const struct tapio_cache_stats *s)
{
	__u64 hits = hits_of(s);
	double ratio = s->lookups ? (double)hits / s->lookups : 0;
	char dev[64], line[1024];
	struct tapio_json j;

	if (k)
		tapio_dev_name(k->dev, dev, sizeof(dev));
	else
		snprintf(dev, sizeof(dev), "all");
	if (!x->o->json) {
		printf("%-8s %-12s %12llu %12llu %12llu %12llu %12llu "
		       "%7.2f%%\n",
		       scope, dev, (unsigned long long)s->lookups,
		       (unsigned long long)hits, (unsigned long long)s->misses,
		       (unsigned long long)s->dirtied,
		       (unsigned long long)s->writeback, ratio * 100);
		return;
	}
	tapio_json_init(&j, line, sizeof(line));
	tapio_json_object(&j, NULL);
	tapio_json_str(&j, "type", "cache");
	tapio_json_str(&j, "scope", scope);
	tapio_json_str(&j, "dev", dev);
	if (k && x->o->per_cgroup)
		tapio_json_u64(&j, "cgroup_id", k->cgroup_id);
	tapio_json_u64(&j, "lookups", s->lookups);
	tapio_json_u64(&j, "hits", hits);
	tapio_json_u64(&j, "misses", s->misses);
	tapio_json_u64(&j, "dirtied", s->dirtied);
	tapio_json_u64(&j, "writeback", s->writeback);
	tapio_json_fixed(&j, "hit_ratio", ratio, 4);
	tapio_json_u64(&j, "mmap_faults", s->mmap_faults);
	tapio_json_u64(&j, "mmap_maps", s->mmap_maps);
	tapio_json_u64(&j, "mmap_pages_estimated", s->mmap_pages);
	tapio_json_u64(&j, "meta_dirtied", s->meta_dirtied);
	tapio_json_u64(&j, "meta_writeback", s->meta_writeback);
	if (k)
		coverage(x, &j, k->dev);
	tapio_json_object_end(&j);
	if (tapio_json_finish(&j) > 0)
		printf("%s\n", line);
}

static void header(const struct cache_ctx *x)
{
	if (!x->o->json)
		printf("%-8s %-12s %12s %12s %12s %12s %12s %8s\n", "SCOPE",
		       "DEV", "LOOKUPS", "HITS", "MISSES", "DIRTIED",
		       "WRITEBACK", "HIT%");
}

/* Per interval: the sum over devices, as cachestat prints it. */
static void tick(void *ctx)
{
	struct cache_ctx *x = ctx;
	struct tapio_cache_stats all = {};
	int n = read_rows(x->skel, x->rows), i;
	size_t j;

	if (n < 0)
		return;
	for (i = 0; i < n; i++) {
		add(&all, &x->rows[i].st, 1);
		for (j = 0; j < x->nprev; j++)
			if (!memcmp(&x->prev[j].key, &x->rows[i].key,
				    sizeof(x->rows[i].key)))
				add(&all, &x->prev[j].st, -1);
	}
	header(x);
	print_row(x, "interval", NULL, &all);
	memcpy(x->prev, x->rows, sizeof(x->rows[0]) * n);
	x->nprev = n;
	fflush(stdout);
}

int tapio_trace_cache(const struct trace_opts *o)
{
	struct cache_ctx *x = calloc(1, sizeof(*x));
	__u64 c[TAPIO_PCNT_MAX];
	int err, n, i;

	if (!x)
		return -ENOMEM;
	x->o = o;
	err = tapio_trace_start(&x->p, TAPIO_PROBE_CACHE, o);
	if (err)
		goto out;
	x->skel = x->p.skel;
	x->start_ns = tapio_mono_ns();
	err = tapio_trace_loop(o, NULL, tick, x);
	n = read_rows(x->skel, x->rows);
	if (!o->json)
		printf("\n# totals over %.1f s, per device\n",
		       (double)(tapio_mono_ns() - x->start_ns) / 1e9);
	header(x);
	for (i = 0; i < n; i++)
		print_row(x, "total", &x->rows[i].key, &x->rows[i].st);
	tapio_probe_counters(x->p.obj, c);
	tapio_trace_summary(stdout, &x->p, o, c, NULL, NULL);
out:
	tapio_probe_close(&x->p);
	free(x);
	return err;
}
