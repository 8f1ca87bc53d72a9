/* Stock rules on top of store_stock: what each movement type needs, the
 * checks made with the stock rows locked, harvests and repairs' parts. */
#include "core/stock.h"

#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/code.h"
#include "core/device.h"
#include "core/error.h"
#include "core/lifecycle.h"
#include "core/spec.h"
#include "core/store/pool.h"
#include "core/store/store_device.h"
#include "core/store/store_repair.h"

#define PARTS_MAX 50
/* The most of one part a movement may carry: more is a typing mistake. */
#define QUANTITY_MAX_MILLI (100000LL * 1000)

static atomic_ulong g_alerts;

unsigned long stock_alerts_total(void) { return atomic_load(&g_alerts); }

static const char *str(const json_t *o, const char *k)
{
  return json_string_value(json_object_get(o, k));
}

/* Reads a quantity in the part's unit into thousandths. Appends an error
 * naming field and returns -1 when it is not one. */
static int quantity(int64_t *milli, json_t *errors, const char *field, const json_t *v,
                    const char *unit, int zero_ok)
{
  if (!json_is_number(v)) {
    rl_spec_error(errors, field, "not_a_number", "must be a number");
    return -1;
  }
  double x = json_number_value(v) * 1000.0;
  double r = round(x);
  if (!isfinite(x) || fabs(x - r) > 1e-6) {
    rl_spec_error(errors, field, "too_many_decimals", "must have at most 3 decimals");
    return -1;
  }
  if (r < (zero_ok ? 0 : 1) || r > (double)QUANTITY_MAX_MILLI) {
    rl_spec_error(errors, field, "out_of_range",
                  zero_ok ? "must be from 0 to 100000" : "must be more than 0 and at most 100000");
    return -1;
  }
  *milli = (int64_t)r;
  if (strcmp(unit, "piece") == 0 && *milli % 1000 != 0) {
    rl_spec_error(errors, field, "not_whole_pieces",
                  "must be a whole number: this part is counted in pieces");
    return -1;
  }
  return 0;
}

static json_t *milli_json(int64_t m)
{
  return m % 1000 == 0 ? json_integer(m / 1000) : json_real((double)m / 1000.0);
}

/* Appends an error saying part i is short, with what is available. */
static void short_error(json_t *errors, const char *field, const char *sku, int64_t wanted,
                        int64_t available)
{
  char msg[160];
  snprintf(msg, sizeof msg, "%s: %g wanted, %g in stock", sku, (double)wanted / 1000.0,
           (double)available / 1000.0);
  json_t *e = json_pack("{s:s s:s s:s s:s s:o s:o}", "field", field, "code", "insufficient_stock",
                        "message", msg, "sku", sku, "wanted", milli_json(wanted), "available",
                        milli_json(available));
  json_array_append_new(errors, e);
}

static int take_errors(json_t **errors, json_t *errs, int rc)
{
  if (json_array_size(errs) == 0) {
    json_decref(errs);
    return RL_OK;
  }
  *errors = errs;
  return rc;
}

/* ---- a list of parts with quantities, as repairs and harvests send ---- */

struct part_list {
  size_t n;
  struct stock_part *parts;
  int64_t *milli;
  char (*field)[32]; /* "parts[i].quantity" for errors */
};

static void part_list_free(struct part_list *l)
{
  free(l->parts);
  free(l->milli);
  free(l->field);
  memset(l, 0, sizeof *l);
}

/* Reads [{sku, quantity}] and looks the parts up; the same sku twice is
 * added up. Errors name parts[i]. */
