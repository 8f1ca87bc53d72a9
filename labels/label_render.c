/*
 * labels/label_render.c — label_render(): validates a request once (template
 * and format, counts, options), then hands it to the cairo or ZPL back end
 * and passes the finished buffer to the caller.
 */
#include <math.h>
#include <stdlib.h>

#include "label_internal.h"

static bool valid_dpmm(unsigned d) { return d == 6 || d == 8 || d == 12 || d == 24; }

/* Pages the request needs; PNG and SVG can hold one. */
static size_t pages_needed(const struct label_template *t, size_t n, unsigned skip)
{
  if (t->media != LABEL_MEDIA_SHEET)
    return n;
  size_t per = (size_t)t->cols * t->rows;
  return (skip + n + per - 1) / per;
}

static int check(const struct label_job *j)
{
  const struct label_template *t = j->t;

  if (!t || !j->items || j->n == 0 || j->n > LABEL_MAX_ITEMS)
    return LABEL_EINVALID;
  if ((unsigned)j->f > LABEL_FMT_ZPL || !label_template_supports(t, j->f))
    return LABEL_EINVALID;
  if (!isfinite(j->offset_x_mm) || !isfinite(j->offset_y_mm) ||
      fabs(j->offset_x_mm) > LABEL_OFFSET_MAX_MM || fabs(j->offset_y_mm) > LABEL_OFFSET_MAX_MM)
    return LABEL_EINVALID;
  if (t->media == LABEL_MEDIA_SHEET ? j->skip >= t->cols * t->rows : j->skip != 0)
    return LABEL_EINVALID;
  if (j->f == LABEL_FMT_ZPL && !valid_dpmm(j->zpl_dpmm))
    return LABEL_EINVALID;
  if ((j->f == LABEL_FMT_PNG || j->f == LABEL_FMT_SVG) && pages_needed(t, j->n, j->skip) > 1)
    return LABEL_EINVALID;
  for (size_t i = 0; i < j->n; i++) {
    if (j->items[i].n_lines > LABEL_MAX_LINES)
      return LABEL_EINVALID;
    int rc = label_text_check_payload(j->items[i].qr);
    if (rc < 0)
      return rc;
  }
  return 0;
}

int label_render(unsigned char **out, size_t *out_len, const struct label_template *t,
                 enum label_format f, const struct label_item *items, size_t n,
                 const struct label_options *opt)
{
  struct rl_buf buf = {0};
  int rc;

  if (!out || !out_len)
    return LABEL_EINVALID;
  *out = NULL;
  *out_len = 0;

  struct label_job job = {.t = t, .f = f, .items = items, .n = n, .zpl_dpmm = 8};
  if (opt) {
    job.skip = opt->skip;
    job.offset_x_mm = opt->offset_x_mm;
    job.offset_y_mm = opt->offset_y_mm;
    if (opt->zpl_dpmm)
      job.zpl_dpmm = opt->zpl_dpmm;
  }
  if ((rc = check(&job)) < 0)
    return rc;

  rc = f == LABEL_FMT_ZPL ? label_zpl_render(&buf, &job) : label_cairo_render(&buf, &job);
  if (rc == 0 && (rl_buf_status(&buf) < 0 || buf.len == 0))
    rc = LABEL_ENOMEM;
  if (rc < 0) {
    rl_buf_free(&buf);
    return rc;
  }
  *out = (unsigned char *)rl_buf_take(&buf, out_len);
  return 0;
}
