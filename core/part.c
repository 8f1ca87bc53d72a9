/* Parts catalogue rules on top of store_part. */
#include "core/part.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/category.h"
#include "core/error.h"
#include "core/spec.h"
#include "core/store/pool.h"
#include "core/store/store_part.h"

#define QUANTITY_MAX 1000000.0
#define SITES_MAX 200 /* thresholds in one site_low_stock */
#define SKU_RULE                                                                                   \
  "must be 1 to 40 letters, digits, '-', '_' or '.', starting with a letter or digit"

/* Every field error of this file goes through here; `code` is the stable
 * machine code of the error, for when field errors carry one. */
static void bad(json_t *errs, const char *field, const char *code, const char *message)
{
  (void)code;
  rl_spec_error(errs, field, message);
}

/* Hands errs over as *errors when it holds any; else frees it. */
static int errors_out(json_t *errs, json_t **errors)
{
  if (json_array_size(errs) == 0) {
    json_decref(errs);
    return RL_OK;
  }
  *errors = errs;
  return RL_EINVALID;
}

int part_sku_ok(const char *sku)
{
  size_t n = sku ? strlen(sku) : 0;
  if (n < 1 || n > PART_SKU_MAX || !isalnum((unsigned char)sku[0]))
    return 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)sku[i];
    if (!(c < 0x80 && (isalnum(c) || c == '-' || c == '_' || c == '.')))
      return 0;
  }
  return 1;
}

/* s in upper case (ASCII, as upper() has a sku), cut to cap - 1 bytes. */
static void upper_copy(char *out, size_t cap, const char *s)
{
  size_t k = 0;
  for (; s[k] && k + 1 < cap; k++)
    out[k] = (char)toupper((unsigned char)s[k]);
  out[k] = '\0';
}

static const char *str(const json_t *obj, const char *name)
{
  return json_string_value(json_object_get(obj, name));
}

/* A quantity of this unit (a threshold): a number from 0 to QUANTITY_MAX
 * with at most three decimals (numeric(12,3)), whole for pieces. */
static void check_quantity(json_t *errs, const char *field, const json_t *v, const char *unit)
{
  if (v == NULL)
    return;
  double x = json_number_value(v);
  if (!json_is_number(v) || !isfinite(x) || x < 0 || x > QUANTITY_MAX)
    bad(errs, field, "bad_quantity", "must be a number from 0 to 1000000");
  else if (strcmp(unit, "piece") == 0 && x != floor(x))
    bad(errs, field, "fractional_piece", "must be a whole number for a part counted in pieces");
  else if (fabs(x * 1000 - nearbyint(x * 1000)) > 1e-6)
    bad(errs, field, "too_precise", "must have at most three decimals");
}

static int check_categories(json_t *errs, const json_t *cats)
{
  size_t i;
  const json_t *c;
  json_array_foreach(cats, i, c) {
    char field[40];
    snprintf(field, sizeof field, "categories[%zu]", i);
    const char *json, *etag;
    size_t len;
    int rc = category_get(&json, &len, &etag, json_string_value(c));
    if (rc == RL_ENOTFOUND)
      bad(errs, field, "unknown_category", "is not a known category slug");
    else if (rc != RL_OK)
      return rc;
    for (size_t k = 0; k < i; k++)
      if (json_equal(json_array_get(cats, k), c)) {
        bad(errs, field, "duplicate_category", "is listed twice");
        break;
      }
  }
  return RL_OK;
}

/* Checks site_low_stock as sent: an object of known site slugs to
 * thresholds; in an update, null (as a whole, or for a site) removes. */