static int part_list_read(struct part_list *l, json_t **errors, const json_t *arr, int inactive_ok)
{
  memset(l, 0, sizeof *l);
  json_t *errs = json_array();
  size_t n = json_array_size(arr);
  if (!json_is_array(arr) || n == 0 || n > PARTS_MAX) {
    rl_spec_error(errs, "parts", "item_count", "must be an array of 1 to 50 {sku, quantity}");
    return take_errors(errors, errs, RL_EINVALID);
  }
  const char **skus = calloc(n, sizeof *skus);
  l->parts = calloc(n, sizeof *l->parts);
  l->milli = calloc(n, sizeof *l->milli);
  l->field = calloc(n, sizeof *l->field);
  if (!skus || !l->parts || !l->milli || !l->field) {
    free(skus);
    json_decref(errs);
    part_list_free(l);
    return RL_ENOMEM;
  }
  for (size_t i = 0; i < n; i++) {
    const json_t *it = json_array_get(arr, i);
    char f[40];
    const char *key;
    const json_t *v;
    snprintf(f, sizeof f, "parts[%zu]", i);
    if (!json_is_object(it)) {
      rl_spec_error(errs, f, "not_an_object", "must be an object {sku, quantity}");
      continue;
    }
    json_object_foreach((json_t *)it, key, v) {
      if (strcmp(key, "sku") != 0 && strcmp(key, "quantity") != 0) {
        char uf[300];
        snprintf(uf, sizeof uf, "%s.%s", f, key);
        rl_spec_error(errs, uf, "unknown_field", "unknown field");
      }
    }
    const char *sku = str(it, "sku");
    snprintf(f, sizeof f, "parts[%zu].sku", i);
    size_t len = sku ? strlen(sku) : 0;
    int ok = len >= 1 && len <= 40;
    for (size_t k = 0; ok && k < len; k++)
      ok = (sku[k] >= 'a' && sku[k] <= 'z') || (sku[k] >= 'A' && sku[k] <= 'Z') ||
           (sku[k] >= '0' && sku[k] <= '9') || strchr("-_.", sku[k]) != NULL;
    if (!ok)
      rl_spec_error(errs, f, "not_a_sku",
                    "is not a sku (letters, digits, '-', '_', '.', up to 40)");
    skus[i] = ok ? sku : "";
    snprintf(l->field[i], sizeof l->field[i], "parts[%zu].quantity", i);
  }
  int rc = json_array_size(errs) ? RL_OK : store_stock_parts(l->parts, skus, n);
  l->n = n;
  for (size_t i = 0; rc == RL_OK && json_array_size(errs) == 0 && i < n; i++) {
    char f[40];
    snprintf(f, sizeof f, "parts[%zu].sku", i);
    if (l->parts[i].id == 0)
      rl_spec_error(errs, f, "unknown_part", "is not a known part");
    else if (!l->parts[i].active && !inactive_ok)
      rl_spec_error(errs, f, "inactive_part", "is a deactivated part");
    else
      quantity(&l->milli[i], errs, l->field[i], json_object_get(json_array_get(arr, i), "quantity"),
               l->parts[i].unit, 0);
  }
  free(skus);
  /* The same part twice: one movement with the sum. */
  for (size_t i = 0; rc == RL_OK && i < l->n; i++)
    for (size_t j = i + 1; j < l->n; j++)
      if (l->parts[j].id != 0 && l->parts[j].id == l->parts[i].id) {
        l->milli[i] += l->milli[j];
        l->parts[j] = l->parts[l->n - 1];
        l->milli[j] = l->milli[l->n - 1];
        memcpy(l->field[j], l->field[l->n - 1], sizeof l->field[j]);
        l->n--;
        j--;
      }
  if (rc != RL_OK) {
    json_decref(errs);
    part_list_free(l);
    return rc;
  }
  rc = take_errors(errors, errs, RL_EUNPROCESSABLE);
  if (rc != RL_OK) {
    /* Shape errors are 400; unknown or deactivated parts are 422. */
    size_t i;
    json_t *e;
    json_array_foreach(*errors, i, e) {
      const char *code = json_string_value(json_object_get(e, "code"));
      if (code && strcmp(code, "unknown_part") != 0 && strcmp(code, "inactive_part") != 0)
        rc = RL_EINVALID;
    }
    part_list_free(l);
  }
  return rc;
}

/* ---- repairs' parts ---- */

void stock_take_free(struct stock_take *take)
{
  free(take->moves);
  take->moves = NULL;
  take->n = 0;
}

