// SPDX-License-Identifier: GPL-2.0
/* BPF_PROG_TEST_RUN tests: crafted frames through the real tapio_xdp and
 * tapio_tc programs, asserting the exact key, counters and reasons. Root. */
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <time.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <cmocka.h>

#include "lib/drainer.h"
#include "tapio/config.h"
#include "tapio/spill.h"
#include "lib/flow_dump.h"
#include "lib/flow_table.h"
#include "lib/loader.h"
#include "flow_parse.h"
#include "frame_build.h"
#include "frame_cases.h"
#include "lib/probe_kind.h"
#include "tapio/bio.h"
#include "tapio_bio.skel.h"
#include "tapio_tc.skel.h"
#include "tapio_xdp.skel.h"

struct ctx {
	struct tapio_xdp *xdp;
	struct tapio_tc *tc;
	int flows_fd, cnt_fd;
};

static uint8_t frame[2048];
/* the group's state, for the frame cases whose own state is their case */
static struct ctx *the_ctx;

static int setup(void **state)
{
	struct ctx *c = calloc(1, sizeof(*c));
	const char *step = "open tapio_xdp";

	if (!c)
		return -1;
	c->xdp = tapio_xdp__open();
	if (!c->xdp)
		goto err;
	step = "load tapio_xdp";
	bpf_map__set_max_entries(c->xdp->maps.tapio_flows, 4);
	if (tapio_xdp__load(c->xdp))
		goto err;
	step = "open tapio_tc";
	c->tc = tapio_tc__open();
	if (!c->tc)
		goto err;
	step = "load tapio_tc on tapio_xdp's maps";
	c->flows_fd = bpf_map__fd(c->xdp->maps.tapio_flows);
	c->cnt_fd = bpf_map__fd(c->xdp->maps.tapio_counters);
	if (tapio_share_maps(c->xdp, c->tc) || tapio_tc__load(c->tc))
		goto err;
	*state = c;
	the_ctx = c;
	return 0;
err:
	fprintf(stderr, "prog_run: cannot %s: %s\n", step, strerror(errno));
	tapio_tc__destroy(c->tc);
	tapio_xdp__destroy(c->xdp);
	free(c);
	return -1;
}

static int teardown(void **state)
{
	struct ctx *c = *state;

	tapio_tc__destroy(c->tc);
	tapio_xdp__destroy(c->xdp);
	free(c);
	return 0;
}

/* Every test starts from empty maps. */
static int reset(void **state)
{
	struct ctx *c = *state;
	struct tapio_flow_key k;
	int ncpus = libbpf_num_possible_cpus();
	void *zero = calloc((size_t)ncpus, sizeof(struct tapio_dir_counters));
	__u32 d;

	struct tapio_config cfg = {0};
	int alt = bpf_map__fd(c->xdp->maps.tapio_flows_alt);
	__u32 zero_key = 0;

	/* generation 0, both generations empty */
	bpf_map_update_elem(bpf_map__fd(c->xdp->maps.tapio_config), &zero_key,
			    &cfg, 0);
	while (!bpf_map_get_next_key(c->flows_fd, NULL, &k))
		bpf_map_delete_elem(c->flows_fd, &k);
	while (!bpf_map_get_next_key(alt, NULL, &k))
		bpf_map_delete_elem(alt, &k);
	for (d = 0; d < TAPIO_DIR_MAX; d++)
		bpf_map_update_elem(c->cnt_fd, &d, zero, 0);
	free(zero);
	return 0;
}

static int run_xdp(struct ctx *c, size_t len)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame,
		    .data_size_in = (__u32)len, .repeat = 1);
	int err;

	err = bpf_prog_test_run_opts(bpf_program__fd(c->xdp->progs.tapio_xdp),
				     &o);
	if (err)
		return err;
	return (int)o.retval;
}

static int run_tc(struct ctx *c, size_t len, struct __sk_buff *skb)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame,
		    .data_size_in = (__u32)len, .repeat = 1);
	int err;

	if (skb) {
		o.ctx_in = skb;
		o.ctx_size_in = sizeof(*skb);
	}
	err = bpf_prog_test_run_opts(bpf_program__fd(c->tc->progs.tapio_tc),
				     &o);
	if (err)
		return err;
	return (int)o.retval;
}

static struct tapio_dir_counters counters(struct ctx *c, __u32 dir)
{
	struct tapio_dir_counters all[TAPIO_DIR_MAX];

	memset(all, 0, sizeof(all));
	assert_int_equal(tapio_counters_read(c->cnt_fd, all), 0);
	return all[dir];
}

static size_t read_flows(struct ctx *c, struct tapio_flow **f)
{
	size_t n = 0;

	assert_int_equal(tapio_flows_read(c->flows_fd, f, &n), 0);
	return n;
}

/* Exactly one flow in the map; returns it. */
static struct tapio_flow one_flow(struct ctx *c)
{
	struct tapio_flow *f = NULL, out;

	assert_int_equal(read_flows(c, &f), 1);
	out = f[0];
	free(f);
	return out;
}

static void addr_is(const __u8 a[16], const char *ip)
{
	__u8 want[16] = {0};

	if (strchr(ip, ':')) {
		assert_int_equal(inet_pton(AF_INET6, ip, want), 1);
	} else {
		want[10] = want[11] = 0xff;
		assert_int_equal(inet_pton(AF_INET, ip, want + 12), 1);
	}
	assert_memory_equal(a, want, 16);
}

static size_t build(struct fb_spec *s, struct fb_layout *lay)
{
	size_t n = fb_build(s, frame, sizeof(frame), lay);

	assert_true(n > 0);
	return n;
}

