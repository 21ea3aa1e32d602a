/* SPDX-License-Identifier: GPL-2.0 */
/* The control socket of a running `tapio run`: its table for `tapio flows`,
 * and the requests that change the run (`tapio expire`). */
#ifndef TAPIO_DAEMON_SOCKET_USER_H
#define TAPIO_DAEMON_SOCKET_USER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

#include "lib/flow_dump.h"
#include "lib/flow_table.h"
#include "lib/pipeline.h"
#include "tapio/daemon_socket.h"

struct tapio_socket_server {
	int fd;
	const char *path;
	struct tapio_flow_table *table;
	pthread_t thread;
	volatile int stop;
	int running;
	int bound;		/* path is the socket this process made */
	unsigned int budget_ms; /* a client's time for its whole answer */
	_Atomic __u64 clients_served, clients_dropped;
	_Atomic __u64 requests[2]; /* verbs but flows: done, refused */
	_Atomic __u64 as_of_ns; /* the table's last collect (CLOCK_MONOTONIC) */
	/* Carries out a verb other than TAPIO_VERB_FLOWS, from the serving
	 * thread, by @deadline (CLOCK_MONOTONIC ms): fills @res.  *@pfx: the
	 * prefixes that followed @req (malloc'd, or NULL), taken by whoever
	 * sets it NULL; else freed after. */
	void (*control)(void *ctx, const struct tapio_socket_req *req,
			struct tapio_prefix **pfx,
			struct tapio_socket_result *res, __u64 deadline);
	void *control_ctx;
};

/* Listen on @path (its directory made 0700 if missing) and answer each
 * client from a thread (control and control_ctx, if set, are kept).  Refuses,
 * and removes nothing, when @path is not a dead socket of this user: -EEXIST,
 * -EPERM or -EADDRINUSE (live). */
int tapio_socket_serve(struct tapio_socket_server *s, const char *path,
		       struct tapio_flow_table *t);
void tapio_socket_close(struct tapio_socket_server *s);
/* Clients served and dropped, as /metrics families (a sink of run). */
extern const struct tapio_sink_ops tapio_socket_sink_ops;

/* @req (its verb not TAPIO_VERB_FLOWS; magic and version are set here)
 * asked of the daemon at @path, followed by @pfx[req->nprefixes]: 0 and
 * its result in @res (whose err may say it refused), -ENOENT when none
 * listens, -EACCES when the socket's mode keeps us out, -EPROTO said. */
int tapio_socket_control(const char *path, struct tapio_socket_req *req,
			 const struct tapio_prefix *pfx,
			 struct tapio_socket_result *res);
/* Append the daemon's flows of @ifindex (0: all) to @flows.  -ENOENT when
 * no daemon listens on @path, -EACCES when we may not connect. */
int tapio_socket_read(const char *path, unsigned int ifindex,
		      struct tapio_flow **flows, size_t *n);
/* The same, and *@as_of the CLOCK_MONOTONIC time the table was last
 * collected into: counts grow only then (tapio top's rates). */
int tapio_socket_read_at(const char *path, unsigned int ifindex,
			 struct tapio_flow **flows, size_t *n, __u64 *as_of);
/* The same from a connected @fd (@path names it in messages): a header
 * of this protocol, records, and an end record with their count, or
 * -EPROTO with the reason printed. */
int tapio_socket_decode(int fd, const char *path, unsigned int ifindex,
			struct tapio_flow **flows, size_t *n, __u64 *as_of);

#endif /* TAPIO_DAEMON_SOCKET_USER_H */
