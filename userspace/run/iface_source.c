// SPDX-License-Identifier: GPL-2.0
/* Devices as a source: attach (or reuse the pins of) each one, drain its two
 * kernel map generations into the table, run its AF_XDP pollers, and account
 * per direction for every frame the programs saw. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/epoll.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "lib/json.h"
#include "export/prom_text.h"
#include "lib/bpffs.h"
#include "lib/capture_filter.h"
#include "lib/config_map.h"
#include "lib/dev_lock.h"
#include "lib/drainer.h"
#include "lib/flow_dump.h"
#include "lib/flow_format.h"
#include "lib/clock.h"
#include "lib/iface_select.h"
#include "lib/loader.h"
#include "lib/log.h"
#include "lib/netns.h"
#include "lib/parse.h"
#include "lib/xsk_poller.h"
#include "lib/flow_filter.h"
#include "lib/flow_owner.h"
#include "run/iface_source.h"
#include "tapio/owner.h"
#include "tapio/spill.h"

struct tapio_iface_dev {
	const char *name;
	struct tapio_drainer drainer;
	int counters_fd;  /* kept: detach removes the pin before the account */
	int lock_fd;	  /* this run is the device's one collector */
	__u32 prog_id[3]; /* tapio_xdp, tapio_tc egress and ingress, 0 when
			   * not attached */
	/* flows the programs could not store, merged each interval */
	struct ring_buffer *spill;
	int spill_fd;
	struct tapio_flow_table *t;
	__u64 spill_merged, spill_malformed; /* packets, records */
	bool drain_wanted;    /* its programs asked: the generation is full */
	__u64 spill_read;     /* packets read off the spill ring */
	unsigned int ifindex; /* in its flows' keys */
	unsigned int link_ifindex; /* the link's, in its namespace */
	__u64 expired[TAPIO_DIR_MAX][TAPIO_END_GONE]; /* by end reason - 1 */
	__u64 active[TAPIO_DIR_MAX];   /* recounted each interval */
	__u64 exported[TAPIO_DIR_MAX]; /* packets of its ended flows */
	const char *failure;	       /* why it is not running */
	int cfg_fd, xsks_fd;
	int owners_fd; /* its tapio_owners, with attribution; else -1 */
	long owners;   /* its entries at the last prune */
	struct tapio_config *cfg; /* mapped: the xsk fields */
	bool attached_by_us, open, detached, xsk;
	bool lost; /* its programs or the interface went away mid-run */
	bool gone; /* watched, its link deleted: to retire */
	bool own_name;
	bool in_ns; /* a link of another namespace: NETNS:IFNAME */
	struct tapio_filter_dev filt; /* its copy of the flow filters */
	bool seen;	      /* its namespace was there at the last look */
	bool tcx;	      /* its TC programs run as tcx links */
	bool prog_missing;    /* a program not on it at the last look */
	bool tc_query_failed; /* said: the kernel cannot be asked about TC */
	struct tapio_xsk_set xs;
	struct tapio_xsk_stats xst;
	struct tapio_dir_counters cnt[TAPIO_DIR_MAX]; /* read per interval */
};

void tapio_iface_source_init(struct tapio_iface_source *src,
			     const struct tapio_run_opts *o)
{
	memset(src, 0, sizeof(*src));
	src->o = o;
	src->epfd = -1;
	src->flow_sample_n = o->flow_sample_n ? o->flow_sample_n : 1;
}

/* Steering on (the run's mode) or off: the xsk fields are ours alone; the
 * mode goes last so that a program seeing it sees its settings. */
static int set_steering(struct tapio_config *cfg,
			const struct tapio_run_opts *o, int on)
{
	if (on) {
		cfg->xsk_sample_n = o->xsk_sample_n;
		if (o->xsk_filter &&
		    tapio_capture_filter_parse(o->xsk_filter, &cfg->xsk_filter))
			return -EINVAL;
	}
	__atomic_store_n(&cfg->xsk_mode, on ? o->xsk_mode : TAPIO_XSK_OFF,
			 __ATOMIC_RELEASE);
	return 0;
}

static void close_pollers(struct tapio_iface_dev *d)
{
	tapio_xsk_stop(&d->xs);
	tapio_xsk_close(&d->xs);
	tapio_config_unmap(d->cfg);
	d->cfg = NULL;
	if (d->cfg_fd >= 0)
		close(d->cfg_fd);
	if (d->xsks_fd >= 0)
		close(d->xsks_fd);
	d->cfg_fd = d->xsks_fd = -1;
}

/* AF_XDP sockets on every queue, then the program starts steering. */
static int open_pollers(const struct tapio_run_opts *o,
			struct tapio_iface_dev *d, struct tapio_flow_table *t)
{
	char eb[TAPIO_ERRBUF], state[256];
	int err;

	d->cfg_fd = tapio_open_pinned_map(d->name, TAPIO_PIN_CONFIG);
	d->xsks_fd = tapio_open_pinned_map(d->name, TAPIO_PIN_XSKS);
	err = d->cfg_fd < 0 || d->xsks_fd < 0 ? -ENOENT : 0;
	if (!err) {
		d->cfg = tapio_config_map(d->cfg_fd);
		err = d->cfg ? 0 : -errno;
	}
	if (!err)
		err = tapio_xsk_open(&d->xs, d->name, d->xsks_fd, t,
				     o->hugepages, o->xsk_frames);
	if (!err)
		err = tapio_xsk_start(&d->xs);
	if (!err)
		err = set_steering(d->cfg, o, 1);
	if (err) {
		pr_err("cannot start the AF_XDP pollers of %s: %s", d->name,
		       tapio_strerror(err, eb, sizeof(eb)));
		close_pollers(d);
		d->failure = "AF_XDP pollers failed";
		return err;
	}
	d->xsk = true;
	/* from here frames go to the sockets (scripts wait for this line) */
	pr_info("xsk %s: steering on", d->name);
	/* for `tapio status`: each queue's mode and CPU */
	if (!tapio_xsk_state_path(state, sizeof(state), d->name))
		tapio_xsk_write_state(&d->xs, state);
	return 0;
}

/* A flow that found its map generation full, into the table as a drain
 * would have put it (a full table counts it there, as for a drain). */
static int on_spill(void *ctx, void *data, size_t size)
{
	struct tapio_iface_dev *d = ctx;
	const struct tapio_spill_rec *r = data;

	if (size == sizeof(struct tapio_drain_req)) {
		/* served by iface_wake(); a request of a generation drained
		 * since (two CPUs asked at once) is served already */
		if (((const struct tapio_drain_req *)data)->gen ==
		    d->drainer.gen)
			d->drain_wanted = true;
		return 0;
	}
	if (size < sizeof(*r)) {
		d->spill_malformed++;
		return 0;
	}
	d->spill_read += r->val.packets;
	if (tapio_flow_table_add(d->t, &r->key, &r->val) == -ENOSPC)
		d->drainer.st.table_overflow_packets[r->key.direction & 1] +=
			r->val.packets;
	else
		d->spill_merged += r->val.packets;
	return 0;
}

/* Spill on: the programs hand over what finds the map full, and ask for
 * a drain when the generation they write is @pct full, so that a burst
 * of new flows is drained as it comes rather than at the interval.  An
 * attachment made by an older tapio has no spill ring: overflow as then. */
static void open_spill(struct tapio_iface_dev *d, int epfd, __u32 pct)
{
	__u32 at = (__u32)((__u64)d->drainer.max_flows * pct / 100);
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = d};

	d->spill_fd = tapio_open_pinned_map(d->name, TAPIO_PIN_SPILL);
	if (d->spill_fd < 0) {
		pr_debug("%s: no %s pin: a full map is overflow", d->name,
			 TAPIO_PIN_SPILL);
		return;
	}
	d->spill = ring_buffer__new(d->spill_fd, on_spill, d, NULL);
	if (!d->spill) {
		pr_warn("%s: cannot read %s: a full map is overflow", d->name,
			TAPIO_PIN_SPILL);
		return;
	}
	__atomic_store_n(&d->drainer.cfg->spill, 1, __ATOMIC_RELEASE);
	if (!pct)
		return;
	if (epfd >= 0 && !epoll_ctl(epfd, EPOLL_CTL_ADD,
				    ring_buffer__epoll_fd(d->spill), &ev))
		__atomic_store_n(&d->drainer.cfg->drain_at, at ? at : 1,
				 __ATOMIC_RELEASE);
	else
		pr_warn("%s: cannot wait for drain requests: drained at the "
			"interval only",
			d->name);
}

static void close_spill(struct tapio_iface_dev *d, int epfd)
{
	if (d->spill && epfd >= 0)
		epoll_ctl(epfd, EPOLL_CTL_DEL, ring_buffer__epoll_fd(d->spill),
			  NULL);
	ring_buffer__free(d->spill);
	d->spill = NULL;
	if (d->spill_fd >= 0)
		close(d->spill_fd);
	d->spill_fd = -1;
}

/* tapio_tc records the socket of local flows from now on; an attachment
 * of an older tapio has no tapio_owners: its flows are unattributed. */
