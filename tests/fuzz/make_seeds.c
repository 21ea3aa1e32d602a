// SPDX-License-Identifier: GPL-2.0
/* Writes the fuzzers' seed corpora from the tree, not from binary files:
 * `frames DIR` every frame case of tests/tools/frame_cases.c, one file
 * each; `socket DIR` a well-formed answer of the control socket. */
#include <stdio.h>
#include <string.h>

#include "frame_cases.h"
#include "lib/flow_table.h"
#include "tapio/daemon_socket.h"

static int put(const char *dir, const char *name, const void *buf, size_t n)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(buf, 1, n, f) != n || fclose(f)) {
		perror(path);
		return 1;
	}
	return 0;
}

static int frames(const char *dir)
{
	uint8_t buf[2048];
	size_t i, n;

	for (i = 0; i < frame_ncases; i++) {
		n = frame_case_build(&frame_cases[i], buf, sizeof(buf));
		if (put(dir, frame_cases[i].name, buf, n))
			return 1;
	}
	return 0;
}

/* header, two flows, the end record that counts them */
static int socket_answer(const char *dir)
{
	struct {
		struct tapio_socket_hdr h;
		struct tapio_flow_rec rec[3];
	} a;

	memset(&a, 0, sizeof(a));
	a.h.magic = TAPIO_SOCKET_MAGIC;
	a.h.version = TAPIO_SOCKET_VERSION;
	a.h.rec_size = sizeof(a.rec[0]);
	a.rec[0].key.ip_version = 4;
	a.rec[0].key.protocol = 17;
	a.rec[0].val.packets = 10;
	a.rec[1].key.ip_version = 6;
	a.rec[1].key.protocol = 6;
	a.rec[1].val.packets = 3;
	a.rec[2].val.packets = 2;
	return put(dir, "answer", &a, sizeof(a));
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "frames"))
		return frames(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "socket"))
		return socket_answer(argv[2]);
	fprintf(stderr, "usage: make_seeds frames|socket DIR\n");
	return 2;
}
