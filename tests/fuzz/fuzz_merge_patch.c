/* JSON merge patches (RFC 7396) on stored objects: the input is a target
 * and a patch, split at the first byte 0xff. Applying a patch twice gives
 * what applying it once gave. */
#include <jansson.h>

#include "core/spec.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  const uint8_t *cut = memchr(data, 0xff, size);
  if (cut == NULL)
    return 0;
  size_t tlen = (size_t)(cut - data);
  json_t *target = json_loadb((const char *)data, tlen, JSON_REJECT_DUPLICATES, NULL);
  json_t *patch = json_loadb((const char *)cut + 1, size - tlen - 1, JSON_REJECT_DUPLICATES, NULL);
  if (json_is_object(target) && patch != NULL) {
    rl_merge_patch(target, patch);
    json_t *twice = json_deep_copy(target);
    rl_merge_patch(twice, patch);
    FUZZ_CHECK(json_equal(target, twice));
    json_decref(twice);
  }
  json_decref(target);
  json_decref(patch);
  return 0;
}
