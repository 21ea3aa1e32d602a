// SPDX-License-Identifier: GPL-2.0
/* bench/spill_cost: what a packet costs once its flow finds the kernel map
 * full: handed to the collector through tapio_spill, against counted as
 * overflow and against a packet of a flow the map holds; then the
 * collector's part, reading the records off the ring into the table. */
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
#include "lib/clock.h"
#include "lib/flow_dump.h"
#include "lib/flow_table.h"
#include "tapio/config.h"
#include "tapio/counters.h"
#include "tapio/spill.h"

#define ROUNDS 5

enum { KNOWN, OVERFLOW, SPILL, NCASES };

static const char *const case_names[NCASES] = {"spill_cost_known_flow",
					       "spill_cost_map_full_overflow",
					       "spill_cost_map_full_spill"};

struct reader {
	struct tapio_flow_table *t; /* NULL: only count */
	__u64 records, packets, refused;
};

/* As the collector's on_spill, each record made a flow of its own: in a
 * burst of new flows every spilled packet is one */
static int on_record(void *ctx, void *data, size_t size)
{
	struct reader *rd = ctx;
	struct tapio_spill_rec r;

	if (size != sizeof(r))
		return 0;
	rd->records++;
	if (!rd->t)
		return 0;
	memcpy(&r, data, sizeof(r));
	memcpy(&r.key.src_addr[12], &rd->records, 4);
	rd->packets += r.val.packets;
	if (tapio_flow_table_add(rd->t, &r.key, &r.val) == -ENOSPC)
		rd->refused++;
	return 0;
}

static void ended(const struct tapio_flow_rec *rec, enum tapio_end_reason why,
		  void *ctx)
{
	(void)rec;
	(void)why;
	(void)ctx;
}

static int map_fd(struct bpf_object *obj, const char *name)
{
	struct bpf_map *m = bpf_object__find_map_by_name(obj, name);

	return m ? bpf_map__fd(m) : -ENOENT;
}

static void set_spill(int cfg_fd, __u32 on)
{
	struct tapio_config cfg;
	__u32 zero = 0;

	bpf_map_lookup_elem(cfg_fd, &zero, &cfg);
	cfg.spill = on;
	bpf_map_update_elem(cfg_fd, &zero, &cfg, 0);
}

static __u64 counter(int cnt_fd, int c)
{
	struct tapio_dir_counters d[TAPIO_DIR_MAX];

	if (tapio_counters_read(cnt_fd, d))
		return 0;
	return d[TAPIO_DIR_INGRESS].c[c];
}

