/* SPDX-License-Identifier: GPL-2.0 */
/* `tapio capture`: frames tapio_xdp copies (and still passes on), written
 * to pcap files with nanosecond timestamps. */
#ifndef TAPIO_CAPTURE_CMD_H
#define TAPIO_CAPTURE_CMD_H

#include <stdbool.h>
#include <linux/types.h>

#include "lib/capture_filter.h"

struct tapio_capture_opts {
	const char *dev, *file, *filter;
	__u32 snaplen, count, rotate_mb;
	__u64 duration_ns;
	bool per_queue;
};

/* The file of queue @queue (-1: merged) and rotation @index. */
int tapio_capture_file_name(char *buf, size_t len, const char *base, int queue,
			    unsigned int index);
int tapio_capture(const struct tapio_capture_opts *o);

#endif /* TAPIO_CAPTURE_CMD_H */
