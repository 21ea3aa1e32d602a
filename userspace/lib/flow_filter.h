/* SPDX-License-Identifier: GPL-2.0 */
/* The words of a flow filter rule ("exclude udp port 53 vlan 100"), parsed
 * into and printed from the struct the programs evaluate. */
#ifndef TAPIO_FLOW_FILTER_USER_H
#define TAPIO_FLOW_FILTER_USER_H

#include <stddef.h>

#include "tapio/config.h"
#include "tapio/flow_filter.h"

/* @words[0..@n): include|exclude, then the capture filter's words (tcp,
 * udp, icmp, icmpv6, sctp, proto N, port N, host IP, net CIDR) and vlan N;
 * 0, or -EINVAL after one line naming the word that is wrong. */
int tapio_flow_filter_parse(char *const *words, int n,
			    struct tapio_flow_filter *f);
/* The rule in the same words, as the parser takes them. */
void tapio_flow_filter_format(const struct tapio_flow_filter *f, char *buf,
			      size_t len);

/* The rules of a run, a slot each as the programs see them, and the
 * packets each matched on every device since it was added. */
struct tapio_filter_set {
	struct tapio_flow_filter rule[TAPIO_FLOW_FILTERS_MAX]; /* action 0:
								* free */
	__u64 hits[TAPIO_FLOW_FILTERS_MAX];
	int used;
};

/* One device's copy: its maps, and what its hit counters held at the
 * last read (a rule's hits are what they gained since). */
struct tapio_filter_dev {
	int filters_fd, hits_fd;
	struct tapio_config *cfg; /* the device's, mapped by its drainer */
	__u64 seen[TAPIO_FLOW_FILTERS_MAX];
};

/* The maps of @dev's pins; the counters as they are now are the baseline. */
int tapio_filter_dev_open(struct tapio_filter_dev *fd, const char *dev,
			  struct tapio_config *cfg);
void tapio_filter_dev_close(struct tapio_filter_dev *fd);
/* What each slot matched on @fd since the last read, to its rule. */
void tapio_filter_read_hits(struct tapio_filter_set *s,
			    struct tapio_filter_dev *fd);
/* Every slot of @s into @fd's map, then the count the programs look at:
 * 0, or -errno (the device keeps what it had). */
int tapio_filter_write(const struct tapio_filter_set *s,
		       struct tapio_filter_dev *fd);
/* @f into a free slot as rule @id (the run numbers flow and probe rules
 * alike): the slot, or -ENOSPC. */
int tapio_filter_add(struct tapio_filter_set *s,
		     const struct tapio_flow_filter *f, __u32 id);
/* The rule @id out of its slot: the slot, or -ENOENT. */
int tapio_filter_del(struct tapio_filter_set *s, __u32 id);

#endif /* TAPIO_FLOW_FILTER_USER_H */
