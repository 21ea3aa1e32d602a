// SPDX-License-Identifier: GPL-2.0
/* JSON lines out of `tapio run`: one writer lock, whole lines or none in
 * the file, size-based rotation (PATH -> PATH.1 ... PATH.5), every lost
 * line counted. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "export/flow_json.h"
#include "export/json_lines.h"
#include "lib/flow_owner.h"
#include "lib/clock.h"
#include "lib/flow_table.h"
#include "lib/log.h"
#include "lib/outfile.h"

#define JSON_KEEP     5		/* rotated files kept: PATH.1 .. PATH.5 */
#define JSON_BUF_SIZE (1 << 16) /* larger than any one line */

int tapio_json_lines_open(struct tapio_json_lines *jl, const char *path,
			  __u32 rotate_mb)
{
	struct stat st;
	int fd = STDOUT_FILENO;

	memset(jl, 0, sizeof(*jl));
	if (path) {
		fd = tapio_open_output(path, O_APPEND, false);
		if (fd < 0)
			return fd;
	}
	jl->buf = malloc(JSON_BUF_SIZE);
	if (!jl->buf) {
		if (path)
			close(fd);
		return -ENOMEM;
	}
	pthread_mutex_init(&jl->lock, NULL);
	jl->cap = JSON_BUF_SIZE;
	jl->mono_to_real = tapio_mono_to_real_ns();
	jl->fd = fd;
	jl->path = path;
	jl->rotate_bytes = path ? (__u64)rotate_mb << 20 : 0;
	if (!fstat(fd, &st)) {
		jl->regular = S_ISREG(st.st_mode);
		jl->size = jl->regular ? (__u64)st.st_size : 0;
	}
	return 0;
}

/* PATH.4 -> PATH.5, ..., PATH -> PATH.1, then a new PATH (O_EXCL: one
 * planted in between is not used). */
static void rotate(struct tapio_json_lines *jl)
{
	char from[512], to[512];
	int i, fd;

	for (i = JSON_KEEP - 1; i >= 1; i--) {
		snprintf(from, sizeof(from), "%s.%d", jl->path, i);
		snprintf(to, sizeof(to), "%s.%d", jl->path, i + 1);
		rename(from, to);
	}
	snprintf(to, sizeof(to), "%s.1", jl->path);
	rename(jl->path, to);
	fd = tapio_open_output(jl->path, O_APPEND | O_EXCL, false);
	if (fd < 0) {
		pr_warn("writing flow records to stdout from now on");
		fd = STDOUT_FILENO;
		jl->path = NULL;
	}
	close(jl->fd);
	jl->fd = fd;
	jl->size = 0;
	jl->regular = jl->path != NULL;
}

/* Lines whose newline is within the first @n bytes of @buf. */
static __u64 lines_in(const char *buf, size_t n)
{
	__u64 k = 0;
	const char *p = buf, *end = buf + n;

	while ((p = memchr(p, '\n', (size_t)(end - p)))) {
		k++;
		p++;
	}
	return k;
}

/*
 * The buffer out with write(2).  A short or failed write (disk full, a
 * reader gone) loses the lines not written whole: they are counted, and a
 * line cut short is cut off the file again, so what a reader finds is
 * always whole lines.  Called with the lock held.
 */
static void flush_locked(struct tapio_json_lines *jl)
{
	size_t done = 0, keep;
	ssize_t n;
	__u64 whole;

	while (done < jl->len) {
		n = write(jl->fd, jl->buf + done, jl->len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(jl->failure, sizeof(jl->failure),
				 "writing %s: %s",
				 jl->path ? jl->path : "stdout",
				 n ? strerror(errno) : "nothing written");
			break;
		}
		done += (size_t)n;
	}
	if (done == jl->len) {
		jl->failure[0] = '\0';
		jl->written += jl->pending;
		jl->size += done;
	} else {
		whole = lines_in(jl->buf, done);
		keep = done;
		while (keep && jl->buf[keep - 1] != '\n')
			keep--;
		if (keep < done && jl->regular &&
		    ftruncate(jl->fd, (off_t)(jl->size + keep)))
			pr_warn("%s: a cut line stays at its end: %s",
				jl->path ? jl->path : "stdout",
				strerror(errno));
		jl->written += whole;
		jl->errors += jl->pending - whole;
		jl->size += keep;
	}
	jl->len = 0;
	jl->pending = 0;
}

void tapio_json_lines_flush(struct tapio_json_lines *jl)
{
	pthread_mutex_lock(&jl->lock);
	flush_locked(jl);
	pthread_mutex_unlock(&jl->lock);
}

