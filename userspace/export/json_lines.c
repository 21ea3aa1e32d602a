// SPDX-License-Identifier: GPL-2.0
/* JSON lines out of `tapio run`: one writer lock, size-based rotation
 * (PATH -> PATH.1 ... PATH.5) and every failed write counted. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "export/flow_json.h"
#include "export/json_lines.h"
#include "lib/clock.h"
#include "lib/flow_table.h"
#include "lib/log.h"

#define JSON_KEEP 5 /* rotated files kept: PATH.1 .. PATH.5 */

int tapio_json_lines_open(struct tapio_json_lines *jl, const char *path,
			  __u32 rotate_mb)
{
	struct stat st;

	memset(jl, 0, sizeof(*jl));
	pthread_mutex_init(&jl->lock, NULL);
	jl->mono_to_real = tapio_mono_to_real_ns();
	jl->out = stdout;
	if (!path)
		return 0;
	jl->out = fopen(path, "a");
	if (!jl->out) {
		int err = -errno;

		pr_err("cannot write %s: %s", path, strerror(errno));
		return err;
	}
	jl->path = path;
	jl->rotate_bytes = (__u64)rotate_mb << 20;
	jl->size = stat(path, &st) ? 0 : (__u64)st.st_size;
	return 0;
}

/* PATH.4 -> PATH.5, ..., PATH -> PATH.1, then a new PATH. */
static void rotate(struct tapio_json_lines *jl)
{
	char from[512], to[512];
	int i;

	fclose(jl->out);
	for (i = JSON_KEEP - 1; i >= 1; i--) {
		snprintf(from, sizeof(from), "%s.%d", jl->path, i);
		snprintf(to, sizeof(to), "%s.%d", jl->path, i + 1);
		rename(from, to);
	}
	snprintf(to, sizeof(to), "%s.1", jl->path);
	rename(jl->path, to);
	jl->out = fopen(jl->path, "a");
	if (!jl->out) {
		pr_warn("cannot reopen %s: %s; writing to stdout", jl->path,
			strerror(errno));
		jl->out = stdout;
		jl->path = NULL;
	}
	jl->size = 0;
}

static void write_line(struct tapio_json_lines *jl, const char *line,
		       size_t len)
{
	pthread_mutex_lock(&jl->lock);
	if (jl->path && jl->rotate_bytes && jl->size &&
	    jl->size + len + 1 > jl->rotate_bytes)
		rotate(jl);
	if (fwrite(line, 1, len, jl->out) != len || fputc('\n', jl->out) == EOF)
		jl->errors++;
	else
		jl->size += len + 1;
	pthread_mutex_unlock(&jl->lock);
}

static const char *const end_reasons[] = {"flush", "idle", "active", "flush"};

static void jl_flow(void *sink, const struct tapio_flow_rec *rec, int why,
		    const char *ifname)
{
	struct tapio_json_lines *jl = sink;
	struct tapio_flow f = {.key = rec->key, .val = rec->val};
	char line[TAPIO_FLOW_JSON_MAX];
	struct tapio_json j;
	int n;

	tapio_json_init(&j, line, sizeof(line));
	tapio_json_object(&j, NULL);
	tapio_flow_json_members(&j, &f, ifname, jl->mono_to_real);
	tapio_json_str(
		&j, "end_reason",
		end_reasons[why >= TAPIO_END_IDLE && why <= TAPIO_END_FLUSH
				    ? why
				    : 0]);
	tapio_json_object_end(&j);
	n = tapio_json_finish(&j);
	if (n < 0) {
		pthread_mutex_lock(&jl->lock);
		jl->errors++;
		pthread_mutex_unlock(&jl->lock);
		return;
	}
	write_line(jl, line, (size_t)n);
}

static void jl_event(void *sink, const char *json)
{
	write_line(sink, json, strlen(json));
}

static void jl_tick(void *sink, __u64 now_ns)
{
	struct tapio_json_lines *jl = sink;

	(void)now_ns;
	pthread_mutex_lock(&jl->lock);
	fflush(jl->out);
	pthread_mutex_unlock(&jl->lock);
}

static void jl_dropped(void *sink, FILE *f)
{
	struct tapio_json_lines *jl = sink;

	fprintf(f,
		"tapio_events_dropped_total{source=\"json\","
		"reason=\"write_error\"} %llu\n",
		(unsigned long long)jl->errors);
}

static void jl_summary(void *sink, struct tapio_json *j)
{
	tapio_json_u64(j, "json_errors",
		       ((struct tapio_json_lines *)sink)->errors);
}

static void jl_close(void *sink)
{
	struct tapio_json_lines *jl = sink;

	jl_tick(jl, 0);
	if (jl->out && jl->out != stdout)
		fclose(jl->out);
	jl->out = NULL;
}

const struct tapio_sink_ops tapio_json_lines_ops = {
	.name = "json",
	.flow = jl_flow,
	.event = jl_event,
	.tick = jl_tick,
	.dropped = jl_dropped,
	.summary = jl_summary,
	.close = jl_close,
};
