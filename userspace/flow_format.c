// SPDX-License-Identifier: GPL-2.0
/* Text and JSON renderings of flows; no I/O beyond the FILE handed in, so
 * every function is unit-tested. */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "flow_format.h"

const char *tapio_proto_name(__u8 proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	case IPPROTO_ICMP:
		return "icmp";
	case IPPROTO_ICMPV6:
		return "icmpv6";
	case IPPROTO_SCTP:
		return "sctp";
	case IPPROTO_GRE:
		return "gre";
	case IPPROTO_ESP:
		return "esp";
	case IPPROTO_AH:
		return "ah";
	default:
		return NULL;
	}
}

const char *tapio_dir_name(__u8 dir)
{
	return dir == TAPIO_DIR_EGRESS ? "egress" : "ingress";
}

static int is_v4_mapped(const __u8 a[16])
{
	static const __u8 prefix[12] = {0, 0, 0, 0, 0,	  0,
					0, 0, 0, 0, 0xff, 0xff};

	return !memcmp(a, prefix, sizeof(prefix));
}

void tapio_format_addr(const __u8 addr[16], char *buf, size_t len)
{
	if (is_v4_mapped(addr))
		inet_ntop(AF_INET, addr + 12, buf, len);
	else
		inet_ntop(AF_INET6, addr, buf, len);
}

void tapio_format_tcp_flags(__u8 flags, char *buf)
{
	static const char names[] = "CEUAPRSF";
	int i;

	for (i = 0; i < 8; i++)
		buf[i] = flags & (0x80 >> i) ? names[i] : '.';
	buf[8] = '\0';
}

static void format_scaled(__u64 v, char *buf, size_t len, unsigned int base,
			  const char *const *units, const char *plain)
{
	double d = (double)v;
	int u = 0;

	if (v < base) {
		snprintf(buf, len, "%llu%s", (unsigned long long)v, plain);
		return;
	}
	while (d >= base && units[u + 1]) {
		d /= base;
		u++;
	}
	snprintf(buf, len, "%.1f%s", d, units[u]);
}

void tapio_format_count(__u64 v, char *buf, size_t len)
{
	static const char *const units[] = {"", "k", "M", "G", "T", "P", NULL};

	format_scaled(v, buf, len, 1000, units, "");
}

void tapio_format_bytes(__u64 v, char *buf, size_t len)
{
	static const char *const units[] = {"B",   "KiB", "MiB", "GiB",
					    "TiB", "PiB", NULL};

	format_scaled(v, buf, len, 1024, units, "B");
}

int tapio_json_string(char *buf, size_t len, const char *s)
{
	size_t o = 0;

#define PUT(c)                                                                 \
	do {                                                                   \
		if (o + 1 >= len)                                              \
			return -ENOSPC;                                        \
		buf[o++] = (c);                                                \
	} while (0)
	PUT('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			PUT('\\');
			PUT(c);
		} else if (c < 0x20) {
			if (o + 7 >= len)
				return -ENOSPC;
			o += snprintf(buf + o, len - o, "\\u%04x", c);
		} else {
			PUT(c);
		}
	}
	PUT('"');
#undef PUT
	buf[o] = '\0';
	return (int)o;
}

__s64 tapio_mono_to_real_ns(void)
{
	struct timespec m, r;

	clock_gettime(CLOCK_MONOTONIC, &m);
	clock_gettime(CLOCK_REALTIME, &r);
	return ((__s64)r.tv_sec - m.tv_sec) * 1000000000LL +
	       ((__s64)r.tv_nsec - m.tv_nsec);
}

