// SPDX-License-Identifier: GPL-2.0
/* tapio_config is BPF_F_MMAPABLE: a store to a mapped field is seen by the
 * next program run, with no read-modify-write of the whole value. */
#include <stddef.h>
#include <unistd.h>
#include <sys/mman.h>

#include "lib/config_map.h"

static size_t map_len(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

struct tapio_config *tapio_config_map(int fd)
{
	void *p = mmap(NULL, map_len(), PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		       0);

	return p == MAP_FAILED ? NULL : p;
}

void tapio_config_unmap(struct tapio_config *cfg)
{
	if (cfg)
		munmap(cfg, map_len());
}
