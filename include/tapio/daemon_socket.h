/* SPDX-License-Identifier: GPL-2.0 */
/* The `tapio run` control socket: a client connects, the daemon sends a
 * header, its table's flows as struct tapio_flow_rec, then an end record
 * (key.ip_version 0, which no flow has; val.packets = records sent). A
 * stream without it was cut short. */
#ifndef TAPIO_DAEMON_SOCKET_H
#define TAPIO_DAEMON_SOCKET_H

#include <linux/types.h>

#define TAPIO_SOCKET_DEFAULT "/run/tapio/tapio.sock"
#define TAPIO_SOCKET_MAGIC   0x7461706fU /* "tapo" */
#define TAPIO_SOCKET_VERSION 2

struct tapio_socket_hdr {
	__u32 magic;
	__u32 version;
	__u32 rec_size; /* sizeof(struct tapio_flow_rec) of the daemon */
	__u32 pad;
};

#endif /* TAPIO_DAEMON_SOCKET_H */
