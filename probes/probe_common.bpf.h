/* SPDX-License-Identifier: GPL-2.0 */
/* Maps and helpers every probe object has: its counters, its run-time
 * filter, and the macro that defines one handler for all three methods. */
#ifndef TAPIO_PROBE_COMMON_BPF_H
#define TAPIO_PROBE_COMMON_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "tapio/probe.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, TAPIO_PCNT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} tapio_pcnt SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct tapio_probe_filter);
} tapio_pfilter SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TAPIO_FILTER_SET_MAX);
	__type(key, __u32);
	__type(value, struct tapio_pfilter_val);
} tapio_fpid SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TAPIO_FILTER_SET_MAX);
	__type(key, __u64);
	__type(value, struct tapio_pfilter_val);
} tapio_fcgroup SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TAPIO_FILTER_SET_MAX);
	__type(key, __u32);
	__type(value, struct tapio_pfilter_val);
} tapio_fdev SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TAPIO_FILTER_SET_MAX);
	__type(key, __u32);
	__type(value, struct tapio_pfilter_val);
} tapio_fuid SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TAPIO_FILTER_SET_MAX);
	__type(key, __u32);
	__type(value, struct tapio_pfilter_val);
} tapio_fns SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct tapio_rate_limit);
} tapio_plimit SEC(".maps");

/* Wake the ring's reader only once this many bytes wait in it: the reader
 * polls every 100 ms anyway, so an event waits at most that long, while a
 * wakeup per event costs the producer more than the event itself
 * (bench/ringbuf_consume) and wakes the reader once per exec on a busy
 * machine.  0 wakes it for every event. */
volatile const __u64 tapio_wake_bytes = 64 << 10;

static __always_inline __u64 tapio_rb_flags(void *ring)
{
	if (!tapio_wake_bytes)
		return 0;
	return bpf_ringbuf_query(ring, BPF_RB_AVAIL_DATA) >= tapio_wake_bytes
		       ? BPF_RB_FORCE_WAKEUP
		       : BPF_RB_NO_WAKEUP;
}

static __always_inline void tapio_pcount(__u32 idx, __u64 n)
{
	__u64 *c = bpf_map_lookup_elem(&tapio_pcnt, &idx);

	if (c)
		*c += n;
}

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct tapio_sampling);
} tapio_psample SEC(".maps");

/* Whether an event is sent: @keep (one that matters most) always, the
 * others one in n at random; one left out is counted. */
static __always_inline bool tapio_sampled(bool keep)
{
	struct tapio_sampling *s;
	__u32 zero = 0;

	if (keep)
		return true;
	s = bpf_map_lookup_elem(&tapio_psample, &zero);
	if (!s || s->n <= 1 || bpf_get_prandom_u32() % s->n == 0)
		return true;
	tapio_pcount(TAPIO_PCNT_SAMPLED_OUT, 1);
	return false;
}

/* Whether one more event of this stream is within its rate limit (always,
 * with none); one over it is counted.  A CPU that loses the race for the
 * arrival time four times in a row (a burst on every CPU) counts its
 * event as over the limit rather than spin. */
static __always_inline bool tapio_rate_ok(void)
{
	struct tapio_rate_limit *l;
	__u64 now, old, tat;
	__u32 zero = 0;
	int i;

	l = bpf_map_lookup_elem(&tapio_plimit, &zero);
	if (!l || !l->interval_ns)
		return true;
	now = bpf_ktime_get_ns();
	for (i = 0; i < 4; i++) {
		old = *(volatile __u64 *)&l->tat_ns;
		tat = old > now ? old : now;
		if (tat - now > l->tolerance_ns)
			break;
		if (__sync_val_compare_and_swap(&l->tat_ns, old,
						tat + l->interval_ns) == old)
			return true;
	}
	tapio_pcount(TAPIO_PCNT_RATE_LIMITED, 1);
	return false;
}

/* Whether a set's entry for @key exists; one that does counts a hit. */
static __always_inline bool tapio_listed(void *set, void *key)
{
	struct tapio_pfilter_val *v = bpf_map_lookup_elem(set, key);

	if (!v)
		return false;
	__sync_fetch_and_add(&v->hits, 1);
	return true;
}

