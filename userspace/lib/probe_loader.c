// SPDX-License-Identifier: GPL-2.0
/* Chooses each probe program's tracepoint flavour before load, drops the
 * ones this kernel lacks, and writes the run-time filter maps. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <linux/magic.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "lib/log.h"
#include "lib/mounts.h"
#include "lib/probe_loader.h"

#define TRACEFS_EVENTS "/sys/kernel/tracing/events"

const char *tapio_tp_method_name(enum tapio_tp_method m)
{
	switch (m) {
	case TAPIO_TP_BTF:
		return "tp_btf";
	case TAPIO_TP_RAW:
		return "raw_tp";
	case TAPIO_TP_CLASSIC:
		return "tp";
	default:
		return "none";
	}
}

int tapio_tp_method_parse(const char *s, enum tapio_tp_method *m)
{
	if (!strcmp(s, "auto"))
		*m = tapio_probe_tp_method();
	else if (!strcmp(s, "tp_btf"))
		*m = TAPIO_TP_BTF;
	else if (!strcmp(s, "raw_tp"))
		*m = TAPIO_TP_RAW;
	else if (!strcmp(s, "tp") || !strcmp(s, "tracepoint"))
		*m = TAPIO_TP_CLASSIC;
	else
		return -EINVAL;
	return 0;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && !strcmp(s + a - b, suffix);
}

/* Whether the tracepoint behind a section exists on this kernel: raw and
 * BTF tracepoints by their btf_trace_ typedef, classic ones in tracefs. */
static bool tracepoint_exists(const char *sec, const struct btf *vmlinux)
{
	char path[PATH_MAX];
	const char *name;

	if (!strncmp(sec, "tp/", 3)) {
		snprintf(path, sizeof(path), TRACEFS_EVENTS "/%s", sec + 3);
		return access(path, F_OK) == 0;
	}
	name = strchr(sec, '/');
	if (!name)
		return false;
	if (!vmlinux)
		return true; /* no BTF to ask: let the load decide */
	snprintf(path, sizeof(path), "btf_trace_%s", name + 1);
	return btf__find_by_name_kind(vmlinux, path, BTF_KIND_TYPEDEF) > 0;
}

int tapio_probe_select(struct bpf_object *obj, enum tapio_tp_method m)
{
	static const char *const suffix[] = {
		[TAPIO_TP_BTF] = "_btf",
		[TAPIO_TP_RAW] = "_raw",
		[TAPIO_TP_CLASSIC] = "_tp",
	};
	struct btf *vmlinux = NULL;
	struct bpf_program *prog;
	int n = 0;

	if (m == TAPIO_TP_NONE)
		return -EOPNOTSUPP;
	if (m != TAPIO_TP_CLASSIC)
		vmlinux = btf__load_vmlinux_btf();
	if (libbpf_get_error(vmlinux))
		vmlinux = NULL;
	bpf_object__for_each_program(prog, obj)
	{
		const char *pn = bpf_program__name(prog);
		const char *sec = bpf_program__section_name(prog);
		bool flavoured = ends_with(pn, "_btf") ||
				 ends_with(pn, "_raw") || ends_with(pn, "_tp");
		/* A program the caller turned off stays off. */
		bool load = bpf_program__autoload(prog) &&
			    (!flavoured || ends_with(pn, suffix[m]));

		/* a program userspace runs (SEC("syscall")) attaches nowhere */
		if (load && strchr(sec, '/') &&
		    !tracepoint_exists(sec, vmlinux)) {
			pr_warn("%s: tracepoint %s not in this kernel: its "
				"counts stay 0",
				pn, strchr(sec, '/') + 1);
			load = false;
		}
		bpf_program__set_autoload(prog, load);
		n += load && strchr(sec, '/');
	}
	btf__free(vmlinux);
	return n;
}

