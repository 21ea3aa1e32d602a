// SPDX-License-Identifier: GPL-2.0
/* Block I/O probe: per device and operation completions, bytes, errors and
 * log2 queue/device latency histograms, from the block_rq_* tracepoints. */
#include "probe_common.bpf.h"
#include "tapio/bio.h"

char LICENSE[] SEC("license") = "GPL";

/* A request in flight.  tp_btf/raw_tp key it by its address; the classic
 * tracepoint has no pointer, so it is keyed by (dev, sector) instead. */
struct bio_rq_key {
	__u64 a;
	__u64 b;
};

/* dev and op as seen at issue, so that completion need not decode them. */
struct bio_rq_start {
	__u64 insert_ns;
	__u64 issue_ns;
	__u32 dev;
	__u32 op;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct bio_rq_key);
	__type(value, struct bio_rq_start);
} tapio_bio_start SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 1024);
	__type(key, struct tapio_bio_key);
	__type(value, struct tapio_bio_stats);
} tapio_bio_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, struct tapio_bio_disk);
} tapio_bio_disk SEC(".maps");

/* Off: the insert programs are not loaded, requests are timed from issue
 * only, and a missing insert is not news. */
volatile const bool bio_queue_time = true;

static const struct tapio_bio_stats zero_stats;
static const struct tapio_bio_disk zero_disk;

/* Kernels before 5.16 kept the disk in the request itself. */
struct request___old {
	struct gendisk *rq_disk;
} __attribute__((preserve_access_index));

static __always_inline __u32 rq_dev(struct request *rq)
{
	struct gendisk *disk;

	if (bpf_core_field_exists(struct request___old, rq_disk))
		disk = BPF_CORE_READ((struct request___old *)rq, rq_disk);
	else
		disk = BPF_CORE_READ(rq, q, disk);
	if (!disk)
		return 0;
	return TAPIO_KDEV(BPF_CORE_READ(disk, major),
			  BPF_CORE_READ(disk, first_minor));
}

static __always_inline __u32 rq_op(struct request *rq)
{
	__u32 op = BPF_CORE_READ(rq, cmd_flags) & 0xff;

	if (op == bpf_core_enum_value(enum req_op, REQ_OP_READ))
		return TAPIO_BIO_READ;
	if (op == bpf_core_enum_value(enum req_op, REQ_OP_WRITE))
		return TAPIO_BIO_WRITE;
	if (op == bpf_core_enum_value(enum req_op, REQ_OP_FLUSH))
		return TAPIO_BIO_FLUSH;
	if (op == bpf_core_enum_value(enum req_op, REQ_OP_DISCARD))
		return TAPIO_BIO_DISCARD;
	return TAPIO_BIO_OTHER;
}

/* The classic tracepoint's rwbs string: an optional 'F' (preflush) before
 * the operation letter; a lone 'F' is a flush. */
static __always_inline __u32 rwbs_op(const char *ctx_rwbs)
{
	char rwbs[2], c;

	/* Copied out: the verifier refuses loads through an offset ctx. */
	if (bpf_probe_read_kernel(rwbs, sizeof(rwbs), ctx_rwbs))
		return TAPIO_BIO_OTHER;
	c = rwbs[0];

	if (c == 'F') {
		c = rwbs[1];
		if (c != 'W' && c != 'R' && c != 'D' && c != 'N')
			return TAPIO_BIO_FLUSH;
	}
	switch (c) {
	case 'R':
		return TAPIO_BIO_READ;
	case 'W':
		return TAPIO_BIO_WRITE;
	case 'D':
		return TAPIO_BIO_DISCARD;
	default:
		return TAPIO_BIO_OTHER;
	}
}

