# tapio build: BPF objects with clang, skeletons with bpftool, the tapio
# binary and the tests with $(CC) against Debian's libbpf/libxdp.

CC        ?= gcc
CLANG     ?= clang
BPFTOOL   ?= bpftool
BUILD     := build
ARCH      := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
MULTIARCH := $(shell $(CC) -print-multiarch 2>/dev/null)
VERSION   := $(shell git describe --always --dirty 2>/dev/null || echo unknown)

CFLAGS    ?= -O2 -g
CFLAGS    += -Wall -Wextra -Werror -std=gnu11 -D_GNU_SOURCE -MMD -MP \
	     -I. -Iinclude -Ixdp -Iuserspace -I$(BUILD) \
	     -DTAPIO_VERSION='"$(VERSION)"' \
	     $(shell pkg-config --cflags libfixbuf 2>/dev/null)
LIBS      := $(shell pkg-config --libs libxdp libbpf 2>/dev/null || echo -lxdp -lbpf) \
	     -lelf -lz -lmnl -lpsx -Wl,-wrap,pthread_create -lcap -lpcap -lmicrohttpd -linih -lsystemd -lncursesw -lm \
	     $(shell pkg-config --libs libfixbuf 2>/dev/null) -lpthread
# The optional DPDK backend (dpdk/): built when pkg-config finds libdpdk
# (Debian: libdpdk-dev), unless DPDK=0; DPDK=1 insists on it.
DPDK_FOUND := $(shell pkg-config --exists libdpdk 2>/dev/null && echo 1)
DPDK      ?= $(if $(DPDK_FOUND),1,0)
ifeq ($(DPDK),1)
ifneq ($(DPDK_FOUND),1)
$(error DPDK=1, but pkg-config finds no libdpdk: apt-get install libdpdk-dev)
endif
DPDK_CFLAGS := $(shell pkg-config --cflags libdpdk)
LIBS      += $(shell pkg-config --libs libdpdk)
DPDK_OBJ  := $(BUILD)/obj/dpdk/dpdk_source.o $(BUILD)/obj/dpdk/dpdk_eal.o \
	     $(BUILD)/obj/dpdk/dpdk_rx.o
else
DPDK_OBJ  := $(BUILD)/obj/dpdk/dpdk_stub.o
endif
BPF_CFLAGS := -O2 -g -Wall -Werror -target bpf -D__TARGET_ARCH_$(ARCH) \
	     -Iinclude -Ixdp -I/usr/include/$(MULTIARCH)

BPF_OBJS  := $(BUILD)/tapio_xdp.o $(BUILD)/tapio_tc.o
PROBES    := bio exec tcp cache sock
PROBE_OBJS := $(patsubst %,$(BUILD)/tapio_%.o,$(PROBES))
SKELS     := $(BUILD)/tapio_xdp.skel.h $(BUILD)/tapio_tc.skel.h \
	     $(patsubst %,$(BUILD)/tapio_%.skel.h,$(PROBES))
