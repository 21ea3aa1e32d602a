// SPDX-License-Identifier: GPL-2.0
/* Exec probe: one ring-buffer event per exec (successful, from
 * sched_process_exec; failed, from the execve syscall exits) and per exit. */
#include "probe_common.bpf.h"
#include "tapio/exec.h"

char LICENSE[] SEC("license") = "GPL";

#define CLONE_THREAD_FLAG 0x00010000

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);
} tapio_exec_rb SEC(".maps");

/* Processes seen to exec, so that only their exits are reported. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, __u8);
} tapio_exec_live SEC(".maps");

/* execve()/execveat() in progress: the user pointer of the file name, read
 * again only if the call fails (the old image is still mapped then). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, __u64);
} tapio_exec_call SEC(".maps");

/* A new event of @type, if sampling (@keep: always) and the rate limit
 * let it through and the ring has room. */
static __always_inline struct tapio_exec_event *event_new(__u32 type, bool keep)
{
	struct tapio_exec_event *e;
	struct task_struct *task;
	__u64 ugid;

	if (!tapio_sampled(keep) || !tapio_rate_ok())
		return NULL;
	e = bpf_ringbuf_reserve(&tapio_exec_rb, sizeof(*e), 0);
	if (!e) {
		tapio_pcount(TAPIO_PCNT_RINGBUF_FULL, 1);
		return NULL;
	}
	task = (struct task_struct *)bpf_get_current_task();
	ugid = bpf_get_current_uid_gid();
	e->type = type;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->ppid = tapio_ppid(task);
	e->uid = (__u32)ugid;
	e->gid = ugid >> 32;
	e->retval = 0;
	e->cgroup_id = bpf_get_current_cgroup_id();
	e->ts_ns = bpf_ktime_get_ns();
	e->lifetime_ns = 0;
	e->args_len = 0;
	e->args_truncated = 0;
	e->filename[0] = 0;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	return e;
}

/* argv as the new image sees it: the block between arg_start and arg_end
 * of the new mm, cut at TAPIO_EXEC_ARGS_LEN bytes. */
static __always_inline void read_args(struct tapio_exec_event *e)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	__u64 start = BPF_CORE_READ(task, mm, arg_start);
	__u64 end = BPF_CORE_READ(task, mm, arg_end);
	__u64 len = end > start ? end - start : 0;

	if (len > TAPIO_EXEC_ARGS_LEN) {
		len = TAPIO_EXEC_ARGS_LEN;
		e->args_truncated = 1;
		tapio_pcount(TAPIO_PCNT_ARGS_TRUNCATED, 1);
	}
	if (len &&
	    !bpf_probe_read_user(e->args, len & (2 * TAPIO_EXEC_ARGS_LEN - 1),
				 (void *)start))
		e->args_len = len;
}

