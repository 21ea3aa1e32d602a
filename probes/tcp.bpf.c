// SPDX-License-Identifier: GPL-2.0
/* TCP probe: retransmitted segments per connection and state (TSO skbs and
 * SYN-ACKs included, as TcpRetransSegs counts them) and connection
 * lifespans with bytes (inet_sock_set_state), like tcplife. */
#include "probe_common.bpf.h"
#include "tapio/tcp_probe.h"

char LICENSE[] SEC("license") = "GPL";

#define AF_INET	    2
#define AF_INET6    10
#define IPPROTO_TCP 6

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);
} tapio_tcp_rb SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct tapio_tcp_tuple);
	__type(value, struct tapio_tcp_retrans);
} tapio_tcp_retrans SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, TAPIO_TCP_STATES);
	__type(key, __u32);
	__type(value, __u64);
} tapio_tcp_rstate SEC(".maps");

/* A connection being timed: when its first state change was seen, and the
 * process that opened it (connect) or closed it (LAST_ACK), like tcplife. */
struct tcp_birth {
	__u64 ts_ns;
	__u32 pid;
	__u32 pad;
	char comm[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, struct tcp_birth);
} tapio_tcp_birth SEC(".maps");

/* Family, addresses and remote port from the sock_common that a full
 * socket (__sk_common) and a request sock (__req_common) both start with. */
static __always_inline void common_tuple(const struct sock_common *c,
					 struct tapio_tcp_tuple *t)
{
	__u32 a;

	t->family = BPF_CORE_READ(c, skc_family);
	t->rport = __builtin_bswap16(BPF_CORE_READ(c, skc_dport));
	if (t->family == AF_INET6) {
		BPF_CORE_READ_INTO(&t->laddr, c,
				   skc_v6_rcv_saddr.in6_u.u6_addr8);
		BPF_CORE_READ_INTO(&t->raddr, c, skc_v6_daddr.in6_u.u6_addr8);
		return;
	}
	t->laddr[10] = t->laddr[11] = 0xff;
	t->raddr[10] = t->raddr[11] = 0xff;
	a = BPF_CORE_READ(c, skc_rcv_saddr);
	__builtin_memcpy(&t->laddr[12], &a, 4);
	a = BPF_CORE_READ(c, skc_daddr);
	__builtin_memcpy(&t->raddr[12], &a, 4);
}

static __always_inline void sk_tuple(const struct sock *sk,
				     struct tapio_tcp_tuple *t)
{
	common_tuple(&sk->__sk_common, t);
	/* inet_sport, not skc_num: the port is unhashed before CLOSE. */
	t->lport = __builtin_bswap16(
		BPF_CORE_READ((struct inet_sock *)sk, inet_sport));
}

/* The connection of a SYN-ACK: a request sock has no inet_sock part, its
 * local port is skc_num (host order). */
static __always_inline void req_tuple(const struct request_sock *req,
				      struct tapio_tcp_tuple *t)
{
	common_tuple(&req->__req_common, t);
	t->lport = BPF_CORE_READ(req, __req_common.skc_num);
}

/* Segments of a retransmitted skb: tcp_skb_pcount(), the tcp_gso_segs
 * that follows seq and end_seq at the start of the skb's cb[] (struct
 * tcp_skb_cb, not in every kernel's BTF); the kernel adds the same
 * number to TcpRetransSegs. */
static __always_inline __u32 skb_segments(const struct sk_buff *skb)
{
	__u16 segs = 0;

	if (skb)
		bpf_probe_read_kernel(
			&segs, sizeof(segs),
			(void *)skb +
				bpf_core_field_offset(struct sk_buff, cb) + 8);
	return segs ? segs : 1;
}

