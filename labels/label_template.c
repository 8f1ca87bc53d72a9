/*
 * labels/label_template.c — the label stocks as data (millimetres, and dots
 * where the printer's own grid matters), plus the small lookups around them:
 * format names, MIME types, error messages.
 *
 * Brother QL figures come from Brother's raster reference as tabulated by
 * brother_ql (labels.py): printable area in dots at 300 dpi, centred on the
 * label. Avery L7160 figures: 3 × 7 labels of 63.5 × 38.1 mm, top margin
 * 15.15 mm, pitch 66.04 × 38.1 mm; the published 7.25 mm side margin does not
 * add up with that pitch (7.25 + 2 × 66.04 + 63.5 + 7.25 = 210.08), so the
 * grid is centred on the 210 mm sheet: 7.21 mm.
 */
#include <stddef.h>
#include <string.h>

#include "label.h"

#define DOT300(d) (25.4 * (d) / 300.0)

/* A table: each line pairs the figures that go together (width and height,
 * x and y), which clang-format would put one to a line. */
/* clang-format off */
static const struct label_template templates[] = {
  {
    .id = "62x29",
    .description = "Brother DK-11209 die-cut 62 x 29 mm (QL series, 300 dpi)",
    .media = LABEL_MEDIA_DIE_CUT, .layout = LABEL_LAYOUT_SIDE,
    .page_w_mm = 62.0, .page_h_mm = 29.0,
    .label_w_mm = 62.0, .label_h_mm = 29.0,
    .cols = 1, .rows = 1,
    .area_x_mm = DOT300(18), .area_y_mm = DOT300(35),
    .area_w_mm = DOT300(696), .area_h_mm = DOT300(271),
    .dpi = 300, .png_w = 696, .png_h = 271,
  },
  {
    .id = "62-receipt",
    .description = "Brother DK-22205 continuous 62 mm, cut to length (QL series, 300 dpi)",
    .media = LABEL_MEDIA_CONTINUOUS, .layout = LABEL_LAYOUT_STACK,
    .page_w_mm = 62.0, .page_h_mm = 0.0,
    .label_w_mm = 62.0, .label_h_mm = 0.0,
    .cols = 1, .rows = 1,
    .area_x_mm = DOT300(18), .area_y_mm = DOT300(35),
    .area_w_mm = DOT300(696), .area_h_mm = 0.0,
    .dpi = 300, .png_w = 696, .png_h = 0,
  },
  {
    .id = "29x90",
    .description = "Brother DK-11201 die-cut 29 x 90 mm, landscape (QL series, 300 dpi)",
    .media = LABEL_MEDIA_DIE_CUT, .layout = LABEL_LAYOUT_SIDE,
    .page_w_mm = 90.0, .page_h_mm = 29.0,
    .label_w_mm = 90.0, .label_h_mm = 29.0,
    .cols = 1, .rows = 1,
    .area_x_mm = DOT300(35), .area_y_mm = DOT300(18),
    .area_w_mm = DOT300(991), .area_h_mm = DOT300(306),
    .dpi = 300, .png_w = 991, .png_h = 306,
  },
  {
    .id = "l7160",
    .description = "Avery L7160 / J8160: A4 sheet, 3 x 7 labels of 63.5 x 38.1 mm",
    .media = LABEL_MEDIA_SHEET, .layout = LABEL_LAYOUT_SIDE,
    .page_w_mm = 210.0, .page_h_mm = 297.0,
    .label_w_mm = 63.5, .label_h_mm = 38.1,
    .cols = 3, .rows = 7,
    .first_x_mm = 7.21, .first_y_mm = 15.15,
    .pitch_x_mm = 66.04, .pitch_y_mm = 38.1,
    .area_x_mm = 3.0, .area_y_mm = 2.5,
    .area_w_mm = 57.5, .area_h_mm = 33.1,
    .dpi = 300, .png_w = 0, .png_h = 0,
  },
};
/* clang-format on */

enum { N_TEMPLATES = sizeof templates / sizeof templates[0] };

const struct label_template *label_template_find(const char *id)
{
  if (!id)
    return NULL;
  for (size_t i = 0; i < N_TEMPLATES; i++)
    if (strcmp(templates[i].id, id) == 0)
      return &templates[i];
  return NULL;
}

size_t label_template_count(void) { return N_TEMPLATES; }

const struct label_template *label_template_at(size_t i)
{
  return i < N_TEMPLATES ? &templates[i] : NULL;
}

bool label_template_supports(const struct label_template *t, enum label_format f)
{
  if (!t)
    return false;
  switch (f) {
  case LABEL_FMT_PDF:
  case LABEL_FMT_SVG: return true;
  case LABEL_FMT_PNG: return t->media != LABEL_MEDIA_SHEET && t->png_w > 0;
  case LABEL_FMT_ZPL: return t->media != LABEL_MEDIA_SHEET;
  }
  return false;
}

static const struct {
  const char *name, *mime;
} formats[] = {
    [LABEL_FMT_PDF] = {"pdf", "application/pdf"},
    [LABEL_FMT_PNG] = {"png", "image/png"},
    [LABEL_FMT_SVG] = {"svg", "image/svg+xml"},
    [LABEL_FMT_ZPL] = {"zpl", "text/plain; charset=utf-8"},
};

/* ASCII case-insensitive equality, independent of the locale. */
static bool same_name(const char *a, const char *b)
{
  for (; *a && *b; a++, b++) {
    char ca = *a;
    if (ca >= 'A' && ca <= 'Z')
      ca = (char)(ca - 'A' + 'a');
    if (ca != *b)
      return false;
  }
  return *a == *b;
}

int label_format_parse(const char *s, enum label_format *out)
{
  if (!s || !out)
    return LABEL_EINVALID;
  for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++) {
    if (same_name(s, formats[i].name)) {
      *out = (enum label_format)i;
      return 0;
    }
  }
  return LABEL_EINVALID;
}

const char *label_format_mime(enum label_format f)
{
  return (unsigned)f < sizeof formats / sizeof formats[0] ? formats[f].mime
                                                          : "application/octet-stream";
}

const char *label_format_ext(enum label_format f)
{
  return (unsigned)f < sizeof formats / sizeof formats[0] ? formats[f].name : "bin";
}

const char *label_strerror(int err)
{
  switch (err) {
  case LABEL_OK: return "success";
  case LABEL_EINVALID: return "invalid label request";
  case LABEL_ENOMEM: return "out of memory";
  case LABEL_EQR: return "QR payload too long for this label";
  case LABEL_ERENDER: return "label rendering failed";
  default: return "unknown label error";
  }
}
