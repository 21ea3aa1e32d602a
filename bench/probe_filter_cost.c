// SPDX-License-Identifier: GPL-2.0
/* bench/probe_filter_cost: ns per run of the exec probe's fork and exec
 * programs (the kernel's own run-time statistics) under probe filter rules
 * of growing size, a rate limit and sampling, interleaved in one run,
 * against no rule. */
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "tapio/probe.h"
#include "lib/features.h"
#include "lib/probe_kind.h"
#include "lib/probe_loader.h"

#define ROUNDS 3
#define SPAWNS 400
#define NO_UID 60000 /* the uids listed: none of them runs the bench */
#define NO_PID 0x3ffffff0

extern char **environ;

enum which { FORK, EXEC };

struct filter_case {
	const char *name;
	enum tapio_pfilter_kind kind;
	__u32 values; /* entries of the set, none matching unless... */
	bool children, ours;
	__u64 limit;  /* events/s of tapio_plimit (burst 1), 0: none */
	__u32 sample; /* one in n of tapio_psample, 0: every event */
};

/* run time and count of the probe's fork or exec program */
static void prog_stats(struct bpf_object *obj, enum which w, __u64 *ns,
		       __u64 *cnt)
{
	struct bpf_program *p;

	*ns = *cnt = 0;
	bpf_object__for_each_program(p, obj)
	{
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);
		const char *name = bpf_program__name(p);
		int fd = bpf_program__fd(p);

		if (fd < 0 || !strstr(name, w == FORK ? "fork" : "exec_") ||
		    bpf_obj_get_info_by_fd(fd, &info, &len))
			continue;
		*ns += info.run_time_ns;
		*cnt += info.run_cnt;
	}
}

static int drop_event(void *ctx, void *data, size_t len)
{
	(void)ctx;
	(void)data;
	(void)len;
	return 0;
}

/* The ring is emptied after each spawn: a full ring makes the exec program
 * cheaper (its reservation fails) and would flatter every later case. */
static int spawn_all(struct ring_buffer *rb)
{
	char *argv[] = {"/bin/true", NULL};
	int i, status;
	pid_t pid;

	for (i = 0; i < SPAWNS; i++) {
		if (posix_spawn(&pid, argv[0], NULL, NULL, argv, environ))
			return -errno;
		waitpid(pid, &status, 0);
		ring_buffer__consume(rb);
	}
	return 0;
}

/* The set of @c's dimension filled, its mode on (or everything off) */
static int apply(struct bpf_object *obj, const struct filter_case *c, bool on)
{
	struct tapio_probe_filter f = {};
	struct stat st;
	__u64 v;
	__u32 i;
	int err = 0;

	for (i = 0; i < c->values && !err; i++) {
		v = c->kind == TAPIO_PF_UID ? NO_UID + i : NO_PID - i;
		if (c->ours && i == 0)
			v = c->kind == TAPIO_PF_NS
				    ? (stat("/proc/self/ns/net", &st)
					       ? 0
					       : (__u64)st.st_ino)
				    : (__u64)getpid();
		err = tapio_probe_filter_entry(obj, c->kind, v, c->children,
					       on);
	}
	if (on && c->kind == TAPIO_PF_UID)
		f.uid_mode = TAPIO_FILTER_EXCLUDE;
	if (on && c->kind == TAPIO_PF_PID) {
		f.pid_mode = TAPIO_FILTER_INCLUDE;
		f.pid_tree = c->children;
	}
	if (on && c->kind == TAPIO_PF_NS)
		f.ns_mode = TAPIO_FILTER_INCLUDE;
	if (!err && (c->limit || !on))
		err = tapio_probe_limit_set(obj, on ? c->limit : 0, 1);
	if (!err && (c->sample || !on))
		err = tapio_probe_sampling_set(obj, on ? c->sample : 0);
	return err ? err : tapio_probe_filter_modes(obj, &f);
}

