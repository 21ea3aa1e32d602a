/* SPDX-License-Identifier: GPL-2.0 */
/* Error and progress messages of the tapio binary: one line each, naming
 * what failed, on what object, and why. */
#ifndef TAPIO_LOG_H
#define TAPIO_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

enum tapio_log_level {
	TAPIO_LOG_ERROR,
	TAPIO_LOG_WARN,
	TAPIO_LOG_INFO,
	TAPIO_LOG_DEBUG,
};

/* Lines above this level are not written (default info). */
extern int tapio_log_level;
/* One JSON object per line on stderr instead of text. */
extern bool tapio_log_json;
/* libbpf's own detail: -v shows its info, -v -v its debug lines. */
extern int tapio_verbose;
/* Where progress (info) text goes: stdout, or stderr when stdout carries
 * data (the JSON lines of `tapio run`). */
extern FILE *tapio_info_fp;

void tapio_log(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void tapio_vlog(int level, const char *fmt, va_list ap);
/* "error", "warn", "info" or "debug" into @out; -EINVAL otherwise. */
int tapio_log_level_parse(const char *s, int *out);

/* While set, pr_err writes into this buffer instead of the log (the config
 * file reader turns a value error into one "FILE:LINE: key: ..." line; a
 * watched link that vanishes while attached is no error).  Per thread. */
extern __thread char *tapio_err_capture;
extern __thread size_t tapio_err_capture_len;
#define pr_err(fmt, ...)                                                       \
	do {                                                                   \
		if (tapio_err_capture)                                         \
			snprintf(tapio_err_capture, tapio_err_capture_len,     \
				 fmt, ##__VA_ARGS__);                          \
		else                                                           \
			tapio_log(TAPIO_LOG_ERROR, fmt, ##__VA_ARGS__);        \
	} while (0)
#define pr_warn(fmt, ...)  tapio_log(TAPIO_LOG_WARN, fmt, ##__VA_ARGS__)
#define pr_info(fmt, ...)  tapio_log(TAPIO_LOG_INFO, fmt, ##__VA_ARGS__)
#define pr_debug(fmt, ...) tapio_log(TAPIO_LOG_DEBUG, fmt, ##__VA_ARGS__)

/* strerror for a negative errno or libbpf error code, thread-safe. */
const char *tapio_strerror(int err, char *buf, size_t len);
#define TAPIO_ERRBUF 128

#endif /* TAPIO_LOG_H */
