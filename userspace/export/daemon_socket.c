// SPDX-License-Identifier: GPL-2.0
/* The control socket: one request a connection, answered by the serving
 * thread (the table, shard by shard) or by the run loop (a change to make
 * between two intervals); no client holds a table lock, the serving thread
 * or the loop for longer than its budget. */
#include <errno.h>
#include <stdatomic.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <grp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "export/daemon_socket.h"
#include "export/prom_text.h"
#include "lib/clock.h"
#include "lib/log.h"

/* A client gets this long for its whole answer: a reader that stops
 * reading is dropped, and only the serving thread ever waits for it. */
#define CLIENT_BUDGET_MS 5000

/* One shard's records, copied under its lock and sent after. */
struct snapshot {
	struct tapio_flow_rec *recs;
	size_t n, cap;
	int err;
	unsigned int ifindex; /* only its flows; 0: all */
};

static void copy_rec(const struct tapio_flow_rec *rec, void *ctx)
{
	struct snapshot *sn = ctx;
	struct tapio_flow_rec *grown;

	if (sn->err || (sn->ifindex && rec->key.ifindex != sn->ifindex))
		return;
	if (sn->n == sn->cap) {
		/* a realloc under a shard lock: rare, as the buffer is kept
		 * across shards and clients and only grows */
		size_t cap = sn->cap ? sn->cap * 2 : 1024;

		grown = realloc(sn->recs, cap * sizeof(*grown));
		if (!grown) {
			sn->err = -ENOMEM;
			return;
		}
		sn->recs = grown;
		sn->cap = cap;
	}
	sn->recs[sn->n++] = *rec;
}

/* Until @deadline (CLOCK_MONOTONIC ms) for @fd to be ready for @events:
 * 0 to try again, or why not (a stopping daemon waits for no client). */
static int wait_ready(struct tapio_socket_server *s, int fd, short events,
		      __u64 deadline)
{
	struct pollfd pfd = {.fd = fd, .events = events};
	__u64 now = tapio_mono_ns() / 1000000;

	if (now >= deadline)
		return -ETIMEDOUT;
	if (s->stop)
		return -ECANCELED;
	if (poll(&pfd, 1, deadline - now < 100 ? (int)(deadline - now) : 100) <
		    0 &&
	    errno != EINTR)
		return -errno;
	return 0;
}

/* @len bytes to a non-blocking @fd before @deadline. */
static int send_by(struct tapio_socket_server *s, int fd, const void *buf,
		   size_t len, __u64 deadline)
{
	const char *p = buf;
	int err = 0;

	while (len && !err) {
		/* a client that hung up must not kill the daemon (SIGPIPE) */
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n > 0) {
			p += n;
			len -= (size_t)n;
		} else if (n < 0 && errno != EINTR && errno != EAGAIN) {
			err = -errno;
		} else if (n < 0 && errno == EAGAIN) {
			err = wait_ready(s, fd, POLLOUT, deadline);
		}
	}
	return err;
}

/* Header, every flow shard by shard (no lock held while sending), end. */
static int answer(struct tapio_socket_server *s, int fd, struct snapshot *sn,
		  __u64 deadline)
{
	const struct tapio_socket_hdr h = {TAPIO_SOCKET_MAGIC,
					   TAPIO_SOCKET_VERSION,
					   sizeof(struct tapio_flow_rec), 0};
	struct tapio_flow_rec end = {};
	__u32 si;
	int err;

	err = send_by(s, fd, &h, sizeof(h), deadline);
	for (si = 0; !err && si < tapio_flow_table_nshards(s->table); si++) {
		sn->n = 0;
		tapio_flow_table_foreach_shard(s->table, si, copy_rec, sn);
		err = sn->err;
		if (!err)
			err = send_by(s, fd, sn->recs,
				      sn->n * sizeof(sn->recs[0]), deadline);
		end.val.packets += sn->n;
	}
	end.val.last_seen_ns = atomic_load(&s->as_of_ns);
	if (!err)
		err = send_by(s, fd, &end, sizeof(end), deadline);
	return err;
}

/* @len bytes from a non-blocking @fd before @deadline, or an error */
static int recv_by(struct tapio_socket_server *s, int fd, void *buf, size_t len,
		   __u64 deadline)
{
	char *p = buf;
	int err = 0;

	while (len && !err) {
		ssize_t n = recv(fd, p, len, 0);

		if (n > 0) {
			p += n;
			len -= (size_t)n;
		} else if (!n) {
			err = -ENODATA;
		} else if (errno != EINTR && errno != EAGAIN) {
			err = -errno;
		} else if (errno == EAGAIN) {
			err = wait_ready(s, fd, POLLIN, deadline);
		}
	}
	return err;
}

