/* SPDX-License-Identifier: GPL-2.0 */
/* TCP events from probes/tcp.bpf.c (retransmits, ended connections) and the
 * per-connection retransmit table, shared with userspace. */
#ifndef TAPIO_TCP_PROBE_H
#define TAPIO_TCP_PROBE_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define TAPIO_TCP_STATES 16 /* TCP_ESTABLISHED (1) .. TCP_NEW_SYN_RECV (12) */

/* Addresses IPv4-mapped (::ffff:a.b.c.d) as in the flow key; ports host
 * order; "local" is the socket's own side. */
struct tapio_tcp_tuple {
	__u8 laddr[16];
	__u8 raddr[16];
	__u16 lport;
	__u16 rport;
	__u16 family; /* AF_INET or AF_INET6 */
	__u16 pad;
};

enum tapio_tcp_event_type {
	TAPIO_TCP_RETRANS = 1,
	TAPIO_TCP_LIFE,
};

struct tapio_tcp_event {
	__u32 type;  /* enum tapio_tcp_event_type */
	__u32 state; /* retransmit: state at the time; life: state before close
		      */
	__u32 pid; /* life: the process that opened (or closed) it, 0 unknown */
	__u32 segments; /* retransmit: segments resent (a TSO skb holds
			 * several; a SYN-ACK is one), as TcpRetransSegs */
	struct tapio_tcp_tuple t;
	__u64 ts_ns;
	__u64 duration_ns; /* life: first state change to close */
	__u64 tx_bytes;	   /* life: bytes acked by the peer */
	__u64 rx_bytes;	   /* life: bytes received */
	char comm[16];
};

/* Value of tapio_tcp_retrans, keyed by struct tapio_tcp_tuple. */
struct tapio_tcp_retrans {
	__u64 segments;
	__u32 last_state;
	__u32 pad;
};

#endif /* TAPIO_TCP_PROBE_H */
