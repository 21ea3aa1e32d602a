// SPDX-License-Identifier: GPL-2.0
/* A one-shot dump protocol on a UNIX stream socket: no request, the
 * daemon writes every flow of its table and closes the connection. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "export/daemon_socket.h"
#include "lib/log.h"

struct writer {
	int fd, err;
	__u64 sent;
};

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		/* a client that hung up must not kill the daemon (SIGPIPE) */
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static void send_rec(const struct tapio_flow_rec *rec, void *ctx)
{
	struct writer *w = ctx;

	if (!w->err)
		w->err = write_all(w->fd, rec, sizeof(*rec));
	w->sent += !w->err;
}

static void *serve_loop(void *arg)
{
	struct tapio_socket_server *s = arg;
	struct pollfd pfd = {.fd = s->fd, .events = POLLIN};
	struct tapio_socket_hdr h = {TAPIO_SOCKET_MAGIC, TAPIO_SOCKET_VERSION,
				     sizeof(struct tapio_flow_rec), 0};

	while (!s->stop) {
		struct writer w = {.err = 0};

		if (poll(&pfd, 1, 100) <= 0)
			continue;
		w.fd = accept(s->fd, NULL, NULL);
		if (w.fd < 0)
			continue;
		w.err = write_all(w.fd, &h, sizeof(h));
		/* each shard is locked only while its flows are written */
		tapio_flow_table_foreach(s->table, send_rec, &w);
		if (!w.err) {
			struct tapio_flow_rec end = {.val.packets = w.sent};

			write_all(w.fd, &end, sizeof(end));
		}
		close(w.fd);
	}
	return NULL;
}

int tapio_socket_serve(struct tapio_socket_server *s, const char *path,
		       struct tapio_flow_table *t)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	char dir[sizeof(a.sun_path)], *slash;
	int err;

	memset(s, 0, sizeof(*s));
	s->fd = -1;
	if (strlen(path) >= sizeof(a.sun_path))
		return -ENAMETOOLONG;
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		mkdir(dir, 0700);
	}
	s->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s->fd < 0)
		return -errno;
	/* a socket file left by a daemon that died is ours to replace; a
	 * live daemon answers, and then we do not take its place */
	if (!connect(s->fd, (struct sockaddr *)&a, sizeof(a))) {
		pr_err("another tapio run already listens on %s", path);
		close(s->fd);
		s->fd = -1;
		return -EADDRINUSE;
	}
	close(s->fd);
	unlink(path);
	s->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s->fd < 0)
		return -errno;
	if (bind(s->fd, (struct sockaddr *)&a, sizeof(a)) || listen(s->fd, 8)) {
		err = -errno;
		pr_err("cannot listen on %s: %s", path, strerror(errno));
		close(s->fd);
		s->fd = -1;
		return err;
	}
	chmod(path, 0600);
	s->path = path;
	s->table = t;
	err = pthread_create(&s->thread, NULL, serve_loop, s);
	if (err) {
		tapio_socket_close(s);
		return -err;
	}
	s->running = 1;
	return 0;
}

void tapio_socket_close(struct tapio_socket_server *s)
{
	s->stop = 1;
	if (s->running)
		pthread_join(s->thread, NULL);
	s->running = 0;
	if (s->fd >= 0) {
		close(s->fd);
		unlink(s->path);
	}
	s->fd = -1;
}

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

int tapio_socket_read(const char *path, unsigned int ifindex,
		      struct tapio_flow **flows, size_t *n)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	struct tapio_socket_hdr h;
	struct tapio_flow_rec rec;
	struct tapio_flow *grown;
	size_t cap = *n;
	__u64 got = 0;
	int fd, err;

	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		close(fd);
		return -ENOENT;
	}
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
	close(fd);
	return err;
}