/* Conservation: seen == flows + non-IP + overflow + parse errors + AF_XDP
 * + filtered + sampled out - what sampled flows estimate beyond the kept */
static void assert_conserved(struct ctx *c, __u32 dir)
{
	struct tapio_dir_counters k = counters(c, dir);
	struct tapio_flow *f = NULL;
	__u64 sum = 0;
	size_t n = read_flows(c, &f), i;
	int r;

	for (i = 0; i < n; i++)
		if (f[i].key.direction == dir)
			sum += f[i].val.packets;
	free(f);
	sum += k.c[TAPIO_CNT_NON_IP_PKTS] + k.c[TAPIO_CNT_OVERFLOW_PKTS] +
	       k.c[TAPIO_CNT_XSK_PKTS] + k.c[TAPIO_CNT_FILTERED_PKTS] +
	       k.c[TAPIO_CNT_SAMPLED_OUT_PKTS] -
	       k.c[TAPIO_CNT_SAMPLED_EXTRA_PKTS];
	for (r = TAPIO_CNT_PARSE_FIRST; r <= TAPIO_CNT_PARSE_LAST; r++)
		sum += k.c[r];
	assert_int_equal(sum, k.c[TAPIO_CNT_SEEN_PKTS]);
}

static void test_udp4(void **state)
{
	struct ctx *c = *state;
	struct fb_spec s = {.ipver = 4,
			    .proto = IPPROTO_UDP,
			    .src = "198.18.0.2",
			    .dst = "198.18.0.1",
			    .sport = 4000,
			    .dport = 9000,
			    .payload = 22};
	size_t n = build(&s, NULL);
	struct tapio_flow f;
	int i;

	for (i = 0; i < 3; i++)
		assert_int_equal(run_xdp(c, n), XDP_PASS);
	f = one_flow(c);
	assert_int_equal(f.key.ifindex, 1); /* test_run uses loopback */
	assert_int_equal(f.key.direction, TAPIO_DIR_INGRESS);
	assert_int_equal(f.key.ip_version, 4);
	assert_int_equal(f.key.protocol, IPPROTO_UDP);
	assert_int_equal(f.key.src_port, 4000);
	assert_int_equal(f.key.dst_port, 9000);
	assert_int_equal(f.key.vlan_outer, 0);
	assert_int_equal(f.key.flags, 0);
	addr_is(f.key.src_addr, "198.18.0.2");
	addr_is(f.key.dst_addr, "198.18.0.1");
	assert_int_equal(f.val.packets, 3);
	assert_int_equal(f.val.bytes, 3 * 64);
	assert_true(f.val.first_seen_ns > 0);
	assert_true(f.val.last_seen_ns >= f.val.first_seen_ns);
	assert_int_equal(counters(c, 0).c[TAPIO_CNT_SEEN_PKTS], 3);
	assert_int_equal(counters(c, 0).c[TAPIO_CNT_SEEN_BYTES], 192);
	assert_conserved(c, 0);
}

static void test_tcp_flags(void **state)
{
	struct ctx *c = *state;
	struct fb_spec s = {.ipver = 4,
			    .proto = IPPROTO_TCP,
			    .src = "10.1.1.1",
			    .dst = "10.1.1.2",
			    .sport = 40000,
			    .dport = 443,
			    .tcp_flags = 0x02 /* SYN */};
	size_t n = build(&s, NULL);
	struct tapio_flow f;

	assert_int_equal(run_xdp(c, n), XDP_PASS);
	s.tcp_flags = 0x18; /* PSH|ACK */
	s.payload = 100;
	n = build(&s, NULL);
	assert_int_equal(run_xdp(c, n), XDP_PASS);
	s.tcp_flags = 0x11; /* FIN|ACK */
	s.payload = 0;
	n = build(&s, NULL);
	assert_int_equal(run_xdp(c, n), XDP_PASS);
	f = one_flow(c);
	assert_int_equal(f.key.protocol, IPPROTO_TCP);
	assert_int_equal(f.key.dst_port, 443);
	assert_int_equal(f.val.packets, 3);
	assert_int_equal(f.val.tcp_flags, 0x1b);
	assert_int_equal(f.val.bytes, 54 + 154 + 54);
}

/* One frame case through one hook (@dir picks tapio_xdp or tapio_tc): the
 * exact key and bytes of its one flow, or one count of its reason. */
