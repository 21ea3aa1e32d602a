// SPDX-License-Identifier: GPL-2.0
/* The DPDK source: ports with one RX queue per worker lcore (RSS),
 * busy-polling workers, port counters in the account and /metrics. */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "dpdk/dpdk_eal.h"
#include "dpdk/dpdk_rx.h"
#include "dpdk/dpdk_source.h"
#include "export/prom_text.h"
#include "lib/clock.h"
#include "lib/json.h"
#include "lib/log.h"

#define MAX_PORTS     16
#define MAX_QUEUES    64 /* per port */
#define MAX_WORKERS   64
#define RX_DESC	      1024
#define MBUF_CACHE    256
#define IDLE_PASSES   4096 /* empty polls before a worker naps, if asked */
#define DRAIN_PASSES  1024 /* at most, after stop, while rings still give */
#define SUMMARY_PORTS 8
#define MERGE_MAX_NS  100000000ULL /* 100 ms */

struct dpdk_port;

struct dpdk_queue {
	struct tapio_dpdk_counts cnt; /* first: its own cache lines */
	struct dpdk_port *port;
	uint16_t queue;
};

struct dpdk_port {
	char name[RTE_ETH_NAME_MAX_LEN];
	uint16_t id, nq;
	__u32 ifindex;
	int socket;
	bool started;
	struct rte_mempool *pool;
	struct dpdk_queue *q;  /* nq, on the port's NUMA node */
	_Atomic __u64 refused; /* packets of flows the table refused */
	/* refreshed on the run loop: the PMD's and the workers' counts */
	struct rte_eth_stats st;
	__u64 handled, non_ip, ovf, parse[TAPIO_DPDK_PARSE_REASONS];
	__u64 exported; /* packets of the port's ended flows */
	__u64 active;	/* flows in the table at the last scan */
};

/* Aligned: a worker writes its cache's fields on every new flow, and its
 * neighbour's must not share those lines (the source is allocated so). */
struct dpdk_worker {
	struct tapio_flow_cache cache;
	struct tapio_dpdk_source *src;
	unsigned int lcore, nq;
	bool launched;
	/* room for every queue of every port: one worker may have them all */
	struct dpdk_queue *q[MAX_PORTS * MAX_QUEUES];
} __attribute__((aligned(64)));

struct tapio_dpdk_source {
	struct dpdk_port port[MAX_PORTS];
	int nports, running;
	struct dpdk_worker w[MAX_WORKERS];
	unsigned int nworkers;
	struct tapio_flow_table *t;
	/* a worker's cache into the table at least this often */
	__u64 merge_ns;
	unsigned int nap_us; /* an idle worker's sleep per poll, 0: none */
	_Atomic int stop;
	bool stopped; /* workers joined, ports stopped: counts are final */
};

/* ---- ports ---- */

static int port_by_name(const char *name, uint16_t *id)
{
	char all[256] = "";
	size_t len = 0;
	uint16_t p;

	if (!rte_eth_dev_get_port_by_name(name, id))
		return 0;
	RTE_ETH_FOREACH_DEV(p)
	{
		char n[RTE_ETH_NAME_MAX_LEN];

		if (!rte_eth_dev_get_name_by_port(p, n) && len < sizeof(all))
			len += (size_t)snprintf(all + len, sizeof(all) - len,
						"%s%s", len ? ", " : "", n);
	}
	pr_err("dpdk: no port named %s (the EAL has %s)", name,
	       len ? all
		   : "none: add one with --dpdk-eal '--vdev=...' or a "
		     "PCI device bound to a DPDK driver");
	return -ENODEV;
}

static unsigned int pow2_minus1(unsigned int n)
{
	unsigned int p = 1;

	while (p - 1 < n)
		p <<= 1;
	return p - 1;
}

/* Configure, queue and start one port.  A pcap vdev has one queue per
 * rx_pcap file: all of them are read, whatever the worker count. */
