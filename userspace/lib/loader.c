// SPDX-License-Identifier: GPL-2.0
/* Loads the tapio_xdp and tapio_tc skeletons with one shared flow map,
 * attaches them (XDP as a pinned bpf_link, TC as a cls_bpf filter) and
 * pins everything so that later commands and a restarted daemon find it. */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <linux/ethtool.h>
#include <linux/if_arp.h>
#include <linux/sockios.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "lib/bpffs.h"
#include "lib/config_map.h"
#include "lib/loader.h"
#include "lib/log.h"
#include "lib/netns.h"
#include "lib/parse.h"
#include "lib/privileges.h"
#include "tapio/flow.h"
#include "tapio/spill.h"
#include "tapio_tc.skel.h"
#include "tapio_xdp.skel.h"

/* cls_bpf handle and priority of our filter: fixed so that detach finds it
 * again and a second copy can never be attached. "tp" in ASCII. */
#define TAPIO_TC_HANDLE	  0x7470
#define TAPIO_TC_PRIORITY 0x7470

const char *const tapio_tc_api_names[] = {"auto", "tcx", "cls_bpf", NULL};

const char *tapio_xdp_mode_name(__u32 mode)
{
	switch (mode) {
	case TAPIO_XDP_NATIVE:
		return "native";
	case TAPIO_XDP_GENERIC:
		return "generic";
	default:
		return "none";
	}
}

static int pin_fd(int fd, const char *dev, const char *name)
{
	char path[512], eb[TAPIO_ERRBUF];
	int err;

	err = tapio_pin_path(path, sizeof(path), dev, name);
	if (err)
		return err;
	if (bpf_obj_pin(fd, path)) {
		err = -errno;
		pr_err("cannot pin %s: %s", path,
		       tapio_strerror(err, eb, sizeof(eb)));
		return err;
	}
	/* the group reads maps (opened read-only); programs and links
	 * open only read-write, so for the owner alone all the same */
	if (chmod(path, 0640)) {
		err = -errno;
		pr_err("cannot set the mode of %s: %s", path, strerror(errno));
		return err;
	}
	return 0;
}

int tapio_check_layout(const char *dev, const struct tapio_attach_info *info)
{
	if (info->version == TAPIO_ATTACH_INFO_VERSION)
		return 0;
	pr_err("%s was attached by a tapio whose maps are laid out "
	       "differently (version %u, this one %u): not used; 'tapio "
	       "detach %s', then attach again",
	       dev, info->version, TAPIO_ATTACH_INFO_VERSION, dev);
	return -EPROTO;
}

int tapio_read_attach_info(const char *dev, struct tapio_attach_info *info)
{
	__u32 key = 0;
	int fd, err = 0;

	fd = tapio_pin_open(dev, TAPIO_PIN_ATTACH_INFO);
	if (fd < 0)
		return fd;
	if (bpf_map_lookup_elem(fd, &key, info))
		err = -errno;
	close(fd);
	return err;
}

static int write_attach_info(const char *dev,
			     const struct tapio_attach_info *info)
{
	char eb[TAPIO_ERRBUF];
	__u32 key = 0;
	int fd, err;

	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "tapio_attach", sizeof(key),
			    sizeof(*info), 1, NULL);
	if (fd < 0) {
		err = -errno;
		pr_err("cannot create map tapio_attach_info: %s",
		       tapio_strerror(err, eb, sizeof(eb)));
		return err;
	}
	err = bpf_map_update_elem(fd, &key, info, 0) ? -errno : 0;
	if (!err)
		err = pin_fd(fd, dev, TAPIO_PIN_ATTACH_INFO);
	close(fd);
	return err;
}

/* Refuse to replace an XDP program that is not ours unless forced. */
static int check_existing_xdp(const struct tapio_attach_opts *o, int ifindex,
			      __u32 *existing_flags)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	char eb[TAPIO_ERRBUF];
	int err, fd;

	*existing_flags = 0;
	err = bpf_xdp_query(ifindex, 0, &q);
	if (err) {
		pr_err("cannot query XDP state of %s: %s", o->dev,
		       tapio_strerror(err, eb, sizeof(eb)));
		return err;
	}
	if (!q.prog_id)
		return 0;
	fd = bpf_prog_get_fd_by_id(q.prog_id);
	if (fd >= 0) {
		bpf_obj_get_info_by_fd(fd, &info, &len);
		close(fd);
	}
	if (!o->force) {
		pr_err("%s already has XDP program id %u ('%s') attached by "
		       "another tool; count beside it with --hook tc (or "
		       "auto), or replace it with --force",
		       o->dev, q.prog_id, info.name);
		return -EBUSY;
	}
	*existing_flags = q.attach_mode == XDP_ATTACHED_SKB
				  ? XDP_FLAGS_SKB_MODE
				  : XDP_FLAGS_DRV_MODE;
	pr_warn("replacing XDP program id %u ('%s') on %s (--force)", q.prog_id,
		info.name, o->dev);
	return 0;
}

