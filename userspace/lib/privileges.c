// SPDX-License-Identifier: GPL-2.0
/* Capabilities: one table of what each subcommand needs, a check that names
 * what is missing, and the drop `tapio run` makes once it is attached. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>

#include "lib/log.h"
#include "lib/privileges.h"

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

static const struct {
	unsigned int bit;
	cap_value_t cap;
	bool sys_admin_will_do; /* the kernel accepts CAP_SYS_ADMIN instead */
} privs[] = {
	{TAPIO_PRIV_BPF, CAP_BPF, true},
	{TAPIO_PRIV_PERFMON, CAP_PERFMON, true},
	{TAPIO_PRIV_NET_ADMIN, CAP_NET_ADMIN, false},
	{TAPIO_PRIV_NET_RAW, CAP_NET_RAW, false},
	{TAPIO_PRIV_SYS_ADMIN, CAP_SYS_ADMIN, false},
};

#define ATTACHING (TAPIO_PRIV_BPF | TAPIO_PRIV_PERFMON | TAPIO_PRIV_NET_ADMIN)

/* Why each: CAP_PERFMON because the verifier allows tapio_xdp's packet
 * pointer subtraction (the frame's length) only with it; flows and status
 * read pins through file permissions on kernels >= 6.5 but need CAP_BPF
 * for BPF_OBJ_GET where unprivileged BPF is off before that. */
static const struct {
	const char *cmd;
	unsigned int need;
} cmd_privs[] = {
	{"attach", ATTACHING},
	{"run", ATTACHING},
	{"capture", ATTACHING},
	{"doctor", ATTACHING},
	{"detach", TAPIO_PRIV_BPF | TAPIO_PRIV_NET_ADMIN},
	{"trace", TAPIO_PRIV_BPF | TAPIO_PRIV_PERFMON},
	{"flows", 0},
	{"status", 0},
};

unsigned int tapio_cmd_privileges(const char *cmd)
{
	size_t i;

	for (i = 0; i < sizeof(cmd_privs) / sizeof(cmd_privs[0]); i++)
		if (!strcmp(cmd_privs[i].cmd, cmd))
			return cmd_privs[i].need;
	return ATTACHING; /* a command not in the table: the most common set */
}

static bool has(cap_t caps, cap_value_t cap, cap_flag_t flag)
{
	cap_flag_value_t v = CAP_CLEAR;

	if (!CAP_IS_SUPPORTED(cap))
		return false;
	if (cap_get_flag(caps, cap, flag, &v))
		return false;
	return v == CAP_SET;
}

/* The capability that grants privs[i] in @caps under @flag, or -1. */
static cap_value_t granting(cap_t caps, size_t i, cap_flag_t flag)
{
	if (has(caps, privs[i].cap, flag))
		return privs[i].cap;
	if (privs[i].sys_admin_will_do && has(caps, CAP_SYS_ADMIN, flag))
		return CAP_SYS_ADMIN;
	return -1;
}

static void append_name(char *buf, size_t len, size_t *n, cap_value_t cap,
			const char *suffix)
{
	char *name = cap_to_name(cap);

	if (*n < len)
		*n += snprintf(buf + *n, len - *n, "%s%s%s", *n ? ", " : "",
			       name ? name : "?", suffix);
	cap_free(name);
}

int tapio_need_privileges(const char *what, unsigned int need)
{
	char missing[256] = "";
	size_t i, n = 0;
	cap_t caps;

	caps = cap_get_proc();
	if (!caps) {
		pr_err("%s: cannot read process capabilities: %s", what,
		       strerror(errno));
		return -EPERM;
	}
	for (i = 0; i < sizeof(privs) / sizeof(privs[0]); i++)
		if ((need & privs[i].bit) &&
		    granting(caps, i, CAP_EFFECTIVE) < 0)
			append_name(missing, sizeof(missing), &n, privs[i].cap,
				    privs[i].sys_admin_will_do
					    ? " (or cap_sys_admin)"
					    : "");
	cap_free(caps);
	if (!n)
		return 0;
	pr_err("%s: missing capabilities: %s; run as root, or see "
	       "docs/operations.md (tapio-setcap, the systemd unit)",
	       what, missing);
	return -EPERM;
}

int tapio_check_privileges(const char *cmd)
{
	return tapio_need_privileges(cmd, tapio_cmd_privileges(cmd));
}

const char *tapio_pin_access_hint(int err)
{
	if (err == -EACCES)
		return " (tapio's state is for root and the group of the "
		       "tapio that attached it: docs/operations.md)";
	if (err == -EPERM)
		return " (kernels before 6.5 let only CAP_BPF open pins)";
	return "";
}

void tapio_privileges_held(char *buf, size_t len)
{
	cap_t caps = cap_get_proc();
	size_t n = 0;
	cap_value_t c;

	buf[0] = '\0';
	for (c = 0; caps && c <= CAP_LAST_CAP; c++)
		if (has(caps, c, CAP_EFFECTIVE))
			append_name(buf, len, &n, c, "");
	cap_free(caps);
	if (!n)
		snprintf(buf, len, "none");
}

/* With libpsx linked in, cap_set_proc() and the ambient reset apply to
 * every thread: pollers and probe readers started before the drop lose
 * the capabilities too, not only the thread that asks. */
int tapio_keep_privileges(unsigned int keep, char *kept, size_t len)
{
	cap_value_t list[sizeof(privs) / sizeof(privs[0])];
	cap_t cur, next = NULL;
	int n = 0, err = 0;
	size_t i;

	cur = cap_get_proc();
	if (!cur)
		return -errno;
	for (i = 0; i < sizeof(privs) / sizeof(privs[0]); i++) {
		cap_value_t c;

		if (!(keep & privs[i].bit))
			continue;
		c = granting(cur, i, CAP_PERMITTED);
		if (c >= 0)
			list[n++] = c;
	}
	next = cap_init(); /* everything clear */
	if (!next) {
		err = -errno;
		goto out;
	}
	if (n && (cap_set_flag(next, CAP_PERMITTED, n, list, CAP_SET) ||
		  cap_set_flag(next, CAP_EFFECTIVE, n, list, CAP_SET))) {
		err = -errno;
		goto out;
	}
	if (CAP_AMBIENT_SUPPORTED() && cap_reset_ambient()) {
		err = -errno;
		goto out;
	}
	if (cap_set_proc(next)) {
		err = -errno;
		goto out;
	}
	tapio_privileges_held(kept, len);
out:
	cap_free(next);
	cap_free(cur);
	return err;
}
