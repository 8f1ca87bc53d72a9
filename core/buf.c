/* The growable buffer: one growth rule, one failure flag. */
#include "core/buf.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"

void rl_buf_init(struct rl_buf *b, size_t max) { *b = (struct rl_buf){.max = max}; }

void rl_buf_init_fixed(struct rl_buf *b, char *mem, size_t size)
{
  *b = (struct rl_buf){.data = mem, .cap = size, .max = size, .fixed = true};
  mem[0] = '\0';
}

/* Makes room for n more bytes and the NUL; false (and failed) when it
 * cannot. */
static bool reserve(struct rl_buf *b, size_t n)
{
  if (b->failed)
    return false;
  size_t limit = b->max ? b->max : SIZE_MAX / 2;
  if (n > limit - 1 - b->len) {
    b->failed = true;
    return false;
  }
  size_t need = b->len + n + 1;
  if (need <= b->cap)
    return true;
  if (b->fixed) {
    b->failed = true;
    return false;
  }
  size_t cap = b->cap ? b->cap : (limit < 256 ? limit : 256);
  while (cap < need)
    cap = cap > limit / 2 ? limit : cap * 2;
  char *p = realloc(b->data, cap);
  if (p == NULL) {
    b->failed = true;
    return false;
  }
  b->data = p;
  b->cap = cap;
  return true;
}

void rl_buf_add_len(struct rl_buf *b, const void *p, size_t n)
{
  if (!reserve(b, n))
    return;
  if (n)
    memcpy(b->data + b->len, p, n);
  b->len += n;
  b->data[b->len] = '\0';
}

void rl_buf_add(struct rl_buf *b, const char *s)
{
  if (s)
    rl_buf_add_len(b, s, strlen(s));
}

void rl_buf_printf(struct rl_buf *b, const char *fmt, ...)
{
  if (b->failed)
    return;
  va_list ap;
  va_start(ap, fmt);
  size_t room = b->data ? b->cap - b->len : 0;
  int n = vsnprintf(room ? b->data + b->len : NULL, room, fmt, ap);
  va_end(ap);
  if (n < 0) {
    b->failed = true;
  } else if ((size_t)n < room) {
    b->len += (size_t)n;
  } else {
    /* vsnprintf wrote a cut copy over the NUL: restore it first. */
    if (room)
      b->data[b->len] = '\0';
    if (!reserve(b, (size_t)n))
      return;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
  }
}

void rl_buf_add_html(struct rl_buf *b, const char *s)
{
  while (s && *s) {
    size_t run = strcspn(s, "&<>\"'");
    rl_buf_add_len(b, s, run);
    s += run;
    switch (*s) {
    case '&': rl_buf_add_len(b, "&amp;", 5); break;
    case '<': rl_buf_add_len(b, "&lt;", 4); break;
    case '>': rl_buf_add_len(b, "&gt;", 4); break;
    case '"': rl_buf_add_len(b, "&quot;", 6); break;
    case '\'': rl_buf_add_len(b, "&#39;", 5); break;
    default: return; /* the end of s */
    }
    s++;
  }
}

/* Bytes of the valid UTF-8 sequence at s, or 0 if it is not one. */
static size_t utf8_seq_len(const unsigned char *s)
{
  unsigned char c = s[0];
  size_t n;
  if (c < 0x80)
    return 1;
  if (c >= 0xc2 && c <= 0xdf)
    n = 2;
  else if (c >= 0xe0 && c <= 0xef)
    n = 3;
  else if (c >= 0xf0 && c <= 0xf4)
    n = 4;
  else
    return 0;
  for (size_t i = 1; i < n; i++)
    if ((s[i] & 0xc0) != 0x80)
      return 0;
  return n;
}

void rl_buf_add_json(struct rl_buf *b, const char *s, size_t max)
{
  rl_buf_add_len(b, "\"", 1);
  const unsigned char *p = (const unsigned char *)(s ? s : "");
  size_t used = 0;
  while (*p) {
    char esc[8];
    const void *out = p;
    size_t in = 1, n = 1;
    if (*p == '"' || *p == '\\') {
      esc[0] = '\\';
      esc[1] = (char)*p;
      out = esc;
      n = 2;
    } else if (*p < 0x20) {
      n = (size_t)snprintf(esc, sizeof esc, "\\u%04x", *p);
      out = esc;
    } else if (*p >= 0x80) {
      in = n = utf8_seq_len(p);
      if (n == 0) {
        out = "\\ufffd";
        in = 1;
        n = 6;
      }
    }
    if (n > max - used)
      break;
    rl_buf_add_len(b, out, n);
    used += n;
    p += in;
  }
  rl_buf_add_len(b, "\"", 1);
}

int rl_buf_status(const struct rl_buf *b) { return b->failed ? RL_ENOMEM : RL_OK; }

char *rl_buf_take(struct rl_buf *b, size_t *len)
{
  char *out = NULL;
  *len = 0;
  if (!b->failed && !b->fixed) {
    out = b->data ? b->data : calloc(1, 1);
    if (out)
      *len = b->len;
    b->data = NULL;
  }
  rl_buf_free(b);
  return out;
}

void rl_buf_free(struct rl_buf *b)
{
  if (!b->fixed)
    free(b->data);
  rl_buf_init(b, 0);
}
