// SPDX-License-Identifier: GPL-2.0
/* The configuration file and environment of `tapio run`: one table of
 * settings, shared by the file reader and the environment reader. */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ini.h>

#include "capture.h"
#include "cli.h"
#include "log.h"
#include "probe_set.h"
#include "run_config.h"
#include "xsk_poller.h"

#define NS_PER_S 1000000000ULL

/* Values live as long as the process: the options keep pointers. */
static char *keep(const char *v)
{
	char *c = strdup(v);

	if (!c)
		abort();
	return c;
}

static int set_bool(const char *key, const char *v, bool *out)
{
	if (!strcmp(v, "true") || !strcmp(v, "yes") || !strcmp(v, "1"))
		*out = true;
	else if (!strcmp(v, "false") || !strcmp(v, "no") || !strcmp(v, "0"))
		*out = false;
	else {
		pr_err("invalid %s '%s': expected true or false", key, v);
		return -EINVAL;
	}
	return 0;
}

static int set_interfaces(struct tapio_run_opts *o, const char *v)
{
	char *copy = keep(v), *save = NULL, *dev;

	o->ndevs = 0;
	for (dev = strtok_r(copy, " ,\t", &save); dev;
	     dev = strtok_r(NULL, " ,\t", &save)) {
		if (o->ndevs == TAPIO_RUN_MAX_DEVS) {
			pr_err("invalid interfaces: at most %d",
			       TAPIO_RUN_MAX_DEVS);
			return -EINVAL;
		}
		o->devs[o->ndevs++] = dev;
	}
	return 0;
}

/* Ring sizes must be powers of two for the kernel. */
static int parse_xsk_frames(const char *key, const char *v, __u32 *out)
{
	int err = tapio_parse_u32(key, v, TAPIO_XSK_FRAMES_MIN,
				  TAPIO_XSK_FRAMES_MAX, out);

	if (!err && (*out & (*out - 1))) {
		pr_err("invalid %s '%s': not a power of two", key, v);
		return -EINVAL;
	}
	return err;
}

int tapio_parse_xsk(const char *opt, const char *v, struct tapio_run_opts *o)
{
	struct tapio_capture_filter f;

	if (!strcmp(v, "off") || !strcmp(v, "none")) {
		o->xsk_mode = 0;
		return 0;
	}
	if (!strcmp(v, "all")) {
		o->xsk_mode = TAPIO_XSK_ALL;
		return 0;
	}
	if (!strncmp(v, "sample:", 7)) {
		o->xsk_mode = TAPIO_XSK_SAMPLE;
		return tapio_parse_u32("xsk sample:N", v + 7, 1, 1u << 30,
				       &o->xsk_sample_n);
	}
	if (!strncmp(v, "filter:", 7)) {
		o->xsk_mode = TAPIO_XSK_FILTER;
		o->xsk_filter = keep(v + 7);
		return tapio_capture_filter_parse(o->xsk_filter, &f);
	}
	pr_err("invalid %s '%s': expected off, all, sample:N or filter:EXPR",
	       opt, v);
	return -EINVAL;
}