static __always_inline int exec_ok(const void *filename, bool user)
{
	struct tapio_exec_event *e;
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	__u8 one = 1;

	if (!tapio_filter_task_dev(true, TAPIO_NO_DEV)) {
		/* the process is now what the filter leaves out: its exit
		 * goes unsaid too, whatever it ran before */
		bpf_map_delete_elem(&tapio_exec_live, &pid);
		return 0;
	}
	tapio_pcount(TAPIO_PCNT_EXEC, 1);
	if (bpf_map_update_elem(&tapio_exec_live, &pid, &one, BPF_ANY))
		tapio_pcount(TAPIO_PCNT_MAP_FULL, 1);
	e = event_new(TAPIO_EXEC_OK, false);
	if (!e)
		return 0;
	if (user)
		bpf_probe_read_user_str(e->filename, sizeof(e->filename),
					filename);
	else
		bpf_probe_read_kernel_str(e->filename, sizeof(e->filename),
					  filename);
	read_args(e);
	bpf_ringbuf_submit(e, tapio_rb_flags(&tapio_exec_rb));
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(tapio_exec_btf, struct task_struct *p, pid_t old_pid,
	     struct linux_binprm *bprm)
{
	return exec_ok(BPF_CORE_READ(bprm, filename), false);
}

SEC("raw_tp/sched_process_exec")
int BPF_PROG(tapio_exec_raw, struct task_struct *p, pid_t old_pid,
	     struct linux_binprm *bprm)
{
	return exec_ok(BPF_CORE_READ(bprm, filename), false);
}

SEC("tp/sched/sched_process_exec")
int tapio_exec_tp(struct trace_event_raw_sched_process_exec *ctx)
{
	__u32 loc = BPF_CORE_READ(ctx, __data_loc_filename);

	return exec_ok((void *)ctx + (loc & 0xffff), false);
}

static __always_inline int process_exit(void)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	__u64 id = bpf_get_current_pid_tgid();
	struct tapio_exec_event *e;
	__u32 pid = id >> 32;
	int code;

	/* A process ends with its last thread: do_exit() has counted this
	 * one out of signal->live before the tracepoint.  The old leader
	 * that exec from another thread kills (de_thread) exits with the
	 * process's pid while the exec'ing thread lives on: not an end. */
	if (BPF_CORE_READ(task, signal, live.counter))
		return 0;
	if (!bpf_map_lookup_elem(&tapio_exec_live, &pid))
		return 0;
	bpf_map_delete_elem(&tapio_exec_live, &pid);
	tapio_pcount(TAPIO_PCNT_EXIT, 1);
	code = BPF_CORE_READ(task, exit_code);
	/* an exit by a signal (the low 7 bits) is kept whatever sampling */
	e = event_new(TAPIO_EXEC_EXIT, (code & 0x7f) != 0);
	if (!e)
		return 0;
	e->retval = code;
	e->lifetime_ns =
		e->ts_ns - BPF_CORE_READ(task, group_leader, start_time);
	bpf_ringbuf_submit(e, tapio_rb_flags(&tapio_exec_rb));
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(tapio_exit_btf)
{
	return process_exit();
}

SEC("raw_tp/sched_process_exit")
int BPF_PROG(tapio_exit_raw)
{
	return process_exit();
}

SEC("tp/sched/sched_process_exit")
int tapio_exit_tp(void *ctx)
{
	return process_exit();
}

static __always_inline int new_task(__u64 clone_flags)
{
	if (!(clone_flags & CLONE_THREAD_FLAG) &&
	    tapio_filter_task_dev(true, TAPIO_NO_DEV))
		tapio_pcount(TAPIO_PCNT_FORK, 1);
	return 0;
}

SEC("tp_btf/task_newtask")
int BPF_PROG(tapio_fork_btf, struct task_struct *task, __u64 clone_flags)
{
	return new_task(clone_flags);
}

SEC("raw_tp/task_newtask")
int BPF_PROG(tapio_fork_raw, struct task_struct *task, __u64 clone_flags)
{
	return new_task(clone_flags);
}

SEC("tp/task/task_newtask")
int tapio_fork_tp(struct trace_event_raw_task_newtask *ctx)
{
	return new_task(ctx->clone_flags);
}

/* Failed execs: syscall tracepoints exist only as classic events (the raw
 * sys_enter would run for every system call), so every method uses them. */
static __always_inline int call_enter(__u64 filename)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	if (bpf_map_update_elem(&tapio_exec_call, &tid, &filename, BPF_ANY))
		tapio_pcount(TAPIO_PCNT_MAP_FULL, 1);
	return 0;
}

static __always_inline int call_exit(long ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct tapio_exec_event *e;
	__u64 *filename, name;

	filename = bpf_map_lookup_elem(&tapio_exec_call, &tid);
	if (!filename)
		return 0;
	name = *filename;
	bpf_map_delete_elem(&tapio_exec_call, &tid);
	if (ret >= 0 || !tapio_filter_task_dev(true, TAPIO_NO_DEV))
		return 0;
	tapio_pcount(TAPIO_PCNT_EXEC_FAILED, 1);
	e = event_new(TAPIO_EXEC_FAILED, true);
	if (!e)
		return 0;
	e->retval = ret;
	bpf_probe_read_user_str(e->filename, sizeof(e->filename), (void *)name);
	bpf_ringbuf_submit(e, tapio_rb_flags(&tapio_exec_rb));
	return 0;
}

SEC("tp/syscalls/sys_enter_execve")
int tapio_execve_in(struct trace_event_raw_sys_enter *ctx)
{
	return call_enter(ctx->args[0]);
}

SEC("tp/syscalls/sys_enter_execveat")
int tapio_execvat_in(struct trace_event_raw_sys_enter *ctx)
{
	return call_enter(ctx->args[1]);
}

SEC("tp/syscalls/sys_exit_execve")
int tapio_execve_out(struct trace_event_raw_sys_exit *ctx)
{
	return call_exit(ctx->ret);
}

SEC("tp/syscalls/sys_exit_execveat")
int tapio_execvat_out(struct trace_event_raw_sys_exit *ctx)
{
	return call_exit(ctx->ret);
}
