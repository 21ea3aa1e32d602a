// SPDX-License-Identifier: GPL-2.0
/* `tapio attach` and `tapio detach`: their options, help and exit codes;
 * the work is lib/loader.c's. */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "lib/loader.h"
#include "lib/log.h"
#include "lib/parse.h"
#include "tapio/flow.h"

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

int tapio_cmd_attach(int argc, char **argv)
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

	ret = tapio_parse_common(argc, argv, ":m:n:fh", opts, usage_attach,
				 attach_opt, &o);
	if (ret)
		return ret < 0 ? 0 : ret;
	ret = tapio_one_dev(argc, argv, &o.dev, usage_attach);
	if (ret)
		return ret;
	if (o.tc_ingress && o.mode != TAPIO_MODE_AUTO) {
		pr_err("attach: --tc-ingress replaces XDP; --mode does not "
		       "apply");
		return TAPIO_EXIT_USAGE;
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

int tapio_cmd_detach(int argc, char **argv)
{
	static const struct option opts[] = {
		{"keep-qdisc", no_argument, NULL, 'k'},
		{"help", no_argument, NULL, 'h'},
		{}};
	bool keep = false;
	const char *dev;
	int ret;

	ret = tapio_parse_common(argc, argv, ":h", opts, usage_detach,
				 detach_opt, &keep);
	if (ret)
		return ret < 0 ? 0 : ret;
	ret = tapio_one_dev(argc, argv, &dev, usage_detach);
	if (ret)
		return ret;
	return tapio_detach(dev, keep) ? 1 : 0;
}
