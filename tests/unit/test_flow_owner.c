// SPDX-License-Identifier: GPL-2.0
/* Unit tests of the container id and pod UID a cgroup path shows, in the
 * layouts of docker, containerd, cri-o, podman, systemd and cgroupfs. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "lib/flow_owner.h"

#define HEX64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define UID   "1b2c3d4e-0000-4111-8222-123456789abc"

static void expect(const char *path, const char *cid, const char *pod)
{
	char c[65], p[37];

	tapio_owner_parse_cgroup(path, c, p);
	assert_string_equal(c, cid);
	assert_string_equal(p, pod);
}

static void test_layouts(void **state)
{
	(void)state;
	/* docker under systemd, docker under cgroupfs, podman, cri-o */
	expect("/system.slice/docker-" HEX64 ".scope", HEX64, "");
	expect("/docker/" HEX64, HEX64, "");
	expect("/machine.slice/libpod-" HEX64 ".scope/container", HEX64, "");
	expect("/kubepods.slice/kubepods-besteffort.slice/"
	       "kubepods-besteffort-pod1b2c3d4e_0000_4111_8222_123456789abc"
	       ".slice/crio-" HEX64 ".scope",
	       HEX64, UID);
	/* containerd under cgroupfs: the pod's own cgroup has no container */
	expect("/kubepods/burstable/pod" UID "/" HEX64, HEX64, UID);
	expect("/kubepods/burstable/pod" UID, "", UID);
	/* nothing to find: a plain cgroup, the root, near misses */
	expect("/user.slice/user-0.slice/session-1.scope", "", "");
	expect("/", "", "");
	expect("/docker/" HEX64 "0", "", "");	    /* 65 digits */
	expect("/podman/pod1b2c3d4e-0000", "", ""); /* UID cut short */
	expect("/x/pod1b2c3d4e00000-4111-8222-123456789abc", "", "");
}

/* The last 64-digit run wins: a container nested in a container's cgroup
 * is the inner one. */
static void test_last_wins(void **state)
{
	(void)state;
	expect("/docker/" HEX64 "/docker/"
	       "fedcba9876543210fedcba9876543210fedcba9876543210fedcba987654321"
	       "0",
	       "fedcba9876543210fedcba9876543210fedcba9876543210fedcba987654321"
	       "0",
	       "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layouts),
		cmocka_unit_test(test_last_wins),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
