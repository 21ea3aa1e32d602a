// SPDX-License-Identifier: GPL-2.0
/* Kernel feature probes: each loads or attaches the smallest program that
 * proves a capability, on objects it creates and removes itself. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/vfs.h>
#include <linux/if_link.h>
#include <linux/magic.h>
#include <linux/perf_event.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include <xdp/libxdp.h>

#include "lib/features.h"
#include "lib/loader.h"
#include "lib/parse.h"
#include "lib/log.h"
#include "lib/netlink_link.h"
#include "tapio_xdp.skel.h"

#ifndef AF_XDP
#define AF_XDP 44
#endif

#define TRACEFS	  "/sys/kernel/tracing"
#define TEST_TP	  "sched_process_exec"
#define TEST_FUNC "vfs_read"

#define probe tapio_feature

/* r0 = @ret; exit */
static int load_trivial(enum bpf_prog_type type, int ret,
			struct bpf_prog_load_opts *opts)
{
	struct bpf_insn insns[] = {
		{.code = BPF_ALU64 | BPF_MOV | BPF_K,
		 .dst_reg = BPF_REG_0,
		 .imm = ret},
		{.code = BPF_JMP | BPF_EXIT},
	};

	return bpf_prog_load(type, NULL, "GPL", insns, 2, opts);
}

