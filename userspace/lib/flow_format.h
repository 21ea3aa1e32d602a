/* SPDX-License-Identifier: GPL-2.0 */
/* Turning flows and counters into text: names, addresses, human units and
 * the `tapio flows` table (JSON records are export/flow_json.c). */
#ifndef TAPIO_FLOW_FORMAT_H
#define TAPIO_FLOW_FORMAT_H

#include <stdio.h>
#include <stddef.h>
#include <linux/types.h>

#include "lib/flow_dump.h"

const char *tapio_proto_name(__u8 proto); /* "tcp", ... or NULL */
const char *tapio_dir_name(__u8 dir);
void tapio_format_addr(const __u8 addr[16], char *buf, size_t len);
/* "CEUAPRSF" with '.' for unset flags, like nfdump; needs 9 bytes. */
void tapio_format_tcp_flags(__u8 flags, char *buf);
/* SI units for counts (1.5k, 2.0M), IEC for bytes (1.5KiB). */
void tapio_format_count(__u64 v, char *buf, size_t len);
void tapio_format_bytes(__u64 v, char *buf, size_t len);
/* Width of the address columns that fits every one of @n flows. */
int tapio_flow_table_width(const struct tapio_flow *flows, size_t n);
void tapio_flow_table_header(FILE *out, int width);
void tapio_flow_table_row(FILE *out, const struct tapio_flow *f, int width);

#endif /* TAPIO_FLOW_FORMAT_H */
