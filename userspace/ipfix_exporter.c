// SPDX-License-Identifier: GPL-2.0
/* Encoding is libfixbuf's: tapio fills fixed internal records, fixbuf
 * transcodes them to the external templates and frames the messages. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <fixbuf/public.h>

#include "ipfix_exporter.h"
#include "log.h"

#define TID_V4	   0x7401
#define TID_V6	   0x7402
#define TID_V4_INT 0x7411
#define TID_V6_INT 0x7412
#define PAD	   1 /* spec flag: padding only in the internal templates */

/* Internal records: fields in the order of the specs below, 8-aligned. */
struct rec_v4 {
	uint64_t start_ms, end_ms, octets, packets;
	uint32_t src, dst, in_if, out_if;
	uint16_t sport, dport, vlan;
	uint8_t proto, tcp_flags, direction, end_reason;
	uint8_t pad[6];
};

struct rec_v6 {
	uint64_t start_ms, end_ms, octets, packets;
	uint8_t src[16], dst[16];
	uint32_t in_if, out_if;
	uint16_t sport, dport, vlan;
	uint8_t proto, tcp_flags, direction, end_reason;
	uint8_t pad[6];
};

#define COMMON_HEAD                                                            \
	{"flowStartMilliseconds", 8, 0}, {"flowEndMilliseconds", 8, 0},        \
		{"octetDeltaCount", 8, 0},                                     \
	{                                                                      \
		"packetDeltaCount", 8, 0                                       \
	}
#define COMMON_TAIL                                                            \
	{"ingressInterface", 4, 0}, {"egressInterface", 4, 0},                 \
		{"sourceTransportPort", 2, 0},                                 \
		{"destinationTransportPort", 2, 0}, {"vlanId", 2, 0},          \
		{"protocolIdentifier", 1, 0}, {"tcpControlBits", 1, 0},        \
		{"flowDirection", 1, 0}, {"flowEndReason", 1, 0},              \
		{"paddingOctets", 6, PAD}, FB_IESPEC_NULL

static fbInfoElementSpec_t spec_v4[] = {
	COMMON_HEAD,
	{"sourceIPv4Address", 4, 0},
	{"destinationIPv4Address", 4, 0},
	COMMON_TAIL,
};

static fbInfoElementSpec_t spec_v6[] = {
	COMMON_HEAD,
	{"sourceIPv6Address", 16, 0},
	{"destinationIPv6Address", 16, 0},
	COMMON_TAIL,
};

struct tapio_ipfix_collector {
	char target[128];
	fbInfoModel_t *model;
	fbSession_t *session;
	fBuf_t *fbuf;
};

static int add_template(fbSession_t *s, fbInfoModel_t *m,
			fbInfoElementSpec_t *spec, uint32_t flags,
			gboolean internal, uint16_t tid, GError **err)
{
	fbTemplate_t *t = fbTemplateAlloc(m);

	if (!fbTemplateAppendSpecArray(t, spec, flags, err)) {
		fbTemplateFreeUnused(t);
		return -EINVAL;
	}
	return fbSessionAddTemplate(s, internal, tid, t, err) ? 0 : -EINVAL;
}

static int open_one(struct tapio_ipfix_collector *c, const char *target,
		    bool tcp, __u32 odid)
{
	fbConnSpec_t spec = FB_CONNSPEC_INIT;
	char host[128], *colon;
	fbExporter_t *exp;
	GError *err = NULL;

	snprintf(c->target, sizeof(c->target), "%s", target);
	snprintf(host, sizeof(host), "%s", target);
	colon = strrchr(host, ':');
	if (!colon || colon == host || !colon[1]) {
		pr_err("invalid IPFIX collector '%s': expected HOST:PORT",
		       target);
		return -EINVAL;
	}
	*colon = '\0';
	c->model = fbInfoModelAlloc();
	c->session = fbSessionAlloc(c->model);
	fbSessionSetDomain(c->session, odid);
	if (add_template(c->session, c->model, spec_v4, PAD, TRUE, TID_V4_INT,
			 &err) ||
	    add_template(c->session, c->model, spec_v4, 0, FALSE, TID_V4,
			 &err) ||
	    add_template(c->session, c->model, spec_v6, PAD, TRUE, TID_V6_INT,
			 &err) ||
	    add_template(c->session, c->model, spec_v6, 0, FALSE, TID_V6,
			 &err)) {
		pr_err("cannot build the IPFIX templates: %s",
		       err ? err->message : "?");
		g_clear_error(&err);
		return -EINVAL;
	}
	spec.transport = tcp ? FB_TCP : FB_UDP;
	spec.host = host;
	spec.svc = colon + 1;
	exp = fbExporterAllocNet(&spec);
	if (!exp) {
		pr_err("cannot create an IPFIX exporter to %s", target);
		return -EINVAL;
	}
	c->fbuf = fBufAllocForExport(c->session, exp);
	if (!fbSessionExportTemplates(c->session, &err) ||
	    !fBufEmit(c->fbuf, &err)) {
		pr_err("cannot send IPFIX templates to %s: %s", target,
		       err ? err->message : "?");
		g_clear_error(&err);
		return -EIO;
	}
	return 0;
}

