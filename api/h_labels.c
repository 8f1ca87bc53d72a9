/* Labels and receipts: device and part data from core/, drawing from
 * labels/. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/page.h"
#include "api/routes.h"
#include "core/device.h"
#include "core/error.h"
#include "core/hash.h"
#include "core/part.h"
#include "core/spec.h"
#include "labels/label.h"

#define BATCH_MAX 1000

/* Strings one label needs beside its item (the item points into these). */
struct label_text {
  char date[32], brand_model[2 * 400 + 2], qr[640], received[48];
  char hours[LABEL_MAX_LINES][LABEL_TEXT_MAX];
  char categories[LABEL_TEXT_MAX];
};

static const char *str(const json_t *o, const char *k)
{
  const char *s = json_string_value(json_object_get(o, k));
  return s ? s : "";
}

static void device_item(struct label_item *it, struct label_text *t, const json_t *d,
                        const char *public_url)
{
  memset(it, 0, sizeof *it);
  rl_date_fr(t->date, sizeof t->date, str(d, "received_at"));
  snprintf(t->received, sizeof t->received, "Reçu le %s", t->date);
  snprintf(t->brand_model, sizeof t->brand_model, "%s%s%s", str(d, "brand"),
           *str(d, "model") ? " " : "", str(d, "model"));
  snprintf(t->qr, sizeof t->qr, "%s/d/%s", public_url, str(d, "code"));
  it->title = str(d, "code");
  it->lines[0] = str(d, "category_fr");
  it->lines[1] = t->brand_model;
  it->lines[2] = t->received;
  it->lines[3] = str(d, "site_name");
  it->n_lines = 4;
  it->qr = t->qr;
}

/* A parts bin: the sku, the part's name, the French names of the
 * categories it fits (the first two a line each, the others together on
 * a third), and a QR to its public page. */
static void part_item(struct label_item *it, struct label_text *t, const json_t *p,
                      const char *public_url)
{
  memset(it, 0, sizeof *it);
  snprintf(t->qr, sizeof t->qr, "%s/p/%s", public_url, str(p, "sku"));
  it->title = str(p, "sku");
  it->lines[it->n_lines++] = str(p, "name");
  const json_t *cats = json_object_get(p, "categories_fr");
  size_t n = json_array_size(cats), i;
  for (i = 0; i < n && i < 2; i++)
    it->lines[it->n_lines++] = json_string_value(json_array_get(cats, i));
  if (i < n) {
    /* Whole names only, so that a long list is never cut inside a character. */
    size_t len = 0;
    for (; i < n; i++) {
      const char *name = json_string_value(json_array_get(cats, i));
      size_t need = strlen(name) + (len ? 2 : 0);
      if (len + need + 1 > sizeof t->categories) {
        if (len + sizeof "…" <= sizeof t->categories)
          memcpy(t->categories + len, "…", sizeof "…");
        break;
      }
      snprintf(t->categories + len, sizeof t->categories - len, "%s%s", len ? ", " : "", name);
      len += need;
    }
    it->lines[it->n_lines++] = t->categories;
  }
  it->qr = t->qr;
}

static void receipt_item(struct label_item *it, struct label_text *t, const json_t *d,
                         const char *public_url)
{
  memset(it, 0, sizeof *it);
  rl_date_fr(t->date, sizeof t->date, str(d, "received_at"));
  snprintf(t->received, sizeof t->received, "Déposé le %s", t->date);
  snprintf(t->brand_model, sizeof t->brand_model, "%s%s%s", str(d, "brand"),
           *str(d, "model") ? " " : "", str(d, "model"));
  snprintf(t->qr, sizeof t->qr, "%s/t/%s", public_url, str(d, "tracking_token"));
  it->title = str(d, "code");
  it->lines[it->n_lines++] = t->brand_model;
  it->lines[it->n_lines++] = t->received;
  it->lines[it->n_lines++] = str(d, "site_name");
  /* Opening hours are free text: one printed line per line of text. */
  const char *p = str(d, "opening_hours");
  for (size_t h = 0; *p && it->n_lines < LABEL_MAX_LINES && h < LABEL_MAX_LINES;) {
    size_t len = strcspn(p, "\n");
    if (len > 0) {
      snprintf(t->hours[h], sizeof t->hours[h], "%.*s", (int)len, p);
      it->lines[it->n_lines++] = t->hours[h++];
    }
    p += len + (p[len] == '\n');
  }
  it->caption = "Suivez votre réparation : scannez ce code";
  it->qr = t->qr;
}

