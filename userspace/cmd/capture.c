// SPDX-License-Identifier: GPL-2.0
/* `tapio capture DEV -w FILE`: its options and checks; the ring reader and
 * pcap writer are export/pcap_capture.c. */
#include <errno.h>
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

#define CAPTURE_OPT(f) TAPIO_FIELD(struct tapio_capture_opts, f)
#define STR_(x)	       #x
#define STR(x)	       STR_(x)

static const struct tapio_setting capture_rows[] = {
	{.key = "write",
	 .short_opt = 'w',
	 .type = TAPIO_SET_STRING,
	 CAPTURE_OPT(file),
	 .arg = "FILE",
	 .help = "pcap file (FILE.qN.pcap with --per-queue); required"},
	{.key = "filter",
	 .short_opt = 'f',
	 .type = TAPIO_SET_STRING,
	 CAPTURE_OPT(filter),
	 .arg = "EXPR",
	 .help = "words AND-ed: tcp udp icmp icmpv6 sctp ip, proto N, port N, "
		 "host IP, net CIDR"},
	{.key = "snaplen",
	 .short_opt = 's',
	 .type = TAPIO_SET_U32,
	 CAPTURE_OPT(snaplen),
	 .min = 1,
	 .max = TAPIO_CAPTURE_MAX,
	 .def = STR(TAPIO_CAPTURE_MAX),
	 .arg = "N",
	 .help = "bytes kept per frame"},
	{.key = "count",
	 .short_opt = 'c',
	 .type = TAPIO_SET_U32,
	 CAPTURE_OPT(count),
	 .min = 1,
	 .max = UINT32_MAX,
	 .arg = "N",
	 .help = "stop after N frames"},
	{.key = "duration",
	 .short_opt = 'd',
	 .type = TAPIO_SET_SECONDS,
	 CAPTURE_OPT(duration_ns),
	 .min = TAPIO_NS_PER_S / 1000,
	 .max = 365 * 86400 * TAPIO_NS_PER_S,
	 .arg = "S",
	 .help = "stop after S seconds"},
	{.key = "rotate_size",
	 .type = TAPIO_SET_U32,
	 CAPTURE_OPT(rotate_mb),
	 .min = 1,
	 .max = 1u << 20,
	 .arg = "MB",
	 .help = "start a new file (FILE.1.pcap, ...) past MB"},
	{.key = "per_queue",
	 .type = TAPIO_SET_BOOL,
	 CAPTURE_OPT(per_queue),
	 .help = "one file per receive queue"},
};

const struct tapio_settings tapio_capture_settings = {
	.cmd = "capture",
	.usage = "Usage: tapio capture DEV -w FILE [OPTIONS]\n\n"
		 "Writes the frames DEV receives to pcap (nanosecond "
		 "timestamps).\ntapio_xdp copies each matching frame and still "
		 "passes it on: capturing\nnever takes traffic away from the "
		 "host.\n",
	.rows = capture_rows,
	.n = sizeof(capture_rows) / sizeof(capture_rows[0]),
};

int tapio_cmd_capture(int argc, char **argv)
{
	struct tapio_capture_opts o = {};
	struct tapio_capture_filter f;
	unsigned int ifindex;
	int ret;

	ret = tapio_cmd_flags(&tapio_capture_settings, &o, argc, argv);
	if (ret)
		return ret < 0 ? 0 : ret;
	ret = tapio_one_dev(argc, argv, &o.dev);
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
