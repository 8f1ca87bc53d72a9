/* Transfer-Encoding values: only chunked, alone, lets a body be read; the
 * verdict is checked against a reading of the list of our own here. */
#include <strings.h>

#include "api/conn.h"
#include "api/problem.h"
#include "tests/fuzz/fuzz.h"

/* Whether the comma-separated list, its elements trimmed of spaces and
 * tabs and empty ones skipped, is the one element "chunked". */
static int only_chunked(const char *v, size_t n)
{
  int seen = 0;
  size_t i = 0;
  while (i <= n) {
    size_t end = i;
    while (end < n && v[end] != ',')
      end++;
    size_t a = i, b = end;
    while (a < b && (v[a] == ' ' || v[a] == '\t'))
      a++;
    while (b > a && (v[b - 1] == ' ' || v[b - 1] == '\t'))
      b--;
    if (b > a) {
      if (seen || b - a != 7 || strncasecmp(v + a, "chunked", 7) != 0)
        return 0;
      seen = 1;
    }
    i = end + 1;
  }
  return seen;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  const char *v = (const char *)data;
  const char *why = NULL;
  int rc = rl_transfer_coding_verdict(v, size, &why);
  FUZZ_CHECK(rc == 0 || rc == API_EFRAMING || rc == API_ECODING);
  FUZZ_CHECK(rc == 0 || (why != NULL && *why != '\0'));
  FUZZ_CHECK((rc == 0) == only_chunked(v, size));
  return 0;
}
