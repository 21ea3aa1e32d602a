// SPDX-License-Identifier: GPL-2.0
/* `tapio trace KIND [OPTIONS]`: the tracers' settings table, each option
 * checked against the kinds it applies to, then that kind's tracer. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "cmd/trace.h"
#include "cmd/trace_loop.h"
#include "lib/log.h"
#include "lib/parse.h"
#include "lib/privileges.h"

#define TRACE_OPT(f) TAPIO_FIELD(struct trace_opts, f)
#define NS	     TAPIO_NS_PER_S

/* One tracer per probe kind, in the kind table's order. */
static int (*const tracers[TAPIO_PROBE_KINDS])(const struct trace_opts *) = {
	[TAPIO_PROBE_BIO] = tapio_trace_bio,
	[TAPIO_PROBE_CACHE] = tapio_trace_cache,
	[TAPIO_PROBE_EXEC] = tapio_trace_exec,
	[TAPIO_PROBE_TCP] = tapio_trace_tcp,
};

static int add_filter(struct tapio_filter_list *l, enum tapio_filter_mode m,
		      const char *flag, const char *arg,
		      int (*parse)(const char *, __u64 *))
{
	int err;

	if (l->mode && l->mode != m) {
		pr_err("trace: %s: cannot both include and exclude the same "
		       "kind",
		       flag);
		return -EINVAL;
	}
	if (l->n == TAPIO_FILTER_LIST_MAX) {
		pr_err("trace: %s: more than %d values", flag,
		       TAPIO_FILTER_LIST_MAX);
		return -E2BIG;
	}
	err = parse(arg, &l->v[l->n]);
	if (err) {
		pr_err("trace: %s '%s': %s", flag, arg,
		       tapio_parse_value_error(err));
		return err;
	}
	l->mode = m;
	l->n++;
	return 0;
}

/* Each filter flag adds one value to its list (repeatable). */
#define FILTER_FLAG(fn, list, mode, parser)                                    \
	static int fn(const char *name, const char *v, void *opts)             \
	{                                                                      \
		struct trace_opts *o = opts;                                   \
		return add_filter(&o->filter.list, mode, name, v, parser);     \
	}

FILTER_FLAG(pid_in, pid, TAPIO_FILTER_INCLUDE, tapio_parse_pid)
FILTER_FLAG(pid_out, pid, TAPIO_FILTER_EXCLUDE, tapio_parse_pid)
FILTER_FLAG(cgroup_in, cgroup, TAPIO_FILTER_INCLUDE, tapio_parse_cgroup)
FILTER_FLAG(cgroup_out, cgroup, TAPIO_FILTER_EXCLUDE, tapio_parse_cgroup)
FILTER_FLAG(dev_in, dev, TAPIO_FILTER_INCLUDE, tapio_parse_blockdev)
FILTER_FLAG(dev_out, dev, TAPIO_FILTER_EXCLUDE, tapio_parse_blockdev)

static const char *const tp_methods[] = {"auto", "tp_btf", "raw_tp", "tp",
					 NULL};

static const struct tapio_setting trace_rows[] = {
	{.key = "duration",
	 .short_opt = 'd',
	 .type = TAPIO_SET_SECONDS,
	 TRACE_OPT(duration_ns),
	 .min = NS / 1000,
	 .max = 365 * 86400 * NS,
	 .arg = "S",
	 .help = "stop after S seconds (default: Ctrl-C)"},
	{.key = "interval",
	 .short_opt = 'i',
	 .type = TAPIO_SET_SECONDS,
	 TRACE_OPT(interval_ns),
	 .min = NS / 1000,
	 .max = 86400 * NS,
	 .arg = "S",
	 .help = "bio, cache: print every S seconds (default: at the end)"},
	{.key = "json",
	 .short_opt = 'j',
	 .type = TAPIO_SET_BOOL,
	 TRACE_OPT(json),
	 .help = "JSON lines instead of text"},
	{.key = "pid",
	 .short_opt = 'p',
	 .type = TAPIO_SET_CUSTOM,
	 TRACE_OPT(filter.pid),
	 .parse = pid_in,
	 .arg = "PID",
	 .help = "only these processes (repeat)"},
	{.key = "exclude_pid",
	 .type = TAPIO_SET_CUSTOM,
	 TRACE_OPT(filter.pid),
	 .parse = pid_out,
	 .arg = "PID",
	 .help = "all but these processes"},
	{.key = "cgroup",
	 .short_opt = 'c',
	 .type = TAPIO_SET_CUSTOM,
	 TRACE_OPT(filter.cgroup),
	 .parse = cgroup_in,
	 .arg = "CG",
	 .help = "only this cgroup v2 (path or id; repeat)"},
	{.key = "exclude_cgroup",
	 .type = TAPIO_SET_CUSTOM,
	 TRACE_OPT(filter.cgroup),
	 .parse = cgroup_out,
	 .arg = "CG",
	 .help = "all but this cgroup v2"},
	{.key = "dev",
	 .short_opt = 'D',
	 .type = TAPIO_SET_CUSTOM,
	 TRACE_OPT(filter.dev),
	 .parse = dev_in,
	 .arg = "DEV",
	 .help = "only this device (loop0, /dev/sda, 8:0; repeat)"},
	{.key = "exclude_dev",
	 .type = TAPIO_SET_CUSTOM,
	 TRACE_OPT(filter.dev),
	 .parse = dev_out,
	 .arg = "DEV",
	 .help = "all but this device"},
	{.key = "method",
	 .type = TAPIO_SET_CHOICE,
	 TRACE_OPT(method),
	 .choices = tp_methods,
	 .def = "auto",
	 .arg = "M",
	 .help = "auto (as 'tapio doctor' finds), tp_btf, raw_tp or tp"},
	{.key = "per_disk",
	 .type = TAPIO_SET_BOOL,
	 TRACE_OPT(per_disk),
	 .help = "bio: a histogram per disk and operation"},
	{.key = "queued",
	 .type = TAPIO_SET_BOOL,
	 TRACE_OPT(queued),
	 .help = "bio: queue-time histograms too"},
	{.key = "per_cgroup",
	 .type = TAPIO_SET_BOOL,
	 TRACE_OPT(per_cgroup),
	 .help = "cache: per cgroup as well"},
	{.key = "retrans",
	 .type = TAPIO_SET_BOOL,
	 TRACE_OPT(retrans),
	 .help = "tcp: retransmits only"},
	{.key = "life",
	 .type = TAPIO_SET_BOOL,
	 TRACE_OPT(life),
	 .help = "tcp: lifespans only"},
};

