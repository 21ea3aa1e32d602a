// SPDX-License-Identifier: GPL-2.0
/* `tapio status`: which devices tapio is attached to, how, how full their
 * flow maps are, and every counter of packets not accounted in a flow. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "lib/bpffs.h"
#include "lib/flow_dump.h"
#include "lib/json.h"
#include "lib/flow_format.h"
#include "lib/loader.h"
#include "lib/log.h"
#include "lib/netns.h"
#include "lib/parse.h"
#include "lib/privileges.h"
#include "cmd/cmd.h"
#include "cmd/status.h"
#include "lib/xsk_poller.h"

static const char *const counter_names[] = TAPIO_COUNTER_NAMES;

/* The link itself, in its namespace (lib/netns.h); one we may not enter
 * is not said to be gone or stopped. */
static void look_at_link(const char *dev, struct tapio_dev_snapshot *s)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	char ifname[IF_NAMESIZE];
	char *saved = tapio_err_capture;
	char why[160];
	int back;

	/* quiet: a reader without CAP_SYS_ADMIN is shown the pins alone */
	tapio_err_capture = why;
	tapio_err_capture_len = sizeof(why);
	if (tapio_netns_enter_dev(dev, &back)) {
		tapio_err_capture = saved;
		return;
	}
	tapio_err_capture = saved;
	if (!bpf_xdp_query((int)s->info.ifindex, 0, &q))
		s->live_xdp_prog_id = q.prog_id;
	s->link_gone = !if_indextoname(s->info.ifindex, ifname) ||
		       strcmp(ifname, tapio_dev_ifname(dev));
	tapio_netns_leave(back);
}

int tapio_dev_snapshot(const char *dev, struct tapio_dev_snapshot *s)
{
	struct tapio_dir_counters again[TAPIO_DIR_MAX];
	struct bpf_map_info minfo = {};
	__u32 mlen = sizeof(minfo);
	struct tapio_flow *flows = NULL;
	struct tapio_config cfg;
	int ffd, cfd, err, tries;
	__u32 zero = 0;
	size_t n = 0, i;

	memset(s, 0, sizeof(*s));
	err = tapio_read_attach_info(dev, &s->info);
	if (err)
		return err;
	/* counters of another layout would be read as wrong numbers */
	err = tapio_check_layout(dev, &s->info);
	if (err)
		return err;
	ffd = tapio_open_pinned_map(dev, TAPIO_PIN_FLOWS);
	if (ffd < 0)
		return ffd;
	/* max_entries is per generation: the bound the programs hit */
	if (!bpf_obj_get_info_by_fd(ffd, &minfo, &mlen))
		s->max_flows = minfo.max_entries;
	s->kernel_map_bytes = 2 * tapio_fd_memlock(ffd);
	close(ffd);
	s->spill_ring_bytes = tapio_pin_map_entries(dev, TAPIO_PIN_SPILL);
	cfd = tapio_open_pinned_map(dev, TAPIO_PIN_CONFIG);
	if (cfd < 0)
		return cfd;
	err = bpf_map_lookup_elem(cfd, &zero, &cfg) ? -errno : 0;
	close(cfd);
	if (err)
		return err;
	s->gen = cfg.flow_gen & 1;
	s->gen_flows = cfg.gen_flows[s->gen];
	s->drain_at = cfg.drain_at;
	cfd = tapio_open_pinned_map(dev, TAPIO_PIN_COUNTERS);
	if (cfd < 0)
		return cfd;

	/* Re-read until the counters hold still around the flow walk, so the
	 * snapshot is one consistent moment when traffic is quiet. */
	for (tries = 0; tries < 5; tries++) {
		err = tapio_counters_read(cfd, s->cnt);
		if (!err)
			err = tapio_dev_flows_read(dev, &flows, &n);
		if (!err)
			err = tapio_counters_read(cfd, again);
		if (err)
			break;
		memset(s->flow_packets, 0, sizeof(s->flow_packets));
		memset(s->flow_bytes, 0, sizeof(s->flow_bytes));
		for (i = 0; i < n; i++) {
			int d = flows[i].key.direction & 1;

			s->flow_packets[d] += flows[i].val.packets;
			s->flow_bytes[d] += flows[i].val.bytes;
		}
		s->flows = (__u32)n;
		free(flows);
		flows = NULL;
		s->stable = !memcmp(s->cnt, again, sizeof(again));
		if (s->stable)
			break;
	}
	close(cfd);
	if (err)
		return err;

	/* what attach wrote down: readable by a member of the daemon's
	 * group, who may not open programs; and under the TC hook
	 * tapio_xdp is pinned (it owns the maps) but not attached */
	s->xdp_prog_id = s->info.xdp_prog_id;
	s->tc_prog_id = s->info.tc_prog_id;
	s->tc_in_prog_id = s->info.tc_in_prog_id;
	s->live_xdp_prog_id = s->xdp_prog_id;
	if (s->info.ifindex)
		look_at_link(dev, s);
	return 0;
}

