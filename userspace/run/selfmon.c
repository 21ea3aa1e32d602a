// SPDX-License-Identifier: GPL-2.0
/* Walks the kernel's program, map and link ids once, keeps those that are
 * tapio's, and reads their memory from fdinfo and run time from the info
 * the kernel keeps while BPF_ENABLE_STATS is held. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "export/prom_text.h"
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

	tapio_prom_family(f, "tapio_ebpf_objects", "gauge",
			  "tapio's eBPF objects in the kernel.");
	tapio_prom_sample(f, "tapio_ebpf_objects",
			  TAPIO_LABELS({"type", "program"}), s->progs);
	tapio_prom_sample(f, "tapio_ebpf_objects",
			  TAPIO_LABELS({"type", "map"}), s->maps);
	tapio_prom_sample(f, "tapio_ebpf_objects",
			  TAPIO_LABELS({"type", "link"}), s->links);
	tapio_prom_scalar(f, "tapio_ebpf_memory_bytes", "gauge",
			  "Memory charged to tapio's programs and maps.",
			  s->memory_bytes);
	tapio_prom_family(f, "tapio_bpf_program_run_seconds_total", "counter",
			  "Time spent in each tapio program (while the "
			  "collector runs).");
	for (i = 0; i < s->nprog_stats; i++)
		tapio_prom_sample_double(
			f, "tapio_bpf_program_run_seconds_total",
			TAPIO_LABELS({"program", s->prog[i].name}),
			s->prog[i].run_time_ns / 1e9);
	tapio_prom_family(f, "tapio_bpf_program_runs_total", "counter",
			  "Runs of each tapio program (while the collector "
			  "runs).");
	for (i = 0; i < s->nprog_stats; i++)
		tapio_prom_sample(f, "tapio_bpf_program_runs_total",
				  TAPIO_LABELS({"program", s->prog[i].name}),
				  s->prog[i].run_cnt);
}