static void open_owners(struct tapio_iface_dev *d)
{
	d->owners_fd = tapio_open_pinned_map(d->name, TAPIO_PIN_OWNERS);
	if (d->owners_fd < 0) {
		pr_warn("%s: no %s pin (attached by an older tapio): its flows "
			"are unattributed",
			d->name, TAPIO_PIN_OWNERS);
		return;
	}
	__atomic_store_n(&d->drainer.cfg->owners, 1, __ATOMIC_RELEASE);
}

static int open_dev(const struct tapio_run_opts *o, struct tapio_iface_dev *d,
		    int epfd)
{
	struct tapio_attach_opts ao = {
		.dev = d->name,
		.mode = o->mode,
		.tc_api = o->tc_api,
		/* auto is resolved by the attach, which says what it chose */
		.hook = o->xsk_mode && o->hook == TAPIO_HOOK_AUTO
				? TAPIO_HOOK_XDP
				: o->hook,
		.egress = true,
		.max_flows = tapio_run_kernel_flows(o),
		.kernel_map = o->kernel_map,
		.spill_bytes = o->spill_ring_mb << 20,
		.run_owned = !o->keep_attached,
		.transient = !o->keep_attached,
		.say_adopted = true,
		.flow_ifindex = d->in_ns ? d->ifindex : 0,
	};
	struct tapio_attach_info ai;
	char eb[TAPIO_ERRBUF];
	pid_t holder;
	int err;

	d->lock_fd = tapio_dev_lock(d->name, &holder);
	if (d->lock_fd == -EBUSY) {
		pr_err("another tapio run (pid %d) collects from %s: stop it "
		       "first",
		       (int)holder, d->name);
		d->failure = "another tapio run collects from it";
		return d->lock_fd;
	}
	if (d->lock_fd < 0) {
		pr_err("cannot lock %s/%s.lock: %s", tapio_run_dir(), d->name,
		       tapio_strerror(d->lock_fd, eb, sizeof(eb)));
		return d->lock_fd;
	}
	err = tapio_attach_if_needed(&ao, &d->attached_by_us);
	if (err)
		return err;
	d->counters_fd = tapio_open_pinned_map(d->name, TAPIO_PIN_COUNTERS);
	if (d->counters_fd < 0)
		return d->counters_fd;
	err = tapio_drainer_open(&d->drainer, d->name);
	if (err) {
		pr_err("cannot drain %s: %s", d->name,
		       tapio_strerror(err, eb, sizeof(eb)));
		close(d->counters_fd);
		return err;
	}
	if (!d->in_ns)
		d->ifindex = d->link_ifindex = if_nametoindex(d->name);
	/* an attachment taken over keeps its number from now on */
	__atomic_store_n(&d->drainer.cfg->flow_ifindex,
			 d->in_ns ? d->ifindex : 0, __ATOMIC_RELEASE);
	/* the programs attached (not tapio_xdp loaded for the maps alone
	 * under the TC hook) */
	if (!tapio_read_attach_info(d->name, &ai)) {
		d->prog_id[0] = ai.xdp_prog_id;
		d->prog_id[1] = ai.tc_prog_id;
		d->prog_id[2] = ai.tc_in_prog_id;
		d->tcx = ai.flags & TAPIO_ATTACH_F_TCX;
	}
	d->open = true;
	open_spill(d, epfd, o->drain_at_pct);
	if (o->attribution)
		open_owners(d);
	return 0;
}

/* A slot with no device: no name, no descriptor (0 is one) */
static void clear_slot(struct tapio_iface_dev *d)
{
	memset(d, 0, sizeof(*d));
	d->cfg_fd = d->xsks_fd = d->lock_fd = d->spill_fd = -1;
	d->owners_fd = d->filt.filters_fd = d->filt.hits_fd = -1;
}

/* A slot for a device: a free one, else the next unused; NULL at cap. */
static struct tapio_iface_dev *new_slot(struct tapio_iface_source *src)
{
	struct tapio_iface_dev *d;
	int i;

	for (i = 0; i < src->ndevs && src->devs[i].name; i++)
		;
	if (i == src->cap)
		return NULL;
	if (i == src->ndevs)
		src->ndevs++;
	d = &src->devs[i];
	clear_slot(d);
	return d;
}

/* Attach @d (named) and start its collection into @t. */
static int start_dev(struct tapio_iface_source *src, struct tapio_iface_dev *d,
		     struct tapio_flow_table *t)
{
	d->t = t;
	if (open_dev(src->o, d, src->epfd)) {
		if (!d->failure)
			d->failure = "cannot attach";
		return -ENODEV;
	}
	/* the run's flow filters from its first drain on */
	if (tapio_filter_dev_open(&d->filt, d->name, d->drainer.cfg) ||
	    tapio_filter_write(&src->filters, &d->filt))
		pr_warn("%s: cannot set the flow filters: its flows are not "
			"filtered",
			d->name);
	__atomic_store_n(&d->drainer.cfg->flow_sample_n, src->flow_sample_n,
			 __ATOMIC_RELEASE);
	if (src->o->xsk_mode && open_pollers(src->o, d, t))
		return -ENODEV; /* flows still drained from the kernel */
	src->running++;
	return 0;
}

/* Everything of @d undone, its slot left as it is. */
static void close_dev(struct tapio_iface_source *src, struct tapio_iface_dev *d)
{
	char state[256];

	if (d->xsk) {
		if (!tapio_xsk_state_path(state, sizeof(state), d->name))
			unlink(state);
		close_pollers(d);
	}
	close_spill(d, src->epfd);
	tapio_filter_read_hits(&src->filters, &d->filt);
	tapio_filter_dev_close(&d->filt);
	if (d->owners_fd >= 0)
		close(d->owners_fd);
	d->owners_fd = -1;
	if (d->open) {
		tapio_drainer_close(&d->drainer);
		close(d->counters_fd);
	}
	/* a deleted link's pins hold nothing that can run: ours go, also
	 * when asked to leave what we attached in place */
	if (d->attached_by_us && (!src->o->keep_attached || d->gone) &&
	    !d->detached)
		tapio_detach(d->name, false);
	tapio_dev_unlock(d->name, d->lock_fd);
}

static void free_slot(struct tapio_iface_dev *d)
{
	if (d->own_name)
		free((char *)d->name);
	clear_slot(d);
}

/* The slot of each ifindex, looked up per flow (its name, its counts, its
 * owner; every active flow each interval): open addressing over twice the
 * slots, rebuilt whole when a device comes or goes, which is rare. */
static void index_devs(struct tapio_iface_source *src)
{
	int i;
	__u32 h;

	memset(src->index, 0, (src->index_mask + 1) * sizeof(*src->index));
	for (i = 0; i < src->ndevs; i++) {
		if (!src->devs[i].name || !src->devs[i].ifindex)
			continue;
		for (h = src->devs[i].ifindex * 2654435761u;
		     src->index[h & src->index_mask]; h++)
			;
		src->index[h & src->index_mask] = i + 1;
	}
}

static struct tapio_iface_dev *dev_of(struct tapio_iface_source *src,
				      unsigned int ifindex)
{
	__u32 h;
	int s;

	if (!src->index)
		return NULL; /* not started */
	for (h = ifindex * 2654435761u; (s = src->index[h & src->index_mask]);
	     h++)
		if (src->devs[s - 1].ifindex == ifindex)
			return &src->devs[s - 1];
	return NULL;
}

/* Device @i of the run's totals: the slots in use, then (@i == ndevs)
 * what the devices gone had counted; NULL for a free slot. */
static struct tapio_iface_dev *acc_dev(struct tapio_iface_source *src, int i)
{
	if (i == src->ndevs)
		return src->retired;
	return src->devs[i].name ? &src->devs[i] : NULL;
}

/* Every drainer in one drain cycle: one wait for all
 * (docs/benchmarks.md); with @gone_only those of deleted links. */
static int drain_devices(struct tapio_iface_source *src,
			 struct tapio_flow_table *t, const char *what,
			 bool gone_only);
static void room_for(void *ctx, __u64 entries);
static void consume_spills(struct tapio_iface_source *src);

static bool gone_key(const struct tapio_flow_key *key, void *ctx)
{
	const struct tapio_iface_dev *d = dev_of(ctx, key->ifindex);

	return d && d->gone;
}

/* The counts of @d (its kernel counters, read one last time) to the
 * totals of devices gone; counters that cannot be read are a collection
 * error, said, and the account stops claiming to be exact. */
static void fold(struct tapio_iface_source *src, struct tapio_iface_dev *d)
{
	struct tapio_iface_dev *g = src->retired;
	struct tapio_dir_counters cnt[TAPIO_DIR_MAX];
	char eb[TAPIO_ERRBUF];
	int dir, c, r, err;

	memset(cnt, 0, sizeof(cnt));
	err = tapio_counters_read(d->counters_fd, cnt);
	if (err) {
		src->collection_errors++;
		g->lost = true;
		pr_warn("%s: cannot read its counters a last time: %s", d->name,
			tapio_strerror(err, eb, sizeof(eb)));
	}
	for (dir = 0; dir < TAPIO_DIR_MAX; dir++) {
		for (c = 0; c < TAPIO_CNT_MAX; c++)
			g->cnt[dir].c[c] += cnt[dir].c[c];
		for (r = 0; r < TAPIO_END_GONE; r++)
			g->expired[dir][r] += d->expired[dir][r];
		g->exported[dir] += d->exported[dir];
		g->drainer.st.table_overflow_packets[dir] +=
			d->drainer.st.table_overflow_packets[dir];
	}
	g->drainer.st.packets += d->drainer.st.packets;
	g->spill_merged += d->spill_merged;
	g->spill_malformed += d->spill_malformed;
}