int stock_take_plan(struct stock_take *take, json_t **errors, const json_t *parts, int64_t site_id)
{
  memset(take, 0, sizeof *take);
  struct part_list l;
  int rc = part_list_read(&l, errors, parts, 0);
  if (rc != RL_OK)
    return rc;
  int64_t *ids = calloc(l.n, sizeof *ids), *sites = calloc(l.n, sizeof *sites),
          *have = calloc(l.n, sizeof *have);
  take->moves = calloc(l.n, sizeof *take->moves);
  rc = ids && sites && have && take->moves ? RL_OK : RL_ENOMEM;
  for (size_t i = 0; rc == RL_OK && i < l.n; i++) {
    ids[i] = l.parts[i].id;
    sites[i] = site_id;
  }
  if (rc == RL_OK)
    rc = store_stock_lock(have, ids, sites, l.n);
  json_t *errs = json_array();
  for (size_t i = 0; rc == RL_OK && i < l.n; i++) {
    if (have[i] < l.milli[i])
      short_error(errs, l.field[i], l.parts[i].sku, l.milli[i], have[i]);
    take->moves[i] = (struct stock_move){ids[i], site_id, -l.milli[i], "used", NULL, 0, 0, 0};
  }
  take->n = l.n;
  if (rc == RL_OK)
    rc = take_errors(errors, errs, RL_ESHORT);
  else
    json_decref(errs);
  if (rc != RL_OK)
    stock_take_free(take);
  free(ids);
  free(sites);
  free(have);
  part_list_free(&l);
  return rc;
}

/* Counts the alerts of applied movements. */
static void count_alerts(const json_t *movements)
{
  size_t i;
  json_t *m;
  json_array_foreach((json_t *)movements, i, m) {
    if (json_is_true(json_object_get(m, "low_stock_alert")))
      atomic_fetch_add(&g_alerts, 1);
  }
}

int stock_take_apply(json_t **out, const struct stock_take *take, int64_t repair_id,
                     int64_t device_id, const struct rl_principal *who)
{
  for (size_t i = 0; i < take->n; i++) {
    take->moves[i].repair_id = repair_id;
    take->moves[i].device_id = device_id;
  }
  struct store_actor actor = {who->name, who->key_id};
  json_t *moves;
  int rc = store_stock_apply(&moves, take->moves, take->n, NULL, &actor);
  if (rc != RL_OK)
    return rc;
  count_alerts(moves);
  json_t *parts = json_array();
  size_t i;
  json_t *m;
  json_array_foreach(moves, i, m) {
    json_t *q = json_object_get(m, "quantity");
    double v = -json_number_value(q);
    json_array_append_new(
        parts, json_pack("{s:O s:o}", "sku", json_object_get(m, "sku"), "quantity",
                         json_is_integer(q) ? json_integer(-json_integer_value(q)) : json_real(v)));
  }
  json_decref(moves);
  *out = parts;
  return RL_OK;
}

/* ---- harvests ---- */

struct harvest_tx {
  const char *code_body;
  const json_t *body;
  const struct rl_principal *who;
  json_t *out, *errors;
};

/* Whether a device may be harvested. *move_from is its status when it must
 * move to harvested first, else NULL. RL_ECONFLICT with *errors saying why
 * not. */
static int harvest_allowed(json_t **errors, const json_t *dev, const char **move_from)
{
  const char *kind = str(dev, "kind"), *status = str(dev, "status");
  *move_from = NULL;
  if (strcmp(kind, "repair") == 0) {
    rl_spec_invalid(errors, "code", "own_device_not_harvested",
                    "is a resident's own device: it is given back, never harvested");
    return RL_ECONFLICT;
  }
  if (strcmp(status, "harvested") == 0)
    return RL_OK;
  if (strcmp(status, "received") == 0 || strcmp(status, "unrepairable") == 0) {
    *move_from = rl_status_name(rl_status_parse(status));
    return RL_OK;
  }
  char msg[160];
  snprintf(msg, sizeof msg,
           "is %s: only a donated device received, unrepairable or already harvested can be "
           "harvested",
           status);
  rl_spec_invalid(errors, "code", "not_harvestable", msg);
  return RL_ECONFLICT;
}

