/* SPDX-License-Identifier: GPL-2.0 */
/* `tapio trace bio|cache|exec|tcp`: the command line of the tracers (their
 * shared loop is in trace_loop.h). */
#ifndef TAPIO_TRACE_H
#define TAPIO_TRACE_H

/* `tapio trace ...` (argv[0] is "trace"): an exit status. */
int tapio_trace_cmd(int argc, char **argv);

#endif /* TAPIO_TRACE_H */
