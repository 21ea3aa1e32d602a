// SPDX-License-Identifier: GPL-2.0
/* Unit tests of the shared frame parser compiled as userspace C: the same
 * code tapio_xdp runs, fed the frame cases (also run by prog_run) and
 * frames that cannot reach XDP (short, device-stripped VLAN tags). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "flow_parse.h"
#include "frame_build.h"
#include "frame_cases.h"

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

/* One frame case: the reason it is counted under, or the key it gets. */
static void test_frame_case(void **state)
{
	const struct frame_case *c = *state;
	struct tapio_flow_key k;
	struct tapio_parse_result r;
	size_t n = frame_case_build(c, frame, sizeof(frame));

	assert_int_equal(n, c->len);
	assert_int_equal(parse(n, n, &k, &r), c->reason);
	if (c->reason)
		return;
	assert_int_equal(k.ip_version, c->spec.ipver);
	assert_int_equal(k.protocol, c->key.protocol);
	assert_int_equal(k.src_port, c->key.sport);
	assert_int_equal(k.dst_port, c->key.dport);
	assert_int_equal(k.vlan_outer, c->key.vlan_outer);
	assert_int_equal(k.vlan_inner, c->key.vlan_inner);
	assert_int_equal(k.flags, c->key.flags);
	assert_int_equal(r.tcp_flags, c->key.tcp_flags);
	if (c->key.l4_payload_off)
		assert_int_equal(r.l4_payload_off, c->key.l4_payload_off);
}

static void test_udp4_addresses(void **state)
{
	struct fb_spec s = {.ipver = 4,
			    .proto = IPPROTO_UDP,
			    .src = "10.0.0.1",
			    .dst = "10.0.0.2",
			    .sport = 1234,
			    .dport = 53,
			    .payload = 22};
	uint8_t src[16] = {[10] = 0xff, [11] = 0xff, 10, 0, 0, 1};
	uint8_t dst[16] = {[10] = 0xff, [11] = 0xff, 10, 0, 0, 2};
	struct tapio_flow_key k;
	struct tapio_parse_result r;
	size_t n = build(&s, NULL);

	(void)state;
	assert_int_equal(parse(n, n, &k, &r), 0);
	assert_memory_equal(k.src_addr, src, 16);
	assert_memory_equal(k.dst_addr, dst, 16);
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

/* IPv4 BIG TCP: total length 0 on a packet over 64 KiB means "to the end
 * of the frame"; on anything shorter it stays a bad length. */
static void test_ipv4_big_tcp(void **state)
{
	size_t big = 14 + 20 + 20 + 70000;
	uint8_t *f = calloc(1, big);
	struct tapio_flow_key k;
	struct tapio_parse_result r;

	(void)state;
	assert_non_null(f);
	f[12] = 0x08; /* IPv4 */
	f[14] = 0x45;
	f[14 + 9] = 6; /* TCP, total length left 0 */
	f[34] = 0x04;  /* source port 1234 */
	f[35] = 0xd2;
	f[37] = 80;
	f[34 + 12] = 5 << 4;
	f[34 + 13] = 0x10; /* ACK */
	memset(&k, 0, sizeof(k));
	assert_int_equal(
		tapio_parse_frame(f, f + big, (__u32)big, 0, 0, &k, &r), 0);
	assert_int_equal(k.src_port, 1234);
	assert_int_equal(k.dst_port, 80);
	assert_int_equal(r.l4_payload_off, 54);
	/* within 64 KiB a zero total length is a malformed header */
	memset(&k, 0, sizeof(k));
	assert_int_equal(tapio_parse_frame(f, f + 1000, 1000, 0, 0, &k, &r),
			 TAPIO_CNT_BAD_IPV4_LENGTH);
	free(f);
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

int main(void)
{
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_udp4_addresses),
		cmocka_unit_test(test_nonlinear_frame_len),
		cmocka_unit_test(test_vlan_depth),
		cmocka_unit_test(test_ipv4_big_tcp),
	};
	size_t nfixed = sizeof(fixed) / sizeof(fixed[0]), i;
	struct CMUnitTest *tests =
		calloc(nfixed + frame_ncases, sizeof(*tests));
	int err;

	if (!tests)
		return 1;
	memcpy(tests, fixed, sizeof(fixed));
	for (i = 0; i < frame_ncases; i++) {
		tests[nfixed + i].name = frame_cases[i].name;
		tests[nfixed + i].test_func = test_frame_case;
		tests[nfixed + i].initial_state = (void *)&frame_cases[i];
	}
	err = _cmocka_run_group_tests("flow_parse", tests,
				      nfixed + frame_ncases, NULL, NULL);
	free(tests);
	return err;
}
