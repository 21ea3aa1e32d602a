/* SPDX-License-Identifier: GPL-2.0 */
/* tapio_config mapped into userspace: each writer (drainer, capture, AF_XDP
 * steering) stores only its own fields, so none overwrites another's. */
#ifndef TAPIO_CONFIG_MAP_H
#define TAPIO_CONFIG_MAP_H

#include "tapio/config.h"

/* The one element of a tapio_config map fd, shared with the programs;
 * NULL with errno set on failure. */
struct tapio_config *tapio_config_map(int fd);
void tapio_config_unmap(struct tapio_config *cfg);

#endif /* TAPIO_CONFIG_MAP_H */
