// SPDX-License-Identifier: GPL-2.0
/* bench/ringbuf_consume: events/s that userspace takes out of a BPF ring
 * buffer through libbpf, as tapio's trace and capture readers do. */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "tapio/exec.h"
#include "tapio/tcp_probe.h"
#include "bench/ringbuf_fill.skel.h"

#define ROUNDS	   7
#define LIVE_SECS  2
#define TCP_BATCH  400000 /* 112-byte slots: 45 MB of the 64 MiB ring */
#define EXEC_BATCH 100000 /* 592-byte slots: 59 MB */

/* What each record costs the reader besides libbpf: a copy out of the ring
 * into its own struct and a check that no record was lost or reordered.
 * Both event types carry the producer's number in ts_ns. */
struct reader {
	__u64 expect, bad, records;
};

#define READER(name, type)                                                     \
	static int name(void *ctx, void *data, size_t len)                     \
	{                                                                      \
		struct reader *r = ctx;                                        \
		type e;                                                        \
                                                                               \
		if (len < sizeof(e))                                           \
			return r->bad++, 0;                                    \
		memcpy(&e, data, sizeof(e));                                   \
		r->bad += e.ts_ns != r->expect;                                \
		r->expect = e.ts_ns + 1;                                       \
		r->records++;                                                  \
		return 0;                                                      \
	}

READER(on_tcp, struct tapio_tcp_event)
READER(on_exec, struct tapio_exec_event)

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void pin_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static int fill(int prog_fd)
{
	LIBBPF_OPTS(bpf_test_run_opts, o);

	return bpf_prog_test_run_opts(prog_fd, &o) ? -errno : 0;
}

/* The ring filled while nobody reads, then drained: the reader alone, and
 * for scale the producer alone (one CPU, no wakeups). */
static int bench_drain(struct ringbuf_fill_bpf *skel, const char *name,
		       int prog_fd, ring_buffer_sample_fn fn, __u32 batch)
{
	struct reader r = {0};
	struct ring_buffer *rb;
	double rate[ROUNDS], fill_rate[ROUNDS], t0;
	int i, n, err = 0;

	rb = ring_buffer__new(bpf_map__fd(skel->maps.tapio_bench_rb), fn, &r,
			      NULL);
	if (!rb) {
		fprintf(stderr, "ringbuf_consume: ring_buffer__new: %s\n",
			strerror(errno));
		return -errno;
	}
	r.expect = skel->bss->seq;
	for (i = 0; i < ROUNDS; i++) {
		skel->bss->rb_flags = BPF_RB_NO_WAKEUP;
		t0 = now_s();
		err = fill(prog_fd);
		fill_rate[i] = (double)batch / (now_s() - t0);
		if (err || skel->bss->reserve_failed) {
			fprintf(stderr, "ringbuf_consume: fill %s: %s\n", name,
				err ? strerror(-err) : "ring full");
			err = err ? err : -ENOSPC;
			goto out;
		}
		t0 = now_s();
		n = ring_buffer__consume(rb);
		rate[i] = (double)n / (now_s() - t0);
		if (n != (int)batch || r.bad) {
			fprintf(stderr,
				"ringbuf_consume: %s: read %d of %u, %llu "
				"bad\n",
				name, n, batch, (unsigned long long)r.bad);
			err = -EIO;
			goto out;
		}
	}
	qsort(rate, ROUNDS, sizeof(rate[0]), cmp);
	qsort(fill_rate, ROUNDS, sizeof(fill_rate[0]), cmp);
	printf("bench: ringbuf_consume_%s %.0f events/s\n", name,
	       rate[ROUNDS / 2]);
	printf("bench: ringbuf_produce_%s %.0f events/s\n", name,
	       fill_rate[ROUNDS / 2]);
out:
	ring_buffer__free(rb);
	return err;
}

struct producer {
	int prog_fd;
	volatile int stop;
	int err;
};