/* Devices whose link was deleted: no program runs on them any more, so
 * two drain cycles empty both generations; their flows end as
 * interface_gone, their counts stay in the run's account, their pins,
 * lock and slot are freed. */
static void retire_gone(struct tapio_iface_source *src,
			struct tapio_flow_table *t)
{
	int i, n = 0;

	for (i = 0; i < src->ndevs; i++)
		if (src->devs[i].name && src->devs[i].gone && src->devs[i].open)
			n++;
	if (n) {
		room_for(src, 0);
		consume_spills(src);
		drain_devices(src, t, "last drain", true);
		drain_devices(src, t, "last drain", true);
		consume_spills(src);
		if (src->end_flows)
			src->end_flows(src->room_ctx, gone_key, src);
	}
	for (i = 0; i < src->ndevs; i++) {
		struct tapio_iface_dev *d = &src->devs[i];

		if (!d->name || !d->gone)
			continue;
		if (d->open) {
			fold(src, d);
			src->running--;
			src->gone++;
			pr_info("%s: link deleted: drained to its last packet, "
				"its flows ended as interface_gone",
				d->name);
		}
		close_dev(src, d);
		free_slot(d);
	}
	while (src->ndevs && !src->devs[src->ndevs - 1].name)
		src->ndevs--;
	index_devs(src);
}

/* A link that came: attached, or its error said, unless the link went
 * meanwhile (then the error is about nothing that still exists).  In the
 * link's namespace. */
static int watch_start(struct tapio_iface_source *src,
		       struct tapio_iface_dev *d, struct tapio_flow_table *t)
{
	char why[256] = "", name[IF_NAMESIZE];
	int err;

	tapio_err_capture = why;
	tapio_err_capture_len = sizeof(why);
	err = start_dev(src, d, t);
	tapio_err_capture = NULL;
	index_devs(src);
	if (!err) {
		src->added++;
		pr_info("watch: collecting from %s (ifindex %u)", d->name,
			d->ifindex);
	} else if (if_indextoname(d->link_ifindex, name)) {
		pr_err("%s", why[0] ? why : "cannot attach");
	} else {
		pr_debug("watch: %s went away while being attached (%s)",
			 d->name, why);
	}
	return err;
}

/* What one look at the links has left: until when it may attach, the
 * free slots, the links that wait. */
struct scan {
	__u64 until;
	int free;
	__u64 waiting, no_slot;
};

static int free_slots(const struct tapio_iface_source *src)
{
	int i, n = src->cap;

	for (i = 0; i < src->ndevs; i++)
		n -= !!src->devs[i].name;
	return n;
}

static bool of_ns(const struct tapio_iface_dev *d, const char *ns)
{
	char dns[TAPIO_NETNS_MAX];

	if (!d->name)
		return false;
	if (!d->in_ns)
		return !ns;
	return ns && tapio_dev_netns(d->name, dns, sizeof(dns)) &&
	       !strcmp(dns, ns);
}

/* The collected device of the link @ifindex of namespace @ns (NULL: ours):
 * ours through the index, another's by a look at each slot (links of
 * other namespaces come and go one pod at a time, not in storms). */
static struct tapio_iface_dev *link_dev(struct tapio_iface_source *src,
					const char *ns, unsigned int ifindex)
{
	int i;

	if (!ns)
		return dev_of(src, ifindex);
	for (i = 0; i < src->ndevs; i++)
		if (src->devs[i].link_ifindex == ifindex &&
		    of_ns(&src->devs[i], ns))
			return &src->devs[i];
	return NULL;
}

/* The links of one namespace, this thread's now (@ns NULL: the run's
 * own): those deleted retired, those selected and not collected yet
 * attached, until @sc->until (0: no limit) or no slot is free. */
static void reconcile_ns(struct tapio_iface_source *src,
			 struct tapio_flow_table *t, const char *ns,
			 struct scan *sc)
{
	struct if_nameindex *all = if_nameindex();
	char name[IF_NAMESIZE], full[TAPIO_NETNS_MAX + IF_NAMESIZE];
	int i, n = 0;
	bool late;

	if (!all) {
		pr_warn("cannot list the links%s%s: %s; trying again at the "
			"next interval",
			ns ? " of " : "", ns ? ns : "", strerror(errno));
		src->rescan = true;
		return;
	}
	for (i = 0; i < src->ndevs; i++) {
		struct tapio_iface_dev *d = &src->devs[i];

		if (of_ns(d, ns) && d->link_ifindex &&
		    !if_indextoname(d->link_ifindex, name))
			n += d->gone = true;
	}
	if (n) {
		retire_gone(src, t);
		sc->free = free_slots(src);
	}
	for (i = 0; all[i].if_index; i++) {
		const char *ln = all[i].if_name;
		struct tapio_iface_dev *d;

		if (ns) {
			snprintf(full, sizeof(full), "%s:%s", ns, ln);
			ln = full;
		}
		if (link_dev(src, ns, all[i].if_index) ||
		    tapio_check_dev_name(ln) ||
		    !tapio_iface_matches(src->match, ln))
			continue;
		late = sc->until && tapio_mono_ns() >= sc->until;
		if (late || !sc->free) {
			src->rescan = src->rescan || late;
			sc->no_slot += !sc->free;
			sc->waiting++;
			continue;
		}
		/* a storm deletes links while we attach others: a link that
		 * went meanwhile is not tried (its attach would fail loudly) */
		if (!if_indextoname(all[i].if_index, name))
			continue;
		d = new_slot(src);
		sc->free--;
		d->name = strdup(ln);
		d->own_name = true;
		d->in_ns = ns != NULL;
		d->link_ifindex = all[i].if_index;
		/* every pod's eth0 is ifindex 2: a number of the run's own
		 * tells them apart in the table and the exports */
		d->ifindex = ns ? TAPIO_NETNS_IFINDEX_BASE + ++src->ns_seq
				: all[i].if_index;
		if (!d->name) {
			free_slot(d);
			break; /* no memory: the next look */
		}
		if (!watch_start(src, d, t))
			continue;
		/* gone before we got to it (a storm of short-lived links):
		 * nothing was attached to count, no failure to show */
		if (!if_indextoname(d->link_ifindex, name)) {
			d->gone = true;
			retire_gone(src, t);
			sc->free = free_slots(src);
		}
	}
	if_freenameindex(all);
}

/* Whether namespace @ns (a name under /run/netns) is watched. */
static bool ns_selected(const struct tapio_iface_source *src, const char *ns)
{
	char name[TAPIO_NETNS_MAX];

	if (src->ns_all)
		return true;
	/* the matcher splits at ':' (a link of a namespace): not here */
	snprintf(name, sizeof(name), "%s", ns);
	return !strchr(name, ':') && tapio_iface_matches(src->ns_match, name);
}

/* The other namespaces: each selected one entered for the time of its
 * look; the devices of those gone (deleted, or no longer enterable)
 * retired with their links. */
static void reconcile_other_ns(struct tapio_iface_source *src,
			       struct tapio_flow_table *t, struct scan *sc)
{
	char ns[TAPIO_NETNS_MAX], why[256];
	struct dirent *e;
	int i, n = 0, back;
	DIR *dir;

	for (i = 0; i < src->ndevs; i++)
		src->devs[i].seen = false;
	dir = opendir(TAPIO_NETNS_DIR);
	while (dir && (e = readdir(dir))) {
		if (e->d_name[0] == '.' ||
		    strlen(e->d_name) >= TAPIO_NETNS_MAX ||
		    !ns_selected(src, e->d_name))
			continue;
		why[0] = '\0';
		tapio_err_capture = why;
		tapio_err_capture_len = sizeof(why);
		if (tapio_netns_enter(e->d_name, &back)) {
			tapio_err_capture = NULL;
			/* said once: it would be said each interval */
			if (!src->said_ns)
				pr_warn("watch: %s", why);
			src->said_ns = true;
			continue;
		}
		tapio_err_capture = NULL;
		reconcile_ns(src, t, e->d_name, sc);
		tapio_netns_leave(back);
		for (i = 0; i < src->ndevs; i++)
			src->devs[i].seen |= of_ns(&src->devs[i], e->d_name);
	}
	if (dir)
		closedir(dir);
	for (i = 0; i < src->ndevs; i++) {
		struct tapio_iface_dev *d = &src->devs[i];

		if (d->name && d->in_ns && !d->seen && !d->gone) {
			tapio_dev_netns(d->name, ns, sizeof(ns));
			pr_debug("watch: namespace %s is gone", ns);
			n += d->gone = true;
		}
	}
	if (n) {
		retire_gone(src, t);
		sc->free = free_slots(src);
	}
}

