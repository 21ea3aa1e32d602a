// SPDX-License-Identifier: GPL-2.0
/* Who is behind a flow: the socket tapio_tc recorded for it (or for its
 * reverse), that socket's process (probes/sock) and cgroup path. */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "lib/clock.h"
#include "lib/log.h"
#include "lib/mounts.h"
#include "lib/flow_owner.h"
#include "tapio/owner.h"
#include "tapio_sock.skel.h"

#define CACHE_SLOTS  16384 /* owners read, for the other direction */
#define CGROUP_SLOTS 8192  /* cgroup id -> path */
#define WALK_EVERY   TAPIO_NS_PER_S

struct cache_slot {
	struct tapio_flow_key key;
	struct tapio_flow_owner own;
};

struct cgroup_slot {
	__u64 id;
	char *path;
};

struct tapio_owners {
	struct tapio_sock *skel; /* NULL: no process side */
	struct cache_slot cache[CACHE_SLOTS];
	struct cgroup_slot cg[CGROUP_SLOTS];
	char mnt[512]; /* the cgroup2 mount, "" if none */
	__u64 walked_ns;
	__u64 stats[6];
};

int tapio_owners_open(struct tapio_owners **out)
{
	struct tapio_owners *o = calloc(1, sizeof(*o));
	char eb[TAPIO_ERRBUF];
	int err;

	if (!o)
		return -ENOMEM;
	if (tapio_mount_of_type("cgroup2", o->mnt, sizeof(o->mnt)))
		pr_warn("attribution: no cgroup2 mount: no cgroup paths, "
			"container ids or pod UIDs");
	o->skel = tapio_sock__open_and_load();
	err = o->skel ? tapio_sock__attach(o->skel) : -errno;
	if (err) {
		pr_warn("attribution: cannot attach the socket probes "
			"(sock_send_length/sock_recv_length, tp_btf): %s; "
			"flows "
			"get their cgroup, not their process",
			tapio_strerror(err, eb, sizeof(eb)));
		tapio_sock__destroy(o->skel);
		o->skel = NULL;
	}
	*out = o;
	return 0;
}

void tapio_owners_close(struct tapio_owners *o)
{
	int i;

	if (!o)
		return;
	tapio_sock__destroy(o->skel);
	for (i = 0; i < CGROUP_SLOTS; i++)
		free(o->cg[i].path);
	free(o);
}

bool tapio_owners_process_known(const struct tapio_owners *o)
{
	return o && o->skel;
}

void tapio_owners_stats(const struct tapio_owners *o, __u64 out[6])
{
	memcpy(out, o->stats, sizeof(o->stats));
}

long tapio_owners_prune(struct tapio_owners *o, int map_fd,
			struct tapio_flow_table *t, __u64 now_ns,
			__u64 older_ns)
{
	struct tapio_flow_key key, next, *gone = NULL;
	struct tapio_flow_owner fo;
	size_t n = 0, cap = 0, i;
	long entries = 0;
	void *prev = NULL;

	/* keys first, deletions after: a hash map's next key after a
	 * deleted one starts the walk over */
	while (!bpf_map_get_next_key(map_fd, prev, &next)) {
		key = next;
		prev = &key;
		entries++;
		if (bpf_map_lookup_elem(map_fd, &key, &fo) ||
		    fo.seen_ns + older_ns > now_ns ||
		    tapio_flow_table_contains(t, &key))
			continue;
		if (n == cap) {
			void *p = realloc(gone, (cap = cap ? 2 * cap : 256) *
							sizeof(*gone));

			if (!p)
				break;
			gone = p;
		}
		gone[n++] = key;
	}
	for (i = 0; i < n; i++)
		if (!bpf_map_delete_elem(map_fd, &gone[i])) {
			o->stats[4]++;
			entries--;
		}
	free(gone);
	return entries;
}

static struct cache_slot *slot_of(struct tapio_owners *o,
				  const struct tapio_flow_key *k)
{
	return &o->cache[tapio_flow_key_hash(k) & (CACHE_SLOTS - 1)];
}

static bool cache_get(struct tapio_owners *o, const struct tapio_flow_key *k,
		      struct tapio_flow_owner *own)
{
	struct cache_slot *s = slot_of(o, k);

	if (!s->own.sock_cookie || memcmp(&s->key, k, sizeof(*k)))
		return false;
	*own = s->own;
	return true;
}

/* The flow the other way: what a local socket received is the reverse
 * of what it sent (ports swapped, same device and tags). */
static void reverse(const struct tapio_flow_key *k, struct tapio_flow_key *r)
{
	*r = *k;
	memcpy(r->src_addr, k->dst_addr, sizeof(r->src_addr));
	memcpy(r->dst_addr, k->src_addr, sizeof(r->dst_addr));
	r->src_port = k->dst_port;
	r->dst_port = k->src_port;
	r->direction = k->direction ^ 1;
}

static struct tapio_owners *walking; /* nftw has no context argument */

static struct cgroup_slot *cg_slot(struct tapio_owners *o, __u64 id)
{
	return &o->cg[(id * 0x9E3779B97F4A7C15ULL) >> 51 & (CGROUP_SLOTS - 1)];
}

