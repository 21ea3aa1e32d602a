// SPDX-License-Identifier: GPL-2.0
/* The mount table read line by line: "ID PARENT MAJ:MIN ROOT POINT OPTS
 * [OPTIONAL...] - FSTYPE SOURCE SUPER_OPTS". */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lib/mounts.h"

int tapio_mounts_find(bool (*match)(const struct tapio_mount *m, void *ctx),
		      void *ctx, struct tapio_mount *out)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[4096];
	int ret = -ENOENT;

	while (f && ret && fgets(line, sizeof(line), f)) {
		const char *sep = strstr(line, " - ");

		if (sep &&
		    sscanf(line, "%*s %*s %31s %*s %511s", out->dev,
			   out->point) == 2 &&
		    sscanf(sep + 3, "%63s", out->fstype) == 1 &&
		    match(out, ctx))
			ret = 0;
	}
	if (f)
		fclose(f);
	return ret;
}

static bool of_type(const struct tapio_mount *m, void *ctx)
{
	return !strcmp(m->fstype, ctx);
}

int tapio_mount_of_type(const char *fstype, char *point, size_t len)
{
	struct tapio_mount m;
	int err = tapio_mounts_find(of_type, (void *)fstype, &m);

	if (!err)
		snprintf(point, len, "%s", m.point);
	return err;
}