static __always_inline int bio_insert(struct bio_rq_key *k, __u32 dev)
{
	struct bio_rq_start s = {.insert_ns = bpf_ktime_get_ns()};

	if (!tapio_filter_task_dev(false, dev))
		return 0;
	if (bpf_map_update_elem(&tapio_bio_start, k, &s, BPF_ANY))
		tapio_pcount(TAPIO_PCNT_MAP_FULL, 1);
	return 0;
}

static __always_inline struct tapio_bio_stats *stats_of(__u32 dev, __u32 op)
{
	struct tapio_bio_key key = {.dev = dev, .op = op};
	struct tapio_bio_stats *st;

	st = bpf_map_lookup_elem(&tapio_bio_stats, &key);
	if (st)
		return st;
	if (bpf_map_update_elem(&tapio_bio_stats, &key, &zero_stats,
				BPF_NOEXIST) &&
	    !bpf_map_lookup_elem(&tapio_bio_stats, &key)) {
		tapio_pcount(TAPIO_PCNT_MAP_FULL, 1);
		return NULL;
	}
	return bpf_map_lookup_elem(&tapio_bio_stats, &key);
}

static __always_inline struct tapio_bio_disk *disk_of(__u32 dev)
{
	struct tapio_bio_disk *d = bpf_map_lookup_elem(&tapio_bio_disk, &dev);

	if (d)
		return d;
	bpf_map_update_elem(&tapio_bio_disk, &dev, &zero_disk, BPF_NOEXIST);
	d = bpf_map_lookup_elem(&tapio_bio_disk, &dev);
	if (!d)
		tapio_pcount(TAPIO_PCNT_MAP_FULL, 1);
	return d;
}

static __always_inline int bio_issue(struct bio_rq_key *k, __u32 dev, __u32 op)
{
	__u64 now = bpf_ktime_get_ns(), old;
	struct tapio_bio_stats *st;
	struct tapio_bio_disk *d;
	struct bio_rq_start *s, fresh = {.issue_ns = now, .dev = dev, .op = op};

	if (!tapio_filter_task_dev(false, dev))
		return 0;
	s = bpf_map_lookup_elem(&tapio_bio_start, k);
	if (s && s->insert_ns && !s->issue_ns) {
		st = stats_of(dev, op);
		if (st) {
			st->queued++;
			st->queue_us[tapio_hist_slot(now - s->insert_ns)]++;
		}
		s->issue_ns = now;
		s->dev = dev;
		s->op = op;
	} else if (s && s->issue_ns) {
		/* Requeued and issued again: device time restarts. */
		s->issue_ns = now;
		return 0;
	} else {
		if (bio_queue_time)
			tapio_pcount(TAPIO_PCNT_BIO_NO_INSERT, 1);
		if (bpf_map_update_elem(&tapio_bio_start, k, &fresh, BPF_ANY)) {
			tapio_pcount(TAPIO_PCNT_MAP_FULL, 1);
			return 0;
		}
	}
	d = disk_of(dev);
	if (!d)
		return 0;
	old = __sync_fetch_and_add(&d->in_flight, 1);
	if (old == 0)
		d->busy_since_ns = now;
	if (old + 1 > d->in_flight_max)
		d->in_flight_max = old + 1;
	return 0;
}

static __always_inline void bio_count_done(__u32 dev, __u32 op, __u64 bytes,
					   __u32 status, __u64 device_ns)
{
	struct tapio_bio_stats *st = stats_of(dev, op);

	if (!st)
		return;
	st->ios++;
	st->bytes += bytes;
	if (status) {
		st->errors++;
		st->status[status < TAPIO_BIO_STATUS_SLOTS
				   ? status
				   : TAPIO_BIO_STATUS_SLOTS - 1]++;
	}
	if (device_ns) {
		st->device_us[tapio_hist_slot(device_ns)]++;
		st->device_ns += device_ns;
	}
}

/* Completion of a request whose issue was seen (and passed the filter
 * then): dev and op come from its start entry.  False if there is none. */
