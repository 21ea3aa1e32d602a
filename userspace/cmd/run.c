// SPDX-License-Identifier: GPL-2.0
/* `tapio run`: its settings table (flags, [run] in the config file, TAPIO_*
 * variables, --help and SIGHUP all come from run_settings[]) and its entry. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "export/daemon_socket.h"
#include "lib/capture_filter.h"
#include "lib/clock.h"
#include "lib/iface_select.h"
#include "lib/log.h"
#include "lib/bpffs.h"
#include "lib/parse.h"
#include "lib/settings.h"
#include "lib/xsk_poller.h"
#include "run/probe_source.h"
#include "run/run.h"
#include "tapio/flow.h"
#include "tapio/spill.h"

#define TAPIO_CONFIG_DEFAULT "/etc/tapio/tapio.conf"
#define RUN_OPT(f)	     TAPIO_FIELD(struct tapio_run_opts, f)
#define NS		     TAPIO_NS_PER_S

/* devices: the file's list, replaced by operands on the command line */
static int parse_interfaces(const char *name, const char *v, void *opts)
{
	struct tapio_run_opts *o = opts;
	char *copy = strdup(v), *save = NULL, *dev;

	if (!copy)
		return -ENOMEM;
	o->ndevs = 0;
	for (dev = strtok_r(copy, " ,\t", &save); dev;
	     dev = strtok_r(NULL, " ,\t", &save)) {
		if (o->ndevs == TAPIO_RUN_MAX_DEVS) {
			pr_err("invalid %s: at most %d", name,
			       TAPIO_RUN_MAX_DEVS);
			return -EINVAL;
		}
		o->devs[o->ndevs++] = dev; /* kept: options point into it */
	}
	return 0;
}

static bool interfaces_equal(const void *a, const void *b)
{
	const struct tapio_run_opts *x = a, *y = b;
	int i;

	if (x->ndevs != y->ndevs)
		return false;
	for (i = 0; i < x->ndevs; i++)
		if (strcmp(x->devs[i], y->devs[i]))
			return false;
	return true;
}

static int parse_xsk(const char *name, const char *v, void *opts)
{
	struct tapio_run_opts *o = opts;
	struct tapio_capture_filter f;

	if (!strcmp(v, "off") || !strcmp(v, "none")) {
		o->xsk_mode = 0;
		return 0;
	}
	if (!strcmp(v, "all")) {
		o->xsk_mode = TAPIO_XSK_ALL;
		return 0;
	}
	if (!strncmp(v, "sample:", 7)) {
		o->xsk_mode = TAPIO_XSK_SAMPLE;
		return tapio_parse_u32("xsk sample:N", v + 7, 1, 1u << 30,
				       &o->xsk_sample_n);
	}
	if (!strncmp(v, "filter:", 7)) {
		o->xsk_mode = TAPIO_XSK_FILTER;
		o->xsk_filter = strdup(v + 7);
		if (!o->xsk_filter)
			return -ENOMEM;
		return tapio_capture_filter_parse(o->xsk_filter, &f);
	}
	pr_err("invalid %s '%s': expected off, all, sample:N or filter:EXPR",
	       name, v);
	return -EINVAL;
}

static bool xsk_equal(const void *a, const void *b)
{
	const struct tapio_run_opts *x = a, *y = b;

	return x->xsk_mode == y->xsk_mode &&
	       x->xsk_sample_n == y->xsk_sample_n &&
	       ((!x->xsk_filter && !y->xsk_filter) ||
		(x->xsk_filter && y->xsk_filter &&
		 !strcmp(x->xsk_filter, y->xsk_filter)));
}

static int parse_xdp_mode(const char *name, const char *v, void *opts)
{
	return tapio_parse_mode_named(name, v,
				      &((struct tapio_run_opts *)opts)->mode);
}

/* checked here, applied by the probes as they start */
static int check_limits(const char *name, const char *v)
{
	__u64 rate[TAPIO_PROBE_KINDS] = {0}, burst[TAPIO_PROBE_KINDS] = {0};

	return tapio_probe_limits_parse(name, v, rate, burst);
}

