// SPDX-License-Identifier: GPL-2.0
/* Encoding is libfixbuf's: tapio fills fixed internal records, fixbuf
 * transcodes them to the external templates and frames the messages. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <fixbuf/public.h>

#include "export/ipfix_exporter.h"
#include "lib/json.h"
#include "export/prom_text.h"
#include "lib/clock.h"
#include "lib/flow_owner.h"
#include "lib/log.h"

#define TID_V4	       0x7401
#define TID_V6	       0x7402
#define TID_V4_OWN     0x7403 /* with the owner (--attribution) */
#define TID_V6_OWN     0x7404
#define TID_V4_INT     0x7411
#define TID_V6_INT     0x7412
#define TID_V4_OWN_INT 0x7413
#define TID_V6_OWN_INT 0x7414
#define PAD	       1 /* spec flag: padding only in the internal templates */

/* The enterprise of tapio's own elements: RFC 5612's number for
 * documentation, until tapio has a number of its own (docs/metrics.md
 * lists the elements; no IANA element names a process or a cgroup). */
#define TAPIO_IPFIX_PEN 32473

/* Internal records: fields in the order of the specs below, 8-aligned. */
struct rec_v4 {
	uint64_t start_ms, end_ms, octets, packets;
	uint32_t src, dst, in_if, out_if, sampling;
	uint16_t sport, dport, vlan;
	uint8_t proto, tcp_flags, direction, end_reason, sampler_mode;
	uint8_t pad[1];
};

struct rec_v6 {
	uint64_t start_ms, end_ms, octets, packets;
	uint8_t src[16], dst[16];
	uint32_t in_if, out_if, sampling;
	uint16_t sport, dport, vlan;
	uint8_t proto, tcp_flags, direction, end_reason, sampler_mode;
	uint8_t pad[1];
};

/* the specs' sizes: no padding of the compiler's between fields */
_Static_assert(sizeof(struct rec_v4) == 64 && sizeof(struct rec_v6) == 88,
	       "the records are laid out as their templates");

/* Who is behind the flow (lib/flow_owner.h): strings as variable-length
 * fields, empty when unknown; attributed 0 for routed traffic. */
struct rec_owner {
	uint64_t cgroup_id;
	fbVarfield_t comm, cgroup, container, pod;
	uint32_t pid, uid;
	uint8_t attributed;
	uint8_t pad[7];
};

struct rec_v4_own {
	struct rec_v4 base;
	struct rec_owner o;
};

struct rec_v6_own {
	struct rec_v6 base;
	struct rec_owner o;
};

#define IE_INT(name, num, len, type, desc)                                     \
	FB_IE_INIT_FULL(name, TAPIO_IPFIX_PEN, num, len, FB_IE_F_ENDIAN, 0, 0, \
			type, desc)
#define IE_STR(name, num, desc)                                                \
	FB_IE_INIT_FULL(name, TAPIO_IPFIX_PEN, num, FB_IE_VARLEN,              \
			FB_IE_DEFAULT, 0, 0, FB_STRING, desc)

static fbInfoElement_t owner_ies[] = {
	IE_INT("tapioProcessId", 1, 4, FB_UINT_32,
	       "the first process seen using the flow's socket"),
	IE_INT("tapioUserId", 2, 4, FB_UINT_32, "that process's uid"),
	IE_STR("tapioProcessName", 3, "that process's comm"),
	IE_INT("tapioCgroupId", 4, 8, FB_UINT_64, "the socket's cgroup v2 id"),
	IE_STR("tapioCgroupPath", 5, "its path under the cgroup2 mount"),
	IE_STR("tapioContainerId", 6, "the container id the path shows"),
	IE_STR("tapioPodUid", 7, "the Kubernetes pod UID the path shows"),
	IE_INT("tapioAttributed", 8, 1, FB_UINT_8,
	       "1: a local socket sent or answers the flow; 0: routed"),
	FB_IE_NULL,
};

