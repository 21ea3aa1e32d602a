// SPDX-License-Identifier: GPL-2.0
/* The collector: attach (or reuse the pins of) each device, drain its
 * kernel flows into the table every interval, export what ends, and on
 * SIGINT/SIGTERM drain and flush everything before exiting. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <bpf/bpf.h>

#include "bpffs.h"
#include "collector.h"
#include "drainer.h"
#include "flow_dump.h"
#include "flow_format.h"
#include "flow_table.h"
#include "flow_top.h"
#include "ipfix_exporter.h"
#include "bpf_selfmon.h"
#include "capture.h"
#include "config_map.h"
#include "daemon_socket.h"
#include "loader.h"
#include "probe_set.h"
#include "prom_exporter.h"
#include "log.h"
#include "xsk_poller.h"
#include "tapio/config.h"

static volatile sig_atomic_t stop_requested, reload_requested;

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		reload_requested = 1;
	else
		stop_requested = 1;
}

static int same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

/*
 * SIGHUP: settings rebuilt the way they were at start.  What can change
 * while running does; the rest is named as needing a restart.  A bad file
 * keeps the old settings.  The table and the kernel maps are untouched, so
 * no count is lost.
 */
static void reload(const struct tapio_run_opts *o, struct tapio_run_opts *cur,
		   struct tapio_flow_table *t)
{
	struct tapio_run_opts fresh;
	int i, moved;

	if (!o->reload || o->reload(&fresh)) {
		pr_warn("reload failed: keeping the current settings");
		return;
	}
	cur->interval_ns = fresh.interval_ns;
	cur->idle_timeout_ns = fresh.idle_timeout_ns;
	cur->active_timeout_ns = fresh.active_timeout_ns;
	cur->top_flows = fresh.top_flows;
	tapio_flow_table_set_timeouts(t, fresh.idle_timeout_ns,
				      fresh.active_timeout_ns);
	moved = fresh.ndevs != cur->ndevs;
	for (i = 0; !moved && i < cur->ndevs; i++)
		moved = strcmp(fresh.devs[i], cur->devs[i]) != 0;
	if (moved || !same(fresh.metrics_addr, cur->metrics_addr) ||
	    !same(fresh.ipfix, cur->ipfix) ||
	    !same(fresh.socket_path, cur->socket_path) ||
	    fresh.max_flows != cur->max_flows ||
	    fresh.kernel_flows != cur->kernel_flows ||
	    fresh.xsk_mode != cur->xsk_mode || fresh.probes != cur->probes ||
	    fresh.probe_method != cur->probe_method)
		pr_warn("reload: interfaces, endpoints, table sizes, xsk and "
			"probes need a restart; kept as they were");
	fprintf(stderr,
		"{\"reloaded\":{\"interval_s\":%.3f,\"idle_timeout_s\":%.3f,"
		"\"active_timeout_s\":%.3f,\"top_flows\":%u}}\n",
		cur->interval_ns / 1e9, cur->idle_timeout_ns / 1e9,
		cur->active_timeout_ns / 1e9, cur->top_flows);
}

struct dev_state {
	const char *name;
	struct tapio_drainer drainer;
	int counters_fd; /* kept: detach removes the pin before the account */
	unsigned int ifindex;
	__u64 expired[TAPIO_DIR_MAX][3]; /* by end reason - 1 */
	__u64 active[TAPIO_DIR_MAX];	 /* recounted each interval */
	const char *failure;		 /* why it is not running */
	int cfg_fd, xsks_fd;
	struct tapio_config *cfg; /* mapped: the xsk fields */
	bool attached_by_us, open, detached, xsk;
	struct tapio_xsk_set xs;
	struct tapio_xsk_stats xst;
};

/* Steering on (the run's mode) or off: the xsk fields are ours alone; the
 * mode goes last so that a program seeing it sees its settings. */
static int set_steering(struct tapio_config *cfg,
			const struct tapio_run_opts *o, int on)
{
	if (on) {
		cfg->xsk_sample_n = o->xsk_sample_n;
		if (o->xsk_filter &&
		    tapio_capture_filter_parse(o->xsk_filter, &cfg->xsk_filter))
			return -EINVAL;
	}
	__atomic_store_n(&cfg->xsk_mode, on ? o->xsk_mode : TAPIO_XSK_OFF,
			 __ATOMIC_RELEASE);
	return 0;
}

/* AF_XDP sockets on every queue, then the program starts steering. */
static int open_pollers(const struct tapio_run_opts *o, struct dev_state *d,
			struct tapio_flow_table *t)
{
	char eb[TAPIO_ERRBUF], state[256];
	int err;

