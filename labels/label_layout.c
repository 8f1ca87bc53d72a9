/*
 * labels/label_layout.c — where everything goes on one label, independent of
 * the output format: text runs (already shortened to fit) and the QR symbol,
 * in dots of the target grid. Two layouts: SIDE (QR left, text right; die-cut
 * and sheet labels) and STACK (receipt on continuous roll, length computed).
 *
 * The QR keeps a 4-module quiet zone inside the printable area, and its
 * module is a whole number of dots so that every module prints identically.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "label_internal.h"

/* DejaVu Sans proportions, per em: ascent, and line height (ascent + descent). */
#define ASCENT 0.93
#define LINE 1.17

enum { TXT = LABEL_TEXT_MAX + 8, ROWS_MAX = 16, BODY_MAX_LINES = 40, CAPTION_MAX_LINES = 6 };

static double mm(const struct label_layout *L, double v) { return v * L->dpmm; }

static unsigned min_module(const struct label_layout *L)
{
  return (unsigned)ceil(mm(L, 0.25) - 1e-9);
}

static int add_text(struct label_layout *L, double x, double y, double size, bool bold,
                    const char *s)
{
  size_t n = strlen(s);
  if (n == 0)
    return 0;
  if (L->n_text == LABEL_MAX_TEXT_OPS || L->arena_len + n + 1 > LABEL_ARENA)
    return LABEL_EINVALID; /* unreachable: line budgets keep within bounds */
  char *p = L->arena + L->arena_len;
  memcpy(p, s, n + 1);
  L->arena_len += n + 1;
  L->text[L->n_text++] = (struct label_text_op){.x = x, .y = y, .size = size, .bold = bold, .s = p};
  return 0;
}

static bool blank(const char *s)
{
  for (; *s; s++)
    if (*s != ' ')
      return false;
  return true;
}

/* Size at which s fills at most max_w, between lo and hi (linear: unhinted metrics). */
static double fit_size(const struct label_measure *m, const char *s, bool bold, double lo,
                       double hi, double max_w)
{
  double w = m->width(m->ctx, s, hi, bold);
  if (w <= max_w)
    return hi;
  return fmax(lo, hi * max_w / w * 0.999);
}

/* Module size (whole dots) for a symbol of `modules` (quiet zone included) within max_side. */
static int pick_module(const struct label_layout *L, double max_side, unsigned *out)
{
  unsigned modules = (unsigned)L->qr->width + 8;
  double mod = floor(max_side / modules);
  if (mod < min_module(L))
    return LABEL_EQR;
  *out = (unsigned)mod;
  return 0;
}

struct rows {
  struct {
    char s[TXT];
    double size;
  } r[ROWS_MAX];
  size_t n;
  double size; /* size of the rows add_row appends */
};

static int add_row(void *p, const char *line)
{
  struct rows *R = p;
  if (R->n == ROWS_MAX)
    return LABEL_EINVALID; /* unreachable: rows_max bounds the count */
  snprintf(R->r[R->n].s, TXT, "%s", line);
  R->r[R->n].size = R->size;
  R->n++;
  return 0;
}

