// SPDX-License-Identifier: GPL-2.0
/* `tapio top`: a live view of a running `tapio run` -- its fastest flows, its
 * interfaces and its probes -- from its control socket and its /metrics. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <ncurses.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>

#include "cmd/cmd.h"
#include "export/daemon_socket.h"
#include "lib/clock.h"
#include "lib/flow_format.h"
#include "lib/log.h"
#include "lib/parse.h"

struct top_opts {
	const char *socket_path;
	const char *metrics_addr;
	__u64 refresh_ns;
	__u32 flows;
	bool bytes_sort; /* else packets */
	bool once;
};

#define TOP_OPT(f) TAPIO_FIELD(struct top_opts, f)
#define NS	   1000000000ULL

static const struct tapio_setting top_rows[] = {
	{.key = "refresh",
	 .short_opt = 'r',
	 .type = TAPIO_SET_SECONDS,
	 TOP_OPT(refresh_ns),
	 .min = NS / 10,
	 .max = 3600 * NS,
	 .def = "1",
	 .arg = "S",
	 .help = "seconds between two looks"},
	{.key = "flows",
	 .short_opt = 'n',
	 .type = TAPIO_SET_U32,
	 TOP_OPT(flows),
	 .min = 1,
	 .max = 1000,
	 .def = "20",
	 .arg = "N",
	 .help = "the N fastest flows"},
	{.key = "once",
	 .type = TAPIO_SET_BOOL,
	 TOP_OPT(once),
	 .help = "one table after one refresh, also on a terminal (it is "
		 "so when the output is not one)"},
	{.key = "socket",
	 .type = TAPIO_SET_STRING,
	 TOP_OPT(socket_path),
	 .def = TAPIO_SOCKET_DEFAULT,
	 .arg = "PATH",
	 .help = "the control socket of the tapio run (its flows)"},
	{.key = "metrics",
	 .type = TAPIO_SET_STRING,
	 TOP_OPT(metrics_addr),
	 .def = "127.0.0.1:19473",
	 .arg = "ADDR",
	 .help = "its /metrics (interfaces and probes), as its metrics "
		 "setting says"},
};

const struct tapio_settings tapio_top_settings = {
	.cmd = "top",
	.usage =
		"Usage: tapio top [OPTIONS]\n\n"
		"A live view of a running tapio run: its fastest flows (bits/s "
		"and packets/s),\nits interfaces (rates, overflow, filtered, "
		"parse errors) and its probes\n(execs/s, retransmits/s, IOPS "
		"and p99 per disk).  Keys: b sort by bits, p by\npackets, q "
		"quit.  Not on a terminal: one table after one refresh.\n",
	.rows = top_rows,
	.n = sizeof(top_rows) / sizeof(top_rows[0]),
};

/* One series of a /metrics snapshot. */
struct sample {
	char *series; /* name{labels} */
	double v;
};

struct look {
	struct sample *s;
	size_t ns;
	char *text;
	double ts; /* tapio_snapshot_timestamp_seconds */
	struct tapio_flow *flows;
	size_t nflows;
	__u64 as_of; /* the table's last collect */
	bool have_metrics, have_flows;
};

static void look_free(struct look *l)
{
	free(l->s);
	free(l->text);
	free(l->flows);
	memset(l, 0, sizeof(*l));
}

/* GET /metrics of @addr into a NUL-terminated buffer; NULL on failure. */
static char *fetch_metrics(const char *addr)
{
	const char req[] = "GET /metrics HTTP/1.0\r\nHost: tapio\r\n\r\n";
	struct sockaddr_storage ss;
	struct pollfd p;
	socklen_t len;
	size_t cap = 1 << 16, n = 0;
	char *buf = NULL, *body;
	ssize_t r;
	int fd;

	if (tapio_parse_listen("metrics", addr, &ss, &len))
		return NULL;
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&ss, len) ||
	    send(fd, req, sizeof(req) - 1, MSG_NOSIGNAL) < 0)
		goto fail;
	buf = malloc(cap);
	if (!buf)
		goto fail;
	p = (struct pollfd){.fd = fd, .events = POLLIN};
	while (poll(&p, 1, 2000) > 0) {
		if (n + 1 == cap) {
			char *g = realloc(buf, cap *= 2);

			if (!g)
				goto fail;
			buf = g;
		}
		r = read(fd, buf + n, cap - n - 1);
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	buf[n] = '\0';
	close(fd);
	body = strstr(buf, "\r\n\r\n");
	if (strncmp(buf, "HTTP/1.", 7) || !body || strncmp(buf + 9, "200", 3)) {
		free(buf);
		return NULL;
	}
	memmove(buf, body + 4, strlen(body + 4) + 1);
	return buf;
fail:
	free(buf);
	if (fd >= 0)
		close(fd);
	return NULL;
}

