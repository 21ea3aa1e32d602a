#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
# Sets a link's IPv4 BIG TCP sizes (IFLA_GSO_IPV4_MAX_SIZE and
# IFLA_GRO_IPV4_MAX_SIZE, Linux 6.3+) over rtnetlink, for iproute2 older
# than 6.3.  usage: set_gso_ipv4.py DEV BYTES; exit 0 on success.
import socket
import struct
import sys

IFLA_GSO_IPV4_MAX_SIZE, IFLA_GRO_IPV4_MAX_SIZE = 63, 64
RTM_NEWLINK, NLM_F_REQUEST, NLM_F_ACK, NLMSG_ERROR = 16, 1, 4, 2

dev, size = sys.argv[1], int(sys.argv[2])
index = socket.if_nametoindex(dev)
attrs = b"".join(struct.pack("HHI", 8, t, size)
                 for t in (IFLA_GSO_IPV4_MAX_SIZE, IFLA_GRO_IPV4_MAX_SIZE))
body = struct.pack("BxHiII", socket.AF_UNSPEC, 0, index, 0, 0) + attrs
msg = struct.pack("IHHII", 16 + len(body), RTM_NEWLINK,
                  NLM_F_REQUEST | NLM_F_ACK, 1, 0) + body
s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
s.send(msg)
reply = s.recv(4096)
_, mtype, _, _, _ = struct.unpack("IHHII", reply[:16])
err = struct.unpack("i", reply[16:20])[0] if mtype == NLMSG_ERROR else 0
if err:
    sys.exit("set_gso_ipv4: %s: %s" % (dev, socket.errno.errorcode.get(-err, err)))