static __always_inline bool bio_done_started(struct bio_rq_key *k, __u64 bytes,
					     __u32 status)
{
	__u64 now = bpf_ktime_get_ns();
	struct bio_rq_start *s = bpf_map_lookup_elem(&tapio_bio_start, k);
	struct tapio_bio_disk *d;
	__u32 dev, op;
	__u64 issue_ns;
	__s64 old;

	if (!s)
		return false;
	if (!s->issue_ns) {
		/* Inserted, but its issue was missed: no device time. */
		bpf_map_delete_elem(&tapio_bio_start, k);
		return false;
	}
	issue_ns = s->issue_ns;
	dev = s->dev;
	op = s->op;
	bio_count_done(dev, op, bytes, status, now - issue_ns);
	/* whoever deletes the entry ends it in in_flight: the reaper may
	 * have taken it as lost meanwhile */
	if (bpf_map_delete_elem(&tapio_bio_start, k))
		return true;
	d = bpf_map_lookup_elem(&tapio_bio_disk, &dev);
	if (!d)
		return true;
	d->last_done_ns = now;
	old = __sync_fetch_and_add(&d->in_flight, -1);
	if (old == 1 && d->busy_since_ns)
		__sync_fetch_and_add(&d->busy_ns, now - d->busy_since_ns);
	return true;
}

struct reap_ctx {
	__u64 before; /* issued before this: lost */
	__u64 n;
};

static long reap_one(struct bpf_map *map, struct bio_rq_key *k,
		     struct bio_rq_start *s, struct reap_ctx *c)
{
	struct tapio_bio_disk *d;
	__u32 dev = s->dev;
	__s64 old;

	if (s->issue_ns ? s->issue_ns >= c->before : s->insert_ns >= c->before)
		return 0;
	if (bpf_map_delete_elem(map, k))
		return 0; /* completed meanwhile */
	if (!s->issue_ns)
		return 0; /* inserted only: never counted in flight */
	c->n++;
	d = bpf_map_lookup_elem(&tapio_bio_disk, &dev);
	if (!d)
		return 0;
	__sync_fetch_and_add(&d->lost, 1);
	old = __sync_fetch_and_add(&d->in_flight, -1);
	/* The busy period this phantom kept open ends with the last real
	 * completion, not now (nor never). */
	if (old == 1 && d->busy_since_ns) {
		if (d->last_done_ns > d->busy_since_ns)
			__sync_fetch_and_add(&d->busy_ns,
					     d->last_done_ns -
						     d->busy_since_ns);
		d->busy_since_ns = 0;
	}
	return 0;
}

/* Start entries whose completion the kernel never ran us for (it skips a
 * program that would recurse, counted in recursion_misses) would stay in
 * flight for ever: userspace runs this now and then. */
SEC("syscall")
int tapio_bio_reap(struct tapio_bio_reap_args *args)
{
	struct reap_ctx c = {.before = bpf_ktime_get_ns()};

	if (c.before <= args->max_age_ns)
		return 0;
	c.before -= args->max_age_ns;
	bpf_for_each_map_elem(&tapio_bio_start, reap_one, &c, 0);
	args->reaped = c.n;
	return 0;
}

/* Completion of a request issued before the probe attached (or whose
 * entry could not be stored): counted, with no latency to guess. */
static __always_inline int bio_done_unstarted(__u32 dev, __u32 op, __u64 bytes,
					      __u32 status)
{
	if (!tapio_filter_task_dev(false, dev))
		return 0;
	bio_count_done(dev, op, bytes, status, 0);
	/* an fsync's empty PREFLUSH write is completed by the flush
	 * machinery without being issued: not a start we missed */
	if (!bytes && op == TAPIO_BIO_WRITE)
		tapio_pcount(TAPIO_PCNT_BIO_DATALESS, 1);
	else
		tapio_pcount(TAPIO_PCNT_MISSED_START, 1);
	return 0;
}

