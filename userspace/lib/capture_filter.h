/* SPDX-License-Identifier: GPL-2.0 */
/* The filter words of `tapio capture --filter` and `tapio run --xsk
 * filter:`, parsed into the layout tapio_xdp reads from tapio_config. */
#ifndef TAPIO_CAPTURE_FILTER_H
#define TAPIO_CAPTURE_FILTER_H

#include "tapio/config.h"

/* "udp port 53 net 10.0.0.0/8" (words AND-ed); 0 or -EINVAL with a
 * message naming the word that is wrong. */
int tapio_capture_filter_parse(const char *expr,
			       struct tapio_capture_filter *f);

#endif /* TAPIO_CAPTURE_FILTER_H */
