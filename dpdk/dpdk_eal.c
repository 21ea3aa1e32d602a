// SPDX-License-Identifier: GPL-2.0
/* The EAL of the DPDK source: started from dpdk_eal with tapio's defaults,
 * its log through tapio's logger, its PMDs listed for `tapio doctor`. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_log.h>
#include <rte_version.h>

#include "dpdk/dpdk_eal.h"
#include "dpdk/dpdk_source.h"
#include "lib/log.h"

#define EAL_ARGS_MAX 64

/* ---- the EAL's log: held during init, then through our logger ---- */

struct eal_log {
	char line[512];
	size_t len;
	bool holding;
	char held[1024];
	size_t nheld;
};

static struct eal_log eal_log;

static void eal_log_line(struct eal_log *l)
{
	while (l->len &&
	       (l->line[l->len - 1] == '\n' || l->line[l->len - 1] == ' '))
		l->len--;
	l->line[l->len] = 0;
	if (!l->len)
		return;
	/* what it found (lcores, NUMA nodes) is no news */
	if (!strncmp(l->line, "EAL: Detected ", 14)) {
		l->len = 0;
		return;
	}
	if (l->holding) {
		int n = snprintf(l->held + l->nheld, sizeof(l->held) - l->nheld,
				 "%s%s", l->nheld ? "; " : "", l->line);

		if (n > 0 && l->nheld + (size_t)n < sizeof(l->held))
			l->nheld += (size_t)n;
	} else {
		pr_warn("dpdk: %s", l->line);
	}
	l->len = 0;
}

static ssize_t eal_log_write(void *cookie, const char *buf, size_t size)
{
	struct eal_log *l = cookie;
	size_t i;

	for (i = 0; i < size; i++) {
		if (l->len < sizeof(l->line) - 1)
			l->line[l->len++] = buf[i];
		if (buf[i] == '\n')
			eal_log_line(l);
	}
	return (ssize_t)size;
}

static bool has_arg(char **argv, int argc, const char *prefix)
{
	size_t n = strlen(prefix);
	int i;

	for (i = 0; i < argc; i++)
		if (!strncmp(argv[i], prefix, n))
			return true;
	return false;
}

/*
 * The EAL, once per process, from dpdk_eal split at white space.  Memory
 * in no files of /var/run unless asked (--in-memory; --no-shconf with
 * --no-huge, which excludes it), no telemetry socket, warnings only.  The
 * EAL pins the calling thread to the main lcore: the run loop and the
 * threads it starts later keep the CPUs they had instead.
 */
int tapio_dpdk_eal_init(const char *args)
{
	static cookie_io_functions_t io = {.write = eal_log_write};
	char *argv[EAL_ARGS_MAX + 8], *copy = strdup(args ? args : ""), *save;
	int argc = 0, nuser, ret, saved_out, saved_err, errs, err = 0;
	cpu_set_t cpus;
	FILE *stream;
	char *tok;

	if (!copy)
		return -ENOMEM;
	argv[argc++] = "tapio";
	for (tok = strtok_r(copy, " \t\n", &save); tok;
	     tok = strtok_r(NULL, " \t\n", &save)) {
		if (argc == EAL_ARGS_MAX) {
			pr_err("dpdk: more than %d EAL arguments",
			       EAL_ARGS_MAX - 1);
			free(copy);
			return -E2BIG;
		}
		argv[argc++] = tok;
	}
	nuser = argc;
	if (!has_arg(argv, nuser, "--no-telemetry") &&
	    !has_arg(argv, nuser, "--telemetry"))
		argv[argc++] = "--no-telemetry";
	if (!has_arg(argv, nuser, "--log-level"))
		argv[argc++] = "--log-level=warning";
	if (has_arg(argv, nuser, "--no-huge")) {
		if (!has_arg(argv, nuser, "--no-shconf"))
			argv[argc++] = "--no-shconf";
	} else if (!has_arg(argv, nuser, "--in-memory") &&
		   !has_arg(argv, nuser, "--file-prefix")) {
		argv[argc++] = "--in-memory";
	}
	argv[argc] = NULL;

	stream = fopencookie(&eal_log, "w", io);
	if (stream) {
		setvbuf(stream, NULL, _IONBF, 0);
		rte_openlog_stream(stream);
	}
	eal_log.holding = true;
	/* its usage text goes to stdout, which carries our flow records:
	 * muted; what it writes to stderr (getopt's complaint, alerts) is
	 * kept and told after, with the log, in one error line */
	fflush(stdout);
	fflush(stderr);
	saved_out = dup(STDOUT_FILENO);
	saved_err = dup(STDERR_FILENO);
	ret = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (ret >= 0) {
		dup2(ret, STDOUT_FILENO);
		close(ret);
	}
	errs = memfd_create("tapio-eal-stderr", MFD_CLOEXEC);
	if (errs >= 0)
		dup2(errs, STDERR_FILENO);
	if (sched_getaffinity(0, sizeof(cpus), &cpus))
		CPU_ZERO(&cpus);
	ret = rte_eal_init(argc, argv);
	if (ret < 0)
		err = rte_errno ? -rte_errno : -EINVAL;
	fflush(stdout);
	fflush(stderr);
	if (saved_out >= 0) {
		dup2(saved_out, STDOUT_FILENO);
		close(saved_out);
	}
	if (saved_err >= 0) {
		dup2(saved_err, STDERR_FILENO);
		close(saved_err);
	}
	if (errs >= 0) {
		char text[1024];
		ssize_t n = pread(errs, text, sizeof(text), 0);

		if (n > 0)
			eal_log_write(&eal_log, text, (size_t)n);
		close(errs);
	}
	if (CPU_COUNT(&cpus))
		sched_setaffinity(0, sizeof(cpus), &cpus);
	eal_log.holding = false;
	if (err)
		pr_err("dpdk: EAL initialisation failed with '%s': %s%s%s",
		       args ? args : "", rte_strerror(-err),
		       eal_log.nheld ? ": " : "", eal_log.held);
	else if (eal_log.nheld)
		pr_warn("dpdk: %s", eal_log.held);
	free(copy);
	return err;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void tapio_dpdk_describe(char *buf, size_t blen)
{
	char names[128][32], *sorted[128] = {NULL}, pmds[768] = "";
	const char *dir = NULL;
	size_t len = 0, n = 0, i;
	struct dirent *e;
	DIR *d;

#ifdef RTE_EAL_PMD_PATH
	dir = RTE_EAL_PMD_PATH;
#endif
	d = dir ? opendir(dir) : NULL;
	while (d && (e = readdir(d)) && n < 128) {
		const char *nm = e->d_name;
		size_t l = strlen(nm);

		/* librte_net_pcap.so: one entry per PMD, not its versions */
		if (strncmp(nm, "librte_net_", 11) || l < 14 ||
		    strcmp(nm + l - 3, ".so"))
			continue;
		snprintf(names[n], sizeof(names[n]), "%.*s", (int)(l - 14),
			 nm + 11);
		sorted[n] = names[n];
		n++;
	}
	if (d)
		closedir(d);
	qsort(sorted, n, sizeof(sorted[0]), by_name);
	for (i = 0; i < n && len < sizeof(pmds); i++)
		len += (size_t)snprintf(pmds + len, sizeof(pmds) - len, "%s%s",
					i ? " " : "", sorted[i]);
	snprintf(buf, blen, "built with %s; network PMDs%s%s: %s",
		 rte_version(), dir ? " in " : "", dir ? dir : "",
		 n ? pmds : "none found");
}
