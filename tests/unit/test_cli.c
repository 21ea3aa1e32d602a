// SPDX-License-Identifier: GPL-2.0
/* Unit tests of command-line value validation: every bad value is refused
 * with an error naming the option, every good one parsed exactly. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <cmocka.h>
#include <arpa/inet.h>

#include "lib/flow_dump.h"
#include "lib/iface_select.h"
#include "lib/loader.h"
#include "lib/parse.h"

static void test_u32(void **state)
{
	__u32 v = 7;

	(void)state;
	assert_int_equal(tapio_parse_u32("--n", "42", 1, 100, &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(tapio_parse_u32("--n", "abc", 1, 100, &v), -EINVAL);
	assert_int_equal(tapio_parse_u32("--n", "12x", 1, 100, &v), -EINVAL);
	assert_int_equal(tapio_parse_u32("--n", "", 1, 100, &v), -EINVAL);
	assert_int_equal(tapio_parse_u32("--n", "-1", 1, 100, &v), -EINVAL);
	assert_int_equal(tapio_parse_u32("--n", "0", 1, 100, &v), -ERANGE);
	assert_int_equal(tapio_parse_u32("--n", "101", 1, 100, &v), -ERANGE);
	assert_int_equal(
		tapio_parse_u32("--n", "99999999999999999999", 1, 100, &v),
		-ERANGE);
	assert_int_equal(v, 42); /* untouched on error */
}

static void test_seconds(void **state)
{
	__u64 ns = 7;

	(void)state;
	assert_int_equal(
		tapio_parse_seconds("--t", "0.5", 1, 10000000000ULL, &ns), 0);
	assert_int_equal(ns, 500000000ULL);
	assert_int_equal(
		tapio_parse_seconds("--t", "30", 1, 60000000000ULL, &ns), 0);
	assert_int_equal(ns, 30000000000ULL);
	assert_int_equal(
		tapio_parse_seconds("--t", "1e-3", 1000000, 1000000000, &ns),
		0);
	assert_int_equal(ns, 1000000);
	assert_int_equal(tapio_parse_seconds("--t", "abc", 1, 10, &ns),
			 -EINVAL);
	assert_int_equal(tapio_parse_seconds("--t", "1s", 1, 10, &ns), -EINVAL);
	assert_int_equal(tapio_parse_seconds("--t", "-1", 1, 10, &ns), -EINVAL);
	assert_int_equal(tapio_parse_seconds("--t", "nan", 1, 10, &ns),
			 -EINVAL);
	assert_int_equal(tapio_parse_seconds("--t", "0", 1000, 10000, &ns),
			 -ERANGE);
	assert_int_equal(tapio_parse_seconds("--t", "99", 1000, 10000, &ns),
			 -ERANGE);
	assert_int_equal(ns, 1000000); /* untouched on error */
}

static void test_mode(void **state)
{
	enum tapio_mode_req m;

	(void)state;
	assert_int_equal(tapio_parse_mode("auto", &m), 0);
	assert_int_equal(m, TAPIO_MODE_AUTO);
	assert_int_equal(tapio_parse_mode("native", &m), 0);
	assert_int_equal(m, TAPIO_MODE_NATIVE);
	assert_int_equal(tapio_parse_mode("skb", &m), 0);
	assert_int_equal(m, TAPIO_MODE_GENERIC);
	assert_int_equal(tapio_parse_mode("turbo", &m), -EINVAL);
	assert_int_equal(tapio_parse_mode("", &m), -EINVAL);
}

static void test_sort(void **state)
{
	enum tapio_sort s;

	(void)state;
	assert_int_equal(tapio_parse_sort("packets", &s), 0);
	assert_int_equal(s, TAPIO_SORT_PACKETS);
	assert_int_equal(tapio_parse_sort("bytes", &s), 0);
	assert_int_equal(s, TAPIO_SORT_BYTES);
	assert_int_equal(tapio_parse_sort("flows", &s), -EINVAL);
}

static void test_dev(void **state)
{
	unsigned int idx = 0;

	(void)state;
	assert_int_equal(tapio_parse_dev("lo", &idx), 0);
	assert_int_equal(idx, 1);
	assert_int_equal(tapio_parse_dev("nosuchdev0", &idx), -ENODEV);
	assert_int_equal(tapio_parse_dev("a/b", &idx), -EINVAL);
	assert_int_equal(tapio_parse_dev("0123456789abcdefg", &idx), -EINVAL);
	assert_int_equal(tapio_parse_dev("", &idx), -EINVAL);
	/* the kernel's rule: the name also becomes a path */
	assert_int_equal(tapio_check_dev_name("veth-a.1"), 0);
	assert_int_equal(tapio_check_dev_name(".."), -EINVAL);
	assert_int_equal(tapio_check_dev_name("."), -EINVAL);
	/* a link of another network namespace: NETNS:IFNAME, whose two
	 * parts are checked each (a namespace name may have a ':') */
	assert_int_equal(tapio_check_dev_name("pod-1:eth0"), 0);
	assert_int_equal(tapio_check_dev_name("a:b:eth0"), 0);
	assert_int_equal(tapio_check_dev_name(":eth0"), -EINVAL);
	assert_int_equal(tapio_check_dev_name("pod:"), -EINVAL);
	assert_int_equal(tapio_check_dev_name("..:eth0"), -EINVAL);
	assert_int_equal(tapio_check_dev_name("pod:.."), -EINVAL);
	assert_int_equal(tapio_check_dev_name("a/b:eth0"), -EINVAL);
	assert_int_equal(tapio_check_dev_name("pod:0123456789abcdefg"),
			 -EINVAL);
	assert_int_equal(tapio_check_dev_name("a\nb"), -EINVAL);
	assert_int_equal(tapio_check_dev_name("a b"), -EINVAL);
}

