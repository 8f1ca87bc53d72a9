/* The CSV writer (RFC 4180) with arbitrary fields: a reader that follows
 * the RFC gets each field back as written. */
#include "core/buf.h"
#include "core/csv.h"
#include "tests/fuzz/fuzz.h"

/* Reads the first field of a row at s: quoted ("" for a quote) or not. */
static size_t read_field(char *out, const char *s, size_t n)
{
  size_t o = 0, i = 0;
  if (n > 0 && s[0] == '"') {
    for (i = 1; i < n; i++) {
      if (s[i] == '"' && i + 1 < n && s[i + 1] == '"')
        out[o++] = s[i++];
      else if (s[i] == '"')
        break;
      else
        out[o++] = s[i];
    }
  } else {
    for (; i < n && s[i] != ',' && s[i] != '\r'; i++)
      out[o++] = s[i];
  }
  out[o] = '\0';
  return o;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char *field = fuzz_string(data, size);
  struct rl_buf b = {0};
  csv_buf_field(&b, field, 1);
  csv_buf_field(&b, "next", 0);
  csv_buf_row_end(&b);
  FUZZ_CHECK(b.len >= 2 && b.data[b.len - 2] == '\r' && b.data[b.len - 1] == '\n');
  char *back = malloc(b.len + 1);
  FUZZ_CHECK(back != NULL);
  read_field(back, b.data, b.len);
  /* What the writer keeps of a field is the field, unless it neutralises a
   * spreadsheet formula with a leading quote. */
  FUZZ_CHECK(strcmp(back, field) == 0 || (back[0] == '\'' && strcmp(back + 1, field) == 0));
  free(back);
  rl_buf_free(&b);
  free(field);
  return 0;
}
