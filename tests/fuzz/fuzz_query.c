/* Query strings: percent-decoding into parameters, then every list's
 * query spec, and list cursors. */
#include <jansson.h>

#include "api/http.h"
#include "core/fields.h"
#include "core/spec.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char *q = fuzz_string(data, size);
  char *url = malloc(size + 4);
  FUZZ_CHECK(url != NULL);
  snprintf(url, size + 4, "/x?%s", q);
  json_t *params = rl_query_params(url);
  FUZZ_CHECK(params != NULL);
  const struct rl_field *specs[] = {
      fields_device_filters, fields_loan_filters,     fields_member_filters,
      fields_page,           fields_movement_filters, fields_session_filters,
      fields_site_filters,   fields_part_filters,     fields_none};
  for (size_t i = 0; i < sizeof specs / sizeof *specs; i++) {
    json_t *typed = NULL, *errors = NULL;
    int rc = rl_spec_query(&typed, &errors, params, specs[i]);
    FUZZ_CHECK((rc == 0) == (typed != NULL));
    FUZZ_CHECK(rc == 0 || errors != NULL);
    json_decref(typed);
    json_decref(errors);
  }
  int64_t id;
  json_t *errors = NULL;
  if (rl_spec_cursor(&id, q, &errors) == 0)
    FUZZ_CHECK(id >= 0);
  json_decref(errors);
  json_decref(params);
  free(url);
  free(q);
  return 0;
}
