// SPDX-License-Identifier: GPL-2.0
/* The DPDK source in a tapio built without DPDK: --dpdk is refused with
 * what to do, and `tapio doctor` says the backend is not there. */
#include <errno.h>
#include <stdio.h>

#include "dpdk/dpdk_source.h"
#include "lib/log.h"

int tapio_dpdk_source_new(const struct tapio_run_opts *o,
			  struct tapio_dpdk_source **out)
{
	(void)o;
	(void)out;
	pr_err("run: --dpdk: this tapio was built without DPDK (install "
	       "libdpdk-dev and build again; make DPDK=1 insists)");
	return -EOPNOTSUPP;
}

int tapio_dpdk_source_running(const struct tapio_dpdk_source *s)
{
	(void)s;
	return 0;
}

const struct tapio_source_ops tapio_dpdk_source_ops = {.name = "dpdk"};

void tapio_dpdk_describe(char *buf, size_t len)
{
	snprintf(buf, len, "not built (install libdpdk-dev and build again)");
}
