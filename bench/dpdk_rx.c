// SPDX-License-Identifier: GPL-2.0
/* bench/dpdk_rx: ns per frame of the DPDK source's work (rx_burst, parse,
 * flow cache, mbuf back to the ring) on a ring PMD, 1 and 10k flows, next
 * to the same frames added to the shared table one by one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "frame_build.h"
#include "dpdk/dpdk_rx.h"

#define RING_SIZE 8192
#define FRAMES	  1024 /* in flight on the ring: a NIC ring of descriptors */
#define ROUNDS	  3

enum mode { RING_ONLY, SOURCE, TABLE };

/* bench/dpdk_rx_ref.c: parse + tapio_flow_table_add per frame */
void bench_table_frames(struct tapio_flow_table *t,
			const struct tapio_dpdk_frame *f, unsigned int n,
			__u64 now);

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	fprintf(stderr, "dpdk_rx: %s: %s\n", what, rte_strerror(rte_errno));
	exit(1);
}

/* FRAMES 64-byte UDP frames over @flows flows, enqueued on @r */
static void fill(struct rte_mempool *mp, struct rte_ring *r, unsigned int flows)
{
	struct fb_spec s = {.ipver = 4,
			    .proto = 17,
			    .src = "10.8.0.1",
			    .dst = "10.8.0.2",
			    .dport = 53,
			    .payload = 64 - 42};
	unsigned int i;

	for (i = 0; i < FRAMES; i++) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
		size_t len;

		if (!m)
			die("mbuf");
		s.sport = (uint16_t)(1024 + i % flows);
		s.src = (i / 60000) % 2 ? "10.8.1.1" : "10.8.0.1";
		len = fb_build(&s, rte_pktmbuf_mtod(m, uint8_t *), 128, NULL);
		m->data_len = m->pkt_len = (uint32_t)len;
		if (rte_ring_enqueue(r, m))
			die("enqueue");
	}
}

/* ns per frame: rx_burst from the ring PMD, the source's work, and the
 * mbufs back onto the ring instead of freed (the PMD's rx is a dequeue) */
static double run(uint16_t port, struct rte_ring *r, struct tapio_flow_cache *t,
		  unsigned int flows, unsigned long long frames, enum mode mode)
{
	unsigned int seq = 0;
	struct tapio_dpdk_counts *c = aligned_alloc(64, sizeof(*c));
	struct rte_mbuf *m[TAPIO_DPDK_BURST];
	struct tapio_dpdk_frame f[TAPIO_DPDK_BURST];
	unsigned long long done = 0;
	double t0;

	memset(c, 0, sizeof(*c));
	t0 = now_s();
	while (done < frames) {
		uint16_t n = rte_eth_rx_burst(port, 0, m, TAPIO_DPDK_BURST), k;

		for (k = 0; k < n; k++) {
			f[k].data = rte_pktmbuf_mtod(m[k], void *);
			f[k].data_len = rte_pktmbuf_data_len(m[k]);
			f[k].pkt_len = rte_pktmbuf_pkt_len(m[k]);
			f[k].vlan_tci = 0;
			f[k].vlan_stripped = 0;
		}
		if (mode != RING_ONLY) {
			if (mode == SOURCE)
				tapio_dpdk_rx_frames(t, 1, f, n, 1, c);
			else
				bench_table_frames(t->t, f, n, 1);
			/* the next source port of the flows, so that the
			 * ring's frames go through all of them */
			for (k = 0; k < n; k++) {
				uint8_t *sp = (uint8_t *)f[k].data + 34;

				seq = seq + 1 == flows ? 0 : seq + 1;
				sp[0] = (uint8_t)((1024 + seq) >> 8);
				sp[1] = (uint8_t)(1024 + seq);
			}
		}
		rte_ring_enqueue_burst(r, (void **)m, n, NULL);
		done += n;
	}
	if (mode == SOURCE)
		tapio_flow_cache_merge(t, 2);
	t0 = (now_s() - t0) * 1e9 / (double)done;
	free(c);
	return t0;
}

int main(int argc, char **argv)
{
	char *eal[] = {argv[0],
		       "--no-huge",
		       "--no-pci",
		       "-m",
		       "256",
		       "-l",
		       "0",
		       "--no-shconf",
		       "--no-telemetry",
		       "--log-level=warning",
		       NULL};
	static const unsigned int flows[] = {1, 10000};
	struct tapio_flow_table_opts to = {.max_flows = 1 << 20,
					   .idle_timeout_ns = ~0ULL >> 1,
					   .active_timeout_ns = ~0ULL >> 1};
	unsigned long long frames =
		argc > 1 ? strtoull(argv[1], NULL, 0) : 20000000ULL;
	struct rte_mempool *mp;
	unsigned int i, k;

	if (rte_eal_init(sizeof(eal) / sizeof(eal[0]) - 1, eal) < 0)
		die("EAL");
	mp = rte_pktmbuf_pool_create("bench", FRAMES * 4 - 1, 256, 0,
				     RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	if (!mp)
		die("mempool");
	for (i = 0; i < 2; i++) {
		struct tapio_flow_table *t;
		struct tapio_flow_cache cache;
		struct rte_ring *r;
		double best = 1e9, bare = 1e9, direct = 1e9, v;
		struct rte_eth_conf conf;
		char name[32];
		int port;

		snprintf(name, sizeof(name), "bench_ring%u", i);
		r = rte_ring_create(name, RING_SIZE, 0,
				    RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (!r)
			die("ring");
		port = rte_eth_from_ring(r);
		memset(&conf, 0, sizeof(conf));
		if (port < 0 ||
		    rte_eth_dev_configure((uint16_t)port, 1, 1, &conf) ||
		    rte_eth_rx_queue_setup((uint16_t)port, 0, 1024, 0, NULL,
					   mp) ||
		    rte_eth_tx_queue_setup((uint16_t)port, 0, 1024, 0, NULL) ||
		    rte_eth_dev_start((uint16_t)port))
			die("ring port");
		fill(mp, r, flows[i]);
		if (tapio_flow_table_new(&to, &t) ||
		    tapio_flow_cache_init(&cache, TAPIO_DPDK_CACHE_BITS, t,
					  NULL, NULL))
			die("table");
		/* warm: every flow in the table and the cache */
		run((uint16_t)port, r, &cache, flows[i], frames / 10, SOURCE);
		run((uint16_t)port, r, &cache, flows[i], frames / 10, TABLE);
		for (k = 0; k < ROUNDS; k++) {
			v = run((uint16_t)port, r, &cache, flows[i], frames,
				SOURCE);
			best = v < best ? v : best;
			v = run((uint16_t)port, r, &cache, flows[i], frames,
				TABLE);
			direct = v < direct ? v : direct;
			v = run((uint16_t)port, r, &cache, flows[i], frames,
				RING_ONLY);
			bare = v < bare ? v : bare;
		}
		printf("bench: dpdk_rx_%u_flows %.1f ns/frame\n", flows[i],
		       best);
		printf("bench: dpdk_rx_%u_flows_mpps %.2f Mpps/core\n",
		       flows[i], 1e3 / best);
		printf("bench: dpdk_rx_%u_flows_ring_only %.1f ns/frame\n",
		       flows[i], bare);
		printf("bench: dpdk_rx_%u_flows_table_way %.1f ns/frame\n",
		       flows[i], direct);
		printf("bench: dpdk_rx_vs_table_way_%u_flows %.2f ratio\n",
		       flows[i], best / direct);
		tapio_flow_cache_free(&cache);
		tapio_flow_table_free(t);
	}
	rte_eal_cleanup();
	return 0;
}
