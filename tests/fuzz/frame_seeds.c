// SPDX-License-Identifier: GPL-2.0
/* Writes every frame case of tests/tools/frame_cases.c as one file into
 * DIR: the fuzzers' seed corpus comes from the tree, not binary files. */
#include <stdio.h>

#include "frame_cases.h"

int main(int argc, char **argv)
{
	uint8_t buf[2048];
	char path[512];
	size_t i, n;
	FILE *f;

	if (argc != 2) {
		fprintf(stderr, "usage: frame_seeds DIR\n");
		return 2;
	}
	for (i = 0; i < frame_ncases; i++) {
		n = frame_case_build(&frame_cases[i], buf, sizeof(buf));
		snprintf(path, sizeof(path), "%s/%s", argv[1],
			 frame_cases[i].name);
		f = fopen(path, "wb");
		if (!f || fwrite(buf, 1, n, f) != n || fclose(f)) {
			perror(path);
			return 1;
		}
	}
	return 0;
}
