// SPDX-License-Identifier: GPL-2.0
/* Unit tests of flow output: per-CPU sums, sorting, addresses, units, the
 * table row and the exact JSON line. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <cmocka.h>

#include "lib/flow_dump.h"
#include "export/flow_json.h"
#include "lib/flow_format.h"

static void key_v4(struct tapio_flow_key *k, const char *src, const char *dst)
{
	memset(k, 0, sizeof(*k));
	k->src_addr[10] = k->src_addr[11] = 0xff;
	k->dst_addr[10] = k->dst_addr[11] = 0xff;
	inet_pton(AF_INET, src, k->src_addr + 12);
	inet_pton(AF_INET, dst, k->dst_addr + 12);
	k->ip_version = 4;
}

static void test_percpu_sum(void **state)
{
	/* stride larger than the struct, as with the kernel's rounding */
	struct {
		struct tapio_flow_value v;
		__u64 pad;
	} cpus[5] = {
		{.v = {3, 300, 50, 90, 0x02}},
		{.v = {0, 0, 0, 0, 0}}, /* never saw it: ignored for time */
		{.v = {2, 100, 40, 70, 0x10}},
		{.v = {1, 60, 60, 95, 0x01}},
		{.v = {1, 10, 0, 80, 0}}, /* unstamped: not "seen at boot" */
	};
	struct tapio_flow_value out;

	(void)state;
	tapio_percpu_sum(cpus, 5, sizeof(cpus[0]), &out);
	assert_int_equal(out.packets, 7);
	assert_int_equal(out.bytes, 470);
	assert_int_equal(out.first_seen_ns, 40);
	assert_int_equal(out.last_seen_ns, 95);
	assert_int_equal(out.tcp_flags, 0x13);
}

static void test_counters_sum(void **state)
{
	struct tapio_dir_counters c[3], out;

	(void)state;
	memset(c, 0, sizeof(c));
	c[0].c[TAPIO_CNT_SEEN_PKTS] = 5;
	c[2].c[TAPIO_CNT_SEEN_PKTS] = 7;
	c[1].c[TAPIO_CNT_TRUNCATED_L4] = 2;
	tapio_counters_sum(c, 3, sizeof(c[0]), &out);
	assert_int_equal(out.c[TAPIO_CNT_SEEN_PKTS], 12);
	assert_int_equal(out.c[TAPIO_CNT_TRUNCATED_L4], 2);
}

static void test_sort_top(void **state)
{
	struct tapio_flow f[3];

	(void)state;
	memset(f, 0, sizeof(f));
	f[0].val.packets = 10, f[0].val.bytes = 100;
	f[1].val.packets = 1, f[1].val.bytes = 1500;
	f[2].val.packets = 5, f[2].val.bytes = 500;
	tapio_flows_sort(f, 3, TAPIO_SORT_BYTES);
	assert_int_equal(f[0].val.bytes, 1500);
	assert_int_equal(f[2].val.bytes, 100);
	tapio_flows_sort(f, 3, TAPIO_SORT_PACKETS);
	assert_int_equal(f[0].val.packets, 10);
	assert_int_equal(f[1].val.packets, 5);
}

static void test_addr_and_units(void **state)
{
	struct tapio_flow_key k;
	char buf[64];

	(void)state;
	key_v4(&k, "198.18.1.2", "198.18.1.1");
	tapio_format_addr(k.src_addr, buf, sizeof(buf));
	assert_string_equal(buf, "198.18.1.2");
	memset(k.src_addr, 0, 16);
	inet_pton(AF_INET6, "2001:db8::5", k.src_addr);
	tapio_format_addr(k.src_addr, buf, sizeof(buf));
	assert_string_equal(buf, "2001:db8::5");
	tapio_format_bytes(1023, buf, sizeof(buf));
	assert_string_equal(buf, "1023B");
	tapio_format_bytes(1536, buf, sizeof(buf));
	assert_string_equal(buf, "1.5KiB");
	tapio_format_bytes(3ULL << 30, buf, sizeof(buf));
	assert_string_equal(buf, "3.0GiB");
	tapio_format_count(999, buf, sizeof(buf));
	assert_string_equal(buf, "999");
	tapio_format_count(1250000, buf, sizeof(buf));
	assert_string_equal(buf, "1.2M");
	tapio_format_tcp_flags(0x12, buf);
	assert_string_equal(buf, "...A..S.");
	tapio_format_tcp_flags(0xff, buf);
	assert_string_equal(buf, "CEUAPRSF");
}

