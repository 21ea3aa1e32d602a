/* SPDX-License-Identifier: GPL-2.0 */
/* tapio's own eBPF objects, for self-monitoring: how many programs, maps
 * and links there are, the memory they pin, and the programs' run time. */
#ifndef TAPIO_BPF_SELFMON_H
#define TAPIO_BPF_SELFMON_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>

#define TAPIO_SELFMON_MAX_PROGS 128 /* 2 per device, the probes' */
#define TAPIO_SELFMON_MAX_MAPS	256

struct tapio_selfmon {
	unsigned int progs, maps, links;
	__u64 memory_bytes; /* memlock of programs and maps */
	unsigned int nprog_stats;
	struct {
		char name[16];
		__u64 run_time_ns, run_cnt;
	} prog[TAPIO_SELFMON_MAX_PROGS];
};

/* The programs @prog_ids, their maps, and the links to them. */
int tapio_selfmon_scan(struct tapio_selfmon *s, const __u32 *prog_ids,
		       unsigned int n);
/* @run_stats: the programs' run counts and time are kept (BPF_ENABLE_STATS
 * is held) and their families are written */
void tapio_selfmon_write(FILE *f, const struct tapio_selfmon *s,
			 bool run_stats);

#endif /* TAPIO_BPF_SELFMON_H */