static int check_thresholds(json_t *errs, const json_t *v, const char *unit, int update)
{
  if (v == NULL || (json_is_null(v) && update))
    return RL_OK;
  if (!json_is_object(v)) {
    bad(errs, "site_low_stock", "bad_thresholds",
        "must be an object of site slug to low-stock threshold");
    return RL_OK;
  }
  if (json_object_size(v) > SITES_MAX) {
    bad(errs, "site_low_stock", "too_many_sites", "must hold at most 200 sites");
    return RL_OK;
  }
  const char **slugs = calloc(json_object_size(v) + 1, sizeof *slugs);
  if (slugs == NULL)
    return RL_ENOMEM;
  size_t n = 0;
  const char *slug;
  json_t *q;
  json_object_foreach((json_t *)v, slug, q) {
    char field[128];
    snprintf(field, sizeof field, "site_low_stock.%.100s", slug);
    slugs[n++] = slug;
    if (json_is_null(q) && !update)
      bad(errs, field, "bad_quantity", "must not be null");
    else if (!json_is_null(q))
      check_quantity(errs, field, q, unit);
  }
  json_t *unknown = NULL;
  int rc = n ? store_part_unknown_sites(&unknown, slugs, n) : RL_OK;
  free(slugs);
  size_t i;
  json_t *u;
  json_array_foreach(unknown, i, u) {
    char field[128];
    snprintf(field, sizeof field, "site_low_stock.%.100s", json_string_value(u));
    bad(errs, field, "unknown_site", "is not a known site slug");
  }
  json_decref(unknown);
  return rc;
}

/* Text forms of a part's editable fields, kept with the strings they
 * point into (caller calls fields_free). */
struct field_text {
  char low_stock[32];
  char *categories, *thresholds;
  struct store_part_fields f;
};

/* p: the part's fields; thresholds: what store_part_fields.thresholds
 * says (NULL: no change). */
static int fields_from_json(struct field_text *t, const json_t *p, const json_t *thresholds)
{
  memset(t, 0, sizeof *t);
  const json_t *cats = json_object_get(p, "categories");
  t->categories = json_is_array(cats) ? json_dumps(cats, JSON_COMPACT) : strdup("[]");
  t->thresholds = thresholds ? json_dumps(thresholds, JSON_COMPACT | JSON_REAL_PRECISION(15))
                             : strdup("{}");
  snprintf(t->low_stock, sizeof t->low_stock, "%.3f",
           json_number_value(json_object_get(p, "low_stock")));
  t->f.name = str(p, "name");
  t->f.description = str(p, "description");
  t->f.categories = t->categories;
  t->f.low_stock = t->low_stock;
  t->f.thresholds = t->thresholds;
  const json_t *active = json_object_get(p, "active");
  t->f.active = active == NULL || json_is_true(active);
  return t->categories && t->thresholds ? RL_OK : RL_ENOMEM;
}

static void fields_free(struct field_text *t)
{
  free(t->categories);
  free(t->thresholds);
}

/* The rules of a create body or a patch for a part counted in `unit`. */
static int check_rules(json_t *errs, const json_t *body, const char *unit, int update)
{
  int rc = check_categories(errs, json_object_get(body, "categories"));
  if (rc != RL_OK)
    return rc;
  check_quantity(errs, "low_stock", json_object_get(body, "low_stock"), unit);
  return check_thresholds(errs, json_object_get(body, "site_low_stock"), unit, update);
}

int part_create(json_t **out, int *version, json_t **errors, const json_t *body)
{
  *errors = NULL;
  const char *unit = str(body, "unit") ? str(body, "unit") : "piece";
  const char *sku = str(body, "sku");
  json_t *errs = json_array();
  if (errs == NULL)
    return RL_ENOMEM;
  if (!part_sku_ok(sku))
    bad(errs, "sku", "bad_sku", SKU_RULE);
  int rc = check_rules(errs, body, unit, 0);
  if (rc == RL_OK)
    rc = errors_out(errs, errors);
  else
    json_decref(errs);
  struct field_text t = {0};
  if (rc == RL_OK)
    rc = fields_from_json(&t, body, json_object_get(body, "site_low_stock"));
  struct store_part_ref ref;
  if (rc == RL_OK)
    rc = store_part_insert(out, &ref, sku, unit, &t.f);
  fields_free(&t);
  if (rc == RL_OK)
    *version = ref.version;
  return rc;
}

