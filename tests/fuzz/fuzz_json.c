// SPDX-License-Identifier: GPL-2.0
/* libFuzzer: any bytes through the JSON string quoter; what comes out must
 * be one JSON string of valid UTF-8, checked by iconv and a small parser
 * written apart from the quoter. */
#include <iconv.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/json.h"

static iconv_t utf8;

static void valid_utf8(const char *s, size_t n)
{
	char out[8 * 4096], *in = (char *)s, *o = out;
	size_t left = sizeof(out);

	iconv(utf8, NULL, NULL, NULL, NULL);
	if (iconv(utf8, &in, &n, &o, &left) == (size_t)-1)
		abort();
}

/* "..." with only the escapes JSON has, no raw control byte */
static void one_string(const char *s, size_t n)
{
	size_t i;

	if (n < 2 || s[0] != '"' || s[n - 1] != '"')
		abort();
	for (i = 1; i < n - 1; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == '"')
			abort();
		if (c != '\\')
			continue;
		if (++i >= n - 1)
			abort();
		if (s[i] == 'u') {
			if (i + 4 >= n - 1 ||
			    strspn(s + i + 1, "0123456789abcdef") < 4)
				abort();
			i += 4;
		} else if (!strchr("\"\\/bfnrt", s[i])) {
			abort();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char out[6 * 4096 + 3];
	int n;

	if (size > 4096)
		return 0;
	if (!utf8)
		utf8 = iconv_open("UTF-8", "UTF-8");
	n = tapio_json_quote(out, sizeof(out), (const char *)data, size);
	if (n < 0 || (size_t)n != strlen(out))
		abort();
	one_string(out, (size_t)n);
	valid_utf8(out, (size_t)n);
	/* too small a buffer fails whole, never half a string */
	n = tapio_json_quote(out, 8, (const char *)data, size);
	if (n >= 8)
		abort();
	return 0;
}
