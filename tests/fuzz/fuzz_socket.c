// SPDX-License-Identifier: GPL-2.0
/* libFuzzer: any bytes as the daemon's answer on the control socket, read
 * by the client `tapio flows` uses; it takes a well-formed answer whole or
 * refuses the rest, and never keeps more records than arrived. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "export/daemon_socket.h"
#include "lib/log.h"
#include "tapio/daemon_socket.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tapio_flow *flows = NULL;
	size_t n = 0;
	int p[2], err;

	/* a pipe holds 64 KiB: the whole answer is written before reading */
	if (size > 60000 || pipe(p))
		return 0;
	tapio_log_level = -1;
	if (write(p[1], data, size) != (ssize_t)size)
		abort();
	close(p[1]);
	err = tapio_socket_decode(p[0], "fuzz", 0, &flows, &n, NULL);
	close(p[0]);
	if (err && err != -EPROTO && err != -ENODATA)
		abort();
	if (n > size / sizeof(struct tapio_flow_rec))
		abort(); /* more records than bytes for them */
	free(flows);
	return 0;
}
