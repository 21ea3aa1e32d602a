/* SPDX-License-Identifier: GPL-2.0 */
/* What every tracepoint probe object shares with userspace: the per-probe
 * counters of events not accounted (filtered, lost) and the run-time filter. */
#ifndef TAPIO_PROBE_H
#define TAPIO_PROBE_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/*
 * Index into each probe object's per-CPU tapio_pcnt array.  One list for all
 * probes so userspace reads and names them in one place; a probe leaves the
 * counters it has no use for at zero.
 */
enum tapio_probe_counter {
	TAPIO_PCNT_FILTERED = 0,   /* excluded by pid/cgroup/device filter */
	TAPIO_PCNT_RINGBUF_FULL,   /* event lost: ring buffer reserve failed */
	TAPIO_PCNT_MAP_FULL,	   /* state or stats map had no room */
	TAPIO_PCNT_MISSED_START,   /* completion whose start we never saw */
	TAPIO_PCNT_BIO_NO_INSERT,  /* issued without an insert: no queue time */
	TAPIO_PCNT_EXEC,	   /* successful execs */
	TAPIO_PCNT_EXEC_FAILED,	   /* execve/execveat returning an error */
	TAPIO_PCNT_FORK,	   /* processes (not threads) created */
	TAPIO_PCNT_EXIT,	   /* processes (thread groups) ended */
	TAPIO_PCNT_ARGS_TRUNCATED, /* exec arguments cut to the bound */
	TAPIO_PCNT_TCP_ACTIVE_OPEN,  /* CLOSE -> SYN_SENT */
	TAPIO_PCNT_TCP_PASSIVE_OPEN, /* SYN_RECV -> ESTABLISHED */
	TAPIO_PCNT_TCP_CLOSE,	     /* -> CLOSE from any state we timed */
	TAPIO_PCNT_TCP_RETRANS,	     /* retransmitted segments */
	TAPIO_PCNT_TCP_RST_SENT,
	TAPIO_PCNT_TCP_RST_RECV,
	TAPIO_PCNT_CACHE_LOOKUP,    /* pages asked for by reads and faults */
	TAPIO_PCNT_CACHE_MISS,	    /* pages added to the page cache */
	TAPIO_PCNT_CACHE_DIRTY,	    /* pages dirtied */
	TAPIO_PCNT_CACHE_WRITEBACK, /* pages written back */
	/* completions without an issue and without data: the empty PREFLUSH
	 * write of an fsync (a write, as /sys/block's stat counts it) */
	TAPIO_PCNT_BIO_DATALESS,
	/* events over the stream's rate limit: not sent, counted here (the
	 * counters above stay exact) */
	TAPIO_PCNT_RATE_LIMITED,
	/* events the stream's 1-in-N sampling left out (counters exact) */
	TAPIO_PCNT_SAMPLED_OUT,
	TAPIO_PCNT_MAX,
};

/* How one filter dimension applies: off, only listed, or all but listed. */
enum tapio_filter_mode {
	TAPIO_FILTER_OFF = 0,
	TAPIO_FILTER_INCLUDE,
	TAPIO_FILTER_EXCLUDE,
};

/*
 * Element 0 of tapio_pfilter; the sets are the hash maps tapio_fpid (tgid),
 * tapio_fcgroup (cgroup v2 id), tapio_fdev (kernel dev_t), tapio_fuid (uid)
 * and tapio_fns (namespace inode: mount, pid and net namespaces draw their
 * numbers from one allocator, so one set holds all three).  Dimensions
 * combine by "and"; within one an event matches if any listed value does.
 * Userspace may rewrite all of them while the programs run: no reload.
 */
struct tapio_probe_filter {
	__u8 pid_mode;
	__u8 cgroup_mode;
	__u8 dev_mode;
	__u8 uid_mode;
	__u8 ns_mode;
	/* some tapio_fpid entry has children set: walk the task's ancestors */
	__u8 pid_tree;
	__u8 pad[2];
};

/* A set's value: the events it matched (included or held back) and, in
 * tapio_fpid, whether the task's descendants match too. */
struct tapio_pfilter_val {
	__u64 hits;
	__u32 children;
	__u32 pad;
};

/* The filter's dimensions, each one set: what a rule lists. */
enum tapio_pfilter_kind {
	TAPIO_PF_PID = 1, /* tapio_fpid */
	TAPIO_PF_CGROUP,  /* tapio_fcgroup */
	TAPIO_PF_DEV,	  /* tapio_fdev */
	TAPIO_PF_UID,	  /* tapio_fuid */
	TAPIO_PF_NS,	  /* tapio_fns */
	TAPIO_PF_KINDS,
};

/* How far up a task's parents a pid rule with children looks. */
#define TAPIO_PID_TREE_DEPTH 8

#define TAPIO_FILTER_SET_MAX 1024

/*
 * Element 0 of tapio_plimit: a stream's events (exec, tcp) at most 1 s /
 * interval_ns a second, in bursts of up to tolerance_ns / interval_ns + 1,
 * by the generic cell rate algorithm: one theoretical arrival time that
 * every CPU moves forward by compare-and-swap, no lock.  Userspace writes
 * interval_ns and tolerance_ns while the programs run; tat_ns is theirs.
 */
/*
 * Element 0 of tapio_psample: one event in n of a stream is sent, chosen
 * at random per event (0 or 1: every one); the events that matter most
 * (failed execs, exits by a signal, TCP retransmits) are always sent.
 * Userspace writes it while the programs run.
 */
struct tapio_sampling {
	__u32 n;
	__u32 pad;
};

struct tapio_rate_limit {
	__u64 interval_ns; /* 0: no limit */
	__u64 tolerance_ns;
	__u64 tat_ns;
};

/* The kernel's dev_t: 12-bit major above a 20-bit minor. */
#define TAPIO_KDEV_MAJOR(d) ((unsigned int)((d) >> 20))
#define TAPIO_KDEV_MINOR(d) ((unsigned int)((d)&0xfffff))
#define TAPIO_KDEV(ma, mi)  ((__u32)(((ma) << 20) | (mi)))

#endif /* TAPIO_PROBE_H */
