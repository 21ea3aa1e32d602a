// SPDX-License-Identifier: GPL-2.0
/* Frame construction for tests and tools: every header written by hand so
 * a test knows each byte it sends; checksums are correct. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "frame_build.h"

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)(p[len - 1] << 8);
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

int fb_parse_mac(const char *s, uint8_t mac[6])
{
	unsigned int m[6];
	int i;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4],
		   &m[5]) != 6)
		return -1;
	for (i = 0; i < 6; i++) {
		if (m[i] > 0xff)
			return -1;
		mac[i] = (uint8_t)m[i];
	}
	return 0;
}

static size_t l4_header_len(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return 20;
	case IPPROTO_UDP:
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		return 8;
	default:
		return 0;
	}
}

static size_t ext_len(uint8_t type)
{
	return type == IPPROTO_AH ? 12 : 8;
}

size_t fb_build(const struct fb_spec *s, uint8_t *buf, size_t cap,
		struct fb_layout *lay)
{
	uint8_t saddr[16] = {0}, daddr[16] = {0};
	size_t off = 0, l3, l4, l4len, exts = 0, alen;
	int af = s->ipver == 6 ? AF_INET6 : AF_INET;
	uint8_t first_nh;
	int i, frag = s->frag_offset || s->more_frags;
	uint32_t sum;

	alen = af == AF_INET6 ? 16 : 4;
	if (inet_pton(af, s->src, saddr) != 1 ||
	    inet_pton(af, s->dst, daddr) != 1 || s->nvlan > 2 ||
	    s->next > FB_MAX_EXT || s->ipv4_opt_len % 4 || s->ipv4_opt_len > 40)
		return 0;
	/* A non-first fragment carries payload only, no L4 header. */
	l4len = (frag && s->frag_offset ? 0 : l4_header_len(s->proto)) +
		s->payload;
	for (i = 0; i < s->next; i++)
		exts += ext_len(s->ext[i]);
	if (af == AF_INET6 && frag)
		exts += 8;
	if (14 + 4 * (size_t)s->nvlan +
		    (af == AF_INET6 ? 40 + exts : 20 + s->ipv4_opt_len) +
		    l4len >
	    cap)
		return 0;
	memset(buf, 0, cap);

	memcpy(buf, s->dst_mac, 6);
	memcpy(buf + 6, s->src_mac, 6);
	off = 12;
	for (i = 0; i < s->nvlan; i++) {
		put16(buf + off,
		      i == 0 && s->outer_tpid ? s->outer_tpid : 0x8100);
		put16(buf + off + 2, s->vlan[i] & 0x0fff);
		off += 4;
	}
	put16(buf + off, af == AF_INET6 ? 0x86dd : 0x0800);
	off += 2;
	l3 = off;

	if (af == AF_INET) {
		size_t hl = 20 + s->ipv4_opt_len;

		buf[l3] = (uint8_t)(0x40 | hl / 4);
		put16(buf + l3 + 2, (uint16_t)(hl + l4len));
		put16(buf + l3 + 4, 0x1234);
		put16(buf + l3 + 6, (uint16_t)((s->more_frags ? 0x2000 : 0) |
					       (s->frag_offset & 0x1fff)));
		buf[l3 + 8] = 64;
		buf[l3 + 9] = s->proto;
		memcpy(buf + l3 + 12, saddr, 4);
		memcpy(buf + l3 + 16, daddr, 4);
		/* options: NOPs ending in EOL */
		memset(buf + l3 + 20, 1, s->ipv4_opt_len);
		if (s->ipv4_opt_len)
			buf[l3 + hl - 1] = 0;
		put16(buf + l3 + 10, csum_fold(csum_add(0, buf + l3, hl)));
		l4 = l3 + hl;
	} else {
		uint8_t *nhp = buf + l3 + 6;
		size_t p = l3 + 40;

		buf[l3] = 0x60;
		put16(buf + l3 + 4, (uint16_t)(exts + l4len));
		buf[l3 + 7] = 64;
		memcpy(buf + l3 + 8, saddr, 16);
		memcpy(buf + l3 + 24, daddr, 16);
		for (i = 0; i < s->next; i++) {
			*nhp = s->ext[i];
			nhp = buf + p;
			if (s->ext[i] == IPPROTO_AH)
				buf[p + 1] = 1; /* (1 + 2) * 4 = 12 bytes */
			else
				buf[p + 1] = 0; /* (0 + 1) * 8 = 8 bytes */
			if (s->ext[i] == IPPROTO_HOPOPTS ||
			    s->ext[i] == IPPROTO_DSTOPTS) {
				buf[p + 2] = 1; /* PadN over the rest */
				buf[p + 3] = 4;
			}
			p += ext_len(s->ext[i]);
		}
		if (frag) {
			*nhp = IPPROTO_FRAGMENT;
			nhp = buf + p;
			put16(buf + p + 2, (uint16_t)(s->frag_offset << 3 |
						      !!s->more_frags));
			p += 8;
		}
		*nhp = s->proto;
		l4 = p;
	}
	first_nh = s->proto;
	off = l4 + l4len;
	memset(buf + l4, 0, l4len);
	if (!(frag && s->frag_offset)) {
		size_t pl = l4 + l4_header_len(s->proto);

		for (i = 0; (size_t)i < s->payload; i++)
			buf[pl + i] = (uint8_t)('a' + i % 26);
		switch (first_nh) {
		case IPPROTO_TCP:
			put16(buf + l4, s->sport);
			put16(buf + l4 + 2, s->dport);
			buf[l4 + 12] = 5 << 4;
			buf[l4 + 13] = s->tcp_flags;
			put16(buf + l4 + 14, 65535);
			break;
		case IPPROTO_UDP:
			put16(buf + l4, s->sport);
			put16(buf + l4 + 2, s->dport);
			put16(buf + l4 + 4, (uint16_t)l4len);
			break;
		case IPPROTO_ICMP:
		case IPPROTO_ICMPV6:
			buf[l4] = (uint8_t)s->sport;
			buf[l4 + 1] = (uint8_t)s->dport;
			break;
		}
		/* L4 checksum over the pseudo-header (not for fragments). */
		if (!frag && l4_header_len(first_nh)) {
			size_t co = first_nh == IPPROTO_TCP   ? 16
				    : first_nh == IPPROTO_UDP ? 6
							      : 2;
			uint8_t ph[4];

			sum = 0;
			if (first_nh != IPPROTO_ICMP) {
				sum = csum_add(sum, saddr, alen);
				sum = csum_add(sum, daddr, alen);
				put16(ph, (uint16_t)(l4len >> 16));
				put16(ph + 2, (uint16_t)l4len);
				sum = csum_add(sum, ph, 4);
				sum += first_nh;
			}
			sum = csum_add(sum, buf + l4, l4len);
			put16(buf + l4 + co, csum_fold(sum));
		}
	}
	if (lay) {
		lay->l3_off = l3;
		lay->l4_off = l4;
		lay->len = off;
	}
	return off;
}
