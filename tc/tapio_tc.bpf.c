// SPDX-License-Identifier: GPL-2.0
/* tapio_tc: egress (and, under the TC hook, ingress with capture) flow
 * accounting at clsact; same key and maps as tapio_xdp, never changes a
 * verdict. */
#include <linux/pkt_cls.h>

#include "capture.bpf.h"
#include "flow_account.bpf.h"

/* Set by the loader before load; ingress for the TC hook's second copy. */
const volatile __u8 tapio_tc_direction = TAPIO_DIR_EGRESS;

/* Headers longer than this are not parsed (IPv6 with a long extension
 * chain inside a non-linear skb is reported as truncated). */
#define TAPIO_TC_PULL_LEN 256

/*
 * The parse as a global function: the verifier checks it once, on its own,
 * instead of once per state of the caller (the skb's VLAN flag, its
 * unknown length and the counters multiplied the parser's paths: 857k of
 * the 1M instructions the verifier allows, 18 s to load).  Reason, or 0
 * with @key and @res filled.
 */
__noinline int tapio_tc_parse(struct __sk_buff *skb, struct tapio_flow_key *key,
			      struct tapio_parse_result *res)
{
	void *data, *data_end;

	if (!skb || !key || !res)
		return TAPIO_CNT_TRUNCATED_L2;
	data = (void *)(long)skb->data;
	data_end = (void *)(long)skb->data_end;
	if (data_end - data < TAPIO_TC_PULL_LEN && skb->len > data_end - data) {
		bpf_skb_pull_data(skb, skb->len < TAPIO_TC_PULL_LEN
					       ? skb->len
					       : TAPIO_TC_PULL_LEN);
		data = (void *)(long)skb->data;
		data_end = (void *)(long)skb->data_end;
	}
	return tapio_parse_link(tapio_link_raw_ip, data, data_end, skb->len,
				skb->vlan_present, (__u16)skb->vlan_tci, key,
				res);
}

static __always_inline void tapio_tc_capture(struct __sk_buff *skb,
					     const struct tapio_config *cfg,
					     struct tapio_dir_counters *cnt,
					     const struct tapio_flow_key *key)
{
	struct tapio_capture_rec *rec;
	__u32 caplen;

	if (!cfg || !cfg->capture || !tapio_filter_match(&cfg->filter, key))
		return;
	/* queue_mapping is the receive queue + 1 once recorded */
	rec = tapio_capture_begin(
		cfg, skb->len, skb->ifindex,
		skb->queue_mapping ? skb->queue_mapping - 1 : 0, &caplen);
	if (rec)
		tapio_capture_commit(
			rec, caplen, cnt,
			bpf_skb_load_bytes(skb, 0, rec->data, caplen));
}

/* The socket of a local packet (a forwarded one has none), once per flow:
 * the first packet's.  A full map leaves the flow unattributed, which the
 * collector says of it. */
static __always_inline void remember_owner(struct __sk_buff *skb,
					   const struct tapio_flow_key *key)
{
	struct tapio_flow_owner o;

	/* the common case, a flow already known, costs one lookup */
	if (bpf_map_lookup_elem(&tapio_owners, key))
		return;
	o.sock_cookie = bpf_get_socket_cookie(skb);
	if (!o.sock_cookie)
		return;
	o.cgroup_id = bpf_skb_cgroup_id(skb);
	o.seen_ns = bpf_ktime_get_ns();
	bpf_map_update_elem(&tapio_owners, key, &o, BPF_NOEXIST);
}

/* Counted, the packet goes on to whatever comes after us: the next tcx
 * program, or the next cls_bpf filter (TC_ACT_OK would end the chain and
 * skip another tool's filters; at the end of it the packet passes). */
#define TAPIO_TC_NEXT TC_ACT_UNSPEC

SEC("tc")
int tapio_tc(struct __sk_buff *skb)
{
	struct tapio_config *cfg = tapio_get_config();
	__u32 dir = tapio_tc_direction;
	struct tapio_flow_key key = {};
	struct tapio_parse_result res;
	struct tapio_dir_counters *cnt;
	__u64 pkts = 1, bytes = skb->len;
	int reason;

	cnt = bpf_map_lookup_elem(&tapio_counters, &dir);
	if (!cnt)
		return TAPIO_TC_NEXT;

	/* A GSO skb leaves as gso_segs frames, each with its own headers;
	 * count what goes on the wire, not the super-packet. */
	if (skb->gso_segs > 1)
		pkts = skb->gso_segs;

	key.ifindex =
		cfg && cfg->flow_ifindex ? cfg->flow_ifindex : skb->ifindex;
	key.direction = (__u8)dir;
	reason = tapio_tc_parse(skb, &key, &res);
	if (!reason && pkts > 1)
		bytes += (pkts - 1) * res.l4_payload_off;
	if (skb->vlan_present)
		bytes += 4 * pkts; /* the tag the device inserts on the wire */

	cnt->c[TAPIO_CNT_SEEN_PKTS] += pkts;
	cnt->c[TAPIO_CNT_SEEN_BYTES] += bytes;
	/* under the TC hook, capture copies received frames here (after
	 * GRO: a merged packet is one record, as tcpdump sees it) */
	if (dir == TAPIO_DIR_INGRESS)
		tapio_tc_capture(skb, cfg, cnt, reason ? NULL : &key);
	if (reason)
		tapio_charge(cnt, reason, pkts, bytes);
	else
		tapio_account(cnt, cfg, &key, pkts, bytes, res.tcp_flags);
	if (!reason && cfg && cfg->owners && skb->sk)
		remember_owner(skb, &key);
	return TAPIO_TC_NEXT;
}

char LICENSE[] SEC("license") = "GPL";
