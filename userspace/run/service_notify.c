// SPDX-License-Identifier: GPL-2.0
/* sd_notify(3) for `tapio run` under systemd (Type=notify, WatchdogSec=);
 * libsystemd does nothing when NOTIFY_SOCKET is not set. */
#include <stdio.h>
#include <systemd/sd-daemon.h>

#include "run/service_notify.h"

__u64 tapio_service_watchdog_ns(void)
{
	uint64_t usec = 0;

	if (sd_watchdog_enabled(0, &usec) <= 0)
		return 0;
	return (__u64)usec * 1000 /
	       2; /* twice per period, as sd_watchdog_enabled(3) advises */
}

void tapio_service_ready(void)
{
	sd_notify(0, "READY=1");
}

/* Type=notify: RELOADING=1 then READY=1 once the new settings are in */
void tapio_service_reloading(void)
{
	sd_notify(0, "RELOADING=1");
}

void tapio_service_stopping(void)
{
	sd_notify(0, "STOPPING=1");
}

void tapio_service_watchdog(void)
{
	sd_notify(0, "WATCHDOG=1");
}

void tapio_service_status(const char *status)
{
	sd_notifyf(0, "STATUS=%s", status);
}
