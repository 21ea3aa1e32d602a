/* SPDX-License-Identifier: GPL-2.0 */
/* The one JSON writer of every output (flow records, events, summaries, logs,
 * status): members appended to a caller's buffer, no document tree. */
#ifndef TAPIO_JSON_H
#define TAPIO_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

/*
 * A writer over a fixed buffer.  Calls never fail one by one: the first
 * that does not fit sets err, later ones do nothing, and tapio_json_finish()
 * reports it.  @key NULL writes an array element.
 */
struct tapio_json {
	char *buf;
	size_t cap, len;
	int err;    /* 0, or -ENOSPC once anything did not fit */
	bool comma; /* a member precedes: the next one needs a comma */
};

void tapio_json_init(struct tapio_json *j, char *buf, size_t cap);
/* '{' at the top, or "key":{ inside an object */
void tapio_json_object(struct tapio_json *j, const char *key);
void tapio_json_object_end(struct tapio_json *j);
void tapio_json_array(struct tapio_json *j, const char *key);
void tapio_json_array_end(struct tapio_json *j);
void tapio_json_str(struct tapio_json *j, const char *key, const char *s);
/* at most @n bytes of @s (stops at a NUL) */
void tapio_json_strn(struct tapio_json *j, const char *key, const char *s,
		     size_t n);
void tapio_json_u64(struct tapio_json *j, const char *key, __u64 v);
void tapio_json_s64(struct tapio_json *j, const char *key, __s64 v);
void tapio_json_bool(struct tapio_json *j, const char *key, bool v);
/* fixed point with @decimals digits after the point (0..9) */
void tapio_json_fixed(struct tapio_json *j, const char *key, double v,
		      int decimals);
/* @json is already a JSON value (a nested record written elsewhere) */
void tapio_json_raw(struct tapio_json *j, const char *key, const char *json);
/* The text's length (NUL-terminated), or -ENOSPC. */
int tapio_json_finish(struct tapio_json *j);

/*
 * @s (at most @n bytes, up to a NUL) as a quoted JSON string: quote,
 * backslash and control bytes escaped (\u00XX), valid UTF-8 kept as it is,
 * every byte that is not part of valid UTF-8 written as \ufffd.  The output
 * is always valid UTF-8 JSON.  Length written, or -ENOSPC.
 */
int tapio_json_quote(char *buf, size_t len, const char *s, size_t n);
/* The same for a NUL-terminated @s. */
int tapio_json_string(char *buf, size_t len, const char *s);

#endif /* TAPIO_JSON_H */
