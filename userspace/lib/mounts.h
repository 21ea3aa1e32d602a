/* SPDX-License-Identifier: GPL-2.0 */
/* This process's mount table (/proc/self/mountinfo): where a filesystem
 * type is mounted, what is mounted from a device. */
#ifndef TAPIO_MOUNTS_H
#define TAPIO_MOUNTS_H

#include <stdbool.h>
#include <stddef.h>

struct tapio_mount {
	char dev[32];	 /* "MAJOR:MINOR" */
	char point[512]; /* where, as mountinfo writes it */
	char fstype[64];
};

/* The first mount @match accepts into *@out: 0, or -ENOENT (none did,
 * or no mount table to read). */
int tapio_mounts_find(bool (*match)(const struct tapio_mount *m, void *ctx),
		      void *ctx, struct tapio_mount *out);
/* Where the first filesystem of type @fstype is mounted ("cgroup2"). */
int tapio_mount_of_type(const char *fstype, char *point, size_t len);

#endif /* TAPIO_MOUNTS_H */