static void run_case(const struct frame_case *fc, __u32 dir)
{
	static const char *const names[] = TAPIO_COUNTER_NAMES;
	struct ctx *c = the_ctx;
	size_t n = frame_case_build(fc, frame, sizeof(frame));
	int want = dir == TAPIO_DIR_INGRESS ? XDP_PASS : TC_ACT_UNSPEC;
	struct tapio_dir_counters k;
	struct tapio_flow *fl = NULL;
	struct tapio_flow f;
	int ret, i;

	assert_int_equal(n, fc->len);
	ret = dir == TAPIO_DIR_INGRESS ? run_xdp(c, n) : run_tc(c, n, NULL);
	if (n < 14 || (dir == TAPIO_DIR_EGRESS && fc->skb_refused)) {
		/* refused by the kernel before any program runs */
		assert_int_equal(ret, -EINVAL);
		assert_int_equal(counters(c, dir).c[TAPIO_CNT_SEEN_PKTS], 0);
		return;
	}
	assert_int_equal(ret, want);
	k = counters(c, dir);
	assert_int_equal(k.c[TAPIO_CNT_SEEN_PKTS], 1);
	assert_int_equal(k.c[TAPIO_CNT_SEEN_BYTES], n);
	assert_conserved(c, dir);
	if (fc->reason) {
		if (k.c[fc->reason] != 1) {
			fprintf(stderr,
				"expected %s, counters:", names[fc->reason]);
			for (i = 0; i < TAPIO_CNT_MAX; i++)
				if (k.c[i])
					fprintf(stderr, " %s=%llu", names[i],
						(unsigned long long)k.c[i]);
			fprintf(stderr, "\n");
		}
		assert_int_equal(k.c[fc->reason], 1);
		assert_int_equal(read_flows(c, &fl), 0);
		free(fl);
		return;
	}
	f = one_flow(c);
	assert_int_equal(f.key.direction, dir);
	assert_int_equal(f.key.ip_version, fc->spec.ipver);
	assert_int_equal(f.key.protocol, fc->key.protocol);
	assert_int_equal(f.key.src_port, fc->key.sport);
	assert_int_equal(f.key.dst_port, fc->key.dport);
	assert_int_equal(f.key.vlan_outer, fc->key.vlan_outer);
	assert_int_equal(f.key.vlan_inner, fc->key.vlan_inner);
	assert_int_equal(f.key.flags, fc->key.flags);
	addr_is(f.key.src_addr, fc->spec.src);
	addr_is(f.key.dst_addr, fc->spec.dst);
	assert_int_equal(f.val.packets, 1);
	assert_int_equal(f.val.bytes, n);
	assert_int_equal(f.val.tcp_flags, fc->key.tcp_flags);
}

static void test_case_xdp(void **state)
{
	run_case(*state, TAPIO_DIR_INGRESS);
}

static void test_case_tc(void **state)
{
	run_case(*state, TAPIO_DIR_EGRESS);
}

static int reset_case(void **state)
{
	(void)state;
	return reset((void **)&the_ctx);
}

static void test_overflow(void **state)
{
	struct ctx *c = *state;
	struct fb_spec s = {.ipver = 4,
			    .proto = IPPROTO_UDP,
			    .src = "10.1.1.1",
			    .dst = "10.1.1.2",
			    .dport = 53,
			    .payload = 18};
	struct tapio_dir_counters k;
	int i, j;

	/* the map holds 4 flows: 10 flows x 2 packets overflow 6 flows */
	for (i = 0; i < 10; i++) {
		s.sport = (uint16_t)(1000 + i);
		build(&s, NULL);
		for (j = 0; j < 2; j++)
			assert_int_equal(run_xdp(c, 60), XDP_PASS);
	}
	k = counters(c, 0);
	assert_int_equal(k.c[TAPIO_CNT_SEEN_PKTS], 20);
	assert_int_equal(k.c[TAPIO_CNT_OVERFLOW_PKTS], 12);
	assert_int_equal(k.c[TAPIO_CNT_OVERFLOW_BYTES], 12 * 60);
	assert_int_equal(k.c[TAPIO_CNT_OVERFLOW_MAP_FULL], 12);
	assert_conserved(c, 0);
}

static int on_ring_rec(void *ctx, void *data, size_t size)
{
	struct tapio_drain_req *req = ctx;

	if (size == sizeof(*req))
		*req = *(struct tapio_drain_req *)data;
	else
		req->flows = 1u << 31; /* not a request: fails the test */
	return 0;
}

/* Drain on demand: the second new flow of generation 0 reaches drain_at 2
 * and asks once; packets of known flows and a third new flow count no
 * more requests.  The program sets drain_asked, the drainer clears it. */
static void test_drain_request(void **state)
{
	struct ctx *c = *state;
	struct fb_spec s = {.ipver = 4,
			    .proto = IPPROTO_UDP,
			    .src = "10.1.2.1",
			    .dst = "10.1.2.2",
			    .dport = 53,
			    .payload = 18};
	int cfg_fd = bpf_map__fd(c->xdp->maps.tapio_config);
	struct tapio_drain_req req = {.gen = 9};
	struct tapio_config cfg = {.drain_at = 2};
	static const int sports[] = {1, 1, 2, 2, 3};
	struct tapio_flow_table_opts to = {.max_flows = 16};
	struct tapio_flow_table *t;
	struct tapio_drainer d;
	struct ring_buffer *rb;
	__u32 zero = 0;
	unsigned int i;

	rb = ring_buffer__new(bpf_map__fd(c->xdp->maps.tapio_spill),
			      on_ring_rec, &req, NULL);
	assert_non_null(rb);
	ring_buffer__consume(rb); /* whatever an earlier test left */
	req.gen = 9;
	assert_int_equal(bpf_map_update_elem(cfg_fd, &zero, &cfg, 0), 0);
	for (i = 0; i < sizeof(sports) / sizeof(sports[0]); i++) {
		s.sport = (uint16_t)sports[i];
		build(&s, NULL);
		assert_int_equal(run_xdp(c, 60), XDP_PASS);
	}
	assert_int_equal(ring_buffer__consume(rb), 1);
	assert_int_equal(req.gen, 0);
	assert_int_equal(req.flows, 2);
	assert_int_equal(bpf_map_lookup_elem(cfg_fd, &zero, &cfg), 0);
	assert_int_equal(cfg.gen_flows[0], 3);
	assert_int_equal(cfg.drain_asked[0], 1);
	assert_int_equal(cfg.gen_flows[1], 0);
	ring_buffer__free(rb);
	assert_conserved(c, 0);

	/* the drain retires generation 0 and clears its count and request */
	assert_int_equal(tapio_flow_table_new(&to, &t), 0);
	assert_int_equal(
		tapio_drainer_init(&d, cfg_fd, c->flows_fd,
				   bpf_map__fd(c->xdp->maps.tapio_flows_alt)),
		0);
	assert_int_equal(tapio_drain(&d, t), 0);
	assert_int_equal(d.st.flows, 3);
	assert_int_equal(d.st.packets, 5);
	assert_int_equal(d.cfg->flow_gen, 1);
	assert_int_equal(d.cfg->gen_flows[0], 0);
	assert_int_equal(d.cfg->drain_asked[0], 0);
	tapio_drainer_close(&d);
	tapio_flow_table_free(t);
}

