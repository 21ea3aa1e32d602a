/* SPDX-License-Identifier: GPL-2.0 */
/* `tapio run`: its settings (filled from cmd/run.c's table) and the loop
 * that moves sources into the aggregation table and the table into sinks. */
#ifndef TAPIO_RUN_H
#define TAPIO_RUN_H

#include <stdbool.h>
#include <linux/types.h>

#include "lib/loader.h"

#define TAPIO_RUN_MAX_DEVS  16
#define TAPIO_TOP_FLOWS_MAX 1000

struct tapio_run_opts {
	const char *devs[TAPIO_RUN_MAX_DEVS];
	int ndevs;
	const char *exclude; /* regexes of interfaces not to collect from */
	bool watch;	   /* devs are a selection, followed as links change */
	const char *netns; /* with watch: namespaces (/run/netns) also */
	bool attribution;  /* the socket, process and cgroup of local flows */
	__u32 max_interfaces; /* devices at once while watching */
	__u64 interval_ns;    /* drain and expiry period */
	__u64 idle_timeout_ns;
	__u64 active_timeout_ns;
	__u64 duration_ns;   /* 0: until SIGINT/SIGTERM */
	__u32 max_flows;     /* userspace table bound */
	__u64 memory_limit;  /* bytes, 0: none */
	__u32 kernel_flows;  /* per-generation kernel map size, 0: auto */
	__u64 kernel_memory; /* bytes for both generations when auto */
	__u32 spill_ring_mb; /* each interface's tapio_spill, MiB */
	__u32 drain_at_pct;  /* early drain at this fill, 0: never */
	__u32 flow_sample_n; /* flows: one IP frame in N, 1: all */
	enum tapio_mode_req mode;
	enum tapio_hook hook; /* where received frames are counted */
	enum tapio_tc_api tc_api;
	enum tapio_kernel_map kernel_map; /* per-CPU or shared flow maps */
	bool keep_attached;		  /* leave what we attached in place */
	bool print_config; /* the example tapio.conf, nothing else */
	bool bpf_stats;	   /* BPF_ENABLE_STATS while running */
	__u32 xsk_mode;	   /* enum tapio_xsk_mode: steer frames to pollers */
	__u32 xsk_sample_n;
	const char *xsk_filter;
	const char *socket_path;  /* where `tapio flows` reads the table */
	bool hugepages;		  /* AF_XDP UMEM in hugepages */
	__u32 xsk_frames;	  /* AF_XDP frames per queue, 0: default */
	const char *metrics_addr; /* Prometheus endpoint, NULL: none */
	const char *json_file;	  /* ended flows: a file instead of stdout */
	__u32 json_rotate_mb;	  /* rotate it past this size, 0: never */
	const char *ipfix;	  /* "HOST:PORT[,...]" collectors, NULL: none */
	int ipfix_tcp;		  /* choice index: udp, tcp */
	__u32 observation_domain;
	unsigned int probes;	/* 1 << enum tapio_probe_kind */
	int probe_method;	/* enum tapio_tp_method, 0: auto */
	const char *limits;	/* rate limits of event streams */
	const char *samples;	/* their sampling */
	__u32 top_flows;	/* largest flows as /metrics series */
	int log_level;		/* enum tapio_log_level */
	int log_json;		/* choice index: text, json */
	const char *config;	/* the settings file */
	const char *dpdk_ports; /* "all" or port names; NULL: no DPDK */
	const char *dpdk_eal;	/* EAL arguments, space-separated */
	__u32 workers;		/* DPDK worker lcores, 0: every one */
	__u32 dpdk_nap_us;	/* an idle DPDK worker's sleep, 0: busy-poll */
	/* SIGHUP: rebuild the settings (file, environment, flags) and apply
	 * what may change live; 0, or the old settings are kept */
	int (*reload)(struct tapio_run_opts *cur);
};

int tapio_run(const struct tapio_run_opts *o);

#endif /* TAPIO_RUN_H */
