/* SPDX-License-Identifier: GPL-2.0 */
/* The capabilities each subcommand needs, checked before anything is loaded
 * (naming what is missing), and dropped by a daemon once it is attached. */
#ifndef TAPIO_PRIVILEGES_H
#define TAPIO_PRIVILEGES_H

#include <stddef.h>

/* One bit per capability tapio may need.  CAP_SYS_ADMIN stands in for
 * CAP_BPF and CAP_PERFMON, as it does in the kernel (and before 5.8,
 * which has neither). */
enum tapio_priv {
	TAPIO_PRIV_BPF = 1u << 0,	/* load programs, create maps */
	TAPIO_PRIV_PERFMON = 1u << 1,	/* tracing; packet pointer arithmetic */
	TAPIO_PRIV_NET_ADMIN = 1u << 2, /* XDP and TC attach/detach */
	TAPIO_PRIV_NET_RAW = 1u << 3,	/* AF_XDP sockets */
	TAPIO_PRIV_SYS_ADMIN = 1u << 4, /* BPF_ENABLE_STATS, mounts */
	TAPIO_PRIV_ALL = (1u << 5) - 1,
};

/* What subcommand @cmd needs (0 for one that needs none). */
unsigned int tapio_cmd_privileges(const char *cmd);
/* 0 when the effective set holds @need; else -EPERM and one line naming
 * @what and each capability missing. */
int tapio_need_privileges(const char *what, unsigned int need);
/* tapio_need_privileges with the subcommand's own set. */
int tapio_check_privileges(const char *cmd);
/* Keeps @keep (those of them held) and gives up every other capability:
 * effective, permitted, inheritable and ambient, on every thread of the
 * process.  The names kept, comma-separated ("none"), in @kept. */
int tapio_keep_privileges(unsigned int keep, char *kept, size_t len);
/* After a pin could not be opened with @err: what to do about it ("" when
 * it is not about access). */
const char *tapio_pin_access_hint(int err);
/* The effective set as names, "none" when empty. */
void tapio_privileges_held(char *buf, size_t len);

#endif /* TAPIO_PRIVILEGES_H */
