// SPDX-License-Identifier: GPL-2.0
/* bench/filter_cost: ns per packet of tapio_xdp with no flow filter, one
 * rule and all 16 (none matching: every rule is evaluated and the packet
 * still accounted, the dearest case), 16 with the first excluding it, one
 * rule with a prefix set of 100 and 10,000 (none holding the frame's
 * addresses, and one that does), and flow sampling 1 in 10 and 1 in 1000,
 * interleaved in one run, timed by BPF_PROG_TEST_RUN. */
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

/* Set @id of @n /24s in 100.0.0.0/10, none the frame's, and with @hit
 * the frame's source /24 as well */
static int fill_set(int fd, __u32 id, __u32 n, int hit)
{
	struct tapio_prefix_key k = {.prefixlen = 32 + 96 + 24, .set = id};
	const __u8 one = 1;
	__u32 i;

	k.addr[10] = k.addr[11] = 0xff;
	for (i = 0; i < n; i++) {
		k.addr[12] = 100;
		k.addr[13] = (__u8)(i >> 8);
		k.addr[14] = (__u8)i;
		if (bpf_map_update_elem(fd, &k, &one, BPF_ANY))
			return -errno;
	}
	k.addr[12] = 198;
	k.addr[13] = 18;
	k.addr[14] = 100;
	if (hit && bpf_map_update_elem(fd, &k, &one, BPF_ANY))
		return -errno;
	return 0;
}

/* @n rules in the slots; with @first_hits the first excludes the frame's
 * port, the others (and all, without it) match a port it does not have;
 * with @set one rule, UDP in prefix set @set */
static void set_rules(int cfg_fd, int filters_fd, __u32 n, int first_hits,
		      __u32 sample_n, __u32 set)
{
	struct tapio_config cfg;
	__u32 zero = 0, i;

	for (i = 0; i < TAPIO_FLOW_FILTERS_MAX; i++) {
		struct tapio_flow_filter f = {.action = TAPIO_FILTER_EXCLUDE,
					      .id = i + 1};

		f.m.proto = IPPROTO_UDP;
		f.m.port = (__u16)(i == 0 && first_hits ? 9000 : 20000 + i);
		f.m.ip_only = 1;
		if (set) {
			f.m.port = 0;
			f.prefix_set = 1;
			f.id = set;
		}
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
		__u32 set; /* the rule's prefix set (its size, +1: holds the
			    * frame's source) */
	} cases[] = {{"flow_filter_0_rules", 0, 0, 0, 0},
		     {"flow_filter_1_rule", 1, 0, 0, 0},
		     {"flow_filter_16_rules", 16, 0, 0, 0},
		     {"flow_filter_16_rules_first_excludes", 16, 1, 0, 0},
		     {"flow_filter_set_100", 1, 0, 0, 100},
		     {"flow_filter_set_10000", 1, 0, 0, 10000},
		     {"flow_filter_set_10000_excludes", 1, 0, 0, 10001},
		     {"flow_sample_1_in_10", 0, 0, 10, 0},
		     {"flow_sample_1_in_1000", 0, 0, 1000, 0}};
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
	int prog, cfg_fd, filters_fd, prefixes_fd, c, r;
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
	prefixes_fd = map_fd(obj, "tapio_filter_prefixes");
	if (prog < 0 || cfg_fd < 0 || filters_fd < 0 || prefixes_fd < 0) {
		fprintf(stderr,
			"bench: tapio_xdp.o lacks its program or maps\n");
		return 1;
	}
	if (fill_set(prefixes_fd, 100, 100, 0) ||
	    fill_set(prefixes_fd, 10000, 10000, 0) ||
	    fill_set(prefixes_fd, 10001, 9999, 1)) {
		fprintf(stderr, "bench: cannot fill tapio_filter_prefixes\n");
		return 1;
	}
	bench_test_run(prog, frame, len, 1); /* the flow exists from here on */
	/* rounds interleave the cases: the machine's noise falls on all */
	for (r = 0; r < ROUNDS; r++)
		for (c = 0; c < ncases; c++) {
			set_rules(cfg_fd, filters_fd, cases[c].n,
				  cases[c].first_hits, cases[c].sample_n,
				  cases[c].set);
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