int tapio_ipfix_open(struct tapio_ipfix *x, const char *targets, bool tcp,
		     __u32 observation_domain)
{
	char *copy = strdup(targets), *save = NULL, *t;
	int err = 0;

	memset(x, 0, sizeof(*x));
	if (!copy)
		return -ENOMEM;
	for (t = strtok_r(copy, ", ", &save); t && !err;
	     t = strtok_r(NULL, ", ", &save)) {
		if (x->n == TAPIO_IPFIX_MAX_COLLECTORS) {
			pr_err("at most %d IPFIX collectors",
			       TAPIO_IPFIX_MAX_COLLECTORS);
			err = -EINVAL;
			break;
		}
		x->c[x->n] = calloc(1, sizeof(*x->c[x->n]));
		if (!x->c[x->n]) {
			err = -ENOMEM;
			break;
		}
		err = open_one(x->c[x->n++], t, tcp, observation_domain);
	}
	free(copy);
	if (err)
		tapio_ipfix_close(x);
	return err;
}

static uint64_t to_ms(const struct tapio_ipfix *x, __u64 mono_ns)
{
	return (uint64_t)(((__s64)mono_ns + x->mono_to_real) / 1000000);
}

/* RFC 5102 flowEndReason */
static uint8_t end_reason(enum tapio_end_reason why)
{
	switch (why) {
	case TAPIO_END_IDLE:
		return 1;
	case TAPIO_END_ACTIVE:
		return 2;
	default:
		return 3; /* end of flow detected: we are stopping */
	}
}

/* The fields both record layouts share, from the flow and its end. */
#define FILL_COMMON(v)                                                         \
	do {                                                                   \
		(v).start_ms = to_ms(x, r->val.first_seen_ns);                 \
		(v).end_ms = to_ms(x, r->val.last_seen_ns);                    \
		(v).octets = r->val.bytes;                                     \
		(v).packets = r->val.packets;                                  \
		(v).in_if = k->direction ? 0 : k->ifindex;                     \
		(v).out_if = k->direction ? k->ifindex : 0;                    \
		(v).sport = sport;                                             \
		(v).dport = dport;                                             \
		(v).vlan = k->vlan_outer;                                      \
		(v).proto = k->protocol;                                       \
		(v).tcp_flags = r->val.tcp_flags;                              \
		(v).direction = k->direction;                                  \
		(v).end_reason = end_reason(why);                              \
	} while (0)

void tapio_ipfix_record(struct tapio_ipfix *x, const struct tapio_flow_rec *r,
			enum tapio_end_reason why)
{
	const struct tapio_flow_key *k = &r->key;
	int icmp = k->protocol == IPPROTO_ICMP || k->protocol == IPPROTO_ICMPV6;
	uint16_t sport = icmp ? 0 : k->src_port;
	/* ICMP type and code in the destination port, as NetFlow does */
	uint16_t dport =
		icmp ? (uint16_t)(k->src_port << 8 | k->dst_port) : k->dst_port;
	GError *err = NULL;
	int i;

	for (i = 0; i < x->n; i++) {
		fBuf_t *fb = x->c[i]->fbuf;
		gboolean ok;

		if (k->ip_version == 4) {
			struct rec_v4 v = {0};

			FILL_COMMON(v);
			memcpy(&v.src, k->src_addr + 12, 4);
			memcpy(&v.dst, k->dst_addr + 12, 4);
			v.src = ntohl(v.src); /* fixbuf takes host order */
			v.dst = ntohl(v.dst);
			ok = fBufSetInternalTemplate(fb, TID_V4_INT, &err) &&
			     fBufSetExportTemplate(fb, TID_V4, &err) &&
			     fBufAppend(fb, (uint8_t *)&v, sizeof(v), &err);
		} else {
			struct rec_v6 v = {0};

			FILL_COMMON(v);
			memcpy(v.src, k->src_addr, 16);
			memcpy(v.dst, k->dst_addr, 16);
			ok = fBufSetInternalTemplate(fb, TID_V6_INT, &err) &&
			     fBufSetExportTemplate(fb, TID_V6, &err) &&
			     fBufAppend(fb, (uint8_t *)&v, sizeof(v), &err);
		}
		if (ok) {
			x->records++;
		} else {
			x->errors++;
			pr_debug("IPFIX record to %s: %s", x->c[i]->target,
				 err ? err->message : "?");
			g_clear_error(&err);
		}
	}
}

void tapio_ipfix_flush(struct tapio_ipfix *x, bool templates)
{
	GError *err = NULL;
	int i;

	for (i = 0; i < x->n; i++) {
		fbSession_t *s = x->c[i]->session;

		if ((templates && !fbSessionExportTemplates(s, &err)) ||
		    !fBufEmit(x->c[i]->fbuf, &err)) {
			x->errors++;
			pr_debug("IPFIX emit to %s: %s", x->c[i]->target,
				 err ? err->message : "?");
			g_clear_error(&err);
		}
	}
}

void tapio_ipfix_close(struct tapio_ipfix *x)
{
	int i;

	for (i = 0; i < x->n; i++) {
		if (x->c[i]->fbuf) {
			GError *err = NULL;

			fBufEmit(x->c[i]->fbuf, &err);
			g_clear_error(&err);
			fBufFree(x->c[i]->fbuf); /* frees session, exporter */
		}
		if (x->c[i]->model)
			fbInfoModelFree(x->c[i]->model);
		free(x->c[i]);
	}
	x->n = 0;
}