int tapio_link_raw_ip(const char *dev)
{
	unsigned int type = ARPHRD_ETHER;
	struct ifreq ifr = {};
	int fd;

	/* by ioctl, not /sys/class/net: sysfs shows the links of the
	 * namespace it was mounted in, the ioctl this thread's */
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s",
		 tapio_dev_ifname(dev));
	if (fd >= 0 && !ioctl(fd, SIOCGIFHWADDR, &ifr))
		type = ifr.ifr_hwaddr.sa_family;
	if (fd >= 0)
		close(fd);
	switch (type) {
	case ARPHRD_ETHER:
	case ARPHRD_LOOPBACK:
		return 0;
	case ARPHRD_NONE: /* tun, WireGuard */
	case ARPHRD_RAWIP:
	case ARPHRD_PPP:
	case ARPHRD_TUNNEL: /* ipip */
	case ARPHRD_TUNNEL6:
	case ARPHRD_SIT:
	case ARPHRD_IPGRE:
	case ARPHRD_IP6GRE:
		return 1;
	}
	pr_err("cannot account %s: its frames are of link type %u, neither "
	       "Ethernet nor raw IP (tun, WireGuard, ipip, GRE)",
	       dev, type);
	return -EPROTONOSUPPORT;
}

/* tapio_xdp with multi-buffer support where the kernel has it (5.18: native
 * XDP at jumbo MTU, a frame in several buffers), else without. */
static int load_xdp(const struct tapio_attach_opts *o, int raw_ip,
		    struct tapio_xdp **out)
{
	struct bpf_program *prog;
	char eb[TAPIO_ERRBUF];
	struct tapio_xdp *xdp;
	int err = 0, frags;

	for (frags = 1; frags >= 0; frags--) {
		xdp = tapio_xdp__open();
		if (!xdp) {
			err = -errno;
			pr_err("cannot open BPF object tapio_xdp: %s",
			       tapio_strerror(err, eb, sizeof(eb)));
			return err;
		}
		prog = xdp->progs.tapio_xdp;
		xdp->rodata->tapio_link_raw_ip = (__u8)raw_ip;
		xdp->rodata->tapio_xdp_frags = (__u8)frags;
		xdp->rodata->tapio_shared_flows =
			o->kernel_map == TAPIO_KERNEL_MAP_SHARED;
		if (frags)
			bpf_program__set_flags(prog,
					       bpf_program__flags(prog) |
						       BPF_F_XDP_HAS_FRAGS);
		err = bpf_map__set_max_entries(xdp->maps.tapio_flows,
					       o->max_flows);
		if (!err)
			err = bpf_map__set_max_entries(
				xdp->maps.tapio_flows_alt, o->max_flows);
		if (!err && o->kernel_map == TAPIO_KERNEL_MAP_SHARED)
			err = bpf_map__set_type(xdp->maps.tapio_flows,
						BPF_MAP_TYPE_HASH);
		if (!err && o->kernel_map == TAPIO_KERNEL_MAP_SHARED)
			err = bpf_map__set_type(xdp->maps.tapio_flows_alt,
						BPF_MAP_TYPE_HASH);
		if (!err)
			err = bpf_map__set_max_entries(
				xdp->maps.tapio_spill,
				o->spill_bytes ? o->spill_bytes
					       : TAPIO_SPILL_RING_BYTES);
		if (!err)
			err = tapio_xdp__load(xdp);
		if (!err) {
			*out = xdp;
			return 0;
		}
		tapio_xdp__destroy(xdp);
		if (frags)
			pr_debug("tapio_xdp with multi-buffer support did not "
				 "load (%s): loading it without",
				 tapio_strerror(err, eb, sizeof(eb)));
	}
	pr_err("cannot load tapio_xdp (max %u flows): %s", o->max_flows,
	       tapio_strerror(err, eb, sizeof(eb)));
	return err;
}

/* Why a driver refused native XDP, from the errno bpf_link_create gives
 * (the kernel's own words go to an extack that links do not return). */
static const char *native_refusal(int err, char *buf, size_t len)
{
	if (err == -ERANGE)
		return "the MTU (the device's or its peer's) is too large for "
		       "native XDP on this driver";
	if (err == -EOPNOTSUPP)
		return "the driver has no native XDP";
	return tapio_strerror(err, buf, len);
}

static int attach_xdp(const struct tapio_attach_opts *o, int ifindex,
		      int prog_fd, __u32 replace_flags, __u32 *mode, char *why,
		      size_t why_len)
{
	LIBBPF_OPTS(bpf_link_create_opts, lo);
	char eb[TAPIO_ERRBUF];
	int fd, err;

	if (replace_flags) {
		err = bpf_xdp_detach(ifindex, replace_flags, NULL);
		if (err) {
			pr_err("cannot remove the existing XDP program from "
			       "%s: %s",
			       o->dev, tapio_strerror(err, eb, sizeof(eb)));
			return err;
		}
	}
	if (o->mode != TAPIO_MODE_GENERIC) {
		lo.flags = XDP_FLAGS_DRV_MODE;
		fd = bpf_link_create(prog_fd, ifindex, BPF_XDP, &lo);
		if (fd >= 0) {
			*mode = TAPIO_XDP_NATIVE;
			return fd;
		}
		err = -errno;
		snprintf(why, why_len, "%s",
			 native_refusal(err, eb, sizeof(eb)));
		if (o->mode == TAPIO_MODE_NATIVE) {
			pr_err("cannot attach XDP in native mode to %s: %s",
			       o->dev, why);
			return err;
		}
		pr_debug("native XDP on %s failed (%s), trying generic", o->dev,
			 why);
	}
	lo.flags = XDP_FLAGS_SKB_MODE;
	fd = bpf_link_create(prog_fd, ifindex, BPF_XDP, &lo);
	if (fd < 0) {
		err = -errno;
		pr_err("cannot attach XDP in generic mode to %s: %s", o->dev,
		       tapio_strerror(err, eb, sizeof(eb)));
		return err;
	}
	*mode = TAPIO_XDP_GENERIC;
	return fd;
}

