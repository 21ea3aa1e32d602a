// SPDX-License-Identifier: GPL-2.0
/* The settings engine: parses one value by its row's type and bounds, and
 * drives getopt_long, libinih and the environment from the same rows. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <ini.h>

#include "lib/log.h"
#include "lib/parse.h"
#include "lib/settings.h"

#define SETTINGS_MAX 64 /* rows of one table */

/* Values live as long as the process: options keep pointers to them. */
static char *keep(const char *v)
{
	char *c = strdup(v);

	if (!c)
		abort();
	return c;
}

static int parse_bool(const char *name, const char *v, bool *out)
{
	if (!strcmp(v, "true") || !strcmp(v, "yes") || !strcmp(v, "1"))
		*out = true;
	else if (!strcmp(v, "false") || !strcmp(v, "no") || !strcmp(v, "0"))
		*out = false;
	else {
		pr_err("invalid %s '%s': expected true or false", name, v);
		return -EINVAL;
	}
	return 0;
}

static int parse_choice(const struct tapio_setting *r, const char *name,
			const char *v, int *out)
{
	char list[256] = "";
	size_t o = 0;
	int i;

	for (i = 0; r->choices[i]; i++) {
		if (!strcmp(v, r->choices[i])) {
			*out = i;
			return 0;
		}
	}
	for (i = 0; r->choices[i] && o < sizeof(list); i++)
		o += (size_t)snprintf(list + o, sizeof(list) - o, "%s%s",
				      !i		  ? ""
				      : r->choices[i + 1] ? ", "
							  : " or ",
				      r->choices[i]);
	pr_err("invalid %s '%s': expected %s", name, v, list);
	return -EINVAL;
}

/* @v into the row's field of @opts; @name is how the user named it. */
static int apply(const struct tapio_setting *r, const char *name, const char *v,
		 void *opts)
{
	void *field = (char *)opts + r->offset;
	__u32 u;
	int err;

	switch (r->type) {
	case TAPIO_SET_U32:
		return tapio_parse_u32(name, v, (__u32)r->min, (__u32)r->max,
				       field);
	case TAPIO_SET_POW2:
		err = tapio_parse_u32(name, v, (__u32)r->min, (__u32)r->max,
				      &u);
		if (!err && (u & (u - 1))) {
			pr_err("invalid %s '%s': not a power of two", name, v);
			return -EINVAL;
		}
		if (!err)
			*(__u32 *)field = u;
		return err;
	case TAPIO_SET_MIB:
		err = tapio_parse_u32(name, v, (__u32)r->min, (__u32)r->max,
				      &u);
		if (!err)
			*(__u64 *)field = (__u64)u << 20;
		return err;
	case TAPIO_SET_SECONDS:
		return tapio_parse_seconds(name, v, r->min, r->max, field);
	case TAPIO_SET_BOOL:
		return parse_bool(name, v, field);
	case TAPIO_SET_STRING:
		if ((r->flags & TAPIO_SET_NONE_NULL) && !strcmp(v, "none")) {
			*(const char **)field = NULL;
			return 0;
		}
		if (r->check && r->check(name, v))
			return -EINVAL;
		*(const char **)field = keep(v);
		return 0;
	case TAPIO_SET_CHOICE:
		return parse_choice(r, name, v, field);
	case TAPIO_SET_CUSTOM:
		return r->parse(name, v, opts);
	}
	return -EINVAL;
}

int tapio_settings_defaults(const struct tapio_settings *s, void *opts)
{
	size_t i;
	int err;

	for (i = 0; i < s->n; i++) {
		if (!s->rows[i].def || s->rows[i].value)
			continue;
		err = apply(&s->rows[i], s->rows[i].key, s->rows[i].def, opts);
		if (err)
			return err; /* a wrong table: the unit test sees it */
	}
	return 0;
}

/* The row that file and environment use for @key (not a flag alias). */
const struct tapio_setting *tapio_setting_find(const struct tapio_settings *s,
					       const char *key)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (!s->rows[i].value && !strcmp(s->rows[i].key, key))
			return &s->rows[i];
	return NULL;
}

int tapio_settings_set(const struct tapio_settings *s, void *opts,
		       const char *key, const char *value)
{
	const struct tapio_setting *r = tapio_setting_find(s, key);
	char shown[64];

	if (!r || (r->flags & TAPIO_SET_FLAG_ONLY)) {
		pr_err("unknown key '%s'",
		       tapio_printable(key, shown, sizeof(shown)));
		return -ENOENT;
	}
	return apply(r, key, value, opts);
}

