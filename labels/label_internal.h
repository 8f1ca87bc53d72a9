/*
 * labels/label_internal.h — types shared by the files of the labels module
 * (not part of the public API): text helpers, QR encoding, the
 * format-independent layout, and the two back ends, which write into the
 * project's growable buffer (core/buf.h: the first failure sticks).
 */
#ifndef RL_LABEL_INTERNAL_H
#define RL_LABEL_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include <qrencode.h>

#include "core/buf.h"
#include "label.h"

/* ---- label_text.c: UTF-8 hygiene, ellipsis, word wrap ---- */

#define LABEL_ELLIPSIS "\xE2\x80\xA6" /* U+2026 … */

/* Measures the advance width of s (valid UTF-8) at a font size, in the same unit. */
struct label_measure {
  double (*width)(void *ctx, const char *s, double size, bool bold);
  void *ctx; /* borrowed */
};

/*
 * Copies in (NULL = "") to out (cap bytes, cap ≥ 8) as valid UTF-8: invalid
 * bytes become U+FFFD, control characters a space ('\n' is kept when
 * keep_newlines), at most LABEL_TEXT_MAX bytes, cut with "…" when longer.
 * Returns the length written (out is always NUL-terminated).
 */
size_t label_text_sanitize(char *out, size_t cap, const char *in, bool keep_newlines);
/* The same with max bytes of text (≥ 7) instead of LABEL_TEXT_MAX, for
 * documents that print long texts (a loan agreement's conditions). */
size_t label_text_sanitize_max(char *out, size_t cap, const char *in, bool keep_newlines,
                               size_t max);

/* 0 if s is a usable QR payload, LABEL_EQR if too long for a QR code, LABEL_EINVALID if
 * it is not UTF-8 or has control characters. */
int label_text_check_payload(const char *s);

/*
 * Writes into out (cap bytes) the longest prefix of s that fits max_w,
 * followed by "…" when s had to be cut or when force_ellipsis is set.
 * s must be sanitized. Returns the length written.
 */
size_t label_text_fit(char *out, size_t cap, const char *s, double max_w, double size, bool bold,
                      bool force_ellipsis, const struct label_measure *m);

/*
 * Greedy word wrap of s (sanitized, no '\n') into at most max_lines lines of
 * width max_w; a word wider than a line is broken between characters. When
 * text remains after max_lines, the last line ends with "…". Calls
 * emit(ctx, line) for each line (line is a temporary NUL-terminated string).
 * Returns the number of lines, or a negative LABEL_E* code from emit.
 */
int label_text_wrap(const char *s, double max_w, double size, bool bold, size_t max_lines,
                    const struct label_measure *m, int (*emit)(void *ctx, const char *line),
                    void *ctx);

/* Number of UTF-8 code points in s (s sanitized). */
size_t label_text_codepoints(const char *s);

/* ---- label_qr.c: libqrencode wrapper ---- */

/*
 * Encodes payload (checked with label_text_check_payload) at ECC level M, or Q
 * when Q fits in the same symbol size. *out is owned by the caller
 * (QRcode_free). Returns 0, LABEL_EQR or LABEL_ENOMEM.
 */
int label_qr_encode(QRcode **out, const char *payload);

/* ---- label_layout.c: positions of everything on one label, in printer dots ---- */

enum { LABEL_MAX_TEXT_OPS = 48, LABEL_ARENA = 48 * 320 };

struct label_text_op {
  double x, y; /* left end of the baseline, dots from the label's top-left */
  double size; /* font size (em), dots */
  bool bold;
  const char *s; /* points into the layout's arena */
};

struct label_layout {
  double dpmm;            /* dots per millimetre of this layout */
  double w, h;            /* label size, dots (continuous: computed height) */
  double area_x, area_y;  /* printable area top-left, dots */
  double area_w, area_h;  /* printable area size, dots */
  QRcode *qr;             /* owned; NULL when the item has no QR */
  const char *qr_payload; /* borrowed from the item */
  double qr_x, qr_y;      /* top-left of the symbol (quiet zone excluded), dots */
  unsigned qr_module;     /* module size, whole dots */
  struct label_text_op text[LABEL_MAX_TEXT_OPS];
  size_t n_text;
  char arena[LABEL_ARENA];
  size_t arena_len;
};

/*
 * Lays out item it on template t at dpmm dots per millimetre, measuring text
 * with m. *L must be zeroed or released before; release with
 * label_layout_release(). Returns 0 or LABEL_EQR / LABEL_EINVALID / LABEL_ENOMEM.
 */
int label_layout_item(struct label_layout *L, const struct label_template *t,
                      const struct label_item *it, double dpmm, const struct label_measure *m);
void label_layout_release(struct label_layout *L);

/* ---- back ends ---- */

struct label_job {
  const struct label_template *t;
  enum label_format f;
  const struct label_item *items;
  size_t n;
  unsigned skip;
  double offset_x_mm, offset_y_mm;
  unsigned zpl_dpmm;
};

/* label_cairo.c: PDF, PNG and SVG from one drawing function. */
int label_cairo_render(struct rl_buf *out, const struct label_job *job);

/* label_zpl.c: Zebra ZPL II. */
int label_zpl_render(struct rl_buf *out, const struct label_job *job);

#endif
