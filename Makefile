# SPDX-License-Identifier: GPL-2.0
# kmemscope: `make` builds build/kmemscope; see README.md for the rest.

.DELETE_ON_ERROR:
.SUFFIXES:
.SECONDARY:

OUT ?= build
ARCH ?= x86
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

LIBS_PC := libbpf libelf zlib libcjson libsystemd
CFLAGS ?= -O2 -g
override CFLAGS += -std=gnu11 -Wall -Wextra -Iinclude -I$(OUT) -DKMS_VERSION='"$(VERSION)"'
LDLIBS += $(shell $(PKG_CONFIG) --libs $(LIBS_PC) 2>/dev/null) -lm
override CFLAGS += $(shell $(PKG_CONFIG) --cflags $(LIBS_PC) 2>/dev/null)
# `top` draws with ncursesw; its flags only for the files that include it
NCURSES_LIBS := $(shell $(PKG_CONFIG) --libs ncursesw 2>/dev/null || echo -lncursesw)
NCURSES_CFLAGS := $(shell $(PKG_CONFIG) --cflags ncursesw 2>/dev/null)
LDLIBS += $(NCURSES_LIBS)
BPF_CFLAGS := -target bpf -g -O2 -D__TARGET_ARCH_$(ARCH) -Wall -Werror \
	-Ivmlinux/$(ARCH) -Iinclude -Ibpf

BPF_SRCS := $(wildcard bpf/*.bpf.c)
SKELS := $(patsubst bpf/%.bpf.c,$(OUT)/%.skel.h,$(BPF_SRCS))
SRCS := $(wildcard src/*.c)
OBJS := $(patsubst src/%.c,$(OUT)/obj/%.o,$(SRCS))
LIB_OBJS := $(filter-out $(OUT)/obj/main.o,$(OBJS))
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(OUT)/tests/%,$(UNIT_SRCS))
WORKLOAD_SRCS := $(wildcard tests/workloads/*.c)
WORKLOADS := $(patsubst tests/workloads/%.c,$(OUT)/tests/%,$(WORKLOAD_SRCS))

.PHONY: all deps run test test-kernels test-systemd soak unit-test unit-bins check-static bench bench-build vmlinux clean format check-format install uninstall

all: $(OUT)/kmemscope

# Installs what is missing (Debian 12 packages); no-op when all is there.
deps:
	@scripts/install-deps.sh build

$(OUT)/bpf/%.bpf.o: bpf/%.bpf.c $(wildcard bpf/*.h) include/kmemscope.h vmlinux/$(ARCH)/vmlinux.h
	@mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUT)/%.skel.h: $(OUT)/bpf/%.bpf.o
	$(BPFTOOL) gen skeleton $< name $*_bpf > $@

$(OUT)/obj/%.o: src/%.c $(wildcard include/*.h) $(SKELS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c $< -o $@

$(OUT)/obj/top.o $(OUT)/obj/top_draw.o: override CFLAGS += $(NCURSES_CFLAGS)

$(OUT)/kmemscope: $(OBJS)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(OUT)/tests/test_%: tests/unit/test_%.c $(LIB_OBJS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $^ $(LDLIBS) -lcmocka -o $@

$(OUT)/tests/%: tests/workloads/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $< -o $@

# Benchmarks (bench/, docs/performance.md): workloads, the empty-program
# floor, the aggregator drain micro-benchmark and the driver.
BENCH_BINS := $(OUT)/bench/wl $(OUT)/bench/floor $(OUT)/bench/floor.bpf.o $(OUT)/bench/drain

$(OUT)/bench/floor.bpf.o: bench/floor.bpf.c vmlinux/$(ARCH)/vmlinux.h
	@mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUT)/bench/wl: bench/wl.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $< -o $@

$(OUT)/bench/floor: bench/floor.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $< $(LDLIBS) -o $@

$(OUT)/bench/drain: bench/drain.c $(LIB_OBJS) $(SKELS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $< $(LIB_OBJS) $(LDLIBS) -o $@

bench-build: all $(BENCH_BINS)

# Installs bpftrace and perf (Debian 12) first: only this target needs them.
# BENCH_QUICK=1 runs fewer rounds and smaller scaling points.
bench: deps
	@scripts/install-deps.sh bench
	@$(MAKE) --no-print-directory bench-build
	/usr/bin/python3 bench/bench.py --build $(OUT) --doc docs/performance.md

# Regenerates the checked-in vmlinux.h from the running kernel's BTF.
vmlinux:
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > vmlinux/$(ARCH)/vmlinux.h

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
	@$(MAKE) --no-print-directory all $(UNIT_BINS) $(WORKLOADS) $(OUT)/bench/drain
	@tests/run.sh $(OUT)

unit-bins: $(UNIT_BINS)

# The end-to-end assertions on Debian 12's 6.1 kernel, booted in QEMU (TCG);
# also part of `make test` (tests/e2e/kernels.sh). See docs/kernels.md.
test-kernels: deps
	@scripts/install-deps.sh test
	@$(MAKE) --no-print-directory all $(WORKLOADS)
	@tests/kernels/run.sh $(OUT)

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
	@tests/static.sh $(OUT)

format:
	clang-format -i src/*.c include/*.h bpf/*.c bpf/*.h tests/unit/*.c tests/workloads/*.c bench/*.c

check-format:
	clang-format --dry-run --Werror src/*.c include/*.h bpf/*.c bpf/*.h tests/unit/*.c tests/workloads/*.c bench/*.c

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
FUZZ_SRCS := src/ndjson_reader.c src/report_model.c src/report_series.c src/report_filter.c \
	src/report_ingest.c src/report_dedup.c src/report_site.c src/report_sizeclass.c \
	src/report_frag.c src/report_life.c src/report_rank.c src/report_text.c src/report_json.c \
	src/report_html.c src/report_folded.c src/htab.c src/util.c
FUZZ_CFLAGS := -std=gnu11 -g -O1 -Wall -Wextra -Iinclude \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	$(shell $(PKG_CONFIG) --cflags libcjson zlib 2>/dev/null)

.PHONY: fuzz
fuzz: $(OUT)/fuzz/report_fuzz $(OUT)/fuzz/config_fuzz

# the config parser pulls in the tracer's defaults: all of user space but
# main and the terminal UI, instrumented by clang
CONFIG_FUZZ_SRCS := $(filter-out src/main.c src/top.c src/top_draw.c,$(SRCS))

$(OUT)/fuzz/config_fuzz: tests/fuzz/config_fuzz.c $(CONFIG_FUZZ_SRCS) $(wildcard include/*.h) $(SKELS)
	@mkdir -p $(@D)
	$(CLANG) $(FUZZ_CFLAGS) -I$(OUT) -DKMS_VERSION='"fuzz"' tests/fuzz/config_fuzz.c \
		$(CONFIG_FUZZ_SRCS) $(LDLIBS) -o $@

$(OUT)/fuzz/report_fuzz: tests/fuzz/report_fuzz.c $(FUZZ_SRCS) $(wildcard include/*.h)
	@mkdir -p $(@D)
	$(CLANG) $(FUZZ_CFLAGS) tests/fuzz/report_fuzz.c $(FUZZ_SRCS) \
		$(shell $(PKG_CONFIG) --libs libcjson zlib 2>/dev/null) -lm -o $@