static int setup_port(struct tapio_dpdk_source *s, struct dpdk_port *p)
{
	struct rte_eth_conf conf;
	struct rte_eth_dev_info di;
	uint16_t nb_rxd = RX_DESC, nb_txd = 0, q;
	char pool[RTE_MEMPOOL_NAMESIZE];
	unsigned int n;
	int err;

	memset(&conf, 0, sizeof(conf));
	err = rte_eth_dev_info_get(p->id, &di);
	if (err) {
		pr_err("dpdk: %s: cannot get device info: %s", p->name,
		       rte_strerror(-err));
		return err;
	}
	p->nq = di.max_rx_queues;
	if (strcmp(di.driver_name, "net_pcap") && p->nq > s->nworkers)
		p->nq = (uint16_t)s->nworkers;
	if (p->nq > MAX_QUEUES)
		p->nq = MAX_QUEUES;
	if (!p->nq) {
		pr_err("dpdk: %s (%s) has no receive queue", p->name,
		       di.driver_name);
		return -EINVAL;
	}
	if (p->nq > 1 && di.flow_type_rss_offloads) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf =
			(RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP) &
			di.flow_type_rss_offloads;
	}
	/* receive only; a PMD that wants a transmit queue gets one */
	err = rte_eth_dev_configure(p->id, p->nq, 0, &conf);
	if (err) {
		nb_txd = 512;
		err = rte_eth_dev_configure(p->id, p->nq, 1, &conf);
	}
	if (err) {
		pr_err("dpdk: %s: cannot configure %u receive queues: %s",
		       p->name, p->nq, rte_strerror(-err));
		return err;
	}
	rte_eth_dev_adjust_nb_rx_tx_desc(p->id, &nb_rxd,
					 nb_txd ? &nb_txd : NULL);
	p->socket = rte_eth_dev_socket_id(p->id);
	if (p->socket < 0)
		p->socket = (int)rte_socket_id();
	/* every descriptor filled, every worker's cache and a burst each */
	n = pow2_minus1(p->nq * nb_rxd +
			s->nworkers * (MBUF_CACHE + TAPIO_DPDK_BURST) + 1024);
	snprintf(pool, sizeof(pool), "tapio_port%u", p->id);
	p->pool = rte_pktmbuf_pool_create(pool, n, MBUF_CACHE, 0,
					  RTE_MBUF_DEFAULT_BUF_SIZE, p->socket);
	if (!p->pool) {
		pr_err("dpdk: %s: no memory for %u mbufs on socket %d: %s "
		       "(EAL -m or hugepages)",
		       p->name, n, p->socket, rte_strerror(rte_errno));
		return -ENOMEM;
	}
	p->q = rte_zmalloc_socket("tapio_queues", sizeof(*p->q) * p->nq,
				  RTE_CACHE_LINE_SIZE, p->socket);
	if (!p->q)
		return -ENOMEM;
	for (q = 0; q < p->nq; q++) {
		p->q[q].port = p;
		p->q[q].queue = q;
		err = rte_eth_rx_queue_setup(p->id, q, nb_rxd,
					     (unsigned int)p->socket, NULL,
					     p->pool);
		if (err) {
			pr_err("dpdk: %s: cannot set up receive queue %u: %s",
			       p->name, q, rte_strerror(-err));
			return err;
		}
	}
	if (nb_txd) {
		err = rte_eth_tx_queue_setup(p->id, 0, nb_txd,
					     (unsigned int)p->socket, NULL);
		if (err) {
			pr_err("dpdk: %s: cannot set up its transmit queue: %s",
			       p->name, rte_strerror(-err));
			return err;
		}
	}
	err = rte_eth_dev_start(p->id);
	if (err) {
		pr_err("dpdk: %s: cannot start: %s", p->name,
		       rte_strerror(-err));
		return err;
	}
	p->started = true;
	/* a mirror or TAP port carries frames for other hosts */
	rte_eth_promiscuous_enable(p->id);
	/* the account starts here */
	rte_eth_stats_reset(p->id);
	return 0;
}

