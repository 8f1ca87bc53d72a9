/* Request bodies: the depth scanner, then the declarative validator of
 * every resource's fields, in create and update modes. */
#include <jansson.h>

#include "api/router.h"
#include "core/fields.h"
#include "core/spec.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  const char *text = (const char *)data;
  int depth = rl_json_depth(text, size, 32);
  if (depth > 32)
    return 0;
  json_t *body = json_loadb(text, size, JSON_REJECT_DUPLICATES, NULL);
  if (body == NULL)
    return 0;
  const struct rl_field *specs[] = {
      fields_device, fields_member,   fields_loan,    fields_part, fields_session,
      fields_repair, fields_movement, fields_harvest, fields_site, fields_transition};
  for (size_t i = 0; i < sizeof specs / sizeof *specs; i++) {
    for (int mode = 0; mode < 2; mode++) {
      json_t *errors = NULL;
      int rc = rl_spec_check(&errors, body, specs[i], mode ? RL_SPEC_UPDATE : RL_SPEC_CREATE);
      FUZZ_CHECK((rc == 0) == (errors == NULL));
      FUZZ_CHECK(rc == 0 || json_array_size(errors) > 0);
      json_decref(errors);
    }
    json_t *copy = json_deep_copy(body);
    if (json_is_object(copy))
      rl_spec_strip_personal(copy, specs[i]);
    json_decref(copy);
  }
  json_decref(body);
  return 0;
}
