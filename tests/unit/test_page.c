/* Dates printed for people: in the programme's time zone, French order. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <time.h>

#include "api/page.h"

static void paris(void)
{
  setenv("TZ", "Europe/Paris", 1);
  tzset();
}

Test(page, dates_are_local_and_french, .init = paris)
{
  char out[32];
  rl_date_fr(out, sizeof out, "2026-11-29T10:00:00Z");
  cr_assert_str_eq(out, "29/11/2026");
  /* 23:30 UTC is already the next day in Paris. */
  rl_date_fr(out, sizeof out, "2026-11-29T23:30:00.123456Z");
  cr_assert_str_eq(out, "30/11/2026");
  rl_date_fr(out, sizeof out, "not a date");
  cr_assert_str_eq(out, "not a date");
}
