/* SPDX-License-Identifier: GPL-2.0 */
/* `kmemscope top`: the live terminal view. */
#ifndef KMEMSCOPE_TOP_H
#define KMEMSCOPE_TOP_H

#include <stdbool.h>
#include "top_view.h"

int cmd_top(int argc, char **argv);

/* ncurses side (top_draw.c) */
/* Enter curses mode; colours unless NO_COLOR is set or the terminal has none. */
int top_draw_init(void);
/* Leave curses mode, restoring the terminal; safe to call twice. */
void top_draw_end(void);
void top_draw_size(int *rows, int *cols);
void top_draw(const struct top_screen *scr);
/* Next key or -1 (non-blocking). */
int top_draw_key(void);

#endif