static int layout_side(struct label_layout *L, const struct label_item *it,
                       const struct label_measure *m)
{
  double ax = L->area_x, ay = L->area_y, aw = L->area_w, ah = L->area_h;
  double text_x = ax, text_w = aw;
  int rc;

  if (L->qr) {
    unsigned mod;
    if ((rc = pick_module(L, fmin(ah, aw * 0.40), &mod)) < 0)
      return rc;
    double side = (double)mod * ((unsigned)L->qr->width + 8);
    L->qr_module = mod;
    L->qr_x = ax + 4.0 * mod;
    L->qr_y = ay + floor((ah - side) / 2) + 4.0 * mod;
    text_x = ax + side;
    text_w = aw - side - mm(L, 0.5); /* keeps glyph overhang off the edge */
  }

  char title[TXT], fitted[TXT];
  char lines[LABEL_MAX_LINES + 1][TXT];
  size_t nl = 0;

  label_text_sanitize(title, sizeof title, it->title, false);
  for (size_t i = 0; i < it->n_lines; i++) {
    label_text_sanitize(lines[nl], TXT, it->lines[i], false);
    nl += !blank(lines[nl]);
  }
  label_text_sanitize(lines[nl], TXT, it->caption, false);
  nl += !blank(lines[nl]);

  double T = 0.0;
  if (!blank(title))
    T = fit_size(m, title, true, fmin(ah * 0.13, mm(L, 3.0)), fmin(ah * 0.24, mm(L, 6.0)), text_w);
  double title_h = T * LINE;
  double gap = T > 0 && nl > 0 ? T * 0.25 : 0.0;
  double avail = ah - title_h - gap;
  double s_max = fmin(ah * 0.125, mm(L, 3.2)), s_min = mm(L, 1.9);
  double S = nl ? fmin(s_max, avail / ((double)nl * LINE)) : 0.0;
  size_t n_fit = nl;
  if (nl && S < s_min) {
    S = s_min;
    n_fit = avail > 0 ? (size_t)floor(avail / (S * LINE)) : 0;
    if (n_fit > nl)
      n_fit = nl;
  }

  /* Rows left over by short lines let a long line wrap once instead of
   * shrinking far or losing its end. */
  struct rows R = {.n = 0};
  size_t rows_max = S > 0 ? (size_t)fmin(ROWS_MAX, floor(avail / (S * LINE))) : 0;
  size_t spare = rows_max > n_fit ? rows_max - n_fit : 0;
  for (size_t i = 0; i < n_fit; i++) {
    bool cut = n_fit < nl && i + 1 == n_fit;
    double w = m->width(m->ctx, lines[i], S, false);
    R.size = S;
    if (w > text_w && w * 0.8 > text_w && spare > 0 && !cut) {
      size_t before = R.n;
      if ((rc = label_text_wrap(lines[i], text_w, S, false, 2, m, add_row, &R)) < 0)
        return rc;
      spare -= R.n - before - 1;
      continue;
    }
    R.size = fit_size(m, lines[i], false, fmax(S * 0.72, s_min * 0.95), S, text_w);
    label_text_fit(fitted, sizeof fitted, lines[i], text_w, R.size, false, cut, m);
    if ((rc = add_row(&R, fitted)) < 0)
      return rc;
  }

  double y = ay + (ah - (title_h + gap + (double)R.n * S * LINE)) / 2;
  if (T > 0) {
    label_text_fit(fitted, sizeof fitted, title, text_w, T, true, false, m);
    if ((rc = add_text(L, text_x, y + T * ASCENT, T, true, fitted)) < 0)
      return rc;
    y += title_h + gap;
  }
  for (size_t i = 0; i < R.n; i++) {
    if ((rc = add_text(L, text_x, y + S * ASCENT, R.r[i].size, false, R.r[i].s)) < 0)
      return rc;
    y += S * LINE;
  }
  return 0;
}

struct wrap_ctx {
  struct label_layout *L;
  const struct label_measure *m;
  double x, w, y, size;
  bool center;
};

static int emit_line(void *p, const char *line)
{
  struct wrap_ctx *c = p;
  double x = c->x;
  if (c->center)
    x += fmax(0.0, (c->w - c->m->width(c->m->ctx, line, c->size, false)) / 2);
  int rc = add_text(c->L, x, c->y + c->size * ASCENT, c->size, false, line);
  c->y += c->size * LINE;
  return rc;
}

/* Wraps each '\n'-separated paragraph of s; returns lines used or a negative code. */
static int wrap_paragraphs(struct wrap_ctx *c, char *s, size_t budget)
{
  size_t used = 0;
  char *p = s;
  while (p && used < budget) {
    char *nl = strchr(p, '\n');
    if (nl)
      *nl = '\0';
    if (blank(p)) {
      if (nl) { /* an empty line is kept as vertical space */
        c->y += c->size * LINE;
        used++;
      }
    } else {
      int n = label_text_wrap(p, c->w, c->size, false, budget - used, c->m, emit_line, c);
      if (n < 0)
        return n;
      used += (size_t)n;
    }
    p = nl ? nl + 1 : NULL;
  }
  return (int)used;
}