/* Parses template and format names; replies 400 and returns -1 when bad. */
static int pick(struct _u_response *res, const char *tname, const char *fname,
                const struct label_template **t, enum label_format *f)
{
  *t = label_template_find(tname);
  if (*t == NULL) {
    rl_reply_bad_field(res, "template", "not_one_of",
                       "must be one of: 62x29, 62-receipt, 29x90, l7160");
    return -1;
  }
  if (label_format_parse(fname, f) != 0) {
    rl_reply_bad_field(res, "format", "not_one_of", "must be one of: pdf, png, svg, zpl");
    return -1;
  }
  if (!label_template_supports(*t, *f)) {
    char msg[128];
    snprintf(msg, sizeof msg, "the %s template cannot be printed as %s", tname, fname);
    rl_reply_bad_field(res, "format", "format_not_supported", msg);
    return -1;
  }
  return 0;
}

/* Hashes one string, then a separator, so "ab"+"c" and "a"+"bc" differ. */
static unsigned long long fnv(unsigned long long h, const char *s)
{
  return rl_fnv1a(h, s ? s : "", s ? strlen(s) : 0) ^ 0xff;
}

/* Renders and replies; the ETag covers what is printed, so a client can
 * cache a label until the device changes. */
static void render_reply(const struct rl_req *req, struct _u_response *res,
                         const struct label_template *t, enum label_format f,
                         const struct label_item *items, size_t n, const struct label_options *opt,
                         const char *base)
{
  unsigned long long h = fnv(RL_FNV_OFFSET, t->id);
  h = fnv(h, label_format_ext(f));
  char num[64];
  snprintf(num, sizeof num, "%u/%g/%g", opt->skip, opt->offset_x_mm, opt->offset_y_mm);
  h = fnv(h, num);
  for (size_t i = 0; i < n; i++) {
    h = fnv(h, items[i].title);
    for (size_t k = 0; k < items[i].n_lines; k++)
      h = fnv(h, items[i].lines[k]);
    h = fnv(fnv(h, items[i].caption), items[i].qr);
  }
  char etag[24];
  snprintf(etag, sizeof etag, "\"%016llx\"", h);
  const char *inm = rl_header(req, "If-None-Match");
  if (inm && strstr(inm, etag) && strcmp(req->u->http_verb, "GET") == 0) {
    ulfius_set_empty_body_response(res, 304);
    u_map_put(res->map_header, "ETag", etag);
    return;
  }
  unsigned char *bytes = NULL;
  size_t len = 0;
  int rc = label_render(&bytes, &len, t, f, items, n, opt);
  if (rc != LABEL_OK) {
    if (rc == LABEL_ENOMEM)
      rl_reply_error(res, RL_ENOMEM, NULL);
    else
      rl_reply_error(res, RL_EINVALID, label_strerror(rc));
    free(bytes);
    return;
  }
  rl_reply_bytes(res, 200, label_format_mime(f), bytes, len);
  free(bytes);
  char disp[160];
  snprintf(disp, sizeof disp, "inline; filename=\"%s.%s\"", base, label_format_ext(f));
  u_map_put(res->map_header, "Content-Disposition", disp);
  u_map_put(res->map_header, "ETag", etag);
  u_map_put(res->map_header, "Cache-Control", "private, no-cache");
}

/* Unknown codes or skus: 422 listing them in unknown_codes and
 * unknown_skus (each taken). */
static void reply_unknown(struct _u_response *res, json_t *codes, json_t *skus)
{
  rl_reply_error(res, RL_EUNPROCESSABLE,
                 codes && skus ? "some codes are of no device and some skus of no part; see "
                                 "unknown_codes and unknown_skus"
                 : codes       ? "some codes are of no device; see unknown_codes"
                               : "some skus are of no part; see unknown_skus");
  if (codes)
    rl_reply_add_member(res, "unknown_codes", codes);
  if (skus)
    rl_reply_add_member(res, "unknown_skus", skus);
}

/* The label data of the devices and the parts of a batch (either list may
 * be empty). Replies and returns -1 when any is malformed (400 naming
 * every one) or unknown (422 listing them). */
static int fetch(struct _u_response *res, json_t **devices, json_t **parts,
                 const char *const *codes, size_t nc, const char *const *skus, size_t ns)
{
  json_t *errors = NULL, *part_errors = NULL, *unknown_codes = NULL, *unknown_skus = NULL;
  *devices = *parts = NULL;
  int rc = nc ? device_label_data(devices, &errors, &unknown_codes, codes, nc) : RL_OK;
  int prc = ns ? part_label_data(parts, &part_errors, &unknown_skus, skus, ns) : RL_OK;
  if (rc == RL_OK && prc == RL_OK)
    return 0;
  if (errors || part_errors) {
    if (errors == NULL)
      errors = json_array();
    json_array_extend(errors, part_errors);
    rl_reply_invalid(res, errors);
    json_decref(unknown_codes);
    json_decref(unknown_skus);
  } else if ((unknown_codes || unknown_skus) && (rc == RL_OK || rc == RL_EUNPROCESSABLE) &&
             (prc == RL_OK || prc == RL_EUNPROCESSABLE)) {
    reply_unknown(res, unknown_codes, unknown_skus);
  } else {
    json_decref(unknown_codes);
    json_decref(unknown_skus);
    rl_reply_error(res, rc != RL_OK && rc != RL_EUNPROCESSABLE ? rc : prc, NULL);
  }
  json_decref(part_errors);
  json_decref(*devices);
  json_decref(*parts);
  *devices = *parts = NULL;
  return -1;
}

