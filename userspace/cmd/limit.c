// SPDX-License-Identifier: GPL-2.0
/* `tapio limit set|show`: the rate limits of a running `tapio run`'s event
 * streams (exec, tcp), changed over its control socket without a reload. */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "export/daemon_socket.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/parse.h"

struct limit_opts {
	const char *socket_path;
	bool json;
};

#define LIMIT_OPT(f) TAPIO_FIELD(struct limit_opts, f)

static const struct tapio_setting limit_rows[] = {
	{.key = "json",
	 .short_opt = 'j',
	 .type = TAPIO_SET_BOOL,
	 LIMIT_OPT(json),
	 .help = "the limits as JSON lines"},
	{.key = "socket",
	 .type = TAPIO_SET_STRING,
	 LIMIT_OPT(socket_path),
	 .def = TAPIO_SOCKET_DEFAULT,
	 .arg = "PATH",
	 .help = "the control socket of the tapio run to change"},
};

const struct tapio_settings tapio_limit_settings = {
	.cmd = "limit",
	.usage = "Usage: tapio limit set exec|tcp RATE [BURST] [OPTIONS]\n"
		 "       tapio limit show [OPTIONS]\n\n"
		 "The rate limits of a running tapio run's event streams, "
		 "changed without a\nreload: at most RATE events a second "
		 "(0: no limit) in bursts of BURST\n(default RATE); the rest "
		 "are counted as rate_limited, and the probes'\ncounters and "
		 "histograms stay exact.  Root, the run's user or its group.\n",
	.rows = limit_rows,
	.n = sizeof(limit_rows) / sizeof(limit_rows[0]),
};

static int number(const char *what, const char *s, __u64 min, __u64 *out)
{
	char *end;

	errno = 0;
	*out = strtoull(s, &end, 10);
	if (*end || errno || *s < '0' || *s > '9' || *out < min ||
	    *out > 1000000000ULL) {
		pr_err("limit: invalid %s '%s': %llu to 1000000000", what, s,
		       (unsigned long long)min);
		return TAPIO_EXIT_USAGE;
	}
	return 0;
}

static int request(int argc, char **argv, struct tapio_socket_req *req)
{
	int n = argc - optind;
	const char *verb = n > 0 ? argv[optind] : "";

	if (!strcmp(verb, "show") && n == 1) {
		req->verb = TAPIO_VERB_LIMIT_SHOW;
		return 0;
	}
	if (strcmp(verb, "set") || n < 3 || n > 4) {
		pr_err("limit: expected set STREAM RATE [BURST] or show; see "
		       "'tapio limit --help'");
		return TAPIO_EXIT_USAGE;
	}
	req->verb = TAPIO_VERB_LIMIT_SET;
	snprintf(req->stream, sizeof(req->stream), "%s", argv[optind + 1]);
	if (number("rate", argv[optind + 2], 0, &req->rate))
		return TAPIO_EXIT_USAGE;
	if (n == 4 && number("burst", argv[optind + 3], 1, &req->burst))
		return TAPIO_EXIT_USAGE;
	return 0;
}

int tapio_cmd_limit(int argc, char **argv)
{
	struct tapio_socket_req req = {};
	struct tapio_socket_result res = {};
	struct limit_opts o = {};
	char line[256], rate[24];
	struct tapio_json j;
	__u32 i;
	int ret;

	ret = tapio_cmd_flags(&tapio_limit_settings, &o, argc, argv);
	if (ret)
		return ret < 0 ? 0 : ret;
	ret = request(argc, argv, &req);
	if (!ret)
		ret = tapio_cmd_request("limit", o.socket_path, &req, &res);
	if (ret)
		return ret;
	if (!o.json)
		printf("%-8s %12s %12s %14s\n", "STREAM", "RATE/S", "BURST",
		       "RATE_LIMITED");
	for (i = 0; i < res.nlimits && i < TAPIO_LIMIT_STREAMS; i++) {
		const struct tapio_limit_entry *l = &res.limits[i];

		if (!o.json) {
			snprintf(rate, sizeof(rate), "%llu",
				 (unsigned long long)l->rate);
			printf("%-8.16s %12s %12llu %14llu\n", l->stream,
			       l->rate ? rate : "none",
			       (unsigned long long)l->burst,
			       (unsigned long long)l->limited);
			continue;
		}
		tapio_json_init(&j, line, sizeof(line));
		tapio_json_object(&j, NULL);
		tapio_json_strn(&j, "stream", l->stream, sizeof(l->stream));
		tapio_json_u64(&j, "rate", l->rate);
		tapio_json_u64(&j, "burst", l->burst);
		tapio_json_u64(&j, "rate_limited", l->limited);
		tapio_json_object_end(&j);
		if (tapio_json_finish(&j) > 0)
			puts(line);
	}
	return 0;
}