# userspace/: lib/ is libtapio.a (never includes cmd/, export/ or run/);
# export/ and run/ are libtapio-run.a; cmd/ is the tapio binary.
LIB_OBJS  := $(patsubst userspace/%.c,$(BUILD)/obj/%.o,$(wildcard userspace/lib/*.c))
RUN_OBJS  := $(patsubst userspace/%.c,$(BUILD)/obj/%.o,\
	     $(wildcard userspace/export/*.c userspace/run/*.c)) $(DPDK_OBJ)
CMD_OBJS  := $(patsubst userspace/%.c,$(BUILD)/obj/%.o,$(wildcard userspace/cmd/*.c))
LIBS_A    := $(BUILD)/libtapio-run.a $(BUILD)/libtapio.a
BPF_HDRS  := $(wildcard include/tapio/*.h xdp/*.h probes/*.h)

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))
TOOLS     := $(BUILD)/tools/pktsend $(BUILD)/tools/pcapgen $(BUILD)/tools/tc_drop.o \
	     $(BUILD)/tools/other_tool.o
BENCH_BPF := $(BUILD)/bench/xdp_pass.o $(BUILD)/bench/xdp_ref.o \
	     $(BUILD)/bench/xdp_ref_key48.o $(BUILD)/bench/xdp_ref_key48_shared.o
# libFuzzer harnesses (clang, ASan + UBSan); the code under test is built
# into each with the same instrumentation
FUZZ_CFLAGS := -g -O1 -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=undefined -std=gnu11 -D_GNU_SOURCE -Wall -Werror \
	-Iinclude -Ixdp -Iuserspace -Itests/tools -I$(BUILD)
FUZZ_BINS := $(patsubst %,$(BUILD)/fuzz/fuzz_%,flow_parse xdp_parse json settings socket) \
	$(BUILD)/fuzz/make_seeds
FUZZ_SECONDS ?= 60
BENCH_BINS := $(patsubst %,$(BUILD)/bench/%,xdp_prog_run flow_table_bench \
	      flow_json_bench metrics_scrape ipfix_export ringbuf_consume probe_workload \
	      drain_bench drain_rate shared_map filter_cost spill_cost probe_filter_cost) \
	      $(if $(filter 1,$(DPDK)),$(BUILD)/bench/dpdk_rx)

# Install paths, after xdp-tools' lib/common.mk; DESTDIR for staging
PREFIX        ?= /usr/local
SBINDIR       ?= $(PREFIX)/sbin
DATADIR       ?= $(PREFIX)/share
MANDIR        ?= $(DATADIR)/man
DOCDIR        ?= $(DATADIR)/doc/tapio
COMPLETIONDIR ?= $(DATADIR)/bash-completion/completions
SYSCONFDIR    ?= /etc
UNITDIR       ?= $(PREFIX)/lib/systemd/system
SYSCTLDIR     ?= $(PREFIX)/lib/sysctl.d
INSTALL       ?= install
MANS      := $(BUILD)/man/tapio.8 $(BUILD)/man/tapio.conf.5
# what install puts there, and so what uninstall takes away
INSTALLED := $(SBINDIR)/tapio $(SBINDIR)/tapio-setcap \
	     $(SBINDIR)/tapio-set-irq-affinity $(MANDIR)/man8/tapio.8 \
	     $(MANDIR)/man5/tapio.conf.5 $(UNITDIR)/tapio.service \
	     $(SYSCTLDIR)/99-tapio.conf $(COMPLETIONDIR)/tapio $(DOCDIR)/LICENSE
# the shipped settings: the table's defaults, flow records to a file that
# the unit's LogsDirectory= makes
CONF_SED  := -e 's|^;json_file =$$|json_file = /var/log/tapio/flows.jsonl|' \
	     -e 's|^;json_rotate_mb =$$|json_rotate_mb = 100|'

.PHONY: all deps test demo bench clean format lint fuzz man install uninstall deb nodpdk
.DELETE_ON_ERROR:
all: $(BUILD)/tapio $(BPF_OBJS) $(PROBE_OBJS) $(TOOLS)

# Install what is missing (root), then build; used by `make test`/`make demo`.
deps:
	@scripts/install-deps.sh

$(BUILD)/tapio_xdp.o: xdp/tapio_xdp.bpf.c $(BPF_HDRS) | $(BUILD)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@
$(BUILD)/tapio_tc.o: tc/tapio_tc.bpf.c $(BPF_HDRS) | $(BUILD)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@
# Probes read kernel structs through CO-RE, so they build against vmlinux.h.
$(BUILD)/tapio_%.o: probes/%.bpf.c $(BPF_HDRS) $(BUILD)/vmlinux.h | $(BUILD)
	$(CLANG) $(BPF_CFLAGS) -I$(BUILD) -c $< -o $@
$(BUILD)/bench/%.o: bench/%.bpf.c $(BPF_HDRS) | $(BUILD)
	@mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/bench/xdp_ref_key48.o: bench/xdp_ref.bpf.c | $(BUILD)
	@mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) -DREF_KEY_PAD=32 -c $< -o $@
$(BUILD)/bench/xdp_ref_key48_shared.o: bench/xdp_ref.bpf.c | $(BUILD)
	@mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) -DREF_KEY_PAD=32 -DREF_SHARED=1 -c $< -o $@

# CO-RE kernel types for the tracepoint probes, taken from the running
# kernel's BTF at build time (see docs/architecture.md).
$(BUILD)/vmlinux.h: | $(BUILD)
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@.tmp && mv $@.tmp $@

$(BUILD)/%.skel.h: $(BUILD)/%.o
	$(BPFTOOL) gen skeleton $< name $* > $@.tmp && mv $@.tmp $@

# header dependencies come from -MMD; the skeletons must exist before the
# first compile, which has no .d file yet
$(BUILD)/obj/%.o: userspace/%.c $(SKELS) | $(BUILD)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c $< -o $@
# DPDK's headers want its own flags (-include rte_config.h, -march)
$(BUILD)/obj/dpdk/%.o: dpdk/%.c $(SKELS) | $(BUILD)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(DPDK_CFLAGS) -c $< -o $@
$(BUILD)/libtapio.a: $(LIB_OBJS)
	rm -f $@ && $(AR) rcs $@ $^
$(BUILD)/libtapio-run.a: $(RUN_OBJS)
	rm -f $@ && $(AR) rcs $@ $^
$(BUILD)/tapio: $(CMD_OBJS) $(LIBS_A)
	$(CC) $(CFLAGS) $(CMD_OBJS) $(LIBS_A) $(LIBS) -o $@

$(BUILD)/tests/test_%: tests/unit/test_%.c $(LIBS_A) tests/tools/frame_build.c tests/tools/frame_cases.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Itests/tools $< tests/tools/frame_build.c tests/tools/frame_cases.c $(LIBS_A) $(LIBS) -lcmocka -o $@
# the settings tables live with their commands: every cmd/ object but main
CMD_TABLE_OBJS := $(filter-out %/main.o,$(CMD_OBJS))
$(BUILD)/tests/test_settings: tests/unit/test_settings.c $(CMD_TABLE_OBJS) $(LIBS_A)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $< $(CMD_TABLE_OBJS) $(LIBS_A) $(LIBS) -lcmocka -o $@
$(BUILD)/tests/prog_run: tests/prog_run/prog_run.c $(LIBS_A) tests/tools/frame_build.c tests/tools/frame_cases.c $(SKELS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Itests/tools $< tests/tools/frame_build.c tests/tools/frame_cases.c $(LIBS_A) $(LIBS) -lcmocka -o $@
$(BUILD)/tools/tc_drop.o $(BUILD)/tools/other_tool.o: $(BUILD)/tools/%.o: tests/tools/%.bpf.c | $(BUILD)
	@mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@
$(BUILD)/tools/pktsend: tests/tools/pktsend.c tests/tools/frame_build.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Itests/tools $< tests/tools/frame_build.c -lpcap -o $@
$(BUILD)/tools/pcapgen: tests/tools/pcapgen.c tests/tools/frame_build.c tests/tools/frame_cases.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Itests/tools $^ -lpcap -o $@
$(BUILD)/bench/xdp_prog_run $(BUILD)/bench/shared_map $(BUILD)/bench/filter_cost $(BUILD)/bench/spill_cost: $(BUILD)/bench/%: bench/%.c $(LIBS_A) tests/tools/frame_build.c $(BENCH_BPF) $(BPF_OBJS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Itests/tools $< tests/tools/frame_build.c $(LIBS_A) $(LIBS) -o $@

# its reference (an AF_XDP poller's work) includes the parser, which DPDK's
# headers cannot meet in one file: a file of its own, without DPDK_CFLAGS
$(BUILD)/bench/dpdk_rx_ref.o: bench/dpdk_rx_ref.c | $(BUILD)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c $< -o $@
$(BUILD)/bench/dpdk_rx: bench/dpdk_rx.c $(BUILD)/bench/dpdk_rx_ref.o $(LIBS_A) tests/tools/frame_build.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(DPDK_CFLAGS) -Itests/tools $< $(BUILD)/bench/dpdk_rx_ref.o tests/tools/frame_build.c $(LIBS_A) $(LIBS) -lrte_net_ring -o $@

$(BUILD)/bench/drain_bench $(BUILD)/bench/drain_rate: $(BUILD)/bench/%: bench/%.c $(LIBS_A) $(SKELS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $< $(LIBS_A) $(LIBS) -o $@

# every other C benchmark: one source, linked against the libraries
$(BUILD)/bench/%: bench/%.c $(LIBS_A)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $< $(LIBS_A) $(LIBS) -o $@

$(BUILD)/bench/ringbuf_fill.skel.h: $(BUILD)/bench/ringbuf_fill.o
	$(BPFTOOL) gen skeleton $< name ringbuf_fill_bpf > $@.tmp && mv $@.tmp $@
$(BUILD)/bench/ringbuf_consume: bench/ringbuf_consume.c $(BUILD)/bench/ringbuf_fill.skel.h
	$(CC) $(CFLAGS) $< $(LIBS) -o $@

$(BUILD)/fuzz/fuzz_flow_parse: tests/fuzz/fuzz_flow_parse.c $(BPF_HDRS)
	@mkdir -p $(@D)
	$(CLANG) $(FUZZ_CFLAGS) $< -o $@
$(BUILD)/fuzz/fuzz_xdp_parse: tests/fuzz/fuzz_xdp_parse.c $(BUILD)/libtapio.a $(SKELS)
	@mkdir -p $(@D)
	$(CLANG) $(FUZZ_CFLAGS) $< $(BUILD)/libtapio.a $(LIBS) -o $@
$(BUILD)/fuzz/fuzz_json: tests/fuzz/fuzz_json.c userspace/lib/json.c
	@mkdir -p $(@D)
	$(CLANG) $(FUZZ_CFLAGS) $^ -o $@
$(BUILD)/fuzz/fuzz_settings: tests/fuzz/fuzz_settings.c userspace/lib/settings.c \
		userspace/lib/parse.c userspace/lib/log.c userspace/lib/json.c
	@mkdir -p $(@D)
	$(CLANG) $(FUZZ_CFLAGS) $^ -linih -lcap -o $@
$(BUILD)/fuzz/fuzz_socket: tests/fuzz/fuzz_socket.c userspace/export/daemon_socket.c \
		userspace/export/prom_text.c userspace/lib/flow_table.c userspace/lib/hist.c \
		userspace/lib/clock.c userspace/lib/log.c userspace/lib/json.c \
		userspace/lib/parse.c
	@mkdir -p $(@D)
	$(CLANG) $(FUZZ_CFLAGS) $^ -lpthread -lcap -o $@
$(BUILD)/fuzz/make_seeds: tests/fuzz/make_seeds.c tests/tools/frame_build.c tests/tools/frame_cases.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Itests/tools $(filter %.c,$^) -o $@

$(BUILD):
	@mkdir -p $(BUILD)

# man pages from scdoc; tapio.conf(5) lists the keys of the settings table
# (scripts/tapio.conf, which test_config checks against --print-config)
man: $(MANS)
$(BUILD)/man/tapio.8: docs/man/tapio.8.scd | $(BUILD)
	@mkdir -p $(@D)
	scdoc <$< >$@
$(BUILD)/man/tapio.conf.5: docs/man/tapio.conf.5.scd docs/man/tapio.conf.5.end.scd \
		scripts/tapio.conf scripts/conf_to_scd.awk | $(BUILD)
	@mkdir -p $(@D)
	{ cat docs/man/tapio.conf.5.scd; awk -f scripts/conf_to_scd.awk scripts/tapio.conf; \
	  cat docs/man/tapio.conf.5.end.scd; } | scdoc >$@

install: $(BUILD)/tapio $(MANS)
	$(INSTALL) -D -m 0755 $(BUILD)/tapio $(DESTDIR)$(SBINDIR)/tapio
	$(INSTALL) -D -m 0755 scripts/tapio-setcap $(DESTDIR)$(SBINDIR)/tapio-setcap
	$(INSTALL) -D -m 0755 scripts/set_irq_affinity.sh $(DESTDIR)$(SBINDIR)/tapio-set-irq-affinity
	$(INSTALL) -D -m 0644 $(BUILD)/man/tapio.8 $(DESTDIR)$(MANDIR)/man8/tapio.8
	$(INSTALL) -D -m 0644 $(BUILD)/man/tapio.conf.5 $(DESTDIR)$(MANDIR)/man5/tapio.conf.5
	$(INSTALL) -d $(DESTDIR)$(UNITDIR)
	sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
		scripts/tapio.service.in >$(DESTDIR)$(UNITDIR)/tapio.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/tapio.service
	$(INSTALL) -D -m 0644 scripts/99-tapio.conf $(DESTDIR)$(SYSCTLDIR)/99-tapio.conf
	$(INSTALL) -D -m 0644 scripts/tapio.bash-completion $(DESTDIR)$(COMPLETIONDIR)/tapio
	$(INSTALL) -D -m 0644 LICENSE $(DESTDIR)$(DOCDIR)/LICENSE
	@# an operator's own settings are never overwritten
	$(INSTALL) -d -m 0755 $(DESTDIR)$(SYSCONFDIR)/tapio
	if [ ! -e $(DESTDIR)$(SYSCONFDIR)/tapio/tapio.conf ]; then \
		sed $(CONF_SED) scripts/tapio.conf >$(DESTDIR)$(SYSCONFDIR)/tapio/tapio.conf && \
		chmod 0644 $(DESTDIR)$(SYSCONFDIR)/tapio/tapio.conf; fi

# exactly what install put there: the settings only while unchanged
uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALLED))
	if sed $(CONF_SED) scripts/tapio.conf | cmp -s - $(DESTDIR)$(SYSCONFDIR)/tapio/tapio.conf; then \
		rm -f $(DESTDIR)$(SYSCONFDIR)/tapio/tapio.conf; \
	else echo "uninstall: keeping $(DESTDIR)$(SYSCONFDIR)/tapio/tapio.conf (changed)"; fi
	-rmdir $(DESTDIR)$(SYSCONFDIR)/tapio $(DESTDIR)$(DOCDIR) 2>/dev/null

# a Debian package of this tree: build/tapio_VERSION_ARCH.deb
deb: $(BUILD)/tapio $(MANS)
	scripts/make_deb.sh $(BUILD)

test: deps
	@$(MAKE) --no-print-directory all $(MANS) $(UNIT_BINS) $(BUILD)/tests/prog_run $(FUZZ_BINS) \
		$(if $(filter 1,$(DPDK)),nodpdk)
	@tests/run.sh

# CI builds both: with DPDK found, a tapio without it too, whose refusal of
# --dpdk test_dpdk checks (and which must build cleanly)
nodpdk:
	@$(MAKE) --no-print-directory BUILD=$(BUILD)/nodpdk DPDK=0 $(BUILD)/nodpdk/tapio

# every fuzzer for FUZZ_SECONDS (make test gives each 15)
fuzz: deps
	@$(MAKE) --no-print-directory $(FUZZ_BINS)
	@BUILD=$(BUILD) FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/run.sh

demo: deps
	@$(MAKE) --no-print-directory all
	@scripts/demo.sh

bench: deps
	@scripts/install-deps.sh --bench
	@$(MAKE) --no-print-directory all $(BENCH_BINS)
	@bench/run.sh

format:
	clang-format -i $$(git ls-files --cached --others --exclude-standard '*.c' '*.h')

# void * arithmetic is the kernel's (and BPF's) idiom under gnu11; libbpf's
# *_OPTS macros are given to cppcheck, which does not read system headers.
lint:
	scripts/check_layers.sh
	clang-format --dry-run --Werror $$(git ls-files --cached --others --exclude-standard '*.c' '*.h')
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability \
		--inline-suppr -Iinclude -Ixdp -Iuserspace -Itests/tools \
		--suppress=missingIncludeSystem \
		--suppress=arithOperationsOnVoidPointer \
		'-DLIBBPF_OPTS(T,N,...)=struct T N = {__VA_ARGS__}' \
		'-DDECLARE_LIBBPF_OPTS(T,N,...)=struct T N = {__VA_ARGS__}' '-DSEC(x)=' \
		userspace dpdk tests/tools tests/unit tests/prog_run tests/fuzz bench/xdp_prog_run.c bench/flow_table_bench.c \
		bench/metrics_scrape.c bench/flow_json_bench.c bench/ipfix_export.c bench/ringbuf_consume.c \
		bench/probe_workload.c bench/drain_bench.c bench/drain_rate.c bench/shared_map.c bench/filter_cost.c bench/spill_cost.c bench/probe_filter_cost.c \
		bench/dpdk_rx.c bench/dpdk_rx_ref.c

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' -type f 2>/dev/null)
