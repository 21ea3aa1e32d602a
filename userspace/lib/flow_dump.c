// SPDX-License-Identifier: GPL-2.0
/* Reads tapio_flows and tapio_counters from their pins: batched look-ups
 * where the kernel has them, key iteration otherwise; per-CPU sums. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "lib/bpffs.h"
#include "lib/flow_dump.h"
#include "lib/flow_table.h"
#include "lib/log.h"
#include "lib/privileges.h"

#define ROUND8(x) (((x) + 7) & ~(size_t)7)
#define BATCH	  1024
#ifndef ENOTSUPP
#define ENOTSUPP 524 /* kernel-internal, seen by userspace */
#endif

void tapio_percpu_sum(const void *percpu, int ncpus, size_t stride,
		      struct tapio_flow_value *out)
{
	const char *p = percpu;
	int i;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < ncpus; i++, p += stride) {
		const struct tapio_flow_value *v = (const void *)p;

		if (v->packets) /* else this CPU never saw the flow */
			tapio_flow_value_merge(out, v);
	}
}

void tapio_counters_sum(const void *percpu, int ncpus, size_t stride,
			struct tapio_dir_counters *out)
{
	const char *p = percpu;
	int i, c;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < ncpus; i++, p += stride) {
		const struct tapio_dir_counters *v = (const void *)p;

		for (c = 0; c < TAPIO_CNT_MAX; c++)
			out->c[c] += v->c[c];
	}
}

int tapio_open_pinned_map(const char *dev, const char *name)
{
	char path[512], eb[TAPIO_ERRBUF];
	int fd = tapio_pin_open(dev, name), err = fd;

	if (fd < 0) {
		tapio_pin_path(path, sizeof(path), dev, name);
		if (err == -ENOENT)
			pr_err("tapio is not attached to %s (no %s)", dev,
			       path);
		else
			pr_err("cannot open %s: %s%s", path,
			       tapio_strerror(err, eb, sizeof(eb)),
			       tapio_pin_access_hint(err));
		return err;
	}
	return fd;
}

/* Values a flow map holds per flow: one per possible CPU, or one for a
 * shared map (--kernel-map shared). */
static int flow_map_values(int fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	if (!bpf_obj_get_info_by_fd(fd, &info, &len) &&
	    info.type == BPF_MAP_TYPE_HASH)
		return 1;
	return libbpf_num_possible_cpus();
}

int tapio_flows_walk(int fd, bool del, tapio_flow_fn fn, void *ctx)
{
	int ncpus = flow_map_values(fd);
	size_t stride = ROUND8(sizeof(struct tapio_flow_value));
	struct tapio_flow_key *keys, key, next;
	struct tapio_flow_value *sums;
	__u32 batch_key, count, i;
	void *vals, *in = NULL;
	int err = 0;

	if (ncpus <= 0)
		return ncpus ? ncpus : -EINVAL;
	keys = calloc(BATCH, sizeof(*keys));
	vals = calloc(BATCH, stride * ncpus);
	sums = calloc(BATCH, sizeof(*sums));
	if (!keys || !vals || !sums) {
		err = -ENOMEM;
		goto out;
	}
	for (;;) {
		LIBBPF_OPTS(bpf_map_batch_opts, bo);

		count = BATCH;
		if (del)
			err = bpf_map_lookup_and_delete_batch(
				fd, in, &batch_key, keys, vals, &count, &bo);
		else
			err = bpf_map_lookup_batch(fd, in, &batch_key, keys,
						   vals, &count, &bo);
		if (err && errno != ENOENT) {
			err = -errno;
			break;
		}
		for (i = 0; i < count; i++)
			tapio_percpu_sum((char *)vals + i * stride * ncpus,
					 ncpus, stride, &sums[i]);
		if (count)
			fn(keys, sums, count, ctx);
		if (err) { /* ENOENT: that was the last batch */
			err = 0;
			goto out;
		}
		in = &batch_key;
	}
	/* No batch operations on this kernel's per-CPU hash: one key at a
	 * time, only if nothing was reported yet. */
	if (in || (err != -EINVAL && err != -ENOTSUPP && err != -EOPNOTSUPP))
		goto out;
	pr_debug("batch look-up unsupported (%d), walking keys", err);
	err = 0;
	while (!bpf_map_get_next_key(fd, in, &next)) {
		key = next;
		if (!bpf_map_lookup_elem(fd, &key, vals)) {
			tapio_percpu_sum(vals, ncpus, stride, sums);
			fn(&key, sums, 1, ctx);
		}
		if (del && bpf_map_delete_elem(fd, &key)) {
			err = -errno;
			break;
		}
		in = del ? NULL : &key; /* deleting: always from the start */
	}
out:
	free(keys);
	free(vals);
	free(sums);
	return err;
}

struct flow_array {
	struct tapio_flow *flows;
	size_t n, cap;
	int err;
};

