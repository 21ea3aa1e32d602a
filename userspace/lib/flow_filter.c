// SPDX-License-Identifier: GPL-2.0
/* Flow filter rules as words: the capture filter's grammar, an action in
 * front and "vlan N" beside, so that one vocabulary serves every filter. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "lib/capture_filter.h"
#include "lib/flow_dump.h"
#include "lib/flow_filter.h"
#include "lib/log.h"
#include "lib/bpffs.h"

int tapio_flow_filter_parse(char *const *words, int n,
			    struct tapio_flow_filter *f)
{
	char expr[512] = "", *end;
	size_t len = 0;
	unsigned long v;
	int i, err;

	memset(f, 0, sizeof(*f));
	if (n < 1 ||
	    (strcmp(words[0], "include") && strcmp(words[0], "exclude"))) {
		pr_err("invalid filter rule: expected include or exclude "
		       "first, got '%s'",
		       n < 1 ? "" : words[0]);
		return -EINVAL;
	}
	f->action = words[0][0] == 'i' ? TAPIO_FILTER_INCLUDE
				       : TAPIO_FILTER_EXCLUDE;
	for (i = 1; i < n; i++) {
		if (!strcmp(words[i], "vlan")) {
			errno = 0;
			v = i + 1 < n ? strtoul(words[i + 1], &end, 10) : 0;
			if (i + 1 >= n || *end || errno || !v || v > 4095) {
				pr_err("invalid filter rule: 'vlan' needs an "
				       "id "
				       "1..4095");
				return -EINVAL;
			}
			f->vlan = (__u16)v;
			i++;
			continue;
		}
		if (len + strlen(words[i]) + 2 > sizeof(expr)) {
			pr_err("invalid filter rule: too long");
			return -EINVAL;
		}
		len += (size_t)snprintf(expr + len, sizeof(expr) - len, "%s%s",
					len ? " " : "", words[i]);
	}
	err = tapio_capture_filter_parse(expr, &f->m);
	return err;
}

void tapio_flow_filter_format(const struct tapio_flow_filter *f, char *buf,
			      size_t len)
{
	char addr[INET6_ADDRSTRLEN] = "";
	const struct tapio_capture_filter *m = &f->m;
	size_t o;
	bool v4 = !memcmp(m->addr, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12);

	o = (size_t)snprintf(buf, len, "%s",
			     f->action == TAPIO_FILTER_INCLUDE ? "include"
							       : "exclude");
	if (m->proto == IPPROTO_TCP)
		o += (size_t)snprintf(buf + o, len - o, " tcp");
	else if (m->proto == IPPROTO_UDP)
		o += (size_t)snprintf(buf + o, len - o, " udp");
	else if (m->proto == IPPROTO_ICMP)
		o += (size_t)snprintf(buf + o, len - o, " icmp");
	else if (m->proto == IPPROTO_ICMPV6)
		o += (size_t)snprintf(buf + o, len - o, " icmpv6");
	else if (m->proto)
		o += (size_t)snprintf(buf + o, len - o, " proto %u", m->proto);
	if (m->port && o < len)
		o += (size_t)snprintf(buf + o, len - o, " port %u", m->port);
	if (m->prefix_len && o < len) {
		if (v4 && m->prefix_len >= 96)
			inet_ntop(AF_INET, m->addr + 12, addr, sizeof(addr));
		else
			inet_ntop(AF_INET6, m->addr, addr, sizeof(addr));
		o += (size_t)snprintf(buf + o, len - o, " net %s/%u", addr,
				      v4 && m->prefix_len >= 96
					      ? m->prefix_len - 96
					      : m->prefix_len);
	}
	if (f->vlan && o < len)
		snprintf(buf + o, len - o, " vlan %u", f->vlan);
}

int tapio_filter_dev_open(struct tapio_filter_dev *fd, const char *dev,
			  struct tapio_config *cfg)
{
	struct tapio_filter_set none = {};
	int err;

	memset(fd, 0, sizeof(*fd));
	fd->cfg = cfg;
	fd->filters_fd = tapio_open_pinned_map(dev, TAPIO_PIN_FILTERS);
	fd->hits_fd = tapio_open_pinned_map(dev, TAPIO_PIN_FILTER_HITS);
	if (fd->filters_fd < 0 || fd->hits_fd < 0) {
		err = fd->filters_fd < 0 ? fd->filters_fd : fd->hits_fd;
		tapio_filter_dev_close(fd);
		return err;
	}
	/* counts of an earlier run belong to no rule of ours */
	tapio_filter_read_hits(&none, fd);
	return 0;
}

void tapio_filter_dev_close(struct tapio_filter_dev *fd)
{
	if (fd->filters_fd >= 0)
		close(fd->filters_fd);
	if (fd->hits_fd >= 0)
		close(fd->hits_fd);
	fd->filters_fd = fd->hits_fd = -1;
}

void tapio_filter_read_hits(struct tapio_filter_set *s,
			    struct tapio_filter_dev *fd)
{
	int ncpu = libbpf_num_possible_cpus(), c;
	__u64 v[ncpu > 0 ? ncpu : 1], sum;
	__u32 i;

	if (fd->hits_fd < 0 || ncpu <= 0)
		return;
	for (i = 0; i < TAPIO_FLOW_FILTERS_MAX; i++) {
		if (bpf_map_lookup_elem(fd->hits_fd, &i, v))
			continue;
		for (sum = 0, c = 0; c < ncpu; c++)
			sum += v[c];
		if (s->rule[i].action)
			s->hits[i] += sum - fd->seen[i];
		fd->seen[i] = sum;
	}
}

int tapio_filter_write(const struct tapio_filter_set *s,
		       struct tapio_filter_dev *fd)
{
	__u32 i, n = 0, include = 0;

	for (i = 0; i < TAPIO_FLOW_FILTERS_MAX; i++) {
		if (bpf_map_update_elem(fd->filters_fd, &i, &s->rule[i], 0))
			return -errno;
		if (s->rule[i].action)
			n = i + 1;
		include |= s->rule[i].action == TAPIO_FILTER_INCLUDE;
	}
	/* a packet between the two stores sees the old count with the new
	 * slots: it is counted once either way, in a flow or filtered */
	__atomic_store_n(&fd->cfg->filter_include, include, __ATOMIC_RELEASE);
	__atomic_store_n(&fd->cfg->filters, n, __ATOMIC_RELEASE);
	return 0;
}

int tapio_filter_add(struct tapio_filter_set *s,
		     const struct tapio_flow_filter *f, __u32 id)
{
	int i;

	for (i = 0; i < TAPIO_FLOW_FILTERS_MAX && s->rule[i].action; i++)
		;
	if (i == TAPIO_FLOW_FILTERS_MAX)
		return -ENOSPC;
	s->rule[i] = *f;
	s->rule[i].id = id;
	s->hits[i] = 0;
	s->used++;
	return i;
}

int tapio_filter_del(struct tapio_filter_set *s, __u32 id)
{
	int i;

	for (i = 0; i < TAPIO_FLOW_FILTERS_MAX; i++)
		if (s->rule[i].action && s->rule[i].id == id) {
			memset(&s->rule[i], 0, sizeof(s->rule[i]));
			s->hits[i] = 0;
			s->used--;
			return i;
		}
	return -ENOENT;
}