int tapio_flow_json(const struct tapio_flow *f, const char *ifname,
		    __s64 mono_to_real_ns, char *buf, size_t len)
{
	const struct tapio_flow_key *k = &f->key;
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN], flags[9];
	char name[64], proto_buf[8];
	const char *proto = tapio_proto_name(k->protocol);
	int icmp = k->protocol == IPPROTO_ICMP || k->protocol == IPPROTO_ICMPV6;
	int n;

	tapio_format_addr(k->src_addr, src, sizeof(src));
	tapio_format_addr(k->dst_addr, dst, sizeof(dst));
	tapio_format_tcp_flags(f->val.tcp_flags, flags);
	if (!proto) {
		snprintf(proto_buf, sizeof(proto_buf), "%u", k->protocol);
		proto = proto_buf;
	}
	if (tapio_json_string(name, sizeof(name), ifname ? ifname : "") < 0)
		return -ENOSPC;
	n = snprintf(buf, len,
		     "{\"ifindex\":%u,\"ifname\":%s,\"direction\":\"%s\","
		     "\"vlan\":%u,\"vlan_inner\":%u,\"ip_version\":%u,"
		     "\"protocol\":\"%s\",\"protocol_number\":%u,"
		     "\"src\":\"%s\",\"dst\":\"%s\",\"src_port\":%u,"
		     "\"dst_port\":%u,",
		     k->ifindex, name, tapio_dir_name(k->direction),
		     k->vlan_outer, k->vlan_inner, k->ip_version, proto,
		     k->protocol, src, dst, k->src_port, k->dst_port);
	if (n < 0 || (size_t)n >= len)
		return -ENOSPC;
	if (icmp)
		n += snprintf(buf + n, len - n,
			      "\"icmp_type\":%u,\"icmp_code\":%u,", k->src_port,
			      k->dst_port);
	if ((size_t)n >= len)
		return -ENOSPC;
	n += snprintf(buf + n, len - n,
		      "\"fragment\":%s,\"packets\":%llu,\"bytes\":%llu,"
		      "\"tcp_flags\":\"%s\",\"first_seen_ns\":%lld,"
		      "\"last_seen_ns\":%lld}",
		      k->flags & TAPIO_FLOW_F_FRAGMENT ? "true" : "false",
		      (unsigned long long)f->val.packets,
		      (unsigned long long)f->val.bytes, flags,
		      (long long)(f->val.first_seen_ns + mono_to_real_ns),
		      (long long)(f->val.last_seen_ns + mono_to_real_ns));
	if ((size_t)n >= len)
		return -ENOSPC;
	return n;
}

void tapio_flow_table_header(FILE *out, int w)
{
	fprintf(out, "%-7s %-6s %-5s %-*s %-*s %8s %9s %8s\n", "DIR", "PROTO",
		"VLAN", w, "SOURCE", w, "DESTINATION", "PACKETS", "BYTES",
		"FLAGS");
}

static void format_endpoint(const __u8 addr[16], __u16 port, int v6, int ports,
			    char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	tapio_format_addr(addr, a, sizeof(a));
	if (!ports)
		snprintf(buf, len, "%s", a);
	else if (v6)
		snprintf(buf, len, "[%s]:%u", a, port);
	else
		snprintf(buf, len, "%s:%u", a, port);
}

/* Source and destination as the table shows them. */
static void format_endpoints(const struct tapio_flow_key *k, char *src,
			     char *dst, size_t len)
{
	int icmp = k->protocol == IPPROTO_ICMP || k->protocol == IPPROTO_ICMPV6;
	int ports = k->protocol == IPPROTO_TCP || k->protocol == IPPROTO_UDP ||
		    k->protocol == IPPROTO_SCTP;

	if (k->flags & TAPIO_FLOW_F_FRAGMENT)
		ports = 0;
	format_endpoint(k->src_addr, k->src_port, k->ip_version == 6, ports,
			src, len);
	format_endpoint(k->dst_addr, k->dst_port, k->ip_version == 6, ports,
			dst, len);
	if (icmp) {
		size_t l = strlen(dst);

		snprintf(dst + l, len - l, " type %u/%u", k->src_port,
			 k->dst_port);
	}
}

int tapio_flow_table_width(const struct tapio_flow *flows, size_t n)
{
	char src[64], dst[64];
	int w = 11; /* "DESTINATION" */
	size_t i;

	for (i = 0; i < n; i++) {
		format_endpoints(&flows[i].key, src, dst, sizeof(src));
		if ((int)strlen(src) > w)
			w = (int)strlen(src);
		if ((int)strlen(dst) > w)
			w = (int)strlen(dst);
	}
	return w;
}

void tapio_flow_table_row(FILE *out, const struct tapio_flow *f, int w)
{
	const struct tapio_flow_key *k = &f->key;
	char src[64], dst[64], pk[16], by[16], fl[9], proto[16], vlan[16];
	const char *pn = tapio_proto_name(k->protocol);
	const char *frag = k->flags & TAPIO_FLOW_F_FRAGMENT ? "*" : "";

	format_endpoints(k, src, dst, sizeof(src));
	if (pn)
		snprintf(proto, sizeof(proto), "%s%s", pn, frag);
	else
		snprintf(proto, sizeof(proto), "%u%s", k->protocol, frag);
	if (k->vlan_inner)
		snprintf(vlan, sizeof(vlan), "%u.%u", k->vlan_outer,
			 k->vlan_inner);
	else if (k->vlan_outer)
		snprintf(vlan, sizeof(vlan), "%u", k->vlan_outer);
	else
		snprintf(vlan, sizeof(vlan), "-");
	tapio_format_count(f->val.packets, pk, sizeof(pk));
	tapio_format_bytes(f->val.bytes, by, sizeof(by));
	tapio_format_tcp_flags(f->val.tcp_flags, fl);
	fprintf(out, "%-7s %-6s %-5s %-*s %-*s %8s %9s %8s\n",
		tapio_dir_name(k->direction), proto, vlan, w, src, w, dst, pk,
		by, k->protocol == IPPROTO_TCP ? fl : "");
}