#define OWNER_TAIL                                                             \
	{"tapioCgroupId", 8, 0}, {"tapioProcessName", FB_IE_VARLEN, 0},        \
		{"tapioCgroupPath", FB_IE_VARLEN, 0},                          \
		{"tapioContainerId", FB_IE_VARLEN, 0},                         \
		{"tapioPodUid", FB_IE_VARLEN, 0}, {"tapioProcessId", 4, 0},    \
		{"tapioUserId", 4, 0}, {"tapioAttributed", 1, 0},              \
	{                                                                      \
		"paddingOctets", 7, PAD                                        \
	}

#define COMMON_HEAD                                                            \
	{"flowStartMilliseconds", 8, 0}, {"flowEndMilliseconds", 8, 0},        \
		{"octetDeltaCount", 8, 0},                                     \
	{                                                                      \
		"packetDeltaCount", 8, 0                                       \
	}
#define COMMON_TAIL                                                            \
	{"ingressInterface", 4, 0}, {"egressInterface", 4, 0},                 \
		{"samplingInterval", 4, 0}, {"sourceTransportPort", 2, 0},     \
		{"destinationTransportPort", 2, 0}, {"vlanId", 2, 0},          \
		{"protocolIdentifier", 1, 0}, {"tcpControlBits", 1, 0},        \
		{"flowDirection", 1, 0}, {"flowEndReason", 1, 0},              \
		{"samplerMode", 1, 0},                                         \
	{                                                                      \
		"paddingOctets", 1, PAD                                        \
	}
#define V4_ADDRS                                                               \
	{"sourceIPv4Address", 4, 0},                                           \
	{                                                                      \
		"destinationIPv4Address", 4, 0                                 \
	}
#define V6_ADDRS                                                               \
	{"sourceIPv6Address", 16, 0},                                          \
	{                                                                      \
		"destinationIPv6Address", 16, 0                                \
	}

static fbInfoElementSpec_t spec_v4[] = {COMMON_HEAD, V4_ADDRS, COMMON_TAIL,
					FB_IESPEC_NULL};
static fbInfoElementSpec_t spec_v6[] = {COMMON_HEAD, V6_ADDRS, COMMON_TAIL,
					FB_IESPEC_NULL};
static fbInfoElementSpec_t spec_v4_own[] = {COMMON_HEAD, V4_ADDRS, COMMON_TAIL,
					    OWNER_TAIL, FB_IESPEC_NULL};
static fbInfoElementSpec_t spec_v6_own[] = {COMMON_HEAD, V6_ADDRS, COMMON_TAIL,
					    OWNER_TAIL, FB_IESPEC_NULL};

