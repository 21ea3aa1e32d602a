// SPDX-License-Identifier: GPL-2.0
/* Page-cache probe without kprobes: lookups from reads and faults, misses
 * from pages added, dirtied and written-back pages, per filesystem device. */
#include "probe_common.bpf.h"
#include "tapio/cache.h"

char LICENSE[] SEC("license") = "GPL";

/* Set before load: key the stats by the reading task's cgroup too. */
const volatile bool per_cgroup = false;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct tapio_cache_key);
	__type(value, struct tapio_cache_stats);
} tapio_cache_stats SEC(".maps");

/*
 * mm_filemap_get_pages fires on every loop of one read with the remaining
 * range [index, last_index]: same file, same last_index, index growing.
 * Each thread's last range is kept so that a read is counted once, on its
 * first loop.  LRU: a thread evicted here only loses that memory, and its
 * next loop would count as a new read.
 */
struct read_state {
	__u64 ino;
	__u64 index;
	__u64 last_index;
	__u32 dev;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct read_state);
} tapio_cache_read SEC(".maps");

static const struct tapio_cache_stats zero_stats;

static __always_inline struct tapio_cache_stats *stats_of(__u32 dev)
{
	struct tapio_cache_key k = {.dev = dev};
	struct tapio_cache_stats *st;

	if (!tapio_filter_task_dev(true, dev))
		return NULL;
	if (per_cgroup)
		k.cgroup_id = bpf_get_current_cgroup_id();
	st = bpf_map_lookup_elem(&tapio_cache_stats, &k);
	if (st)
		return st;
	bpf_map_update_elem(&tapio_cache_stats, &k, &zero_stats, BPF_NOEXIST);
	st = bpf_map_lookup_elem(&tapio_cache_stats, &k);
	if (!st)
		tapio_pcount(TAPIO_PCNT_MAP_FULL, 1);
	return st;
}

static __always_inline __u32 mapping_dev(struct address_space *m)
{
	if (!m) /* tp_btf hands a maybe-NULL pointer; check before use */
		return 0;
	return BPF_CORE_READ(m, host, i_sb, s_dev);
}

static __always_inline int read_pages(__u32 dev, __u64 ino, __u64 index,
				      __u64 last_index)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct read_state *r, fresh = {.ino = ino,
				       .index = index,
				       .last_index = last_index,
				       .dev = dev};
	struct tapio_cache_stats *st;
	__u64 pages;

	r = bpf_map_lookup_elem(&tapio_cache_read, &tid);
	if (r && r->ino == ino && r->dev == dev &&
	    r->last_index == last_index && index > r->index) {
		r->index = index; /* the same read, next loop */
		return 0;
	}
	if (bpf_map_update_elem(&tapio_cache_read, &tid, &fresh, BPF_ANY))
		tapio_pcount(TAPIO_PCNT_MAP_FULL, 1);
	if (last_index < index)
		return 0;
	pages = last_index - index + 1;
	st = stats_of(dev);
	if (st)
		st->lookups += pages;
	tapio_pcount(TAPIO_PCNT_CACHE_LOOKUP, pages);
	return 0;
}

static __always_inline int fault(__u32 dev)
{
	struct tapio_cache_stats *st = stats_of(dev);

	if (st)
		st->lookups++;
	tapio_pcount(TAPIO_PCNT_CACHE_LOOKUP, 1);
	return 0;
}

static __always_inline int added(__u32 dev, __u32 order)
{
	struct tapio_cache_stats *st = stats_of(dev);
	__u64 pages = 1ULL << (order & 31);

	if (st) {
		st->misses += pages;
		st->added_by_order[order < TAPIO_CACHE_ORDERS
					   ? order
					   : TAPIO_CACHE_ORDERS - 1]++;
	}
	tapio_pcount(TAPIO_PCNT_CACHE_MISS, pages);
	return 0;
}

static __always_inline int dirtied(__u32 dev, __u64 pages)
{
	struct tapio_cache_stats *st = stats_of(dev);

	if (st)
		st->dirtied += pages;
	tapio_pcount(TAPIO_PCNT_CACHE_DIRTY, pages);
	return 0;
}

static __always_inline int written(__u32 dev, __u64 pages)
{
	struct tapio_cache_stats *st;

	if (!pages)
		return 0;
	st = stats_of(dev);
	if (st)
		st->writeback += pages;
	tapio_pcount(TAPIO_PCNT_CACHE_WRITEBACK, pages);
	return 0;
}

/* A large folio's order lives in the word after its head page's flags. */
static __always_inline __u32 folio_order_of(struct folio *folio)
{
	unsigned long flags = 0;

	bpf_probe_read_kernel(&flags, sizeof(flags), folio);
	if (!(flags & (1UL << bpf_core_enum_value(enum pageflags, PG_head))))
		return 0;
	if (!bpf_core_field_exists(folio->_flags_1))
		return 0;
	return BPF_CORE_READ(folio, _flags_1) & 0xff;
}

