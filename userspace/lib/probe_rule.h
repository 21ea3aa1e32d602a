/* SPDX-License-Identifier: GPL-2.0 */
/* The words of a probe filter rule ("exclude uid nobody", "include pid 42
 * children"), resolved into the value the probes' sets hold. */
#ifndef TAPIO_PROBE_RULE_H
#define TAPIO_PROBE_RULE_H

#include <stddef.h>

#include "tapio/daemon_socket.h"

/* @words[0..@n): include|exclude, then one dimension: pid N [children],
 * cgroup PATH|ID, uid USER|N, netns NAME|PATH|INODE, mntns PATH|INODE,
 * pidns PATH|INODE or dev DEV.  Fills @r but its probe and id; 0, or
 * -errno after one line naming the word that is wrong. */
int tapio_probe_rule_parse(char *const *words, int n,
			   struct tapio_probe_rule *r);
/* "exclude uid nobody": the action and the words the rule was given. */
void tapio_probe_rule_format(const struct tapio_probe_rule *r, char *buf,
			     size_t len);
/* The dimension's name: pid, cgroup, dev, uid, ns. */
const char *tapio_pfilter_kind_name(unsigned int kind);

#endif /* TAPIO_PROBE_RULE_H */
