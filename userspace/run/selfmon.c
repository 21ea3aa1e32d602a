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
#include "lib/bpffs.h"
#include "run/selfmon.h"

static struct tapio_selfmon_obj *find(struct tapio_selfmon_obj *o,
				      unsigned int n, __u32 id)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (o[i].id == id)
			return &o[i];
	return NULL;
}

static bool in(const __u32 *ids, unsigned int n, __u32 id)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (ids[i] == id)
			return true;
	return false;
}

/* Keeps @fd (object @id) unless it is held already or there is no room. */
static void hold(struct tapio_selfmon_obj *o, unsigned int *n, unsigned int max,
		 __u32 id, __u32 prog_id, int fd)
{
	if (fd < 0)
		return;
	if (find(o, *n, id) || *n == max) {
		close(fd);
		return;
	}
	o[(*n)++] = (struct tapio_selfmon_obj){id, prog_id, fd};
}

static int prog_info(int fd, struct bpf_prog_info *info, __u32 *map_ids)
{
	__u32 len = sizeof(*info);

	memset(info, 0, sizeof(*info));
	info->nr_map_ids = TAPIO_SELFMON_MAX_MAPS;
	info->map_ids = (__u64)(unsigned long)map_ids;
	return bpf_obj_get_info_by_fd(fd, info, &len);
}

/* A program by id, the maps it uses and the links to it. */
static void hold_prog(struct tapio_selfmon *s, __u32 id)
{
	__u32 map_ids[TAPIO_SELFMON_MAX_MAPS], i, lid = 0;
	struct bpf_prog_info info;
	int fd;

	if (find(s->held_prog, s->nheld_prog, id))
		return;
	fd = bpf_prog_get_fd_by_id(id);
	if (fd < 0 && errno == EPERM && !s->nheld_prog)
		s->denied = true;
	if (fd < 0 || prog_info(fd, &info, map_ids)) {
		if (fd >= 0)
			close(fd);
		return; /* gone meanwhile, or not allowed any more */
	}
	hold(s->held_prog, &s->nheld_prog, TAPIO_SELFMON_MAX_PROGS, id, id, fd);
	for (i = 0; i < info.nr_map_ids && i < TAPIO_SELFMON_MAX_MAPS; i++)
		if (!find(s->held_map, s->nheld_map, map_ids[i]))
			hold(s->held_map, &s->nheld_map, TAPIO_SELFMON_MAX_MAPS,
			     map_ids[i], 0, bpf_map_get_fd_by_id(map_ids[i]));
	/* Links name no owner: those of our programs are ours.  Only their
	 * ids are kept: a held link fd would keep the program attached
	 * after someone else took it off (the run must notice that). */
	while (!bpf_link_get_next_id(lid, &lid)) {
		struct bpf_link_info li = {};
		__u32 len = sizeof(li);

		fd = bpf_link_get_fd_by_id(lid);
		if (fd < 0)
			continue;
		if (!bpf_obj_get_info_by_fd(fd, &li, &len) &&
		    li.prog_id == id &&
		    !find(s->held_link, s->nheld_link, lid) &&
		    s->nheld_link < TAPIO_SELFMON_MAX_PROGS)
			s->held_link[s->nheld_link++] =
				(struct tapio_selfmon_obj){lid, id, -1};
		close(fd);
	}
}

void tapio_selfmon_open(struct tapio_selfmon *s, const __u32 *prog_ids,
			unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		hold_prog(s, prog_ids[i]);
}

/* One held program: its memory and run time (summed per name: each device
 * has its own tapio_xdp); the ids of its maps into @maps. */
static void scan_prog(struct tapio_selfmon *s, int fd, __u32 *maps,
		      unsigned int *nmaps)
{
	__u32 map_ids[TAPIO_SELFMON_MAX_MAPS], i;
	struct bpf_prog_info info;

	if (prog_info(fd, &info, map_ids))
		return;
	s->progs++;
	s->memory_bytes += tapio_fd_memlock(fd);
	for (i = 0; i < info.nr_map_ids && i < TAPIO_SELFMON_MAX_MAPS; i++)
		if (!in(maps, *nmaps, map_ids[i]))
			maps[(*nmaps)++] = map_ids[i];
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
}

int tapio_selfmon_scan(struct tapio_selfmon *s, const __u32 *prog_ids,
		       unsigned int n)
{
	__u32 maps[TAPIO_SELFMON_MAX_MAPS];
	struct tapio_selfmon_obj *o;
	unsigned int nmaps = 0, i;

	s->progs = s->maps = s->links = 0;
	s->memory_bytes = 0;
	s->nprog_stats = 0;
	memset(s->prog, 0, sizeof(s->prog));
	for (i = 0; i < n; i++) {
		if (in(prog_ids, i, prog_ids[i]))
			continue; /* named twice */
		hold_prog(s, prog_ids[i]);
		o = find(s->held_prog, s->nheld_prog, prog_ids[i]);
		if (o)
			scan_prog(s, o->fd, maps, &nmaps);
	}
	for (i = 0; i < nmaps; i++) {
		o = find(s->held_map, s->nheld_map, maps[i]);
		if (!o)
			continue;
		s->maps++;
		s->memory_bytes += tapio_fd_memlock(o->fd);
	}
	for (i = 0; i < s->nheld_link; i++)
		if (in(prog_ids, n, s->held_link[i].prog_id))
			s->links++;
	return 0;
}

void tapio_selfmon_close(struct tapio_selfmon *s)
{
	unsigned int i;

	for (i = 0; i < s->nheld_prog; i++)
		close(s->held_prog[i].fd);
	for (i = 0; i < s->nheld_map; i++)
		close(s->held_map[i].fd);
	s->nheld_prog = s->nheld_map = s->nheld_link = 0;
}

void tapio_selfmon_write(FILE *f, const struct tapio_selfmon *s, bool run_stats)
{
	unsigned int i;

	/* zeros would say there is nothing; absent says it is not known */
	if (s->denied)
		return;
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
