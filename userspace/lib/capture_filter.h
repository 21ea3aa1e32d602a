/* SPDX-License-Identifier: GPL-2.0 */
/* The filter words of `tapio capture --filter` and `tapio run --xsk
 * filter:`, parsed into the layout tapio_xdp reads from tapio_config. */
#ifndef TAPIO_CAPTURE_FILTER_H
#define TAPIO_CAPTURE_FILTER_H

#include "tapio/config.h"
#include "tapio/flow_filter.h"

/* "udp port 53 net 10.0.0.0/8" (words AND-ed); 0 or -EINVAL with a
 * message naming the word that is wrong. */
int tapio_capture_filter_parse(const char *expr,
			       struct tapio_capture_filter *f);

/* "198.18.0.0/15", "2001:db8::/32" or a host address into @p, bits past
 * the prefix cleared: 0, or -EINVAL (nothing logged). */
int tapio_prefix_parse(const char *s, struct tapio_prefix *p);

#endif /* TAPIO_CAPTURE_FILTER_H */
