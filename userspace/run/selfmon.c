// SPDX-License-Identifier: GPL-2.0
/* Walks the kernel's program, map and link ids once, keeps those that are
 * tapio's, and reads their memory from fdinfo and run time from the info
 * the kernel keeps while BPF_ENABLE_STATS is held. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "run/selfmon.h"

static int is_ours(const char *name)
{
	return !strncmp(name, "tapio_", 6);
}

/* "memlock:\t4096" from /proc/self/fdinfo/FD */
static __u64 memlock(int fd)
{
	char path[64], line[128];
	unsigned long long v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "memlock: %llu", &v) == 1)
			break;
	fclose(f);
	return v;
}

int tapio_selfmon_scan(struct tapio_selfmon *s)
{
	__u32 id = 0, ours[TAPIO_SELFMON_MAX_PROGS];
	unsigned int nours = 0, i;
	int fd;

	memset(s, 0, sizeof(*s));
	while (!bpf_prog_get_next_id(id, &id)) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);

		fd = bpf_prog_get_fd_by_id(id);
		if (fd < 0)
			continue; /* gone meanwhile */
		if (!bpf_obj_get_info_by_fd(fd, &info, &len) &&
		    is_ours(info.name)) {
			s->progs++;
			s->memory_bytes += memlock(fd);
			if (nours < TAPIO_SELFMON_MAX_PROGS)
				ours[nours++] = id;
			/* one line per program name: sum the instances */
			for (i = 0; i < s->nprog_stats; i++)
				if (!strcmp(s->prog[i].name, info.name))
					break;
			if (i == s->nprog_stats &&
			    s->nprog_stats < TAPIO_SELFMON_MAX_PROGS)
				snprintf(s->prog[s->nprog_stats++].name,
					 sizeof(s->prog[0].name), "%s",
					 info.name);
			if (i < TAPIO_SELFMON_MAX_PROGS) {
				s->prog[i].run_time_ns += info.run_time_ns;
				s->prog[i].run_cnt += info.run_cnt;
			}
		}
		close(fd);
	}
	id = 0;
	while (!bpf_map_get_next_id(id, &id)) {
		struct bpf_map_info info = {};
		__u32 len = sizeof(info);

		fd = bpf_map_get_fd_by_id(id);
		if (fd < 0)
			continue;
		if (!bpf_obj_get_info_by_fd(fd, &info, &len) &&
		    is_ours(info.name)) {
			s->maps++;
			s->memory_bytes += memlock(fd);
		}
		close(fd);
	}
	id = 0;
	while (!bpf_link_get_next_id(id, &id)) {
		struct bpf_link_info info = {};
		__u32 len = sizeof(info);

		fd = bpf_link_get_fd_by_id(id);
		if (fd < 0)
			continue;
		if (!bpf_obj_get_info_by_fd(fd, &info, &len))
			for (i = 0; i < nours; i++)
				if (info.prog_id == ours[i]) {
					s->links++;
					break;
				}
		close(fd);
	}
	return 0;
}

void tapio_selfmon_write(FILE *f, const struct tapio_selfmon *s)
{
	unsigned int i;

	fprintf(f,
		"# HELP tapio_ebpf_objects tapio's eBPF objects in the "
		"kernel.\n"
		"# TYPE tapio_ebpf_objects gauge\n"
		"tapio_ebpf_objects{type=\"program\"} %u\n"
		"tapio_ebpf_objects{type=\"map\"} %u\n"
		"tapio_ebpf_objects{type=\"link\"} %u\n"
		"# HELP tapio_ebpf_memory_bytes Memory charged to tapio's "
		"programs and maps.\n"
		"# TYPE tapio_ebpf_memory_bytes gauge\n"
		"tapio_ebpf_memory_bytes %llu\n",
		s->progs, s->maps, s->links,
		(unsigned long long)s->memory_bytes);
	fprintf(f, "# HELP tapio_bpf_program_run_seconds_total Time spent in "
		   "each tapio program (while the collector runs).\n"
		   "# TYPE tapio_bpf_program_run_seconds_total counter\n");
	for (i = 0; i < s->nprog_stats; i++)
		fprintf(f,
			"tapio_bpf_program_run_seconds_total{program=\"%s\"} "
			"%.9f\n",
			s->prog[i].name, s->prog[i].run_time_ns / 1e9);
	fprintf(f, "# HELP tapio_bpf_program_runs_total Runs of each tapio "
		   "program (while the collector runs).\n"
		   "# TYPE tapio_bpf_program_runs_total counter\n");
	for (i = 0; i < s->nprog_stats; i++)
		fprintf(f,
			"tapio_bpf_program_runs_total{program=\"%s\"} %llu\n",
			s->prog[i].name,
			(unsigned long long)s->prog[i].run_cnt);
}