static int harvest_run(void *ctx)
{
  struct harvest_tx *h = ctx;
  json_decref(h->out);
  json_decref(h->errors);
  h->out = h->errors = NULL;
  json_t *dev;
  struct store_device_ref ref;
  int rc = store_device_get(&dev, &ref, h->code_body, 1);
  if (rc != RL_OK)
    return rc;
  const char *move_from = NULL;
  rc = harvest_allowed(&h->errors, dev, &move_from);
  char code[RL_CODE_MAX];
  snprintf(code, sizeof code, "%s", str(dev, "code"));
  json_decref(dev);
  if (rc != RL_OK)
    return rc;
  struct part_list l;
  if ((rc = part_list_read(&l, &h->errors, json_object_get(h->body, "parts"), 0)) != RL_OK)
    return rc;
  struct stock_move *moves = calloc(l.n, sizeof *moves);
  int64_t *ids = calloc(l.n, sizeof *ids), *sites = calloc(l.n, sizeof *sites);
  rc = moves && ids && sites ? RL_OK : RL_ENOMEM;
  for (size_t i = 0; rc == RL_OK && i < l.n; i++) {
    ids[i] = l.parts[i].id;
    sites[i] = ref.site_id;
    moves[i] =
        (struct stock_move){ids[i], ref.site_id, l.milli[i], "harvested", NULL, ref.id, 0, 0};
  }
  struct store_actor actor = {h->who->name, h->who->key_id};
  if (rc == RL_OK && move_from != NULL) {
    const char *from[] = {move_from}, *to[] = {"harvested"};
    rc = store_device_move(NULL, &ref, from, to, 1, "harvested for parts", &actor);
  }
  if (rc == RL_OK)
    rc = store_stock_ensure(ids, sites, l.n);
  json_t *applied = NULL;
  if (rc == RL_OK) {
    store_tx_commit_next();
    rc = store_stock_apply(&applied, moves, l.n, str(h->body, "note"), &actor);
  }
  if (rc == RL_OK)
    h->out = json_pack("{s:s s:s s:o}", "code", code, "status", "harvested", "movements", applied);
  free(moves);
  free(ids);
  free(sites);
  part_list_free(&l);
  return rc;
}

int stock_harvest(json_t **out, json_t **errors, const char *code, const json_t *body,
                  const struct rl_principal *who)
{
  *errors = NULL;
  char cbody[RL_CODE_BODY_LEN + 1];
  int rc = device_code_body(cbody, code, "code", errors);
  if (rc != RL_OK)
    return rc;
  struct harvest_tx h = {cbody, body, who, NULL, NULL};
  rc = store_tx_run(STORE_READ_COMMITTED, harvest_run, &h);
  if (rc == RL_OK) {
    *out = h.out;
    count_alerts(json_object_get(h.out, "movements"));
  } else {
    json_decref(h.out);
  }
  *errors = h.errors;
  return rc;
}

/* ---- movements ---- */

/* A harvest's errors name parts[0].quantity and code; a movement's name
 * quantity and device. */
static void harvest_fields_as_movement(json_t *errors)
{
  size_t i;
  json_t *e;
  json_array_foreach(errors, i, e) {
    const char *f = json_string_value(json_object_get(e, "field"));
    if (f == NULL)
      continue;
    if (strncmp(f, "parts[0].", 9) == 0)
      json_object_set_new(e, "field", json_string(f + 9));
    else if (strcmp(f, "code") == 0)
      json_object_set_new(e, "field", json_string("device"));
  }
}

struct movement_tx {
  const char *sku;
  const json_t *body;
  const struct rl_principal *who;
  json_t *out, *errors;
};

/* A site named by a body field, for a movement: known, and active unless
 * the movement only takes away (a closed site's shelf can still be counted
 * and emptied). RL_OK, 1 when an error about the field was appended, or a
 * store failure. */
