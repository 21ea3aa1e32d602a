// SPDX-License-Identifier: GPL-2.0
/* The tapio command: subcommand dispatch and option parsing, in the style of
 * bpftool/xdp-loader.  Exit 0 on success, 1 on failure, 2 on bad usage. */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <bpf/libbpf.h>

#include "bpffs.h"
#include "capture.h"
#include "cli.h"
#include "collector.h"
#include "daemon_socket.h"
#include "doctor.h"
#include "flow_dump.h"
#include "flow_format.h"
#include "loader.h"
#include "run_config.h"
#include "log.h"
#include "probe_set.h"
#include "status.h"
#include "tapio/capture.h"
#include "trace.h"

#define EXIT_USAGE 2

static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list args)
{
	int lvl = level == LIBBPF_WARN ? TAPIO_LOG_WARN : TAPIO_LOG_DEBUG;

	if (level == LIBBPF_DEBUG && tapio_verbose < 2)
		return 0;
	/* libbpf reports an existing clsact qdisc, which we handle, as a
	 * kernel error; only worth showing when asked for detail. */
	if (!tapio_verbose && strstr(fmt, "Kernel error message"))
		return 0;
	if (tapio_log_json) {
		tapio_vlog(lvl, fmt, args);
		return 0;
	}
	return lvl > tapio_log_level ? 0 : vfprintf(stderr, fmt, args);
}

static void usage_main(FILE *out)
{
	fprintf(out,
		"Usage: tapio [-v] COMMAND [OPTIONS]\n"
		"\n"
		"Flow accounting at XDP and TC, with pinned state under %s.\n"
		"\n"
		"Commands:\n"
		"  attach DEV   attach XDP (ingress) and TC (egress) "
		"accounting\n"
		"  detach DEV   remove exactly what 'attach' added\n"
		"  status       attached devices, modes, fill levels, "
		"counters\n"
		"  flows DEV    the flows of a device, as a table or JSON "
		"lines\n"
		"  run DEV...   collect: drain kernel flows, export ended "
		"flows\n"
		"  capture DEV  write received frames to pcap (copied, not "
		"taken)\n"
		"  trace PROBE  bio, cache, exec or tcp through tracepoints\n"
		"  doctor       what this kernel supports and what tapio uses\n"
		"  version      print the version\n"
		"\n"
		"Run 'tapio COMMAND --help' for the options of a command.\n",
		TAPIO_PIN_ROOT_DEFAULT);
}

static void usage_attach(FILE *out)
{
	fprintf(out,
		"Usage: tapio attach DEV [--mode auto|native|generic] "
		"[--egress|--no-egress]\n"
		"                        [--tc-ingress] [--max-flows N] "
		"[--force]\n"
		"\n"
		"  -m, --mode MODE     XDP mode; auto tries native, then "
		"generic (default auto)\n"
		"      --egress        account egress with TC (default)\n"
		"      --no-egress     no TC egress program\n"
		"      --tc-ingress    account ingress with TC instead of XDP\n"
		"  -n, --max-flows N   flow map size, 1..%u (default %u)\n"
		"  -f, --force         replace another tool's XDP program\n",
		1u << 26, (unsigned int)TAPIO_DEFAULT_MAX_FLOWS);
}

static void usage_detach(FILE *out)
{
	fprintf(out,
		"Usage: tapio detach DEV [--keep-qdisc]\n"
		"\n"
		"      --keep-qdisc    keep the clsact qdisc even if tapio "
		"created it\n");
}

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

