// SPDX-License-Identifier: GPL-2.0
/* The capture/steering filter grammar: a few pcap-like words AND-ed into the
 * tapio_capture_filter that tapio_xdp evaluates per frame. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include "lib/capture_filter.h"
#include "lib/log.h"

static int parse_num(const char *word, const char *s, unsigned long max,
		     unsigned long *out)
{
	char *end;

	if (!s) {
		pr_err("invalid filter: '%s' needs a value", word);
		return -EINVAL;
	}
	errno = 0;
	*out = strtoul(s, &end, 10);
	if (*end || errno || *out > max || (*s < '0' || *s > '9')) {
		pr_err("invalid filter: '%s %s': expected a number up to %lu",
		       word, s, max);
		return -EINVAL;
	}
	return 0;
}

int tapio_prefix_parse(const char *s, struct tapio_prefix *p)
{
	char buf[64], *slash, *end;
	unsigned long plen;
	int v6, i;

	if (!s || strlen(s) >= sizeof(buf))
		return -EINVAL;
	snprintf(buf, sizeof(buf), "%s", s);
	slash = strchr(buf, '/');
	if (slash)
		*slash++ = '\0';
	v6 = strchr(buf, ':') != NULL;
	memset(p, 0, sizeof(*p));
	if (v6 && inet_pton(AF_INET6, buf, p->addr) != 1)
		return -EINVAL;
	if (!v6) {
		p->addr[10] = p->addr[11] = 0xff;
		if (inet_pton(AF_INET, buf, p->addr + 12) != 1)
			return -EINVAL;
	}
	plen = v6 ? 128 : 32;
	if (slash) {
		errno = 0;
		plen = strtoul(slash, &end, 10);
		if (*end || errno || *slash < '0' || *slash > '9' ||
		    plen > (v6 ? 128u : 32u))
			return -EINVAL;
	}
	p->len = (__u8)(v6 ? plen : plen + 96);
	for (i = p->len; i < 128; i++) /* the bits past the prefix */
		p->addr[i / 8] &= (__u8) ~(0x80 >> (i % 8));
	return 0;
}

/* "198.18.1.0/24", "2001:db8::/32", or a host address */
static int parse_prefix(const char *word, const char *s, int host,
			struct tapio_capture_filter *f)
{
	struct tapio_prefix p;

	if (!s) {
		pr_err("invalid filter: '%s' needs an address", word);
		return -EINVAL;
	}
	if (host && strchr(s, '/')) {
		pr_err("invalid filter: 'host %s': use 'net' for a prefix", s);
		return -EINVAL;
	}
	if (tapio_prefix_parse(s, &p)) {
		pr_err("invalid filter: '%s %s': not an IPv4 or IPv6 address "
		       "or prefix (/0-32, /0-128)",
		       word, s);
		return -EINVAL;
	}
	memcpy(f->addr, p.addr, sizeof(f->addr));
	f->prefix_len = p.len;
	return 0;
}

int tapio_capture_filter_parse(const char *expr, struct tapio_capture_filter *f)
{
	static const struct {
		const char *name;
		__u8 proto;
	} protos[] = {{"tcp", IPPROTO_TCP},
		      {"udp", IPPROTO_UDP},
		      {"icmp", IPPROTO_ICMP},
		      {"icmpv6", IPPROTO_ICMPV6},
		      {"sctp", IPPROTO_SCTP}};
	char *copy, *save = NULL, *w;
	unsigned long v;
	size_t i;
	int err = 0;

	memset(f, 0, sizeof(*f));
	if (!expr)
		return 0;
	copy = strdup(expr);
	if (!copy)
		return -ENOMEM;
	for (w = strtok_r(copy, " \t", &save); w && !err;
	     w = strtok_r(NULL, " \t", &save)) {
		for (i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
			if (!strcmp(w, protos[i].name))
				break;
		if (i < sizeof(protos) / sizeof(protos[0])) {
			if (f->proto && f->proto != protos[i].proto) {
				pr_err("invalid filter: '%s' conflicts with an "
				       "earlier protocol",
				       w);
				err = -EINVAL;
			}
			f->proto = protos[i].proto;
		} else if (!strcmp(w, "and") || !strcmp(w, "ip")) {
			/* AND is implied; "ip" only requires an IP frame */
		} else if (!strcmp(w, "proto")) {
			err = parse_num(w, strtok_r(NULL, " \t", &save), 255,
					&v);
			f->proto = (__u8)v;
		} else if (!strcmp(w, "port")) {
			err = parse_num(w, strtok_r(NULL, " \t", &save), 65535,
					&v);
			if (!err && !v) {
				pr_err("invalid filter: 'port 0'");
				err = -EINVAL;
			}
			f->port = (__u16)v;
		} else if (!strcmp(w, "host") || !strcmp(w, "net")) {
			err = parse_prefix(w, strtok_r(NULL, " \t", &save),
					   w[0] == 'h', f);
		} else {
			pr_err("invalid filter: unknown word '%s' (expected "
			       "tcp, udp, icmp, icmpv6, sctp, proto N, port N, "
			       "host IP, net CIDR, ip)",
			       w);
			err = -EINVAL;
		}
		f->ip_only = 1;
	}
	free(copy);
	return err;
}
