// SPDX-License-Identifier: GPL-2.0
/* Flow records as JSON, through the one JSON writer: the hot path of the
 * JSON lines export, so no printf per field. */
#include <arpa/inet.h>
#include <math.h>
#include <netinet/in.h>

#include "export/flow_json.h"
#include "lib/flow_format.h"
#include "tapio/flow.h"

void tapio_flow_json_members(struct tapio_json *j, const struct tapio_flow *f,
			     const char *ifname, __s64 mono_to_real_ns)
{
	const struct tapio_flow_key *k = &f->key;
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN], flags[9];
	const char *proto = tapio_proto_name(k->protocol);
	char proto_buf[4], *p = proto_buf + sizeof(proto_buf);
	__u8 n = k->protocol;

	tapio_format_addr(k->src_addr, src, sizeof(src));
	tapio_format_addr(k->dst_addr, dst, sizeof(dst));
	tapio_format_tcp_flags(f->val.tcp_flags, flags);
	if (!proto) { /* other protocols by number, as a string */
		*--p = '\0';
		do {
			*--p = (char)('0' + n % 10);
			n /= 10;
		} while (n);
		proto = p;
	}
	tapio_json_u64(j, "ifindex", k->ifindex);
	tapio_json_str(j, "ifname", ifname ? ifname : "");
	tapio_json_str(j, "direction", tapio_dir_name(k->direction));
	tapio_json_u64(j, "vlan", k->vlan_outer);
	tapio_json_u64(j, "vlan_inner", k->vlan_inner);
	tapio_json_u64(j, "ip_version", k->ip_version);
	tapio_json_str(j, "protocol", proto);
	tapio_json_u64(j, "protocol_number", k->protocol);
	tapio_json_str(j, "src", src);
	tapio_json_str(j, "dst", dst);
	tapio_json_u64(j, "src_port", k->src_port);
	tapio_json_u64(j, "dst_port", k->dst_port);
	if (k->protocol == IPPROTO_ICMP || k->protocol == IPPROTO_ICMPV6) {
		tapio_json_u64(j, "icmp_type", k->src_port);
		tapio_json_u64(j, "icmp_code", k->dst_port);
	}
	tapio_json_bool(j, "fragment", k->flags & TAPIO_FLOW_F_FRAGMENT);
	tapio_json_u64(j, "packets", f->val.packets);
	tapio_json_u64(j, "bytes", f->val.bytes);
	tapio_json_str(j, "tcp_flags", flags);
	tapio_json_s64(j, "first_seen_ns",
		       (__s64)f->val.first_seen_ns + mono_to_real_ns);
	tapio_json_s64(j, "last_seen_ns",
		       (__s64)f->val.last_seen_ns + mono_to_real_ns);
}

/*
 * A kept frame stands for n (Horvitz-Thompson): the estimate P of a flow's
 * packets has variance n (n - 1) k over its k frames kept at random, that
 * is at most (n - 1) P (frames always kept add nothing); bytes likewise
 * for frames of the flow's mean size, (n - 1) B^2 / P.
 */
void tapio_flow_json_sampling(struct tapio_json *j, const struct tapio_flow *f,
			      __u32 n)
{
	double p = (double)f->val.packets, b = (double)f->val.bytes;

	tapio_json_u64(j, "sampling_1_in", n);
	tapio_json_u64(j, "packets_ci95",
		       (__u64)(1.96 * sqrt((n - 1) * p) + 0.5));
	tapio_json_u64(j, "bytes_ci95",
		       p > 0 ? (__u64)(1.96 * b * sqrt((n - 1) / p) + 0.5) : 0);
}

int tapio_flow_json(const struct tapio_flow *f, const char *ifname,
		    __s64 mono_to_real_ns, char *buf, size_t len)
{
	struct tapio_json j;

	tapio_json_init(&j, buf, len);
	tapio_json_object(&j, NULL);
	tapio_flow_json_members(&j, f, ifname, mono_to_real_ns);
	tapio_json_object_end(&j);
	return tapio_json_finish(&j);
}
