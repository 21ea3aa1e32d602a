// SPDX-License-Identifier: GPL-2.0
/* Opening output files safely in directories others can write (/tmp,
 * /var/log shared with a group): O_NOFOLLOW, then checks on the fd. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "lib/log.h"
#include "lib/outfile.h"

int tapio_open_output(const char *path, int flags, bool truncate)
{
	struct stat st;
	int fd, err;

	fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC | flags,
		  0640);
	if (fd < 0) {
		err = -errno;
		pr_err("cannot write %s: %s", path,
		       errno == ELOOP ? "it is a symbolic link"
				      : strerror(errno));
		return err;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_uid != geteuid()) {
		pr_err("cannot write %s: %s", path,
		       !S_ISREG(st.st_mode) ? "not a regular file"
					    : "owned by another user");
		close(fd);
		return -EPERM;
	}
	if (truncate && ftruncate(fd, 0)) {
		err = -errno;
		pr_err("cannot empty %s: %s", path, strerror(errno));
		close(fd);
		return err;
	}
	return fd;
}
