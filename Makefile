# SPDX-License-Identifier: GPL-2.0
# kmemscope: `make` builds build/kmemscope; see README.md for the rest.

.DELETE_ON_ERROR:
.SUFFIXES:

OUT ?= build
ARCH ?= x86
CC ?= gcc
CLANG ?= clang
BPFTOOL ?= bpftool
PKG_CONFIG ?= pkg-config
PREFIX ?= /usr/local
VERSION := 0.1.0

LIBS_PC := libbpf libelf zlib libcjson
CFLAGS ?= -O2 -g
CFLAGS += -std=gnu11 -Wall -Wextra -Iinclude -I$(OUT) -DKMS_VERSION='"$(VERSION)"'
LDLIBS += $(shell $(PKG_CONFIG) --libs $(LIBS_PC) 2>/dev/null) -lm
CFLAGS += $(shell $(PKG_CONFIG) --cflags $(LIBS_PC) 2>/dev/null)
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

.PHONY: all deps run test unit-test bench bench-build vmlinux clean format check-format install uninstall

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

run: deps
	@$(MAKE) --no-print-directory all
	$(OUT)/kmemscope record --duration $${DURATION:-10} $(ARGS)

test: deps
	@scripts/install-deps.sh test
	@$(MAKE) --no-print-directory all $(UNIT_BINS) $(WORKLOADS)
	@tests/run.sh $(OUT)

unit-test: all $(UNIT_BINS)
	@tests/run.sh --unit-only $(OUT)

format:
	clang-format -i src/*.c include/*.h bpf/*.c bpf/*.h tests/unit/*.c tests/workloads/*.c bench/*.c

check-format:
	clang-format --dry-run --Werror src/*.c include/*.h bpf/*.c bpf/*.h tests/unit/*.c tests/workloads/*.c bench/*.c

clean:
	rm -rf $(OUT)
