// SPDX-License-Identifier: GPL-2.0
/* `tapio limit` and `tapio sample`: the rate limits and the sampling of a
 * running `tapio run`'s event streams (exec, tcp), changed without a reload. */
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

static int number(const char *cmd, const char *what, const char *s, __u64 min,
		  __u64 *out)
{
	char *end;

	errno = 0;
	*out = strtoull(s, &end, 10);
	if (*end || errno || *s < '0' || *s > '9' || *out < min ||
	    *out > 1000000000ULL) {
		pr_err("%s: invalid %s '%s': %llu to 1000000000", cmd, what, s,
		       (unsigned long long)min);
		return TAPIO_EXIT_USAGE;
	}
	return 0;
}

const struct tapio_settings tapio_sample_settings = {
	.cmd = "sample",
	.usage =
		"Usage: tapio sample set exec|tcp N|auto:TARGET [OPTIONS]\n"
		"       tapio sample set flows N [OPTIONS]\n"
		"       tapio sample show [OPTIONS]\n\n"
		"The sampling of a running tapio run's event streams, changed "
		"without a reload:\none event in N is sent, chosen at random "
		"(1: every one), or auto: N follows\nthe stream so that about "
		"TARGET events a second are sent.  Failed execs, exits\nby a "
		"signal and TCP retransmits are always sent.  show gives each "
		"stream's\nestimated events with a 95% interval.\n\n"
		"flows: one IP frame in N, at random, is accounted as N in its "
		"flow (TCP frames\nwith SYN, FIN or RST always, as 1); every "
		"flow is ended and exported first, so\na record has one rate; "
		"the records say it, with their counts' 95% intervals.\n"
		"Root, the run's user or its group.\n",
	.rows = limit_rows,
	.n = sizeof(limit_rows) / sizeof(limit_rows[0]),
};

/* "N" or "auto:TARGET" */
static int sampling(const char *s, struct tapio_socket_req *req)
{
	bool aut = !strncmp(s, "auto:", 5);
	__u64 v = 0;

	if (number("sample", aut ? "target" : "N", aut ? s + 5 : s, 1, &v) ||
	    v > 1000000) {
		if (v > 1000000)
			pr_err("sample: %s is above 1000000", s);
		return TAPIO_EXIT_USAGE;
	}
	req->sample_n = aut ? 0 : (__u32)v;
	req->sample_target = aut ? (__u32)v : 0;
	return 0;
}

static int request(int argc, char **argv, bool sample,
		   struct tapio_socket_req *req)
{
	int n = argc - optind;
	const char *verb = n > 0 ? argv[optind] : "";

	if (!strcmp(verb, "show") && n == 1) {
		req->verb = TAPIO_VERB_LIMIT_SHOW;
		return 0;
	}
	if (sample && (strcmp(verb, "set") || n != 3)) {
		pr_err("sample: expected set STREAM N|auto:TARGET or show; see "
		       "'tapio sample --help'");
		return TAPIO_EXIT_USAGE;
	}
	if (!sample && (strcmp(verb, "set") || n < 3 || n > 4)) {
		pr_err("limit: expected set STREAM RATE [BURST] or show; see "
		       "'tapio limit --help'");
		return TAPIO_EXIT_USAGE;
	}
	snprintf(req->stream, sizeof(req->stream), "%s", argv[optind + 1]);
	if (sample) {
		req->verb = TAPIO_VERB_SAMPLE_SET;
		return sampling(argv[optind + 2], req);
	}
	req->verb = TAPIO_VERB_LIMIT_SET;
	if (number("limit", "rate", argv[optind + 2], 0, &req->rate))
		return TAPIO_EXIT_USAGE;
	if (n == 4 &&
	    number("limit", "burst", argv[optind + 3], 1, &req->burst))
		return TAPIO_EXIT_USAGE;
	return 0;
}

static void show(const struct limit_opts *o,
		 const struct tapio_socket_result *res)
{
	char line[384], rate[24], smp[24];
	struct tapio_json j;
	__u32 i;

	if (!o->json)
		printf("%-8s %10s %8s %12s %12s %12s %12s %10s\n", "STREAM",
		       "RATE/S", "BURST", "RATE_LIMITED", "SAMPLE",
		       "SAMPLED_OUT", "ESTIMATED", "+-CI95");
	for (i = 0; i < res->nstreams && i < TAPIO_LIMIT_STREAMS; i++) {
		const struct tapio_stream_entry *l = &res->streams[i];

		if (!o->json) {
			snprintf(rate, sizeof(rate), "%llu",
				 (unsigned long long)l->rate);
			if (l->sample_target)
				snprintf(smp, sizeof(smp), "1/%u auto",
					 l->sample_n);
			else
				snprintf(smp, sizeof(smp), "1/%u", l->sample_n);
			printf("%-8.16s %10s %8llu %12llu %12s %12llu %12llu "
			       "%10llu\n",
			       l->stream, l->rate ? rate : "none",
			       (unsigned long long)l->burst,
			       (unsigned long long)l->limited, smp,
			       (unsigned long long)l->sampled_out,
			       (unsigned long long)l->estimated,
			       (unsigned long long)l->ci95);
			continue;
		}
		tapio_json_init(&j, line, sizeof(line));
		tapio_json_object(&j, NULL);
		tapio_json_strn(&j, "stream", l->stream, sizeof(l->stream));
		tapio_json_u64(&j, "rate", l->rate);
		tapio_json_u64(&j, "burst", l->burst);
		tapio_json_u64(&j, "rate_limited", l->limited);
		tapio_json_u64(&j, "sample_1_in", l->sample_n);
		tapio_json_u64(&j, "sample_target", l->sample_target);
		tapio_json_u64(&j, "sampled_out", l->sampled_out);
		tapio_json_u64(&j, "estimated", l->estimated);
		tapio_json_u64(&j, "ci95", l->ci95);
		tapio_json_object_end(&j);
		if (tapio_json_finish(&j) > 0)
			puts(line);
	}
}

static int streams_cmd(const struct tapio_settings *set, const char *cmd,
		       int argc, char **argv)
{
	struct tapio_socket_req req = {};
	struct tapio_socket_result res = {};
	struct limit_opts o = {};
	int ret;

	ret = tapio_cmd_flags(set, &o, argc, argv);
	if (ret)
		return ret < 0 ? 0 : ret;
	ret = request(argc, argv, set == &tapio_sample_settings, &req);
	if (!ret)
		ret = tapio_cmd_request(cmd, o.socket_path, &req, NULL, &res);
	if (!ret)
		show(&o, &res);
	return ret;
}

int tapio_cmd_limit(int argc, char **argv)
{
	return streams_cmd(&tapio_limit_settings, "limit", argc, argv);
}

int tapio_cmd_sample(int argc, char **argv)
{
	return streams_cmd(&tapio_sample_settings, "sample", argc, argv);
}
