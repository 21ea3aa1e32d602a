/* SPDX-License-Identifier: GPL-2.0 */
/* Per-CPU counters of what the data-plane programs saw and did not account.
 * Every packet lands in exactly one class: flow, non-IP, overflow, a parse
 * error, AF_XDP, filtered or sampled out. */
#ifndef TAPIO_COUNTERS_H
#define TAPIO_COUNTERS_H

#include <linux/types.h>

/*
 * Index into struct tapio_dir_counters; tapio_counters is a per-CPU array
 * with one struct per direction, so the hot path does one lookup per packet.
 * Conservation, per direction:
 *   SEEN_PKTS == sum(flow packets) - SAMPLED_EXTRA_PKTS + NON_IP_PKTS
 *                + OVERFLOW_PKTS + sum(PARSE_* counters) + XSK_PKTS
 *                + FILTERED_PKTS + SAMPLED_OUT_PKTS
 */
enum tapio_counter {
	TAPIO_CNT_SEEN_PKTS = 0,
	TAPIO_CNT_SEEN_BYTES,
	TAPIO_CNT_NON_IP_PKTS, /* ARP, LLDP, ...: not IP, nothing to key */
	TAPIO_CNT_NON_IP_BYTES,
	TAPIO_CNT_OVERFLOW_PKTS, /* IP flow that could not get a map entry */
	TAPIO_CNT_OVERFLOW_BYTES,
	TAPIO_CNT_OVERFLOW_MAP_FULL, /* ...because the map was full (-E2BIG) */
	TAPIO_CNT_OVERFLOW_NOMEM,    /* ...because the kernel had no memory */
	TAPIO_CNT_OVERFLOW_OTHER,    /* ...because of another update error */
	/* Parse failures: the frame is passed on and counted here only. */
	TAPIO_CNT_PARSE_FIRST,
	TAPIO_CNT_TRUNCATED_L2 = TAPIO_CNT_PARSE_FIRST,
	TAPIO_CNT_TRUNCATED_VLAN,
	TAPIO_CNT_VLAN_DEPTH,	   /* more than two VLAN tags */
	TAPIO_CNT_TRUNCATED_IPV4,  /* frame ends inside the IPv4 header */
	TAPIO_CNT_BAD_IPV4_HEADER, /* version != 4 or IHL < 5 */
	TAPIO_CNT_BAD_IPV4_LENGTH, /* total length < IHL or beyond the frame */
	TAPIO_CNT_TRUNCATED_IPV6,  /* frame ends inside the fixed IPv6 header */
	TAPIO_CNT_BAD_IPV6_HEADER, /* version != 6 */
	TAPIO_CNT_BAD_IPV6_LENGTH, /* payload length beyond the frame */
	TAPIO_CNT_TRUNCATED_IPV6_EXT,
	TAPIO_CNT_IPV6_EXT_LIMIT, /* more extension headers than we walk */
	TAPIO_CNT_TRUNCATED_L4, /* frame ends inside the TCP/UDP/ICMP header */
	TAPIO_CNT_PARSE_LAST = TAPIO_CNT_TRUNCATED_L4,
	/* Not part of the identity above: what `tapio capture` copied. */
	TAPIO_CNT_CAPTURED,	     /* frames copied to the capture ring */
	TAPIO_CNT_CAPTURE_RING_FULL, /* frames the ring had no room for */
	/* Frames redirected to an AF_XDP socket: accounted by the pollers,
	 * so part of the identity (xsk_packets) instead of a flow. */
	TAPIO_CNT_XSK_PKTS,
	TAPIO_CNT_XSK_BYTES,
	TAPIO_CNT_XSK_NO_SOCKET,  /* steered, but the queue had no socket */
	TAPIO_CNT_XSK_SAMPLE_SEQ, /* running count for 1-in-N sampling */
	TAPIO_CNT_CAPTURE_ERROR,  /* matched, but the copy failed */
	/* Flows that found their kernel map full while a collector ran:
	 * handed to it through tapio_spill, so in flows, not overflow. */
	TAPIO_CNT_SPILLED_PKTS,
	TAPIO_CNT_SPILLED_BYTES,
	/* IP frames the flow filters leave out: passed on, not in a flow */
	TAPIO_CNT_FILTERED_PKTS,
	TAPIO_CNT_FILTERED_BYTES,
	/* Flow packet sampling (tapio_config.flow_sample_n): IP frames left
	 * out at random, passed on, not in a flow; and what the frames kept
	 * added beyond themselves (a kept frame counts as N in its flow, N - 1
	 * of them estimated), so flows - SAMPLED_EXTRA is what was seen. */
	TAPIO_CNT_SAMPLED_OUT_PKTS,
	TAPIO_CNT_SAMPLED_OUT_BYTES,
	TAPIO_CNT_SAMPLED_EXTRA_PKTS,
	TAPIO_CNT_SAMPLED_EXTRA_BYTES,
	TAPIO_CNT_MAX,
};