/* A tcx link ahead of every tcx program there (tapio_tc passes each
 * packet on, so the others still see all of them), pinned: 0, or why
 * not (the kernel has no tcx: before 6.6 the attach type is unknown). */
static int attach_tcx(const char *dev, int ifindex, int prog_fd,
		      enum bpf_tc_attach_point point)
{
	LIBBPF_OPTS(bpf_link_create_opts, lo, .flags = TAPIO_BPF_F_BEFORE);
	int fd, err;

	fd = bpf_link_create(prog_fd, ifindex,
			     point == BPF_TC_EGRESS ? TAPIO_BPF_TCX_EGRESS
						    : TAPIO_BPF_TCX_INGRESS,
			     &lo);
	if (fd < 0)
		return -errno;
	err = pin_fd(fd, dev,
		     point == BPF_TC_EGRESS ? TAPIO_PIN_TC_LINK
					    : TAPIO_PIN_TC_IN_LINK);
	close(fd); /* the pin keeps it; without one it is gone */
	return err;
}

/* A link's pin detached: the link stays (defunct) until the pin goes. */
static void detach_link_pin(const char *dev, const char *pin, const char *what)
{
	int fd = tapio_pin_open(dev, pin);

	if (fd < 0)
		return;
	/* the link may already be defunct if the device went away */
	if (bpf_link_detach(fd) && errno != ENOLINK)
		pr_warn("cannot detach the %s link on %s: %s", what, dev,
			strerror(errno));
	close(fd);
}

/* tapio_tc at @point of @dev: a tcx link (*@tcx) where @api allows and
 * the kernel has tcx, else a cls_bpf filter on clsact (*@created: the
 * qdisc is ours). */
static int attach_tc(const char *dev, int ifindex, int prog_fd,
		     enum bpf_tc_attach_point point, enum tapio_tc_api api,
		     bool *created, bool *tcx)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
			    .attach_point = point);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = TAPIO_TC_HANDLE,
			    .priority = TAPIO_TC_PRIORITY, .prog_fd = prog_fd);
	char eb[TAPIO_ERRBUF];
	int err;

	if (api != TAPIO_TC_API_CLS_BPF) {
		err = attach_tcx(dev, ifindex, prog_fd, point);
		if (!err) {
			*tcx = true;
			return 0;
		}
		if (api == TAPIO_TC_API_TCX || *tcx) {
			pr_err("cannot attach tapio_tc to %s %s as a tcx link: "
			       "%s",
			       dev,
			       point == BPF_TC_EGRESS ? "egress" : "ingress",
			       tapio_strerror(err, eb, sizeof(eb)));
			return err;
		}
		pr_debug("%s: no tcx (%s): cls_bpf on clsact", dev,
			 tapio_strerror(err, eb, sizeof(eb)));
	}
	err = bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST) {
		pr_err("cannot create clsact qdisc on %s: %s", dev,
		       tapio_strerror(err, eb, sizeof(eb)));
		return err;
	}
	if (!err)
		*created = true;
	err = bpf_tc_attach(&hook, &opts);
	if (err) {
		pr_err("cannot attach tapio_tc to %s %s: %s", dev,
		       point == BPF_TC_EGRESS ? "egress" : "ingress",
		       tapio_strerror(err, eb, sizeof(eb)));
		return err;
	}
	return 0;
}

int tapio_tc_prog_runs(int ifindex, bool ingress, bool tcx, __u32 prog_id)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
			    .attach_point =
				    ingress ? BPF_TC_INGRESS : BPF_TC_EGRESS);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = TAPIO_TC_HANDLE,
			    .priority = TAPIO_TC_PRIORITY);
	LIBBPF_OPTS(bpf_prog_query_opts, q);
	__u32 ids[64], i;
	int err;

	if (!tcx) {
		err = bpf_tc_query(&hook, &opts);
		if (err)
			return err == -ENOENT ? 0 : err;
		return opts.prog_id == prog_id;
	}
	q.prog_ids = ids;
	q.prog_cnt = sizeof(ids) / sizeof(ids[0]);
	if (bpf_prog_query_opts(
		    ifindex,
		    ingress ? TAPIO_BPF_TCX_INGRESS : TAPIO_BPF_TCX_EGRESS, &q))
		return -errno;
	for (i = 0; i < q.prog_cnt && i < sizeof(ids) / sizeof(ids[0]); i++)
		if (ids[i] == prog_id)
			return 1;
	return 0; /* (more than 64 there: the query said ENOSPC) */
}

static void detach_tc(const char *dev, int ifindex,
		      enum bpf_tc_attach_point point, __u32 expect_prog_id)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
			    .attach_point = point);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = TAPIO_TC_HANDLE,
			    .priority = TAPIO_TC_PRIORITY);
	char eb[TAPIO_ERRBUF];
	int err;

	err = bpf_tc_query(&hook, &opts);
	if (err) {
		if (err != -ENOENT)
			pr_warn("cannot query tc filter on %s: %s", dev,
				tapio_strerror(err, eb, sizeof(eb)));
		return;
	}
	if (expect_prog_id && opts.prog_id != expect_prog_id) {
		pr_warn("tc filter %#x on %s runs program %u, not tapio's %u; "
			"leaving it",
			TAPIO_TC_HANDLE, dev, opts.prog_id, expect_prog_id);
		return;
	}
	opts.prog_fd = opts.prog_id = opts.flags = 0;
	err = bpf_tc_detach(&hook, &opts);
	if (err)
		pr_warn("cannot detach tapio_tc from %s: %s", dev,
			tapio_strerror(err, eb, sizeof(eb)));
}