static int check_samples(const char *name, const char *v)
{
	__u32 n[TAPIO_PROBE_KINDS] = {0}, target[TAPIO_PROBE_KINDS] = {0};

	return tapio_probe_samples_parse(name, v, n, target);
}

static int parse_probes(const char *name, const char *v, void *opts)
{
	return tapio_probe_set_parse(name, v,
				     &((struct tapio_run_opts *)opts)->probes);
}

static const char *const log_levels[] = {"error", "warn", "info", "debug",
					 NULL};
static const char *const log_formats[] = {"text", "json", NULL};
static const char *const transports[] = {"udp", "tcp", NULL};
/* the index is enum tapio_tp_method; TAPIO_TP_NONE means choose */
static const char *const tp_methods[] = {"auto", "tp_btf", "raw_tp", "tp",
					 NULL};

#define STR(x)	STR_(x)
#define STR_(x) #x

/* Each setting of `tapio run`, once.  Bounds are the row's, nowhere else. */
static const struct tapio_setting run_rows[] = {
	{.key = "interfaces",
	 .type = TAPIO_SET_CUSTOM,
	 RUN_OPT(devs),
	 .parse = parse_interfaces,
	 .equal = interfaces_equal,
	 .arg = "LIST",
	 .help = "devices to collect from, comma-separated: names, all "
		 "(every interface but loopback) or POSIX extended regular "
		 "expressions matched against whole names ('veth.*'), chosen "
		 "at start (or followed: watch); DEV operands replace it"},
	{.key = "exclude",
	 .type = TAPIO_SET_STRING,
	 RUN_OPT(exclude),
	 .arg = "REGEX",
	 .help = "interfaces not to collect from, whatever interfaces "
		 "selects: regular expressions matched against whole names, "
		 "comma-separated"},
	{.key = "watch",
	 .type = TAPIO_SET_BOOL,
	 RUN_OPT(watch),
	 .help = "follow links as they come and go: a new link that "
		 "interfaces selects is attached within an interval, a "
		 "deleted one drained to its last packet and its flows ended "
		 "as interface_gone"},
	{.key = "netns",
	 .type = TAPIO_SET_STRING,
	 RUN_OPT(netns),
	 .arg = "LIST",
	 .help = "with watch: other network namespaces to collect from too, "
		 "comma-separated: names under /run/netns (as 'ip netns' "
		 "gives them), regular expressions matched against whole "
		 "names, or all; their links are named NETNS:IFNAME, and "
		 "interfaces selects them by either name"},
	{.key = "attribution",
	 .type = TAPIO_SET_BOOL,
	 RUN_OPT(attribution),
	 .help = "the process, cgroup, container and pod behind each flow of "
		 "local traffic, from the socket tapio_tc sees on its packets "
		 "(TC egress) and the process seen using it; forwarded "
		 "traffic says unattributed"},
	{.key = "max_interfaces",
	 .type = TAPIO_SET_U32,
	 RUN_OPT(max_interfaces),
	 .min = 1,
	 .max = 4096,
	 .def = "64",
	 .arg = "N",
	 .help = "with watch: interfaces collected at once (each has its "
		 "own kernel maps, kernel_memory_mb each, and spill ring); "
		 "links past it wait, counted"},
	{.key = "interval",
	 .short_opt = 'i',
	 .type = TAPIO_SET_SECONDS,
	 RUN_OPT(interval_ns),
	 .min = NS / 1000,
	 .max = 3600 * NS,
	 .def = "1",
	 .arg = "S",
	 .flags = TAPIO_SET_RELOAD,
	 .help = "drain and expiry period"},
	{.key = "idle_timeout",
	 .type = TAPIO_SET_SECONDS,
	 RUN_OPT(idle_timeout_ns),
	 .min = NS / 1000,
	 .max = 86400 * NS,
	 .def = "15",
	 .arg = "S",
	 .flags = TAPIO_SET_RELOAD,
	 .help = "end a flow idle this long"},
	{.key = "active_timeout",
	 .type = TAPIO_SET_SECONDS,
	 RUN_OPT(active_timeout_ns),
	 .min = NS / 1000,
	 .max = 86400 * NS,
	 .def = "60",
	 .arg = "S",
	 .flags = TAPIO_SET_RELOAD,
	 .help = "end a flow alive this long"},
	{.key = "duration",
	 .short_opt = 'd',
	 .type = TAPIO_SET_SECONDS,
	 RUN_OPT(duration_ns),
	 .min = NS / 1000,
	 .max = 365 * 86400 * NS,
	 .arg = "S",
	 .flags = TAPIO_SET_FLAG_ONLY,
	 .help = "stop after S seconds"},
	{.key = "print_config",
	 .type = TAPIO_SET_BOOL,
	 RUN_OPT(print_config),
	 .flags = TAPIO_SET_FLAG_ONLY,
	 .help = "print every setting with its default as a tapio.conf, and "
		 "exit"},
	{.key = "max_flows",
	 .short_opt = 'n',
	 .type = TAPIO_SET_U32,
	 RUN_OPT(max_flows),
	 .min = 1,
	 .max = 1u << 28,
	 .def = "1048576",
	 .arg = "N",
	 .help = "table bound in flows"},
	{.key = "memory_limit_mb",
	 .flag = "memory-limit",
	 .type = TAPIO_SET_MIB,
	 RUN_OPT(memory_limit),
	 .min = 1,
	 .max = 1u << 20,
	 .arg = "MB",
	 .help = "table bound in memory"},
	{.key = "kernel_flows",
	 .type = TAPIO_SET_U32,
	 RUN_OPT(kernel_flows),
	 .min = 0,
	 .max = 1u << 26,
	 .def = "0",
	 .arg = "N",
	 .help = "kernel map size per generation (0: from kernel_memory_mb "
		 "and the number of CPUs)"},
	{.key = "kernel_memory_mb",
	 .flag = "kernel-memory",
	 .type = TAPIO_SET_MIB,
	 RUN_OPT(kernel_memory),
	 .min = 1,
	 .max = 1u << 20,
	 .def = STR(TAPIO_KERNEL_MEMORY_DEFAULT_MB),
	 .arg = "MB",
	 .help = "memory of the two kernel flow map generations when "
		 "kernel_flows is 0: (120 + 40 x CPUs) bytes a flow, rounded "
		 "down to a power of two (65536 flows on 2 CPUs, 4096 on 64)"},
	{.key = "spill_ring_mb",
	 .flag = "spill-ring",
	 .type = TAPIO_SET_POW2,
	 RUN_OPT(spill_ring_mb),
	 .min = 1,
	 .max = 1024,
	 .def = STR(TAPIO_SPILL_RING_MB_DEFAULT),
	 .arg = "MB",
	 .help = "each interface's ring of flows that found their kernel map "
		 "generation full, to the collector (a power of two; 104 "
		 "bytes a flow: 16 MB holds ~160,000)"},
	{.key = "drain_at",
	 .type = TAPIO_SET_U32,
	 RUN_OPT(drain_at_pct),
	 .min = 0,
	 .max = 100,
	 .def = "50",
	 .arg = "PCT",
	 .help = "drain as soon as the generation being written is this "
		 "percent full, so that bursts of new flows are drained as "
		 "they come (0: at the interval only)"},
	{.key = "flow_sample",
	 .type = TAPIO_SET_U32,
	 RUN_OPT(flow_sample_n),
	 .min = 1,
	 .max = 1000000,
	 .def = "1",
	 .arg = "N",
	 .help = "account one IP frame in N at random, as N (1: every "
		 "frame): flows become estimates, for rates the kernel maps "
		 "cannot keep up with; TCP frames with SYN, FIN or RST are "
		 "always accounted; tapio sample set flows N changes it while "
		 "running"},
	{.key = "hook",
	 .type = TAPIO_SET_CHOICE,
	 RUN_OPT(hook),
	 .choices = tapio_hook_names,
	 .def = "auto",
	 .arg = "HOOK",
	 .help = "where received frames are counted when attaching: xdp, tc "
		 "(TC ingress; cheaper on a veth) or auto (tc on veth and "
		 "raw-IP links, else xdp; xdp with --xsk)"},
	TAPIO_TC_API_ROW(RUN_OPT(tc_api)),
	TAPIO_KERNEL_MAP_ROW(RUN_OPT(kernel_map)),
	{.key = "xdp_mode",
	 .flag = "mode",
	 .short_opt = 'm',
	 .type = TAPIO_SET_CUSTOM,
	 RUN_OPT(mode),
	 .parse = parse_xdp_mode,
	 .def = "auto",
	 .arg = "MODE",
	 .help = "XDP mode when attaching: auto, native or generic"},
	{.key = "keep_attached",
	 .type = TAPIO_SET_BOOL,
	 RUN_OPT(keep_attached),
	 .help = "leave what run attached in place"},
	{.key = "bpf_stats",
	 .type = TAPIO_SET_BOOL,
	 RUN_OPT(bpf_stats),
	 .help = "time every BPF program on the host while running "
		 "(BPF_ENABLE_STATS, ~50 ns per program run in a VM) for the "
		 "tapio_bpf_program_run families"},
	{.key = "xsk",
	 .type = TAPIO_SET_CUSTOM,
	 RUN_OPT(xsk_mode),
	 .parse = parse_xsk,
	 .equal = xsk_equal,
	 .arg = "MODE",
	 .help = "steer received frames to per-queue AF_XDP pollers: off, all, "
		 "sample:N or filter:EXPR (see capture). Steered frames leave "
		 "the host stack: for mirror ports or traffic the host does "
		 "not need"},
	{.key = "socket",
	 .type = TAPIO_SET_STRING,
	 RUN_OPT(socket_path),
	 .flags = TAPIO_SET_NONE_NULL,
	 .def = TAPIO_SOCKET_DEFAULT,
	 .arg = "PATH",
	 .help = "where tapio flows reads the table (none: no socket); an "
		 "existing file is replaced only if it is a dead socket of "
		 "this user"},
	{.key = "hugepages",
	 .type = TAPIO_SET_BOOL,
	 RUN_OPT(hugepages),
	 .help = "AF_XDP UMEM in hugepages (needs vm.nr_hugepages)"},
	{.key = "buffer_size",
	 .type = TAPIO_SET_POW2,
	 RUN_OPT(xsk_frames),
	 .min = TAPIO_XSK_FRAMES_MIN,
	 .max = TAPIO_XSK_FRAMES_MAX,
	 .def = STR(TAPIO_XSK_FRAMES_DEFAULT),
	 .arg = "N",
	 .help = "AF_XDP frames per queue, a power of two; 4096 frames are "
		 "16 MiB of UMEM per queue"},
	{.key = "metrics",
	 .type = TAPIO_SET_STRING,
	 RUN_OPT(metrics_addr),
	 .flags = TAPIO_SET_NONE_NULL,
	 .check = tapio_check_listen,
	 .def = "127.0.0.1:19473",
	 .arg = "ADDR",
	 .help = "Prometheus /metrics and /healthz on IPV4:PORT, [IPV6]:PORT "
		 "or HOST:PORT; :PORT for every IPv4 address, [::]:PORT for "
		 "every address (none: off)"},
	{.key = "config",
	 .type = TAPIO_SET_STRING,
	 RUN_OPT(config),
	 .flags = TAPIO_SET_FLAG_ONLY,
	 .arg = "PATH",
	 .help = "settings file (default " TAPIO_CONFIG_DEFAULT "), then "
		 "TAPIO_<KEY> variables, then these flags"},
	{.key = "json_file",
	 .type = TAPIO_SET_STRING,
	 RUN_OPT(json_file),
	 .arg = "PATH",
	 .help = "ended flows to PATH instead of stdout (none: off)"},
	{.key = "json_rotate_mb",
	 .type = TAPIO_SET_U32,
	 RUN_OPT(json_rotate_mb),
	 .min = 1,
	 .max = 1u << 20,
	 .arg = "N",
	 .help = "PATH -> PATH.1 (5 kept) past N MiB"},
	{.key = "ipfix",
	 .type = TAPIO_SET_STRING,
	 RUN_OPT(ipfix),
	 .flags = TAPIO_SET_NONE_NULL,
	 .check = tapio_check_collectors,
	 .arg = "HOST:PORT",
	 .help = "IPFIX export of ended flows (comma-separated list)"},
	{.key = "ipfix_transport",
	 .type = TAPIO_SET_CHOICE,
	 RUN_OPT(ipfix_tcp),
	 .choices = transports,
	 .def = "udp",
	 .arg = "PROTO",
	 .help = "IPFIX over udp or tcp"},
	{.key = "ipfix_transport",
	 .flag = "ipfix-tcp",
	 .type = TAPIO_SET_CHOICE,
	 RUN_OPT(ipfix_tcp),
	 .choices = transports,
	 .value = "tcp",
	 .help = "the same as --ipfix-transport tcp"},
	{.key = "observation_domain",
	 .type = TAPIO_SET_U32,
	 RUN_OPT(observation_domain),
	 .min = 0,
	 .max = UINT32_MAX,
	 .def = "0",
	 .arg = "N",
	 .help = "IPFIX observation domain id"},
	{.key = "probes",
	 .type = TAPIO_SET_CUSTOM,
	 RUN_OPT(probes),
	 .parse = parse_probes,
	 .arg = "LIST",
	 .help = "tracepoint probes too: all, none or bio,cache,exec,tcp; "
		 "their families in /metrics, exec and tcp events in the "
		 "JSON lines"},
	{.key = "limit",
	 .type = TAPIO_SET_STRING,
	 RUN_OPT(limits),
	 .check = check_limits,
	 .arg = "LIST",
	 .help = "rate limits of the probes' event streams, "
		 "STREAM=RATE[/BURST] comma-separated (exec=1000/100,tcp=500): "
		 "events a second, in bursts of BURST (default RATE); the "
		 "rest are counted as rate_limited, the probes' counters and "
		 "histograms stay exact; tapio limit changes them while "
		 "running"},
	{.key = "sample",
	 .type = TAPIO_SET_STRING,
	 RUN_OPT(samples),
	 .check = check_samples,
	 .arg = "LIST",
	 .help = "sampling of the probes' event streams, comma-separated: "
		 "STREAM=N sends one event in N at random, STREAM=auto:TARGET "
		 "sets N each interval for about TARGET events a second; "
		 "failed execs, exits by a signal and TCP retransmits are "
		 "always sent; tapio sample changes it while running"},
	{.key = "probe_method",
	 .type = TAPIO_SET_CHOICE,
	 RUN_OPT(probe_method),
	 .choices = tp_methods,
	 .def = "auto",
	 .arg = "M",
	 .help = "auto, tp_btf, raw_tp or tp"},
	{.key = "top_flows",
	 .type = TAPIO_SET_U32,
	 RUN_OPT(top_flows),
	 .min = 0,
	 .max = TAPIO_TOP_FLOWS_MAX,
	 .def = "20",
	 .arg = "N",
	 .flags = TAPIO_SET_RELOAD,
	 .help = "the N largest flows as /metrics series (0: none)"},
	{.key = "dpdk",
	 .type = TAPIO_SET_STRING,
	 RUN_OPT(dpdk_ports),
	 .flags = TAPIO_SET_NONE_NULL,
	 .arg = "PORTS",
	 .help = "receive through DPDK poll-mode ports instead of kernel "
		 "devices: all, or port names as the EAL gives them "
		 "(net_pcap0, 0000:01:00.0), comma-separated; needs a tapio "
		 "built with DPDK"},
	{.key = "dpdk_eal",
	 .type = TAPIO_SET_STRING,
	 RUN_OPT(dpdk_eal),
	 .arg = "ARGS",
	 .help = "EAL arguments for --dpdk, space-separated ('-l 0-2 "
		 "--vdev=net_pcap0,rx_pcap=f.pcap'); tapio adds --in-memory "
		 "(--no-shconf with --no-huge), --no-telemetry and "
		 "--log-level=warning unless given"},
	{.key = "workers",
	 .type = TAPIO_SET_U32,
	 RUN_OPT(workers),
	 .min = 0,
	 .max = 64,
	 .def = "0",
	 .arg = "N",
	 .help = "DPDK worker lcores that poll the ports' receive queues, "
		 "one queue each per port (0: every worker lcore of the "
		 "EAL)"},
	{.key = "dpdk_nap_us",
	 .type = TAPIO_SET_U32,
	 RUN_OPT(dpdk_nap_us),
	 .min = 0,
	 .max = 1000,
	 .def = "0",
	 .arg = "US",
	 .help = "a DPDK worker whose queues were empty for 4096 polls "
		 "sleeps this long per poll (0: it busy-polls, DPDK's way); a "
		 "nap longer than a receive ring takes to fill at line rate "
		 "loses frames"},
	{.key = "log_level",
	 .type = TAPIO_SET_CHOICE,
	 RUN_OPT(log_level),
	 .choices = log_levels,
	 .def = "info",
	 .arg = "LEVEL",
	 .flags = TAPIO_SET_RELOAD,
	 .help = "error, warn, info or debug"},
	{.key = "log_format",
	 .type = TAPIO_SET_CHOICE,
	 RUN_OPT(log_json),
	 .choices = log_formats,
	 .def = "text",
	 .arg = "FMT",
	 .flags = TAPIO_SET_RELOAD,
	 .help = "text, or json: one object per line on stderr"},
};

