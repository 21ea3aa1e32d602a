/* SPDX-License-Identifier: GPL-2.0 */
/* Prometheus /metrics and /healthz over libmicrohttpd, answered from a text
 * snapshot the collector publishes each interval (no BPF call per scrape). */
#ifndef TAPIO_PROM_EXPORTER_H
#define TAPIO_PROM_EXPORTER_H

#include <pthread.h>
#include <stddef.h>

struct MHD_Daemon;

#define TAPIO_PROM_CONN_MAX	  64 /* connections at once */
#define TAPIO_PROM_CONN_PER_IP	  16 /* from one address */
#define TAPIO_PROM_IDLE_TIMEOUT_S 10 /* a connection with nothing to do */

struct tapio_prom {
	struct MHD_Daemon *mhd;
	pthread_mutex_t lock;
	char *metrics; /* exposition text, owned */
	size_t metrics_len;
	char *health; /* "ok" or the failing components */
	int healthy;
};

/* Listen on "HOST:PORT" or ":PORT" (all addresses). */
int tapio_prom_start(struct tapio_prom *p, const char *addr);
/* Take ownership of @text and @health; the next scrape sees them. */
void tapio_prom_publish(struct tapio_prom *p, char *text, size_t len,
			char *health, int healthy);
void tapio_prom_stop(struct tapio_prom *p);

#endif /* TAPIO_PROM_EXPORTER_H */
