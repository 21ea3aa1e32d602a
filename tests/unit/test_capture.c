// SPDX-License-Identifier: GPL-2.0
/* Unit tests of `tapio capture` option handling: the filter grammar and
 * the names of per-queue and rotated files. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <string.h>
#include <netinet/in.h>
#include <cmocka.h>

#include "export/pcap_capture.h"

static void test_filter_words(void **state)
{
	struct tapio_capture_filter f;
	__u8 v4[16] = {[10] = 0xff, [11] = 0xff, 198, 18, 1, 0};
	__u8 v6[16] = {0x20, 0x01, 0x0d, 0xb8};

	(void)state;
	assert_int_equal(tapio_capture_filter_parse(NULL, &f), 0);
	assert_int_equal(f.proto + f.port + f.prefix_len + f.ip_only, 0);
	assert_int_equal(tapio_capture_filter_parse("udp and port 53", &f), 0);
	assert_int_equal(f.proto, IPPROTO_UDP);
	assert_int_equal(f.port, 53);
	assert_int_equal(f.ip_only, 1);
	assert_int_equal(tapio_capture_filter_parse("net 198.18.1.0/24", &f),
			 0);
	assert_int_equal(f.prefix_len, 96 + 24);
	assert_memory_equal(f.addr, v4, 16);
	assert_int_equal(tapio_capture_filter_parse("host 198.18.1.0", &f), 0);
	assert_int_equal(f.prefix_len, 128);
	assert_int_equal(
		tapio_capture_filter_parse("net 2001:db8::/32 tcp", &f), 0);
	assert_int_equal(f.prefix_len, 32);
	assert_memory_equal(f.addr, v6, 16);
	assert_int_equal(f.proto, IPPROTO_TCP);
	assert_int_equal(tapio_capture_filter_parse("proto 47", &f), 0);
	assert_int_equal(f.proto, 47);
	assert_int_equal(tapio_capture_filter_parse("icmpv6", &f), 0);
	assert_int_equal(f.proto, IPPROTO_ICMPV6);
}

static void test_filter_errors(void **state)
{
	struct tapio_capture_filter f;

	(void)state;
	assert_int_equal(tapio_capture_filter_parse("udpp", &f), -EINVAL);
	assert_int_equal(tapio_capture_filter_parse("port", &f), -EINVAL);
	assert_int_equal(tapio_capture_filter_parse("port 0", &f), -EINVAL);
	assert_int_equal(tapio_capture_filter_parse("port 70000", &f), -EINVAL);
	assert_int_equal(tapio_capture_filter_parse("port x1", &f), -EINVAL);
	assert_int_equal(tapio_capture_filter_parse("net 10.0.0.0/33", &f),
			 -EINVAL);
	assert_int_equal(tapio_capture_filter_parse("host 10.0.0.0/8", &f),
			 -EINVAL);
	assert_int_equal(tapio_capture_filter_parse("host nowhere", &f),
			 -EINVAL);
	assert_int_equal(tapio_capture_filter_parse("tcp udp", &f), -EINVAL);
	assert_int_equal(tapio_capture_filter_parse("proto 256", &f), -EINVAL);
}

static void test_file_names(void **state)
{
	char b[64];

	(void)state;
	assert_int_equal(tapio_capture_file_name(b, sizeof(b), "x.pcap", -1, 0),
			 0);
	assert_string_equal(b, "x.pcap");
	tapio_capture_file_name(b, sizeof(b), "x.pcap", 3, 0);
	assert_string_equal(b, "x.q3.pcap");
	tapio_capture_file_name(b, sizeof(b), "x.pcap", -1, 2);
	assert_string_equal(b, "x.2.pcap");
	tapio_capture_file_name(b, sizeof(b), "/tmp/a.b/cap", 1, 1);
	assert_string_equal(b, "/tmp/a.b/cap.q1.1");
	assert_int_equal(tapio_capture_file_name(b, 8, "long.pcap", 1, 1),
			 -ENAMETOOLONG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_filter_words),
		cmocka_unit_test(test_filter_errors),
		cmocka_unit_test(test_file_names),
	};

	return cmocka_run_group_tests_name("capture", tests, NULL, NULL);
}
