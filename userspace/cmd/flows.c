// SPDX-License-Identifier: GPL-2.0
/* `tapio flows DEV`: the kernel map's flows plus a running collector's
 * table, merged, as a table or JSON lines. */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>

#include "cmd/cmd.h"
#include "export/daemon_socket.h"
#include "export/flow_json.h"
#include "lib/clock.h"
#include "lib/flow_dump.h"
#include "lib/flow_format.h"
#include "lib/log.h"
#include "lib/parse.h"

static void usage_flows(FILE *out)
{
	fprintf(out, "Usage: tapio flows DEV [--json] [--sort packets|bytes] "
		     "[--top N]\n"
		     "\n"
		     "  -j, --json          one JSON object per line\n"
		     "  -s, --sort KEY      packets or bytes (default bytes)\n"
		     "  -t, --top N         only the N largest flows\n"
		     "      --socket PATH   the table of a running tapio run "
		     "(default\n"
		     "                      " TAPIO_SOCKET_DEFAULT ")\n");
}

struct flows_opts {
	const char *socket_path;
	bool json;
	enum tapio_sort sort;
	__u32 top;
};

static int flows_opt(int opt, const char *arg, void *ctx)
{
	struct flows_opts *o = ctx;

	switch (opt) {
	case 'j':
		o->json = true;
		return 0;
	case 's':
		return tapio_parse_sort(arg, &o->sort);
	case 't':
		return tapio_parse_u32("--top", arg, 1, UINT32_MAX, &o->top);
	case 'S':
		o->socket_path = arg;
		return 0;
	}
	return -EINVAL;
}

int tapio_cmd_flows(int argc, char **argv)
{
	static const struct option opts[] = {
		{"json", no_argument, NULL, 'j'},
		{"sort", required_argument, NULL, 's'},
		{"top", required_argument, NULL, 't'},
		{"socket", required_argument, NULL, 'S'},
		{"help", no_argument, NULL, 'h'},
		{}};
	struct flows_opts o = {.sort = TAPIO_SORT_BYTES,
			       .socket_path = TAPIO_SOCKET_DEFAULT};
	struct tapio_flow *flows = NULL;
	char ifname[IF_NAMESIZE] = "", line[1024], eb[TAPIO_ERRBUF];
	unsigned int named = 0; /* the ifindex ifname holds */
	const char *dev;
	size_t n = 0, i;
	__s64 off;
	int ret, width;

	ret = tapio_parse_common(argc, argv, ":js:t:h", opts, usage_flows,
				 flows_opt, &o);
	if (ret)
		return ret < 0 ? 0 : ret;
	ret = tapio_one_dev(argc, argv, &dev, usage_flows);
	if (ret)
		return ret;
	if (tapio_check_privileges("flows"))
		return 1;
	ret = tapio_dev_flows_read(dev, &flows, &n);
	if (ret == -ENOENT)
		return 1; /* "not attached" is already said */
	if (ret) {
		pr_err("cannot read flows of %s: %s", dev,
		       tapio_strerror(ret, eb, sizeof(eb)));
		return 1;
	}
	/* a running `tapio run` holds what it drained: add its table */
	ret = tapio_socket_read(o.socket_path, if_nametoindex(dev), &flows, &n);
	if (ret && ret != -ENOENT)
		pr_warn("cannot read the table of tapio run at %s: %s",
			o.socket_path, tapio_strerror(ret, eb, sizeof(eb)));
	n = tapio_flows_merge(flows, n);
	tapio_flows_sort(flows, n, o.sort);
	if (o.top && o.top < n)
		n = o.top;
	off = tapio_mono_to_real_ns();
	width = tapio_flow_table_width(flows, n);
	if (!o.json)
		tapio_flow_table_header(stdout, width);
	for (i = 0; i < n; i++) {
		if (!o.json) {
			tapio_flow_table_row(stdout, &flows[i], width);
			continue;
		}
		/* one look-up per device, not per flow: it is 3 syscalls */
		if (flows[i].key.ifindex != named &&
		    !if_indextoname(flows[i].key.ifindex, ifname))
			ifname[0] = '\0';
		named = flows[i].key.ifindex;
		if (tapio_flow_json(&flows[i], ifname, off, line,
				    sizeof(line)) < 0) {
			pr_err("flow record too long for JSON output");
			free(flows);
			return 1;
		}
		puts(line);
	}
	free(flows);
	return 0;
}
