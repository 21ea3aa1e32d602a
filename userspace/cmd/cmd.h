/* SPDX-License-Identifier: GPL-2.0 */
/* The subcommands of the tapio binary and what their option parsing shares;
 * one file of cmd/ each, holding its settings table, help and exit codes. */
#ifndef TAPIO_CMD_H
#define TAPIO_CMD_H

#include <stdbool.h>

#include "lib/settings.h"

#define TAPIO_EXIT_USAGE 2

/* The tc_api row, the same in attach and run: @field is the table's
 * TAPIO_FIELD of its enum tapio_tc_api member (lib/loader.h). */
#define TAPIO_TC_API_ROW(field)                                                \
	{                                                                      \
		.key = "tc_api", .type = TAPIO_SET_CHOICE, field,              \
		.choices = tapio_tc_api_names, .def = "auto", .arg = "API",    \
		.help = "how TC programs are attached: tcx (links, kernel "    \
			"6.6+; "                                               \
			"tapio first, passing every packet on to the "         \
			"others), "                                            \
			"cls_bpf (a filter on clsact, priority 0x7470, "       \
			"passing on to "                                       \
			"the next filter) or auto (tcx where the kernel has "  \
			"it)"                                                  \
	}

/* The kind of the kernel flow maps, for attach and run alike */
#define TAPIO_KERNEL_MAP_ROW(field)                                            \
	{                                                                      \
		.key = "kernel_map", .type = TAPIO_SET_CHOICE, field,          \
		.choices = tapio_kernel_map_names, .def = "percpu",            \
		.arg = "KIND",                                                 \
		.help = "kernel flow maps: percpu (a value per CPU per flow, " \
			"no atomics) or shared (one value per flow, atomic "   \
			"adds: 152 bytes a flow whatever the CPUs, "           \
			"faster drains; for many CPUs whose queues keep a "    \
			"flow on one CPU)"                                     \
	}

/*
 * Defaults, then the flags of @s into @opts: 0 to go on (optind at the
 * first operand), -1 after --help was printed, or TAPIO_EXIT_USAGE after
 * one line naming the bad option or value.
 */
int tapio_cmd_flags(const struct tapio_settings *s, void *opts, int argc,
		    char **argv);
/* No operand after the options; an exit code after one line otherwise. */
int tapio_cmd_no_args(int argc, char **argv);
/* The one DEV operand; an exit code after one line when it is missing or
 * followed by another. */
int tapio_one_dev(int argc, char **argv, const char **dev);

/* The settings table of each subcommand (tests/unit/test_settings.c walks
 * every row of each). */
extern const struct tapio_settings tapio_attach_settings, tapio_detach_settings,
	tapio_flows_settings, tapio_capture_settings, tapio_status_settings,
	tapio_doctor_settings, tapio_trace_settings, tapio_run_settings,
	tapio_expire_settings, tapio_filter_settings, tapio_limit_settings,
	tapio_sample_settings, tapio_top_settings;

int tapio_cmd_attach(int argc, char **argv);
int tapio_cmd_detach(int argc, char **argv);
int tapio_cmd_flows(int argc, char **argv);
int tapio_cmd_capture(int argc, char **argv);
int tapio_cmd_run(int argc, char **argv);
int tapio_cmd_status(int argc, char **argv);
int tapio_cmd_doctor(int argc, char **argv);
int tapio_cmd_expire(int argc, char **argv);
int tapio_cmd_filter(int argc, char **argv);
int tapio_cmd_limit(int argc, char **argv);
int tapio_cmd_sample(int argc, char **argv);
int tapio_cmd_top(int argc, char **argv);

struct tapio_socket_req;
struct tapio_socket_result;
struct tapio_prefix;
/* @req (and @pfx[req->nprefixes], or NULL) asked of the tapio run at
 * @path: 0 with its answer in @res, or 1 after one line saying why not
 * (none listens, no access, it refused). */
int tapio_cmd_request(const char *cmd, const char *path,
		      struct tapio_socket_req *req,
		      const struct tapio_prefix *pfx,
		      struct tapio_socket_result *res);

/* The one flag of status and doctor. */
struct tapio_json_flag {
	bool json;
};
extern const struct tapio_setting tapio_json_flag_row;

#endif /* TAPIO_CMD_H */
