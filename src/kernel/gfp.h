/* SPDX-License-Identifier: GPL-2.0 */
/* GFP flag decoding with the running kernel's own names and bit values. */
#ifndef KMEMSCOPE_GFP_H
#define KMEMSCOPE_GFP_H

#include <stddef.h>
#include <linux/types.h>

struct btf;
struct gfp_table;

/*
 * Build the table from a tracepoint "format" file text (the kernel's own
 * __print_flags table for gfp_flags, e.g. events/kmem/kmalloc/format).
 * Returns 0 or -errno (-ENOENT when the text holds no gfp table).
 */
int gfp_table__from_format(struct gfp_table **out, const char *format_text);
/* Build it from the ___GFP_*_BIT enum in BTF plus the composite definitions. -ENOENT if absent. */
int gfp_table__from_btf(struct gfp_table **out, const struct btf *btf);
/* Format of events/kmem/kmalloc under tracefs first, then vmlinux BTF. NULL if neither works. */
struct gfp_table *gfp_table__load(const char *tracefs_dir);
void gfp_table__free(struct gfp_table *t);
/* "tracefs format" or "BTF" */
const char *gfp_table__source(const struct gfp_table *t);
/* Value of one named flag (e.g. "__GFP_ZERO" or "GFP_KERNEL"); -ENOENT when unknown. */
int gfp_table__value(const struct gfp_table *t, const char *name, __u64 *val);
/*
 * Decode exactly as the kernel's trace output does (trace_print_flags_seq):
 * "none" for 0, names joined with '|', leftover bits as "0x%lx".
 * t may be NULL: then the raw value is printed as "0x%llx".
 * Returns the snprintf-style length.
 */
int gfp_decode(const struct gfp_table *t, __u64 flags, char *buf, size_t sz);

#endif
