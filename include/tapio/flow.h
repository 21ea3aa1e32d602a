/* SPDX-License-Identifier: GPL-2.0 */
/* Flow key and value shared by the XDP/TC programs and the tapio binary.
 * Layout is ABI: pinned maps outlive the binary, so fields only ever get
 * appended. */
#ifndef TAPIO_FLOW_H
#define TAPIO_FLOW_H

#include <linux/types.h>

enum tapio_direction {
	TAPIO_DIR_INGRESS = 0,
	TAPIO_DIR_EGRESS = 1,
	TAPIO_DIR_MAX = 2,
};

/* key.flags */
#define TAPIO_FLOW_F_FRAGMENT 0x01 /* non-first IP fragment: ports are 0 */

/*
 * 48 bytes, no implicit padding, so the hash over the key never sees
 * uninitialised bytes.  Addresses are IPv6 or IPv4-mapped (::ffff:a.b.c.d).
 * Ports are host byte order; for ICMP/ICMPv6 src_port holds the type and
 * dst_port the code.
 */
struct tapio_flow_key {
	__u8 src_addr[16];
	__u8 dst_addr[16];
	__u32 ifindex;
	__u16 vlan_outer; /* VLAN id of the outer tag, 0 = untagged */
	__u16 vlan_inner; /* VLAN id of the inner (QinQ) tag, 0 = none */
	__u16 src_port;
	__u16 dst_port;
	__u8 ip_version; /* 4 or 6 */
	__u8 protocol;	 /* IPPROTO_* of the transport header found */
	__u8 direction;	 /* enum tapio_direction */
	__u8 flags;	 /* TAPIO_FLOW_F_* */
};

/* One per CPU per flow: the hot path never needs an atomic. */
struct tapio_flow_value {
	__u64 packets;
	__u64 bytes;	     /* frame length, Ethernet header included */
	__u64 first_seen_ns; /* CLOCK_MONOTONIC */
	__u64 last_seen_ns;  /* CLOCK_MONOTONIC */
	__u8 tcp_flags;	     /* OR of the TCP flags byte over all packets */
	__u8 pad[7];
};

#define TAPIO_DEFAULT_MAX_FLOWS 65536

#endif /* TAPIO_FLOW_H */