struct tapio_dir_counters {
	__u64 c[TAPIO_CNT_MAX];
};

/* Names used by `tapio status`, JSON output and later /metrics labels. */
#define TAPIO_COUNTER_NAMES                                                    \
	{                                                                      \
		[TAPIO_CNT_SEEN_PKTS] = "seen_packets",                        \
		[TAPIO_CNT_SEEN_BYTES] = "seen_bytes",                         \
		[TAPIO_CNT_NON_IP_PKTS] = "non_ip_packets",                    \
		[TAPIO_CNT_NON_IP_BYTES] = "non_ip_bytes",                     \
		[TAPIO_CNT_OVERFLOW_PKTS] = "overflow_packets",                \
		[TAPIO_CNT_OVERFLOW_BYTES] = "overflow_bytes",                 \
		[TAPIO_CNT_OVERFLOW_MAP_FULL] = "map_full",                    \
		[TAPIO_CNT_OVERFLOW_NOMEM] = "no_memory",                      \
		[TAPIO_CNT_OVERFLOW_OTHER] = "update_error",                   \
		[TAPIO_CNT_TRUNCATED_L2] = "truncated_l2",                     \
		[TAPIO_CNT_TRUNCATED_VLAN] = "truncated_vlan",                 \
		[TAPIO_CNT_VLAN_DEPTH] = "vlan_depth",                         \
		[TAPIO_CNT_TRUNCATED_IPV4] = "truncated_ipv4",                 \
		[TAPIO_CNT_BAD_IPV4_HEADER] = "bad_ipv4_header",               \
		[TAPIO_CNT_BAD_IPV4_LENGTH] = "bad_ipv4_length",               \
		[TAPIO_CNT_TRUNCATED_IPV6] = "truncated_ipv6",                 \
		[TAPIO_CNT_BAD_IPV6_HEADER] = "bad_ipv6_header",               \
		[TAPIO_CNT_BAD_IPV6_LENGTH] = "bad_ipv6_length",               \
		[TAPIO_CNT_TRUNCATED_IPV6_EXT] = "truncated_ipv6_ext",         \
		[TAPIO_CNT_IPV6_EXT_LIMIT] = "ipv6_ext_limit",                 \
		[TAPIO_CNT_TRUNCATED_L4] = "truncated_l4",                     \
		[TAPIO_CNT_CAPTURED] = "captured",                             \
		[TAPIO_CNT_CAPTURE_RING_FULL] = "capture_ring_full",           \
		[TAPIO_CNT_XSK_PKTS] = "xsk_packets",                          \
		[TAPIO_CNT_XSK_BYTES] = "xsk_bytes",                           \
		[TAPIO_CNT_XSK_NO_SOCKET] = "xsk_no_socket",                   \
		[TAPIO_CNT_XSK_SAMPLE_SEQ] = "xsk_sample_seq",                 \
		[TAPIO_CNT_CAPTURE_ERROR] = "capture_error",                   \
		[TAPIO_CNT_SPILLED_PKTS] = "spilled_packets",                  \
		[TAPIO_CNT_SPILLED_BYTES] = "spilled_bytes",                   \
		[TAPIO_CNT_FILTERED_PKTS] = "filtered_packets",                \
		[TAPIO_CNT_FILTERED_BYTES] = "filtered_bytes",                 \
		[TAPIO_CNT_SAMPLED_OUT_PKTS] = "sampled_out_packets",          \
		[TAPIO_CNT_SAMPLED_OUT_BYTES] = "sampled_out_bytes",           \
		[TAPIO_CNT_SAMPLED_EXTRA_PKTS] = "sampled_extra_packets",      \
		[TAPIO_CNT_SAMPLED_EXTRA_BYTES] = "sampled_extra_bytes",       \
	}

#endif /* TAPIO_COUNTERS_H */
