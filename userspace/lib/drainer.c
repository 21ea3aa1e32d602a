// SPDX-License-Identifier: GPL-2.0
/* The kernel→userspace hand-off.  Deleting entries of a map that programs
 * write loses their in-flight increments (a preallocated element is reused
 * at once), so the programs write one of two generations and only the
 * retired one, which no program can still be touching, is emptied. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/membarrier.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "lib/bpffs.h"
#include "lib/config_map.h"
#include "lib/drainer.h"
#include "lib/flow_dump.h"
#include "lib/log.h"

/*
 * Updating a map-of-maps from userspace makes the kernel wait for an RCU
 * grace period before the syscall returns (so that no program still uses
 * the old inner map).  XDP and TC programs run inside RCU read sections, so
 * when it returns every program that could have read the old flow_gen has
 * finished.
 */
static int make_sync_map(struct tapio_drainer *d)
{
	LIBBPF_OPTS(bpf_map_create_opts, o);
	int err;

	d->sync_inner_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "tapio_sync_in",
					  4, 4, 1, NULL);
	if (d->sync_inner_fd < 0)
		return -errno;
	o.inner_map_fd = d->sync_inner_fd;
	d->sync_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY_OF_MAPS, "tapio_sync", 4,
				    4, 1, &o);
	if (d->sync_fd < 0) {
		err = -errno;
		close(d->sync_inner_fd);
		return err;
	}
	return 0;
}

/*
 * The kernel's own selftests use the map-of-maps update to trigger
 * synchronize_rcu().  membarrier(MEMBARRIER_CMD_GLOBAL) is implemented with
 * synchronize_rcu() too; issuing both keeps the hand-off exact should one
 * of the two stop waiting in some kernel.  Together they cost two grace
 * periods: microseconds with rcu_expedited=1, tens of milliseconds with the
 * common default 0 (docs/benchmarks.md), hence one wait for all devices.
 */
static int wait_for_programs(struct tapio_drainer *d)
{
	__u32 zero = 0;

	if (bpf_map_update_elem(d->sync_fd, &zero, &d->sync_inner_fd, 0))
		return -errno;
	if (syscall(__NR_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0) &&
	    errno != EINVAL && errno != ENOSYS)
		return -errno; /* EINVAL: nohz_full; the map update waited */
	return 0;
}

int tapio_drainer_init(struct tapio_drainer *d, int cfg_fd, int flows0_fd,
		       int flows1_fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	int err;

	memset(d, 0, sizeof(*d));
	d->cfg_fd = cfg_fd;
	d->flows_fd[0] = flows0_fd;
	d->flows_fd[1] = flows1_fd;
	d->cfg = tapio_config_map(cfg_fd);
	if (!d->cfg)
		return -errno;
	/* a restarted drainer goes on from the generation in use */
	d->gen = __atomic_load_n(&d->cfg->flow_gen, __ATOMIC_ACQUIRE) & 1;
	if (!bpf_obj_get_info_by_fd(flows0_fd, &info, &len))
		d->max_flows = info.max_entries;
	err = make_sync_map(d);
	if (err) {
		tapio_config_unmap(d->cfg);
		d->cfg = NULL;
	}
	return err;
}

int tapio_drainer_open(struct tapio_drainer *d, const char *dev)
{
	int cfg, f0, f1, err;

	cfg = tapio_open_pinned_map(dev, TAPIO_PIN_CONFIG);
	if (cfg < 0)
		return cfg;
	f0 = tapio_open_pinned_map(dev, TAPIO_PIN_FLOWS);
	f1 = tapio_open_pinned_map(dev, TAPIO_PIN_FLOWS_ALT);
	if (f0 < 0 || f1 < 0) {
		err = f0 < 0 ? f0 : f1;
		goto fail;
	}
	err = tapio_drainer_init(d, cfg, f0, f1);
	if (err)
		goto fail;
	d->own_fds = 1;
	return 0;
fail:
	close(cfg);
	if (f0 >= 0)
		close(f0);
	if (f1 >= 0)
		close(f1);
	return err;
}

