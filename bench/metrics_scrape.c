// SPDX-License-Identifier: GPL-2.0
/* bench/metrics_scrape: latency of /metrics from the real exporter with a
 * 10k-series snapshot, over 10,000 sequential scrapes (p50, p99, rate). */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "export/prom_exporter.h"

#define SERIES	10000
#define SCRAPES 10000

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* One scrape on a new connection, as a Prometheus server makes them
 * (it reuses connections; a new one each time is the worse case). */
static long scrape(int port)
{
	static const char req[] = "GET /metrics HTTP/1.0\r\n\r\n";
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons((unsigned short)port)};
	char buf[65536];
	long total = 0;
	ssize_t n;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) ||
	    write(fd, req, sizeof(req) - 1) != sizeof(req) - 1) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		total += n;
	close(fd);
	return total;
}

int main(void)
{
	static double lat[SCRAPES];
	struct tapio_prom p;
	char addr[32], *text = NULL, *health = strdup("ok\n");
	size_t len = 0;
	double t0, t1, start;
	long bytes = 0, got;
	int port = 30000 + getpid() % 10000, i;
	FILE *f = open_memstream(&text, &len);

	if (!f || !health)
		return 1;
	fprintf(f, "# HELP tapio_bench_series A synthetic family.\n"
		   "# TYPE tapio_bench_series counter\n");
	for (i = 0; i < SERIES; i++)
		fprintf(f,
			"tapio_bench_series_total{interface=\"eth%d\","
			"direction=\"ingress\",reason=\"r%d\"} %d\n",
			i % 64, i, i * 7);
	fclose(f);
	snprintf(addr, sizeof(addr), "127.0.0.1:%d", port);
	if (tapio_prom_start(&p, addr))
		return 1;
	tapio_prom_publish(&p, text, len, health, 1);

	start = now_us();
	for (i = 0; i < SCRAPES; i++) {
		t0 = now_us();
		got = scrape(port);
		t1 = now_us();
		if (got <= (long)len) {
			fprintf(stderr, "bench: scrape %d failed\n", i);
			return 1;
		}
		bytes += got;
		lat[i] = t1 - t0;
	}
	t1 = now_us();
	qsort(lat, SCRAPES, sizeof(lat[0]), cmp);
	printf("bench: metrics_scrape_series %d series\n", SERIES);
	printf("bench: metrics_scrape_body %zu bytes\n", len);
	printf("bench: metrics_scrape_p50 %.3f ms\n", lat[SCRAPES / 2] / 1e3);
	printf("bench: metrics_scrape_p99 %.3f ms\n",
	       lat[SCRAPES * 99 / 100] / 1e3);
	printf("bench: metrics_scrape_rate %.0f scrapes/s\n",
	       SCRAPES / ((t1 - start) / 1e6));
	tapio_prom_stop(&p);
	(void)bytes;
	return 0;
}
