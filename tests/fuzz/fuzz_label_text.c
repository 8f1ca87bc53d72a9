/* Label text layout with arbitrary bytes: sanitizing always gives valid
 * UTF-8 without control characters that fits its buffer; fitting and
 * wrapping to a width never run past what they were given. */
#include <jansson.h>
#include <stdbool.h>

#include "labels/label_internal.h"
#include "tests/fuzz/fuzz.h"

static double width(void *ctx, const char *s, double size, bool bold)
{
  (void)ctx;
  return (double)label_text_codepoints(s) * size * (bold ? 0.62 : 0.55);
}

static int emit(void *ctx, const char *line)
{
  size_t *n = ctx;
  FUZZ_CHECK(strchr(line, '\n') == NULL);
  *n += 1;
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char *in = fuzz_string(data, size);
  char out[512], fit[512];
  for (int keep = 0; keep < 2; keep++) {
    size_t n = label_text_sanitize(out, sizeof out, in, keep);
    FUZZ_CHECK(n == strlen(out) && n < sizeof out);
    json_t *probe = json_string(out); /* jansson checks the UTF-8 */
    FUZZ_CHECK(probe != NULL);
    json_decref(probe);
    for (const unsigned char *p = (const unsigned char *)out; *p; p++)
      FUZZ_CHECK(*p >= 0x20 || (keep && *p == '\n'));
  }
  label_text_sanitize(out, sizeof out, in, false);
  struct label_measure m = {width, NULL};
  size_t n = label_text_fit(fit, sizeof fit, out, 40.0, 8.0, false, size % 2 == 1, &m);
  FUZZ_CHECK(n == strlen(fit));
  size_t lines = 0;
  int rc = label_text_wrap(out, 30.0, 7.0, size % 3 == 0, 3, &m, emit, &lines);
  FUZZ_CHECK(rc >= 0 && (size_t)rc == lines && lines <= 3);
  (void)label_text_check_payload(in);
  free(in);
  return 0;
}