struct file_ctx {
	const struct tapio_settings *s;
	void *opts;
	bool seen[SETTINGS_MAX]; /* rows the file set already */
	char why[256];
};

static int on_entry(void *user, const char *section, const char *key,
		    const char *value)
{
	struct file_ctx *c = user;
	const struct tapio_setting *r;
	char shown[64];
	int err;

	if (strcmp(section, c->s->cmd)) {
		if (section[0])
			snprintf(
				c->why, sizeof(c->why), "unknown section [%s]",
				tapio_printable(section, shown, sizeof(shown)));
		else
			snprintf(c->why, sizeof(c->why),
				 "key '%s' is outside the [%s] section",
				 tapio_printable(key, shown, sizeof(shown)),
				 c->s->cmd);
		return 0;
	}
	/* the second of two lines would win silently: say which */
	r = tapio_setting_find(c->s, key);
	if (r && r - c->s->rows < SETTINGS_MAX) {
		if (c->seen[r - c->s->rows]) {
			snprintf(c->why, sizeof(c->why),
				 "key '%s' is set twice", key);
			return 0;
		}
		c->seen[r - c->s->rows] = true;
	}
	tapio_err_capture = c->why;
	tapio_err_capture_len = sizeof(c->why);
	err = tapio_settings_set(c->s, c->opts, key, value);
	tapio_err_capture = NULL;
	return err ? 0 : 1; /* 0 stops inih at this line */
}

#define CONFIG_MAX (1 << 20) /* bytes: a settings file is a few hundred */

/* The whole file, NUL-terminated, or NULL with the reason printed.  Only a
 * regular file of sane size: a directory, a device (/dev/zero) or a FIFO
 * would read as nothing, forever, or block. */
static char *read_config(const char *path, bool required, size_t *len, int *err)
{
	struct stat st;
	char *buf = NULL;
	size_t got = 0;
	ssize_t n;
	int fd;

	*err = 0;
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		*err = -errno;
		if (!required && errno == ENOENT)
			return NULL;
		pr_err("cannot read config file %s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		*err = -EINVAL;
		pr_err("cannot read config file %s: %s", path,
		       S_ISDIR(st.st_mode) ? "it is a directory"
					   : "not a regular file");
		goto out;
	}
	if (st.st_size > CONFIG_MAX) {
		*err = -EFBIG;
		pr_err("cannot read config file %s: larger than %d bytes", path,
		       CONFIG_MAX);
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		*err = -ENOMEM;
		pr_err("cannot read config file %s: %s", path,
		       strerror(ENOMEM));
		goto out;
	}
	while (got < (size_t)st.st_size &&
	       (n = read(fd, buf + got, (size_t)st.st_size - got)) > 0)
		got += (size_t)n;
	buf[got] = '\0';
	*len = got;
out:
	close(fd);
	return buf;
}

/* Control bytes (a NUL would end a line early without a word) and lines
 * longer than libinih reads are refused by line: line number or 0. */
static int bad_line(const char *buf, size_t len, char *why, size_t why_len)
{
	size_t i, start = 0;
	int line = 1;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)buf[i];

		if (c == '\n') {
			line++;
			start = i + 1;
			continue;
		}
		if ((c < 0x20 && c != '\t' && c != '\r') || c == 0x7f) {
			snprintf(why, why_len, "control byte \\x%02x", c);
			return line;
		}
		if (i - start >= (size_t)INI_MAX_LINE - 3) {
			snprintf(why, why_len, "line longer than %d bytes",
				 INI_MAX_LINE - 3);
			return line;
		}
	}
	return 0;
}

int tapio_settings_text(const struct tapio_settings *s, void *opts,
			const char *name, const char *text, size_t len)
{
	struct file_ctx c = {.s = s, .opts = opts};
	int line;

	line = bad_line(text, len, c.why, sizeof(c.why));
	if (!line && text[len] != '\0')
		return -EINVAL; /* the caller's mistake: not terminated */
	if (!line)
		line = ini_parse_string(text, on_entry, &c);
	if (line > 0) {
		pr_err("%s:%d: %s", name, line,
		       c.why[0] ? c.why : "syntax error");
		return -EINVAL;
	}
	return line ? -EINVAL : 0;
}