static void usage_run(FILE *out)
{
	fprintf(out,
		"Usage: tapio run [DEV...] [--probes LIST] [--config PATH] "
		"[--interval S] "
		"[--idle-timeout S]\n"
		"                 [--active-timeout S] [--max-flows N] "
		"[--memory-limit MB]\n"
		"                 [--kernel-flows N] [--mode MODE] "
		"[--duration S] [--keep-attached]\n"
		"\n"
		"Attaches to each DEV (or uses its existing attachment), moves "
		"the kernel's\n"
		"flow counts into the aggregation table every interval, and "
		"writes each\n"
		"flow that ends as a JSON line on stdout. SIGINT/SIGTERM: "
		"drain, flush,\n"
		"print a summary on stderr, detach what it attached.\n"
		"\n"
		"  -i, --interval S        drain and expiry period (default "
		"1)\n"
		"      --idle-timeout S    end a flow idle this long (default "
		"15)\n"
		"      --active-timeout S  end a flow alive this long (default "
		"60)\n"
		"  -n, --max-flows N       table bound in flows (default "
		"1048576)\n"
		"      --memory-limit MB   table bound in memory\n"
		"      --kernel-flows N    kernel map size per generation "
		"(default %u)\n"
		"  -m, --mode MODE         XDP mode when attaching (auto, "
		"native, generic)\n"
		"  -d, --duration S        stop after S seconds\n"
		"      --keep-attached     leave what run attached in place\n"
		"      --xsk MODE          steer received frames to per-queue "
		"AF_XDP pollers:\n"
		"                          all, sample:N or filter:EXPR (see "
		"capture).\n"
		"                          Steered frames leave the host "
		"stack: for mirror\n"
		"                          ports or traffic the host does not "
		"need.\n"
		"      --socket PATH       where tapio flows reads the table "
		"(default\n"
		"                          " TAPIO_SOCKET_DEFAULT ")\n"
		"      --hugepages         AF_XDP UMEM in hugepages (needs "
		"vm.nr_hugepages)\n"
		"      --buffer-size N     AF_XDP frames per queue, a power of "
		"two, 512..32768\n"
		"                          (default 4096: 16 MiB of UMEM per "
		"queue)\n"
		"      --metrics ADDR      Prometheus /metrics and /healthz on "
		"HOST:PORT\n"
		"                          (default :9090; none: off)\n"
		"      --config PATH       settings file "
		"(default " TAPIO_CONFIG_DEFAULT "),\n"
		"                          then TAPIO_<KEY> variables, then "
		"these flags\n"
		"      --json-file PATH    ended flows to PATH instead of "
		"stdout (none: off)\n"
		"      --json-rotate-mb N  PATH -> PATH.1 (5 kept) past N "
		"MiB\n"
		"      --ipfix HOST:PORT   IPFIX export of ended flows "
		"(comma-separated list)\n"
		"      --ipfix-tcp         over TCP (default UDP)\n"
		"      --observation-domain N  IPFIX observation domain id "
		"(default 0)\n"
		"      --probes LIST       tracepoint probes too: all, none or "
		"bio,cache,exec,tcp;\n"
		"                          their families in /metrics, exec "
		"and tcp events\n"
		"                          in the JSON lines\n"
		"      --probe-method M    auto, tp_btf, raw_tp or tp (default "
		"auto)\n"
		"      --top-flows N       the N largest flows as /metrics "
		"series (default 20,\n"
		"                          0: none, at most %u)\n"
		"      --log-level LEVEL   error, warn, info or debug (default "
		"info)\n"
		"      --log-format FMT    text, or json: one object per line "
		"on stderr\n",
		(unsigned int)TAPIO_DEFAULT_MAX_FLOWS,
		(unsigned int)TAPIO_TOP_FLOWS_MAX);
}

static void usage_capture(FILE *out)
{
	fprintf(out,
		"Usage: tapio capture DEV -w FILE [--filter EXPR] [--snaplen "
		"N]\n"
		"                     [--count N] [--duration S] "
		"[--rotate-size MB] [--per-queue]\n"
		"\n"
		"Writes the frames DEV receives to pcap (nanosecond "
		"timestamps).\n"
		"tapio_xdp copies each matching frame and still passes it on: "
		"capturing\n"
		"never takes traffic away from the host.\n"
		"\n"
		"  -w, --write FILE      pcap file (FILE.qN.pcap with "
		"--per-queue)\n"
		"  -f, --filter EXPR     words AND-ed: tcp udp icmp icmpv6 "
		"sctp "
		"ip\n"
		"                        proto N, port N, host IP, net CIDR\n"
		"  -s, --snaplen N       bytes kept per frame, 1..%u (default "
		"%u)\n"
		"  -c, --count N         stop after N frames\n"
		"  -d, --duration S      stop after S seconds\n"
		"      --rotate-size MB  start a new file (FILE.1.pcap, ...) "
		"past MB\n"
		"      --per-queue       one file per receive queue\n",
		(unsigned int)TAPIO_CAPTURE_MAX,
		(unsigned int)TAPIO_CAPTURE_MAX);
}

static void usage_status(FILE *out)
{
	fprintf(out, "Usage: tapio status [--json]\n");
}

