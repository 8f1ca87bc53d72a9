/*
 * labels/agreement.c — the loan agreement as a PDF through cairo. One
 * layout function runs twice for the receipt (to measure its length, then
 * to draw at that length) and once for A4 (page breaks are taken as the
 * text comes). User space is millimetres; fonts are DejaVu Sans with
 * unhinted metrics, as on labels, so measured and drawn widths agree.
 */
#include "labels/agreement.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairo-pdf.h>
#include <cairo.h>

#include "label_internal.h"

#define FONT_FAMILY "DejaVu Sans"
#define PT_PER_MM (72.0 / 25.4)
#define DOTS_PER_MM (300.0 / 25.4) /* QR modules snap to a 300 dpi grid */
#define ASCENT 0.93                /* DejaVu Sans, per em */
#define LINE 1.25                  /* line pitch, per em */

struct doc {
  cairo_t *cr; /* NULL while measuring */
  cairo_surface_t *surface;
  cairo_t *m; /* measures text */
  cairo_surface_t *scratch;
  cairo_font_face_t *regular, *bold;
  cairo_font_options_t *options;
  bool roll;          /* receipt: one page, no breaks */
  double w, h;        /* page, mm */
  double x0, x1;      /* text column, mm */
  double top, bottom; /* content limits on a page, mm */
  double y;           /* top of the next line, mm */
  double size;        /* body text size, mm */
  char *text;         /* sanitized copy of the text being laid out */
  char *line;         /* one line to measure or draw */
  size_t cap;         /* bytes of text and of line */
  char footer[160];   /* A4: foot of every page, so that loose pages find their loan */
  int page;
};

struct words {
  const char *title, *loan_no, *device, *code, *category, *brand_model, *condition, *member,
      *number, *name, *loan, *start, *due, *deposit, *where, *hours, *conditions, *sign_member,
      *sign_desk, *sign_hint, *qr_caption;
};

static const struct words fr = {
    "Contrat de prêt d'appareil",
    "Prêt n°",
    "L'appareil",
    "Code",
    "Catégorie",
    "Marque et modèle",
    "État au départ",
    "Le membre",
    "Numéro de membre",
    "Nom",
    "Le prêt",
    "Début du prêt",
    "À rendre au plus tard le",
    "Caution",
    "Où rendre l'appareil",
    "Horaires",
    "Conditions du prêt",
    "Le membre",
    "Pour le repair café",
    "Date et signature",
    "La date de retour en ligne : scannez ce code",
};

static const struct words en = {
    "Device loan agreement",
    "Loan no.",
    "The device",
    "Code",
    "Category",
    "Brand and model",
    "Condition at checkout",
    "The member",
    "Member number",
    "Name",
    "The loan",
    "Start of the loan",
    "Due back by",
    "Deposit",
    "Where to bring it back",
    "Opening hours",
    "Loan conditions",
    "The member",
    "For the repair café",
    "Date and signature",
    "The due date online: scan this code",
};

static double width(struct doc *d, const char *s, double size, bool bold)
{
  cairo_text_extents_t e;
  cairo_set_font_face(d->m, bold ? d->bold : d->regular);
  cairo_set_font_size(d->m, size);
  cairo_text_extents(d->m, s, &e);
  return fmax(e.x_advance, e.x_bearing + e.width);
}

/* Ends an A4 page with its footer: the loan, the device and the page number. */
static void end_page(struct doc *d)
{
  if (d->cr == NULL)
    return;
  char s[200];
  snprintf(s, sizeof s, "%s · %d", d->footer, ++d->page);
  cairo_set_font_face(d->cr, d->regular);
  cairo_set_font_size(d->cr, d->size * 0.75);
  cairo_move_to(d->cr, d->x0, d->h - 10);
  cairo_show_text(d->cr, s);
  cairo_show_page(d->cr);
}

/* Room for h mm more on this page, or a new page (A4 only). */
static void need(struct doc *d, double h)
{
  if (d->roll || d->y + h <= d->bottom)
    return;
  end_page(d);
  d->y = d->top;
}

/* Draws s (sanitized, one line) at x on the next line, and moves down. */
static void put(struct doc *d, const char *s, double x, double size, bool bold)
{
  need(d, LINE * size);
  if (d->cr && *s) {
    cairo_set_font_face(d->cr, bold ? d->bold : d->regular);
    cairo_set_font_size(d->cr, size);
    cairo_move_to(d->cr, x, d->y + ASCENT * size);
    cairo_show_text(d->cr, s);
  }
  d->y += LINE * size;
}

