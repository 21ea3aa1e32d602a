#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
# A TCP IPFIX collecting process for the tests, on python3-ipfix (a decoder
# independent of the libfixbuf that tapio encodes with): accepts one
# exporter, writes each data record as a JSON line with the message's
# observation domain and sequence number, and exits when the exporter
# closes the stream.
import json
import socket
import sys

import ipfix.ie
import ipfix.reader


def main():
    host, port, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    ipfix.ie.use_iana_default()
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
