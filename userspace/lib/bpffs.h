/* SPDX-License-Identifier: GPL-2.0 */
/* Where tapio's pinned state lives: /sys/fs/bpf/tapio/DEV/, mounting bpffs
 * first when the host has not. TAPIO_PIN_ROOT overrides the root for tests. */
#ifndef TAPIO_BPFFS_H
#define TAPIO_BPFFS_H

#include <stdbool.h>
#include <stddef.h>

#define TAPIO_BPFFS_MOUNT      "/sys/fs/bpf"
#define TAPIO_PIN_ROOT_DEFAULT TAPIO_BPFFS_MOUNT "/tapio"

/* Names of the pins inside a device's directory. */
#define TAPIO_PIN_XDP_LINK	  "xdp_link"
#define TAPIO_PIN_XDP_PROG	  "tapio_xdp"
#define TAPIO_PIN_TC_PROG	  "tapio_tc"
#define TAPIO_PIN_TC_IN_PROG	  "tapio_tc_in"
#define TAPIO_PIN_OWNERS	  "tapio_owners"
#define TAPIO_PIN_FILTERS	  "tapio_filters"
#define TAPIO_PIN_FILTER_HITS	  "tapio_filter_hits"
#define TAPIO_PIN_FILTER_PREFIXES "tapio_filter_prefixes"
#define TAPIO_PIN_TC_LINK	  "tc_link" /* tcx links, egress and ingress */
#define TAPIO_PIN_TC_IN_LINK	  "tc_in_link"
#define TAPIO_PIN_FLOWS		  "tapio_flows"
#define TAPIO_PIN_FLOWS_ALT	  "tapio_flows_alt"
#define TAPIO_PIN_CONFIG	  "tapio_config"
#define TAPIO_PIN_CAPTURE	  "tapio_capture"
#define TAPIO_PIN_XSKS		  "tapio_xsks"
#define TAPIO_PIN_COUNTERS	  "tapio_counters"
#define TAPIO_PIN_ATTACH_INFO	  "tapio_attach_info"
#define TAPIO_PIN_SPILL		  "tapio_spill"

const char *tapio_pin_root(void);
int tapio_bpffs_ensure(void);
/* True when tapio_bpffs_ensure() had to mount bpffs in a mount namespace
 * other than pid 1's: pins there go away with the namespace. */
bool tapio_bpffs_transient(void);
int tapio_pin_path(char *buf, size_t len, const char *dev, const char *name);
/* A device's pinned object: fd, or -errno (nothing printed). */
int tapio_pin_open(const char *dev, const char *name);
/* From now on maps are opened read-only (status, flows): what a member of
 * the daemon's group may do with pins of mode 0640. */
void tapio_pins_readonly(void);
/* max_entries of a device's pinned map (a ring's bytes), 0 when there is
 * none (an attachment of an older tapio may lack it). */
__u32 tapio_pin_map_entries(const char *dev, const char *name);
/* Remove the device's pins tapio knows and the directory; 0 or -errno. */
int tapio_pin_dir_remove(const char *dev);

/* What the kernel charges for a BPF object: "memlock" of its fdinfo, 0
 * when unknown. */
__u64 tapio_fd_memlock(int fd);

/* Bytes one entry of a kernel flow map generation costs (measured on 6.x:
 * 65,536 entries on 2 CPUs are 13,108,160 bytes): element header, key and
 * value pointer, one bucket (buckets round up to a power of two), and the
 * 40-byte value once per possible CPU. */
#define TAPIO_KERNEL_FLOW_BYTES(ncpus) (120ULL + 40ULL * (__u64)(ncpus))
/* The same in a shared map (--kernel-map shared): the value sits in the
 * element, no per-CPU pointer (measured: 2 x 8,192 entries are 2,492,736
 * bytes of memlock) */
#define TAPIO_KERNEL_FLOW_BYTES_SHARED 152ULL
/* `tapio run --kernel-memory` unless set, in MiB */
#define TAPIO_KERNEL_MEMORY_DEFAULT_MB 32
/* Entries per generation that @budget bytes hold for both generations at
 * @per bytes an entry: a power of two, at least 1024. */
__u32 tapio_kernel_flows_for(__u64 budget, __u64 per);

#endif /* TAPIO_BPFFS_H */
