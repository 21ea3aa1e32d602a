// SPDX-License-Identifier: GPL-2.0
/* The run loop the tracers share: load with the chosen tracepoint flavour,
 * filter, poll the ring or tick per interval, stop on a signal or time. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/libbpf.h>

#include "lib/parse.h"
#include "lib/log.h"
#include "cmd/trace.h"

volatile sig_atomic_t tapio_trace_stop;

static void on_signal(int sig)
{
	(void)sig;
	tapio_trace_stop = 1;
}

int tapio_trace_start(struct bpf_object *obj, const char *what,
		      const struct trace_opts *o, int (*load)(void *skel),
		      int (*attach)(void *skel), void *skel)
{
	char buf[TAPIO_ERRBUF];
	int err, n;

	n = tapio_probe_select(obj, o->method);
	if (n <= 0) {
		pr_err("%s probe: no program can load with %s: %s", what,
		       tapio_tp_method_name(o->method),
		       n ? tapio_strerror(n, buf, sizeof(buf))
			 : "no tracepoint present");
		return n ? n : -ENOENT;
	}
	err = load(skel);
	if (err) {
		pr_err("%s probe: cannot load (%s): %s", what,
		       tapio_tp_method_name(o->method),
		       tapio_strerror(err, buf, sizeof(buf)));
		return err;
	}
	err = tapio_probe_filter_set(obj, &o->filter);
	if (err)
		return err;
	err = attach(skel);
	if (err) {
		pr_err("%s probe: cannot attach (%s): %s", what,
		       tapio_tp_method_name(o->method),
		       tapio_strerror(err, buf, sizeof(buf)));
		return err;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	fprintf(stderr,
		"tapio: tracing %s with %s tracepoints (%d programs); "
		"Ctrl-C to end\n",
		what, tapio_tp_method_name(o->method), n);
	return 0;
}

int tapio_trace_loop(const struct trace_opts *o, struct ring_buffer *rb,
		     void (*tick)(void *ctx), void *ctx)
{
	__u64 start = tapio_mono_ns(), now, next;
	__u64 interval = (__u64)(o->interval_s * 1e9);
	__u64 end =
		o->duration_s > 0 ? start + (__u64)(o->duration_s * 1e9) : 0;
	char buf[TAPIO_ERRBUF];
	int err = 0;

	next = start + interval;
	while (!tapio_trace_stop) {
		if (rb) {
			err = ring_buffer__poll(rb, 100);
			if (err == -EINTR)
				err = 0;
			if (err < 0) {
				pr_err("cannot read the event ring: %s",
				       tapio_strerror(err, buf, sizeof(buf)));
				break;
			}
			err = 0;
		} else {
			struct timespec ts = {0, 100 * 1000 * 1000};

			nanosleep(&ts, NULL);
		}
		now = tapio_mono_ns();
		if (interval && tick && now >= next) {
			tick(ctx);
			next += interval;
		}
		if (end && now >= end)
			break;
	}
	if (rb)
		ring_buffer__consume(rb);
	return err;
}

void tapio_trace_summary(FILE *out, const char *what,
			 const struct trace_opts *o, struct bpf_object *obj,
			 const __u64 c[TAPIO_PCNT_MAX], const char *extra)
{
	unsigned long long skipped = tapio_probe_kernel_misses(obj);

	if (o->json) {
		fprintf(out,
			"{\"summary\":\"%s\",\"method\":\"%s\","
			"\"events_lost\":%llu,\"filtered\":%llu,"
			"\"map_full\":%llu,\"missed_start\":%llu,"
			"\"kernel_skipped\":%llu%s%s}\n",
			what, tapio_tp_method_name(o->method),
			(unsigned long long)c[TAPIO_PCNT_RINGBUF_FULL],
			(unsigned long long)c[TAPIO_PCNT_FILTERED],
			(unsigned long long)c[TAPIO_PCNT_MAP_FULL],
			(unsigned long long)c[TAPIO_PCNT_MISSED_START], skipped,
			extra && *extra ? "," : "", extra ? extra : "");
	} else {
		fprintf(out,
			"# %s (%s): %llu events lost, %llu filtered, "
			"%llu map full, %llu missed start, "
			"%llu skipped by the kernel\n",
			what, tapio_tp_method_name(o->method),
			(unsigned long long)c[TAPIO_PCNT_RINGBUF_FULL],
			(unsigned long long)c[TAPIO_PCNT_FILTERED],
			(unsigned long long)c[TAPIO_PCNT_MAP_FULL],
			(unsigned long long)c[TAPIO_PCNT_MISSED_START],
			skipped);
	}
	fflush(out);
}

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
	const char *kind, *method = NULL, *only = NULL;
	struct tapio_filter_spec *f = &o.filter;
	int c, err = 0;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage_trace(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	kind = argv[1];
	if (strcmp(kind, "bio") && strcmp(kind, "cache") &&
	    strcmp(kind, "exec") && strcmp(kind, "tcp")) {
		pr_err("trace: unknown probe '%s'; want bio, cache, exec or "
		       "tcp",
		       kind);
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
			only = strcmp(kind, "bio") && strcmp(kind, "cache")
				       ? "--interval"
				       : only;
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
			if (strcmp(kind, "bio"))
				only = c == OPT_PER_DISK ? "--per-disk"
							 : "--queued";
			break;
		case OPT_PER_CG:
			o.per_cgroup = true;
			if (strcmp(kind, "cache"))
				only = "--per-cgroup";
			break;
		case OPT_RETRANS:
		case OPT_LIFE:
			*(c == OPT_RETRANS ? &o.retrans : &o.life) = true;
			if (strcmp(kind, "tcp"))
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
		pr_err("trace %s: %s does not apply to this probe", kind, only);
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
	if (!strcmp(kind, "bio"))
		err = tapio_trace_bio(&o);
	else if (!strcmp(kind, "cache"))
		err = tapio_trace_cache(&o);
	else if (!strcmp(kind, "exec"))
		err = tapio_trace_exec(&o);
	else
		err = tapio_trace_tcp(&o);
	return err ? 1 : 0;
}