/* Copies s[0..n) into d->line without trailing spaces. */
static const char *cut(struct doc *d, const char *s, size_t n)
{
  while (n > 0 && s[n - 1] == ' ')
    n--;
  memcpy(d->line, s, n);
  d->line[n] = '\0';
  return d->line;
}

static size_t next_char(const char *s, size_t i, size_t n)
{
  do
    i++;
  while (i < n && ((unsigned char)s[i] & 0xC0) == 0x80);
  return i;
}

/* Greedy word wrap of one paragraph p[0..n) into lines of max_w at x; a
 * word wider than a line is broken between characters. */
static void wrap(struct doc *d, const char *p, size_t n, double x, double max_w, double size,
                 bool bold)
{
  size_t start = 0;
  while (start < n) {
    while (start < n && p[start] == ' ')
      start++;
    if (start >= n)
      return;
    size_t fit = start;
    for (size_t end = start; end < n;) {
      size_t cand = end;
      while (cand < n && p[cand] == ' ')
        cand++;
      while (cand < n && p[cand] != ' ')
        cand++;
      if (width(d, cut(d, p + start, cand - start), size, bold) > max_w)
        break;
      fit = end = cand;
    }
    if (fit == start) {
      fit = next_char(p, start, n);
      for (size_t c = next_char(p, fit, n); fit < n && c <= n; c = next_char(p, c, n)) {
        if (width(d, cut(d, p + start, c - start), size, bold) > max_w)
          break;
        fit = c;
      }
    }
    put(d, cut(d, p + start, fit - start), x, size, bold);
    start = fit;
  }
}

/* Lays out text (any UTF-8, new lines kept) from x to the column's right
 * edge; a blank line between paragraphs leaves half a line. */
static void text(struct doc *d, const char *s, double x, double size, bool bold)
{
  size_t n = label_text_sanitize_max(d->text, d->cap, s, true, AGREEMENT_TEXT_MAX);
  for (size_t p = 0; p <= n;) {
    size_t len = strcspn(d->text + p, "\n");
    if (len == 0 && p < n)
      d->y += LINE * size / 2;
    else if (len > 0)
      wrap(d, d->text + p, len, x, d->x1 - x, size, bold);
    p += len + 1;
  }
}

static void heading(struct doc *d, const char *s)
{
  d->y += d->size * 0.8;
  need(d, LINE * d->size * 3.2); /* never a heading alone at the foot of a page */
  text(d, s, d->x0, d->size * 1.2, true);
  d->y += d->size * 0.2;
}

/* "Label   value": side by side on A4, the label above on the narrow roll. */
static void field(struct doc *d, const char *label, const char *value)
{
  if (value == NULL || *value == '\0')
    return;
  if (d->roll) {
    text(d, label, d->x0, d->size * 0.85, false);
    text(d, value, d->x0, d->size, true);
    return;
  }
  need(d, LINE * d->size);
  double y = d->y;
  text(d, label, d->x0, d->size, false);
  double below = d->y;
  d->y = y;
  text(d, value, d->x0 + 58, d->size, true);
  if (d->y >= y) /* else the value went on to a new page, below the label's */
    d->y = fmax(d->y, below);
}

/* The QR symbol with its quiet zone inside a side × side mm square at x, y. */
static void qr(struct doc *d, const QRcode *q, double x, double y, double side)
{
  int n = q->width;
  double module = floor(side * DOTS_PER_MM / (n + 8)) / DOTS_PER_MM;
  double x0 = x + (side - module * n) / 2, y0 = y + (side - module * n) / 2;
  if (d->cr == NULL)
    return;
  for (int r = 0; r < n; r++) {
    const unsigned char *row = q->data + (size_t)r * (size_t)n;
    for (int c = 0; c < n;) {
      if (!(row[c] & 1)) {
        c++;
        continue;
      }
      int c0 = c;
      while (c < n && (row[c] & 1))
        c++;
      cairo_rectangle(d->cr, x0 + c0 * module, y0 + r * module, (c - c0) * module, module);
    }
  }
  cairo_fill(d->cr);
}

static void rule(struct doc *d, double x0, double x1, double y)
{
  if (d->cr == NULL)
    return;
  cairo_set_line_width(d->cr, 0.3);
  cairo_move_to(d->cr, x0, y);
  cairo_line_to(d->cr, x1, y);
  cairo_stroke(d->cr);
}

