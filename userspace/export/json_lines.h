/* SPDX-License-Identifier: GPL-2.0 */
/* The JSON lines sink of `tapio run`: every ended flow (with its end reason)
 * and every probe event as one line, to stdout or a rotated file. */
#ifndef TAPIO_JSON_LINES_H
#define TAPIO_JSON_LINES_H

#include <pthread.h>
#include <stdio.h>
#include <linux/types.h>

#include "lib/pipeline.h"

struct tapio_json_lines {
	FILE *out; /* stdout, or the file */
	const char *path;
	__u64 size, rotate_bytes;
	__s64 mono_to_real;
	__u64 errors;	      /* records that could not be written */
	pthread_mutex_t lock; /* the probes' reader thread writes too */
};

/* @path NULL: stdout; "none" is the caller's (no sink).  A file is opened
 * for appending and rotated past @rotate_mb MiB (0: never). */
int tapio_json_lines_open(struct tapio_json_lines *jl, const char *path,
			  __u32 rotate_mb);

extern const struct tapio_sink_ops tapio_json_lines_ops;

#endif /* TAPIO_JSON_LINES_H */
