// SPDX-License-Identifier: GPL-2.0
/* /metrics of `tapio run`: each source and sink writes its own families; the
 * families several of them share are opened here and filled through ops. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "export/prom_text.h"
#include "lib/flow_format.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "lib/flow_owner.h"
#include "run/run_metrics.h"

#define SELFMON_EVERY 10

struct scan {
	const struct tapio_source *src;
	int nsrc;
	struct tapio_flow_top *top;
};

/* One pass over the table per interval: active flows for the sources'
 * per-interface gauges, and the largest flows. */
static void scan_flow(const struct tapio_flow_rec *rec, void *arg)
{
	struct scan *sc = arg;
	int i;

	for (i = 0; i < sc->nsrc; i++)
		if (sc->src[i].ops->flow)
			sc->src[i].ops->flow(sc->src[i].priv, rec, 0);
	tapio_flow_top_offer(sc->top, rec);
}

/* The top-N family pair: bounded however many flows there are. */
static void top_flows(FILE *f, const struct tapio_flow_top *top,
		      const struct tapio_source *src, int nsrc)
{
	static const char *const names[] = {"tapio_top_flow_bytes_total",
					    "tapio_top_flow_packets_total"};
	static const char *const helps[] = {
		"Bytes of the largest flows in the table (top_flows of them), "
		"since each flow began.",
		"Packets of the largest flows in the table (top_flows of "
		"them), since each flow began."};
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN], sp[8], dp[8], vl[8],
		pn[4];
	/* with attribution, who is behind each: bounded by N too */
	struct tapio_owner *own = calloc(top->n + 1, sizeof(*own));
	bool *owned = calloc(top->n + 1, sizeof(*owned));
	unsigned int i, m;
	int j;

	for (i = 0; own && owned && i < top->n; i++)
		for (j = 0; j < nsrc && !owned[i]; j++)
			owned[i] = src[j].ops->owner &&
				   src[j].ops->owner(src[j].priv, &top->rec[i],
						     true, &own[i]);

	for (m = 0; m < 2; m++) {
		tapio_prom_family(f, names[m], "counter", helps[m]);
		for (i = 0; i < top->n; i++) {
			const struct tapio_flow_rec *r = &top->rec[i];
			const struct tapio_flow_key *k = &r->key;
			const char *dev =
				tapio_sources_ifname(src, nsrc, k->ifindex);
			const char *proto = tapio_proto_name(k->protocol);
			bool ok = owned && owned[i];

			if (!dev)
				continue;
			tapio_format_addr(k->src_addr, s, sizeof(s));
			tapio_format_addr(k->dst_addr, d, sizeof(d));
			snprintf(sp, sizeof(sp), "%u", k->src_port);
			snprintf(dp, sizeof(dp), "%u", k->dst_port);
			snprintf(vl, sizeof(vl), "%u", k->vlan_outer);
			snprintf(pn, sizeof(pn), "%u", k->protocol);
			struct tapio_label l[] = {
				{"interface", dev},
				{"direction", tapio_dir_name(k->direction)},
				{"protocol", proto ? proto : pn},
				{"src", s},
				{"src_port", sp},
				{"dst", d},
				{"dst_port", dp},
				{"vlan", vl},
				{"comm", ok ? own[i].comm : ""},
				{"container", ok ? own[i].container_id : ""},
				{"pod", ok ? own[i].pod_uid : ""},
			};
			tapio_prom_sample(f, names[m], l, ok ? 11 : 8,
					  m ? r->val.packets : r->val.bytes);
		}
	}
	free(own);
	free(owned);
}

static unsigned long long rss_bytes(void)
{
	unsigned long long pages = 0, rss = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f) {
		if (fscanf(f, "%llu %llu", &pages, &rss) != 2)
			rss = 0;
		fclose(f);
	}
	return rss * (unsigned long long)sysconf(_SC_PAGESIZE);
}

/* The families of events moved and lost, by source: every source and sink
 * adds its samples to the two families opened here. */
static void event_families(FILE *f, const struct tapio_source *src, int nsrc,
			   const struct tapio_sink *sink, int nsink)
{
	int i;

	tapio_prom_family(f, "tapio_events_processed_total", "counter",
			  "Packets moved into the aggregation table, by "
			  "source.");
	for (i = 0; i < nsrc; i++)
		if (src[i].ops->processed)
			src[i].ops->processed(src[i].priv, f);
	tapio_prom_family(f, "tapio_events_dropped_total", "counter",
			  "Packets not accounted in a flow, by source and "
			  "reason.");
	for (i = 0; i < nsrc; i++)
		if (src[i].ops->dropped)
			src[i].ops->dropped(src[i].priv, f);
	for (i = 0; i < nsink; i++)
		if (sink[i].ops->dropped)
			sink[i].ops->dropped(sink[i].priv, f);
}

