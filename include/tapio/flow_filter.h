/* SPDX-License-Identifier: GPL-2.0 */
/* Flow filters changed while running: which frames the programs account
 * in flows; the others pass, counted per interface and direction as filtered.
 */
#ifndef TAPIO_FLOW_FILTER_H
#define TAPIO_FLOW_FILTER_H

#include <linux/types.h>

#include "tapio/config.h"
#include "tapio/probe.h" /* enum tapio_filter_mode: a rule's action */

/* Rules in each device's tapio_filters, a slot each; evaluated in slot order
 * for every IP packet while any is set (bench/filter_cost.sh). */
#define TAPIO_FLOW_FILTERS_MAX 16

struct tapio_flow_filter {
	/* address prefix (either endpoint), protocol, port (either end);
	 * 0 in a field: any */
	struct tapio_capture_filter m;
	__u16 vlan; /* outer VLAN id, 0: any (untagged frames too) */
	/* TAPIO_FILTER_INCLUDE: with any include rule only what one of them
	 * matches is accounted; TAPIO_FILTER_EXCLUDE: what it matches is
	 * not, whatever else matches; TAPIO_FILTER_OFF: a free slot */
	__u8 action;
	__u8 pad;
	__u32 id; /* the run's number of the rule, unique in a run */
};

#endif /* TAPIO_FLOW_FILTER_H */