int tapio_settings_file(const struct tapio_settings *s, void *opts,
			const char *path, bool required)
{
	size_t len = 0;
	char *buf;
	int err;

	buf = read_config(path, required, &len, &err);
	if (!buf)
		return !required && err == -ENOENT ? 0 : err;
	err = tapio_settings_text(s, opts, path, buf, len);
	free(buf);
	return err;
}

int tapio_settings_env(const struct tapio_settings *s, void *opts)
{
	char var[64], why[256];
	const char *v;
	size_t i, k;
	int err;

	for (i = 0; i < s->n; i++) {
		const struct tapio_setting *r = &s->rows[i];

		if (r->value || (r->flags & TAPIO_SET_FLAG_ONLY))
			continue;
		snprintf(var, sizeof(var), "TAPIO_%s", r->key);
		for (k = 6; var[k]; k++)
			var[k] = (char)toupper((unsigned char)var[k]);
		v = getenv(var);
		if (!v)
			continue;
		why[0] = '\0';
		tapio_err_capture = why;
		tapio_err_capture_len = sizeof(why);
		err = apply(r, r->key, v, opts);
		tapio_err_capture = NULL;
		if (err) {
			pr_err("environment %s: %s", var, why);
			return -EINVAL;
		}
	}
	return 0;
}

/* The long flag of a row: its own, or the key with '-' for '_'. */
static const char *flag_of(const struct tapio_setting *r, char *buf, size_t len)
{
	size_t i;

	if (r->flag)
		return r->flag;
	snprintf(buf, len, "%s", r->key);
	for (i = 0; buf[i]; i++)
		if (buf[i] == '_')
			buf[i] = '-';
	return buf;
}

int tapio_settings_flags(const struct tapio_settings *s, void *opts, int argc,
			 char **argv, int *first_arg)
{
	char names[SETTINGS_MAX][48];
	struct option lo[SETTINGS_MAX + 2];
	char shorts[2 * SETTINGS_MAX + 4] = ":h", name[56];
	size_t i, n = 0, o = 2;
	int opt, idx;

	if (s->n > SETTINGS_MAX)
		return -E2BIG;
	for (i = 0; i < s->n; i++) {
		const struct tapio_setting *r = &s->rows[i];
		bool has_arg = r->arg && !r->value;

		lo[n++] = (struct option){
			flag_of(r, names[i], sizeof(names[i])),
			has_arg ? required_argument : no_argument, NULL,
			256 + (int)i};
		if (r->short_opt) {
			shorts[o++] = r->short_opt;
			if (has_arg)
				shorts[o++] = ':';
		}
	}
	lo[n++] = (struct option){"help", no_argument, NULL, 'h'};
	lo[n] = (struct option){0};
	shorts[o] = '\0';

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, shorts, lo, NULL)) != -1) {
		if (opt == 'h') {
			tapio_settings_help(s, stdout);
			return 1;
		}
		if (tapio_getopt_error(opt, argv))
			return -EINVAL;
		idx = opt >= 256 ? opt - 256 : -1;
		for (i = 0; idx < 0 && i < s->n; i++)
			if (s->rows[i].short_opt == opt)
				idx = (int)i;
		if (idx < 0)
			return -EINVAL;
		snprintf(name, sizeof(name), "--%s", lo[idx].name);
		if (apply(&s->rows[idx], name,
			  s->rows[idx].value ? s->rows[idx].value
			  : s->rows[idx].arg ? optarg
					     : "true",
			  opts))
			return -EINVAL;
	}
	*first_arg = optind;
	return 0;
}

/* @text wrapped into lines that start at column @indent. */
/* @text from column @col, words wrapped before column 79; each new line
 * starts with @lead (spaces under --help, "; " in a settings file). */
static void wrap(FILE *out, const char *text, int col, const char *lead)
{
	int indent = (int)strlen(lead);
	const char *w = text;

	while (*w) {
		size_t len = strcspn(w, " ");

		if (col > indent && col + 1 + (int)len > 79) {
			fprintf(out, "\n%s", lead);
			col = indent;
		} else if (col > indent) {
			fputc(' ', out);
			col++;
		}
		fprintf(out, "%.*s", (int)len, w);
		col += (int)len;
		w += len;
		while (*w == ' ')
			w++;
	}
	fputc('\n', out);
}