static void test_json_line(void **state)
{
	struct tapio_flow f;
	char buf[1024];
	int n;

	(void)state;
	memset(&f, 0, sizeof(f));
	key_v4(&f.key, "198.18.1.2", "198.18.1.1");
	f.key.ifindex = 7;
	f.key.protocol = IPPROTO_UDP;
	f.key.src_port = 4000;
	f.key.dst_port = 9000;
	f.key.vlan_outer = 100;
	f.val.packets = 50;
	f.val.bytes = 7100;
	f.val.first_seen_ns = 1000;
	f.val.last_seen_ns = 2000;
	n = tapio_flow_json(&f, "tp-\"x", 5, buf, sizeof(buf));
	assert_true(n > 0);
	assert_string_equal(
		buf,
		"{\"ifindex\":7,\"ifname\":\"tp-\\\"x\",\"direction\":"
		"\"ingress\",\"vlan\":100,\"vlan_inner\":0,\"ip_version\":4,"
		"\"protocol\":\"udp\",\"protocol_number\":17,\"src\":"
		"\"198.18.1.2\",\"dst\":\"198.18.1.1\",\"src_port\":4000,"
		"\"dst_port\":9000,\"fragment\":false,\"packets\":50,"
		"\"bytes\":7100,\"tcp_flags\":\"........\","
		"\"first_seen_ns\":1005,\"last_seen_ns\":2005}");
	f.key.protocol = IPPROTO_ICMP;
	f.key.src_port = 8;
	f.key.dst_port = 0;
	f.key.direction = TAPIO_DIR_EGRESS;
	n = tapio_flow_json(&f, "d", 0, buf, sizeof(buf));
	assert_true(n > 0);
	assert_non_null(strstr(buf, "\"icmp_type\":8,\"icmp_code\":0,"));
	assert_non_null(strstr(buf, "\"direction\":\"egress\""));
	assert_int_equal(tapio_flow_json(&f, "d", 0, buf, 40), -ENOSPC);
}

static void test_json_escape(void **state)
{
	char buf[32];

	(void)state;
	assert_int_equal(tapio_json_string(buf, sizeof(buf), "a\\b\n"), 12);
	assert_string_equal(buf, "\"a\\\\b\\u000a\"");
	assert_int_equal(tapio_json_string(buf, 4, "abcdef"), -ENOSPC);
}

static void test_table_row(void **state)
{
	struct tapio_flow f;
	char *out = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&out, &len);

	(void)state;
	memset(&f, 0, sizeof(f));
	key_v4(&f.key, "10.0.0.1", "10.0.0.2");
	f.key.protocol = IPPROTO_TCP;
	f.key.src_port = 1;
	f.key.dst_port = 2;
	f.key.vlan_outer = 10;
	f.key.vlan_inner = 20;
	f.val.packets = 2500;
	f.val.bytes = 2048;
	f.val.tcp_flags = 0x18;
	assert_int_equal(tapio_flow_table_width(&f, 1), 11);
	tapio_flow_table_row(fp, &f, 11);
	fclose(fp);
	assert_non_null(strstr(out, "ingress tcp    10.20"));
	assert_non_null(strstr(out, "10.0.0.1:1  "));
	assert_non_null(strstr(out, "10.0.0.2:2  "));
	assert_non_null(strstr(out, "2.5k"));
	assert_non_null(strstr(out, "2.0KiB"));
	assert_non_null(strstr(out, "...AP..."));
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_percpu_sum),
		cmocka_unit_test(test_counters_sum),
		cmocka_unit_test(test_sort_top),
		cmocka_unit_test(test_addr_and_units),
		cmocka_unit_test(test_json_line),
		cmocka_unit_test(test_json_escape),
		cmocka_unit_test(test_table_row),
	};

	return cmocka_run_group_tests_name("flow_format", tests, NULL, NULL);
}
