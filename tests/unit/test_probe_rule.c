// SPDX-License-Identifier: GPL-2.0
/* Probe filter rules in words: each dimension resolved to the value the
 * probes' sets hold, printed back as given, and bad words refused. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "tapio/probe.h"
#include "lib/probe_rule.h"

/* @in parsed: its kind and value; printed back the same */
static struct tapio_probe_rule parse(const char *in, int want)
{
	char copy[256], *words[16], *save = NULL, *w, out[128];
	struct tapio_probe_rule r = {};
	int n = 0;

	snprintf(copy, sizeof(copy), "%s", in);
	for (w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save))
		words[n++] = w;
	assert_int_equal(tapio_probe_rule_parse(words, n, &r), want);
	if (!want) {
		tapio_probe_rule_format(&r, out, sizeof(out));
		assert_string_equal(out, in);
	}
	return r;
}

static void test_dimensions(void **state)
{
	struct tapio_probe_rule r;
	struct stat st;

	(void)state;
	r = parse("include pid 42 children", 0);
	assert_int_equal(r.kind, TAPIO_PF_PID);
	assert_int_equal(r.value, 42);
	assert_int_equal(r.children, 1);
	assert_int_equal(r.action, TAPIO_FILTER_INCLUDE);
	r = parse("exclude pid 7", 0);
	assert_int_equal(r.children, 0);
	assert_int_equal(r.action, TAPIO_FILTER_EXCLUDE);
	r = parse("exclude uid root", 0);
	assert_int_equal(r.kind, TAPIO_PF_UID);
	assert_int_equal(r.value, 0);
	r = parse("exclude uid 65534", 0);
	assert_int_equal(r.value, 65534);
	r = parse("include cgroup 12345", 0);
	assert_int_equal(r.kind, TAPIO_PF_CGROUP);
	assert_int_equal(r.value, 12345);
	r = parse("include dev 8:16", 0);
	assert_int_equal(r.kind, TAPIO_PF_DEV);
	assert_int_equal(r.value, (8u << 20) | 16);
	/* a namespace by its file: the inode the probes compare */
	assert_int_equal(stat("/proc/self/ns/net", &st), 0);
	r = parse("include netns /proc/self/ns/net", 0);
	assert_int_equal(r.kind, TAPIO_PF_NS);
	assert_int_equal(r.value, st.st_ino);
	r = parse("exclude mntns 4026531841", 0);
	assert_int_equal(r.value, 4026531841ULL);
	assert_string_equal(tapio_pfilter_kind_name(TAPIO_PF_NS), "ns");
}

static void test_refused(void **state)
{
	(void)state;
	parse("drop uid 0", -EINVAL);
	parse("include uid", -EINVAL);
	parse("include gid 0", -EINVAL);
	parse("include pid 0", -EINVAL);
	parse("include pid 42 parents", -EINVAL);
	parse("include uid 1 2", -EINVAL);
	parse("include uid no-such-user-tapio", -ENOENT);
	parse("include uid -1", -ENOENT);
	parse("include mntns name", -EINVAL); /* only netns has names */
	parse("include netns no-such-netns-tapio", -ENOENT);
	parse("include netns 0", -EINVAL);
	parse("include dev 4096:0", -ERANGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dimensions),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