static int movement_site(int64_t *id, json_t *errs, const json_t *body, const char *field,
                         int active_needed)
{
  const char *slug = str(body, field);
  if (slug == NULL) {
    rl_spec_error(errs, field, "required", "is required for this type of movement");
    return 1;
  }
  int active = 0;
  int rc = store_stock_site(id, &active, slug);
  if (rc == RL_ENOTFOUND || (rc == RL_OK && active_needed && !active)) {
    if (rc == RL_OK)
      rl_spec_error(errs, field, "inactive_site", "is a closed site");
    else
      rl_spec_error(errs, field, "unknown_site", "is not a known site slug");
    return 1;
  }
  return rc;
}

/* Fields each type takes besides type and note. */
static const char *const type_fields[][5] = {
    {"received", "site", "quantity", "source", NULL},
    {"harvested", "device", "quantity", NULL, NULL},
    {"used", "repair_id", "quantity", NULL, NULL},
    {"adjusted", "site", "counted", NULL, NULL},
    {"scrapped", "site", "quantity", NULL, NULL},
    {"transferred", "site", "to_site", "quantity", NULL},
};

static int movement_run(void *ctx)
{
  struct movement_tx *t = ctx;
  json_decref(t->out);
  json_decref(t->errors);
  t->out = t->errors = NULL;
  const json_t *b = t->body;
  const char *type = str(b, "type");
  json_t *errs = json_array();

  /* What the type takes, and nothing else. */
  size_t k = 0;
  while (k < sizeof type_fields / sizeof type_fields[0] && strcmp(type_fields[k][0], type) != 0)
    k++;
  const char *key;
  const json_t *v;
  json_object_foreach((json_t *)b, key, v) {
    int ok = strcmp(key, "type") == 0 || strcmp(key, "note") == 0;
    for (size_t f = 1; !ok && f < 5 && type_fields[k][f]; f++)
      ok = strcmp(type_fields[k][f], key) == 0;
    if (!ok) {
      char msg[96];
      snprintf(msg, sizeof msg, "is not taken by a movement of type %s", type);
      rl_spec_error(errs, key, "not_for_this_type", msg);
    }
  }
  if (json_array_size(errs) > 0) {
    t->errors = errs;
    return RL_EINVALID;
  }

  struct stock_part part;
  int rc = store_stock_parts(&part, &t->sku, 1);
  if (rc != RL_OK || part.id == 0) {
    json_decref(errs);
    return rc != RL_OK ? rc : RL_ENOTFOUND;
  }
  int adds = strcmp(type, "received") == 0 || strcmp(type, "harvested") == 0;
  if (adds && !part.active) {
    rl_spec_error(errs, "sku", "inactive_part", "is a deactivated part: it takes no new stock");
    t->errors = errs;
    return RL_EUNPROCESSABLE;
  }

  int64_t site = 0, to_site = 0, milli = 0, device_id = 0, repair_id = 0;
  struct store_actor actor = {t->who->name, t->who->key_id};
  if (strcmp(type, "harvested") == 0) {
    /* One part from a device: the harvest's own rules. */
    json_t *one =
        json_pack("{s:[{s:s s:O}] s:O?}", "parts", "sku", part.sku, "quantity",
                  json_object_get(b, "quantity") ? json_object_get(b, "quantity") : json_null(),
                  "note", json_object_get(b, "note"));
    char cbody[RL_CODE_BODY_LEN + 1];
    json_t *e1 = NULL;
    rc = device_code_body(cbody, str(b, "device") ? str(b, "device") : "", "device", &e1);
    if (rc != RL_OK) {
      json_decref(one);
      json_decref(errs);
      t->errors = e1;
      return rc;
    }
    struct harvest_tx h = {cbody, one, t->who, NULL, NULL};
    rc = harvest_run(&h);
    json_decref(one);
    json_decref(errs);
    harvest_fields_as_movement(h.errors);
    t->errors = h.errors;
    if (rc == RL_OK) {
      t->out = json_pack("{s:O}", "movements", json_object_get(h.out, "movements"));
      json_decref(h.out);
    }
    return rc;
  }
  if (strcmp(type, "used") == 0) {
    const json_t *rid = json_object_get(b, "repair_id");
    json_t *rep;
    struct store_repair_device dev;
    int ver;
    rc = json_is_integer(rid) && json_integer_value(rid) > 0
             ? store_repair_get(&rep, &ver, &dev, json_integer_value(rid), 1)
             : RL_ENOTFOUND;
    if (rc == RL_ENOTFOUND)
      rl_spec_error(errs, "repair_id", "unknown_repair", "is not a repair");
    else if (rc != RL_OK) {
      json_decref(errs);
      return rc;
    } else {
      json_decref(rep);
      site = dev.ref.site_id;
      device_id = dev.ref.id;
      repair_id = json_integer_value(rid);
    }
  } else if ((rc = movement_site(&site, errs, b, "site", adds)) < 0) {
    json_decref(errs);
    return rc;
  }
  if (strcmp(type, "transferred") == 0 &&
      (rc = movement_site(&to_site, errs, b, "to_site", 1)) < 0) {
    json_decref(errs);
    return rc;
  }
  if (strcmp(type, "transferred") == 0 && site != 0 && site == to_site)
    rl_spec_error(errs, "to_site", "same_site", "must be another site than site");
  if (strcmp(type, "adjusted") == 0) {
    if (json_object_get(b, "counted") == NULL)
      rl_spec_error(errs, "counted", "required", "is required: the quantity found on the shelf");
    else
      quantity(&milli, errs, "counted", json_object_get(b, "counted"), part.unit, 1);
  } else if (json_object_get(b, "quantity") == NULL) {
    rl_spec_error(errs, "quantity", "required", "is required");
  } else {
    quantity(&milli, errs, "quantity", json_object_get(b, "quantity"), part.unit, 0);
  }
  if (json_array_size(errs) > 0) {
    /* A bad shape is 400; a site or repair that does not fit is 422. */
    int shape = 0;
    size_t i;
    json_t *e;
    json_array_foreach(errs, i, e) {
      const char *f = json_string_value(json_object_get(e, "field"));
      shape |= strcmp(f, "quantity") == 0 || strcmp(f, "counted") == 0;
    }
    t->errors = errs;
    return shape ? RL_EINVALID : RL_EUNPROCESSABLE;
  }

  struct stock_move m[2];
  size_t n = 1;
  if (adds) {
    m[0] = (struct stock_move){part.id, site, milli, type, str(b, "source"), 0, 0, 0};
    rc = store_stock_ensure(&m[0].part_id, &m[0].site_id, 1);
  } else {
    int64_t ids[2] = {part.id, part.id}, sites[2] = {site, to_site}, have[2] = {0, 0};
    size_t locked = to_site ? 2 : 1;
    rc = store_stock_lock(have, ids, sites, locked);
    if (rc == RL_OK && strcmp(type, "adjusted") == 0) {
      m[0] = (struct stock_move){part.id, site, milli - have[0], type, NULL, 0, 0, 0};
    } else if (rc == RL_OK) {
      if (have[0] < milli) {
        short_error(errs, "quantity", part.sku, milli, have[0]);
        t->errors = errs;
        return RL_ESHORT;
      }
      m[0] = (struct stock_move){part.id, site,      -milli,    type,
                                 NULL,    device_id, repair_id, to_site != 0};
      if (to_site) {
        m[1] = (struct stock_move){part.id, to_site, milli, type, NULL, 0, 0, 1};
        n = 2;
      }
    }
  }
  json_decref(errs);
  if (rc != RL_OK)
    return rc;
  json_t *applied;
  store_tx_commit_next();
  rc = store_stock_apply(&applied, m, n, str(b, "note"), &actor);
  if (rc == RL_OK)
    t->out = json_pack("{s:o}", "movements", applied);
  return rc;
}

