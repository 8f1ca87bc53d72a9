/* API keys: format, randomness, hashing, roles. */
#include <criterion/criterion.h>
#include <string.h>

#include "core/apikey.h"
#include "core/error.h"
#include "core/random.h"

Test(apikey, generated_keys_are_well_formed_and_distinct)
{
  char a[RL_APIKEY_LEN + 1], b[RL_APIKEY_LEN + 1];
  cr_assert_eq(rl_apikey_generate(a), RL_OK);
  cr_assert_eq(rl_apikey_generate(b), RL_OK);
  cr_assert_eq(strlen(a), RL_APIKEY_LEN);
  cr_assert(strncmp(a, "rlk_", 4) == 0);
  cr_assert(rl_apikey_well_formed(a, strlen(a)));
  cr_assert_str_neq(a, b);
}

Test(apikey, sha256_matches_known_vector)
{
  char h[RL_APIKEY_HASH_HEX + 1];
  rl_apikey_hash(h, "abc", 3);
  cr_assert_str_eq(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

Test(apikey, malformed_keys_are_refused_before_hashing)
{
  cr_assert_not(rl_apikey_well_formed("", 0));
  cr_assert_not(rl_apikey_well_formed("rlk_short", 9));
  char k[RL_APIKEY_LEN + 1];
  rl_apikey_generate(k);
  k[10] = '\'';
  cr_assert_not(rl_apikey_well_formed(k, strlen(k)));
  k[0] = 'x';
  cr_assert_not(rl_apikey_well_formed(k, strlen(k)));
}

Test(apikey, roles_are_ordered_and_named)
{
  cr_assert_eq(rl_role_parse("admin"), RL_ROLE_ADMIN);
  cr_assert_eq(rl_role_parse("volunteer"), RL_ROLE_VOLUNTEER);
  cr_assert_eq(rl_role_parse("reader"), RL_ROLE_READER);
  cr_assert_eq(rl_role_parse("root"), RL_ROLE_NONE);
  cr_assert_eq(rl_role_parse(NULL), RL_ROLE_NONE);
  cr_assert_gt(RL_ROLE_ADMIN, RL_ROLE_VOLUNTEER);
  cr_assert_gt(RL_ROLE_VOLUNTEER, RL_ROLE_READER);
  cr_assert_str_eq(rl_role_name(RL_ROLE_VOLUNTEER), "volunteer");
}

Test(random, base64url_of_known_bytes)
{
  char out[16];
  const uint8_t in[] = {0xfb, 0xff, 0x00};
  rl_base64url(out, in, 3);
  cr_assert_str_eq(out, "-_8A");
  rl_base64url(out, in, 1);
  cr_assert_str_eq(out, "-w");
  cr_assert_eq(rl_base64url_len(16), 22);
}
