/* SPDX-License-Identifier: GPL-2.0 */
/* Attribution of local flows to the process, cgroup and container behind
 * them: the socket tapio_tc saw, the process probes/sock saw use it. */
#ifndef TAPIO_FLOW_OWNER_H
#define TAPIO_FLOW_OWNER_H

#include <stdbool.h>
#include <linux/types.h>

#include "lib/flow_table.h"

struct tapio_owner {
	bool attributed;    /* false: forwarded, or no socket found */
	bool process_known; /* pid, uid and comm are set */
	__u32 pid, uid;
	__u64 cgroup_id; /* the socket's cgroup v2 id */
	char comm[16];
	const char *cgroup;    /* its path under the cgroup2 mount, or NULL */
	char container_id[65]; /* "" when the path shows none */
	char pod_uid[37];
};

struct tapio_owners;

/* Loads and attaches probes/sock (tp_btf): without it flows still get
 * their cgroup, not their process (said once, as a warning). */
int tapio_owners_open(struct tapio_owners **out);
void tapio_owners_close(struct tapio_owners *o);
/* Whether the process side (probes/sock) runs. */
bool tapio_owners_process_known(const struct tapio_owners *o);
/* The owner of @rec, from its device's tapio_owners map (@map_fd): its
 * own socket's (sent by a local socket), else the socket of the reverse
 * flow (received by one).  Entries read are deleted from the map and kept
 * in a bounded cache, so that the other direction still finds them. */
void tapio_owner_of(struct tapio_owners *o, int map_fd,
		    const struct tapio_flow_rec *rec, struct tapio_owner *out);
/* The same for a flow still running (the largest flows in /metrics):
 * nothing deleted, nothing counted. */
void tapio_owner_peek(struct tapio_owners *o, int map_fd,
		      const struct tapio_flow_rec *rec,
		      struct tapio_owner *out);
/* Container id (64 hex digits) and Kubernetes pod UID as a cgroup path
 * shows them (docker, containerd, cri-o, podman, systemd or cgroupfs
 * layouts); "" where it shows none.  For tests. */
void tapio_owner_parse_cgroup(const char *path, char container_id[65],
			      char pod_uid[37]);
/* Lookups: [0] own socket, [1] reverse flow, [2] cache, [3] none;
 * [4] entries pruned (tapio_owners_prune); [5] flows attributed without
 * their process. */
void tapio_owners_stats(const struct tapio_owners *o, __u64 out[6]);
/* Entries of @map_fd whose flow will never end through the collector
 * (it never reached the table: overflow; or it ended while no collector
 * ran): written more than @older_ns before @now_ns and not in @t, deleted.
 * The entries left, or a negative errno. */
long tapio_owners_prune(struct tapio_owners *o, int map_fd,
			struct tapio_flow_table *t, __u64 now_ns,
			__u64 older_ns);

#endif /* TAPIO_FLOW_OWNER_H */
