// SPDX-License-Identifier: GPL-2.0
/* The tapio command: subcommand dispatch in the style of bpftool; each
 * subcommand is a file of cmd/.  Exit 0 on success, 1 on failure, 2 on usage.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>

#include "cmd/cmd.h"
#include "cmd/trace.h"
#include "lib/bpffs.h"
#include "lib/log.h"
#include "lib/parse.h"

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
		"  expire       a running collector ends and exports every "
		"flow now\n"
		"  filter       add, delete, list a running collector's flow "
		"filters\n"
		"  limit        set, show the rate limits of its event "
		"streams\n"
		"  sample       set, show their sampling and estimated "
		"totals\n"
		"  top          a live view of its fastest flows, interfaces "
		"and probes\n"
		"  capture DEV  write received frames to pcap (copied, not "
		"taken)\n"
		"  trace PROBE  bio, cache, exec or tcp through tracepoints\n"
		"  doctor       what this kernel supports and what tapio uses\n"
		"  version      print the version\n"
		"\n"
		"Run 'tapio COMMAND --help' for the options of a command.\n",
		TAPIO_PIN_ROOT_DEFAULT);
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
		return TAPIO_EXIT_USAGE;
	}
	cmd = argv[1];
	argc--;
	argv++;
	if (!strcmp(cmd, "attach"))
		return tapio_cmd_attach(argc, argv);
	if (!strcmp(cmd, "detach"))
		return tapio_cmd_detach(argc, argv);
	if (!strcmp(cmd, "flows"))
		return tapio_cmd_flows(argc, argv);
	if (!strcmp(cmd, "top"))
		return tapio_cmd_top(argc, argv);
	if (!strcmp(cmd, "sample"))
		return tapio_cmd_sample(argc, argv);
	if (!strcmp(cmd, "limit"))
		return tapio_cmd_limit(argc, argv);
	if (!strcmp(cmd, "filter"))
		return tapio_cmd_filter(argc, argv);
	if (!strcmp(cmd, "expire"))
		return tapio_cmd_expire(argc, argv);
	if (!strcmp(cmd, "capture"))
		return tapio_cmd_capture(argc, argv);
	if (!strcmp(cmd, "run"))
		return tapio_cmd_run(argc, argv);
	if (!strcmp(cmd, "trace"))
		return tapio_trace_cmd(argc, argv);
	if (!strcmp(cmd, "status"))
		return tapio_cmd_status(argc, argv);
	if (!strcmp(cmd, "doctor"))
		return tapio_cmd_doctor(argc, argv);
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
	return TAPIO_EXIT_USAGE;
}
