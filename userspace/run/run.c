// SPDX-License-Identifier: GPL-2.0
/* The collector loop of `tapio run`: it knows sources, the table, sinks, the
 * interval and the stop order; every count comes from a component's op. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <bpf/bpf.h>

#include "export/daemon_socket.h"
#include "export/ipfix_exporter.h"
#include "export/json_lines.h"
#include "export/prom_exporter.h"
#include "dpdk/dpdk_source.h"
#include "lib/flow_owner.h"
#include "run/iface_source.h"
#include "run/probe_source.h"
#include "run/run.h"
#include "run/run_metrics.h"
#include "run/service_notify.h"
#include "lib/clock.h"
#include "lib/flow_table.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/parse.h"
#include "lib/privileges.h"

#define MAX_SOURCES 4
#define MAX_SINKS   4

static volatile sig_atomic_t stop_requested, reload_requested;

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		reload_requested = 1;
	else
		stop_requested = 1;
}

/* A request of the control socket, from its thread to the loop, which
 * alone touches the sinks: carried out between two intervals. */
struct run_request {
	pthread_mutex_t lock;
	pthread_cond_t cond; /* CLOCK_MONOTONIC */
	int efd;	     /* the loop's wakeup */
	struct tapio_socket_req req;
	struct tapio_prefix *pfx; /* that came with req, the loop's to take */
	struct tapio_socket_result res;
	bool pending, done;
};

struct run {
	const struct tapio_run_opts *o;
	struct tapio_run_opts cur; /* what SIGHUP may change */
	struct tapio_flow_table *t;
	struct tapio_source src[MAX_SOURCES];
	struct tapio_sink sink[MAX_SINKS];
	int nsrc, nsink;
	__u64 exported_flows; /* handed to the sinks */
	struct tapio_run_metrics m;
	struct tapio_prom prom;
	struct tapio_socket_server srv;
	struct tapio_iface_source ifaces;
	struct tapio_probe_set probes;
	struct tapio_dpdk_source *dpdk;
	struct run_request rq;
	__u32 rule_seq; /* ids given to filter rules, flow and probe */
	struct tapio_json_lines json;
	struct tapio_ipfix ipfix;
	int stats_fd;
};

/* Every ended flow to every sink: a failure of one (counted there) keeps
 * the flow from none of the others, nor from the account. */
static void flow_ended(const struct tapio_flow_rec *rec,
		       enum tapio_end_reason why, void *arg)
{
	struct run *r = arg;
	const char *ifname =
		tapio_sources_ifname(r->src, r->nsrc, rec->key.ifindex);
	const struct tapio_owner *owner = NULL;
	struct tapio_owner own;
	int i;

	for (i = 0; i < r->nsrc && !owner; i++)
		if (r->src[i].ops->owner &&
		    r->src[i].ops->owner(r->src[i].priv, rec, false, &own))
			owner = &own;
	for (i = 0; i < r->nsink; i++)
		if (r->sink[i].ops->flow)
			r->sink[i].ops->flow(r->sink[i].priv, rec, (int)why,
					     ifname ? ifname : "", owner);
	for (i = 0; i < r->nsrc; i++)
		if (r->src[i].ops->flow)
			r->src[i].ops->flow(r->src[i].priv, rec, (int)why);
	r->exported_flows++;
}

/* Room in the table for @want new flows that a drain is about to bring:
 * at its bound the table would refuse them, so the flows idle longest end
 * early instead (aggressive aging, at most half the table at a time). */
static void make_room(void *arg, __u64 want)
{
	struct run *r = arg;

	tapio_flow_table_make_room(r->t, want, tapio_mono_ns(), flow_ended, r);
}

/* The flows of interfaces deleted while watched, to every sink. */
static void end_flows(void *arg,
		      bool (*match)(const struct tapio_flow_key *key,
				    void *mctx),
		      void *mctx)
{
	struct run *r = arg;

	tapio_flow_table_end(r->t, match, mctx, TAPIO_END_GONE, flow_ended, r);
}

/* A probe event (exec, tcp), from the probes' reader thread. */
static void event_out(const char *json, void *arg)
{
	struct run *r = arg;
	int i;

	for (i = 0; i < r->nsink; i++)
		if (r->sink[i].ops->event)
			r->sink[i].ops->event(r->sink[i].priv, json);
}

