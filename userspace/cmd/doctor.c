// SPDX-License-Identifier: GPL-2.0
/* `tapio doctor`: the kernel feature table (lib/features.c) as text or JSON
 * lines, and what tapio chooses from it. */
#include <errno.h>
#include <stdio.h>
#include <sys/utsname.h>
#include <bpf/libbpf.h>

#include "cmd/cmd.h"
#include "cmd/doctor.h"
#include "lib/bpffs.h"
#include "lib/json.h"
#include "lib/features.h"
#include "lib/parse.h"
#include "dpdk/dpdk_source.h"
#include "lib/privileges.h"
#include "tapio/spill.h"

/* Flows a generation that tapio run's default kernel_memory_mb gives at
 * @per bytes a flow */
static __u32 default_flows(__u64 per)
{
	return tapio_kernel_flows_for(
		(__u64)TAPIO_KERNEL_MEMORY_DEFAULT_MB << 20, per);
}

/* One JSON line: a feature row (@xdp NULL), or the summary (@detail: the
 * DPDK backend). */
static void print_json(const char *xdp, const char *feature, int ok,
		       const char *use, const char *detail, int missing)
{
	int ncpus = libbpf_num_possible_cpus();
	char line[1536]; /* a 160-byte detail escaped at worst */
	struct tapio_json j;

	tapio_json_init(&j, line, sizeof(line));
	tapio_json_object(&j, NULL);
	if (xdp) {
		tapio_json_object(&j, "summary");
		tapio_json_str(&j, "xdp", xdp);
		tapio_json_bool(&j, "tc", ok);
		tapio_json_str(&j, "probes", use);
		tapio_json_s64(&j, "missing", missing);
		tapio_json_s64(&j, "possible_cpus", ncpus);
		tapio_json_u64(&j, "kernel_flow_bytes",
			       TAPIO_KERNEL_FLOW_BYTES(ncpus));
		tapio_json_str(&j, "dpdk", detail);
		tapio_json_u64(&j, "kernel_flows_default",
			       default_flows(TAPIO_KERNEL_FLOW_BYTES(ncpus)));
		tapio_json_u64(&j, "kernel_flow_bytes_shared",
			       TAPIO_KERNEL_FLOW_BYTES_SHARED);
		tapio_json_u64(&j, "kernel_flows_default_shared",
			       default_flows(TAPIO_KERNEL_FLOW_BYTES_SHARED));
		tapio_json_u64(&j, "spill_ring_bytes_default",
			       TAPIO_SPILL_RING_BYTES);
		tapio_json_object_end(&j);
	} else {
		tapio_json_str(&j, "feature", feature);
		tapio_json_bool(&j, "ok", ok);
		tapio_json_str(&j, "use", use ? use : "-");
		tapio_json_str(&j, "detail", detail);
	}
	tapio_json_object_end(&j);
	if (tapio_json_finish(&j) > 0)
		puts(line);
}

int tapio_doctor(bool json)
{
	struct tapio_feature pr[TAPIO_FEAT_COUNT] = {};
	const char *tp_use = "none: no probe can attach", *xdp;
	char dpdk[512];
	struct utsname u;
	size_t i, n = TAPIO_FEAT_COUNT;
	int missing = 0;

	uname(&u);
	if (tapio_check_privileges("doctor"))
		return -EPERM;
	tapio_features_probe(pr);
	if (pr[TAPIO_FEAT_TP_BTF].ok)
		tp_use = "tp_btf";
	else if (pr[TAPIO_FEAT_RAW_TP].ok)
		tp_use = "raw_tp";
	else if (pr[TAPIO_FEAT_TRACEPOINT].ok)
		tp_use = "tracepoint";

	if (!json) {
		printf("kernel %s %s\n\n", u.release, u.machine);
		printf("%-15s %-4s %-20s %s\n", "FEATURE", "OK", "TAPIO USES",
		       "DETAIL");
	}
	for (i = 0; i < n; i++) {
		if (json) {
			print_json(NULL, pr[i].name, pr[i].ok, pr[i].use,
				   pr[i].detail, 0);
		} else {
			printf("%-15s %-4s %-20s %s\n", pr[i].name,
			       pr[i].ok ? "yes" : "no",
			       pr[i].use ? pr[i].use : "-", pr[i].detail);
		}
		missing += !pr[i].ok;
	}
	xdp = pr[TAPIO_FEAT_XDP_NATIVE].ok    ? "native"
	      : pr[TAPIO_FEAT_XDP_GENERIC].ok ? "generic"
					      : NULL;
	tapio_dpdk_describe(dpdk, sizeof(dpdk));
	if (json)
		print_json(xdp ? xdp : "none", NULL,
			   pr[TAPIO_FEAT_TC_CLSACT].ok, tp_use, dpdk, missing);
	else
		printf("\nflow accounting: XDP %s, TC egress %s; probes attach "
		       "through %s; %d feature(s) missing\n",
		       xdp ? xdp : "unavailable",
		       pr[TAPIO_FEAT_TC_CLSACT].ok ? "yes" : "no", tp_use,
		       missing);
	if (!json) {
		int ncpus = libbpf_num_possible_cpus();

		printf("kernel flow maps: %llu bytes a flow (120 + 40 x %d "
		       "possible CPUs); tapio run's %d MiB give %u flows a "
		       "generation\n",
		       TAPIO_KERNEL_FLOW_BYTES(ncpus), ncpus,
		       TAPIO_KERNEL_MEMORY_DEFAULT_MB,
		       default_flows(TAPIO_KERNEL_FLOW_BYTES(ncpus)));
		printf("kernel flow maps, --kernel-map shared: %llu bytes a "
		       "flow whatever the CPUs; %d MiB give %u flows a "
		       "generation\n",
		       TAPIO_KERNEL_FLOW_BYTES_SHARED,
		       TAPIO_KERNEL_MEMORY_DEFAULT_MB,
		       default_flows(TAPIO_KERNEL_FLOW_BYTES_SHARED));
		printf("spill ring: %d MiB an interface beside them "
		       "(spill_ring_mb)\n",
		       TAPIO_SPILL_RING_MB_DEFAULT);
		printf("dpdk: %s\n", dpdk);
	}
	return 0;
}

const struct tapio_settings tapio_doctor_settings = {
	.cmd = "doctor",
	.usage = "Usage: tapio doctor [--json]\n\n"
		 "What this kernel allows, each probed with the smallest "
		 "program that proves it.\n",
	.rows = &tapio_json_flag_row,
	.n = 1,
};

int tapio_cmd_doctor(int argc, char **argv)
{
	struct tapio_json_flag o = {};
	int ret;

	ret = tapio_cmd_flags(&tapio_doctor_settings, &o, argc, argv);
	if (ret)
		return ret < 0 ? 0 : ret;
	ret = tapio_cmd_no_args(argc, argv);
	if (ret)
		return ret;
	return tapio_doctor(o.json) ? 1 : 0;
}
