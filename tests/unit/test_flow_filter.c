// SPDX-License-Identifier: GPL-2.0
/* Flow filter rules: words to struct and back, the slots a run keeps (a
 * freed slot is reused, its next rule starts without hits), and prefix
 * sets read from files (line numbers in errors, host bits cleared). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <netinet/in.h>

#include "lib/capture_filter.h"
#include "lib/flow_filter.h"

static void roundtrip(const char *in)
{
	char copy[256], *words[32], *save = NULL, *w, out[160];
	struct tapio_flow_filter f;
	int n = 0;

	snprintf(copy, sizeof(copy), "%s", in);
	for (w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save))
		words[n++] = w;
	assert_int_equal(tapio_flow_filter_parse(words, n, &f), 0);
	tapio_flow_filter_format(&f, out, sizeof(out));
	assert_string_equal(out, in);
}

static void test_words(void **state)
{
	char *bad_action[] = {"drop", "udp"};
	char *bad_vlan[] = {"exclude", "vlan", "4096"};
	char *no_vlan[] = {"exclude", "vlan"};
	char *bad_word[] = {"include", "bogus"};
	char *v6[] = {"include", "net", "2001:db8::/32", "tcp"};
	struct tapio_flow_filter f;

	(void)state;
	roundtrip("exclude udp port 53");
	roundtrip("include net 10.0.0.0/8");
	roundtrip("exclude tcp port 443 net 192.0.2.1/32 vlan 100");
	roundtrip("include icmpv6 net 2001:db8:77::/48");
	roundtrip("exclude proto 47");
	roundtrip("exclude vlan 7");
	roundtrip("include");
	assert_int_equal(tapio_flow_filter_parse(v6, 4, &f), 0);
	assert_int_equal(f.action, TAPIO_FILTER_INCLUDE);
	assert_int_equal(f.m.proto, IPPROTO_TCP);
	assert_int_equal(f.m.prefix_len, 32);
	assert_int_equal(tapio_flow_filter_parse(bad_action, 2, &f), -EINVAL);
	assert_int_equal(tapio_flow_filter_parse(bad_vlan, 3, &f), -EINVAL);
	assert_int_equal(tapio_flow_filter_parse(no_vlan, 2, &f), -EINVAL);
	assert_int_equal(tapio_flow_filter_parse(bad_word, 2, &f), -EINVAL);
	assert_int_equal(tapio_flow_filter_parse(NULL, 0, &f), -EINVAL);
}

static void test_slots(void **state)
{
	struct tapio_filter_set s = {};
	struct tapio_flow_filter f = {.action = TAPIO_FILTER_EXCLUDE};
	__u32 ids[TAPIO_FLOW_FILTERS_MAX];
	int i;

	(void)state;
	for (i = 0; i < TAPIO_FLOW_FILTERS_MAX; i++) {
		ids[i] = (__u32)i + 1;
		assert_int_equal(
			tapio_filter_add(&s, &f, ids[i], NULL, 0, NULL), i);
		assert_int_equal(s.rule[i].id, ids[i]);
	}
	assert_int_equal(tapio_filter_add(&s, &f, 99, NULL, 0, NULL), -ENOSPC);
	s.hits[3] = 99;
	assert_int_equal(tapio_filter_del(&s, ids[3]), 3);
	assert_int_equal(tapio_filter_del(&s, ids[3]), -ENOENT);
	assert_int_equal(s.used, TAPIO_FLOW_FILTERS_MAX - 1);
	/* the free slot again, a new id, no hits of the rule before */
	assert_int_equal(tapio_filter_add(&s, &f, 100, NULL, 0, NULL), 3);
	assert_int_equal(s.hits[3], 0);
	assert_int_equal(s.rule[3].id, 100);
}