	d->cfg_fd = tapio_open_pinned_map(d->name, TAPIO_PIN_CONFIG);
	d->xsks_fd = tapio_open_pinned_map(d->name, TAPIO_PIN_XSKS);
	err = d->cfg_fd < 0 || d->xsks_fd < 0 ? -ENOENT : 0;
	if (!err) {
		d->cfg = tapio_config_map(d->cfg_fd);
		err = d->cfg ? 0 : -errno;
	}
	if (!err)
		err = tapio_xsk_open(&d->xs, d->name, d->xsks_fd, t,
				     o->hugepages, o->xsk_frames);
	if (!err)
		err = tapio_xsk_start(&d->xs);
	if (!err)
		err = set_steering(d->cfg, o, 1);
	if (err) {
		pr_err("cannot start the AF_XDP pollers of %s: %s", d->name,
		       tapio_strerror(err, eb, sizeof(eb)));
		tapio_xsk_stop(&d->xs);
		tapio_xsk_close(&d->xs);
		tapio_config_unmap(d->cfg);
		d->cfg = NULL;
		if (d->cfg_fd >= 0)
			close(d->cfg_fd);
		if (d->xsks_fd >= 0)
			close(d->xsks_fd);
		d->failure = "AF_XDP pollers failed";
		return err;
	}
	d->xsk = true;
	/* for `tapio status`: each queue's mode and CPU */
	if (!tapio_xsk_state_path(state, sizeof(state), d->name))
		tapio_xsk_write_state(&d->xs, state);
	return 0;
}

/* What every exported record adds up to, for the final account. */
struct export_ctx {
	FILE *out; /* stdout, or the JSON lines file */
	const char *path;
	__u64 size, rotate_bytes;
	__s64 mono_to_real;
	__u64 flows, packets[TAPIO_DIR_MAX];
	__u64 json_errors; /* records the JSON exporter could not write */
	struct dev_state *devs;
	int ndevs;
	struct tapio_ipfix *ipfix; /* NULL: no IPFIX collectors */
	/* the probes' ring thread writes JSON lines too */
	pthread_mutex_t lock;
};

static struct dev_state *dev_of(struct dev_state *devs, int n,
				unsigned int ifindex)
{
	int i;

	for (i = 0; i < n; i++)
		if (devs[i].ifindex == ifindex)
			return &devs[i];
	return NULL;
}

static const char *reason_name(enum tapio_end_reason why)
{
	switch (why) {
	case TAPIO_END_IDLE:
		return "idle";
	case TAPIO_END_ACTIVE:
		return "active";
	default:
		return "flush";
	}
}

#define JSON_KEEP 5 /* rotated files kept: PATH.1 .. PATH.5 */

/* PATH.4 -> PATH.5, ..., PATH -> PATH.1, then a new PATH. */
static void json_rotate(struct export_ctx *x)
{
	char from[512], to[512];
	int i;

	fclose(x->out);
	for (i = JSON_KEEP - 1; i >= 1; i--) {
		snprintf(from, sizeof(from), "%s.%d", x->path, i);
		snprintf(to, sizeof(to), "%s.%d", x->path, i + 1);
		rename(from, to);
	}
	snprintf(to, sizeof(to), "%s.1", x->path);
	rename(x->path, to);
	x->out = fopen(x->path, "a");
	if (!x->out) {
		pr_warn("cannot reopen %s: %s; writing to stdout", x->path,
			strerror(errno));
		x->out = stdout;
		x->path = NULL;
	}
	x->size = 0;
}

static void json_write(struct export_ctx *x, const char *line)
{
	size_t n = strlen(line) + 1;

	if (x->path && x->rotate_bytes && x->size + n > x->rotate_bytes &&
	    x->size)
		json_rotate(x);
	if (fputs(line, x->out) == EOF || fputc('\n', x->out) == EOF) {
		x->json_errors++;
		return;
	}
	x->size += n;
}

/* Every ended flow to every exporter: a failure of one (counted) does not
 * keep the flow from the others or from the account. */
static void export_flow(const struct tapio_flow_rec *rec,
			enum tapio_end_reason why, void *arg)
{
	struct export_ctx *x = arg;
	struct tapio_flow f = {.key = rec->key, .val = rec->val};
	/* the name we attached by: if_indextoname costs three syscalls,
	 * which per flow were most of the collector's CPU */
	struct dev_state *d = dev_of(x->devs, x->ndevs, rec->key.ifindex);
	char line[1100];
	int n = 0;

	/* the flow's fields plus why it ended: replace the closing brace */
	if (x->out)
		n = tapio_flow_json(&f, d ? d->name : "", x->mono_to_real, line,
				    sizeof(line) - 32);
	if (n < 0) {
		x->json_errors++;
	} else if (x->out) {
		snprintf(line + n - 1, sizeof(line) - (size_t)n + 1,
			 ",\"end_reason\":\"%s\"}", reason_name(why));
		pthread_mutex_lock(&x->lock);
		json_write(x, line);
		pthread_mutex_unlock(&x->lock);
	}
	if (x->ipfix)
		tapio_ipfix_record(x->ipfix, rec, why);
	if (d && why >= TAPIO_END_IDLE && why <= TAPIO_END_FLUSH)
		d->expired[rec->key.direction & 1][why - 1]++;
	x->flows++;
	x->packets[rec->key.direction & 1] += rec->val.packets;
}

