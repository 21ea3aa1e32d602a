/* SPDX-License-Identifier: GPL-2.0 */
/* Error and progress messages of the tapio binary: one line each, naming
 * what failed, on what object, and why. */
#ifndef TAPIO_LOG_H
#define TAPIO_LOG_H

#include <stdio.h>

extern int tapio_verbose;
/* Where progress messages go: stdout, or stderr when stdout carries data
 * (the JSON lines of `tapio run`). */
extern FILE *tapio_info_fp;

/* While set, pr_err writes into this buffer instead of stderr (the config
 * file reader turns a value error into one "FILE:LINE: key: ..." line). */
extern char *tapio_err_capture;
extern size_t tapio_err_capture_len;
#define pr_err(fmt, ...)                                                       \
	do {                                                                   \
		if (tapio_err_capture)                                         \
			snprintf(tapio_err_capture, tapio_err_capture_len,     \
				 fmt, ##__VA_ARGS__);                          \
		else                                                           \
			fprintf(stderr, "tapio: " fmt "\n", ##__VA_ARGS__);    \
	} while (0)
#define pr_warn(fmt, ...)                                                      \
	fprintf(stderr, "tapio: warning: " fmt "\n", ##__VA_ARGS__)
#define pr_info(fmt, ...)                                                      \
	fprintf(tapio_info_fp ? tapio_info_fp : stdout, fmt "\n", ##__VA_ARGS__)
#define pr_debug(fmt, ...)                                                     \
	do {                                                                   \
		if (tapio_verbose)                                             \
			fprintf(stderr, "tapio: " fmt "\n", ##__VA_ARGS__);    \
	} while (0)

/* strerror for a negative errno or libbpf error code, thread-safe. */
const char *tapio_strerror(int err, char *buf, size_t len);
#define TAPIO_ERRBUF 128

#endif /* TAPIO_LOG_H */