/* tp_btf and raw_tp: typed arguments, the request pointer as identity. */
#define RQ_KEY(rq)                                                             \
	{                                                                      \
		.a = (__u64)(rq)                                               \
	}

SEC("tp_btf/block_rq_insert")
int BPF_PROG(tapio_bio_insert_btf, struct request *rq)
{
	struct bio_rq_key k = RQ_KEY(rq);

	return bio_insert(&k, rq_dev(rq));
}

SEC("raw_tp/block_rq_insert")
int BPF_PROG(tapio_bio_insert_raw, struct request *rq)
{
	struct bio_rq_key k = RQ_KEY(rq);

	return bio_insert(&k, rq_dev(rq));
}

SEC("tp_btf/block_rq_issue")
int BPF_PROG(tapio_bio_issue_btf, struct request *rq)
{
	struct bio_rq_key k = RQ_KEY(rq);

	return bio_issue(&k, rq_dev(rq), rq_op(rq));
}

SEC("raw_tp/block_rq_issue")
int BPF_PROG(tapio_bio_issue_raw, struct request *rq)
{
	struct bio_rq_key k = RQ_KEY(rq);

	return bio_issue(&k, rq_dev(rq), rq_op(rq));
}

SEC("tp_btf/block_rq_complete")
int BPF_PROG(tapio_bio_done_btf, struct request *rq, blk_status_t error,
	     unsigned int nr_bytes)
{
	struct bio_rq_key k = RQ_KEY(rq);

	if (bio_done_started(&k, nr_bytes, error))
		return 0;
	return bio_done_unstarted(rq_dev(rq), rq_op(rq), nr_bytes, error);
}

SEC("raw_tp/block_rq_complete")
int BPF_PROG(tapio_bio_done_raw, struct request *rq, blk_status_t error,
	     unsigned int nr_bytes)
{
	struct bio_rq_key k = RQ_KEY(rq);

	if (bio_done_started(&k, nr_bytes, error))
		return 0;
	return bio_done_unstarted(rq_dev(rq), rq_op(rq), nr_bytes, error);
}

/* Classic tracepoints: the event's own fields.  Errors arrive as an errno
 * here, not a blk_status_t, so they all go to the last status slot.  A
 * flush is issued at sector 0 but completes at sector ~0, where an fsync's
 * empty PREFLUSH write completes at 0: flushes are keyed at ~0 on both
 * sides, or that write would take the flush's start entry. */
static __always_inline __u64 tp_sector(__u64 sector, __u32 op)
{
	return op == TAPIO_BIO_FLUSH ? ~0ULL : sector;
}

SEC("tp/block/block_rq_insert")
int tapio_bio_insert_tp(struct trace_event_raw_block_rq *ctx)
{
	__u32 op = rwbs_op(ctx->rwbs);
	struct bio_rq_key k = {.a = ctx->dev, .b = tp_sector(ctx->sector, op)};

	return bio_insert(&k, ctx->dev);
}

SEC("tp/block/block_rq_issue")
int tapio_bio_issue_tp(struct trace_event_raw_block_rq *ctx)
{
	__u32 op = rwbs_op(ctx->rwbs);
	struct bio_rq_key k = {.a = ctx->dev, .b = tp_sector(ctx->sector, op)};

	return bio_issue(&k, ctx->dev, op);
}

SEC("tp/block/block_rq_complete")
int tapio_bio_done_tp(struct trace_event_raw_block_rq_completion *ctx)
{
	__u32 op = rwbs_op(ctx->rwbs);
	struct bio_rq_key k = {.a = ctx->dev, .b = tp_sector(ctx->sector, op)};
	__u64 bytes = (__u64)ctx->nr_sector << 9;
	__u32 status = ctx->error ? TAPIO_BIO_STATUS_SLOTS - 1 : 0;

	if (bio_done_started(&k, bytes, status))
		return 0;
	return bio_done_unstarted(ctx->dev, op, bytes, status);
}