struct tapio_ipfix_collector {
	char target[128];
	char host[128], *svc; /* svc points into host */
	bool tcp;
	bool owners; /* the owner templates too (--attribution) */
	__u32 odid;
	/* NULL while the collector is unreachable: rebuilt each interval */
	fbInfoModel_t *model;
	fBuf_t *fbuf;  /* owns the session and the exporter */
	__u64 pending; /* records in fbuf, not yet emitted */
	/* the log says a collector is down once, and up again only after two
	 * good data messages on one connection: a dead UDP collector takes
	 * the first send on each new socket (the ICMP error comes later) */
	bool said_down;
	unsigned int good_emits;
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

static void drop_one(struct tapio_ipfix_collector *c)
{
	if (c->fbuf)
		fBufFree(c->fbuf); /* frees session, exporter */
	if (c->model)
		fbInfoModelFree(c->model);
	c->fbuf = NULL;
	c->model = NULL;
	c->pending = 0;
	c->good_emits = 0;
}

/*
 * A fresh session, exporter and buffer, starting with the templates.  A
 * broken stream is never reused: fixbuf would resend its unsent data
 * before the templates, which a new TCP connection's collector cannot
 * decode.  A new session also restarts the sequence numbers, as RFC 7011
 * wants for a new transport session.
 */
static int connect_one(struct tapio_ipfix_collector *c, GError **err)
{
	fbConnSpec_t spec = FB_CONNSPEC_INIT;
	fbSession_t *session;
	fbExporter_t *exp;

	c->model = fbInfoModelAlloc();
	fbInfoModelAddElementArray(c->model, owner_ies);
	session = fbSessionAlloc(c->model);
	fbSessionSetDomain(session, c->odid);
	if (add_template(session, c->model, spec_v4, PAD, TRUE, TID_V4_INT,
			 err) ||
	    add_template(session, c->model, spec_v4, 0, FALSE, TID_V4, err) ||
	    add_template(session, c->model, spec_v6, PAD, TRUE, TID_V6_INT,
			 err) ||
	    add_template(session, c->model, spec_v6, 0, FALSE, TID_V6, err) ||
	    (c->owners && (add_template(session, c->model, spec_v4_own, PAD,
					TRUE, TID_V4_OWN_INT, err) ||
			   add_template(session, c->model, spec_v4_own, 0,
					FALSE, TID_V4_OWN, err) ||
			   add_template(session, c->model, spec_v6_own, PAD,
					TRUE, TID_V6_OWN_INT, err) ||
			   add_template(session, c->model, spec_v6_own, 0,
					FALSE, TID_V6_OWN, err)))) {
		fbSessionFree(session);
		drop_one(c);
		return -EINVAL;
	}
	spec.transport = c->tcp ? FB_TCP : FB_UDP;
	spec.host = c->host;
	spec.svc = c->svc;
	exp = fbExporterAllocNet(&spec);
	if (!exp) {
		fbSessionFree(session);
		drop_one(c);
		return -ENOMEM;
	}
	c->fbuf = fBufAllocForExport(session, exp);
	if (!fbSessionExportTemplates(session, err) ||
	    !fBufEmit(c->fbuf, err)) {
		drop_one(c);
		return -EIO;
	}
	/* manual from now on: a full message is ours to emit, so that each
	 * record is counted sent or lost (the automatic mode is needed until
	 * here: the exporter learns its message size when it connects) */
	fBufSetAutomaticMode(c->fbuf, FALSE);
	return 0;
}

static int open_one(struct tapio_ipfix_collector *c, const char *target,
		    bool tcp, __u32 odid, bool owners)
{
	GError *err = NULL;
	char *colon;
	int ret;

	snprintf(c->target, sizeof(c->target), "%s", target);
	snprintf(c->host, sizeof(c->host), "%s", target);
	colon = strrchr(c->host, ':');
	if (!colon || colon == c->host || !colon[1]) {
		pr_err("invalid IPFIX collector '%s': expected HOST:PORT",
		       target);
		return -EINVAL;
	}
	*colon = '\0';
	c->svc = colon + 1;
	c->tcp = tcp;
	c->odid = odid;
	c->owners = owners;
	ret = connect_one(c, &err);
	if (ret == -EINVAL)
		pr_err("cannot build the IPFIX templates: %s",
		       err ? err->message : "?");
	else if (ret) {
		/* a collector not up yet is retried each interval */
		pr_warn("IPFIX collector %s not reachable (%s): retrying each "
			"interval",
			target, err ? err->message : "?");
		c->said_down = true;
	}
	g_clear_error(&err);
	return ret == -EINVAL ? ret : 0;
}

/* fixbuf reports through glib (a UDP send error, for one): into our log,
 * so that it has our format and level floor. */
static void glib_log(const gchar *domain, GLogLevelFlags level,
		     const gchar *msg, gpointer data)
{
	(void)data;
	tapio_log(level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL |
			   G_LOG_LEVEL_WARNING)
			  ? TAPIO_LOG_WARN
		  : level & (G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO)
			  ? TAPIO_LOG_INFO
			  : TAPIO_LOG_DEBUG,
		  "%s%s%s", domain ? domain : "", domain ? ": " : "", msg);
}

