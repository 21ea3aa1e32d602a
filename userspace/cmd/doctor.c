// SPDX-License-Identifier: GPL-2.0
/* `tapio doctor`: the kernel feature table (lib/features.c) as text or JSON
 * lines, and what tapio chooses from it. */
#include <errno.h>
#include <stdio.h>
#include <sys/utsname.h>

#include "cmd/doctor.h"
#include "export/json.h"
#include "lib/features.h"
#include "lib/parse.h"

int tapio_doctor(bool json)
{
	struct tapio_feature pr[TAPIO_FEAT_COUNT] = {};
	const char *tp_use = "none: no probe can attach";
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
		char d[256];

		if (json) {
			tapio_json_string(d, sizeof(d), pr[i].detail);
			printf("{\"feature\":\"%s\",\"ok\":%s,\"use\":\"%s\","
			       "\"detail\":%s}\n",
			       pr[i].name, pr[i].ok ? "true" : "false",
			       pr[i].use ? pr[i].use : "-", d);
		} else {
			printf("%-15s %-4s %-20s %s\n", pr[i].name,
			       pr[i].ok ? "yes" : "no",
			       pr[i].use ? pr[i].use : "-", pr[i].detail);
		}
		missing += !pr[i].ok;
	}
	if (!json)
		printf("\nflow accounting: XDP %s, TC egress %s; probes attach "
		       "through %s; %d feature(s) missing\n",
		       pr[TAPIO_FEAT_XDP_NATIVE].ok    ? "native"
		       : pr[TAPIO_FEAT_XDP_GENERIC].ok ? "generic"
						       : "unavailable",
		       pr[TAPIO_FEAT_TC_CLSACT].ok ? "yes" : "no", tp_use,
		       missing);
	else
		printf("{\"summary\":{\"xdp\":\"%s\",\"tc\":%s,"
		       "\"probes\":\"%s\",\"missing\":%d}}\n",
		       pr[TAPIO_FEAT_XDP_NATIVE].ok    ? "native"
		       : pr[TAPIO_FEAT_XDP_GENERIC].ok ? "generic"
						       : "none",
		       pr[TAPIO_FEAT_TC_CLSACT].ok ? "true" : "false", tp_use,
		       missing);
	return 0;
}
