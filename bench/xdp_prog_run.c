// SPDX-License-Identifier: GPL-2.0
/* bench/xdp_prog_run: ns per packet of XDP_PASS, a minimal per-CPU hash
 * reference (16-byte and 48-byte keys) and tapio_xdp, in one run, timed by
 * BPF_PROG_TEST_RUN. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/in.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "frame_build.h"
#include "test_run.h"

#define NFLOWS 10000
#define ROUNDS 5

struct prog {
	const char *name, *file, *sec_prog;
	struct bpf_object *obj;
	int fd;
	double single, flows;
};

static int load(struct prog *p)
{
	struct bpf_program *bp;
	int err;

	p->obj = bpf_object__open_file(p->file, NULL);
	if (!p->obj) {
		fprintf(stderr, "bench: cannot open %s: %s\n", p->file,
			strerror(errno));
		return -errno;
	}
	err = bpf_object__load(p->obj);
	if (err) {
		fprintf(stderr, "bench: cannot load %s: %d\n", p->file, err);
		return err;
	}
	bp = bpf_object__find_program_by_name(p->obj, p->sec_prog);
	if (!bp)
		return -ENOENT;
	p->fd = bpf_program__fd(bp);
	return 0;
}

static void build_udp(uint8_t *frame, size_t *len, unsigned int flow)
{
	char src[32];
	struct fb_spec s = {.ipver = 4,
			    .proto = IPPROTO_UDP,
			    .src = src,
			    .dst = "198.18.0.1",
			    .dport = 9000,
			    .payload = 18 /* 64-byte frame */};

	snprintf(src, sizeof(src), "198.18.%u.%u", 100 + flow / 65536 % 100,
		 flow / 256 % 256);
	s.sport = (uint16_t)(1024 + flow % 60000);
	*len = fb_build(&s, frame, 128, NULL);
}

static void ratio(const char *what, double tapio, double pass, double ref,
		  double ref48)
{
	printf("bench: tapio_xdp_vs_ref_%s %.2f ratio\n", what, tapio / ref);
	printf("bench: tapio_xdp_vs_ref_key48_%s %.2f ratio\n", what,
	       tapio / ref48);
	printf("bench: tapio_xdp_vs_pass_%s %.2f ratio\n", what, tapio / pass);
}

int main(int argc, char **argv)
{
	struct prog progs[] = {
		{.name = "xdp_pass",
		 .file = "build/bench/xdp_pass.o",
		 .sec_prog = "bench_xdp_pass"},
		{.name = "xdp_ref",
		 .file = "build/bench/xdp_ref.o",
		 .sec_prog = "bench_xdp_ref"},
		{.name = "xdp_ref_key48",
		 .file = "build/bench/xdp_ref_key48.o",
		 .sec_prog = "bench_xdp_ref"},
		{.name = "tapio_xdp",
		 .file = "build/tapio_xdp.o",
		 .sec_prog = "tapio_xdp"},
	};
	__u32 repeat = argc > 1 ? (__u32)atoi(argv[1]) : 2000000;
	__u32 per_flow = 20;
	static uint8_t frames[NFLOWS][128];
	static size_t lens[NFLOWS];
	double single[4][ROUNDS], flows[4][ROUNDS];
	size_t i, n = sizeof(progs) / sizeof(progs[0]);
	int r, f;
	__u32 k;

	libbpf_set_print(NULL);
	if (geteuid() != 0) {
		printf("SKIP: bench needs root (BPF_PROG_TEST_RUN)\n");
		return 77;
	}
	for (f = 0; f < NFLOWS; f++)
		build_udp(frames[f], &lens[f], (unsigned int)f);
	for (i = 0; i < n; i++)
		if (load(&progs[i]))
			return 1;

	/* Interleave the programs round by round, so that noise from the
	 * machine falls on all of them alike; report each one's median. */
	for (i = 0; i < n; i++) /* first sweep inserts the flows */
		for (f = 0; f < NFLOWS; f++)
			bench_test_run(progs[i].fd, frames[f], lens[f], 1);
	for (r = 0; r < ROUNDS; r++) {
		for (i = 0; i < n; i++) {
			double total = 0;

			single[i][r] = bench_test_run(progs[i].fd, frames[0],
						      lens[0], repeat);
			/* sweeps of one run per frame: an XDP test run
			 * with repeat > 1 waits for an RCU grace period
			 * (tens of ms with rcu_expedited=0), one per frame
			 * made this case take hours */
			for (k = 0; k < per_flow; k++)
				for (f = 0; f < NFLOWS; f++)
					total += bench_test_run(progs[i].fd,
								frames[f],
								lens[f], 1);
			flows[i][r] = total / ((double)NFLOWS * per_flow);
		}
	}
	for (i = 0; i < n; i++) {
		progs[i].single = bench_median(single[i], ROUNDS);
		progs[i].flows = bench_median(flows[i], ROUNDS);
	}

	for (i = 0; i < n; i++)
		printf("bench: %s_64b %.1f ns/pkt\n", progs[i].name,
		       progs[i].single);
	for (i = 0; i < n; i++)
		printf("bench: %s_10k_flows %.1f ns/pkt\n", progs[i].name,
		       progs[i].flows);
	ratio("64b", progs[3].single, progs[0].single, progs[1].single,
	      progs[2].single);
	ratio("10k_flows", progs[3].flows, progs[0].flows, progs[1].flows,
	      progs[2].flows);
	for (i = 0; i < n; i++)
		bpf_object__close(progs[i].obj);
	return 0;
}
