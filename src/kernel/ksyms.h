/* SPDX-License-Identifier: GPL-2.0 */
/* Kernel symbolizer over /proc/kallsyms. */
#ifndef KMEMSCOPE_KSYMS_H
#define KMEMSCOPE_KSYMS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

struct ksym {
	__u64 addr;
	const char *name;
	const char *module; /* NULL for the core kernel */
};

struct ksyms;

/* Load text symbols (t/T/w/W) from a kallsyms-format file. NULL + errno on error. */
struct ksyms *ksyms__load(const char *path);
void ksyms__free(struct ksyms *ks);
/* True when every address read was 0 (kptr_restrict hides them). */
bool ksyms__hidden(const struct ksyms *ks);
size_t ksyms__count(const struct ksyms *ks);
/* Symbol with the largest address <= addr, or NULL. */
const struct ksym *ksyms__find(const struct ksyms *ks, __u64 addr);
/* First symbol with this exact name, or NULL. */
const struct ksym *ksyms__by_name(const struct ksyms *ks, const char *name);
/* [start, end) of the named function: end is the next higher symbol's address. -ENOENT. */
int ksyms__range(const struct ksyms *ks, const char *name, __u64 *start, __u64 *end);
/*
 * Raw kernel addresses reveal the KASLR offset: unsymbolizable addresses are
 * printed as "[unknown]" unless this is set (--raw-addresses).
 */
extern bool ksyms_raw_addresses;
/*
 * Write "func+0xoff" (with_offset) or "func", with " [module]" appended for
 * module symbols; "0x<hex>" (ksyms_raw_addresses) or "[unknown]" when the
 * address cannot be symbolized. Returns the snprintf-style length.
 */
int ksyms__format(const struct ksyms *ks, __u64 addr, bool with_offset, char *buf, size_t sz);
/* Base name without compiler suffixes (".isra.0", ".constprop.0", ".cold", ...). */
size_t ksyms__base_len(const char *name);

#endif
