// SPDX-License-Identifier: GPL-2.0
/* bench/probe_workload: the workloads bench/probe_overhead.sh times with
 * and without probes; prints one number, the mean ns per operation. */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

extern char **environ;

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* N sequential fork+exec+wait of a short binary, as a shell loop does. */
static int run_exec(const char *bin, long n)
{
	char *argv[] = {(char *)bin, "--bench", NULL};
	double t0 = now_ns();
	int status;
	pid_t pid;
	long i;

	for (i = 0; i < n; i++) {
		int err = posix_spawn(&pid, bin, NULL, NULL, argv, environ);

		if (err) {
			fprintf(stderr, "probe_workload: spawn %s: %s\n", bin,
				strerror(err));
			return 1;
		}
		if (waitpid(pid, &status, 0) < 0) {
			perror("probe_workload: waitpid");
			return 1;
		}
	}
	printf("%.0f\n", (now_ns() - t0) / (double)n);
	return 0;
}

/* N O_DIRECT reads of @bs bytes at pseudo-random aligned offsets of a file
 * (a fixed seed, so every run reads the same blocks). */
static int run_dio(const char *path, long n, long bs)
{
	unsigned int seed = 42;
	double t0;
	off_t size, blocks;
	void *buf;
	long i;
	int fd = open(path, O_RDONLY | O_DIRECT);

	if (fd < 0) {
		fprintf(stderr, "probe_workload: open %s: %s\n", path,
			strerror(errno));
		return 1;
	}
	size = lseek(fd, 0, SEEK_END);
	blocks = size / bs;
	if (blocks < 1 || posix_memalign(&buf, 4096, (size_t)bs)) {
		fprintf(stderr, "probe_workload: %s: smaller than %ld bytes\n",
			path, bs);
		close(fd);
		return 1;
	}
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		off_t off = (off_t)(rand_r(&seed) % blocks) * bs;

		if (pread(fd, buf, (size_t)bs, off) != bs) {
			fprintf(stderr, "probe_workload: read %s: %s\n", path,
				strerror(errno));
			free(buf);
			close(fd);
			return 1;
		}
	}
	printf("%.0f\n", (now_ns() - t0) / (double)n);
	free(buf);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "exec"))
		return run_exec(argv[2], atol(argv[3]));
	if (argc == 5 && !strcmp(argv[1], "dio"))
		return run_dio(argv[2], atol(argv[3]), atol(argv[4]));
	fprintf(stderr, "usage: probe_workload exec BINARY COUNT\n"
			"       probe_workload dio FILE COUNT BLOCK_SIZE\n");
	return 2;
}
