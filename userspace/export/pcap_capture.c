// SPDX-License-Identifier: GPL-2.0
/* Copy-and-pass capture: sets the filter in tapio_config, consumes the
 * tapio_capture ring buffer and writes pcap files with libpcap.  Frames the
 * ring had no room for are counted by the program and reported here. */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
/* classic BPF's struct bpf_insn would clash with linux/bpf.h */
#define PCAP_DONT_INCLUDE_PCAP_BPF_H
#include <pcap/pcap.h>
#include <pcap/dlt.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "lib/bpffs.h"
#include "export/pcap_capture.h"
#include "lib/capture_filter.h"
#include "lib/parse.h"
#include "lib/privileges.h"
#include "lib/config_map.h"
#include "lib/flow_dump.h"
#include "lib/flow_format.h"
#include "lib/loader.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "lib/outfile.h"
#include "tapio/capture.h"

#define MAX_QUEUES 64

int tapio_capture_file_name(char *buf, size_t len, const char *base, int queue,
			    unsigned int index)
{
	const char *ext = strrchr(base, '.');
	char tag[32] = "";
	size_t stem;
	int n;

	if (!ext || strchr(ext, '/'))
		ext = base + strlen(base);
	stem = (size_t)(ext - base);
	if (queue >= 0)
		snprintf(tag, sizeof(tag), ".q%d", queue);
	if (index)
		snprintf(tag + strlen(tag), sizeof(tag) - strlen(tag), ".%u",
			 index);
	n = snprintf(buf, len, "%.*s%s%s", (int)stem, base, tag, ext);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

struct sink {
	pcap_dumper_t *d;
	unsigned int index; /* rotation */
};

struct capture_ctx {
	const struct tapio_capture_opts *o;
	pcap_t *pcap;
	struct sink sinks[MAX_QUEUES + 1];
	__s64 mono_to_real;
	__u64 written, after_count, malformed, write_errors;
	volatile sig_atomic_t *stop;
};

static volatile sig_atomic_t capture_stop;

static void on_signal(int sig)
{
	(void)sig;
	capture_stop = 1;
}

static int open_sink(struct capture_ctx *c, int queue)
{
	struct sink *s = &c->sinks[queue < 0 ? MAX_QUEUES : queue];
	char name[512];
	FILE *fp;
	int fd;

	if (tapio_capture_file_name(name, sizeof(name), c->o->file, queue,
				    s->index))
		return -ENAMETOOLONG;
	/* not pcap_dump_open(): it follows a link planted at the name */
	fd = tapio_open_output(name, 0, true);
	if (fd < 0)
		return fd;
	fp = fdopen(fd, "wb");
	if (!fp) {
		close(fd);
		return -ENOMEM;
	}
	s->d = pcap_dump_fopen(c->pcap, fp);
	if (!s->d) {
		pr_err("cannot write %s: %s", name, pcap_geterr(c->pcap));
		fclose(fp);
		return -EIO;
	}
	return 0;
}

/* Per-queue files are made as frames come: their directory must take them */
static int check_dir(const char *file)
{
	char dir[512];
	const char *slash = strrchr(file, '/');
	int n;

	n = slash ? snprintf(dir, sizeof(dir), "%.*s",
			     (int)(slash == file ? 1 : slash - file), file)
		  : snprintf(dir, sizeof(dir), ".");
	if (n < 0 || (size_t)n >= sizeof(dir))
		return -ENAMETOOLONG;
	if (access(dir, W_OK | X_OK)) {
		n = -errno;
		pr_err("cannot write files in %s: %s", dir, strerror(-n));
		return n;
	}
	return 0;
}

static int on_frame(void *arg, void *data, size_t size)
{
	struct capture_ctx *c = arg;
	const struct tapio_capture_hdr *h = data;
	int queue = c->o->per_queue ? (int)(h->queue % MAX_QUEUES) : -1;
	struct sink *s = &c->sinks[queue < 0 ? MAX_QUEUES : queue];
	struct pcap_pkthdr ph;
	__s64 t;

	if (size < sizeof(*h) || h->caplen > size - sizeof(*h)) {
		c->malformed++;
		return 0;
	}
	if (c->o->count && c->written >= c->o->count) {
		c->after_count++;
		return 0;
	}
	if (s->d && c->o->rotate_mb &&
	    pcap_dump_ftell64(s->d) >= (__s64)c->o->rotate_mb << 20) {
		pcap_dump_close(s->d);
		s->d = NULL;
		s->index++;
	}
	if (!s->d && open_sink(c, queue)) {
		c->write_errors++;
		return 0;
	}
	t = (__s64)h->ts_ns + c->mono_to_real;
	ph.ts.tv_sec = t / 1000000000LL;
	ph.ts.tv_usec = t % 1000000000LL; /* nanoseconds: see pcap_open */
	ph.caplen = h->caplen;
	ph.len = h->len;
	pcap_dump((u_char *)s->d, &ph, (const u_char *)(h + 1));
	c->written++;
	if (c->o->count && c->written >= c->o->count)
		*c->stop = 1;
	return 0;
}

/* Filter and snaplen first, the switch last: a program that sees capture
 * on sees the settings that go with it. */
static int set_capture(struct tapio_config *cfg,
		       const struct tapio_capture_opts *o,
		       const struct tapio_capture_filter *f, int on)
{
	if (!on) {
		__atomic_store_n(&cfg->capture, 0, __ATOMIC_RELEASE);
		return 0;
	}
	if (__atomic_load_n(&cfg->capture, __ATOMIC_ACQUIRE)) {
		pr_err("a capture is already running on %s", o->dev);
		return -EBUSY;
	}
	cfg->snaplen = o->snaplen;
	cfg->filter = *f;
	__atomic_store_n(&cfg->capture, 1, __ATOMIC_RELEASE);
	return 0;
}

static __u64 counter(int fd, int id)
{
	struct tapio_dir_counters cnt[TAPIO_DIR_MAX];

	return tapio_counters_read(fd, cnt) ? 0 : cnt[TAPIO_DIR_INGRESS].c[id];
}

int tapio_capture(const struct tapio_capture_opts *o)
{
	struct tapio_attach_opts ao = {.dev = o->dev,
				       .hook = TAPIO_HOOK_XDP,
				       .egress = true,
				       .transient = true,
				       .max_flows = TAPIO_DEFAULT_MAX_FLOWS};
	struct capture_ctx c = {.o = o, .stop = &capture_stop};
	struct sigaction sa = {.sa_handler = on_signal};
	struct tapio_capture_filter f;
	struct ring_buffer *rb = NULL;
	int cfg_fd = -1, ring_fd = -1, cnt_fd = -1, err, i, raw_ip;
	struct tapio_config *cfg = NULL;
	bool attached = false, on = false;
	__u64 full0, full1, errs0, errs1, deadline;
	char eb[TAPIO_ERRBUF];

	err = tapio_capture_filter_parse(o->filter, &f);
	if (err)
		return err;
	err = tapio_check_privileges("capture");
	if (err)
		return err;
	tapio_info_fp = stderr;
	/* the file first: a capture that cannot write must not attach */
	raw_ip = tapio_link_raw_ip(o->dev);
	if (raw_ip < 0)
		return raw_ip;
	c.pcap = pcap_open_dead_with_tstamp_precision(
		raw_ip ? DLT_RAW : DLT_EN10MB, (int)o->snaplen,
		PCAP_TSTAMP_PRECISION_NANO);
	if (!c.pcap)
		return -ENOMEM;
	err = o->per_queue ? check_dir(o->file) : open_sink(&c, -1);
	if (err)
		goto out;
	err = tapio_attach_if_needed(&ao, &attached);
	if (err)
		goto out;
	cfg_fd = tapio_open_pinned_map(o->dev, TAPIO_PIN_CONFIG);
	ring_fd = tapio_open_pinned_map(o->dev, TAPIO_PIN_CAPTURE);
	cnt_fd = tapio_open_pinned_map(o->dev, TAPIO_PIN_COUNTERS);
	if (cfg_fd < 0 || ring_fd < 0 || cnt_fd < 0) {
		err = -ENOENT;
		goto out;
	}
	cfg = tapio_config_map(cfg_fd);
	if (!cfg) {
		err = -errno;
		pr_err("cannot map tapio_config of %s: %s", o->dev,
		       strerror(errno));
		goto out;
	}
	rb = ring_buffer__new(ring_fd, on_frame, &c, NULL);
	if (!rb) {
		err = -errno;
		pr_err("cannot read the capture ring of %s: %s", o->dev,
		       tapio_strerror(err, eb, sizeof(eb)));
		goto out;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	full0 = counter(cnt_fd, TAPIO_CNT_CAPTURE_RING_FULL);
	errs0 = counter(cnt_fd, TAPIO_CNT_CAPTURE_ERROR);
	c.mono_to_real = tapio_mono_to_real_ns();
	err = set_capture(cfg, o, &f, 1);
	if (err)
		goto out;
	on = true;
	fprintf(stderr, "capturing on %s (%s), snaplen %u, to %s\n", o->dev,
		o->filter ? o->filter : "all frames", o->snaplen, o->file);

	deadline = o->duration_ns ? tapio_mono_ns() + o->duration_ns : 0;
	while (!capture_stop && (!deadline || tapio_mono_ns() < deadline)) {
		err = ring_buffer__poll(rb, 100);
		if (err < 0 && err != -EINTR) {
			pr_err("reading the capture ring failed: %s",
			       tapio_strerror(err, eb, sizeof(eb)));
			break;
		}
		err = 0;
	}
	/* stop copying, then take what is still in the ring */
	set_capture(cfg, o, &f, 0);
	on = false;
	ring_buffer__consume(rb);
	full1 = counter(cnt_fd, TAPIO_CNT_CAPTURE_RING_FULL);
	errs1 = counter(cnt_fd, TAPIO_CNT_CAPTURE_ERROR);
	fprintf(stderr,
		"captured %llu frames; lost %llu (capture ring full), %llu "
		"(copy failed), %llu (malformed record); %llu more matched "
		"after --count; %llu write errors\n",
		(unsigned long long)c.written,
		(unsigned long long)(full1 - full0),
		(unsigned long long)(errs1 - errs0),
		(unsigned long long)c.malformed,
		(unsigned long long)c.after_count,
		(unsigned long long)c.write_errors);
out:
	if (on)
		set_capture(cfg, o, &f, 0);
	tapio_config_unmap(cfg);
	ring_buffer__free(rb);
	for (i = 0; i <= MAX_QUEUES; i++)
		if (c.sinks[i].d)
			pcap_dump_close(c.sinks[i].d);
	if (c.pcap)
		pcap_close(c.pcap);
	if (cfg_fd >= 0)
		close(cfg_fd);
	if (ring_fd >= 0)
		close(ring_fd);
	if (cnt_fd >= 0)
		close(cnt_fd);
	if (attached)
		tapio_detach(o->dev, false);
	return err;
}