static void set(struct probe *p, int ok, const char *use, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void set(struct probe *p, int ok, const char *use, const char *fmt, ...)
{
	va_list ap;

	p->ok = ok;
	p->use = use;
	va_start(ap, fmt);
	vsnprintf(p->detail, sizeof(p->detail), fmt, ap);
	va_end(ap);
}

static void probe_btf(struct probe *p)
{
	struct btf *btf = btf__load_vmlinux_btf();

	if (!btf) {
		set(p, 0, "-",
		    "no /sys/kernel/btf/vmlinux: %s "
		    "(CONFIG_DEBUG_INFO_BTF off?)",
		    strerror(errno));
		return;
	}
	set(p, 1, "CO-RE, tp_btf", "%u types in vmlinux BTF",
	    btf__type_cnt(btf));
	btf__free(btf);
}

static void probe_jit(struct probe *p)
{
	char v[8] = "";
	int fd = open("/proc/sys/net/core/bpf_jit_enable", O_RDONLY);

	if (fd < 0 || read(fd, v, sizeof(v) - 1) <= 0) {
		set(p, 0, "-", "cannot read bpf_jit_enable");
	} else if (v[0] == '0') {
		set(p, 0, "-",
		    "bpf_jit_enable=0: programs run interpreted "
		    "(sysctl net.core.bpf_jit_enable=1)");
	} else {
		set(p, 1, "yes", "bpf_jit_enable=%c", v[0]);
	}
	if (fd >= 0)
		close(fd);
}

static void probe_fs(struct probe *p, const char *path, long magic,
		     const char *use)
{
	struct statfs st;

	if (!statfs(path, &st) && st.f_type == magic)
		set(p, 1, use, "mounted on %s", path);
	else
		set(p, 0, use, "not mounted on %s; tapio mounts it when needed",
		    path);
}

/* libxdp's compatibility check says why the kernel refused the
 * dispatcher (it refuses freplace where trampolines are not built) */
static char libxdp_said[160];

static int libxdp_print(enum libxdp_print_level level, const char *fmt,
			va_list ap)
{
	char line[sizeof(libxdp_said)];
	const char *why;

	(void)level;
	vsnprintf(line, sizeof(line), fmt, ap);
	why = strstr(line, "ompatibility check");
	why = why ? strstr(why, "failed: ") : NULL;
	if (why) {
		snprintf(libxdp_said, sizeof(libxdp_said), "%s", why + 8);
		libxdp_said[strcspn(libxdp_said, "\n")] = 0;
	}
	return 0;
}

/* Several XDP programs on one device (libxdp's dispatcher, as xdp-tools
 * use it): a program attached through libxdp, and whether libxdp had to
 * fall back to attaching it alone. */
static void probe_multiprog(struct probe *p, int ifindex)
{
	struct xdp_multiprog *mp = NULL;
	struct xdp_program *prog = NULL;
	libxdp_print_fn_t old = libxdp_set_print(libxdp_print);
	/* libbpf would print the refused load libxdp tries on purpose */
	libbpf_print_fn_t old_bpf = libbpf_set_print(NULL);
	struct tapio_xdp *skel = tapio_xdp__open();
	char eb[TAPIO_ERRBUF];
	int err = skel ? 0 : -errno;

	libxdp_said[0] = 0;
	if (!err) {
		/* small maps: only the program matters */
		bpf_map__set_max_entries(skel->maps.tapio_flows, 16);
		bpf_map__set_max_entries(skel->maps.tapio_flows_alt, 16);
		prog = xdp_program__from_bpf_obj(skel->obj, "xdp");
		err = libxdp_get_error(prog);
	}
	if (!err)
		err = xdp_program__attach(prog, ifindex, XDP_MODE_NATIVE, 0);
	if (!err) {
		mp = xdp_multiprog__get_from_ifindex(ifindex);
		err = libxdp_get_error(mp);
	}
	if (err)
		set(p, 0, "-", "libxdp attach on veth: %s",
		    tapio_strerror(err, eb, sizeof(eb)));
	else if (xdp_multiprog__is_legacy(mp))
		set(p, 0, "-",
		    "libxdp: one program only (dispatcher: %s); --hook tc "
		    "beside another tool's XDP",
		    libxdp_said[0] ? libxdp_said : "refused");
	else
		set(p, 1, "-",
		    "libxdp dispatcher loads; tapio does not use it yet: "
		    "--hook tc beside another tool's XDP");
	if (!err)
		xdp_program__detach(prog, ifindex, XDP_MODE_NATIVE, 0);
	if (mp && !libxdp_get_error(mp))
		xdp_multiprog__close(mp);
	if (prog && !libxdp_get_error(prog))
		xdp_program__close(prog);
	tapio_xdp__destroy(skel);
	libxdp_set_print(old);
	libbpf_set_print(old_bpf);
}

static void probe_xdp_tc(struct probe *native, struct probe *generic,
			 struct probe *tc, struct probe *tcx,
			 struct probe *multiprog)
{
	LIBBPF_OPTS(bpf_link_create_opts, lo);
	char a[IFNAMSIZ], b[IFNAMSIZ], eb[TAPIO_ERRBUF];
	int prog, link, err, ifindex;

	snprintf(a, sizeof(a), "tapdr%d", getpid() % 100000);
	snprintf(b, sizeof(b), "tapdp%d", getpid() % 100000);
	err = tapio_veth_create(a, b);
	if (err) {
		tapio_strerror(err, eb, sizeof(eb));
		set(native, 0, "-", "cannot create test veth %s: %s", a, eb);
		set(generic, 0, "-", "cannot create test veth %s: %s", a, eb);
		set(tc, 0, "-", "cannot create test veth %s: %s", a, eb);
		set(tcx, 0, "-", "cannot create test veth %s: %s", a, eb);
		set(multiprog, 0, "-", "cannot create test veth %s: %s", a, eb);
		return;
	}
	ifindex = (int)if_nametoindex(a);

	prog = load_trivial(BPF_PROG_TYPE_XDP, 2 /* XDP_PASS */, NULL);
	if (prog < 0) {
		tapio_strerror(-errno, eb, sizeof(eb));
		set(native, 0, "-", "cannot load an XDP program: %s", eb);
		set(generic, 0, "-", "cannot load an XDP program: %s", eb);
	} else {
		lo.flags = XDP_FLAGS_DRV_MODE;
		link = bpf_link_create(prog, ifindex, BPF_XDP, &lo);
		if (link >= 0) {
			set(native, 1, "attach --mode auto",
			    "bpf_link in driver mode on veth");
			close(link);
		} else {
			set(native, 0, "-", "driver mode on veth: %s",
			    tapio_strerror(-errno, eb, sizeof(eb)));
		}
		lo.flags = XDP_FLAGS_SKB_MODE;
		link = bpf_link_create(prog, ifindex, BPF_XDP, &lo);
		if (link >= 0) {
			set(generic, 1, native->ok ? "fallback" : "attach",
			    "bpf_link in skb mode on veth");
			close(link);
		} else {
			set(generic, 0, "-", "skb mode on veth: %s",
			    tapio_strerror(-errno, eb, sizeof(eb)));
		}
		close(prog);
	}

	prog = load_trivial(BPF_PROG_TYPE_SCHED_CLS, 0 /* TC_ACT_OK */, NULL);
	if (prog < 0) {
		set(tc, 0, "-", "cannot load a classifier: %s",
		    tapio_strerror(-errno, eb, sizeof(eb)));
	} else {
		DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
				    .attach_point = BPF_TC_EGRESS);
		DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = 1,
				    .priority = 1, .prog_fd = prog);

		err = bpf_tc_hook_create(&hook);
		if (!err || err == -EEXIST)
			err = bpf_tc_attach(&hook, &opts);
		if (err)
			set(tc, 0, "-", "clsact egress filter: %s",
			    tapio_strerror(err, eb, sizeof(eb)));
		else
			set(tc, 1, "egress accounting",
			    "cls_bpf on clsact egress");
		lo.flags = TAPIO_BPF_F_BEFORE;
		link = bpf_link_create(prog, ifindex, TAPIO_BPF_TCX_EGRESS,
				       &lo);
		if (link >= 0) {
			set(tcx, 1, "tc_api auto",
			    "tcx link, first on egress (kernel 6.6+)");
			close(link);
		} else {
			set(tcx, 0, "-", "tcx link: %s (before 6.6): cls_bpf",
			    tapio_strerror(-errno, eb, sizeof(eb)));
		}
		close(prog);
	}
	probe_multiprog(multiprog, ifindex);
	err = tapio_link_delete(a);
	if (err)
		pr_warn("cannot delete test veth %s: %s", a,
			tapio_strerror(err, eb, sizeof(eb)));
}

