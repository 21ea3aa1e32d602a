// SPDX-License-Identifier: GPL-2.0
/* The run's own programs by id (from its sources), the maps they use and
 * the links to them: memory from fdinfo, run time from the info the kernel
 * keeps while BPF_ENABLE_STATS is held.  Another tapio's are not counted. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "export/prom_text.h"
#include "run/selfmon.h"

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

static bool add_id(__u32 *ids, unsigned int *n, unsigned int max, __u32 id)
{
	unsigned int i;

	for (i = 0; i < *n; i++)
		if (ids[i] == id)
			return false;
	if (*n == max)
		return false;
	ids[(*n)++] = id;
	return true;
}

/* One program by id: its memory and run time (summed per name: each device
 * has its own tapio_xdp), and the ids of the maps it uses. */
static void scan_prog(struct tapio_selfmon *s, __u32 id, __u32 *maps,
		      unsigned int *nmaps)
{
	__u32 map_ids[TAPIO_SELFMON_MAX_MAPS], len, i;
	struct bpf_prog_info info;
	int fd;

	fd = bpf_prog_get_fd_by_id(id);
	if (fd < 0)
		return; /* gone meanwhile */
	memset(&info, 0, sizeof(info));
	info.nr_map_ids = TAPIO_SELFMON_MAX_MAPS;
	info.map_ids = (__u64)(unsigned long)map_ids;
	len = sizeof(info);
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		goto out;
	s->progs++;
	s->memory_bytes += memlock(fd);
	for (i = 0; i < info.nr_map_ids && i < TAPIO_SELFMON_MAX_MAPS; i++)
		add_id(maps, nmaps, TAPIO_SELFMON_MAX_MAPS, map_ids[i]);
	for (i = 0; i < s->nprog_stats; i++)
		if (!strcmp(s->prog[i].name, info.name))
			break;
	if (i == s->nprog_stats && s->nprog_stats < TAPIO_SELFMON_MAX_PROGS)
		snprintf(s->prog[s->nprog_stats++].name,
			 sizeof(s->prog[0].name), "%s", info.name);
	if (i < TAPIO_SELFMON_MAX_PROGS) {
		s->prog[i].run_time_ns += info.run_time_ns;
		s->prog[i].run_cnt += info.run_cnt;
	}
out:
	close(fd);
}

int tapio_selfmon_scan(struct tapio_selfmon *s, const __u32 *prog_ids,
		       unsigned int n)
{
	__u32 id, maps[TAPIO_SELFMON_MAX_MAPS], progs[TAPIO_SELFMON_MAX_PROGS];
	unsigned int nmaps = 0, nprogs = 0, i;
	int fd;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < n; i++)
		if (add_id(progs, &nprogs, TAPIO_SELFMON_MAX_PROGS,
			   prog_ids[i]))
			scan_prog(s, prog_ids[i], maps, &nmaps);
	for (i = 0; i < nmaps; i++) {
		fd = bpf_map_get_fd_by_id(maps[i]);
		if (fd < 0)
			continue;
		s->maps++;
		s->memory_bytes += memlock(fd);
		close(fd);
	}
	/* links name no owner: those of our programs are ours */
	id = 0;
	while (!bpf_link_get_next_id(id, &id)) {
		struct bpf_link_info info = {};
		__u32 len = sizeof(info);

		fd = bpf_link_get_fd_by_id(id);
		if (fd < 0)
			continue;
		if (!bpf_obj_get_info_by_fd(fd, &info, &len))
			for (i = 0; i < nprogs; i++)
				if (info.prog_id == progs[i]) {
					s->links++;
					break;
				}
		close(fd);
	}
	return 0;
}

void tapio_selfmon_write(FILE *f, const struct tapio_selfmon *s, bool run_stats)
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
	if (!run_stats)
		return;
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
