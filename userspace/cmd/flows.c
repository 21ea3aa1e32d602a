// SPDX-License-Identifier: GPL-2.0
/* `tapio flows DEV`: the kernel map's flows plus a running collector's
 * table, merged, as a table or JSON lines. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <bpf/bpf.h>

#include "cmd/cmd.h"
#include "dpdk/dpdk_source.h"
#include "export/daemon_socket.h"
#include "export/flow_json.h"
#include "lib/clock.h"
#include "lib/flow_dump.h"
#include "lib/flow_format.h"
#include "lib/bpffs.h"
#include "lib/loader.h"
#include "lib/log.h"
#include "lib/netns.h"
#include "lib/parse.h"
#include "lib/privileges.h"
#include "tapio/config.h"

struct flows_opts {
	const char *socket_path;
	bool json;
	enum tapio_sort sort;
	__u32 top;
};

#define FLOWS_OPT(f) TAPIO_FIELD(struct flows_opts, f)

static int parse_sort(const char *name, const char *v, void *opts)
{
	(void)name; /* tapio_parse_sort names --sort itself */
	return tapio_parse_sort(v, &((struct flows_opts *)opts)->sort);
}

static const struct tapio_setting flows_rows[] = {
	{.key = "json",
	 .short_opt = 'j',
	 .type = TAPIO_SET_BOOL,
	 FLOWS_OPT(json),
	 .help = "one JSON object per line"},
	{.key = "sort",
	 .short_opt = 's',
	 .type = TAPIO_SET_CUSTOM,
	 FLOWS_OPT(sort),
	 .parse = parse_sort,
	 .def = "bytes",
	 .arg = "KEY",
	 .help = "packets or bytes"},
	{.key = "top",
	 .short_opt = 't',
	 .type = TAPIO_SET_U32,
	 FLOWS_OPT(top),
	 .min = 1,
	 .max = UINT32_MAX,
	 .arg = "N",
	 .help = "only the N largest flows"},
	{.key = "socket",
	 .type = TAPIO_SET_STRING,
	 FLOWS_OPT(socket_path),
	 .def = TAPIO_SOCKET_DEFAULT,
	 .arg = "PATH",
	 .help = "the table of a running tapio run"},
};

const struct tapio_settings tapio_flows_settings = {
	.cmd = "flows",
	.usage = "Usage: tapio flows DEV [OPTIONS]\n\n"
		 "The kernel map's flows of DEV plus what a running tapio run "
		 "holds, merged.\n",
	.rows = flows_rows,
	.n = sizeof(flows_rows) / sizeof(flows_rows[0]),
};

/* The flows of a table, sorted and cut as asked, as rows or JSON lines;
 * @port names a DPDK port's flows (no kernel interface has them).  Frees
 * @flows. */
static int print_flows(const struct flows_opts *o, struct tapio_flow *flows,
		       size_t n, const char *port)
{
	char ifname[IF_NAMESIZE] = "", line[1024];
	unsigned int named = 0; /* the ifindex ifname holds */
	size_t i;
	__s64 off;
	int width;

	n = tapio_flows_merge(flows, n);
	tapio_flows_sort(flows, n, o->sort);
	if (o->top && o->top < n)
		n = o->top;
	off = tapio_mono_to_real_ns();
	width = tapio_flow_table_width(flows, n);
	if (!o->json)
		tapio_flow_table_header(stdout, width);
	for (i = 0; i < n; i++) {
		if (!o->json) {
			tapio_flow_table_row(stdout, &flows[i], width);
			continue;
		}
		/* one look-up per device, not per flow: it is 3 syscalls */
		if (!port && flows[i].key.ifindex != named &&
		    !if_indextoname(flows[i].key.ifindex, ifname))
			ifname[0] = '\0';
		named = flows[i].key.ifindex;
		if (tapio_flow_json(&flows[i], port ? port : ifname, off, line,
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

/* No kernel interface of that name: a DPDK port of a running `tapio run`
 * (its flows carry an ifindex made from the port's name), or nothing. */
static int dpdk_port_flows(const struct flows_opts *o, const char *port)
{
	struct tapio_flow *flows = NULL;
	char eb[TAPIO_ERRBUF];
	size_t n = 0;
	int ret;

	ret = tapio_socket_read(o->socket_path, tapio_dpdk_ifindex(port),
				&flows, &n);
	if (ret == -ENOENT) {
		pr_err("flows: no interface %s, and no tapio run listens on %s "
		       "to have a DPDK port of that name",
		       port, o->socket_path);
		return 1;
	}
	if (ret) {
		pr_err("cannot read the table of tapio run at %s: %s",
		       o->socket_path, tapio_strerror(ret, eb, sizeof(eb)));
		free(flows);
		return 1;
	}
	return print_flows(o, flows, n, port);
}

/* A link of another namespace: its flows carry the ifindex its collector
 * gave it (lib/netns.h), which the pinned config holds; 0 if unread. */
static unsigned int flow_ifindex_of(const char *dev)
{
	int fd = tapio_open_pinned_map(dev, TAPIO_PIN_CONFIG);
	struct tapio_config cfg = {};
	__u32 key = 0;

	if (fd < 0)
		return 0;
	if (bpf_map_lookup_elem(fd, &key, &cfg))
		cfg.flow_ifindex = 0;
	close(fd);
	return cfg.flow_ifindex;
}

int tapio_cmd_flows(int argc, char **argv)
{
	struct flows_opts o = {};
	struct tapio_flow *flows = NULL;
	struct tapio_attach_info ai;
	char eb[TAPIO_ERRBUF];
	char ns[TAPIO_NETNS_MAX];
	unsigned int ifindex;
	const char *dev;
	bool in_ns;
	size_t n = 0;
	int ret;

	ret = tapio_cmd_flags(&tapio_flows_settings, &o, argc, argv);
	if (ret)
		return ret < 0 ? 0 : ret;
	ret = tapio_one_dev(argc, argv, &dev);
	if (ret)
		return ret;
	if (tapio_check_privileges("flows"))
		return 1;
	tapio_pins_readonly();
	in_ns = tapio_dev_netns(dev, ns, sizeof(ns));
	ifindex = in_ns ? flow_ifindex_of(dev) : if_nametoindex(dev);
	if (!ifindex && !in_ns)
		return dpdk_port_flows(&o, dev);
	/* keys of another layout would be read as other flows */
	if (!tapio_read_attach_info(dev, &ai) && tapio_check_layout(dev, &ai))
		return 1;
	ret = tapio_dev_flows_read(dev, &flows, &n);
	if (ret == -ENOENT)
		return 1; /* "not attached" is already said */
	if (ret) {
		pr_err("cannot read flows of %s: %s", dev,
		       tapio_strerror(ret, eb, sizeof(eb)));
		return 1;
	}
	/* a running `tapio run` holds what it drained: add its table (an
	 * attachment of another namespace made by `tapio attach` has no
	 * number of a run's) */
	ret = ifindex ? tapio_socket_read(o.socket_path, ifindex, &flows, &n)
		      : 0;
	if (ret && ret != -ENOENT)
		pr_warn("cannot read the table of tapio run at %s: %s",
			o.socket_path, tapio_strerror(ret, eb, sizeof(eb)));
	return print_flows(&o, flows, n, in_ns ? dev : NULL);
}
