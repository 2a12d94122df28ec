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

.PHONY: all deps run test unit-test vmlinux clean format check-format install uninstall

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

$(OUT)/obj/top.o $(OUT)/obj/top_draw.o: CFLAGS += $(NCURSES_CFLAGS)

$(OUT)/kmemscope: $(OBJS)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(OUT)/tests/test_%: tests/unit/test_%.c $(LIB_OBJS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $^ $(LDLIBS) -lcmocka -o $@

$(OUT)/tests/%: tests/workloads/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $< -o $@

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
	@$(MAKE) --no-print-directory all $(UNIT_BINS) $(WORKLOADS)
	@tests/run.sh $(OUT)

unit-test: all $(UNIT_BINS)
	@tests/run.sh --unit-only $(OUT)

format:
	clang-format -i src/*.c include/*.h bpf/*.c bpf/*.h tests/unit/*.c tests/workloads/*.c

check-format:
	clang-format --dry-run --Werror src/*.c include/*.h bpf/*.c bpf/*.h tests/unit/*.c tests/workloads/*.c

clean:
	rm -rf $(OUT)