const struct tapio_settings tapio_run_settings = {
	.cmd = "run",
	.usage =
		"Usage: tapio run [DEV...] [OPTIONS]\n"
		"\n"
		"Attaches to each DEV (or uses its existing attachment), moves "
		"the kernel's\n"
		"flow counts into the aggregation table every interval, and "
		"writes each\n"
		"flow that ends as a JSON line on stdout. SIGINT/SIGTERM: "
		"drain, flush,\n"
		"print a summary on stderr, detach what it attached. SIGHUP: "
		"read the\n"
		"settings again.\n",
	.epilog = "Every option but --duration and --config is also a key of "
		  "the [run] section\n"
		  "of the settings file (dashes as underscores: idle_timeout) "
		  "and a TAPIO_<KEY>\n"
		  "variable (TAPIO_IDLE_TIMEOUT).",
	.rows = run_rows,
	.n = sizeof(run_rows) / sizeof(run_rows[0]),
};

/* The option's value as given on the command line, before any parsing:
 * --config picks the file, --log-format how its errors are reported. */
static const char *early_flag(int argc, char **argv, const char *flag)
{
	size_t n = strlen(flag);
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], flag) && i + 1 < argc)
			return argv[i + 1];
		if (!strncmp(argv[i], flag, n) && argv[i][n] == '=')
			return argv[i] + n + 1;
	}
	return NULL;
}