static void write_line(struct tapio_json_lines *jl, const char *line,
		       size_t len)
{
	pthread_mutex_lock(&jl->lock);
	if (len + 1 > jl->cap) {
		jl->errors++;
		goto out;
	}
	if (jl->len + len + 1 > jl->cap)
		flush_locked(jl);
	if (jl->path && jl->rotate_bytes && jl->size + jl->len &&
	    jl->size + jl->len + len + 1 > jl->rotate_bytes) {
		flush_locked(jl);
		rotate(jl);
	}
	memcpy(jl->buf + jl->len, line, len);
	jl->buf[jl->len + len] = '\n';
	jl->len += len + 1;
	jl->pending++;
out:
	pthread_mutex_unlock(&jl->lock);
}

/* "owner": who is behind a local flow, or "unattributed" (forwarded,
 * or no socket found); absent when attribution is off. */
static void owner_members(struct tapio_json *j, const struct tapio_owner *o)
{
	if (!o->attributed) {
		tapio_json_str(j, "owner", "unattributed");
		return;
	}
	tapio_json_object(j, "owner");
	if (o->process_known) {
		tapio_json_u64(j, "pid", o->pid);
		tapio_json_u64(j, "uid", o->uid);
		tapio_json_str(j, "comm", o->comm);
	}
	tapio_json_u64(j, "cgroup_id", o->cgroup_id);
	if (o->cgroup)
		tapio_json_str(j, "cgroup", o->cgroup);
	if (o->container_id[0])
		tapio_json_str(j, "container_id", o->container_id);
	if (o->pod_uid[0])
		tapio_json_str(j, "pod_uid", o->pod_uid);
	tapio_json_object_end(j);
}

static void jl_flow(void *sink, const struct tapio_flow_rec *rec, int why,
		    const char *ifname, const struct tapio_owner *owner)
{
	struct tapio_json_lines *jl = sink;
	struct tapio_flow f = {.key = rec->key, .val = rec->val};
	char line[TAPIO_FLOW_JSON_MAX];
	struct tapio_json j;
	int n;

	tapio_json_init(&j, line, sizeof(line));
	tapio_json_object(&j, NULL);
	tapio_flow_json_members(&j, &f, ifname, jl->mono_to_real);
	tapio_json_str(&j, "end_reason", tapio_end_reason_name(why));
	if (jl->sample_n > 1)
		tapio_flow_json_sampling(&j, &f, jl->sample_n);
	if (owner)
		owner_members(&j, owner);
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
	(void)now_ns;
	tapio_json_lines_flush(sink);
}

static void jl_dropped(void *sink, FILE *f)
{
	struct tapio_json_lines *jl = sink;
	__u64 errors;

	pthread_mutex_lock(&jl->lock);
	errors = jl->errors;
	pthread_mutex_unlock(&jl->lock);
	fprintf(f,
		"tapio_events_dropped_total{source=\"json\","
		"reason=\"write_error\"} %llu\n",
		(unsigned long long)errors);
}

static void jl_health(void *sink, FILE *h, int *healthy)
{
	struct tapio_json_lines *jl = sink;

	pthread_mutex_lock(&jl->lock);
	if (jl->failure[0]) {
		fprintf(h, "%sjson: %s", *healthy ? "failing: " : ", ",
			jl->failure);
		*healthy = 0;
	}
	pthread_mutex_unlock(&jl->lock);
}

/* Called after the last flush: nothing is pending. */
static bool jl_summary(void *sink, struct tapio_json *j)
{
	struct tapio_json_lines *jl = sink;

	tapio_json_u64(j, "json_lines", jl->written);
	tapio_json_u64(j, "json_errors", jl->errors);
	return !jl->errors;
}

static void jl_close(void *sink)
{
	struct tapio_json_lines *jl = sink;

	tapio_json_lines_flush(jl);
	if (jl->fd != STDOUT_FILENO)
		close(jl->fd);
	jl->fd = -1;
	free(jl->buf);
	jl->buf = NULL;
}

/* SIGHUP: what is buffered to the old file, then PATH opened again, so
 * that logrotate's `create` (rename, then HUP) loses no line. */
static void jl_reopen(void *sink)
{
	struct tapio_json_lines *jl = sink;
	struct stat st;
	int fd;

	if (!jl->path)
		return;
	pthread_mutex_lock(&jl->lock);
	flush_locked(jl);
	fd = tapio_open_output(jl->path, O_APPEND, false);
	if (fd < 0) {
		pr_warn("cannot reopen %s: writing to the file as it was",
			jl->path);
	} else {
		close(jl->fd);
		jl->fd = fd;
		jl->size = !fstat(fd, &st) ? (__u64)st.st_size : 0;
	}
	pthread_mutex_unlock(&jl->lock);
}

const struct tapio_sink_ops tapio_json_lines_ops = {
	.name = "json",
	.reopen = jl_reopen,
	.flow = jl_flow,
	.event = jl_event,
	.tick = jl_tick,
	.dropped = jl_dropped,
	.health = jl_health,
	.summary = jl_summary,
	.close = jl_close,
};
