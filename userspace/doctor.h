/* SPDX-License-Identifier: GPL-2.0 */
/* `tapio doctor`: what the running kernel allows, what tapio will use, and
 * why anything is missing.  The same choices drive attach and the probes. */
#ifndef TAPIO_DOCTOR_H
#define TAPIO_DOCTOR_H

#include <stdbool.h>

enum tapio_tp_method {
	TAPIO_TP_NONE = 0,
	TAPIO_TP_BTF,	 /* tp_btf: typed args, cheapest */
	TAPIO_TP_RAW,	 /* raw_tp: raw args, no BTF needed */
	TAPIO_TP_CLASSIC /* tp/: perf event + tracefs format */
};

/* Which tracepoint flavour the probes will use on this kernel. */
enum tapio_tp_method tapio_probe_tp_method(void);
int tapio_doctor(bool json);

#endif /* TAPIO_DOCTOR_H */
