// SPDX-License-Identifier: GPL-2.0
/* tapio_xdp: ingress flow accounting at the XDP hook, and copy-and-pass
 * capture when asked.  Monitor mode: every frame is passed on; loads
 * standalone with `ip link ... xdp obj`. */
#include "capture.bpf.h"

SEC("xdp")
int tapio_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 len = (__u32)(data_end - data);
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

	key.ifindex = ctx->ingress_ifindex;
	key.direction = TAPIO_DIR_INGRESS;
	reason = tapio_parse_frame(data, data_end, len, 0, 0, &key, &res);
	if (reason)
		tapio_charge(cnt, reason, 1, len);
	else
		tapio_account(cnt, cfg, &key, 1, len, res.tcp_flags);

	if (cfg && cfg->capture &&
	    tapio_capture_match(cfg, reason ? NULL : &key))
		tapio_capture_frame(ctx, cfg, cnt, len);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