/* GET …/label and …/receipt: which template, in which format. */
static const struct rl_field label_query[] = {
    {.name = "template", .type = RL_T_STRING, .min = 1, .max = 32},
    {.name = "format", .type = RL_T_STRING, .min = 1, .max = 16},
    {0},
};

/* The template and format asked for (NULL when not), copied into q so
 * that the query can go. Replies 400 and returns -1 when the query is bad. */
struct label_names {
  char tbuf[32 * 4 + 1], fbuf[16 * 4 + 1];
  const char *tname, *fname;
};

static int read_names(struct rl_req *req, struct _u_response *res, struct label_names *q)
{
  json_t *query;
  if (rl_check_query(req, res, label_query, &query) != 0)
    return -1;
  q->tname = rl_spec_str(query, "template");
  q->fname = rl_spec_str(query, "format");
  if (q->tname)
    snprintf(q->tbuf, sizeof q->tbuf, "%s", q->tname), q->tname = q->tbuf;
  if (q->fname)
    snprintf(q->fbuf, sizeof q->fbuf, "%s", q->fname), q->fname = q->fbuf;
  json_decref(query);
  return 0;
}

static void single(struct rl_req *req, struct _u_response *res, int receipt)
{
  struct label_names names;
  if (read_names(req, res, &names) != 0)
    return;
  const char *tname = names.tname, *fname = names.fname;
  if (receipt && tname && strcmp(tname, "62-receipt") != 0) {
    rl_reply_bad_field(res, "template", "not_one_of", "a receipt prints on 62-receipt");
    return;
  }
  const struct label_template *t;
  enum label_format f;
  if (pick(res,
           receipt ? "62-receipt"
           : tname ? tname
                   : "62x29",
           fname ? fname : "pdf", &t, &f) != 0)
    return;
  if (receipt && f != LABEL_FMT_PDF && f != LABEL_FMT_PNG) {
    rl_reply_bad_field(res, "format", "format_not_supported", "a receipt prints as pdf or png");
    return;
  }
  const char *code = rl_path(req, "code");
  json_t *items;
  json_t *errors, *unknown;
  int rc = device_label_data(&items, &errors, &unknown, &code, 1);
  if (rc != RL_OK) {
    json_decref(unknown);
    if (errors) {
      /* One code, from the path: name it as the path does. */
      json_object_set_new(json_array_get(errors, 0), "field", json_string("code"));
      rl_reply_invalid(res, errors);
    } else {
      rl_reply_error(res, rc == RL_EUNPROCESSABLE ? RL_ENOTFOUND : rc,
                     rc == RL_EUNPROCESSABLE ? "no device has this code" : NULL);
    }
    return;
  }
  const json_t *d = json_array_get(items, 0);
  if (receipt && strcmp(str(d, "kind"), "repair") != 0) {
    json_decref(items);
    rl_reply_error(res, RL_ECONFLICT, "only a repair-kind device has a receipt");
    return;
  }
  struct label_item item;
  struct label_text text;
  if (receipt)
    receipt_item(&item, &text, d, req->cfg->public_url);
  else
    device_item(&item, &text, d, req->cfg->public_url);
  struct label_options opt = {0, 0, 0, 0};
  char base[96];
  snprintf(base, sizeof base, "%s-%s", str(d, "code"), receipt ? "receipt" : t->id);
  render_reply(req, res, t, f, &item, 1, &opt, base);
  json_decref(items);
}

void h_device_label(struct rl_req *req, struct _u_response *res) { single(req, res, 0); }

void h_device_receipt(struct rl_req *req, struct _u_response *res) { single(req, res, 1); }