void tapio_drainer_close(struct tapio_drainer *d)
{
	tapio_config_unmap(d->cfg);
	d->cfg = NULL;
	close(d->sync_fd);
	close(d->sync_inner_fd);
	if (d->own_fds) {
		close(d->cfg_fd);
		close(d->flows_fd[0]);
		close(d->flows_fd[1]);
	}
}

struct drain_ctx {
	struct tapio_drainer *d;
	struct tapio_flow_table *t;
};

static void refused(const struct tapio_flow_key *key,
		    const struct tapio_flow_value *v, void *arg)
{
	struct tapio_drainer *d = arg;

	d->st.table_overflow_packets[key->direction & 1] += v->packets;
}

static void to_table(const struct tapio_flow_key *keys,
		     const struct tapio_flow_value *vals, size_t n, void *arg)
{
	struct drain_ctx *c = arg;
	struct tapio_drainer *d = c->d;
	size_t i, j;

	/* runs of flows with packets: an entry no CPU wrote is skipped */
	for (i = 0; i < n; i = j + 1) {
		for (j = i; j < n && vals[j].packets; j++) {
			d->st.flows++;
			d->st.packets += vals[j].packets;
			d->st.bytes += vals[j].bytes;
		}
		tapio_flow_table_add_batch(c->t, keys + i, vals + i, j - i,
					   refused, d);
	}
}

/* Empty a map that no program writes any more, into the table. */
static int empty_into(struct tapio_drainer *d, int fd,
		      struct tapio_flow_table *t)
{
	struct drain_ctx c = {d, t};

	return tapio_flows_walk(fd, true, to_table, &c);
}

int tapio_drainer_wait(struct tapio_drainer *d)
{
	return wait_for_programs(d);
}

/*
 * Many devices, one wait: every device's generation is flipped first, so a
 * single pair of grace periods covers them all (a run on 64 devices waits
 * as long as on one).  @errs gets each device's result; if the wait fails
 * nothing is emptied (the retired maps are written again after the next
 * flip: late, not lost).
 */
int tapio_drain_many_room(struct tapio_drainer **ds, int n,
			  struct tapio_flow_table *t, int *errs,
			  void (*room)(void *ctx, __u64 entries), void *ctx)
{
	__u64 entries = 0;
	int i, err, ret = 0;

	if (n <= 0)
		return 0;
	for (i = 0; i < n; i++) {
		ds[i]->gen ^= 1;
		__atomic_store_n(&ds[i]->cfg->flow_gen, ds[i]->gen,
				 __ATOMIC_RELEASE);
	}
	err = wait_for_programs(ds[0]);
	/* what the retired generations hold is final now */
	for (i = 0; i < n && room && !err; i++)
		entries += ds[i]->cfg->gen_flows[ds[i]->gen ^ 1];
	if (room && !err)
		room(ctx, entries);
	for (i = 0; i < n; i++) {
		__u32 old = ds[i]->gen ^ 1;

		errs[i] =
			err ? err : empty_into(ds[i], ds[i]->flows_fd[old], t);
		if (!errs[i]) {
			ds[i]->st.drains++;
			/* no program writes @old: its count starts again, and
			 * it may ask for a drain again once written anew */
			__atomic_store_n(&ds[i]->cfg->gen_flows[old], 0,
					 __ATOMIC_RELAXED);
			__atomic_store_n(&ds[i]->cfg->drain_asked[old], 0,
					 __ATOMIC_RELEASE);
		} else if (!ret) {
			ret = errs[i];
		}
	}
	return ret;
}

int tapio_drain_many(struct tapio_drainer **ds, int n,
		     struct tapio_flow_table *t, int *errs)
{
	return tapio_drain_many_room(ds, n, t, errs, NULL, NULL);
}

int tapio_drain(struct tapio_drainer *d, struct tapio_flow_table *t)
{
	int err;

	return tapio_drain_many(&d, 1, t, &err);
}

int tapio_drain_all(struct tapio_drainer *d, struct tapio_flow_table *t)
{
	int err = tapio_drain(d, t);

	return err ? err : tapio_drain(d, t);
}
