/* CSV records through a writer callback (core/csv.h). */
#include "core/csv.h"

#include <stdio.h>
#include <string.h>

#include "core/error.h"

void csv_init(struct csv_writer *c, od_write_fn write, void *ctx)
{
  c->write = write;
  c->ctx = ctx;
  c->rc = RL_OK;
  c->fields = 0;
  c->len = 0;
}

static void flush(struct csv_writer *c)
{
  if (c->rc == RL_OK && c->len > 0 && c->write(c->ctx, c->buf, c->len) != 0)
    c->rc = RL_EUNAVAILABLE;
  c->len = 0;
}

static void put(struct csv_writer *c, const char *p, size_t n)
{
  while (c->rc == RL_OK && n > 0) {
    if (c->len == sizeof c->buf)
      flush(c);
    size_t room = sizeof c->buf - c->len, k = n < room ? n : room;
    memcpy(c->buf + c->len, p, k);
    c->len += k;
    p += k;
    n -= k;
  }
}

/* Writes s as a field through put: as it is, or quoted with its quotes
 * doubled when it holds a comma, a quote, CR or LF. */
static void field(void (*out)(void *, const char *, size_t), void *dst, const char *s)
{
  if (s[strcspn(s, ",\"\r\n")] == '\0') {
    out(dst, s, strlen(s));
    return;
  }
  out(dst, "\"", 1);
  for (const char *q; (q = strchr(s, '"')) != NULL; s = q + 1) {
    out(dst, s, (size_t)(q - s + 1));
    out(dst, "\"", 1);
  }
  out(dst, s, strlen(s));
  out(dst, "\"", 1);
}

static void put_writer(void *dst, const char *p, size_t n) { put(dst, p, n); }

void csv_field(struct csv_writer *c, const char *s)
{
  if (c->fields++ > 0)
    put(c, ",", 1);
  if (s != NULL)
    field(put_writer, c, s);
}

static void put_buf(void *dst, const char *p, size_t n) { rl_buf_add_len(dst, p, n); }

void csv_buf_field(struct rl_buf *b, const char *s, int first)
{
  if (!first)
    rl_buf_add_len(b, ",", 1);
  if (s != NULL)
    field(put_buf, b, s);
}

void csv_buf_row_end(struct rl_buf *b) { rl_buf_add_len(b, "\r\n", 2); }

void csv_field_number(struct csv_writer *c, double v, int decimals)
{
  char t[64];
  int n = snprintf(t, sizeof t, "%.*f", decimals, v);
  if (n <= 0 || (size_t)n >= sizeof t) {
    csv_field(c, "");
    return;
  }
  /* snprintf follows LC_NUMERIC: the separator is put back to a dot. */
  for (char *p = t; *p; p++)
    if (*p == ',')
      *p = '.';
  char *dot = strchr(t, '.');
  if (dot != NULL) {
    char *end = t + n - 1;
    while (end > dot && *end == '0')
      *end-- = '\0';
    if (end == dot)
      *end = '\0';
  }
  csv_field(c, strcmp(t, "-0") == 0 ? "0" : t);
}

void csv_field_int(struct csv_writer *c, long long v)
{
  char t[24];
  snprintf(t, sizeof t, "%lld", v);
  csv_field(c, t);
}

void csv_row_end(struct csv_writer *c)
{
  put(c, "\r\n", 2);
  c->fields = 0;
}

int csv_finish(struct csv_writer *c)
{
  flush(c);
  return c->rc;
}