static const char *const pfilter_set[TAPIO_PF_KINDS] = {
	[TAPIO_PF_PID] = "tapio_fpid", [TAPIO_PF_CGROUP] = "tapio_fcgroup",
	[TAPIO_PF_DEV] = "tapio_fdev", [TAPIO_PF_UID] = "tapio_fuid",
	[TAPIO_PF_NS] = "tapio_fns",
};

/* The set of @kind and the size of its keys */
static int pfilter_map(struct bpf_object *obj, enum tapio_pfilter_kind kind,
		       size_t *key_size)
{
	struct bpf_map *m;

	if (kind < TAPIO_PF_PID || kind >= TAPIO_PF_KINDS)
		return -EINVAL;
	m = bpf_object__find_map_by_name(obj, pfilter_set[kind]);
	if (!m)
		return -ENOENT;
	*key_size = bpf_map__key_size(m);
	return bpf_map__fd(m);
}

int tapio_probe_filter_entry(struct bpf_object *obj,
			     enum tapio_pfilter_kind kind, __u64 value,
			     bool children, bool add)
{
	struct tapio_pfilter_val v = {.children = children};
	char buf[TAPIO_ERRBUF];
	size_t key_size;
	__u32 k32 = (__u32)value;
	const void *key;
	int fd, err;

	fd = pfilter_map(obj, kind, &key_size);
	if (fd < 0)
		return fd;
	key = key_size == 4 ? (void *)&k32 : &value;
	err = add ? bpf_map_update_elem(fd, key, &v, BPF_ANY)
		  : bpf_map_delete_elem(fd, key);
	if (err && (add || errno != ENOENT)) {
		err = -errno;
		pr_err("cannot %s filter %s: %s", add ? "set" : "clear",
		       pfilter_set[kind],
		       tapio_strerror(err, buf, sizeof(buf)));
		return err;
	}
	return 0;
}

__u64 tapio_probe_filter_hits(struct bpf_object *obj,
			      enum tapio_pfilter_kind kind, __u64 value)
{
	struct tapio_pfilter_val v;
	size_t key_size;
	__u32 k32 = (__u32)value;
	int fd = pfilter_map(obj, kind, &key_size);

	if (fd < 0 ||
	    bpf_map_lookup_elem(fd, key_size == 4 ? (void *)&k32 : &value, &v))
		return 0;
	return v.hits;
}

int tapio_probe_filter_modes(struct bpf_object *obj,
			     const struct tapio_probe_filter *f)
{
	struct bpf_map *m = bpf_object__find_map_by_name(obj, "tapio_pfilter");
	char buf[TAPIO_ERRBUF];
	__u32 zero = 0;
	int err;

	if (!m)
		return -ENOENT;
	if (!bpf_map_update_elem(bpf_map__fd(m), &zero, f, BPF_ANY))
		return 0;
	err = -errno;
	pr_err("cannot set filter modes: %s",
	       tapio_strerror(err, buf, sizeof(buf)));
	return err;
}

static int fill_set(struct bpf_object *obj, enum tapio_pfilter_kind kind,
		    const struct tapio_filter_list *l)
{
	size_t i;
	int err;

	for (i = 0; i < l->n; i++) {
		err = tapio_probe_filter_entry(obj, kind, l->v[i], false, true);
		if (err)
			return err;
	}
	return 0;
}

int tapio_probe_filter_set(struct bpf_object *obj,
			   const struct tapio_filter_spec *spec)
{
	struct tapio_probe_filter f = {
		.pid_mode = spec->pid.mode,
		.cgroup_mode = spec->cgroup.mode,
		.dev_mode = spec->dev.mode,
	};
	int err;

	/* Sets first, then the modes: no event is judged on a half-built set.
	 */
	err = fill_set(obj, TAPIO_PF_PID, &spec->pid);
	if (!err)
		err = fill_set(obj, TAPIO_PF_CGROUP, &spec->cgroup);
	if (!err)
		err = fill_set(obj, TAPIO_PF_DEV, &spec->dev);
	if (err)
		return err;
	return tapio_probe_filter_modes(obj, &f);
}

