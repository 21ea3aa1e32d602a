// SPDX-License-Identifier: GPL-2.0
/* bench/drain_bench: time of one drain cycle of 1, 8 and 64 devices (each a
 * loaded tapio_xdp with 64 flows per cycle), one device after another
 * against one wait for all, under rcu_expedited 0 and 1 (restored after). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "lib/clock.h"
#include "lib/drainer.h"
#include "lib/flow_table.h"
#include "tapio_xdp.skel.h"

#define MAX_DEVS 64
#define FLOWS	 64 /* put into each device's live generation per cycle */
#define ROUNDS	 3
#define RCU_KNOB "/sys/kernel/rcu_expedited"

static struct tapio_xdp *obj[MAX_DEVS];
static struct tapio_drainer drainer[MAX_DEVS];

static int rcu_get(void)
{
	FILE *f = fopen(RCU_KNOB, "r");
	int v = -1;

	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

static int rcu_set(int v)
{
	FILE *f = fopen(RCU_KNOB, "w");

	if (!f)
		return -errno;
	fprintf(f, "%d\n", v);
	return fclose(f) ? -errno : 0;
}

/* FLOWS entries in the generation each device's programs write now */
static void fill(int n)
{
	int ncpu = libbpf_num_possible_cpus(), i, f;
	struct tapio_flow_value *v = calloc((size_t)ncpu, sizeof(*v));
	struct tapio_flow_key k;

	if (!v)
		abort();
	v[0].packets = 1;
	v[0].bytes = 64;
	for (i = 0; i < n; i++)
		for (f = 0; f < FLOWS; f++) {
			memset(&k, 0, sizeof(k));
			k.ip_version = 4;
			k.protocol = 17;
			k.src_port = (__u16)f;
			k.ifindex = (__u32)i + 1;
			bpf_map_update_elem(drainer[i].flows_fd[drainer[i].gen],
					    &k, v, 0);
		}
	free(v);
}

/* ms per cycle: every device drained in turn, or all with one wait */
static double cycle_ms(int n, int one_wait, struct tapio_flow_table *t)
{
	struct tapio_drainer *ds[MAX_DEVS];
	int errs[MAX_DEVS], r, i;
	__u64 t0, total = 0;

	for (i = 0; i < n; i++)
		ds[i] = &drainer[i];
	for (r = 0; r < ROUNDS; r++) {
		fill(n);
		t0 = tapio_mono_ns();
		if (one_wait)
			tapio_drain_many(ds, n, t, errs);
		else
			for (i = 0; i < n; i++)
				tapio_drain(ds[i], t);
		total += tapio_mono_ns() - t0;
	}
	return (double)total / ROUNDS / 1e6;
}

int main(void)
{
	static const int sizes[] = {1, 8, 64};
	struct tapio_flow_table_opts to = {.max_flows = 1 << 20};
	int was = rcu_get(), rcu, s, i, err = 0;
	struct tapio_flow_table *t;

	if (geteuid()) {
		printf("SKIP: drain_bench needs root (BPF)\n");
		return 0;
	}
	libbpf_set_print(NULL);
	if (tapio_flow_table_new(&to, &t))
		return 1;
	for (i = 0; i < MAX_DEVS; i++) {
		obj[i] = tapio_xdp__open();
		if (!obj[i])
			return 1;
		bpf_map__set_max_entries(obj[i]->maps.tapio_flows, 4 * FLOWS);
		bpf_map__set_max_entries(obj[i]->maps.tapio_flows_alt,
					 4 * FLOWS);
		if (tapio_xdp__load(obj[i]) ||
		    tapio_drainer_init(
			    &drainer[i], bpf_map__fd(obj[i]->maps.tapio_config),
			    bpf_map__fd(obj[i]->maps.tapio_flows),
			    bpf_map__fd(obj[i]->maps.tapio_flows_alt))) {
			fprintf(stderr, "drain_bench: cannot load device %d\n",
				i);
			return 1;
		}
	}
	for (rcu = 0; rcu <= 1; rcu++) {
		if (rcu_set(rcu)) {
			printf("SKIP: drain_bench cannot set %s\n", RCU_KNOB);
			break;
		}
		for (s = 0; s < 3; s++) {
			double seq = cycle_ms(sizes[s], 0, t);
			double one = cycle_ms(sizes[s], 1, t);

			printf("bench: drain_%ddev_each_rcu_exp%d %.3f ms\n",
			       sizes[s], rcu, seq);
			printf("bench: drain_%ddev_one_wait_rcu_exp%d %.3f "
			       "ms\n",
			       sizes[s], rcu, one);
			printf("bench: drain_%ddev_speedup_rcu_exp%d %.1f x\n",
			       sizes[s], rcu, one > 0 ? seq / one : 0);
		}
	}
	if (was >= 0)
		err = rcu_set(was);
	for (i = 0; i < MAX_DEVS; i++) {
		tapio_drainer_close(&drainer[i]);
		tapio_xdp__destroy(obj[i]);
	}
	tapio_flow_table_free(t);
	return err ? 1 : 0;
}
