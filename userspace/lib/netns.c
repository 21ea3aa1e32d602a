// SPDX-License-Identifier: GPL-2.0
/* Entering another network namespace for as long as one look or one attach
 * takes: a namespace held open would outlive `ip netns del`, with its links. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "lib/log.h"
#include "lib/netns.h"

bool tapio_dev_netns(const char *dev, char *ns, size_t len)
{
	const char *c = strrchr(dev, ':');

	if (!c)
		return false;
	snprintf(ns, len, "%.*s", (int)(c - dev), dev);
	return true;
}

int tapio_netns_enter(const char *ns, int *back)
{
	char path[sizeof(TAPIO_NETNS_DIR) + TAPIO_NETNS_MAX];
	int fd, err;

	*back = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (*back < 0) {
		err = -errno;
		pr_err("cannot open this thread's network namespace: %s",
		       strerror(errno));
		return err;
	}
	snprintf(path, sizeof(path), "%s/%s", TAPIO_NETNS_DIR, ns);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET)) {
		err = -errno;
		pr_err("cannot enter network namespace %s (%s): %s", ns, path,
		       strerror(errno));
		if (fd >= 0)
			close(fd);
		close(*back);
		*back = -1;
		return err;
	}
	close(fd);
	return 0;
}

int tapio_netns_enter_dev(const char *dev, int *back)
{
	char ns[TAPIO_NETNS_MAX];

	*back = -1;
	if (!tapio_dev_netns(dev, ns, sizeof(ns)))
		return 0;
	return tapio_netns_enter(ns, back);
}

void tapio_netns_leave(int back)
{
	if (back < 0)
		return;
	/* only fails without CAP_SYS_ADMIN, which the enter needed too */
	if (setns(back, CLONE_NEWNET))
		pr_err("cannot return to the network namespace: %s",
		       strerror(errno));
	close(back);
}

bool tapio_netns_gone(const char *ns)
{
	char path[sizeof(TAPIO_NETNS_DIR) + TAPIO_NETNS_MAX];

	snprintf(path, sizeof(path), "%s/%s", TAPIO_NETNS_DIR, ns);
	return access(path, F_OK) && errno == ENOENT;
}

int tapio_link_flags(const char *ifname, unsigned int *flags)
{
	struct ifreq ifr = {};
	int fd, err = 0;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr))
		err = -errno;
	else
		*flags = (unsigned short)ifr.ifr_flags;
	close(fd);
	return err;
}