static __u32 prog_id_of_fd(int fd)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len))
		return 0;
	return info.id;
}

#define SHARED_MAPS 10

/* A map tapio_xdp creates, tapio_tc reuses, and attach pins. */
struct shared_map {
	struct bpf_map *xdp, *tc;
	const char *pin;
};

static void shared_maps(struct tapio_xdp *xdp, struct tapio_tc *tc,
			struct shared_map m[SHARED_MAPS])
{
	m[0] = (struct shared_map){xdp->maps.tapio_flows,
				   tc ? tc->maps.tapio_flows : NULL,
				   TAPIO_PIN_FLOWS};
	m[1] = (struct shared_map){xdp->maps.tapio_flows_alt,
				   tc ? tc->maps.tapio_flows_alt : NULL,
				   TAPIO_PIN_FLOWS_ALT};
	m[2] = (struct shared_map){xdp->maps.tapio_config,
				   tc ? tc->maps.tapio_config : NULL,
				   TAPIO_PIN_CONFIG};
	m[3] = (struct shared_map){xdp->maps.tapio_counters,
				   tc ? tc->maps.tapio_counters : NULL,
				   TAPIO_PIN_COUNTERS};
	m[4] = (struct shared_map){xdp->maps.tapio_spill,
				   tc ? tc->maps.tapio_spill : NULL,
				   TAPIO_PIN_SPILL};
	m[5] = (struct shared_map){xdp->maps.tapio_capture,
				   tc ? tc->maps.tapio_capture : NULL,
				   TAPIO_PIN_CAPTURE};
	m[6] = (struct shared_map){xdp->maps.tapio_owners,
				   tc ? tc->maps.tapio_owners : NULL,
				   TAPIO_PIN_OWNERS};
	m[7] = (struct shared_map){xdp->maps.tapio_filters,
				   tc ? tc->maps.tapio_filters : NULL,
				   TAPIO_PIN_FILTERS};
	m[8] = (struct shared_map){xdp->maps.tapio_filter_hits,
				   tc ? tc->maps.tapio_filter_hits : NULL,
				   TAPIO_PIN_FILTER_HITS};
	m[9] = (struct shared_map){xdp->maps.tapio_filter_prefixes,
				   tc ? tc->maps.tapio_filter_prefixes : NULL,
				   TAPIO_PIN_FILTER_PREFIXES};
}

int tapio_share_maps(struct tapio_xdp *xdp, struct tapio_tc *tc)
{
	struct shared_map m[SHARED_MAPS];
	int i, err;

	shared_maps(xdp, tc, m);
	for (i = 0; i < SHARED_MAPS; i++) {
		err = bpf_map__reuse_fd(m[i].tc, bpf_map__fd(m[i].xdp));
		if (err)
			return err;
	}
	return 0;
}

static int pin_maps(struct tapio_xdp *xdp, const char *dev)
{
	struct shared_map m[SHARED_MAPS];
	int i, err;

	shared_maps(xdp, NULL, m);
	for (i = 0; i < SHARED_MAPS; i++) {
		err = pin_fd(bpf_map__fd(m[i].xdp), dev, m[i].pin);
		if (err)
			return err;
	}
	return 0;
}

/* tapio_tc for one direction, sharing tapio_xdp's maps. */
static int load_tc(struct tapio_xdp *xdp, __u8 dir, int raw_ip,
		   struct tapio_tc **out)
{
	char eb[TAPIO_ERRBUF];
	struct tapio_tc *tc;
	int err;

	tc = tapio_tc__open();
	if (!tc) {
		err = -errno;
		pr_err("cannot open BPF object tapio_tc: %s",
		       tapio_strerror(err, eb, sizeof(eb)));
		return err;
	}
	tc->rodata->tapio_tc_direction = dir;
	tc->rodata->tapio_link_raw_ip = (__u8)raw_ip;
	/* the maps it shares are of the kind tapio_xdp was loaded with */
	tc->rodata->tapio_shared_flows = xdp->rodata->tapio_shared_flows;
	err = tapio_share_maps(xdp, tc);
	if (!err)
		err = tapio_tc__load(tc);
	if (err) {
		pr_err("cannot load tapio_tc (%s): %s",
		       dir == TAPIO_DIR_INGRESS ? "ingress" : "egress",
		       tapio_strerror(err, eb, sizeof(eb)));
		tapio_tc__destroy(tc);
		return err;
	}
	*out = tc;
	return 0;
}

const char *const tapio_hook_names[] = {"xdp", "tc", "auto", NULL};
const char *const tapio_kernel_map_names[] = {"percpu", "shared", NULL};

