// SPDX-License-Identifier: GPL-2.0
/* Test traffic with exactly known counts and sizes: UDP through sockets,
 * crafted frames through AF_PACKET, and a TCP exchange of known bytes. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <pcap/pcap.h>

#include "frame_build.h"

struct opts {
	const char *src, *dst, *dev, *bad, *file;
	unsigned int sport, dport, count, size, gap_us, reply, port, flows;
	unsigned long long bytes;
	struct fb_spec spec;
};

static void die(const char *what)
{
	fprintf(stderr, "pktsend: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void usage(void)
{
	fprintf(stderr,
		"Usage: pktsend udp --dst IP --dport P [--src IP] [--sport P]\n"
		"               [--count N] [--size BYTES] [--flows K] "
		"[--gap-us U]\n"
		"       pktsend raw --dev DEV --dst-mac MAC --src IP --dst IP\n"
		"               [--proto udp|tcp|icmp] [--sport P] [--dport "
		"P]\n"
		"               [--vlan ID[,ID]] [--qinq] [--count N] "
		"[--size BYTES]\n"
		"               [--bad ihl|totlen|trunc-l4] [--flows K: "
		"consecutive ports, --count each]\n"
		"       pktsend pcap --dev DEV --file F: every frame of F, "
		"as it is\n"
		"       pktsend tcp-server --port P [--bind IP] [--reply "
		"BYTES]\n"
		"       pktsend tcp-client --dst IP --port P --bytes B\n");
	exit(2);
}

static int addr_of(const char *ip, unsigned int port,
		   struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, ip, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)port);
		*len = sizeof(*a4);
		return AF_INET;
	}
	if (inet_pton(AF_INET6, ip, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*a6);
		return AF_INET6;
	}
	fprintf(stderr, "pktsend: bad address '%s'\n", ip);
	exit(2);
}

static void pause_us(unsigned int us)
{
	struct timespec ts = {us / 1000000, (long)(us % 1000000) * 1000};

	if (us)
		nanosleep(&ts, NULL);
}

/* --flows K sends on K consecutive source ports, --count packets each. */
static int send_udp(struct opts *o)
{
	struct sockaddr_storage dst, src;
	socklen_t dlen, slen;
	char *buf = calloc(1, o->size ? o->size : 1);
	unsigned int f, i, flows = o->flows ? o->flows : 1;
	int af, fd;

	if (!o->dst || !o->dport || !buf)
		usage();
	af = addr_of(o->dst, o->dport, &dst, &dlen);
	for (f = 0; f < flows; f++) {
		fd = socket(af, SOCK_DGRAM, 0);
		if (fd < 0)
			die("socket");
		if (o->src || o->sport) {
			addr_of(o->src ? o->src
				       : (af == AF_INET ? "0.0.0.0" : "::"),
				o->sport ? o->sport + f : 0, &src, &slen);
			if (bind(fd, (struct sockaddr *)&src, slen))
				die("bind");
		}
		for (i = 0; i < o->count; i++) {
			if (sendto(fd, buf, o->size, 0, (struct sockaddr *)&dst,
				   dlen) != (ssize_t)o->size)
				die("sendto");
			pause_us(o->gap_us);
		}
		close(fd);
	}
	free(buf);
	printf("sent %u udp packets of %u payload bytes on %u flow(s)\n",
	       o->count * flows, o->size, flows);
	return 0;
}

