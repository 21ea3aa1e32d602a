// SPDX-License-Identifier: GPL-2.0
/* libFuzzer, differential: each input goes through the real tapio_xdp
 * (BPF_PROG_TEST_RUN) and through the same parser built for userspace;
 * the kernel must count it under the same reason, or key the same flow.
 * Needs root (BPF); tests/fuzz/run.sh skips it otherwise. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "flow_parse.h"
#include "lib/flow_dump.h"
#include "tapio_xdp.skel.h"

static struct tapio_xdp *xdp;
static int prog_fd, flows_fd, cnt_fd;

static void die(const char *what)
{
	fprintf(stderr, "fuzz_xdp_parse: cannot %s: %s\n", what,
		strerror(errno));
	exit(1);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	libbpf_set_print(NULL);
	xdp = tapio_xdp__open();
	if (!xdp)
		die("open tapio_xdp");
	bpf_map__set_max_entries(xdp->maps.tapio_flows, 4);
	if (tapio_xdp__load(xdp))
		die("load tapio_xdp");
	prog_fd = bpf_program__fd(xdp->progs.tapio_xdp);
	flows_fd = bpf_map__fd(xdp->maps.tapio_flows);
	cnt_fd = bpf_map__fd(xdp->maps.tapio_counters);
	return 0;
}

static void ingress(struct tapio_dir_counters *c)
{
	struct tapio_dir_counters all[TAPIO_DIR_MAX];

	if (tapio_counters_read(cnt_fd, all))
		die("read tapio_counters");
	*c = all[TAPIO_DIR_INGRESS];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .repeat = 1);
	struct tapio_dir_counters before, after;
	struct tapio_flow_key uk, kk;
	struct tapio_parse_result r;
	uint8_t frame[3072];
	int reason, c;

	/* XDP test runs take an Ethernet header and at most about a page */
	if (size < ETH_HLEN || size > sizeof(frame))
		return 0;
	memcpy(frame, data, size);
	memset(&uk, 0, sizeof(uk));
	reason = tapio_parse_frame(frame, frame + size, (__u32)size, 0, 0, &uk,
				   &r);

	ingress(&before);
	o.data_in = frame;
	o.data_size_in = (__u32)size;
	if (bpf_prog_test_run_opts(prog_fd, &o))
		die("run tapio_xdp");
	if (o.retval != XDP_PASS)
		abort(); /* accounting never drops */
	ingress(&after);

	if (after.c[TAPIO_CNT_SEEN_PKTS] - before.c[TAPIO_CNT_SEEN_PKTS] != 1)
		abort();
	for (c = TAPIO_CNT_NON_IP_PKTS; c <= TAPIO_CNT_PARSE_LAST; c++) {
		__u64 d = after.c[c] - before.c[c];

		if (c == TAPIO_CNT_NON_IP_BYTES ||
		    c == TAPIO_CNT_OVERFLOW_BYTES)
			continue;
		if (d != (__u64)(c == reason))
			abort(); /* counted under another reason */
	}
	if (bpf_map_get_next_key(flows_fd, NULL, &kk)) {
		if (!reason)
			abort(); /* userspace keyed a flow, the kernel none */
		return 0;
	}
	if (reason)
		abort(); /* the kernel keyed a frame userspace refused */
	bpf_map_delete_elem(flows_fd, &kk);
	kk.ifindex = uk.ifindex;
	kk.direction = uk.direction;
	if (memcmp(&kk, &uk, sizeof(kk)))
		abort(); /* another key */
	return 0;
}