/* Who may change the run: root, the daemon's user, or its group (whom
 * the socket's mode lets connect; checked again should it be widened). */
static bool may_control(int fd)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);
	gid_t groups[64];
	socklen_t glen = sizeof(groups);
	unsigned int i;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len))
		return false;
	if (!cr.uid || cr.uid == geteuid() || cr.gid == getegid())
		return true;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &glen))
		return false;
	for (i = 0; i < glen / sizeof(groups[0]); i++)
		if (groups[i] == getegid())
			return true;
	return false;
}

/* A verb the run loop carries out, its result sent back. */
static int control(struct tapio_socket_server *s, int fd,
		   const struct tapio_socket_req *req, struct tapio_prefix *pfx,
		   __u64 deadline)
{
	const struct tapio_socket_hdr h = {
		TAPIO_SOCKET_MAGIC, TAPIO_SOCKET_VERSION,
		sizeof(struct tapio_socket_result), 0};
	struct tapio_socket_result res = {};
	int err;

	if (req->verb < TAPIO_VERB_EXPIRE ||
	    req->verb > TAPIO_SOCKET_VERB_LAST || !s->control) {
		res.err = -EOPNOTSUPP;
		snprintf(res.msg, sizeof(res.msg),
			 "verb %u is not one this tapio run knows", req->verb);
	} else if (!may_control(fd)) {
		res.err = -EPERM;
		snprintf(res.msg, sizeof(res.msg),
			 "only root, the daemon's user or its group may change "
			 "the run");
	} else {
		s->control(s->control_ctx, req, &pfx, &res, deadline);
	}
	free(pfx);
	err = send_by(s, fd, &h, sizeof(h), deadline);
	if (!err)
		err = send_by(s, fd, &res, sizeof(res), deadline);
	atomic_fetch_add(&s->requests[res.err ? 1 : 0], 1);
	return err;
}

/* One client: its request, then the table or a verb's result. */
static int serve(struct tapio_socket_server *s, int fd, struct snapshot *sn)
{
	__u64 deadline = tapio_mono_ns() / 1000000 + s->budget_ms;
	struct tapio_prefix *pfx = NULL;
	struct tapio_socket_req req;
	int err;

	err = recv_by(s, fd, &req, sizeof(req), deadline);
	if (err)
		return err;
	if (req.magic != TAPIO_SOCKET_MAGIC ||
	    req.version != TAPIO_SOCKET_VERSION)
		return -EPROTO; /* another tapio: it says so on its side */
	if (req.verb == TAPIO_VERB_FILTER_ADD && req.filter.prefix_set) {
		/* a set larger than any run takes is not read: the client
		 * is told, and its connection closed */
		if (!req.nprefixes || req.nprefixes > TAPIO_FLOW_PREFIXES_MAX)
			return -EMSGSIZE;
		pfx = malloc(req.nprefixes * sizeof(*pfx));
		if (!pfx)
			return -ENOMEM;
		err = recv_by(s, fd, pfx, req.nprefixes * sizeof(*pfx),
			      deadline);
		if (err) {
			free(pfx);
			return err;
		}
	}
	if (req.verb != TAPIO_VERB_FLOWS)
		return control(s, fd, &req, pfx, deadline);
	sn->ifindex = req.arg;
	return answer(s, fd, sn, deadline);
}

static void *serve_loop(void *arg)
{
	struct tapio_socket_server *s = arg;
	struct pollfd pfd = {.fd = s->fd, .events = POLLIN};
	struct snapshot sn = {};

	while (!s->stop) {
		int fd, err;

		if (poll(&pfd, 1, 100) <= 0)
			continue;
		fd = accept4(s->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			continue;
		sn.err = 0;
		err = serve(s, fd, &sn);
		close(fd);
		if (err) {
			atomic_fetch_add(&s->clients_dropped, 1);
			pr_debug("control socket: a client was dropped: %s",
				 strerror(-err));
		} else {
			atomic_fetch_add(&s->clients_served, 1);
		}
	}
	free(sn.recs);
	return NULL;
}

/*
 * Whether @path may become our socket: nothing there, or a socket of ours
 * that nobody answers on (a daemon that died).  Anything else is refused,
 * never removed: a file, a link, another user's socket, a live daemon.
 */
static int claim_path(const char *path, const struct sockaddr_un *a)
{
	struct stat st;
	int fd, err;

	if (lstat(path, &st))
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode)) {
		pr_err("%s exists and is not a socket: not replacing it", path);
		return -EEXIST;
	}
	if (st.st_uid != geteuid()) {
		pr_err("%s is a socket of uid %u: not replacing it", path,
		       st.st_uid);
		return -EPERM;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	err = connect(fd, (const struct sockaddr *)a, sizeof(*a)) ? errno : 0;
	close(fd);
	if (!err) {
		pr_err("another tapio run already listens on %s", path);
		return -EADDRINUSE;
	}
	if (err != ECONNREFUSED) {
		pr_err("cannot tell whether %s is in use: %s", path,
		       strerror(err));
		return -err;
	}
	if (unlink(path) && errno != ENOENT)
		return -errno;
	return 0;
}