__s64 tapio_unaccounted(const struct tapio_dev_snapshot *s, int dir)
{
	const __u64 *c = s->cnt[dir].c;
	__s64 left = (__s64)c[TAPIO_CNT_SEEN_PKTS];
	int i;

	left -= (__s64)s->flow_packets[dir];
	left -= (__s64)c[TAPIO_CNT_NON_IP_PKTS];
	left -= (__s64)c[TAPIO_CNT_OVERFLOW_PKTS];
	for (i = TAPIO_CNT_PARSE_FIRST; i <= TAPIO_CNT_PARSE_LAST; i++)
		left -= (__s64)c[i];
	left -= (__s64)c[TAPIO_CNT_XSK_PKTS];	  /* the pollers' share */
	left -= (__s64)c[TAPIO_CNT_SPILLED_PKTS]; /* the collector's */
	left -= (__s64)c[TAPIO_CNT_FILTERED_PKTS];
	/* sampled: the flows' counts are estimates, these the difference */
	left -= (__s64)c[TAPIO_CNT_SAMPLED_OUT_PKTS];
	left += (__s64)c[TAPIO_CNT_SAMPLED_EXTRA_PKTS];
	return left;
}

static void dir_json(struct tapio_json *j, const struct tapio_dev_snapshot *s,
		     int dir)
{
	int i;

	tapio_json_object(j, tapio_dir_name((__u8)dir));
	for (i = 0; i < TAPIO_CNT_MAX; i++)
		tapio_json_u64(j, counter_names[i], s->cnt[dir].c[i]);
	tapio_json_u64(j, "flow_packets", s->flow_packets[dir]);
	tapio_json_u64(j, "flow_bytes", s->flow_bytes[dir]);
	tapio_json_s64(j, "unaccounted_packets", tapio_unaccounted(s, dir));
	tapio_json_object_end(j);
}

static const char *tc_dirs(__u32 flags)
{
	if ((flags & TAPIO_ATTACH_F_TC_INGRESS) &&
	    (flags & TAPIO_ATTACH_F_TC_EGRESS))
		return "ingress+egress";
	if (flags & TAPIO_ATTACH_F_TC_INGRESS)
		return "ingress";
	return flags & TAPIO_ATTACH_F_TC_EGRESS ? "egress" : "none";
}

/* how the TC programs are attached */
static const char *tc_api(__u32 flags)
{
	if (!(flags & (TAPIO_ATTACH_F_TC_INGRESS | TAPIO_ATTACH_F_TC_EGRESS)))
		return "none";
	return flags & TAPIO_ATTACH_F_TCX ? "tcx" : "cls_bpf";
}

