// SPDX-License-Identifier: GPL-2.0
/* bench/flow_json_bench: ended-flow JSON lines formatted per second by the
 * JSON writer, next to a printf formatter of the same fields (the way the
 * records were written before the writer), in the same run. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "export/flow_json.h"
#include "lib/flow_format.h"

#define RECORDS 2000000

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The reference: one snprintf over every field, as a printf writer would. */
static int ref_json(const struct tapio_flow *f, const char *ifname,
		    long long off, char *buf, size_t len)
{
	const struct tapio_flow_key *k = &f->key;
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN], flags[9];

	tapio_format_addr(k->src_addr, src, sizeof(src));
	tapio_format_addr(k->dst_addr, dst, sizeof(dst));
	tapio_format_tcp_flags(f->val.tcp_flags, flags);
	return snprintf(
		buf, len,
		"{\"ifindex\":%u,\"ifname\":\"%s\",\"direction\":\"%s\","
		"\"vlan\":%u,\"vlan_inner\":%u,\"ip_version\":%u,"
		"\"protocol\":\"%s\",\"protocol_number\":%u,\"src\":\"%s\","
		"\"dst\":\"%s\",\"src_port\":%u,\"dst_port\":%u,"
		"\"fragment\":false,\"packets\":%llu,\"bytes\":%llu,"
		"\"tcp_flags\":\"%s\",\"first_seen_ns\":%lld,"
		"\"last_seen_ns\":%lld,\"end_reason\":\"idle\"}",
		k->ifindex, ifname, tapio_dir_name(k->direction), k->vlan_outer,
		k->vlan_inner, k->ip_version, tapio_proto_name(k->protocol),
		k->protocol, src, dst, k->src_port, k->dst_port,
		(unsigned long long)f->val.packets,
		(unsigned long long)f->val.bytes, flags,
		(long long)f->val.first_seen_ns + off,
		(long long)f->val.last_seen_ns + off);
}

static int writer_json(const struct tapio_flow *f, const char *ifname,
		       long long off, char *buf, size_t len)
{
	struct tapio_json j;

	tapio_json_init(&j, buf, len);
	tapio_json_object(&j, NULL);
	tapio_flow_json_members(&j, f, ifname, off);
	tapio_json_str(&j, "end_reason", "idle");
	tapio_json_object_end(&j);
	return tapio_json_finish(&j);
}

int main(void)
{
	static struct tapio_flow f[256];
	char line[TAPIO_FLOW_JSON_MAX];
	double t0, rate_w, rate_r;
	long long off = 1795422700000000000LL, sum = 0;
	int i;

	for (i = 0; i < 256; i++) {
		f[i].key.ifindex = 7;
		f[i].key.ip_version = 4;
		f[i].key.protocol = i & 1 ? IPPROTO_UDP : IPPROTO_TCP;
		f[i].key.src_addr[10] = f[i].key.src_addr[11] = 0xff;
		f[i].key.src_addr[12] = 198;
		f[i].key.src_addr[15] = (unsigned char)i;
		memcpy(f[i].key.dst_addr, f[i].key.src_addr, 16);
		f[i].key.dst_addr[15] = 1;
		f[i].key.src_port = (unsigned short)(1024 + i * 97);
		f[i].key.dst_port = 443;
		f[i].val.packets = 1000ull * (unsigned)i + 3;
		f[i].val.bytes = 1400ull * f[i].val.packets;
		f[i].val.first_seen_ns = 123456789ull * (unsigned)i;
		f[i].val.last_seen_ns = f[i].val.first_seen_ns + 999;
	}
	t0 = now_s();
	for (i = 0; i < RECORDS; i++)
		sum += writer_json(&f[i & 255], "tp-bench", off, line,
				   sizeof(line));
	rate_w = RECORDS / (now_s() - t0);
	t0 = now_s();
	for (i = 0; i < RECORDS; i++)
		sum += ref_json(&f[i & 255], "tp-bench", off, line,
				sizeof(line));
	rate_r = RECORDS / (now_s() - t0);
	printf("bench: flow_json_writer %.0f records/s\n", rate_w);
	printf("bench: flow_json_printf_ref %.0f records/s\n", rate_r);
	printf("bench: flow_json_writer_vs_printf %.2f ratio\n",
	       rate_w / rate_r);
	return sum > 0 ? 0 : 1;
}
