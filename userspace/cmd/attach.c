// SPDX-License-Identifier: GPL-2.0
/* `tapio attach` and `tapio detach`: their settings tables, help and exit
 * codes; the work is lib/loader.c's. */
#include <stdbool.h>

#include "cmd/cmd.h"
#include "lib/dev_lock.h"
#include "lib/loader.h"
#include "lib/log.h"
#include "tapio/flow.h"

#define ATTACH_OPT(f) TAPIO_FIELD(struct tapio_attach_opts, f)
#define STR_(x)	      #x
#define STR(x)	      STR_(x)

static int parse_mode(const char *name, const char *v, void *opts)
{
	return tapio_parse_mode_named(
		name, v, &((struct tapio_attach_opts *)opts)->mode);
}

static const struct tapio_setting attach_rows[] = {
	{.key = "mode",
	 .short_opt = 'm',
	 .type = TAPIO_SET_CUSTOM,
	 ATTACH_OPT(mode),
	 .parse = parse_mode,
	 .def = "auto",
	 .arg = "MODE",
	 .help = "XDP mode: auto tries native, then generic; native; generic"},
	{.key = "egress",
	 .type = TAPIO_SET_BOOL,
	 ATTACH_OPT(egress),
	 .def = "true",
	 .help = "account egress with TC"},
	{.key = "egress",
	 .flag = "no-egress",
	 .type = TAPIO_SET_BOOL,
	 ATTACH_OPT(egress),
	 .value = "false",
	 .help = "no TC egress program"},
	{.key = "hook",
	 .type = TAPIO_SET_CHOICE,
	 ATTACH_OPT(hook),
	 .choices = tapio_hook_names,
	 .def = "auto",
	 .arg = "HOOK",
	 .help = "where received frames are counted: xdp, tc (TC ingress; "
		 "cheaper on a veth) or auto (tc on veth and raw-IP links, "
		 "else xdp)"},
	{.key = "hook",
	 .flag = "tc-ingress",
	 .type = TAPIO_SET_CHOICE,
	 ATTACH_OPT(hook),
	 .choices = tapio_hook_names,
	 .value = "tc",
	 .help = "the same as --hook tc"},
	{.key = "max_flows",
	 .short_opt = 'n',
	 .type = TAPIO_SET_U32,
	 ATTACH_OPT(max_flows),
	 .min = 1,
	 .max = 1u << 26,
	 .def = STR(TAPIO_DEFAULT_MAX_FLOWS),
	 .arg = "N",
	 .help = "flow map size"},
	TAPIO_TC_API_ROW(ATTACH_OPT(tc_api)),
	TAPIO_KERNEL_MAP_ROW(ATTACH_OPT(kernel_map)),
	{.key = "force",
	 .short_opt = 'f',
	 .type = TAPIO_SET_BOOL,
	 ATTACH_OPT(force),
	 .help = "replace another tool's XDP program"},
};

const struct tapio_settings tapio_attach_settings = {
	.cmd = "attach",
	.usage = "Usage: tapio attach DEV [OPTIONS]\n\n"
		 "Loads tapio_xdp (and tapio_tc for egress) on DEV and pins "
		 "them and their\nmaps, so counting goes on after the command "
		 "exits.\n",
	.rows = attach_rows,
	.n = sizeof(attach_rows) / sizeof(attach_rows[0]),
};

int tapio_cmd_attach(int argc, char **argv)
{
	struct tapio_attach_opts o = {};
	int ret;

	ret = tapio_cmd_flags(&tapio_attach_settings, &o, argc, argv);
	if (ret)
		return ret < 0 ? 0 : ret;
	ret = tapio_one_dev(argc, argv, &o.dev);
	if (ret)
		return ret;
	if (o.hook == TAPIO_HOOK_TC && o.mode != TAPIO_MODE_AUTO) {
		pr_err("attach: --hook tc replaces XDP; --mode does not "
		       "apply");
		return TAPIO_EXIT_USAGE;
	}
	return tapio_attach(&o) ? 1 : 0;
}

struct detach_opts {
	bool keep_qdisc;
};

static const struct tapio_setting detach_rows[] = {
	{.key = "keep_qdisc",
	 .type = TAPIO_SET_BOOL,
	 TAPIO_FIELD(struct detach_opts, keep_qdisc),
	 .help = "keep the clsact qdisc even if tapio created it"},
};

const struct tapio_settings tapio_detach_settings = {
	.cmd = "detach",
	.usage = "Usage: tapio detach DEV [--keep-qdisc]\n\n"
		 "Removes exactly what tapio attach put on DEV.\n",
	.rows = detach_rows,
	.n = sizeof(detach_rows) / sizeof(detach_rows[0]),
};

int tapio_cmd_detach(int argc, char **argv)
{
	struct detach_opts o = {};
	const char *dev;
	pid_t holder;
	int ret;

	ret = tapio_cmd_flags(&tapio_detach_settings, &o, argc, argv);
	if (ret)
		return ret < 0 ? 0 : ret;
	ret = tapio_one_dev(argc, argv, &dev);
	if (ret)
		return ret;
	/* pulled from under a run, the programs would stop counting while
	 * the run goes on exporting as if nothing happened */
	holder = tapio_dev_lock_holder(dev);
	if (holder) {
		pr_err("detach: tapio run (pid %d) collects from %s; stop it "
		       "instead (it detaches what it attached)",
		       (int)holder, dev);
		return 1;
	}
	return tapio_detach(dev, o.keep_qdisc) ? 1 : 0;
}
