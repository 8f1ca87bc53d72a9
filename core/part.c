/* Parts catalogue rules on top of store_part. */
#include "core/part.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/category.h"
#include "core/error.h"
#include "core/fields.h"
#include "core/site.h"
#include "core/spec.h"
#include "core/store/pool.h"
#include "core/store/store_part.h"

#define QUANTITY_MAX 1000000.0
#define SITES_MAX 200 /* thresholds in one site_low_stock */
#define SKU_RULE "must be 1 to 40 letters, digits, '-', '_' or '.', starting with a letter or digit"

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

const struct rl_format part_format_sku = {"not_a_sku", SKU_RULE, part_sku_ok};

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

static void threshold_field(char *out, size_t cap, const char *slug)
{
  snprintf(out, cap, "site_low_stock.%.100s", slug);
}

/* The shape of site_low_stock, which a field list cannot give since its
 * members are site slugs: an object of at most SITES_MAX numbers from 0 to
 * QUANTITY_MAX; in an update, null (as a whole, or for a site) removes. */
static void check_threshold_shapes(json_t *errs, const json_t *v, enum rl_spec_mode mode)
{
  if (v == NULL || (json_is_null(v) && mode == RL_SPEC_UPDATE))
    return;
  if (json_is_null(v)) {
    rl_spec_error(errs, "site_low_stock", "not_nullable", "must not be null");
    return;
  }
  if (!json_is_object(v)) {
    rl_spec_error(errs, "site_low_stock", "not_an_object",
                  "must be an object of site slugs to low-stock thresholds");
    return;
  }
  if (json_object_size(v) > SITES_MAX) {
    rl_spec_error(errs, "site_low_stock", "item_count", "must hold at most 200 sites");
    return;
  }
  const char *slug;
  json_t *q;
  json_object_foreach((json_t *)v, slug, q) {
    char field[128];
    threshold_field(field, sizeof field, slug);
    double x = json_number_value(q);
    if (json_is_null(q) && mode == RL_SPEC_CREATE)
      rl_spec_error(errs, field, "not_nullable", "must not be null");
    else if (!json_is_null(q) && !json_is_number(q))
      rl_spec_error(errs, field, "not_a_number", "must be a number");
    else if (json_is_number(q) && (!isfinite(x) || x < 0 || x > QUANTITY_MAX))
      rl_spec_error(errs, field, "out_of_range", "must be from 0 to 1e+06");
  }
}

/* The categories and sites a body names must exist (categories once
 * each); suggestions come with the unknown ones. */
static int check_references(json_t *errs, const json_t *body)
{
  const json_t *cats = json_object_get(body, "categories");
  size_t i;
  const json_t *c;
  if (!rl_spec_names(errs, "categories"))
    json_array_foreach(cats, i, c) {
      char field[40];
      snprintf(field, sizeof field, "categories[%zu]", i);
      if (rl_spec_names(errs, field))
        continue;
      int rc = category_check(errs, field, json_string_value(c));
      if (rc != RL_OK)
        return rc;
      for (size_t k = 0; k < i; k++)
        if (json_equal(json_array_get(cats, k), c)) {
          rl_spec_error(errs, field, "listed_twice", "is listed twice");
          break;
        }
    }
  const json_t *v = json_object_get(body, "site_low_stock");
  if (!json_is_object(v) || json_object_size(v) == 0 || rl_spec_names(errs, "site_low_stock"))
    return RL_OK;
  /* Every slug at once; only the unknown ones are looked at again, for a
   * suggestion. */
  const char **slugs = calloc(json_object_size(v), sizeof *slugs);
  if (slugs == NULL)
    return RL_ENOMEM;
  size_t n = 0;
  const char *slug;
  json_t *q;
  json_object_foreach((json_t *)v, slug, q)
    slugs[n++] = slug;
  json_t *unknown = NULL;
  int rc = store_part_unknown_sites(&unknown, slugs, n);
  free(slugs);
  json_t *u;
  json_array_foreach(unknown, i, u) {
    char field[128];
    threshold_field(field, sizeof field, json_string_value(u));
    if (rc == RL_OK)
      rc = site_check(errs, field, json_string_value(u), 0, NULL);
  }
  json_decref(unknown);
  return rc;
}

/* The fields as sent: formats (the field list, and site_low_stock's
 * shape), then the categories and sites they name. */
static int check_fields(json_t *errs, const json_t *body, enum rl_spec_mode mode)
{
  json_t *rest = json_is_object(body) ? json_copy((json_t *)body) : json_incref((json_t *)body);
  json_object_del(rest, "site_low_stock");
  json_t *format = NULL;
  int rc = rl_spec_check(&format, rest, fields_part, mode);
  json_decref(rest);
  if (rc == RL_ENOMEM)
    return rc;
  rl_spec_append(errs, format);
  if (!json_is_object(body))
    return RL_OK;
  check_threshold_shapes(errs, json_object_get(body, "site_low_stock"), mode);
  return check_references(errs, body);
}

/* A threshold in the part's unit: whole for pieces, else at most three
 * decimals (numeric(12,3)). Numbers already out of range are told so. */