static int pick_ports(struct tapio_dpdk_source *s, const char *spec)
{
	char *copy, *save, *name;
	uint16_t id;
	int err = 0;

	if (!strcmp(spec, "all")) {
		RTE_ETH_FOREACH_DEV(id)
		{
			if (s->nports == MAX_PORTS)
				break;
			s->port[s->nports++].id = id;
		}
		if (!s->nports) {
			pr_err("dpdk: the EAL found no port: add one with "
			       "--dpdk-eal '--vdev=...' or bind a NIC to a "
			       "DPDK driver");
			return -ENODEV;
		}
	} else {
		copy = strdup(spec);
		if (!copy)
			return -ENOMEM;
		for (name = strtok_r(copy, ",", &save); name && !err;
		     name = strtok_r(NULL, ",", &save)) {
			if (s->nports == MAX_PORTS) {
				pr_err("dpdk: at most %d ports", MAX_PORTS);
				err = -E2BIG;
			} else if (!(err = port_by_name(name, &id))) {
				s->port[s->nports++].id = id;
			}
		}
		free(copy);
		if (err)
			return err;
	}
	for (int i = 0; i < s->nports; i++) {
		struct dpdk_port *p = &s->port[i];

		rte_eth_dev_get_name_by_port(p->id, p->name);
		p->ifindex = tapio_dpdk_ifindex(p->name);
		for (int j = 0; j < i; j++) {
			if (s->port[j].id == p->id) {
				pr_err("dpdk: port %s is named twice", p->name);
				return -EINVAL;
			}
			if (s->port[j].ifindex == p->ifindex) {
				pr_err("dpdk: ports %s and %s would share "
				       "ifindex "
				       "%u: run them in two tapio",
				       s->port[j].name, p->name, p->ifindex);
				return -EINVAL;
			}
		}
	}
	return 0;
}

/* Queue q of every port goes to worker q modulo the workers. */
static void assign_queues(struct tapio_dpdk_source *s)
{
	int i;
	uint16_t q;

	for (i = 0; i < s->nports; i++)
		for (q = 0; q < s->port[i].nq; q++) {
			struct dpdk_worker *w = &s->w[q % s->nworkers];

			w->q[w->nq++] = &s->port[i].q[q];
		}
}

int tapio_dpdk_source_new(const struct tapio_run_opts *o,
			  struct tapio_dpdk_source **out)
{
	struct tapio_dpdk_source *s;
	unsigned int lcore;
	int err, i;

	err = tapio_dpdk_eal_init(o->dpdk_eal);
	if (err)
		return err;
	s = aligned_alloc(64, sizeof(*s));
	if (!s)
		return -ENOMEM;
	memset(s, 0, sizeof(*s));
	s->nap_us = o->dpdk_nap_us;
	/* flows reach the table (expiry, tapio flows) at most this late */
	s->merge_ns = o->interval_ns / 4;
	if (s->merge_ns > MERGE_MAX_NS)
		s->merge_ns = MERGE_MAX_NS;
	RTE_LCORE_FOREACH_WORKER(lcore)
	{
		if (s->nworkers == MAX_WORKERS ||
		    (o->workers && s->nworkers == o->workers))
			break;
		s->w[s->nworkers].src = s;
		s->w[s->nworkers++].lcore = lcore;
	}
	if (!s->nworkers) {
		pr_err("dpdk: the EAL has no worker lcore to poll with: give "
		       "it two or more (--dpdk-eal '-l 0-1 ...')");
		err = -EINVAL;
		goto fail;
	}
	err = pick_ports(s, o->dpdk_ports);
	for (i = 0; !err && i < s->nports; i++)
		err = setup_port(s, &s->port[i]);
	if (err)
		goto fail;
	assign_queues(s);
	*out = s;
	return 0;
fail:
	tapio_dpdk_source_ops.close(s);
	return err;
}

int tapio_dpdk_source_running(const struct tapio_dpdk_source *s)
{
	return s ? s->running : 0;
}

/* ---- the workers ---- */

static struct dpdk_port *port_of(struct tapio_dpdk_source *s, __u32 ifindex);