int main(void)
{
	static const struct filter_case cases[] = {
		{"no_rule", 0, 0, false, false, 0, 0},
		{"uid_1", TAPIO_PF_UID, 1, false, false, 0, 0},
		{"uid_100", TAPIO_PF_UID, 100, false, false, 0, 0},
		{"uid_1000", TAPIO_PF_UID, 1000, false, false, 0, 0},
		{"netns_ours", TAPIO_PF_NS, 1, false, true, 0, 0},
		{"pid_children_ours", TAPIO_PF_PID, 1, true, true, 0, 0},
		{"pid_children_none", TAPIO_PF_PID, 1, true, false, 0, 0},
		/* the token bucket and the sampler, no filter rule */
		{"limit_passes", 0, 0, false, false, 1000000, 0},
		{"limit_refuses", 0, 0, false, false, 1, 0},
		{"sample_1_in_10", 0, 0, false, false, 0, 10},
	};
	const int ncases = sizeof(cases) / sizeof(cases[0]);
	double ns[sizeof(cases) / sizeof(cases[0])][2] = {{0}};
	struct tapio_probe_opts o = {.method = tapio_probe_tp_method()};
	struct tapio_probe p = {};
	struct ring_buffer *rb = NULL;
	struct bpf_map *ring;
	__u64 t0[2], c0[2], t1[2], c1[2];
	char why[256];
	int stats_fd, r, c, w;

	if (geteuid() != 0) {
		printf("SKIP: bench needs root (BPF statistics)\n");
		return 77;
	}
	libbpf_set_print(NULL);
	if (tapio_probe_open(&p, TAPIO_PROBE_EXEC, &o, why, sizeof(why))) {
		fprintf(stderr, "bench: exec probe: %s\n", why);
		return 1;
	}
	ring = bpf_object__find_map_by_name(p.obj, "tapio_exec_rb");
	rb = ring ? ring_buffer__new(bpf_map__fd(ring), drop_event, NULL, NULL)
		  : NULL;
	if (!rb) {
		fprintf(stderr, "bench: cannot read tapio_exec_rb\n");
		tapio_probe_close(&p);
		return 1;
	}
	stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	if (stats_fd < 0) {
		fprintf(stderr, "bench: cannot enable BPF statistics: %s\n",
			strerror(errno));
		ring_buffer__free(rb);
		tapio_probe_close(&p);
		return 1;
	}
	spawn_all(rb); /* warm */
	for (r = 0; r < ROUNDS; r++)
		for (c = 0; c < ncases; c++) {
			if (apply(p.obj, &cases[c], true)) {
				fprintf(stderr, "bench: cannot set %s\n",
					cases[c].name);
				goto out;
			}
			for (w = FORK; w <= EXEC; w++)
				prog_stats(p.obj, w, &t0[w], &c0[w]);
			spawn_all(rb);
			for (w = FORK; w <= EXEC; w++) {
				prog_stats(p.obj, w, &t1[w], &c1[w]);
				if (c1[w] > c0[w])
					ns[c][w] += (double)(t1[w] - t0[w]) /
						    (double)(c1[w] - c0[w]) /
						    ROUNDS;
			}
			apply(p.obj, &cases[c], false);
		}
	for (c = 0; c < ncases; c++)
		for (w = FORK; w <= EXEC; w++)
			printf("bench: probe_filter_%s_%s %.0f ns/event\n",
			       cases[c].name, w == FORK ? "fork" : "exec",
			       ns[c][w]);
	for (c = 1; c < ncases; c++)
		for (w = FORK; w <= EXEC; w++)
			printf("bench: probe_filter_%s_%s_vs_none %.2f ratio\n",
			       cases[c].name, w == FORK ? "fork" : "exec",
			       ns[c][w] / ns[0][w]);
out:
	close(stats_fd);
	ring_buffer__free(rb);
	tapio_probe_close(&p);
	return 0;
}
