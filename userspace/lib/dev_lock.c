// SPDX-License-Identifier: GPL-2.0
/* Device ownership by POSIX record locks: the kernel drops a lock however
 * its holder ends (kill -9 included), and F_GETLK tells who holds it. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/stat.h>

#include "lib/dev_lock.h"

const char *tapio_run_dir(void)
{
	const char *dir = getenv("TAPIO_RUN_DIR");

	return dir && *dir ? dir : TAPIO_RUN_DIR;
}

int tapio_run_dir_make(void)
{
	if (mkdir(tapio_run_dir(), 0750) && errno != EEXIST)
		return -errno;
	return 0;
}

static int lock_path(char *buf, size_t len, const char *dev)
{
	int n = snprintf(buf, len, "%s/%s.lock", tapio_run_dir(), dev);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static pid_t holder_of(int fd)
{
	struct flock q = {.l_type = F_WRLCK, .l_whence = SEEK_SET};

	if (fcntl(fd, F_GETLK, &q) || q.l_type == F_UNLCK)
		return 0;
	return q.l_pid;
}

int tapio_dev_lock(const char *dev, pid_t *holder)
{
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
	struct stat held, now;
	char path[256];
	int fd, err;

	*holder = 0;
	err = lock_path(path, sizeof(path), dev);
	if (err)
		return err;
	err = tapio_run_dir_make();
	if (err)
		return err;
	/* An unlocking owner unlinks the file: a lock taken on the unlinked
	 * one would not exclude the next process, so take it again. */
	for (;;) {
		fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
			  0640);
		if (fd < 0)
			return -errno;
		if (fcntl(fd, F_SETLK, &fl)) {
			err = errno == EAGAIN || errno == EACCES ? -EBUSY
								 : -errno;
			if (err == -EBUSY)
				*holder = holder_of(fd);
			close(fd);
			return err;
		}
		if (!fstat(fd, &held) && !stat(path, &now) &&
		    held.st_dev == now.st_dev && held.st_ino == now.st_ino)
			return fd;
		close(fd);
	}
}

void tapio_dev_unlock(const char *dev, int fd)
{
	char path[256];

	if (fd < 0)
		return;
	if (!lock_path(path, sizeof(path), dev))
		unlink(path);
	close(fd);
}

pid_t tapio_dev_lock_holder(const char *dev)
{
	char path[256];
	pid_t pid;
	int fd;

	if (lock_path(path, sizeof(path), dev))
		return 0;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return 0;
	pid = holder_of(fd);
	close(fd);
	return pid;
}
