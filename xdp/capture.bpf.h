/* SPDX-License-Identifier: GPL-2.0 */
/* Copy-and-pass capture for `tapio capture`, at XDP or at TC ingress:
 * matching received frames are copied into a ring buffer and still passed
 * on, so capturing never takes traffic away (unlike an AF_XDP redirect). */
#ifndef TAPIO_CAPTURE_BPF_H
#define TAPIO_CAPTURE_BPF_H

#include "flow_account.bpf.h"
#include "tapio/capture.h"

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, TAPIO_CAPTURE_RING_BYTES);
} tapio_capture SEC(".maps");

/* A frame is assembled here, then only header + caplen bytes are copied
 * into the ring. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct tapio_capture_rec);
} tapio_capture_buf SEC(".maps");

/* The record for a frame of @len bytes, its header filled and *caplen
 * set (1..TAPIO_CAPTURE_MAX for the verifier); the caller copies the
 * bytes with its hook's helper and hands the result to _commit. */
static __always_inline struct tapio_capture_rec *
tapio_capture_begin(const struct tapio_config *cfg, __u32 len, __u32 ifindex,
		    __u32 queue, __u32 *caplen)
{
	struct tapio_capture_rec *rec;
	__u32 zero = 0, n;

	rec = bpf_map_lookup_elem(&tapio_capture_buf, &zero);
	if (!rec)
		return NULL;
	n = len < cfg->snaplen ? len : cfg->snaplen;
	if (n > TAPIO_CAPTURE_MAX)
		n = TAPIO_CAPTURE_MAX;
	if (!n)
		return NULL;
	/* the same value for 1..MAX (a power of two), written so that the
	 * verifier sees 1 <= n <= MAX whatever clang does with copies */
	n = ((n - 1) & (TAPIO_CAPTURE_MAX - 1)) + 1;
	rec->h.ts_ns = bpf_ktime_get_ns();
	rec->h.len = len;
	rec->h.caplen = n;
	rec->h.ifindex = ifindex;
	rec->h.queue = queue;
	*caplen = n;
	return rec;
}

static __always_inline void tapio_capture_commit(struct tapio_capture_rec *rec,
						 __u32 caplen,
						 struct tapio_dir_counters *cnt,
						 long load_err)
{
	if (load_err) {
		cnt->c[TAPIO_CNT_CAPTURE_ERROR]++;
		return;
	}
	if (bpf_ringbuf_output(&tapio_capture, rec, sizeof(rec->h) + caplen, 0))
		cnt->c[TAPIO_CNT_CAPTURE_RING_FULL]++;
	else
		cnt->c[TAPIO_CNT_CAPTURED]++;
}

#endif /* TAPIO_CAPTURE_BPF_H */
