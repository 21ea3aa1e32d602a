// SPDX-License-Identifier: GPL-2.0
/* Validation of command-line values shared by every subcommand.  Pure
 * functions apart from the device and capability look-ups, so unit-tested. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <netdb.h>
#include <net/if.h>
#include <arpa/inet.h>
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

const char *tapio_printable(const char *in, char *out, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	if (!len)
		return out;
	/* room for an escape, then "..." and the NUL */
	for (; *in && o + 8 <= len; in++) {
		unsigned char c = (unsigned char)*in;

		if (c >= 0x20 && c < 0x7f && c != '\\') {
			out[o++] = (char)c;
			continue;
		}
		out[o++] = '\\';
		out[o++] = 'x';
		out[o++] = hex[c >> 4];
		out[o++] = hex[c & 15];
	}
	if (*in && o + 4 <= len) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
	return out;
}

/* The kernel's own rule (dev_valid_name): the name also becomes a path
 * under /sys/fs/bpf/tapio and /run/tapio, so it is checked before any use. */
int tapio_check_dev_name(const char *dev)
{
	char shown[64];
	const char *c;

	if (!dev || !*dev) {
		pr_err("missing device name");
		return -EINVAL;
	}
	for (c = dev; *c; c++)
		if (*c == '/' || *c == ':' || isspace((unsigned char)*c))
			break;
	if (strlen(dev) >= IFNAMSIZ || *c || !strcmp(dev, ".") ||
	    !strcmp(dev, "..")) {
		pr_err("invalid device name '%s'",
		       tapio_printable(dev, shown, sizeof(shown)));
		return -EINVAL;
	}
	return 0;
}

int tapio_parse_dev(const char *dev, unsigned int *ifindex)
{
	int err = tapio_check_dev_name(dev);

	if (err)
		return err;
	*ifindex = if_nametoindex(dev);
	if (!*ifindex) {
		pr_err("device '%s' not found: %s", dev, strerror(errno));
		return -ENODEV;
	}
	return 0;
}

/* PORT of "HOST:PORT": 1..65535, or a service name /etc/services knows */
static bool port_ok(const char *port)
{
	unsigned long n;
	char *end;

	if (!*port)
		return false;
	if (isdigit((unsigned char)*port)) {
		n = strtoul(port, &end, 10);
		return !*end && n >= 1 && n <= 65535;
	}
	return getservbyname(port, NULL) != NULL;
}

int tapio_parse_listen(const char *name, const char *v, struct sockaddr_in *sa)
{
	const char *colon = strrchr(v, ':');
	char host[INET_ADDRSTRLEN], shown[64];
	unsigned long port = 0;
	char *end = NULL;

	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	if (colon && isdigit((unsigned char)colon[1]))
		port = strtoul(colon + 1, &end, 10);
	if (!colon || (size_t)(colon - v) >= sizeof(host) || !end || *end ||
	    port < 1 || port > 65535)
		goto bad;
	sa->sin_port = htons((unsigned short)port);
	snprintf(host, sizeof(host), "%.*s", (int)(colon - v), v);
	if (!host[0]) {
		sa->sin_addr.s_addr = htonl(INADDR_ANY);
		return 0;
	}
	if (inet_pton(AF_INET, host, &sa->sin_addr) == 1)
		return 0;
bad:
	pr_err("invalid %s '%s': expected IPV4:PORT or :PORT (all addresses), "
	       "PORT 1..65535",
	       name, tapio_printable(v, shown, sizeof(shown)));
	return -EINVAL;
}

int tapio_check_listen(const char *name, const char *v)
{
	struct sockaddr_in sa;

	return tapio_parse_listen(name, v, &sa);
}

int tapio_check_collectors(const char *name, const char *v)
{
	char *copy = strdup(v), *save = NULL, *t, *colon, shown[64];
	int n = 0, err = 0;

	if (!copy)
		return -ENOMEM;
	for (t = strtok_r(copy, ", ", &save); t && !err;
	     t = strtok_r(NULL, ", ", &save), n++) {
		colon = strrchr(t, ':');
		if (!colon || colon == t || !port_ok(colon + 1)) {
			pr_err("invalid %s '%s': expected "
			       "HOST:PORT[,HOST:PORT...]",
			       name, tapio_printable(t, shown, sizeof(shown)));
			err = -EINVAL;
		}
	}
	if (!n && !err) {
		pr_err("invalid %s '': expected HOST:PORT (or none)", name);
		err = -EINVAL;
	}
	free(copy);
	return err;
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