static int send_raw(struct opts *o)
{
	struct sockaddr_ll sll = {0};
	struct fb_layout lay;
	uint8_t frame[2048];
	size_t len, send_len;
	unsigned int i;
	struct ifreq ifr;
	int fd;

	if (!o->dev || !o->src || !o->dst ||
	    (o->flows > 1 && (o->bad || o->gap_us)))
		usage();
	o->spec.src = o->src;
	o->spec.dst = o->dst;
	o->spec.ipver = strchr(o->src, ':') ? 6 : 4;
	o->spec.sport = (uint16_t)o->sport;
	o->spec.dport = (uint16_t)o->dport;
	o->spec.payload = o->size;
	if (!o->spec.proto)
		o->spec.proto = IPPROTO_UDP;
	if (o->spec.proto == IPPROTO_ICMP && o->spec.ipver == 6)
		o->spec.proto = IPPROTO_ICMPV6;
	fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (fd < 0)
		die("socket(AF_PACKET)");
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", o->dev);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr))
		die(o->dev);
	memcpy(o->spec.src_mac, ifr.ifr_hwaddr.sa_data, 6);
	len = fb_build(&o->spec, frame, sizeof(frame), &lay);
	if (!len) {
		fprintf(stderr, "pktsend: cannot build that frame\n");
		return 2;
	}
	send_len = len;
	if (o->bad && !strcmp(o->bad, "ihl")) {
		frame[lay.l3_off] = 0x44; /* IHL 4 < 5 */
	} else if (o->bad && !strcmp(o->bad, "totlen")) {
		frame[lay.l3_off + 2] = 0x05; /* 1500 > frame */
		frame[lay.l3_off + 3] = 0xdc;
	} else if (o->bad && !strcmp(o->bad, "trunc-l4")) {
		send_len = lay.l4_off + 4; /* half a UDP header */
		if (o->spec.ipver == 4) {
			frame[lay.l3_off + 2] = 0;
			frame[lay.l3_off + 3] =
				(uint8_t)(send_len - lay.l3_off);
		} else {
			frame[lay.l3_off + 4] = 0;
			frame[lay.l3_off + 5] =
				(uint8_t)(send_len - lay.l3_off - 40);
		}
	} else if (o->bad) {
		usage();
	}
	sll.sll_family = AF_PACKET;
	sll.sll_ifindex = (int)if_nametoindex(o->dev);
	sll.sll_halen = 6;
	memcpy(sll.sll_addr, o->spec.dst_mac, 6);
	if (!o->gap_us) {
		/* as fast as one core goes: batches of 64, no qdisc */
		static uint8_t many[64][2048];
		struct mmsghdr msgs[64];
		struct iovec iov = {frame, send_len}, iovs[64];
		unsigned int flows = o->flows ? o->flows : 1;
		unsigned int total = o->count * flows;
		int one = 1, k;

		setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one,
			   sizeof(one));
		memset(msgs, 0, sizeof(msgs));
		for (k = 0; k < 64; k++) {
			msgs[k].msg_hdr.msg_name = &sll;
			msgs[k].msg_hdr.msg_namelen = sizeof(sll);
			msgs[k].msg_hdr.msg_iov = &iov;
			msgs[k].msg_hdr.msg_iovlen = 1;
		}
		for (i = 0; i < total;) {
			unsigned int n = total - i < 64 ? total - i : 64;
			int sent;

			/* --flows: frame i is of flow i % K (a port pair each)
			 */
			for (k = 0; flows > 1 && k < (int)n; k++) {
				unsigned int f = (i + (unsigned int)k) % flows;

				o->spec.sport = (uint16_t)(o->sport + f);
				o->spec.dport =
					(uint16_t)(o->dport +
						   ((o->sport + f) >> 16));
				fb_build(&o->spec, many[k], sizeof(many[k]),
					 &lay);
				msgs[k].msg_hdr.msg_iov = &iovs[k];
				iovs[k] = (struct iovec){many[k], send_len};
			}
			sent = sendmmsg(fd, msgs, n, 0);

			if (sent < 0) {
				if (errno == ENOBUFS || errno == EAGAIN)
					continue;
				die("sendmmsg(AF_PACKET)");
			}
			i += (unsigned int)sent;
		}
	} else {
		for (i = 0; i < o->count; i++) {
			if (sendto(fd, frame, send_len, 0,
				   (struct sockaddr *)&sll,
				   sizeof(sll)) != (ssize_t)send_len)
				die("sendto(AF_PACKET)");
			pause_us(o->gap_us);
		}
	}
	close(fd);
	printf("sent %u frames of %zu bytes\n",
	       o->count * (o->gap_us || !o->flows ? 1 : o->flows), send_len);
	return 0;
}

