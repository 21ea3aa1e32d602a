// SPDX-License-Identifier: GPL-2.0
/* Flow filter rules: words to struct and back, and the slots a run keeps
 * (a freed slot is reused, its next rule starts without hits). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <netinet/in.h>

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
		assert_int_equal(tapio_filter_add(&s, &f, ids[i]), i);
		assert_int_equal(s.rule[i].id, ids[i]);
	}
	assert_int_equal(tapio_filter_add(&s, &f, 99), -ENOSPC);
	s.hits[3] = 99;
	assert_int_equal(tapio_filter_del(&s, ids[3]), 3);
	assert_int_equal(tapio_filter_del(&s, ids[3]), -ENOENT);
	assert_int_equal(s.used, TAPIO_FLOW_FILTERS_MAX - 1);
	/* the free slot again, a new id, no hits of the rule before */
	assert_int_equal(tapio_filter_add(&s, &f, 100), 3);
	assert_int_equal(s.hits[3], 0);
	assert_int_equal(s.rule[3].id, 100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_words),
		cmocka_unit_test(test_slots),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