/* A flow the table refused at its bound: its packets are the port's
 * table overflow (any worker may hold flows of any port). */
static void refused(const struct tapio_flow_key *key,
		    const struct tapio_flow_value *v, void *ctx)
{
	struct dpdk_port *p = port_of(ctx, key->ifindex);

	if (p)
		atomic_fetch_add_explicit(&p->refused, v->packets,
					  memory_order_relaxed);
}

/* Busy-polls its queues, as DPDK is meant to run.  With --dpdk-nap-us it
 * sleeps that long per poll once they have been empty for 4096 passes, so
 * that an idle port does not hold a CPU at 100%: a nap longer than the ring
 * takes to fill loses a burst's frames (imissed on a NIC; af_packet does
 * not even count them).  After stop, goes on until its queues are empty
 * (bounded). */
static int worker_main(void *arg)
{
	struct dpdk_worker *w = arg;
	struct tapio_dpdk_source *s = w->src;
	struct rte_mbuf *m[TAPIO_DPDK_BURST];
	struct tapio_dpdk_frame f[TAPIO_DPDK_BURST];
	unsigned int idle = 0, drain = 0, i;
	__u64 now;

	for (;;) {
		int stopping =
			atomic_load_explicit(&s->stop, memory_order_acquire);
		unsigned int got = 0;

		for (i = 0; i < w->nq; i++) {
			struct dpdk_queue *q = w->q[i];
			uint16_t n = rte_eth_rx_burst(q->port->id, q->queue, m,
						      TAPIO_DPDK_BURST),
				 k;

			if (!n)
				continue;
			for (k = 0; k < n; k++) {
				f[k].data = rte_pktmbuf_mtod(m[k], void *);
				f[k].data_len = rte_pktmbuf_data_len(m[k]);
				f[k].pkt_len = rte_pktmbuf_pkt_len(m[k]);
				f[k].vlan_tci = m[k]->vlan_tci;
				f[k].vlan_stripped =
					!!(m[k]->ol_flags &
					   RTE_MBUF_F_RX_VLAN_STRIPPED);
			}
			now = tapio_mono_coarse_ns();
			tapio_dpdk_rx_frames(&w->cache, q->port->ifindex, f, n,
					     now, &q->cnt);
			rte_pktmbuf_free_bulk(m, n);
			got += n;
		}
		if (!got)
			now = tapio_mono_coarse_ns();
		if (w->cache.nused && now - w->cache.merged_ns >= s->merge_ns)
			tapio_flow_cache_merge(&w->cache, now);
		if (stopping && (!got || ++drain > DRAIN_PASSES))
			break;
		if (got)
			idle = 0;
		else if (s->nap_us && ++idle > IDLE_PASSES)
			usleep(s->nap_us);
	}
	tapio_flow_cache_merge(&w->cache, tapio_mono_coarse_ns());
	return 0;
}

/* The CPU an lcore runs on (the first of its set: --lcores maps several
 * lcores onto one CPU, which rte_lcore_to_cpu_id does not say). */
static int first_cpu(unsigned int lcore)
{
	rte_cpuset_t set = rte_lcore_cpuset(lcore);
	int c;

	for (c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &set))
			return c;
	return -1;
}