static void print_json(const char *dev, const struct tapio_dev_snapshot *s)
{
	char line[4096];
	struct tapio_json j;

	tapio_json_init(&j, line, sizeof(line));
	tapio_json_object(&j, NULL);
	tapio_json_str(&j, "dev", dev);
	tapio_json_u64(&j, "ifindex", s->info.ifindex);
	tapio_json_str(&j, "xdp_mode", tapio_xdp_mode_name(s->info.xdp_mode));
	tapio_json_bool(&j, "raw_ip", s->info.flags & TAPIO_ATTACH_F_RAW_IP);
	tapio_json_str(&j, "hook",
		       s->info.flags & TAPIO_ATTACH_F_TC_INGRESS ? "tc"
								 : "xdp");
	tapio_json_u64(&j, "xdp_prog_id", s->xdp_prog_id);
	tapio_json_bool(&j, "xdp_attached",
			s->xdp_prog_id &&
				s->live_xdp_prog_id == s->xdp_prog_id);
	tapio_json_str(&j, "tc", tc_dirs(s->info.flags));
	tapio_json_str(&j, "tc_api", tc_api(s->info.flags));
	tapio_json_u64(&j, "tc_prog_id", s->tc_prog_id);
	tapio_json_u64(&j, "tc_in_prog_id", s->tc_in_prog_id);
	tapio_json_u64(&j, "flows", s->flows);
	tapio_json_u64(&j, "max_flows", s->max_flows);
	tapio_json_u64(&j, "generation", s->gen);
	tapio_json_u64(&j, "generation_flows", s->gen_flows);
	tapio_json_u64(&j, "drain_at", s->drain_at);
	tapio_json_str(&j, "kernel_map",
		       s->info.flags & TAPIO_ATTACH_F_SHARED_FLOWS ? "shared"
								   : "percpu");
	tapio_json_u64(&j, "kernel_map_bytes", s->kernel_map_bytes);
	tapio_json_u64(&j, "spill_ring_bytes", s->spill_ring_bytes);
	tapio_json_bool(&j, "stable", s->stable);
	tapio_json_object(&j, "counters");
	dir_json(&j, s, TAPIO_DIR_INGRESS);
	dir_json(&j, s, TAPIO_DIR_EGRESS);
	tapio_json_object_end(&j);
	tapio_json_object_end(&j);
	if (tapio_json_finish(&j) < 0)
		pr_err("status of %s: longer than %zu bytes", dev,
		       sizeof(line));
	else
		puts(line);
}

static void print_dir_text(const struct tapio_dev_snapshot *s, int dir)
{
	const __u64 *c = s->cnt[dir].c;
	char pk[16], by[16];
	int i, any = 0;

	tapio_format_count(c[TAPIO_CNT_SEEN_PKTS], pk, sizeof(pk));
	tapio_format_bytes(c[TAPIO_CNT_SEEN_BYTES], by, sizeof(by));
	printf("  %-7s seen %s packets (%s), in flows %llu, non-IP %llu, "
	       "overflow %llu",
	       tapio_dir_name(dir), pk, by,
	       (unsigned long long)s->flow_packets[dir],
	       (unsigned long long)c[TAPIO_CNT_NON_IP_PKTS],
	       (unsigned long long)c[TAPIO_CNT_OVERFLOW_PKTS]);
	if (c[TAPIO_CNT_OVERFLOW_PKTS])
		printf(" (map_full %llu, no_memory %llu, update_error %llu)",
		       (unsigned long long)c[TAPIO_CNT_OVERFLOW_MAP_FULL],
		       (unsigned long long)c[TAPIO_CNT_OVERFLOW_NOMEM],
		       (unsigned long long)c[TAPIO_CNT_OVERFLOW_OTHER]);
	if (c[TAPIO_CNT_FILTERED_PKTS])
		printf(", filtered %llu",
		       (unsigned long long)c[TAPIO_CNT_FILTERED_PKTS]);
	if (c[TAPIO_CNT_SAMPLED_OUT_PKTS] || c[TAPIO_CNT_SAMPLED_EXTRA_PKTS])
		printf(", sampled out %llu (flows are estimates: %llu of "
		       "them not seen)",
		       (unsigned long long)c[TAPIO_CNT_SAMPLED_OUT_PKTS],
		       (unsigned long long)c[TAPIO_CNT_SAMPLED_EXTRA_PKTS]);
	printf("\n          parse errors:");
	for (i = TAPIO_CNT_PARSE_FIRST; i <= TAPIO_CNT_PARSE_LAST; i++) {
		if (!c[i])
			continue;
		printf(" %s=%llu", counter_names[i], (unsigned long long)c[i]);
		any = 1;
	}
	printf("%s\n", any ? "" : " none");
}

/* AF_XDP sockets of a running `tapio run --xsk`: mode and CPU per queue */
static void print_xsk_state(const char *dev)
{
	char path[256], line[256];
	FILE *f;

	if (tapio_xsk_state_path(path, sizeof(path), dev))
		return;
	f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		printf("  xsk     %s", line);
	fclose(f);
}