int tapio_ipfix_open(struct tapio_ipfix *x, const char *targets, bool tcp,
		     __u32 observation_domain, bool owners)
{
	char *copy = strdup(targets), *save = NULL, *t;
	int err = 0;

	g_log_set_default_handler(glib_log, NULL);
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
		err = open_one(x->c[x->n++], t, tcp, observation_domain,
			       owners);
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
	case TAPIO_END_FORCED:
		return 5; /* lack of resources: the table was full */
	case TAPIO_END_GONE:
		return 4; /* forced end: an external event, the link deleted */
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
		/* 2: random (samplerMode); counts scaled already */           \
		(v).sampling = x->sample_n > 1 ? x->sample_n : 1;              \
		(v).sampler_mode = x->sample_n > 1 ? 2 : 0;                    \
	} while (0)

/* Counted always; logged on the 1st, 10th, 100th... so that a collector
 * that went away is seen in the log without flooding it. */
/*
 * @n records lost on collector @i.  Counted always; logged on the 1st,
 * 10th, 100th... loss so that a collector that went away shows in the log
 * without flooding it.  A failed exporter is dropped and rebuilt at the
 * next flush, templates first.
 */
static void lose(struct tapio_ipfix *x, int i, __u64 n, const GError *err)
{
	struct tapio_ipfix_collector *c = x->c[i];
	__u64 before = x->errors_to[i], p = 1;

	if (c->fbuf) {
		/* what the buffer still holds is lost with it */
		n += c->pending;
		drop_one(c);
	}
	x->errors_to[i] += n;
	while (p <= before && p <= UINT64_MAX / 10)
		p *= 10;
	if ((err && !c->said_down) || (n && p <= x->errors_to[i]))
		pr_warn("IPFIX collector %s: %llu records not sent%s%s",
			c->target, (unsigned long long)x->errors_to[i],
			err ? ": " : "", err ? err->message : "");
	if (err)
		c->said_down = true;
}

/* Send the buffered message of collector @i. */
static int emit(struct tapio_ipfix *x, int i)
{
	struct tapio_ipfix_collector *c = x->c[i];
	GError *err = NULL;

	if (!c->fbuf)
		return -ENOTCONN;
	if (!fBufEmit(c->fbuf, &err)) {
		lose(x, i, 0, err);
		g_clear_error(&err);
		return -EIO;
	}
	if (c->pending && ++c->good_emits == 2 && c->said_down) {
		c->said_down = false;
		pr_info("IPFIX collector %s: sending again", c->target);
	}
	x->records_to[i] += c->pending;
	c->pending = 0;
	return 0;
}

const char *tapio_ipfix_target(const struct tapio_ipfix *x, int i)
{
	return x->c[i]->target;
}

bool tapio_ipfix_up(const struct tapio_ipfix *x, int i)
{
	return x->c[i]->fbuf != NULL;
}

static gboolean append(fBuf_t *fb, uint16_t tid_int, uint16_t tid, void *rec,
		       size_t len, GError **err)
{
	return fBufSetInternalTemplate(fb, tid_int, err) &&
	       fBufSetExportTemplate(fb, tid, err) &&
	       fBufAppend(fb, rec, len, err);
}

/* One record to collector @i: a full message is emitted first (manual
 * mode), so that every record is counted as sent or lost, exactly. */
static void put(struct tapio_ipfix *x, int i, uint16_t tid_int, uint16_t tid,
		void *rec, size_t len)
{
	struct tapio_ipfix_collector *c = x->c[i];
	GError *err = NULL;
	gboolean ok;

	if (!c->fbuf) {
		lose(x, i, 1, NULL);
		return;
	}
	ok = append(c->fbuf, tid_int, tid, rec, len, &err);
	if (!ok && g_error_matches(err, FB_ERROR_DOMAIN, FB_ERROR_EOM)) {
		g_clear_error(&err);
		ok = !emit(x, i) &&
		     append(c->fbuf, tid_int, tid, rec, len, &err);
	}
	if (ok)
		c->pending++;
	else
		lose(x, i, 1, err);
	g_clear_error(&err);
}