static int sku_or_error(const char *sku, json_t **errors)
{
  if (part_sku_ok(sku))
    return RL_OK;
  json_t *errs = json_array();
  bad(errs, "sku", "bad_sku", SKU_RULE);
  return errors_out(errs, errors);
}

int part_get(json_t **out, int *version, json_t **errors, const char *sku)
{
  *errors = NULL;
  int rc = sku_or_error(sku, errors);
  if (rc != RL_OK)
    return rc;
  struct store_part_ref ref;
  rc = store_part_get(out, &ref, sku, 0);
  if (rc == RL_OK)
    *version = ref.version;
  return rc;
}

/* What a patch works on, inside its transaction; results reset on each run. */
struct part_change {
  const char *sku;
  const json_t *patch;
  int if_match;
  json_t *out, *errors;
  int version;
};

static int patch_tx(void *ctx)
{
  struct part_change *c = ctx;
  json_decref(c->out);
  json_decref(c->errors);
  c->out = c->errors = NULL;
  json_t *cur;
  struct store_part_ref ref;
  int rc = store_part_get(&cur, &ref, c->sku, 1);
  if (rc != RL_OK)
    return rc;
  struct field_text t = {0};
  json_t *errs = NULL;
  if (c->if_match >= 0 && c->if_match != ref.version) {
    rc = RL_EPRECONDITION;
    goto out;
  }
  errs = json_array();
  rc = errs ? check_rules(errs, c->patch, ref.unit, 1) : RL_ENOMEM;
  if (rc != RL_OK)
    goto out;
  rc = errors_out(errs, &c->errors);
  errs = NULL;
  if (rc != RL_OK)
    goto out;
  /* The patch on the locked row's fields: null removes (description,
   * categories), the rest replaces. Thresholds are changed by the update
   * statement itself, on the set the part has then. */
  const char *key;
  json_t *v;
  json_object_foreach((json_t *)c->patch, key, v) {
    if (strcmp(key, "site_low_stock") == 0)
      continue;
    if (json_is_null(v))
      json_object_set_new(cur, key, strcmp(key, "categories") == 0 ? json_array() : json_null());
    else
      json_object_set(cur, key, v);
  }
  const json_t *changes = json_object_get(c->patch, "site_low_stock");
  rc = fields_from_json(&t, cur, json_is_object(changes) ? changes : NULL);
  if (rc != RL_OK)
    goto out;
  t.f.clear_thresholds = json_is_null(changes);
  store_tx_commit_next();
  rc = store_part_update(&c->out, &ref, &t.f);
  if (rc == RL_OK)
    c->version = ref.version;
out:
  fields_free(&t);
  json_decref(errs);
  json_decref(cur);
  return rc;
}

int part_patch(json_t **out, int *version, json_t **errors, const char *sku,
               const json_t *patch, int if_match)
{
  *errors = NULL;
  if (json_object_size(patch) == 0) {
    /* Nothing to change: the part as it is, if it is still at if_match. */
    int rc = part_get(out, version, errors, sku);
    if (rc == RL_OK && if_match >= 0 && if_match != *version) {
      json_decref(*out);
      return RL_EPRECONDITION;
    }
    return rc;
  }
  int rc = sku_or_error(sku, errors);
  if (rc != RL_OK)
    return rc;
  struct part_change c = {.sku = sku, .patch = patch, .if_match = if_match};
  rc = store_tx_run(STORE_READ_COMMITTED, patch_tx, &c);
  if (rc == RL_OK) {
    *out = c.out;
    *version = c.version;
  } else {
    json_decref(c.out);
  }
  *errors = c.errors;
  return rc;
}

