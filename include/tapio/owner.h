/* SPDX-License-Identifier: GPL-2.0 */
/* Who is behind a flow of local traffic: the socket tapio_tc finds on its
 * packets (and that socket's cgroup), and the process that used it. */
#ifndef TAPIO_OWNER_H
#define TAPIO_OWNER_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* tapio_owners: by flow key, written by tapio_tc for a flow's first
 * packet that carries a socket (local traffic only: a forwarded packet has
 * none), while tapio_config.owners is set. */
struct tapio_flow_owner {
	__u64 sock_cookie; /* bpf_get_socket_cookie(), never 0 here */
	__u64 cgroup_id;   /* the socket's cgroup v2 id, 0: none */
	__u64 seen_ns;	   /* when it was written (CLOCK_MONOTONIC) */
};

#define TAPIO_OWNERS_MAX 65536

/* tapio_sock_owners: by socket cookie, the first process seen to send or
 * receive on the socket (sock_send_length/sock_recv_length). */
struct tapio_sock_owner {
	__u32 pid; /* thread group id */
	__u32 uid;
	__u64 cgroup_id; /* the process's cgroup v2 id at that moment */
	char comm[16];
};

#define TAPIO_SOCK_OWNERS_MAX 65536

#endif /* TAPIO_OWNER_H */