static void append(const struct tapio_flow_key *keys,
		   const struct tapio_flow_value *sums, size_t n, void *ctx)
{
	struct flow_array *a = ctx;
	struct tapio_flow *grown;
	size_t i;

	if (a->err)
		return;
	while (a->n + n > a->cap) {
		a->cap = a->cap ? a->cap * 2 : 256;
		grown = realloc(a->flows, a->cap * sizeof(*a->flows));
		if (!grown) {
			a->err = -ENOMEM;
			return;
		}
		a->flows = grown;
	}
	for (i = 0; i < n; i++) {
		a->flows[a->n].key = keys[i];
		a->flows[a->n].val = sums[i];
		a->n++;
	}
}

int tapio_flows_read(int fd, struct tapio_flow **out, size_t *nout)
{
	struct flow_array a = {0};
	int err;

	err = tapio_flows_walk(fd, false, append, &a);
	if (!err)
		err = a.err;
	if (err) {
		free(a.flows);
		return err;
	}
	*out = a.flows;
	*nout = a.n;
	return 0;
}

int tapio_counters_read(int fd, struct tapio_dir_counters out[])
{
	int ncpus = libbpf_num_possible_cpus();
	size_t stride = ROUND8(sizeof(struct tapio_dir_counters));
	__u32 dir;
	void *vals;
	int err = 0;

	if (ncpus <= 0)
		return ncpus ? ncpus : -EINVAL;
	vals = calloc(ncpus, stride);
	if (!vals)
		return -ENOMEM;
	for (dir = 0; dir < TAPIO_DIR_MAX; dir++) {
		if (bpf_map_lookup_elem(fd, &dir, vals)) {
			err = -errno;
			break;
		}
		tapio_counters_sum(vals, ncpus, stride, &out[dir]);
	}
	free(vals);
	return err;
}

static int cmp_bytes(const void *a, const void *b)
{
	const struct tapio_flow *x = a, *y = b;

	if (x->val.bytes != y->val.bytes)
		return x->val.bytes < y->val.bytes ? 1 : -1;
	if (x->val.packets != y->val.packets)
		return x->val.packets < y->val.packets ? 1 : -1;
	return memcmp(&x->key, &y->key, sizeof(x->key));
}

static int cmp_packets(const void *a, const void *b)
{
	const struct tapio_flow *x = a, *y = b;

	if (x->val.packets != y->val.packets)
		return x->val.packets < y->val.packets ? 1 : -1;
	if (x->val.bytes != y->val.bytes)
		return x->val.bytes < y->val.bytes ? 1 : -1;
	return memcmp(&x->key, &y->key, sizeof(x->key));
}

void tapio_flows_sort(struct tapio_flow *flows, size_t n, enum tapio_sort by)
{
	qsort(flows, n, sizeof(*flows),
	      by == TAPIO_SORT_PACKETS ? cmp_packets : cmp_bytes);
}

static int cmp_key(const void *a, const void *b)
{
	const struct tapio_flow *x = a, *y = b;

	return memcmp(&x->key, &y->key, sizeof(x->key));
}

size_t tapio_flows_merge(struct tapio_flow *flows, size_t n)
{
	size_t i, o = 0;

	if (!n)
		return 0;
	qsort(flows, n, sizeof(*flows), cmp_key);
	for (i = 1; i < n; i++) {
		if (cmp_key(&flows[o], &flows[i]))
			flows[++o] = flows[i];
		else
			tapio_flow_value_merge(&flows[o].val, &flows[i].val);
	}
	return o + 1;
}

int tapio_dev_flows_read(const char *dev, struct tapio_flow **out, size_t *n)
{
	static const char *const gens[] = {TAPIO_PIN_FLOWS,
					   TAPIO_PIN_FLOWS_ALT};
	struct tapio_flow *all = NULL, *part = NULL, *grown;
	size_t total = 0, np = 0, g;
	int fd, err = 0;

	for (g = 0; g < 2; g++) {
		fd = tapio_open_pinned_map(dev, gens[g]);
		if (fd < 0) {
			err = fd;
			goto fail;
		}
		err = tapio_flows_read(fd, &part, &np);
		close(fd);
		if (err)
			goto fail;
		grown = realloc(all, (total + np + 1) * sizeof(*all));
		if (!grown) {
			free(part);
			err = -ENOMEM;
			goto fail;
		}
		all = grown;
		memcpy(all + total, part, np * sizeof(*part));
		total += np;
		free(part);
	}
	*n = tapio_flows_merge(all, total);
	*out = all;
	return 0;
fail:
	free(all);
	return err;
}

int tapio_parse_sort(const char *s, enum tapio_sort *out)
{
	if (!strcmp(s, "bytes"))
		*out = TAPIO_SORT_BYTES;
	else if (!strcmp(s, "packets"))
		*out = TAPIO_SORT_PACKETS;
	else {
		pr_err("invalid --sort '%s': expected packets or bytes", s);
		return -EINVAL;
	}
	return 0;
}