static int tcp_server(struct opts *o)
{
	struct sockaddr_storage a;
	unsigned long long got = 0;
	socklen_t len;
	char buf[65536];
	int fd, c, one = 1, af;
	ssize_t n;

	if (!o->port)
		usage();
	af = addr_of(o->src ? o->src : "::", o->port, &a, &len);
	fd = socket(af, SOCK_STREAM, 0);
	if (fd < 0)
		die("socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&a, len) || listen(fd, 1))
		die("bind/listen");
	printf("listening\n");
	fflush(stdout);
	c = accept(fd, NULL, NULL);
	if (c < 0)
		die("accept");
	while ((n = read(c, buf, sizeof(buf))) > 0)
		got += (unsigned long long)n;
	memset(buf, 'r', sizeof(buf));
	for (unsigned long long left = o->reply; left;) {
		size_t chunk = left < sizeof(buf) ? left : sizeof(buf);

		n = write(c, buf, chunk);
		if (n <= 0)
			die("write");
		left -= (unsigned long long)n;
	}
	close(c);
	close(fd);
	printf("received %llu bytes, replied %u\n", got, o->reply);
	return 0;
}

static int tcp_client(struct opts *o)
{
	struct sockaddr_storage a;
	unsigned long long got = 0, left = o->bytes;
	socklen_t len;
	char buf[65536];
	ssize_t n;
	int fd, af;

	if (!o->dst || !o->port)
		usage();
	af = addr_of(o->dst, o->port, &a, &len);
	fd = socket(af, SOCK_STREAM, 0);
	if (fd < 0)
		die("socket");
	if (connect(fd, (struct sockaddr *)&a, len))
		die("connect");
	memset(buf, 's', sizeof(buf));
	while (left) {
		size_t chunk = left < sizeof(buf) ? left : sizeof(buf);

		n = write(fd, buf, chunk);
		if (n <= 0)
			die("write");
		left -= (unsigned long long)n;
	}
	shutdown(fd, SHUT_WR);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		got += (unsigned long long)n;
	close(fd);
	printf("sent %llu bytes, received %llu\n", o->bytes, got);
	return 0;
}

static unsigned int num(const char *s)
{
	char *end;
	unsigned long v = strtoul(s, &end, 0);

	if (*end || v > 0xffffffffUL) {
		fprintf(stderr, "pktsend: bad number '%s'\n", s);
		exit(2);
	}
	return (unsigned int)v;
}

/* Each frame of a pcap file on DEV through AF_PACKET, byte for byte. */
static int send_pcap(const struct opts *o)
{
	struct sockaddr_ll sll = {.sll_family = AF_PACKET};
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *frame;
	unsigned int n = 0, short_frames = 0;
	pcap_t *p;
	int fd, r;

	if (!o->dev || !o->file)
		usage();
	p = pcap_open_offline(o->file, err);
	if (!p) {
		fprintf(stderr, "pktsend: %s\n", err);
		return 1;
	}
	fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (fd < 0)
		die("socket(AF_PACKET)");
	sll.sll_ifindex = (int)if_nametoindex(o->dev);
	if (!sll.sll_ifindex)
		die(o->dev);
	while ((r = pcap_next_ex(p, &h, &frame)) == 1) {
		/* AF_PACKET refuses less than an Ethernet header */
		if (h->caplen < ETH_HLEN) {
			short_frames++;
			continue;
		}
		if (sendto(fd, frame, h->caplen, 0, (struct sockaddr *)&sll,
			   sizeof(sll)) != (ssize_t)h->caplen)
			die("sendto(AF_PACKET)");
		n++;
		pause_us(o->gap_us);
	}
	pcap_close(p);
	close(fd);
	printf("%u frames sent, %u shorter than an Ethernet header not\n", n,
	       short_frames);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {{"src", 1, NULL, 's'},
					   {"dst", 1, NULL, 'd'},
					   {"sport", 1, NULL, 'S'},
					   {"dport", 1, NULL, 'D'},
					   {"count", 1, NULL, 'c'},
					   {"size", 1, NULL, 'z'},
					   {"gap-us", 1, NULL, 'g'},
					   {"dev", 1, NULL, 'i'},
					   {"dst-mac", 1, NULL, 'm'},
					   {"proto", 1, NULL, 'p'},
					   {"vlan", 1, NULL, 'v'},
					   {"qinq", 0, NULL, 'q'},
					   {"bad", 1, NULL, 'b'},
					   {"port", 1, NULL, 'P'},
					   {"bind", 1, NULL, 's'},
					   {"reply", 1, NULL, 'r'},
					   {"bytes", 1, NULL, 'B'},
					   {"flows", 1, NULL, 'f'},
					   {"flags", 1, NULL, 'F'},
					   {"file", 1, NULL, 'w'},
					   {}};
	struct opts o = {.count = 1, .size = 64};
	const char *mode;
	char *comma;
	int c;

	if (argc < 2)
		usage();
	mode = argv[1];
	argv++;
	argc--;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 's':
			o.src = optarg;
			break;
		case 'd':
			o.dst = optarg;
			break;
		case 'S':
			o.sport = num(optarg);
			break;
		case 'D':
			o.dport = num(optarg);
			break;
		case 'c':
			o.count = num(optarg);
			break;
		case 'z':
			o.size = num(optarg);
			break;
		case 'g':
			o.gap_us = num(optarg);
			break;
		case 'i':
			o.dev = optarg;
			break;
		case 'P':
			o.port = num(optarg);
			break;
		case 'r':
			o.reply = num(optarg);
			break;
		case 'B':
			o.bytes = strtoull(optarg, NULL, 0);
			break;
		case 'f':
			o.flows = num(optarg);
			break;
		case 'b':
			o.bad = optarg;
			break;
		case 'w':
			o.file = optarg;
			break;
		case 'F':
			o.spec.tcp_flags = (uint8_t)num(optarg);
			break;
		case 'q':
			o.spec.outer_tpid = 0x88a8;
			break;
		case 'm':
			if (fb_parse_mac(optarg, o.spec.dst_mac))
				usage();
			break;
		case 'p':
			o.spec.proto = !strcmp(optarg, "tcp")	 ? IPPROTO_TCP
				       : !strcmp(optarg, "icmp") ? IPPROTO_ICMP
								 : IPPROTO_UDP;
			break;
		case 'v':
			o.spec.vlan[0] = (uint16_t)num(strtok(optarg, ","));
			o.spec.nvlan = 1;
			comma = strtok(NULL, ",");
			if (comma) {
				o.spec.vlan[1] = (uint16_t)num(comma);
				o.spec.nvlan = 2;
			}
			break;
		default:
			usage();
		}
	}
	if (!strcmp(mode, "udp"))
		return send_udp(&o);
	if (!strcmp(mode, "raw"))
		return send_raw(&o);
	if (!strcmp(mode, "pcap"))
		return send_pcap(&o);
	if (!strcmp(mode, "tcp-server"))
		return tcp_server(&o);
	if (!strcmp(mode, "tcp-client"))
		return tcp_client(&o);
	usage();
	return 2;
}
