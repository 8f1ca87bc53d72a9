/*
 * labels/label.h — public API of the label renderer.
 *
 * Pure functions from data to bytes: a template (physical label stock), a
 * format (PDF, PNG, SVG, ZPL) and a list of items give one document. No HTTP,
 * no SQL, no global mutable state: every function is safe to call from many
 * threads at once. See docs/labels.md for the templates and printing advice.
 */
#ifndef RL_LABEL_H
#define RL_LABEL_H

#include <stdbool.h>
#include <stddef.h>

/* Return codes: 0 or one of these negative values. */
enum label_error {
  LABEL_OK = 0,
  LABEL_EINVALID = -1, /* bad argument: template/format combination, counts, offsets, text */
  LABEL_ENOMEM = -2,   /* allocation failed */
  LABEL_EQR = -3,      /* QR payload too long to encode or to fit on the label */
  LABEL_ERENDER = -4,  /* cairo reported an error (font missing, …) */
};

enum label_format { LABEL_FMT_PDF, LABEL_FMT_PNG, LABEL_FMT_SVG, LABEL_FMT_ZPL };

enum label_media {
  LABEL_MEDIA_DIE_CUT,    /* one label per page (PDF) / per ^XA…^XZ (ZPL) */
  LABEL_MEDIA_CONTINUOUS, /* roll cut to length: the length fits the content */
  LABEL_MEDIA_SHEET,      /* office sheet holding cols × rows labels; PDF and SVG only */
};

enum label_layout_kind {
  LABEL_LAYOUT_SIDE,  /* QR on the left, title and lines on the right */
  LABEL_LAYOUT_STACK, /* receipt: title, lines, caption, QR stacked top to bottom */
};

enum {
  LABEL_MAX_LINES = 8,    /* text lines per item */
  LABEL_MAX_ITEMS = 1000, /* items per label_render() call */
  LABEL_TEXT_MAX = 256,   /* bytes kept from each string; longer ones are cut with "…" */
  LABEL_QR_MAX = 512,     /* QR payload bytes; longer → LABEL_EQR */
};

#define LABEL_OFFSET_MAX_MM 10.0 /* |offset_x_mm|, |offset_y_mm| limit */

/*
 * A physical label stock. All lengths in millimetres. Instances are static,
 * read-only data owned by the library (see label_template.c).
 */
struct label_template {
  const char *id;          /* "62x29", "62-receipt", "29x90", "l7160" */
  const char *description; /* human-readable stock and printer names */
  enum label_media media;
  enum label_layout_kind layout;
  double page_w_mm, page_h_mm;   /* PDF page; continuous: height 0 (computed) */
  double label_w_mm, label_h_mm; /* one label; continuous: height 0 */
  unsigned cols, rows;           /* labels per page (1 × 1 except sheets) */
  double first_x_mm, first_y_mm; /* top-left of the first label on the page */
  double pitch_x_mm, pitch_y_mm; /* label to label, left to left / top to top */
  double area_x_mm, area_y_mm;   /* printable area inside a label (continuous: */
  double area_w_mm, area_h_mm;   /* area_y is the feed margin, area_h is 0) */
  unsigned dpi;                  /* native printer grid; QR modules snap to it */
  unsigned png_w, png_h;         /* PNG size in pixels (= printable area at dpi);
                                    0 × 0 when PNG makes no sense (sheets);
                                    png_h 0 for continuous (computed) */
};

/*
 * One label's content; every string is borrowed UTF-8 (NULL or "" = absent).
 * Invalid UTF-8 and control characters are replaced, over-long strings cut
 * with "…", and anything wider than the label is shortened with "…".
 */
struct label_item {
  const char *title;                  /* large bold line: device code, sku */
  const char *lines[LABEL_MAX_LINES]; /* smaller lines, top to bottom */
  size_t n_lines;                     /* used entries of lines[], ≤ LABEL_MAX_LINES */
  const char *caption;                /* short text by the QR (receipt) or last line */
  const char *qr;                     /* QR payload, e.g. a URL; NULL/"" = no QR */
};

/* Rendering options; pass NULL for all defaults (zeros). */
struct label_options {
  unsigned skip;      /* sheets only: leave the first N positions of the first sheet empty */
  double offset_x_mm; /* printer calibration: shift everything right (+) / left (−), */
  double offset_y_mm; /* down (+) / up (−); each within ±LABEL_OFFSET_MAX_MM */
  unsigned zpl_dpmm;  /* ZPL printer resolution in dots/mm: 6, 8, 12 or 24; 0 = 8 (203 dpi) */
};

/* Template by id (exact, case-sensitive); NULL if unknown. Borrowed static data. */
const struct label_template *label_template_find(const char *id);

/* Number of templates, and the i-th one (NULL when i is out of range), for listings. */
size_t label_template_count(void);
const struct label_template *label_template_at(size_t i);

/* Whether the format can render this template at all (PNG/ZPL: not sheets). */
bool label_template_supports(const struct label_template *t, enum label_format f);

/* "pdf", "png", "svg", "zpl" (ASCII case-insensitive) → *out; 0 or LABEL_EINVALID. */
int label_format_parse(const char *s, enum label_format *out);

/* MIME type, and file extension without the dot; static strings, never NULL. */
const char *label_format_mime(enum label_format f);
const char *label_format_ext(enum label_format f);

/* English message for a LABEL_E* code; static string, never NULL. */
const char *label_strerror(int err);

/*
 * Renders n items on template t in format f into one document.
 *
 * On success returns 0 and sets *out to a malloc'd buffer of *out_len bytes
 * that the caller frees with free(). On failure returns a negative LABEL_E*
 * code and sets *out = NULL, *out_len = 0.
 *
 * Layout of batches: sheets fill positions in order across pages, after
 * opt->skip empty positions; die-cut and continuous stock give one PDF page
 * (or one ^XA…^XZ block in ZPL) per item. PNG and SVG hold one page, so they
 * accept one item (SVG: as many as fit on one sheet).
 *
 * LABEL_EINVALID: NULL out/out_len/t/items, n == 0 or n > LABEL_MAX_ITEMS,
 * n_lines > LABEL_MAX_LINES, format not supported by the template, several
 * pages in PNG/SVG, skip on a non-sheet or ≥ positions per sheet, offset out
 * of range or not finite, bad zpl_dpmm, QR payload with invalid UTF-8 or
 * control characters.
 * LABEL_EQR: payload over LABEL_QR_MAX bytes, or its QR would not fit the
 * label with modules of at least 0.25 mm.
 */
int label_render(unsigned char **out, size_t *out_len, const struct label_template *t,
                 enum label_format f, const struct label_item *items, size_t n,
                 const struct label_options *opt);

#endif
