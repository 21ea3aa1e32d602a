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

/* An object held open: ids lead to objects only with CAP_SYS_ADMIN, which
 * `tapio run` gives up once attached, while an fd keeps answering. */
struct tapio_selfmon_obj {
	__u32 id;
	__u32 prog_id; /* a link's program */
	int fd;	       /* -1 for a link: only its id is kept */
};

struct tapio_selfmon {
	struct tapio_selfmon_obj held_prog[TAPIO_SELFMON_MAX_PROGS];
	struct tapio_selfmon_obj held_map[TAPIO_SELFMON_MAX_MAPS];
	struct tapio_selfmon_obj held_link[TAPIO_SELFMON_MAX_PROGS];
	unsigned int nheld_prog, nheld_map, nheld_link;
	bool denied; /* no CAP_SYS_ADMIN at open: nothing to report */
	/* the last scan */
	unsigned int progs, maps, links;
	__u64 memory_bytes; /* memlock of programs and maps */
	unsigned int nprog_stats;
	struct {
		char name[16];
		__u64 run_time_ns, run_cnt;
	} prog[TAPIO_SELFMON_MAX_PROGS];
};

/* Holds the programs @prog_ids, their maps and the links to them (while
 * the process still has CAP_SYS_ADMIN: before `tapio run` drops it). */
void tapio_selfmon_open(struct tapio_selfmon *s, const __u32 *prog_ids,
			unsigned int n);
/* Counts what is held of the programs @prog_ids (still ours), their maps
 * and links; a program not held yet is opened if the process may. */
int tapio_selfmon_scan(struct tapio_selfmon *s, const __u32 *prog_ids,
		       unsigned int n);
void tapio_selfmon_close(struct tapio_selfmon *s);
/* @run_stats: the programs' run counts and time are kept (BPF_ENABLE_STATS
 * is held) and their families are written */
void tapio_selfmon_write(FILE *f, const struct tapio_selfmon *s,
			 bool run_stats);

#endif /* TAPIO_BPF_SELFMON_H */