static void usage_doctor(FILE *out)
{
	fprintf(out, "Usage: tapio doctor [--json]\n");
}

/* Returns 0 to go on, or an exit code (after printing). */
static int parse_common(int argc, char **argv, const char *short_opts,
			const struct option *opts, void (*usage)(FILE *),
			int (*handle)(int opt, const char *arg, void *ctx),
			void *ctx)
{
	int opt;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, short_opts, opts, NULL)) != -1) {
		if (opt == 'h') {
			usage(stdout);
			return -1;
		}
		if (opt == '?') {
			if (optopt)
				pr_err("%s: unknown option '-%c'", argv[0],
				       optopt);
			else
				pr_err("%s: unknown option '%s'", argv[0],
				       argv[optind - 1]);
			return EXIT_USAGE;
		}
		if (opt == ':') {
			pr_err("%s: option '%s' needs a value", argv[0],
			       argv[optind - 1]);
			return EXIT_USAGE;
		}
		if (handle(opt, optarg, ctx))
			return EXIT_USAGE;
	}
	return 0;
}

static int one_dev(int argc, char **argv, const char **dev,
		   void (*usage)(FILE *))
{
	if (optind >= argc) {
		(void)usage;
		pr_err("%s: missing device name; see 'tapio %s --help'",
		       argv[0], argv[0]);
		return EXIT_USAGE;
	}
	if (optind + 1 < argc) {
		pr_err("%s: unexpected argument '%s'", argv[0],
		       argv[optind + 1]);
		return EXIT_USAGE;
	}
	*dev = argv[optind];
	return 0;
}

static int attach_opt(int opt, const char *arg, void *ctx)
{
	struct tapio_attach_opts *o = ctx;

	switch (opt) {
	case 'm':
		return tapio_parse_mode(arg, &o->mode);
	case 'n':
		return tapio_parse_u32("--max-flows", arg, 1, 1u << 26,
				       &o->max_flows);
	case 'e':
		o->egress = true;
		return 0;
	case 'E':
		o->egress = false;
		return 0;
	case 'I':
		o->tc_ingress = true;
		return 0;
	case 'f':
		o->force = true;
		return 0;
	}
	return -EINVAL;
}

static int cmd_attach(int argc, char **argv)
{
	static const struct option opts[] = {
		{"mode", required_argument, NULL, 'm'},
		{"max-flows", required_argument, NULL, 'n'},
		{"egress", no_argument, NULL, 'e'},
		{"no-egress", no_argument, NULL, 'E'},
		{"tc-ingress", no_argument, NULL, 'I'},
		{"force", no_argument, NULL, 'f'},
		{"help", no_argument, NULL, 'h'},
		{}};
	struct tapio_attach_opts o = {
		.mode = TAPIO_MODE_AUTO,
		.egress = true,
		.max_flows = TAPIO_DEFAULT_MAX_FLOWS,
	};
	int ret;

	ret = parse_common(argc, argv, ":m:n:fh", opts, usage_attach,
			   attach_opt, &o);
	if (ret)
		return ret < 0 ? 0 : ret;
	ret = one_dev(argc, argv, &o.dev, usage_attach);
	if (ret)
		return ret;
	if (o.tc_ingress && o.mode != TAPIO_MODE_AUTO) {
		pr_err("attach: --tc-ingress replaces XDP; --mode does not "
		       "apply");
		return EXIT_USAGE;
	}
	return tapio_attach(&o) ? 1 : 0;
}

static int detach_opt(int opt, const char *arg, void *ctx)
{
	(void)arg;
	if (opt == 'k') {
		*(bool *)ctx = true;
		return 0;
	}
	return -EINVAL;
}

