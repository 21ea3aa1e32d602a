/* SPDX-License-Identifier: GPL-2.0 */
/* Copy-and-pass capture for `tapio capture`: matching received frames are
 * copied into a ring buffer and still passed on, so capturing never takes
 * traffic away from the host (unlike an AF_XDP redirect). */
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

static __always_inline int tapio_prefix_match(const __u8 *a, const __u8 *f,
					      __u32 plen)
{
	int i;

#pragma unroll
	for (i = 0; i < 16; i++) {
		__u32 bits = plen > (__u32)i * 8 ? plen - (__u32)i * 8 : 0;
		__u8 mask;

		if (!bits)
			break;
		mask = bits >= 8 ? 0xff : (__u8)(0xff << (8 - bits));
		if ((a[i] ^ f[i]) & mask)
			return 0;
	}
	return 1;
}

/* @key is NULL for frames that are not IP (or did not parse). */
static __always_inline int
tapio_filter_match(const struct tapio_capture_filter *f,
		   const struct tapio_flow_key *key)
{
	if (!key)
		return !f->ip_only && !f->proto && !f->port && !f->prefix_len;
	if (f->proto && key->protocol != f->proto)
		return 0;
	if (f->port && key->src_port != f->port && key->dst_port != f->port)
		return 0;
	if (f->prefix_len &&
	    !tapio_prefix_match(key->src_addr, f->addr, f->prefix_len) &&
	    !tapio_prefix_match(key->dst_addr, f->addr, f->prefix_len))
		return 0;
	return 1;
}

static __always_inline void tapio_capture_frame(struct xdp_md *ctx,
						const struct tapio_config *cfg,
						struct tapio_dir_counters *cnt,
						__u32 len)
{
	struct tapio_capture_rec *rec;
	__u32 zero = 0, caplen;

	rec = bpf_map_lookup_elem(&tapio_capture_buf, &zero);
	if (!rec)
		return;
	caplen = len < cfg->snaplen ? len : cfg->snaplen;
	if (caplen > TAPIO_CAPTURE_MAX)
		caplen = TAPIO_CAPTURE_MAX;
	if (!caplen)
		return;
	/* the same value for 1..MAX (a power of two), written so that the
	 * verifier sees 1 <= caplen <= MAX whatever clang does with copies */
	caplen = ((caplen - 1) & (TAPIO_CAPTURE_MAX - 1)) + 1;
	rec->h.ts_ns = bpf_ktime_get_ns();
	rec->h.len = len;
	rec->h.caplen = caplen;
	rec->h.ifindex = ctx->ingress_ifindex;
	rec->h.queue = ctx->rx_queue_index;
	if (bpf_xdp_load_bytes(ctx, 0, rec->data, caplen)) {
		cnt->c[TAPIO_CNT_CAPTURE_ERROR]++;
		return;
	}
	if (bpf_ringbuf_output(&tapio_capture, rec, sizeof(rec->h) + caplen, 0))
		cnt->c[TAPIO_CNT_CAPTURE_RING_FULL]++;
	else
		cnt->c[TAPIO_CNT_CAPTURED]++;
}

#endif /* TAPIO_CAPTURE_BPF_H */
