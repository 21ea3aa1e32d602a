// SPDX-License-Identifier: GPL-2.0
/* tapio_xdp: ingress flow accounting at the XDP hook, and copy-and-pass
 * capture when asked.  Monitor mode: every frame is passed on; loads
 * standalone with `ip link ... xdp obj`. */
#include "capture.bpf.h"

/* Set by the loader when the program is loaded with multi-buffer support
 * (xdp.frags: native XDP at jumbo MTU): a frame may then span buffers,
 * data..data_end is the first, and the frame's length is asked for. */
const volatile __u8 tapio_xdp_frags = 0;

/* One AF_XDP socket per receive queue, inserted by `tapio run --xsk`. */
struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, TAPIO_XSK_MAX_QUEUES);
	__type(key, __u32);
	__type(value, __u32);
} tapio_xsks SEC(".maps");

static __always_inline int tapio_xsk_select(const struct tapio_config *cfg,
					    struct tapio_dir_counters *cnt,
					    const struct tapio_flow_key *key)
{
	switch (cfg->xsk_mode) {
	case TAPIO_XSK_ALL:
		return 1;
	case TAPIO_XSK_SAMPLE:
		return cfg->xsk_sample_n &&
		       !(cnt->c[TAPIO_CNT_XSK_SAMPLE_SEQ]++ %
			 cfg->xsk_sample_n);
	case TAPIO_XSK_FILTER:
		return tapio_filter_match(&cfg->xsk_filter, key);
	default:
		return 0;
	}
}

SEC("xdp")
int tapio_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 len = tapio_xdp_frags ? (__u32)bpf_xdp_get_buff_len(ctx)
				    : (__u32)(data_end - data);
	struct tapio_flow_key key = {};
	struct tapio_parse_result res;
	struct tapio_dir_counters *cnt;
	struct tapio_config *cfg;
	__u32 dir = TAPIO_DIR_INGRESS;
	int reason;

	cnt = bpf_map_lookup_elem(&tapio_counters, &dir);
	if (!cnt)
		return XDP_PASS;
	cnt->c[TAPIO_CNT_SEEN_PKTS]++;
	cnt->c[TAPIO_CNT_SEEN_BYTES] += len;
	cfg = tapio_get_config();

	key.ifindex = cfg && cfg->flow_ifindex ? cfg->flow_ifindex
					       : ctx->ingress_ifindex;
	key.direction = TAPIO_DIR_INGRESS;
	reason = tapio_parse_link(tapio_link_raw_ip, data, data_end, len, 0, 0,
				  &key, &res);

	if (cfg && cfg->capture &&
	    tapio_filter_match(&cfg->filter, reason ? NULL : &key)) {
		struct tapio_capture_rec *rec;
		__u32 caplen;

		rec = tapio_capture_begin(cfg, len, ctx->ingress_ifindex,
					  ctx->rx_queue_index, &caplen);
		if (rec)
			tapio_capture_commit(
				rec, caplen, cnt,
				bpf_xdp_load_bytes(ctx, 0, rec->data, caplen));
	}

	/* A frame steered to its queue's socket is accounted by the poller;
	 * with no socket on that queue it is accounted here and passed. */
	if (cfg && cfg->xsk_mode &&
	    tapio_xsk_select(cfg, cnt, reason ? NULL : &key)) {
		if (bpf_redirect_map(&tapio_xsks, ctx->rx_queue_index,
				     XDP_PASS) == XDP_REDIRECT) {
			cnt->c[TAPIO_CNT_XSK_PKTS]++;
			cnt->c[TAPIO_CNT_XSK_BYTES] += len;
			return XDP_REDIRECT;
		}
		cnt->c[TAPIO_CNT_XSK_NO_SOCKET]++;
	}

	if (reason)
		tapio_charge(cnt, reason, 1, len);
	else
		tapio_account(cnt, cfg, &key, 1, len, res.tcp_flags);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
