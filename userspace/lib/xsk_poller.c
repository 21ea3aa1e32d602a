// SPDX-License-Identifier: GPL-2.0
/* Per-queue AF_XDP receive: libxdp's xsk_* API, zero-copy when the driver
 * has it, copy mode otherwise; batches, need_wakeup, a full fill ring. */
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <linux/if_xdp.h>
#include <bpf/bpf.h>

#include "flow_parse.h"
#include "lib/clock.h"
#include "lib/dev_lock.h"
#include "lib/loader.h"
#include "lib/log.h"
#include "lib/own_counter.h"
#include "lib/xsk_poller.h"

#define FRAME_SIZE XSK_UMEM__DEFAULT_FRAME_SIZE
#define BATCH	   64
/* a poller's flow cache: 16384 slots (1.4 MiB a queue), merged into the
 * table at half full and at least every 50 ms, the poll timeout */
#define CACHE_BITS 14
#define MERGE_NS   50000000ULL

#ifndef SOL_XDP
#define SOL_XDP 283
#endif

static unsigned int count_rx_queues(const char *dev)
{
	char path[128];
	struct dirent *e;
	unsigned int n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/sys/class/net/%s/queues", dev);
	d = opendir(path);
	if (!d)
		return 1;
	while ((e = readdir(d)))
		n += !strncmp(e->d_name, "rx-", 3);
	closedir(d);
	return n ? n : 1;
}

int tapio_xsk_queue_cpu(const char *proc_root, const char *dev,
			unsigned int queue, const char **reason)
{
	static char why[64];
	char path[256], line[512];
	unsigned int seen = 0, irq = 0;
	size_t dl = strlen(dev);
	cpu_set_t allowed;
	int cpu = -1, n, i;
	FILE *f;

	/* the queue-th interrupt named after the device (eth0-TxRx-3 ...) */
	snprintf(path, sizeof(path), "%s/interrupts", proc_root);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f)) {
		char *name = strrchr(line, ' ');

		if (!name || sscanf(line, " %u:", &irq) != 1)
			continue;
		name++;
		name[strcspn(name, "\n")] = '\0';
		if (strncmp(name, dev, dl) ||
		    (name[dl] && name[dl] != '-' && name[dl] != '_'))
			continue;
		if (seen++ == queue) {
			snprintf(path, sizeof(path),
				 "%s/irq/%u/smp_affinity_list", proc_root, irq);
			FILE *a = fopen(path, "r");

			if (a && fscanf(a, "%d", &cpu) == 1) {
				snprintf(why, sizeof(why), "irq %u", irq);
				*reason = why;
			}
			if (a)
				fclose(a);
			break;
		}
	}
	if (f)
		fclose(f);
	if (cpu >= 0)
		return cpu;
	/* no IRQs (veth): spread pollers over the CPUs we may use */
	*reason = "no queue IRQ: spread over allowed CPUs";
	if (sched_getaffinity(0, sizeof(allowed), &allowed))
		return 0;
	n = CPU_COUNT(&allowed);
	for (i = 0; i < CPU_SETSIZE && n > 0; i++) {
		if (!CPU_ISSET(i, &allowed))
			continue;
		if (queue % (unsigned int)n == 0)
			return i;
		queue--;
		n--;
	}
	return 0;
}

