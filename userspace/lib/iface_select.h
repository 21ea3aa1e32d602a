/* SPDX-License-Identifier: GPL-2.0 */
/* Which interfaces `tapio run` collects from: names, anchored regular
 * expressions or "all", less those an exclude list matches. */
#ifndef TAPIO_IFACE_SELECT_H
#define TAPIO_IFACE_SELECT_H

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

#endif /* TAPIO_IFACE_SELECT_H */