/* tapio_bio_start's key and value as probes/bio.bpf.c has them */
struct bio_start_key {
	__u64 a, b;
};
struct bio_start_val {
	__u64 insert_ns, issue_ns;
	__u32 dev, op;
};

/* The reaper: of a disk's three requests, one issued 200 s ago (its
 * completion lost), one issued now and one inserted 200 s ago but never
 * issued, only the first leaves in_flight (counted lost) and the third is
 * dropped; once the last one in flight is reaped, the busy period ends at
 * the disk's last real completion, not at the reap. */
static void test_bio_reap(void **state)
{
	struct tapio_probe p = {.kind = TAPIO_PROBE_BIO};
	const __u64 s = 1000000000ULL;
	struct tapio_bio_disk d, got;
	struct bpf_program *prog;
	struct tapio_bio *b;
	struct timespec ts;
	__u32 dev = 0xfff0001;
	struct bio_start_key k1 = {1, 1}, k2 = {2, 2}, k3 = {3, 3};
	struct bio_start_val v;
	int start_fd, disk_fd;
	__u64 now;

	(void)state;
	b = tapio_bio__open();
	assert_non_null(b);
	for (prog = bpf_object__next_program(b->obj, NULL); prog;
	     prog = bpf_object__next_program(b->obj, prog))
		bpf_program__set_autoload(prog,
					  prog == b->progs.tapio_bio_reap);
	if (tapio_bio__load(b)) {
		tapio_bio__destroy(b);
		skip(); /* no BPF_PROG_TYPE_SYSCALL (kernel < 5.14) */
	}
	p.skel = b;
	start_fd = bpf_map__fd(b->maps.tapio_bio_start);
	disk_fd = bpf_map__fd(b->maps.tapio_bio_disk);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (__u64)ts.tv_sec * s + (__u64)ts.tv_nsec;
	v = (struct bio_start_val){.issue_ns = now - 200 * s, .dev = dev};
	assert_int_equal(bpf_map_update_elem(start_fd, &k1, &v, 0), 0);
	v.issue_ns = now;
	assert_int_equal(bpf_map_update_elem(start_fd, &k2, &v, 0), 0);
	v = (struct bio_start_val){.insert_ns = now - 200 * s, .dev = dev};
	assert_int_equal(bpf_map_update_elem(start_fd, &k3, &v, 0), 0);
	d = (struct tapio_bio_disk){.in_flight = 2,
				    .busy_since_ns = now - 300 * s,
				    .last_done_ns = now - 250 * s};
	assert_int_equal(bpf_map_update_elem(disk_fd, &dev, &d, 0), 0);

	assert_int_equal(tapio_bio_reap_lost(&p, 120 * s), 1);
	assert_int_equal(bpf_map_lookup_elem(disk_fd, &dev, &got), 0);
	assert_int_equal(got.in_flight, 1);
	assert_int_equal(got.lost, 1);
	assert_int_equal(got.busy_ns, 0); /* still busy with the fresh one */
	assert_int_not_equal(bpf_map_lookup_elem(start_fd, &k1, &v), 0);
	assert_int_equal(bpf_map_lookup_elem(start_fd, &k2, &v), 0);
	assert_int_not_equal(bpf_map_lookup_elem(start_fd, &k3, &v), 0);

	/* the fresh one is lost too, seen 200 s later */
	assert_int_equal(tapio_bio_reap_lost(&p, 0), 1);
	assert_int_equal(bpf_map_lookup_elem(disk_fd, &dev, &got), 0);
	assert_int_equal(got.in_flight, 0);
	assert_int_equal(got.lost, 2);
	assert_int_equal(got.busy_ns, 50 * s);
	assert_int_equal(got.busy_since_ns, 0);
	assert_int_equal(tapio_bio_reap_lost(&p, 0), 0);
	tapio_bio__destroy(b);
}

/* One flow seen on two CPUs: each CPU's slot carries its own first-seen
 * stamp, so the summed flow starts when it started, not at boot. */
