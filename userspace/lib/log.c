// SPDX-License-Identifier: GPL-2.0
/* Log lines of the tapio binary: a level floor, and text for people or one
 * JSON object per line for log pipelines (`tapio run --log-format json`). */
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <time.h>

#include "lib/json.h"
#include "lib/log.h"

int tapio_log_level = TAPIO_LOG_INFO;
bool tapio_log_json;
int tapio_verbose;
FILE *tapio_info_fp;
__thread char *tapio_err_capture;
__thread size_t tapio_err_capture_len;

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

void tapio_vlog(int level, const char *fmt, va_list ap)
{
	char msg[1024], stamp[32];
	/* every byte of msg may become a six-byte escape */
	char line[sizeof(msg) * 6 + 128];
	struct tapio_json j;
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
	n = strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(stamp + n, sizeof(stamp) - n, ".%03ldZ", ts.tv_nsec / 1000000);
	tapio_json_init(&j, line, sizeof(line));
	tapio_json_object(&j, NULL);
	tapio_json_str(&j, "time", stamp);
	tapio_json_str(&j, "level", level_names[level]);
	tapio_json_str(&j, "msg", msg);
	tapio_json_object_end(&j);
	f = stderr;
	/* one locked stdio call chain per line: threads do not interleave */
	flockfile(f);
	if (tapio_json_finish(&j) < 0) /* a message longer than a line */
		fputs("{\"level\":\"error\",\"msg\":\"log line too long\"}", f);
	else
		fputs(line, f);
	fputc('\n', f);
	funlockfile(f);
}

void tapio_log(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tapio_vlog(level, fmt, ap);
	va_end(ap);
}
