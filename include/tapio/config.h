/* SPDX-License-Identifier: GPL-2.0 */
/* Run-time settings the data-plane programs read on every packet, written
 * by userspace into the one-element tapio_config array. */
#ifndef TAPIO_CONFIG_H
#define TAPIO_CONFIG_H

#include <linux/types.h>

struct tapio_config {
	/* Which flow map the programs write: 0 tapio_flows, 1
	 * tapio_flows_alt.  The drainer flips it, waits for programs still
	 * using the old map to finish, then empties that map. */
	__u32 flow_gen;
	__u32 pad;
};

#endif /* TAPIO_CONFIG_H */
