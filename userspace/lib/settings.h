/* SPDX-License-Identifier: GPL-2.0 */
/* One settings table per subcommand: each row is a setting's key, flag, type,
 * bounds, default, help and reload rule; flags, file, environment and --help
 * all come from it (modelled on xdp-tools' DEFINE_OPTION tables). */
#ifndef TAPIO_SETTINGS_H
#define TAPIO_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>

enum tapio_setting_type {
	TAPIO_SET_U32,	   /* __u32 in [min, max] */
	TAPIO_SET_POW2,	   /* __u32 power of two in [min, max] */
	TAPIO_SET_MIB,	   /* MiB in [min, max], stored as __u64 bytes */
	TAPIO_SET_SECONDS, /* seconds with decimals, stored as __u64 ns;
			    * min and max in ns */
	TAPIO_SET_BOOL,	   /* bool: true/yes/1, false/no/0; a flag sets it */
	TAPIO_SET_STRING,  /* const char *, kept for the process's life */
	TAPIO_SET_CHOICE,  /* int: the index of the value in choices[] */
	TAPIO_SET_CUSTOM,  /* parse() does it */
};

/* row flags */
/* SIGHUP changes it while running: the field's bytes are copied, so a
 * reloadable row must not be a CUSTOM one that points into other memory */
#define TAPIO_SET_RELOAD    (1u << 0)
#define TAPIO_SET_NONE_NULL (1u << 1) /* string: "none" stores NULL */
#define TAPIO_SET_FLAG_ONLY (1u << 2) /* a flag, not a file key or TAPIO_* */

struct tapio_setting {
	const char *key;  /* file key; TAPIO_<KEY>; flag --key with '-' */
	const char *flag; /* long flag when it is not the key's */
	char short_opt;
	enum tapio_setting_type type;
	size_t offset, size; /* the field in the options struct */
	__u64 min, max;
	const char *def;  /* default as text (parsed like any value) */
	const char *arg;  /* what --help calls the value; NULL: a plain flag */
	const char *help; /* one sentence; --help wraps it */
	unsigned int flags;
	const char *const *choices; /* CHOICE: NULL-terminated */
	/* CUSTOM: @name is how the user named it (--flag or key) */
	int (*parse)(const char *name, const char *v, void *opts);
	/* STRING: refuses a malformed value with a message naming it */
	int (*check)(const char *name, const char *v);
	/* CUSTOM fields that are not plain bytes (pointers inside) */
	bool (*equal)(const void *a, const void *b);
	const char *value; /* a flag that stands for key=value (--ipfix-tcp) */
};

#define TAPIO_FIELD(type, f) offsetof(type, f), sizeof(((type *)0)->f)

struct tapio_settings {
	const char *cmd;    /* "run": the [run] section, "tapio run" */
	const char *usage;  /* first lines of --help */
	const char *epilog; /* after the options, or NULL */
	const struct tapio_setting *rows;
	size_t n;
};

/* Every default into @opts (zero for rows without one). */
int tapio_settings_defaults(const struct tapio_settings *s, void *opts);
/* One setting by file key; -ENOENT for an unknown key, after one line. */
int tapio_settings_set(const struct tapio_settings *s, void *opts,
		       const char *key, const char *value);
/* An ini file (libinih): every key in section [cmd], once; errors name
 * FILE:LINE.  A missing file is no error unless @required. */
int tapio_settings_file(const struct tapio_settings *s, void *opts,
			const char *path, bool required);
/* The same for @len bytes of text (NUL-terminated at @len) named @name. */
int tapio_settings_text(const struct tapio_settings *s, void *opts,
			const char *name, const char *text, size_t len);
/* TAPIO_<KEY> variables; an error names the variable. */
int tapio_settings_env(const struct tapio_settings *s, void *opts);
/* Flags (getopt_long built from the table).  0 with *first_arg at the
 * first operand, 1 after --help was printed, or -EINVAL after one line. */
int tapio_settings_flags(const struct tapio_settings *s, void *opts, int argc,
			 char **argv, int *first_arg);
void tapio_settings_help(const struct tapio_settings *s, FILE *out);
/* Every file key as a settings file: its help, bounds and default, the
 * key commented out with its default (the shipped tapio.conf). */
void tapio_settings_example(const struct tapio_settings *s, FILE *out);
/*
 * SIGHUP: copies the reloadable rows that differ from @fresh into @cur and
 * names the others that differ in @kept ("interfaces, metrics"); returns
 * how many were kept.
 */
int tapio_settings_reload(const struct tapio_settings *s, void *cur,
			  const void *fresh, char *kept, size_t len);
/* The row of @key, or NULL. */
const struct tapio_setting *tapio_setting_find(const struct tapio_settings *s,
					       const char *key);

#endif /* TAPIO_SETTINGS_H */
