// SPDX-License-Identifier: GPL-2.0
/* `tapio trace exec`: execsnoop-style lines (or JSON) for every exec,
 * failed exec and exit of an exec'd process, from the exec probe's ring. */
#include <errno.h>
#include <string.h>
#include <bpf/libbpf.h>

#include "lib/json.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "export/event_json.h"
#include "tapio/exec.h"
#include "cmd/trace_loop.h"

struct exec_ctx {
	const struct trace_opts *o;
	__u64 start_ns;
	__s64 mono_to_real; /* for the JSON lines' Unix time */
	__u64 received[TAPIO_EXEC_EXIT + 1];
	__u64 malformed, too_long; /* records not printed, by reason */
	__u64 c[TAPIO_PCNT_MAX];   /* the probe's counters at the end */
};

static int on_event(void *ctx, void *data, size_t size)
{
	struct exec_ctx *x = ctx;
	const struct tapio_exec_event *e = data;
	char args[4096], line[TAPIO_EVENT_JSON_MAX];
	double t;

	if (size < sizeof(*e) || e->type < TAPIO_EXEC_OK ||
	    e->type > TAPIO_EXEC_EXIT) {
		x->malformed++;
		return 0;
	}
	x->received[e->type]++;
	t = (double)(e->ts_ns - x->start_ns) / 1e9;
	if (!x->o->json) {
		tapio_exec_args(e, args, sizeof(args));
		printf("%-9.3f %-11s %-16.16s %-7u %-7u %4d %s\n", t,
		       tapio_exec_type_name(e->type), e->comm, e->pid, e->ppid,
		       e->type == TAPIO_EXEC_EXIT ? (e->retval >> 8) & 0xff
						  : e->retval,
		       e->type == TAPIO_EXEC_OK	      ? args
		       : e->type == TAPIO_EXEC_FAILED ? e->filename
						      : "");
		return 0;
	}
	if (tapio_exec_event_json(e, x->mono_to_real, line, sizeof(line)) > 0)
		printf("%s\n", line);
	else
		x->too_long++;
	return 0;
}

static void summary_extra(struct tapio_json *j, void *ctx)
{
	const struct exec_ctx *x = ctx;

	tapio_json_u64(j, "exec", x->c[TAPIO_PCNT_EXEC]);
	tapio_json_u64(j, "exec_failed", x->c[TAPIO_PCNT_EXEC_FAILED]);
	tapio_json_u64(j, "fork", x->c[TAPIO_PCNT_FORK]);
	tapio_json_u64(j, "exit", x->c[TAPIO_PCNT_EXIT]);
	tapio_json_u64(j, "args_truncated", x->c[TAPIO_PCNT_ARGS_TRUNCATED]);
	tapio_json_u64(j, "events_received",
		       x->received[TAPIO_EXEC_OK] +
			       x->received[TAPIO_EXEC_FAILED] +
			       x->received[TAPIO_EXEC_EXIT]);
	tapio_json_u64(j, "events_malformed", x->malformed);
	tapio_json_u64(j, "events_too_long", x->too_long);
}

int tapio_trace_exec(const struct trace_opts *o)
{
	struct exec_ctx x = {.o = o};
	struct ring_buffer *rb = NULL;
	struct tapio_probe p;
	int err;

	err = tapio_trace_start(&p, TAPIO_PROBE_EXEC, o);
	if (err)
		return err;
	rb = tapio_trace_ring(&p, on_event, &x);
	if (!rb) {
		err = -errno;
		goto out;
	}
	x.start_ns = tapio_mono_ns();
	x.mono_to_real = tapio_mono_to_real_ns();
	if (!o->json)
		printf("%-9s %-11s %-16s %-7s %-7s %4s %s\n", "TIME(s)",
		       "EVENT", "COMM", "PID", "PPID", "RET", "ARGS/FILE");
	err = tapio_trace_loop(o, rb, NULL, NULL);
	tapio_probe_counters(p.obj, x.c);
	if (!o->json)
		printf("# %llu execs, %llu failed, %llu forks, %llu exits\n",
		       (unsigned long long)x.c[TAPIO_PCNT_EXEC],
		       (unsigned long long)x.c[TAPIO_PCNT_EXEC_FAILED],
		       (unsigned long long)x.c[TAPIO_PCNT_FORK],
		       (unsigned long long)x.c[TAPIO_PCNT_EXIT]);
	tapio_trace_summary(stdout, &p, o, x.c, summary_extra, &x);
out:
	ring_buffer__free(rb);
	tapio_probe_close(&p);
	return err;
}