static int dpdk_start(void *priv, struct tapio_flow_table *t)
{
	struct tapio_dpdk_source *s = priv;
	unsigned int i, j;
	int err;

	s->t = t;
	for (i = 0; i < s->nworkers; i++) {
		struct dpdk_worker *w = &s->w[i];
		char what[256];
		size_t len = 0;

		err = tapio_flow_cache_init(&w->cache, TAPIO_DPDK_CACHE_BITS, t,
					    refused, s);
		if (err) {
			pr_err("dpdk: no memory for the flow cache of lcore %u",
			       w->lcore);
			return err;
		}
		w->cache.merged_ns = tapio_mono_coarse_ns();

		err = rte_eal_remote_launch(worker_main, w, w->lcore);
		if (err) {
			pr_err("dpdk: cannot launch the worker on lcore %u: %s",
			       w->lcore, rte_strerror(-err));
			return err;
		}
		w->launched = true;
		for (j = 0; j < w->nq && len < sizeof(what); j++)
			len += (size_t)snprintf(what + len, sizeof(what) - len,
						"%s%s queue %u", j ? ", " : "",
						w->q[j]->port->name,
						w->q[j]->queue);
		pr_info("dpdk worker on lcore %u (CPU %d, socket %u): %s",
			w->lcore, first_cpu(w->lcore),
			rte_lcore_to_socket_id(w->lcore),
			w->nq ? what : "idle");
	}
	for (i = 0; i < (unsigned int)s->nports; i++) {
		struct dpdk_port *p = &s->port[i];

		pr_info("dpdk %s: %u receive queue%s, %u mbufs on socket %d",
			p->name, p->nq, p->nq == 1 ? "" : "s",
			rte_mempool_avail_count(p->pool) +
				rte_mempool_in_use_count(p->pool),
			p->socket);
	}
	s->running = s->nports;
	return 0;
}

/* Workers empty their queues and return; then the ports stop, so that
 * their counters are final for the account. */
static void dpdk_quiesce(void *priv)
{
	struct tapio_dpdk_source *s = priv;
	unsigned int i;
	int p;

	atomic_store_explicit(&s->stop, 1, memory_order_release);
	for (i = 0; i < s->nworkers; i++)
		if (s->w[i].launched) {
			rte_eal_wait_lcore(s->w[i].lcore);
			s->w[i].launched = false;
		}
	for (p = 0; p < s->nports; p++)
		if (s->port[p].started) {
			rte_eth_stats_get(s->port[p].id, &s->port[p].st);
			rte_eth_dev_stop(s->port[p].id);
			s->port[p].started = false;
		}
	s->stopped = true;
}

static void dpdk_close(void *priv)
{
	struct tapio_dpdk_source *s = priv;
	int p;

	if (!s)
		return;
	if (!s->stopped)
		dpdk_quiesce(s);
	for (p = 0; p < (int)s->nworkers; p++)
		tapio_flow_cache_free(&s->w[p].cache);
	for (p = 0; p < s->nports; p++) {
		rte_eth_dev_close(s->port[p].id);
		rte_free(s->port[p].q);
		rte_mempool_free(s->port[p].pool);
	}
	rte_eal_cleanup();
	free(s);
}

/* ---- the account and the metrics ---- */

static struct dpdk_port *port_of(struct tapio_dpdk_source *s, __u32 ifindex)
{
	int i;

	for (i = 0; ifindex >= TAPIO_DPDK_IFINDEX_BASE && i < s->nports; i++)
		if (s->port[i].ifindex == ifindex)
			return &s->port[i];
	return NULL;
}

static void dpdk_flow(void *priv, const struct tapio_flow_rec *rec, int why)
{
	struct dpdk_port *p = port_of(priv, rec->key.ifindex);

	if (!p)
		return;
	if (why)
		p->exported += rec->val.packets;
	else
		p->active++;
}

static const char *dpdk_ifname(void *priv, unsigned int ifindex)
{
	struct dpdk_port *p = port_of(priv, ifindex);

	return p ? p->name : NULL;
}

static void dpdk_refresh(void *priv)
{
	struct tapio_dpdk_source *s = priv;
	int i, r;
	uint16_t q;

	for (i = 0; i < s->nports; i++) {
		struct dpdk_port *p = &s->port[i];

		/* a stopped port's last counters were read at quiesce */
		if (p->started)
			rte_eth_stats_get(p->id, &p->st);
		p->handled = p->non_ip = p->ovf = 0;
		memset(p->parse, 0, sizeof(p->parse));
		for (q = 0; q < p->nq; q++) {
			struct tapio_dpdk_counts *c = &p->q[q].cnt;

			/* the total first (acquire): its parts are in */
			p->handled += atomic_load_explicit(
				&c->packets, memory_order_acquire);
			p->non_ip += tapio_own_read(&c->non_ip);
			for (r = 0; r < TAPIO_DPDK_PARSE_REASONS; r++)
				p->parse[r] += tapio_own_read(&c->parse[r]);
		}
		p->ovf = tapio_own_read(&p->refused);
		p->active = 0;
	}
}

