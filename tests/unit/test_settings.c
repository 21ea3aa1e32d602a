// SPDX-License-Identifier: GPL-2.0
/* The settings tables of every subcommand: each row is accepted by its
 * flag and refused out of bounds, run's also through the file and the
 * environment; --help names every flag; SIGHUP applies only reloadable rows. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "cmd/cmd.h"
#include "lib/settings.h"
#include "run/run.h"

static const struct tapio_settings *const tables[] = {
	&tapio_run_settings,	&tapio_attach_settings,	 &tapio_detach_settings,
	&tapio_flows_settings,	&tapio_capture_settings, &tapio_status_settings,
	&tapio_doctor_settings, &tapio_trace_settings,	 &tapio_expire_settings,
	&tapio_filter_settings, &tapio_limit_settings,	 &tapio_sample_settings,
	&tapio_top_settings,
};

/* any subcommand's options struct fits */
static union {
	struct tapio_run_opts run;
	char bytes[1 << 16];
} opts;

/* A value the row must accept, and one it must refuse (NULL: none). */
static void samples(const struct tapio_setting *r, char *good, char *bad,
		    size_t len)
{
	good[0] = bad[0] = '\0';
	switch (r->type) {
	case TAPIO_SET_U32:
	case TAPIO_SET_MIB:
		snprintf(good, len, "%llu", (unsigned long long)r->max);
		snprintf(bad, len, "%llu", (unsigned long long)r->max + 1);
		break;
	case TAPIO_SET_POW2: {
		/* in range, not a power of two (min 1: 2 is one, 3 is not) */
		unsigned long long v = r->min + 1;

		if (!(v & (v - 1)))
			v++;
		snprintf(good, len, "%llu", (unsigned long long)r->max);
		snprintf(bad, len, "%llu", v);
		break;
	}
	case TAPIO_SET_SECONDS:
		snprintf(good, len, "%.3f", (double)r->min / 1e9);
		snprintf(bad, len, "%.0f", (double)r->max / 1e9 + 1);
		break;
	case TAPIO_SET_BOOL:
		snprintf(good, len, "true");
		snprintf(bad, len, "maybe");
		break;
	case TAPIO_SET_STRING:
		/* a checked string: an address it takes and a path it refuses
		 * (the rate limits: a stream's limit and a stream without) */
		snprintf(good, len, "%s",
			 !r->check		     ? "/tmp/x"
			 : !strcmp(r->key, "limit")  ? "exec=1000/100,tcp=5"
			 : !strcmp(r->key, "sample") ? "exec=10,tcp=auto:200"
						     : "127.0.0.1:4739");
		if (r->check)
			snprintf(bad, len, "%s",
				 strcmp(r->key, "limit") &&
						 strcmp(r->key, "sample")
					 ? "/tmp/x"
					 : "bio=5");
		break;
	case TAPIO_SET_CHOICE: {
		int i = 0;

		while (r->choices[i + 1])
			i++;
		snprintf(good, len, "%s", r->choices[i]);
		snprintf(bad, len, "bogus");
		break;
	}
	case TAPIO_SET_CUSTOM:
		if (!strcmp(r->key, "interfaces"))
			snprintf(good, len, "lo");
		else if (!strcmp(r->key, "xsk"))
			snprintf(good, len, "sample:4");
		else if (!strcmp(r->key, "xdp_mode"))
			snprintf(good, len, "generic");
		else if (!strcmp(r->key, "probes"))
			snprintf(good, len, "exec,tcp");
		else if (!strcmp(r->key, "mode"))
			snprintf(good, len, "native");
		else if (!strcmp(r->key, "sort"))
			snprintf(good, len, "packets");
		else if (strstr(r->key, "pid"))
			snprintf(good, len, "1");
		else if (strstr(r->key, "cgroup"))
			snprintf(good, len,
				 "1"); /* an id: v2 may be anywhere */
		else if (strstr(r->key, "dev"))
			snprintf(good, len, "7:0");
		if (strcmp(r->key, "interfaces"))
			snprintf(bad, len, "bogus");
		break;
	}
}

static int by_file(const struct tapio_setting *r, const char *v)
{
	struct tapio_run_opts o;
	char path[] = "/tmp/tapio-settings-XXXXXX";
	int fd = mkstemp(path), err;
	FILE *f = fdopen(fd, "w");

	assert_non_null(f);
	fprintf(f, "[run]\n%s = %s\n", r->key, v);
	fclose(f);
	memset(&o, 0, sizeof(o));
	assert_int_equal(tapio_settings_defaults(&tapio_run_settings, &o), 0);
	err = tapio_settings_file(&tapio_run_settings, &o, path, true);
	unlink(path);
	return err;
}

