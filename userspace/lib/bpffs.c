// SPDX-License-Identifier: GPL-2.0
/* bpffs mounting and the layout of tapio's pins, so that every command
 * agrees on where a device's state is. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <bpf/bpf.h>

#include "lib/bpffs.h"
#include "lib/log.h"

const char *tapio_pin_root(void)
{
	const char *root = getenv("TAPIO_PIN_ROOT");

	return root && *root ? root : TAPIO_PIN_ROOT_DEFAULT;
}

static int is_bpffs(const char *path)
{
	struct statfs st;

	if (statfs(path, &st))
		return -errno;
	return st.f_type == BPF_FS_MAGIC;
}

static bool mounted_transient;

static bool same_ns(const struct stat *a, const char *path)
{
	struct stat b;

	return stat(path, &b) ||
	       (a->st_ino == b.st_ino && a->st_dev == b.st_dev);
}

/* Our mount namespace is not the one of pid 1 or of the process that
 * started us: a bpffs mounted here dies with it.  `ip netns exec` makes
 * one per command (and hides the host's /sys/fs/bpf); so does a systemd
 * unit with private mounts.  pid 1's may be unreadable there. */
static bool private_mount_ns(void)
{
	char parent[64];
	struct stat self;

	if (stat("/proc/self/ns/mnt", &self))
		return false;
	snprintf(parent, sizeof(parent), "/proc/%d/ns/mnt", (int)getppid());
	return !same_ns(&self, "/proc/1/ns/mnt") || !same_ns(&self, parent);
}

bool tapio_bpffs_transient(void)
{
	return mounted_transient;
}

int tapio_bpffs_ensure(void)
{
	const char *root = tapio_pin_root();
	int ret;

	ret = is_bpffs(TAPIO_BPFFS_MOUNT);
	if (ret == 0) {
		if (mount("bpf", TAPIO_BPFFS_MOUNT, "bpf", 0, "mode=0700")) {
			ret = -errno;
			pr_err("cannot mount bpffs on %s: %s",
			       TAPIO_BPFFS_MOUNT, strerror(errno));
			return ret;
		}
		pr_debug("mounted bpffs on %s", TAPIO_BPFFS_MOUNT);
		mounted_transient = private_mount_ns();
	} else if (ret < 0) {
		pr_err("cannot stat %s: %s", TAPIO_BPFFS_MOUNT, strerror(-ret));
		return ret;
	}
	if (mkdir(root, 0750) && errno != EEXIST) {
		ret = -errno;
		pr_err("cannot create pin directory %s: %s", root,
		       strerror(errno));
		return ret;
	}
	return 0;
}

int tapio_pin_path(char *buf, size_t len, const char *dev, const char *name)
{
	int n;

	if (name)
		n = snprintf(buf, len, "%s/%s/%s", tapio_pin_root(), dev, name);
	else
		n = snprintf(buf, len, "%s/%s", tapio_pin_root(), dev);
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	return 0;
}

static bool pins_readonly;

void tapio_pins_readonly(void)
{
	pins_readonly = true;
}

int tapio_pin_open(const char *dev, const char *name)
{
	LIBBPF_OPTS(bpf_obj_get_opts, ro, .file_flags = BPF_F_RDONLY);
	char path[512];
	int fd = -1;

	if (tapio_pin_path(path, sizeof(path), dev, name))
		return -ENAMETOOLONG;
	/* maps open read-only; programs and links refuse it (EINVAL) */
	if (pins_readonly)
		fd = bpf_obj_get_opts(path, &ro);
	if (fd < 0 && (!pins_readonly || errno == EINVAL))
		fd = bpf_obj_get(path);
	return fd < 0 ? -errno : fd;
}

__u32 tapio_pin_map_entries(const char *dev, const char *name)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	int fd = tapio_pin_open(dev, name);

	if (fd < 0)
		return 0;
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		info.max_entries = 0;
	close(fd);
	return info.max_entries;
}

int tapio_pin_dir_remove(const char *dev)
{
	struct stat st;
	static const char *const pins[] = {
		TAPIO_PIN_XDP_LINK,    TAPIO_PIN_XDP_PROG,
		TAPIO_PIN_TC_PROG,     TAPIO_PIN_FLOWS,
		TAPIO_PIN_FLOWS_ALT,   TAPIO_PIN_CONFIG,
		TAPIO_PIN_COUNTERS,    TAPIO_PIN_CAPTURE,
		TAPIO_PIN_XSKS,	       TAPIO_PIN_ATTACH_INFO,
		TAPIO_PIN_SPILL,       TAPIO_PIN_TC_IN_PROG,
		TAPIO_PIN_TC_LINK,     TAPIO_PIN_TC_IN_LINK,
		TAPIO_PIN_OWNERS,      TAPIO_PIN_FILTERS,
		TAPIO_PIN_FILTER_HITS, TAPIO_PIN_FILTER_PREFIXES,
	};
	char path[512];
	size_t i;
	int ret = 0;

	for (i = 0; i < sizeof(pins) / sizeof(pins[0]); i++) {
		if (tapio_pin_path(path, sizeof(path), dev, pins[i]))
			return -ENAMETOOLONG;
		if (unlink(path) && errno != ENOENT) {
			ret = -errno;
			pr_err("cannot remove pin %s: %s", path,
			       strerror(errno));
		}
	}
	if (tapio_pin_path(path, sizeof(path), dev, NULL))
		return -ENAMETOOLONG;
	if (rmdir(path) && errno != ENOENT) {
		ret = -errno;
		pr_err("cannot remove pin directory %s: %s", path,
		       strerror(errno));
	}
	/* The root goes too once the last device is gone (ENOTEMPTY: other
	 * devices are still attached), but only one tapio made: a root
	 * that tapio-setcap prepared for a non-root tapio (setgid, so that
	 * pins take its group) is not ours to take, and that tapio could
	 * not make it again. */
	if (!lstat(tapio_pin_root(), &st) && S_ISDIR(st.st_mode) &&
	    !(st.st_mode & S_ISGID))
		rmdir(tapio_pin_root());
	return ret;
}

__u64 tapio_fd_memlock(int fd)
{
	char path[64], line[128];
	unsigned long long v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "memlock: %llu", &v) == 1)
			break;
	fclose(f);
	return v;
}

__u32 tapio_kernel_flows_for(__u64 budget, __u64 per)
{
	__u64 n = budget / (2 * (per ? per : 1));
	__u32 p = 1024;

	while ((__u64)p * 2 <= n && p < (1u << 26))
		p *= 2;
	return p;
}