/* The link lists against the devices, until @budget_ns (0: none) is spent
 * (the rest at the next interval) or no slot is free; those left wait,
 * counted. */
static void reconcile(struct tapio_iface_source *src,
		      struct tapio_flow_table *t, __u64 budget_ns)
{
	struct scan sc = {.until = budget_ns ? tapio_mono_ns() + budget_ns : 0};

	src->rescan = false;
	sc.free = free_slots(src);
	reconcile_ns(src, t, NULL, &sc);
	if (src->ns_match || src->ns_all)
		reconcile_other_ns(src, t, &sc);
	/* said once each time the slots run out, until no link waits */
	if (sc.no_slot && !src->said_full)
		pr_warn("links wait: the max_interfaces %d are collected",
			src->cap);
	src->said_full = sc.waiting && (src->said_full || sc.no_slot);
	src->waiting = sc.waiting;
}

/* Link events: any of them is a reason to look at the list again (an
 * overrun too); true if something was read. */
static bool watch_read(struct tapio_iface_source *src)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	bool any = false;
	int i;

	for (i = 0; i < 4096; i++) {
		if (mnl_socket_recvfrom(src->nl, buf, sizeof(buf)) < 0 &&
		    errno != ENOBUFS)
			break;
		any = true;
	}
	return any;
}

/* The namespaces to look into as well (names, patterns or all), and the
 * events of their links on our socket: those of namespaces that have an
 * id here (a veth's peer gives one).  Without ids the look each interval
 * finds them (no socket is opened in them: it would keep them alive). */
static int watch_netns(struct tapio_iface_source *src, int fd)
{
	char *p, *save = NULL;
	int one = 1;

	src->ns_list = strdup(src->o->netns);
	if (!src->ns_list)
		return -ENOMEM;
	for (p = strtok_r(src->ns_list, ",", &save); p;
	     p = strtok_r(NULL, ",", &save)) {
		if (!strcmp(p, "all")) {
			src->ns_all = true;
		} else if (src->nns == TAPIO_RUN_MAX_DEVS) {
			pr_err("invalid netns: at most %d entries",
			       TAPIO_RUN_MAX_DEVS);
			return -EINVAL;
		} else {
			src->ns_names[src->nns++] = p;
		}
	}
	if (src->nns && tapio_iface_matcher_new(src->ns_names, src->nns, NULL,
						&src->ns_match))
		return -EINVAL;
	if (setsockopt(fd, SOL_NETLINK, NETLINK_LISTEN_ALL_NSID, &one,
		       sizeof(one)))
		pr_warn("watch: the links of other namespaces are looked at "
			"each interval (NETLINK_LISTEN_ALL_NSID: %s)",
			strerror(errno));
	return 0;
}

static int watch_open(struct tapio_iface_source *src)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = src};
	char eb[TAPIO_ERRBUF];
	int fd, rcv = 1 << 20, err;

	err = tapio_iface_matcher_new(src->o->devs, src->o->ndevs,
				      src->o->exclude, &src->match);
	if (err)
		return err;
	src->nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (!src->nl ||
	    mnl_socket_bind(src->nl, RTMGRP_LINK, MNL_SOCKET_AUTOPID) ||
	    epoll_ctl(src->epfd, EPOLL_CTL_ADD,
		      (fd = mnl_socket_get_fd(src->nl)), &ev)) {
		err = -errno;
		pr_err("cannot watch the links (rtnetlink): %s",
		       tapio_strerror(err, eb, sizeof(eb)));
		return err;
	}
	/* a burst of link events overruns a small buffer; an overrun only
	 * costs a look at the whole list, but fewer are cheaper */
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	return src->o->netns ? watch_netns(src, fd) : 0;
}

__u32 tapio_run_kernel_flows(const struct tapio_run_opts *o)
{
	if (o->kernel_flows)
		return o->kernel_flows;
	return tapio_kernel_flows_for(o->kernel_memory,
				      tapio_run_flow_bytes(o));
}

__u64 tapio_run_flow_bytes(const struct tapio_run_opts *o)
{
	return o->kernel_map == TAPIO_KERNEL_MAP_SHARED
		       ? TAPIO_KERNEL_FLOW_BYTES_SHARED
		       : TAPIO_KERNEL_FLOW_BYTES(libbpf_num_possible_cpus());
}

/* One device failing does not stop the others: -ENODEV if any failed. */
static int iface_start(void *priv, struct tapio_flow_table *t)
{
	struct tapio_iface_source *src = priv;
	const struct tapio_run_opts *o = src->o;
	int i, ret = 0;

	src->cap = o->watch ? (int)o->max_interfaces : o->ndevs;
	src->devs = calloc((size_t)src->cap + 1, sizeof(*src->devs));
	src->retired = calloc(1, sizeof(*src->retired));
	src->dr = calloc((size_t)src->cap + 1, sizeof(*src->dr));
	src->dr_err = calloc((size_t)src->cap + 1, sizeof(int));
	src->dr_at = calloc((size_t)src->cap + 1, sizeof(int));
	for (src->index_mask = 1; src->index_mask < 2u * (__u32)src->cap;)
		src->index_mask = src->index_mask << 1 | 1;
	src->index = calloc(src->index_mask + 1, sizeof(*src->index));
	if (!src->devs || !src->retired || !src->dr || !src->dr_err ||
	    !src->dr_at || !src->index)
		return -ENOMEM;
	src->epfd = epoll_create1(EPOLL_CLOEXEC); /* -1: interval drains */
	if (o->attribution && tapio_owners_open(&src->owners))
		return -ENOMEM;
	if (o->watch) {
		if (src->epfd < 0 || watch_open(src))
			return -ENODEV;
		reconcile(src, t, 0);
		for (i = 0; i < src->ndevs; i++)
			if (src->devs[i].failure)
				ret = -ENODEV;
		src->added = 0; /* those of the start are not "added" */
	}
	for (i = 0; i < o->ndevs && !o->watch; i++) {
		struct tapio_iface_dev *d = new_slot(src);

		d->name = o->devs[i];
		if (start_dev(src, d, t))
			ret = -ENODEV;
	}
	index_devs(src);
	/* the size this run gave the maps it attached (not those it found) */
	for (i = 0; i < src->ndevs && !o->kernel_flows; i++)
		if (src->devs[i].attached_by_us) {
			pr_info("kernel maps: %u flows a generation from "
				"kernel_memory_mb %llu (%llu bytes a flow, %s "
				"maps on %d CPUs)",
				tapio_run_kernel_flows(o),
				(unsigned long long)(o->kernel_memory >> 20),
				tapio_run_flow_bytes(o),
				o->kernel_map == TAPIO_KERNEL_MAP_SHARED
					? "shared"
					: "per-CPU",
				libbpf_num_possible_cpus());
			break;
		}
	return ret;
}

/* Whether tapio_tc @prog_id still runs at @d's ingress or egress: a query
 * the kernel refuses is said once, and taken as yes (a loss is only
 * claimed when seen). */
static bool tc_runs(struct tapio_iface_dev *d, bool ingress, __u32 prog_id)
{
	char eb[TAPIO_ERRBUF];
	int ret = tapio_tc_prog_runs((int)d->ifindex, ingress, d->tcx, prog_id);

	if (ret < 0 && !d->tc_query_failed) {
		d->tc_query_failed = true;
		pr_warn("%s: cannot ask the kernel whether tapio_tc still runs "
			"at %s: %s; a program taken away would go unnoticed",
			d->name, ingress ? "ingress" : "egress",
			tapio_strerror(ret, eb, sizeof(eb)));
	}
	return ret != 0;
}

/* Which of the device's programs is no longer where it was attached, or
 * NULL: all run (or the kernel cannot tell). */
static const char *prog_taken(struct tapio_iface_dev *d)
{
	__u32 id = 0;

	if (d->prog_id[0] &&
	    (bpf_xdp_query_id((int)d->ifindex, 0, &id) || id != d->prog_id[0]))
		return "tapio_xdp was detached by another process";
	if (d->prog_id[2] && !tc_runs(d, true, d->prog_id[2]))
		return "tapio_tc was detached from ingress by another process";
	if (d->prog_id[1] && !tc_runs(d, false, d->prog_id[1]))
		return "tapio_tc was detached from egress by another process";
	return NULL;
}

/* Each interval: is the device still there, and our programs still on
 * it?  Removed pins free the links (the run holds no fd of them), and a
 * deleted interface takes all programs: counting stopped, and the run
 * must say so at once (log, /healthz) and at the end (the summary) --
 * unless it watches the links, and a deleted one is retired instead. */
static void check_alive(struct tapio_iface_source *src,
			struct tapio_iface_dev *d)
{
	char name[IF_NAMESIZE];
	const char *taken;

