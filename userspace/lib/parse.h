/* SPDX-License-Identifier: GPL-2.0 */
/* Validation of command-line values shared by every subcommand: numbers,
 * modes, device names.  Each failure prints one line naming the option. */
#ifndef TAPIO_CLI_H
#define TAPIO_CLI_H

#include <stdbool.h>
#include <linux/types.h>

int tapio_parse_u32(const char *opt, const char *s, __u32 min, __u32 max,
		    __u32 *out);
/* Seconds with decimals ("0.5", "30"), as nanoseconds in [min, max]. */
int tapio_parse_seconds(const char *opt, const char *s, __u64 min_ns,
			__u64 max_ns, __u64 *out_ns);
int tapio_parse_dev(const char *dev, unsigned int *ifindex);
/* 0 when we hold what loading and attaching BPF needs, -EPERM otherwise. */
int tapio_check_privileges(const char *cmd);

#endif /* TAPIO_CLI_H */
