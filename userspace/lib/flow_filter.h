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
/* The rule in the same words, as the parser takes them; a prefix set
 * rule ends in "net-set", followed by @set_name and its size when given. */
void tapio_flow_filter_format(const struct tapio_flow_filter *f, char *buf,
			      size_t len);
void tapio_flow_filter_describe(const struct tapio_flow_filter *f,
				const char *set_name, __u32 set_size, char *buf,
				size_t len);

/* The prefixes of @path, one a line ('#' starts a comment), into *@out
 * (malloc'd) and *@n: 0, or -errno after one line naming the file and
 * the line that is wrong; more than TAPIO_FLOW_PREFIXES_MAX is -E2BIG. */
int tapio_prefix_file_read(const char *path, struct tapio_prefix **out,
			   __u32 *n);

/* The rules of a run, a slot each as the programs see them, and the
 * packets each matched on every device since it was added. */
struct tapio_filter_set {
	struct tapio_flow_filter rule[TAPIO_FLOW_FILTERS_MAX]; /* action 0:
								* free */
	__u64 hits[TAPIO_FLOW_FILTERS_MAX];
	int used;
	/* each prefix set rule's prefixes and the name it was given */
	struct tapio_prefix *pfx[TAPIO_FLOW_FILTERS_MAX];
	__u32 npfx[TAPIO_FLOW_FILTERS_MAX];
	char set_name[TAPIO_FLOW_FILTERS_MAX][64];
	/* sets of deleted rules, until every device has dropped them */
	struct tapio_flow_filter gone[TAPIO_FLOW_FILTERS_MAX];
	struct tapio_prefix *gone_pfx[TAPIO_FLOW_FILTERS_MAX];
	__u32 gone_n[TAPIO_FLOW_FILTERS_MAX];
	int ngone;
};

/* One device's copy: its maps, and what its hit counters held at the
 * last read (a rule's hits are what they gained since). */
struct tapio_filter_dev {
	int filters_fd, hits_fd, prefixes_fd;
	struct tapio_config *cfg; /* the device's, mapped by its drainer */
	__u64 seen[TAPIO_FLOW_FILTERS_MAX];
	__u32 set_in[TAPIO_FLOW_FILTERS_MAX]; /* rule whose set is written */
};

/* The maps of @dev's pins; the counters as they are now are the baseline,
 * the prefix sets of an earlier run are emptied. */
int tapio_filter_dev_open(struct tapio_filter_dev *fd, const char *dev,
			  struct tapio_config *cfg);
void tapio_filter_dev_close(struct tapio_filter_dev *fd);
/* @fd's prefix sets emptied (the run ends, its rules with it). */
void tapio_filter_dev_clear(struct tapio_filter_dev *fd);
/* What each slot matched on @fd since the last read, to its rule. */
void tapio_filter_read_hits(struct tapio_filter_set *s,
			    struct tapio_filter_dev *fd);
/* The prefix sets new to @fd, every slot of @s into its map, then the
 * count the programs look at, then the deleted rules' sets dropped: 0, or
 * -errno (the device keeps its rules). */
int tapio_filter_write(const struct tapio_filter_set *s,
		       struct tapio_filter_dev *fd);
/* @f into a free slot as rule @id (the run numbers flow and probe rules
 * alike), with a prefix set the slot keeps (@pfx[@n], malloc'd, taken on
 * success) when f->prefix_set: the slot, -ENOSPC (no slot), -E2BIG (the
 * sets would hold more than TAPIO_FLOW_PREFIXES_MAX), -EINVAL (a set rule
 * with no prefix). */
int tapio_filter_add(struct tapio_filter_set *s,
		     const struct tapio_flow_filter *f, __u32 id,
		     struct tapio_prefix *pfx, __u32 n, const char *set_name);
/* The rule @id out of its slot (its set kept until tapio_filter_gone_free):
 * the slot, or -ENOENT. */
int tapio_filter_del(struct tapio_filter_set *s, __u32 id);
/* The deleted rules' sets, once every device's write has dropped them. */
void tapio_filter_gone_free(struct tapio_filter_set *s);
/* Every set of @s, at the end of the run. */
void tapio_filter_set_free(struct tapio_filter_set *s);

#endif /* TAPIO_FLOW_FILTER_USER_H */
