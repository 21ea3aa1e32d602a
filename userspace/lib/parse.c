// SPDX-License-Identifier: GPL-2.0
/* Validation of command-line values shared by every subcommand.  Pure
 * functions apart from the device look-ups, so unit-tested. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <netdb.h>
#include <net/if.h>
#include <arpa/inet.h>

#include "lib/parse.h"
#include "lib/log.h"
#include "lib/netns.h"

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

/* The kernel's own rule (dev_valid_name) for one name: it also becomes
 * part of a path under /sys/fs/bpf/tapio and /run/tapio. */
static bool valid_name(const char *name, size_t max, const char *stop)
{
	const char *c;
	size_t n;

	for (c = name; *c && c != stop; c++)
		if (*c == '/' || (*c == ':' && !stop) ||
		    isspace((unsigned char)*c))
			return false;
	n = (size_t)(c - name);
	return n && n < max && !(n == 1 && name[0] == '.') &&
	       !(n == 2 && name[0] == '.' && name[1] == '.');
}

/* A link's name, or "NETNS:IFNAME" for one in another network namespace
 * (lib/netns.h), checked before any use. */
int tapio_check_dev_name(const char *dev)
{
	const char *colon = dev ? strrchr(dev, ':') : NULL;
	char shown[64];

	if (!dev || !*dev) {
		pr_err("missing device name");
		return -EINVAL;
	}
	if (!valid_name(colon ? colon + 1 : dev, IFNAMSIZ, NULL) ||
	    (colon && !valid_name(dev, TAPIO_NETNS_MAX, colon))) {
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
	*ifindex = if_nametoindex(tapio_dev_ifname(dev));
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

/* "HOST:PORT" into @host and @port: HOST may be empty, an IPv4 address,
 * a host name, or an IPv6 address in brackets; PORT 1..65535. */
static int split_listen(const char *v, char *host, size_t hlen,
			unsigned short *port)
{
	const char *colon = strrchr(v, ':'), *h = v;
	unsigned long p = 0;
	size_t n, i;
	char *end = NULL;

	if (!colon || !isdigit((unsigned char)colon[1]))
		return -EINVAL;
	p = strtoul(colon + 1, &end, 10);
	if (*end || p < 1 || p > 65535)
		return -EINVAL;
	n = (size_t)(colon - v);
	if (n && v[0] == '[') { /* [IPV6] */
		if (v[n - 1] != ']' || n < 3)
			return -EINVAL;
		h = v + 1;
		n -= 2;
	} else {
		for (i = 0; i < n; i++) /* a name or IPv4: no ':' in it */
			if (!isalnum((unsigned char)v[i]) && v[i] != '.' &&
			    v[i] != '-')
				return -EINVAL;
	}
	if (n >= hlen)
		return -EINVAL;
	snprintf(host, hlen, "%.*s", (int)n, h);
	*port = (unsigned short)p;
	return 0;
}

static int bad_listen(const char *name, const char *v)
{
	char shown[64];

	pr_err("invalid %s '%s': expected IPV4:PORT, [IPV6]:PORT, HOST:PORT or "
	       ":PORT (all IPv4 addresses; [::]:PORT for IPv6 too), PORT "
	       "1..65535",
	       name, tapio_printable(v, shown, sizeof(shown)));
	return -EINVAL;
}

int tapio_parse_listen(const char *name, const char *v,
		       struct sockaddr_storage *ss, socklen_t *len)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
	struct sockaddr_in *in = (struct sockaddr_in *)ss;
	char host[256], shown[64];
	unsigned short port;
	int err;

	memset(ss, 0, sizeof(*ss));
	if (split_listen(v, host, sizeof(host), &port))
		return bad_listen(name, v);
	if (!host[0]) {
		in->sin_family = AF_INET;
		in->sin_addr.s_addr = htonl(INADDR_ANY);
		in->sin_port = htons(port);
		*len = sizeof(*in);
		return 0;
	}
	/* digits and dots are an IPv4 address or nothing ("1.2.3" is not
	 * the 1.2.0.3 that getaddrinfo, like inet_aton, would make of it) */
	if (strspn(host, "0123456789.") == strlen(host)) {
		if (inet_pton(AF_INET, host, &in->sin_addr) != 1)
			return bad_listen(name, v);
		in->sin_family = AF_INET;
		in->sin_port = htons(port);
		*len = sizeof(*in);
		return 0;
	}
	if (v[0] == '[') {
		hints.ai_family = AF_INET6;
		hints.ai_flags = AI_NUMERICHOST;
	}
	err = getaddrinfo(host, NULL, &hints, &res);
	if (err == EAI_NONAME && v[0] == '[')
		return bad_listen(name, v);
	if (err || !res || res->ai_addrlen > sizeof(*ss)) {
		pr_err("invalid %s '%s': cannot resolve '%s': %s", name,
		       tapio_printable(v, shown, sizeof(shown)), host,
		       err ? gai_strerror(err) : "no address");
		if (res)
			freeaddrinfo(res);
		return -EINVAL;
	}
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*len = res->ai_addrlen;
	freeaddrinfo(res);
	if (ss->ss_family == AF_INET6)
		((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
	else
		in->sin_port = htons(port);
	return 0;
}

/* The syntax only: a host name is resolved when the endpoint starts. */
int tapio_check_listen(const char *name, const char *v)
{
	struct in6_addr a6;
	struct in_addr a4;
	unsigned short port;
	char host[256];

	if (split_listen(v, host, sizeof(host), &port))
		return bad_listen(name, v);
	if (v[0] == '[' && inet_pton(AF_INET6, host, &a6) != 1)
		return bad_listen(name, v);
	if (v[0] != '[' && host[0] &&
	    strspn(host, "0123456789.") == strlen(host) &&
	    inet_pton(AF_INET, host, &a4) != 1)
		return bad_listen(name, v);
	return 0;
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