static int layout_stack(struct label_layout *L, const struct label_item *it,
                        const struct label_measure *m)
{
  double ax = L->area_x, aw = L->area_w;
  double y = L->area_y;
  char buf[TXT];
  size_t body = 0;
  int rc;

  label_text_sanitize(buf, sizeof buf, it->title, false);
  if (!blank(buf)) {
    char fitted[TXT];
    double T = fit_size(m, buf, true, mm(L, 3.5), mm(L, 6.5), aw);
    label_text_fit(fitted, sizeof fitted, buf, aw, T, true, false, m);
    double w = m->width(m->ctx, fitted, T, true);
    if ((rc = add_text(L, ax + fmax(0.0, (aw - w) / 2), y + T * ASCENT, T, true, fitted)) < 0)
      return rc;
    y += T * LINE + mm(L, 1.5);
  }

  struct wrap_ctx c = {.L = L, .m = m, .x = ax, .w = aw, .y = y, .size = mm(L, 3.0)};
  for (size_t i = 0; i < it->n_lines && body < BODY_MAX_LINES; i++) {
    if (!it->lines[i])
      continue;
    label_text_sanitize(buf, sizeof buf, it->lines[i], true);
    if ((rc = wrap_paragraphs(&c, buf, BODY_MAX_LINES - body)) < 0)
      return rc;
    body += (size_t)rc;
  }

  label_text_sanitize(buf, sizeof buf, it->caption, true);
  if (!blank(buf)) {
    c.y += mm(L, 1.5);
    c.center = true;
    c.size = mm(L, 2.7);
    if ((rc = wrap_paragraphs(&c, buf, CAPTION_MAX_LINES)) < 0)
      return rc;
  }
  y = c.y;

  if (L->qr) {
    unsigned mod;
    if ((rc = pick_module(L, fmin(aw, mm(L, 32.0)), &mod)) < 0)
      return rc;
    double side = (double)mod * ((unsigned)L->qr->width + 8);
    double qx = ax + floor((aw - side) / 2), qy = ceil(y + mm(L, 0.5));
    L->qr_module = mod;
    L->qr_x = qx + 4.0 * mod;
    L->qr_y = qy + 4.0 * mod;
    y = qy + side;
  }
  L->area_h = ceil(y - L->area_y);
  if (L->area_h < 1)
    L->area_h = 1;
  L->h = L->area_h + 2 * L->area_y;
  return 0;
}

int label_layout_item(struct label_layout *L, const struct label_template *t,
                      const struct label_item *it, double dpmm, const struct label_measure *m)
{
  int rc;

  L->dpmm = dpmm;
  L->n_text = 0;
  L->arena_len = 0;
  L->qr = NULL;
  L->qr_payload = NULL;
  L->qr_module = 0;
  L->w = round(t->label_w_mm * dpmm);
  L->h = round(t->label_h_mm * dpmm);
  L->area_x = round(t->area_x_mm * dpmm);
  L->area_y = round(t->area_y_mm * dpmm);
  L->area_w = round(t->area_w_mm * dpmm);
  L->area_h = round(t->area_h_mm * dpmm);

  if (it->n_lines > LABEL_MAX_LINES)
    return LABEL_EINVALID;
  if (it->qr && it->qr[0]) {
    if ((rc = label_qr_encode(&L->qr, it->qr)) < 0)
      return rc;
    L->qr_payload = it->qr;
  }
  rc = t->layout == LABEL_LAYOUT_STACK ? layout_stack(L, it, m) : layout_side(L, it, m);
  if (rc < 0)
    label_layout_release(L);
  return rc;
}

void label_layout_release(struct label_layout *L)
{
  if (L->qr)
    QRcode_free(L->qr);
  L->qr = NULL;
  L->n_text = 0;
  L->arena_len = 0;
}
