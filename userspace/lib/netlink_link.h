/* SPDX-License-Identifier: GPL-2.0 */
/* Minimal rtnetlink link management (libmnl) for what tapio creates itself:
 * the throw-away veth pair of `tapio doctor`. */
#ifndef TAPIO_NETLINK_LINK_H
#define TAPIO_NETLINK_LINK_H

int tapio_veth_create(const char *name, const char *peer);
int tapio_link_delete(const char *name);

#endif /* TAPIO_NETLINK_LINK_H */