static void probe_af_xdp(struct probe *p)
{
	int fd = socket(AF_XDP, SOCK_RAW, 0);

	if (fd < 0) {
		set(p, 0, "-", "socket(AF_XDP): %s (CONFIG_XDP_SOCKETS off?)",
		    strerror(errno));
		return;
	}
	close(fd);
	set(p, 1, "pollers",
	    "sockets available; zero-copy depends on the "
	    "driver (veth: copy mode)");
}

static void probe_map(struct probe *p, enum bpf_map_type type, const char *use)
{
	int r = libbpf_probe_bpf_map_type(type, NULL);

	if (r == 1)
		set(p, 1, use, "map type supported");
	else
		set(p, 0, "-", "map type not supported");
}

static void probe_batch(struct probe *p)
{
	LIBBPF_OPTS(bpf_map_batch_opts, bo);
	__u64 keys[4], vals[4 * 512];
	__u32 count = 4, out;
	int fd, err;

	fd = bpf_map_create(BPF_MAP_TYPE_PERCPU_HASH, "tapio_probe", 8, 8, 4,
			    NULL);
	if (fd < 0) {
		set(p, 0, "key walk", "cannot create a per-CPU hash: %s",
		    strerror(errno));
		return;
	}
	if (libbpf_num_possible_cpus() > 512) {
		close(fd);
		set(p, 0, "key walk", "too many CPUs to probe");
		return;
	}
	err = bpf_map_lookup_batch(fd, NULL, &out, keys, vals, &count, &bo);
	if (!err || errno == ENOENT)
		set(p, 1, "flow reads", "bpf_map_lookup_batch on per-CPU hash");
	else
		set(p, 0, "key walk", "lookup_batch: %s", strerror(errno));
	close(fd);
}

static int tracing_prog(enum bpf_attach_type at, const char *btf_name,
			__u32 kind, char *why, size_t len)
{
	LIBBPF_OPTS(bpf_prog_load_opts, po);
	struct btf *btf = btf__load_vmlinux_btf();
	int id, fd;

	if (!btf) {
		snprintf(why, len, "no vmlinux BTF");
		return -ENOENT;
	}
	id = btf__find_by_name_kind(btf, btf_name, kind);
	btf__free(btf);
	if (id < 0) {
		snprintf(why, len, "%s not in vmlinux BTF", btf_name);
		return -ENOENT;
	}
	po.expected_attach_type = at;
	po.attach_btf_id = (__u32)id;
	fd = load_trivial(BPF_PROG_TYPE_TRACING, 0, &po);
	if (fd < 0)
		snprintf(why, len, "load refused: %s", strerror(errno));
	return fd;
}

