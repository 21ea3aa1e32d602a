// SPDX-License-Identifier: GPL-2.0
/* `tapio filter add|del|list`: the flow filters of a running `tapio run`,
 * changed over its control socket without reloading or re-attaching. */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "export/daemon_socket.h"
#include "lib/flow_filter.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/parse.h"

struct filter_opts {
	const char *socket_path;
	bool json;
};

#define FILTER_OPT(f) TAPIO_FIELD(struct filter_opts, f)

static const struct tapio_setting filter_rows[] = {
	{.key = "json",
	 .short_opt = 'j',
	 .type = TAPIO_SET_BOOL,
	 FILTER_OPT(json),
	 .help = "the rules as JSON lines"},
	{.key = "socket",
	 .type = TAPIO_SET_STRING,
	 FILTER_OPT(socket_path),
	 .def = TAPIO_SOCKET_DEFAULT,
	 .arg = "PATH",
	 .help = "the control socket of the tapio run to change"},
};

const struct tapio_settings tapio_filter_settings = {
	.cmd = "filter",
	.usage =
		"Usage: tapio filter add include|exclude [WORDS...] [OPTIONS]\n"
		"       tapio filter del ID [OPTIONS]\n"
		"       tapio filter list [OPTIONS]\n\n"
		"The flow filters of a running tapio run, on every interface "
		"at once, without\nreloading: what a rule excludes (or no "
		"include rule matches) is passed on and\ncounted as filtered, "
		"not in flows.  WORDS: tcp, udp, icmp, icmpv6, sctp,\nproto N, "
		"port N, host IP, net CIDR, vlan N (all must match; an address "
		"or\nport matches either end).  At most 16 rules.  Root, the "
		"run's user or its group.\n",
	.rows = filter_rows,
	.n = sizeof(filter_rows) / sizeof(filter_rows[0]),
};

static void print_rules(const struct filter_opts *o,
			const struct tapio_socket_result *res)
{
	char text[160], line[256];
	struct tapio_json j;
	__u32 i;

	if (!o->json)
		printf("%-4s %-48s %s\n", "ID", "RULE", "HITS");
	for (i = 0; i < res->n && i < TAPIO_FLOW_FILTERS_MAX; i++) {
		tapio_flow_filter_format(&res->filters[i].f, text,
					 sizeof(text));
		if (!o->json) {
			printf("%-4u %-48s %llu\n", res->filters[i].f.id, text,
			       (unsigned long long)res->filters[i].hits);
			continue;
		}
		tapio_json_init(&j, line, sizeof(line));
		tapio_json_object(&j, NULL);
		tapio_json_u64(&j, "id", res->filters[i].f.id);
		tapio_json_str(&j, "rule", text);
		tapio_json_u64(&j, "hits", res->filters[i].hits);
		tapio_json_object_end(&j);
		if (tapio_json_finish(&j) > 0)
			puts(line);
	}
}

/* The request of the words after the options: 0, or an exit code */
static int request(int argc, char **argv, struct tapio_socket_req *req)
{
	const char *verb = optind < argc ? argv[optind] : "";
	char *end;
	unsigned long id;

	if (!strcmp(verb, "list") && optind + 1 == argc) {
		req->verb = TAPIO_VERB_FILTER_LIST;
		return 0;
	}
	if (!strcmp(verb, "add")) {
		req->verb = TAPIO_VERB_FILTER_ADD;
		return tapio_flow_filter_parse(argv + optind + 1,
					       argc - optind - 1, &req->filter)
			       ? TAPIO_EXIT_USAGE
			       : 0;
	}
	if (!strcmp(verb, "del") && optind + 2 == argc) {
		errno = 0;
		id = strtoul(argv[optind + 1], &end, 10);
		if (!*end && !errno && id && id <= UINT32_MAX) {
			req->verb = TAPIO_VERB_FILTER_DEL;
			req->arg = (__u32)id;
			return 0;
		}
		pr_err("filter: invalid rule id '%s'", argv[optind + 1]);
		return TAPIO_EXIT_USAGE;
	}
	pr_err("filter: expected add WORDS..., del ID or list; see 'tapio "
	       "filter --help'");
	return TAPIO_EXIT_USAGE;
}

int tapio_cmd_filter(int argc, char **argv)
{
	struct tapio_socket_req req = {};
	struct tapio_socket_result res = {};
	struct filter_opts o = {};
	char text[160];
	int ret;

	ret = tapio_cmd_flags(&tapio_filter_settings, &o, argc, argv);
	if (ret)
		return ret < 0 ? 0 : ret;
	ret = request(argc, argv, &req);
	if (ret)
		return ret;
	ret = tapio_cmd_request("filter", o.socket_path, &req, &res);
	if (ret)
		return ret;
	if (req.verb == TAPIO_VERB_FILTER_ADD) {
		tapio_flow_filter_format(&req.filter, text, sizeof(text));
		printf("filter %u added: %s\n", res.id, text);
	} else if (req.verb == TAPIO_VERB_FILTER_DEL) {
		printf("filter %u deleted\n", req.arg);
	} else {
		print_rules(&o, &res);
	}
	return 0;
}
