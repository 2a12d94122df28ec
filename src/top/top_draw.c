// SPDX-License-Identifier: GPL-2.0
/* `kmemscope top`: drawing the composed lines with ncurses. */
#include <stdlib.h>
#include <ncurses.h>
#include "top.h"

static bool active;
static chtype attrs[TA_DIM + 1];

static void setup_attrs(void)
{
	const char *nc = getenv("NO_COLOR");
	bool color = has_colors() && !(nc && *nc);

	attrs[TA_NORMAL] = A_NORMAL;
	attrs[TA_TITLE] = A_BOLD;
	attrs[TA_COLHEAD] = A_REVERSE;
	attrs[TA_SELECTED] = A_REVERSE | A_BOLD;
	attrs[TA_WARN] = A_BOLD;
	attrs[TA_DIM] = A_DIM;
	if (!color || start_color() == ERR)
		return;
	use_default_colors();
	/* restraint: a coloured title, column header and selection, red for drops */
	init_pair(1, COLOR_CYAN, -1);
	init_pair(2, COLOR_BLACK, COLOR_GREEN);
	init_pair(3, COLOR_BLACK, COLOR_CYAN);
	init_pair(4, COLOR_RED, -1);
	attrs[TA_TITLE] = A_BOLD | COLOR_PAIR(1);
	attrs[TA_COLHEAD] = COLOR_PAIR(2);
	attrs[TA_SELECTED] = COLOR_PAIR(3);
	attrs[TA_WARN] = A_BOLD | COLOR_PAIR(4);
}

int top_draw_init(void)
{
	if (!initscr())
		return -1;
	active = true;
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	setup_attrs();
	return 0;
}

void top_draw_end(void)
{
	if (!active)
		return;
	active = false;
	curs_set(1);
	endwin();
}

void top_draw_size(int *rows, int *cols)
{
	getmaxyx(stdscr, *rows, *cols);
}

void top_draw(const struct top_screen *scr)
{
	int rows, cols;

	getmaxyx(stdscr, rows, cols);
	erase();
	for (size_t i = 0; i < scr->nr && (int)i < rows; i++) {
		const struct top_line *l = &scr->lines[i];
		chtype a = attrs[l->attr];

		attrset(a);
		mvaddstr(i, 0, l->text);
		/* bars span the whole width */
		if (l->attr == TA_COLHEAD || l->attr == TA_SELECTED) {
			int y, x;

			getyx(stdscr, y, x);
			if (y == (int)i)
				for (; x < cols - ((int)i == rows - 1); x++)
					addch(' ');
		}
	}
	attrset(A_NORMAL);
	wnoutrefresh(stdscr);
	doupdate();
}

int top_draw_key(void)
{
	int ch = getch();

	return ch == ERR ? -1 : ch;
}