static void ticks(struct run *r)
{
	__u64 now = tapio_mono_ns();
	int i;

	for (i = 0; i < r->nsink; i++)
		if (r->sink[i].ops->tick)
			r->sink[i].ops->tick(r->sink[i].priv, now);
}

static void add_source(struct run *r, const struct tapio_source_ops *ops,
		       void *priv)
{
	r->src[r->nsrc++] = (struct tapio_source){ops, priv};
}

static void add_sink(struct run *r, const struct tapio_sink_ops *ops,
		     void *priv)
{
	r->sink[r->nsink++] = (struct tapio_sink){ops, priv};
}

/* The JSON lines and IPFIX sinks; 0 or the error that stops the run. */
static int open_sinks(struct run *r)
{
	const struct tapio_run_opts *o = r->o;
	int err;

	if (!o->json_file || strcmp(o->json_file, "none")) {
		err = tapio_json_lines_open(&r->json, o->json_file,
					    o->json_rotate_mb);
		if (err)
			return err;
		r->json.sample_n = o->flow_sample_n;
		add_sink(r, &tapio_json_lines_ops, &r->json);
	}
	if (o->ipfix) {
		if (tapio_ipfix_open(&r->ipfix, o->ipfix, o->ipfix_tcp,
				     o->observation_domain, o->attribution)) {
			pr_warn("collecting without IPFIX export");
		} else {
			r->ipfix.mono_to_real = tapio_mono_to_real_ns();
			r->ipfix.templates_sent_ns = tapio_mono_ns();
			r->ipfix.sample_n = o->flow_sample_n;
			add_sink(r, &tapio_ipfix_sink_ops, &r->ipfix);
		}
	}
	if (r->srv.running)
		add_sink(r, &tapio_socket_sink_ops, &r->srv);
	return 0;
}

/* Sources start; one failing does not stop the others.  How many devices
 * and probes run; *partial when something wanted does not. */
static int start_sources(struct run *r, bool *partial)
{
	int i;

	tapio_iface_source_init(&r->ifaces, r->o);
	r->ifaces.make_room = make_room;
	r->ifaces.end_flows = end_flows;
	r->ifaces.room_ctx = r;
	/* without devices it would only add zeros to the account */
	if (r->o->ndevs)
		add_source(r, &tapio_iface_source_ops, &r->ifaces);
	r->probes = (struct tapio_probe_set){.wanted = r->o->probes,
					     .method = r->o->probe_method,
					     .limits = r->o->limits,
					     .samples = r->o->samples,
					     .sink = event_out,
					     .sink_ctx = r};
	add_source(r, &tapio_probe_source_ops, &r->probes);
	if (r->o->dpdk_ports) {
		if (tapio_dpdk_source_new(r->o, &r->dpdk))
			*partial = true;
		else
			add_source(r, &tapio_dpdk_source_ops, r->dpdk);
	}
	for (i = 0; i < r->nsrc; i++)
		if (r->src[i].ops->start(r->src[i].priv, r->t))
			*partial = true;
	/* watching counts as running with no link yet */
	return r->ifaces.running + (r->ifaces.match != NULL) +
	       r->probes.running + tapio_dpdk_source_running(r->dpdk);
}

static void publish(struct run *r, int running)
{
	tapio_run_metrics_publish(&r->m, &r->prom, r->t, r->src, r->nsrc,
				  r->sink, r->nsink, running);
}

static void reload(struct run *r)
{
	struct tapio_json j;
	char line[256];
	int i;

	for (i = 0; i < r->nsink; i++)
		if (r->sink[i].ops->reopen)
			r->sink[i].ops->reopen(r->sink[i].priv);
	if (!r->o->reload || r->o->reload(&r->cur))
		return;
	tapio_flow_table_set_timeouts(r->t, r->cur.idle_timeout_ns,
				      r->cur.active_timeout_ns);
	r->m.top_n = r->cur.top_flows;
	tapio_json_init(&j, line, sizeof(line));
	tapio_json_object(&j, NULL);
	tapio_json_object(&j, "reloaded");
	tapio_json_fixed(&j, "interval_s", r->cur.interval_ns / 1e9, 3);
	tapio_json_fixed(&j, "idle_timeout_s", r->cur.idle_timeout_ns / 1e9, 3);
	tapio_json_fixed(&j, "active_timeout_s", r->cur.active_timeout_ns / 1e9,
			 3);
	tapio_json_u64(&j, "top_flows", r->cur.top_flows);
	tapio_json_object_end(&j);
	tapio_json_object_end(&j);
	if (tapio_json_finish(&j) > 0)
		fprintf(stderr, "%s\n", line);
}

