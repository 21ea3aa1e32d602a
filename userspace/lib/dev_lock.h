/* SPDX-License-Identifier: GPL-2.0 */
/* One collector per device: `tapio run` holds a record lock on
 * /run/tapio/DEV.lock while it drains DEV, so a second run or a detach can
 * name the process that owns the device instead of fighting over it. */
#ifndef TAPIO_DEV_LOCK_H
#define TAPIO_DEV_LOCK_H

#include <sys/types.h>

#define TAPIO_RUN_DIR "/run/tapio"

/* TAPIO_RUN_DIR, or $TAPIO_RUN_DIR (tests, a second instance). */
const char *tapio_run_dir(void);
/* Creates the run directory (0750: the group reads status) if missing. */
int tapio_run_dir_make(void);

/* fd of the held lock; -EBUSY with *holder set when another process holds
 * it (0 if it could not be told); another -errno when it cannot be made. */
int tapio_dev_lock(const char *dev, pid_t *holder);
/* Remove the lock file and release it. */
void tapio_dev_unlock(const char *dev, int fd);
/* The pid holding DEV's lock, 0 when none does (nothing created). */
pid_t tapio_dev_lock_holder(const char *dev);

#endif /* TAPIO_DEV_LOCK_H */