const struct tapio_settings tapio_trace_settings = {
	.cmd = "trace",
	.usage = "Usage: tapio trace bio|cache|exec|tcp [OPTIONS]\n\n"
		 "Kernel probes through tracepoints (no kprobes needed).\n"
		 "  bio    block I/O: IOPS, throughput, latency histograms\n"
		 "  cache  page cache: hits, misses, dirtied, written back\n"
		 "  exec   every exec, failed exec and exit, with arguments\n"
		 "  tcp    retransmits and connection lifespans\n",
	.epilog = "Filters apply where the context is meaningful: bio by "
		  "device only, cache by\ndevice, pid and cgroup, exec by pid "
		  "and cgroup, tcp lifespans by the pid\nthat opened the "
		  "connection.  At the end a summary reports lost, filtered\n"
		  "and unmatched events.",
	.rows = trace_rows,
	.n = sizeof(trace_rows) / sizeof(trace_rows[0]),
};

#define KIND(k) (1u << TAPIO_PROBE_##k)

/* The options that only some tracers have, and whether one was given. */
static const char *misplaced(const struct trace_opts *o,
			     enum tapio_probe_kind kind)
{
	const struct {
		const char *flag;
		bool given;
		unsigned int kinds;
	} only[] = {
		{"--interval", o->interval_ns > 0, KIND(BIO) | KIND(CACHE)},
		{"--per-disk", o->per_disk, KIND(BIO)},
		{"--queued", o->queued, KIND(BIO)},
		{"--per-cgroup", o->per_cgroup, KIND(CACHE)},
		{"--retrans", o->retrans, KIND(TCP)},
		{"--life", o->life, KIND(TCP)},
	};
	size_t i;

	for (i = 0; i < sizeof(only) / sizeof(only[0]); i++)
		if (only[i].given && !(only[i].kinds & (1u << kind)))
			return only[i].flag;
	return NULL;
}

int tapio_trace_cmd(int argc, char **argv)
{
	struct trace_opts o = {};
	enum tapio_probe_kind kind;
	const char *flag;
	int ret;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		tapio_settings_help(&tapio_trace_settings,
				    argc < 2 ? stderr : stdout);
		return argc < 2 ? TAPIO_EXIT_USAGE : 0;
	}
	if (tapio_probe_kind_parse(argv[1], &kind)) {
		pr_err("trace: unknown probe '%s'; want bio, cache, exec or "
		       "tcp",
		       argv[1]);
		return TAPIO_EXIT_USAGE;
	}
	ret = tapio_cmd_flags(&tapio_trace_settings, &o, argc - 1, argv + 1);
	if (ret)
		return ret < 0 ? 0 : ret;
	ret = tapio_cmd_no_args(argc - 1, argv + 1);
	if (ret)
		return ret;
	flag = misplaced(&o, kind);
	if (flag) {
		pr_err("trace %s: %s does not apply to this probe",
		       tapio_probe_kind_name(kind), flag);
		return TAPIO_EXIT_USAGE;
	}
	if (o.retrans && o.life) {
		pr_err("trace tcp: --retrans and --life exclude each other; "
		       "give neither for both");
		return TAPIO_EXIT_USAGE;
	}
	if (tapio_check_privileges("trace"))
		return 1;
	return tracers[kind](&o) ? 1 : 0;
}
