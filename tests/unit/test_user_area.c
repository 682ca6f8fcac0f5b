/* test_user_area.c - page runs in an out-of-process handler's data area:
 * runs never overlap, every page can be used, freed runs are found again
 * (also across the next-fit wrap), and a run that does not fit is refused
 * rather than overlapping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "handlers/user_area.h"

#define PAGES 64

static void test_fill_exactly(void **state)
{
	struct user_area a;
	uint8_t owner[PAGES] = { 0 };

	(void)state;
	assert_int_equal(user_area_init(&a, PAGES * USER_AREA_PAGE), 0);
	for (int i = 0; i < PAGES / 4; i++) {
		int64_t p = user_area_alloc(&a, 4);

		assert_true(p >= 0 && p + 4 <= PAGES);
		for (int k = 0; k < 4; k++) {
			assert_int_equal(owner[p + k], 0);
			owner[p + k] = (uint8_t)(i + 1);
		}
	}
	assert_int_equal(user_area_alloc(&a, 1), -1);
	user_area_destroy(&a);
}

static void test_reuse_and_wrap(void **state)
{
	struct user_area a;
	int64_t r[8];

	(void)state;
	assert_int_equal(user_area_init(&a, PAGES * USER_AREA_PAGE), 0);
	for (int i = 0; i < 8; i++)
		r[i] = user_area_alloc(&a, 8);              /* the whole area */
	assert_int_equal(user_area_alloc(&a, 1), -1);
	user_area_free(&a, (uint32_t)r[1], 8);          /* a hole behind the hint */
	assert_int_equal(user_area_alloc(&a, 9), -1);   /* too big for the hole */
	assert_int_equal(user_area_alloc(&a, 8), r[1]);
	user_area_free(&a, (uint32_t)r[2], 8);
	user_area_free(&a, (uint32_t)r[3], 8);
	assert_int_equal(user_area_alloc(&a, 16), r[2]); /* adjacent holes join */
	assert_int_equal(user_area_alloc(&a, 0), -1);
	assert_int_equal(user_area_alloc(&a, PAGES + 1), -1);
	user_area_destroy(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fill_exactly),
		cmocka_unit_test(test_reuse_and_wrap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
