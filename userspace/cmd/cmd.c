// SPDX-License-Identifier: GPL-2.0
/* What every subcommand's option parsing shares: getopt_long with one-line
 * errors naming the option, and the single device operand. */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "lib/log.h"
#include "lib/parse.h"

/* Returns 0 to go on, or an exit code (after printing). */
int tapio_parse_common(int argc, char **argv, const char *short_opts,
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
		if (tapio_getopt_error(opt, argv))
			return TAPIO_EXIT_USAGE;
		if (handle(opt, optarg, ctx))
			return TAPIO_EXIT_USAGE;
	}
	return 0;
}

int tapio_one_dev(int argc, char **argv, const char **dev,
		  void (*usage)(FILE *))
{
	if (optind >= argc) {
		(void)usage;
		pr_err("%s: missing device name; see 'tapio %s --help'",
		       argv[0], argv[0]);
		return TAPIO_EXIT_USAGE;
	}
	if (optind + 1 < argc) {
		pr_err("%s: unexpected argument '%s'", argv[0],
		       argv[optind + 1]);
		return TAPIO_EXIT_USAGE;
	}
	*dev = argv[optind];
	return 0;
}
