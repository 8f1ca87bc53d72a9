/*
 * labels/label_cairo.c — PDF, PNG and SVG through cairo, all three from the
 * one drawing function draw_label(). Layout units are printer dots (300 dpi
 * for the Brother and sheet templates); each surface only changes the scale.
 *
 * Fonts: cairo's toy API with "DejaVu Sans" (regular, and bold for the
 * title), resolved through fontconfig; cairo embeds subsets in PDF and
 * outlines in SVG. Metrics are unhinted so that a line measured once has the
 * same width on every surface. Everything here is per call (no static
 * state); cairo ≥ 1.12 and fontconfig ≥ 2.10 lock their own shared caches.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <cairo.h>

#include "label_internal.h"

#define FONT_FAMILY "DejaVu Sans"
#define PT_PER_MM (72.0 / 25.4)

struct fonts {
  cairo_font_face_t *regular, *bold;
  cairo_font_options_t *options;
  cairo_surface_t *scratch; /* 1×1 surface behind the measuring context */
  cairo_t *measure;
};

static double measure_width(void *ctx, const char *s, double size, bool bold)
{
  struct fonts *f = ctx;
  cairo_text_extents_t e;

  cairo_set_font_face(f->measure, bold ? f->bold : f->regular);
  cairo_set_font_size(f->measure, size);
  cairo_text_extents(f->measure, s, &e);
  return fmax(e.x_advance, e.x_bearing + e.width);
}

static void fonts_fini(struct fonts *f)
{
  if (f->measure)
    cairo_destroy(f->measure);
  if (f->scratch)
    cairo_surface_destroy(f->scratch);
  if (f->options)
    cairo_font_options_destroy(f->options);
  if (f->regular)
    cairo_font_face_destroy(f->regular);
  if (f->bold)
    cairo_font_face_destroy(f->bold);
}

