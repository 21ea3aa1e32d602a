// SPDX-License-Identifier: GPL-2.0
/* Probe filter rules in words: what `tapio filter add --probe` parses on the
 * client's side (names resolved where the client runs) and lists. */
#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tapio/probe.h"
#include "lib/log.h"
#include "lib/netns.h"
#include "lib/probe_loader.h"
#include "lib/probe_rule.h"

static const char *const kind_name[TAPIO_PF_KINDS] = {
	[TAPIO_PF_PID] = "pid", [TAPIO_PF_CGROUP] = "cgroup",
	[TAPIO_PF_DEV] = "dev", [TAPIO_PF_UID] = "uid",
	[TAPIO_PF_NS] = "ns",
};

const char *tapio_pfilter_kind_name(unsigned int kind)
{
	return kind < TAPIO_PF_KINDS && kind_name[kind] ? kind_name[kind] : "?";
}

static int number(const char *s, __u64 max, __u64 *out)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return *end || errno || *out > max ? -EINVAL : 0;
}

static int parse_uid(const char *s, __u64 *out)
{
	struct passwd *pw;

	if (!number(s, UINT_MAX - 1, out))
		return 0;
	pw = getpwnam(s);
	if (!pw)
		return -ENOENT;
	*out = pw->pw_uid;
	return 0;
}

/* A namespace by its inode (what the probes compare), by a path to its
 * file (/proc/PID/ns/net) or, for netns, by its name under /run/netns. */
static int parse_ns(const char *s, bool named, __u64 *out)
{
	char path[PATH_MAX];
	struct stat st;

	if (!number(s, UINT_MAX, out))
		return *out ? 0 : -EINVAL;
	if (!strchr(s, '/')) {
		if (!named)
			return -EINVAL;
		snprintf(path, sizeof(path), "%s/%s", TAPIO_NETNS_DIR, s);
	} else {
		snprintf(path, sizeof(path), "%s", s);
	}
	if (stat(path, &st))
		return -ENOENT;
	*out = st.st_ino;
	return 0;
}

int tapio_probe_rule_parse(char *const *words, int n,
			   struct tapio_probe_rule *r)
{
	const char *dim = n > 1 ? words[1] : "", *arg = n > 2 ? words[2] : "";
	int err = -EINVAL, want = 3;

	if (n < 1 ||
	    (strcmp(words[0], "include") && strcmp(words[0], "exclude"))) {
		pr_err("filter: a probe rule starts with include or exclude");
		return -EINVAL;
	}
	r->action = words[0][0] == 'i' ? TAPIO_FILTER_INCLUDE
				       : TAPIO_FILTER_EXCLUDE;
	if (n < 3) {
		pr_err("filter: expected pid N [children], cgroup PATH|ID, uid "
		       "USER|N, netns NAME|PATH|INODE, mntns PATH|INODE, "
		       "pidns PATH|INODE or dev DEV after %s",
		       words[0]);
		return -EINVAL;
	}
	if (!strcmp(dim, "pid")) {
		r->kind = TAPIO_PF_PID;
		err = tapio_parse_pid(arg, &r->value);
		if (!err && n > 3 && !strcmp(words[3], "children")) {
			r->children = 1;
			want = 4;
		}
	} else if (!strcmp(dim, "cgroup")) {
		r->kind = TAPIO_PF_CGROUP;
		err = tapio_parse_cgroup(arg, &r->value);
	} else if (!strcmp(dim, "uid")) {
		r->kind = TAPIO_PF_UID;
		err = parse_uid(arg, &r->value);
	} else if (!strcmp(dim, "netns") || !strcmp(dim, "mntns") ||
		   !strcmp(dim, "pidns")) {
		r->kind = TAPIO_PF_NS;
		err = parse_ns(arg, dim[0] == 'n', &r->value);
	} else if (!strcmp(dim, "dev")) {
		r->kind = TAPIO_PF_DEV;
		err = tapio_parse_blockdev(arg, &r->value);
	} else {
		pr_err("filter: unknown probe rule word '%s': expected pid, "
		       "cgroup, uid, netns, mntns, pidns or dev",
		       dim);
		return -EINVAL;
	}
	if (err) {
		pr_err("filter: %s '%s': %s", dim, arg,
		       tapio_parse_value_error(err));
		return err;
	}
	if (n > want) {
		pr_err("filter: unexpected '%s': a rule lists one value (add "
		       "one rule per value)",
		       words[want]);
		return -EINVAL;
	}
	snprintf(r->text, sizeof(r->text), "%s %s%s", dim, arg,
		 r->children ? " children" : "");
	return 0;
}

void tapio_probe_rule_format(const struct tapio_probe_rule *r, char *buf,
			     size_t len)
{
	snprintf(buf, len, "%s %.*s",
		 r->action == TAPIO_FILTER_INCLUDE ? "include" : "exclude",
		 (int)sizeof(r->text), r->text);
}
