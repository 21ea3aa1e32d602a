// SPDX-License-Identifier: GPL-2.0
/* Unit tests of the JSON writer: members and nesting, exact numbers, the
 * escaper on every kind of byte, and random bytes that must always come
 * out as valid UTF-8 JSON strings (checked with glib's validator). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <glib.h>

#include "lib/json.h"

static void test_members(void **state)
{
	char buf[256];
	struct tapio_json j;

	(void)state;
	tapio_json_init(&j, buf, sizeof(buf));
	tapio_json_object(&j, NULL);
	tapio_json_u64(&j, "a", UINT64_MAX);
	tapio_json_s64(&j, "b", INT64_MIN);
	tapio_json_bool(&j, "c", false);
	tapio_json_fixed(&j, "d", 0.2, 3);
	tapio_json_fixed(&j, "e", -12.5, 1);
	tapio_json_object(&j, "f");
	tapio_json_array(&j, "g");
	tapio_json_str(&j, NULL, "x");
	tapio_json_u64(&j, NULL, 0);
	tapio_json_array_end(&j);
	tapio_json_object_end(&j);
	tapio_json_raw(&j, "h", "{\"i\":1}");
	tapio_json_object_end(&j);
	assert_int_equal(tapio_json_finish(&j), (int)strlen(buf));
	assert_string_equal(buf, "{\"a\":18446744073709551615,"
				 "\"b\":-9223372036854775808,\"c\":false,"
				 "\"d\":0.200,\"e\":-12.5,"
				 "\"f\":{\"g\":[\"x\",0]},\"h\":{\"i\":1}}");
	tapio_json_init(&j, buf, 8);
	tapio_json_object(&j, NULL);
	tapio_json_str(&j, "key", "value");
	tapio_json_u64(&j, "n", 1); /* nothing after the first miss */
	assert_int_equal(tapio_json_finish(&j), -ENOSPC);
}

static void test_escape(void **state)
{
	char buf[64];

	(void)state;
	assert_int_equal(tapio_json_string(buf, sizeof(buf), "q\"b\\\t"), 14);
	assert_string_equal(buf, "\"q\\\"b\\\\\\u0009\"");
	/* valid UTF-8 kept: é, €, U+1F600 */
	tapio_json_string(buf, sizeof(buf),
			  "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
	assert_string_equal(buf, "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"");
	/* each byte outside valid UTF-8 is one replacement character */
	tapio_json_string(buf, sizeof(buf), "a\xff\xfe");
	assert_string_equal(buf, "\"a\\ufffd\\ufffd\"");
	tapio_json_string(buf, sizeof(buf), "\xc0\x80"); /* overlong NUL */
	assert_string_equal(buf, "\"\\ufffd\\ufffd\"");
	tapio_json_string(buf, sizeof(buf), "\xed\xa0\x80"); /* surrogate */
	assert_string_equal(buf, "\"\\ufffd\\ufffd\\ufffd\"");
	tapio_json_string(buf, sizeof(buf), "\xe2\x82"); /* cut short */
	assert_string_equal(buf, "\"\\ufffd\\ufffd\"");
	assert_int_equal(tapio_json_quote(buf, sizeof(buf), "ab\0cd", 5), 4);
	assert_int_equal(tapio_json_string(buf, 4, "abcdef"), -ENOSPC);
}

/* Random bytes, biased to the interesting ranges: the output is always
 * valid UTF-8, quoted, with no raw control byte inside. */
static void test_fuzz(void **state)
{
	unsigned char in[64];
	char out[64 * 6 + 3];
	unsigned int seed = 12345;
	int i, k, n;

	(void)state;
	for (i = 0; i < 200000; i++) {
		int len = (int)(rand_r(&seed) % sizeof(in));

		for (k = 0; k < len; k++) {
			unsigned int r = (unsigned int)rand_r(&seed);

			in[k] = (unsigned char)(r % 4 == 0   ? 0x80 + r % 0x80
						: r % 4 == 1 ? 0xc0 + r % 0x40
						: r % 4 == 2 ? r % 0x20 + 1
							     : r % 0x100);
			if (!in[k])
				in[k] = 1;
		}
		n = tapio_json_quote(out, sizeof(out), (const char *)in,
				     (size_t)len);
		assert_true(n >= 2);
		assert_true(g_utf8_validate(out, n, NULL));
		assert_int_equal(out[0], '"');
		assert_int_equal(out[n - 1], '"');
		for (k = 0; k < n; k++)
			assert_true((unsigned char)out[k] >= 0x20);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_members),
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_fuzz),
	};

	return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}