static __always_inline bool tapio_set_match(__u8 mode, void *set, void *key)
{
	bool listed;

	if (mode == TAPIO_FILTER_OFF)
		return true;
	listed = tapio_listed(set, key);
	return mode == TAPIO_FILTER_INCLUDE ? listed : !listed;
}

/* The current task's tgid is listed, or (with pid_tree) one of its
 * ancestors' is with children set. */
static __always_inline bool tapio_pid_listed(const struct tapio_probe_filter *f)
{
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();
	struct tapio_pfilter_val *v;
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	int i;

	if (tapio_listed(&tapio_fpid, &tgid))
		return true;
	if (!f->pid_tree)
		return false;
	for (i = 0; i < TAPIO_PID_TREE_DEPTH; i++) {
		t = BPF_CORE_READ(t, real_parent);
		if (!t)
			return false;
		tgid = BPF_CORE_READ(t, tgid);
		v = bpf_map_lookup_elem(&tapio_fpid, &tgid);
		if (v && v->children) {
			__sync_fetch_and_add(&v->hits, 1);
			return true;
		}
		if (tgid <= 1)
			return false;
	}
	return false;
}

/* The current task's mount, pid or net namespace is listed (the pid
 * namespace its children are made in, as bcc's tools read it). */
static __always_inline bool tapio_ns_listed(void)
{
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();
	__u32 ns[3];
	int i;

	ns[0] = BPF_CORE_READ(t, nsproxy, mnt_ns, ns.inum);
	ns[1] = BPF_CORE_READ(t, nsproxy, pid_ns_for_children, ns.inum);
	ns[2] = BPF_CORE_READ(t, nsproxy, net_ns, ns.inum);
	for (i = 0; i < 3; i++)
		if (ns[i] && tapio_listed(&tapio_fns, &ns[i]))
			return true;
	return false;
}

static __always_inline bool tapio_mode_pass(__u8 mode, bool listed)
{
	return mode == TAPIO_FILTER_INCLUDE ? listed : !listed;
}

#define TAPIO_NO_DEV ((__u32)-1)

/* True when the event passes the filter; a filtered event is counted. The
 * current task's pid, cgroup, uid and namespaces are used only when their
 * mode is on. */
static __always_inline bool tapio_filter_task_dev(bool use_task, __u32 dev)
{
	__u32 zero = 0, uid;
	__u64 cgid;
	struct tapio_probe_filter *f =
		bpf_map_lookup_elem(&tapio_pfilter, &zero);

	if (!f)
		return true;
	if (use_task && f->pid_mode &&
	    !tapio_mode_pass(f->pid_mode, tapio_pid_listed(f)))
		goto filtered;
	if (use_task && f->cgroup_mode) {
		cgid = bpf_get_current_cgroup_id();
		if (!tapio_set_match(f->cgroup_mode, &tapio_fcgroup, &cgid))
			goto filtered;
	}
	if (use_task && f->uid_mode) {
		uid = (__u32)bpf_get_current_uid_gid();
		if (!tapio_set_match(f->uid_mode, &tapio_fuid, &uid))
			goto filtered;
	}
	if (use_task && f->ns_mode &&
	    !tapio_mode_pass(f->ns_mode, tapio_ns_listed()))
		goto filtered;
	if (dev != TAPIO_NO_DEV &&
	    !tapio_set_match(f->dev_mode, &tapio_fdev, &dev))
		goto filtered;
	return true;
filtered:
	tapio_pcount(TAPIO_PCNT_FILTERED, 1);
	return false;
}

/* The pid filter applied to a pid remembered earlier (a TCP connection's
 * opener), not to the task running now: that pid itself, not its
 * parents; counted when it excludes. */
static __always_inline bool tapio_pid_allowed(__u32 pid)
{
	__u32 zero = 0;
	struct tapio_probe_filter *f =
		bpf_map_lookup_elem(&tapio_pfilter, &zero);

	if (!f || !f->pid_mode ||
	    tapio_set_match(f->pid_mode, &tapio_fpid, &pid))
		return true;
	tapio_pcount(TAPIO_PCNT_FILTERED, 1);
	return false;
}

/* The tgid of a task's real parent, read through CO-RE. */
static __always_inline __u32 tapio_ppid(struct task_struct *t)
{
	return BPF_CORE_READ(t, real_parent, tgid);
}

#endif /* TAPIO_PROBE_COMMON_BPF_H */