/* Two boxes side by side, each a heading, a hint and a line to sign on. */
static void signatures(struct doc *d, const struct words *w)
{
  d->y += d->size * 2;
  need(d, 42);
  double y = d->y, mid = (d->x0 + d->x1) / 2;
  const char *who[2] = {w->sign_member, w->sign_desk};
  for (int i = 0; i < 2; i++) {
    double x = i == 0 ? d->x0 : mid + 5;
    d->y = y;
    text(d, who[i], x, d->size, true);
    text(d, w->sign_hint, x, d->size * 0.85, false);
    rule(d, x, i == 0 ? mid - 5 : d->x1, y + 34);
  }
  d->y = y + 38;
}

static void body(struct doc *d, const struct agreement *a, const struct words *w)
{
  heading(d, w->device);
  field(d, w->code, a->device_code);
  field(d, w->category, a->category);
  field(d, w->brand_model, a->brand_model);
  field(d, w->condition, a->checkout_condition);
  heading(d, w->member);
  field(d, w->number, a->member_number);
  field(d, w->name, a->member_name);
  heading(d, w->loan);
  field(d, w->start, a->start_date);
  field(d, w->due, a->due_date);
  field(d, w->deposit, a->deposit);
  heading(d, w->where);
  text(d, a->site_name, d->x0, d->size, true);
  text(d, a->site_address, d->x0, d->size, false);
  if (a->site_hours && *a->site_hours) {
    d->y += d->size * 0.4;
    text(d, w->hours, d->x0, d->size, true);
    text(d, a->site_hours, d->x0, d->size, false);
  }
  if (a->conditions && *a->conditions) {
    heading(d, w->conditions);
    text(d, a->conditions, d->x0, d->size * (d->roll ? 0.9 : 0.95), false);
  }
}

static void number_line(char *out, size_t cap, const struct words *w, long long id)
{
  snprintf(out, cap, "%s %lld", w->loan_no, id);
}

/* A4: title and number on the left, the QR on the right, then the body
 * and the signatures. */
static void layout_a4(struct doc *d, const struct agreement *a, const struct words *w,
                      const QRcode *q)
{
  char no[64];
  number_line(no, sizeof no, w, a->loan_id);
  label_text_sanitize(d->line, d->cap, a->device_code, false);
  snprintf(d->footer, sizeof d->footer, "%s · %s", no, d->line);
  double side = 32, right = d->x1;
  qr(d, q, d->x1 - side, d->top, side);
  d->x1 = right - side - 6; /* the header stays clear of the QR */
  text(d, a->site_name, d->x0, d->size * 0.9, false);
  d->y += 2;
  text(d, w->title, d->x0, d->size * 2, true);
  text(d, no, d->x0, d->size * 1.1, false);
  d->x1 = right;
  double below = d->y;
  d->y = d->top + side + 1;
  text(d, w->qr_caption, d->x1 - side - 8, d->size * 0.6, false);
  d->y = fmax(d->y, below) + 2;
  rule(d, d->x0, d->x1, d->y);
  body(d, a, w);
  signatures(d, w);
}

/* Receipt: title, the facts, the conditions, then the QR and its caption. */
static void layout_roll(struct doc *d, const struct agreement *a, const struct words *w,
                        const QRcode *q)
{
  char no[64];
  number_line(no, sizeof no, w, a->loan_id);
  text(d, w->title, d->x0, d->size * 1.35, true);
  text(d, no, d->x0, d->size, false);
  body(d, a, w);
  d->y += d->size;
  text(d, w->qr_caption, d->x0, d->size * 0.9, false);
  d->y += 1;
  double side = 30;
  qr(d, q, (d->w - side) / 2, d->y, side);
  d->y += side;
}

static void layout(struct doc *d, enum agreement_format f, const struct agreement *a,
                   const QRcode *q)
{
  const struct words *w = a->lang == AGREEMENT_EN ? &en : &fr;
  d->y = d->top;
  d->x1 = d->w - d->x0;
  if (d->cr) {
    cairo_set_source_rgb(d->cr, 0, 0, 0);
    cairo_set_font_options(d->cr, d->options);
  }
  if (f == AGREEMENT_A4)
    layout_a4(d, a, w, q);
  else
    layout_roll(d, a, w, q);
}

static cairo_status_t write_cb(void *closure, const unsigned char *data, unsigned int length)
{
  struct rl_buf *b = closure;
  rl_buf_add_len(b, data, length);
  return rl_buf_status(b) < 0 ? CAIRO_STATUS_WRITE_ERROR : CAIRO_STATUS_SUCCESS;
}

