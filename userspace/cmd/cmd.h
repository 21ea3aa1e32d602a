/* SPDX-License-Identifier: GPL-2.0 */
/* The subcommands of the tapio binary and what their option parsing shares;
 * one file of cmd/ each, holding its options, help and exit codes. */
#ifndef TAPIO_CMD_H
#define TAPIO_CMD_H

#include <stdio.h>
#include <getopt.h>

#define TAPIO_EXIT_USAGE 2

/* getopt_long over @opts: 0 to go on, -1 after --help, or an exit code
 * after one line naming the bad option. */
int tapio_parse_common(int argc, char **argv, const char *short_opts,
		       const struct option *opts, void (*usage)(FILE *),
		       int (*handle)(int opt, const char *arg, void *ctx),
		       void *ctx);
/* The one DEV operand; an exit code after one line when it is missing or
 * followed by another. */
int tapio_one_dev(int argc, char **argv, const char **dev,
		  void (*usage)(FILE *));

int tapio_cmd_attach(int argc, char **argv);
int tapio_cmd_detach(int argc, char **argv);
int tapio_cmd_flows(int argc, char **argv);
int tapio_cmd_capture(int argc, char **argv);
int tapio_cmd_run(int argc, char **argv);

#endif /* TAPIO_CMD_H */