/* Whether an XDP program other than tapio_xdp runs on @dev. */
static bool foreign_xdp(const char *dev)
{
	struct bpf_prog_info info = {};
	__u32 id = 0, len = sizeof(info);
	int ifindex = (int)if_nametoindex(tapio_dev_ifname(dev)), fd;

	if (!ifindex || bpf_xdp_query_id(ifindex, 0, &id) || !id)
		return false;
	fd = bpf_prog_get_fd_by_id(id);
	if (fd < 0)
		return true; /* not ours to open: not ours */
	bpf_obj_get_info_by_fd(fd, &info, &len);
	close(fd);
	return strcmp(info.name, "tapio_xdp") != 0;
}

/* The device's driver by ETHTOOL_GDRVINFO (no capability needed). */
static void driver_of(const char *dev, char *buf, size_t len)
{
	struct ethtool_drvinfo info = {.cmd = ETHTOOL_GDRVINFO};
	struct ifreq ifr = {};
	int fd;

	buf[0] = '\0';
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s",
		 tapio_dev_ifname(dev));
	ifr.ifr_data = (void *)&info;
	if (!ioctl(fd, SIOCETHTOOL, &ifr))
		snprintf(buf, len, "%s", info.driver);
	close(fd);
}

enum tapio_hook tapio_hook_for(const char *dev, enum tapio_hook asked,
			       bool need_xdp)
{
	char driver[32];

	if (asked != TAPIO_HOOK_AUTO)
		return asked;
	if (need_xdp)
		return TAPIO_HOOK_XDP;
	/* XDP has one program per device (no dispatcher: docs): another
	 * tool's stays, and tapio counts after it, at TC */
	if (foreign_xdp(dev))
		return TAPIO_HOOK_TC;
	driver_of(dev, driver, sizeof(driver));
	/* a veth runs native XDP in NAPI mode, dearer than TC; raw-IP
	 * links have generic XDP only */
	if (!strcmp(driver, "veth") || tapio_link_raw_ip(dev) == 1)
		return TAPIO_HOOK_TC;
	return TAPIO_HOOK_XDP;
}

/* Before any packet is counted: the ifindex its flows carry, when the
 * kernel's is of another namespace (and may be a host link's too). */
static int set_flow_ifindex(struct tapio_xdp *xdp,
			    const struct tapio_attach_opts *o)
{
	struct tapio_config *cfg =
		tapio_config_map(bpf_map__fd(xdp->maps.tapio_config));
	char eb[TAPIO_ERRBUF];
	int err;

	if (!cfg) {
		err = -errno;
		pr_err("cannot map tapio_config of %s: %s", o->dev,
		       tapio_strerror(err, eb, sizeof(eb)));
		return err;
	}
	cfg->flow_ifindex = o->flow_ifindex;
	tapio_config_unmap(cfg);
	return 0;
}