static void varfield(fbVarfield_t *f, const char *s)
{
	f->buf = (uint8_t *)(s ? s : "");
	f->len = strlen((const char *)f->buf);
}

static void fill_owner(struct rec_owner *ro, const struct tapio_owner *o)
{
	ro->attributed = o->attributed;
	ro->cgroup_id = o->cgroup_id;
	ro->pid = o->pid;
	ro->uid = o->uid;
	varfield(&ro->comm, o->comm);
	varfield(&ro->cgroup, o->cgroup);
	varfield(&ro->container, o->container_id);
	varfield(&ro->pod, o->pod_uid);
}

void tapio_ipfix_record(struct tapio_ipfix *x, const struct tapio_flow_rec *r,
			enum tapio_end_reason why,
			const struct tapio_owner *owner)
{
	const struct tapio_flow_key *k = &r->key;
	int icmp = k->protocol == IPPROTO_ICMP || k->protocol == IPPROTO_ICMPV6;
	uint16_t sport = icmp ? 0 : k->src_port;
	/* ICMP type and code in the destination port, as NetFlow does */
	uint16_t dport =
		icmp ? (uint16_t)(k->src_port << 8 | k->dst_port) : k->dst_port;
	struct rec_v4_own v4 = {0};
	struct rec_v6_own v6 = {0};
	bool own = owner && x->n && x->c[0]->owners;
	int i;

	if (k->ip_version == 4) {
		FILL_COMMON(v4.base);
		memcpy(&v4.base.src, k->src_addr + 12, 4);
		memcpy(&v4.base.dst, k->dst_addr + 12, 4);
		v4.base.src = ntohl(v4.base.src); /* fixbuf takes host order */
		v4.base.dst = ntohl(v4.base.dst);
	} else {
		FILL_COMMON(v6.base);
		memcpy(v6.base.src, k->src_addr, 16);
		memcpy(v6.base.dst, k->dst_addr, 16);
	}
	if (own)
		fill_owner(k->ip_version == 4 ? &v4.o : &v6.o, owner);
	for (i = 0; i < x->n; i++) {
		if (k->ip_version == 4 && own)
			put(x, i, TID_V4_OWN_INT, TID_V4_OWN, &v4, sizeof(v4));
		else if (k->ip_version == 4)
			put(x, i, TID_V4_INT, TID_V4, &v4.base,
			    sizeof(v4.base));
		else if (own)
			put(x, i, TID_V6_OWN_INT, TID_V6_OWN, &v6, sizeof(v6));
		else
			put(x, i, TID_V6_INT, TID_V6, &v6.base,
			    sizeof(v6.base));
	}
}

void tapio_ipfix_flush(struct tapio_ipfix *x, bool templates)
{
	GError *err = NULL;
	int i;

	for (i = 0; i < x->n; i++) {
		struct tapio_ipfix_collector *c = x->c[i];

		if (!c->fbuf) {
			connect_one(c, &err);
			g_clear_error(&err);
			continue;
		}
		if (templates &&
		    !fbSessionExportTemplates(fBufGetSession(c->fbuf), &err)) {
			lose(x, i, 0, err);
			g_clear_error(&err);
			continue;
		}
		emit(x, i);
	}
}

void tapio_ipfix_close(struct tapio_ipfix *x)
{
	int i;

	for (i = 0; i < x->n; i++) {
		emit(x, i);
		drop_one(x->c[i]);
		free(x->c[i]);
	}
	x->n = 0;
}

static void sink_flow(void *sink, const struct tapio_flow_rec *rec, int why,
		      const char *ifname, const struct tapio_owner *owner)
{
	(void)ifname;
	tapio_ipfix_record(sink, rec, (enum tapio_end_reason)why, owner);
}

