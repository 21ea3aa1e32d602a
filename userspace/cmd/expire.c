// SPDX-License-Identifier: GPL-2.0
/* `tapio expire`: a running `tapio run` ends every flow now and exports it,
 * asked over its control socket (softflowctl's expire-all). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>

#include "cmd/cmd.h"
#include "export/daemon_socket.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/parse.h"

struct expire_opts {
	const char *socket_path;
	bool json;
};

#define EXPIRE_OPT(f) TAPIO_FIELD(struct expire_opts, f)

static const struct tapio_setting expire_rows[] = {
	{.key = "json",
	 .short_opt = 'j',
	 .type = TAPIO_SET_BOOL,
	 EXPIRE_OPT(json),
	 .help = "the result as one JSON object"},
	{.key = "socket",
	 .type = TAPIO_SET_STRING,
	 EXPIRE_OPT(socket_path),
	 .def = TAPIO_SOCKET_DEFAULT,
	 .arg = "PATH",
	 .help = "the control socket of the tapio run to ask"},
};

const struct tapio_settings tapio_expire_settings = {
	.cmd = "expire",
	.usage = "Usage: tapio expire [OPTIONS]\n\n"
		 "A running tapio run drains every source, then ends every "
		 "flow of its table\nnow (end reason flush) and exports it; "
		 "prints how many.  Root, the run's\nuser or its group.\n",
	.rows = expire_rows,
	.n = sizeof(expire_rows) / sizeof(expire_rows[0]),
};

int tapio_cmd_expire(int argc, char **argv)
{
	struct tapio_socket_req req = {.verb = TAPIO_VERB_EXPIRE};
	struct tapio_socket_result res = {};
	struct expire_opts o = {};
	char line[256];
	struct tapio_json j;
	int ret;

	ret = tapio_cmd_flags(&tapio_expire_settings, &o, argc, argv);
	if (ret)
		return ret < 0 ? 0 : ret;
	ret = tapio_cmd_no_args(argc, argv);
	if (ret)
		return ret;
	ret = tapio_cmd_request("expire", o.socket_path, &req, NULL, &res);
	if (ret)
		return ret;
	if (!o.json) {
		printf("expired %llu flows (%llu packets, %llu bytes)\n",
		       (unsigned long long)res.flows,
		       (unsigned long long)res.packets,
		       (unsigned long long)res.bytes);
		return 0;
	}
	tapio_json_init(&j, line, sizeof(line));
	tapio_json_object(&j, NULL);
	tapio_json_u64(&j, "expired_flows", res.flows);
	tapio_json_u64(&j, "packets", res.packets);
	tapio_json_u64(&j, "bytes", res.bytes);
	tapio_json_object_end(&j);
	if (tapio_json_finish(&j) < 0)
		return 1;
	puts(line);
	return 0;
}
