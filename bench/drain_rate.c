// SPDX-License-Identifier: GPL-2.0
/* bench/drain_rate: flows per second a drain moves from a full kernel flow
 * map into the table, by map size and kind (per-CPU or shared), and the
 * kernel's part of it (batched look-up alone, and look-up and delete). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "lib/clock.h"
#include "lib/drainer.h"
#include "lib/flow_dump.h"
#include "lib/flow_table.h"
#include "tapio_xdp.skel.h"

#define ROUNDS 3

static int ncpus;

/* @n distinct flows, one packet each on every CPU, into map @fd (a value
 * a CPU, or one for a shared map) */
static int fill(int fd, __u32 n)
{
	struct bpf_map_info info = {};
	__u32 ilen = sizeof(info);
	int values = ncpus;
	size_t stride = (sizeof(struct tapio_flow_value) + 7) & ~(size_t)7;
	const __u32 chunk = 4096;
	struct tapio_flow_key *keys = calloc(chunk, sizeof(*keys));
	char *vals = calloc(chunk, stride * (size_t)ncpus);
	__u32 i, j, c;
	int err = 0;

	if (!keys || !vals) {
		err = -ENOMEM;
		goto out;
	}
	if (!bpf_obj_get_info_by_fd(fd, &info, &ilen) &&
	    info.type == BPF_MAP_TYPE_HASH)
		values = 1;
	for (i = 0; i < n && !err; i += c) {
		LIBBPF_OPTS(bpf_map_batch_opts, bo);

		c = n - i < chunk ? n - i : chunk;
		for (j = 0; j < c; j++) {
			struct tapio_flow_key *k = &keys[j];
			__u32 f = i + j;
			int cpu;

			memset(k, 0, sizeof(*k));
			k->ip_version = 4;
			k->protocol = 17;
			k->src_addr[10] = k->src_addr[11] = 0xff;
			memcpy(&k->src_addr[12], &f, 4);
			k->src_port = 1000;
			k->dst_port = 53;
			k->ifindex = 1;
			for (cpu = 0; cpu < values; cpu++) {
				struct tapio_flow_value *v =
					(void *)(vals + (j * (size_t)values +
							 (size_t)cpu) *
								stride);

				v->packets = 1;
				v->bytes = 64;
				v->first_seen_ns = v->last_seen_ns = 1000 + f;
			}
		}
		if (bpf_map_update_batch(fd, keys, vals, &c, &bo))
			err = -errno;
	}
out:
	free(keys);
	free(vals);
	return err;
}

static void nothing(const struct tapio_flow_key *keys,
		    const struct tapio_flow_value *v, size_t n, void *ctx)
{
	(void)keys;
	(void)v;
	*(__u64 *)ctx += n;
}

static void ended(const struct tapio_flow_rec *rec, enum tapio_end_reason why,
		  void *ctx)
{
	(void)rec;
	(void)why;
	(void)ctx;
}

/* Fill the generation being written with @n flows, then one drain of it
 * into @t: its ns per flow, less the RCU wait, added to *@ns */
static int fill_and_drain(struct tapio_drainer *d, struct tapio_flow_table *t,
			  __u32 n, double *ns)
{
	__u64 t0, wait;
	int err = fill(d->flows_fd[d->gen], n);

	t0 = tapio_mono_ns();
	tapio_drainer_wait(d);
	wait = tapio_mono_ns() - t0;
	t0 = tapio_mono_ns();
	if (!err)
		err = tapio_drain(d, t);
	*ns += (double)(tapio_mono_ns() - t0 - wait) / n;
	return err;
}