int tapio_percpu_array_sum(int fd, __u64 *out, __u32 n)
{
	int ncpu = libbpf_num_possible_cpus(), c;
	__u64 *v;
	__u32 i;

	memset(out, 0, sizeof(out[0]) * n);
	if (ncpu <= 0)
		return -EINVAL;
	v = calloc(ncpu, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		if (bpf_map_lookup_elem(fd, &i, v))
			continue;
		for (c = 0; c < ncpu; c++)
			out[i] += v[c];
	}
	free(v);
	return 0;
}

int tapio_probe_counters(struct bpf_object *obj, __u64 out[TAPIO_PCNT_MAX])
{
	struct bpf_map *m = bpf_object__find_map_by_name(obj, "tapio_pcnt");

	if (!m) {
		memset(out, 0, sizeof(out[0]) * TAPIO_PCNT_MAX);
		return -ENOENT;
	}
	return tapio_percpu_array_sum(bpf_map__fd(m), out, TAPIO_PCNT_MAX);
}

__u64 tapio_probe_kernel_misses(struct bpf_object *obj)
{
	struct bpf_program *p;
	__u64 sum = 0;

	bpf_object__for_each_program(p, obj)
	{
		struct bpf_prog_info info = {0};
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(p);

		if (fd >= 0 && !bpf_obj_get_info_by_fd(fd, &info, &len))
			sum += info.recursion_misses;
	}
	return sum;
}

void tapio_u64s_add(void *dst, const void *src, size_t size, int sign)
{
	const __u64 *s = src;
	__u64 *d = dst;
	size_t i;

	for (i = 0; i < size / sizeof(__u64); i++)
		d[i] += sign * s[i];
}

int tapio_percpu_hash_sum(int fd, void *rows, size_t row_size, size_t max,
			  size_t key_size, size_t val_off, size_t val_size)
{
	int ncpu = libbpf_num_possible_cpus(), c;
	char key[64], next[64];
	void *prev = NULL;
	__u8 *v;
	size_t n = 0;

	if (ncpu <= 0 || key_size > sizeof(key))
		return -EINVAL;
	v = calloc(ncpu, val_size);
	if (!v)
		return -ENOMEM;
	while (n < max && !bpf_map_get_next_key(fd, prev, next)) {
		__u8 *row = (__u8 *)rows + n * row_size;

		memcpy(key, next, key_size);
		prev = key;
		if (bpf_map_lookup_elem(fd, key, v))
			continue; /* deleted since: nothing to sum */
		memset(row, 0, row_size);
		memcpy(row, key, key_size);
		for (c = 0; c < ncpu; c++)
			tapio_u64s_add(row + val_off, v + (size_t)c * val_size,
				       val_size, 1);
		n++;
	}
	free(v);
	return (int)n;
}

static int parse_u64(const char *s, __u64 *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end || *s == '-')
		return -EINVAL;
	*out = v;
	return 0;
}

int tapio_parse_pid(const char *s, __u64 *out)
{
	if (parse_u64(s, out) || *out == 0 || *out > INT_MAX)
		return -EINVAL;
	return 0;
}

/* A cgroup v2 directory's inode number is the id bpf_get_current_cgroup_id
 * returns; a path is taken as given, else under the cgroup2 mount (not
 * always /sys/fs/cgroup: /sys/fs/cgroup/unified on hybrid hosts). */