static void *produce(void *arg)
{
	struct producer *p = arg;

	pin_cpu(0);
	while (!p->stop && !p->err)
		p->err = fill(p->prog_fd);
	return NULL;
}

/* Producer on CPU 0 with the probes' wakeup flags (or batched wakeups), the
 * reader on CPU 1 sleeping in epoll as `tapio trace` does: the rate the
 * pair sustains and what the producer could not place because the reader
 * fell behind. */
static int bench_live(struct ringbuf_fill_bpf *skel, const char *name,
		      int prog_fd, ring_buffer_sample_fn fn, __u64 wake_bytes)
{
	struct producer p = {.prog_fd = prog_fd};
	struct reader r = {0};
	struct ring_buffer *rb;
	__u64 lost0 = skel->bss->reserve_failed;
	pthread_t th;
	double t0, t;
	int err;

	rb = ring_buffer__new(bpf_map__fd(skel->maps.tapio_bench_rb), fn, &r,
			      NULL);
	if (!rb)
		return -errno;
	skel->bss->rb_flags = 0;
	skel->bss->wake_bytes = wake_bytes;
	r.expect = skel->bss->seq;
	pin_cpu(1);
	err = pthread_create(&th, NULL, produce, &p);
	if (err) {
		ring_buffer__free(rb);
		return -err;
	}
	t0 = now_s();
	while ((t = now_s() - t0) < LIVE_SECS)
		if (ring_buffer__poll(rb, 100) < 0)
			break;
	p.stop = 1;
	pthread_join(th, NULL);
	ring_buffer__consume(rb);
	t = now_s() - t0;
	/* A run stops at its first failed reserve and ts_ns counts only
	 * placed records, so the sequence stays whole: `bad` must be 0. */
	printf("bench: ringbuf_live_%s %.0f events/s\n", name,
	       (double)r.records / t);
	printf("bench: ringbuf_live_%s_ring_full %.0f events/s\n", name,
	       (double)(skel->bss->reserve_failed - lost0) / t);
	if (r.bad || p.err) {
		fprintf(stderr, "ringbuf_consume: live %s: %llu bad, %s\n",
			name, (unsigned long long)r.bad,
			p.err ? strerror(-p.err) : "no producer error");
		err = -EIO;
	}
	ring_buffer__free(rb);
	return err;
}

int main(void)
{
	struct ringbuf_fill_bpf *skel;
	int tcp_fd, exec_fd, err;

	skel = ringbuf_fill_bpf__open();
	if (!skel) {
		fprintf(stderr, "ringbuf_consume: cannot open ringbuf_fill\n");
		return 1;
	}
	skel->rodata->tcp_batch = TCP_BATCH;
	skel->rodata->exec_batch = EXEC_BATCH;
	err = ringbuf_fill_bpf__load(skel);
	if (err) {
		fprintf(stderr,
			"ringbuf_consume: cannot load ringbuf_fill: %s\n",
			strerror(-err));
		goto out;
	}
	tcp_fd = bpf_program__fd(skel->progs.tapio_bench_fill_tcp);
	exec_fd = bpf_program__fd(skel->progs.tapio_bench_fill_exec);
	err = bench_drain(skel, "tcp", tcp_fd, on_tcp, TCP_BATCH);
	if (err)
		goto out;
	skel->bss->seq = 0;
	err = bench_drain(skel, "exec", exec_fd, on_exec, EXEC_BATCH);
	if (err)
		goto out;
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2) {
		printf("SKIP: ringbuf_live needs two CPUs\n");
		goto out;
	}
	skel->bss->seq = 0;
	err = bench_live(skel, "tcp", tcp_fd, on_tcp, 0);
	if (err)
		goto out;
	/* The same with a wakeup per 256 KiB waiting (about 2300 records):
	 * what a batched-wakeup policy in the probes would gain. */
	skel->bss->seq = 0;
	err = bench_live(skel, "tcp_batched", tcp_fd, on_tcp, 256 << 10);
out:
	ringbuf_fill_bpf__destroy(skel);
	return err ? 1 : 0;
}