#define TEMPLATE_REFRESH_NS (60 * TAPIO_NS_PER_S)

static void sink_tick(void *sink, __u64 now_ns)
{
	struct tapio_ipfix *x = sink;
	bool refresh = now_ns - x->templates_sent_ns > TEMPLATE_REFRESH_NS;

	tapio_ipfix_flush(x, refresh);
	if (refresh)
		x->templates_sent_ns = now_ns;
}

/* Per collector: one that went away shows as its own errors. */
static void sink_metrics(void *sink, FILE *f)
{
	static const char *const names[] = {"tapio_ipfix_records_total",
					    "tapio_ipfix_errors_total",
					    "tapio_ipfix_collector_up"};
	static const char *const helps[] = {
		"Flow records sent to each IPFIX collector.",
		"Flow records lost: collector unreachable or a send failed.",
		"1 while the collector's exporter is connected."};
	const struct tapio_ipfix *x = sink;
	int i, m;

	for (m = 0; m < 3; m++) {
		tapio_prom_family(f, names[m], m == 2 ? "gauge" : "counter",
				  helps[m]);
		for (i = 0; i < x->n; i++)
			tapio_prom_sample(
				f, names[m],
				TAPIO_LABELS({"collector",
					      tapio_ipfix_target(x, i)}),
				m == 0	 ? x->records_to[i]
				: m == 1 ? x->errors_to[i]
					 : tapio_ipfix_up(x, i));
	}
}

/* Records lost to a collector (unreachable, a send failed): the account
 * is not exact then.  Per collector in the close line and /metrics. */
static bool sink_summary(void *sink, struct tapio_json *j)
{
	const struct tapio_ipfix *x = sink;
	__u64 lost = 0;
	int i;

	for (i = 0; i < x->n; i++)
		lost += x->errors_to[i];
	tapio_json_u64(j, "ipfix_errors", lost);
	return !lost;
}

static void sink_health(void *sink, FILE *h, int *healthy)
{
	const struct tapio_ipfix *x = sink;
	int i;

	for (i = 0; i < x->n; i++) {
		if (tapio_ipfix_up(x, i))
			continue;
		fprintf(h, "%sipfix collector %s: not connected",
			*healthy ? "failing: " : ", ",
			tapio_ipfix_target(x, i));
		*healthy = 0;
	}
}

/* The last records out, then one line: totals and per collector. */
static void sink_close(void *sink)
{
	struct tapio_ipfix *x = sink;
	__u64 sent = 0, lost = 0;
	char line[1024];
	struct tapio_json j;
	int i;

	tapio_ipfix_flush(x, false);
	for (i = 0; i < x->n; i++) {
		sent += x->records_to[i];
		lost += x->errors_to[i];
	}
	tapio_json_init(&j, line, sizeof(line));
	tapio_json_object(&j, NULL);
	tapio_json_object(&j, "ipfix");
	tapio_json_u64(&j, "records", sent);
	tapio_json_u64(&j, "errors", lost);
	tapio_json_object(&j, "collectors");
	for (i = 0; i < x->n; i++) {
		tapio_json_object(&j, tapio_ipfix_target(x, i));
		tapio_json_u64(&j, "records", x->records_to[i]);
		tapio_json_u64(&j, "errors", x->errors_to[i]);
		tapio_json_object_end(&j);
	}
	tapio_json_object_end(&j);
	tapio_json_object_end(&j);
	tapio_json_object_end(&j);
	if (tapio_json_finish(&j) > 0)
		fprintf(stderr, "%s\n", line);
	tapio_ipfix_close(x);
}

const struct tapio_sink_ops tapio_ipfix_sink_ops = {
	.name = "ipfix",
	.flow = sink_flow,
	.tick = sink_tick,
	.metrics = sink_metrics,
	.health = sink_health,
	.summary = sink_summary,
	.close = sink_close,
};
