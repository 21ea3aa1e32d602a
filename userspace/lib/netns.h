/* SPDX-License-Identifier: GPL-2.0 */
/* Links of other network namespaces: "NETNS:IFNAME" names IFNAME in the
 * namespace `ip netns` calls NETNS (/run/netns/NETNS); no link name has a ':'.
 */
#ifndef TAPIO_NETNS_H
#define TAPIO_NETNS_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#define TAPIO_NETNS_DIR "/run/netns"
#define TAPIO_NETNS_MAX 64 /* bytes of a namespace's name, with its NUL */
/* The ifindexes a run gives links of other namespaces, one each in the
 * order it attaches them: above any the kernel hands out in practice,
 * below the DPDK ports' (dpdk/dpdk_source.h), positive as an int. */
#define TAPIO_NETNS_IFINDEX_BASE 0x20000000u

/* The link's own name: what follows the last ':', or @dev itself
 * (inline: the name checks of lib/parse.c use it without the rest). */
static inline const char *tapio_dev_ifname(const char *dev)
{
	const char *c = strrchr(dev, ':');

	return c ? c + 1 : dev;
}
/* Whether @dev names a link of another namespace; its name in @ns. */
bool tapio_dev_netns(const char *dev, char *ns, size_t len);
/*
 * This thread into @dev's namespace (nothing for a link of our own):
 * *@back is what tapio_netns_leave() returns to, -1 when nothing was
 * entered.  -errno, said, if the namespace is gone or may not be entered
 * (CAP_SYS_ADMIN).
 */
int tapio_netns_enter_dev(const char *dev, int *back);
int tapio_netns_enter(const char *ns, int *back);
void tapio_netns_leave(int back);
/* Whether `ip netns del` removed @ns (its links went with it). */
bool tapio_netns_gone(const char *ns);
/* The link's flags (IFF_*) in this thread's namespace: 0, or -errno. */
int tapio_link_flags(const char *ifname, unsigned int *flags);

#endif /* TAPIO_NETNS_H */
