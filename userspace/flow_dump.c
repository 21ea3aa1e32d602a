// SPDX-License-Identifier: GPL-2.0
/* Reads tapio_flows and tapio_counters from their pins: batched look-ups
 * where the kernel has them, key iteration otherwise; per-CPU sums. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpffs.h"
#include "flow_dump.h"
#include "log.h"

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

		if (!v->packets)
			continue; /* this CPU never saw the flow */
		out->packets += v->packets;
		out->bytes += v->bytes;
		out->tcp_flags |= v->tcp_flags;
		/* 0 is "never stamped" (a slot written by an older program),
		 * not the boot instant */
		if (v->first_seen_ns && (!out->first_seen_ns ||
					 v->first_seen_ns < out->first_seen_ns))
			out->first_seen_ns = v->first_seen_ns;
		if (v->last_seen_ns > out->last_seen_ns)
			out->last_seen_ns = v->last_seen_ns;
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
	int fd, err;

	err = tapio_pin_path(path, sizeof(path), dev, name);
	if (err)
		return err;
	fd = bpf_obj_get(path);
	if (fd < 0) {
		err = -errno;
		if (err == -ENOENT)
			pr_err("tapio is not attached to %s (no %s)", dev,
			       path);
		else
			pr_err("cannot open %s: %s", path,
			       tapio_strerror(err, eb, sizeof(eb)));
		return err;
	}
	return fd;
}

static int grow(struct tapio_flow **flows, size_t *cap, size_t need)
{
	struct tapio_flow *nf;
	size_t ncap = *cap ? *cap : 256;

	if (need <= *cap)
		return 0;
	while (ncap < need)
		ncap *= 2;
	nf = realloc(*flows, ncap * sizeof(**flows));
	if (!nf)
		return -ENOMEM;
	*flows = nf;
	*cap = ncap;
	return 0;
}

/* One-key-at-a-time walk for kernels without batch ops on per-CPU hashes. */
static int read_by_iteration(int fd, int ncpus, size_t stride,
			     struct tapio_flow **flows, size_t *n, size_t *cap,
			     void *vals)
{
	struct tapio_flow_key key, next;
	void *prev = NULL;
	int err;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, vals))
			continue; /* deleted since get_next_key */
		err = grow(flows, cap, *n + 1);
		if (err)
			return err;
		(*flows)[*n].key = key;
		tapio_percpu_sum(vals, ncpus, stride, &(*flows)[*n].val);
		(*n)++;
	}
	return errno == ENOENT ? 0 : -errno;
}

int tapio_flows_read(int fd, struct tapio_flow **out, size_t *nout)
{
	int ncpus = libbpf_num_possible_cpus();
	size_t stride = ROUND8(sizeof(struct tapio_flow_value));
	struct tapio_flow_key *keys = NULL;
	struct tapio_flow *flows = NULL;
	size_t n = 0, cap = 0;
	void *vals = NULL;
	__u32 batch_key, count, i;
	void *in = NULL;
	int err = 0;

	if (ncpus <= 0)
		return ncpus ? ncpus : -EINVAL;
	keys = calloc(BATCH, sizeof(*keys));
	vals = calloc(BATCH, stride * ncpus);
	if (!keys || !vals) {
		err = -ENOMEM;
		goto out;
	}
	for (;;) {
		LIBBPF_OPTS(bpf_map_batch_opts, bo);

		count = BATCH;
		err = bpf_map_lookup_batch(fd, in, &batch_key, keys, vals,
					   &count, &bo);
		if (err && errno != ENOENT) {
			err = -errno;
			break;
		}
		if (grow(&flows, &cap, n + count)) {
			err = -ENOMEM;
			goto out;
		}
		for (i = 0; i < count; i++, n++) {
			flows[n].key = keys[i];
			tapio_percpu_sum((char *)vals + i * stride * ncpus,
					 ncpus, stride, &flows[n].val);
		}
		if (err) { /* ENOENT: that was the last batch */
			err = 0;
			break;
		}
		in = &batch_key;
	}
	if (err == -EINVAL || err == -ENOTSUPP || err == -EOPNOTSUPP) {
		pr_debug("batch look-up unsupported (%d), iterating keys", err);
		n = 0;
		err = read_by_iteration(fd, ncpus, stride, &flows, &n, &cap,
					vals);
	}
out:
	free(keys);
	free(vals);
	if (err) {
		free(flows);
		return err;
	}
	*out = flows;
	*nout = n;
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

static void merge_value(struct tapio_flow_value *d,
			const struct tapio_flow_value *v)
{
	d->packets += v->packets;
	d->bytes += v->bytes;
	d->tcp_flags |= v->tcp_flags;
	if (v->first_seen_ns &&
	    (!d->first_seen_ns || v->first_seen_ns < d->first_seen_ns))
		d->first_seen_ns = v->first_seen_ns;
	if (v->last_seen_ns > d->last_seen_ns)
		d->last_seen_ns = v->last_seen_ns;
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
			merge_value(&flows[o].val, &flows[i].val);
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
