/* SPDX-License-Identifier: GPL-2.0 */
/* What the running kernel allows, probed once with the smallest program
 * that proves it: `tapio doctor` prints it, attach and the probes choose by it.
 */
#ifndef TAPIO_FEATURES_H
#define TAPIO_FEATURES_H

enum tapio_tp_method {
	TAPIO_TP_NONE = 0,
	TAPIO_TP_BTF,	 /* tp_btf: typed args, cheapest */
	TAPIO_TP_RAW,	 /* raw_tp: raw args, no BTF needed */
	TAPIO_TP_CLASSIC /* tp/: perf event + tracefs format */
};

enum tapio_feature_id {
	TAPIO_FEAT_BPF_PRIVILEGES,
	TAPIO_FEAT_BTF,
	TAPIO_FEAT_JIT,
	TAPIO_FEAT_BPFFS,
	TAPIO_FEAT_TRACEFS,
	TAPIO_FEAT_XDP_NATIVE,
	TAPIO_FEAT_XDP_GENERIC,
	TAPIO_FEAT_TC_CLSACT,
	TAPIO_FEAT_TCX,
	TAPIO_FEAT_XDP_MULTIPROG,
	TAPIO_FEAT_AF_XDP,
	TAPIO_FEAT_RINGBUF,
	TAPIO_FEAT_MAP_BATCH_OPS,
	TAPIO_FEAT_TP_BTF,
	TAPIO_FEAT_RAW_TP,
	TAPIO_FEAT_TRACEPOINT,
	TAPIO_FEAT_FENTRY,
	TAPIO_FEAT_KPROBE,
	TAPIO_FEAT_BPF_STATS,
	TAPIO_FEAT_COUNT
};

struct tapio_feature {
	const char *name;
	int ok;		  /* 1 yes, 0 no */
	char detail[160]; /* why, or what it found */
	const char *use;  /* what tapio does with it */
};

/* Every probe of the table, in enum order (needs the BPF capabilities). */
void tapio_features_probe(struct tapio_feature f[TAPIO_FEAT_COUNT]);
/* Which tracepoint flavour the probes will use on this kernel
 * (TAPIO_TP_METHOD in the environment forces one). */
enum tapio_tp_method tapio_probe_tp_method(void);

#endif /* TAPIO_FEATURES_H */