int main(int argc, char **argv)
{
	/* a run leaves a record per packet: the ring holds ~160,000 */
	__u32 repeat = argc > 1 ? (__u32)atoi(argv[1]) : 100000;
	struct fb_spec s = {.ipver = 4,
			    .proto = IPPROTO_UDP,
			    .src = "198.18.100.1",
			    .dst = "198.18.0.1",
			    .sport = 1024,
			    .dport = 9000,
			    .payload = 18};
	double t[NCASES][ROUNDS], med[NCASES], rd_ns[2][ROUNDS];
	struct tapio_flow_table_opts to = {.max_flows = 1 << 20};
	struct tapio_flow_table *table = NULL;
	struct reader rd = {0};
	struct ring_buffer *rb = NULL;
	uint8_t known[128], fresh[128];
	struct bpf_object *obj;
	int prog, cfg_fd, cnt_fd, spill_fd, c, r, ret = 1;
	size_t len;

	libbpf_set_print(NULL);
	if (geteuid() != 0) {
		printf("SKIP: bench needs root (BPF_PROG_TEST_RUN)\n");
		return 77;
	}
	len = fb_build(&s, known, sizeof(known), NULL);
	s.sport = 1025; /* a flow the full map has no entry for */
	fb_build(&s, fresh, sizeof(fresh), NULL);
	obj = bpf_object__open_file("build/tapio_xdp.o", NULL);
	if (!obj) {
		fprintf(stderr, "bench: cannot open build/tapio_xdp.o\n");
		return 1;
	}
	/* one entry a generation: the known flow fills it */
	bpf_map__set_max_entries(
		bpf_object__find_map_by_name(obj, "tapio_flows"), 1);
	bpf_map__set_max_entries(
		bpf_object__find_map_by_name(obj, "tapio_flows_alt"), 1);
	if (bpf_object__load(obj)) {
		fprintf(stderr, "bench: cannot load build/tapio_xdp.o\n");
		goto out;
	}
	prog = bpf_program__fd(
		bpf_object__find_program_by_name(obj, "tapio_xdp"));
	cfg_fd = map_fd(obj, "tapio_config");
	cnt_fd = map_fd(obj, "tapio_counters");
	spill_fd = map_fd(obj, "tapio_spill");
	if (prog < 0 || cfg_fd < 0 || cnt_fd < 0 || spill_fd < 0) {
		fprintf(stderr,
			"bench: tapio_xdp.o lacks its program or maps\n");
		goto out;
	}
	rb = ring_buffer__new(spill_fd, on_record, &rd, NULL);
	if (!rb) {
		fprintf(stderr, "bench: cannot read tapio_spill: %s\n",
			strerror(errno));
		goto out;
	}
	/* one table for all rounds, as a collector's: it grows over them */
	if (tapio_flow_table_new(&to, &table)) {
		fprintf(stderr, "bench: no table\n");
		goto out;
	}
	bench_test_run(prog, known, len, 1);
	for (r = 0; r < ROUNDS; r++) {
		for (c = 0; c < NCASES; c++) {
			set_spill(cfg_fd, c == SPILL);
			t[c][r] = bench_test_run(
				prog, c == KNOWN ? known : fresh, len, repeat);
		}
		/* the collector's part: the spill case's records only read
		 * off the ring, then as many again merged into a table */
		for (c = 0; c < 2; c++) {
			__u64 t0, before = rd.records;

			if (c == 1) { /* a second batch of records to merge */
				set_spill(cfg_fd, 1);
				bench_test_run(prog, fresh, len, repeat);
			}
			t0 = tapio_mono_ns();
			ring_buffer__consume(rb);
			rd_ns[c][r] = (double)(tapio_mono_ns() - t0) /
				      (double)(rd.records - before);
			rd.t = c == 0 ? table : NULL;
		}
		/* the flows end, as a collector's do: the next round reuses
		 * their memory (the first round pays its page faults) */
		tapio_flow_table_flush(table, ended, NULL);
	}
	/* every run of the spill case must have spilled, none overflowed:
	 * else the figure is of something else */
	if (rd.records != (__u64)ROUNDS * 2 * repeat ||
	    counter(cnt_fd, TAPIO_CNT_SPILLED_PKTS) != rd.records) {
		fprintf(stderr,
			"bench: %llu records read, %llu spilled, %u sent: the "
			"ring filled\n",
			(unsigned long long)rd.records,
			(unsigned long long)counter(cnt_fd,
						    TAPIO_CNT_SPILLED_PKTS),
			ROUNDS * 2 * repeat);
		goto out;
	}
	if (rd.refused) {
		fprintf(stderr, "bench: the table refused %llu records\n",
			(unsigned long long)rd.refused);
		goto out;
	}
	for (c = 0; c < NCASES; c++) {
		med[c] = bench_median(t[c], ROUNDS);
		printf("bench: %s %.1f ns/pkt\n", case_names[c], med[c]);
	}
	printf("bench: spill_cost_ring_vs_overflow %.1f ns/pkt\n",
	       med[SPILL] - med[OVERFLOW]);
	printf("bench: spill_cost_spill_vs_known %.2f ratio\n",
	       med[SPILL] / med[KNOWN]);
	printf("bench: spill_cost_read_record %.1f ns/record\n",
	       bench_median(rd_ns[0], ROUNDS));
	printf("bench: spill_cost_read_merge_new_flow %.1f ns/record\n",
	       bench_median(rd_ns[1], ROUNDS));
	ret = 0;
out:
	ring_buffer__free(rb);
	tapio_flow_table_free(table);
	bpf_object__close(obj);
	return ret;
}
