/* SPDX-License-Identifier: GPL-2.0 */
/* Process events from probes/exec.bpf.c through the tapio_events ring
 * buffer: exec (ok or failed) and exit of a process seen to exec. */
#ifndef TAPIO_EXEC_H
#define TAPIO_EXEC_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define TAPIO_COMM_LEN	   16
#define TAPIO_FILENAME_LEN 256
/* The argument block as the process sees it (NUL-separated argv), cut at
 * this many bytes; userspace also stops after TAPIO_EXEC_ARGS_MAX args. */
#define TAPIO_EXEC_ARGS_LEN 256
#define TAPIO_EXEC_ARGS_MAX 20

enum tapio_exec_type {
	TAPIO_EXEC_OK = 1,
	TAPIO_EXEC_FAILED,
	TAPIO_EXEC_EXIT,
};

struct tapio_exec_event {
	__u32 type; /* enum tapio_exec_type */
	__u32 pid;  /* tgid */
	__u32 ppid; /* tgid of the real parent */
	__u32 uid;
	__u32 gid;
	__s32 retval;	   /* failed: -errno; exit: exit code (wait status) */
	__u64 cgroup_id;   /* cgroup v2 id */
	__u64 ts_ns;	   /* CLOCK_MONOTONIC */
	__u64 lifetime_ns; /* exit: since the process was forked */
	__u32 args_len;	   /* bytes used in args */
	__u32 args_truncated;
	char comm[TAPIO_COMM_LEN];
	char filename[TAPIO_FILENAME_LEN];
	char args[TAPIO_EXEC_ARGS_LEN];
};

#endif /* TAPIO_EXEC_H */
