#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
# A TCP IPFIX collecting process for the tests, on python3-ipfix (a decoder
# independent of the libfixbuf that tapio encodes with): accepts one
# exporter, writes each data record as a JSON line with the message's
# observation domain and sequence number, and exits when the exporter
# closes the stream.  tapio's own elements (docs/metrics.md) are known to it.
import json
import socket
import sys

import ipfix.ie
import ipfix.reader

# enterprise 32473 (RFC 5612), as userspace/export/ipfix_exporter.c
TAPIO_IES = [
    "tapioProcessId(32473/1)<unsigned32>[4]",
    "tapioUserId(32473/2)<unsigned32>[4]",
    "tapioProcessName(32473/3)<string>[65535]",
    "tapioCgroupId(32473/4)<unsigned64>[8]",
    "tapioCgroupPath(32473/5)<string>[65535]",
    "tapioContainerId(32473/6)<string>[65535]",
    "tapioPodUid(32473/7)<string>[65535]",
    "tapioAttributed(32473/8)<unsigned8>[1]",
]


def main():
    host, port, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    ipfix.ie.use_iana_default()
    for spec in TAPIO_IES:
        ipfix.ie.for_spec(spec)
    srv = socket.create_server((host, port))
    print("listening", flush=True)
    conn, _ = srv.accept()
    reader = ipfix.reader.from_stream(conn.makefile("rb"))
    with open(out, "w") as f:
        for rec in reader.namedict_iterator():
            rec = {k: str(v) for k, v in rec.items()}
            rec["_odid"] = reader.msg.odid
            rec["_sequence"] = reader.msg.sequence
            f.write(json.dumps(rec) + "\n")
            f.flush()


if __name__ == "__main__":
    main()
