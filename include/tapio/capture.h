/* SPDX-License-Identifier: GPL-2.0 */
/* A captured frame as tapio_xdp puts it in the tapio_capture ring buffer:
 * a header, then caplen bytes of the frame. */
#ifndef TAPIO_CAPTURE_H
#define TAPIO_CAPTURE_H

#include <linux/types.h>

/* Largest copy: a full 1500-byte MTU frame with two VLAN tags fits. */
#define TAPIO_CAPTURE_MAX	 2048
#define TAPIO_CAPTURE_RING_BYTES (8 << 20)

struct tapio_capture_hdr {
	__u64 ts_ns;  /* CLOCK_MONOTONIC */
	__u32 len;    /* frame length on the wire */
	__u32 caplen; /* bytes that follow */
	__u32 ifindex;
	__u32 queue; /* receive queue */
};

struct tapio_capture_rec {
	struct tapio_capture_hdr h;
	__u8 data[TAPIO_CAPTURE_MAX];
};

#endif /* TAPIO_CAPTURE_H */