static int by_env(const struct tapio_setting *r, const char *v)
{
	struct tapio_run_opts o;
	char var[64];
	size_t k;
	int err;

	snprintf(var, sizeof(var), "TAPIO_%s", r->key);
	for (k = 0; var[k]; k++)
		var[k] = (char)toupper((unsigned char)var[k]);
	setenv(var, v, 1);
	memset(&o, 0, sizeof(o));
	assert_int_equal(tapio_settings_defaults(&tapio_run_settings, &o), 0);
	err = tapio_settings_env(&tapio_run_settings, &o);
	unsetenv(var);
	return err;
}

static int by_flag(const struct tapio_settings *s,
		   const struct tapio_setting *r, const char *v)
{
	char flag[64], *argv[4];
	int argc = 0, first, k;

	snprintf(flag, sizeof(flag), "--%s", r->flag ? r->flag : r->key);
	for (k = 2; flag[k]; k++)
		if (flag[k] == '_')
			flag[k] = '-';
	argv[argc++] = (char *)s->cmd;
	argv[argc++] = flag;
	if (r->arg && !r->value)
		argv[argc++] = (char *)v;
	argv[argc] = NULL;
	memset(&opts, 0, sizeof(opts));
	assert_int_equal(tapio_settings_defaults(s, &opts), 0);
	return tapio_settings_flags(s, &opts, argc, argv, &first);
}

static void every_row(const struct tapio_settings *s, bool file_and_env)
{
	char good[64], bad[64];
	size_t i;

	for (i = 0; i < s->n; i++) {
		const struct tapio_setting *r = &s->rows[i];

		samples(r, good, bad, sizeof(good));
		print_message("%s row %s: good '%s' bad '%s'\n", s->cmd, r->key,
			      good, bad);
		if (r->value) { /* a flag standing for key=value */
			assert_int_equal(by_flag(s, r, NULL), 0);
			continue;
		}
		assert_int_equal(by_flag(s, r, good), 0);
		if (bad[0] && r->arg) /* a plain flag takes no value */
			assert_int_not_equal(by_flag(s, r, bad), 0);
		if (!file_and_env)
			continue;
		if (r->flags & TAPIO_SET_FLAG_ONLY) {
			/* not a key of the file */
			assert_int_not_equal(by_file(r, good), 0);
			continue;
		}
		assert_int_equal(by_file(r, good), 0);
		assert_int_equal(by_env(r, good), 0);
		if (!bad[0])
			continue;
		assert_int_not_equal(by_file(r, bad), 0);
		assert_int_not_equal(by_env(r, bad), 0);
	}
}

/* run reads a file and TAPIO_* too; the others take flags only */
static void test_every_row(void **state)
{
	size_t t;

	(void)state;
	for (t = 0; t < sizeof(tables) / sizeof(tables[0]); t++)
		every_row(tables[t], tables[t] == &tapio_run_settings);
}

static void help_names_every_flag(const struct tapio_settings *s)
{
	char *text = NULL, flag[64];
	size_t len = 0, i, k;
	FILE *f = open_memstream(&text, &len);

	tapio_settings_help(s, f);
	fclose(f);
	for (i = 0; i < s->n; i++) {
		snprintf(flag, sizeof(flag), "--%s ",
			 s->rows[i].flag ? s->rows[i].flag : s->rows[i].key);
		for (k = 2; flag[k]; k++)
			if (flag[k] == '_')
				flag[k] = '-';
		if (!s->rows[i].arg || s->rows[i].value)
			flag[strlen(flag) - 1] = '\0';
		assert_non_null(strstr(text, flag));
	}
	free(text);
}

static void test_help_names_every_flag(void **state)
{
	size_t t;

	(void)state;
	for (t = 0; t < sizeof(tables) / sizeof(tables[0]); t++)
		help_names_every_flag(tables[t]);
}

static void test_reload(void **state)
{
	const struct tapio_settings *s = &tapio_run_settings;
	struct tapio_run_opts cur, fresh;
	char kept[256];

	(void)state;
	memset(&cur, 0, sizeof(cur));
	memset(&fresh, 0, sizeof(fresh));
	assert_int_equal(tapio_settings_defaults(s, &cur), 0);
	assert_int_equal(tapio_settings_defaults(s, &fresh), 0);
	assert_int_equal(
		tapio_settings_reload(s, &cur, &fresh, kept, sizeof(kept)), 0);
	assert_int_equal(tapio_settings_set(s, &fresh, "idle_timeout", "0.2"),
			 0);
	assert_int_equal(tapio_settings_set(s, &fresh, "max_flows", "10"), 0);
	assert_int_equal(tapio_settings_set(s, &fresh, "metrics", "none"), 0);
	assert_int_equal(
		tapio_settings_reload(s, &cur, &fresh, kept, sizeof(kept)), 2);
	assert_string_equal(kept, "max_flows, metrics");
	assert_int_equal(cur.idle_timeout_ns, 200000000ULL);
	assert_int_equal(cur.max_flows, 1048576);
	assert_int_equal(tapio_settings_set(s, &fresh, "nosuch", "1"), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_row),
		cmocka_unit_test(test_help_names_every_flag),
		cmocka_unit_test(test_reload),
	};

	return cmocka_run_group_tests_name("settings", tests, NULL, NULL);
}