/* a link of another namespace is selected by its whole name or its own
 * name, and excluded by either */
static void test_iface_matcher_netns(void **state)
{
	const char *in[] = {"eth0", "pod.*:veth.*", "h1"};
	struct tapio_iface_matcher *m;

	(void)state;
	assert_int_equal(tapio_iface_matcher_new(in, 3, "bad:eth0,.*x", &m), 0);
	assert_true(tapio_iface_matches(m, "eth0"));
	assert_true(tapio_iface_matches(m, "ns1:eth0"));
	assert_false(tapio_iface_matches(m, "bad:eth0"));
	assert_true(tapio_iface_matches(m, "pod7:veth3"));
	assert_false(tapio_iface_matches(m, "veth3"));
	assert_false(tapio_iface_matches(m, "pod7:vethx"));
	assert_false(tapio_iface_matches(m, "ns1:h2"));
	assert_true(tapio_iface_matches(m, "a:b:h1"));
	tapio_iface_matcher_free(m);
}

static void test_printable(void **state)
{
	char out[16];

	(void)state;
	assert_string_equal(tapio_printable("eth0", out, sizeof(out)), "eth0");
	assert_string_equal(tapio_printable("a\nb\\", out, sizeof(out)),
			    "a\\x0ab\\x5c");
	assert_string_equal(tapio_printable("\x1b[31m", out, sizeof(out)),
			    "\\x1b[31m");
	/* cut whole: never half an escape */
	assert_string_equal(tapio_printable("\xff\xff\xff\xff", out, 12),
			    "\\xff\\xff...");
}

static void test_addresses(void **state)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *in = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
	socklen_t len;

	(void)state;
	assert_int_equal(tapio_parse_listen("m", ":9090", &ss, &len), 0);
	assert_int_equal(ss.ss_family, AF_INET);
	assert_int_equal(ntohs(in->sin_port), 9090);
	assert_int_equal(in->sin_addr.s_addr, htonl(INADDR_ANY));
	assert_int_equal(tapio_parse_listen("m", "127.0.0.1:1", &ss, &len), 0);
	assert_int_equal(in->sin_addr.s_addr, htonl(INADDR_LOOPBACK));
	assert_int_equal(tapio_parse_listen("m", "[::1]:19473", &ss, &len), 0);
	assert_int_equal(ss.ss_family, AF_INET6);
	assert_int_equal(len, sizeof(*in6));
	assert_int_equal(ntohs(in6->sin6_port), 19473);
	assert_true(IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr));
	assert_int_equal(tapio_parse_listen("m", "[::]:80", &ss, &len), 0);
	assert_true(IN6_IS_ADDR_UNSPECIFIED(&in6->sin6_addr));
	/* a name from /etc/hosts: resolved at start */
	assert_int_equal(tapio_parse_listen("m", "localhost:80", &ss, &len), 0);
	assert_int_equal(tapio_check_listen("m", "localhost:80"), 0);
	assert_int_equal(tapio_check_listen("m", "[::]:80"), 0);
	assert_int_equal(tapio_check_listen("m", "9090"), -EINVAL);
	assert_int_equal(tapio_check_listen("m", ":0"), -EINVAL);
	assert_int_equal(tapio_check_listen("m", ":65536"), -EINVAL);
	assert_int_equal(tapio_check_listen("m", ":80x"), -EINVAL);
	assert_int_equal(tapio_check_listen("m", "1.2.3:80"), -EINVAL);
	assert_int_equal(tapio_parse_listen("m", "1.2.3:80", &ss, &len),
			 -EINVAL);
	assert_int_equal(tapio_check_listen("m", "::1:80"), -EINVAL);
	assert_int_equal(tapio_check_listen("m", "[::1:80"), -EINVAL);
	assert_int_equal(tapio_check_listen("m", "[1.2.3.4]:80"), -EINVAL);
	assert_int_equal(tapio_check_listen("m", "a_b:80"), -EINVAL);
	assert_int_equal(tapio_check_collectors("i", "a:4739,b:2055"), 0);
	assert_int_equal(tapio_check_collectors("i", "a:4739 b:1"), 0);
	assert_int_equal(tapio_check_collectors("i", "a:4739,b"), -EINVAL);
	assert_int_equal(tapio_check_collectors("i", ":4739"), -EINVAL);
	assert_int_equal(tapio_check_collectors("i", "a:"), -EINVAL);
	assert_int_equal(tapio_check_collectors("i", "a:65536"), -EINVAL);
	assert_int_equal(tapio_check_collectors("i", ","), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_u32),
		cmocka_unit_test(test_seconds),
		cmocka_unit_test(test_mode),
		cmocka_unit_test(test_sort),
		cmocka_unit_test(test_dev),
		cmocka_unit_test(test_printable),
		cmocka_unit_test(test_iface_matcher_netns),
		cmocka_unit_test(test_addresses),
	};

	return cmocka_run_group_tests_name("cli", tests, NULL, NULL);
}