static __u64 parse_errors(const struct dpdk_port *p)
{
	__u64 n = 0;
	int r;

	for (r = 0; r < TAPIO_DPDK_PARSE_REASONS; r++)
		n += p->parse[r];
	return n;
}

/* name{port="P"} v for every port */
#define PORT_OFF(m) offsetof(struct dpdk_port, m)

/* The families of one counter per port: name, help, where in the port. */
static const struct {
	const char *name, *help;
	size_t off;
} port_families[] = {
	{"tapio_dpdk_port_received_packets_total",
	 "Frames the port's PMD received (ipackets).", PORT_OFF(st.ipackets)},
	{"tapio_dpdk_port_received_bytes_total",
	 "Bytes of those frames as the PMD counts them (ibytes).",
	 PORT_OFF(st.ibytes)},
	{"tapio_dpdk_port_missed_packets_total",
	 "Frames the NIC dropped for want of a free descriptor (imissed): the "
	 "workers did not keep up.",
	 PORT_OFF(st.imissed)},
	{"tapio_dpdk_port_errors_total",
	 "Erroneous frames the NIC dropped (ierrors).", PORT_OFF(st.ierrors)},
	{"tapio_dpdk_port_no_mbuf_total",
	 "Receive mbuf allocation failures (rx_nombuf).",
	 PORT_OFF(st.rx_nombuf)},
	{"tapio_dpdk_non_ip_packets_total",
	 "Frames that are not IP: nothing to key a flow by.", PORT_OFF(non_ip)},
	{"tapio_dpdk_table_overflow_packets_total",
	 "Frames of new flows the aggregation table had no room for.",
	 PORT_OFF(ovf)},
};

static void dpdk_metrics(void *priv, FILE *f)
{
	static const char *const names[] = TAPIO_COUNTER_NAMES;
	struct tapio_dpdk_source *s = priv;
	char qs[8];
	size_t fam;
	int i, r;
	uint16_t q;

	for (fam = 0; fam < sizeof(port_families) / sizeof(port_families[0]);
	     fam++) {
		tapio_prom_family(f, port_families[fam].name, "counter",
				  port_families[fam].help);
		for (i = 0; i < s->nports; i++)
			tapio_prom_sample(
				f, port_families[fam].name,
				TAPIO_LABELS({"port", s->port[i].name}),
				*(const __u64 *)((const char *)&s->port[i] +
						 port_families[fam].off));
	}
	tapio_prom_family(f, "tapio_dpdk_parse_errors_total", "counter",
			  "Malformed frames, counted by reason.");
	for (i = 0; i < s->nports; i++)
		for (r = 0; r < TAPIO_DPDK_PARSE_REASONS; r++)
			tapio_prom_sample(
				f, "tapio_dpdk_parse_errors_total",
				TAPIO_LABELS(
					{"port", s->port[i].name},
					{"reason",
					 names[TAPIO_CNT_PARSE_FIRST + r]}),
				s->port[i].parse[r]);
	tapio_prom_family(f, "tapio_dpdk_queue_packets_total", "counter",
			  "Frames the workers took from each receive queue.");
	for (i = 0; i < s->nports; i++)
		for (q = 0; q < s->port[i].nq; q++) {
			snprintf(qs, sizeof(qs), "%u", q);
			tapio_prom_sample(
				f, "tapio_dpdk_queue_packets_total",
				TAPIO_LABELS({"port", s->port[i].name},
					     {"queue", qs}),
				tapio_own_read(&s->port[i].q[q].cnt.packets));
		}
	tapio_prom_family(f, "tapio_dpdk_flows_active", "gauge",
			  "Flows of the port in the aggregation table.");
	for (i = 0; i < s->nports; i++)
		tapio_prom_sample(f, "tapio_dpdk_flows_active",
				  TAPIO_LABELS({"port", s->port[i].name}),
				  s->port[i].active);
	tapio_prom_scalar(f, "tapio_dpdk_workers", "gauge",
			  "Worker lcores polling the ports.", s->nworkers);
}