/* Settings of a run: defaults, the file, the environment, then the flags.
 * 0, 1 after --help, or -EINVAL.  Also used on SIGHUP. */
static int build_run_opts(int argc, char **argv, struct tapio_run_opts *o)
{
	const char *config = early_flag(argc, argv, "--config"), *fmt;
	unsigned int ifindex[TAPIO_RUN_MAX_DEVS];
	int ret, i, j, first;

	memset(o, 0, sizeof(*o));
	if (tapio_settings_defaults(&tapio_run_settings, o))
		return -EINVAL;
	/* the log format first of all, so that a bad file is reported in it */
	fmt = early_flag(argc, argv, "--log-format");
	if (!fmt)
		fmt = getenv("TAPIO_LOG_FORMAT");
	if (fmt)
		tapio_log_json = !strcmp(fmt, "json");
	if (tapio_settings_file(&tapio_run_settings, o,
				config ? config : TAPIO_CONFIG_DEFAULT,
				config != NULL) ||
	    tapio_settings_env(&tapio_run_settings, o))
		return -EINVAL;
	ret = tapio_settings_flags(&tapio_run_settings, o, argc, argv, &first);
	if (ret)
		return ret;
	if (first < argc)
		o->ndevs =
			0; /* devices on the command line replace the file's */
	for (; first < argc; first++) {
		if (o->ndevs == TAPIO_RUN_MAX_DEVS) {
			pr_err("run: at most %d devices", TAPIO_RUN_MAX_DEVS);
			return -EINVAL;
		}
		o->devs[o->ndevs++] = argv[first];
	}
	if (o->ndevs && o->watch) {
		struct tapio_iface_matcher *m;

		/* selected anew as links come; now only checked */
		if (tapio_iface_matcher_new(o->devs, o->ndevs, o->exclude, &m))
			return -EINVAL;
		tapio_iface_matcher_free(m);
	} else if (o->ndevs) {
		const char *sel[TAPIO_RUN_MAX_DEVS];
		int nsel;

		if (tapio_iface_select(o->devs, o->ndevs, o->exclude, sel,
				       TAPIO_RUN_MAX_DEVS, &nsel))
			return -EINVAL;
		memcpy(o->devs, sel, sizeof(sel[0]) * (size_t)nsel);
		o->ndevs = nsel;
	}
	if (!o->ndevs && !o->probes && !o->dpdk_ports) {
		pr_err("run: missing device name (or --probes, --dpdk); see "
		       "'tapio run --help'");
		return -EINVAL;
	}
	if (o->dpdk_ports && o->ndevs) {
		pr_err("run: --dpdk ports and kernel devices in one run: not "
		       "supported; run one tapio for each");
		return -EINVAL;
	}
	if (o->dpdk_eal && !o->dpdk_ports) {
		pr_err("run: --dpdk-eal without --dpdk: which ports?");
		return -EINVAL;
	}
	if (o->xsk_mode && o->hook == TAPIO_HOOK_TC) {
		pr_err("run: --xsk steers frames from the XDP hook; --hook tc "
		       "has none");
		return -EINVAL;
	}
	if (o->watch && !o->ndevs) {
		pr_err("run: --watch without interfaces: which links?");
		return -EINVAL;
	}
	if (o->netns && !o->watch) {
		pr_err("run: --netns without --watch: the links of other "
		       "namespaces are followed, not listed");
		return -EINVAL;
	}
	if (o->watch && o->xsk_mode) {
		pr_err("run: --watch with --xsk: not supported yet; name the "
		       "devices to steer");
		return -EINVAL;
	}
	/* One device twice would mean two owners of one attachment, each
	 * flipping and draining the other's live generation: refused, also
	 * under two names (an altname) of one ifindex. */
	for (i = 0; i < o->ndevs && !o->watch; i++) {
		if (tapio_parse_dev(o->devs[i], &ifindex[i]))
			return -ENODEV;
		for (j = 0; j < i; j++) {
			if (ifindex[j] != ifindex[i])
				continue;
			if (!strcmp(o->devs[j], o->devs[i]))
				pr_err("run: device %s is named twice",
				       o->devs[i]);
			else
				pr_err("run: %s and %s are the same device "
				       "(ifindex %u)",
				       o->devs[j], o->devs[i], ifindex[i]);
			return -EINVAL;
		}
	}
	return 0;
}