static int bench_size(__u32 n, int shared)
{
	const char *kind = shared ? "_shared" : "";
	struct tapio_flow_table_opts to = {.max_flows = n};
	double look = 0, kern = 0, drain = 0, warm = 0;
	struct tapio_drainer d;
	struct tapio_xdp *obj;
	int r, err = -EINVAL;

	obj = tapio_xdp__open();
	if (!obj)
		return -errno;
	bpf_map__set_max_entries(obj->maps.tapio_flows, n);
	bpf_map__set_max_entries(obj->maps.tapio_flows_alt, n);
	if (shared) {
		bpf_map__set_type(obj->maps.tapio_flows, BPF_MAP_TYPE_HASH);
		bpf_map__set_type(obj->maps.tapio_flows_alt, BPF_MAP_TYPE_HASH);
		obj->rodata->tapio_shared_flows = 1;
	}
	err = tapio_xdp__load(obj);
	if (!err)
		err = tapio_drainer_init(
			&d, bpf_map__fd(obj->maps.tapio_config),
			bpf_map__fd(obj->maps.tapio_flows),
			bpf_map__fd(obj->maps.tapio_flows_alt));
	if (err) {
		fprintf(stderr, "drain_rate: cannot load a %u-flow map: %d\n",
			n, err);
		tapio_xdp__destroy(obj);
		return err;
	}
	for (r = 0; r < ROUNDS && !err; r++) {
		struct tapio_flow_table *t;
		__u64 t0, seen = 0;

		/* the kernel's part: read (and delete), nothing done with it */
		err = fill(d.flows_fd[d.gen], n);
		t0 = tapio_mono_ns();
		if (!err)
			err = tapio_flows_walk(d.flows_fd[d.gen], false,
					       nothing, &seen);
		look += (double)(tapio_mono_ns() - t0) / n;
		t0 = tapio_mono_ns();
		if (!err)
			err = tapio_flows_walk(d.flows_fd[d.gen], true, nothing,
					       &seen);
		kern += (double)(tapio_mono_ns() - t0) / n;
		if (!err && seen != 2 * (__u64)n)
			err = -EIO;
		/* a whole drain into an empty table, less its RCU wait */
		if (!err)
			err = tapio_flow_table_new(&to, &t);
		if (err)
			break;
		err = fill_and_drain(&d, t, n, &drain);
		/* again into the same table once its flows ended: memory a
		 * running collector has used before, without page faults */
		tapio_flow_table_flush(t, ended, NULL);
		if (!err)
			err = fill_and_drain(&d, t, n, &warm);
		tapio_flow_table_free(t);
	}
	if (!err) {
		printf("bench: drain_kernel_lookup%s_%u %.0f ns/flow\n", kind,
		       n, look / ROUNDS);
		printf("bench: drain_kernel%s_%u %.0f ns/flow\n", kind, n,
		       kern / ROUNDS);
		printf("bench: drain_flows_per_s%s_%u %.2f Mflows/s\n", kind, n,
		       1e3 * ROUNDS / drain);
		printf("bench: drain_flows_per_s_warm%s_%u %.2f Mflows/s\n",
		       kind, n, 1e3 * ROUNDS / warm);
	}
	tapio_drainer_close(&d);
	tapio_xdp__destroy(obj);
	return err;
}

/* The table's part alone, in the same run: @n new flows in 1024-flow
 * batches as a drain hands them over, one add at a time against the
 * batch add (what the drainer uses). */
static int bench_table(__u32 n)
{
	struct tapio_flow_table_opts to = {.max_flows = n};
	struct tapio_flow_key *keys = calloc(n, sizeof(*keys));
	struct tapio_flow_value *vals = calloc(n, sizeof(*vals));
	double ns[2] = {0, 0};
	__u32 i, b;
	int r, way, err = 0;

	if (!keys || !vals) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		__u32 f = i * 2654435761u; /* any order, as a map gives */

		keys[i].ip_version = 4;
		keys[i].protocol = 17;
		memcpy(&keys[i].src_addr[12], &f, 4);
		keys[i].dst_port = 53;
		vals[i].packets = 1;
		vals[i].bytes = 64;
	}
	for (r = 0; r < ROUNDS && !err; r++)
		for (way = 0; way < 2 && !err; way++) {
			struct tapio_flow_table *t;
			__u64 t0;

			err = tapio_flow_table_new(&to, &t);
			if (err)
				break;
			t0 = tapio_mono_ns();
			for (b = 0; b < n; b += 1024) {
				if (way)
					tapio_flow_table_add_batch(
						t, keys + b, vals + b, 1024,
						NULL, NULL);
				else
					for (i = b; i < b + 1024; i++)
						tapio_flow_table_add(
							t, &keys[i], &vals[i]);
			}
			ns[way] += (double)(tapio_mono_ns() - t0) / n;
			tapio_flow_table_free(t);
		}
	if (!err) {
		printf("bench: table_add_new_%u %.0f ns/flow\n", n,
		       ns[0] / ROUNDS);
		printf("bench: table_add_batch_new_%u %.0f ns/flow\n", n,
		       ns[1] / ROUNDS);
		printf("bench: table_add_batch_vs_one_%u %.2f ratio\n", n,
		       ns[1] / ns[0]);
	}
out:
	free(keys);
	free(vals);
	return err;
}

int main(void)
{
	static const __u32 sizes[] = {65536, 262144, 1048576};
	unsigned int s;

	if (geteuid()) {
		printf("SKIP: drain_rate needs root (BPF)\n");
		return 0;
	}
	libbpf_set_print(NULL);
	ncpus = libbpf_num_possible_cpus();
	if (ncpus <= 0)
		return 1;
	for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++)
		if (bench_size(sizes[s], 0) || bench_size(sizes[s], 1) ||
		    bench_table(sizes[s]))
			return 1;
	return 0;
}
