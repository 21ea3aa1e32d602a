// SPDX-License-Identifier: GPL-2.0
/* Interface selection for `tapio run`: names, patterns (POSIX ERE, whole
 * names) and "all", less an exclude list; at start, and as a predicate
 * over the names of links that appear while watching. */
#include <errno.h>
#include <regex.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>

#include "lib/iface_select.h"
#include "lib/log.h"
#include "lib/netns.h"

#define MAX_PATTERNS 16

struct patterns {
	regex_t re[MAX_PATTERNS];
	int n;
};

static bool is_pattern(const char *s)
{
	return strpbrk(s, ".*+?[](){}|^$\\") != NULL;
}

static int compile(regex_t *re, const char *what, const char *p)
{
	char anchored[512], why[128];
	int err;

	if (snprintf(anchored, sizeof(anchored), "^(%s)$", p) >=
	    (int)sizeof(anchored)) {
		pr_err("invalid %s '%s': too long", what, p);
		return -EINVAL;
	}
	err = regcomp(re, anchored, REG_EXTENDED | REG_NOSUB);
	if (err) {
		regerror(err, re, why, sizeof(why));
		pr_err("invalid %s '%s': %s", what, p, why);
		return -EINVAL;
	}
	return 0;
}

static void free_patterns(struct patterns *ps)
{
	while (ps->n)
		regfree(&ps->re[--ps->n]);
}

static int exclude_patterns(const char *list, struct patterns *ps)
{
	char *copy, *save = NULL, *p;
	int err = 0;

	ps->n = 0;
	if (!list)
		return 0;
	copy = strdup(list);
	if (!copy)
		return -ENOMEM;
	for (p = strtok_r(copy, ",", &save); p && !err;
	     p = strtok_r(NULL, ",", &save)) {
		if (ps->n == MAX_PATTERNS) {
			pr_err("invalid exclude: at most %d patterns",
			       MAX_PATTERNS);
			err = -EINVAL;
		} else if (!(err = compile(&ps->re[ps->n], "exclude", p))) {
			ps->n++;
		}
	}
	free(copy);
	return err;
}

static bool matches_any(const struct patterns *ps, const char *name)
{
	int i;

	for (i = 0; i < ps->n; i++)
		if (!regexec(&ps->re[i], name, 0, NULL, 0))
			return true;
	return false;
}

/* In this thread's namespace (sysfs shows its mounter's) */
static bool loopback(const char *name)
{
	unsigned int flags = 0;

	return !tapio_link_flags(tapio_dev_ifname(name), &flags) &&
	       (flags & IFF_LOOPBACK);
}

static bool chosen(const char **out, int n, const char *name)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(out[i], name))
			return true;
	return false;
}

/* Every interface @re matches (all but loopback if @re is NULL), in
 * ifindex order, not excluded and not chosen already. */
static int expand(const char *entry, const regex_t *re,
		  const struct patterns *ex, struct if_nameindex *all,
		  const char **out, int max, int *n)
{
	int found = 0, i;

	for (i = 0; all[i].if_index; i++) {
		const char *name = all[i].if_name;

		if (re ? regexec(re, name, 0, NULL, 0) : loopback(name))
			continue;
		if (matches_any(ex, name) || chosen(out, *n, name))
			continue;
		if (*n == max) {
			pr_err("run: interfaces '%s' select more than %d "
			       "interfaces",
			       entry, max);
			return -EINVAL;
		}
		out[(*n)++] = strdup(name);
		if (!out[*n - 1])
			return -ENOMEM;
		found++;
	}
	if (!found) {
		pr_err("run: interfaces '%s' select no interface%s", entry,
		       ex->n ? " (after exclude)" : "");
		return -EINVAL;
	}
	return 0;
}

int tapio_iface_select(const char *const *in, int nin, const char *exclude,
		       const char **out, int max, int *nout)
{
	struct if_nameindex *all = NULL;
	struct patterns ex;
	int err, i;

	*nout = 0;
	err = exclude_patterns(exclude, &ex);
	if (err)
		return err;
	for (i = 0; i < nin && !err; i++) {
		bool all_of = !strcmp(in[i], "all");
		regex_t re;

		if (!all_of && (if_nametoindex(in[i]) || !is_pattern(in[i]))) {
			/* a name: kept as given, unless excluded */
			if (matches_any(&ex, in[i]))
				continue;
			if (*nout == max) {
				pr_err("run: at most %d devices", max);
				err = -EINVAL;
				break;
			}
			out[(*nout)++] = in[i];
			continue;
		}
		if (!all && !(all = if_nameindex())) {
			err = -errno;
			pr_err("run: cannot list the interfaces: %s",
			       strerror(-err));
			break;
		}
		if (all_of) {
			err = expand(in[i], NULL, &ex, all, out, max, nout);
			continue;
		}
		err = compile(&re, "interface pattern", in[i]);
		if (err)
			break;
		err = expand(in[i], &re, &ex, all, out, max, nout);
		regfree(&re);
	}
	if (all)
		if_freenameindex(all);
	free_patterns(&ex);
	return err;
}

struct tapio_iface_matcher {
	const char *const *in; /* names, as given */
	int nin;
	bool all;
	struct patterns inc, ex;
};

int tapio_iface_matcher_new(const char *const *in, int nin, const char *exclude,
			    struct tapio_iface_matcher **out)
{
	struct tapio_iface_matcher *m = calloc(1, sizeof(*m));
	int err = 0, i;

	if (!m)
		return -ENOMEM;
	m->in = in;
	m->nin = nin;
	for (i = 0; i < nin && !err; i++) {
		if (!strcmp(in[i], "all")) {
			m->all = true;
		} else if (!is_pattern(in[i])) {
			continue;
		} else if (m->inc.n == MAX_PATTERNS) {
			pr_err("invalid interfaces: at most %d patterns",
			       MAX_PATTERNS);
			err = -EINVAL;
		} else if (!(err = compile(&m->inc.re[m->inc.n],
					   "interface pattern", in[i]))) {
			m->inc.n++;
		}
	}
	if (!err)
		err = exclude_patterns(exclude, &m->ex);
	if (err) {
		tapio_iface_matcher_free(m);
		return err;
	}
	*out = m;
	return 0;
}

static bool selects(const struct tapio_iface_matcher *m, const char *name)
{
	int i;

	for (i = 0; i < m->nin; i++)
		if (!strcmp(m->in[i], name))
			return true;
	return matches_any(&m->inc, name);
}

bool tapio_iface_matches(const struct tapio_iface_matcher *m, const char *name)
{
	const char *ifname = tapio_dev_ifname(name);
	bool in = (m->all && !loopback(name)) || selects(m, name) ||
		  (ifname != name && selects(m, ifname));

	return in && !matches_any(&m->ex, name) &&
	       !(ifname != name && matches_any(&m->ex, ifname));
}

void tapio_iface_matcher_free(struct tapio_iface_matcher *m)
{
	if (!m)
		return;
	free_patterns(&m->inc);
	free_patterns(&m->ex);
	free(m);
}
