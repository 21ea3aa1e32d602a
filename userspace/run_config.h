/* SPDX-License-Identifier: GPL-2.0 */
/* Settings of `tapio run` from /etc/tapio/tapio.conf (libinih), then from
 * TAPIO_* environment variables; flags are applied after both. */
#ifndef TAPIO_RUN_CONFIG_H
#define TAPIO_RUN_CONFIG_H

#include "collector.h"

#define TAPIO_CONFIG_DEFAULT "/etc/tapio/tapio.conf"

/* Apply @path to @o; 0, or -EINVAL after one line naming the file, the
 * line and the key that is wrong.  A missing default file is no error. */
int tapio_run_config_file(const char *path, int required,
			  struct tapio_run_opts *o);
/* Apply TAPIO_<KEY> variables; 0 or -EINVAL naming the variable. */
int tapio_run_config_env(struct tapio_run_opts *o);
/* --xsk / xsk: off, all, sample:N or filter:EXPR; @opt names it in errors. */
int tapio_parse_xsk(const char *opt, const char *v, struct tapio_run_opts *o);
/* One setting by its config-file name (also used for the environment). */
int tapio_run_config_set(struct tapio_run_opts *o, const char *key,
			 const char *value);

#endif /* TAPIO_RUN_CONFIG_H */
