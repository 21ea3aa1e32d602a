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
#include "lib/probe_rule.h"

struct filter_opts {
	const char *socket_path;
	const char *probe;
	bool json;
};

#define FILTER_OPT(f) TAPIO_FIELD(struct filter_opts, f)

static const struct tapio_setting filter_rows[] = {
	{.key = "json",
	 .short_opt = 'j',
	 .type = TAPIO_SET_BOOL,
	 FILTER_OPT(json),
	 .help = "the rules as JSON lines"},
	{.key = "probe",
	 .short_opt = 'p',
	 .type = TAPIO_SET_STRING,
	 FILTER_OPT(probe),
	 .arg = "NAME",
	 .help = "add a rule of this probe's events (exec, tcp, bio, cache, "
		 "or all that judge by it), not of flows"},
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
		"       tapio filter add --probe NAME include|exclude "
		"DIMENSION "
		"VALUE\n"
		"       tapio filter del ID [OPTIONS]\n"
		"       tapio filter list [OPTIONS]\n\n"
		"The flow filters of a running tapio run, on every interface "
		"at once, without\nreloading: what a rule excludes (or no "
		"include rule matches) is passed on and\ncounted as filtered, "
		"not in flows.  WORDS: tcp, udp, icmp, icmpv6, sctp,\nproto N, "
		"port N, host IP, net CIDR, vlan N, net-set FILE (all must "
		"match;\n"
		"an address or port matches either end).  At most 16 rules.  "
		"net-set reads a\nprefix or address a line ('#' comments); "
		"the sets of all rules hold up to\n65536 prefixes, each "
		"looked up in two trie lookups a packet.\n\n"
		"With --probe, a rule of the probes' events: pid N [children], "
		"cgroup PATH|ID,\nuid USER|N, netns NAME|PATH|INODE, mntns "
		"PATH|INODE, pidns PATH|INODE, dev DEV;\none value a rule.  "
		"Values of one dimension are or'ed, dimensions and'ed; one\n"
		"dimension's rules all include or all exclude.  exec judges "
		"by the task, tcp by\nthe pid that opened the connection, "
		"bio by the device, cache by both.  What\nthey leave out is "
		"counted as filtered.  At most 64 rules.  Ids are shared with\n"
		"the flow rules.  Root, the run's user or its group.\n",
	.rows = filter_rows,
	.n = sizeof(filter_rows) / sizeof(filter_rows[0]),
};

static void print_rule(const struct filter_opts *o, __u32 id, const char *probe,
		       const char *text, __u64 hits,
		       const struct tapio_probe_rule *r)
{
	char line[384];
	struct tapio_json j;

	if (!o->json) {
		printf("%-4u %-6s %-48s %llu\n", id, probe, text,
		       (unsigned long long)hits);
		return;
	}
	tapio_json_init(&j, line, sizeof(line));
	tapio_json_object(&j, NULL);
	tapio_json_u64(&j, "id", id);
	tapio_json_str(&j, "on", probe);
	tapio_json_str(&j, "rule", text);
	if (r) {
		tapio_json_str(&j, "dimension",
			       tapio_pfilter_kind_name(r->kind));
		tapio_json_u64(&j, "value", r->value);
	}
	tapio_json_u64(&j, "hits", hits);
	tapio_json_object_end(&j);
	if (tapio_json_finish(&j) > 0)
		puts(line);
}

/* Flow rules (on "flows") and probe rules (on their probe), by id */
static void print_rules(const struct filter_opts *o,
			const struct tapio_socket_result *res)
{
	char text[256], probe[sizeof(res->prules[0].r.probe) + 1];
	char name[sizeof(res->filters[0].set_name) + 1];
	__u32 i, f = 0, p = 0;

	if (!o->json)
		printf("%-4s %-6s %-48s %s\n", "ID", "ON", "RULE", "HITS");
	while (f < res->n || p < res->nprules) {
		if (f < res->n && f < TAPIO_FLOW_FILTERS_MAX &&
		    (p >= res->nprules ||
		     res->filters[f].f.id < res->prules[p].r.id)) {
			snprintf(name, sizeof(name), "%.*s",
				 (int)sizeof(res->filters[f].set_name),
				 res->filters[f].set_name);
			tapio_flow_filter_describe(&res->filters[f].f, name,
						   res->filters[f].set_size,
						   text, sizeof(text));
			print_rule(o, res->filters[f].f.id, "flows", text,
				   res->filters[f].hits, NULL);
			f++;
			continue;
		}
		if (p >= res->nprules || p >= TAPIO_PROBE_RULES_MAX)
			break;
		i = p++;
		tapio_probe_rule_format(&res->prules[i].r, text, sizeof(text));
		snprintf(probe, sizeof(probe), "%.*s",
			 (int)sizeof(res->prules[i].r.probe),
			 res->prules[i].r.probe);
		print_rule(o, res->prules[i].r.id, probe, text,
			   res->prules[i].hits, &res->prules[i].r);
	}
}

