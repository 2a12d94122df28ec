# SPDX-License-Identifier: GPL-2.0
# kmemscope: `make` builds build/kmemscope; see README.md for the rest.

.DELETE_ON_ERROR:
.SUFFIXES:
.SECONDARY:
.DEFAULT_GOAL := all

OUT ?= build
# the kernel's name for the machine: picks vmlinux/$(ARCH)/vmlinux.h and
# -D__TARGET_ARCH_$(ARCH) for the BPF programs
HOST_ARCH := $(patsubst x86_64,x86,$(patsubst aarch64,arm64,$(shell uname -m)))
ARCH ?= $(HOST_ARCH)
CC ?= gcc
CLANG ?= clang
BPFTOOL ?= bpftool
PKG_CONFIG ?= pkg-config
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
UNITDIR ?= $(PREFIX)/lib/systemd/system
SYSCONFDIR ?= /etc
INSTALL ?= install
VERSION := 0.1.0

# WERROR=1 turns the project's warnings into errors. `make test` (and
# tests/static.sh) default to it; a plain build does not, so a newer
# compiler's new warnings do not stop users. `make test WERROR=0` opts out.
ifeq ($(origin WERROR),undefined)
WERROR := 0
TEST_WERROR := 1
else
TEST_WERROR := $(WERROR)
endif

# Sources anywhere under src/, objects mirrored under $(OUT)/obj/; every
# folder that holds headers is on the include path, so moving a file between
# folders needs no edit here nor in any #include.
SRCS := $(sort $(shell find src -name '*.c'))
HDRS := $(sort $(shell find src include -name '*.h'))
SRC_DIRS := $(sort $(shell find src -type d))
INCLUDES := $(addprefix -I,$(sort $(patsubst %/,%,$(dir $(filter src/%,$(HDRS))))) include $(OUT) $(OUT)/pb)
# srcs_named NAMES: the sources under src/ with these file names (globs
# allowed), wherever they live
srcs_named = $(sort $(foreach d,$(SRC_DIRS),$(wildcard $(addprefix $(d)/,$(1)))))

LIBS_PC := libbpf libelf zlib libcjson libsystemd libprotobuf-c
CFLAGS ?= -O2 -g
override CFLAGS += -std=gnu11 -Wall -Wextra $(INCLUDES) -DKMS_VERSION='"$(VERSION)"'
ifeq ($(WERROR),1)
override CFLAGS += -Werror
endif
LDLIBS += $(shell $(PKG_CONFIG) --libs $(LIBS_PC) 2>/dev/null) -lm
override CFLAGS += $(shell $(PKG_CONFIG) --cflags $(LIBS_PC) 2>/dev/null)
# `top` draws with ncursesw; its flags only for the files that include it
NCURSES_LIBS := $(shell $(PKG_CONFIG) --libs ncursesw 2>/dev/null || echo -lncursesw)
NCURSES_CFLAGS := $(shell $(PKG_CONFIG) --cflags ncursesw 2>/dev/null)
LDLIBS += $(NCURSES_LIBS)
BPF_CFLAGS := -target bpf -g -O2 -D__TARGET_ARCH_$(ARCH) -Wall -Werror \
	-Ivmlinux/$(ARCH) -Iinclude -Ibpf
# each compile writes .TARGET.d beside TARGET (hidden, out of the way of
# globs such as build/tests/test_*): the headers it read, skeletons included
depfile = $(dir $(1)).$(notdir $(1)).d
DEPFLAGS = -MMD -MP -MT $@ -MF $(call depfile,$@)