int stock_movement_create(json_t **out, json_t **errors, const char *sku, const json_t *body,
                          const struct rl_principal *who)
{
  *errors = NULL;
  if (strcmp(str(body, "type"), "adjusted") == 0 && who->role < RL_ROLE_ADMIN)
    return RL_EFORBIDDEN;
  struct movement_tx t = {sku, body, who, NULL, NULL};
  int rc = store_tx_run(STORE_READ_COMMITTED, movement_run, &t);
  if (rc == RL_OK) {
    *out = t.out;
    count_alerts(json_object_get(t.out, "movements"));
  } else {
    json_decref(t.out);
  }
  *errors = t.errors;
  return rc;
}

/* ---- reading ---- */

/* "D 00:00:00 zone" (start of day D) or "D 24:00:00 zone" (its end), as
 * PostgreSQL reads times with a zone name. */
static void day_bound(char *out, size_t cap, const char *date, int end, const char *tz)
{
  snprintf(out, cap, "%s %s %s", date, end ? "24:00:00" : "00:00:00", tz);
}

int stock_get(json_t **out, json_t **errors, const char *sku, const char *site, const char *as_of,
              const char *timezone)
{
  *errors = NULL;
  if (as_of != NULL) {
    if (!rl_spec_is_date(as_of))
      return rl_spec_invalid(errors, "as_of", "not_a_date", "must be a date, YYYY-MM-DD");
    char before[96];
    day_bound(before, sizeof before, as_of, 1, timezone);
    int rc = store_stock_as_of(out, sku, site, before);
    if (rc == RL_OK && site != NULL && json_array_size(json_object_get(*out, "sites")) == 0) {
      /* No movement there by then: nothing, if the site exists. */
      json_t *now;
      rc = store_stock_get(&now, sku, site);
      if (rc == RL_OK) {
        json_array_append_new(json_object_get(*out, "sites"),
                              json_pack("{s:s s:i}", "site", site, "quantity", 0));
        json_decref(now);
      } else {
        json_decref(*out);
      }
    }
    if (rc == RL_OK)
      json_object_set_new(*out, "as_of", json_string(as_of));
    return rc;
  }
  return site ? store_stock_get(out, sku, site) : store_stock_list(out, sku);
}