/* A probe event (exec, tcp) as a JSON line among the flows. */
static void export_event(const char *json, void *arg)
{
	struct export_ctx *x = arg;

	if (!x->out)
		return;
	pthread_mutex_lock(&x->lock);
	json_write(x, json);
	pthread_mutex_unlock(&x->lock);
}

static void json_flush(struct export_ctx *x)
{
	pthread_mutex_lock(&x->lock);
	if (x->out)
		fflush(x->out);
	pthread_mutex_unlock(&x->lock);
}

static __u64 mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + (__u64)ts.tv_nsec;
}

static void sleep_until(__u64 deadline)
{
	struct timespec ts = {(time_t)(deadline / 1000000000ULL),
			      (long)(deadline % 1000000000ULL)};

	/* returns early on a signal: stop_requested is then looked at */
	clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
}

static int open_dev(const struct tapio_run_opts *o, struct dev_state *d)
{
	struct tapio_attach_opts ao = {
		.dev = d->name,
		.mode = o->mode,
		.egress = true,
		.max_flows = o->kernel_flows,
	};
	char eb[TAPIO_ERRBUF];
	int err;

	err = tapio_attach_if_needed(&ao, &d->attached_by_us);
	if (err)
		return err;
	d->counters_fd = tapio_open_pinned_map(d->name, TAPIO_PIN_COUNTERS);
	if (d->counters_fd < 0)
		return d->counters_fd;
	err = tapio_drainer_open(&d->drainer, d->name);
	if (err) {
		pr_err("cannot drain %s: %s", d->name,
		       tapio_strerror(err, eb, sizeof(eb)));
		close(d->counters_fd);
		return err;
	}
	d->ifindex = if_nametoindex(d->name);
	d->open = true;
	return 0;
}

static void family(FILE *f, const char *name, const char *type,
		   const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* name{interface="DEV",direction="DIR"[,reason="R"]} value */
static void sample(FILE *f, const char *name, const char *dev, int dir,
		   const char *reason, unsigned long long v)
{
	fprintf(f, "%s{interface=\"", name);
	tapio_prom_label(f, dev);
	fprintf(f, "\",direction=\"%s\"", tapio_dir_name((__u8)dir));
	if (reason)
		fprintf(f, ",reason=\"%s\"", reason);
	fprintf(f, "} %llu\n", v);
}

/* A family of one series without labels. */
static void scalar(FILE *f, const char *name, const char *type,
		   const char *help, unsigned long long v)
{
	family(f, name, type, help);
	fprintf(f, "%s %llu\n", name, v);
}

/* A counter family with one series per running device and direction. */
static void dev_counter(FILE *f, const char *name, const char *help,
			const struct dev_state *devs, int n,
			struct tapio_dir_counters cnt[][TAPIO_DIR_MAX], int id)
{
	int i, d;

	family(f, name, "counter", help);
	for (i = 0; i < n; i++)
		for (d = 0; d < TAPIO_DIR_MAX && devs[i].open; d++)
			sample(f, name, devs[i].name, d, NULL, cnt[i][d].c[id]);
}

struct table_scan {
	struct export_ctx *x;
	struct tapio_flow_top *top;
};

/* One pass over the table per interval: flows active per device and
 * direction, and the largest flows. */
static void scan_flow(const struct tapio_flow_rec *rec, void *arg)
{
	struct table_scan *sc = arg;
	struct dev_state *d =
		dev_of(sc->x->devs, sc->x->ndevs, rec->key.ifindex);

	if (d)
		d->active[rec->key.direction & 1]++;
	tapio_flow_top_offer(sc->top, rec);
}

/* name{interface,direction,protocol,src,src_port,dst,dst_port,vlan} v */
static void top_sample(FILE *f, const char *name, const char *dev,
		       const struct tapio_flow_key *k, unsigned long long v)
{
	const char *proto = tapio_proto_name(k->protocol);
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];

	tapio_format_addr(k->src_addr, src, sizeof(src));
	tapio_format_addr(k->dst_addr, dst, sizeof(dst));
	fprintf(f, "%s{interface=\"", name);
	tapio_prom_label(f, dev);
	fprintf(f, "\",direction=\"%s\",protocol=\"",
		tapio_dir_name(k->direction));
	if (proto)
		fputs(proto, f);
	else
		fprintf(f, "%u", k->protocol);
	fprintf(f,
		"\",src=\"%s\",src_port=\"%u\",dst=\"%s\",dst_port=\"%u\","
		"vlan=\"%u\"} %llu\n",
		src, k->src_port, dst, k->dst_port, k->vlan_outer, v);
}