static void table_families(FILE *f, struct tapio_flow_table *t)
{
	struct tapio_flow_table_stats ts;

	tapio_flow_table_stats(t, &ts);
	tapio_prom_scalar(f, "tapio_memory_budget_bytes", "gauge",
			  "Memory the aggregation table allocated up front.",
			  ts.memory_bytes);
	tapio_prom_scalar(f, "tapio_memory_limit_hits_total", "counter",
			  "New flows the table's bound refused.",
			  ts.limit_hits);
	tapio_prom_scalar(f, "tapio_process_resident_memory_bytes", "gauge",
			  "Resident memory of the collector.", rss_bytes());
}

/* Every source's program ids into @ids; how many. */
static unsigned int prog_ids(const struct tapio_source *src, int nsrc,
			     __u32 *ids)
{
	unsigned int n = 0;
	int i;

	for (i = 0; i < nsrc; i++)
		if (src[i].ops->prog_ids)
			n += src[i].ops->prog_ids(src[i].priv, ids + n,
						  TAPIO_SELFMON_MAX_PROGS - n);
	return n;
}

void tapio_run_metrics_publish(struct tapio_run_metrics *m,
			       struct tapio_prom *p, struct tapio_flow_table *t,
			       const struct tapio_source *src, int nsrc,
			       const struct tapio_sink *sink, int nsink,
			       int running)
{
	struct scan sc = {.src = src, .nsrc = nsrc, .top = &m->top};
	char *text = NULL, *health = NULL;
	size_t len = 0, hlen = 0;
	int i, healthy = running;
	FILE *f, *h;

	if (!p->mhd)
		return;
	for (i = 0; i < nsrc; i++)
		if (src[i].ops->refresh)
			src[i].ops->refresh(src[i].priv);
	if (tapio_flow_top_reset(&m->top, m->top_n))
		pr_warn("no memory for %u top flows", m->top_n);
	tapio_flow_table_foreach(t, scan_flow, &sc);
	tapio_flow_top_sort(&m->top);

	f = open_memstream(&text, &len);
	h = open_memstream(&health, &hlen);
	if (!f || !h)
		goto fail;
	tapio_prom_family(f, "tapio_build_info", "gauge", "Version of tapio.");
	tapio_prom_sample(f, "tapio_build_info",
			  TAPIO_LABELS({"version", TAPIO_VERSION}), 1);
	tapio_prom_scalar(f, "tapio_collection_active", "gauge",
			  "1 while the collector runs.", (unsigned)running);
	/* what a rate is computed over (tapio top): counters move only at
	 * a snapshot, not at a scrape */
	tapio_prom_family(f, "tapio_snapshot_timestamp_seconds", "gauge",
			  "When this snapshot was taken (Unix time).");
	fprintf(f, "tapio_snapshot_timestamp_seconds %.3f\n",
		(double)((__s64)tapio_mono_ns() + tapio_mono_to_real_ns()) /
			1e9);
	for (i = 0; i < nsrc; i++)
		if (src[i].ops->metrics)
			src[i].ops->metrics(src[i].priv, f);
	top_flows(f, &m->top, src, nsrc);
	event_families(f, src, nsrc, sink, nsink);
	table_families(f, t);
	if (m->since_scan++ % SELFMON_EVERY == 0) {
		__u32 ids[TAPIO_SELFMON_MAX_PROGS];

		tapio_selfmon_scan(&m->selfmon, ids, prog_ids(src, nsrc, ids));
	}
	tapio_selfmon_write(f, &m->selfmon, m->bpf_stats);
	for (i = 0; i < nsink; i++)
		if (sink[i].ops->metrics)
			sink[i].ops->metrics(sink[i].priv, f);

	for (i = 0; i < nsrc; i++)
		if (src[i].ops->health)
			src[i].ops->health(src[i].priv, h, &healthy);
	for (i = 0; i < nsink; i++)
		if (sink[i].ops->health)
			sink[i].ops->health(sink[i].priv, h, &healthy);
	fprintf(h, healthy ? "ok\n" : "\n");
fail:
	if (f)
		fclose(f);
	if (h)
		fclose(h);
	if (text && health)
		tapio_prom_publish(p, text, len, health, healthy);
	else {
		free(text);
		free(health);
	}
}

void tapio_run_metrics_open(struct tapio_run_metrics *m,
			    const struct tapio_source *src, int nsrc)
{
	__u32 ids[TAPIO_SELFMON_MAX_PROGS];

	tapio_selfmon_open(&m->selfmon, ids, prog_ids(src, nsrc, ids));
}

void tapio_run_metrics_free(struct tapio_run_metrics *m)
{
	tapio_selfmon_close(&m->selfmon);
	tapio_flow_top_free(&m->top);
}
