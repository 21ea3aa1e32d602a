// SPDX-License-Identifier: GPL-2.0
/* `tapio trace KIND [OPTIONS]`: the options of the four tracers, checked
 * against the kind they apply to, then that kind's tracer. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "lib/parse.h"
#include "lib/log.h"
#include "cmd/trace.h"
#include "cmd/trace_loop.h"

/* One tracer per probe kind, in the kind table's order. */
static int (*const tracers[TAPIO_PROBE_KINDS])(const struct trace_opts *) = {
	[TAPIO_PROBE_BIO] = tapio_trace_bio,
	[TAPIO_PROBE_CACHE] = tapio_trace_cache,
	[TAPIO_PROBE_EXEC] = tapio_trace_exec,
	[TAPIO_PROBE_TCP] = tapio_trace_tcp,
};

static void usage_trace(FILE *out)
{
	fprintf(out,
		"Usage: tapio trace bio|cache|exec|tcp [OPTIONS]\n"
		"\n"
		"Kernel probes through tracepoints (no kprobes needed).\n"
		"  bio    block I/O: IOPS, throughput, latency histograms\n"
		"  cache  page cache: hits, misses, dirtied, written back\n"
		"  exec   every exec, failed exec and exit, with arguments\n"
		"  tcp    retransmits and connection lifespans\n"
		"\n"
		"  -d, --duration S       stop after S seconds (default: "
		"Ctrl-C)\n"
		"  -i, --interval S       bio/cache: print every S seconds "
		"(default: at the end)\n"
		"  -j, --json             JSON lines instead of text\n"
		"  -p, --pid PID          only these processes (repeat)\n"
		"      --exclude-pid PID  all but these processes\n"
		"  -c, --cgroup CG        only this cgroup v2 (path or id; "
		"repeat)\n"
		"      --exclude-cgroup CG\n"
		"  -D, --dev DEV          only this device (loop0, /dev/sda, "
		"8:0; repeat)\n"
		"      --exclude-dev DEV\n"
		"      --method M         auto|tp_btf|raw_tp|tp (default auto: "
		"as 'tapio doctor')\n"
		"      --per-disk         bio: a histogram per disk and "
		"operation\n"
		"      --queued           bio: queue-time histograms too\n"
		"      --per-cgroup       cache: per cgroup as well\n"
		"      --retrans          tcp: retransmits only\n"
		"      --life             tcp: lifespans only\n"
		"\n"
		"Filters apply where the context is meaningful: bio by device "
		"only, cache by\n"
		"device, pid and cgroup, exec by pid and cgroup, tcp "
		"lifespans by the pid\n"
		"that opened the connection.  At the end a summary reports "
		"lost, filtered\n"
		"and unmatched events.\n");
}

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
		       err == -ENOENT	 ? "no such cgroup or device"
		       : err == -ENOTDIR ? "not a cgroup v2 directory"
					 : "not a valid value");
		return err;
	}
	l->mode = m;
	l->n++;
	return 0;
}

static int parse_seconds(const char *flag, const char *s, double *out)
{
	char *end;

	*out = strtod(s, &end);
	if (end == s || *end || !(*out > 0) || *out > 86400 * 365) {
		pr_err("trace: %s '%s': want seconds > 0", flag, s);
		return -EINVAL;
	}
	return 0;
}

enum {
	OPT_EXCL_PID = 256,
	OPT_EXCL_CG,
	OPT_EXCL_DEV,
	OPT_METHOD,
	OPT_PER_DISK,
	OPT_QUEUED,
	OPT_PER_CG,
	OPT_RETRANS,
	OPT_LIFE,
};