static void collect(struct run *r)
{
	int i;

	for (i = 0; i < r->nsrc; i++)
		if (r->src[i].ops->collect)
			r->src[i].ops->collect(r->src[i].priv, r->t);
	atomic_store(&r->srv.as_of_ns, tapio_mono_ns());
}

/* After attaching, what is left to do with a capability is detaching at
 * exit (CAP_NET_ADMIN for TC, CAP_BPF where the kernel wants it to reach
 * the pins); drains, ring reads and sockets work on descriptors we hold. */
static void drop_privileges(struct run *r)
{
	unsigned int keep = 0;
	char kept[256], eb[TAPIO_ERRBUF];
	int err;

	if (r->ifaces.running && !r->o->keep_attached)
		keep = TAPIO_PRIV_BPF | TAPIO_PRIV_NET_ADMIN;
	/* links that come are attached as at the start */
	if (r->ifaces.match)
		keep = TAPIO_PRIV_BPF | TAPIO_PRIV_PERFMON |
		       TAPIO_PRIV_NET_ADMIN;
	/* setns() into the namespaces it watches */
	if (r->ifaces.match && r->o->netns)
		keep |= TAPIO_PRIV_SYS_ADMIN;
	err = tapio_keep_privileges(keep, kept, sizeof(kept));
	if (err)
		pr_warn("cannot drop capabilities: %s",
			tapio_strerror(err, eb, sizeof(eb)));
	else
		pr_info("capabilities kept: %s", kept);
}

static void service_status(struct run *r)
{
	struct tapio_flow_table_stats st;
	char line[160];

	tapio_flow_table_stats(r->t, &st);
	snprintf(line, sizeof(line),
		 "%llu flows in the table, %llu exported; %d devices, %d "
		 "probes",
		 (unsigned long long)st.active,
		 (unsigned long long)r->exported_flows, r->ifaces.running,
		 r->probes.running);
	tapio_service_status(line);
}

struct expiring {
	struct run *r;
	struct tapio_socket_result *res;
};

static void expire_ended(const struct tapio_flow_rec *rec,
			 enum tapio_end_reason why, void *arg)
{
	struct expiring *e = arg;

	e->res->flows++;
	e->res->packets += rec->val.packets;
	e->res->bytes += rec->val.bytes;
	flow_ended(rec, why, e->r);
}

/* `tapio expire`: what every source holds into the table, then every flow
 * out, now; the sinks have them when the client is answered. */
static void expire_all(struct run *r, struct tapio_socket_result *res)
{
	struct expiring e = {r, res};

	collect(r);
	tapio_flow_table_flush(r->t, expire_ended, &e);
	ticks(r);
	pr_info("control: %llu flows expired on request (%llu packets)",
		(unsigned long long)res->flows,
		(unsigned long long)res->packets);
}

/* A verb of a source (flow filters: the interfaces; probe rules, limits
 * and sampling: the probes).  Every source adds its rules to a list; a
 * deletion goes to the source that has the rule. */
static void source_control(struct run *r, struct tapio_socket_req *req,
			   struct tapio_prefix **pfx,
			   struct tapio_socket_result *res)
{
	bool list = req->verb == TAPIO_VERB_FILTER_LIST ||
		    req->verb == TAPIO_VERB_LIMIT_SHOW,
	     taken = false;
	int i;

	/* a new flow sampling rate: every flow ended first, so that each
	 * record was sampled at one rate */
	if (req->verb == TAPIO_VERB_SAMPLE_SET &&
	    !strncmp(req->stream, "flows", sizeof(req->stream)))
		expire_all(r, res);

