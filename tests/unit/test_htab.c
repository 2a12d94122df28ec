// SPDX-License-Identifier: GPL-2.0
/* The aggregation hash table: fixed-size keys and string keys, through growth. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "htab.h"

static void test_fixed_keys(void **state)
{
	struct htab h;
	int vals[1000];

	(void)state;
	htab_init(&h, sizeof(uint64_t));
	for (uint64_t k = 0; k < 1000; k++)
		assert_int_equal(htab_put(&h, &k, &vals[k]), 0);
	assert_int_equal(h.len, 1000);
	for (uint64_t k = 0; k < 1000; k++)
		assert_ptr_equal(htab_get(&h, &k), &vals[k]);
	{
		uint64_t absent = 1000;

		assert_null(htab_get(&h, &absent));
	}
	htab_free(&h);
}

/* String keys of different lengths, prefixes of each other, copied on insert. */
static void test_string_keys(void **state)
{
	const char *first = "site\x1f"
			    "7";
	char key[64];
	struct htab h;
	int vals[500], n = 0;
	struct htab_ent *e;

	(void)state;
	htab_init(&h, HTAB_STR);
	assert_null(htab_get(&h, "absent"));
	for (int i = 0; i < 500; i++) {
		snprintf(key, sizeof(key), "site\x1f%d", i);
		assert_int_equal(htab_put(&h, key, &vals[i]), 0);
	}
	/* the key was copied: the buffer now holds "site\x1f499", and key 0 stays */
	key[5] = 'x';
	assert_ptr_equal(htab_get(&h, "site\x1f"
				      "0"),
			 &vals[0]);
	assert_null(htab_get(&h, key));
	assert_int_equal(h.len, 500);
	for (int i = 0; i < 500; i++) {
		snprintf(key, sizeof(key), "site\x1f%d", i);
		assert_ptr_equal(htab_get(&h, key), &vals[i]);
	}
	/* "site\x1f1" is a prefix of "site\x1f10": both are distinct keys */
	assert_ptr_equal(htab_get(&h, "site\x1f"
				      "1"),
			 &vals[1]);
	assert_ptr_equal(htab_get(&h, "site\x1f"
				      "10"),
			 &vals[10]);
	assert_null(htab_get(&h, "site\x1f"));
	assert_null(htab_get(&h, "site\x1f"
				 "500"));
	/* replacing keeps one entry */
	assert_int_equal(htab_put(&h, first, &vals[0]), 0);
	assert_int_equal(h.len, 500);
	assert_ptr_equal(htab_get(&h, first), &vals[0]);
	htab_for_each (&h, e)
		n++;
	assert_int_equal(n, 500);
	htab_free(&h);
	assert_null(htab_get(&h, first));
	/* the empty string is a key too */
	assert_int_equal(htab_put(&h, "", &vals[3]), 0);
	assert_ptr_equal(htab_get(&h, ""), &vals[3]);
	htab_free(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixed_keys),
		cmocka_unit_test(test_string_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
