/* SPDX-License-Identifier: GPL-2.0 */
/* The `tapio run` control socket.  A client connects and sends one request
 * (struct tapio_socket_req).  To TAPIO_VERB_FLOWS the daemon answers with a
 * header, its table's flows as struct tapio_flow_rec, then an end record
 * (key.ip_version 0, which no flow has; val.packets = records sent,
 * val.last_seen_ns = when the table was last collected into): a
 * stream without it was cut short.  To any other verb, with a header and
 * one struct tapio_socket_result.  Then it closes. */
#ifndef TAPIO_DAEMON_SOCKET_H
#define TAPIO_DAEMON_SOCKET_H

#include <linux/types.h>

#include "tapio/flow_filter.h"

#define TAPIO_SOCKET_DEFAULT "/run/tapio/tapio.sock"
#define TAPIO_SOCKET_MAGIC   0x7461706fU /* "tapo" */
/* 5: prefix sets; 4: probe filter rules; 3: requests; 2: the table,
 * unasked */
#define TAPIO_SOCKET_VERSION 5

enum tapio_socket_verb {
	TAPIO_VERB_FLOWS = 1, /* the table; arg: only this ifindex, 0: all */
	/* every source drained, then every flow of the table ended now
	 * (end reason flush) and exported: softflowctl's expire-all.  Root,
	 * the daemon's user or its group only. */
	TAPIO_VERB_EXPIRE = 2,
	/* flow filters (tapio/flow_filter.h), on every device at once, or
	 * with prule.probe set a probe filter rule: add the request's rule
	 * (answered with its id, unique among both kinds), delete the rule
	 * whose id is arg, list every rule with its hits.  A flow rule with
	 * filter.prefix_set is followed by nprefixes struct tapio_prefix. */
	TAPIO_VERB_FILTER_ADD = 3,
	TAPIO_VERB_FILTER_DEL = 4,
	TAPIO_VERB_FILTER_LIST = 5,
	/* the rate limit of an event stream (stream, rate, burst; rate 0:
	 * none), and every stream's limit with the events it held back */
	TAPIO_VERB_LIMIT_SET = 6,
	TAPIO_VERB_LIMIT_SHOW = 7,
	/* the sampling of an event stream (stream, sample_n: 1 in n, or
	 * sample_target: adaptive, n follows events a second); shown with
	 * TAPIO_VERB_LIMIT_SHOW */
	TAPIO_VERB_SAMPLE_SET = 8,
};

#define TAPIO_SOCKET_VERB_LAST TAPIO_VERB_SAMPLE_SET
#define TAPIO_LIMIT_STREAMS    4 /* at most: exec, tcp */

/* A rule of the probes' filters (tapio/probe.h): events of @probe whose
 * task (or device) has @value in dimension @kind are the only ones sent
 * (include) or are held back (exclude), counted as filtered. */
struct tapio_probe_rule {
	char probe[16]; /* exec, tcp, bio, cache, or all (each it applies to) */
	__u32 id;	/* the run's number of the rule */
	__u8 action;	/* TAPIO_FILTER_INCLUDE or TAPIO_FILTER_EXCLUDE */
	__u8 kind;	/* enum tapio_pfilter_kind */
	__u8 children;	/* pid: its descendants too */
	__u8 pad;
	__u64 value;   /* tgid, cgroup id, dev_t, uid, namespace inode */
	char text[64]; /* as the client named it: a cgroup path, a netns */
};

#define TAPIO_PROBE_RULES_MAX 64

struct tapio_prule_entry {
	struct tapio_probe_rule r;
	__u64 hits; /* events it matched, over the probes it is on */
};

struct tapio_socket_req {
	__u32 magic;
	__u32 version;
	__u32 verb; /* enum tapio_socket_verb */
	__u32 arg;
	struct tapio_flow_filter filter; /* TAPIO_VERB_FILTER_ADD */
	char stream[16];		 /* TAPIO_VERB_LIMIT_SET, _SAMPLE_SET */
	__u64 rate, burst;		 /* events a second, at once */
	__u32 sample_n, sample_target;
	struct tapio_probe_rule prule; /* TAPIO_VERB_FILTER_ADD, probe set */
	__u32 nprefixes;	       /* filter.prefix_set: the set's size */
	char set_name[64];	       /* and what the client called it */
	__u32 pad;
};

/* An event stream: its rate limit, its sampling and what they left out. */
struct tapio_stream_entry {
	char stream[16];
	__u64 rate, burst;   /* 0: no limit */
	__u64 limited;	     /* events held back since the start */
	__u32 sample_n;	     /* 1 in n now (1: every event) */
	__u32 sample_target; /* adaptive: events a second, 0: fixed n */
	__u64 sampled_out;
	/* events the stream had, estimated from those sent (each sampled
	 * one counts n), and the half-width of its 95% interval */
	__u64 estimated, ci95;
};

struct tapio_filter_entry {
	struct tapio_flow_filter f;
	__u64 hits;	   /* packets it matched since it was added */
	char set_name[64]; /* f.prefix_set: its set's name and size */
	__u32 set_size;
	__u32 pad;
};

struct tapio_socket_hdr {
	__u32 magic;
	__u32 version;
	__u32 rec_size; /* sizeof of each record that follows, the daemon's */
	__u32 pad;
};

/* The answer to a verb other than TAPIO_VERB_FLOWS. */
struct tapio_socket_result {
	__s32 err;		     /* 0, or -errno: why in msg */
	__u32 n;		     /* entries of filters in use */
	__u64 flows, packets, bytes; /* what TAPIO_VERB_EXPIRE ended */
	__u32 id;		     /* the rule TAPIO_VERB_FILTER_ADD made */
	__u32 pad;
	char msg[160];
	struct tapio_filter_entry filters[TAPIO_FLOW_FILTERS_MAX];
	__u32 nstreams;
	__u32 pad2;
	struct tapio_stream_entry streams[TAPIO_LIMIT_STREAMS];
	__u32 nprules; /* entries of prules in use */
	__u32 pad3;
	struct tapio_prule_entry prules[TAPIO_PROBE_RULES_MAX];
};

#endif /* TAPIO_DAEMON_SOCKET_H */