/* The top-N family pair: bounded however many flows there are. */
static void top_flows(FILE *f, const struct tapio_flow_top *top,
		      struct export_ctx *x)
{
	static const char *const names[] = {"tapio_top_flow_bytes_total",
					    "tapio_top_flow_packets_total"};
	static const char *const helps[] = {
		"Bytes of the largest flows in the table (top_flows of them), "
		"since each flow began.",
		"Packets of the largest flows in the table (top_flows of "
		"them), since each flow began."};
	unsigned int i, m;

	for (m = 0; m < 2; m++) {
		family(f, names[m], "counter", helps[m]);
		for (i = 0; i < top->n; i++) {
			const struct tapio_flow_rec *r = &top->rec[i];
			struct dev_state *d =
				dev_of(x->devs, x->ndevs, r->key.ifindex);

			if (d)
				top_sample(f, names[m], d->name, &r->key,
					   m ? r->val.packets : r->val.bytes);
		}
	}
}

static __u64 rss_bytes(void)
{
	unsigned long long pages = 0, rss = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f) {
		if (fscanf(f, "%llu %llu", &pages, &rss) != 2)
			rss = 0;
		fclose(f);
	}
	return rss * (__u64)sysconf(_SC_PAGESIZE);
}

/* Per collector: one that went away shows as its own errors. */
static void ipfix_families(FILE *f, const struct tapio_ipfix *ix)
{
	static const char *const names[] = {"tapio_ipfix_records_total",
					    "tapio_ipfix_errors_total",
					    "tapio_ipfix_collector_up"};
	static const char *const helps[] = {
		"Flow records sent to each IPFIX collector.",
		"Flow records lost: collector unreachable or a send failed.",
		"1 while the collector's exporter is connected."};
	int i, m;

	for (m = 0; m < 3 && ix; m++) {
		family(f, names[m], m == 2 ? "gauge" : "counter", helps[m]);
		for (i = 0; i < ix->n; i++) {
			unsigned long long v = m == 0	? ix->records_to[i]
					       : m == 1 ? ix->errors_to[i]
							: tapio_ipfix_up(ix, i);

			fprintf(f, "%s{collector=\"", names[m]);
			tapio_prom_label(f, tapio_ipfix_target(ix, i));
			fprintf(f, "\"} %llu\n", v);
		}
	}
}

struct run_stats {
	__u64 collection_errors;
	/* self-monitoring: a walk over every eBPF object id is costly on a
	 * busy host, so it is repeated only every SELFMON_EVERY intervals */
	struct tapio_selfmon selfmon;
	unsigned int since_scan;
	struct tapio_flow_top top; /* the top-N series */
	unsigned int top_n;
};

#define SELFMON_EVERY 10

