// SPDX-License-Identifier: GPL-2.0
/* Log lines of the tapio binary: a level floor, and text for people or one
 * JSON object per line for log pipelines (`tapio run --log-format json`). */
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <time.h>

#include "lib/log.h"

int tapio_log_level = TAPIO_LOG_INFO;
bool tapio_log_json;
int tapio_verbose;
FILE *tapio_info_fp;
char *tapio_err_capture;
size_t tapio_err_capture_len;

static const char *const level_names[] = {"error", "warn", "info", "debug"};

int tapio_log_level_parse(const char *s, int *out)
{
	int i;

	for (i = 0; i <= TAPIO_LOG_DEBUG; i++)
		if (!strcmp(s, level_names[i])) {
			*out = i;
			return 0;
		}
	if (!strcmp(s, "warning")) {
		*out = TAPIO_LOG_WARN;
		return 0;
	}
	return -EINVAL;
}

/* JSON string body: quotes, backslashes and control bytes escaped. */
static void json_escape(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
}

void tapio_vlog(int level, const char *fmt, va_list ap)
{
	char msg[1024], stamp[32];
	struct timespec ts;
	struct tm tm;
	size_t n;
	FILE *f;

	if (level > tapio_log_level)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n && msg[n - 1] == '\n') /* libbpf ends its lines itself */
		msg[--n] = '\0';
	if (!tapio_log_json) {
		/* progress goes where the command's output goes */
		if (level == TAPIO_LOG_INFO)
			fprintf(tapio_info_fp ? tapio_info_fp : stdout, "%s\n",
				msg);
		else
			fprintf(stderr, "tapio: %s%s\n",
				level == TAPIO_LOG_WARN ? "warning: " : "",
				msg);
		return;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	f = stderr;
	/* one locked stdio call chain per line: threads do not interleave */
	flockfile(f);
	fprintf(f, "{\"time\":\"%s.%03ldZ\",\"level\":\"%s\",\"msg\":\"", stamp,
		ts.tv_nsec / 1000000, level_names[level]);
	json_escape(f, msg);
	fputs("\"}\n", f);
	funlockfile(f);
}

void tapio_log(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tapio_vlog(level, fmt, ap);
	va_end(ap);
}
