/*
 * labels/label_text.c — text hygiene for labels: UTF-8 validation and
 * repair, QR payload checks, shortening with an ellipsis to a measured
 * width, and greedy word wrap. Width measurement is injected (cairo text
 * extents for PDF/PNG/SVG, an estimate for ZPL), so this file draws nothing.
 */
#include <string.h>

#include "label_internal.h"

enum { TMP_CAP = LABEL_TEXT_MAX + 8 };

/* Decodes one code point at s; returns its byte length, or 0 if invalid. */
static size_t utf8_decode(const unsigned char *s, unsigned long *cp)
{
  unsigned char c = s[0];
  size_t n;
  unsigned long v, min;

  if (c < 0x80) {
    *cp = c;
    return 1;
  }
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2, v = c & 0x1Fu, min = 0x80;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3, v = c & 0x0Fu, min = 0x800;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4, v = c & 0x07u, min = 0x10000;
  } else {
    return 0;
  }
  for (size_t i = 1; i < n; i++) {
    if ((s[i] & 0xC0) != 0x80) /* also stops at the NUL terminator */
      return 0;
    v = (v << 6) | (s[i] & 0x3Fu);
  }
  if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
    return 0;
  *cp = v;
  return n;
}

/* strlen capped at max, reading no further than the terminator (C11 memchr). */
static size_t bounded_len(const char *s, size_t max)
{
  const char *z = memchr(s, '\0', max);
  return z ? (size_t)(z - s) : max;
}

static bool is_control(unsigned long cp)
{
  return cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F);
}

size_t label_text_sanitize(char *out, size_t cap, const char *in, bool keep_newlines)
{
  return label_text_sanitize_max(out, cap, in, keep_newlines, LABEL_TEXT_MAX);
}

size_t label_text_sanitize_max(char *out, size_t cap, const char *in, bool keep_newlines,
                               size_t max)
{
  if (cap < 8 || max < 7) { /* contract: room for at least "…" and a character */
    if (cap)
      out[0] = '\0';
    return 0;
  }
  const unsigned char *s = (const unsigned char *)(in ? in : "");
  size_t limit = max; /* bytes of text, not counting the NUL */
  if (limit > cap - 1)
    limit = cap - 1;
  size_t len = 0;
  bool cut = false;

  while (*s) {
    unsigned long cp;
    size_t n = utf8_decode(s, &cp);
    const char *enc = (const char *)s;
    size_t enc_len = n;

    if (n == 0) {
      enc = "\xEF\xBF\xBD"; /* U+FFFD replacement character */
      enc_len = 3;
      n = 1;
    } else if (cp == '\r' && keep_newlines) {
      s += n;
      continue;
    } else if (cp == '\n' && keep_newlines) {
      enc = "\n";
    } else if (is_control(cp)) {
      enc = " ";
      enc_len = 1;
    }
    if (len + enc_len > limit) {
      cut = true;
      break;
    }
    memcpy(out + len, enc, enc_len);
    len += enc_len;
    s += n;
  }
  if (cut) {
    size_t keep = limit - 3; /* room left for "…"; limit ≥ 7 */
    while (len > keep) {
      len--;
      while (len > 0 && ((unsigned char)out[len] & 0xC0) == 0x80)
        len--;
    }
    memcpy(out + len, LABEL_ELLIPSIS, 3);
    len += 3;
  }
  out[len] = '\0';
  return len;
}

int label_text_check_payload(const char *s)
{
  if (!s)
    return 0;
  if (bounded_len(s, (size_t)LABEL_QR_MAX + 1) > LABEL_QR_MAX)
    return LABEL_EQR;
  const unsigned char *p = (const unsigned char *)s;
  while (*p) {
    unsigned long cp;
    size_t n = utf8_decode(p, &cp);
    if (n == 0 || is_control(cp))
      return LABEL_EINVALID;
    p += n;
  }
  return 0;
}

size_t label_text_codepoints(const char *s)
{
  size_t n = 0;
  for (; *s; s++)
    n += ((unsigned char)*s & 0xC0) != 0x80;
  return n;
}

