/* SPDX-License-Identifier: GPL-2.0 */
/* The four tracepoint probes as one table: each kind's skeleton calls, its
 * event ring and its options, opened the same way by trace and by run. */
#ifndef TAPIO_PROBE_KIND_H
#define TAPIO_PROBE_KIND_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/probe_loader.h"

struct bpf_object;

enum tapio_probe_kind {
	TAPIO_PROBE_BIO,
	TAPIO_PROBE_CACHE,
	TAPIO_PROBE_EXEC,
	TAPIO_PROBE_TCP,
	TAPIO_PROBE_KINDS,
};

/* What a caller may choose before load; the rest is each kind's own. */
struct tapio_probe_opts {
	enum tapio_tp_method method; /* TAPIO_TP_NONE: what doctor finds */
	bool queued;		     /* bio: queue-time histograms */
	bool per_cgroup;	     /* cache: a row per cgroup as well */
	const struct tapio_filter_spec *filter; /* NULL: everything */
};

/* One probe object, open, loaded and attached. */
struct tapio_probe {
	enum tapio_probe_kind kind;
	void *skel; /* struct tapio_bio etc. of the kind's skeleton */
	struct bpf_object *obj;
	int ring_fd;  /* its event ring, or -1 (bio and cache count only) */
	int programs; /* programs loaded */
	enum tapio_tp_method method;
};

const char *tapio_probe_kind_name(enum tapio_probe_kind k);
/* "bio", "cache", "exec" or "tcp" -> kind; -EINVAL otherwise. */
int tapio_probe_kind_parse(const char *s, enum tapio_probe_kind *k);

/*
 * Open @k's skeleton, apply @o, pick the tracepoint flavour, load, write
 * the filter and attach.  On failure @why says which step failed on what
 * and why (the object is freed) and a negative errno is returned.
 */
int tapio_probe_open(struct tapio_probe *p, enum tapio_probe_kind k,
		     const struct tapio_probe_opts *o, char *why, size_t len);
/* Detach and free; @p may be zeroed or already closed. */
void tapio_probe_close(struct tapio_probe *p);
/* The bio probe's requests issued longer ago than @max_age_ns, whose
 * completion the kernel never ran it for, out of in_flight (counted in
 * the disk's `lost`): how many, or a negative errno (-EOPNOTSUPP: this
 * kernel loads no BPF_PROG_TYPE_SYSCALL program). */
int tapio_bio_reap_lost(struct tapio_probe *p, __u64 max_age_ns);

#endif /* TAPIO_PROBE_KIND_H */
