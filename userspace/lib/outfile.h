/* SPDX-License-Identifier: GPL-2.0 */
/* The files tapio writes (flow records, pcap): never through a link
 * planted at the path, never into another user's file. */
#ifndef TAPIO_OUTFILE_H
#define TAPIO_OUTFILE_H

#include <stdbool.h>

/* fd opened for writing (O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC |
 * @flags, created 0640 under the umask), or -errno with the reason
 * printed: a symbolic link, not a regular file, owned by another user.
 * @truncate empties it only after those checks. */
int tapio_open_output(const char *path, int flags, bool truncate);

#endif /* TAPIO_OUTFILE_H */
