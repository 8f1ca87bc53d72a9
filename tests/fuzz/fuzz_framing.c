/* Transfer-Encoding values: only "chunked" exactly lets a body be read,
 * a 501 is for a well-placed list of other codings, and whatever the
 * bytes the verdict is one of three and says why. */
#include <strings.h>

#include "api/conn.h"
#include "api/problem.h"
#include "tests/fuzz/fuzz.h"

/* Whether the value is the one libmicrohttpd decodes: "chunked", any
 * case, nothing around it. */
static int only_chunked(const char *v, size_t n)
{
  return n == 7 && strncasecmp(v, "chunked", 7) == 0;
}

/* A plain reading of the list: elements between commas, trimmed, empty
 * ones skipped, each named by what comes before its ';'. */
struct list {
  unsigned chunked, other;
  int last_chunked;
};

static struct list read_list(const char *v, size_t n)
{
  struct list l = {0, 0, 0};
  for (size_t i = 0; i <= n;) {
    size_t end = i;
    while (end < n && v[end] != ',')
      end++;
    size_t a = i, b = end;
    while (a < b && (v[a] == ' ' || v[a] == '\t'))
      a++;
    for (size_t k = a; k < b; k++)
      if (v[k] == ';')
        b = k;
    while (b > a && (v[b - 1] == ' ' || v[b - 1] == '\t'))
      b--;
    if (end > a) {
      int chunked = b - a == 7 && strncasecmp(v + a, "chunked", 7) == 0;
      if (chunked)
        l.chunked++;
      else
        l.other++;
      l.last_chunked = chunked;
    }
    i = end + 1;
  }
  return l;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  const char *v = (const char *)data;
  const char *why = NULL;
  int rc = rl_transfer_coding_verdict(v, size, &why);
  FUZZ_CHECK(rc == 0 || rc == API_EFRAMING || rc == API_ECODING);
  FUZZ_CHECK(rc == 0 || (why != NULL && *why != '\0'));
  FUZZ_CHECK((rc == 0) == only_chunked(v, size));
  /* 501 only for a list naming another coding, with chunked (if there)
   * once and last: anything else is a request whose end is unknown. */
  if (rc == API_ECODING) {
    struct list l = read_list(v, size);
    FUZZ_CHECK(l.other > 0 && l.chunked <= 1 && (l.chunked == 0 || l.last_chunked));
  }
  return 0;
}
