// SPDX-License-Identifier: GPL-2.0
/* The probe-kind table: the only place that knows the four skeletons, so a
 * new probe is one row here and one program file under probes/. */
#include <errno.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "lib/log.h"
#include "lib/probe_kind.h"
#include "tapio/bio.h"
#include "tapio_bio.skel.h"
#include "tapio_cache.skel.h"
#include "tapio_exec.skel.h"
#include "tapio_tcp.skel.h"

struct kind_row {
	const char *name;
	const char *ring; /* map name of its event ring, or NULL */
	void *(*open)(void);
	int (*load)(void *skel);
	int (*attach)(void *skel);
	void (*destroy)(void *skel);
	struct bpf_object *(*obj)(void *skel);
	/* between open and load: read-only data and optional programs */
	void (*prepare)(void *skel, const struct tapio_probe_opts *o);
};

#define KIND_CALLS(k)                                                          \
	static void *k##_open(void)                                            \
	{                                                                      \
		return tapio_##k##__open();                                    \
	}                                                                      \
	static int k##_load(void *s)                                           \
	{                                                                      \
		return tapio_##k##__load(s);                                   \
	}                                                                      \
	static int k##_attach(void *s)                                         \
	{                                                                      \
		return tapio_##k##__attach(s);                                 \
	}                                                                      \
	static void k##_destroy(void *s)                                       \
	{                                                                      \
		tapio_##k##__destroy(s);                                       \
	}                                                                      \
	static struct bpf_object *k##_obj(void *s)                             \
	{                                                                      \
		return ((struct tapio_##k *)s)->obj;                           \
	}

KIND_CALLS(bio)
KIND_CALLS(cache)
KIND_CALLS(exec)
KIND_CALLS(tcp)

/* Queue time needs every insert in a map: an extra program and hash update
 * per request, paid only when asked for. */
static void bio_prepare(void *skel, const struct tapio_probe_opts *o)
{
	struct tapio_bio *b = skel;

	b->rodata->bio_queue_time = o->queued;
	if (o->queued)
		return;
	bpf_program__set_autoload(b->progs.tapio_bio_insert_btf, false);
	bpf_program__set_autoload(b->progs.tapio_bio_insert_raw, false);
	bpf_program__set_autoload(b->progs.tapio_bio_insert_tp, false);
}

static void cache_prepare(void *skel, const struct tapio_probe_opts *o)
{
	((struct tapio_cache *)skel)->rodata->per_cgroup = o->per_cgroup;
}

static const struct kind_row kinds[TAPIO_PROBE_KINDS] = {
	[TAPIO_PROBE_BIO] = {"bio", NULL, bio_open, bio_load, bio_attach,
			     bio_destroy, bio_obj, bio_prepare},
	[TAPIO_PROBE_CACHE] = {"cache", NULL, cache_open, cache_load,
			       cache_attach, cache_destroy, cache_obj,
			       cache_prepare},
	[TAPIO_PROBE_EXEC] = {"exec", "tapio_exec_rb", exec_open, exec_load,
			      exec_attach, exec_destroy, exec_obj, NULL},
	[TAPIO_PROBE_TCP] = {"tcp", "tapio_tcp_rb", tcp_open, tcp_load,
			     tcp_attach, tcp_destroy, tcp_obj, NULL},
};

const char *tapio_probe_kind_name(enum tapio_probe_kind k)
{
	return k < TAPIO_PROBE_KINDS ? kinds[k].name : "?";
}

int tapio_probe_kind_parse(const char *s, enum tapio_probe_kind *k)
{
	int i;

	for (i = 0; i < TAPIO_PROBE_KINDS; i++) {
		if (!strcmp(s, kinds[i].name)) {
			*k = i;
			return 0;
		}
	}
	return -EINVAL;
}

int tapio_probe_open(struct tapio_probe *p, enum tapio_probe_kind k,
		     const struct tapio_probe_opts *o, char *why, size_t len)
{
	const struct kind_row *r = &kinds[k];
	char eb[TAPIO_ERRBUF];
	const char *step;
	int err, n;

	memset(p, 0, sizeof(*p));
	p->kind = k;
	p->ring_fd = -1;
	p->method = o->method != TAPIO_TP_NONE ? o->method
					       : tapio_probe_tp_method();
	p->skel = r->open();
	if (!p->skel) {
		err = -errno;
		snprintf(why, len, "cannot open: %s",
			 tapio_strerror(err, eb, sizeof(eb)));
		return err;
	}
	p->obj = r->obj(p->skel);
	if (r->prepare)
		r->prepare(p->skel, o);
	n = tapio_probe_select(p->obj, p->method);
	if (n <= 0) {
		err = n ? n : -ENOENT;
		snprintf(why, len, "no program can load with %s: %s",
			 tapio_tp_method_name(p->method),
			 n ? tapio_strerror(n, eb, sizeof(eb))
			   : "no tracepoint present");
		goto fail;
	}
	p->programs = n;
	step = "load";
	err = r->load(p->skel);
	if (!err && o->filter) {
		step = "set the filter of";
		err = tapio_probe_filter_set(p->obj, o->filter);
	}
	if (!err) {
		step = "attach";
		err = r->attach(p->skel);
	}
	if (err) {
		snprintf(why, len, "cannot %s it (%s): %s", step,
			 tapio_tp_method_name(p->method),
			 tapio_strerror(err, eb, sizeof(eb)));
		goto fail;
	}
	if (r->ring) {
		p->ring_fd = bpf_object__find_map_fd_by_name(p->obj, r->ring);
		if (p->ring_fd < 0) {
			err = p->ring_fd;
			snprintf(why, len, "has no ring map %s", r->ring);
			goto fail;
		}
	}
	return 0;
fail:
	r->destroy(p->skel);
	p->skel = NULL;
	p->obj = NULL;
	return err;
}

void tapio_probe_close(struct tapio_probe *p)
{
	if (p->skel)
		kinds[p->kind].destroy(p->skel);
	p->skel = NULL;
	p->obj = NULL;
	p->ring_fd = -1;
}

int tapio_bio_reap_lost(struct tapio_probe *p, __u64 max_age_ns)
{
	struct tapio_bio_reap_args args = {.max_age_ns = max_age_ns};
	LIBBPF_OPTS(bpf_test_run_opts, o, .ctx_in = &args,
		    .ctx_size_in = sizeof(args));
	struct tapio_bio *b = p->skel;
	int fd;

	if (p->kind != TAPIO_PROBE_BIO || !b)
		return -EINVAL;
	fd = bpf_program__fd(b->progs.tapio_bio_reap);
	if (fd < 0)
		return -EOPNOTSUPP;
	if (bpf_prog_test_run_opts(fd, &o))
		return -errno;
	return (int)args.reaped;
}