static int attach_here(const struct tapio_attach_opts *o)
{
	struct tapio_attach_info ai = {.version = TAPIO_ATTACH_INFO_VERSION};
	struct tapio_xdp *xdp = NULL;
	struct tapio_tc *tc = NULL, *tc_in = NULL; /* egress, ingress */
	bool created_clsact = false, tc_attached = false,
	     tc_in_attached = false, tcx = false;
	int ifindex, link_fd = -1, err, tries, raw_ip;
	struct tapio_attach_opts xo;
	enum tapio_hook hook;
	char why[160] = "";
	char path[512];
	struct timespec now;
	__u32 replace = 0;
	struct stat st;

	err = tapio_parse_dev(o->dev, (unsigned int *)&ifindex);
	if (err)
		return err;
	raw_ip = tapio_link_raw_ip(o->dev);
	if (raw_ip < 0)
		return raw_ip;
	/* an XDP mode asked for is asking for XDP */
	hook = tapio_hook_for(o->dev, o->hook, o->mode != TAPIO_MODE_AUTO);
	/* native XDP is not run on such links (tun runs it in TAP mode
	 * only; the others have none): generic sees every frame */
	if (raw_ip && o->mode == TAPIO_MODE_NATIVE && hook == TAPIO_HOOK_XDP) {
		pr_err("cannot attach XDP in native mode to %s: a raw-IP link "
		       "runs XDP in generic mode only",
		       o->dev);
		return -EOPNOTSUPP;
	}
	xo = *o;
	if (raw_ip)
		xo.mode = TAPIO_MODE_GENERIC;
	err = tapio_check_privileges("attach");
	if (err)
		return err;
	err = tapio_bpffs_ensure();
	if (err)
		return err;
	/* the pinned XDP link would go with the namespace, and TC would
	 * stay behind, attached and orphaned: refuse before either */
	if (!o->transient && tapio_bpffs_transient()) {
		pr_err("cannot attach to %s for longer than this command: no "
		       "bpffs at %s in this mount namespace (as under 'ip "
		       "netns exec'), and one mounted here goes with it; "
		       "mount bpffs there first, or use 'tapio run', which "
		       "detaches at exit",
		       o->dev, TAPIO_BPFFS_MOUNT);
		return -EPERM;
	}
	err = tapio_pin_path(path, sizeof(path), o->dev, NULL);
	if (err)
		return err;
	if (!stat(path, &st)) {
		pr_err("tapio is already attached to %s (state in %s); run "
		       "'tapio detach %s' first",
		       o->dev, path, o->dev);
		return -EEXIST;
	}
	if (hook == TAPIO_HOOK_XDP) {
		err = check_existing_xdp(o, ifindex, &replace);
		if (err)
			return err;
	}

	/* tapio_xdp is loaded whatever the hook: it owns the maps (and a
	 * capture attaches it on demand) */
	err = load_xdp(o, raw_ip, &xdp);
	if (err)
		return err;
	if (o->egress)
		err = load_tc(xdp, TAPIO_DIR_EGRESS, raw_ip, &tc);
	if (!err && hook == TAPIO_HOOK_TC)
		err = load_tc(xdp, TAPIO_DIR_INGRESS, raw_ip, &tc_in);
	if (err)
		goto out;

	/* another tapio detaching its last device removes the root (when
	 * empty) and may do so between tapio_bpffs_ensure() and here */
	for (tries = 0;
	     (err = mkdir(path, 0750) ? -errno : 0) == -ENOENT && tries < 3;
	     tries++)
		tapio_bpffs_ensure();
	if (err) {
		if (err == -EEXIST)
			pr_err("another process attached tapio to %s meanwhile "
			       "(state in %s)",
			       o->dev, path);
		else
			pr_err("cannot create pin directory %s: %s", path,
			       strerror(-err));
		goto out;
	}
	err = pin_maps(xdp, o->dev);
	if (!err)
		err = pin_fd(bpf_map__fd(xdp->maps.tapio_xsks), o->dev,
			     TAPIO_PIN_XSKS);
	if (!err)
		err = pin_fd(bpf_program__fd(xdp->progs.tapio_xdp), o->dev,
			     TAPIO_PIN_XDP_PROG);
	if (!err && tc)
		err = pin_fd(bpf_program__fd(tc->progs.tapio_tc), o->dev,
			     TAPIO_PIN_TC_PROG);
	if (!err && tc_in)
		err = pin_fd(bpf_program__fd(tc_in->progs.tapio_tc), o->dev,
			     TAPIO_PIN_TC_IN_PROG);
	if (!err && o->flow_ifindex)
		err = set_flow_ifindex(xdp, o);
	if (err)
		goto out_unpin;

	if (hook == TAPIO_HOOK_XDP) {
		link_fd = attach_xdp(&xo, ifindex,
				     bpf_program__fd(xdp->progs.tapio_xdp),
				     replace, &ai.xdp_mode, why, sizeof(why));
		if (link_fd < 0) {
			err = link_fd;
			goto out_unpin;
		}
		err = pin_fd(link_fd, o->dev, TAPIO_PIN_XDP_LINK);
		if (err)
			goto out_unpin;
		ai.xdp_prog_id =
			prog_id_of_fd(bpf_program__fd(xdp->progs.tapio_xdp));
	}
	if (tc) {
		err = attach_tc(
			o->dev, ifindex, bpf_program__fd(tc->progs.tapio_tc),
			BPF_TC_EGRESS, o->tc_api, &created_clsact, &tcx);
		if (err)
			goto out_unpin;
		tc_attached = true;
		ai.flags |= TAPIO_ATTACH_F_TC_EGRESS;
		ai.tc_prog_id =
			prog_id_of_fd(bpf_program__fd(tc->progs.tapio_tc));
	}
	if (tc_in) {
		err = attach_tc(o->dev, ifindex,
				bpf_program__fd(tc_in->progs.tapio_tc),
				BPF_TC_INGRESS,
				tc && !tcx ? TAPIO_TC_API_CLS_BPF : o->tc_api,
				&created_clsact, &tcx);
		if (err)
			goto out_unpin;
		tc_in_attached = true;
		ai.flags |= TAPIO_ATTACH_F_TC_INGRESS;
		ai.tc_in_prog_id =
			prog_id_of_fd(bpf_program__fd(tc_in->progs.tapio_tc));
	}
	if (created_clsact)
		ai.flags |= TAPIO_ATTACH_F_CREATED_CLSACT;
	if (tcx)
		ai.flags |= TAPIO_ATTACH_F_TCX;

	clock_gettime(CLOCK_REALTIME, &now);
	ai.ifindex = ifindex;
	ai.tc_handle = TAPIO_TC_HANDLE;
	ai.tc_priority = TAPIO_TC_PRIORITY;
	ai.max_flows = o->max_flows;
	ai.attached_at_ns = now.tv_sec * 1000000000ULL + now.tv_nsec;
	if (o->run_owned)
		ai.flags |= TAPIO_ATTACH_F_RUN_OWNED;
	if (raw_ip)
		ai.flags |= TAPIO_ATTACH_F_RAW_IP;
	if (o->kernel_map == TAPIO_KERNEL_MAP_SHARED)
		ai.flags |= TAPIO_ATTACH_F_SHARED_FLOWS;
	err = write_attach_info(o->dev, &ai);
	if (err)
		goto out_unpin;

	if (ai.xdp_mode && raw_ip)
		pr_info("attached tapio_xdp to %s in %s mode (a raw-IP link)",
			o->dev, tapio_xdp_mode_name(ai.xdp_mode));
	else if (ai.xdp_mode && why[0])
		pr_info("attached tapio_xdp to %s in %s mode (native refused: "
			"%s)",
			o->dev, tapio_xdp_mode_name(ai.xdp_mode), why);
	else if (ai.xdp_mode)
		pr_info("attached tapio_xdp to %s in %s mode", o->dev,
			tapio_xdp_mode_name(ai.xdp_mode));
	if (tc_in)
		pr_info("attached tapio_tc to %s ingress (%s%s)", o->dev,
			tcx ? "tcx link, first" : "cls_bpf",
			o->hook != TAPIO_HOOK_AUTO ? ""
			: foreign_xdp(o->dev)	   ? "; hook auto: tc, XDP is "
						     "another tool's"
						   : "; hook auto: tc");
	if (tc)
		pr_info("attached tapio_tc to %s egress (%s)", o->dev,
			tcx ? "tcx link, first" : "cls_bpf");
	pr_info("max flows %u%s, state pinned in %s", o->max_flows,
		o->kernel_map == TAPIO_KERNEL_MAP_SHARED ? " (shared map)" : "",
		path);
	goto out;

out_unpin:
	if (tcx) { /* also one attached before the other failed */
		detach_link_pin(o->dev, TAPIO_PIN_TC_LINK, "tcx");
		detach_link_pin(o->dev, TAPIO_PIN_TC_IN_LINK, "tcx");
	}
	if (tc_attached && !tcx)
		detach_tc(o->dev, ifindex, BPF_TC_EGRESS, 0);
	if (tc_in_attached && !tcx)
		detach_tc(o->dev, ifindex, BPF_TC_INGRESS, 0);
	if (created_clsact) {
		DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
				    .attach_point =
					    BPF_TC_INGRESS | BPF_TC_EGRESS);
		bpf_tc_hook_destroy(&hook);
	}
	tapio_pin_dir_remove(o->dev);
