// SPDX-License-Identifier: GPL-2.0
/* Unit tests of the shared frame parser compiled as userspace C: the same
 * code tapio_xdp runs, fed frames that cannot reach XDP (zero length). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "flow_parse.h"
#include "frame_build.h"

static uint8_t frame[2048];

static int parse(size_t len, size_t frame_len, struct tapio_flow_key *key,
		 struct tapio_parse_result *res)
{
	memset(key, 0, sizeof(*key));
	return tapio_parse_frame(frame, frame + len, (__u32)frame_len, 0, 0,
				 key, res);
}

static size_t build(struct fb_spec *s, struct fb_layout *lay)
{
	size_t n = fb_build(s, frame, sizeof(frame), lay);

	assert_true(n > 0);
	return n;
}

static void test_zero_length(void **state)
{
	struct tapio_flow_key k;
	struct tapio_parse_result r;

	(void)state;
	assert_int_equal(parse(0, 0, &k, &r), TAPIO_CNT_TRUNCATED_L2);
	assert_int_equal(parse(13, 13, &k, &r), TAPIO_CNT_TRUNCATED_L2);
}

static void test_udp4(void **state)
{
	struct fb_spec s = {.ipver = 4,
			    .proto = IPPROTO_UDP,
			    .src = "10.0.0.1",
			    .dst = "10.0.0.2",
			    .sport = 1234,
			    .dport = 53,
			    .payload = 22};
	struct tapio_flow_key k;
	struct tapio_parse_result r;
	uint8_t mapped[16] = {[10] = 0xff, [11] = 0xff, 10, 0, 0, 2};
	size_t n = build(&s, NULL);

	(void)state;
	assert_int_equal(n, 64);
	assert_int_equal(parse(n, n, &k, &r), 0);
	assert_int_equal(k.ip_version, 4);
	assert_int_equal(k.protocol, IPPROTO_UDP);
	assert_int_equal(k.src_port, 1234);
	assert_int_equal(k.dst_port, 53);
	assert_memory_equal(k.dst_addr, mapped, 16);
	assert_int_equal(r.l4_payload_off, 14 + 20 + 8);
}

static void test_tcp6_ext_chain_and_flags(void **state)
{
	struct fb_spec s = {
		.ipver = 6,
		.proto = IPPROTO_TCP,
		.src = "2001:db8::1",
		.dst = "2001:db8::2",
		.sport = 443,
		.dport = 50000,
		.tcp_flags = 0x12,
		.payload = 10,
		.ext = {IPPROTO_HOPOPTS, IPPROTO_ROUTING, IPPROTO_DSTOPTS},
		.next = 3};
	struct tapio_flow_key k;
	struct tapio_parse_result r;
	size_t n = build(&s, NULL);

	(void)state;
	assert_int_equal(parse(n, n, &k, &r), 0);
	assert_int_equal(k.protocol, IPPROTO_TCP);
	assert_int_equal(k.src_port, 443);
	assert_int_equal(r.tcp_flags, 0x12);
	assert_int_equal(r.l4_payload_off, 14 + 40 + 24 + 20);
}

static void test_ext_limit(void **state)
{
	struct fb_spec s = {.ipver = 6,
			    .proto = IPPROTO_UDP,
			    .src = "2001:db8::1",
			    .dst = "2001:db8::2",
			    .payload = 4,
			    .next = TAPIO_IPV6_MAX_EXT + 1};
	struct tapio_flow_key k;
	struct tapio_parse_result r;
	size_t n;
	int i;

	(void)state;
	for (i = 0; i < s.next; i++)
		s.ext[i] = IPPROTO_DSTOPTS;
	n = build(&s, NULL);
	assert_int_equal(parse(n, n, &k, &r), TAPIO_CNT_IPV6_EXT_LIMIT);
	/* exactly the limit still parses */
	s.next = TAPIO_IPV6_MAX_EXT;
	n = build(&s, NULL);
	assert_int_equal(parse(n, n, &k, &r), 0);
	assert_int_equal(k.protocol, IPPROTO_UDP);
}

static void test_malformed_ipv4(void **state)
{
	struct fb_spec s = {.ipver = 4,
			    .proto = IPPROTO_UDP,
			    .src = "10.0.0.1",
			    .dst = "10.0.0.2",
			    .payload = 10};
	struct tapio_flow_key k;
	struct tapio_parse_result r;
	struct fb_layout lay;
	size_t n = build(&s, &lay);

	(void)state;
	frame[lay.l3_off] = 0x44;
	assert_int_equal(parse(n, n, &k, &r), TAPIO_CNT_BAD_IPV4_HEADER);
	n = build(&s, &lay);
	frame[lay.l3_off + 3] += 1; /* total length one byte past the frame */
	assert_int_equal(parse(n, n, &k, &r), TAPIO_CNT_BAD_IPV4_LENGTH);
	n = build(&s, &lay);
	assert_int_equal(parse(lay.l3_off + 10, lay.l3_off + 10, &k, &r),
			 TAPIO_CNT_TRUNCATED_IPV4);
	/* IP says 4 bytes of UDP: header truncated by the IP length */
	frame[lay.l3_off + 3] = 24;
	assert_int_equal(parse(n, n, &k, &r), TAPIO_CNT_TRUNCATED_L4);
}