	if (d->failure || d->gone)
		return; /* said already */
	if (d->in_ns) {
		src->rescan = true; /* looked at from inside, each interval */
		return;
	}
	if (!if_indextoname(d->ifindex, name)) {
		if (src->match) {
			d->gone = src->rescan = true;
			return;
		}
		d->failure = "the interface is gone";
	} else if ((taken = prog_taken(d))) {
		/* a link being deleted loses its programs before its name:
		 * said only if it is still so at the next look */
		if (!d->prog_missing) {
			d->prog_missing = true;
			src->rescan = src->match != NULL;
			return;
		}
		d->failure = taken;
	} else {
		d->prog_missing = false;
		return;
	}
	d->lost = true;
	pr_warn("%s: %s; what it counted before is drained, frames after "
		"are not seen",
		d->name, d->failure);
}

/* Room for the generations a drain is about to empty (@entries, final:
 * no program writes them) and the spilled packets not read yet (a new
 * flow each at most). */
static void room_for(void *ctx, __u64 entries)
{
	struct tapio_iface_source *src = ctx;
	struct tapio_dir_counters cnt[TAPIO_DIR_MAX];
	__u64 spilled;
	int i;

	if (!src->make_room)
		return;
	for (i = 0; i < src->ndevs; i++) {
		struct tapio_iface_dev *d = &src->devs[i];

		if (!d->open || !d->spill ||
		    tapio_counters_read(d->counters_fd, cnt))
			continue;
		spilled = cnt[0].c[TAPIO_CNT_SPILLED_PKTS] +
			  cnt[1].c[TAPIO_CNT_SPILLED_PKTS];
		if (spilled > d->spill_read)
			entries += spilled - d->spill_read;
	}
	src->make_room(src->room_ctx, entries);
}

static int drain_devices(struct tapio_iface_source *src,
			 struct tapio_flow_table *t, const char *what,
			 bool gone_only)
{
	int i, n = 0, ret, *errs = src->dr_err, *at = src->dr_at;
	char eb[TAPIO_ERRBUF];

	for (i = 0; i < src->ndevs; i++) {
		struct tapio_iface_dev *d = &src->devs[i];

		if (!d->open || (gone_only && !d->gone))
			continue;
		at[n] = i;
		src->dr[n++] = &d->drainer;
	}
	ret = tapio_drain_many_room(src->dr, n, t, errs, room_for, src);
	for (i = 0; i < n; i++) {
		if (!errs[i])
			continue;
		src->collection_errors++;
		pr_warn("%s of %s failed: %s", what, src->devs[at[i]].name,
			tapio_strerror(errs[i], eb, sizeof(eb)));
	}
	return ret;
}

static void consume_spills(struct tapio_iface_source *src)
{
	int i;

	for (i = 0; i < src->ndevs; i++)
		if (src->devs[i].spill)
			ring_buffer__consume(src->devs[i].spill);
}

/* Whether a device asked for a drain, forgetting it: the drain about to
 * be made serves every device */
static bool drain_wanted(struct tapio_iface_source *src)
{
	bool any = false;
	int i;

	for (i = 0; i < src->ndevs; i++) {
		any = any || src->devs[i].drain_wanted;
		src->devs[i].drain_wanted = false;
	}
	return any;
}

/* Spills read (room made for them first), then, at the interval or when
 * a generation asked (@trigger 0 or 1), every device drained.  A request
 * read with the spills is of a generation this drain retires: reading
 * after the drain instead could swallow the request, and its wakeup, of
 * a generation that filled meanwhile. */
static int read_and_drain(struct tapio_iface_source *src,
			  struct tapio_flow_table *t, int trigger)
{
	room_for(src, 0);
	consume_spills(src);
	if (!drain_wanted(src) && trigger)
		return 0;
	src->drains[trigger]++;
	return drain_devices(src, t, "drain", false);
}

/* Every 16 intervals: sockets recorded for flows that never reach the
 * table would fill tapio_owners (the flows the collector ends delete
 * theirs); older than 4 intervals and not in the table, they go. */
static void prune_owners(struct tapio_iface_source *src,
			 struct tapio_flow_table *t)
{
	__u64 now = tapio_mono_ns();
	int i;

	if (++src->owner_ticks % 16)
		return;
	for (i = 0; i < src->ndevs; i++) {
		struct tapio_iface_dev *d = &src->devs[i];
		long n;

		if (d->owners_fd < 0)
			continue;
		n = tapio_owners_prune(src->owners, d->owners_fd, t, now,
				       4 * src->o->interval_ns);
		if (n >= TAPIO_OWNERS_MAX && d->owners < TAPIO_OWNERS_MAX)
			pr_warn("%s: %d flows of local sockets wait to end: "
				"new ones are unattributed until some do",
				d->name, TAPIO_OWNERS_MAX);
		if (n >= 0)
			d->owners = n;
	}
}

static int iface_collect(void *priv, struct tapio_flow_table *t)
{
	struct tapio_iface_source *src = priv;
	int i;

	for (i = 0; i < src->ndevs; i++)
		if (src->devs[i].open)
			check_alive(src, &src->devs[i]);
	if (src->match && src->rescan)
		reconcile(src, t, src->o->interval_ns / 2);
	if (src->owners)
		prune_owners(src, t);
	return read_and_drain(src, t, 0);
}

static int iface_wake_fd(void *priv)
{
	return ((struct tapio_iface_source *)priv)->epfd;
}

/* A ring turned readable: a generation asked to be drained.  Every device
 * is drained with the one wait a drain costs anyway.  Or links changed:
 * the list is looked at, for as long as half an interval. */
static void iface_wake(void *priv, struct tapio_flow_table *t)
{
	struct tapio_iface_source *src = priv;
	struct epoll_event ev[8];

	epoll_wait(src->epfd, ev, 8, 0); /* what is ready is read below */
	if (src->nl && watch_read(src))
		reconcile(src, t, src->o->interval_ns / 2);
	read_and_drain(src, t, 1);
}

/* No more steering, then stop the programs we attached, so that nothing
 * arrives after the last drain (the drainer's fds keep the maps). */
static void iface_quiesce(void *priv)
{
	struct tapio_iface_source *src = priv;
	int i;

	for (i = 0; i < src->ndevs; i++)
		if (src->devs[i].xsk)
			set_steering(src->devs[i].cfg, src->o, 0);
	/* what stays attached after us has no reader for its spills */
	for (i = 0; i < src->ndevs; i++)
		if (src->devs[i].spill) {
			__atomic_store_n(&src->devs[i].drainer.cfg->drain_at, 0,
					 __ATOMIC_RELEASE);
			__atomic_store_n(&src->devs[i].drainer.cfg->spill, 0,
					 __ATOMIC_RELEASE);
		}
	for (i = 0; i < src->ndevs; i++)
		if (src->devs[i].owners_fd >= 0)
			__atomic_store_n(&src->devs[i].drainer.cfg->owners, 0,
					 __ATOMIC_RELEASE);
	/* the filters and sampling are the run's: what stays attached
	 * counts it all */
	for (i = 0; i < src->ndevs; i++)
		if (src->devs[i].filt.filters_fd >= 0) {
			__atomic_store_n(&src->devs[i].drainer.cfg->filters, 0,
					 __ATOMIC_RELEASE);
			__atomic_store_n(
				&src->devs[i].drainer.cfg->flow_sample_n, 0,
				__ATOMIC_RELEASE);
			tapio_filter_dev_clear(&src->devs[i].filt);
		}
	tapio_filter_set_free(&src->filters);
	for (i = 0; i < src->ndevs; i++)
		if (src->devs[i].open && src->devs[i].attached_by_us &&
		    !src->o->keep_attached)
			src->devs[i].detached =
				!tapio_detach(src->devs[i].name, false);
}

/* The pollers empty their rings, then everything in the kernel. */
static int iface_finish(void *priv, struct tapio_flow_table *t)
{
	struct tapio_iface_source *src = priv;
	bool waited = false;
	int i, err, err2;

	for (i = 0; i < src->ndevs; i++) {
		struct tapio_iface_dev *d = &src->devs[i];
		unsigned int q;

		if (!d->xsk)
			continue;
		/* a program may still be steering for one grace period,
		 * which covers every device */
		if (!waited)
			tapio_drainer_wait(&d->drainer);
		waited = true;
		tapio_xsk_stop(&d->xs);
		tapio_xsk_stats(&d->xs, &d->xst);
		for (q = 0; q < d->xs.nqueues; q++)
			pr_info("xsk %s queue %u: received %llu frames",
				d->name, q,
				(unsigned long long)tapio_xsk_queue_packets(
					&d->xs.q[q]));
	}
	/* both generations of every device, two cycles for all; their
	 * waits also outlast any program still writing a spill */
	err = drain_devices(src, t, "final drain", false);
	err2 = drain_devices(src, t, "final drain", false);
	consume_spills(src);
	return err ? err : err2;
}