static int open_queue(struct tapio_xsk_set *s, struct tapio_xsk_queue *q)
{
	struct xsk_socket_config cfg = {
		.rx_size = s->frames,
		.tx_size = 0,
		.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD,
	};
	struct xsk_umem_config ucfg = {
		.fill_size = s->frames,
		.comp_size = XSK_RING_CONS__DEFAULT_NUM_DESCS,
		.frame_size = FRAME_SIZE,
		.frame_headroom = 0,
	};
	char eb[TAPIO_ERRBUF];
	__u32 idx, i;
	int err, fd;

	q->area = MAP_FAILED;
	if (s->hugepages) {
		q->area =
			mmap(NULL, (size_t)s->frames * FRAME_SIZE,
			     PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
		q->huge = q->area != MAP_FAILED;
		if (!q->huge)
			pr_warn("no hugepages for the UMEM of %s queue %u "
				"(vm.nr_hugepages?): using 4 KiB pages",
				s->dev, q->queue);
	}
	if (q->area == MAP_FAILED)
		q->area = mmap(NULL, (size_t)s->frames * FRAME_SIZE,
			       PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (q->area == MAP_FAILED) {
		q->area = NULL;
		return -ENOMEM;
	}
	err = xsk_umem__create(&q->umem, q->area, (__u64)s->frames * FRAME_SIZE,
			       &q->fq, &q->cq, &ucfg);
	if (err) {
		pr_err("cannot create UMEM for %s queue %u: %s", s->dev,
		       q->queue, tapio_strerror(err, eb, sizeof(eb)));
		return err;
	}
	/* zero-copy where the driver has it, copy mode otherwise */
	cfg.bind_flags = XDP_ZEROCOPY | XDP_USE_NEED_WAKEUP;
	err = xsk_socket__create(&q->xsk, s->dev, q->queue, q->umem, &q->rx,
				 NULL, &cfg);
	q->zerocopy = !err;
	if (err) {
		cfg.bind_flags = XDP_COPY | XDP_USE_NEED_WAKEUP;
		err = xsk_socket__create(&q->xsk, s->dev, q->queue, q->umem,
					 &q->rx, NULL, &cfg);
	}
	if (err) {
		pr_err("cannot create AF_XDP socket on %s queue %u: %s", s->dev,
		       q->queue, tapio_strerror(err, eb, sizeof(eb)));
		return err;
	}
	/* the whole UMEM goes to the fill ring */
	if (xsk_ring_prod__reserve(&q->fq, s->frames, &idx) != s->frames)
		return -ENOSPC;
	for (i = 0; i < s->frames; i++)
		*xsk_ring_prod__fill_addr(&q->fq, idx + i) =
			(__u64)i * FRAME_SIZE;
	xsk_ring_prod__submit(&q->fq, s->frames);
	fd = xsk_socket__fd(q->xsk);
	if (bpf_map_update_elem(s->xsks_fd, &q->queue, &fd, 0)) {
		err = -errno;
		pr_err("cannot register the socket of %s queue %u in "
		       "tapio_xsks: %s",
		       s->dev, q->queue, tapio_strerror(err, eb, sizeof(eb)));
		return err;
	}
	return 0;
}

int tapio_xsk_open(struct tapio_xsk_set *s, const char *dev, int xsks_fd,
		   struct tapio_flow_table *t, bool hugepages, __u32 frames)
{
	unsigned int i;
	int err;

	memset(s, 0, sizeof(*s));
	s->hugepages = hugepages;
	s->raw_ip = tapio_link_raw_ip(dev) == 1;
	s->frames = frames ? frames : TAPIO_XSK_FRAMES_DEFAULT;
	s->dev = dev;
	s->ifindex = if_nametoindex(dev);
	s->xsks_fd = xsks_fd;
	s->table = t;
	s->nqueues = count_rx_queues(dev);
	if (s->nqueues > TAPIO_XSK_MAX_QUEUES)
		s->nqueues = TAPIO_XSK_MAX_QUEUES;
	for (i = 0; i < s->nqueues; i++) {
		struct tapio_xsk_queue *q = &s->q[i];

		q->set = s;
		q->queue = i;
		err = open_queue(s, q);
		if (err) {
			tapio_xsk_close(s);
			return err;
		}
		q->cpu = tapio_xsk_queue_cpu("/proc", dev, i, &q->cpu_reason);
	}
	return 0;
}

__u64 tapio_xsk_queue_packets(const struct tapio_xsk_queue *q)
{
	return tapio_own_read(&q->cnt.packets);
}

static void handle(struct tapio_xsk_queue *q, void *pkt, __u32 len, __u64 now)
{
	struct tapio_flow_key key = {.ifindex = q->set->ifindex,
				     .direction = TAPIO_DIR_INGRESS};
	struct tapio_parse_result res;
	struct tapio_flow_value v;
	int reason;

	tapio_own_add(&q->cnt.packets, 1);
	tapio_own_add(&q->cnt.bytes, len);
	reason = tapio_parse_link(q->set->raw_ip, pkt, (char *)pkt + len, len,
				  0, 0, &key, &res);
	if (reason == TAPIO_CNT_NON_IP_PKTS) {
		tapio_own_add(&q->cnt.non_ip, 1);
		return;
	}
	if (reason) {
		tapio_own_add(&q->cnt.parse_errors, 1);
		return;
	}
	if (q->cache.slot) {
		tapio_flow_cache_add(&q->cache, &key, len, res.tcp_flags, now);
		return;
	}
	v = (struct tapio_flow_value){.packets = 1,
				      .bytes = len,
				      .first_seen_ns = now,
				      .last_seen_ns = now,
				      .tcp_flags = res.tcp_flags};
	if (tapio_flow_table_add(q->set->table, &key, &v))
		tapio_own_add(&q->cnt.table_overflow, 1);
}

/* A flow of the cache that the table refused at its bound: merges run on
 * the poller, so the counter keeps its one writer. */
static void refused(const struct tapio_flow_key *key,
		    const struct tapio_flow_value *v, void *ctx)
{
	struct tapio_xsk_queue *q = ctx;

	(void)key;
	tapio_own_add(&q->cnt.table_overflow, v->packets);
}

static void *poll_loop(void *arg)
{
	struct tapio_xsk_queue *q = arg;
	struct pollfd pfd = {.fd = xsk_socket__fd(q->xsk), .events = POLLIN};
	__u32 idx_rx, idx_fq, n, i;
	__u64 now;

	/* here, so that its pages are first touched on the poller's CPU;
	 * without one, frames go to the table one by one */
	if (tapio_flow_cache_init(&q->cache, CACHE_BITS, q->set->table, refused,
				  q))
		pr_warn("xsk %s queue %u: no memory for a flow cache: adding "
			"to the table frame by frame",
			q->set->dev, q->queue);
	q->cache.merged_ns = tapio_mono_coarse_ns();
	for (;;) {
		now = tapio_mono_coarse_ns();
		if (q->cache.nused && now - q->cache.merged_ns >= MERGE_NS)
			tapio_flow_cache_merge(&q->cache, now);
		n = xsk_ring_cons__peek(&q->rx, BATCH, &idx_rx);
		if (!n) {
			/* stop only once the ring is empty */
			if (q->set->stop)
				break;
			if (xsk_ring_prod__needs_wakeup(&q->fq))
				recvfrom(pfd.fd, NULL, 0, MSG_DONTWAIT, NULL,
					 NULL);
			poll(&pfd, 1, 50);
			continue;
		}
		/* every frame taken from rx goes straight back to fill */
		while (xsk_ring_prod__reserve(&q->fq, n, &idx_fq) != n)
			if (xsk_ring_prod__needs_wakeup(&q->fq))
				recvfrom(pfd.fd, NULL, 0, MSG_DONTWAIT, NULL,
					 NULL);
		now = tapio_mono_coarse_ns();
		for (i = 0; i < n; i++) {
			const struct xdp_desc *d =
				xsk_ring_cons__rx_desc(&q->rx, idx_rx + i);

			handle(q, xsk_umem__get_data(q->area, d->addr), d->len,
			       now);
			*xsk_ring_prod__fill_addr(&q->fq, idx_fq + i) =
				xsk_umem__extract_addr(d->addr);
		}
		xsk_ring_prod__submit(&q->fq, n);
		xsk_ring_cons__release(&q->rx, n);
	}
	if (q->cache.slot) /* every frame in the table before the join */
		tapio_flow_cache_merge(&q->cache, tapio_mono_coarse_ns());
	return NULL;
}

int tapio_xsk_start(struct tapio_xsk_set *s)
{
	unsigned int i;
	int err;

	for (i = 0; i < s->nqueues; i++) {
		struct tapio_xsk_queue *q = &s->q[i];
		cpu_set_t one;

		err = pthread_create(&q->thread, NULL, poll_loop, q);
		if (err)
			return -err;
		q->started = true;
		CPU_ZERO(&one);
		CPU_SET(q->cpu, &one);
		if (pthread_setaffinity_np(q->thread, sizeof(one), &one))
			pr_warn("cannot pin the poller of %s queue %u to CPU "
				"%d",
				s->dev, i, q->cpu);
		pr_info("xsk %s queue %u: %s mode, poller on CPU %d (%s), %u "
			"frames%s",
			s->dev, i, q->zerocopy ? "zero-copy" : "copy", q->cpu,
			q->cpu_reason, s->frames,
			q->huge ? ", UMEM in hugepages" : "");
	}
	return 0;
}

void tapio_xsk_stop(struct tapio_xsk_set *s)
{
	unsigned int i;

	/* no new frames for the sockets, then let the pollers empty them */
	for (i = 0; i < s->nqueues; i++)
		bpf_map_delete_elem(s->xsks_fd, &i);
	s->stop = 1;
	for (i = 0; i < s->nqueues; i++)
		if (s->q[i].started) {
			pthread_join(s->q[i].thread, NULL);
			s->q[i].started = false;
		}
}

void tapio_xsk_stats(struct tapio_xsk_set *s, struct tapio_xsk_stats *out)
{
	unsigned int i;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < s->nqueues; i++) {
		struct tapio_xsk_queue *q = &s->q[i];
		struct xdp_statistics st = {0};
		socklen_t len = sizeof(st);

		out->packets += tapio_own_read(&q->cnt.packets);
		out->bytes += tapio_own_read(&q->cnt.bytes);
		out->non_ip += tapio_own_read(&q->cnt.non_ip);
		out->parse_errors += tapio_own_read(&q->cnt.parse_errors);
		out->table_overflow += tapio_own_read(&q->cnt.table_overflow);
		if (q->xsk && !getsockopt(xsk_socket__fd(q->xsk), SOL_XDP,
					  XDP_STATISTICS, &st, &len)) {
			/* a copy-mode frame with no fill descriptor counts in
			 * rx_dropped and in rx_fill_ring_empty_descs both:
			 * the latter is not a frame count, so kept apart */
			out->dropped += st.rx_dropped + st.rx_ring_full;
			out->fill_empty += st.rx_fill_ring_empty_descs;
		}
	}
}

void tapio_xsk_close(struct tapio_xsk_set *s)
{
	unsigned int i;

	for (i = 0; i < s->nqueues; i++) {
		struct tapio_xsk_queue *q = &s->q[i];

		if (q->xsk) {
			bpf_map_delete_elem(s->xsks_fd, &i);
			xsk_socket__delete(q->xsk);
			q->xsk = NULL;
		}
		if (q->umem) {
			xsk_umem__delete(q->umem);
			q->umem = NULL;
		}
		if (q->area) {
			munmap(q->area, (size_t)s->frames * FRAME_SIZE);
			q->area = NULL;
		}
		tapio_flow_cache_free(&q->cache);
	}
}

int tapio_xsk_write_state(struct tapio_xsk_set *s, const char *path)
{
	unsigned int i;
	FILE *f = fopen(path, "w");

	if (!f)
		return -errno;
	for (i = 0; i < s->nqueues; i++)
		fprintf(f, "queue %u %s cpu %d (%s)%s\n", i,
			s->q[i].zerocopy ? "zero-copy" : "copy", s->q[i].cpu,
			s->q[i].cpu_reason, s->q[i].huge ? " hugepages" : "");
	return fclose(f) ? -errno : 0;
}

int tapio_xsk_state_path(char *buf, size_t len, const char *dev)
{
	int n = snprintf(buf, len, "%s/%s.xsk", tapio_run_dir(), dev);

	tapio_run_dir_make();
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}