int tapio_run_config_set(struct tapio_run_opts *o, const char *key,
			 const char *v)
{
	__u32 mb;
	int err;

	if (!strcmp(key, "interfaces"))
		return set_interfaces(o, v);
	if (!strcmp(key, "interval"))
		return tapio_parse_seconds(key, v, NS_PER_S / 1000,
					   3600 * NS_PER_S, &o->interval_ns);
	if (!strcmp(key, "idle_timeout"))
		return tapio_parse_seconds(key, v, NS_PER_S / 1000,
					   86400 * NS_PER_S,
					   &o->idle_timeout_ns);
	if (!strcmp(key, "active_timeout"))
		return tapio_parse_seconds(key, v, NS_PER_S / 1000,
					   86400 * NS_PER_S,
					   &o->active_timeout_ns);
	if (!strcmp(key, "max_flows"))
		return tapio_parse_u32(key, v, 1, 1u << 28, &o->max_flows);
	if (!strcmp(key, "memory_limit_mb")) {
		err = tapio_parse_u32(key, v, 1, 1u << 20, &mb);
		o->memory_limit = (__u64)mb << 20;
		return err;
	}
	if (!strcmp(key, "kernel_flows"))
		return tapio_parse_u32(key, v, 1, 1u << 26, &o->kernel_flows);
	if (!strcmp(key, "xdp_mode"))
		return tapio_parse_mode(v, &o->mode);
	if (!strcmp(key, "metrics")) {
		o->metrics_addr = strcmp(v, "none") ? keep(v) : NULL;
		return 0;
	}
	if (!strcmp(key, "socket")) {
		o->socket_path = keep(v);
		return 0;
	}
	if (!strcmp(key, "xsk"))
		return tapio_parse_xsk(key, v, o);
	if (!strcmp(key, "json_file")) {
		o->json_file = keep(v);
		return 0;
	}
	if (!strcmp(key, "ipfix")) {
		o->ipfix = strcmp(v, "none") ? keep(v) : NULL;
		return 0;
	}
	if (!strcmp(key, "ipfix_transport")) {
		if (strcmp(v, "udp") && strcmp(v, "tcp")) {
			pr_err("invalid ipfix_transport '%s': expected udp or "
			       "tcp",
			       v);
			return -EINVAL;
		}
		o->ipfix_tcp = !strcmp(v, "tcp");
		return 0;
	}
	if (!strcmp(key, "observation_domain"))
		return tapio_parse_u32(key, v, 0, UINT32_MAX,
				       &o->observation_domain);
	if (!strcmp(key, "json_rotate_mb"))
		return tapio_parse_u32(key, v, 1, 1u << 20, &o->json_rotate_mb);
	if (!strcmp(key, "probes"))
		return tapio_probe_set_parse(key, v, &o->probes);
	if (!strcmp(key, "probe_method")) {
		enum tapio_tp_method m = TAPIO_TP_NONE;

		if (strcmp(v, "auto") && tapio_tp_method_parse(v, &m)) {
			pr_err("invalid probe_method '%s': expected auto, "
			       "tp_btf, raw_tp or tp",
			       v);
			return -EINVAL;
		}
		o->probe_method = (int)m;
		return 0;
	}
	if (!strcmp(key, "hugepages"))
		return set_bool(key, v, &o->hugepages);
	if (!strcmp(key, "keep_attached"))
		return set_bool(key, v, &o->keep_attached);
	if (!strcmp(key, "log_level")) {
		if (tapio_log_level_parse(v, &o->log_level)) {
			pr_err("invalid log_level '%s': expected error, warn, "
			       "info or debug",
			       v);
			return -EINVAL;
		}
		return 0;
	}
	if (!strcmp(key, "buffer_size"))
		return parse_xsk_frames(key, v, &o->xsk_frames);
	if (!strcmp(key, "top_flows"))
		return tapio_parse_u32(key, v, 0, TAPIO_TOP_FLOWS_MAX,
				       &o->top_flows);
	if (!strcmp(key, "log_format")) {
		if (strcmp(v, "text") && strcmp(v, "json")) {
			pr_err("invalid log_format '%s': expected text or json",
			       v);
			return -EINVAL;
		}
		o->log_json = !strcmp(v, "json");
		return 0;
	}
	pr_err("unknown key '%s'", key);
	return -ENOENT;
}

struct file_ctx {
	struct tapio_run_opts *o;
	char why[256];
};

static int on_entry(void *user, const char *section, const char *key,
		    const char *value)
{
	struct file_ctx *c = user;
	int err;

	if (section[0] && strcmp(section, "run")) {
		snprintf(c->why, sizeof(c->why), "unknown section [%s]",
			 section);
		return 0;
	}
	tapio_err_capture = c->why;
	tapio_err_capture_len = sizeof(c->why);
	err = tapio_run_config_set(c->o, key, value);
	tapio_err_capture = NULL;
	return err ? 0 : 1; /* 0 stops inih at this line */
}

int tapio_run_config_file(const char *path, int required,
			  struct tapio_run_opts *o)
{
	struct file_ctx c = {.o = o};
	FILE *f = fopen(path, "r");
	int line;

	if (!f) {
		if (!required && errno == ENOENT)
			return 0;
		pr_err("cannot read config file %s: %s", path, strerror(errno));
		return -errno;
	}
	line = ini_parse_file(f, on_entry, &c);
	fclose(f);
	if (line > 0) {
		pr_err("%s:%d: %s", path, line,
		       c.why[0] ? c.why : "syntax error");
		return -EINVAL;
	}
	return line ? -EINVAL : 0;
}

int tapio_run_config_env(struct tapio_run_opts *o)
{
	static const char *const keys[] = {
		"interfaces",
		"interval",
		"idle_timeout",
		"active_timeout",
		"max_flows",
		"memory_limit_mb",
		"kernel_flows",
		"xdp_mode",
		"metrics",
		"socket",
		"xsk",
		"hugepages",
		"keep_attached",
		"log_level",
		"log_format",
		"top_flows",
		"buffer_size",
		"json_file",
		"json_rotate_mb",
		"ipfix",
		"ipfix_transport",
		"observation_domain",
		"probes",
		"probe_method",
	};
	char var[64], why[256];
	size_t i, k;
	const char *v;

	/* named with the others in the design, but nothing to set yet */
	if (getenv("TAPIO_WORKERS"))
		pr_warn("TAPIO_WORKERS is not used: AF_XDP pollers are one per "
			"receive queue");

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		snprintf(var, sizeof(var), "TAPIO_%s", keys[i]);
		for (k = 6; var[k]; k++)
			var[k] = (char)toupper((unsigned char)var[k]);
		v = getenv(var);
		if (!v)
			continue;
		why[0] = '\0';
		tapio_err_capture = why;
		tapio_err_capture_len = sizeof(why);
		k = (size_t)tapio_run_config_set(o, keys[i], v);
		tapio_err_capture = NULL;
		if (k) {
			pr_err("environment %s: %s", var, why);
			return -EINVAL;
		}
	}
	return 0;
}
