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
	if (!strcmp(url, "/metrics"))
		ret = reply(c, MHD_HTTP_OK, p->metrics ? p->metrics : "",
			    p->metrics ? p->metrics_len : 0, CONTENT_TYPE);
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

static int parse_addr(const char *addr, struct sockaddr_in *sa)
{
	const char *colon = strrchr(addr, ':');
	char host[64];
	unsigned long port;
	char *end;

	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	if (!colon || (size_t)(colon - addr) >= sizeof(host))
		return -EINVAL;
	port = strtoul(colon + 1, &end, 10);
	if (*end || !colon[1] || port > 65535)
		return -EINVAL;
	sa->sin_port = htons((unsigned short)port);
	snprintf(host, sizeof(host), "%.*s", (int)(colon - addr), addr);
	if (!host[0]) {
		sa->sin_addr.s_addr = htonl(INADDR_ANY);
		return 0;
	}
	return inet_pton(AF_INET, host, &sa->sin_addr) == 1 ? 0 : -EINVAL;
}

int tapio_prom_start(struct tapio_prom *p, const char *addr)
{
	struct sockaddr_in sa;

	memset(p, 0, sizeof(*p));
	pthread_mutex_init(&p->lock, NULL);
	if (parse_addr(addr, &sa)) {
		pr_err("invalid --metrics '%s': expected HOST:PORT or :PORT",
		       addr);
		return -EINVAL;
	}
	p->mhd = MHD_start_daemon(MHD_USE_AUTO_INTERNAL_THREAD, 0, NULL, NULL,
				  handle, p, MHD_OPTION_SOCK_ADDR,
				  (struct sockaddr *)&sa, MHD_OPTION_END);
	if (!p->mhd) {
		pr_err("cannot serve metrics on %s: %s", addr,
		       strerror(errno ? errno : EADDRINUSE));
		return -EADDRINUSE;
	}
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
