/* RFC 4180 fields and rows (core/csv.h). */
#include "core/csv.h"

#include <string.h>

bool csv_needs_quotes(const char *s, size_t len)
{
  for (size_t i = 0; i < len; i++)
    if (s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n')
      return true;
  return false;
}

void csv_field(struct rl_buf *b, const char *s, size_t len, bool first)
{
  if (!first)
    rl_buf_add_len(b, ",", 1);
  if (s == NULL || len == 0)
    return;
  if (!csv_needs_quotes(s, len)) {
    rl_buf_add_len(b, s, len);
    return;
  }
  rl_buf_add_len(b, "\"", 1);
  size_t start = 0;
  for (size_t i = 0; i < len; i++) {
    if (s[i] == '"') {
      /* the quote itself, then the quote that escapes it */
      rl_buf_add_len(b, s + start, i - start + 1);
      rl_buf_add_len(b, "\"", 1);
      start = i + 1;
    }
  }
  rl_buf_add_len(b, s + start, len - start);
  rl_buf_add_len(b, "\"", 1);
}

void csv_field_str(struct rl_buf *b, const char *s, bool first)
{
  csv_field(b, s, s ? strlen(s) : 0, first);
}

void csv_end_row(struct rl_buf *b) { rl_buf_add_len(b, "\r\n", 2); }
