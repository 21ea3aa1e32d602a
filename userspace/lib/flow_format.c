// SPDX-License-Identifier: GPL-2.0
/* Text and JSON renderings of flows; no I/O beyond the FILE handed in, so
 * every function is unit-tested. */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "lib/flow_format.h"

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
