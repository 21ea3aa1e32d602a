/* SPDX-License-Identifier: GPL-2.0 */
/* One table of frames with the answer each must get: run through the
 * userspace parser (unit) and through tapio_xdp and tapio_tc (prog_run). */
#ifndef TAPIO_FRAME_CASES_H
#define TAPIO_FRAME_CASES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "frame_build.h"

struct frame_case {
	const char *name;
	struct fb_spec spec; /* .ipver 0: 60 zero bytes, left to mutate */
	/* after the build: change bytes, or cut the frame (*len) */
	void (*mutate)(uint8_t *f, const struct fb_layout *l, size_t *len);
	int reason; /* the TAPIO_CNT_* it is counted under; 0: a flow */
	/* a flow's key, and the frame's length, which is the bytes counted */
	struct {
		uint8_t protocol;
		uint16_t sport, dport;
		uint16_t vlan_outer, vlan_inner;
		uint16_t flags;
		uint8_t tcp_flags;
		uint16_t l4_payload_off; /* userspace parser only; 0: unchecked
					  */
	} key;
	size_t len;
	/* BPF_PROG_TEST_RUN on skb programs refuses it (-EINVAL: the kernel
	 * pulls the IP header first); XDP and the parser still see it */
	bool skb_refused;
};

extern const struct frame_case frame_cases[];
extern const size_t frame_ncases;

/* Build @c into @buf: its length (0 if it does not fit). */
size_t frame_case_build(const struct frame_case *c, uint8_t *buf, size_t cap);

#endif /* TAPIO_FRAME_CASES_H */