/* The socket's directory: made 0750 if missing; a symlink is refused. */
static int socket_dir(const char *path)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)], *slash;
	struct stat st;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	if (mkdir(dir, 0750) && errno != EEXIST)
		return -errno;
	if (lstat(dir, &st))
		return -errno;
	if (!S_ISDIR(st.st_mode)) {
		pr_err("%s is not a directory (a link?): no socket in it", dir);
		return -ENOTDIR;
	}
	return 0;
}

int tapio_socket_serve(struct tapio_socket_server *s, const char *path,
		       struct tapio_flow_table *t)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	char eb[TAPIO_ERRBUF];
	mode_t old_mask;
	int err;

	void (*ctl)(void *, const struct tapio_socket_req *,
		    struct tapio_prefix **, struct tapio_socket_result *,
		    __u64) = s->control;
	void *ctl_ctx = s->control_ctx;

	memset(s, 0, sizeof(*s));
	s->control = ctl; /* set before: the thread serves it at once */
	s->control_ctx = ctl_ctx;
	s->fd = -1;
	s->budget_ms = CLIENT_BUDGET_MS;
	if (strlen(path) >= sizeof(a.sun_path)) {
		pr_err("control socket path too long: %s", path);
		return -ENAMETOOLONG;
	}
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	err = socket_dir(path);
	if (!err)
		err = claim_path(path, &a);
	if (err)
		goto fail;
	s->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s->fd < 0) {
		err = -errno;
		goto fail;
	}
	/* The owner and its group (tapio status and flows for members of
	 * the daemon's group), made so by bind itself: no moment with a
	 * wider mode.  No other thread runs yet to see this umask. */
	old_mask = umask(0117);
	err = bind(s->fd, (struct sockaddr *)&a, sizeof(a)) ? -errno : 0;
	umask(old_mask);
	if (err || listen(s->fd, 8)) {
		err = err ?: -errno;
		goto fail;
	}
	s->path = path;
	s->bound = 1;
	s->table = t;
	err = -pthread_create(&s->thread, NULL, serve_loop, s);
	if (err)
		goto fail;
	s->running = 1;
	return 0;
fail:
	if (err != -EADDRINUSE && err != -EEXIST && err != -EPERM)
		pr_err("cannot serve the control socket %s: %s", path,
		       tapio_strerror(err, eb, sizeof(eb)));
	tapio_socket_close(s);
	return err;
}

void tapio_socket_close(struct tapio_socket_server *s)
{
	s->stop = 1;
	if (s->running)
		pthread_join(s->thread, NULL);
	s->running = 0;
	if (s->fd >= 0)
		close(s->fd);
	/* only the file this process bound: never one found there */
	if (s->bound)
		unlink(s->path);
	s->bound = 0;
	s->fd = -1;
}

static void sink_metrics(void *priv, FILE *f)
{
	struct tapio_socket_server *s = priv;

	tapio_prom_family(f, "tapio_control_clients_total", "counter",
			  "Clients of the control socket, by result: served "
			  "the whole table, or dropped (stopped reading "
			  "within the budget, or hung up).");
	fprintf(f,
		"tapio_control_clients_total{result=\"served\"} %llu\n"
		"tapio_control_clients_total{result=\"dropped\"} %llu\n",
		(unsigned long long)atomic_load(&s->clients_served),
		(unsigned long long)atomic_load(&s->clients_dropped));
	tapio_prom_family(f, "tapio_control_requests_total", "counter",
			  "Requests that change the run (tapio expire, "
			  "filter, limit), by "
			  "result: done, or refused (not allowed, not known, "
			  "not answered in time).");
	fprintf(f,
		"tapio_control_requests_total{result=\"done\"} %llu\n"
		"tapio_control_requests_total{result=\"refused\"} %llu\n",
		(unsigned long long)atomic_load(&s->requests[0]),
		(unsigned long long)atomic_load(&s->requests[1]));
}