int stock_movements(json_t **out, char *next_cursor, json_t **errors, const char *sku,
                    const char *site, const char *type, const char *from, const char *to,
                    const char *timezone, const char *cursor, int limit)
{
  *errors = NULL;
  next_cursor[0] = '\0';
  int64_t before;
  int rc = rl_spec_cursor(&before, cursor, errors);
  if (rc != RL_OK)
    return rc;
  char f[96], t[96];
  if (from)
    day_bound(f, sizeof f, from, 0, timezone);
  if (to)
    day_bound(t, sizeof t, to, 1, timezone);
  struct stock_filter filter = {sku, site, type, from ? f : NULL, to ? t : NULL};
  int64_t next = 0;
  rc = store_stock_movements(out, &next, &filter, before, limit);
  if (rc == RL_OK && next > 0)
    snprintf(next_cursor, 32, "%lld", (long long)next);
  return rc;
}

int stock_movement_get(json_t **out, const char *sku, int64_t id)
{
  return store_stock_movement(out, sku, id);
}

int stock_low(json_t **out, char *next_cursor, const char *site, const char *cursor, int limit)
{
  next_cursor[0] = '\0';
  int more = 0;
  int rc = store_stock_low(out, &more, site, cursor ? cursor : "", limit);
  size_t n = json_array_size(*out);
  if (rc == RL_OK && more && n > 0)
    snprintf(next_cursor, 64, "%s",
             json_string_value(json_object_get(json_array_get(*out, n - 1), "sku")));
  return rc;
}

int stock_check(json_t **out)
{
  json_t *mismatches;
  long checked = 0;
  int rc = store_stock_check(&mismatches, &checked);
  if (rc != RL_OK)
    return rc;
  *out = json_pack("{s:b s:i s:o}", "ok", json_array_size(mismatches) == 0, "checked", (int)checked,
                   "mismatches", mismatches);
  return RL_OK;
}