static int cmd_detach(int argc, char **argv)
{
	static const struct option opts[] = {
		{"keep-qdisc", no_argument, NULL, 'k'},
		{"help", no_argument, NULL, 'h'},
		{}};
	bool keep = false;
	const char *dev;
	int ret;

	ret = parse_common(argc, argv, ":h", opts, usage_detach, detach_opt,
			   &keep);
	if (ret)
		return ret < 0 ? 0 : ret;
	ret = one_dev(argc, argv, &dev, usage_detach);
	if (ret)
		return ret;
	return tapio_detach(dev, keep) ? 1 : 0;
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

static int cmd_flows(int argc, char **argv)
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

	ret = parse_common(argc, argv, ":js:t:h", opts, usage_flows, flows_opt,
			   &o);
	if (ret)
		return ret < 0 ? 0 : ret;
	ret = one_dev(argc, argv, &dev, usage_flows);
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

#define NS_PER_S 1000000000ULL

static int capture_opt(int opt, const char *arg, void *ctx)
{
	struct tapio_capture_opts *o = ctx;

	switch (opt) {
	case 'w':
		o->file = arg;
		return 0;
	case 'f':
		o->filter = arg;
		return 0;
	case 's':
		return tapio_parse_u32("--snaplen", arg, 1, TAPIO_CAPTURE_MAX,
				       &o->snaplen);
	case 'c':
		return tapio_parse_u32("--count", arg, 1, UINT32_MAX,
				       &o->count);
	case 'd':
		return tapio_parse_seconds("--duration", arg, NS_PER_S / 1000,
					   365 * 86400 * NS_PER_S,
					   &o->duration_ns);
	case 'R':
		return tapio_parse_u32("--rotate-size", arg, 1, 1u << 20,
				       &o->rotate_mb);
	case 'Q':
		o->per_queue = true;
		return 0;
	}
	return -EINVAL;
}

static int cmd_capture(int argc, char **argv)
{
	static const struct option opts[] = {
		{"write", required_argument, NULL, 'w'},
		{"filter", required_argument, NULL, 'f'},
		{"snaplen", required_argument, NULL, 's'},
		{"count", required_argument, NULL, 'c'},
		{"duration", required_argument, NULL, 'd'},
		{"rotate-size", required_argument, NULL, 'R'},
		{"per-queue", no_argument, NULL, 'Q'},
		{"help", no_argument, NULL, 'h'},
		{}};
	struct tapio_capture_opts o = {.snaplen = TAPIO_CAPTURE_MAX};
	struct tapio_capture_filter f;
	unsigned int ifindex;
	int ret;

	ret = parse_common(argc, argv, ":w:f:s:c:d:h", opts, usage_capture,
			   capture_opt, &o);
	if (ret)
		return ret < 0 ? 0 : ret;
	ret = one_dev(argc, argv, &o.dev, usage_capture);
	if (ret)
		return ret;
	if (!o.file) {
		pr_err("capture: missing -w FILE");
		return EXIT_USAGE;
	}
	if (tapio_capture_filter_parse(o.filter, &f))
		return EXIT_USAGE;
	if (tapio_parse_dev(o.dev, &ifindex))
		return 1;
	return tapio_capture(&o) ? 1 : 0;
}

static int run_opt(int opt, const char *arg, void *ctx)
{
	struct tapio_run_opts *o = ctx;
	__u32 mb;
	int err;

	switch (opt) {
	case 'i':
		return tapio_parse_seconds("--interval", arg, NS_PER_S / 1000,
					   3600 * NS_PER_S, &o->interval_ns);
	case 'I':
		return tapio_parse_seconds("--idle-timeout", arg,
					   NS_PER_S / 1000, 86400 * NS_PER_S,
					   &o->idle_timeout_ns);
	case 'A':
		return tapio_parse_seconds("--active-timeout", arg,
					   NS_PER_S / 1000, 86400 * NS_PER_S,
					   &o->active_timeout_ns);
	case 'd':
		return tapio_parse_seconds("--duration", arg, NS_PER_S / 1000,
					   365 * 86400 * NS_PER_S,
					   &o->duration_ns);
	case 'n':
		return tapio_parse_u32("--max-flows", arg, 1, 1u << 28,
				       &o->max_flows);
	case 'M':
		err = tapio_parse_u32("--memory-limit", arg, 1, 1u << 20, &mb);
		o->memory_limit = (__u64)mb << 20;
		return err;
	case 'K':
		return tapio_parse_u32("--kernel-flows", arg, 1, 1u << 26,
				       &o->kernel_flows);
	case 'm':
		return tapio_parse_mode(arg, &o->mode);
	case 'k':
		o->keep_attached = true;
		return 0;
	case 'X':
		return tapio_parse_xsk("--xsk", arg, o);
	case 'S':
		o->socket_path = arg;
		return 0;
	case 'H':
		o->hugepages = true;
		return 0;
	case 'P':
		o->metrics_addr = strcmp(arg, "none") ? arg : NULL;
		return 0;
	case 'C': /* read before the other flags */
		return 0;
	case 'J':
		o->json_file = arg;
		return 0;
	case 'F':
		o->ipfix = arg;
		return 0;
	case 'U':
		o->ipfix_tcp = true;
		return 0;
	case 'O':
		return tapio_parse_u32("--observation-domain", arg, 0,
				       UINT32_MAX, &o->observation_domain);
	case 'T':
		return tapio_parse_u32("--json-rotate-mb", arg, 1, 1u << 20,
				       &o->json_rotate_mb);
	case 'R':
		return tapio_probe_set_parse("--probes", arg, &o->probes);
	case 'W':
		return tapio_run_config_set(o, "probe_method", arg);
	case 'L':
		return tapio_run_config_set(o, "log_level", arg);
	case 'B':
		return tapio_run_config_set(o, "buffer_size", arg);
	case 'N':
		return tapio_parse_u32("--top-flows", arg, 0,
				       TAPIO_TOP_FLOWS_MAX, &o->top_flows);
	case 'G':
		return tapio_run_config_set(o, "log_format", arg);
	}
	return -EINVAL;
}

static const struct option run_options[] = {
	{"interval", required_argument, NULL, 'i'},
	{"idle-timeout", required_argument, NULL, 'I'},
	{"active-timeout", required_argument, NULL, 'A'},
	{"duration", required_argument, NULL, 'd'},
	{"max-flows", required_argument, NULL, 'n'},
	{"memory-limit", required_argument, NULL, 'M'},
	{"kernel-flows", required_argument, NULL, 'K'},
	{"mode", required_argument, NULL, 'm'},
	{"keep-attached", no_argument, NULL, 'k'},
	{"xsk", required_argument, NULL, 'X'},
	{"socket", required_argument, NULL, 'S'},
	{"hugepages", no_argument, NULL, 'H'},
	{"metrics", required_argument, NULL, 'P'},
	{"config", required_argument, NULL, 'C'},
	{"json-file", required_argument, NULL, 'J'},
	{"ipfix", required_argument, NULL, 'F'},
	{"ipfix-tcp", no_argument, NULL, 'U'},
	{"observation-domain", required_argument, NULL, 'O'},
	{"json-rotate-mb", required_argument, NULL, 'T'},
	{"probes", required_argument, NULL, 'R'},
	{"probe-method", required_argument, NULL, 'W'},
	{"log-level", required_argument, NULL, 'L'},
	{"top-flows", required_argument, NULL, 'N'},
	{"buffer-size", required_argument, NULL, 'B'},
	{"log-format", required_argument, NULL, 'G'},
	{"help", no_argument, NULL, 'h'},
	{}};

static const struct tapio_run_opts run_defaults = {
	.interval_ns = NS_PER_S,
	.idle_timeout_ns = 15 * NS_PER_S,
	.active_timeout_ns = 60 * NS_PER_S,
	.max_flows = 1u << 20,
	.kernel_flows = TAPIO_DEFAULT_MAX_FLOWS,
	.mode = TAPIO_MODE_AUTO,
	.socket_path = TAPIO_SOCKET_DEFAULT,
	.metrics_addr = ":9090",
	.log_level = TAPIO_LOG_INFO,
	.top_flows = 20,
};

/* Settings of a run: defaults, the file, the environment, then the flags.
 * 0, -1 after --help, or an exit code.  Also used on SIGHUP. */
static int build_run_opts(int argc, char **argv, struct tapio_run_opts *o)
{
	const char *config = NULL;
	unsigned int ifindex;
	int ret, i;

	*o = run_defaults;

	/* the file first, then the environment, then the flags; but the
	 * log format first of all, so that a bad file is reported in it */
	if (getenv("TAPIO_LOG_FORMAT"))
		tapio_log_json = !strcmp(getenv("TAPIO_LOG_FORMAT"), "json");
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--config") && i + 1 < argc)
			config = argv[i + 1];
		else if (!strncmp(argv[i], "--config=", 9))
			config = argv[i] + 9;
		else if (!strcmp(argv[i], "--log-format") && i + 1 < argc)
			tapio_log_json = !strcmp(argv[i + 1], "json");
		else if (!strncmp(argv[i], "--log-format=", 13))
			tapio_log_json = !strcmp(argv[i] + 13, "json");
	}
	if (tapio_run_config_file(config ? config : TAPIO_CONFIG_DEFAULT,
				  config != NULL, o) ||
	    tapio_run_config_env(o))
		return EXIT_USAGE;
	ret = parse_common(argc, argv, ":i:d:n:m:h", run_options, usage_run,
			   run_opt, o);
	if (ret)
		return ret; /* -1: help shown */
	if (optind < argc)
		o->ndevs =
			0; /* devices on the command line replace the file's */
	for (; optind < argc; optind++) {
		if (o->ndevs == TAPIO_RUN_MAX_DEVS) {
			pr_err("run: at most %d devices", TAPIO_RUN_MAX_DEVS);
			return EXIT_USAGE;
		}
		o->devs[o->ndevs++] = argv[optind];
	}
	if (!o->ndevs && !o->probes) {
		pr_err("run: missing device name (or --probes); see 'tapio "
		       "run --help'");
		return EXIT_USAGE;
	}
	for (i = 0; i < o->ndevs; i++)
		if (tapio_parse_dev(o->devs[i], &ifindex))
			return 1;
	/* -v before the command asks for everything */
	tapio_log_level = tapio_verbose ? TAPIO_LOG_DEBUG : o->log_level;
	tapio_log_json = o->log_json;
	return 0;
}

