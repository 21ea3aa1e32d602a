/* SPDX-License-Identifier: GPL-2.0 */
/* What `tapio run` tells its service manager (sd_notify): ready, reloading,
 * stopping, a status line, and watchdog keep-alives.  No-ops outside one. */
#ifndef TAPIO_SERVICE_NOTIFY_H
#define TAPIO_SERVICE_NOTIFY_H

#include <linux/types.h>

/* The watchdog period halved (how often to ping), 0 when none is set. */
__u64 tapio_service_watchdog_ns(void);
void tapio_service_ready(void);
void tapio_service_reloading(void);
void tapio_service_stopping(void);
void tapio_service_watchdog(void);
/* A one-line STATUS= ("1234 flows in the table, ..."). */
void tapio_service_status(const char *status);

#endif /* TAPIO_SERVICE_NOTIFY_H */
