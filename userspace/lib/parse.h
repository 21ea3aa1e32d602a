/* SPDX-License-Identifier: GPL-2.0 */
/* Validation of command-line values shared by every subcommand: numbers,
 * modes, device names.  Each failure prints one line naming the option. */
#ifndef TAPIO_PARSE_H
#define TAPIO_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include <netinet/in.h>
#include <sys/socket.h>

int tapio_parse_u32(const char *opt, const char *s, __u32 min, __u32 max,
		    __u32 *out);
/* Seconds with decimals ("0.5", "30"), as nanoseconds in [min, max]. */
int tapio_parse_seconds(const char *opt, const char *s, __u64 min_ns,
			__u64 max_ns, __u64 *out_ns);
/* A name the kernel would accept for a device (it need not exist). */
int tapio_check_dev_name(const char *dev);
/* A device by name: its ifindex, or an error naming it. */
int tapio_parse_dev(const char *dev, unsigned int *ifindex);
/* @in for a message: bytes outside printable ASCII (and backslash) as
 * \xNN, cut with "..." to fit @len. */
const char *tapio_printable(const char *in, char *out, size_t len);
/* A listening address "IPV4:PORT", "[IPV6]:PORT", "HOST:PORT" (resolved
 * now) or ":PORT" (every IPv4 address); an error names the setting @name. */
int tapio_parse_listen(const char *name, const char *v,
		       struct sockaddr_storage *ss, socklen_t *len);
/* Settings checks: a listening address; a list of HOST:PORT. */
int tapio_check_listen(const char *name, const char *v);
int tapio_check_collectors(const char *name, const char *v);
/* After getopt returned @opt: one line for '?' (unknown option) or ':'
 * (missing value) and -EINVAL; 0 for any other @opt. */
int tapio_getopt_error(int opt, char **argv);

#endif /* TAPIO_PARSE_H */
