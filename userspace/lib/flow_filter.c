// SPDX-License-Identifier: GPL-2.0
/* Flow filter rules as words: the capture filter's grammar, an action in
 * front and "vlan N" beside, so that one vocabulary serves every filter. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
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
		o += (size_t)snprintf(buf + o, len - o, " vlan %u", f->vlan);
	if (f->prefix_set && o < len)
		snprintf(buf + o, len - o, " net-set");
}

void tapio_flow_filter_describe(const struct tapio_flow_filter *f,
				const char *set_name, __u32 set_size, char *buf,
				size_t len)
{
	size_t o;

	tapio_flow_filter_format(f, buf, len);
	o = strlen(buf);
	if (f->prefix_set && o < len)
		snprintf(buf + o, len - o, " %s (%u prefix%s)", set_name,
			 set_size, set_size == 1 ? "" : "es");
}

int tapio_prefix_file_read(const char *path, struct tapio_prefix **out,
			   __u32 *n)
{
	struct tapio_prefix *v = NULL, *grown;
	char line[256], *w, *hash;
	__u32 cap = 0, lineno = 0;
	int err = 0;
	FILE *f;

	*out = NULL;
	*n = 0;
	f = fopen(path, "re");
	if (!f) {
		err = -errno;
		pr_err("cannot read the prefix set %s: %s", path,
		       strerror(errno));
		return err;
	}
	while (!err && fgets(line, sizeof(line), f)) {
		lineno++;
		if (!strchr(line, '\n') && !feof(f)) {
			pr_err("%s:%u: line too long", path, lineno);
			err = -EINVAL;
			break;
		}
		hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		w = strtok(line, " \t\r\n");
		if (!w)
			continue;
		if (strtok(NULL, " \t\r\n")) {
			pr_err("%s:%u: one prefix a line", path, lineno);
			err = -EINVAL;
			break;
		}
		if (*n == TAPIO_FLOW_PREFIXES_MAX) {
			pr_err("%s: more than %u prefixes", path,
			       TAPIO_FLOW_PREFIXES_MAX);
			err = -E2BIG;
			break;
		}
		if (*n == cap) {
			cap = cap ? cap * 2 : 256;
			grown = realloc(v, cap * sizeof(*v));
			if (!grown) {
				err = -ENOMEM;
				break;
			}
			v = grown;
		}
		if (tapio_prefix_parse(w, &v[*n])) {
			pr_err("%s:%u: '%s' is not an IPv4 or IPv6 address or "
			       "prefix",
			       path, lineno, w);
			err = -EINVAL;
			break;
		}
		(*n)++;
	}
	if (!err && ferror(f))
		err = -EIO;
	fclose(f);
	if (!err && !*n) {
		pr_err("%s: no prefix in it", path);
		err = -ENODATA;
	}
	if (err) {
		free(v);
		*n = 0;
		return err;
	}
	*out = v;
	return 0;
}

/* Every entry of the trie out: what the key after the first is, read
 * again from the start each time (a deleted key has no successor). */
static int prefixes_clear(int map_fd, bool say)
{
	struct tapio_prefix_key k;
	int n = 0;

	while (!bpf_map_get_next_key(map_fd, NULL, &k)) {
		if (bpf_map_delete_elem(map_fd, &k))
			return -errno;
		n++;
	}
	if (n && say)
		pr_info("%d prefixes of an earlier run's filters removed", n);
	return errno == ENOENT ? 0 : -errno;
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
	fd->prefixes_fd = tapio_open_pinned_map(dev, TAPIO_PIN_FILTER_PREFIXES);
	if (fd->filters_fd < 0 || fd->hits_fd < 0 || fd->prefixes_fd < 0) {
		err = fd->filters_fd < 0 ? fd->filters_fd
		      : fd->hits_fd < 0	 ? fd->hits_fd
					 : fd->prefixes_fd;
		tapio_filter_dev_close(fd);
		return err;
	}
	/* counts of an earlier run belong to no rule of ours, nor do its
	 * sets (our rule ids start again at 1) */
	tapio_filter_read_hits(&none, fd);
	return prefixes_clear(fd->prefixes_fd, true);
}

void tapio_filter_dev_clear(struct tapio_filter_dev *fd)
{
	if (fd->prefixes_fd >= 0)
		prefixes_clear(fd->prefixes_fd, false);
	memset(fd->set_in, 0, sizeof(fd->set_in));
}

