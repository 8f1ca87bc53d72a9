/* Device codes and member numbers as people type them: whatever is read
 * as a code must be one (its check symbol matches), and its body read
 * again gives the same body. */
#include "core/code.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char *s = fuzz_string(data, size);
  char body[RL_CODE_BODY_LEN + 1], again[RL_CODE_BODY_LEN + 1];
  if (rl_code_parse(body, s) == RL_CODE_OK) {
    FUZZ_CHECK(strlen(body) == RL_CODE_BODY_LEN);
    FUZZ_CHECK(rl_code_check_symbol(body, RL_CODE_BODY_LEN - 1) == body[RL_CODE_BODY_LEN - 1]);
    FUZZ_CHECK(rl_code_parse(again, body) == RL_CODE_OK && strcmp(again, body) == 0);
  }
  char member[RL_MEMBER_BODY_LEN + 1], member_again[RL_MEMBER_BODY_LEN + 1];
  if (rl_member_number_parse(member, s) == RL_CODE_OK) {
    FUZZ_CHECK(strlen(member) == RL_MEMBER_BODY_LEN);
    FUZZ_CHECK(rl_code_check_symbol(member, RL_MEMBER_BODY_LEN - 1) ==
               member[RL_MEMBER_BODY_LEN - 1]);
    FUZZ_CHECK(rl_member_number_parse(member_again, member) == RL_CODE_OK &&
               strcmp(member_again, member) == 0);
  }
  free(s);
  return 0;
}
