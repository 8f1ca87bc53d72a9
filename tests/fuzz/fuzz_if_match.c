/* Conditional headers: an If-Match names a version this service sent or
 * is refused; If-None-Match lists are read without running off the end. */
#include "api/http.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char *h = fuzz_string(data, size);
  int v = rl_if_match_version(h);
  FUZZ_CHECK(v >= -1 && v <= 1000000000);
  if (v > 0) {
    /* Only "N" or "N.hexdigest" is read as version N. */
    FUZZ_CHECK(h[0] == '"' && h[1] >= '1' && h[1] <= '9');
    FUZZ_CHECK(h[strlen(h) - 1] == '"');
    char tag[32];
    snprintf(tag, sizeof tag, "\"%d\"", v);
    FUZZ_CHECK(strncmp(h, tag, strlen(tag) - 1) == 0);
  }
  (void)rl_etag_listed(h, "\"3\"");
  (void)rl_etag_listed(h, "\"12.0af3\"");
  free(h);
  return 0;
}