/* The /metrics text and /healthz answer of this moment. */
static void publish_metrics(struct tapio_prom *p, struct dev_state *devs, int n,
			    struct tapio_flow_table *t, struct export_ctx *x,
			    struct run_stats *rs, struct tapio_probe_set *ps,
			    int running)
{
	static const char *const names[] = TAPIO_COUNTER_NAMES;
	static const char *const ends[] = {"idle", "active", "flush"};
	struct tapio_dir_counters cnt[TAPIO_RUN_MAX_DEVS][TAPIO_DIR_MAX];
	struct tapio_flow_table_stats ts;
	struct table_scan sc = {.x = x, .top = &rs->top};
	char *text = NULL, *health = NULL;
	size_t len = 0, hlen = 0;
	__u64 drained = 0, xsk = 0, tovf = 0, xdrop = 0, xfill = 0,
	      cap_full = 0, cap_err = 0;
	int i, d, c, r, healthy = running;
	FILE *f, *h;

	if (!p->mhd)
		return;
	memset(cnt, 0, sizeof(cnt));
	for (i = 0; i < n; i++) {
		devs[i].active[0] = devs[i].active[1] = 0;
		if (!devs[i].open)
			continue;
		tapio_counters_read(devs[i].counters_fd, cnt[i]);
		cap_full += cnt[i][0].c[TAPIO_CNT_CAPTURE_RING_FULL];
		cap_err += cnt[i][0].c[TAPIO_CNT_CAPTURE_ERROR];
		drained += devs[i].drainer.st.packets;
		tovf += devs[i].drainer.st.table_overflow_packets[0] +
			devs[i].drainer.st.table_overflow_packets[1];
		if (devs[i].xsk) {
			struct tapio_xsk_stats xs;

			tapio_xsk_stats(&devs[i].xs, &xs);
			xsk += xs.packets;
			tovf += xs.table_overflow;
			xdrop += xs.dropped;
			xfill += xs.fill_empty;
		}
	}
	if (tapio_flow_top_reset(&rs->top, rs->top_n))
		pr_warn("no memory for %u top flows", rs->top_n);
	tapio_flow_table_foreach(t, scan_flow, &sc);
	tapio_flow_top_sort(&rs->top);
	tapio_flow_table_stats(t, &ts);

	f = open_memstream(&text, &len);
	h = open_memstream(&health, &hlen);
	if (!f || !h)
		goto fail;
	family(f, "tapio_build_info", "gauge", "Version of tapio.");
	fprintf(f, "tapio_build_info{version=\"%s\"} 1\n", TAPIO_VERSION);
	family(f, "tapio_collection_active", "gauge",
	       "1 while the collector runs.");
	fprintf(f, "tapio_collection_active %d\n", running);
	dev_counter(f, "tapio_interface_packets_total",
		    "Frames the data-plane programs saw.", devs, n, cnt,
		    TAPIO_CNT_SEEN_PKTS);
	dev_counter(f, "tapio_interface_bytes_total",
		    "Bytes of the frames the data-plane programs saw.", devs, n,
		    cnt, TAPIO_CNT_SEEN_BYTES);
	dev_counter(f, "tapio_interface_overflow_packets_total",
		    "Frames of flows the kernel map had no entry for.", devs, n,
		    cnt, TAPIO_CNT_OVERFLOW_PKTS);
	family(f, "tapio_interface_parse_errors_total", "counter",
	       "Malformed frames, passed on and counted by reason.");
	for (i = 0; i < n; i++)
		for (d = 0; d < TAPIO_DIR_MAX && devs[i].open; d++)
			for (c = TAPIO_CNT_PARSE_FIRST;
			     c <= TAPIO_CNT_PARSE_LAST; c++)
				sample(f, "tapio_interface_parse_errors_total",
				       devs[i].name, d, names[c],
				       cnt[i][d].c[c]);
	family(f, "tapio_flows_active", "gauge",
	       "Flows in the aggregation table.");
	for (i = 0; i < n; i++)
		for (d = 0; d < TAPIO_DIR_MAX && devs[i].open; d++)
			sample(f, "tapio_flows_active", devs[i].name, d, NULL,
			       devs[i].active[d]);
	family(f, "tapio_flows_expired_total", "counter",
	       "Flows handed to the exporters, by end reason.");
	for (i = 0; i < n; i++)
		for (d = 0; d < TAPIO_DIR_MAX && devs[i].open; d++)
			for (r = 0; r < 3; r++)
				sample(f, "tapio_flows_expired_total",
				       devs[i].name, d, ends[r],
				       devs[i].expired[d][r]);
	/* every flow created is in the table or has been exported: exact,
	 * and per device and direction where the table keeps one total */
	family(f, "tapio_flows_created_total", "counter",
	       "Flows created in the aggregation table.");
	for (i = 0; i < n; i++)
		for (d = 0; d < TAPIO_DIR_MAX && devs[i].open; d++)
			sample(f, "tapio_flows_created_total", devs[i].name, d,
			       NULL,
			       devs[i].active[d] + devs[i].expired[d][0] +
				       devs[i].expired[d][1] +
				       devs[i].expired[d][2]);
	top_flows(f, &rs->top, x);
	family(f, "tapio_events_processed_total", "counter",
	       "Packets moved into the aggregation table, by source.");
	fprintf(f,
		"tapio_events_processed_total{source=\"kernel_drain\"} %llu\n"
		"tapio_events_processed_total{source=\"xsk\"} %llu\n",
		(unsigned long long)drained, (unsigned long long)xsk);
	tapio_probe_set_processed(ps, f);
	family(f, "tapio_events_dropped_total", "counter",
	       "Packets not accounted in a flow, by source and reason.");
	for (c = TAPIO_CNT_OVERFLOW_MAP_FULL; c <= TAPIO_CNT_OVERFLOW_OTHER;
	     c++) {
		__u64 v = 0;

		for (i = 0; i < n; i++)
			v += cnt[i][0].c[c] + cnt[i][1].c[c];
		fprintf(f,
			"tapio_events_dropped_total{source=\"kernel\","
			"reason=\"%s\"} %llu\n",
			names[c], (unsigned long long)v);
	}
	fprintf(f,
		"tapio_events_dropped_total{source=\"table\","
		"reason=\"table_full\"} %llu\n"
		"tapio_events_dropped_total{source=\"xsk\","
		"reason=\"socket_drop\"} %llu\n"
		"tapio_events_dropped_total{source=\"capture\","
		"reason=\"ring_full\"} %llu\n"
		"tapio_events_dropped_total{source=\"capture\","
		"reason=\"copy_error\"} %llu\n"
		"tapio_events_dropped_total{source=\"json\","
		"reason=\"write_error\"} %llu\n",
		(unsigned long long)tovf, (unsigned long long)xdrop,
		(unsigned long long)cap_full, (unsigned long long)cap_err,
		(unsigned long long)x->json_errors);
	tapio_probe_set_dropped(ps, f);
	scalar(f, "tapio_xsk_fill_ring_empty_total", "counter",
	       "Times an AF_XDP socket found its fill ring empty (a sign to "
	       "raise buffer_size).",
	       (unsigned long long)xfill);
	scalar(f, "tapio_memory_budget_bytes", "gauge",
	       "Memory the aggregation table allocated up front.",
	       (unsigned long long)ts.memory_bytes);
	scalar(f, "tapio_memory_limit_hits_total", "counter",
	       "New flows the table's bound refused.",
	       (unsigned long long)ts.limit_hits);
	scalar(f, "tapio_process_resident_memory_bytes", "gauge",
	       "Resident memory of the collector.",
	       (unsigned long long)rss_bytes());
	if (rs->since_scan++ % SELFMON_EVERY == 0)
		tapio_selfmon_scan(&rs->selfmon);
	tapio_selfmon_write(f, &rs->selfmon);
	ipfix_families(f, x->ipfix);
	scalar(f, "tapio_collection_errors_total", "counter",
	       "Drains that failed.",
	       (unsigned long long)rs->collection_errors);
	tapio_probe_set_metrics(ps, f);

	for (i = 0; i < n; i++)
		if (!devs[i].open || devs[i].failure) {
			fprintf(h, "%s%s: %s", healthy ? "failing: " : ", ",
				devs[i].name,
				devs[i].failure ? devs[i].failure
						: "not running");
			healthy = 0;
		}
	tapio_probe_set_health(ps, h, &healthy);
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

/* Counters of everything the kernel saw but no exported flow holds. */
static void account(const struct dev_state *devs, int n,
		    const struct export_ctx *x)
{
	__u64 tovf[TAPIO_DIR_MAX] = {0};
	__u64 xsk_other = 0, xsk_recv = 0, xsk_drop = 0, xsk_fill = 0;
	bool exact = true;
	struct tapio_dir_counters cnt[TAPIO_DIR_MAX], sum[TAPIO_DIR_MAX];
	__s64 left;
	int i, dir, c, fd;

	memset(sum, 0, sizeof(sum));
	for (i = 0; i < n; i++) {
		if (!devs[i].open)
			continue;
		fd = devs[i].counters_fd;
		/* programs still attached keep counting after the last drain */
		exact = exact && devs[i].detached;
		tovf[0] += devs[i].drainer.st.table_overflow_packets[0];
		tovf[1] += devs[i].drainer.st.table_overflow_packets[1];
		/* what the pollers took and did not put in a flow */
		xsk_other += devs[i].xst.non_ip + devs[i].xst.parse_errors +
			     devs[i].xst.table_overflow + devs[i].xst.dropped;
		xsk_recv += devs[i].xst.packets;
		xsk_drop += devs[i].xst.dropped;
		xsk_fill += devs[i].xst.fill_empty;
		if (!tapio_counters_read(fd, cnt))
			for (dir = 0; dir < TAPIO_DIR_MAX; dir++)
				for (c = 0; c < TAPIO_CNT_MAX; c++)
					sum[dir].c[c] += cnt[dir].c[c];
	}
	fprintf(stderr,
		"{\"summary\":{\"exact\":%s,\"exported_flows\":%llu,"
		"\"json_errors\":%llu,"
		"\"xsk_received_packets\":%llu,\"xsk_dropped_packets\":%llu,"
		"\"xsk_fill_ring_empty\":%llu",
		exact ? "true" : "false", (unsigned long long)x->flows,
		(unsigned long long)x->json_errors,
		(unsigned long long)xsk_recv, (unsigned long long)xsk_drop,
		(unsigned long long)xsk_fill);
	for (dir = 0; dir < TAPIO_DIR_MAX; dir++) {
		const __u64 *k = sum[dir].c;

		left = (__s64)k[TAPIO_CNT_SEEN_PKTS] - (__s64)x->packets[dir] -
		       (__s64)k[TAPIO_CNT_NON_IP_PKTS] -
		       (__s64)k[TAPIO_CNT_OVERFLOW_PKTS] - (__s64)tovf[dir];
		for (c = TAPIO_CNT_PARSE_FIRST; c <= TAPIO_CNT_PARSE_LAST; c++)
			left -= (__s64)k[c];
		if (dir == TAPIO_DIR_INGRESS) /* pollers see ingress only */
			left -= (__s64)xsk_other;
		fprintf(stderr,
			",\"%s\":{\"seen_packets\":%llu,\"exported_packets\":"
			"%llu,\"kernel_overflow_packets\":%llu,"
			"\"table_overflow_packets\":%llu,"
			"\"unaccounted_packets\":%lld}",
			tapio_dir_name((__u8)dir),
			(unsigned long long)k[TAPIO_CNT_SEEN_PKTS],
			(unsigned long long)x->packets[dir],
			(unsigned long long)k[TAPIO_CNT_OVERFLOW_PKTS],
			(unsigned long long)tovf[dir], (long long)left);
	}
	fprintf(stderr, "}}\n");
}

int tapio_run(const struct tapio_run_opts *o)
{
	struct tapio_flow_table_opts to = {
		.max_flows = o->max_flows,
		.memory_limit = o->memory_limit,
		.idle_timeout_ns = o->idle_timeout_ns,
		.active_timeout_ns = o->active_timeout_ns,
	};
	struct dev_state devs[TAPIO_RUN_MAX_DEVS] = {0};
	struct tapio_socket_server srv = {.fd = -1};
	struct export_ctx x = {.mono_to_real = tapio_mono_to_real_ns(),
			       .devs = devs,
			       .ndevs = o->ndevs,
			       .lock = PTHREAD_MUTEX_INITIALIZER};
	struct tapio_prom prom = {0};
	struct tapio_probe_set ps = {.wanted = o->probes,
				     .method = o->probe_method,
				     .sink = export_event,
				     .sink_ctx = &x};
	struct tapio_ipfix ipfix = {0};
	struct tapio_run_opts cur = *o; /* what SIGHUP may change */
	int stats_fd = -1;
	__u64 templates_sent = 0;
	struct run_stats rs = {.top_n = o->top_flows};
	struct tapio_flow_table *t = NULL;
	struct sigaction sa = {.sa_handler = on_signal};
	__u64 start, next;
	char eb[TAPIO_ERRBUF];
	int i, err, ret = 0, running = 0;

	err = tapio_check_privileges("run");
	if (err)
		return err;
	err = tapio_flow_table_new(&to, &t);
	if (err) {
		pr_err("cannot create the flow table (%u flows, %llu bytes): "
		       "%s",
		       o->max_flows, (unsigned long long)o->memory_limit,
		       tapio_strerror(err, eb, sizeof(eb)));
		return err;
	}
	/* run-time statistics of every program while we run, enabled before
	 * attaching so that the programs' run counts cover every packet */
	stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	if (stats_fd < 0)
		pr_debug("no BPF_ENABLE_STATS: program run time not reported");
	err = tapio_socket_serve(&srv, o->socket_path, t);
	if (err == -EADDRINUSE) {
		if (stats_fd >= 0)
			close(stats_fd);
		tapio_flow_table_free(t);
		return err;
	}
	if (err)
		pr_warn("no control socket (%s): tapio flows will not see "
			"the table",
			tapio_strerror(err, eb, sizeof(eb)));
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN); /* clients of the control socket hang up */
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	x.out = stdout;
	if (o->json_file && !strcmp(o->json_file, "none")) {
		x.out = NULL; /* IPFIX or /metrics only */
	} else if (o->json_file) {
		struct stat st;

		x.out = fopen(o->json_file, "a");
		if (!x.out) {
			err = -errno;
			pr_err("cannot write %s: %s", o->json_file,
			       strerror(errno));
			tapio_socket_close(&srv);
			if (stats_fd >= 0)
				close(stats_fd);
			tapio_flow_table_free(t);
			return err;
		}
		x.path = o->json_file;
		x.rotate_bytes = (__u64)o->json_rotate_mb << 20;
		x.size = stat(o->json_file, &st) ? 0 : (__u64)st.st_size;
	}
	tapio_info_fp = stderr; /* stdout carries the flow records */

	/* one device failing does not stop the others */
	for (i = 0; i < o->ndevs; i++) {
		devs[i].name = o->devs[i];
		if (open_dev(o, &devs[i])) {
			devs[i].failure = "cannot attach";
			ret = -ENODEV;
		} else if (o->xsk_mode && open_pollers(o, &devs[i], t)) {
			ret = -ENODEV; /* flows still drained from the kernel */
		} else {
			running++;
		}
	}
	/* the probes load in parallel; one failing is reported in /healthz
	 * and the rest keep running */
	if (o->probes) {
		int up = tapio_probe_set_start(&ps);

		running += up;
		if (up < __builtin_popcount(o->probes))
			ret = -ENODEV;
	}
	if (o->ipfix) {
		if (tapio_ipfix_open(&ipfix, o->ipfix, o->ipfix_tcp,
				     o->observation_domain)) {
			pr_warn("collecting without IPFIX export");
		} else {
			ipfix.mono_to_real = x.mono_to_real;
			x.ipfix = &ipfix;
			templates_sent = mono_ns();
		}
	}
	/* a metrics endpoint that cannot start is reported; collection
	 * goes on without it */
	if (o->metrics_addr && tapio_prom_start(&prom, o->metrics_addr))
		pr_warn("collecting without /metrics");
	publish_metrics(&prom, devs, o->ndevs, t, &x, &rs, &ps, 1);
	if (!running) {
		pr_err("run: no device could be attached and no probe started");
		goto out;
	}
	json_flush(&x);

	start = mono_ns();
	next = start;
	while (!stop_requested) {
		if (reload_requested) {
			reload_requested = 0;
			reload(o, &cur, t);
			rs.top_n = cur.top_flows;
		}
		next += cur.interval_ns;
		if (o->duration_ns && next > start + o->duration_ns)
			next = start + o->duration_ns;
		sleep_until(next);
		for (i = 0; i < o->ndevs; i++) {
			if (!devs[i].open)
				continue;
			err = tapio_drain(&devs[i].drainer, t);
			if (err) {
				rs.collection_errors++;
				pr_warn("drain of %s failed: %s", devs[i].name,
					tapio_strerror(err, eb, sizeof(eb)));
			}
		}
		tapio_flow_table_expire(t, mono_ns(), export_flow, &x);
		if (x.ipfix) {
			/* UDP collectors learn templates only from us: resend
			 * them every minute */
			bool refresh =
				mono_ns() - templates_sent > 60000000000ULL;

			tapio_ipfix_flush(&ipfix, refresh);
			if (refresh)
				templates_sent = mono_ns();
		}
		publish_metrics(&prom, devs, o->ndevs, t, &x, &rs, &ps, 1);
		json_flush(&x);
		if (o->duration_ns && mono_ns() >= start + o->duration_ns)
			break;
	}

	/* stopping: no more steering, then stop the programs we attached,
	 * so that nothing arrives after the last drain (the drainer's fds
	 * keep the maps); then the pollers empty their rings */
	for (i = 0; i < o->ndevs; i++)
		if (devs[i].xsk)
			set_steering(devs[i].cfg, o, 0);
	for (i = 0; i < o->ndevs; i++)
		if (devs[i].open && devs[i].attached_by_us && !o->keep_attached)
			devs[i].detached = !tapio_detach(devs[i].name, false);
	for (i = 0; i < o->ndevs; i++) {
		if (!devs[i].xsk)
			continue;
		tapio_drainer_wait(&devs[i].drainer);
		tapio_xsk_stop(&devs[i].xs);
		tapio_xsk_stats(&devs[i].xs, &devs[i].xst);
		for (unsigned int q = 0; q < devs[i].xs.nqueues; q++)
			pr_info("xsk %s queue %u: received %llu frames",
				devs[i].name, q,
				(unsigned long long)devs[i].xs.q[q].packets);
	}
	/* then everything in the kernel, then everything in the table */
	for (i = 0; i < o->ndevs; i++)
		if (devs[i].open &&
		    (err = tapio_drain_all(&devs[i].drainer, t)))
			pr_warn("final drain of %s failed: %s", devs[i].name,
				tapio_strerror(err, eb, sizeof(eb)));
	tapio_flow_table_flush(t, export_flow, &x);
	/* the probes' last events after the last flows */
	tapio_probe_set_stop(&ps);
	json_flush(&x);
	account(devs, o->ndevs, &x);
out:
	for (i = 0; i < o->ndevs; i++) {
		if (devs[i].xsk) {
			char state[256];

			if (!tapio_xsk_state_path(state, sizeof(state),
						  devs[i].name))
				unlink(state);
			tapio_xsk_stop(&devs[i].xs);
			tapio_xsk_close(&devs[i].xs);
			tapio_config_unmap(devs[i].cfg);
			close(devs[i].cfg_fd);
			close(devs[i].xsks_fd);
		}
		if (devs[i].open) {
			tapio_drainer_close(&devs[i].drainer);
			close(devs[i].counters_fd);
		}
		if (devs[i].attached_by_us && !o->keep_attached &&
		    !devs[i].detached)
			tapio_detach(devs[i].name, false);
	}
	if (x.ipfix) {
		__u64 sent = 0, lost = 0;

		tapio_ipfix_flush(&ipfix, false);
		for (i = 0; i < ipfix.n; i++) {
			sent += ipfix.records_to[i];
			lost += ipfix.errors_to[i];
		}
		fprintf(stderr,
			"{\"ipfix\":{\"records\":%llu,\"errors\":%llu,"
			"\"collectors\":{",
			(unsigned long long)sent, (unsigned long long)lost);
		for (i = 0; i < ipfix.n; i++)
			fprintf(stderr,
				"%s\"%s\":{\"records\":%llu,\"errors\":%llu}",
				i ? "," : "", tapio_ipfix_target(&ipfix, i),
				(unsigned long long)ipfix.records_to[i],
				(unsigned long long)ipfix.errors_to[i]);
		fprintf(stderr, "}}}\n");
		tapio_ipfix_close(&ipfix);
	}
	tapio_probe_set_stop(&ps);
	tapio_prom_stop(&prom);
	tapio_flow_top_free(&rs.top);
	tapio_socket_close(&srv);
	if (stats_fd >= 0)
		close(stats_fd);
	if (x.out && x.out != stdout)
		fclose(x.out);
	tapio_flow_table_free(t);
	return ret;
}