static int attach_raw(int prog, const char *tp, char *why, size_t len)
{
	int fd = bpf_raw_tracepoint_open(tp, prog);

	if (fd < 0) {
		snprintf(why, len, "attach refused: %s", strerror(errno));
		return -1;
	}
	close(fd);
	return 0;
}

static void probe_tp_btf(struct probe *p)
{
	char why[128] = "";
	int fd;

	fd = tracing_prog(BPF_TRACE_RAW_TP, "btf_trace_" TEST_TP,
			  BTF_KIND_TYPEDEF, why, sizeof(why));
	if (fd >= 0 && !attach_raw(fd, NULL, why, sizeof(why)))
		set(p, 1, "probes (1st choice)", "attached to %s", TEST_TP);
	else
		set(p, 0, "-", "%s", why);
	if (fd >= 0)
		close(fd);
}

static void probe_fentry(struct probe *p)
{
	char why[128] = "";
	int fd;

	fd = tracing_prog(BPF_TRACE_FENTRY, TEST_FUNC, BTF_KIND_FUNC, why,
			  sizeof(why));
	if (fd >= 0 && !attach_raw(fd, NULL, why, sizeof(why)))
		set(p, 1, "optional extras", "attached to %s", TEST_FUNC);
	else
		set(p, 0, "not needed", "%s", why);
	if (fd >= 0)
		close(fd);
}

static void probe_raw_tp(struct probe *p)
{
	char why[128] = "";
	int fd;

	fd = load_trivial(BPF_PROG_TYPE_RAW_TRACEPOINT, 0, NULL);
	if (fd < 0) {
		set(p, 0, "-", "load refused: %s", strerror(errno));
		return;
	}
	if (!attach_raw(fd, TEST_TP, why, sizeof(why)))
		set(p, 1, "probes (2nd choice)", "attached to %s", TEST_TP);
	else
		set(p, 0, "-", "%s", why);
	close(fd);
}

static int perf_event_open(struct perf_event_attr *attr)
{
	return (int)syscall(__NR_perf_event_open, attr, -1, 0, -1,
			    PERF_FLAG_FD_CLOEXEC);
}

static int read_int_file(const char *path, long *v)
{
	char buf[32] = "";
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	*v = strtol(buf, NULL, 10);
	return 0;
}

static void probe_classic_tp(struct probe *p)
{
	struct perf_event_attr attr = {};
	struct statfs st;
	int prog, pfd;
	long id;

	if (statfs(TRACEFS, &st) || st.f_type != TRACEFS_MAGIC) {
		if (mount("tracefs", TRACEFS, "tracefs", 0, NULL)) {
			set(p, 0, "-",
			    "tracefs not mounted and mount failed: "
			    "%s",
			    strerror(errno));
			return;
		}
	}
	if (read_int_file(TRACEFS "/events/sched/" TEST_TP "/id", &id)) {
		set(p, 0, "-", "no tracefs id for sched/%s", TEST_TP);
		return;
	}
	prog = load_trivial(BPF_PROG_TYPE_TRACEPOINT, 0, NULL);
	if (prog < 0) {
		set(p, 0, "-", "load refused: %s", strerror(errno));
		return;
	}
	attr.type = PERF_TYPE_TRACEPOINT;
	attr.size = sizeof(attr);
	attr.config = (__u64)id;
	attr.sample_period = 1;
	attr.wakeup_events = 1;
	pfd = perf_event_open(&attr);
	if (pfd < 0)
		set(p, 0, "-", "perf_event_open: %s", strerror(errno));
	else if (ioctl(pfd, PERF_EVENT_IOC_SET_BPF, prog))
		set(p, 0, "-", "PERF_EVENT_IOC_SET_BPF: %s", strerror(errno));
	else
		set(p, 1, "probes (3rd choice)", "attached to sched/%s",
		    TEST_TP);
	if (pfd >= 0)
		close(pfd);
	close(prog);
}

