/* Member rules on top of store_member. */
#include "core/member.h"

#include "core/error.h"
#include "core/spec.h"

int member_number_body(char *body, const char *number, const char *field, json_t **errors)
{
  switch (rl_member_number_parse(body, number)) {
  case RL_CODE_OK: return RL_OK;
  case RL_CODE_BAD_CHECK:
    return rl_spec_invalid(errors, field, "check_character_mismatch",
                           "the check character does not match: a character was probably "
                           "mistyped");
  default:
    return rl_spec_invalid(errors, field, "not_a_member_number",
                           "is not a member number (they look like M-4K7-Q9M)");
  }
}