/* The series of @text, pointing into it (its lines cut at the value). */
static int parse_metrics(struct look *l)
{
	char *line, *save = NULL, *sp;
	size_t cap = 0;

	for (line = strtok_r(l->text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#' || !(sp = strrchr(line, ' ')))
			continue;
		*sp = '\0';
		if (l->ns == cap) {
			struct sample *g;

			cap = cap ? cap * 2 : 512;
			g = realloc(l->s, cap * sizeof(*g));
			if (!g)
				return -ENOMEM;
			l->s = g;
		}
		l->s[l->ns].series = line;
		l->s[l->ns++].v = strtod(sp + 1, NULL);
		if (!strcmp(line, "tapio_snapshot_timestamp_seconds"))
			l->ts = strtod(sp + 1, NULL);
	}
	return 0;
}

static double value(const struct look *l, const char *series)
{
	size_t i;

	for (i = 0; i < l->ns; i++)
		if (!strcmp(l->s[i].series, series))
			return l->s[i].v;
	return NAN;
}

/* Both sources, once; a missing one is said on its panel. */
static void take(const struct top_opts *o, struct look *l)
{
	memset(l, 0, sizeof(*l));
	l->text = fetch_metrics(o->metrics_addr);
	l->have_metrics = l->text && !parse_metrics(l) && l->ts > 0;
	l->have_flows = !tapio_socket_read_at(o->socket_path, 0, &l->flows,
					      &l->nflows, &l->as_of);
}

static int key_cmp(const void *a, const void *b)
{
	return memcmp(&((const struct tapio_flow *)a)->key,
		      &((const struct tapio_flow *)b)->key,
		      sizeof(struct tapio_flow_key));
}

struct rate {
	const struct tapio_flow *f;
	double pps, bps;
};

static int rate_cmp_bits(const void *a, const void *b)
{
	double x = ((const struct rate *)a)->bps,
	       y = ((const struct rate *)b)->bps;

	return x < y ? 1 : x > y ? -1 : 0;
}

static int rate_cmp_packets(const void *a, const void *b)
{
	double x = ((const struct rate *)a)->pps,
	       y = ((const struct rate *)b)->pps;

	return x < y ? 1 : x > y ? -1 : 0;
}

/* Each flow's rate between two looks at the table: what it gained over
 * the time between the collects that brought it (a flow new since had it
 * all since then). */
static size_t flow_rates(const struct look *prev, const struct look *cur,
			 struct rate *out)
{
	double dt = (double)(cur->as_of - prev->as_of) / 1e9;
	size_t i, n = 0;

	if (!prev->have_flows || !cur->have_flows || dt <= 0)
		return 0;
	for (i = 0; i < cur->nflows; i++) {
		const struct tapio_flow *f = &cur->flows[i], *p;
		__u64 pk = f->val.packets, by = f->val.bytes;

		p = bsearch(f, prev->flows, prev->nflows, sizeof(*f), key_cmp);
		if (p) {
			pk = pk > p->val.packets ? pk - p->val.packets : 0;
			by = by > p->val.bytes ? by - p->val.bytes : 0;
		}
		if (!pk)
			continue;
		out[n++] = (struct rate){f, pk / dt, by * 8.0 / dt};
	}
	return n;
}

/* "12.3M" */
static const char *si(double v, char *buf, size_t len)
{
	static const char units[] = " kMGT";
	int u = 0;

	while (v >= 1000 && u < 4) {
		v /= 1000;
		u++;
	}
	snprintf(buf, len, u ? "%.1f%c" : "%.0f", v, units[u]);
	return buf;
}

struct screen {
	bool curses;
	int row;
};

static void put(struct screen *sc, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void put(struct screen *sc, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (!sc->curses) {
		puts(line);
		return;
	}
	if (sc->row < LINES)
		mvaddnstr(sc->row, 0, line, COLS);
	sc->row++;
}

/* d(series)/dt between two snapshots */
static double per_s(const struct look *p, const struct look *c,
		    const char *series)
{
	double a = value(p, series), b = value(c, series), dt = c->ts - p->ts;

	if (isnan(a) || isnan(b) || dt <= 0)
		return NAN;
	return (b - a) / dt;
}

static void interfaces(struct screen *sc, const struct look *p,
		       const struct look *c)
{
	static const char pfx[] = "tapio_interface_packets_total{";
	char s[256], a[16], b[16];
	size_t i;

	put(sc, "%-24s %-8s %10s %10s %10s %10s %10s", "INTERFACE", "DIR",
	    "PKT/S", "BIT/S", "OVERFLOW", "FILTERED", "PARSE_ERR");
	for (i = 0; i < c->ns; i++) {
		const char *labels = c->s[i].series + sizeof(pfx) - 2;
		char ifn[64] = "", dir[16] = "";
		double pk, by, ovf, filt, perr = 0;
		size_t k;

		if (strncmp(c->s[i].series, pfx, sizeof(pfx) - 1) ||
		    sscanf(labels,
			   "{interface=\"%63[^\"]\",direction=\"%15[^\"]", ifn,
			   dir) != 2)
			continue;
		pk = per_s(p, c, c->s[i].series);
		snprintf(s, sizeof(s), "tapio_interface_bytes_total%s", labels);
		by = per_s(p, c, s);
		/* parse errors: every reason of this interface and direction */
		snprintf(s, sizeof(s),
			 "tapio_interface_parse_errors_total{interface=\"%s\","
			 "direction=\"%s\",",
			 ifn, dir);
		for (k = 0; k < c->ns; k++)
			if (!strncmp(c->s[k].series, s, strlen(s)))
				perr += c->s[k].v;
		snprintf(s, sizeof(s),
			 "tapio_interface_overflow_packets_total%s", labels);
		ovf = value(c, s);
		snprintf(s, sizeof(s),
			 "tapio_interface_filtered_packets_total%s", labels);
		filt = value(c, s);
		put(sc, "%-24s %-8s %10s %10s %10.0f %10.0f %10.0f", ifn, dir,
		    isnan(pk) ? "-" : si(pk, a, sizeof(a)),
		    isnan(by) ? "-" : si(by * 8, b, sizeof(b)),
		    isnan(ovf) ? 0 : ovf, isnan(filt) ? 0 : filt, perr);
	}
}

/* p99 of a latency histogram's growth between two snapshots: the first
 * bucket whose cumulative growth reaches 99% of the count's */
static double p99_of(const struct look *p, const struct look *c,
		     const char *labels)
{
	char pfx[256], cnt[256];
	double total, best = NAN;
	size_t i;

	snprintf(cnt, sizeof(cnt), "tapio_block_io_latency_seconds_count%s",
		 labels);
	total = value(c, cnt) - value(p, cnt);
	if (!(total > 0))
		return NAN;
	snprintf(pfx, sizeof(pfx),
		 "tapio_block_io_latency_seconds_bucket%.*s,le=\"",
		 (int)strlen(labels) - 1, labels);
	for (i = 0; i < c->ns; i++) {
		const char *le;
		double grown;

		if (strncmp(c->s[i].series, pfx, strlen(pfx)))
			continue;
		grown = c->s[i].v - value(p, c->s[i].series);
		le = c->s[i].series + strlen(pfx);
		if (grown >= 0.99 * total &&
		    (isnan(best) || strtod(le, NULL) < best))
			best = !strncmp(le, "+Inf", 4) ? INFINITY
						       : strtod(le, NULL);
	}
	return best;
}

static void probes(struct screen *sc, const struct look *p,
		   const struct look *c)
{
	static const char pfx[] = "tapio_block_io_requests_total{";
	double ex = per_s(p, c, "tapio_process_execs_total"), rt = NAN, v;
	char a[16], b[16], line[512] = "";
	size_t i, o = 0;

	for (i = 0; i < c->ns; i++)
		if (!strncmp(c->s[i].series, "tapio_tcp_retransmits_total{",
			     28) &&
		    !isnan(v = per_s(p, c, c->s[i].series)))
			rt = (isnan(rt) ? 0 : rt) + v;
	put(sc, "PROBES  execs/s %s  retransmits/s %s",
	    isnan(ex) ? "-" : si(ex, a, sizeof(a)),
	    isnan(rt) ? "-" : si(rt, b, sizeof(b)));
	for (i = 0; i < c->ns; i++) {
		const char *labels = c->s[i].series + sizeof(pfx) - 2;
		char dev[64] = "", op[16] = "";
		double iops;

		if (strncmp(c->s[i].series, pfx, sizeof(pfx) - 1) ||
		    sscanf(labels,
			   "{device=\"%63[^\"]\",dev=\"%*[^\"]\",op=\"%15[^\"]",
			   dev, op) != 2)
			continue;
		iops = per_s(p, c, c->s[i].series);
		if (isnan(iops) || iops <= 0)
			continue;
		o += (size_t)snprintf(line + o, sizeof(line) - o,
				      "%s%s %s %s IOPS p99 %.3g ms",
				      o ? ", " : "DISKS   ", dev, op,
				      si(iops, a, sizeof(a)),
				      p99_of(p, c, labels) * 1e3);
		if (o >= sizeof(line))
			break;
	}
	if (o)
		put(sc, "%s", line);
}

static void draw(const struct top_opts *o, struct screen *sc,
		 const struct look *p, const struct look *c)
{
	struct rate *r = calloc(c->nflows + 1, sizeof(*r));
	char src[64], dst[64], sa[48], da[48], a[16], b[16];
	size_t n = 0, i;

	put(sc, "tapio top: %s, %s, every %.1f s; sorted by %s (b, p; q quits)",
	    o->socket_path, o->metrics_addr, o->refresh_ns / 1e9,
	    o->bytes_sort ? "bits/s" : "packets/s");
	put(sc, "%s", "");
	if (c->have_metrics)
		interfaces(sc, p, c);
	else
		put(sc, "interfaces: no /metrics at %s", o->metrics_addr);
	put(sc, "%s", "");
	if (c->have_metrics)
		probes(sc, p, c);
	put(sc, "%s", "");
	if (!c->have_flows) {
		put(sc, "flows: no tapio run answers on %s", o->socket_path);
		free(r);
		return;
	}
	if (!r) {
		put(sc, "flows: no memory for %zu rates", c->nflows);
		return;
	}
	n = flow_rates(p, c, r);
	qsort(r, n, sizeof(*r),
	      o->bytes_sort ? rate_cmp_bits : rate_cmp_packets);
	put(sc, "%-7s %-5s %-40s %-40s %10s %10s", "DIR", "PROTO", "SOURCE",
	    "DESTINATION", "PKT/S", "BIT/S");
	for (i = 0; i < n && i < o->flows; i++) {
		const struct tapio_flow_key *k = &r[i].f->key;
		const char *proto = tapio_proto_name(k->protocol);
		char pn[8];

		tapio_format_addr(k->src_addr, sa, sizeof(sa));
		snprintf(src, sizeof(src), "%s:%u", sa, k->src_port);
		tapio_format_addr(k->dst_addr, da, sizeof(da));
		snprintf(dst, sizeof(dst), "%s:%u", da, k->dst_port);
		snprintf(pn, sizeof(pn), "%u", k->protocol);
		put(sc, "%-7s %-5s %-40s %-40s %10s %10s",
		    tapio_dir_name(k->direction), proto ? proto : pn, src, dst,
		    si(r[i].pps, a, sizeof(a)), si(r[i].bps, b, sizeof(b)));
	}
	if (!n)
		put(sc, "(no flow moved since the last look)");
	free(r);
}

/* A look, its flows sorted for the rates */
static void next_look(const struct top_opts *o, struct look *l)
{
	take(o, l);
	if (l->have_flows)
		qsort(l->flows, l->nflows, sizeof(*l->flows), key_cmp);
}

/* Whether @l saw the run collect since @than (the counts moved) */
static bool moved(const struct look *l, const struct look *than)
{
	return l->as_of != than->as_of || l->ts != than->ts;
}

int tapio_cmd_top(int argc, char **argv)
{
	struct top_opts o = {.bytes_sort = true};
	struct look older, newer, l;
	struct screen sc = {};
	int ret, ch;

	ret = tapio_cmd_flags(&tapio_top_settings, &o, argc, argv);
	if (ret)
		return ret < 0 ? 0 : ret;
	ret = tapio_cmd_no_args(argc, argv);
	if (ret)
		return ret;
	next_look(&o, &older);
	if (!older.have_flows && !older.have_metrics) {
		pr_err("top: no tapio run answers on %s nor at %s",
		       o.socket_path, o.metrics_addr);
		look_free(&older);
		return 1;
	}
	if (o.once || !isatty(STDOUT_FILENO)) {
		struct timespec ts = {(time_t)(o.refresh_ns / NS),
				      (long)(o.refresh_ns % NS)};

		nanosleep(&ts, NULL);
		next_look(&o, &newer);
		draw(&o, &sc, &older, &newer);
		look_free(&older);
		look_free(&newer);
		return 0;
	}
	next_look(&o, &newer);
	initscr();
	cbreak();
	noecho();
	curs_set(0);
	timeout((int)(o.refresh_ns / 1000000));
	sc.curses = true;
	for (ch = ERR; ch != 'q' && ch != 'Q'; ch = getch()) {
		if (ch == 'b' || ch == 'p')
			o.bytes_sort = ch == 'b';
		/* rates are over the last two looks that saw a collect: one
		 * between two of the run's collects has nothing new */
		if (ch == ERR) {
			next_look(&o, &l);
			if (moved(&l, &newer)) {
				look_free(&older);
				older = newer;
				newer = l;
			} else {
				look_free(&l);
			}
		}
		erase();
		sc.row = 0;
		draw(&o, &sc, &older, &newer);
		refresh();
	}
	endwin();
	look_free(&older);
	look_free(&newer);
	return 0;
}