static void test_two_cpus_first_seen(void **state)
{
	struct ctx *c = *state;
	struct fb_spec s = {.ipver = 4,
			    .proto = IPPROTO_UDP,
			    .src = "10.1.1.1",
			    .dst = "10.1.1.2",
			    .sport = 1,
			    .dport = 2,
			    .payload = 18};
	int ncpus = libbpf_num_possible_cpus(), cpu, seen = 0;
	size_t n = build(&s, NULL);
	size_t stride = (sizeof(struct tapio_flow_value) + 7) & ~(size_t)7;
	struct tapio_flow_value *v;
	struct timespec now;
	cpu_set_t old, one;
	struct tapio_flow f;
	char *vals;

	if (ncpus < 2 || sched_getaffinity(0, sizeof(old), &old)) {
		skip();
		return;
	}
	for (cpu = 0; cpu < ncpus && cpu < CPU_SETSIZE; cpu++) {
		if (!CPU_ISSET(cpu, &old))
			continue;
		CPU_ZERO(&one);
		CPU_SET(cpu, &one);
		assert_int_equal(sched_setaffinity(0, sizeof(one), &one), 0);
		assert_int_equal(run_xdp(c, n), XDP_PASS);
		seen++;
	}
	sched_setaffinity(0, sizeof(old), &old);
	if (seen < 2) {
		skip();
		return;
	}
	f = one_flow(c);
	assert_int_equal(f.val.packets, seen);
	clock_gettime(CLOCK_MONOTONIC, &now);
	/* stamped within the last minute, not at boot */
	assert_true(f.val.first_seen_ns + 60000000000ULL >
		    (__u64)now.tv_sec * 1000000000ULL);
	assert_true(f.val.first_seen_ns <= f.val.last_seen_ns);
	/* every CPU slot that counted a packet carries its own stamp */
	vals = calloc((size_t)ncpus, stride);
	assert_non_null(vals);
	assert_int_equal(bpf_map_lookup_elem(c->flows_fd, &f.key, vals), 0);
	for (cpu = 0; cpu < ncpus; cpu++) {
		v = (struct tapio_flow_value *)(vals + (size_t)cpu * stride);
		if (v->packets)
			assert_true(v->first_seen_ns != 0);
	}
	free(vals);
}

/* Packets keep arriving while the drainer flips generations and empties
 * the retired one: afterwards every packet is in the table, per flow. */
struct hammer {
	struct ctx *c;
	uint8_t frames[3][128];
	size_t len[3];
	__u64 sent[3];
	volatile int stop;
	int err;
};

static void *hammer_loop(void *arg)
{
	struct hammer *h = arg;
	int fd = bpf_program__fd(h->c->xdp->progs.tapio_xdp);
	unsigned int i = 0;

	/* repeat 1: an XDP test run with repeat > 1 waits for RCU grace
	 * periods (tens of ms each unless rcu_expedited), which would starve
	 * this thread on most kernels */
	while (!h->stop) {
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = h->frames[i % 3],
			    .data_size_in = (__u32)h->len[i % 3], .repeat = 1);

		if (bpf_prog_test_run_opts(fd, &o)) {
			h->err = -errno;
			break;
		}
		__atomic_add_fetch(&h->sent[i % 3], 1, __ATOMIC_RELAXED);
		i++;
	}
	return NULL;
}

struct per_port {
	__u64 packets[3], bytes;
};

static void count_port(const struct tapio_flow_rec *r,
		       enum tapio_end_reason why, void *ctx)
{
	struct per_port *p = ctx;

	(void)why;
	if (r->key.src_port >= 7000 && r->key.src_port < 7003)
		p->packets[r->key.src_port - 7000] += r->val.packets;
	p->bytes += r->val.bytes;
}

static void test_drain_under_load(void **state)
{
	struct ctx *c = *state;
	struct tapio_flow_table_opts to = {.max_flows = 1024, .shards = 4};
	struct fb_spec s = {.ipver = 4,
			    .proto = IPPROTO_UDP,
			    .src = "10.1.1.1",
			    .dst = "10.1.1.2",
			    .dport = 53,
			    .payload = 18};
	struct tapio_flow_table *t = NULL;
	struct tapio_drainer d;
	struct per_port got = {{0}, 0};
	static struct hammer h;
	struct timespec t0, t1;
	pthread_t th;
	int i, drains = 0;

	memset(&h, 0, sizeof(h));
	h.c = c;
	for (i = 0; i < 3; i++) {
		s.sport = (uint16_t)(7000 + i);
		h.len[i] = fb_build(&s, h.frames[i], sizeof(h.frames[i]), NULL);
	}
	assert_int_equal(tapio_flow_table_new(&to, &t), 0);
	assert_int_equal(
		tapio_drainer_init(&d, bpf_map__fd(c->xdp->maps.tapio_config),
				   c->flows_fd,
				   bpf_map__fd(c->xdp->maps.tapio_flows_alt)),
		0);
	assert_int_equal(pthread_create(&th, NULL, hammer_loop, &h), 0);
	/* drain back to back while traffic runs, until both have happened
	 * enough to overlap: a drain waits for RCU grace periods, whose length
	 * depends on the kernel (rcu_expedited), so the bound is a count, with
	 * a generous time limit only against a hang */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		assert_int_equal(tapio_drain(&d, t), 0);
		drains++;
		usleep(500); /* let traffic build up in each generation */
		clock_gettime(CLOCK_MONOTONIC, &t1);
	} while ((drains <= 20 ||
		  __atomic_load_n(&h.sent[0], __ATOMIC_RELAXED) <= 1000) &&
		 t1.tv_sec - t0.tv_sec < 60);
	h.stop = 1;
	pthread_join(th, NULL);
	assert_int_equal(h.err, 0);
	assert_int_equal(tapio_drain_all(&d, t), 0);
	tapio_flow_table_flush(t, count_port, &got);
	for (i = 0; i < 3; i++)
		assert_int_equal(got.packets[i], h.sent[i]);
	assert_int_equal(got.bytes, h.sent[0] * h.len[0] +
					    h.sent[1] * h.len[1] +
					    h.sent[2] * h.len[2]);
	assert_true(h.sent[0] > 1000); /* traffic really overlapped drains */
	assert_int_equal(d.st.drains, (__u64)drains + 2);
	assert_true(drains > 20);
	assert_int_equal(d.st.table_overflow_packets[0], 0);
	tapio_drainer_close(&d);
	tapio_flow_table_free(t);
	/* both generations are empty again */
	assert_int_equal(read_flows(c, &(struct tapio_flow *){NULL}), 0);
}

