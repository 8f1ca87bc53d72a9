/* The open-data scrubber with arbitrary text and owner: never crashes,
 * keeps valid UTF-8 valid, and never lets the owner's e-mail through. The
 * input is text, owner name and e-mail, split at bytes 0xff. */
#include <jansson.h>

#include "core/scrub.h"
#include "tests/fuzz/fuzz.h"

/* An address as people have them: local@domain.tld in the usual
 * characters. Such an address never survives, wherever it is written. */
static int plain_email(const char *s)
{
  const char *at = strchr(s, '@');
  if (at == NULL || at == s || strchr(at + 1, '@') != NULL)
    return 0;
  for (const char *p = s; p < at; p++)
    if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._+-", *p))
      return 0;
  const char *dot = strrchr(at, '.');
  if (dot == NULL || dot == at + 1 || strlen(dot) < 3)
    return 0;
  for (const char *p = at + 1; *p; p++)
    if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-", *p) ||
        (*p == '.' && (p[1] == '.' || p[1] == '\0')))
      return 0;
  return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char *s = fuzz_string(data, size);
  char *parts[3] = {s, NULL, NULL};
  for (int i = 1; i < 3; i++) {
    char *cut = parts[i - 1] ? strchr(parts[i - 1], '\xff') : NULL;
    if (cut) {
      *cut = '\0';
      parts[i] = cut + 1;
    }
  }
  struct scrub_owner owner = {parts[1], parts[2], NULL};
  struct scrub sc = {0};
  const char *out = scrub_text(&sc, parts[0], &owner);
  FUZZ_CHECK(out != NULL);
  json_t *in_ok = json_string(parts[0]);
  if (in_ok != NULL) {
    json_t *out_ok = json_string(out);
    FUZZ_CHECK(out_ok != NULL);
    json_decref(out_ok);
  }
  json_decref(in_ok);
  if (parts[2] && plain_email(parts[2]) && strstr(parts[0], parts[2]))
    FUZZ_CHECK(strstr(out, parts[2]) == NULL);
  scrub_free(&sc);
  free(s);
  return 0;
}
