// SPDX-License-Identifier: GPL-2.0
/* Socket owners for flow attribution: the first process seen to send or
 * receive on a socket, by the socket's cookie, which tapio_tc records. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "tapio/owner.h"

char LICENSE[] SEC("license") = "GPL";

/* LRU: a socket long closed makes way; a live one is refreshed by use */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, TAPIO_SOCK_OWNERS_MAX);
	__type(key, __u64);
	__type(value, struct tapio_sock_owner);
} tapio_sock_owners SEC(".maps");

/* In the process's own context (the syscall), so current is the owner.
 * Only the first one is kept: a socket passed to a child after fork stays
 * its parent's, as `ss -p` would show the first of them. */
static __always_inline void remember(struct sock *sk)
{
	struct tapio_sock_owner o = {};
	__u64 cookie = bpf_get_socket_cookie(sk);

	if (!cookie || bpf_map_lookup_elem(&tapio_sock_owners, &cookie))
		return;
	o.pid = bpf_get_current_pid_tgid() >> 32;
	o.uid = (__u32)bpf_get_current_uid_gid();
	o.cgroup_id = bpf_get_current_cgroup_id();
	bpf_get_current_comm(o.comm, sizeof(o.comm));
	bpf_map_update_elem(&tapio_sock_owners, &cookie, &o, BPF_NOEXIST);
}

SEC("tp_btf/sock_send_length")
int BPF_PROG(tapio_sock_send, struct sock *sk, int ret, int flags)
{
	remember(sk);
	return 0;
}

SEC("tp_btf/sock_recv_length")
int BPF_PROG(tapio_sock_recv, struct sock *sk, int ret, int flags)
{
	remember(sk);
	return 0;
}