static void test_tc_egress(void **state)
{
	struct ctx *c = *state;
	struct fb_spec s = {.ipver = 6,
			    .proto = IPPROTO_UDP,
			    .src = "2001:db8::1",
			    .dst = "2001:db8::2",
			    .sport = 123,
			    .dport = 123,
			    .payload = 48};
	size_t n = build(&s, NULL);
	struct tapio_flow f;

	assert_int_equal(run_tc(c, n, NULL), TC_ACT_UNSPEC);
	assert_int_equal(run_tc(c, n, NULL), TC_ACT_UNSPEC);
	f = one_flow(c);
	assert_int_equal(f.key.direction, TAPIO_DIR_EGRESS);
	assert_int_equal(f.key.src_port, 123);
	assert_int_equal(f.val.packets, 2);
	assert_int_equal(f.val.bytes, 2 * n);
	assert_int_equal(counters(c, TAPIO_DIR_EGRESS).c[TAPIO_CNT_SEEN_PKTS],
			 2);
	assert_int_equal(counters(c, TAPIO_DIR_INGRESS).c[TAPIO_CNT_SEEN_PKTS],
			 0);
	assert_conserved(c, TAPIO_DIR_EGRESS);
}

static void set_flow_sampling(struct ctx *c, __u32 n)
{
	struct tapio_config cfg = {.flow_sample_n = n};
	__u32 zero = 0;

	assert_int_equal(
		bpf_map_update_elem(bpf_map__fd(c->xdp->maps.tapio_config),
				    &zero, &cfg, 0),
		0);
}

/* @repeat runs of tapio_tc on the frame: one test run, so that a trial
 * costs no RCU wait whatever the kernel's rcu_expedited */
static void run_tc_repeat(struct ctx *c, size_t len, __u32 repeat)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame,
		    .data_size_in = (__u32)len, .repeat = repeat);

	assert_int_equal(bpf_prog_test_run_opts(
				 bpf_program__fd(c->tc->progs.tapio_tc), &o),
			 0);
}

/*
 * Flow packet sampling one in 10: 4,000 trials of 1,000 frames each.  A
 * kept frame counts as 10, so a flow's packets are an estimate; its 95%
 * interval (docs/operations.md: 1.96 sqrt((n - 1) P)) must hold the true
 * 1,000 in 93% to 97% of the trials (the normal interval holds it in
 * about 94.5% here: 4 standard deviations of the binomial above 93%,
 * a chance failure about one run in 10^5), and the identity stays exact.
 */
static void test_flow_sampling(void **state)
{
	struct ctx *c = *state;
	struct fb_spec s = {.ipver = 4,
			    .proto = IPPROTO_UDP,
			    .src = "198.18.7.1",
			    .dst = "198.18.7.2",
			    .sport = 7000,
			    .dport = 7001,
			    .payload = 22};
	const __u32 n = 10, frames = 1000, trials = 4000;
	size_t len = build(&s, NULL);
	unsigned int covered = 0, bytes_covered = 0, t;
	struct tapio_flow *f;
	double p, b, ci;

	for (t = 0; t < trials; t++) {
		reset(state);
		set_flow_sampling(c, n);
		run_tc_repeat(c, len, frames);
		f = NULL;
		p = b = 0;
		if (read_flows(c, &f) == 1) {
			p = (double)f[0].val.packets;
			b = (double)f[0].val.bytes;
		}
		free(f);
		ci = 1.96 * sqrt((n - 1) * p);
		covered += fabs(p - frames) <= ci;
		ci = p > 0 ? 1.96 * b * sqrt((n - 1) / p) : 0;
		bytes_covered += fabs(b - (double)frames * len) <= ci;
		assert_conserved(c, TAPIO_DIR_EGRESS);
		assert_int_equal(
			counters(c, TAPIO_DIR_EGRESS).c[TAPIO_CNT_SEEN_PKTS],
			frames);
	}
	printf("flow sampling 1/%u: the 95%% interval held the true packets "
	       "in %u and bytes in %u of %u trials\n",
	       n, covered, bytes_covered, trials);
	assert_in_range(covered, trials * 93 / 100, trials * 97 / 100);
	assert_in_range(bytes_covered, trials * 93 / 100, trials * 97 / 100);
}

/* SYN, FIN and RST are never sampled out, and count as 1 */
static void test_flow_sampling_kept(void **state)
{
	struct ctx *c = *state;
	struct fb_spec s = {.ipver = 6,
			    .proto = IPPROTO_TCP,
			    .src = "2001:db8::7",
			    .dst = "2001:db8::8",
			    .sport = 40000,
			    .dport = 443,
			    .tcp_flags = 0x02 /* SYN */};
	struct tapio_dir_counters k;
	struct tapio_flow f;
	size_t len;

	set_flow_sampling(c, 1000);
	len = build(&s, NULL);
	run_tc_repeat(c, len, 100);
	s.tcp_flags = 0x11; /* FIN|ACK */
	len = build(&s, NULL);
	run_tc_repeat(c, len, 100);
	s.tcp_flags = 0x14; /* RST|ACK */
	len = build(&s, NULL);
	run_tc_repeat(c, len, 100);
	f = one_flow(c);
	assert_int_equal(f.val.packets, 300);
	assert_int_equal(f.val.tcp_flags, 0x17);
	k = counters(c, TAPIO_DIR_EGRESS);
	assert_int_equal(k.c[TAPIO_CNT_SAMPLED_OUT_PKTS], 0);
	assert_int_equal(k.c[TAPIO_CNT_SAMPLED_EXTRA_PKTS], 0);
	/* an ACK alone is sampled: 1,000 of them at 1 in 1000 */
	s.tcp_flags = 0x10;
	len = build(&s, NULL);
	run_tc_repeat(c, len, 1000);
	k = counters(c, TAPIO_DIR_EGRESS);
	assert_true(k.c[TAPIO_CNT_SAMPLED_OUT_PKTS] > 0);
	assert_conserved(c, TAPIO_DIR_EGRESS);
}