static void test_prefix(void **state)
{
	struct tapio_prefix p;
	static const __u8 v4[16] = {
		[10] = 0xff, [11] = 0xff, [12] = 10, [13] = 77, [14] = 0x80};

	(void)state;
	/* host bits cleared: 10.77.129.5/17 is 10.77.128.0/17 */
	assert_int_equal(tapio_prefix_parse("10.77.129.5/17", &p), 0);
	assert_int_equal(p.len, 96 + 17);
	assert_memory_equal(p.addr, v4, 16);
	assert_int_equal(tapio_prefix_parse("192.0.2.1", &p), 0);
	assert_int_equal(p.len, 128);
	assert_int_equal(tapio_prefix_parse("2001:db8:77::1/48", &p), 0);
	assert_int_equal(p.len, 48);
	assert_int_equal(p.addr[5], 0x77);
	assert_int_equal(p.addr[15], 0);
	assert_int_equal(tapio_prefix_parse("::/0", &p), 0);
	assert_int_equal(p.len, 0);
	assert_int_equal(tapio_prefix_parse("10.0.0.0/33", &p), -EINVAL);
	assert_int_equal(tapio_prefix_parse("10.0.0.0/", &p), -EINVAL);
	assert_int_equal(tapio_prefix_parse("10.0.0.0/-1", &p), -EINVAL);
	assert_int_equal(tapio_prefix_parse("2001:db8::/129", &p), -EINVAL);
	assert_int_equal(tapio_prefix_parse("10.0.0", &p), -EINVAL);
	assert_int_equal(tapio_prefix_parse("example.com", &p), -EINVAL);
	assert_int_equal(tapio_prefix_parse(NULL, &p), -EINVAL);
}

static char *write_file(const char *text)
{
	static char path[] = "/tmp/tapio-test-prefixes-XXXXXX";
	int fd;

	strcpy(path, "/tmp/tapio-test-prefixes-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static void test_prefix_file(void **state)
{
	struct tapio_prefix *p;
	char *path;
	__u32 n;

	(void)state;
	path = write_file("# a blocklist\n10.1.0.0/16\n\n  2001:db8::/32  "
			  "# v6\r\n192.0.2.7\n");
	assert_int_equal(tapio_prefix_file_read(path, &p, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(p[0].len, 96 + 16);
	assert_int_equal(p[1].len, 32);
	assert_int_equal(p[2].len, 128);
	assert_int_equal(p[2].addr[15], 7);
	free(p);
	unlink(path);

	path = write_file("10.1.0.0/16\n10.2.0.0/8 10.3.0.0/8\n");
	assert_int_equal(tapio_prefix_file_read(path, &p, &n), -EINVAL);
	assert_null(p);
	unlink(path);
	path = write_file("10.1.0.0/16\nnot-an-address\n");
	assert_int_equal(tapio_prefix_file_read(path, &p, &n), -EINVAL);
	assert_int_equal(n, 0);
	unlink(path);
	path = write_file("# nothing\n\n");
	assert_int_equal(tapio_prefix_file_read(path, &p, &n), -ENODATA);
	unlink(path);
	assert_int_equal(tapio_prefix_file_read("/nonexistent/x", &p, &n),
			 -ENOENT);
}

/* A set rule keeps its prefixes; deleted, they wait for the devices; the
 * sets of all rules hold TAPIO_FLOW_PREFIXES_MAX at most. */
static void test_set_slots(void **state)
{
	struct tapio_flow_filter f = {.action = TAPIO_FILTER_EXCLUDE,
				      .prefix_set = 1};
	struct tapio_filter_set s = {};
	struct tapio_prefix *a = calloc(TAPIO_FLOW_PREFIXES_MAX - 1,
					sizeof(*a)),
			    *b = calloc(2, sizeof(*b)),
			    *c = calloc(1, sizeof(*c));

	(void)state;
	assert_int_equal(tapio_filter_add(&s, &f, 1, NULL, 0, "x"), -EINVAL);
	assert_int_equal(tapio_filter_add(&s, &f, 1, a,
					  TAPIO_FLOW_PREFIXES_MAX - 1, "big"),
			 0);
	assert_string_equal(s.set_name[0], "big");
	/* one more than the sets hold */
	assert_int_equal(tapio_filter_add(&s, &f, 2, b, 2, "b"), -E2BIG);
	assert_int_equal(tapio_filter_add(&s, &f, 3, c, 1, "c"), 1);
	assert_int_equal(tapio_filter_del(&s, 1), 0);
	assert_int_equal(s.ngone, 1);
	assert_ptr_equal(s.gone_pfx[0], a);
	/* still held until the devices drop them */
	assert_int_equal(tapio_filter_add(&s, &f, 4, b, 2, "b"), -E2BIG);
	tapio_filter_gone_free(&s);
	assert_int_equal(s.ngone, 0);
	assert_int_equal(tapio_filter_add(&s, &f, 4, b, 2, "b"), 0);
	assert_int_equal(s.npfx[0], 2);
	tapio_filter_set_free(&s);
	assert_null(s.pfx[0]);
	assert_null(s.pfx[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_words),
		cmocka_unit_test(test_slots),
		cmocka_unit_test(test_prefix),
		cmocka_unit_test(test_prefix_file),
		cmocka_unit_test(test_set_slots),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
