// SPDX-License-Identifier: GPL-2.0
/* The HTTP side of the metrics: libmicrohttpd on its own thread copies the
 * current snapshot under a mutex, so a scrape costs a memcpy. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <microhttpd.h>

#include "lib/log.h"
#include "lib/parse.h"
#include "export/prom_exporter.h"

#define CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

static enum MHD_Result reply(struct MHD_Connection *c, unsigned int code,
			     const char *body, size_t len, const char *type)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(len, (void *)body,
					    MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	ret = MHD_queue_response(c, code, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c,
			      const char *url, const char *method,
			      const char *version, const char *upload,
			      size_t *upload_size, void **state)
{
	struct tapio_prom *p = cls;
	enum MHD_Result ret;

	(void)version;
	(void)upload;
	(void)upload_size;
	(void)state;
	if (strcmp(method, "GET") && strcmp(method, "HEAD"))
		return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, "GET only\n", 9,
			     "text/plain");
	pthread_mutex_lock(&p->lock);
	/* before the first snapshot, 503: an empty 200 would read as every
	 * series gone (a test scraping at once saw no family at all) */
	if (!strcmp(url, "/metrics") && !p->metrics)
		ret = reply(c, MHD_HTTP_SERVICE_UNAVAILABLE, "starting\n", 9,
			    "text/plain");
	else if (!strcmp(url, "/metrics"))
		ret = reply(c, MHD_HTTP_OK, p->metrics, p->metrics_len,
			    CONTENT_TYPE);
	else if (!strcmp(url, "/healthz"))
		ret = reply(c,
			    p->healthy ? MHD_HTTP_OK
				       : MHD_HTTP_SERVICE_UNAVAILABLE,
			    p->health ? p->health : "starting\n",
			    strlen(p->health ? p->health : "starting\n"),
			    "text/plain");
	else
		ret = reply(c, MHD_HTTP_NOT_FOUND, "/metrics or /healthz\n", 21,
			    "text/plain");
	pthread_mutex_unlock(&p->lock);
	return ret;
}

static bool loopback(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET6)
		return IN6_IS_ADDR_LOOPBACK(
			&((const struct sockaddr_in6 *)ss)->sin6_addr);
	return (ntohl(((const struct sockaddr_in *)ss)->sin_addr.s_addr) >>
		24) == 127;
}

int tapio_prom_start(struct tapio_prom *p, const char *addr)
{
	struct sockaddr_storage ss;
	socklen_t len;

	memset(p, 0, sizeof(*p));
	pthread_mutex_init(&p->lock, NULL);
	if (tapio_parse_listen("--metrics", addr, &ss, &len))
		return -EINVAL;
	/* Bounded so that idle or hostile clients cannot take the fds the
	 * collector needs (files, maps, sockets): a scraper holds one
	 * connection for a moment, a few scrapers a few.  [::] takes IPv4
	 * too (dual stack). */
	p->mhd = MHD_start_daemon(
		MHD_USE_AUTO_INTERNAL_THREAD |
			(ss.ss_family == AF_INET6 ? MHD_USE_DUAL_STACK : 0),
		0, NULL, NULL, handle, p, MHD_OPTION_SOCK_ADDR,
		(struct sockaddr *)&ss, MHD_OPTION_CONNECTION_LIMIT,
		(unsigned int)TAPIO_PROM_CONN_MAX,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT,
		(unsigned int)TAPIO_PROM_CONN_PER_IP,
		MHD_OPTION_CONNECTION_TIMEOUT,
		(unsigned int)TAPIO_PROM_IDLE_TIMEOUT_S, MHD_OPTION_END);
	if (!p->mhd) {
		pr_err("cannot serve metrics on %s: %s", addr,
		       strerror(errno ? errno : EADDRINUSE));
		return -EADDRINUSE;
	}
	if (!loopback(&ss))
		pr_info("/metrics on %s is reachable from the network (its "
			"top-flow series show addresses and ports)",
			addr);
	return 0;
}

void tapio_prom_publish(struct tapio_prom *p, char *text, size_t len,
			char *health, int healthy)
{
	char *old_text, *old_health;

	pthread_mutex_lock(&p->lock);
	old_text = p->metrics;
	old_health = p->health;
	p->metrics = text;
	p->metrics_len = len;
	p->health = health;
	p->healthy = healthy;
	pthread_mutex_unlock(&p->lock);
	free(old_text);
	free(old_health);
}

void tapio_prom_stop(struct tapio_prom *p)
{
	if (p->mhd)
		MHD_stop_daemon(p->mhd);
	p->mhd = NULL;
	free(p->metrics);
	free(p->health);
	p->metrics = p->health = NULL;
	pthread_mutex_destroy(&p->lock);
}