out:
	if (link_fd >= 0)
		close(link_fd); /* the pin, if any, keeps the link */
	tapio_tc__destroy(tc_in);
	tapio_tc__destroy(tc);
	tapio_xdp__destroy(xdp);
	return err;
}

/* A link of another namespace is attached from inside it: the names,
 * ifindexes and netlink requests are that namespace's, the pins and maps
 * the one bpffs as ever. */
int tapio_attach(const struct tapio_attach_opts *o)
{
	int back, err = tapio_check_dev_name(o->dev);

	if (!err)
		err = tapio_netns_enter_dev(o->dev, &back);
	if (err)
		return err;
	err = attach_here(o);
	tapio_netns_leave(back);
	return err;
}

/* An attachment in place is used as it is: what was asked and is not so
 * (the hook, the map size) is said, not silently dropped. */
static void say_adopted(const struct tapio_attach_opts *o,
			const struct tapio_attach_info *ai)
{
	enum tapio_hook want =
		tapio_hook_for(o->dev, o->hook, o->mode != TAPIO_MODE_AUTO);
	enum tapio_hook have =
		ai->tc_in_prog_id ? TAPIO_HOOK_TC : TAPIO_HOOK_XDP;

	__u32 ring;

	enum tapio_kernel_map kmap = ai->flags & TAPIO_ATTACH_F_SHARED_FLOWS
					     ? TAPIO_KERNEL_MAP_SHARED
					     : TAPIO_KERNEL_MAP_PERCPU;

	if (want != have || (o->max_flows && o->max_flows != ai->max_flows) ||
	    kmap != o->kernel_map)
		pr_warn("%s: using the attachment in place (hook %s, %u "
			"flows per generation, %s map), not the one asked for "
			"(hook %s, %u, %s): detach it first to change that",
			o->dev, tapio_hook_names[have], ai->max_flows,
			tapio_kernel_map_names[kmap], tapio_hook_names[want],
			o->max_flows, tapio_kernel_map_names[o->kernel_map]);
	if (!o->spill_bytes)
		return;
	ring = tapio_pin_map_entries(o->dev, TAPIO_PIN_SPILL);
	if (ring && ring != o->spill_bytes)
		pr_warn("%s: using the spill ring in place (%u MiB), not the "
			"%u MiB asked for: detach it first to change that",
			o->dev, ring >> 20, o->spill_bytes >> 20);
}

/* An attachment found in place.  One that a run made for itself and did
 * not detach was left by a run that died (the caller holds the device's
 * lock): the new run owns it, detaching it at exit unless it keeps it,
 * which it then records.  Any other (tapio attach, --keep-attached) is
 * used and left in place. */
static int adopt(const struct tapio_attach_opts *o, bool *attached)
{
	struct tapio_attach_info ai;
	char eb[TAPIO_ERRBUF];
	__u32 key = 0;
	int fd, err;

	fd = tapio_pin_open(o->dev, TAPIO_PIN_ATTACH_INFO);
	if (fd < 0 || bpf_map_lookup_elem(fd, &key, &ai)) {
		err = fd < 0 ? fd : -errno;
		pr_err("cannot read how %s was attached: %s", o->dev,
		       tapio_strerror(err, eb, sizeof(eb)));
		goto out;
	}
	/* counters and config read with another layout would be wrong
	 * numbers, not errors */
	err = tapio_check_layout(o->dev, &ai);
	if (err)
		goto out;
	if (o->say_adopted)
		say_adopted(o, &ai);
	if (!(ai.flags & TAPIO_ATTACH_F_RUN_OWNED)) {
		pr_debug("using the existing attachment of %s", o->dev);
		goto out;
	}
	pr_warn("%s: taking over the attachment of a tapio run that ended "
		"without detaching; what it counted since is kept",
		o->dev);
	*attached = o->run_owned;
	if (o->run_owned)
		goto out;
	ai.flags &= ~TAPIO_ATTACH_F_RUN_OWNED;
	if (bpf_map_update_elem(fd, &key, &ai, BPF_EXIST)) {
		err = -errno;
		pr_err("cannot record that %s stays attached: %s", o->dev,
		       tapio_strerror(err, eb, sizeof(eb)));
	}
out:
	if (fd >= 0)
		close(fd);
	return err;
}

