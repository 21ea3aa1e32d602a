#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
# Feeds known raw IP packets into a tun device (they arrive on it: its
# ingress), then runs a command while reading what the kernel sends out of
# it (its egress), so a test knows both sides exactly.
# usage: tun_io.py DEV [--exec CMD ...]   prints "egress N" at the end
# (a tun takes only what starts like IPv4 or IPv6: no non-IP frames here)
import fcntl
import os
import select
import socket
import struct
import subprocess
import sys
import time

TUNSETIFF = 0x400454CA
IFF_TUN, IFF_NO_PI = 0x0001, 0x1000


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xFFFF)
    return ~(s + (s >> 16)) & 0xFFFF


def ipv4(src, dst, proto, l4):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 1, 0, 64, proto, 0,
                    socket.inet_aton(src), socket.inet_aton(dst))
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + l4


def ipv6(src, dst, proto, l4):
    return struct.pack("!IHBB16s16s", 6 << 28, len(l4), proto, 64,
                       socket.inet_pton(socket.AF_INET6, src),
                       socket.inet_pton(socket.AF_INET6, dst)) + l4


def udp(sport, dport, payload):
    return struct.pack("!HHHH", sport, dport, 8 + payload, 0) + b"x" * payload


def tcp_syn(sport, dport):
    return struct.pack("!HHIIBBHHH", sport, dport, 1, 0, 5 << 4, 0x02, 512, 0, 0)


def packets():
    out = []
    # to an address that is not the host's: dropped without an ICMP error
    out += [ipv4("10.7.0.2", "10.7.0.3", 17, udp(5000, 6000, 32))] * 100  # 60 B
    out += [ipv6("fd07::2", "fd07::3", 17, udp(5001, 6001, 32))] * 50  # 80 B
    out += [ipv4("10.7.0.2", "10.7.0.3", 6, tcp_syn(7000, 80))] * 20  # 40 B
    out += [b"\x45" + b"\x00" * 9] * 2  # IPv4 cut inside its header
    return out


def main():
    dev = sys.argv[1]
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", dev.encode(), IFF_TUN | IFF_NO_PI))
    for p in packets():
        os.write(fd, p)
    egress = 0
    if "--exec" in sys.argv:
        cmd = sys.argv[sys.argv.index("--exec") + 1:]
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
        while True:
            r, _, _ = select.select([fd], [], [], 0.1)
            if r:
                os.read(fd, 65536)
                egress += 1
            elif proc.poll() is not None:
                break
        time.sleep(0.1)
    print("egress %d" % egress, flush=True)


main()