static void iface_close(void *priv)
{
	struct tapio_iface_source *src = priv;
	int i;

	for (i = 0; i < src->ndevs; i++)
		if (src->devs[i].name) {
			close_dev(src, &src->devs[i]);
			free_slot(&src->devs[i]);
		}
	free(src->devs);
	free(src->retired);
	free(src->dr);
	free(src->dr_err);
	free(src->dr_at);
	free(src->index);
	src->index = NULL;
	src->devs = src->retired = NULL;
	src->dr = NULL;
	src->dr_err = src->dr_at = NULL;
	if (src->nl)
		mnl_socket_close(src->nl);
	src->nl = NULL;
	tapio_iface_matcher_free(src->match);
	src->match = NULL;
	tapio_iface_matcher_free(src->ns_match);
	src->ns_match = NULL;
	free(src->ns_list);
	src->ns_list = NULL;
	tapio_owners_close(src->owners);
	src->owners = NULL;
	if (src->epfd >= 0)
		close(src->epfd);
	src->epfd = -1;
}

static void iface_flow(void *priv, const struct tapio_flow_rec *rec, int why)
{
	struct tapio_iface_dev *d = dev_of(priv, rec->key.ifindex);
	int dir = rec->key.direction & 1;

	if (!d)
		return;
	if (!why) {
		d->active[dir]++;
		return;
	}
	d->exported[dir] += rec->val.packets;
	if (why >= TAPIO_END_IDLE && why <= TAPIO_END_GONE)
		d->expired[dir][why - 1]++;
}

static bool iface_owner(void *priv, const struct tapio_flow_rec *rec,
			bool running, struct tapio_owner *out)
{
	struct tapio_iface_source *src = priv;
	struct tapio_iface_dev *d;

	if (!src->owners || !(d = dev_of(src, rec->key.ifindex)))
		return false;
	if (running)
		tapio_owner_peek(src->owners, d->owners_fd, rec, out);
	else
		tapio_owner_of(src->owners, d->owners_fd, rec, out);
	return true;
}

static const char *iface_ifname(void *priv, unsigned int ifindex)
{
	struct tapio_iface_dev *d = dev_of(priv, ifindex);

	return d ? d->name : NULL;
}

/* name{interface="DEV",direction="DIR"[,reason="R"]} v */
static void dev_sample(FILE *f, const char *name,
		       const struct tapio_iface_dev *d, int dir,
		       const char *reason, unsigned long long v)
{
	const char *dn = tapio_dir_name((__u8)dir);

	if (reason)
		tapio_prom_sample(f, name,
				  TAPIO_LABELS({"interface", d->name},
					       {"direction", dn},
					       {"reason", reason}),
				  v);
	else
		tapio_prom_sample(
			f, name,
			TAPIO_LABELS({"interface", d->name}, {"direction", dn}),
			v);
}

/* A family with one series per running device and direction: @id a
 * kernel counter, or -1 with @v giving the value. */
static void dev_family(FILE *f, struct tapio_iface_source *src,
		       const char *name, const char *type, const char *help,
		       int id, __u64 (*v)(const struct tapio_iface_dev *, int))
{
	int i, dir;

	tapio_prom_family(f, name, type, help);
	for (i = 0; i < src->ndevs; i++)
		for (dir = 0; dir < TAPIO_DIR_MAX && src->devs[i].open; dir++)
			dev_sample(f, name, &src->devs[i], dir, NULL,
				   id >= 0 ? src->devs[i].cnt[dir].c[id]
					   : v(&src->devs[i], dir));
}

static __u64 active_of(const struct tapio_iface_dev *d, int dir)
{
	return d->active[dir];
}

/* every flow created is in the table or has been exported: exact */
static __u64 created_of(const struct tapio_iface_dev *d, int dir)
{
	__u64 n = d->active[dir];
	int r;

	for (r = 0; r < TAPIO_END_GONE; r++)
		n += d->expired[dir][r];
	return n;
}

/* Once per snapshot, before the table scan: the kernel counters and the
 * pollers' statistics are read, the active flows are counted anew. */
static void iface_refresh(void *priv)
{
	struct tapio_iface_source *src = priv;
	int i;

	for (i = 0; i < src->ndevs; i++) {
		struct tapio_iface_dev *d = &src->devs[i];

		memset(d->cnt, 0, sizeof(d->cnt));
		if (d->open)
			tapio_counters_read(d->counters_fd, d->cnt);
		if (d->xsk)
			tapio_xsk_stats(&d->xs, &d->xst);
		if (src->filters.used)
			tapio_filter_read_hits(&src->filters, &d->filt);
		d->active[0] = d->active[1] = 0;
	}
}

/* Each rule of the flow filters and the packets it matched. */
static void filter_metrics(struct tapio_iface_source *src, FILE *f)
{
	char text[256], id[16];
	int i;

	tapio_prom_scalar(f, "tapio_flow_filters", "gauge",
			  "Flow filter rules in use (tapio filter).",
			  (__u64)src->filters.used);
	tapio_prom_family(f, "tapio_flow_filter_hits_total", "counter",
			  "Packets each flow filter rule matched since it was "
			  "added, on every interface.");
	for (i = 0; i < TAPIO_FLOW_FILTERS_MAX; i++) {
		if (!src->filters.rule[i].action)
			continue;
		tapio_flow_filter_describe(
			&src->filters.rule[i], src->filters.set_name[i],
			src->filters.npfx[i], text, sizeof(text));
		snprintf(id, sizeof(id), "%u", src->filters.rule[i].id);
		tapio_prom_sample(f, "tapio_flow_filter_hits_total",
				  TAPIO_LABELS({"rule", id}, {"filter", text}),
				  src->filters.hits[i]);
	}
}

/* How ended flows found their owner (attribution on). */
static void owner_metrics(struct tapio_iface_source *src, FILE *f)
{
	static const char *const how[] = {"socket", "reverse", "cache",
					  "unattributed"};
	__u64 n[6];
	int i;

	tapio_owners_stats(src->owners, n);
	tapio_prom_family(f, "tapio_flow_attribution_total", "counter",
			  "Ended flows by how their owner was found: their "
			  "own socket, the reverse flow's, a cached one, or "
			  "none (forwarded, or no socket seen).");
	for (i = 0; i < 4; i++)
		tapio_prom_sample(f, "tapio_flow_attribution_total",
				  TAPIO_LABELS({"how", how[i]}), n[i]);
	tapio_prom_scalar(f, "tapio_flow_attribution_no_process_total",
			  "counter",
			  "Ended flows attributed to a socket and cgroup but "
			  "not to a process: no process seen using the socket, "
			  "or the socket owners' LRU let it go.",
			  n[5]);
	tapio_prom_scalar(f, "tapio_flow_owners_pruned_total", "counter",
			  "Sockets recorded for flows that never ended through "
			  "the collector (overflow), removed.",
			  n[4]);
	tapio_prom_family(f, "tapio_flow_owners", "gauge",
			  "Flows whose socket tapio_tc recorded, not read yet "
			  "(at most 65536 a device: past it, new local flows "
			  "are unattributed).");
	for (i = 0; i < src->ndevs; i++)
		if (src->devs[i].owners_fd >= 0)
			tapio_prom_sample(
				f, "tapio_flow_owners",
				TAPIO_LABELS({"interface", src->devs[i].name}),
				(__u64)src->devs[i].owners);
	tapio_prom_scalar(f, "tapio_attribution_processes", "gauge",
			  "1 when the socket probes run and flows name their "
			  "process, 0 when only their cgroup.",
			  tapio_owners_process_known(src->owners));
}