/* A row's help with "(MIN..MAX, default D)" where the row has them, and
 * whether SIGHUP applies it. */
static void describe(const struct tapio_setting *r, char *text, size_t len)
{
	char range[48] = "";

	if ((r->type == TAPIO_SET_U32 || r->type == TAPIO_SET_POW2 ||
	     r->type == TAPIO_SET_MIB) &&
	    r->max)
		snprintf(range, sizeof(range), "%llu..%llu",
			 (unsigned long long)r->min,
			 (unsigned long long)r->max);
	snprintf(text, len, "%s%s%s%s%s%s%s", r->help,
		 range[0] || (r->def && !r->value) ? " (" : "", range,
		 range[0] && r->def && !r->value ? ", " : "",
		 r->def && !r->value ? "default " : "",
		 r->def && !r->value ? r->def : "",
		 range[0] || (r->def && !r->value) ? ")" : "");
	if (r->flags & TAPIO_SET_RELOAD)
		strncat(text, "; SIGHUP applies it", len - strlen(text) - 1);
}

void tapio_settings_help(const struct tapio_settings *s, FILE *out)
{
	char text[512], buf[48], left[64];
	size_t i;

	fprintf(out, "%s\n", s->usage);
	for (i = 0; i < s->n; i++) {
		const struct tapio_setting *r = &s->rows[i];
		int col;

		snprintf(left, sizeof(left), "  %c%c%c --%s%s%s",
			 r->short_opt ? '-' : ' ',
			 r->short_opt ? r->short_opt : ' ',
			 r->short_opt ? ',' : ' ', flag_of(r, buf, sizeof(buf)),
			 r->arg && !r->value ? " " : "",
			 r->arg && !r->value ? r->arg : "");
		describe(r, text, sizeof(text));
		col = fprintf(out, "%-28s", left);
		if (col > 28) {
			fprintf(out, "\n%28s", "");
			col = 28;
		}
		wrap(out, text, col, "                            ");
	}
	if (s->epilog)
		fprintf(out, "\n%s\n", s->epilog);
}

void tapio_settings_example(const struct tapio_settings *s, FILE *out)
{
	char text[512];
	size_t i;

	fprintf(out,
		"; tapio.conf: the [%s] settings of tapio, each with its "
		"default (tapio.conf(5)).\n"
		"; Then TAPIO_<KEY> variables, then flags, override them. "
		"Written by\n"
		"; `tapio %s --print-config` from the settings table.\n\n"
		"[%s]\n",
		s->cmd, s->cmd, s->cmd);
	for (i = 0; i < s->n; i++) {
		const struct tapio_setting *r = &s->rows[i];

		/* a flag standing for key=value is its key's second row */
		if ((r->flags & TAPIO_SET_FLAG_ONLY) || r->value)
			continue;
		describe(r, text, sizeof(text));
		fputs("\n; ", out);
		wrap(out, text, 2, "; ");
		if (r->def)
			fprintf(out, ";%s = %s\n", r->key, r->def);
		else if (r->type == TAPIO_SET_BOOL)
			fprintf(out, ";%s = false\n", r->key);
		else
			fprintf(out, ";%s =\n", r->key);
	}
}

static bool str_equal(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

int tapio_settings_reload(const struct tapio_settings *s, void *cur,
			  const void *fresh, char *kept, size_t len)
{
	size_t i, o = 0;
	int n = 0;

	if (len)
		kept[0] = '\0';
	for (i = 0; i < s->n; i++) {
		const struct tapio_setting *r = &s->rows[i];
		const void *a = (const char *)cur + r->offset;
		const void *b = (const char *)fresh + r->offset;
		bool same;

		if (r->value || (r->flags & TAPIO_SET_FLAG_ONLY))
			continue;
		if (r->type == TAPIO_SET_STRING)
			same = str_equal(*(const char *const *)a,
					 *(const char *const *)b);
		else if (r->equal)
			same = r->equal(cur, fresh);
		else
			same = !memcmp(a, b, r->size);
		if (same)
			continue;
		if (r->flags & TAPIO_SET_RELOAD) {
			memcpy((char *)cur + r->offset, b, r->size);
			continue;
		}
		if (o < len)
			o += (size_t)snprintf(kept + o, len - o, "%s%s",
					      n ? ", " : "", r->key);
		n++;
	}
	return n;
}
