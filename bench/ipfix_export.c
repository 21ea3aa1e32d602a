// SPDX-License-Identifier: GPL-2.0
/* bench/ipfix_export: flow records/s that tapio's IPFIX exporter (libfixbuf)
 * encodes and sends over UDP on loopback, to a socket that drains them. */
#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "export/ipfix_exporter.h"

#define RECORDS 2000000

static volatile int stop;
static unsigned long long rx_bytes;

/* The collector side: read and discard, so the socket never fills. */
static void *sink(void *arg)
{
	int fd = *(int *)arg;
	char buf[65536];
	struct timeval tv = {0, 100000};

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	while (!stop) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);

		if (n > 0)
			rx_bytes += (unsigned long long)n;
	}
	return NULL;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t alen = sizeof(a);
	struct tapio_flow_rec rec;
	struct tapio_ipfix x;
	int fd, bufsize = 16 << 20, i;
	char target[64];
	pthread_t th;
	double t0, t1;

	fd = socket(AF_INET, SOCK_DGRAM, 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bufsize, sizeof(bufsize));
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) ||
	    getsockname(fd, (struct sockaddr *)&a, &alen))
		return 1;
	snprintf(target, sizeof(target), "127.0.0.1:%u", ntohs(a.sin_port));
	pthread_create(&th, NULL, sink, &fd);
	if (tapio_ipfix_open(&x, target, false, 1, false))
		return 1;

	memset(&rec, 0, sizeof(rec));
	rec.key.src_addr[10] = rec.key.src_addr[11] = 0xff;
	rec.key.dst_addr[10] = rec.key.dst_addr[11] = 0xff;
	rec.key.ip_version = 4;
	rec.key.protocol = 17;
	rec.key.ifindex = 2;
	rec.val.packets = 10;
	rec.val.bytes = 1000;
	t0 = now_s();
	for (i = 0; i < RECORDS; i++) {
		rec.key.src_port = (__u16)i;
		rec.key.src_addr[15] = (__u8)i;
		tapio_ipfix_record(&x, &rec, TAPIO_END_IDLE, NULL);
	}
	tapio_ipfix_flush(&x, false);
	t1 = now_s();
	usleep(200000);
	stop = 1;
	pthread_join(th, NULL);
	printf("bench: ipfix_export_records %d records\n", RECORDS);
	printf("bench: ipfix_export_rate %.0f records/s\n",
	       RECORDS / (t1 - t0));
	printf("bench: ipfix_export_errors %llu errors\n",
	       (unsigned long long)x.errors_to[0]);
	printf("bench: ipfix_export_received %.1f MB\n", rx_bytes / 1e6);
	tapio_ipfix_close(&x);
	return 0;
}