static void check_quantity(json_t *errs, const char *field, const json_t *v, const char *unit)
{
  double x = json_number_value(v);
  if (!json_is_number(v) || rl_spec_names(errs, field) || !isfinite(x))
    return;
  if (strcmp(unit, "piece") == 0 && x != floor(x))
    rl_spec_error(errs, field, "fraction_of_a_piece",
                  "must be a whole number for a part counted in pieces");
  else if (fabs(x * 1000 - nearbyint(x * 1000)) > 1e-6)
    rl_spec_error(errs, field, "too_many_decimals", "must have at most three decimals");
}

/* The rules of the domain for a part counted in `unit`. */
static void check_rules(json_t *errs, const json_t *body, const char *unit)
{
  if (!json_is_object(body))
    return;
  check_quantity(errs, "low_stock", json_object_get(body, "low_stock"), unit);
  const json_t *v = json_object_get(body, "site_low_stock");
  const char *slug;
  json_t *q;
  json_object_foreach((json_t *)v, slug, q) {
    char field[128];
    threshold_field(field, sizeof field, slug);
    check_quantity(errs, field, q, unit);
  }
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
  t->thresholds =
      thresholds ? json_dumps(thresholds, JSON_COMPACT | JSON_REAL_PRECISION(15)) : strdup("{}");
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

int part_create(json_t **out, int *version, json_t **errors, const json_t *body)
{
  *errors = NULL;
  json_t *errs = json_array();
  if (errs == NULL)
    return RL_ENOMEM;
  int rc = check_fields(errs, body, RL_SPEC_CREATE);
  const char *unit = str(body, "unit") ? str(body, "unit") : "piece";
  if (rc == RL_OK) {
    check_rules(errs, body, unit);
    rc = errors_out(errs, errors);
  } else {
    json_decref(errs);
  }
  struct field_text t = {0};
  if (rc == RL_OK)
    rc = fields_from_json(&t, body, json_object_get(body, "site_low_stock"));
  struct store_part_ref ref;
  if (rc == RL_OK)
    rc = store_part_insert(out, &ref, str(body, "sku"), unit, &t.f);
  fields_free(&t);
  if (rc == RL_OK)
    *version = ref.version;
  return rc;
}

/* A sku from a path: errs names "sku" when it is malformed. */
static int check_path_sku(json_t *errs, const char *sku)
{
  if (part_sku_ok(sku))
    return 1;
  rl_spec_error(errs, "sku", part_format_sku.code, part_format_sku.message);
  return 0;
}

int part_get(json_t **out, int *version, json_t **errors, const char *sku)
{
  *errors = NULL;
  json_t *errs = json_array();
  check_path_sku(errs, sku);
  int rc = errors_out(errs, errors);
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
  if (c->if_match >= 0 && c->if_match != ref.version) {
    rc = RL_EPRECONDITION;
    goto out;
  }
  json_t *errs = json_array();
  check_rules(errs, c->patch, ref.unit);
  rc = errors_out(errs, &c->errors);
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
  json_decref(cur);
  return rc;
}

int part_patch(json_t **out, int *version, json_t **errors, const char *sku, const json_t *patch,
               int if_match)
{
  *errors = NULL;
  json_t *early = json_array();
  if (early == NULL)
    return RL_ENOMEM;
  int sku_ok = check_path_sku(early, sku);
  int rc = check_fields(early, patch, RL_SPEC_UPDATE);
  if (rc != RL_OK) {
    json_decref(early);
    return rc;
  }
  if (json_array_size(early) > 0) {
    /* Refused already: the rules that need the part's unit are told too,
     * when it can be read. */
    struct store_part_ref ref;
    if (sku_ok && store_part_get(NULL, &ref, sku, 0) == RL_OK)
      check_rules(early, patch, ref.unit);
    *errors = early;
    return RL_EINVALID;
  }
  json_decref(early);
  if (json_object_size(patch) == 0) {
    /* Nothing to change: the part as it is, if it is still at if_match. */
    rc = part_get(out, version, errors, sku);
    if (rc == RL_OK && if_match >= 0 && if_match != *version) {
      json_decref(*out);
      return RL_EPRECONDITION;
    }
    return rc;
  }
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
  if (errs == NULL)
    return RL_ENOMEM;
  int rc = q->category ? category_check(errs, "category", q->category) : RL_OK;
  if (rc != RL_OK) {
    json_decref(errs);
    return rc;
  }
  char after[PART_SKU_MAX + 1] = "";
  if (q->cursor && !part_sku_ok(q->cursor))
    rl_spec_error(errs, "cursor", "not_a_cursor", "is not a cursor this service issued");
  else if (q->cursor)
    upper_copy(after, sizeof after, q->cursor);
  rc = errors_out(errs, errors);
  if (rc != RL_OK)
    return rc;

  struct store_part_filter f = {NULL, q->category, q->in_stock_at, q->active};
  /* 100 characters of up to 4 bytes, each possibly escaped, and two %. */
  char like[100 * 4 * 2 + 3];
  if (q->q) {
    rl_spec_like(like, sizeof like, q->q);
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
      rl_spec_error(errs, field, part_format_sku.code, part_format_sku.message);
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
