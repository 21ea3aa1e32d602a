// SPDX-License-Identifier: GPL-2.0
/* bench/filter_cost: ns per packet of tapio_xdp with no flow filter, one
 * rule and all 16 (none matching: every rule is evaluated and the packet
 * still accounted, the dearest case), 16 with the first excluding it, and
 * flow sampling 1 in 10 and 1 in 1000, interleaved in one run, timed by
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
#include "tapio/config.h"
#include "tapio/flow_filter.h"

#define ROUNDS 7

static int map_fd(struct bpf_object *obj, const char *name)
{
	struct bpf_map *m = bpf_object__find_map_by_name(obj, name);

	return m ? bpf_map__fd(m) : -ENOENT;
}

/* @n rules in the slots; with @first_hits the first excludes the frame's
 * port, the others (and all, without it) match a port it does not have */
static void set_rules(int cfg_fd, int filters_fd, __u32 n, int first_hits,
		      __u32 sample_n)
{
	struct tapio_config cfg;
	__u32 zero = 0, i;

	for (i = 0; i < TAPIO_FLOW_FILTERS_MAX; i++) {
		struct tapio_flow_filter f = {.action = TAPIO_FILTER_EXCLUDE,
					      .id = i + 1};

		f.m.proto = IPPROTO_UDP;
		f.m.port = (__u16)(i == 0 && first_hits ? 9000 : 20000 + i);
		f.m.ip_only = 1;
		if (i >= n)
			memset(&f, 0, sizeof(f));
		bpf_map_update_elem(filters_fd, &i, &f, 0);
	}
	bpf_map_lookup_elem(cfg_fd, &zero, &cfg);
	cfg.filters = n;
	cfg.filter_include = 0;
	cfg.flow_sample_n = sample_n;
	bpf_map_update_elem(cfg_fd, &zero, &cfg, 0);
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		__u32 n;
		int first_hits;
		__u32 sample_n;
	} cases[] = {{"flow_filter_0_rules", 0, 0, 0},
		     {"flow_filter_1_rule", 1, 0, 0},
		     {"flow_filter_16_rules", 16, 0, 0},
		     {"flow_filter_16_rules_first_excludes", 16, 1, 0},
		     {"flow_sample_1_in_10", 0, 0, 10},
		     {"flow_sample_1_in_1000", 0, 0, 1000}};
	const int ncases = sizeof(cases) / sizeof(cases[0]);
	__u32 repeat = argc > 1 ? (__u32)atoi(argv[1]) : 2000000;
	struct fb_spec s = {.ipver = 4,
			    .proto = IPPROTO_UDP,
			    .src = "198.18.100.1",
			    .dst = "198.18.0.1",
			    .sport = 1024,
			    .dport = 9000,
			    .payload = 18};
	double t[sizeof(cases) / sizeof(cases[0])][ROUNDS],
		med[sizeof(cases) / sizeof(cases[0])];
	uint8_t frame[128];
	struct bpf_object *obj;
	int prog, cfg_fd, filters_fd, c, r;
	size_t len;

	libbpf_set_print(NULL);
	if (geteuid() != 0) {
		printf("SKIP: bench needs root (BPF_PROG_TEST_RUN)\n");
		return 77;
	}
	len = fb_build(&s, frame, sizeof(frame), NULL);
	obj = bpf_object__open_file("build/tapio_xdp.o", NULL);
	if (!obj || bpf_object__load(obj)) {
		fprintf(stderr, "bench: cannot load build/tapio_xdp.o\n");
		return 1;
	}
	prog = bpf_program__fd(
		bpf_object__find_program_by_name(obj, "tapio_xdp"));
	cfg_fd = map_fd(obj, "tapio_config");
	filters_fd = map_fd(obj, "tapio_filters");
	if (prog < 0 || cfg_fd < 0 || filters_fd < 0) {
		fprintf(stderr,
			"bench: tapio_xdp.o lacks its program or maps\n");
		return 1;
	}
	bench_test_run(prog, frame, len, 1); /* the flow exists from here on */
	/* rounds interleave the cases: the machine's noise falls on all */
	for (r = 0; r < ROUNDS; r++)
		for (c = 0; c < ncases; c++) {
			set_rules(cfg_fd, filters_fd, cases[c].n,
				  cases[c].first_hits, cases[c].sample_n);
			t[c][r] = bench_test_run(prog, frame, len, repeat);
		}
	for (c = 0; c < ncases; c++) {
		med[c] = bench_median(t[c], ROUNDS);
		printf("bench: %s %.1f ns/pkt\n", cases[c].name, med[c]);
	}
	for (c = 1; c < ncases; c++)
		printf("bench: %s_vs_0 %.2f ratio\n", cases[c].name,
		       med[c] / med[0]);
	bpf_object__close(obj);
	return 0;
}