static void iface_metrics(void *priv, FILE *f)
{
	static const char *const names[] = TAPIO_COUNTER_NAMES;
	struct tapio_iface_source *src = priv;
	__u64 fill = 0;
	int i, dir, c, r;

	for (i = 0; i < src->ndevs; i++)
		fill += src->devs[i].xst.fill_empty;
	dev_family(f, src, "tapio_interface_packets_total", "counter",
		   "Frames the data-plane programs saw.", TAPIO_CNT_SEEN_PKTS,
		   NULL);
	dev_family(f, src, "tapio_interface_bytes_total", "counter",
		   "Bytes of the frames the data-plane programs saw.",
		   TAPIO_CNT_SEEN_BYTES, NULL);
	dev_family(f, src, "tapio_interface_overflow_packets_total", "counter",
		   "Frames of flows the kernel map had no entry for.",
		   TAPIO_CNT_OVERFLOW_PKTS, NULL);
	dev_family(f, src, "tapio_interface_filtered_packets_total", "counter",
		   "IP frames the flow filters left out of flows (passed "
		   "on).",
		   TAPIO_CNT_FILTERED_PKTS, NULL);
	filter_metrics(src, f);
	tapio_prom_scalar(f, "tapio_flow_sampling_rate", "gauge",
			  "One IP frame in this many is accounted in flows, "
			  "counting as this many (1: all); flows' counts are "
			  "then estimates.",
			  src->flow_sample_n);
	dev_family(f, src, "tapio_interface_sampled_out_packets_total",
		   "counter",
		   "IP frames the flow sampling left out (passed on; stood "
		   "for by the frames kept).",
		   TAPIO_CNT_SAMPLED_OUT_PKTS, NULL);
	dev_family(f, src, "tapio_interface_sampled_extra_packets_total",
		   "counter",
		   "Packets the flows' estimates hold beyond the frames kept "
		   "(each kept frame counts as N, N - 1 of them estimated).",
		   TAPIO_CNT_SAMPLED_EXTRA_PKTS, NULL);
	tapio_prom_family(f, "tapio_interface_parse_errors_total", "counter",
			  "Malformed frames, passed on and counted by reason.");
	for (i = 0; i < src->ndevs; i++)
		for (dir = 0; dir < TAPIO_DIR_MAX && src->devs[i].open; dir++)
			for (c = TAPIO_CNT_PARSE_FIRST;
			     c <= TAPIO_CNT_PARSE_LAST; c++)
				dev_sample(f,
					   "tapio_interface_parse_errors_total",
					   &src->devs[i], dir, names[c],
					   src->devs[i].cnt[dir].c[c]);
	dev_family(f, src, "tapio_flows_active", "gauge",
		   "Flows in the aggregation table.", -1, active_of);
	tapio_prom_family(f, "tapio_flows_expired_total", "counter",
			  "Flows handed to the exporters, by end reason.");
	for (i = 0; i < src->ndevs; i++)
		for (dir = 0; dir < TAPIO_DIR_MAX && src->devs[i].open; dir++)
			for (r = 0; r < TAPIO_END_GONE; r++)
				dev_sample(f, "tapio_flows_expired_total",
					   &src->devs[i], dir,
					   tapio_end_reason_name(r + 1),
					   src->devs[i].expired[dir][r]);
	dev_family(f, src, "tapio_flows_created_total", "counter",
		   "Flows created in the aggregation table.", -1, created_of);
	tapio_prom_scalar(f, "tapio_xsk_fill_ring_empty_total", "counter",
			  "Times an AF_XDP socket found its fill ring empty "
			  "(a sign to raise buffer_size).",
			  fill);
	tapio_prom_scalar(f, "tapio_collection_errors_total", "counter",
			  "Drains that failed.", src->collection_errors);
	tapio_prom_family(f, "tapio_kernel_drains_total", "counter",
			  "Drain cycles of the kernel flow maps, by what "
			  "started them.");
	fprintf(f, "tapio_kernel_drains_total{trigger=\"interval\"} %llu\n",
		(unsigned long long)src->drains[0]);
	fprintf(f, "tapio_kernel_drains_total{trigger=\"fill\"} %llu\n",
		(unsigned long long)src->drains[1]);
	if (src->owners)
		owner_metrics(src, f);
	if (!src->match)
		return;
	tapio_prom_scalar(f, "tapio_interfaces_collected", "gauge",
			  "Watched links collected from now.",
			  (__u64)src->running);
	tapio_prom_scalar(f, "tapio_interfaces_added_total", "counter",
			  "Links attached after the start, as they came.",
			  src->added);
	tapio_prom_scalar(f, "tapio_interfaces_gone_total", "counter",
			  "Links deleted, drained to their last packet and "
			  "retired.",
			  src->gone);
	tapio_prom_scalar(f, "tapio_interfaces_waiting", "gauge",
			  "Links selected and not collected (yet): "
			  "max_interfaces are, or not attached yet.",
			  src->waiting);
}

static void iface_processed(void *priv, FILE *f)
{
	struct tapio_iface_source *src = priv;
	__u64 drained = 0, xsk = 0, spilled = 0;
	const struct tapio_iface_dev *d;
	int i;

	for (i = 0; i <= src->ndevs; i++)
		if ((d = acc_dev(src, i))) {
			drained += d->drainer.st.packets;
			xsk += d->xst.packets;
			spilled += d->spill_merged;
		}
	tapio_prom_sample(f, "tapio_events_processed_total",
			  TAPIO_LABELS({"source", "kernel_drain"}), drained);
	tapio_prom_sample(f, "tapio_events_processed_total",
			  TAPIO_LABELS({"source", "kernel_spill"}), spilled);
	tapio_prom_sample(f, "tapio_events_processed_total",
			  TAPIO_LABELS({"source", "xsk"}), xsk);
}

static void dropped_sample(FILE *f, const char *source, const char *reason,
			   __u64 v)
{
	tapio_prom_sample(f, "tapio_events_dropped_total",
			  TAPIO_LABELS({"source", source}, {"reason", reason}),
			  v);
}

static void iface_dropped(void *priv, FILE *f)
{
	static const char *const names[] = TAPIO_COUNTER_NAMES;
	struct tapio_iface_source *src = priv;
	__u64 tovf = 0, xdrop = 0, cap_full = 0, cap_err = 0, bad_spill = 0, v;
	const struct tapio_iface_dev *d;
	int i, c;

	for (i = 0; i <= src->ndevs; i++) {
		if (!(d = acc_dev(src, i)))
			continue;
		cap_full += d->cnt[0].c[TAPIO_CNT_CAPTURE_RING_FULL];
		cap_err += d->cnt[0].c[TAPIO_CNT_CAPTURE_ERROR];
		tovf += d->drainer.st.table_overflow_packets[0] +
			d->drainer.st.table_overflow_packets[1] +
			d->xst.table_overflow;
		xdrop += d->xst.dropped;
		bad_spill += d->spill_malformed;
	}
	for (c = TAPIO_CNT_OVERFLOW_MAP_FULL; c <= TAPIO_CNT_OVERFLOW_OTHER;
	     c++) {
		for (v = 0, i = 0; i <= src->ndevs; i++)
			if ((d = acc_dev(src, i)))
				v += d->cnt[0].c[c] + d->cnt[1].c[c];
		dropped_sample(f, "kernel", names[c], v);
	}
	dropped_sample(f, "table", "table_full", tovf);
	dropped_sample(f, "xsk", "socket_drop", xdrop);
	dropped_sample(f, "capture", "ring_full", cap_full);
	dropped_sample(f, "capture", "copy_error", cap_err);
	/* records, not packets: a record too short to read has no count */
	dropped_sample(f, "kernel_spill", "malformed", bad_spill);
}

static void iface_health(void *priv, FILE *h, int *healthy)
{
	struct tapio_iface_source *src = priv;
	int i;

	for (i = 0; i < src->ndevs; i++) {
		const struct tapio_iface_dev *d = &src->devs[i];

		if (!d->name || (d->open && !d->failure))
			continue;
		fprintf(h, "%s%s: %s", *healthy ? "failing: " : ", ", d->name,
			d->failure ? d->failure : "not running");
		*healthy = 0;
	}
}

/* Counters of everything the kernel saw but no exported flow holds:
 * seen = exported + non-IP + overflow + parse errors (+ what the pollers
 * took and did not put in a flow), per direction. */
static bool iface_summary(void *priv, struct tapio_json *j)
{
	struct tapio_iface_source *src = priv;
	struct tapio_dir_counters cnt[TAPIO_DIR_MAX], sum[TAPIO_DIR_MAX];
	__u64 tovf[TAPIO_DIR_MAX] = {0}, exported[TAPIO_DIR_MAX] = {0};
	__u64 xsk_other = 0, xsk_recv = 0, xsk_drop = 0, xsk_fill = 0, lost = 0;
	bool exact = true;
	int i, dir, c;
	__s64 left;

	memset(sum, 0, sizeof(sum));
	for (i = 0; i <= src->ndevs; i++) {
		const struct tapio_iface_dev *d = acc_dev(src, i);
		bool gone = d == src->retired;

		if (!d || (!d->open && !gone))
			continue;
		/* programs still attached keep counting after the last drain;
		 * a device lost mid-run did not see what came after (one
		 * deleted while watched was drained to its last packet) */
		exact = exact && !d->lost && (gone || d->detached);
		lost += d->lost;
		exported[0] += d->exported[0];
		exported[1] += d->exported[1];
		tovf[0] += d->drainer.st.table_overflow_packets[0];
		tovf[1] += d->drainer.st.table_overflow_packets[1];
		xsk_other += d->xst.non_ip + d->xst.parse_errors +
			     d->xst.table_overflow + d->xst.dropped;
		xsk_recv += d->xst.packets;
		xsk_drop += d->xst.dropped;
		xsk_fill += d->xst.fill_empty;
		if (gone)
			memcpy(cnt, d->cnt, sizeof(cnt));
		if (gone || !tapio_counters_read(d->counters_fd, cnt))
			for (dir = 0; dir < TAPIO_DIR_MAX; dir++)
				for (c = 0; c < TAPIO_CNT_MAX; c++)
					sum[dir].c[c] += cnt[dir].c[c];
	}
	tapio_json_u64(j, "devices_lost", lost);
	if (src->match) {
		tapio_json_u64(j, "interfaces_added", src->added);
		tapio_json_u64(j, "interfaces_gone", src->gone);
	}
	tapio_json_u64(j, "kernel_drains", src->drains[0] + src->drains[1]);
	tapio_json_u64(j, "kernel_drains_on_fill", src->drains[1]);
	tapio_json_u64(j, "xsk_received_packets", xsk_recv);
	tapio_json_u64(j, "xsk_dropped_packets", xsk_drop);
	tapio_json_u64(j, "xsk_fill_ring_empty", xsk_fill);
	for (dir = 0; dir < TAPIO_DIR_MAX; dir++) {
		const __u64 *k = sum[dir].c;

		left = (__s64)k[TAPIO_CNT_SEEN_PKTS] - (__s64)exported[dir] -
		       (__s64)k[TAPIO_CNT_NON_IP_PKTS] -
		       (__s64)k[TAPIO_CNT_OVERFLOW_PKTS] - (__s64)tovf[dir] -
		       (__s64)k[TAPIO_CNT_FILTERED_PKTS] -
		       (__s64)k[TAPIO_CNT_SAMPLED_OUT_PKTS] +
		       (__s64)k[TAPIO_CNT_SAMPLED_EXTRA_PKTS];
		for (c = TAPIO_CNT_PARSE_FIRST; c <= TAPIO_CNT_PARSE_LAST; c++)
			left -= (__s64)k[c];
		if (dir == TAPIO_DIR_INGRESS) /* pollers see ingress only */
			left -= (__s64)xsk_other;
		tapio_json_object(j, tapio_dir_name((__u8)dir));
		tapio_json_u64(j, "seen_packets", k[TAPIO_CNT_SEEN_PKTS]);
		tapio_json_u64(j, "exported_packets", exported[dir]);
		tapio_json_u64(j, "kernel_overflow_packets",
			       k[TAPIO_CNT_OVERFLOW_PKTS]);
		/* in exported_packets: flows the full map handed over */
		tapio_json_u64(j, "spilled_packets", k[TAPIO_CNT_SPILLED_PKTS]);
		tapio_json_u64(j, "table_overflow_packets", tovf[dir]);
		tapio_json_u64(j, "filtered_packets",
			       k[TAPIO_CNT_FILTERED_PKTS]);
		/* sampling: exported_packets are estimates; sampled_extra is
		 * what they hold beyond the frames kept */
		tapio_json_u64(j, "sampled_out_packets",
			       k[TAPIO_CNT_SAMPLED_OUT_PKTS]);
		tapio_json_u64(j, "sampled_extra_packets",
			       k[TAPIO_CNT_SAMPLED_EXTRA_PKTS]);
		tapio_json_s64(j, "unaccounted_packets", left);
		tapio_json_object_end(j);
	}
	return exact;
}

