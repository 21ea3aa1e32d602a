/* SPDX-License-Identifier: GPL-2.0 */
/* The JSON lines sink of `tapio run`: every ended flow (with its end reason)
 * and every probe event as one line, to stdout or a rotated file. */
#ifndef TAPIO_JSON_LINES_H
#define TAPIO_JSON_LINES_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "lib/pipeline.h"

struct tapio_json_lines {
	int fd;	      /* 1 (stdout), or the file */
	bool regular; /* a regular file: a cut line can be taken back */
	const char *path;
	__u64 size, rotate_bytes; /* bytes in the file; rotate past (0: no) */
	__s64 mono_to_real;
	/* whole lines not written yet: written at each tick, when full and
	 * at close, so a line is in the file whole or not at all */
	char *buf;
	size_t len, cap;
	__u64 pending;	      /* lines in buf */
	__u64 written;	      /* lines written */
	__u64 errors;	      /* lines lost: too long, or a write failed */
	char failure[160];    /* the last failed write; "" once one works */
	pthread_mutex_t lock; /* the probes' reader thread writes too */
	/* the flows' packet sampling (1 in N; 0, 1: none): each record then
	 * says so, with its estimates' 95% intervals */
	__u32 sample_n;
};

/*
 * @path NULL: stdout; "none" is the caller's (no sink).  A file is opened
 * for appending, never through a symlink and only if this user owns it
 * (created 0640), and rotated past @rotate_mb MiB (0: never).
 */
int tapio_json_lines_open(struct tapio_json_lines *jl, const char *path,
			  __u32 rotate_mb);
/* Write what is buffered now (tick and close do it). */
void tapio_json_lines_flush(struct tapio_json_lines *jl);

extern const struct tapio_sink_ops tapio_json_lines_ops;

#endif /* TAPIO_JSON_LINES_H */