void tapio_filter_dev_close(struct tapio_filter_dev *fd)
{
	if (fd->filters_fd >= 0)
		close(fd->filters_fd);
	if (fd->hits_fd >= 0)
		close(fd->hits_fd);
	if (fd->prefixes_fd >= 0)
		close(fd->prefixes_fd);
	fd->filters_fd = fd->hits_fd = fd->prefixes_fd = -1;
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

/* The prefixes of set @id in or out of @map_fd: 0, or -errno (an insert
 * that fails takes back what it put in). */
static int set_update(int map_fd, __u32 id, const struct tapio_prefix *p,
		      __u32 n, bool in)
{
	struct tapio_prefix_key k = {.set = id};
	const __u8 one = 1;
	__u32 i;
	int err = 0;

	for (i = 0; i < n && !err; i++) {
		k.prefixlen = 32 + p[i].len;
		memcpy(k.addr, p[i].addr, sizeof(k.addr));
		if (in && bpf_map_update_elem(map_fd, &k, &one, BPF_ANY))
			err = -errno;
		/* a duplicate line went with the first */
		if (!in && bpf_map_delete_elem(map_fd, &k) && errno != ENOENT)
			err = -errno;
	}
	if (err && in)
		set_update(map_fd, id, p, i - 1, false);
	return err;
}

int tapio_filter_write(const struct tapio_filter_set *s,
		       struct tapio_filter_dev *fd)
{
	__u32 i, n = 0, include = 0;
	int err;

	/* a set in the trie before the slot that looks it up */
	for (i = 0; i < TAPIO_FLOW_FILTERS_MAX; i++) {
		const struct tapio_flow_filter *r = &s->rule[i];

		if (!r->action || !r->prefix_set || fd->set_in[i] == r->id)
			continue;
		err = set_update(fd->prefixes_fd, r->id, s->pfx[i], s->npfx[i],
				 true);
		if (err)
			return err;
		fd->set_in[i] = r->id;
	}
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
	/* no slot looks up a deleted rule's set any more: a program still
	 * in the old slot finds its prefixes until they go, one by one */
	for (i = 0; i < (__u32)s->ngone; i++) {
		err = set_update(fd->prefixes_fd, s->gone[i].id, s->gone_pfx[i],
				 s->gone_n[i], false);
		/* harmless to matching (no slot has that id), but the
		 * prefixes left take room in the trie until the run ends */
		if (err)
			pr_warn("cannot remove the prefix set of deleted rule "
				"%u: %s",
				s->gone[i].id, strerror(-err));
	}
	for (i = 0; i < TAPIO_FLOW_FILTERS_MAX; i++)
		if (fd->set_in[i] && fd->set_in[i] != s->rule[i].id)
			fd->set_in[i] = 0;
	return 0;
}

int tapio_filter_add(struct tapio_filter_set *s,
		     const struct tapio_flow_filter *f, __u32 id,
		     struct tapio_prefix *pfx, __u32 n, const char *set_name)
{
	__u32 held = 0;
	int i;

	if (f->prefix_set && (!pfx || !n))
		return -EINVAL;
	for (i = 0; i < TAPIO_FLOW_FILTERS_MAX; i++)
		held += s->npfx[i];
	for (i = 0; i < s->ngone; i++)
		held += s->gone_n[i];
	if (f->prefix_set && held + n > TAPIO_FLOW_PREFIXES_MAX)
		return -E2BIG;
	for (i = 0; i < TAPIO_FLOW_FILTERS_MAX && s->rule[i].action; i++)
		;
	if (i == TAPIO_FLOW_FILTERS_MAX)
		return -ENOSPC;
	s->rule[i] = *f;
	s->rule[i].id = id;
	s->hits[i] = 0;
	s->used++;
	if (f->prefix_set) {
		s->pfx[i] = pfx;
		s->npfx[i] = n;
		snprintf(s->set_name[i], sizeof(s->set_name[i]), "%s",
			 set_name ? set_name : "");
	}
	return i;
}

int tapio_filter_del(struct tapio_filter_set *s, __u32 id)
{
	int i;

	for (i = 0; i < TAPIO_FLOW_FILTERS_MAX; i++)
		if (s->rule[i].action && s->rule[i].id == id) {
			if (s->pfx[i] && s->ngone == TAPIO_FLOW_FILTERS_MAX) {
				free(s->pfx[i]); /* not reached: gone_free
						  * follows every change */
			} else if (s->pfx[i]) {
				s->gone[s->ngone] = s->rule[i];
				s->gone_pfx[s->ngone] = s->pfx[i];
				s->gone_n[s->ngone++] = s->npfx[i];
			}
			memset(&s->rule[i], 0, sizeof(s->rule[i]));
			s->hits[i] = 0;
			s->pfx[i] = NULL;
			s->npfx[i] = 0;
			s->set_name[i][0] = '\0';
			s->used--;
			return i;
		}
	return -ENOENT;
}

void tapio_filter_gone_free(struct tapio_filter_set *s)
{
	int i;

	for (i = 0; i < s->ngone; i++)
		free(s->gone_pfx[i]);
	s->ngone = 0;
}

void tapio_filter_set_free(struct tapio_filter_set *s)
{
	int i;

	tapio_filter_gone_free(s);
	for (i = 0; i < TAPIO_FLOW_FILTERS_MAX; i++) {
		free(s->pfx[i]);
		s->pfx[i] = NULL;
		s->npfx[i] = 0;
	}
}