/* The flow filters on every device at once: after the hits of the slots
 * are read (a slot's next rule starts from zero), the slots written. */
static void filters_change(struct tapio_iface_source *src)
{
	char eb[TAPIO_ERRBUF];
	int i, err;

	for (i = 0; i < src->ndevs; i++) {
		if (!src->devs[i].open)
			continue;
		err = tapio_filter_write(&src->filters, &src->devs[i].filt);
		if (err)
			pr_warn("%s: cannot set the flow filters: it keeps "
				"those it had: %s",
				src->devs[i].name,
				tapio_strerror(err, eb, sizeof(eb)));
	}
	tapio_filter_gone_free(&src->filters);
}

static void filters_read(struct tapio_iface_source *src)
{
	int i;

	for (i = 0; i < src->ndevs; i++)
		if (src->devs[i].open)
			tapio_filter_read_hits(&src->filters,
					       &src->devs[i].filt);
}

/* The flows as a stream of `tapio sample show`: their 1 in N and the
 * frames left out, as of the last interval's read */
static void flow_stream(struct tapio_iface_source *src,
			struct tapio_socket_result *res)
{
	struct tapio_stream_entry *l = &res->streams[res->nstreams];
	int i, dir;

	if (res->nstreams >= TAPIO_LIMIT_STREAMS)
		return;
	memset(l, 0, sizeof(*l));
	snprintf(l->stream, sizeof(l->stream), "flows");
	l->sample_n = src->flow_sample_n;
	for (i = 0; i < src->ndevs; i++)
		for (dir = 0; dir < TAPIO_DIR_MAX; dir++)
			l->sampled_out +=
				src->devs[i]
					.cnt[dir]
					.c[TAPIO_CNT_SAMPLED_OUT_PKTS];
	res->nstreams++;
}

/* tapio sample set flows N: on every device at once (the run has ended
 * every flow first, so that a record has one rate) */
static bool flow_sampling(struct tapio_iface_source *src,
			  const struct tapio_socket_req *req,
			  struct tapio_socket_result *res)
{
	int i;

	if (req->verb == TAPIO_VERB_LIMIT_SHOW) {
		flow_stream(src, res);
		return true;
	}
	if (strncmp(req->stream, "flows", sizeof(req->stream)))
		return false;
	if (req->sample_target || !req->sample_n || req->sample_n > 1000000) {
		res->err = -EINVAL;
		snprintf(res->msg, sizeof(res->msg),
			 "flows are sampled one in 1 to 1000000 (no target)");
		return true;
	}
	src->flow_sample_n = req->sample_n;
	for (i = 0; i < src->ndevs; i++)
		if (src->devs[i].open)
			__atomic_store_n(
				&src->devs[i].drainer.cfg->flow_sample_n,
				src->flow_sample_n, __ATOMIC_RELEASE);
	pr_info("control: flows sampled one in %u", src->flow_sample_n);
	flow_stream(src, res);
	return true;
}

static bool iface_control(void *priv, const struct tapio_socket_req *req,
			  struct tapio_prefix **pfx,
			  struct tapio_socket_result *res)
{
	struct tapio_iface_source *src = priv;
	char text[256], name[sizeof(req->set_name) + 1];
	int slot, i;

	if (req->verb == TAPIO_VERB_SAMPLE_SET ||
	    req->verb == TAPIO_VERB_LIMIT_SHOW)
		return flow_sampling(src, req, res);
	if (req->verb < TAPIO_VERB_FILTER_ADD ||
	    req->verb > TAPIO_VERB_FILTER_LIST ||
	    (req->verb == TAPIO_VERB_FILTER_ADD && req->prule.probe[0]))
		return false; /* a probe rule: the probes' */
	filters_read(src);
	switch (req->verb) {
	case TAPIO_VERB_FILTER_ADD:
		if (req->filter.action != TAPIO_FILTER_INCLUDE &&
		    req->filter.action != TAPIO_FILTER_EXCLUDE) {
			res->err = -EINVAL;
			snprintf(res->msg, sizeof(res->msg),
				 "a rule includes or excludes");
			break;
		}
		snprintf(name, sizeof(name), "%.*s", (int)sizeof(req->set_name),
			 req->set_name);
		slot = tapio_filter_add(&src->filters, &req->filter, req->arg,
					*pfx, req->nprefixes, name);
		if (slot < 0) {
			res->err = slot;
			if (slot == -EINVAL)
				snprintf(res->msg, sizeof(res->msg),
					 "a net-set rule needs its prefixes");
			else if (slot == -E2BIG)
				snprintf(res->msg, sizeof(res->msg),
					 "the prefix sets would hold more "
					 "than %d prefixes",
					 TAPIO_FLOW_PREFIXES_MAX);
			else
				snprintf(res->msg, sizeof(res->msg),
					 "all %d flow filter slots are in use",
					 TAPIO_FLOW_FILTERS_MAX);
			break;
		}
		if (req->filter.prefix_set)
			*pfx = NULL; /* the slot's now */
		res->id = req->arg;
		filters_change(src);
		tapio_flow_filter_describe(&req->filter, name, req->nprefixes,
					   text, sizeof(text));
		pr_info("control: flow filter %u added: %s", res->id, text);
		break;
	case TAPIO_VERB_FILTER_DEL:
		if (tapio_filter_del(&src->filters, req->arg) < 0)
			return false; /* perhaps a probe rule */
		filters_change(src);
		pr_info("control: flow filter %u deleted", req->arg);
		break;
	default:
		break;
	}
	for (i = 0; i < TAPIO_FLOW_FILTERS_MAX; i++)
		if (src->filters.rule[i].action) {
			struct tapio_filter_entry *e = &res->filters[res->n++];

			e->f = src->filters.rule[i];
			e->hits = src->filters.hits[i];
			e->set_size = src->filters.npfx[i];
			memcpy(e->set_name, src->filters.set_name[i],
			       sizeof(e->set_name));
		}
	return true;
}

static unsigned int iface_prog_ids(void *priv, __u32 *ids, unsigned int max)
{
	struct tapio_iface_source *src = priv;
	unsigned int n = 0;
	int i, k;

	for (i = 0; i < src->ndevs; i++)
		for (k = 0; k < 3; k++)
			if (src->devs[i].open && src->devs[i].prog_id[k] &&
			    n < max)
				ids[n++] = src->devs[i].prog_id[k];
	return n;
}

const struct tapio_source_ops tapio_iface_source_ops = {
	.name = "interfaces",
	.start = iface_start,
	.collect = iface_collect,
	.wake_fd = iface_wake_fd,
	.wake = iface_wake,
	.quiesce = iface_quiesce,
	.finish = iface_finish,
	.close = iface_close,
	.flow = iface_flow,
	.owner = iface_owner,
	.control = iface_control,
	.ifname = iface_ifname,
	.refresh = iface_refresh,
	.metrics = iface_metrics,
	.processed = iface_processed,
	.dropped = iface_dropped,
	.health = iface_health,
	.summary = iface_summary,
	.prog_ids = iface_prog_ids,
};