int tapio_attach_if_needed(const struct tapio_attach_opts *o, bool *attached)
{
	char path[512];
	struct stat st;
	int err, back;

	*attached = false;
	err = tapio_pin_path(path, sizeof(path), o->dev, NULL);
	if (err)
		return err;
	if (stat(path, &st)) {
		err = tapio_attach(o);
		*attached = !err;
		return err;
	}
	err = tapio_netns_enter_dev(o->dev, &back); /* the hook it would pick */
	if (!err)
		err = adopt(o, attached);
	tapio_netns_leave(back);
	return err;
}

static int detach_here(const char *dev, bool keep_qdisc, bool find_link)
{
	struct tapio_attach_info ai = {};
	char path[512], eb[TAPIO_ERRBUF];
	unsigned int ifindex;
	struct stat st;
	int err, fd;
	__u32 tc_prog_id;

	err = tapio_check_privileges("detach");
	if (err)
		return err;
	err = tapio_pin_path(path, sizeof(path), dev, NULL);
	if (err)
		return err;
	if (stat(path, &st)) {
		pr_err("tapio is not attached to %s (no state in %s)", dev,
		       path);
		return -ENOENT;
	}
	err = tapio_read_attach_info(dev, &ai);
	if (err)
		pr_warn("cannot read attach info of %s: %s; removing pins only",
			dev, tapio_strerror(err, eb, sizeof(eb)));
	ifindex = find_link ? if_nametoindex(tapio_dev_ifname(dev)) : 0;
	if (ifindex && ai.ifindex && ifindex != ai.ifindex) {
		pr_warn("%s now has ifindex %u, tapio attached to %u; removing "
			"pins only",
			dev, ifindex, ai.ifindex);
		ifindex = 0;
	}

	detach_link_pin(dev, TAPIO_PIN_XDP_LINK, "XDP");
	/* tcx links are ours alone: found by their pins, whatever the
	 * device is called now */
	detach_link_pin(dev, TAPIO_PIN_TC_LINK, "tcx");
	detach_link_pin(dev, TAPIO_PIN_TC_IN_LINK, "tcx");
	if (ifindex && !(ai.flags & TAPIO_ATTACH_F_TCX) &&
	    (ai.flags &
	     (TAPIO_ATTACH_F_TC_EGRESS | TAPIO_ATTACH_F_TC_INGRESS))) {
		if (ai.flags & TAPIO_ATTACH_F_TC_EGRESS) {
			fd = tapio_pin_open(dev, TAPIO_PIN_TC_PROG);
			tc_prog_id = prog_id_of_fd(fd);
			if (fd >= 0)
				close(fd);
			detach_tc(dev, ifindex, BPF_TC_EGRESS, tc_prog_id);
		}
		if (ai.flags & TAPIO_ATTACH_F_TC_INGRESS) {
			fd = tapio_pin_open(dev, TAPIO_PIN_TC_IN_PROG);
			tc_prog_id = prog_id_of_fd(fd);
			if (fd >= 0)
				close(fd);
			detach_tc(dev, ifindex, BPF_TC_INGRESS, tc_prog_id);
		}
		if ((ai.flags & TAPIO_ATTACH_F_CREATED_CLSACT) && !keep_qdisc) {
			DECLARE_LIBBPF_OPTS(
				bpf_tc_hook, hook, .ifindex = ifindex,
				.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS);
			err = bpf_tc_hook_destroy(&hook);
			if (err && err != -ENOENT && err != -EINVAL)
				pr_warn("cannot remove clsact qdisc from %s: "
					"%s",
					dev,
					tapio_strerror(err, eb, sizeof(eb)));
		}
	}
	err = tapio_pin_dir_remove(dev);
	if (!err)
		pr_info("detached tapio from %s", dev);
	return err;
}

/* In the link's namespace; one that is gone took the link and its TC
 * filters with it: the pins are all there is left to remove (a link of
 * that name here is another one). */
int tapio_detach(const char *dev, bool keep_qdisc)
{
	char ns[TAPIO_NETNS_MAX];
	int err, back = -1;

	err = tapio_check_dev_name(dev);
	if (err)
		return err;
	if (tapio_dev_netns(dev, ns, sizeof(ns)))
		err = tapio_netns_gone(ns) ? -ENOENT
					   : tapio_netns_enter(ns, &back);
	err = detach_here(dev, keep_qdisc, !err);
	tapio_netns_leave(back);
	return err;
}

int tapio_parse_mode_named(const char *opt, const char *s,
			   enum tapio_mode_req *out)
{
	if (!strcmp(s, "auto"))
		*out = TAPIO_MODE_AUTO;
	else if (!strcmp(s, "native") || !strcmp(s, "drv"))
		*out = TAPIO_MODE_NATIVE;
	else if (!strcmp(s, "generic") || !strcmp(s, "skb"))
		*out = TAPIO_MODE_GENERIC;
	else {
		pr_err("invalid %s '%s': expected auto, native or generic", opt,
		       s);
		return -EINVAL;
	}
	return 0;
}

int tapio_parse_mode(const char *s, enum tapio_mode_req *out)
{
	return tapio_parse_mode_named("--mode", s, out);
}
