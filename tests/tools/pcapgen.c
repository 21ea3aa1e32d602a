// SPDX-License-Identifier: GPL-2.0
/* Writes pcap files of frames with known answers for the DPDK tests: the
 * frame cases (each flow and malformation) and a many-flow workload. */
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tapio/counters.h"
#include "frame_cases.h"

static const char *const reason_names[] = TAPIO_COUNTER_NAMES;

static void usage(void)
{
	fprintf(stderr,
		"Usage: pcapgen cases FILE\n"
		"         every frame case, case i (i + 1) %% 4 + 1 times; "
		"prints per case\n"
		"         'flow NAME PACKETS BYTES' or 'error REASON PACKETS' "
		"or 'non_ip PACKETS'\n"
		"       pcapgen flows FILE --flows K --count N [--first-port "
		"P]\n"
		"         K UDP flows of N 100-byte frames, interleaved\n");
	exit(2);
}

static pcap_dumper_t *open_out(const char *path, pcap_t **p)
{
	pcap_dumper_t *d;

	*p = pcap_open_dead(DLT_EN10MB, 65535);
	d = *p ? pcap_dump_open(*p, path) : NULL;
	if (!d) {
		fprintf(stderr, "pcapgen: cannot write %s: %s\n", path,
			*p ? pcap_geterr(*p) : "no pcap handle");
		exit(1);
	}
	return d;
}

static void put(pcap_dumper_t *d, const uint8_t *frame, size_t len,
		unsigned int seq)
{
	struct pcap_pkthdr h = {.caplen = (bpf_u_int32)len,
				.len = (bpf_u_int32)len};

	h.ts.tv_sec = 1700000000 + seq / 1000000;
	h.ts.tv_usec = seq % 1000000;
	pcap_dump((u_char *)d, &h, frame);
}

static int cases(const char *path)
{
	uint8_t buf[2048];
	unsigned int seq = 0, r;
	pcap_t *p;
	pcap_dumper_t *d = open_out(path, &p);
	size_t i, len;

	for (i = 0; i < frame_ncases; i++) {
		const struct frame_case *c = &frame_cases[i];
		unsigned int times = (unsigned int)(i + 1) % 4 + 1;

		len = frame_case_build(c, buf, sizeof(buf));
		if (!len) {
			fprintf(stderr, "pcapgen: case '%s' does not build\n",
				c->name);
			return 1;
		}
		for (r = 0; r < times; r++)
			put(d, buf, len, seq++);
		if (c->reason == TAPIO_CNT_NON_IP_PKTS)
			printf("non_ip %u\n", times);
		else if (c->reason)
			printf("error %s %u\n", reason_names[c->reason], times);
		else
			printf("flow %u %zu %s\n", times, times * len, c->name);
	}
	pcap_dump_close(d);
	pcap_close(p);
	return 0;
}

static int flows(const char *path, unsigned int k, unsigned int n,
		 unsigned int port)
{
	struct fb_spec s = {.ipver = 4,
			    .proto = 17,
			    .src = "10.7.0.1",
			    .dst = "10.7.0.2",
			    .dport = 9999,
			    .payload = 100 - 42};
	uint8_t buf[256];
	unsigned int seq = 0, f, i;
	pcap_t *p;
	pcap_dumper_t *d = open_out(path, &p);
	size_t len;

	for (i = 0; i < n; i++)
		for (f = 0; f < k; f++) {
			s.sport = (uint16_t)(port + f);
			len = fb_build(&s, buf, sizeof(buf), NULL);
			if (!len)
				return 1;
			put(d, buf, len, seq++);
		}
	pcap_dump_close(d);
	pcap_close(p);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned int k = 0, n = 0, port = 10000;
	int i;

	if (argc < 3)
		usage();
	if (!strcmp(argv[1], "cases"))
		return cases(argv[2]);
	if (strcmp(argv[1], "flows"))
		usage();
	for (i = 3; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--flows"))
			k = (unsigned int)strtoul(argv[i + 1], NULL, 0);
		else if (!strcmp(argv[i], "--count"))
			n = (unsigned int)strtoul(argv[i + 1], NULL, 0);
		else if (!strcmp(argv[i], "--first-port"))
			port = (unsigned int)strtoul(argv[i + 1], NULL, 0);
		else
			usage();
	}
	if (!k || !n || port + k > 65536)
		usage();
	return flows(argv[2], k, n, port);
}
