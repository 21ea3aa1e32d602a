// SPDX-License-Identifier: GPL-2.0
/* Top-N flows by bytes: a min-heap of N records whose root is the smallest
 * kept, so each offer costs O(1) when it loses and O(log N) when it wins. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/flow_top.h"

int tapio_flow_top_init(struct tapio_flow_top *t, unsigned int cap)
{
	memset(t, 0, sizeof(*t));
	return tapio_flow_top_reset(t, cap);
}

void tapio_flow_top_free(struct tapio_flow_top *t)
{
	free(t->rec);
	memset(t, 0, sizeof(*t));
}

int tapio_flow_top_reset(struct tapio_flow_top *t, unsigned int cap)
{
	if (cap != t->cap) {
		struct tapio_flow_rec *r = NULL;

		if (cap) {
			r = calloc(cap, sizeof(*r));
			if (!r)
				return -ENOMEM;
		}
		free(t->rec);
		t->rec = r;
		t->cap = cap;
	}
	t->n = 0;
	return 0;
}

/* a ranks below b */
static int less(const struct tapio_flow_rec *a, const struct tapio_flow_rec *b)
{
	if (a->val.bytes != b->val.bytes)
		return a->val.bytes < b->val.bytes;
	return a->val.packets < b->val.packets;
}

static void sift_down(struct tapio_flow_rec *h, unsigned int n, unsigned int i)
{
	struct tapio_flow_rec tmp;
	unsigned int c;

	for (;;) {
		c = 2 * i + 1;
		if (c >= n)
			return;
		if (c + 1 < n && less(&h[c + 1], &h[c]))
			c++;
		if (!less(&h[c], &h[i]))
			return;
		tmp = h[i];
		h[i] = h[c];
		h[c] = tmp;
		i = c;
	}
}

void tapio_flow_top_offer(struct tapio_flow_top *t,
			  const struct tapio_flow_rec *r)
{
	struct tapio_flow_rec *h = t->rec, tmp;
	unsigned int i, p;

	if (t->n < t->cap) {
		/* sift up */
		i = t->n++;
		h[i] = *r;
		while (i && less(&h[i], &h[p = (i - 1) / 2])) {
			tmp = h[i];
			h[i] = h[p];
			h[p] = tmp;
			i = p;
		}
		return;
	}
	if (!t->cap || !less(&h[0], r))
		return;
	h[0] = *r;
	sift_down(h, t->n, 0);
}

void tapio_flow_top_sort(struct tapio_flow_top *t)
{
	struct tapio_flow_rec tmp;
	unsigned int n = t->n;

	/* heap sort of a min-heap: the smallest goes last each round */
	while (n > 1) {
		tmp = t->rec[0];
		t->rec[0] = t->rec[n - 1];
		t->rec[n - 1] = tmp;
		sift_down(t->rec, --n, 0);
	}
}