/* Copies s[0..n) to tmp, drops trailing spaces, adds "…" if asked. */
static size_t build(char *tmp, const char *s, size_t n, bool ellipsis)
{
  if (n > TMP_CAP - 4)
    n = TMP_CAP - 4;
  while (n > 0 && s[n - 1] == ' ')
    n--;
  memcpy(tmp, s, n);
  if (ellipsis) {
    memcpy(tmp + n, LABEL_ELLIPSIS, 3);
    n += 3;
  }
  tmp[n] = '\0';
  return n;
}

/* Byte offsets of the code point boundaries of s[0..len), 0 and len included. */
static size_t boundaries(size_t *pos, const char *s, size_t len)
{
  size_t k = 0;
  for (size_t i = 0; i <= len && k < TMP_CAP; i++)
    if (i == len || ((unsigned char)s[i] & 0xC0) != 0x80)
      pos[k++] = i;
  return k;
}

/* Largest boundary index whose prefix (plus "…" if ellipsis) fits max_w. */
static size_t longest_fit(const size_t *pos, size_t k, const char *s, double max_w, double size,
                          bool bold, bool ellipsis, const struct label_measure *m)
{
  char tmp[TMP_CAP];
  size_t lo = 0, hi = k - 1;

  while (lo < hi) {
    size_t mid = lo + (hi - lo + 1) / 2;
    build(tmp, s, pos[mid], ellipsis);
    if (m->width(m->ctx, tmp, size, bold) <= max_w)
      lo = mid;
    else
      hi = mid - 1;
  }
  return lo;
}

size_t label_text_fit(char *out, size_t cap, const char *s, double max_w, double size, bool bold,
                      bool force_ellipsis, const struct label_measure *m)
{
  char tmp[TMP_CAP];
  size_t pos[TMP_CAP];
  size_t len = bounded_len(s, TMP_CAP - 4);
  size_t n;

  if (!force_ellipsis) {
    build(tmp, s, len, false);
    if (m->width(m->ctx, tmp, size, bold) <= max_w)
      goto out;
  }
  size_t k = boundaries(pos, s, len);
  size_t best = longest_fit(pos, k, s, max_w, size, bold, true, m);
  build(tmp, s, pos[best], true);
  if (best == 0 && m->width(m->ctx, tmp, size, bold) > max_w)
    tmp[0] = '\0';
out:
  n = strlen(tmp);
  if (n >= cap)
    n = 0;
  memcpy(out, tmp, n);
  out[n] = '\0';
  return n;
}

int label_text_wrap(const char *s, double max_w, double size, bool bold, size_t max_lines,
                    const struct label_measure *m, int (*emit)(void *ctx, const char *line),
                    void *ctx)
{
  char tmp[TMP_CAP];
  size_t len = bounded_len(s, TMP_CAP - 4);
  size_t p = 0;
  int lines = 0;
  int rc;

  while (p < len && max_lines > 0) {
    while (p < len && s[p] == ' ')
      p++;
    if (p >= len)
      break;
    const char *rest = s + p;
    size_t rest_len = len - p;

    build(tmp, rest, rest_len, false);
    if ((size_t)lines + 1 == max_lines || m->width(m->ctx, tmp, size, bold) <= max_w) {
      char line[TMP_CAP];
      memcpy(line, rest, rest_len);
      line[rest_len] = '\0';
      label_text_fit(tmp, sizeof tmp, line, max_w, size, bold, false, m);
      rc = emit(ctx, tmp);
      return rc < 0 ? rc : lines + 1;
    }
    size_t best = 0;
    for (size_t q = 1; q < rest_len; q++) {
      if (rest[q] != ' ' || rest[q - 1] == ' ')
        continue;
      build(tmp, rest, q, false);
      if (m->width(m->ctx, tmp, size, bold) > max_w)
        break;
      best = q;
    }
    if (best == 0) {
      size_t pos[TMP_CAP];
      size_t k = boundaries(pos, rest, rest_len);
      best = pos[longest_fit(pos, k, rest, max_w, size, bold, false, m)];
      if (best == 0) /* not even one character fits: take one anyway */
        best = k > 1 ? pos[1] : rest_len;
    }
    build(tmp, rest, best, false);
    rc = emit(ctx, tmp);
    if (rc < 0)
      return rc;
    lines++;
    p += best;
  }
  return lines;
}
