// SPDX-License-Identifier: GPL-2.0
/* The JSON writer: appends to a fixed buffer with hand-rolled number
 * formatting (printf per field was most of the per-flow export cost). */
#include <errno.h>
#include <string.h>

#include "lib/json.h"

void tapio_json_init(struct tapio_json *j, char *buf, size_t cap)
{
	j->buf = buf;
	j->cap = cap;
	j->len = 0;
	j->err = cap ? 0 : -ENOSPC;
	j->comma = false;
	if (cap)
		buf[0] = '\0';
}

/* Room for @n more bytes and the final NUL, or err set. */
static bool room(struct tapio_json *j, size_t n)
{
	if (j->err)
		return false;
	if (j->len + n >= j->cap) {
		j->err = -ENOSPC;
		return false;
	}
	return true;
}

static void put(struct tapio_json *j, const char *s, size_t n)
{
	if (!room(j, n))
		return;
	memcpy(j->buf + j->len, s, n);
	j->len += n;
}

/* The separator and "key": of the next member. */
static void member(struct tapio_json *j, const char *key)
{
	if (j->comma)
		put(j, ",", 1);
	j->comma = true;
	if (!key)
		return;
	put(j, "\"", 1);
	put(j, key, strlen(key)); /* keys are ours: plain ASCII */
	put(j, "\":", 2);
}

void tapio_json_object(struct tapio_json *j, const char *key)
{
	if (key || j->len)
		member(j, key);
	put(j, "{", 1);
	j->comma = false;
}

void tapio_json_object_end(struct tapio_json *j)
{
	put(j, "}", 1);
	j->comma = true;
}

void tapio_json_array(struct tapio_json *j, const char *key)
{
	member(j, key);
	put(j, "[", 1);
	j->comma = false;
}

void tapio_json_array_end(struct tapio_json *j)
{
	put(j, "]", 1);
	j->comma = true;
}

/* Length of the valid UTF-8 sequence at @s (at most @n bytes), 0 if none. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t len, i;

	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4;
	else
		return 0;
	if (c == 0xe0)
		lo = 0xa0; /* overlong */
	else if (c == 0xed)
		hi = 0x9f; /* surrogates */
	else if (c == 0xf0)
		lo = 0x90; /* overlong */
	else if (c == 0xf4)
		hi = 0x8f; /* past U+10FFFF */
	if (len > n || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

int tapio_json_quote(char *buf, size_t len, const char *str, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)str;
	size_t o = 0, i = 0, k;

	/* worst case per input byte is 6 output bytes ("\ufffd") */
#define NEED(m)                                                                \
	do {                                                                   \
		if (o + (m) >= len)                                            \
			return -ENOSPC;                                        \
	} while (0)
	NEED(1);
	buf[o++] = '"';
	while (i < n && s[i]) {
		unsigned char c = s[i];

		if (c == '"' || c == '\\') {
			NEED(2);
			buf[o++] = '\\';
			buf[o++] = (char)c;
			i++;
		} else if (c < 0x20) {
			NEED(6);
			memcpy(buf + o, "\\u00", 4);
			buf[o + 4] = hex[c >> 4];
			buf[o + 5] = hex[c & 15];
			o += 6;
			i++;
		} else if (c < 0x80) {
			NEED(1);
			buf[o++] = (char)c;
			i++;
		} else if ((k = utf8_seq(s + i, n - i)) > 0) {
			NEED(k);
			memcpy(buf + o, s + i, k);
			o += k;
			i += k;
		} else {
			NEED(6);
			memcpy(buf + o, "\\ufffd", 6);
			o += 6;
			i++;
		}
	}
	NEED(1);
	buf[o++] = '"';
#undef NEED
	buf[o] = '\0';
	return (int)o;
}

int tapio_json_string(char *buf, size_t len, const char *s)
{
	return tapio_json_quote(buf, len, s, strlen(s));
}

void tapio_json_strn(struct tapio_json *j, const char *key, const char *s,
		     size_t n)
{
	int w;

	member(j, key);
	if (j->err)
		return;
	w = tapio_json_quote(j->buf + j->len, j->cap - j->len, s ? s : "", n);
	if (w < 0) {
		j->err = w;
		return;
	}
	j->len += (size_t)w;
}

void tapio_json_str(struct tapio_json *j, const char *key, const char *s)
{
	tapio_json_strn(j, key, s, s ? strlen(s) : 0);
}

/* Decimal digits of @v, written backwards from @end; returns the start. */
static char *u64_digits(__u64 v, char *end)
{
	do {
		*--end = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return end;
}

void tapio_json_u64(struct tapio_json *j, const char *key, __u64 v)
{
	char d[24], *p = u64_digits(v, d + sizeof(d));

	member(j, key);
	put(j, p, (size_t)(d + sizeof(d) - p));
}

void tapio_json_s64(struct tapio_json *j, const char *key, __s64 v)
{
	char d[24], *p;

	/* the magnitude as unsigned, so that INT64_MIN does not overflow */
	p = u64_digits(v < 0 ? -(__u64)v : (__u64)v, d + sizeof(d));
	if (v < 0)
		*--p = '-';
	member(j, key);
	put(j, p, (size_t)(d + sizeof(d) - p));
}

void tapio_json_bool(struct tapio_json *j, const char *key, bool v)
{
	member(j, key);
	if (v)
		put(j, "true", 4);
	else
		put(j, "false", 5);
}

void tapio_json_fixed(struct tapio_json *j, const char *key, double v,
		      int decimals)
{
	static const __u64 scale[] = {1,	 10,	    100,     1000,
				      10000,	 100000,    1000000, 10000000,
				      100000000, 1000000000};
	char d[48], *p, *end = d + sizeof(d);
	bool neg = v < 0;
	__u64 whole, frac, s;
	int i;

	if (decimals < 0)
		decimals = 0;
	if (decimals > 9)
		decimals = 9;
	s = scale[decimals];
	if (neg)
		v = -v;
	/* NaN, or too large for u64 once scaled: not written as a number */
	if (v != v || v * (double)s > 1.8e19) {
		member(j, key);
		put(j, "null", 4);
		return;
	}
	whole = (__u64)(v * (double)s + 0.5);
	frac = whole % s;
	whole /= s;
	p = end;
	for (i = 0; i < decimals; i++) {
		*--p = (char)('0' + frac % 10);
		frac /= 10;
	}
	if (decimals)
		*--p = '.';
	p = u64_digits(whole, p);
	if (neg)
		*--p = '-';
	member(j, key);
	put(j, p, (size_t)(end - p));
}

void tapio_json_raw(struct tapio_json *j, const char *key, const char *json)
{
	member(j, key);
	put(j, json, strlen(json));
}

int tapio_json_finish(struct tapio_json *j)
{
	if (j->err)
		return j->err;
	j->buf[j->len] = '\0';
	return (int)j->len;
}