static void print_text(const char *dev, const struct tapio_dev_snapshot *s)
{
	const char *xdp_state = "";
	char mem[32], ring[32];

	if (s->xdp_prog_id && s->live_xdp_prog_id != s->xdp_prog_id)
		xdp_state = " (NOT running: detached by someone else?)";
	if (s->link_gone)
		xdp_state = " (device gone or renamed: run 'tapio detach')";
	printf("%s (ifindex %u%s)\n", dev, s->info.ifindex,
	       s->info.flags & TAPIO_ATTACH_F_RAW_IP ? ", raw IP: no Ethernet"
						     : "");
	if (s->xdp_prog_id)
		printf("  xdp     %s, program %u%s\n",
		       tapio_xdp_mode_name(s->info.xdp_mode), s->xdp_prog_id,
		       xdp_state);
	else
		printf("  xdp     not attached (received frames at TC)%s\n",
		       xdp_state);
	if (s->tc_in_prog_id)
		printf("  tc      ingress, program %u (%s)\n", s->tc_in_prog_id,
		       tc_api(s->info.flags));
	if (s->tc_prog_id)
		printf("  tc      egress, program %u (%s)\n", s->tc_prog_id,
		       tc_api(s->info.flags));
	if (!s->tc_prog_id && !s->tc_in_prog_id)
		printf("  tc      off\n");
	tapio_format_bytes(s->kernel_map_bytes, mem, sizeof(mem));
	if (s->spill_ring_bytes)
		tapio_format_bytes(s->spill_ring_bytes, ring, sizeof(ring));
	else
		snprintf(ring, sizeof(ring), "none");
	printf("  flows   %u of %u (%.1f%%), maps %s%s, spill ring %s\n",
	       s->flows, s->max_flows,
	       s->max_flows ? 100.0 * s->flows / s->max_flows : 0.0, mem,
	       s->info.flags & TAPIO_ATTACH_F_SHARED_FLOWS ? " (shared)" : "",
	       ring);
	if (s->drain_at)
		printf("  drain   early at %u flows in generation %u (now "
		       "%llu)\n",
		       s->drain_at, s->gen, (unsigned long long)s->gen_flows);
	else
		printf("  drain   at a collector's interval only (generation "
		       "%u: %llu flows)\n",
		       s->gen, (unsigned long long)s->gen_flows);
	print_dir_text(s, TAPIO_DIR_INGRESS);
	print_dir_text(s, TAPIO_DIR_EGRESS);
	print_xsk_state(dev);
}

int tapio_status(bool json)
{
	const char *root = tapio_pin_root();
	struct tapio_dev_snapshot s;
	struct dirent **ents = NULL;
	int n, i, shown = 0, err = 0, e;
	char eb[TAPIO_ERRBUF];

	n = scandir(root, &ents, NULL, alphasort);
	if (n < 0) {
		if (errno == ENOENT || errno == ENOTDIR) {
			if (!json)
				printf("tapio is not attached to any device\n");
			return 0;
		}
		err = -errno;
		pr_err("cannot read %s: %s%s", root, strerror(errno),
		       tapio_pin_access_hint(err));
		return err;
	}
	for (i = 0; i < n; i++) {
		const char *dev = ents[i]->d_name;

		if (dev[0] == '.')
			goto next;
		e = tapio_dev_snapshot(dev, &s);
		if (e) {
			if (e != -EPROTO) /* said already */
				pr_err("cannot read state of %s: %s", dev,
				       tapio_strerror(e, eb, sizeof(eb)));
			err = e;
			goto next;
		}
		if (json)
			print_json(dev, &s);
		else
			print_text(dev, &s);
		shown++;
	next:
		free(ents[i]);
	}
	free(ents);
	if (!shown && !json && !err)
		printf("tapio is not attached to any device\n");
	return err;
}

const struct tapio_settings tapio_status_settings = {
	.cmd = "status",
	.usage = "Usage: tapio status [--json]\n\n"
		 "Every device tapio is attached to, with its mode, programs "
		 "and counters.\n",
	.rows = &tapio_json_flag_row,
	.n = 1,
};

int tapio_cmd_status(int argc, char **argv)
{
	struct tapio_json_flag o = {};
	int ret;

	ret = tapio_cmd_flags(&tapio_status_settings, &o, argc, argv);
	if (ret)
		return ret < 0 ? 0 : ret;
	ret = tapio_cmd_no_args(argc, argv);
	if (ret)
		return ret;
	if (tapio_check_privileges("status"))
		return 1;
	tapio_pins_readonly();
	return tapio_status(o.json) ? 1 : 0;
}