static void test_nonlinear_frame_len(void **state)
{
	/* TC: headers readable, payload beyond data_end but inside skb->len */
	struct fb_spec s = {.ipver = 4,
			    .proto = IPPROTO_UDP,
			    .src = "10.0.0.1",
			    .dst = "10.0.0.2",
			    .payload = 1000};
	struct tapio_flow_key k;
	struct tapio_parse_result r;
	size_t n = build(&s, NULL);

	(void)state;
	assert_int_equal(parse(64, n, &k, &r), 0);
	assert_int_equal(parse(64, 64, &k, &r), TAPIO_CNT_BAD_IPV4_LENGTH);
}

static void test_vlan_depth(void **state)
{
	struct fb_spec s = {.ipver = 4,
			    .proto = IPPROTO_UDP,
			    .src = "10.0.0.1",
			    .dst = "10.0.0.2",
			    .vlan = {100, 200},
			    .nvlan = 2,
			    .outer_tpid = 0x88a8,
			    .payload = 10};
	struct tapio_flow_key k;
	struct tapio_parse_result r;
	size_t n = build(&s, NULL);

	(void)state;
	assert_int_equal(parse(n, n, &k, &r), 0);
	assert_int_equal(k.vlan_outer, 100);
	assert_int_equal(k.vlan_inner, 200);
	/* with a tag already taken out by the device, two in-frame tags are
	 * one too many */
	memset(&k, 0, sizeof(k));
	assert_int_equal(
		tapio_parse_frame(frame, frame + n, (__u32)n, 1, 7, &k, &r),
		TAPIO_CNT_VLAN_DEPTH);
	s.nvlan = 1;
	n = build(&s, NULL);
	memset(&k, 0, sizeof(k));
	assert_int_equal(
		tapio_parse_frame(frame, frame + n, (__u32)n, 1, 7, &k, &r), 0);
	assert_int_equal(k.vlan_outer, 7);
	assert_int_equal(k.vlan_inner, 100);
}

static void test_fragments(void **state)
{
	struct fb_spec s = {.ipver = 4,
			    .proto = IPPROTO_UDP,
			    .src = "10.0.0.1",
			    .dst = "10.0.0.2",
			    .sport = 5,
			    .dport = 6,
			    .payload = 100,
			    .more_frags = 1};
	struct tapio_flow_key k;
	struct tapio_parse_result r;
	size_t n = build(&s, NULL);

	(void)state;
	assert_int_equal(parse(n, n, &k, &r), 0);
	assert_int_equal(k.src_port, 5);
	assert_int_equal(k.flags, 0);
	s.frag_offset = 14;
	n = build(&s, NULL);
	assert_int_equal(parse(n, n, &k, &r), 0);
	assert_int_equal(k.src_port, 0);
	assert_int_equal(k.flags, TAPIO_FLOW_F_FRAGMENT);
	s.ipver = 6;
	s.src = "2001:db8::1";
	s.dst = "2001:db8::2";
	n = build(&s, NULL);
	assert_int_equal(parse(n, n, &k, &r), 0);
	assert_int_equal(k.protocol, IPPROTO_UDP);
	assert_int_equal(k.flags, TAPIO_FLOW_F_FRAGMENT);
}

static void test_non_ip(void **state)
{
	struct tapio_flow_key k;
	struct tapio_parse_result r;

	(void)state;
	memset(frame, 0, 60);
	frame[12] = 0x08;
	frame[13] = 0x06; /* ARP */
	assert_int_equal(parse(60, 60, &k, &r), TAPIO_CNT_NON_IP_PKTS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_zero_length),
		cmocka_unit_test(test_udp4),
		cmocka_unit_test(test_tcp6_ext_chain_and_flags),
		cmocka_unit_test(test_ext_limit),
		cmocka_unit_test(test_malformed_ipv4),
		cmocka_unit_test(test_nonlinear_frame_len),
		cmocka_unit_test(test_vlan_depth),
		cmocka_unit_test(test_fragments),
		cmocka_unit_test(test_non_ip),
	};

	return cmocka_run_group_tests_name("flow_parse", tests, NULL, NULL);
}
