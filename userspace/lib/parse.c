// SPDX-License-Identifier: GPL-2.0
/* Validation of command-line values shared by every subcommand.  Pure
 * functions apart from the device and capability look-ups, so unit-tested. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <sys/capability.h>

#include "lib/parse.h"
#include "lib/log.h"

#ifndef CAP_BPF
#define CAP_BPF 39
#endif

const char *tapio_strerror(int err, char *buf, size_t len)
{
	if (err < 0)
		err = -err;
	if (err >= 4000) /* libbpf's own error codes */
		snprintf(buf, len, "libbpf error %d", err);
	else
		snprintf(buf, len, "%s", strerror(err));
	return buf;
}

int tapio_parse_u32(const char *opt, const char *s, __u32 min, __u32 max,
		    __u32 *out)
{
	unsigned long long v;
	char *end;

	if (!s || !*s) {
		pr_err("invalid %s: empty value", opt);
		return -EINVAL;
	}
	if (*s == '-' || *s == '+' || *s == ' ') {
		pr_err("invalid %s '%s': not a positive number", opt, s);
		return -EINVAL;
	}
	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end != '\0') {
		pr_err("invalid %s '%s': not a number", opt, s);
		return -EINVAL;
	}
	if (errno == ERANGE || v < min || v > max) {
		pr_err("invalid %s '%s': must be between %u and %u", opt, s,
		       min, max);
		return -ERANGE;
	}
	*out = (__u32)v;
	return 0;
}

int tapio_parse_seconds(const char *opt, const char *s, __u64 min_ns,
			__u64 max_ns, __u64 *out_ns)
{
	char *end;
	double v;

	if (!s || !*s || *s == '-' || *s == '+' || *s == ' ') {
		pr_err("invalid %s '%s': not a positive number of seconds", opt,
		       s ? s : "");
		return -EINVAL;
	}
	errno = 0;
	v = strtod(s, &end);
	if (*end != '\0' || errno == ERANGE || v != v) {
		pr_err("invalid %s '%s': not a number of seconds", opt, s);
		return -EINVAL;
	}
	if (v * 1e9 < (double)min_ns || v * 1e9 > (double)max_ns) {
		pr_err("invalid %s '%s': must be between %g and %g seconds",
		       opt, s, (double)min_ns / 1e9, (double)max_ns / 1e9);
		return -ERANGE;
	}
	*out_ns = (__u64)(v * 1e9 + 0.5);
	return 0;
}

int tapio_parse_dev(const char *dev, unsigned int *ifindex)
{
	if (!dev || !*dev) {
		pr_err("missing device name");
		return -EINVAL;
	}
	if (strlen(dev) >= IFNAMSIZ || strchr(dev, '/')) {
		pr_err("invalid device name '%s'", dev);
		return -EINVAL;
	}
	*ifindex = if_nametoindex(dev);
	if (!*ifindex) {
		pr_err("device '%s' not found: %s", dev, strerror(errno));
		return -ENODEV;
	}
	return 0;
}

static bool have_cap(cap_t caps, cap_value_t cap)
{
	cap_flag_value_t v = CAP_CLEAR;

	if (!CAP_IS_SUPPORTED(cap))
		return false;
	if (cap_get_flag(caps, cap, CAP_EFFECTIVE, &v))
		return false;
	return v == CAP_SET;
}

int tapio_check_privileges(const char *cmd)
{
	bool bpf, net;
	cap_t caps;

	caps = cap_get_proc();
	if (!caps) {
		pr_err("%s: cannot read process capabilities: %s", cmd,
		       strerror(errno));
		return -EPERM;
	}
	bpf = have_cap(caps, CAP_SYS_ADMIN) || have_cap(caps, CAP_BPF);
	net = have_cap(caps, CAP_NET_ADMIN);
	cap_free(caps);
	if (bpf && net)
		return 0;
	pr_err("%s: missing privileges: needs CAP_BPF (or CAP_SYS_ADMIN) and "
	       "CAP_NET_ADMIN; run as root or see docs/operations.md",
	       cmd);
	return -EPERM;
}

int tapio_getopt_error(int opt, char **argv)
{
	if (opt == '?') {
		if (optopt)
			pr_err("%s: unknown option '-%c'", argv[0], optopt);
		else
			pr_err("%s: unknown option '%s'", argv[0],
			       argv[optind - 1]);
		return -EINVAL;
	}
	if (opt == ':') {
		pr_err("%s: option '%s' needs a value", argv[0],
		       argv[optind - 1]);
		return -EINVAL;
	}
	return 0;
}
