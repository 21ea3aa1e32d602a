/* SPDX-License-Identifier: GPL-2.0 */
/* Which interfaces `tapio run` collects from: names, anchored regular
 * expressions or "all", less those an exclude list matches. */
#ifndef TAPIO_IFACE_SELECT_H
#define TAPIO_IFACE_SELECT_H

#include <stdbool.h>

/*
 * Expand @in[0..@nin) into @out (at most @max names, *@nout of them): an
 * entry that names an interface is itself; "all" is every interface but
 * loopback; an entry with regex characters is a POSIX extended regular
 * expression matched against whole names, in ifindex order.  Names that
 * match a pattern of @exclude (comma-separated, or NULL) are dropped.  A
 * pattern that selects nothing, a bad pattern or too many names: an error
 * naming it, -EINVAL.  Other entries are kept as they are, for the device
 * check that follows.  @out's strings live as long as the process.
 */
int tapio_iface_select(const char *const *in, int nin, const char *exclude,
		       const char **out, int max, int *nout);

/*
 * The same selection as a predicate, for links that appear later: a name
 * matches an entry equal to it, a pattern entry that matches it whole, or
 * "all" (not loopback), and no @exclude pattern; a link of another
 * namespace, "NETNS:IFNAME", also by its IFNAME alone (and is looked at
 * from inside that namespace).  @in must outlive it.
 * -EINVAL after a line naming a bad pattern.
 */
struct tapio_iface_matcher;
int tapio_iface_matcher_new(const char *const *in, int nin, const char *exclude,
			    struct tapio_iface_matcher **out);
bool tapio_iface_matches(const struct tapio_iface_matcher *m, const char *name);
void tapio_iface_matcher_free(struct tapio_iface_matcher *m);

#endif /* TAPIO_IFACE_SELECT_H */
