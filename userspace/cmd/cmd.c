// SPDX-License-Identifier: GPL-2.0
/* What every subcommand's option parsing shares: its settings table's
 * defaults and flags, and the single device operand. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>

#include "cmd/cmd.h"
#include "export/daemon_socket.h"
#include "lib/log.h"
#include "lib/parse.h"

int tapio_cmd_flags(const struct tapio_settings *s, void *opts, int argc,
		    char **argv)
{
	int first, ret;

	if (tapio_settings_defaults(s, opts))
		return TAPIO_EXIT_USAGE;
	ret = tapio_settings_flags(s, opts, argc, argv, &first);
	if (ret == 1)
		return -1;
	if (ret)
		return TAPIO_EXIT_USAGE;
	optind = first;
	return 0;
}

const struct tapio_setting tapio_json_flag_row = {
	.key = "json",
	.short_opt = 'j',
	.type = TAPIO_SET_BOOL,
	TAPIO_FIELD(struct tapio_json_flag, json),
	.help = "one JSON document instead of text",
};

int tapio_cmd_no_args(int argc, char **argv)
{
	if (optind < argc) {
		pr_err("%s: unexpected argument '%s'", argv[0], argv[optind]);
		return TAPIO_EXIT_USAGE;
	}
	return 0;
}

int tapio_one_dev(int argc, char **argv, const char **dev)
{
	if (optind >= argc) {
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
	return tapio_check_dev_name(*dev) ? TAPIO_EXIT_USAGE : 0;
}

int tapio_cmd_request(const char *cmd, const char *path,
		      struct tapio_socket_req *req,
		      const struct tapio_prefix *pfx,
		      struct tapio_socket_result *res)
{
	char eb[TAPIO_ERRBUF];
	int ret;

	ret = tapio_socket_control(path, req, pfx, res);
	if (ret == -ENOENT) {
		pr_err("%s: no tapio run listens on %s", cmd, path);
		return 1;
	}
	if (ret == -EACCES) {
		pr_err("%s: may not connect to %s: root, the run's user or its "
		       "group only",
		       cmd, path);
		return 1;
	}
	if (ret) {
		pr_err("%s: asking the tapio run at %s failed: %s", cmd, path,
		       tapio_strerror(ret, eb, sizeof(eb)));
		return 1;
	}
	if (res->err) {
		pr_err("%s: the tapio run at %s refused: %s (%s)", cmd, path,
		       res->msg, tapio_strerror(res->err, eb, sizeof(eb)));
		return 1;
	}
	return 0;
}