/* A flow rule's words, "net-set FILE" taken out and FILE read into the
 * request's prefix set: 0, or an exit code */
static int flow_rule(char **words, int n, struct tapio_socket_req *req,
		     struct tapio_prefix **pfx)
{
	char *rest[64];
	const char *path = NULL, *base;
	int i, k = 0;

	for (i = 0; i < n; i++) {
		if (!strcmp(words[i], "net-set") && !path && i + 1 < n) {
			path = words[++i];
			continue;
		}
		if (!strcmp(words[i], "net-set") ||
		    (path && !strcmp(words[i], "net")) || k == 64) {
			pr_err("invalid filter rule: %s",
			       k == 64 ? "too many words"
			       : path  ? "net-set and net do not go together"
				       : "'net-set' needs a file (a prefix a "
					 "line) and comes once");
			return TAPIO_EXIT_USAGE;
		}
		rest[k++] = words[i];
	}
	if (tapio_flow_filter_parse(rest, k, &req->filter))
		return TAPIO_EXIT_USAGE;
	if (!path)
		return 0;
	if (req->filter.m.prefix_len) {
		pr_err("invalid filter rule: net-set and host or net do not go "
		       "together");
		return TAPIO_EXIT_USAGE;
	}
	if (tapio_prefix_file_read(path, pfx, &req->nprefixes))
		return TAPIO_EXIT_USAGE;
	req->filter.prefix_set = 1;
	base = strrchr(path, '/');
	snprintf(req->set_name, sizeof(req->set_name), "%s",
		 base ? base + 1 : path);
	return 0;
}

/* The request of the words after the options: 0, or an exit code */
static int request(const struct filter_opts *o, int argc, char **argv,
		   struct tapio_socket_req *req, struct tapio_prefix **pfx)
{
	const char *verb = optind < argc ? argv[optind] : "";
	char *end;
	unsigned long id;

	if (o->probe && strcmp(verb, "add")) {
		pr_err("filter: --probe names the probe of a rule to add; "
		       "del and list take every rule");
		return TAPIO_EXIT_USAGE;
	}
	if (!strcmp(verb, "list") && optind + 1 == argc) {
		req->verb = TAPIO_VERB_FILTER_LIST;
		return 0;
	}
	if (!strcmp(verb, "add") && o->probe) {
		req->verb = TAPIO_VERB_FILTER_ADD;
		if (!o->probe[0] ||
		    strlen(o->probe) >= sizeof(req->prule.probe)) {
			pr_err("filter: invalid --probe '%s': exec, tcp, bio, "
			       "cache or all",
			       o->probe);
			return TAPIO_EXIT_USAGE;
		}
		memcpy(req->prule.probe, o->probe, strlen(o->probe));
		return tapio_probe_rule_parse(argv + optind + 1,
					      argc - optind - 1, &req->prule)
			       ? TAPIO_EXIT_USAGE
			       : 0;
	}
	if (!strcmp(verb, "add")) {
		req->verb = TAPIO_VERB_FILTER_ADD;
		return flow_rule(argv + optind + 1, argc - optind - 1, req,
				 pfx);
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
	struct tapio_prefix *pfx = NULL;
	struct filter_opts o = {};
	char text[256];
	int ret;

	ret = tapio_cmd_flags(&tapio_filter_settings, &o, argc, argv);
	if (ret)
		return ret < 0 ? 0 : ret;
	ret = request(&o, argc, argv, &req, &pfx);
	if (!ret)
		ret = tapio_cmd_request("filter", o.socket_path, &req, pfx,
					&res);
	free(pfx);
	if (ret)
		return ret;
	if (req.verb == TAPIO_VERB_FILTER_ADD && req.prule.probe[0]) {
		tapio_probe_rule_format(&req.prule, text, sizeof(text));
		printf("filter %u added on %s: %s\n", res.id, o.probe, text);
	} else if (req.verb == TAPIO_VERB_FILTER_ADD) {
		tapio_flow_filter_describe(&req.filter, req.set_name,
					   req.nprefixes, text, sizeof(text));
		printf("filter %u added: %s\n", res.id, text);
	} else if (req.verb == TAPIO_VERB_FILTER_DEL) {
		printf("filter %u deleted\n", req.arg);
	} else {
		print_rules(&o, &res);
	}
	return 0;
}
