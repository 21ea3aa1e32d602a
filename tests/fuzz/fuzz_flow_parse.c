// SPDX-License-Identifier: GPL-2.0
/* libFuzzer: any bytes through the shared frame parser, built for userspace
 * with ASan and UBSan, at every alignment; the answer must be consistent. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "flow_parse.h"

static void check(int reason, const struct tapio_flow_key *k,
		  const struct tapio_parse_result *r, size_t len)
{
	if (reason) {
		if (reason != TAPIO_CNT_NON_IP_PKTS &&
		    (reason < TAPIO_CNT_PARSE_FIRST ||
		     reason > TAPIO_CNT_PARSE_LAST))
			abort();
		return;
	}
	if (k->ip_version != 4 && k->ip_version != 6)
		abort();
	/* a TCP header's offset may claim up to 40 bytes of options more
	 * than the packet holds (used only to size GSO segments' headers) */
	if (r->l4_payload_off > len + 40)
		abort();
	if (k->ip_version == 4 &&
	    (k->src_addr[10] != 0xff || k->src_addr[11] != 0xff ||
	     k->dst_addr[10] != 0xff))
		abort();
	if (k->vlan_outer > 0xfff || k->vlan_inner > 0xfff)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tapio_parse_result r;
	struct tapio_flow_key k;
	size_t off;

	if (size > 4096)
		return 0;
	/* offsets 0..3: a header at any alignment, as frames put them */
	for (off = 0; off < 4; off++) {
		uint8_t *f = malloc(size + off + 1);

		if (!f)
			return 0;
		memcpy(f + off, data, size);
		memset(&k, 0, sizeof(k));
		check(tapio_parse_frame(f + off, f + off + size, (__u32)size, 0,
					0, &k, &r),
		      &k, &r, size);
		/* a device-stripped tag in front */
		memset(&k, 0, sizeof(k));
		check(tapio_parse_frame(f + off, f + off + size, (__u32)size, 1,
					(__u16)size, &k, &r),
		      &k, &r, size);
		free(f);
	}
	return 0;
}