/* -v before the command asks for everything */
static void apply_log_settings(const struct tapio_run_opts *o)
{
	tapio_log_level = tapio_verbose ? TAPIO_LOG_DEBUG : o->log_level;
	tapio_log_json = o->log_json;
}

static int saved_argc;
static char **saved_argv;

static int reload_run_opts(struct tapio_run_opts *cur)
{
	struct tapio_run_opts fresh;
	char kept[256];

	if (build_run_opts(saved_argc, saved_argv, &fresh)) {
		pr_warn("reload failed: keeping the current settings");
		apply_log_settings(cur);
		return -EINVAL;
	}
	if (tapio_settings_reload(&tapio_run_settings, cur, &fresh, kept,
				  sizeof(kept)))
		pr_warn("reload: %s need a restart; kept as they were", kept);
	apply_log_settings(cur);
	return 0;
}

int tapio_cmd_run(int argc, char **argv)
{
	struct tapio_run_opts o;
	int ret, i;

	/* the table's defaults, whatever the file and environment say */
	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--print-config")) {
			tapio_settings_example(&tapio_run_settings, stdout);
			return 0;
		}
	ret = build_run_opts(argc, argv, &o);
	if (ret == 1)
		return 0; /* --help */
	if (ret == -ENODEV)
		return 1;
	if (ret)
		return TAPIO_EXIT_USAGE;
	apply_log_settings(&o);
	saved_argc = argc;
	saved_argv = argv;
	o.reload = reload_run_opts;
	return tapio_run(&o) ? 1 : 0;
}
