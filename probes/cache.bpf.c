// SPDX-License-Identifier: GPL-2.0
/* Page-cache probe without kprobes: lookups from reads and faults, misses
 * from pages added, mmap fault-arounds, dirtied and written-back pages (a
 * file's apart from the block device's own), per filesystem device. */
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

	if (st) {
		st->lookups++;
		st->mmap_faults++;
	}
	tapio_pcount(TAPIO_PCNT_CACHE_LOOKUP, 1);
	return 0;
}

/* Fault-around mapped cached pages of [start, end] without a lookup of its
 * own.  The window is what the event names; large folios in it are mapped
 * whole, past its ends, and holes in it are not mapped: an estimate. */
static __always_inline int mapped(__u32 dev, __u64 start, __u64 end)
{
	struct tapio_cache_stats *st = stats_of(dev);

	if (st) {
		st->mmap_maps++;
		if (end >= start)
			st->mmap_pages += end - start + 1;
	}
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

static __always_inline int dirtied(__u32 dev, __u64 pages, bool meta)
{
	struct tapio_cache_stats *st = stats_of(dev);

	if (st) {
		if (meta)
			st->meta_dirtied += pages;
		else
			st->dirtied += pages;
	}
	if (!meta)
		tapio_pcount(TAPIO_PCNT_CACHE_DIRTY, pages);
	return 0;
}

static __always_inline int written(__u32 dev, __u64 pages, bool meta)
{
	struct tapio_cache_stats *st;

	if (!pages)
		return 0;
	st = stats_of(dev);
	if (st) {
		if (meta)
			st->meta_writeback += pages;
		else
			st->writeback += pages;
	}
	if (!meta)
		tapio_pcount(TAPIO_PCNT_CACHE_WRITEBACK, pages);
	return 0;
}

/*
 * Writeback is counted where the filesystem reports the pages it wrote
 * (ext4_writepages_result), which every path reaches: the flusher, sync(2),
 * fsync(), msync().  writeback_single_inode covers the other filesystems,
 * for the flusher and sync(2) only; when a filesystem event fired inside
 * it, the inode's total is that event's and is not counted again.  Each
 * thread's open inode writeback is kept here: 1 once a filesystem event
 * counted inside it.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u32);
} tapio_cache_wb SEC(".maps");

static __always_inline int inode_wb_start(void)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid(), zero = 0;

	bpf_map_update_elem(&tapio_cache_wb, &tid, &zero, BPF_ANY);
	return 0;
}

static __always_inline int inode_wb_end(__u32 dev, __u64 pages, bool meta)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u32 *fs_counted = bpf_map_lookup_elem(&tapio_cache_wb, &tid);
	bool skip = fs_counted && *fs_counted;

	if (fs_counted)
		bpf_map_delete_elem(&tapio_cache_wb, &tid);
	return skip ? 0 : written(dev, pages, meta);
}

static __always_inline int fs_written(__u32 dev, __s64 pages)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u32 *fs_counted = bpf_map_lookup_elem(&tapio_cache_wb, &tid);

	if (fs_counted)
		*fs_counted = 1;
	return pages > 0 ? written(dev, pages, false) : 0;
}

/* S_IFBLK: the block device's own inode, whose i_ino and i_rdev are its
 * dev_t; its pages are the device's metadata and raw buffered I/O. */
#define TAPIO_S_IFMT  00170000
#define TAPIO_S_IFBLK 0060000

static __always_inline __u32 inode_dev(struct inode *inode, bool *meta)
{
	if (!inode) {
		*meta = false;
		return 0;
	}
	*meta = (BPF_CORE_READ(inode, i_mode) & TAPIO_S_IFMT) == TAPIO_S_IFBLK;
	return *meta ? BPF_CORE_READ(inode, i_rdev)
		     : BPF_CORE_READ(inode, i_sb, s_dev);
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

SEC("tp_btf/mm_filemap_map_pages")
int BPF_PROG(tapio_cache_map_btf, struct address_space *m, unsigned long start,
	     unsigned long end)
{
	return mapped(mapping_dev(m), start, end);
}

SEC("raw_tp/mm_filemap_map_pages")
int BPF_PROG(tapio_cache_map_raw, struct address_space *m, unsigned long start,
	     unsigned long end)
{
	return mapped(mapping_dev(m), start, end);
}

SEC("tp/filemap/mm_filemap_map_pages")
int tapio_cache_map_tp(struct trace_event_raw_mm_filemap_op_page_cache_range *c)
{
	return mapped(c->s_dev, c->index, c->last_index);
}

static __always_inline int folio_dirtied(struct folio *folio,
					 struct address_space *m)
{
	bool meta;
	__u32 dev = inode_dev(m ? BPF_CORE_READ(m, host) : NULL, &meta);

	return dirtied(dev, 1ULL << (folio_order_of(folio) & 31), meta);
}

SEC("tp_btf/writeback_dirty_folio")
int BPF_PROG(tapio_cache_dirty_btf, struct folio *folio,
	     struct address_space *m)
{
	return folio_dirtied(folio, m);
}

SEC("raw_tp/writeback_dirty_folio")
int BPF_PROG(tapio_cache_dirty_raw, struct folio *folio,
	     struct address_space *m)
{
	return folio_dirtied(folio, m);
}

/* The classic events name the backing device; the block device's own
 * inode is the one whose number is that device's dev_t. */
SEC("tp/writeback/writeback_dirty_folio")
int tapio_cache_dirty_tp(struct trace_event_raw_writeback_folio_template *c)
{
	__u32 dev = bdi_dev(c->name);

	return dirtied(dev, 1, dev && c->ino == dev); /* no folio: one each */
}

SEC("tp_btf/writeback_single_inode_start")
int BPF_PROG(tapio_cache_wbs_btf)
{
	return inode_wb_start();
}

SEC("raw_tp/writeback_single_inode_start")
int BPF_PROG(tapio_cache_wbs_raw)
{
	return inode_wb_start();
}

SEC("tp/writeback/writeback_single_inode_start")
int tapio_cache_wbs_tp(void *c)
{
	return inode_wb_start();
}

static __always_inline int inode_written(struct inode *inode,
					 struct writeback_control *wbc,
					 long nr_to_write)
{
	long left = BPF_CORE_READ(wbc, nr_to_write);
	bool meta;
	__u32 dev = inode_dev(inode, &meta);

	return inode_wb_end(dev, nr_to_write > left ? nr_to_write - left : 0,
			    meta);
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
	__u32 dev = bdi_dev(c->name);

	return inode_wb_end(dev, c->wrote, dev && c->ino == dev);
}

/*
 * ext4 may be a module, so its event's layout is declared here and
 * relocated (CO-RE) against whichever BTF has it.  The classic event serves
 * every flavour: it is per writepages call, not per page.
 */
struct trace_event_raw_ext4_writepages_result___tapio {
	__u32 dev;
	__u64 ino;
	int ret;
	int pages_written;
} __attribute__((preserve_access_index));

SEC("tp/ext4/ext4_writepages_result")
int tapio_cache_ext4_wb(
	struct trace_event_raw_ext4_writepages_result___tapio *c)
{
	return fs_written(c->dev, c->pages_written);
}
