// SPDX-License-Identifier: GPL-2.0
/* libFuzzer: any bytes as a settings file, through the engine every
 * subcommand's table uses (a table with a row of each type); a file is
 * taken or refused with a message, and every value taken is in bounds. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "lib/parse.h"
#include "lib/settings.h"

struct opts {
	__u32 count, frames;
	__u64 bytes, interval_ns;
	bool on;
	const char *path, *listen;
	int choice;
	int custom;
};

static const char *const colours[] = {"red", "green", "blue", NULL};

static int parse_custom(const char *name, const char *v, void *o)
{
	(void)name;
	((struct opts *)o)->custom = (int)strlen(v);
	return strlen(v) > 8 ? -EINVAL : 0;
}

#define F(f) TAPIO_FIELD(struct opts, f)
static const struct tapio_setting rows[] = {
	{.key = "count", .type = TAPIO_SET_U32, F(count), .min = 1, .max = 100},
	{.key = "frames",
	 .type = TAPIO_SET_POW2,
	 F(frames),
	 .min = 512,
	 .max = 32768},
	{.key = "memory_mb",
	 .type = TAPIO_SET_MIB,
	 F(bytes),
	 .min = 1,
	 .max = 1024},
	{.key = "interval",
	 .type = TAPIO_SET_SECONDS,
	 F(interval_ns),
	 .min = 1000000,
	 .max = 60000000000ULL},
	{.key = "on", .type = TAPIO_SET_BOOL, F(on)},
	{.key = "path",
	 .type = TAPIO_SET_STRING,
	 F(path),
	 .flags = TAPIO_SET_NONE_NULL},
	{.key = "listen",
	 .type = TAPIO_SET_STRING,
	 F(listen),
	 .check = tapio_check_listen},
	{.key = "colour",
	 .type = TAPIO_SET_CHOICE,
	 F(choice),
	 .choices = colours},
	{.key = "custom",
	 .type = TAPIO_SET_CUSTOM,
	 F(custom),
	 .parse = parse_custom},
};
static const struct tapio_settings table = {
	.cmd = "run",
	.rows = rows,
	.n = sizeof(rows) / sizeof(rows[0]),
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct opts o;
	char *text;
	int err;

	tapio_log_level = -1; /* refusals are expected: not to the terminal */
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	memset(&o, 0, sizeof(o));
	err = tapio_settings_text(&table, &o, "fuzz.conf", text, size);
	if (err && err != -EINVAL)
		abort();
	/* whatever was taken before an error or all of it, is in bounds */
	if ((o.count && (o.count < 1 || o.count > 100)) ||
	    (o.frames && (o.frames < 512 || o.frames > 32768 ||
			  (o.frames & (o.frames - 1)))) ||
	    (o.bytes && (o.bytes < (1ULL << 20) || o.bytes > (1ULL << 30))) ||
	    (o.interval_ns &&
	     (o.interval_ns < 1000000 || o.interval_ns > 60000000000ULL)) ||
	    o.choice < 0 || o.choice > 2)
		abort();
	free(text);
	return 0;
}