BPF_SRCS := $(wildcard bpf/*.bpf.c)
BPF_OBJS := $(patsubst bpf/%.bpf.c,$(OUT)/bpf/%.bpf.o,$(BPF_SRCS))
SKELS := $(patsubst bpf/%.bpf.c,$(OUT)/%.skel.h,$(BPF_SRCS))
# pprof's profile.proto (src/report/), compiled by protoc-c at build time
PROTOS := $(sort $(shell find src -name '*.proto'))
PB_SRCS := $(patsubst %.proto,$(OUT)/pb/%.pb-c.c,$(notdir $(PROTOS)))
PB_HDRS := $(PB_SRCS:.c=.h)
OBJS := $(patsubst src/%.c,$(OUT)/obj/%.o,$(SRCS)) $(PB_SRCS:.c=.o)
LIB_OBJS := $(filter-out %/main.o,$(OBJS))
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(OUT)/tests/%,$(UNIT_SRCS))
WORKLOAD_SRCS := $(wildcard tests/workloads/*.c)
WORKLOADS := $(patsubst tests/workloads/%.c,$(OUT)/tests/%,$(WORKLOAD_SRCS))
FORMAT_FILES := $(SRCS) $(HDRS) $(wildcard bpf/*.c bpf/*.h tests/unit/*.c tests/workloads/*.c bench/*.c)

# Everything compiled depends on the flags it was compiled with: a change of
# CFLAGS, WERROR or ARCH rewrites the stamp and so rebuilds what used it.
# flags_stamp NAME, VARIABLE: $(OUT)/.NAME holds the variable's value and is
# rewritten only when the value changed
define flags_stamp
$(1)_OLD := $$(file <$(OUT)/.$(1))
ifneq ($$($(1)_OLD),$$($(2)))
$$(shell mkdir -p $(OUT))
$$(file >$(OUT)/.$(1),$$($(2)))
endif
endef
CFLAGS_STAMP := $(OUT)/.cflags
BPF_STAMP := $(OUT)/.bpf-flags
CFLAGS_NOW := $(strip $(CC) $(CFLAGS) $(LDFLAGS) $(LDLIBS))
BPF_FLAGS_NOW := $(strip $(CLANG) $(BPF_CFLAGS))
# (not for the goals that compile nothing here, e.g. `make print-includes`
# with other flags, or `make test`, whose sub-make builds with WERROR=1)
NO_COMPILE_GOALS := clean format check-format vmlinux print-% test check-static deps
ifneq ($(or $(filter-out $(NO_COMPILE_GOALS),$(MAKECMDGOALS)),$(if $(MAKECMDGOALS),,all)),)
$(eval $(call flags_stamp,cflags,CFLAGS_NOW))
$(eval $(call flags_stamp,bpf-flags,BPF_FLAGS_NOW))
endif
# written above while parsing; again when `make clean all` removed them
$(CFLAGS_STAMP): ; $(shell mkdir -p $(@D))$(file >$@,$(CFLAGS_NOW))
$(BPF_STAMP): ; $(shell mkdir -p $(@D))$(file >$@,$(BPF_FLAGS_NOW))

.PHONY: all bpf print-includes print-srcs deps run test test-kernels test-systemd soak unit-test unit-bins check-static bench bench-build vmlinux clean format check-format install uninstall

all: $(OUT)/kmemscope

# Installs what is missing (Debian 12 packages); no-op when all is there.
deps:
	@scripts/install-deps.sh build

$(OUT)/bpf/%.bpf.o: bpf/%.bpf.c vmlinux/$(ARCH)/vmlinux.h $(BPF_STAMP)
	@mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) $(DEPFLAGS) -c $< -o $@

vmlinux/$(ARCH)/vmlinux.h:
	@echo "kmemscope: no vmlinux/$(ARCH)/vmlinux.h: ARCH=$(ARCH) is not supported; build with ARCH=x86 or ARCH=arm64" >&2
	@exit 1

$(OUT)/%.skel.h: $(OUT)/bpf/%.bpf.o
	$(BPFTOOL) gen skeleton $< name $*_bpf > $@

# The BPF objects and skeletons alone (tests/static.sh builds them for
# every vmlinux/ARCH).
bpf: $(BPF_OBJS) $(SKELS)

PROTOC_C ?= protoc-c
$(OUT)/pb/%.pb-c.c $(OUT)/pb/%.pb-c.h: $(PROTOS)
	@mkdir -p $(@D)
	$(PROTOC_C) --c_out=$(@D) --proto_path=$(dir $(filter %/$*.proto,$(PROTOS))) $*.proto

# generated code: the project's warnings are not its author's
$(OUT)/pb/%.pb-c.o: $(OUT)/pb/%.pb-c.c $(CFLAGS_STAMP)
	$(CC) $(filter-out -Werror,$(CFLAGS)) $(DEPFLAGS) -c $< -o $@

# The skeletons and generated protobuf headers come first (order-only): after
# that the .d files name the objects that include one, so a changed BPF
# program recompiles only those.
$(OUT)/obj/%.o: src/%.c $(CFLAGS_STAMP) | $(SKELS) $(PB_HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(DEPFLAGS) -c $< -o $@

$(filter %/top.o %/top_draw.o,$(OBJS)): override CFLAGS += $(NCURSES_CFLAGS)

$(OUT)/kmemscope: $(OBJS)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(OUT)/tests/test_%: tests/unit/test_%.c $(LIB_OBJS) $(CFLAGS_STAMP) | $(SKELS) $(PB_HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(DEPFLAGS) $< $(LIB_OBJS) $(LDLIBS) -lcmocka -o $@

$(OUT)/tests/%: tests/workloads/%.c $(CFLAGS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(DEPFLAGS) $< -o $@

# Benchmarks (bench/, docs/performance.md): workloads, the empty-program
# floor, the aggregator drain micro-benchmark and the driver.
BENCH_BINS := $(OUT)/bench/wl $(OUT)/bench/floor $(OUT)/bench/floor.bpf.o $(OUT)/bench/drain

$(OUT)/bench/floor.bpf.o: bench/floor.bpf.c vmlinux/$(ARCH)/vmlinux.h $(BPF_STAMP)
	@mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) $(DEPFLAGS) -c $< -o $@

$(OUT)/bench/wl: bench/wl.c $(CFLAGS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(DEPFLAGS) $< -o $@

$(OUT)/bench/floor: bench/floor.c $(CFLAGS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(DEPFLAGS) $< $(LDLIBS) -o $@

$(OUT)/bench/drain: bench/drain.c $(LIB_OBJS) $(CFLAGS_STAMP) | $(SKELS) $(PB_HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(DEPFLAGS) $< $(LIB_OBJS) $(LDLIBS) -o $@

bench-build: all $(BENCH_BINS)

# Installs bpftrace and perf (Debian 12) first: only this target needs them.
# BENCH_QUICK=1 runs fewer rounds and smaller scaling points.
bench: deps
	@scripts/install-deps.sh bench
	@$(MAKE) --no-print-directory bench-build
	/usr/bin/python3 bench/bench.py --build $(OUT) --doc docs/performance.md

# Regenerates the checked-in vmlinux/$(ARCH)/vmlinux.h: from the running
# kernel's BTF for the machine's own ARCH, else from Debian 12's newest 6.1
# kernel package for ARCH; VMLINUX_SRC names another package, .deb or
# vmlinuz (see scripts/gen-vmlinux.sh).
VMLINUX_SRC ?= $(if $(filter $(HOST_ARCH),$(ARCH)),running)
vmlinux:
	BPFTOOL=$(BPFTOOL) scripts/gen-vmlinux.sh $(ARCH) $(VMLINUX_SRC)

# On a terminal the live view; otherwise record and print the table.
run: deps
	@$(MAKE) --no-print-directory all
	@if [ -t 0 ] && [ -t 1 ]; then \
		echo "$(OUT)/kmemscope top $(ARGS)"; $(OUT)/kmemscope top $(ARGS); \
	else \
		echo "$(OUT)/kmemscope record --duration $${DURATION:-10} $(ARGS)"; \
		$(OUT)/kmemscope record --duration $${DURATION:-10} $(ARGS); \
	fi

test: deps
	@scripts/install-deps.sh test
	@$(MAKE) --no-print-directory WERROR=$(TEST_WERROR) all $(UNIT_BINS) $(WORKLOADS) $(OUT)/bench/drain
	@WERROR=$(TEST_WERROR) tests/run.sh $(OUT)

unit-bins: $(UNIT_BINS)

# The end-to-end assertions on Debian's 5.10, 6.1 and 6.12 (x86-64) and an
# arm64 6.1 kernel, booted in QEMU (TCG), one line per kernel at the end;
# also part of `make test` (tests/e2e/kernels.sh). See docs/kernels.md.
test-kernels: deps
	@scripts/install-deps.sh test
	@$(MAKE) --no-print-directory all $(WORKLOADS)
	@tests/kernels/matrix.sh $(OUT)

# kmemscope.service under a real systemd PID 1: a debootstrapped Debian 12
# (cached in $(OUT)/systemd/) booted on the same kernel in QEMU, with the
# unit installed by `make install`; also part of `make test`
# (tests/e2e/systemd.sh). See docs/kernels.md.
test-systemd: deps
	@scripts/install-deps.sh test
	@$(MAKE) --no-print-directory all
	@tests/kernels/systemd.sh $(OUT)

# the daemon under 10 minutes of churn; `make test` runs a 2-minute version
soak: deps
	@$(MAKE) --no-print-directory all $(WORKLOADS)
	@SOAK_SECONDS=$${SOAK_SECONDS:-600} KMS_BUILD=$(CURDIR)/$(OUT) bash tests/e2e/soak.sh

unit-test: all $(UNIT_BINS)
	@tests/run.sh --unit-only $(OUT)

# ASan/UBSan build + unit tests under it, cppcheck, clang-tidy (also run by `make test`)
check-static:
	@scripts/install-deps.sh test
	@WERROR=$(TEST_WERROR) tests/static.sh $(OUT)

# The -I flags and the sources, for tools outside make (tests/static.sh).
print-includes:
	@echo $(INCLUDES)

print-srcs:
	@echo $(SRCS)

format:
	clang-format -i $(FORMAT_FILES)

check-format:
	clang-format --dry-run --Werror $(FORMAT_FILES)

# The binary, the systemd unit (ExecStart pointing at BINDIR), the default
# configuration (kept when one is there already) and the man page.
install: all
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(UNITDIR) $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(SYSCONFDIR)/kmemscope
	$(INSTALL) -m 0755 $(OUT)/kmemscope $(DESTDIR)$(BINDIR)/kmemscope
	sed 's|^ExecStart=/usr/local/bin/kmemscope|ExecStart=$(BINDIR)/kmemscope|' \
		systemd/kmemscope.service > $(OUT)/kmemscope.service
	$(INSTALL) -m 0644 $(OUT)/kmemscope.service $(DESTDIR)$(UNITDIR)/kmemscope.service
	$(INSTALL) -m 0644 docs/kmemscope.8 $(DESTDIR)$(MANDIR)/man8/kmemscope.8
	@if [ -e $(DESTDIR)$(SYSCONFDIR)/kmemscope/kmemscope.conf ]; then \
		echo "keeping $(DESTDIR)$(SYSCONFDIR)/kmemscope/kmemscope.conf"; \
	else \
		echo "$(INSTALL) -m 0644 systemd/kmemscope.conf $(DESTDIR)$(SYSCONFDIR)/kmemscope/kmemscope.conf"; \
		$(INSTALL) -m 0644 systemd/kmemscope.conf $(DESTDIR)$(SYSCONFDIR)/kmemscope/kmemscope.conf; \
	fi
	@[ -n "$(DESTDIR)" ] || echo "now: systemctl daemon-reload && systemctl enable --now kmemscope"

# Removes what install put there; an edited kmemscope.conf is kept.
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/kmemscope $(DESTDIR)$(UNITDIR)/kmemscope.service \
		$(DESTDIR)$(MANDIR)/man8/kmemscope.8
	@conf=$(DESTDIR)$(SYSCONFDIR)/kmemscope/kmemscope.conf; \
	if [ -e $$conf ] && ! cmp -s $$conf systemd/kmemscope.conf; then \
		echo "keeping $$conf: it was edited"; \
	else \
		rm -f $$conf; rmdir $(DESTDIR)$(SYSCONFDIR)/kmemscope 2>/dev/null || true; \
	fi
	@[ -n "$(DESTDIR)" ] || echo "the segments in /var/lib/kmemscope are left; remove them by hand"

clean:
	rm -rf $(OUT)

# libFuzzer targets: the report's NDJSON reader and the config parser (clang, ASan, UBSan);
# tests/e2e/fuzz.sh runs each target for a fixed time on tests/fuzz/NAME.
# Sources by file name (srcs_named), so they are found in any folder.
# (report_pprof.c: the profile writer needs protobuf-c and is not the reader's concern)
FUZZ_SRCS := $(filter-out %/report_options.c %/report_pprof.c,$(call srcs_named,ndjson_reader.c \
	report_*.c schema.c sites.c ksyms.c procfs.c cgroup.c export.c sort_keys.c htab.c util.c \
	safefile.c))
FUZZ_CFLAGS := -std=gnu11 -g -O1 -Wall -Wextra $(INCLUDES) \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	$(shell $(PKG_CONFIG) --cflags libcjson zlib 2>/dev/null)

.PHONY: fuzz
fuzz: $(OUT)/fuzz/report_fuzz $(OUT)/fuzz/config_fuzz

# the config parser pulls in the tracer's defaults: all of user space but
# main and the terminal UI, instrumented by clang
CONFIG_FUZZ_SRCS := $(filter-out %/main.c %/top.c %/top_draw.c,$(SRCS))

$(OUT)/fuzz/config_fuzz: tests/fuzz/config_fuzz.c $(CONFIG_FUZZ_SRCS) $(HDRS) $(SKELS) $(PB_SRCS)
	@mkdir -p $(@D)
	$(CLANG) $(FUZZ_CFLAGS) -DKMS_VERSION='"fuzz"' tests/fuzz/config_fuzz.c \
		$(CONFIG_FUZZ_SRCS) $(PB_SRCS) $(LDLIBS) -o $@

$(OUT)/fuzz/report_fuzz: tests/fuzz/report_fuzz.c $(FUZZ_SRCS) $(HDRS)
	@mkdir -p $(@D)
	$(CLANG) $(FUZZ_CFLAGS) tests/fuzz/report_fuzz.c $(FUZZ_SRCS) \
		$(shell $(PKG_CONFIG) --libs libcjson zlib 2>/dev/null) -lm -o $@

# the headers each compile read, written by $(DEPFLAGS)
-include $(wildcard $(foreach t,$(OBJS) $(BPF_OBJS) $(UNIT_BINS) $(WORKLOADS) $(BENCH_BINS),$(call depfile,$(t))))