int tapio_parse_cgroup(const char *s, __u64 *out)
{
	char path[PATH_MAX], mnt[512] = "/sys/fs/cgroup";
	struct statfs sfs;
	struct stat st;

	if (!parse_u64(s, out))
		return 0;
	snprintf(path, sizeof(path), "%s", s);
	if (stat(path, &st)) {
		tapio_mount_of_type("cgroup2", mnt, sizeof(mnt));
		snprintf(path, sizeof(path), "%s/%s", mnt, s);
	}
	if (stat(path, &st) || !S_ISDIR(st.st_mode))
		return -ENOENT;
	if (statfs(path, &sfs) || sfs.f_type != CGROUP2_SUPER_MAGIC)
		return -ENOTDIR;
	*out = st.st_ino;
	return 0;
}

const char *tapio_parse_value_error(int err)
{
	switch (err) {
	case -ENOENT:
		return "not found";
	case -ENOTDIR:
		return "not a cgroup v2 directory";
	case -ERANGE:
		return "out of range";
	default:
		return "not a valid value";
	}
}

int tapio_parse_blockdev(const char *s, __u64 *out)
{
	char path[PATH_MAX], buf[32];
	unsigned int ma, mi;
	const char *name = s;
	FILE *f;
	int n;

	if (sscanf(s, "%u:%u%n", &ma, &mi, &n) == 2 && !s[n])
		goto done;
	if (!strncmp(name, "/dev/", 5))
		name += 5;
	if (strchr(name, '/'))
		return -EINVAL;
	snprintf(path, sizeof(path), "/sys/class/block/%s/dev", name);
	f = fopen(path, "r");
	if (!f)
		return -ENOENT;
	n = fgets(buf, sizeof(buf), f) && sscanf(buf, "%u:%u", &ma, &mi) == 2;
	fclose(f);
	if (!n)
		return -EINVAL;
done:
	if (ma >= 1U << 12 || mi >= 1U << 20)
		return -ERANGE;
	*out = TAPIO_KDEV(ma, mi);
	return 0;
}

void tapio_dev_name(__u32 kdev, char *buf, size_t len)
{
	char path[64], target[PATH_MAX];
	const char *base;
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u",
		 TAPIO_KDEV_MAJOR(kdev), TAPIO_KDEV_MINOR(kdev));
	n = readlink(path, target, sizeof(target) - 1);
	if (n > 0) {
		target[n] = 0;
		base = strrchr(target, '/');
		snprintf(buf, len, "%s", base ? base + 1 : target);
		return;
	}
	snprintf(buf, len, "%u:%u", TAPIO_KDEV_MAJOR(kdev),
		 TAPIO_KDEV_MINOR(kdev));
}

int tapio_probe_limit_set(struct bpf_object *obj, __u64 rate, __u64 burst)
{
	struct bpf_map *m = bpf_object__find_map_by_name(obj, "tapio_plimit");
	struct tapio_rate_limit l = {};
	__u32 zero = 0;
	int fd;

	if (!m)
		return -ENOENT;
	fd = bpf_map__fd(m);
	/* the arrival time is the programs': kept as they left it */
	bpf_map_lookup_elem(fd, &zero, &l);
	l.interval_ns = rate ? 1000000000ULL / rate : 0;
	l.tolerance_ns = rate && burst ? l.interval_ns * (burst - 1) : 0;
	return bpf_map_update_elem(fd, &zero, &l, 0) ? -errno : 0;
}

int tapio_probe_sampling_set(struct bpf_object *obj, __u32 n)
{
	struct bpf_map *m = bpf_object__find_map_by_name(obj, "tapio_psample");
	struct tapio_sampling v = {.n = n};
	__u32 zero = 0;

	if (!m)
		return -ENOENT;
	return bpf_map_update_elem(bpf_map__fd(m), &zero, &v, 0) ? -errno : 0;
}

int tapio_ring_read(struct ring_buffer *rb, int timeout_ms)
{
	int n = ring_buffer__poll(rb, timeout_ms);

	/* the probes wake the reader per 64 KiB (tapio_wake_bytes): what
	 * came since is read when the wait times out, not left for the
	 * next wakeup, which a quiet host may never give */
	return n ? n : ring_buffer__consume(rb);
}
