/* SPDX-License-Identifier: GPL-2.0 */
/* The DPDK Environment Abstraction Layer as tapio starts it: arguments from
 * the settings, its log through tapio's, and what `tapio doctor` says. */
#ifndef TAPIO_DPDK_EAL_H
#define TAPIO_DPDK_EAL_H

/* rte_eal_init with @args (space-separated) and tapio's defaults; 0, or a
 * negative errno after one error line with what the EAL said. */
int tapio_dpdk_eal_init(const char *args);

#endif /* TAPIO_DPDK_EAL_H */