static __always_inline int retransmit(const struct tapio_tcp_tuple *tp,
				      __u32 state, __u32 segs)
{
	struct tapio_tcp_retrans *r, fresh = {.segments = segs};
	struct tapio_tcp_tuple t = *tp;
	struct tapio_tcp_event *e;
	__u64 *n;

	tapio_pcount(TAPIO_PCNT_TCP_RETRANS, segs);
	n = bpf_map_lookup_elem(&tapio_tcp_rstate, &state);
	if (n)
		*n += segs;
	r = bpf_map_lookup_elem(&tapio_tcp_retrans, &t);
	if (r) {
		__sync_fetch_and_add(&r->segments, segs);
		r->last_state = state;
	} else {
		fresh.last_state = state;
		if (bpf_map_update_elem(&tapio_tcp_retrans, &t, &fresh,
					BPF_NOEXIST))
			tapio_pcount(TAPIO_PCNT_MAP_FULL, 1);
	}
	if (!tapio_rate_ok())
		return 0;
	e = bpf_ringbuf_reserve(&tapio_tcp_rb, sizeof(*e), 0);
	if (!e) {
		tapio_pcount(TAPIO_PCNT_RINGBUF_FULL, 1);
		return 0;
	}
	__builtin_memset(e, 0, sizeof(*e));
	e->type = TAPIO_TCP_RETRANS;
	e->state = state;
	e->segments = segs;
	e->t = t;
	e->ts_ns = bpf_ktime_get_ns();
	bpf_ringbuf_submit(e, tapio_rb_flags(&tapio_tcp_rb));
	return 0;
}

static __always_inline void remember_task(struct tcp_birth *b)
{
	b->pid = bpf_get_current_pid_tgid() >> 32;
	bpf_get_current_comm(b->comm, sizeof(b->comm));
}

static __always_inline int set_state(const struct sock *sk, int oldstate,
				     int newstate)
{
	__u64 key = (__u64)sk, now = bpf_ktime_get_ns();
	struct tcp_birth *b, fresh = {.ts_ns = now};
	struct tcp_sock *tp = (struct tcp_sock *)sk;
	struct tapio_tcp_event *e;

	if (BPF_CORE_READ(sk, sk_protocol) != IPPROTO_TCP)
		return 0;
	if (newstate == TCP_SYN_SENT)
		tapio_pcount(TAPIO_PCNT_TCP_ACTIVE_OPEN, 1);
	if (oldstate == TCP_SYN_RECV && newstate == TCP_ESTABLISHED)
		tapio_pcount(TAPIO_PCNT_TCP_PASSIVE_OPEN, 1);
	b = bpf_map_lookup_elem(&tapio_tcp_birth, &key);
	if (newstate < TCP_FIN_WAIT1 && !b) {
		if (newstate == TCP_SYN_SENT)
			remember_task(&fresh);
		if (bpf_map_update_elem(&tapio_tcp_birth, &key, &fresh,
					BPF_NOEXIST))
			tapio_pcount(TAPIO_PCNT_MAP_FULL, 1);
		return 0;
	}
	if (newstate == TCP_LAST_ACK && b && !b->pid)
		remember_task(b);
	if (newstate != TCP_CLOSE)
		return 0;
	if (!b) {
		/* A listener closing is not a connection; anything else was
		 * opened before we attached. */
		if (oldstate != TCP_LISTEN)
			tapio_pcount(TAPIO_PCNT_MISSED_START, 1);
		return 0;
	}
	tapio_pcount(TAPIO_PCNT_TCP_CLOSE, 1);
	if (!tapio_pid_allowed(b->pid))
		goto out;
	if (!tapio_sampled(false) || !tapio_rate_ok())
		goto out;
	e = bpf_ringbuf_reserve(&tapio_tcp_rb, sizeof(*e), 0);
	if (!e) {
		tapio_pcount(TAPIO_PCNT_RINGBUF_FULL, 1);
		goto out;
	}
	__builtin_memset(e, 0, sizeof(*e));
	e->type = TAPIO_TCP_LIFE;
	e->state = oldstate;
	e->pid = b->pid;
	__builtin_memcpy(e->comm, b->comm, sizeof(e->comm));
	sk_tuple(sk, &e->t);
	e->ts_ns = now;
	e->duration_ns = now - b->ts_ns;
	e->tx_bytes = BPF_CORE_READ(tp, bytes_acked);
	e->rx_bytes = BPF_CORE_READ(tp, bytes_received);
	bpf_ringbuf_submit(e, tapio_rb_flags(&tapio_tcp_rb));
out:
	bpf_map_delete_elem(&tapio_tcp_birth, &key);
	return 0;
}