static int saved_argc;
static char **saved_argv;

static int reload_run_opts(struct tapio_run_opts *fresh)
{
	return build_run_opts(saved_argc, saved_argv, fresh) ? -EINVAL : 0;
}

static int cmd_run(int argc, char **argv)
{
	struct tapio_run_opts o;
	int ret = build_run_opts(argc, argv, &o);

	if (ret)
		return ret < 0 ? 0 : ret;
	saved_argc = argc;
	saved_argv = argv;
	o.reload = reload_run_opts;
	return tapio_run(&o) ? 1 : 0;
}

static int json_opt(int opt, const char *arg, void *ctx)
{
	(void)arg;
	if (opt == 'j') {
		*(bool *)ctx = true;
		return 0;
	}
	return -EINVAL;
}

static int cmd_json_only(int argc, char **argv, void (*usage)(FILE *),
			 int (*run)(bool json))
{
	static const struct option opts[] = {{"json", no_argument, NULL, 'j'},
					     {"help", no_argument, NULL, 'h'},
					     {}};
	bool json = false;
	int ret;

	ret = parse_common(argc, argv, ":jh", opts, usage, json_opt, &json);
	if (ret)
		return ret < 0 ? 0 : ret;
	if (optind < argc) {
		pr_err("%s: unexpected argument '%s'", argv[0], argv[optind]);
		return EXIT_USAGE;
	}
	if (run == tapio_status && tapio_check_privileges("status"))
		return 1;
	return run(json) ? 1 : 0;
}

