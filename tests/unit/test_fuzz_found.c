/* What the fuzz harnesses found (tests/fuzz, docs/fuzzing.md), each kept
 * as the test that would have caught it. */
#include <criterion/criterion.h>
#include <jansson.h>

#include "api/http.h"
#include "core/spec.h"

/* fuzz_merge_patch: an object patch on a member that is not an object was
 * set as is, nulls and all, and shared with the patch, so that applying
 * the patch again changed the patch itself. */
Test(fuzz_found, a_merge_patch_applied_twice_gives_what_once_gave)
{
  json_t *target = json_loads("{\"a\":[1,2,{\"b\":1}],\"k\":1}", 0, NULL);
  json_t *patch = json_loads("{\"a\":{\"b\":null,\"c\":{\"d\":null}},\"e\":[null]}", 0, NULL);
  rl_merge_patch(target, patch);
  json_t *want = json_loads("{\"a\":{\"c\":{}},\"k\":1,\"e\":[null]}", 0, NULL);
  cr_assert(json_equal(target, want), "%s", json_dumps(target, JSON_COMPACT));
  rl_merge_patch(target, patch);
  cr_assert(json_equal(target, want), "%s", json_dumps(target, JSON_COMPACT));
  /* The patch is untouched. */
  json_t *patch_again = json_loads("{\"a\":{\"b\":null,\"c\":{\"d\":null}},\"e\":[null]}", 0, NULL);
  cr_assert(json_equal(patch, patch_again));
  json_decref(patch_again);
  json_decref(want);
  json_decref(target);
  json_decref(patch);
}

/* fuzz_if_match: "01" was read as version 1, an ETag this service never
 * sent. */
Test(fuzz_found, if_match_reads_only_the_etags_this_service_sends)
{
  cr_assert_eq(rl_if_match_version("\"1\""), 1);
  cr_assert_eq(rl_if_match_version("\"12.0af3\""), 12);
  cr_assert_eq(rl_if_match_version("*"), 0);
  cr_assert_eq(rl_if_match_version(NULL), 0);
  const char *refused[] = {"\"01\"", "\"+3\"", "\" 3\"",    "\"0\"",  "W/\"3\"", "3", "\"3",
                           "\"3\"x", "\"3.\"", "\"3.XYZ\"", "\"-3\"", "\"\"",    ""};
  for (size_t i = 0; i < sizeof refused / sizeof *refused; i++)
    cr_expect_eq(rl_if_match_version(refused[i]), -1, "%s", refused[i]);
}
