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
	/* 1: instead of m's prefix, either endpoint must lie in the rule's
	 * prefix set: entries of tapio_filter_prefixes whose set is id */
	__u8 prefix_set;
	__u32 id; /* the run's number of the rule, unique in a run */
};

/* Prefixes of all the rules' sets on a device, at most (a blocklist of
 * 10,000 fits many times); each set as large as that is looked up in two
 * LPM trie lookups a packet, whatever its size (bench/filter_cost). */
#define TAPIO_FLOW_PREFIXES_MAX 65536

/* A key of tapio_filter_prefixes: the trie matches the set's 32 bits,
 * then the address's first prefixlen - 32. */
struct tapio_prefix_key {
	__u32 prefixlen;
	__u32 set;     /* the rule's id: a new rule never sees an old one's */
	__u8 addr[16]; /* IPv6, or IPv4-mapped */
};

/* A prefix of a set as `tapio filter add ... net-set FILE` sends it. */
struct tapio_prefix {
	__u8 addr[16]; /* IPv6, or IPv4-mapped, bits past len zero */
	__u8 len;      /* bits of addr: 96 + n for an IPv4 /n */
	__u8 pad[3];
};

#endif /* TAPIO_FLOW_FILTER_H */