int main(int argc, char **argv)
{
	const char *cmd;

	while (argc > 1 && !strcmp(argv[1], "-v")) {
		tapio_verbose++;
		tapio_log_level = TAPIO_LOG_DEBUG;
		argc--;
		argv++;
	}
	libbpf_set_print(libbpf_print);
	if (argc < 2) {
		usage_main(stderr);
		return EXIT_USAGE;
	}
	cmd = argv[1];
	argc--;
	argv++;
	if (!strcmp(cmd, "attach"))
		return cmd_attach(argc, argv);
	if (!strcmp(cmd, "detach"))
		return cmd_detach(argc, argv);
	if (!strcmp(cmd, "flows"))
		return cmd_flows(argc, argv);
	if (!strcmp(cmd, "capture"))
		return cmd_capture(argc, argv);
	if (!strcmp(cmd, "run"))
		return cmd_run(argc, argv);
	if (!strcmp(cmd, "trace"))
		return tapio_trace_cmd(argc, argv);
	if (!strcmp(cmd, "status"))
		return cmd_json_only(argc, argv, usage_status, tapio_status);
	if (!strcmp(cmd, "doctor"))
		return cmd_json_only(argc, argv, usage_doctor, tapio_doctor);
	if (!strcmp(cmd, "version") || !strcmp(cmd, "--version")) {
		printf("tapio %s (libbpf %s)\n", TAPIO_VERSION,
		       libbpf_version_string());
		return 0;
	}
	if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") ||
	    !strcmp(cmd, "-h")) {
		usage_main(stdout);
		return 0;
	}
	pr_err("unknown command '%s'; run 'tapio --help'", cmd);
	return EXIT_USAGE;
}