const struct tapio_sink_ops tapio_socket_sink_ops = {
	.name = "control socket",
	.metrics = sink_metrics,
};

static int read_all(int fd, void *buf, size_t len)
{
	char *p = buf;

	while (len) {
		ssize_t n = read(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n ? -errno : -ENODATA;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int tapio_socket_decode(int fd, const char *path, unsigned int ifindex,
			struct tapio_flow **flows, size_t *n, __u64 *as_of)
{
	struct tapio_socket_hdr h;
	struct tapio_flow_rec rec;
	struct tapio_flow *grown;
	size_t cap = *n;
	__u64 got = 0;
	int err;

	err = read_all(fd, &h, sizeof(h));
	if (!err &&
	    (h.magic != TAPIO_SOCKET_MAGIC ||
	     h.version != TAPIO_SOCKET_VERSION || h.rec_size != sizeof(rec))) {
		pr_err("%s speaks another protocol (version %u)", path,
		       h.version);
		err = -EPROTO;
	}
	while (!err) {
		err = read_all(fd, &rec, sizeof(rec));
		if (err == -ENODATA) {
			pr_err("the answer of %s was cut short", path);
			err = -EPROTO;
			break;
		}
		if (err)
			break;
		if (!rec.key.ip_version) { /* the end record */
			if (rec.val.packets != got) {
				pr_err("%s sent %llu flows, %llu arrived", path,
				       (unsigned long long)rec.val.packets,
				       (unsigned long long)got);
				err = -EPROTO;
			}
			if (as_of)
				*as_of = rec.val.last_seen_ns;
			break;
		}
		got++;
		if (ifindex && rec.key.ifindex != ifindex)
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 256;
			grown = realloc(*flows, cap * sizeof(**flows));
			if (!grown) {
				err = -ENOMEM;
				break;
			}
			*flows = grown;
		}
		(*flows)[*n].key = rec.key;
		(*flows)[*n].val = rec.val;
		(*n)++;
	}
	return err;
}

/* @len bytes of @buf into a blocking @fd: 0, or -1 and errno. */
static int send_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Connected to the daemon at @path, @verb asked: the fd, -ENOENT when
 * nobody listens, -EACCES when the socket's mode keeps us out. */
static int ask(const char *path, struct tapio_socket_req *req,
	       const struct tapio_prefix *pfx)
{
	size_t len = pfx ? req->nprefixes * sizeof(*pfx) : 0;
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	int fd, err;

	req->magic = TAPIO_SOCKET_MAGIC;
	req->version = TAPIO_SOCKET_VERSION;
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		err = errno == EACCES || errno == EPERM ? -EACCES : -ENOENT;
		close(fd);
		return err;
	}
	if (send(fd, req, sizeof(*req), MSG_NOSIGNAL) != sizeof(*req) ||
	    (len && send_all(fd, pfx, len))) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

int tapio_socket_read_at(const char *path, unsigned int ifindex,
			 struct tapio_flow **flows, size_t *n, __u64 *as_of)
{
	struct tapio_socket_req req = {.verb = TAPIO_VERB_FLOWS,
				       .arg = ifindex};
	int fd, err;

	fd = ask(path, &req, NULL);
	if (fd < 0)
		return fd == -EACCES ? -EACCES : -ENOENT;
	err = tapio_socket_decode(fd, path, ifindex, flows, n, as_of);
	close(fd);
	return err;
}

int tapio_socket_read(const char *path, unsigned int ifindex,
		      struct tapio_flow **flows, size_t *n)
{
	return tapio_socket_read_at(path, ifindex, flows, n, NULL);
}

int tapio_socket_control(const char *path, struct tapio_socket_req *req,
			 const struct tapio_prefix *pfx,
			 struct tapio_socket_result *res)
{
	struct tapio_socket_hdr h;
	int fd, err;

	fd = ask(path, req, pfx);
	if (fd < 0)
		return fd;
	err = read_all(fd, &h, sizeof(h));
	if (!err &&
	    (h.magic != TAPIO_SOCKET_MAGIC ||
	     h.version != TAPIO_SOCKET_VERSION || h.rec_size != sizeof(*res))) {
		pr_err("%s speaks another protocol (version %u)", path,
		       h.version);
		err = -EPROTO;
	}
	if (!err)
		err = read_all(fd, res, sizeof(*res));
	if (err == -ENODATA) {
		pr_err("%s closed without an answer", path);
		err = -EPROTO;
	}
	res->msg[sizeof(res->msg) - 1] = '\0';
	close(fd);
	return err;
}