static int doc_init(struct doc *d, enum agreement_format f)
{
  memset(d, 0, sizeof *d);
  d->regular =
      cairo_toy_font_face_create(FONT_FAMILY, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  d->bold =
      cairo_toy_font_face_create(FONT_FAMILY, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
  d->options = cairo_font_options_create();
  d->scratch = cairo_image_surface_create(CAIRO_FORMAT_A8, 1, 1);
  d->m = cairo_create(d->scratch);
  /* Sanitizing may turn each byte into three (U+FFFD). */
  d->cap = AGREEMENT_TEXT_MAX + 8;
  d->text = malloc(d->cap);
  d->line = malloc(d->cap);
  if (cairo_font_face_status(d->regular) || cairo_font_face_status(d->bold) ||
      cairo_font_options_status(d->options) || cairo_status(d->m) || !d->text || !d->line)
    return LABEL_ENOMEM;
  cairo_font_options_set_hint_metrics(d->options, CAIRO_HINT_METRICS_OFF);
  cairo_font_options_set_hint_style(d->options, CAIRO_HINT_STYLE_NONE);
  cairo_set_font_options(d->m, d->options);
  d->roll = f == AGREEMENT_RECEIPT;
  if (d->roll) {
    d->w = 62, d->x0 = 4, d->top = 4, d->size = 3.0;
  } else {
    d->w = 210, d->h = 297, d->x0 = 20, d->top = 18, d->bottom = 297 - 18, d->size = 3.5;
  }
  return 0;
}

static void doc_fini(struct doc *d)
{
  if (d->m)
    cairo_destroy(d->m);
  if (d->scratch)
    cairo_surface_destroy(d->scratch);
  if (d->options)
    cairo_font_options_destroy(d->options);
  if (d->regular)
    cairo_font_face_destroy(d->regular);
  if (d->bold)
    cairo_font_face_destroy(d->bold);
  free(d->text);
  free(d->line);
}

static int draw(struct rl_buf *out, struct doc *d, enum agreement_format f,
                const struct agreement *a, const QRcode *q)
{
  if (d->roll) {
    /* The roll is cut just after the content: measure it first. */
    layout(d, f, a, q);
    d->h = ceil(d->y + d->top);
  }
  d->surface =
      cairo_pdf_surface_create_for_stream(write_cb, out, d->w * PT_PER_MM, d->h * PT_PER_MM);
  cairo_pdf_surface_set_metadata(d->surface, CAIRO_PDF_METADATA_TITLE,
                                 a->lang == AGREEMENT_EN ? en.title : fr.title);
  cairo_pdf_surface_set_metadata(d->surface, CAIRO_PDF_METADATA_CREATOR, "Repair Ledger");
  d->cr = cairo_create(d->surface);
  cairo_scale(d->cr, PT_PER_MM, PT_PER_MM);
  layout(d, f, a, q);
  if (d->roll)
    cairo_show_page(d->cr);
  else
    end_page(d);
  cairo_status_t st = cairo_status(d->cr);
  cairo_destroy(d->cr);
  d->cr = NULL;
  cairo_surface_finish(d->surface);
  if (st == CAIRO_STATUS_SUCCESS)
    st = cairo_surface_status(d->surface);
  cairo_surface_destroy(d->surface);
  if (rl_buf_status(out) < 0 || st == CAIRO_STATUS_NO_MEMORY)
    return LABEL_ENOMEM;
  return st == CAIRO_STATUS_SUCCESS ? 0 : LABEL_ERENDER;
}

int agreement_render(unsigned char **out, size_t *out_len, enum agreement_format f,
                     const struct agreement *a)
{
  if (out == NULL || out_len == NULL)
    return LABEL_EINVALID;
  *out = NULL;
  *out_len = 0;
  if (a == NULL || a->qr == NULL || *a->qr == '\0' || (f != AGREEMENT_A4 && f != AGREEMENT_RECEIPT))
    return LABEL_EINVALID;
  int rc = label_text_check_payload(a->qr);
  if (rc < 0)
    return rc;
  QRcode *q = NULL;
  if ((rc = label_qr_encode(&q, a->qr)) < 0)
    return rc;
  struct doc d;
  struct rl_buf buf = {0};
  rc = doc_init(&d, f);
  if (rc == 0)
    rc = draw(&buf, &d, f, a, q);
  doc_fini(&d);
  QRcode_free(q);
  if (rc == 0)
    *out = (unsigned char *)rl_buf_take(&buf, out_len);
  rl_buf_free(&buf);
  if (rc == 0 && *out == NULL)
    rc = LABEL_ENOMEM;
  return rc;
}