static int fonts_init(struct fonts *f)
{
  memset(f, 0, sizeof *f);
  f->regular =
      cairo_toy_font_face_create(FONT_FAMILY, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  f->bold =
      cairo_toy_font_face_create(FONT_FAMILY, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
  f->options = cairo_font_options_create();
  f->scratch = cairo_image_surface_create(CAIRO_FORMAT_A8, 1, 1);
  f->measure = cairo_create(f->scratch);
  if (cairo_font_face_status(f->regular) || cairo_font_face_status(f->bold) ||
      cairo_font_options_status(f->options) || cairo_status(f->measure))
    return LABEL_ENOMEM;
  cairo_font_options_set_hint_metrics(f->options, CAIRO_HINT_METRICS_OFF);
  cairo_font_options_set_hint_style(f->options, CAIRO_HINT_STYLE_NONE);
  cairo_set_font_options(f->measure, f->options);
  return 0;
}

/* Draws one laid-out label in the current user space (units: dots, origin: label top-left). */
static void draw_label(cairo_t *cr, const struct label_layout *L, const struct fonts *F)
{
  cairo_set_source_rgb(cr, 0, 0, 0);
  if (L->qr) {
    int w = L->qr->width;
    double m = L->qr_module;
    for (int y = 0; y < w; y++) {
      const unsigned char *row = L->qr->data + (size_t)y * (size_t)w;
      for (int x = 0; x < w;) {
        if (!(row[x] & 1)) {
          x++;
          continue;
        }
        int x0 = x;
        while (x < w && (row[x] & 1))
          x++;
        cairo_rectangle(cr, L->qr_x + x0 * m, L->qr_y + y * m, (x - x0) * m, m);
      }
    }
    cairo_fill(cr);
  }
  cairo_set_font_options(cr, F->options);
  for (size_t i = 0; i < L->n_text; i++) {
    const struct label_text_op *op = &L->text[i];
    cairo_set_font_face(cr, op->bold ? F->bold : F->regular);
    cairo_set_font_size(cr, op->size);
    cairo_move_to(cr, op->x, op->y);
    cairo_show_text(cr, op->s);
  }
}

static cairo_status_t write_cb(void *closure, const unsigned char *data, unsigned int length)
{
  struct rl_buf *b = closure;
  rl_buf_add_len(b, data, length);
  return rl_buf_status(b) < 0 ? CAIRO_STATUS_WRITE_ERROR : CAIRO_STATUS_SUCCESS;
}

static int cairo_rc(cairo_status_t st, const struct rl_buf *out)
{
  if (rl_buf_status(out) < 0 || st == CAIRO_STATUS_NO_MEMORY)
    return LABEL_ENOMEM;
  return st == CAIRO_STATUS_SUCCESS ? 0 : LABEL_ERENDER;
}

static int render_png(struct rl_buf *out, const struct label_job *job, struct label_layout *L,
                      struct fonts *F)
{
  int rc = label_layout_item(L, job->t, &job->items[0], job->t->dpi / 25.4,
                             &(struct label_measure){measure_width, F});
  if (rc < 0)
    return rc;

  /* The template's pixel size is the printable area in dots; continuous: computed. */
  int w = (int)job->t->png_w;
  int h = job->t->media == LABEL_MEDIA_CONTINUOUS ? (int)L->area_h : (int)job->t->png_h;
  cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_A8, w, h);
  cairo_t *cr = cairo_create(s);
  cairo_translate(cr, job->offset_x_mm * L->dpmm - L->area_x,
                  job->offset_y_mm * L->dpmm - L->area_y);
  draw_label(cr, L, F);
  cairo_status_t st = cairo_status(cr);
  cairo_destroy(cr);
  label_layout_release(L);

  if (st == CAIRO_STATUS_SUCCESS) {
    /* A8 is written as grey = coverage: invert so ink is black on white. */
    cairo_surface_flush(s);
    unsigned char *px = cairo_image_surface_get_data(s);
    int stride = cairo_image_surface_get_stride(s);
    for (int y = 0; y < h; y++)
      for (int x = 0; x < w; x++)
        px[(size_t)y * (size_t)stride + (size_t)x] ^= 0xFF;
    cairo_surface_mark_dirty(s);
    st = cairo_surface_write_to_png_stream(s, write_cb, out);
  }
  cairo_surface_destroy(s);
  return cairo_rc(st, out);
}

/* PDF (one page per label, or per sheet) and SVG (one page). */
static int render_vector(struct rl_buf *out, const struct label_job *job, struct label_layout *L,
                         struct fonts *F)
{
  const struct label_template *t = job->t;
  const double dpmm = t->dpi / 25.4;
  const bool pdf = job->f == LABEL_FMT_PDF;
  const double unit = pdf ? PT_PER_MM : 1.0; /* surface units per mm */
  const unsigned per_page = t->cols * t->rows;
  const struct label_measure m = {measure_width, F};
  cairo_surface_t *s = NULL;
  cairo_t *cr = NULL;
  size_t page = 0;
  int rc = 0;

  for (size_t i = 0; i < job->n; i++) {
    if ((rc = label_layout_item(L, t, &job->items[i], dpmm, &m)) < 0)
      goto out;
    size_t pos = t->media == LABEL_MEDIA_SHEET ? job->skip + i : i;
    size_t pg = pos / per_page, slot = pos % per_page;
    size_t row = slot / t->cols, col = slot % t->cols; /* on the sheet */
    double page_h = t->media == LABEL_MEDIA_CONTINUOUS ? L->h / dpmm : t->page_h_mm;

    if (!s) {
      if (pdf) {
        s = cairo_pdf_surface_create_for_stream(write_cb, out, t->page_w_mm * unit, page_h * unit);
        cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_TITLE, "Labels");
        cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATOR, "Repair Ledger");
      } else {
        s = cairo_svg_surface_create_for_stream(write_cb, out, t->page_w_mm, page_h);
        cairo_svg_surface_set_document_unit(s, CAIRO_SVG_UNIT_MM);
      }
      cr = cairo_create(s);
      page = pg;
    } else if (pg != page || t->media != LABEL_MEDIA_SHEET) {
      cairo_show_page(cr);
      page = pg;
      if (pdf && t->media == LABEL_MEDIA_CONTINUOUS)
        cairo_pdf_surface_set_size(s, t->page_w_mm * unit, page_h * unit);
    }

    cairo_save(cr);
    cairo_scale(cr, unit / dpmm, unit / dpmm);
    cairo_translate(
        cr, round((t->first_x_mm + (double)col * t->pitch_x_mm) * dpmm) + job->offset_x_mm * dpmm,
        round((t->first_y_mm + (double)row * t->pitch_y_mm) * dpmm) + job->offset_y_mm * dpmm);
    draw_label(cr, L, F);
    cairo_restore(cr);
    label_layout_release(L);
    if (cairo_status(cr) != CAIRO_STATUS_SUCCESS)
      break;
  }
out:
  if (cr) {
    if (rc == 0)
      cairo_show_page(cr);
    cairo_status_t st = cairo_status(cr);
    cairo_destroy(cr);
    cairo_surface_finish(s);
    if (st == CAIRO_STATUS_SUCCESS)
      st = cairo_surface_status(s);
    cairo_surface_destroy(s);
    if (rc == 0)
      rc = cairo_rc(st, out);
  }
  return rc;
}

int label_cairo_render(struct rl_buf *out, const struct label_job *job)
{
  struct fonts F;
  struct label_layout *L = calloc(1, sizeof *L);
  int rc = fonts_init(&F);

  if (!L)
    rc = LABEL_ENOMEM;
  if (rc == 0)
    rc = job->f == LABEL_FMT_PNG ? render_png(out, job, L, &F) : render_vector(out, job, L, &F);
  fonts_fini(&F);
  free(L);
  return rc;
}
