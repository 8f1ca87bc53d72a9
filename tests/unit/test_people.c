/* Reading a person's phone number as the database does (rl_phone_key in
 * sql/0012_people.sql), and removing personal data from a stored reply at
 * any depth (core/privacy.c). */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdlib.h>

#include "core/people.h"
#include "core/privacy.h"

Test(people, a_phone_number_counts_its_national_digits)
{
  static const struct {
    const char *phone;
    size_t digits;
  } cases[] = {
      {"06 12 34 56 78", 9},
      {"+33 6 12 34 56 78", 9},
      {"0033612345678", 9},
      {"+33 (0)6 12 34 56 78", 9},
      {"+44 7700 900123", 12},
      {"0044 7700 900123", 12},
      {"+33 0 61 23", 4},
      {"33 61 23 45", 8},
      {"  +33612345678", 9},
      {"003361", 4},
      {"", 0},
      {"00000", 0},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    cr_assert_eq(people_phone_national_digits(cases[i].phone, "33"), cases[i].digits, "%s: %zu",
                 cases[i].phone, people_phone_national_digits(cases[i].phone, "33"));
  /* Another programme's calling code. */
  cr_assert_eq(people_phone_national_digits("+32 470 12 34 56", "32"), 9);
  cr_assert_eq(people_phone_national_digits("+32 470 12 34 56", "33"), 11);
}

Test(people, a_stored_reply_loses_personal_data_at_any_depth)
{
  json_t *reply =
      json_loads("{\"owner\":{\"name\":\"A\"},\"code\":\"RL-1\","
                 "\"items\":[{\"device\":{\"code\":\"RL-2\",\"owner\":{\"name\":\"B\"}}},"
                 "{\"member\":{\"number\":\"M-1\",\"loan_limit\":2,\"notes\":\"n\","
                 "\"contact\":{\"name\":\"C\"}}},{\"owner\":null}],"
                 "\"notes\":\"about the device\"}",
                 0, NULL);
  cr_assert_not_null(reply);
  privacy_strip(reply);
  char *text = json_dumps(reply, JSON_SORT_KEYS | JSON_COMPACT);
  cr_assert_str_eq(text, "{\"code\":\"RL-1\",\"items\":[{\"device\":{\"code\":\"RL-2\"}},"
                         "{\"member\":{\"loan_limit\":2,\"number\":\"M-1\"}},{\"owner\":null}],"
                         "\"notes\":\"about the device\"}");
  free(text);
  json_decref(reply);
}