int tapio_trace_cmd(int argc, char **argv)
{
	static const struct option opts[] = {
		{"duration", required_argument, NULL, 'd'},
		{"interval", required_argument, NULL, 'i'},
		{"json", no_argument, NULL, 'j'},
		{"pid", required_argument, NULL, 'p'},
		{"exclude-pid", required_argument, NULL, OPT_EXCL_PID},
		{"cgroup", required_argument, NULL, 'c'},
		{"exclude-cgroup", required_argument, NULL, OPT_EXCL_CG},
		{"dev", required_argument, NULL, 'D'},
		{"exclude-dev", required_argument, NULL, OPT_EXCL_DEV},
		{"method", required_argument, NULL, OPT_METHOD},
		{"per-disk", no_argument, NULL, OPT_PER_DISK},
		{"queued", no_argument, NULL, OPT_QUEUED},
		{"per-cgroup", no_argument, NULL, OPT_PER_CG},
		{"retrans", no_argument, NULL, OPT_RETRANS},
		{"life", no_argument, NULL, OPT_LIFE},
		{"help", no_argument, NULL, 'h'},
		{},
	};
	struct trace_opts o = {};
	const char *method = NULL, *only = NULL;
	enum tapio_probe_kind kind;
	struct tapio_filter_spec *f = &o.filter;
	int c, err = 0;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage_trace(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (tapio_probe_kind_parse(argv[1], &kind)) {
		pr_err("trace: unknown probe '%s'; want bio, cache, exec or "
		       "tcp",
		       argv[1]);
		return 2;
	}
	argc--;
	argv++;
	optind = 1;
	opterr = 0;
	while (!err && (c = getopt_long(argc, argv, ":d:i:jp:c:D:h", opts,
					NULL)) != -1) {
		switch (c) {
		case 'd':
			err = parse_seconds("--duration", optarg,
					    &o.duration_s);
			break;
		case 'i':
			err = parse_seconds("--interval", optarg,
					    &o.interval_s);
			if (kind != TAPIO_PROBE_BIO &&
			    kind != TAPIO_PROBE_CACHE)
				only = "--interval";
			break;
		case 'j':
			o.json = true;
			break;
		case 'p':
		case OPT_EXCL_PID:
			err = add_filter(&f->pid,
					 c == 'p' ? TAPIO_FILTER_INCLUDE
						  : TAPIO_FILTER_EXCLUDE,
					 c == 'p' ? "--pid" : "--exclude-pid",
					 optarg, tapio_parse_pid);
			break;
		case 'c':
		case OPT_EXCL_CG:
			err = add_filter(&f->cgroup,
					 c == 'c' ? TAPIO_FILTER_INCLUDE
						  : TAPIO_FILTER_EXCLUDE,
					 c == 'c' ? "--cgroup"
						  : "--exclude-cgroup",
					 optarg, tapio_parse_cgroup);
			break;
		case 'D':
		case OPT_EXCL_DEV:
			err = add_filter(&f->dev,
					 c == 'D' ? TAPIO_FILTER_INCLUDE
						  : TAPIO_FILTER_EXCLUDE,
					 c == 'D' ? "--dev" : "--exclude-dev",
					 optarg, tapio_parse_blockdev);
			break;
		case OPT_METHOD:
			method = optarg;
			break;
		case OPT_PER_DISK:
		case OPT_QUEUED:
			*(c == OPT_PER_DISK ? &o.per_disk : &o.queued) = true;
			if (kind != TAPIO_PROBE_BIO)
				only = c == OPT_PER_DISK ? "--per-disk"
							 : "--queued";
			break;
		case OPT_PER_CG:
			o.per_cgroup = true;
			if (kind != TAPIO_PROBE_CACHE)
				only = "--per-cgroup";
			break;
		case OPT_RETRANS:
		case OPT_LIFE:
			*(c == OPT_RETRANS ? &o.retrans : &o.life) = true;
			if (kind != TAPIO_PROBE_TCP)
				only = c == OPT_RETRANS ? "--retrans"
							: "--life";
			break;
		case 'h':
			usage_trace(stdout);
			return 0;
		case ':':
			pr_err("trace: option '%s' needs a value",
			       argv[optind - 1]);
			return 2;
		default:
			pr_err("trace: unknown option '%s'; see 'tapio trace "
			       "--help'",
			       argv[optind - 1]);
			return 2;
		}
	}
	if (err)
		return 2;
	if (optind < argc) {
		pr_err("trace: unexpected argument '%s'", argv[optind]);
		return 2;
	}
	if (only) {
		pr_err("trace %s: %s does not apply to this probe",
		       tapio_probe_kind_name(kind), only);
		return 2;
	}
	if (o.retrans && o.life) {
		pr_err("trace tcp: --retrans and --life exclude each other; "
		       "give neither for both");
		return 2;
	}
	if (method && tapio_tp_method_parse(method, &o.method)) {
		pr_err("trace: --method '%s': want auto, tp_btf, raw_tp or tp",
		       method);
		return 2;
	}
	if (!method)
		o.method = tapio_probe_tp_method();
	if (tapio_check_privileges("trace"))
		return 1;
	return tracers[kind](&o) ? 1 : 0;
}