/* --kernel-map shared: one value per flow that both CPUs add to at once.
 * Two threads pinned to two CPUs run the same flow's frame concurrently
 * (with plain adds 2 runs in 3 here lost counts); TCP flags set on
 * either CPU are OR-ed in; the walk and a drain read one value per flow. */
struct pinned_runs {
	int prog_fd, cpu, runs, err;
	__u32 repeat;
	uint8_t frame[128];
	size_t len;
};

static void *run_pinned(void *arg)
{
	struct pinned_runs *p = arg;
	cpu_set_t one;
	int i;

	CPU_ZERO(&one);
	CPU_SET(p->cpu, &one);
	if (sched_setaffinity(0, sizeof(one), &one)) {
		p->err = -errno;
		return NULL;
	}
	for (i = 0; i < p->runs && !p->err; i++) {
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = p->frame,
			    .data_size_in = (__u32)p->len,
			    .repeat = p->repeat ? p->repeat : 1);

		if (bpf_prog_test_run_opts(p->prog_fd, &o))
			p->err = -errno;
	}
	return NULL;
}

static int count_shared(const struct tapio_flow_rec *r, __u64 *packets,
			__u64 *bytes, __u8 *flags)
{
	if (r->key.src_port == 5000 || r->key.src_port == 40001) {
		*packets += r->val.packets;
		*bytes += r->val.bytes;
		*flags |= r->val.tcp_flags;
		return 1;
	}
	return 0;
}

struct shared_sum {
	__u64 packets, bytes, flows;
	__u8 flags;
};

static void sum_shared(const struct tapio_flow_rec *r,
		       enum tapio_end_reason why, void *ctx)
{
	struct shared_sum *t = ctx;

	(void)why;
	t->flows += (__u64)count_shared(r, &t->packets, &t->bytes, &t->flags);
}

static void test_shared_map(void **state)
{
	struct fb_spec s = {.ipver = 4,
			    .proto = IPPROTO_UDP,
			    .src = "10.1.1.1",
			    .dst = "10.1.1.2",
			    .sport = 5000,
			    .dport = 53,
			    .payload = 18};
	struct tapio_flow_table_opts to = {.max_flows = 64};
	/* tapio_tc, whose test runs repeat in the kernel without waiting
	 * for RCU as XDP's do: long stretches of adds on both CPUs */
	struct pinned_runs p[2] = {{.cpu = 0, .runs = 4, .repeat = 20000},
				   {.cpu = 1, .runs = 4, .repeat = 20000}};
	struct tapio_flow_value v[3] = {0};
	struct shared_sum sum = {0};
	struct tapio_flow_table *t;
	struct tapio_flow *f = NULL;
	struct tapio_drainer d;
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	struct ctx c = {0};
	pthread_t th[2];
	size_t n, udp_len, tcp_len[2];
	cpu_set_t old;
	int i;

	(void)state;
	if (libbpf_num_possible_cpus() < 2 ||
	    sched_getaffinity(0, sizeof(old), &old) || !CPU_ISSET(0, &old) ||
	    !CPU_ISSET(1, &old)) {
		skip();
		return;
	}
	c.xdp = tapio_xdp__open();
	assert_non_null(c.xdp);
	c.xdp->rodata->tapio_shared_flows = 1;
	assert_int_equal(
		bpf_map__set_type(c.xdp->maps.tapio_flows, BPF_MAP_TYPE_HASH),
		0);
	assert_int_equal(bpf_map__set_type(c.xdp->maps.tapio_flows_alt,
					   BPF_MAP_TYPE_HASH),
			 0);
	assert_int_equal(tapio_xdp__load(c.xdp), 0);
	c.tc = tapio_tc__open();
	assert_non_null(c.tc);
	c.tc->rodata->tapio_shared_flows = 1;
	assert_int_equal(tapio_share_maps(c.xdp, c.tc), 0);
	assert_int_equal(tapio_tc__load(c.tc), 0);
	c.flows_fd = bpf_map__fd(c.xdp->maps.tapio_flows);
	c.cnt_fd = bpf_map__fd(c.xdp->maps.tapio_counters);
	assert_int_equal(bpf_obj_get_info_by_fd(c.flows_fd, &info, &len), 0);
	assert_int_equal(info.type, BPF_MAP_TYPE_HASH);
	assert_int_equal(info.value_size, sizeof(struct tapio_flow_value));

	/* the same UDP flow from both CPUs at once */
	n = udp_len = build(&s, NULL);
	for (i = 0; i < 2; i++) {
		p[i].prog_fd = bpf_program__fd(c.tc->progs.tapio_tc);
		memcpy(p[i].frame, frame, n);
		p[i].len = n;
		assert_int_equal(
			pthread_create(&th[i], NULL, run_pinned, &p[i]), 0);
	}
	for (i = 0; i < 2; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(p[i].err, 0);
	}
	/* a TCP flow: SYN on CPU 0 (at XDP), FIN|ACK on CPU 1 (at TC) */
	s.proto = IPPROTO_TCP;
	s.sport = 40001;
	s.payload = 0;
	s.tcp_flags = 0x02;
	tcp_len[0] = build(&s, NULL);
	memcpy(p[0].frame, frame, tcp_len[0]);
	p[0].len = tcp_len[0];
	p[0].runs = 1;
	p[0].repeat = 1;
	p[0].prog_fd = bpf_program__fd(c.xdp->progs.tapio_xdp);
	s.tcp_flags = 0x11;
	tcp_len[1] = build(&s, NULL);
	memcpy(p[1].frame, frame, tcp_len[1]);
	p[1].len = tcp_len[1];
	p[1].runs = 1;
	p[1].repeat = 1;
	p[1].prog_fd = p[0].prog_fd;
	for (i = 0; i < 3; i++) {
		/* the third: FIN|ACK on CPU 1 at TC, an egress flow of its own
		 * through tapio_tc, loaded for the shared maps too */
		if (i == 2)
			p[1].prog_fd = bpf_program__fd(c.tc->progs.tapio_tc);
		assert_int_equal(
			pthread_create(&th[0], NULL, run_pinned, &p[i ? 1 : 0]),
			0);
		pthread_join(th[0], NULL);
		assert_int_equal(p[i ? 1 : 0].err, 0);
	}
	sched_setaffinity(0, sizeof(old), &old);

	/* one value per flow, holding every packet of both CPUs */
	assert_int_equal(tapio_flows_read(c.flows_fd, &f, &n), 0);
	assert_int_equal(n, 3);
	for (i = 0; i < 3; i++)
		v[f[i].key.protocol != IPPROTO_TCP
			  ? 0
			  : 1 + (f[i].key.direction == TAPIO_DIR_EGRESS)] =
			f[i].val;
	free(f);
	assert_int_equal(v[0].packets, 160000);
	assert_int_equal(v[0].bytes, 160000 * (__u64)udp_len);
	assert_int_equal(v[1].packets, 2);
	assert_int_equal(v[1].bytes, tcp_len[0] + tcp_len[1]);
	assert_int_equal(v[1].tcp_flags, 0x13);
	assert_int_equal(v[2].packets, 1);
	assert_int_equal(v[2].tcp_flags, 0x11);
	assert_true(v[0].first_seen_ns &&
		    v[0].first_seen_ns <= v[0].last_seen_ns);
	assert_conserved(&c, TAPIO_DIR_INGRESS);
	assert_conserved(&c, TAPIO_DIR_EGRESS);

	/* a drain moves both into the table, exactly */
	assert_int_equal(
		tapio_drainer_init(&d, bpf_map__fd(c.xdp->maps.tapio_config),
				   c.flows_fd,
				   bpf_map__fd(c.xdp->maps.tapio_flows_alt)),
		0);
	assert_int_equal(tapio_flow_table_new(&to, &t), 0);
	assert_int_equal(tapio_drain_all(&d, t), 0);
	tapio_flow_table_flush(t, sum_shared, &sum);
	assert_int_equal(sum.flows, 3);
	assert_int_equal(sum.packets, 160003);
	assert_int_equal(sum.flags, 0x13);
	assert_int_equal(d.st.flows, 3);
	tapio_flow_table_free(t);
	tapio_drainer_close(&d);
	tapio_tc__destroy(c.tc);
	tapio_xdp__destroy(c.xdp);
}