int part_list(json_t **out, char *next_cursor, json_t **errors, const struct part_query *q)
{
  *errors = NULL;
  next_cursor[0] = '\0';
  json_t *errs = json_array();
  if (q->q && (rl_utf8_len(q->q) < 1 || rl_utf8_len(q->q) > 100))
    bad(errs, "q", "bad_query", "must be 1 to 100 characters long");
  if (q->category) {
    const char *json, *etag;
    size_t len;
    int rc = category_get(&json, &len, &etag, q->category);
    if (rc == RL_ENOTFOUND)
      bad(errs, "category", "unknown_category", "is not a known category slug");
    else if (rc != RL_OK) {
      json_decref(errs);
      return rc;
    }
  }
  if (q->in_stock_at && (strlen(q->in_stock_at) < 1 || strlen(q->in_stock_at) > 64))
    bad(errs, "in_stock_at", "bad_site", "is not a site slug");
  if (q->active && strcmp(q->active, "true") != 0 && strcmp(q->active, "false") != 0)
    bad(errs, "active", "bad_boolean", "must be true or false");
  char after[PART_SKU_MAX + 1] = "";
  if (q->cursor && !part_sku_ok(q->cursor))
    bad(errs, "cursor", "bad_cursor", "is not a cursor this service issued");
  else if (q->cursor)
    upper_copy(after, sizeof after, q->cursor);
  int rc = errors_out(errs, errors);
  if (rc != RL_OK)
    return rc;

  struct store_part_filter f = {NULL, q->category, q->in_stock_at, q->active};
  /* 100 characters of up to 4 bytes, each possibly escaped, and two %. */
  char like[100 * 4 * 2 + 3];
  if (q->q) {
    /* A substring match: LIKE's own metacharacters are taken literally. */
    size_t n = 0;
    like[n++] = '%';
    for (const char *p = q->q; *p && n < sizeof like - 3; p++) {
      if (*p == '%' || *p == '_' || *p == '\\')
        like[n++] = '\\';
      like[n++] = *p;
    }
    like[n++] = '%';
    like[n] = '\0';
    f.q_like = like;
  }
  return store_part_list(out, next_cursor, &f, q->cursor ? after : NULL, q->limit);
}

int part_label_data(json_t **out, json_t **errors, json_t **unknown, const char *const *skus,
                    size_t n)
{
  *errors = NULL;
  *unknown = NULL;
  json_t *errs = json_array();
  for (size_t i = 0; i < n; i++) {
    char field[32];
    snprintf(field, sizeof field, "skus[%zu]", i);
    if (!part_sku_ok(skus[i]))
      bad(errs, field, "bad_sku", SKU_RULE);
  }
  int rc = errors_out(errs, errors);
  json_t *found = NULL;
  if (rc == RL_OK)
    rc = store_part_label_data(&found, skus, n);
  if (rc != RL_OK)
    return rc;
  /* In the order asked, matched without regard to case. */
  json_t *by_sku = json_object(), *items = json_array(), *missing = json_array();
  size_t i;
  json_t *row;
  char key[PART_SKU_MAX + 1];
  json_array_foreach(found, i, row) {
    upper_copy(key, sizeof key, str(row, "sku"));
    json_object_set(by_sku, key, row);
  }
  for (i = 0; i < n; i++) {
    upper_copy(key, sizeof key, skus[i]);
    json_t *hit = json_object_get(by_sku, key);
    if (hit)
      json_array_append(items, hit);
    else
      json_array_append_new(missing, json_string(skus[i]));
  }
  json_decref(by_sku);
  json_decref(found);
  if (json_array_size(missing) > 0) {
    json_decref(items);
    *unknown = missing;
    return RL_EUNPROCESSABLE;
  }
  json_decref(missing);
  *out = items;
  return RL_OK;
}

int part_public(json_t **out, const char *sku)
{
  if (!part_sku_ok(sku))
    return RL_ENOTFOUND;
  return store_part_public(out, sku);
}