void h_part_label(struct rl_req *req, struct _u_response *res)
{
  struct label_names names;
  if (read_names(req, res, &names) != 0)
    return;
  const struct label_template *t;
  enum label_format f;
  if (pick(res, names.tname ? names.tname : "62x29", names.fname ? names.fname : "pdf", &t, &f) !=
      0)
    return;
  const char *sku = rl_path(req, "sku");
  json_t *items, *errors, *unknown;
  int rc = part_label_data(&items, &errors, &unknown, &sku, 1);
  if (rc != RL_OK) {
    json_decref(unknown);
    if (errors) {
      /* One sku, from the path: name it as the path does. */
      json_object_set_new(json_array_get(errors, 0), "field", json_string("sku"));
      rl_reply_invalid(res, errors);
    } else {
      rl_reply_error(res, rc == RL_EUNPROCESSABLE ? RL_ENOTFOUND : rc,
                     rc == RL_EUNPROCESSABLE ? "no part has this sku" : NULL);
    }
    return;
  }
  const json_t *p = json_array_get(items, 0);
  struct label_item item;
  struct label_text text = {0};
  part_item(&item, &text, p, req->cfg->public_url);
  struct label_options opt = {0, 0, 0, 0};
  char base[96];
  snprintf(base, sizeof base, "%s-%s", str(p, "sku"), t->id);
  render_reply(req, res, t, f, &item, 1, &opt, base);
  json_decref(items);
}

static const char *const batch_formats[] = {"pdf", "svg", "zpl", NULL};
static const struct rl_field offset_spec[] = {
    {.name = "x", .type = RL_T_NUMBER, .min = -10, .max = 10},
    {.name = "y", .type = RL_T_NUMBER, .min = -10, .max = 10},
    {0},
};
static const struct rl_field batch_spec[] = {
    {.name = "codes", .type = RL_T_STRINGS, .min = 1, .max = BATCH_MAX, .item_max = 32},
    {.name = "skus", .type = RL_T_STRINGS, .min = 1, .max = BATCH_MAX, .item_max = PART_SKU_MAX},
    {.name = "template", .type = RL_T_STRING, .min = 1, .max = 32},
    {.name = "format", .type = RL_T_ENUM, .values = batch_formats},
    {.name = "skip", .type = RL_T_INT, .min = 0, .max = 1000},
    {.name = "offset_mm", .type = RL_T_OBJECT, .sub = offset_spec},
    {0},
};

void h_labels_batch(struct rl_req *req, struct _u_response *res)
{
  if (rl_check_body(req, res, batch_spec, 0) != 0)
    return;
  const char *tname = json_string_value(json_object_get(req->body, "template"));
  const char *fname = json_string_value(json_object_get(req->body, "format"));
  const struct label_template *t;
  enum label_format f;
  if (pick(res, tname ? tname : "l7160", fname ? fname : "pdf", &t, &f) != 0)
    return;
  struct label_options opt = {0, 0, 0, 0};
  opt.skip = (unsigned)json_integer_value(json_object_get(req->body, "skip"));
  if (opt.skip > 0 && opt.skip >= t->cols * t->rows) {
    rl_reply_bad_field(res, "skip", "out_of_range",
                       t->cols * t->rows > 1 ? "must leave at least one position of the sheet"
                                             : "applies to sheets only");
    return;
  }
  const json_t *off = json_object_get(req->body, "offset_mm");
  opt.offset_x_mm = json_number_value(json_object_get(off, "x"));
  opt.offset_y_mm = json_number_value(json_object_get(off, "y"));

  /* Devices first, then parts, each in the order given. */
  const json_t *codes_json = json_object_get(req->body, "codes");
  const json_t *skus_json = json_object_get(req->body, "skus");
  size_t nc = json_array_size(codes_json), ns = json_array_size(skus_json), n = nc + ns;
  if (n == 0) {
    rl_reply_bad_field(res, "codes", "required", "is required, unless skus is given");
    return;
  }
  if (n > BATCH_MAX) {
    rl_reply_bad_field(res, "skus", "item_count",
                       "codes and skus together must hold at most 1000 labels");
    return;
  }
  const char **names = calloc(n, sizeof *names);
  struct label_item *items = calloc(n, sizeof *items);
  struct label_text *texts = calloc(n, sizeof *texts);
  json_t *devices = NULL, *parts = NULL;
  if (names == NULL || items == NULL || texts == NULL) {
    rl_reply_error(res, RL_ENOMEM, NULL);
    goto out;
  }
  for (size_t i = 0; i < nc; i++)
    names[i] = json_string_value(json_array_get(codes_json, i));
  for (size_t i = 0; i < ns; i++)
    names[nc + i] = json_string_value(json_array_get(skus_json, i));
  if (fetch(res, &devices, &parts, names, nc, names + nc, ns) != 0)
    goto out;
  for (size_t i = 0; i < nc; i++)
    device_item(&items[i], &texts[i], json_array_get(devices, i), req->cfg->public_url);
  for (size_t i = 0; i < ns; i++)
    part_item(&items[nc + i], &texts[nc + i], json_array_get(parts, i), req->cfg->public_url);
  char base[64];
  snprintf(base, sizeof base, "labels-%s", t->id);
  render_reply(req, res, t, f, items, n, &opt, base);
out:
  json_decref(devices);
  json_decref(parts);
  free(names);
  free(items);
  free(texts);
}
