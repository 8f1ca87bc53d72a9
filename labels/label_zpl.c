/*
 * labels/label_zpl.c — Zebra ZPL II output: one ^XA…^XZ block per label,
 * UTF-8 text (^CI28) in the scalable font 0, and the printer's own QR
 * (^BQN,2,<magnification>, data "QA," = ECC Q, automatic mode) placed
 * where the shared layout put ours, modules a whole number of dots.
 *
 * Zebra fonts cannot be measured from here, so the layout gets a
 * conservative per-character width estimate for font 0 (CG Triumvirate Bold
 * Condensed): text is shortened with "…" a little early rather than clipped.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "label_internal.h"

/* Width estimate in ems for font 0: generous for wide glyphs, never too small. */
static double zpl_width(void *ctx, const char *s, double size, bool bold)
{
  (void)ctx;
  (void)bold; /* font 0 has a single (bold) weight */
  double em = 0.0;
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    unsigned char c = *p;
    if ((c & 0xC0) == 0x80)
      continue; /* counted with its lead byte */
    if (c >= 0x80)
      em += 0.65;
    else if (strchr(" il.,:;!|'`()[]/", c))
      em += 0.32;
    else if (strchr("MWmw@%", c))
      em += 0.85;
    else if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
      em += 0.64;
    else
      em += 0.54;
  }
  return em * size;
}

static long dot(double v)
{
  long d = lround(v);
  return d < 0 ? 0 : d; /* ZPL positions cannot be negative */
}

/* Appends "^FD<prefix><s>^FS", switching to ^FH hex escapes if s holds ^ or ~. */
static void field(struct rl_buf *b, const char *prefix, const char *s)
{
  if (!strpbrk(s, "^~")) {
    rl_buf_printf(b, "^FD%s%s^FS\n", prefix, s);
    return;
  }
  rl_buf_printf(b, "^FH_^FD%s", prefix);
  for (; *s; s++) {
    if (*s == '^' || *s == '~' || *s == '_')
      rl_buf_printf(b, "_%02X", (unsigned)(unsigned char)*s);
    else
      rl_buf_add_len(b, s, 1);
  }
  rl_buf_add(b, "^FS\n");
}

static bool ascii(const char *s)
{
  for (; *s; s++)
    if ((unsigned char)*s >= 0x80)
      return false;
  return true;
}

static void emit_label(struct rl_buf *b, const struct label_job *job, const struct label_layout *L)
{
  const double dx = job->offset_x_mm * L->dpmm, dy = job->offset_y_mm * L->dpmm;

  rl_buf_add(b, "^XA\n^CI28\n");
  rl_buf_add(b, job->t->media == LABEL_MEDIA_CONTINUOUS ? "^MNN\n" : "^MNY\n");
  rl_buf_printf(b, "^PW%ld\n^LL%ld\n^LH0,0\n", dot(L->w), dot(L->h));
  if (L->qr) {
    unsigned mag = L->qr_module > 10 ? 10 : L->qr_module;
    rl_buf_printf(b, "^FO%ld,%ld^BQN,2,%u\n", dot(L->qr_x + dx), dot(L->qr_y + dy), mag);
    if (ascii(L->qr_payload)) {
      field(b, "QA,", L->qr_payload);
    } else {           /* automatic mode refuses bytes 0x80–0x9F, 0xE0–0xFF: byte mode */
      char prefix[32]; /* payloads are at most LABEL_QR_MAX bytes: 4 digits */
      snprintf(prefix, sizeof prefix, "QM,B%04u", (unsigned)strlen(L->qr_payload));
      field(b, prefix, L->qr_payload);
    }
  }
  for (size_t i = 0; i < L->n_text; i++) {
    const struct label_text_op *op = &L->text[i];
    long h = dot(op->size);
    rl_buf_printf(b, "^FT%ld,%ld^A0N,%ld,%ld", dot(op->x + dx), dot(op->y + dy), h, h);
    field(b, "", op->s);
  }
  rl_buf_add(b, "^XZ\n");
}

int label_zpl_render(struct rl_buf *out, const struct label_job *job)
{
  const struct label_measure m = {zpl_width, NULL};
  struct label_layout *L = calloc(1, sizeof *L);
  int rc = 0;

  if (!L)
    return LABEL_ENOMEM;
  for (size_t i = 0; i < job->n && rc == 0; i++) {
    rc = label_layout_item(L, job->t, &job->items[i], job->zpl_dpmm, &m);
    if (rc == 0) {
      emit_label(out, job, L);
      label_layout_release(L);
    }
  }
  free(L);
  if (rc == 0 && rl_buf_status(out) < 0)
    rc = LABEL_ENOMEM;
  return rc;
}