static void dpdk_processed(void *priv, FILE *f)
{
	struct tapio_dpdk_source *s = priv;
	__u64 n = 0;
	int i;

	for (i = 0; i < s->nports; i++)
		n += s->port[i].handled;
	tapio_prom_sample(f, "tapio_events_processed_total",
			  TAPIO_LABELS({"source", "dpdk"}), n);
}

static void dpdk_dropped(void *priv, FILE *f)
{
	struct tapio_dpdk_source *s = priv;
	__u64 v[4] = {0};
	static const char *const why[4] = {"port_missed", "port_errors",
					   "no_mbuf", "table_full"};
	int i;

	for (i = 0; i < s->nports; i++) {
		v[0] += s->port[i].st.imissed;
		v[1] += s->port[i].st.ierrors;
		v[2] += s->port[i].st.rx_nombuf;
		v[3] += s->port[i].ovf;
	}
	for (i = 0; i < 4; i++)
		tapio_prom_sample(
			f, "tapio_events_dropped_total",
			TAPIO_LABELS({"source", "dpdk"}, {"reason", why[i]}),
			v[i]);
}

static void dpdk_health(void *priv, FILE *h, int *healthy)
{
	struct tapio_dpdk_source *s = priv;
	int i;

	for (i = 0; i < s->nports; i++) {
		if (s->port[i].started || s->stopped)
			continue;
		fprintf(h, "%s%s: not running", *healthy ? "failing: " : ", ",
			s->port[i].name);
		*healthy = 0;
	}
}

/* Per port: received (the PMD's ipackets) = exported + non-IP + parse
 * errors + table overflow; frames the NIC dropped before the rings
 * (imissed, ierrors, rx_nombuf) are named, not in received. */
static bool dpdk_summary(void *priv, struct tapio_json *j)
{
	struct tapio_dpdk_source *s = priv;
	bool exact = s->stopped;
	int i;

	dpdk_refresh(s);
	tapio_json_array(j, "dpdk");
	for (i = 0; i < s->nports; i++) {
		const struct dpdk_port *p = &s->port[i];
		__s64 left = (__s64)p->st.ipackets - (__s64)p->exported -
			     (__s64)p->non_ip - (__s64)parse_errors(p) -
			     (__s64)p->ovf;

		exact = exact && !left;
		if (i >= SUMMARY_PORTS)
			continue;
		tapio_json_object(j, NULL);
		tapio_json_str(j, "port", p->name);
		tapio_json_u64(j, "queues", p->nq);
		tapio_json_u64(j, "received_packets", p->st.ipackets);
		tapio_json_u64(j, "polled_packets", p->handled);
		tapio_json_u64(j, "exported_packets", p->exported);
		tapio_json_u64(j, "non_ip_packets", p->non_ip);
		tapio_json_u64(j, "parse_error_packets", parse_errors(p));
		tapio_json_u64(j, "table_overflow_packets", p->ovf);
		tapio_json_u64(j, "missed_packets", p->st.imissed);
		tapio_json_u64(j, "error_packets", p->st.ierrors);
		tapio_json_u64(j, "no_mbuf", p->st.rx_nombuf);
		tapio_json_s64(j, "unaccounted_packets", left);
		tapio_json_object_end(j);
	}
	tapio_json_array_end(j);
	return exact;
}

const struct tapio_source_ops tapio_dpdk_source_ops = {
	.name = "dpdk",
	.start = dpdk_start,
	.quiesce = dpdk_quiesce,
	.close = dpdk_close,
	.flow = dpdk_flow,
	.ifname = dpdk_ifname,
	.refresh = dpdk_refresh,
	.metrics = dpdk_metrics,
	.processed = dpdk_processed,
	.dropped = dpdk_dropped,
	.health = dpdk_health,
	.summary = dpdk_summary,
};
