/* SPDX-License-Identifier: GPL-2.0 */
/* Matching a parsed flow key against a filter: what capture copies, what
 * AF_XDP steers and which flows the flow filters leave out. */
#ifndef TAPIO_MATCH_BPF_H
#define TAPIO_MATCH_BPF_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "tapio/config.h"
#include "tapio/flow.h"

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

#endif /* TAPIO_MATCH_BPF_H */