int main(void)
{
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test_setup(test_udp4, reset),
		cmocka_unit_test_setup(test_tcp_flags, reset),
		cmocka_unit_test_setup(test_overflow, reset),
		cmocka_unit_test_setup(test_drain_request, reset),
		cmocka_unit_test(test_bio_reap),
		cmocka_unit_test_setup(test_two_cpus_first_seen, reset),
		cmocka_unit_test_setup(test_drain_under_load, reset),
		cmocka_unit_test_setup(test_tc_egress, reset),
		cmocka_unit_test_setup(test_flow_sampling, reset),
		cmocka_unit_test_setup(test_flow_sampling_kept, reset),
		cmocka_unit_test(test_shared_map),
	};
	size_t nfixed = sizeof(fixed) / sizeof(fixed[0]), i, n;
	struct CMUnitTest *tests;
	char(*names)[128];
	void *ctx;
	int err;

	if (geteuid() != 0) {
		printf("SKIP: prog_run needs root (BPF_PROG_TEST_RUN)\n");
		return 77;
	}
	/* each test's state is its own (the context, or its frame case):
	 * with a group state cmocka would hand that to every test */
	if (setup(&ctx))
		return 1;
	/* every frame case through tapio_xdp and through tapio_tc */
	n = nfixed + 2 * frame_ncases;
	tests = calloc(n, sizeof(*tests));
	names = calloc(2 * frame_ncases, sizeof(*names));
	if (!tests || !names) {
		free(tests);
		free(names);
		teardown(&ctx);
		return 1;
	}
	memcpy(tests, fixed, sizeof(fixed));
	for (i = 0; i < nfixed; i++)
		tests[i].initial_state = ctx;
	for (i = 0; i < 2 * frame_ncases; i++) {
		struct CMUnitTest *t = &tests[nfixed + i];
		bool xdp = i < frame_ncases;

		snprintf(names[i], sizeof(names[i]), "%s: %s",
			 xdp ? "xdp" : "tc",
			 frame_cases[i % frame_ncases].name);
		t->name = names[i];
		t->test_func = xdp ? test_case_xdp : test_case_tc;
		t->setup_func = reset_case;
		t->initial_state = (void *)&frame_cases[i % frame_ncases];
	}
	err = _cmocka_run_group_tests("prog_run", tests, n, NULL, NULL);
	teardown(&ctx);
	free(tests);
	free(names);
	return err;
}
