// SPDX-License-Identifier: GPL-2.0
/* Producer for bench/ringbuf_consume: writes tapio's own TCP and exec event
 * records into a ring buffer as fast as one CPU can, numbered in ts_ns. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "tapio/exec.h"
#include "tapio/tcp_probe.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 << 20);
} tapio_bench_rb SEC(".maps");

/* Records per run of each program; the wakeup flags (the probes use 0);
 * the running sequence number; records offered while the ring was full
 * (a run stops at the first, and counts the rest of its batch). */
volatile const __u32 tcp_batch = 400000;
volatile const __u32 exec_batch = 100000;
__u64 rb_flags;
/* When set, wake the reader only once this many bytes wait in the ring
 * (batched wakeups) instead of by rb_flags. */
__u64 wake_bytes;
__u64 seq;
__u64 reserve_failed;

static __always_inline __u64 submit_flags(void)
{
	if (!wake_bytes)
		return rb_flags;
	return bpf_ringbuf_query(&tapio_bench_rb, BPF_RB_AVAIL_DATA) >=
			       wake_bytes
		       ? BPF_RB_FORCE_WAKEUP
		       : BPF_RB_NO_WAKEUP;
}

static long fill_tcp(__u32 i, void *ctx)
{
	struct tapio_tcp_event *e;

	(void)ctx;
	e = bpf_ringbuf_reserve(&tapio_bench_rb, sizeof(*e), 0);
	if (!e) {
		reserve_failed += tcp_batch - i;
		return 1;
	}
	e->type = TAPIO_TCP_LIFE;
	e->ts_ns = seq++;
	e->tx_bytes = 3002;
	e->rx_bytes = 701;
	bpf_ringbuf_submit(e, submit_flags());
	return 0;
}

static long fill_exec(__u32 i, void *ctx)
{
	struct tapio_exec_event *e;

	(void)ctx;
	e = bpf_ringbuf_reserve(&tapio_bench_rb, sizeof(*e), 0);
	if (!e) {
		reserve_failed += exec_batch - i;
		return 1;
	}
	e->type = TAPIO_EXEC_OK;
	e->ts_ns = seq++;
	e->args_len = 0;
	bpf_ringbuf_submit(e, submit_flags());
	return 0;
}

SEC("syscall")
int tapio_bench_fill_tcp(void *ctx)
{
	(void)ctx;
	bpf_loop(tcp_batch, fill_tcp, NULL, 0);
	return 0;
}

SEC("syscall")
int tapio_bench_fill_exec(void *ctx)
{
	(void)ctx;
	bpf_loop(exec_batch, fill_exec, NULL, 0);
	return 0;
}