static void probe_kprobe(struct probe *p)
{
	long type;

	if (read_int_file("/sys/bus/event_source/devices/kprobe/type", &type)) {
		set(p, 0, "not needed",
		    "no kprobe PMU (kernel built without "
		    "CONFIG_KPROBES)");
		return;
	}
	set(p, 1, "optional extras", "kprobe PMU type %ld", type);
}

static void probe_stats(struct probe *p)
{
	int fd = bpf_enable_stats(BPF_STATS_RUN_TIME);

	if (fd < 0) {
		set(p, 0, "-", "BPF_ENABLE_STATS: %s", strerror(errno));
		return;
	}
	close(fd);
	set(p, 1, "per-program run time", "BPF_ENABLE_STATS(run_time)");
}

enum tapio_tp_method tapio_probe_tp_method(void)
{
	struct probe p = {};
	const char *force = getenv("TAPIO_TP_METHOD");

	if (force && !strcmp(force, "raw_tp"))
		return TAPIO_TP_RAW;
	if (force && !strcmp(force, "tp"))
		return TAPIO_TP_CLASSIC;
	probe_tp_btf(&p);
	if (p.ok)
		return TAPIO_TP_BTF;
	probe_raw_tp(&p);
	if (p.ok)
		return TAPIO_TP_RAW;
	probe_classic_tp(&p);
	return p.ok ? TAPIO_TP_CLASSIC : TAPIO_TP_NONE;
}

static const char *const feature_names[TAPIO_FEAT_COUNT] = {
	"bpf-privileges", "btf",       "jit",
	"bpffs",	  "tracefs",   "xdp-native",
	"xdp-generic",	  "tc-clsact", "tcx",
	"xdp-multiprog",  "af-xdp",    "ringbuf",
	"map-batch-ops",  "tp_btf",    "raw_tp",
	"tracepoint",	  "fentry",    "kprobe",
	"bpf-stats",
};

void tapio_features_probe(struct tapio_feature pr[TAPIO_FEAT_COUNT])
{
	int i;

	for (i = 0; i < TAPIO_FEAT_COUNT; i++)
		pr[i].name = feature_names[i];
	set(&pr[TAPIO_FEAT_BPF_PRIVILEGES], 1, "yes",
	    "CAP_BPF/CAP_SYS_ADMIN and CAP_NET_ADMIN held");
	probe_btf(&pr[TAPIO_FEAT_BTF]);
	probe_jit(&pr[TAPIO_FEAT_JIT]);
	probe_fs(&pr[TAPIO_FEAT_BPFFS], "/sys/fs/bpf", BPF_FS_MAGIC, "pins");
	probe_fs(&pr[TAPIO_FEAT_TRACEFS], TRACEFS, TRACEFS_MAGIC,
		 "classic tracepoints");
	probe_xdp_tc(&pr[TAPIO_FEAT_XDP_NATIVE], &pr[TAPIO_FEAT_XDP_GENERIC],
		     &pr[TAPIO_FEAT_TC_CLSACT], &pr[TAPIO_FEAT_TCX],
		     &pr[TAPIO_FEAT_XDP_MULTIPROG]);
	probe_af_xdp(&pr[TAPIO_FEAT_AF_XDP]);
	probe_map(&pr[TAPIO_FEAT_RINGBUF], BPF_MAP_TYPE_RINGBUF, "exec events");
	probe_batch(&pr[TAPIO_FEAT_MAP_BATCH_OPS]);
	probe_tp_btf(&pr[TAPIO_FEAT_TP_BTF]);
	probe_raw_tp(&pr[TAPIO_FEAT_RAW_TP]);
	probe_classic_tp(&pr[TAPIO_FEAT_TRACEPOINT]);
	probe_fentry(&pr[TAPIO_FEAT_FENTRY]);
	probe_kprobe(&pr[TAPIO_FEAT_KPROBE]);
	probe_stats(&pr[TAPIO_FEAT_BPF_STATS]);
}