	if (req->verb == TAPIO_VERB_FILTER_ADD)
		req->arg = r->rule_seq + 1; /* taken if the rule is */
	for (i = 0; i < r->nsrc && !(taken && !list); i++)
		if (r->src[i].ops->control &&
		    r->src[i].ops->control(r->src[i].priv, req, pfx, res))
			taken = true;
	if (taken && req->verb == TAPIO_VERB_FILTER_ADD && !res->err)
		r->rule_seq++;
	if (taken && req->verb == TAPIO_VERB_SAMPLE_SET && !res->err &&
	    !strncmp(req->stream, "flows", sizeof(req->stream)))
		r->json.sample_n = r->ipfix.sample_n = req->sample_n;
	if (taken)
		return;
	if (req->verb == TAPIO_VERB_FILTER_DEL) {
		res->err = -ENOENT;
		snprintf(res->msg, sizeof(res->msg), "no filter rule %u",
			 req->arg);
		return;
	}
	res->err = -EOPNOTSUPP;
	snprintf(res->msg, sizeof(res->msg),
		 "this run has no source that takes it (no interfaces or "
		 "probes?)");
}

/* The loop's side: the pending request carried out, its waiter woken. */
static void serve_request(struct run *r)
{
	struct tapio_socket_result res = {};
	struct tapio_prefix *pfx;
	struct tapio_socket_req req;
	__u64 n;

	if (read(r->rq.efd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		return;
	pthread_mutex_lock(&r->rq.lock);
	req = r->rq.req;
	if (!r->rq.pending) {
		pthread_mutex_unlock(&r->rq.lock);
		return; /* its client gave up before we got to it */
	}
	r->rq.pending = false;
	pfx = r->rq.pfx;
	r->rq.pfx = NULL;
	pthread_mutex_unlock(&r->rq.lock);
	if (req.verb == TAPIO_VERB_EXPIRE)
		expire_all(r, &res);
	else
		source_control(r, &req, &pfx, &res);
	free(pfx); /* no source kept them */
	pthread_mutex_lock(&r->rq.lock);
	r->rq.res = res;
	r->rq.done = true;
	pthread_cond_broadcast(&r->rq.cond);
	pthread_mutex_unlock(&r->rq.lock);
}

/* The socket thread's side: hand @req over and wait for its result; a
 * loop that does not get to it by @deadline (ms) is said, and the request
 * withdrawn if it has not started. */
static void ask_loop(void *ctx, const struct tapio_socket_req *req,
		     struct tapio_prefix **pfx, struct tapio_socket_result *res,
		     __u64 deadline)
{
	struct run *r = ctx;
	struct timespec ts = {.tv_sec = (time_t)(deadline / 1000),
			      .tv_nsec = (long)(deadline % 1000) * 1000000};
	__u64 one = 1;
	int err = 0;

	pthread_mutex_lock(&r->rq.lock);
	r->rq.req = *req;
	r->rq.pfx = *pfx; /* the loop's now, or ours again if withdrawn */
	*pfx = NULL;
	r->rq.pending = true;
	r->rq.done = false;
	if (write(r->rq.efd, &one, sizeof(one)) < 0)
		err = -errno;
	while (!err && !r->rq.done)
		err = -pthread_cond_timedwait(&r->rq.cond, &r->rq.lock, &ts);
	if (r->rq.done) {
		*res = r->rq.res;
	} else {
		res->err = err;
		snprintf(res->msg, sizeof(res->msg),
			 "the run did not %s in time",
			 r->rq.pending ? "get to it" : "finish it");
		r->rq.pending = false;
		free(r->rq.pfx); /* not taken: a loop that started took them */
		r->rq.pfx = NULL;
	}
	pthread_mutex_unlock(&r->rq.lock);
}

static int requests_open(struct run *r)
{
	pthread_condattr_t ca;

	r->rq.efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (r->rq.efd < 0)
		return -errno;
	pthread_mutex_init(&r->rq.lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&r->rq.cond, &ca);
	pthread_condattr_destroy(&ca);
	r->srv.control = ask_loop;
	r->srv.control_ctx = r;
	return 0;
}

/* Until @until, with a watchdog keep-alive at least every @wd_ns, doing
 * the work sources wake up for (an early drain) as it comes.  Returns
 * early on a signal: stop_requested and reload_requested are looked at. */
static void sleep_until(struct run *r, __u64 until, __u64 wd_ns)
{
	struct pollfd pfd[MAX_SOURCES + 1];
	int who[MAX_SOURCES + 1], n = 0, i, fd;
	__u64 now, wd_at, to;
	struct timespec ts;

	for (i = 0; i < r->nsrc; i++)
		if (r->src[i].ops->wake_fd &&
		    (fd = r->src[i].ops->wake_fd(r->src[i].priv)) >= 0) {
			pfd[n] = (struct pollfd){.fd = fd, .events = POLLIN};
			who[n++] = i;
		}
	if (r->rq.efd >= 0) {
		pfd[n] = (struct pollfd){.fd = r->rq.efd, .events = POLLIN};
		who[n++] = -1;
	}
	wd_at = wd_ns ? tapio_mono_ns() + wd_ns : 0;
	while (!stop_requested && !reload_requested &&
	       (now = tapio_mono_ns()) < until) {
		if (wd_at && now >= wd_at) {
			tapio_service_watchdog();
			wd_at = now + wd_ns;
		}
		to = (wd_at && wd_at < until ? wd_at : until) - now;
		ts.tv_sec = (time_t)(to / TAPIO_NS_PER_S);
		ts.tv_nsec = (long)(to % TAPIO_NS_PER_S);
		if (ppoll(pfd, (nfds_t)n, &ts, NULL) <= 0)
			continue; /* time, or a signal */
		for (i = 0; i < n; i++)
			if (pfd[i].revents && who[i] < 0)
				serve_request(r);
			else if (pfd[i].revents)
				r->src[who[i]].ops->wake(r->src[who[i]].priv,
							 r->t);
	}
}

static void loop(struct run *r)
{
	const struct tapio_run_opts *o = r->o;
	__u64 start = tapio_mono_ns(), next = start;
	__u64 wd_ns = tapio_service_watchdog_ns();

	while (!stop_requested) {
		if (reload_requested) {
			reload_requested = 0;
			tapio_service_reloading();
			reload(r);
			tapio_service_ready();
		}
		next += r->cur.interval_ns;
		if (o->duration_ns && next > start + o->duration_ns)
			next = start + o->duration_ns;
		sleep_until(r, next, wd_ns);
		collect(r);
		tapio_flow_table_expire(r->t, tapio_mono_ns(), flow_ended, r);
		ticks(r);
		publish(r, 1);
		tapio_service_watchdog();
		service_status(r);
		if (o->duration_ns && tapio_mono_ns() >= start + o->duration_ns)
			break;
	}
}

/* Stopping: nothing more arrives (quiesce), the last of every source into
 * the table, the whole table to the sinks, then the account. */
static void stop(struct run *r)
{
	char line[2048], members[2048];
	struct tapio_json j, m;
	bool exact = true;
	int i;

	tapio_service_stopping();
	for (i = 0; i < r->nsrc; i++)
		if (r->src[i].ops->quiesce)
			r->src[i].ops->quiesce(r->src[i].priv);
	for (i = 0; i < r->nsrc; i++)
		if (r->src[i].ops->finish)
			r->src[i].ops->finish(r->src[i].priv, r->t);
	tapio_flow_table_flush(r->t, flow_ended, r);
	ticks(r);

	/* the members first: whether the account is exact is known after */
	tapio_json_init(&m, members, sizeof(members));
	for (i = 0; i < r->nsink; i++)
		if (r->sink[i].ops->summary &&
		    !r->sink[i].ops->summary(r->sink[i].priv, &m))
			exact = false;
	for (i = 0; i < r->nsrc; i++)
		if (r->src[i].ops->summary &&
		    !r->src[i].ops->summary(r->src[i].priv, &m))
			exact = false;
	tapio_json_init(&j, line, sizeof(line));
	tapio_json_object(&j, NULL);
	tapio_json_object(&j, "summary");
	tapio_json_bool(&j, "exact", exact);
	tapio_json_u64(&j, "exported_flows", r->exported_flows);
	if (tapio_json_finish(&m) > 0)
		tapio_json_raw(&j, NULL, members);
	tapio_json_object_end(&j);
	tapio_json_object_end(&j);
	if (tapio_json_finish(&j) < 0 || m.err) {
		pr_err("run summary longer than %zu bytes", sizeof(line));
		return;
	}
	fprintf(stderr, "%s\n", line);
}

static void teardown(struct run *r)
{
	int i;

	for (i = 0; i < r->nsrc; i++)
		if (r->src[i].ops->close)
			r->src[i].ops->close(r->src[i].priv);
	for (i = 0; i < r->nsink; i++)
		if (r->sink[i].ops->close)
			r->sink[i].ops->close(r->sink[i].priv);
	tapio_prom_stop(&r->prom);
	tapio_run_metrics_free(&r->m);
	tapio_socket_close(&r->srv);
	if (r->rq.efd >= 0) {
		close(r->rq.efd);
		pthread_cond_destroy(&r->rq.cond);
		pthread_mutex_destroy(&r->rq.lock);
	}
	if (r->stats_fd >= 0)
		close(r->stats_fd);
	tapio_flow_table_free(r->t);
}

int tapio_run(const struct tapio_run_opts *o)
{
	struct tapio_flow_table_opts to = {
		.max_flows = o->max_flows,
		.memory_limit = o->memory_limit,
		.idle_timeout_ns = o->idle_timeout_ns,
		.active_timeout_ns = o->active_timeout_ns,
	};
	struct sigaction sa = {.sa_handler = on_signal};
	static struct run r; /* large; one per process */
	bool partial = false;
	char eb[TAPIO_ERRBUF];
	int err, running;

	memset(&r, 0, sizeof(r));
	r.o = o;
	r.cur = *o;
	r.srv.fd = -1;
	r.stats_fd = -1;
	r.rq.efd = -1;
	r.m.top_n = o->top_flows;
	err = tapio_check_privileges("run");
	if (err)
		return err;
	err = tapio_flow_table_new(&to, &r.t);
	if (err) {
		pr_err("cannot create the flow table (%u flows, %llu bytes): "
		       "%s",
		       o->max_flows, (unsigned long long)o->memory_limit,
		       tapio_strerror(err, eb, sizeof(eb)));
		return err;
	}
	/* Run-time statistics are the kernel's for every program on the
	 * host, not only ours: two clock reads per run of each (~50 ns in a
	 * VM, docs/benchmarks.md), so only when asked.  Enabled before
	 * attaching, so that the run counts cover every packet. */
	if (o->bpf_stats) {
		r.stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
		if (r.stats_fd < 0)
			pr_warn("no BPF_ENABLE_STATS (%s): program run time "
				"not reported",
				strerror(errno));
		r.m.bpf_stats = r.stats_fd >= 0;
	}
	/* a socket asked for and not served is a mistake to fix, not to
	 * run around: tapio flows would silently miss the table */
	if (o->socket_path) {
		err = requests_open(&r);
		if (!err)
			err = tapio_socket_serve(&r.srv, o->socket_path, r.t);
		if (err)
			goto out;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN); /* clients of the control socket hang up */
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	err = open_sinks(&r);
	if (err)
		goto out;
	tapio_info_fp = stderr; /* stdout carries the flow records */

	running = start_sources(&r, &partial);
	err = partial ? -ENODEV : 0;
	if (!running) {
		pr_err("run: no device could be attached, no probe or DPDK "
		       "port started");
		goto out;
	}
	collect(&r); /* what a run killed before us left in the maps */
	tapio_run_metrics_open(&r.m, r.src, r.nsrc);
	drop_privileges(&r);
	/* a metrics endpoint that cannot start is reported; collection
	 * goes on without it.  Started after the drop: its threads never
	 * hold a capability. */
	if (o->metrics_addr && tapio_prom_start(&r.prom, o->metrics_addr))
		pr_warn("collecting without /metrics");
	publish(&r, 1);
	/* from here on every packet and event is accounted: scripts, tests
	 * and systemd (Type=notify) wait for this, not for a pin to appear */
	pr_info("ready: %d devices, %d probes, %d dpdk ports", r.ifaces.running,
		r.probes.running, tapio_dpdk_source_running(r.dpdk));
	tapio_service_ready();
	service_status(&r);
	ticks(&r);
	loop(&r);
	stop(&r);
out:
	teardown(&r);
	return err;
}