static int walk_one(const char *path, const struct stat *st, int type,
		    struct FTW *ftw)
{
	struct cgroup_slot *s = cg_slot(walking, (__u64)st->st_ino);
	const char *rel = path + strlen(walking->mnt);

	(void)ftw;
	if (type != FTW_D)
		return 0;
	if (s->id == (__u64)st->st_ino && s->path)
		return 0;
	free(s->path);
	s->path = strdup(*rel ? rel : "/");
	s->id = s->path ? (__u64)st->st_ino : 0;
	return 0;
}

/* The path of cgroup @id (its directory's inode on cgroup2), from a walk
 * of the hierarchy at most once a second when it is not known. */
static const char *cgroup_path(struct tapio_owners *o, __u64 id)
{
	struct cgroup_slot *s = cg_slot(o, id);
	__u64 now;

	if (!id || !o->mnt[0])
		return NULL;
	if (s->id == id)
		return s->path;
	now = tapio_mono_ns();
	if (o->walked_ns && now - o->walked_ns < WALK_EVERY)
		return NULL;
	o->walked_ns = now;
	walking = o;
	nftw(o->mnt, walk_one, 16, FTW_PHYS | FTW_MOUNT);
	walking = NULL;
	return s->id == id ? s->path : NULL;
}

static bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

void tapio_owner_parse_cgroup(const char *path, char container_id[65],
			      char pod_uid[37])
{
	static const int dash_at[] = {8, 13, 18, 23};
	const char *p, *q;
	int i, n;

	container_id[0] = pod_uid[0] = 0;
	/* the last run of exactly 64 hex digits */
	for (p = path; *p; p = q) {
		for (q = p; is_hex(*q); q++)
			;
		if (q - p == 64) {
			memcpy(container_id, p, 64);
			container_id[64] = 0;
		}
		if (q == p)
			q++;
	}
	/* "pod" and a UUID, '-' or '_' (systemd slices) between its parts */
	for (p = strstr(path, "pod"); p; p = strstr(p + 1, "pod")) {
		for (i = 0, n = 0; i < 36; i++) {
			char c = p[3 + i];
			bool sep = n < 4 && i == dash_at[n];

			if (sep ? (c != '-' && c != '_') : !is_hex(c))
				break;
			n += sep;
			pod_uid[i] = sep ? '-' : c;
		}
		if (i == 36) {
			pod_uid[36] = 0;
			return;
		}
		pod_uid[0] = 0;
	}
}

static void fill(struct tapio_owners *o, const struct tapio_flow_owner *fo,
		 struct tapio_owner *out)
{
	struct tapio_sock_owner so;

	out->attributed = true;
	out->cgroup_id = fo->cgroup_id;
	if (o->skel &&
	    !bpf_map_lookup_elem(bpf_map__fd(o->skel->maps.tapio_sock_owners),
				 &fo->sock_cookie, &so)) {
		out->process_known = true;
		out->pid = so.pid;
		out->uid = so.uid;
		memcpy(out->comm, so.comm, sizeof(out->comm));
		out->comm[sizeof(out->comm) - 1] = 0;
	}
	out->cgroup = cgroup_path(o, fo->cgroup_id);
	if (out->cgroup)
		tapio_owner_parse_cgroup(out->cgroup, out->container_id,
					 out->pod_uid);
}

/* Own socket, reverse flow's, cached, none: 0..3.  @take: the flow ended,
 * its own entry is read for the last time (deleted, kept in the cache). */
static int find(struct tapio_owners *o, int map_fd,
		const struct tapio_flow_rec *rec, bool take,
		struct tapio_flow_owner *fo)
{
	struct tapio_flow_key rk;

	reverse(&rec->key, &rk);
	if (map_fd >= 0 &&
	    !(take ? bpf_map_lookup_and_delete_elem(map_fd, &rec->key, fo)
		   : bpf_map_lookup_elem(map_fd, &rec->key, fo))) {
		if (take) {
			struct cache_slot *s = slot_of(o, &rec->key);

			s->key = rec->key;
			s->own = *fo;
		}
		return 0;
	}
	if (map_fd >= 0 && !bpf_map_lookup_elem(map_fd, &rk, fo))
		return 1;
	if (cache_get(o, &rk, fo) || cache_get(o, &rec->key, fo))
		return 2;
	return 3;
}

void tapio_owner_of(struct tapio_owners *o, int map_fd,
		    const struct tapio_flow_rec *rec, struct tapio_owner *out)
{
	struct tapio_flow_owner fo;
	int how = find(o, map_fd, rec, true, &fo);

	memset(out, 0, sizeof(*out));
	o->stats[how]++;
	if (how < 3)
		fill(o, &fo, out);
	/* a socket no process was seen using (yet), or one the LRU of
	 * socket owners let go: the flow keeps its cgroup only */
	o->stats[5] += how < 3 && !out->process_known;
}

void tapio_owner_peek(struct tapio_owners *o, int map_fd,
		      const struct tapio_flow_rec *rec, struct tapio_owner *out)
{
	struct tapio_flow_owner fo;

	memset(out, 0, sizeof(*out));
	if (find(o, map_fd, rec, false, &fo) < 3)
		fill(o, &fo, out);
}
