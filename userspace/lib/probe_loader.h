/* SPDX-License-Identifier: GPL-2.0 */
/* Loading a tracepoint probe object: pick the tp_btf, raw_tp or classic
 * flavour of every program, skip missing tracepoints, set its filter. */
#ifndef TAPIO_PROBE_LOADER_H
#define TAPIO_PROBE_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "lib/features.h"
#include "tapio/probe.h"

struct bpf_object;

#define TAPIO_FILTER_LIST_MAX 64

/* One filter dimension as given on the command line. */
struct tapio_filter_list {
	enum tapio_filter_mode mode;
	size_t n;
	__u64 v[TAPIO_FILTER_LIST_MAX]; /* tgids, cgroup ids or kernel dev_t */
};

struct tapio_filter_spec {
	struct tapio_filter_list pid;
	struct tapio_filter_list cgroup;
	struct tapio_filter_list dev;
};

const char *tapio_tp_method_name(enum tapio_tp_method m);
/* "tp_btf", "raw_tp", "tp" or "auto" (feature probe) -> method. */
int tapio_tp_method_parse(const char *s, enum tapio_tp_method *m);

/*
 * Before load: autoload the programs of method m (names ending _btf, _raw,
 * _tp) and those every method shares; programs whose tracepoint this
 * kernel lacks are not loaded and reported once each on stderr.  Returns
 * the number of programs that will load, or a negative errno.
 */
int tapio_probe_select(struct bpf_object *obj, enum tapio_tp_method m);

/* After load: write the filter maps (also valid while attached). */
int tapio_probe_filter_set(struct bpf_object *obj,
			   const struct tapio_filter_spec *spec);

/* One value put in (@add) or taken out of the set of @kind, running;
 * @children: a pid's descendants match too.  0 or -errno. */
int tapio_probe_filter_entry(struct bpf_object *obj,
			     enum tapio_pfilter_kind kind, __u64 value,
			     bool children, bool add);
/* The events the set's entry for @value matched (0: none, or absent). */
__u64 tapio_probe_filter_hits(struct bpf_object *obj,
			      enum tapio_pfilter_kind kind, __u64 value);
/* Every dimension's mode at once (tapio_pfilter element 0). */
int tapio_probe_filter_modes(struct bpf_object *obj,
			     const struct tapio_probe_filter *f);

/* Elements 0..n-1 of a per-CPU array of __u64, each summed over CPUs. */
int tapio_percpu_array_sum(int fd, __u64 *out, __u32 n);
/* Sum of the per-CPU tapio_pcnt counters. */
/* The rate limit of the probe's event stream: at most @rate events a
 * second in bursts of @burst (0: @rate 0 is none); 0 or -errno. */
int tapio_probe_limit_set(struct bpf_object *obj, __u64 rate, __u64 burst);
/* Events of the probes' rings, waiting up to @timeout_ms for a wakeup and
 * reading what is there either way: ring_buffer__poll()'s result. */
struct ring_buffer;
int tapio_ring_read(struct ring_buffer *rb, int timeout_ms);
/* One event in @n of the probe's stream sent (0, 1: every one). */
int tapio_probe_sampling_set(struct bpf_object *obj, __u32 n);
int tapio_probe_counters(struct bpf_object *obj, __u64 out[TAPIO_PCNT_MAX]);

/* Runs of @obj's loaded programs that the kernel skipped because one was
 * already running on that CPU (bpf_prog_info.recursion_misses). */
__u64 tapio_probe_kernel_misses(struct bpf_object *obj);

/* dst += sign * src over @size bytes of __u64 counters. */
void tapio_u64s_add(void *dst, const void *src, size_t size, int sign);

/*
 * Every entry of a per-CPU hash whose values are __u64 counters, each value
 * summed over CPUs, into rows of @row_size bytes: the key at offset 0, the
 * value at @val_off.  Returns the rows read (at most @max) or -errno.
 */
int tapio_percpu_hash_sum(int fd, void *rows, size_t row_size, size_t max,
			  size_t key_size, size_t val_off, size_t val_size);

/* Parse one filter value: a pid, a cgroup (v2 path or numeric id), or a
 * block device ("loop0", "/dev/loop0" or "7:0"). */
int tapio_parse_pid(const char *s, __u64 *out);
int tapio_parse_cgroup(const char *s, __u64 *out);
int tapio_parse_blockdev(const char *s, __u64 *out);
/* Why one of those parsers refused a value, in words */
const char *tapio_parse_value_error(int err);

/* "loop0" for a block device's kernel dev_t, else "MAJ:MIN". */
void tapio_dev_name(__u32 kdev, char *buf, size_t len);

#endif /* TAPIO_PROBE_LOADER_H */
