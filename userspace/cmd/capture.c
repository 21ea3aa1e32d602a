// SPDX-License-Identifier: GPL-2.0
/* `tapio capture DEV -w FILE`: its options and checks; the ring reader and
 * pcap writer are export/pcap_capture.c. */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "export/pcap_capture.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "lib/parse.h"
#include "tapio/capture.h"

static void usage_capture(FILE *out)
{
	fprintf(out,
		"Usage: tapio capture DEV -w FILE [--filter EXPR] [--snaplen "
		"N]\n"
		"                     [--count N] [--duration S] "
		"[--rotate-size MB] [--per-queue]\n"
		"\n"
		"Writes the frames DEV receives to pcap (nanosecond "
		"timestamps).\n"
		"tapio_xdp copies each matching frame and still passes it on: "
		"capturing\n"
		"never takes traffic away from the host.\n"
		"\n"
		"  -w, --write FILE      pcap file (FILE.qN.pcap with "
		"--per-queue)\n"
		"  -f, --filter EXPR     words AND-ed: tcp udp icmp icmpv6 "
		"sctp "
		"ip\n"
		"                        proto N, port N, host IP, net CIDR\n"
		"  -s, --snaplen N       bytes kept per frame, 1..%u (default "
		"%u)\n"
		"  -c, --count N         stop after N frames\n"
		"  -d, --duration S      stop after S seconds\n"
		"      --rotate-size MB  start a new file (FILE.1.pcap, ...) "
		"past MB\n"
		"      --per-queue       one file per receive queue\n",
		(unsigned int)TAPIO_CAPTURE_MAX,
		(unsigned int)TAPIO_CAPTURE_MAX);
}

static int capture_opt(int opt, const char *arg, void *ctx)
{
	struct tapio_capture_opts *o = ctx;

	switch (opt) {
	case 'w':
		o->file = arg;
		return 0;
	case 'f':
		o->filter = arg;
		return 0;
	case 's':
		return tapio_parse_u32("--snaplen", arg, 1, TAPIO_CAPTURE_MAX,
				       &o->snaplen);
	case 'c':
		return tapio_parse_u32("--count", arg, 1, UINT32_MAX,
				       &o->count);
	case 'd':
		return tapio_parse_seconds(
			"--duration", arg, TAPIO_NS_PER_S / 1000,
			365 * 86400 * TAPIO_NS_PER_S, &o->duration_ns);
	case 'R':
		return tapio_parse_u32("--rotate-size", arg, 1, 1u << 20,
				       &o->rotate_mb);
	case 'Q':
		o->per_queue = true;
		return 0;
	}
	return -EINVAL;
}

int tapio_cmd_capture(int argc, char **argv)
{
	static const struct option opts[] = {
		{"write", required_argument, NULL, 'w'},
		{"filter", required_argument, NULL, 'f'},
		{"snaplen", required_argument, NULL, 's'},
		{"count", required_argument, NULL, 'c'},
		{"duration", required_argument, NULL, 'd'},
		{"rotate-size", required_argument, NULL, 'R'},
		{"per-queue", no_argument, NULL, 'Q'},
		{"help", no_argument, NULL, 'h'},
		{}};
	struct tapio_capture_opts o = {.snaplen = TAPIO_CAPTURE_MAX};
	struct tapio_capture_filter f;
	unsigned int ifindex;
	int ret;

	ret = tapio_parse_common(argc, argv, ":w:f:s:c:d:h", opts,
				 usage_capture, capture_opt, &o);
	if (ret)
		return ret < 0 ? 0 : ret;
	ret = tapio_one_dev(argc, argv, &o.dev, usage_capture);
	if (ret)
		return ret;
	if (!o.file) {
		pr_err("capture: missing -w FILE");
		return TAPIO_EXIT_USAGE;
	}
	if (tapio_capture_filter_parse(o.filter, &f))
		return TAPIO_EXIT_USAGE;
	if (tapio_parse_dev(o.dev, &ifindex))
		return 1;
	return tapio_capture(&o) ? 1 : 0;
}