/* A bdi name "MAJ:MIN" as a kernel dev_t; 0 for "tmpfs", "noop"... */
static __always_inline __u32 bdi_dev(const char *ctx_name)
{
	__u32 major = 0, minor = 0, *cur = &major;
	char name[16];
	int i;

	if (bpf_probe_read_kernel(name, sizeof(name), ctx_name))
		return 0;
	for (i = 0; i < 16; i++) {
		char c = name[i];

		if (c == ':' && cur == &major) {
			cur = &minor;
		} else if (c >= '0' && c <= '9') {
			*cur = *cur * 10 + (c - '0');
		} else {
			if (c)
				return 0;
			break;
		}
	}
	return cur == &minor ? TAPIO_KDEV(major, minor) : 0;
}

/* A read asks for its whole buffer; pages past the end of the file are not
 * looked up.  The classic event has no inode to ask, so it counts the
 * asked range (docs/metrics.md). */
static __always_inline __u64 eof_clamp(struct address_space *m, __u64 last)
{
	__s64 size;

	if (!m)
		return last;
	size = BPF_CORE_READ(m, host, i_size);
	if (size <= 0)
		return last;
	if (last > ((__u64)size - 1) >> 12)
		last = ((__u64)size - 1) >> 12;
	return last;
}

SEC("tp_btf/mm_filemap_get_pages")
int BPF_PROG(tapio_cache_get_btf, struct address_space *m, unsigned long index,
	     unsigned long last_index)
{
	return read_pages(mapping_dev(m), BPF_CORE_READ(m, host, i_ino), index,
			  eof_clamp(m, last_index));
}

SEC("raw_tp/mm_filemap_get_pages")
int BPF_PROG(tapio_cache_get_raw, struct address_space *m, unsigned long index,
	     unsigned long last_index)
{
	return read_pages(mapping_dev(m), BPF_CORE_READ(m, host, i_ino), index,
			  eof_clamp(m, last_index));
}

SEC("tp/filemap/mm_filemap_get_pages")
int tapio_cache_get_tp(struct trace_event_raw_mm_filemap_op_page_cache_range *c)
{
	return read_pages(c->s_dev, c->i_ino, c->index, c->last_index);
}

SEC("tp_btf/mm_filemap_fault")
int BPF_PROG(tapio_cache_flt_btf, struct address_space *m)
{
	return fault(mapping_dev(m));
}

SEC("raw_tp/mm_filemap_fault")
int BPF_PROG(tapio_cache_flt_raw, struct address_space *m)
{
	return fault(mapping_dev(m));
}

SEC("tp/filemap/mm_filemap_fault")
int tapio_cache_flt_tp(struct trace_event_raw_mm_filemap_fault *c)
{
	return fault(c->s_dev);
}

SEC("tp_btf/mm_filemap_add_to_page_cache")
int BPF_PROG(tapio_cache_add_btf, struct folio *folio)
{
	return added(mapping_dev(BPF_CORE_READ(folio, mapping)),
		     folio_order_of(folio));
}

SEC("raw_tp/mm_filemap_add_to_page_cache")
int BPF_PROG(tapio_cache_add_raw, struct folio *folio)
{
	return added(mapping_dev(BPF_CORE_READ(folio, mapping)),
		     folio_order_of(folio));
}

SEC("tp/filemap/mm_filemap_add_to_page_cache")
int tapio_cache_add_tp(struct trace_event_raw_mm_filemap_op_page_cache *c)
{
	return added(c->s_dev, c->order);
}

SEC("tp_btf/writeback_dirty_folio")
int BPF_PROG(tapio_cache_dirty_btf, struct folio *folio,
	     struct address_space *m)
{
	return dirtied(mapping_dev(m), 1ULL << (folio_order_of(folio) & 31));
}

SEC("raw_tp/writeback_dirty_folio")
int BPF_PROG(tapio_cache_dirty_raw, struct folio *folio,
	     struct address_space *m)
{
	return dirtied(mapping_dev(m), 1ULL << (folio_order_of(folio) & 31));
}

SEC("tp/writeback/writeback_dirty_folio")
int tapio_cache_dirty_tp(struct trace_event_raw_writeback_folio_template *c)
{
	return dirtied(bdi_dev(c->name), 1); /* no folio here: one each */
}

static __always_inline int inode_written(struct inode *inode,
					 struct writeback_control *wbc,
					 long nr_to_write)
{
	long left = BPF_CORE_READ(wbc, nr_to_write);

	return written(BPF_CORE_READ(inode, i_sb, s_dev),
		       nr_to_write > left ? nr_to_write - left : 0);
}

SEC("tp_btf/writeback_single_inode")
int BPF_PROG(tapio_cache_wb_btf, struct inode *inode,
	     struct writeback_control *wbc, unsigned long nr_to_write)
{
	return inode_written(inode, wbc, nr_to_write);
}

SEC("raw_tp/writeback_single_inode")
int BPF_PROG(tapio_cache_wb_raw, struct inode *inode,
	     struct writeback_control *wbc, unsigned long nr_to_write)
{
	return inode_written(inode, wbc, nr_to_write);
}

SEC("tp/writeback/writeback_single_inode")
int tapio_cache_wb_tp(struct trace_event_raw_writeback_single_inode_template *c)
{
	return written(bdi_dev(c->name), c->wrote);
}