static __always_inline int skb_retransmit(const struct sock *sk,
					  const struct sk_buff *skb)
{
	struct tapio_tcp_tuple t = {};

	if (!sk)
		return 0;
	sk_tuple(sk, &t);
	return retransmit(&t, BPF_CORE_READ(sk, __sk_common.skc_state),
			  skb_segments(skb));
}

/* A SYN-ACK resent by a listener (the handshake's second step: the
 * connection is still a request sock, state TCP_NEW_SYN_RECV). */
static __always_inline int synack_retransmit(const struct request_sock *req)
{
	struct tapio_tcp_tuple t = {};

	if (!req)
		return 0;
	req_tuple(req, &t);
	return retransmit(&t, BPF_CORE_READ(req, __req_common.skc_state), 1);
}

SEC("tp_btf/tcp_retransmit_skb")
int BPF_PROG(tapio_tcp_rtx_btf, const struct sock *sk,
	     const struct sk_buff *skb)
{
	return skb_retransmit(sk, skb);
}

SEC("raw_tp/tcp_retransmit_skb")
int BPF_PROG(tapio_tcp_rtx_raw, const struct sock *sk,
	     const struct sk_buff *skb)
{
	return skb_retransmit(sk, skb);
}

SEC("tp/tcp/tcp_retransmit_skb")
int tapio_tcp_rtx_tp(struct trace_event_raw_tcp_retransmit_skb *ctx)
{
	return skb_retransmit(ctx->skaddr, ctx->skbaddr);
}

SEC("tp_btf/tcp_retransmit_synack")
int BPF_PROG(tapio_tcp_synack_btf, const struct sock *sk,
	     const struct request_sock *req)
{
	return synack_retransmit(req);
}

SEC("raw_tp/tcp_retransmit_synack")
int BPF_PROG(tapio_tcp_synack_raw, const struct sock *sk,
	     const struct request_sock *req)
{
	return synack_retransmit(req);
}

SEC("tp/tcp/tcp_retransmit_synack")
int tapio_tcp_synack_tp(struct trace_event_raw_tcp_retransmit_synack *ctx)
{
	return synack_retransmit(ctx->req);
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(tapio_tcp_state_btf, const struct sock *sk, int oldstate,
	     int newstate)
{
	return set_state(sk, oldstate, newstate);
}

SEC("raw_tp/inet_sock_set_state")
int BPF_PROG(tapio_tcp_state_raw, const struct sock *sk, int oldstate,
	     int newstate)
{
	return set_state(sk, oldstate, newstate);
}

SEC("tp/sock/inet_sock_set_state")
int tapio_tcp_state_tp(struct trace_event_raw_inet_sock_set_state *ctx)
{
	return set_state(ctx->skaddr, ctx->oldstate, ctx->newstate);
}

SEC("tp_btf/tcp_send_reset")
int BPF_PROG(tapio_tcp_rsts_btf)
{
	tapio_pcount(TAPIO_PCNT_TCP_RST_SENT, 1);
	return 0;
}

SEC("raw_tp/tcp_send_reset")
int BPF_PROG(tapio_tcp_rsts_raw)
{
	tapio_pcount(TAPIO_PCNT_TCP_RST_SENT, 1);
	return 0;
}

SEC("tp/tcp/tcp_send_reset")
int tapio_tcp_rsts_tp(void *ctx)
{
	tapio_pcount(TAPIO_PCNT_TCP_RST_SENT, 1);
	return 0;
}

SEC("tp_btf/tcp_receive_reset")
int BPF_PROG(tapio_tcp_rstr_btf)
{
	tapio_pcount(TAPIO_PCNT_TCP_RST_RECV, 1);
	return 0;
}

SEC("raw_tp/tcp_receive_reset")
int BPF_PROG(tapio_tcp_rstr_raw)
{
	tapio_pcount(TAPIO_PCNT_TCP_RST_RECV, 1);
	return 0;
}

SEC("tp/tcp/tcp_receive_reset")
int tapio_tcp_rstr_tp(void *ctx)
{
	tapio_pcount(TAPIO_PCNT_TCP_RST_RECV, 1);
	return 0;
}
