// SPDX-License-Identifier: GPL-2.0
/* Prometheus text exposition (version 0.0.4): family headers, samples and
 * label escaping, written straight to the snapshot's memory stream. */
#include "export/prom_text.h"
#include "lib/hist.h"

void tapio_prom_label(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fputc('\\', f);
		if (*s == '\n') {
			fputs("\\n", f);
			continue;
		}
		fputc(*s, f);
	}
}

void tapio_prom_family(FILE *f, const char *name, const char *type,
		       const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void series(FILE *f, const char *name, const struct tapio_label *l,
		   size_t n)
{
	size_t i;

	fputs(name, f);
	if (!n)
		return;
	for (i = 0; i < n; i++) {
		fprintf(f, "%c%s=\"", i ? ',' : '{', l[i].name);
		tapio_prom_label(f, l[i].value);
		fputc('"', f);
	}
	fputc('}', f);
}

void tapio_prom_sample(FILE *f, const char *name, const struct tapio_label *l,
		       size_t n, unsigned long long v)
{
	series(f, name, l, n);
	fprintf(f, " %llu\n", v);
}

void tapio_prom_sample_double(FILE *f, const char *name,
			      const struct tapio_label *l, size_t n, double v)
{
	series(f, name, l, n);
	fprintf(f, " %.9g\n", v);
}

void tapio_prom_scalar(FILE *f, const char *name, const char *type,
		       const char *help, unsigned long long v)
{
	tapio_prom_family(f, name, type, help);
	tapio_prom_sample(f, name, NULL, 0, v);
}

void tapio_hist_prom(FILE *f, const char *name, const char *labels,
		     const __u64 *slots, double sum_seconds)
{
	const char *sep = labels[0] ? "," : "";
	__u64 cum = 0;
	unsigned int i;

	for (i = 0; i + 1 < TAPIO_HIST_SLOTS; i++) {
		cum += slots[i];
		fprintf(f, "%s_bucket{%s%sle=\"%.12g\"} %llu\n", name, labels,
			sep, (double)tapio_hist_le_us(i) / 1e6,
			(unsigned long long)cum);
	}
	cum += slots[TAPIO_HIST_SLOTS - 1];
	fprintf(f, "%s_bucket{%s%sle=\"+Inf\"} %llu\n", name, labels, sep,
		(unsigned long long)cum);
	fprintf(f, "%s_sum%s%s%s %.9f\n%s_count%s%s%s %llu\n", name,
		*sep ? "{" : "", labels, *sep ? "}" : "", sum_seconds, name,
		*sep ? "{" : "", labels, *sep ? "}" : "",
		(unsigned long long)cum);
}
